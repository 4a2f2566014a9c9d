package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/issueops/issueops/app/policy"
)

// withIssueLease runs fn while holding the issue's lease, the same one form
// requests use: the commands of one issue and its operation's run job take
// turns, across workers and replicas, so two approvals, a cancel and a
// finishing deploy never interleave their writes.
func (s *Service) withIssueLease(ctx context.Context, key IssueKey, holder string, fn func() error) error {
	if s.requests == nil {
		return fn()
	}
	_, ok, err := s.requests.LeaseRequest(ctx, key, holder, s.lease)
	if err != nil {
		return err
	}
	if !ok {
		return &RetryAfterError{Delay: opLeaseBusyDelay, Err: fmt.Errorf("issue %s#%d is busy", key.Repo, key.Number)}
	}
	defer func() {
		if err := s.requests.ReleaseRequest(context.WithoutCancel(ctx), key, holder); err != nil {
			s.logger.WarnContext(ctx, "release issue lease", "repo", key.Repo.String(), "issue", key.Number, "error", err)
		}
	}()
	return fn()
}

// opLeaseBusyDelay is how long a command or a run step waits for the
// issue's lease: the holder's step takes a few GitHub requests.
const opLeaseBusyDelay = time.Second

// progress moves op as far as its rules allow now (approvals counted,
// confirmation asked, queue joined) and writes its status comment.
func (s *Service) progress(ctx context.Context, gh GitHub, pol *policy.Policy, op Operation) error {
	env, ok := opEnvironment(pol, op)
	if !ok {
		return s.end(ctx, gh, op, OpCancelled, fmt.Sprintf("the environment %s is no longer declared in `.github/issueops.yml`", codeSpan(op.Environment)))
	}
	var err error
	if op.State == OpAwaitingApproval {
		if op, err = s.afterApprovals(ctx, env, op); err != nil {
			return err
		}
	}
	return s.report(ctx, gh, op)
}

// afterApprovals moves an operation whose approvals are complete on to
// confirmation or the queue.
func (s *Service) afterApprovals(ctx context.Context, env *policy.Environment, op Operation) (Operation, error) {
	approvals, err := s.ops.store.Approvals(ctx, op.ID)
	if err != nil {
		return op, err
	}
	if len(countedApprovals(op, env, approvals)) < env.Approvals.Required {
		return op, nil
	}
	if env.Confirm {
		op.State, op.ConfirmBy = OpAwaitingConfirmation, s.ops.now().Add(env.ConfirmTTL)
		return op, s.update(ctx, op, OpAwaitingApproval)
	}
	return s.enqueue(ctx, op, OpAwaitingApproval)
}

// enqueue puts op in the queue and reads back where it stands (running
// when it started at once).
func (s *Service) enqueue(ctx context.Context, op Operation, from OpState) (Operation, error) {
	started, err := s.ops.store.Enqueue(ctx, op, from)
	if err != nil {
		return op, err
	}
	s.logStarted(ctx, started)
	return s.ops.store.Operation(ctx, op.ID)
}

func (s *Service) logStarted(ctx context.Context, started []Operation) {
	for _, o := range started {
		s.logOp(ctx, o, "operation started")
	}
}

// update writes op's fields if it is still in state from.
func (s *Service) update(ctx context.Context, op Operation, from OpState) error {
	if err := s.ops.store.UpdateOperation(ctx, op, from); err != nil {
		return fmt.Errorf("update operation %d: %w", op.ID, err)
	}
	return nil
}

// end moves a waiting operation to a terminal state that needs no run (a
// denial, a cancel before it started) and reports it.
func (s *Service) end(ctx context.Context, gh GitHub, op Operation, state OpState, reason string) error {
	from := op.State
	op.State, op.Reason = state, reason
	var err error
	if from == OpQueued || from == OpRunning {
		var started []Operation
		started, err = s.ops.store.Finish(ctx, op, state)
		s.logStarted(ctx, started)
	} else {
		err = s.ops.store.UpdateOperation(ctx, op, from)
	}
	if err != nil {
		return fmt.Errorf("end operation %d: %w", op.ID, err)
	}
	s.logOp(ctx, op, "operation ended", "reason", reason)
	return s.report(ctx, gh, op)
}

// OperationMarker is the hidden HTML comment that identifies an
// operation's status comment.
func OperationMarker(id int64) string { return fmt.Sprintf("<!-- issueops:operation=%d -->", id) }

// report writes op's status comment, creating it once and editing it in
// place after, and leaves the end reaction on the command comment. Safe to
// repeat: an unchanged comment is not written again, and a run cut short
// before it stored the comment's id finds it by its marker.
func (s *Service) report(ctx context.Context, gh GitHub, op Operation) error {
	approvals, err := s.ops.store.Approvals(ctx, op.ID)
	if err != nil {
		return err
	}
	queue, err := s.ops.store.Queue(ctx, op.Issue.RepoID)
	if err != nil {
		return err
	}
	locks, err := s.ops.store.Locks(ctx, op.Issue.RepoID)
	if err != nil {
		return err
	}
	body := renderOperation(opView{prefix: s.prefix, op: op, approvals: approvals, queue: queue, locks: locks}) +
		"\n\n" + OperationMarker(op.ID)
	hash := hashOf(body)
	commentStale, labelStale := op.StatusComment == 0 || hash != op.StatusHash, op.Params[paramLabel] != stateLabel(op.State)
	if commentStale {
		id, err := s.writeComment(ctx, gh, op, body)
		if err != nil {
			return err
		}
		op.StatusComment, op.StatusHash = id, hash
	}
	if labelStale {
		if err := s.relabel(ctx, gh, &op); err != nil {
			return err
		}
	}
	if commentStale || labelStale {
		if err := s.ops.store.UpdateOperation(ctx, op, op.State); err != nil && !errors.Is(err, ErrStateChanged) {
			return err // a state change meanwhile reports again itself
		}
	}
	if op.State == OpSucceeded && op.Params[paramForm] != "" {
		if err := gh.CloseIssue(ctx, op.Issue.Repo, op.Issue.Number); err != nil {
			return err
		}
	}
	return s.endReaction(ctx, gh, op)
}

