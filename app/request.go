package app

import (
	"context"
	"errors"
	"time"
)

// IssueEvent is an issues webhook event as the Service sees it.
type IssueEvent struct {
	DeliveryID     string
	InstallationID int64
	Action         string // see HandlesIssueAction
	Repo           Repo
	RepoID         int64 // GitHub's repository id: survives renames, unlike the name
	IssueNumber    int
	Labels         []string // as the payload carried them
	// ChangedLabel is the label a "labeled" or "unlabeled" event is about.
	ChangedLabel string
	SenderLogin  string
	SenderType   string
	ReceivedAt   time.Time
	Retry        bool
}

// IssueKey names one issue; an issue carries at most one request. The
// repository is keyed by id: a repository renamed, or deleted and made
// again under the same name, never inherits another's requests.
type IssueKey struct {
	RepoID int64
	Repo   Repo // for logs and people
	Number int
}

// RequestState is where a form request stands.
type RequestState string

// Request states. A request is re-validated on every edit until it starts;
// from then on its parameters are frozen and edits change nothing.
const (
	RequestNew     RequestState = ""        // leased, never validated
	RequestInvalid RequestState = "invalid" // problems listed on the issue, nothing runs
	RequestValid   RequestState = "valid"   // checked, waiting to start
	RequestStarted RequestState = "started" // its operation has started: frozen
	// RequestWithdrawn: the issue lost its action label; adding one back
	// checks it again.
	RequestWithdrawn RequestState = "withdrawn"
)

// Request is the state of an issue opened from a form.
type Request struct {
	Key    IssueKey
	Action string
	State  RequestState
	// CommentID is the status comment, edited in place; 0 before it exists.
	CommentID int64
	// CommentHash is the SHA-256 of the status comment as last written, so
	// an unchanged comment is not written again.
	CommentHash string
	// BodyHash is the SHA-256 of the issue body and action labels last
	// validated: a change of either is checked again.
	BodyHash string
	// Params are the validated fields (field id → value) and SHA the commit
	// the ref resolved to, both set while Valid or Started.
	Params map[string]string
	SHA    string
}

// ErrLeaseLost is returned by SaveRequest when the lease expired and another
// worker took the issue: this worker's result is stale and is dropped.
var ErrLeaseLost = errors.New("request lease lost")

// RequestStore keeps form requests. One worker at a time acts on an issue:
// the lease serialises the deliveries of one issue across workers and
// replicas, and expires by itself if its holder dies.
//
// Contract: LeaseRequest returns ok=false, without error, while another
// holder's lease runs; it creates the row (state RequestNew) when absent.
// SaveRequest writes r and releases the lease in one step, or fails with
// ErrLeaseLost. ReleaseRequest gives the lease up without a change and
// deletes a row still in RequestNew.
type RequestStore interface {
	LeaseRequest(ctx context.Context, key IssueKey, holder string, d time.Duration) (r Request, ok bool, err error)
	SaveRequest(ctx context.Context, r Request, holder string) error
	ReleaseRequest(ctx context.Context, key IssueKey, holder string) error
}

// Issue is an issue as the Service reads it back from GitHub.
type Issue struct {
	Title     string
	Body      string
	State     string // "open" or "closed"
	Labels    []string
	UserLogin string
}

// Repository reads a repository's files and refs.
//
// Contract: DefaultBranch names the branch policy and forms are read from.
// ReadFile and ListDir answer found=false (no error) when the path does
// not exist at ref; ListDir gives file names only. ResolveRef turns a
// branch, tag or (abbreviated) SHA into the full commit SHA, found=false
// when no commit matches (a SHA may name a fork's commit: see OnBranch). Errors are classified as for GitHub.
type Repository interface {
	DefaultBranch(ctx context.Context, repo Repo) (string, error)
	ReadFile(ctx context.Context, repo Repo, ref, path string) (data []byte, found bool, err error)
	ListDir(ctx context.Context, repo Repo, ref, path string) (names []string, found bool, err error)
	ResolveRef(ctx context.Context, repo Repo, ref string) (sha string, found bool, err error)
	// OnBranch reports whether commit sha is branch's head or an ancestor
	// of it. GitHub answers for any commit of the repository's fork
	// network, so a bare SHA proves nothing until it is found on a branch.
	OnBranch(ctx context.Context, repo Repo, branch, sha string) (bool, error)
}

// Issues edits issues and their comments.
//
// Contract: AddLabels is idempotent; RemoveLabel succeeds when the label
// is already absent. EditComment replaces a comment's body.
type Issues interface {
	GetIssue(ctx context.Context, repo Repo, number int) (Issue, error)
	AddLabels(ctx context.Context, repo Repo, number int, labels ...string) error
	RemoveLabel(ctx context.Context, repo Repo, number int, label string) error
	EditComment(ctx context.Context, repo Repo, commentID int64, body string) error
}
