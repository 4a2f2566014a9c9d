package app

import (
	"context"
	"fmt"
)

// maxHistory bounds how many of an environment's deployments are read to
// find what is live or what to roll back to.
const maxHistory = 30

// succeeded reports whether a deployment ever reached success. GitHub marks
// a deployment inactive when a newer one succeeds, so its newest status is
// not enough.
func succeeded(ctx context.Context, gh Deployments, repo Repo, d Deployment) (bool, error) {
	statuses, err := gh.ListDeploymentStatuses(ctx, repo, d.ID)
	if err != nil {
		return false, fmt.Errorf("statuses of deployment %d: %w", d.ID, err)
	}
	for _, st := range statuses {
		if st.State == "success" {
			return true, nil
		}
	}
	return false, nil
}

// eachSuccessful calls fn with env's deployments that succeeded, newest
// first, among its last maxHistory, until fn returns false. Statuses are
// read only as far as fn goes.
func eachSuccessful(ctx context.Context, gh Deployments, repo Repo, env string, fn func(Deployment) bool) error {
	all, err := gh.ListDeployments(ctx, repo, env, "", maxHistory)
	if err != nil {
		return fmt.Errorf("deployments of %s: %w", env, err)
	}
	for _, d := range all {
		ok, err := succeeded(ctx, gh, repo, d)
		if err != nil {
			return err
		}
		if ok && !fn(d) {
			return nil
		}
	}
	return nil
}

// liveDeployment is the newest deployment of env that succeeded: what runs
// there now.
func liveDeployment(ctx context.Context, gh Deployments, repo Repo, env string) (live Deployment, found bool, err error) {
	err = eachSuccessful(ctx, gh, repo, env, func(d Deployment) bool {
		live, found = d, true
		return false
	})
	return live, found, err
}

// rollbackTarget is the newest successful deployment of env before the
// live one, skipping redeploys of the live commit.
func rollbackTarget(ctx context.Context, gh Deployments, repo Repo, env string) (Deployment, error) {
	var live, target *Deployment
	err := eachSuccessful(ctx, gh, repo, env, func(d Deployment) bool {
		switch {
		case live == nil:
			live = &d
		case d.SHA != live.SHA:
			target = &d
		}
		return target == nil
	})
	switch {
	case err != nil:
		return Deployment{}, err
	case target != nil:
		return *target, nil
	case live == nil:
		return Deployment{}, refuse("nothing has been deployed to %s successfully yet, so there is nothing to roll back.", codeSpan(env))
	}
	return Deployment{}, refuse("%s has no successful deployment before the live one (%s) among its last %d deployments; name a version: %s.",
		codeSpan(env), codeSpan(shortSHA(live.SHA)), maxHistory, codeSpan("rollback "+env+" to <version>"))
}

// ranIn reports whether commit sha succeeded in env among its last
// maxHistory deployments.
func ranIn(ctx context.Context, gh Deployments, repo Repo, env, sha string) (found bool, err error) {
	err = eachSuccessful(ctx, gh, repo, env, func(d Deployment) bool {
		found = d.SHA == sha
		return !found
	})
	return found, err
}

// markDeployment adds a status to op's GitHub deployment, if it has one.
func (s *Service) markDeployment(ctx context.Context, gh GitHub, op Operation, state, description string) error {
	if op.DeploymentID == 0 {
		return nil
	}
	err := gh.CreateDeploymentStatus(ctx, op.Issue.Repo, op.DeploymentID, DeploymentStatus{State: state, Description: description})
	if err != nil {
		return fmt.Errorf("deployment %d status %s: %w", op.DeploymentID, state, err)
	}
	return nil
}
