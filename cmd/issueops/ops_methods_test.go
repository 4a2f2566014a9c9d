package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	dispatchRoute = "POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"
	putFileRoute  = "PUT /repos/{owner}/{repo}/contents/{path}"
	newDeployment = "POST /repos/{owner}/{repo}/deployments"
)

// The workflow method dispatches once, even when GitHub's answer to the
// dispatch is lost, finds the run by its correlation id and ends with it.
func TestWorkflowMethodDispatchesOnce(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  staging:\n    deploy: { method: workflow, workflow: deploy.yml, inputs: { version: \"{version}\", sha: \"{sha}\" } }\n")
	fake.SeedWorkflow("acme", "api", "deploy.yml")
	grant(fake, "write", "alice")
	fake.Inject(githubtest.Fault{Route: dispatchRoute, Kind: githubtest.DropAfterWrite, Times: 1})
	fake.Inject(githubtest.Fault{Route: newDeployment, Kind: githubtest.DropAfterWrite, Times: 1})
	s := opsServer(t, fake)

	s.comment(comment{id: 1000, issue: 50, body: "/deploy v1.4.0 to staging", login: "alice"})
	waitFor(t, "a workflow run", func() bool { return len(fake.WorkflowRuns("acme", "api")) > 0 })
	opComment(t, fake, 50, "the run linked", contains("Workflow run:"))
	runs := fake.WorkflowRuns("acme", "api")
	if len(runs) != 1 || !strings.HasPrefix(runs[0].DisplayTitle, "issueops-") {
		t.Fatalf("runs %+v", runs)
	}
	fake.CompleteWorkflowRun("acme", "api", runs[0].ID, "success")
	opComment(t, fake, 50, "succeeded", contains("succeeded"))
	if n := len(fake.RequestsTo(dispatchRoute)); n != 1 {
		t.Errorf("%d dispatches, want 1", n)
	}
	if n := len(fake.Deployments("acme", "api")); n != 1 {
		t.Errorf("%d deployments, want 1", n)
	}
	d := fake.Deployments("acme", "api")[0]
	if got := statesOf(fake, d.ID); !hasAll(got, "in_progress", "success") {
		t.Errorf("deployment statuses %v", got)
	}
}

// /cancel of a running workflow deploy cancels its workflow run too, so the
// environment the next operation gets is not still being deployed to.
func TestCancelRunningWorkflowCancelsTheRun(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  staging:\n    deploy: { method: workflow, workflow: deploy.yml }\n")
	fake.SeedWorkflow("acme", "api", "deploy.yml")
	grant(fake, "write", "alice", "bob")
	s := opsServer(t, fake)

	s.comment(comment{id: 1500, issue: 59, body: "/deploy v1.4.0 to staging", login: "alice"})
	opComment(t, fake, 59, "the run linked", contains("Workflow run:"))
	s.comment(comment{id: 1501, issue: 60, body: "/deploy v1.4.0 to staging", login: "bob"})
	opComment(t, fake, 60, "queued", contains("queued"))
	s.comment(comment{id: 1502, issue: 59, body: "/cancel", login: "alice"})
	body := opComment(t, fake, 59, "cancelled", contains("Cancelled by `alice`"))
	if !strings.Contains(body, "its workflow run was cancelled") {
		t.Errorf("the cancel does not say the run was cancelled:\n%s", body)
	}
	if runs := fake.WorkflowRuns("acme", "api"); len(runs) == 0 || runs[0].Conclusion != "cancelled" {
		t.Errorf("runs %+v, want the first cancelled", runs)
	}
	opComment(t, fake, 60, "the next one running", contains("running"))
}

const fluxRelease = `# Managed by Flux. issueops sets the tag.
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: api   # the service
spec:
  values:
    image:
      repository: ghcr.io/acme/api
      tag: v1.3.0 # bumped by issueops
`

// The GitOps method sets one key in another repository's file and keeps
// every other byte, commits once even when the commit's answer is lost,
// and re-reads the file when it changed meanwhile.
func TestGitOpsMethodCommitsOnce(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  production:\n    deploy: { method: gitops, repo: acme/flux, path: clusters/prod/api.yaml, key: spec.values.image.tag }\n")
	fake.SeedRepo("acme", "flux", "main")
	fake.SeedCommit("acme", "flux", "main", map[string]string{"clusters/prod/api.yaml": fluxRelease})
	grant(fake, "write", "alice")
	fake.Inject(githubtest.Fault{Route: putFileRoute, Kind: githubtest.DropAfterWrite, Times: 1})
	s := opsServer(t, fake)

	s.comment(comment{id: 1100, issue: 51, body: "/deploy v1.4.0 to production", login: "alice"})
	opComment(t, fake, 51, "succeeded", contains("succeeded"))
	want := strings.Replace(fluxRelease, "tag: v1.3.0 #", "tag: v1.4.0 #", 1)
	got, ok := fake.FileAt("acme", "flux", "main", "clusters/prod/api.yaml")
	if !ok || got != want {
		t.Fatalf("file after the deploy:\n%s\nwant:\n%s", got, want)
	}
	if n := len(fake.RequestsTo(putFileRoute)); n != 1 {
		t.Errorf("%d commits, want 1", n)
	}
}

// Rollback targets the newest successful deployment before the live one;
// promote deploys the SHA live in the source; after: is enforced.
func TestRollbackAndPromotion(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	v14 := opsRepo(t, fake, "environments:\n  staging: {}\n  production: { after: staging }\n")
	v13 := fake.SeedCommit("acme", "api", "release-1.3", map[string]string{"main.go": "package main // 1.3\n"})
	fake.SeedDeployment("acme", "api", githubtest.Deployment{SHA: v13, Ref: "v1.3.0", Environment: "production"}, "success")
	fake.SeedDeployment("acme", "api", githubtest.Deployment{SHA: v14, Ref: "v1.4.0", Environment: "production"}, "success")
	fake.SeedDeployment("acme", "api", githubtest.Deployment{SHA: v14, Ref: "v1.4.0", Environment: "staging"}, "success")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)

	s.comment(comment{id: 1200, issue: 52, body: "/rollback production", login: "alice"})
	ds := deployments(t, fake, 4)
	if ds[3].SHA != v13 || ds[3].Environment != "production" {
		t.Fatalf("rollback deployed %+v, want %s", ds[3], v13)
	}
	fake.AddDeploymentStatus("acme", "api", ds[3].ID, "success", "cd-bot")
	opComment(t, fake, 52, "rollback done", contains("succeeded"))

	s.comment(comment{id: 1201, issue: 53, body: "/deploy release-1.3 to production", login: "alice"})
	if got := reply(t, fake, 53, 1201); !strings.Contains(got, "not live there") {
		t.Errorf("deploy out of order: %q", got)
	}
	s.comment(comment{id: 1202, issue: 54, body: "/diff production staging", login: "alice"})
	if got := reply(t, fake, 54, 1202); !strings.Contains(got, "ahead") {
		t.Errorf("/diff:\n%s", got)
	}
	s.comment(comment{id: 1203, issue: 55, body: "/promote staging to production", login: "alice"})
	ds = deployments(t, fake, 5)
	if ds[4].SHA != v14 || ds[4].Environment != "production" {
		t.Fatalf("promotion deployed %+v, want %s", ds[4], v14)
	}
}

