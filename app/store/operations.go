package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/issueops/issueops/app"
)

// The Store keeps operations for the Service.
var _ app.OperationStore = (*Store)(nil)

// operationsColumns follows the id column, which each database spells its
// own way (see sqliteMigrations, postgresMigrations). queued_at is when the
// operation last joined the queue: the queue is first come, first served by
// that, not by creation, so an operation that waited a day for approvals
// does not jump ahead of those already waiting. runs counts the times a
// worker took its run job up (the Runner's retry flag); run_again records
// an EnqueueRun that came while the job was running (opjobs.go).
const operationsColumns = `repo_id BIGINT NOT NULL,
	repo            TEXT NOT NULL,
	issue           BIGINT NOT NULL,
	installation_id BIGINT NOT NULL DEFAULT 0,
	kind            TEXT NOT NULL,
	environment     TEXT NOT NULL,
	ref             TEXT NOT NULL DEFAULT '',
	sha             TEXT NOT NULL DEFAULT '',
	requester       TEXT NOT NULL DEFAULT '',
	params          TEXT NOT NULL DEFAULT '{}',
	hash            TEXT NOT NULL DEFAULT '',
	state           TEXT NOT NULL,
	slots           TEXT NOT NULL DEFAULT '[]',
	status_comment  BIGINT NOT NULL DEFAULT 0,
	status_hash     TEXT NOT NULL DEFAULT '',
	deployment_id   BIGINT NOT NULL DEFAULT 0,
	progress        TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	confirm_by      BIGINT NOT NULL DEFAULT 0,
	delivery_id     TEXT NOT NULL DEFAULT '',
	queued_at       BIGINT NOT NULL DEFAULT 0,
	runs            INTEGER NOT NULL DEFAULT 0,
	run_again       INTEGER NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL
)`

// The indexes of operations. operationsOpenIssueIndex is what makes "one
// issue, one operation that has not ended" hold when two replicas create at
// once: a read before the insert cannot. operationsQueuedIndex keeps the
// periodic advance's "which repositories wait" cheap however many operations
// have ended.
const (
	operationsIssueIndex     = `CREATE INDEX operations_issue ON operations (repo_id, issue)`
	operationsOpenIssueIndex = `CREATE UNIQUE INDEX operations_open_issue ON operations (repo_id, issue)
		WHERE state NOT IN ('succeeded', 'failed', 'cancelled', 'denied')`
	operationsStateIndex      = `CREATE INDEX operations_state ON operations (repo_id, state, id)`
	operationsDeploymentIndex = `CREATE INDEX operations_deployment ON operations (repo_id, deployment_id)`
	operationsQueuedIndex     = `CREATE INDEX operations_queued ON operations (repo_id, queued_at, id) WHERE state = 'queued'`
)

// approvalsTable holds who approved which snapshot of an operation: an
// approval of an older hash stays on record but no longer counts.
const approvalsTable = `CREATE TABLE approvals (
	op_id BIGINT NOT NULL,
	login TEXT NOT NULL,
	hash  TEXT NOT NULL,
	at    BIGINT NOT NULL,
	PRIMARY KEY (op_id, login, hash)
)`

// runSlotsTable has one row per slot a running operation holds: its primary
// key is the constraint "at most one running operation per environment and
// lock group", whichever replica starts it.
const runSlotsTable = `CREATE TABLE run_slots (
	repo_id BIGINT NOT NULL,
	slot    TEXT NOT NULL,
	op_id   BIGINT NOT NULL,
	PRIMARY KEY (repo_id, slot)
)`

// envLocksTable holds the sticky locks of /lock; environment '*' is a
// repository's global lock. expires_at 0 means until /unlock.
const envLocksTable = `CREATE TABLE env_locks (
	repo_id     BIGINT NOT NULL,
	environment TEXT NOT NULL,
	repo        TEXT NOT NULL,
	owner       TEXT NOT NULL,
	reason      TEXT NOT NULL DEFAULT '',
	issue       BIGINT NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL,
	expires_at  BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (repo_id, environment)
)`

