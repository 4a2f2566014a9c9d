package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/issueops/issueops/app/command"
	"github.com/issueops/issueops/app/policy"
)

func (s *Service) cmdDeploy(ctx context.Context, gh GitHub, ev CommentEvent, inv command.Invocation) (string, error) {
	return s.opCommand(ctx, gh, ev, inv, func(ctx context.Context, c *call) (string, error) {
		var reply string
		err := s.withIssueLease(ctx, c.key(), ev.DeliveryID, func() error {
			var err error
			reply, err = s.requestOperation(ctx, c)
			return err
		})
		return reply, err
	})
}

// requestOperation turns /deploy, /rollback or /promote into an operation:
// resolve what to deploy to an exact SHA, check who asks and the
// environment's rules, then wait for approvals, confirmation or the queue.
func (s *Service) requestOperation(ctx context.Context, c *call) (string, error) {
	env, err := c.environment(c.req.Environment)
	if err != nil {
		return "", err
	}
	if err := s.authorize(ctx, c, c.req.Name, env.Name, c.ev.SenderLogin); err != nil {
		return "", err
	}
	op := Operation{Issue: c.key(), InstallationID: c.ev.InstallationID, Kind: c.req.Name, Environment: env.Name,
		Requester: c.ev.SenderLogin, Params: map[string]string{paramComment: strconv.FormatInt(c.ev.CommentID, 10)},
		Slots: slotsFor(env), DeliveryID: c.ev.DeliveryID}
	if err := s.target(ctx, c, env, &op); err != nil {
		return "", err
	}
	if err := s.checkOrder(ctx, c, env, op); err != nil {
		return "", err
	}
	override, err := s.checkFreeze(ctx, c, env, c.ev.SenderLogin)
	if err != nil {
		return "", err
	}
	op.Hash = snapshotHash(op)
	if c.req.DryRun {
		return s.plan(ctx, c, env, op, override)
	}
	return "", s.startRequest(ctx, c, op)
}

// target fills in the ref and SHA an operation deploys. A promotion or a
// rollback deploys a commit that ran before, under the version it ran as.
func (s *Service) target(ctx context.Context, c *call, env *policy.Environment, op *Operation) error {
	switch op.Kind {
	case KindDeploy:
		op.Ref = c.req.Ref
		sha, err := s.resolveRef(ctx, c.view, op.Ref)
		op.SHA = sha
		return err
	case KindPromote:
		source, err := c.environment(c.req.Other)
		if err != nil {
			return err
		}
		live, found, err := liveDeployment(ctx, c.gh, c.ev.Repo, source.Name)
		if err != nil {
			return err
		}
		if !found {
			return refuse("nothing is live in %s yet: there is no successful deployment to promote.", codeSpan(source.Name))
		}
		op.Ref, op.SHA, op.Params[paramFrom] = s.versionOf(ctx, c.ev.RepoID, live), live.SHA, source.Name
		return nil
	default: // rollback
		if c.req.Ref != "" {
			return s.namedRollback(ctx, c, env, op)
		}
		previous, err := rollbackTarget(ctx, c.gh, c.ev.Repo, env.Name)
		if err != nil {
			return err
		}
		op.Ref, op.SHA = s.versionOf(ctx, c.ev.RepoID, previous), previous.SHA
		return nil
	}
}

// namedRollback targets the version a /rollback names, which must be one
// that ran in the environment: a rollback goes back, it does not deploy
// something new past the promotion order.
func (s *Service) namedRollback(ctx context.Context, c *call, env *policy.Environment, op *Operation) error {
	sha, err := s.resolveRef(ctx, c.view, c.req.Ref)
	if err != nil {
		return err
	}
	ran, err := ranIn(ctx, c.gh, c.ev.Repo, env.Name, sha)
	if err != nil {
		return err
	}
	if ran {
		op.Ref, op.SHA = c.req.Ref, sha
		return nil
	}
	return refuse("%s (%s) has not run in %s among its last %d deployments: a rollback goes back to what ran there. %s deploys anything else.",
		codeSpan(c.req.Ref), codeSpan(shortSHA(sha)), codeSpan(env.Name), maxHistory, codeSpan(s.prefix+"deploy"))
}

// versionOf is the version a deployment ran as: what its operation asked
// for when issueops made it, else the ref GitHub recorded, else its SHA.
func (s *Service) versionOf(ctx context.Context, repoID int64, d Deployment) string {
	if d.OperationID != 0 {
		if op, err := s.ops.store.Operation(ctx, d.OperationID); err == nil && op.Issue.RepoID == repoID {
			return op.Ref
		}
	}
	return cmp.Or(d.Ref, d.SHA)
}

