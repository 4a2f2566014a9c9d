package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/issueops/issueops/app/policy"
)

// runProgress is what a running operation has done so far, saved after
// each step so that a run cut short resumes where it was.
type runProgress struct {
	StartedAt time.Time `json:"started_at"`
	// Checked: permissions, approvers and freeze were checked at start.
	Checked    bool `json:"checked,omitempty"`
	InProgress bool `json:"in_progress,omitempty"` // the in_progress status is on the deployment
	// DispatchedAt is set before a workflow is dispatched: a run that finds
	// it set looks for the workflow run instead of dispatching again.
	DispatchedAt time.Time `json:"dispatched_at,omitzero"`
	// Unanswered: the last dispatch failed without a clear answer.
	Unanswered bool   `json:"unanswered,omitempty"`
	RunID      int64  `json:"run_id,omitempty"`
	RunURL     string `json:"run_url,omitempty"`
	Commit     string `json:"commit,omitempty"` // the GitOps commit
	// Deploy is the environment's deploy method as the run started with it.
	Deploy *policy.Deploy `json:"deploy,omitempty"`
	// Release is a release's plan and steps.
	Release *releaseProgress `json:"release,omitempty"`
}

func readProgress(op Operation) runProgress {
	var p runProgress
	_ = json.Unmarshal([]byte(op.Progress), &p) // empty or unreadable: start over, every step looks first
	return p
}

func (p runProgress) encode() string {
	b, _ := json.Marshal(p)
	return string(b)
}

// errWaiting means the operation runs outside issueops and has not reported
// back yet: its job looks again after the poll interval.
var errWaiting = errors.New("waiting for the deploy to report")

// RunOperation is the run job of an operation: it takes the next step of
// a running operation and, once the operation has ended, reports it. It is
// called again after a crash, a retry or a poll; every step finds its
// earlier effect before acting (the deployment by operation id, the
// workflow run by correlation id, the GitOps value already in the file).
func (s *Service) RunOperation(ctx context.Context, id int64, _ bool) error {
	err := s.stepOperation(ctx, id, fmt.Sprintf("operation-%d", id))
	if errors.Is(err, errWaiting) {
		return &RetryAfterError{Delay: s.ops.poll, Err: err}
	}
	return err
}

// stepOperation runs one step of operation id under its issue's lease,
// taken as holder: the run job's own name (a job cut short takes it back at
// once) or the delivery of an event about the operation.
func (s *Service) stepOperation(ctx context.Context, id int64, holder string) error {
	op, err := s.ops.store.Operation(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Permanent(err)
	}
	if err != nil {
		return err
	}
	gh, err := s.clients.ForInstallation(ctx, op.InstallationID)
	if err != nil {
		return fmt.Errorf("github client for installation %d: %w", op.InstallationID, err)
	}
	return s.withIssueLease(ctx, op.Issue, holder, func() error {
		op, err := s.ops.store.Operation(ctx, id) // afresh, under the lease
		if err != nil {
			return err
		}
		if op.State == OpSucceeded && op.Kind == KindRelease && jiraPending(readProgress(op).Release) {
			return s.runJiraAfter(ctx, gh, op)
		}
		if op.State != OpRunning {
			return s.report(ctx, gh, op)
		}
		return s.runStep(ctx, gh, op)
	})
}

