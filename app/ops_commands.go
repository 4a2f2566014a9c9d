package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/issueops/issueops/app/command"
)

// onOperation runs fn on the issue's operation that has not ended, under
// the issue's lease. fn returns the reply ("" for none: the status comment
// says it all).
func (s *Service) onOperation(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation,
	fn func(context.Context, *call, Operation) (string, error)) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, func(ctx context.Context, c *call) (string, error) {
		var reply string
		err := s.withIssueLease(ctx, c.key(), ev.DeliveryID, func() error {
			op, err := s.activeOperation(ctx, c.key())
			if err != nil {
				return err
			}
			reply, err = fn(ctx, c, op)
			return err
		})
		return reply, err
	})
}

func (s *Service) cmdApprove(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.onOperation(ctx, gh, ev, inv, s.approve)
}

// approve records the sender's approval of the operation's current
// snapshot. The ref is resolved again first: if it moved, the operation
// now deploys the new commit and earlier approvals no longer count.
func (s *Service) approve(ctx context.Context, c *call, op Operation) (string, error) {
	env, err := c.opEnvironment(op)
	if err != nil {
		return "", err
	}
	login := c.ev.SenderLogin
	switch {
	case op.State != OpAwaitingApproval:
		return "", refuse("the operation is %s, not waiting for approval.", stateWords(op.State))
	case !env.Approvals.Self && authored(op, login):
		return "", refuse("%s requested or changed this operation; approvals must come from someone else.", codeSpan(login))
	}
	if err := s.checkApprover(ctx, c, env.Name, login); err != nil {
		return "", err
	}
	if note, err := s.reResolve(ctx, c, &op); err != nil {
		return "", err
	} else if note != "" {
		if err := s.update(ctx, op, OpAwaitingApproval); err != nil {
			return "", err
		}
	}
	if _, err := s.ops.store.AddApproval(ctx, Approval{OpID: op.ID, Login: login, Hash: op.Hash, At: s.ops.now()}); err != nil {
		return "", err
	}
	s.logOp(ctx, op, "operation approved", "approver", login)
	if err := c.gh.AddCommentReaction(ctx, c.ev.Repo, c.ev.CommentID, ReactionThumbsUp); err != nil {
		return "", err
	}
	return "", s.progress(ctx, c.gh, c.pol, op)
}

// checkApprover refuses someone the environment's approvals do not accept.
func (s *Service) checkApprover(ctx context.Context, c *call, envName, login string) error {
	env, err := c.environment(envName)
	if err != nil {
		return err
	}
	ok, err := mayApprove(ctx, access{c.gh, c.ev.Repo}, c.pol, env, login)
	if err != nil {
		return s.uncheckable(ctx, c, err, "whether "+codeSpan(login)+" may approve")
	}
	if !ok {
		return refuse("%s may not approve in %s: approvals there need %s.", codeSpan(login), codeSpan(envName),
			describeApprovers(approverRule(c.pol, env)))
	}
	return nil
}

func (s *Service) cmdDeny(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.onOperation(ctx, gh, ev, inv, func(ctx context.Context, c *call, op Operation) (string, error) {
		if op.State != OpAwaitingApproval && op.State != OpAwaitingConfirmation {
			return "", refuse("the operation is %s; only an operation waiting for approval or confirmation can be denied.", stateWords(op.State))
		}
		if err := s.checkApprover(ctx, c, op.Environment, c.ev.SenderLogin); err != nil {
			return "", err
		}
		reason := "denied by " + codeSpan(c.ev.SenderLogin)
		if c.req.Reason != "" {
			reason += ": " + codeSpan(c.req.Reason)
		}
		return "", s.end(ctx, c.gh, op, OpDenied, reason)
	})
}

func (s *Service) cmdConfirm(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.onOperation(ctx, gh, ev, inv, s.confirm)
}

