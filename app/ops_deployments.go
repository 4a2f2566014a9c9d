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

// successfulDeployments returns up to n of env's deployments that
// succeeded, newest first.
func successfulDeployments(ctx context.Context, gh Deployments, repo Repo, env string, n int) ([]Deployment, error) {
	all, err := gh.ListDeployments(ctx, repo, env, "", maxHistory)
	if err != nil {
		return nil, fmt.Errorf("deployments of %s: %w", env, err)
	}
	var out []Deployment
	for _, d := range all {
		ok, err := succeeded(ctx, gh, repo, d)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
			if len(out) == n {
				break
			}
		}
	}
	return out, nil
}

// liveDeployment is the newest deployment of env that succeeded: what runs
// there now.
func liveDeployment(ctx context.Context, gh Deployments, repo Repo, env string) (Deployment, bool, error) {
	ds, err := successfulDeployments(ctx, gh, repo, env, 1)
	if err != nil || len(ds) == 0 {
		return Deployment{}, false, err
	}
	return ds[0], true, nil
}

// rollbackTarget is the newest successful deployment of env before the
// live one, skipping redeploys of the live commit.
func rollbackTarget(ctx context.Context, gh Deployments, repo Repo, env string) (Deployment, error) {
	all, err := gh.ListDeployments(ctx, repo, env, "", maxHistory)
	if err != nil {
		return Deployment{}, fmt.Errorf("deployments of %s: %w", env, err)
	}
	var live *Deployment
	for i, d := range all {
		if live != nil && d.SHA == live.SHA {
			continue
		}
		ok, err := succeeded(ctx, gh, repo, d)
		if err != nil {
			return Deployment{}, err
		}
		if !ok {
			continue
		}
		if live == nil {
			live = &all[i]
			continue
		}
		return d, nil
	}
	if live == nil {
		return Deployment{}, refuse("nothing has been deployed to %s successfully yet, so there is nothing to roll back.", codeSpan(env))
	}
	return Deployment{}, refuse("%s has no successful deployment before the live one (%s) among its last %d deployments; name a version: %s.",
		codeSpan(env), codeSpan(shortSHA(live.SHA)), maxHistory, codeSpan("rollback "+env+" to <version>"))
}

// markDeployment adds a status to op's GitHub deployment, if it has one.
func (s *Service) markDeployment(ctx context.Context, gh GitHub, op Operation, state, description string) error {
	if op.DeploymentID == 0 {
		return nil
	}
	err := gh.CreateDeploymentStatus(ctx, op.Issue.Repo, op.DeploymentID, DeploymentStatus{State: state, Description: truncateDescription(description)})
	if err != nil {
		return fmt.Errorf("deployment %d status %s: %w", op.DeploymentID, state, err)
	}
	return nil
}

// truncateDescription keeps a deployment status description within
// GitHub's 140 characters.
func truncateDescription(s string) string {
	r := []rune(s)
	if len(r) > 140 {
		return string(r[:139]) + "…"
	}
	return s
}
