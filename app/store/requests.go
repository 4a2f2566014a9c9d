package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/issueops/issueops/app"
)

// requestsTable holds one row per issue opened from a form; the same SQL
// serves SQLite and PostgreSQL. The lease columns serialise the deliveries
// of one issue across workers and replicas.
const requestsTable = `CREATE TABLE requests (
	repo_id      BIGINT NOT NULL,
	repo         TEXT NOT NULL,
	issue        BIGINT NOT NULL,
	action       TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL DEFAULT '',
	comment_id   BIGINT NOT NULL DEFAULT 0,
	comment_hash TEXT NOT NULL DEFAULT '',
	body_hash    TEXT NOT NULL DEFAULT '',
	params       TEXT NOT NULL DEFAULT '{}',
	sha          TEXT NOT NULL DEFAULT '',
	lease_holder TEXT NOT NULL DEFAULT '',
	lease_until  BIGINT NOT NULL DEFAULT 0,
	updated_at   BIGINT NOT NULL,
	PRIMARY KEY (repo_id, issue)
)`

// LeaseRequest takes the lease of an issue's request for d (see
// app.RequestStore). The holder that already has the lease (a retry of the
// same delivery after a crash) takes it again at once.
func (s *Store) LeaseRequest(ctx context.Context, key app.IssueKey, holder string, d time.Duration) (app.Request, bool, error) {
	return s.leaseRequest(ctx, key, holder, d)
}

// SaveRequest writes r and releases the lease held by holder, or fails with
// app.ErrLeaseLost.
func (s *Store) SaveRequest(ctx context.Context, r app.Request, holder string) error {
	return s.saveRequest(ctx, r, holder)
}

// ReleaseRequest gives up holder's lease and forgets a request never validated.
func (s *Store) ReleaseRequest(ctx context.Context, key app.IssueKey, holder string) error {
	return s.releaseRequest(ctx, key, holder)
}

func (e *engineOf[TTx]) leaseRequest(ctx context.Context, key app.IssueKey, holder string, d time.Duration) (app.Request, bool, error) {
	now := time.Now()
	var (
		r  app.Request
		ok bool
	)
	err := e.inTx(ctx, func(tx TTx) error {
		if _, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO requests (repo_id, repo, issue, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (repo_id, issue) DO NOTHING`), key.RepoID, key.Repo.String(), key.Number, now.UnixMilli()); err != nil {
			return err
		}
		n, err := e.execTx(ctx, tx, e.rebind(`UPDATE requests SET lease_holder = ?, lease_until = ?
			WHERE repo_id = ? AND issue = ? AND (lease_until < ? OR lease_holder = ?)`),
			holder, now.Add(d).UnixMilli(), key.RepoID, key.Number, now.UnixMilli(), holder)
		if err != nil || n == 0 {
			return err
		}
		ok = true
		r, err = e.readRequest(key, e.queryRowTx(ctx, tx, e.rebind(`SELECT action, state, comment_id, comment_hash,
			body_hash, params, sha FROM requests WHERE repo_id = ? AND issue = ?`), key.RepoID, key.Number))
		return err
	})
	if err != nil {
		return app.Request{}, false, fmt.Errorf("lease request %s#%d: %w", key.Repo, key.Number, err)
	}
	return r, ok, nil
}

func (e *engineOf[TTx]) readRequest(key app.IssueKey, rw row) (app.Request, error) {
	r := app.Request{Key: key}
	var state, params string
	if err := rw.Scan(&r.Action, &state, &r.CommentID, &r.CommentHash, &r.BodyHash, &params, &r.SHA); err != nil {
		if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
			return r, ErrNotFound
		}
		return r, err
	}
	r.State = app.RequestState(state)
	if err := json.Unmarshal([]byte(params), &r.Params); err != nil {
		return r, fmt.Errorf("decode stored params: %w", err)
	}
	return r, nil
}

func (e *engineOf[TTx]) saveRequest(ctx context.Context, r app.Request, holder string) error {
	params, err := json.Marshal(r.Params)
	if err != nil {
		return fmt.Errorf("encode params: %w", err)
	}
	var n int64
	err = e.inTx(ctx, func(tx TTx) error {
		n, err = e.execTx(ctx, tx, e.rebind(`UPDATE requests SET action = ?, state = ?, comment_id = ?,
			comment_hash = ?, body_hash = ?, params = ?, sha = ?, lease_holder = '', lease_until = 0, updated_at = ?
			WHERE repo_id = ? AND issue = ? AND lease_holder = ?`),
			r.Action, string(r.State), r.CommentID, r.CommentHash, r.BodyHash, string(params), r.SHA,
			time.Now().UnixMilli(), r.Key.RepoID, r.Key.Number, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("save request %s#%d: %w", r.Key.Repo, r.Key.Number, err)
	}
	if n == 0 {
		return app.ErrLeaseLost
	}
	return nil
}

func (e *engineOf[TTx]) releaseRequest(ctx context.Context, key app.IssueKey, holder string) error {
	err := e.inTx(ctx, func(tx TTx) error {
		if _, err := e.execTx(ctx, tx, e.rebind(`DELETE FROM requests
			WHERE repo_id = ? AND issue = ? AND lease_holder = ? AND state = ''`), key.RepoID, key.Number, holder); err != nil {
			return err
		}
		_, err := e.execTx(ctx, tx, e.rebind(`UPDATE requests SET lease_holder = '', lease_until = 0
			WHERE repo_id = ? AND issue = ? AND lease_holder = ?`), key.RepoID, key.Number, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("release request %s#%d: %w", key.Repo, key.Number, err)
	}
	return nil
}

// inTx runs fn in a transaction that is committed durably when fn succeeds.
func (e *engineOf[TTx]) inTx(ctx context.Context, fn func(tx TTx) error) error {
	tx, err := e.begin(ctx)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = e.rollback(ctx, tx)
		return err
	}
	return e.commit(ctx, tx)
}