// runStep drives a running operation: checks at start, the GitHub
// deployment, then the environment's deploy method.
func (s *Service) runStep(ctx context.Context, gh GitHub, op Operation) error {
	view := s.view(gh, op.Issue.Repo)
	pol, err := view.readPolicy(ctx)
	if err != nil {
		return err
	}
	if op.Kind == KindRelease {
		return s.runRelease(ctx, gh, view, pol, op)
	}
	if view.policyErr != nil {
		return s.fail(ctx, gh, op, brokenPolicy(view))
	}
	env, ok := pol.Environment(op.Environment)
	if !ok {
		return s.fail(ctx, gh, op, fmt.Sprintf("the environment %s is no longer declared", codeSpan(op.Environment)))
	}
	p := readProgress(op)
	if p.StartedAt.IsZero() {
		p.StartedAt = s.ops.now()
	}
	if p.Deploy == nil {
		// The method is pinned when the run starts: a policy edit during
		// the run must not switch a half-done deploy to another method.
		d := env.Deploy
		p.Deploy = &d
		if err := s.saveProgress(ctx, &op, p); err != nil {
			return err
		}
	}
	pinned := *env
	pinned.Deploy = *p.Deploy
	env = &pinned
	if !p.Checked {
		if why, err := s.checkAtStart(ctx, gh, view, pol, env, op); err != nil || why != "" {
			if err != nil {
				return err
			}
			return s.fail(ctx, gh, op, why)
		}
		p.Checked = true
	}
	if op.DeploymentID == 0 {
		if op.DeploymentID, err = s.ensureDeployment(ctx, gh, op, env); err != nil {
			return err
		}
		if err := s.saveNoted(ctx, &op, p, fmt.Sprintf("GitHub deployment %d", op.DeploymentID)); err != nil {
			return err
		}
	}
	if !p.InProgress {
		if err := s.markInProgress(ctx, gh, op); err != nil {
			return err
		}
		p.InProgress = true
		if err := s.saveNoted(ctx, &op, p, "deploying"); err != nil {
			return err
		}
		if err := s.report(ctx, gh, op); err != nil {
			return err
		}
	}
	op, err = s.refreshed(ctx, op)
	if err != nil {
		return err
	}
	return s.runMethod(ctx, gh, env, op)
}

// brokenPolicy is the reason to stop when the policy no longer parses.
func brokenPolicy(view *repoView) string {
	return "`.github/issueops.yml` on the default branch no longer parses: " + codeSpan(view.policyErr.Error())
}

// markInProgress adds the in_progress status to op's deployment unless an
// earlier run did before it could save that it had.
func (s *Service) markInProgress(ctx context.Context, gh GitHub, op Operation) error {
	statuses, err := gh.ListDeploymentStatuses(ctx, op.Issue.Repo, op.DeploymentID)
	if err != nil {
		return fmt.Errorf("statuses of deployment %d: %w", op.DeploymentID, err)
	}
	for _, st := range statuses {
		if st.State == "in_progress" {
			return nil
		}
	}
	return s.markDeployment(ctx, gh, op, "in_progress", "issueops: "+plainDescribe(op))
}

// refreshed reads op back (report may have saved its comment id).
func (s *Service) refreshed(ctx context.Context, op Operation) (Operation, error) {
	fresh, err := s.ops.store.Operation(ctx, op.ID)
	if err != nil {
		return op, err
	}
	if fresh.State != OpRunning {
		return fresh, errWaiting
	}
	return fresh, nil
}

// checkAtStart checks again, at execution, that the requester may run the
// operation and every approver may still approve; a freeze that began
// while it waited stops it unless the requester may override freezes.
// why is the user-facing reason to stop, "" to go on.
func (s *Service) checkAtStart(ctx context.Context, gh GitHub, view *repoView, pol *policy.Policy, env *policy.Environment, op Operation) (string, error) {
	c := &call{ev: CommentEvent{DeliveryID: op.DeliveryID, Repo: op.Issue.Repo, RepoID: op.Issue.RepoID, IssueNumber: op.Issue.Number},
		gh: gh, view: view, pol: pol}
	if err := s.authorize(ctx, c, op.Kind, env.Name, op.Requester); err != nil {
		return refusalText(err)
	}
	if _, err := s.checkFreeze(ctx, c, env, op.Requester); err != nil {
		return refusalText(err)
	}
	if err := s.checkOrder(ctx, c, env, op); err != nil {
		return refusalText(err) // what was live before moved on while it waited
	}
	if env.Approvals.Required == 0 {
		return "", nil
	}
	approvals, err := s.ops.store.Approvals(ctx, op.ID)
	if err != nil {
		return "", err
	}
	var still []string
	for _, a := range countedApprovals(op, env, approvals) {
		ok, err := mayApprove(ctx, access{gh, op.Issue.Repo}, pol, env, a.Login)
		if err != nil {
			return "", err // fail closed: nothing runs until GitHub answers
		}
		if ok {
			still = append(still, a.Login)
		}
	}
	if len(still) < env.Approvals.Required {
		return fmt.Sprintf("only %d of the %d approvals still count: an approver no longer has the access approvals in %s need",
			len(still), env.Approvals.Required, codeSpan(env.Name)), nil
	}
	return "", nil
}

// refusalText turns a refusal into the reason to stop, passing other errors on.
func refusalText(err error) (string, error) {
	var r *Refusal
	if errors.As(err, &r) {
		return strings.TrimSuffix(r.Message, "."), nil
	}
	return "", err
}