func (s *Service) writeComment(ctx context.Context, gh GitHub, op Operation, body string) (int64, error) {
	repo, issue := op.Issue.Repo, op.Issue.Number
	if op.StatusComment != 0 {
		err := gh.EditComment(ctx, repo, op.StatusComment, body)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return op.StatusComment, err
		}
	}
	id, found, err := gh.FindComment(ctx, repo, issue, OperationMarker(op.ID), time.Time{})
	if err != nil {
		return 0, fmt.Errorf("look for the status comment: %w", err)
	}
	if found {
		return id, gh.EditComment(ctx, repo, id, body)
	}
	id, err = gh.CreateComment(ctx, repo, issue, body)
	if err != nil {
		return 0, fmt.Errorf("post the status comment: %w", err)
	}
	return id, nil
}

// StateLabelPrefix starts the label that shows an operation's state on its
// issue (issueops:state-running), so a repository's issues can be filtered
// by it.
const StateLabelPrefix = "issueops:state-"

func stateLabel(s OpState) string { return StateLabelPrefix + strings.ReplaceAll(string(s), "_", "-") }

// relabel puts the label of op's state on its issue and takes every other
// state label off, as the issue has them (an earlier operation's too).
func (s *Service) relabel(ctx context.Context, gh GitHub, op *Operation) error {
	repo, n, want := op.Issue.Repo, op.Issue.Number, stateLabel(op.State)
	err := s.setStateLabel(ctx, gh, repo, n, want)
	if errors.Is(err, ErrPermanent) {
		// A label is a convenience: one GitHub refuses (a locked issue, a
		// missing permission) never stops the operation.
		s.logger.WarnContext(ctx, "state label refused", "repo", repo.String(), "issue", n, "operation_id", op.ID, "error", err)
	} else if err != nil {
		return fmt.Errorf("state label %s: %w", want, err)
	}
	if op.Params == nil {
		op.Params = map[string]string{}
	}
	op.Params[paramLabel] = want
	return nil
}

func (s *Service) setStateLabel(ctx context.Context, gh GitHub, repo Repo, n int, want string) error {
	issue, err := gh.GetIssue(ctx, repo, n)
	if err != nil {
		return err
	}
	if !slices.Contains(issue.Labels, want) {
		if err := gh.AddLabels(ctx, repo, n, want); err != nil {
			return err
		}
	}
	for _, l := range issue.Labels {
		if strings.HasPrefix(l, StateLabelPrefix) && l != want {
			if err := gh.RemoveLabel(ctx, repo, n, l); err != nil {
				return err
			}
		}
	}
	return nil
}

// endReaction leaves 🚀, 👎 or 😕 on the comment that asked, once the
// operation has ended. Reactions are idempotent on GitHub's side.
func (s *Service) endReaction(ctx context.Context, gh GitHub, op Operation) error {
	content := map[OpState]string{OpSucceeded: ReactionRocket, OpFailed: ReactionConfused,
		OpDenied: ReactionDown, OpCancelled: ReactionDown}[op.State]
	comment := op.Params[paramComment]
	if content == "" || comment == "" {
		return nil
	}
	var id int64
	if _, err := fmt.Sscan(comment, &id); err != nil || id == 0 {
		return nil
	}
	return gh.AddCommentReaction(ctx, op.Issue.Repo, id, content)
}

// reResolve resolves op's ref again. When it moved, op gets the new SHA and
// snapshot, so the approvals given for the old one no longer count; note
// says so for the status comment. The new commit must meet the promotion
// order like the first.
func (s *Service) reResolve(ctx context.Context, c *call, op *Operation) (note string, err error) {
	if op.Kind != KindDeploy || strings.EqualFold(op.Ref, op.SHA) {
		return "", nil // a promotion or a rollback names its SHA
	}
	sha, err := s.resolveRef(ctx, c.view, op.Ref)
	if err != nil || sha == op.SHA {
		return "", err
	}
	moved := *op
	moved.SHA = sha
	if env, ok := c.pol.Environment(op.Environment); ok {
		if err := s.checkOrder(ctx, c, env, moved); err != nil {
			return "", err
		}
	}
	note = fmt.Sprintf("%s moved from %s to %s since it was requested: approvals given before no longer count.",
		codeSpan(op.Ref), codeSpan(shortSHA(op.SHA)), codeSpan(shortSHA(sha)))
	op.SHA = sha
	op.Hash = snapshotHash(*op)
	op.Params["_note"] = note
	return note, nil
}