// resolveRef applies the form rules to a ref (git's ref-name rules, a SHA
// must be on the default branch, no pull-request refs) and resolves it.
func (s *Service) resolveRef(ctx context.Context, view *repoView, ref string) (string, error) {
	sha, msg, err := resolve(ctx, facts{view}, ref)
	if err != nil {
		return "", err
	}
	if msg != "" {
		return "", refuse("%s: %s.", codeSpan(ref), msg)
	}
	return sha, nil
}

// checkOrder enforces after: the commit must be live in the environment
// before this one. Rollbacks are exempt: they undo, whatever the order.
func (s *Service) checkOrder(ctx context.Context, c *call, env *policy.Environment, op Operation) error {
	if env.After == "" || op.Kind == KindRollback {
		return nil
	}
	live, found, err := liveDeployment(ctx, c.gh, c.ev.Repo, env.After)
	if err != nil {
		return err
	}
	if !found || live.SHA != op.SHA {
		return refuse("%s deploys only what is live in %s first, and commit %s is not live there. Deploy it to %s, then promote it: %s.",
			codeSpan(env.Name), codeSpan(env.After), codeSpan(shortSHA(op.SHA)), codeSpan(env.After),
			codeSpan(s.prefix+"promote "+env.After+" to "+env.Name))
	}
	return nil
}

// checkFreeze refuses during a freeze window unless login may override it;
// override says the freeze was overridden.
func (s *Service) checkFreeze(ctx context.Context, c *call, env *policy.Environment, login string) (override string, err error) {
	w, frozen := c.pol.Frozen(env.Name, s.ops.now())
	if !frozen {
		return "", nil
	}
	if err := s.authorize(ctx, c, "freeze_override", env.Name, login); err != nil {
		return "", refuse("%s is frozen (%s): deploys wait until the window ends, or someone allowed to override freezes requests it.",
			codeSpan(env.Name), codeSpan(w.Text))
	}
	return w.Text, nil
}

// startRequest stores a new operation, posts its status comment and moves
// it as far as it can go now. A retried delivery finds the operation it
// created before instead of making a second one.
func (s *Service) startRequest(ctx context.Context, c *call, op Operation) error {
	earlier, found, err := s.ops.store.OperationByDelivery(ctx, op.Issue.RepoID, op.DeliveryID)
	if err != nil {
		return err
	}
	if found && op.DeliveryID != "" { // this delivery made it on an earlier run: carry on with it
		return s.progress(ctx, c.gh, c.pol, earlier)
	}
	op.State = OpAwaitingApproval // progress moves it on when no approval is needed
	created, err := s.ops.store.CreateOperation(ctx, op)
	if errors.Is(err, ErrOperationExists) {
		existing, _, ierr := s.ops.store.IssueOperation(ctx, op.Issue)
		if ierr != nil {
			return ierr
		}
		return refuse("this issue already has an operation in progress (%s). %s it first, or open a new issue.",
			describe(existing), codeSpan(s.prefix+"cancel"))
	}
	if err != nil {
		return err
	}
	s.logOp(ctx, created, "operation requested")
	return s.progress(ctx, c.gh, c.pol, created)
}

// plan is the reply to --dry-run: what would happen, changing nothing.
func (s *Service) plan(ctx context.Context, c *call, env *policy.Environment, op Operation, override string) (string, error) {
	locks, err := s.ops.store.Locks(ctx, op.Issue.RepoID)
	if err != nil {
		return "", err
	}
	queue, err := s.ops.store.Queue(ctx, op.Issue.RepoID)
	if err != nil {
		return "", err
	}
	return renderPlan(planView{prefix: s.prefix, pol: c.pol, op: op, env: env, locks: locks, queue: queue, override: override}), nil
}

func (s *Service) logOp(ctx context.Context, op Operation, msg string, args ...any) {
	s.logger.InfoContext(ctx, msg, append([]any{"delivery_id", op.DeliveryID, "repo", op.Issue.Repo.String(),
		"issue", op.Issue.Number, "operation_id", op.ID, "state", string(op.State)}, args...)...)
}

// describe names an operation for messages: "deploy `v1.4.0` to `production`".
func describe(op Operation) string {
	switch op.Kind {
	case KindPromote:
		return fmt.Sprintf("promote %s from %s to %s", codeSpan(shortSHA(op.SHA)), codeSpan(op.Params[paramFrom]), codeSpan(op.Environment))
	case KindRollback:
		return fmt.Sprintf("roll %s back to %s", codeSpan(op.Environment), codeSpan(op.Ref))
	case KindRelease:
		return fmt.Sprintf("release %s", codeSpan(op.Params[paramTag]))
	}
	return fmt.Sprintf("deploy %s to %s", codeSpan(op.Ref), codeSpan(op.Environment))
}
