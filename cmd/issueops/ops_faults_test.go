package main

import (
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

const faultPolicy = `environments:
  staging:
    deploy: { method: workflow, workflow: deploy.yml }
  production:
    deploy: { method: gitops, repo: acme/flux, path: clusters/prod/api.yaml, key: spec.values.image.tag }
`

// Every GitHub request an operation makes fails once, as a 5xx or as a
// response lost after GitHub made the change; each operation still ends
// with exactly one deployment, one dispatch, one GitOps commit and one
// status comment.
func TestOperationFaultsOnEveryStep(t *testing.T) {
	routes := []string{
		"GET /repos/{owner}/{repo}/deployments",
		newDeployment,
		"POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
		dispatchRoute,
		"GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs",
		"GET /repos/{owner}/{repo}/actions/runs/{run_id}",
		"GET /repos/{owner}/{repo}/contents/{path}",
		putFileRoute,
		"POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
		"PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}",
	}
	for _, route := range routes {
		for _, kind := range []githubtest.FaultKind{githubtest.Status502, githubtest.DropAfterWrite} {
			if kind == githubtest.DropAfterWrite && strings.HasPrefix(route, "GET ") {
				continue // Go retries a dropped GET by itself; only writes matter here
			}
			t.Run(kind.String()+" "+route, func(t *testing.T) { faultRun(t, route, kind) })
		}
	}
}

func faultRun(t *testing.T, route string, kind githubtest.FaultKind) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, faultPolicy)
	fake.SeedWorkflow("acme", "api", "deploy.yml")
	fake.SeedRepo("acme", "flux", "main")
	fake.SeedCommit("acme", "flux", "main", map[string]string{"clusters/prod/api.yaml": fluxRelease})
	grant(fake, "write", "alice")
	s := opsServer(t, fake)
	fake.Inject(githubtest.Fault{Route: route, Kind: kind, Times: 1})

	s.comment(comment{id: 7000, issue: 70, body: "/deploy v1.4.0 to staging", login: "alice"})
	s.comment(comment{id: 7001, issue: 71, body: "/deploy v1.4.0 to production", login: "alice"})
	waitFor(t, "a workflow run", func() bool { return len(fake.WorkflowRuns("acme", "api")) > 0 })
	fake.CompleteWorkflowRun("acme", "api", fake.WorkflowRuns("acme", "api")[0].ID, "success")
	for _, issue := range []int{70, 71} {
		opComment(t, fake, issue, "succeeded", contains("succeeded"))
		if cs := replies(fake, issue); len(cs) != 1 {
			t.Errorf("issue %d has %d comments, want the one status comment: %+v", issue, len(cs), cs)
		}
	}
	for r, want := range map[string]int{newDeployment: 2, dispatchRoute: 1, putFileRoute: 1} {
		if n := writesMade(fake, r); n != want {
			t.Errorf("%s made %d times, want %d", r, n, want)
		}
	}
	if got, _ := fake.FileAt("acme", "flux", "main", "clusters/prod/api.yaml"); !strings.Contains(got, "tag: v1.4.0 # bumped") {
		t.Errorf("GitOps file:\n%s", got)
	}
}

// writesMade counts the requests to route that changed GitHub's state: all
// but those answered with an injected 5xx.
func writesMade(fake *githubtest.Server, route string) int {
	n := 0
	for _, r := range fake.RequestsTo(route) {
		if r.Status < 500 {
			n++
		}
	}
	return n
}
