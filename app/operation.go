package app

import (
	"context"
	"errors"
	"time"
)

// Operation kinds: each deploys one commit to one environment.
const (
	KindDeploy   = "deploy"
	KindRollback = "rollback"
	KindPromote  = "promote"
	// KindRelease tags a commit and publishes it; Environment is "".
	KindRelease = "release"
)

// OpState is where an operation stands (DESIGN.md §4).
type OpState string

// Operation states. An operation waits for approvals, then for its
// requester's confirmation, then for its environment and lock group to be
// free (queued), runs, and ends succeeded, failed, cancelled or denied.
const (
	OpAwaitingApproval     OpState = "awaiting_approval"
	OpAwaitingConfirmation OpState = "awaiting_confirmation"
	OpQueued               OpState = "queued"
	OpRunning              OpState = "running"
	OpSucceeded            OpState = "succeeded"
	OpFailed               OpState = "failed"
	OpCancelled            OpState = "cancelled"
	OpDenied               OpState = "denied"
)

// Terminal reports whether nothing more happens to an operation in state s.
func (s OpState) Terminal() bool {
	switch s {
	case OpSucceeded, OpFailed, OpCancelled, OpDenied:
		return true
	}
	return false
}

// Operation is one deploy, rollback or promotion of an exact commit to an
// environment, requested on an issue.
type Operation struct {
	ID             int64
	Issue          IssueKey
	InstallationID int64
	Kind           string // KindDeploy, KindRollback, KindPromote
	Environment    string
	// Ref is what was asked for: a version, branch, tag or SHA (for a
	// promotion, the source environment's live SHA).
	Ref string
	// SHA is the full commit SHA Ref resolved to: exactly this is deployed.
	SHA       string
	Requester string
	// Params are the request's other parameters (reason, source
	// environment, method inputs): part of the snapshot approvals bind to.
	Params map[string]string
	// Hash is the snapshot of (Kind, Environment, Ref, SHA, Params):
	// approvals count only while it is unchanged.
	Hash  string
	State OpState
	// Slots are the run slots the operation holds while running
	// ("env:<name>", "group:<name>"): at most one running operation per slot,
	// enforced by the database.
	Slots []string
	// StatusComment is the operation's status comment on its issue, edited
	// in place; StatusHash the hash of its last written body.
	StatusComment int64
	StatusHash    string
	// DeploymentID is the GitHub deployment recording this operation.
	DeploymentID int64
	// Progress is the runner's own record of finished steps (opaque here).
	Progress string
	// Reason says, to the user, why it failed, was denied or cancelled.
	Reason string
	// ConfirmBy is when a confirmation prompt expires (awaiting_confirmation).
	ConfirmBy time.Time
	// DeliveryID is the delivery that requested it, for logs.
	DeliveryID string
	// Note is the audit log's words for this one write (a step of a run,
	// the reason of an end): not stored on the operation itself.
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Approval is one person's approval of an operation's snapshot.
type Approval struct {
	OpID  int64
	Login string
	Hash  string // the operation's Hash when approved
	At    time.Time
}

// Lock is a sticky environment lock taken with /lock: while it runs, only
// its owner's operations start in that environment. Environment GlobalLock
// locks every environment of the repository.
type Lock struct {
	RepoID      int64
	Repo        Repo
	Environment string
	Owner       string
	Reason      string
	Issue       int // the issue the lock was taken on
	CreatedAt   time.Time
	ExpiresAt   time.Time // zero: until /unlock
}

// GlobalLock is the Environment of a lock taken with --global.
const GlobalLock = "*"

// ErrOperationExists is returned by CreateOperation when the issue already
// has an operation that has not ended: one issue, one operation at a time.
var ErrOperationExists = errors.New("the issue already has an operation in progress")

// ErrStateChanged is returned when an operation is no longer in the state a
// transition expected: another worker moved it first.
var ErrStateChanged = errors.New("operation state changed")

// OperationStore keeps operations, approvals, the run queue and locks.
// Every method is one transaction; the run slots make "at most one running
// operation per environment and lock group" a database constraint, so it
// holds across workers and replicas.
//
// Contract:
//   - CreateOperation assigns ID, CreatedAt and UpdatedAt and stores op as
//     given, or fails with ErrOperationExists when the issue has a
//     non-terminal operation.
//   - Operation reads by id (an error wrapping ErrNotFound when absent);
//     IssueOperation returns the issue's newest operation of any state;
//     OperationByDeployment finds the one recording a GitHub deployment;
//     OperationByDelivery the first one a delivery requested, so a retried
//     delivery never requests a second.
//   - UpdateOperation writes every mutable field of op (all but ID, Issue,
//     CreatedAt) if the stored state is still from, else fails with
//     ErrStateChanged. It never moves an operation into or out of queued or
//     running: Enqueue and Finish do that.
//   - Enqueue moves op (its fields written as by UpdateOperation) from state
//     from to queued, then starts what can start (see Advance).
//   - Finish moves a queued or running op (fields written) to a terminal
//     state, frees its slots, then starts what can start.
//   - Advance starts queued operations of the repository, oldest first: one
//     starts when none of its slots is held, no older queued operation of
//     the repository wants one of its slots (FIFO), and no unexpired lock on
//     its environment or GlobalLock is owned by someone other than its
//     requester. Starting takes its slots, sets state running and enqueues
//     its run job, in the same transaction. It returns the operations it
//     started, so their issues can be told.
//   - Queue lists the repository's queued and running operations, oldest first.
//   - AddApproval records an approval once per (operation, login, hash):
//     added=false for a repeat. Approvals lists them oldest first.
//   - TakeLock takes or refreshes (same owner) a lock; when another owner's
//     unexpired lock is there it returns that one with ok=false. ReleaseLock
//     removes a lock and returns it (found=false when there was none, or
//     when owner is given and the lock is someone else's), then starts what
//     can start; Locks lists unexpired locks, by environment.
//   - EnqueueRun has the operation's run job run (again) soon, whatever its
//     state; when the job is running now, once more right after it ends.
type OperationStore interface {
	CreateOperation(ctx context.Context, op Operation) (Operation, error)
	Operation(ctx context.Context, id int64) (Operation, error)
	IssueOperation(ctx context.Context, key IssueKey) (op Operation, found bool, err error)
	OperationByDeployment(ctx context.Context, repoID, deploymentID int64) (op Operation, found bool, err error)
	OperationByDelivery(ctx context.Context, repoID int64, deliveryID string) (op Operation, found bool, err error)
	UpdateOperation(ctx context.Context, op Operation, from OpState) error
	Enqueue(ctx context.Context, op Operation, from OpState) (started []Operation, err error)
	Finish(ctx context.Context, op Operation, state OpState) (started []Operation, err error)
	Advance(ctx context.Context, repoID int64) (started []Operation, err error)
	Queue(ctx context.Context, repoID int64) ([]Operation, error)
	AddApproval(ctx context.Context, a Approval) (added bool, err error)
	Approvals(ctx context.Context, opID int64) ([]Approval, error)
	TakeLock(ctx context.Context, l Lock) (held Lock, ok bool, err error)
	ReleaseLock(ctx context.Context, repoID int64, environment, owner string) (l Lock, found bool, started []Operation, err error)
	Locks(ctx context.Context, repoID int64) ([]Lock, error)
	EnqueueRun(ctx context.Context, opID int64) error
}
