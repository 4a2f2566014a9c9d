package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// noChannel is the cursor's ChannelID for an operation whose repository
// routes it to no Slack channel: it is never looked up again.
const noChannel = "-"

// Notify brings operation opID's Slack message up to date: it posts the
// message once, replies in its thread with every audit entry not yet
// delivered, oldest first, then updates the message to the operation's
// state now. The store calls it from its outbox after each audit entry
// (never twice at once for one operation), so Slack being down delays
// messages and never an operation; every call resumes from the cursor,
// saved after each reply, so a retry repeats at most the one reply a
// crash cut short (and a crash between the post and saving its ts posts
// the message a second time: Slack's post has no idempotency key).
func (s *Service) Notify(ctx context.Context, opID int64) error {
	if s.slack == nil || s.notices == nil || s.audit == nil || s.ops.store == nil {
		return nil
	}
	cur, err := s.notices.NoticeCursor(ctx, opID)
	if err != nil || cur.ChannelID == noChannel {
		return err
	}
	// The entries first, then the operation: its state is then at least as
	// new as the last entry, so the update never shows an older one.
	entries, err := s.audit.AuditEntries(ctx, AuditFilter{OperationID: opID, AfterSeq: cur.Seq})
	if err != nil || len(entries) == 0 && cur.TS != "" {
		return err
	}
	op, err := s.ops.store.Operation(ctx, opID)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	notice, err := s.notice(ctx, op)
	if err != nil {
		return err
	}
	if cur.TS == "" {
		if cur, err = s.postNotice(ctx, op, notice); err != nil || cur.ChannelID == noChannel {
			return err
		}
	}
	for _, e := range entries {
		step := NoticeStep{At: e.At, Actor: e.Actor, Text: stepText(e), Failure: e.State == OpFailed}
		err := s.slack.Reply(ctx, cur.ChannelID, cur.TS, step)
		if errors.Is(err, ErrRejected) {
			// Slack refuses this one reply's content: the thread goes on
			// without it rather than stopping every later one. Any other
			// refusal (a revoked token) keeps the cursor, to resume.
			s.logger.WarnContext(ctx, "slack refused a thread reply", "operation_id", opID, "audit_seq", e.Seq, "error", err)
		} else if err != nil {
			return fmt.Errorf("slack thread reply of operation %d: %w", opID, err)
		}
		cur.Seq = e.Seq
		if err := s.notices.SaveNoticeCursor(ctx, opID, cur); err != nil {
			return err
		}
	}
	if err := s.slack.Update(ctx, cur.ChannelID, cur.TS, notice); err != nil {
		return fmt.Errorf("slack update of operation %d: %w", opID, err)
	}
	return nil
}

// postNotice posts an operation's message in its channel and saves where
// it is; an operation its repository sends to no channel is marked so.
func (s *Service) postNotice(ctx context.Context, op Operation, n Notice) (NoticeCursor, error) {
	channel, err := s.channelFor(ctx, op)
	if err != nil {
		return NoticeCursor{}, err
	}
	if channel == "" {
		cur := NoticeCursor{ChannelID: noChannel}
		return cur, s.notices.SaveNoticeCursor(ctx, op.ID, cur)
	}
	id, ts, err := s.slack.Post(ctx, channel, n)
	if err != nil {
		return NoticeCursor{}, fmt.Errorf("slack message of operation %d: %w", op.ID, err)
	}
	cur := NoticeCursor{ChannelID: id, TS: ts}
	return cur, s.notices.SaveNoticeCursor(ctx, op.ID, cur)
}

// channelFor is the channel the repository's policy routes op to: its
// environment's own, else the repository's, else none.
func (s *Service) channelFor(ctx context.Context, op Operation) (string, error) {
	gh, err := s.clients.ForInstallation(ctx, op.InstallationID)
	if err != nil {
		return "", err
	}
	view := s.view(gh, op.Issue.Repo)
	pol, err := view.readPolicy(ctx)
	if err != nil {
		return "", err
	}
	if view.policyErr != nil {
		// Where it goes is unknown until the policy is fixed: try again
		// later rather than decide "nowhere" for good.
		return "", &RetryAfterError{Delay: 5 * time.Minute, Err: fmt.Errorf("policy of %s does not parse", op.Issue.Repo)}
	}
	return cmp.Or(pol.Slack.Environments[op.Environment], pol.Slack.Channel), nil
}

// notice is what Slack shows of op now.
func (s *Service) notice(ctx context.Context, op Operation) (Notice, error) {
	approvals, err := s.ops.store.Approvals(ctx, op.ID)
	if err != nil {
		return Notice{}, err
	}
	repoURL := strings.TrimSuffix(s.webURL, "/") + "/" + op.Issue.Repo.String()
	n := Notice{Repo: op.Issue.Repo, Issue: op.Issue.Number, IssueURL: fmt.Sprintf("%s/issues/%d", repoURL, op.Issue.Number),
		Kind: op.Kind, Environment: op.Environment, Version: op.Ref, SHA: op.SHA, Requester: op.Requester,
		Approvers: approverNames(op, approvals), State: op.State, Reason: stripMarkup(op.Reason)}
	if op.SHA != "" {
		n.CommitURL = repoURL + "/commit/" + op.SHA
	}
	p := readProgress(op)
	if op.State.Terminal() && !p.StartedAt.IsZero() {
		n.Duration = op.UpdatedAt.Sub(p.StartedAt).Round(time.Second)
	}
	switch {
	case p.Release != nil && p.Release.ReleaseURL != "":
		n.RunURL = p.Release.ReleaseURL
	case p.RunURL != "":
		n.RunURL = p.RunURL
	}
	return n, nil
}

// stepText is what an audit entry did, as a line of the Slack thread.
func stepText(e AuditEntry) string {
	what := e.Action
	switch e.Action {
	case AuditApproval:
		return "approved" // the adapter shows the actor beside it
	case AuditOperation:
		what = stateWords(e.State)
	}
	if e.Detail != "" {
		what += ": " + e.Detail
	}
	return what
}
