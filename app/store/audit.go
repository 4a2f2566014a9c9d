package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
)

// The Store keeps the audit log and the notification outbox for the Service.
var (
	_ app.AuditLog    = (*Store)(nil)
	_ app.NoticeStore = (*Store)(nil)
)

// auditLogTable is the append-only audit log (see app.AuditEntry). seq is
// written by the store, not a serial: a PostgreSQL sequence leaves a gap
// for every rolled-back transaction, and a gap must mean a removed entry.
// at is in unix nanoseconds; params is the JSON object of the parameters.
const auditLogTable = `CREATE TABLE audit_log (
	seq         BIGINT PRIMARY KEY,
	at          BIGINT NOT NULL,
	repo_id     BIGINT NOT NULL,
	repo        TEXT NOT NULL,
	issue       BIGINT NOT NULL,
	op_id       BIGINT NOT NULL,
	kind        TEXT NOT NULL,
	environment TEXT NOT NULL,
	action      TEXT NOT NULL,
	state       TEXT NOT NULL,
	actor       TEXT NOT NULL,
	delivery_id TEXT NOT NULL,
	ref         TEXT NOT NULL,
	sha         TEXT NOT NULL,
	params      TEXT NOT NULL,
	detail      TEXT NOT NULL,
	hash        TEXT NOT NULL
)`

// The indexes of audit_log: an operation's entries (what its notifier
// reads after its cursor), and entries by time (audit --since).
const (
	auditLogOpIndex = `CREATE INDEX audit_log_op ON audit_log (op_id, seq)`
	auditLogAtIndex = `CREATE INDEX audit_log_at ON audit_log (at)`
)

// auditHeadTable is the chain's head, one row written in the transaction of
// every append: it vouches for the newest entry, so that removing the
// newest entries is seen too, not only a gap among them.
const (
	auditHeadTable = `CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  BIGINT NOT NULL,
	hash TEXT NOT NULL
)`
	auditHeadRow = `INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '')`
)

// auditEngine is the engine's share of app.AuditLog, app.NoticeStore and
// the notify jobs.
type auditEngine interface {
	appendAudit(ctx context.Context, e app.AuditEntry) error
	auditEntries(ctx context.Context, f app.AuditFilter) ([]app.AuditEntry, error)
	verifyAudit(ctx context.Context) (AuditCheck, error)
	setNotifier(n Notifier)
	noticeCursor(ctx context.Context, opID int64) (app.NoticeCursor, error)
	saveNoticeCursor(ctx context.Context, opID int64, c app.NoticeCursor) error
}

// errAuditHeadMissing refuses a write when the chain's head row is gone:
// only a hand-edited database lacks it, and appending without it would
// hide what was removed. Restore the row (issueops audit verify says what
// the log holds) to write again.
var errAuditHeadMissing = errors.New("the audit log's head row (audit_head) is missing: the log was tampered with; run issueops audit verify")

// AppendAudit appends e, an entry that is no change of the store's (a
// refusal). The store assigns Seq, At and Hash; Actor and DeliveryID are
// the context's (app.WithActor) when e leaves them empty; an entry about an
// operation (OperationID) gets the operation's repository, issue, kind,
// environment, ref, SHA and params where it leaves them empty, and fails
// with app.ErrNotFound when there is no such operation.
func (s *Store) AppendAudit(ctx context.Context, e app.AuditEntry) error {
	if e.Action == "" {
		return errors.New("append audit entry: no action")
	}
	a := app.ActorFrom(ctx)
	e.Actor, e.DeliveryID = cmp.Or(e.Actor, a.Login), cmp.Or(e.DeliveryID, a.DeliveryID)
	return s.appendAudit(ctx, e)
}

// AuditEntries lists the entries f selects, oldest first. Repo matches the
// full name without regard to case, as GitHub does.
func (s *Store) AuditEntries(ctx context.Context, f app.AuditFilter) ([]app.AuditEntry, error) {
	return s.auditEntries(ctx, f)
}

func (e *engineOf[TTx]) appendAudit(ctx context.Context, entry app.AuditEntry) error {
	err := e.inTx(ctx, func(tx TTx) error {
		if entry.OperationID == 0 {
			return e.appendAuditTx(ctx, tx, entry)
		}
		op, err := scanOperation(e.queryRowTx(ctx, tx, e.rebind(selectOperation+` WHERE id = ?`), entry.OperationID))
		if isNoRows(err) {
			return app.NotFound(fmt.Errorf("operation %d", entry.OperationID))
		}
		if err != nil {
			return err
		}
		return e.appendAuditTx(ctx, tx, aboutOperation(entry, op))
	})
	if err != nil {
		return fmt.Errorf("append audit entry: %w", err)
	}
	return nil
}

