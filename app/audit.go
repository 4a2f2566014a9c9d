package app

import (
	"context"
	"time"
)

// Audit actions: what an AuditEntry records.
const (
	// AuditOperation is an operation created or moved to another state, or
	// a step of a running one (Detail says which).
	AuditOperation = "operation"
	AuditApproval  = "approval"
	AuditLock      = "lock"
	AuditUnlock    = "unlock"
	// AuditRefusal is a command or form refused (Detail says why).
	AuditRefusal = "refusal"
)

// AuditEntry is one row of the append-only audit log.
type AuditEntry struct {
	// Seq numbers entries 1, 2, 3, … with no gap, in the order written.
	Seq         int64
	At          time.Time
	RepoID      int64
	Repo        Repo
	Issue       int
	OperationID int64 // 0 for a lock or a refusal outside an operation
	Kind        string
	Environment string
	Action      string  // one of the Audit* constants
	State       OpState // the operation's state after the change ("" when none)
	Actor       string  // who caused it: a GitHub login, or "" for issueops itself
	DeliveryID  string  // the webhook delivery that caused it, "" for a job
	Ref         string
	SHA         string
	Params      map[string]string
	Detail      string
	// Hash chains the entry to the one before it: hex SHA-256 over the
	// previous entry's Hash and this entry's other fields.
	Hash string
}

// AuditFilter selects audit entries; zero fields select everything.
type AuditFilter struct {
	Repo        string // owner/name
	Environment string
	Since       time.Time
	OperationID int64
	AfterSeq    int64
	Limit       int // 0: no limit
}

// AuditLog keeps the audit trail.
//
// Contract: the store appends an entry itself, in the same transaction,
// for every change it makes to an operation's state (CreateOperation,
// UpdateOperation when the state changes or op.Note is set, Enqueue,
// Finish, each start), every approval AddApproval adds, and every lock
// TakeLock takes and ReleaseLock frees, with the actor and delivery of
// the context (WithActor). AppendAudit appends one entry that is no state
// change (a refusal). AuditEntries lists entries oldest first.
type AuditLog interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	AuditEntries(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
}

type actorKey struct{}

// Actor is who a piece of work acts for, carried by its context into the
// audit entries the store writes.
type Actor struct {
	Login      string
	DeliveryID string
}

// WithActor returns ctx carrying the actor of the changes made under it.
func WithActor(ctx context.Context, login, deliveryID string) context.Context {
	return context.WithValue(ctx, actorKey{}, Actor{Login: login, DeliveryID: deliveryID})
}

// ActorFrom returns the actor WithActor put on ctx (zero when none).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// NoticeCursor is how far an operation's Slack message has got.
type NoticeCursor struct {
	ChannelID string
	TS        string // the message; "" until it is posted
	Seq       int64  // the last audit entry delivered to it
}

// NoticeStore keeps each operation's NoticeCursor.
//
// Contract: NoticeCursor answers the zero cursor for an operation never
// posted; SaveNoticeCursor writes it. The store calls its Notifier (see
// store.SetNotifier) for an operation after each committed audit entry of
// it, never twice at once for one operation, and again when an entry was
// committed while a call was running: an outbox, so a notification is
// never lost with a crash and never blocks the change that caused it.
type NoticeStore interface {
	NoticeCursor(ctx context.Context, opID int64) (NoticeCursor, error)
	SaveNoticeCursor(ctx context.Context, opID int64, c NoticeCursor) error
}