// confirm lets the requester go ahead with the exact SHA the status comment
// shows. A prompt past its time, or a ref that moved since, is shown again
// instead: the requester confirms what will really be deployed.
func (s *Service) confirm(ctx context.Context, c *call, op Operation) (string, error) {
	if op.State != OpAwaitingConfirmation {
		return "", refuse("the operation is %s, not waiting for confirmation.", stateWords(op.State))
	}
	if !strings.EqualFold(c.ev.SenderLogin, op.Requester) {
		return "", refuse("only %s, who requested the operation, can confirm it.", codeSpan(op.Requester))
	}
	env, err := c.opEnvironment(op)
	if err != nil {
		return "", err
	}
	note, err := s.reResolve(ctx, c, &op)
	if err != nil {
		return "", err
	}
	expired := s.ops.now().After(op.ConfirmBy)
	switch {
	case note != "" && env.Approvals.Required > 0:
		op.State = OpAwaitingApproval
		if err := s.update(ctx, op, OpAwaitingConfirmation); err != nil {
			return "", err
		}
		return "", s.progress(ctx, c.gh, c.pol, op)
	case note != "" || expired:
		op.ConfirmBy = s.ops.now().Add(env.ConfirmTTL)
		if err := s.update(ctx, op, OpAwaitingConfirmation); err != nil {
			return "", err
		}
		if err := s.report(ctx, c.gh, op); err != nil {
			return "", err
		}
		why := "The confirmation prompt had expired"
		if note != "" {
			why = note
		}
		return fmt.Sprintf("%s. Check the commit in the status comment (%s) and %s again.", strings.TrimSuffix(why, "."),
			codeSpan(shortSHA(op.SHA)), codeSpan(s.prefix+"confirm")), nil
	}
	if err := c.gh.AddCommentReaction(ctx, c.ev.Repo, c.ev.CommentID, ReactionThumbsUp); err != nil {
		return "", err
	}
	op, err = s.enqueue(ctx, op, OpAwaitingConfirmation)
	if err != nil {
		return "", err
	}
	return "", s.report(ctx, c.gh, op)
}

func (s *Service) cmdCancel(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.onOperation(ctx, gh, ev, inv, func(ctx context.Context, c *call, op Operation) (string, error) {
		if !strings.EqualFold(c.ev.SenderLogin, op.Requester) {
			if err := s.authorize(ctx, c, "cancel", op.Environment, c.ev.SenderLogin); err != nil {
				return "", err
			}
		}
		if rp := readProgress(op).Release; op.State == OpRunning && rp != nil && rp.Tagged {
			return "", refuse("the tag %s is made, so the release finishes by itself: cancelling now would leave a tag without its release.",
				codeSpan(op.Params[paramTag]))
		}
		reason := "cancelled by " + codeSpan(c.ev.SenderLogin)
		if op.State == OpRunning {
			if err := s.markDeployment(ctx, c.gh, op, "error", "cancelled by "+c.ev.SenderLogin); err != nil {
				return "", err
			}
			reason += s.stopOutside(ctx, c.gh, op)
		}
		return "", s.end(ctx, c.gh, op, OpCancelled, reason)
	})
}

func (s *Service) cmdRetry(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, func(ctx context.Context, c *call) (string, error) {
		return "", s.withIssueLease(ctx, c.key(), ev.DeliveryID, func() error { return s.retry(ctx, c) })
	})
}

// retry requests the issue's failed operation again: the same kind,
// environment, ref, SHA and parameters, as a new operation that goes
// through approvals and the queue like the first.
func (s *Service) retry(ctx context.Context, c *call) error {
	if earlier, found, err := s.ops.store.OperationByDelivery(ctx, c.ev.RepoID, c.ev.DeliveryID); c.ev.DeliveryID != "" && (err != nil || found) {
		if err != nil {
			return err
		}
		return s.progress(ctx, c.gh, c.pol, earlier) // this delivery made it on an earlier run
	}
	last, found, err := s.ops.store.IssueOperation(ctx, c.key())
	if err != nil {
		return err
	}
	if !found || last.State != OpFailed {
		return refuse("there is no failed operation on this issue to retry.")
	}
	env, err := c.opEnvironment(last)
	if err != nil {
		return err
	}
	if err := s.authorize(ctx, c, last.Kind, env.Name, c.ev.SenderLogin); err != nil {
		return err
	}
	if _, err := s.checkFreeze(ctx, c, env, c.ev.SenderLogin); err != nil {
		return err
	}
	op := Operation{Issue: c.key(), InstallationID: c.ev.InstallationID, Kind: last.Kind, Environment: env.Name,
		Ref: last.Ref, SHA: last.SHA, Requester: c.ev.SenderLogin, Params: map[string]string{}, Slots: slotsFor(env),
		DeliveryID: c.ev.DeliveryID}
	for k, v := range last.Params {
		if !strings.HasPrefix(k, "_") || k == paramForm || k == paramAuthors || k == paramLabel {
			op.Params[k] = v
		}
	}
	op.Params[paramComment] = strconv.FormatInt(c.ev.CommentID, 10)
	addAuthor(&op, last.Requester) // the first requester does not approve the retry either
	if last.Kind == KindRelease {
		op.Progress = retriedRelease(last)
	}
	op.Hash = snapshotHash(op)
	return s.startRequest(ctx, c, op)
}

// stateWords says a state in words for messages.
func stateWords(s OpState) string { return strings.ReplaceAll(string(s), "_", " ") }