// aboutOperation fills what e leaves empty of the operation it is about,
// so that every entry of an operation carries its repository, issue and
// what it deploys.
func aboutOperation(e app.AuditEntry, op app.Operation) app.AuditEntry {
	if e.Repo == (app.Repo{}) {
		e.Repo = op.Issue.Repo
	}
	if e.Params == nil {
		e.Params = op.Params
	}
	e.RepoID, e.Issue = cmp.Or(e.RepoID, op.Issue.RepoID), cmp.Or(e.Issue, op.Issue.Number)
	e.Kind, e.Environment = cmp.Or(e.Kind, op.Kind), cmp.Or(e.Environment, op.Environment)
	e.Ref, e.SHA = cmp.Or(e.Ref, op.Ref), cmp.Or(e.SHA, op.SHA)
	return e
}

// appendAuditTx appends entries to the log in tx, in order, and queues
// their notifications (queueNotices). Every transaction calls it last, after
// every other write: the audit lock it takes is then the last lock of any
// transaction, taken after the repository's (lockRepo), and held only
// while the log, its head and the outbox are written, so it cannot be part
// of a deadlock.
func (e *engineOf[TTx]) appendAuditTx(ctx context.Context, tx TTx, entries ...app.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	if err := e.lockAudit(ctx, tx); err != nil {
		return fmt.Errorf("lock the audit log: %w", err)
	}
	var (
		seq   int64
		prev  string
		opIDs []int64
	)
	err := e.queryRowTx(ctx, tx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &prev)
	if isNoRows(err) {
		return errAuditHeadMissing
	}
	if err != nil {
		return fmt.Errorf("read the audit log's head: %w", err)
	}
	for _, entry := range entries {
		seq++
		entry = cleanEntry(entry)
		entry.Seq, entry.At = seq, time.Now().UTC()
		entry.Hash = chainHash(prev, entry)
		if err := e.insertAudit(ctx, tx, entry); err != nil {
			return err
		}
		prev = entry.Hash
		if id := entry.OperationID; id != 0 && (len(opIDs) == 0 || opIDs[len(opIDs)-1] != id) {
			opIDs = append(opIDs, id)
		}
	}
	if _, err := e.execTx(ctx, tx, e.rebind(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), seq, prev); err != nil {
		return fmt.Errorf("write the audit log's head: %w", err)
	}
	return e.queueNotices(ctx, tx, opIDs)
}

