package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/issueops/issueops/app/gitops"
	"github.com/issueops/issueops/app/policy"
)

// Deploy methods (DESIGN.md §3).
const (
	MethodDeployment = "deployment"
	MethodWorkflow   = "workflow"
	MethodGitOps     = "gitops"
)

// CorrelationInput is the workflow_dispatch input that carries an
// operation's correlation id; the workflow names its run after it
// (run-name: ${{ inputs.issueops_id }}) so issueops can find the run.
// SHAInput carries the exact commit to deploy: the workflow runs on a
// branch, whose head may be another commit.
const (
	CorrelationInput = "issueops_id"
	SHAInput         = "issueops_sha"
)

// dispatchGrace is how long a dispatched workflow may take to show its run
// before the operation fails. A dispatch GitHub accepted is never made a
// second time.
const dispatchGrace = 10 * time.Minute

// redispatchAfter is how long a dispatch that failed without a clear answer
// (a 5xx, a dropped connection) waits for its run to show before it is made
// again: ten polls, so a run GitHub lists late is still found.
func (s *Service) redispatchAfter() time.Duration { return 10 * s.ops.poll }

// refused reports a request GitHub turned away without acting: a 4xx or a
// rate limit. A 5xx is not: GitHub may have acted before it failed.
func refused(err error) bool {
	var later *RetryAfterError
	return errors.As(err, &later) || (errors.Is(err, ErrAnswered) && errors.Is(err, ErrPermanent))
}

// maxConflicts bounds the re-read-and-retry loop of a GitOps commit.
const maxConflicts = 5

// runMethod takes the deploy method's next step. The outcome is read before
// the timeout is applied, so a deploy that reported just before its
// deadline is not failed for being late.
func (s *Service) runMethod(ctx context.Context, gh GitHub, env *policy.Environment, op Operation) error {
	p := readProgress(op)
	var err error
	switch env.Deploy.Method {
	case MethodWorkflow:
		err = s.runWorkflow(ctx, gh, env, op, p)
	case MethodGitOps:
		err = s.runGitOps(ctx, gh, env, op, p)
	default:
		err = s.awaitDeployment(ctx, gh, op)
	}
	if errors.Is(err, errWaiting) && s.ops.now().Sub(p.StartedAt) > env.Deploy.Timeout {
		return s.fail(ctx, gh, op, fmt.Sprintf("the deploy did not report back within %s", env.Deploy.Timeout)+s.stopOutside(ctx, gh, op))
	}
	return err
}

// stopOutside stops, where GitHub can, what a running operation started
// outside issueops before it ends early (a /cancel, a timeout): its
// workflow run is cancelled. It returns the note that says what happened
// to it; a GitHub failure here never keeps the operation from ending.
func (s *Service) stopOutside(ctx context.Context, gh GitHub, op Operation) string {
	p := readProgress(op)
	if p.Deploy == nil || op.DeploymentID == 0 {
		return "" // it had not started anything yet
	}
	switch p.Deploy.Method {
	case MethodWorkflow:
		note, err := s.cancelRun(ctx, gh, op, p)
		if err != nil {
			s.logOp(ctx, op, "could not cancel the workflow run", "error", err)
			return "; its workflow run could not be cancelled: cancel it in GitHub Actions"
		}
		return note
	case MethodGitOps:
		if p.Commit != "" {
			return "; its GitOps commit " + codeSpan(shortSHA(p.Commit)) + " stays: revert it to undo"
		}
		return ""
	default:
		return "; the deploy system acting on the deployment sees it marked ended, and may still be deploying"
	}
}

// cancelRun cancels the operation's workflow run unless it already ended.
func (s *Service) cancelRun(ctx context.Context, gh GitHub, op Operation, p runProgress) (string, error) {
	runID := p.RunID
	if runID == 0 {
		if p.DispatchedAt.IsZero() {
			return "", nil
		}
		run, found, err := gh.FindWorkflowRun(ctx, op.Issue.Repo, p.Deploy.Workflow, correlationID(op), p.StartedAt.Add(-time.Minute))
		if err != nil {
			return "", err
		}
		if !found {
			return "; a workflow run dispatched for it may still start: cancel it in GitHub Actions", nil
		}
		runID = run.ID
	}
	run, err := gh.GetWorkflowRun(ctx, op.Issue.Repo, runID)
	if err != nil {
		return "", err
	}
	if run.Status == "completed" {
		return "; its workflow run had already ended " + codeSpan(run.Conclusion), nil
	}
	if err := gh.CancelWorkflowRun(ctx, op.Issue.Repo, runID); err != nil {
		return "", err
	}
	return "; its workflow run was cancelled", nil
}

