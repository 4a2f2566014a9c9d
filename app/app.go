// Package app is the domain core of issueops: the Service that turns a GitHub
// event into a reply, and the small interfaces it needs from the outside world.
// It imports no SDK and does no network I/O of its own; adapters under app/
// implement its interfaces and cmd/issueops wires them together.
package app

import (
	"context"
	"time"
)

// Delivery is one webhook delivery as GitHub sent it, kept verbatim so that a
// worker can process it later (or again, after a crash) exactly as received.
type Delivery struct {
	ID             string            // X-GitHub-Delivery, the dedupe key
	Event          string            // X-GitHub-Event
	Action         string            // payload "action", "" when the event has none
	InstallationID int64             // payload installation.id, 0 outside App mode
	Headers        map[string]string // the X-GitHub-* headers, Hook id and signature
	Body           []byte            // the raw body, byte for byte
	ReceivedAt     time.Time
}

// Repo names a repository.
type Repo struct {
	Owner string
	Name  string
}

// String returns "owner/name".
func (r Repo) String() string { return r.Owner + "/" + r.Name }

// CommentEvent is an issue comment as the Service sees it, reduced from the
// webhook payload to what the domain needs.
type CommentEvent struct {
	DeliveryID     string
	InstallationID int64
	Action         string // only "created" is acted on
	Repo           Repo
	RepoID         int64 // GitHub's repository id: operations and locks are keyed by it
	IssueNumber    int
	CommentID      int64
	Body           string
	SenderLogin    string
	SenderType     string // "User", "Bot", "Organization"
	// ReceivedAt is when the delivery reached intake: nothing this event
	// caused can be older.
	ReceivedAt time.Time
	// Retry is set when an earlier run of this delivery may have written
	// something: every write then first checks whether it already happened.
	Retry bool
}

// Reactions the app leaves on a comment.
const (
	ReactionEyes     = "eyes"
	ReactionRocket   = "rocket"
	ReactionThumbsUp = "+1"
	ReactionDown     = "-1"
	ReactionConfused = "confused"
)

// GitHub is what the Service needs from GitHub, for one installation.
//
// Contract: AddCommentReaction is idempotent on GitHub's side (the same user
// and content again answers 200 with the existing reaction); CreateComment is
// not, so callers look first with FindComment. Errors are classified with the
// error types of this package: a *RetryAfterError for rate limits, an error
// wrapping ErrPermanent for requests that will never succeed, anything else
// is transient.
type GitHub interface {
	Repository
	Issues
	Operations
	AddCommentReaction(ctx context.Context, repo Repo, commentID int64, content string) error
	// CreateComment posts a comment and returns its id.
	CreateComment(ctx context.Context, repo Repo, issue int, body string) (int64, error)
	// FindComment returns the id of a comment on the issue by the app itself
	// (Self), updated at or after since (any time when zero), whose body
	// contains marker. It reads every page. Comments by anyone else never
	// count, so nobody can suppress or hijack a reply by pasting its marker.
	FindComment(ctx context.Context, repo Repo, issue int, marker string, since time.Time) (int64, bool, error)
	// Self is the login the app writes as; its own comments are ignored.
	Self(ctx context.Context) (string, error)
}

// GitHubClients hands out a GitHub for an installation. Contract: clients are
// cached and their tokens refreshed by the implementation; installationID 0
// means the single identity of token mode.
type GitHubClients interface {
	ForInstallation(ctx context.Context, installationID int64) (GitHub, error)
}

// Outcome is what intake did with a delivery; also the outcome label of the
// deliveries metric.
type Outcome string

// Outcomes of intake.
const (
	Accepted  Outcome = "accepted"  // stored, job enqueued
	Duplicate Outcome = "duplicate" // the delivery id was already stored: nothing new
	Ignored   Outcome = "ignored"   // stored as ignored, no job (event or action not handled)
)