// A GitOps file changed by someone else between issueops' read and its
// commit (GitHub's 409) is read again and the change re-applied on top, so
// both changes are kept.
func TestGitOpsConflictIsReadAgain(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  production:\n    deploy: { method: gitops, repo: acme/flux, path: clusters/prod/api.yaml, key: spec.values.image.tag }\n")
	fake.SeedRepo("acme", "flux", "main")
	fake.SeedCommit("acme", "flux", "main", map[string]string{"clusters/prod/api.yaml": fluxRelease})
	grant(fake, "write", "alice")
	other := strings.Replace(fluxRelease, "name: api   # the service", "name: api   # the service, renamed by hand", 1)
	var once sync.Once
	fake.OnRequest(func(r githubtest.Request) {
		if r.Route == "GET /repos/{owner}/{repo}/contents/{path}" && strings.Contains(r.Path, "acme/flux") {
			once.Do(func() { fake.SeedCommit("acme", "flux", "main", map[string]string{"clusters/prod/api.yaml": other}) })
		}
	})
	s := opsServer(t, fake)

	s.comment(comment{id: 1300, issue: 56, body: "/deploy v1.4.0 to production", login: "alice"})
	opComment(t, fake, 56, "succeeded", contains("succeeded"))
	want := strings.Replace(other, "tag: v1.3.0 #", "tag: v1.4.0 #", 1)
	if got, _ := fake.FileAt("acme", "flux", "main", "clusters/prod/api.yaml"); got != want {
		t.Fatalf("file after the conflict:\n%s\nwant:\n%s", got, want)
	}
	statuses := map[int]int{}
	for _, r := range fake.RequestsTo(putFileRoute) {
		statuses[r.Status]++
	}
	if statuses[409] != 1 || statuses[200] != 1 {
		t.Errorf("PUT answers %v, want one 409 then one 200", statuses)
	}
}

// A freeze window refuses deploys unless the requester may override it.
func TestFreezeWindow(t *testing.T) {
	now := time.Now().UTC()
	from, to := now.Add(-time.Hour), now.Add(time.Hour)
	window := fmt.Sprintf("%s %s-%s %s UTC", from.Format("Mon"), from.Format("15:04"), to.Format("Mon"), to.Format("15:04"))
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, fmt.Sprintf("environments:\n  production:\n    freeze: [%q]\npermissions:\n  freeze_override: admin\n", window))
	grant(fake, "write", "walt")
	grant(fake, "admin", "ada")
	s := opsServer(t, fake)
	s.comment(comment{id: 1400, issue: 57, body: "/deploy v1.4.0 to production", login: "walt"})
	if got := reply(t, fake, 57, 1400); !strings.Contains(got, "is frozen") || !strings.Contains(got, window) {
		t.Errorf("deploy in a freeze: %q", got)
	}
	s.comment(comment{id: 1401, issue: 58, body: "/deploy v1.4.0 to production", login: "ada"})
	if d := deployments(t, fake, 1); d[0].Environment != "production" {
		t.Errorf("the override deployed %+v", d)
	}
}