// awaitDeployment waits for the system that acts on GitHub's deployment
// event to report success or failure on the deployment.
func (s *Service) awaitDeployment(ctx context.Context, gh GitHub, op Operation) error {
	statuses, err := gh.ListDeploymentStatuses(ctx, op.Issue.Repo, op.DeploymentID)
	if err != nil {
		return fmt.Errorf("statuses of deployment %d: %w", op.DeploymentID, err)
	}
	for _, st := range statuses { // newest first
		switch st.State {
		case "success":
			return s.succeed(ctx, gh, op, false)
		case "failure", "error":
			reason := "the deployment reported " + st.State
			if st.Description != "" {
				reason += ": " + codeSpan(st.Description)
			}
			return s.finish(ctx, gh, op, OpFailed, reason)
		}
	}
	return errWaiting
}

// expand fills an operation's placeholders into a configured value.
func expand(template string, op Operation) string {
	return strings.NewReplacer("{version}", op.Ref, "{sha}", op.SHA, "{environment}", op.Environment).Replace(template)
}

func correlationID(op Operation) string { return fmt.Sprintf("issueops-%d", op.ID) }

// runWorkflow dispatches the environment's workflow once and follows its
// run. The intent to dispatch is saved first, so a run cut short after the
// dispatch looks for the workflow run by its correlation id instead of
// dispatching again.
func (s *Service) runWorkflow(ctx context.Context, gh GitHub, env *policy.Environment, op Operation, p runProgress) error {
	repo, wf := op.Issue.Repo, env.Deploy.Workflow
	if p.RunID == 0 {
		run, found, err := gh.FindWorkflowRun(ctx, repo, wf, correlationID(op), p.StartedAt.Add(-time.Minute))
		if err != nil {
			return fmt.Errorf("look for the workflow run: %w", err)
		}
		switch {
		case found:
			p.RunID, p.RunURL = run.ID, run.HTMLURL
			if err := s.saveNoted(ctx, &op, p, "workflow run "+run.HTMLURL); err != nil {
				return err
			}
			if err := s.report(ctx, gh, op); err != nil {
				return err
			}
		case p.DispatchedAt.IsZero():
			return s.dispatch(ctx, gh, env, op, p)
		case p.Unanswered && s.ops.now().Sub(p.DispatchedAt) > s.redispatchAfter():
			// The dispatch failed without a clear answer and no run showed
			// up in ten polls: GitHub did not make one. Dispatch again.
			return s.dispatch(ctx, gh, env, op, p)
		case s.ops.now().Sub(p.DispatchedAt) > dispatchGrace:
			return s.fail(ctx, gh, op, fmt.Sprintf("the workflow %s was dispatched but no run named after %s appeared; does its run-name use %s?",
				codeSpan(wf), codeSpan(correlationID(op)), codeSpan("${{ inputs."+CorrelationInput+" }}")))
		default:
			return errWaiting
		}
	}
	run, err := gh.GetWorkflowRun(ctx, repo, p.RunID)
	if err != nil {
		return fmt.Errorf("workflow run %d: %w", p.RunID, err)
	}
	if run.Status != "completed" {
		return errWaiting
	}
	if run.Conclusion == "success" {
		return s.succeed(ctx, gh, op, true)
	}
	return s.fail(ctx, gh, op, fmt.Sprintf("the workflow run ended %s", codeSpan(run.Conclusion)))
}