// afterOperationsTable are the migrations that follow each database's own
// CREATE TABLE operations (its id column is spelt its own way): the same
// on both, in the same order, so a migration has one number on either.
var afterOperationsTable = []string{
	operationsIssueIndex,
	operationsOpenIssueIndex,
	operationsStateIndex,
	operationsDeploymentIndex,
	operationsQueuedIndex,
	approvalsTable,
	runSlotsTable,
	envLocksTable,
	auditLogTable,
	auditLogOpIndex,
	auditLogAtIndex,
	auditHeadTable,
	auditHeadRow,
	noticesTable,
}

// opsEngine is the engine's share of app.OperationStore and of the run jobs.
type opsEngine interface {
	createOperation(ctx context.Context, op app.Operation) (app.Operation, error)
	operation(ctx context.Context, id int64) (app.Operation, error)
	issueOperation(ctx context.Context, key app.IssueKey) (app.Operation, bool, error)
	operationByDeployment(ctx context.Context, repoID, deploymentID int64) (app.Operation, bool, error)
	operationByDelivery(ctx context.Context, repoID int64, deliveryID string) (app.Operation, bool, error)
	updateOperation(ctx context.Context, op app.Operation, from app.OpState) error
	enqueue(ctx context.Context, op app.Operation, from app.OpState) ([]app.Operation, error)
	finishOperation(ctx context.Context, op app.Operation, state app.OpState) ([]app.Operation, error)
	advance(ctx context.Context, repoID int64) ([]app.Operation, error)
	queue(ctx context.Context, repoID int64) ([]app.Operation, error)
	addApproval(ctx context.Context, a app.Approval) (bool, error)
	approvals(ctx context.Context, opID int64) ([]app.Approval, error)
	takeLock(ctx context.Context, l app.Lock) (app.Lock, bool, error)
	releaseLock(ctx context.Context, repoID int64, environment, owner string) (app.Lock, bool, []app.Operation, error)
	locks(ctx context.Context, repoID int64) ([]app.Lock, error)
	setRunner(r Runner)
	enqueueRun(ctx context.Context, opID int64) error
}

// CreateOperation stores op (see app.OperationStore). It is created waiting
// (for approval, confirmation) or ended: only Enqueue queues it.
func (s *Store) CreateOperation(ctx context.Context, op app.Operation) (app.Operation, error) {
	return s.createOperation(ctx, op)
}

// Operation reads an operation by id; errors.Is(err, app.ErrNotFound) when
// there is none.
func (s *Store) Operation(ctx context.Context, id int64) (app.Operation, error) {
	return s.operation(ctx, id)
}

// IssueOperation returns the issue's newest operation, whatever its state.
func (s *Store) IssueOperation(ctx context.Context, key app.IssueKey) (app.Operation, bool, error) {
	return s.issueOperation(ctx, key)
}

// OperationByDeployment finds the operation a GitHub deployment records.
// OperationByDelivery finds the operation a delivery requested (see
// app.OperationStore).
func (s *Store) OperationByDelivery(ctx context.Context, repoID int64, deliveryID string) (app.Operation, bool, error) {
	return s.operationByDelivery(ctx, repoID, deliveryID)
}

func (s *Store) OperationByDeployment(ctx context.Context, repoID, deploymentID int64) (app.Operation, bool, error) {
	return s.operationByDeployment(ctx, repoID, deploymentID)
}

// UpdateOperation writes op's mutable fields if its stored state is still
// from, else fails with app.ErrStateChanged.
func (s *Store) UpdateOperation(ctx context.Context, op app.Operation, from app.OpState) error {
	return s.updateOperation(ctx, op, from)
}

// AddApproval records a once per (operation, login, hash).
func (s *Store) AddApproval(ctx context.Context, a app.Approval) (bool, error) {
	return s.addApproval(ctx, a)
}

// Approvals lists an operation's approvals, oldest first.
func (s *Store) Approvals(ctx context.Context, opID int64) ([]app.Approval, error) {
	return s.approvals(ctx, opID)
}

// inQueue reports whether s is one of the states only Enqueue and Finish
// move an operation into or out of: they hold the run slots' invariant.
func inQueue(s app.OpState) bool { return s == app.OpQueued || s == app.OpRunning }

