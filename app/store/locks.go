package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
)

// TakeLock takes the lock l describes, or refreshes it (reason, issue,
// expiry) when its owner already holds it; it keeps the time the owner first
// took it. When someone else holds an unexpired lock there, it returns that
// lock and ok=false. An expired lock is as good as none.
func (s *Store) TakeLock(ctx context.Context, l app.Lock) (app.Lock, bool, error) {
	return s.takeLock(ctx, l)
}

// ReleaseLock removes the lock on environment (app.GlobalLock for the
// repository's) and returns it, found=false when there was none unexpired,
// then starts what can start, in the same transaction. A non-empty owner
// removes only that owner's lock (the one the caller saw: a lock taken by
// someone else meanwhile stays). Who may release a lock is the Service's
// rule, not the store's.
func (s *Store) ReleaseLock(ctx context.Context, repoID int64, environment, owner string) (app.Lock, bool, []app.Operation, error) {
	return s.releaseLock(ctx, repoID, environment, owner)
}

// Locks lists the repository's unexpired locks, by environment.
func (s *Store) Locks(ctx context.Context, repoID int64) ([]app.Lock, error) {
	return s.locks(ctx, repoID)
}

const selectLock = `SELECT repo_id, environment, repo, owner, reason, issue, created_at, expires_at FROM env_locks`

func scanLock(r row) (app.Lock, error) {
	var (
		l                app.Lock
		repo             string
		created, expires int64
	)
	err := r.Scan(&l.RepoID, &l.Environment, &repo, &l.Owner, &l.Reason, &l.Issue, &created, &expires)
	l.Repo, l.CreatedAt, l.ExpiresAt = parseRepo(repo), fromMillis(created), fromMillis(expires)
	return l, err
}

// live reports whether l still holds at now.
func live(l app.Lock, now time.Time) bool { return l.ExpiresAt.IsZero() || l.ExpiresAt.After(now) }

// lockTx reads the lock on environment, found=false when there is none.
func (e *engineOf[TTx]) lockTx(ctx context.Context, tx TTx, repoID int64, environment string) (app.Lock, bool, error) {
	l, err := scanLock(e.queryRowTx(ctx, tx, e.rebind(selectLock+` WHERE repo_id = ? AND environment = ?`), repoID, environment))
	if isNoRows(err) {
		return app.Lock{}, false, nil
	}
	return l, err == nil, err
}

// takeLock runs under the repository's lock: two people locking a free
// environment at once on two replicas must not both be told it is theirs.
func (e *engineOf[TTx]) takeLock(ctx context.Context, l app.Lock) (app.Lock, bool, error) {
	now := time.Now()
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	l.CreatedAt, l.ExpiresAt = fromMillis(millis(l.CreatedAt)), fromMillis(millis(l.ExpiresAt))
	var (
		held app.Lock
		ok   bool
	)
	_, err := e.repoTx(ctx, l.RepoID, func(tx TTx) ([]app.Operation, error) {
		held, ok = app.Lock{}, false
		cur, found, err := e.lockTx(ctx, tx, l.RepoID, l.Environment)
		if err != nil {
			return nil, err
		}
		refresh := found && live(cur, now)
		if refresh {
			if !strings.EqualFold(cur.Owner, l.Owner) {
				held = cur
				return nil, nil
			}
			l.CreatedAt = cur.CreatedAt // a refresh: held since then
		}
		_, err = e.execTx(ctx, tx, e.rebind(`INSERT INTO env_locks (repo_id, environment, repo, owner, reason, issue,
			created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (repo_id, environment) DO UPDATE SET repo = excluded.repo, owner = excluded.owner,
				reason = excluded.reason, issue = excluded.issue, created_at = excluded.created_at,
				expires_at = excluded.expires_at`),
			l.RepoID, l.Environment, l.Repo.String(), l.Owner, l.Reason, l.Issue, millis(l.CreatedAt), millis(l.ExpiresAt))
		if err != nil {
			return nil, err
		}
		held, ok = l, true
		var entries []app.AuditEntry
		if found && !refresh { // it replaces a lock that ran out
			entries = append(entries, expiredEntry(ctx, cur))
		}
		entry := lockEntry(ctx, app.AuditLock, l, takeLockDetail(l, refresh, now))
		entry.Actor = cmp.Or(entry.Actor, l.Owner) // only the owner takes a lock
		return nil, e.appendAuditTx(ctx, tx, append(entries, entry)...)
	})
	if err != nil {
		return app.Lock{}, false, fmt.Errorf("lock %s of repository %d: %w", l.Environment, l.RepoID, err)
	}
	return held, ok, nil
}

func (e *engineOf[TTx]) releaseLock(ctx context.Context, repoID int64, environment, owner string) (app.Lock, bool, []app.Operation, error) {
	var (
		l     app.Lock
		found bool
	)
	started, err := e.repoTx(ctx, repoID, func(tx TTx) ([]app.Operation, error) {
		cur, exists, err := e.lockTx(ctx, tx, repoID, environment)
		if err != nil {
			return nil, err
		}
		l, found = cur, exists && live(cur, time.Now())
		if !found {
			l = app.Lock{}
		}
		if !found && owner != "" {
			return nil, nil // the lock the caller saw is gone: nothing to release
		}
		if found && owner != "" && !strings.EqualFold(l.Owner, owner) {
			// Another lock than the one the caller saw: leave it.
			l, found = app.Lock{}, false
			return nil, nil
		}
		if _, err := e.execTx(ctx, tx, e.rebind(`DELETE FROM env_locks WHERE repo_id = ? AND environment = ?`),
			repoID, environment); err != nil {
			return nil, err
		}
		var entries []app.AuditEntry
		switch {
		case found:
			entries = append(entries, lockEntry(ctx, app.AuditUnlock, l, unlockDetail(l)))
		case exists: // it ran out before this unlock came
			entries = append(entries, expiredEntry(ctx, cur))
		}
		return e.startAudited(ctx, tx, repoID, entries...)
	})
	if err != nil {
		return app.Lock{}, false, nil, fmt.Errorf("unlock %s of repository %d: %w", environment, repoID, err)
	}
	return l, found, started, nil
}

func (e *engineOf[TTx]) locks(ctx context.Context, repoID int64) ([]app.Lock, error) {
	var list []app.Lock
	err := e.inTx(ctx, func(tx TTx) error {
		list = nil
		return e.rowsTx(ctx, tx, func(r row) error {
			l, err := scanLock(r)
			list = append(list, l)
			return err
		}, e.rebind(selectLock+` WHERE repo_id = ? AND (expires_at = 0 OR expires_at > ?)`),
			repoID, time.Now().UnixMilli())
	})
	if err != nil {
		return nil, fmt.Errorf("read the locks of repository %d: %w", repoID, err)
	}
	// Sorted here: the databases' collations would order "*" differently.
	slices.SortFunc(list, func(a, b app.Lock) int { return strings.Compare(a.Environment, b.Environment) })
	return list, nil
}