func (e *engineOf[TTx]) insertAudit(ctx context.Context, tx TTx, a app.AuditEntry) error {
	params, err := encodeParams(a.Params)
	if err != nil {
		return err
	}
	_, err = e.execTx(ctx, tx, e.rebind(`INSERT INTO audit_log (seq, at, repo_id, repo, issue, op_id, kind,
		environment, action, state, actor, delivery_id, ref, sha, params, detail, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		a.Seq, unixNanos(a.At), a.RepoID, repoName(a.Repo), a.Issue, a.OperationID, a.Kind, a.Environment, a.Action,
		string(a.State), a.Actor, a.DeliveryID, a.Ref, a.SHA, params, a.Detail, a.Hash)
	if e.uniqueViolation(err) {
		// %v, not %w: this must not read as the refusal of the change's
		// own unique constraint (ErrOperationExists).
		return fmt.Errorf("append audit entry %d: the log already has one, so its head is behind it (tampered?): %v", a.Seq, err)
	}
	if err != nil {
		return fmt.Errorf("append audit entry %d: %w", a.Seq, err)
	}
	return nil
}

// encodeParams is the params column: a JSON object, {} for none.
func encodeParams(p map[string]string) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("encode audit params: %w", err)
	}
	return string(b), nil
}

const selectAudit = `SELECT seq, at, repo_id, repo, issue, op_id, kind, environment, action, state, actor,
	delivery_id, ref, sha, params, detail, hash FROM audit_log`

// auditRow is a row of selectAudit with its params column still encoded:
// the verifier reports params that do not decode as a changed entry, not
// as a failure to read.
type auditRow struct {
	entry  app.AuditEntry
	params string
}

func scanAuditRow(r row) (auditRow, error) {
	var (
		a           auditRow
		at          int64
		repo, state string
	)
	err := r.Scan(&a.entry.Seq, &at, &a.entry.RepoID, &repo, &a.entry.Issue, &a.entry.OperationID, &a.entry.Kind,
		&a.entry.Environment, &a.entry.Action, &state, &a.entry.Actor, &a.entry.DeliveryID, &a.entry.Ref,
		&a.entry.SHA, &a.params, &a.entry.Detail, &a.entry.Hash)
	if repo != "" {
		a.entry.Repo = parseRepo(repo)
	}
	if at != 0 {
		a.entry.At = time.Unix(0, at).UTC()
	}
	a.entry.State = app.OpState(state)
	return a, err
}

// decoded returns the row's entry with its params.
func (a auditRow) decoded() (app.AuditEntry, error) {
	e := a.entry
	if err := json.Unmarshal([]byte(a.params), &e.Params); err != nil {
		return e, fmt.Errorf("decode the params of audit entry %d: %w", e.Seq, err)
	}
	if len(e.Params) == 0 {
		e.Params = nil
	}
	return e, nil
}

func (e *engineOf[TTx]) auditEntries(ctx context.Context, f app.AuditFilter) ([]app.AuditEntry, error) {
	var where []string
	var args []any
	cond := func(c string, v any) { where, args = append(where, c), append(args, v) }
	if f.Repo != "" {
		cond(`LOWER(repo) = LOWER(?)`, f.Repo)
	}
	if f.Environment != "" {
		cond(`environment = ?`, f.Environment)
	}
	if !f.Since.IsZero() {
		cond(`at >= ?`, f.Since.UnixNano())
	}
	if f.OperationID != 0 {
		cond(`op_id = ?`, f.OperationID)
	}
	if f.AfterSeq > 0 {
		cond(`seq > ?`, f.AfterSeq)
	}
	q := selectAudit
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq"
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	var list []app.AuditEntry
	err := e.inTx(ctx, func(tx TTx) error {
		list = nil
		return e.rowsTx(ctx, tx, func(r row) error {
			a, err := scanAuditRow(r)
			if err != nil {
				return err
			}
			entry, err := a.decoded()
			list = append(list, entry)
			return err
		}, e.rebind(q), args...)
	})
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	return list, nil
}

// opEntry is the entry of a change to op, by the context's actor.
func opEntry(ctx context.Context, op app.Operation, detail string) app.AuditEntry {
	a := app.ActorFrom(ctx)
	return app.AuditEntry{RepoID: op.Issue.RepoID, Repo: op.Issue.Repo, Issue: op.Issue.Number, OperationID: op.ID,
		Kind: op.Kind, Environment: op.Environment, Action: app.AuditOperation, State: op.State, Actor: a.Login,
		DeliveryID: a.DeliveryID, Ref: op.Ref, SHA: op.SHA, Params: op.Params, Detail: detail}
}

// startEntries are the entries of operations the queue started: issueops
// starts them (Actor ""), whatever delivery caused the change that freed
// them.
func startEntries(ctx context.Context, started []app.Operation) []app.AuditEntry {
	entries := make([]app.AuditEntry, 0, len(started))
	for _, op := range started {
		entry := opEntry(ctx, op, "")
		entry.Actor = ""
		entries = append(entries, entry)
	}
	return entries
}

// lockEntry is the entry of a lock taken, refreshed or freed.
func lockEntry(ctx context.Context, action string, l app.Lock, detail string) app.AuditEntry {
	a := app.ActorFrom(ctx)
	return app.AuditEntry{RepoID: l.RepoID, Repo: l.Repo, Issue: l.Issue, Environment: l.Environment, Action: action,
		Actor: a.Login, DeliveryID: a.DeliveryID, Detail: detail}
}

// takeLockDetail says what a lock entry took: whether it refreshed the
// owner's lock, its reason and its expiry.
func takeLockDetail(l app.Lock, refreshed bool, now time.Time) string {
	var parts []string
	if refreshed {
		parts = append(parts, "refreshed")
	}
	if l.Reason != "" {
		parts = append(parts, "reason: "+l.Reason)
	}
	if l.ExpiresAt.IsZero() {
		parts = append(parts, "until unlocked")
	} else {
		parts = append(parts, fmt.Sprintf("until %s (ttl %s)", l.ExpiresAt.UTC().Format(time.RFC3339),
			l.ExpiresAt.Sub(now).Round(time.Second)))
	}
	return strings.Join(parts, "; ")
}

// unlockDetail says whose lock an unlock freed.
// expiredEntry is the unlock entry of a lock that ran out: issueops ends
// it (no actor), whichever change came upon it first.
func expiredEntry(ctx context.Context, l app.Lock) app.AuditEntry {
	return app.AuditEntry{RepoID: l.RepoID, Repo: l.Repo, Issue: l.Issue, Environment: l.Environment,
		Action: app.AuditUnlock, DeliveryID: app.ActorFrom(ctx).DeliveryID, Detail: "expired; " + unlockDetail(l)}
}

func unlockDetail(l app.Lock) string {
	d := "held by " + l.Owner + " since " + l.CreatedAt.UTC().Format(time.RFC3339)
	if l.Reason != "" {
		d += "; reason: " + l.Reason
	}
	return d
}