// ensureDeployment finds the GitHub deployment an earlier run of op made,
// by the operation id in its payload, or creates it.
func (s *Service) ensureDeployment(ctx context.Context, gh GitHub, op Operation, env *policy.Environment) (int64, error) {
	existing, err := gh.ListDeployments(ctx, op.Issue.Repo, env.Name, op.SHA, maxHistory)
	if err != nil {
		return 0, fmt.Errorf("look for the deployment: %w", err)
	}
	for _, d := range existing {
		if d.OperationID == op.ID {
			return d.ID, nil
		}
	}
	d, err := gh.CreateDeployment(ctx, op.Issue.Repo, NewDeployment{SHA: op.SHA, Environment: env.Name,
		Description: "issueops: " + plainDescribe(op), OperationID: op.ID,
		Production: env.Name == "production"})
	if err != nil {
		return 0, fmt.Errorf("create the deployment: %w", err)
	}
	s.logOp(ctx, op, "deployment created", "deployment_id", d.ID)
	return d.ID, nil
}

// succeed and fail end a running operation, record it on the deployment
// and report it.
func (s *Service) succeed(ctx context.Context, gh GitHub, op Operation, markDeployment bool) error {
	if markDeployment {
		if err := s.markDeployment(ctx, gh, op, "success", "issueops: done"); err != nil {
			return err
		}
	}
	return s.finish(ctx, gh, op, OpSucceeded, "")
}

func (s *Service) fail(ctx context.Context, gh GitHub, op Operation, reason string) error {
	if err := s.markDeployment(ctx, gh, op, "failure", stripMarkup(reason)); err != nil {
		return err
	}
	return s.finish(ctx, gh, op, OpFailed, reason)
}

func (s *Service) finish(ctx context.Context, gh GitHub, op Operation, state OpState, reason string) error {
	op.State, op.Reason = state, reason
	started, err := s.ops.store.Finish(ctx, op, state)
	if errors.Is(err, ErrStateChanged) {
		fresh, rerr := s.ops.store.Operation(ctx, op.ID)
		if rerr != nil {
			return rerr
		}
		return s.report(ctx, gh, fresh) // someone else ended it first
	}
	if err != nil {
		return err
	}
	s.logOp(ctx, op, "operation ended", "reason", reason)
	s.logStarted(ctx, started)
	return s.report(ctx, gh, op)
}

// plainDescribe is describe without markdown, for GitHub's own fields.
func plainDescribe(op Operation) string { return stripMarkup(describe(op)) }

func stripMarkup(s string) string { return strings.ReplaceAll(s, "`", "") }

// GiveUp ends an operation whose run job failed for good (a permanent
// error, or every retry spent): it fails, so that its run slots free and
// the queue moves on, and its issue is told as far as GitHub lets it. The
// cause stays in the logs; the user sees the operation id to find it by.
// An error means the operation could not be ended: the job tries again.
func (s *Service) GiveUp(ctx context.Context, id int64, cause error) error {
	op, err := s.ops.store.Operation(ctx, id)
	if err == nil && op.State == OpSucceeded && op.Kind == KindRelease {
		return s.giveUpJira(ctx, op, cause)
	}
	if err != nil || op.State != OpRunning {
		return err
	}
	s.logOp(ctx, op, "operation failed: its job gave up", "error", cause)
	if rp := readProgress(op).Release; rp != nil && rp.ReleaseURL != "" {
		return s.giveUpReleased(ctx, op) // the release is out: it succeeded
	}
	op.State, op.Reason = OpFailed, fmt.Sprintf("issueops hit an internal error and stopped (operation %d; its logs say why). "+
		"%s requests it again", op.ID, codeSpan(s.prefix+"retry"))
	started, err := s.ops.store.Finish(ctx, op, OpFailed)
	if errors.Is(err, ErrStateChanged) {
		return nil // it ended meanwhile
	}
	if err != nil {
		return fmt.Errorf("fail operation %d: %w", id, err)
	}
	s.logStarted(ctx, started)
	gh, err := s.clients.ForInstallation(ctx, op.InstallationID)
	if err == nil {
		err = errors.Join(s.markDeployment(ctx, gh, op, "error", "issueops: internal error"), s.report(ctx, gh, op))
	}
	if err != nil {
		s.logger.WarnContext(ctx, "report an operation that gave up", "operation_id", id, "error", err)
	}
	return nil
}
