package app

import (
	"context"
	"errors"
	"time"
)

// Notice is what the Slack audit channel shows of one operation: the
// adapter lays it out (Block Kit) and escapes every field, since most come
// from users.
type Notice struct {
	Repo        Repo
	Issue       int
	IssueURL    string
	Kind        string // deploy, rollback, promote, release
	Environment string // "" for a release
	Version     string // what was asked for: a version, tag, branch or SHA
	SHA         string
	CommitURL   string
	Requester   string
	Approvers   []string
	State       OpState
	Reason      string
	// Duration is how long it ran, once it has ended (0 before).
	Duration time.Duration
	// RunURL links to where it ran: the workflow run, the GitOps commit,
	// the GitHub release ("" when there is none yet).
	RunURL string
}

// NoticeStep is one entry of an operation's Slack thread.
type NoticeStep struct {
	At    time.Time
	Actor string
	Text  string
	// Failure also broadcasts the reply to the channel.
	Failure bool
}

// ErrRejected marks a Slack refusal of one message for its content (too
// long, blocks Slack will not take): sending it again cannot help, but the
// next message may well go through. It comes with ErrPermanent.
var ErrRejected = errors.New("slack refused the message's content")

// Slack posts and keeps up to date one message per operation.
//
// Contract:
//   - Post posts n to channel (a #name or a channel ID) with link_names
//     and unfurls off, and returns the channel ID and the message's ts,
//     which Update and Reply name it by.
//   - Update replaces the message's content with n.
//   - Reply posts step in the message's thread; a Failure step is also
//     broadcast to the channel (reply_broadcast).
//   - Text from users is escaped (&, <, >) everywhere, so nothing in it
//     can mention, link or format.
//
// Errors: a 429 is a *RetryAfterError carrying Slack's Retry-After; 5xx,
// timeouts and network failures are transient; a refusal of the content
// (msg_too_long, invalid_blocks, invalid_arguments, no_text) is
// ErrRejected; every other Slack error (channel_not_found, not_in_channel,
// invalid_auth, …) is Permanent. No error text carries the token.
type Slack interface {
	Post(ctx context.Context, channel string, n Notice) (channelID, ts string, err error)
	Update(ctx context.Context, channelID, ts string, n Notice) error
	Reply(ctx context.Context, channelID, ts string, step NoticeStep) error
}