func (e *engineOf[TTx]) createOperation(ctx context.Context, op app.Operation) (app.Operation, error) {
	if inQueue(op.State) {
		return app.Operation{}, fmt.Errorf("create operation in state %s: only Enqueue queues an operation", op.State)
	}
	params, slots, err := encodeOperation(op)
	if err != nil {
		return app.Operation{}, err
	}
	now := nowMillis()
	op.CreatedAt, op.UpdatedAt = now, now
	err = e.inTx(ctx, func(tx TTx) error {
		err := e.queryRowTx(ctx, tx, e.rebind(`INSERT INTO operations (repo_id, repo, issue, installation_id, kind,
			environment, ref, sha, requester, params, hash, state, slots, status_comment, status_hash, deployment_id,
			progress, reason, confirm_by, delivery_id, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			op.Issue.RepoID, op.Issue.Repo.String(), op.Issue.Number, op.InstallationID, op.Kind, op.Environment,
			op.Ref, op.SHA, op.Requester, params, op.Hash, string(op.State), slots, op.StatusComment, op.StatusHash,
			op.DeploymentID, op.Progress, op.Reason, millis(op.ConfirmBy), op.DeliveryID,
			now.UnixMilli(), now.UnixMilli()).Scan(&op.ID)
		if err != nil {
			return err
		}
		return e.appendAuditTx(ctx, tx, opEntry(ctx, op, op.Note))
	})
	if e.uniqueViolation(err) {
		return app.Operation{}, fmt.Errorf("create operation on %s#%d: %w", op.Issue.Repo, op.Issue.Number, app.ErrOperationExists)
	}
	if err != nil {
		return app.Operation{}, fmt.Errorf("create operation on %s#%d: %w", op.Issue.Repo, op.Issue.Number, err)
	}
	return op, nil
}

// selectOperation reads whole operations; scanOperation scans its rows.
const selectOperation = `SELECT id, repo_id, repo, issue, installation_id, kind, environment, ref, sha, requester,
	params, hash, state, slots, status_comment, status_hash, deployment_id, progress, reason, confirm_by, delivery_id,
	created_at, updated_at FROM operations`

// operationColumns is selectOperation's column list, for RETURNING.
var operationColumns = strings.TrimSuffix(strings.TrimPrefix(selectOperation, "SELECT "), " FROM operations")

func scanOperation(r row) (app.Operation, error) {
	var (
		op                          app.Operation
		repo, state, params, slots  string
		confirmBy, created, updated int64
	)
	err := r.Scan(&op.ID, &op.Issue.RepoID, &repo, &op.Issue.Number, &op.InstallationID, &op.Kind, &op.Environment,
		&op.Ref, &op.SHA, &op.Requester, &params, &op.Hash, &state, &slots, &op.StatusComment, &op.StatusHash,
		&op.DeploymentID, &op.Progress, &op.Reason, &confirmBy, &op.DeliveryID, &created, &updated)
	if err != nil {
		return op, err
	}
	op.Issue.Repo = parseRepo(repo)
	op.State = app.OpState(state)
	op.ConfirmBy, op.CreatedAt, op.UpdatedAt = fromMillis(confirmBy), fromMillis(created), fromMillis(updated)
	if err := json.Unmarshal([]byte(params), &op.Params); err != nil {
		return op, fmt.Errorf("decode stored params of operation %d: %w", op.ID, err)
	}
	if err := json.Unmarshal([]byte(slots), &op.Slots); err != nil {
		return op, fmt.Errorf("decode stored slots of operation %d: %w", op.ID, err)
	}
	return op, nil
}

// operationsTx reads the operations a query of selectOperation returns.
func (e *engineOf[TTx]) operationsTx(ctx context.Context, tx TTx, where string, args ...any) ([]app.Operation, error) {
	var ops []app.Operation
	err := e.rowsTx(ctx, tx, func(r row) error {
		op, err := scanOperation(r)
		ops = append(ops, op)
		return err
	}, e.rebind(selectOperation+" "+where), args...)
	return ops, err
}

// oneOperation reads the first operation of a query, found=false when none.
func (e *engineOf[TTx]) oneOperation(ctx context.Context, where string, args ...any) (app.Operation, bool, error) {
	var op app.Operation
	found := false
	err := e.inTx(ctx, func(tx TTx) error {
		var err error
		op, err = scanOperation(e.queryRowTx(ctx, tx, e.rebind(selectOperation+" "+where), args...))
		found = err == nil
		if isNoRows(err) {
			return nil
		}
		return err
	})
	return op, found, err
}

func (e *engineOf[TTx]) operation(ctx context.Context, id int64) (app.Operation, error) {
	op, found, err := e.oneOperation(ctx, `WHERE id = ?`, id)
	switch {
	case err != nil:
		return app.Operation{}, fmt.Errorf("read operation %d: %w", id, err)
	case !found:
		return app.Operation{}, app.NotFound(fmt.Errorf("operation %d", id))
	}
	return op, nil
}

func (e *engineOf[TTx]) issueOperation(ctx context.Context, key app.IssueKey) (app.Operation, bool, error) {
	op, found, err := e.oneOperation(ctx, `WHERE repo_id = ? AND issue = ? ORDER BY id DESC LIMIT 1`, key.RepoID, key.Number)
	if err != nil {
		return app.Operation{}, false, fmt.Errorf("read operation of %s#%d: %w", key.Repo, key.Number, err)
	}
	return op, found, nil
}

func (e *engineOf[TTx]) operationByDelivery(ctx context.Context, repoID int64, deliveryID string) (app.Operation, bool, error) {
	op, found, err := e.oneOperation(ctx, `WHERE repo_id = ? AND delivery_id = ? ORDER BY id LIMIT 1`, repoID, deliveryID)
	if err != nil {
		return app.Operation{}, false, fmt.Errorf("read operation of delivery %s: %w", deliveryID, err)
	}
	return op, found, nil
}

func (e *engineOf[TTx]) operationByDeployment(ctx context.Context, repoID, deploymentID int64) (app.Operation, bool, error) {
	if deploymentID == 0 {
		return app.Operation{}, false, nil // 0 is "no deployment yet", never a match
	}
	op, found, err := e.oneOperation(ctx, `WHERE repo_id = ? AND deployment_id = ? ORDER BY id DESC LIMIT 1`, repoID, deploymentID)
	if err != nil {
		return app.Operation{}, false, fmt.Errorf("read operation of deployment %d: %w", deploymentID, err)
	}
	return op, found, nil
}

func (e *engineOf[TTx]) updateOperation(ctx context.Context, op app.Operation, from app.OpState) error {
	if (inQueue(from) || inQueue(op.State)) && from != op.State {
		return fmt.Errorf("update operation %d from %s to %s: only Enqueue and Finish move operations into or out of %s and %s",
			op.ID, from, op.State, app.OpQueued, app.OpRunning)
	}
	err := e.inTx(ctx, func(tx TTx) error {
		stored, ok, err := e.writeOperation(ctx, tx, op, `state = ?`, string(from))
		switch {
		case err != nil:
			return err
		case !ok:
			return e.stateChanged(ctx, tx, op.ID, string(from))
		case op.Note != "":
			return e.appendAuditTx(ctx, tx, opEntry(ctx, stored, op.Note))
		case stored.State != from: // a denial, a cancel before the queue: its reason says why
			return e.appendAuditTx(ctx, tx, opEntry(ctx, stored, op.Reason))
		}
		return nil
	})
	if e.uniqueViolation(err) {
		// A terminal operation brought back while its issue has another.
		return fmt.Errorf("update operation %d: %w", op.ID, app.ErrOperationExists)
	}
	if err != nil {
		return fmt.Errorf("update operation %d: %w", op.ID, err)
	}
	return nil
}

// writeOperation writes every mutable field of op, state included, where
// the row's state matches the condition where, and returns the row as
// written (its audit entry is of that, Issue included): ok=false when the
// compare-and-set failed.
func (e *engineOf[TTx]) writeOperation(ctx context.Context, tx TTx, op app.Operation, where string, args ...any) (app.Operation, bool, error) {
	params, slots, err := encodeOperation(op)
	if err != nil {
		return app.Operation{}, false, err
	}
	stored, err := scanOperation(e.queryRowTx(ctx, tx, e.rebind(`UPDATE operations SET installation_id = ?, kind = ?,
		environment = ?, ref = ?, sha = ?, requester = ?, params = ?, hash = ?, state = ?, slots = ?, status_comment = ?,
		status_hash = ?, deployment_id = ?, progress = ?, reason = ?, confirm_by = ?, delivery_id = ?, updated_at = ?
		WHERE id = ? AND `+where+` RETURNING `+operationColumns),
		append([]any{op.InstallationID, op.Kind, op.Environment, op.Ref, op.SHA, op.Requester, params, op.Hash, string(op.State),
			slots, op.StatusComment, op.StatusHash, op.DeploymentID, op.Progress, op.Reason, millis(op.ConfirmBy),
			op.DeliveryID, time.Now().UnixMilli(), op.ID}, args...)...))
	if isNoRows(err) {
		return app.Operation{}, false, nil
	}
	return stored, err == nil, err
}

// stateChanged explains a compare-and-set that changed nothing: the
// operation is gone (app.ErrNotFound) or no longer in the state expected
// (app.ErrStateChanged).
func (e *engineOf[TTx]) stateChanged(ctx context.Context, tx TTx, id int64, expected string) error {
	var state string
	err := e.queryRowTx(ctx, tx, e.rebind(`SELECT state FROM operations WHERE id = ?`), id).Scan(&state)
	if isNoRows(err) {
		return app.NotFound(fmt.Errorf("operation %d", id))
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("operation %d is %s, not %s: %w", id, state, expected, app.ErrStateChanged)
}

func (e *engineOf[TTx]) addApproval(ctx context.Context, a app.Approval) (bool, error) {
	if a.At.IsZero() {
		a.At = time.Now()
	}
	var added bool
	err := e.inTx(ctx, func(tx TTx) error {
		op, err := scanOperation(e.queryRowTx(ctx, tx, e.rebind(selectOperation+` WHERE id = ?`), a.OpID))
		if isNoRows(err) {
			return app.NotFound(fmt.Errorf("operation %d", a.OpID))
		}
		if err != nil {
			return err
		}
		n, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO approvals (op_id, login, hash, at) VALUES (?, ?, ?, ?)
			ON CONFLICT (op_id, login, hash) DO NOTHING`), a.OpID, a.Login, a.Hash, a.At.UnixMilli())
		added = n == 1
		if err != nil || !added {
			return err
		}
		entry := opEntry(ctx, op, "approved snapshot "+a.Hash)
		entry.Action, entry.Actor = app.AuditApproval, a.Login
		return e.appendAuditTx(ctx, tx, entry)
	})
	if err != nil {
		return false, fmt.Errorf("add approval of operation %d: %w", a.OpID, err)
	}
	return added, nil
}