func (s *Service) dispatch(ctx context.Context, gh GitHub, env *policy.Environment, op Operation, p runProgress) error {
	ref := env.Deploy.Ref
	if ref == "" {
		branch, err := gh.DefaultBranch(ctx, op.Issue.Repo)
		if err != nil {
			return err
		}
		ref = branch
	}
	inputs := map[string]string{}
	for k, v := range maps.All(env.Deploy.Inputs) {
		inputs[k] = expand(v, op)
	}
	inputs[CorrelationInput], inputs[SHAInput] = correlationID(op), op.SHA
	p.DispatchedAt = s.ops.now()
	if err := s.saveProgress(ctx, &op, p); err != nil {
		return err
	}
	if err := gh.DispatchWorkflow(ctx, op.Issue.Repo, env.Deploy.Workflow, ref, inputs); err != nil {
		if refused(err) {
			// GitHub turned it away (a 4xx, a rate limit): no run was
			// made, so the next try dispatches again.
			p.DispatchedAt = time.Time{}
		} else {
			// A 5xx or a lost answer: a run may have been made. The next
			// tries look for it, and dispatch again only when none shows.
			p.Unanswered = true
		}
		if serr := s.saveProgress(ctx, &op, p); serr != nil {
			return errors.Join(err, serr)
		}
		if errors.Is(err, ErrPermanent) {
			return s.fail(ctx, gh, op, fmt.Sprintf("GitHub refused to dispatch %s on %s; check that the workflow exists there, "+
				"has a workflow_dispatch trigger and declares the inputs %s and %s besides those of the policy",
				codeSpan(env.Deploy.Workflow), codeSpan(ref), codeSpan(CorrelationInput), codeSpan(SHAInput)))
		}
		return fmt.Errorf("dispatch %s: %w", env.Deploy.Workflow, err)
	}
	p.Unanswered = false
	if err := s.saveNoted(ctx, &op, p, "workflow "+env.Deploy.Workflow+" dispatched"); err != nil {
		return err
	}
	s.logOp(ctx, op, "workflow dispatched", "workflow", env.Deploy.Workflow)
	return errWaiting
}

// runGitOps writes the version into the environment's GitOps file and
// commits it: the GitOps controller deploys from there. A value already in
// place (an earlier run's commit, whose answer was lost) is not committed
// again; a file changed meanwhile is read again and the change re-applied.
func (s *Service) runGitOps(ctx context.Context, gh GitHub, env *policy.Environment, op Operation, p runProgress) error {
	d := env.Deploy
	owner, name, _ := strings.Cut(d.Repo, "/")
	target := Repo{Owner: owner, Name: name}
	branch := d.Branch
	if branch == "" {
		b, err := gh.DefaultBranch(ctx, target)
		if err != nil {
			return fmt.Errorf("default branch of %s: %w", target, err)
		}
		branch = b
	}
	value := expand(cmp.Or(d.Value, "{version}"), op)
	for range maxConflicts {
		file, found, err := gh.GetFile(ctx, target, branch, d.Path)
		if err != nil {
			return fmt.Errorf("read %s in %s: %w", d.Path, target, err)
		}
		if !found {
			return s.fail(ctx, gh, op, fmt.Sprintf("the GitOps file %s does not exist on %s of %s", codeSpan(d.Path), codeSpan(branch), codeSpan(target.String())))
		}
		out, _, changed, err := gitops.Set(file.Content, d.Key, value)
		if err != nil {
			return s.fail(ctx, gh, op, fmt.Sprintf("could not set %s in %s: %s", codeSpan(d.Key), codeSpan(d.Path), codeSpan(err.Error())))
		}
		if !changed {
			return s.succeed(ctx, gh, op, true)
		}
		message := fmt.Sprintf("%s: %s\n\nissueops operation %d, %s#%d, requested by %s",
			op.Environment, plainDescribe(op), op.ID, op.Issue.Repo, op.Issue.Number, op.Requester)
		commit, err := gh.PutFile(ctx, target, branch, d.Path, message, out, file.BlobSHA)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("commit %s in %s: %w", d.Path, target, err)
		}
		p.Commit = commit
		if err := s.saveNoted(ctx, &op, p, "GitOps commit "+shortSHA(commit)+" in "+target.String()); err != nil {
			return err
		}
		s.logOp(ctx, op, "gitops commit", "commit", commit, "target", target.String())
		return s.succeed(ctx, gh, op, true)
	}
	return fmt.Errorf("%s in %s kept changing under %d attempts", d.Path, target, maxConflicts)
}

func (s *Service) saveProgress(ctx context.Context, op *Operation, p runProgress) error {
	return s.saveNoted(ctx, op, p, "")
}

// saveNoted saves progress that is a step worth an audit entry (and a line
// of the Slack thread): note says what was done.
func (s *Service) saveNoted(ctx context.Context, op *Operation, p runProgress, note string) error {
	op.Progress, op.Note = p.encode(), note
	err := s.update(ctx, *op, op.State)
	op.Note = ""
	return err
}
