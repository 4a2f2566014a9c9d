package githubtest_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// operationExercises covers the routes operations use: permissions,
// deployments, Actions, file writes and commit listings.
func operationExercises() map[string][]exercise {
	var readme string // README.md's blob SHA on main, once read
	return map[string][]exercise{
		"GET /repos/{owner}/{repo}/collaborators/{username}/permission": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				s.SetPermission("acme", "widgets", "alice", "write", "maintain")
				return do(t, s, "GET", ownerRepo+"/collaborators/alice/permission", f.inst, "")
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				s.SetPermission("acme", "widgets", "dependabot[bot]", "read", "read")
				return do(t, s, "GET", ownerRepo+"/collaborators/dependabot%5Bbot%5D/permission", f.inst, "")
			},
			get(ownerRepo + "/collaborators/mallory/permission"), // 404
		},
		"GET /orgs/{org}/teams/{team_slug}/memberships/{username}": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				s.SetTeamMember("acme", "release-managers", "alice", "active")
				return do(t, s, "GET", "orgs/acme/teams/release-managers/memberships/alice", f.inst, "")
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				s.SetTeamMember("acme", "release-managers", "carol", "pending")
				return do(t, s, "GET", "orgs/acme/teams/release-managers/memberships/carol", f.inst, "")
			},
			get("orgs/acme/teams/release-managers/memberships/mallory"), // 404
		},
		"POST /repos/{owner}/{repo}/deployments": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "POST", ownerRepo+"/deployments", f.inst, `{"ref":"`+f.sha+`","environment":"staging",`+
					`"auto_merge":false,"required_contexts":[],"payload":{"issueops_operation":7},"production_environment":false}`)
			},
			post(ownerRepo+"/deployments", `{"ref":"main","description":"by branch","payload":"text"}`), // production by default
			post(ownerRepo+"/deployments", `{"ref":"nope"}`),                                            // 422
			post(ownerRepo+"/deployments", `{}`),                                                        // 422
			post("repos/acme/empty/deployments", `{"ref":"main"}`),                                      // 409
		},
		"GET /repos/{owner}/{repo}/deployments": {
			get(ownerRepo + "/deployments?environment=staging"),
			get(ownerRepo + "/deployments?per_page=1"),
		},
		"POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				id := s.SeedDeployment("acme", "widgets", githubtest.Deployment{SHA: f.sha, Environment: "staging"}, "success")
				return do(t, s, "POST", fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, id), f.inst,
					`{"state":"success","log_url":"https://ci.example/1","environment_url":"https://staging.example","description":"live"}`)
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result { // 422
				id := s.Deployments("acme", "widgets")[0].ID
				return do(t, s, "POST", fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, id), f.inst, `{"state":"done"}`)
			},
		},
		"GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				ds := s.Deployments("acme", "widgets")
				return do(t, s, "GET", fmt.Sprintf("%s/deployments/%d/statuses", ownerRepo, ds[len(ds)-1].ID), f.inst, "")
			},
			get(ownerRepo + "/deployments/1/statuses"), // 404
		},
		"POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				s.SeedWorkflow("acme", "widgets", "deploy.yml")
				return do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", f.inst,
					`{"ref":"main","inputs":{"issueops_id":"issueops-7","env":"staging","dry":true}}`)
			},
		},
		"GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs": {
			get(ownerRepo + "/actions/workflows/deploy.yml/runs?event=workflow_dispatch&created=%3E%3D2020-01-01T00:00:00Z&per_page=100"),
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a completed run
				s.CompleteWorkflowRun("acme", "widgets", s.WorkflowRuns("acme", "widgets")[0].ID, "success")
				return do(t, s, "GET", ownerRepo+"/actions/workflows/deploy.yml/runs?status=completed", f.inst, "")
			},
		},
		"GET /repos/{owner}/{repo}/actions/runs/{run_id}": {
			func(t *testing.T, s *githubtest.Server, f fixture) result {
				return do(t, s, "GET", fmt.Sprintf("%s/actions/runs/%d", ownerRepo, s.WorkflowRuns("acme", "widgets")[0].ID), f.inst, "")
			},
		},
		"POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel": { // its 404 is not documented
			func(t *testing.T, s *githubtest.Server, f fixture) result { // a queued run: 202
				s.SeedWorkflow("acme", "widgets", "deploy.yml")
				if r := do(t, s, "POST", ownerRepo+"/actions/workflows/deploy.yml/dispatches", f.inst, `{"ref":"main"}`); r.status != 204 {
					t.Fatalf("dispatch: %d %s", r.status, r.body)
				}
				runs := s.WorkflowRuns("acme", "widgets")
				return do(t, s, "POST", fmt.Sprintf("%s/actions/runs/%d/cancel", ownerRepo, runs[len(runs)-1].ID), f.inst, "")
			},
			func(t *testing.T, s *githubtest.Server, f fixture) result { // completed: 409
				runs := s.WorkflowRuns("acme", "widgets")
				return do(t, s, "POST", fmt.Sprintf("%s/actions/runs/%d/cancel", ownerRepo, runs[len(runs)-1].ID), f.inst, "")
			},
		},
		"PUT /repos/{owner}/{repo}/contents/{path}": {
			func(t *testing.T, s *githubtest.Server, f fixture) result { // update: 200
				readme = gitBlobSHA("# Widgets\n")
				return do(t, s, "PUT", ownerRepo+"/contents/README.md", f.inst,
					`{"message":"Bump","content":"IyBXaWRnZXRzIHYyCg==","sha":"`+readme+`","branch":"main"}`)
			},
			put(ownerRepo+"/contents/deploy/new%20file.yaml", `{"message":"Add","content":"YTogMQo="}`), // create: 201
			func(t *testing.T, s *githubtest.Server, f fixture) result { // stale: 409
				return do(t, s, "PUT", ownerRepo+"/contents/README.md", f.inst, `{"message":"Bump","content":"eA==","sha":"`+readme+`"}`)
			},
			put(ownerRepo+"/contents/README.md", `{"message":"Bump","content":"eA=="}`),                                                     // no sha: 422
			put(ownerRepo+"/contents/README.md", `{"message":"Bump","content":"eA==","branch":"nope","sha":"`+strings.Repeat("0", 40)+`"}`), // 404
		},
		"GET /repos/{owner}/{repo}/commits": {
			get(ownerRepo + "/commits?sha=main&path=README.md&per_page=1"),
			get(ownerRepo + "/commits?sha=feature/x"),
			get(ownerRepo + "/commits?sha=nope"), // 404
			get("repos/acme/empty/commits"),      // 409
		},
	}
}