func (e *engineOf[TTx]) approvals(ctx context.Context, opID int64) ([]app.Approval, error) {
	var list []app.Approval
	err := e.inTx(ctx, func(tx TTx) error {
		list = nil
		return e.rowsTx(ctx, tx, func(r row) error {
			a := app.Approval{OpID: opID}
			var at int64
			err := r.Scan(&a.Login, &a.Hash, &at)
			a.At = fromMillis(at)
			list = append(list, a)
			return err
		}, e.rebind(`SELECT login, hash, at FROM approvals WHERE op_id = ? ORDER BY at, login, hash`), opID)
	})
	if err != nil {
		return nil, fmt.Errorf("read approvals of operation %d: %w", opID, err)
	}
	return list, nil
}

func encodeOperation(op app.Operation) (params, slots string, err error) {
	p, err := json.Marshal(op.Params)
	if err != nil {
		return "", "", fmt.Errorf("encode params: %w", err)
	}
	s, err := json.Marshal(op.Slots)
	if err != nil {
		return "", "", fmt.Errorf("encode slots: %w", err)
	}
	return string(p), string(s), nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) }

// parseRepo reads back a Repo stored as "owner/name".
func parseRepo(s string) app.Repo {
	owner, name, _ := strings.Cut(s, "/")
	return app.Repo{Owner: owner, Name: name}
}

// Times are stored as unix milliseconds, 0 for the zero time, and read back
// in UTC.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// nowMillis is now as it reads back from the database.
func nowMillis() time.Time { return time.UnixMilli(time.Now().UnixMilli()).UTC() }
