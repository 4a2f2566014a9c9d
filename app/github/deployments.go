package github

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/render"
)

const (
	// payloadOperation is the deployment payload member naming the
	// issueops operation, so a retry finds the deployment it made.
	payloadOperation = "issueops_operation"
	// maxStatusDescription is GitHub's limit on the description of a
	// deployment and of a deployment status; a longer one is refused with
	// a 422, so the adapter cuts it.
	maxStatusDescription = 140
	// maxPages bounds how many pages of 100 a listing reads: a runaway
	// history must not hold a worker.
	maxPages = 10
	// defaultListLimit is how many deployments a listing returns when the
	// caller gives no limit.
	defaultListLimit = 30
)

// isFullSHA reports whether s is a full commit SHA (SHA-1, or SHA-256 for
// repositories using it): GitHub deploys a ref as given, so anything else
// could move under a deployment.
func isFullSHA(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

// CreateDeployment creates a deployment of the exact commit d.SHA
// (POST /repos/{owner}/{repo}/deployments): auto_merge false, so GitHub
// never merges the default branch into the ref; no required contexts, so
// it deploys whatever the commit's checks say; transient false and
// production as asked, never GitHub's guess from the environment's name;
// the operation id in the payload.
func (c *Client) CreateDeployment(ctx context.Context, repo app.Repo, d app.NewDeployment) (app.Deployment, error) {
	if !isFullSHA(d.SHA) || d.Environment == "" {
		return app.Deployment{}, app.Permanent(fmt.Errorf("deployment of %q to %q: need a full commit SHA and an environment", d.SHA, d.Environment))
	}
	req := &gh.DeploymentRequest{
		Ref:                   gh.String(d.SHA),
		Task:                  gh.String("deploy"),
		AutoMerge:             gh.Bool(false),
		RequiredContexts:      &[]string{},
		Environment:           gh.String(d.Environment),
		TransientEnvironment:  gh.Bool(false),
		ProductionEnvironment: gh.Bool(d.Production),
	}
	if d.Description != "" {
		req.Description = gh.String(render.Truncate(d.Description, maxStatusDescription))
	}
	if d.OperationID != 0 {
		req.Payload = map[string]int64{payloadOperation: d.OperationID}
	}
	dep, _, err := c.gh.Repositories.CreateDeployment(ctx, repo.Owner, repo.Name, req)
	if err != nil {
		return app.Deployment{}, classify(err)
	}
	if dep.GetID() == 0 {
		// A 202 "Auto-merged …" answer carries no deployment.
		return app.Deployment{}, app.Permanent(errors.New("GitHub created no deployment"))
	}
	return toDeployment(dep, true), nil
}

// toDeployment converts a deployment; ours says whether its payload's
// operation id is to be believed: anyone who can deploy can write any
// payload, so only the app's own deployments name an operation.
func toDeployment(d *gh.Deployment, ours bool) app.Deployment {
	out := app.Deployment{
		ID: d.GetID(), SHA: d.GetSHA(), Ref: d.GetRef(), Environment: d.GetEnvironment(),
		Creator: d.GetCreator().GetLogin(), Description: d.GetDescription(), CreatedAt: d.GetCreatedAt().Time,
	}
	if ours {
		out.OperationID = payloadOperationID(d.Payload)
	}
	return out
}

// payloadOperationID reads the operation id from a deployment payload: an
// object, or a string holding one (GitHub keeps a string payload as a
// string). 0 when there is none.
func payloadOperationID(raw json.RawMessage) int64 {
	var text string
	if json.Unmarshal(raw, &text) == nil {
		raw = json.RawMessage(text)
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(raw, &p) != nil {
		return 0
	}
	var id int64
	if json.Unmarshal(p[payloadOperation], &id) != nil {
		return 0
	}
	return id
}

// ListDeployments lists environment's deployments ("" for every
// environment), newest first, at most limit (30 when limit < 1), only those
// of sha unless it is "". OperationID is set only on deployments the app
// itself created.
func (c *Client) ListDeployments(ctx context.Context, repo app.Repo, environment, sha string, limit int) ([]app.Deployment, error) {
	if limit < 1 {
		limit = defaultListLimit
	}
	self, err := c.Self(ctx)
	if err != nil {
		return nil, err
	}
	opts := &gh.DeploymentsListOptions{SHA: sha, Environment: environment, ListOptions: gh.ListOptions{PerPage: min(limit, 100)}}
	var out []app.Deployment
	for range maxPages {
		list, resp, err := c.gh.Repositories.ListDeployments(ctx, repo.Owner, repo.Name, opts)
		if err != nil {
			return nil, classify(err)
		}
		for _, d := range list {
			out = append(out, toDeployment(d, strings.EqualFold(d.GetCreator().GetLogin(), self)))
			if len(out) == limit {
				return out, nil
			}
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// ListDeploymentStatuses lists a deployment's statuses, newest first, every
// page up to maxPages of 100.
func (c *Client) ListDeploymentStatuses(ctx context.Context, repo app.Repo, deploymentID int64) ([]app.DeploymentStatus, error) {
	opts := &gh.ListOptions{PerPage: 100}
	var out []app.DeploymentStatus
	for range maxPages {
		list, resp, err := c.gh.Repositories.ListDeploymentStatuses(ctx, repo.Owner, repo.Name, deploymentID, opts)
		if err != nil {
			return nil, classify(err)
		}
		for _, s := range list {
			out = append(out, app.DeploymentStatus{
				State: s.GetState(), Description: s.GetDescription(),
				LogURL: cmp.Or(s.GetLogURL(), s.GetTargetURL()), CreatedAt: s.GetCreatedAt().Time,
			})
		}
		if resp.NextPage == 0 {
			break
		}
		opts.Page = resp.NextPage
	}
	return out, nil
}

// CreateDeploymentStatus adds a status to a deployment
// (POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses), with
// log_url only when given and the description cut to GitHub's 140
// characters rather than refused. GitHub's auto_inactive stays on: an
// older deployment of the environment turns inactive when this one
// succeeds, as GitHub's own UI expects.
func (c *Client) CreateDeploymentStatus(ctx context.Context, repo app.Repo, deploymentID int64, s app.DeploymentStatus) error {
	req := &gh.DeploymentStatusRequest{State: gh.String(s.State)}
	if s.Description != "" {
		req.Description = gh.String(render.Truncate(s.Description, maxStatusDescription))
	}
	if s.LogURL != "" {
		req.LogURL = gh.String(s.LogURL)
	}
	_, _, err := c.gh.Repositories.CreateDeploymentStatus(ctx, repo.Owner, repo.Name, deploymentID, req)
	return classify(err)
}
