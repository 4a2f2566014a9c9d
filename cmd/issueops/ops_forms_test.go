package main

import (
	"strings"
	"testing"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

// requestComment waits for issue n's request status comment to satisfy cond.
func requestComment(t *testing.T, fake *githubtest.Server, n int, what string, cond func(string) bool) string {
	t.Helper()
	return markedComment(t, fake, n, app.StatusMarker, what, cond)
}

// A valid deploy form runs as an operation, and its issue is closed when
// the deploy succeeds.
func TestDeployFormRunsAndClosesTheIssue(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := formsRepo(t, fake)
	grant(fake, "write", "octocat")
	s := opsServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 80, Title: "[deploy] api",
		Body: deployBody("staging", "v1.4.0"), Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 80, labels: []string{"issueops:deploy"}})

	requestComment(t, fake, 80, "the request started", contains("runs this request"))
	d := deployments(t, fake, 1)[0]
	if d.SHA != sha || d.Environment != "staging" {
		t.Fatalf("deployment %+v", d)
	}
	fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
	opComment(t, fake, 80, "succeeded", contains("succeeded"))
	waitFor(t, "the issue closed", func() bool {
		iss, _ := fake.Issue("acme", "api", 80)
		return iss.State == "closed"
	})
	if n := len(replies(fake, 80)); n != 2 {
		t.Errorf("%d comments, want the request's and the operation's", n)
	}
}

// Editing the issue while its operation waits for approval re-checks it:
// the operation now deploys what the edit asks for, and approvals given
// for the old request no longer count.
func TestFormEditAfterApprovalVoidsIt(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	next := fake.SeedCommit("acme", "api", "main", map[string]string{".github/issueops.yml": "environments:\n  staging: {}\n  production:\n    approvals: { required: 2, from: [maintain] }\n"})
	fake.SeedTag("acme", "api", "v1.5.0", next)
	grant(fake, "write", "octocat")
	grant(fake, "maintain", "bob", "carol")
	s := opsServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 81, Title: "[deploy] api",
		Body: deployBody("production", "v1.4.0"), Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 81, labels: []string{"issueops:deploy"}})
	opComment(t, fake, 81, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 8100, issue: 81, body: "/approve", login: "bob"})
	opComment(t, fake, 81, "bob's approval", contains("Approved by `bob`"))

	fake.SetIssueBody("acme", "api", 81, deployBody("production", "v1.5.0"))
	s.issue(issueDelivery{action: "edited", number: 81, labels: []string{"issueops:deploy"}})
	body := opComment(t, fake, 81, "the edit noted", contains("The issue was edited"))
	if strings.Contains(body, "`bob`") || !strings.Contains(body, next) {
		t.Fatalf("after the edit the operation should deploy %s with no approval:\n%s", next, body)
	}
	s.comment(comment{id: 8101, issue: 81, body: "/approve", login: "bob"})
	s.comment(comment{id: 8102, issue: 81, body: "/approve", login: "carol"})
	d := deployments(t, fake, 1)[0]
	if d.SHA != next {
		t.Fatalf("deployed %s, want the edited request's %s", d.SHA, next)
	}
}

// Ticking the dry-run box of a waiting request cancels its operation;
// unticking it requests the operation again.
func TestFormDryRunEditCancelsThenRequestsAgain(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	fake.SeedCommit("acme", "api", "main", map[string]string{".github/issueops.yml": "environments:\n  production:\n    approvals: { required: 1 }\n"})
	grant(fake, "write", "octocat")
	s := opsServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 82, Title: "[deploy] api",
		Body: deployBody("production", "v1.4.0"), Labels: []string{"issueops:deploy"}})
	s.issue(issueDelivery{number: 82, labels: []string{"issueops:deploy"}})
	opComment(t, fake, 82, "awaiting approval", contains("awaiting approval"))

	fake.SetIssueBody("acme", "api", 82, strings.Replace(deployBody("production", "v1.4.0"), "- [ ]", "- [x]", 1))
	s.issue(issueDelivery{action: "edited", number: 82, labels: []string{"issueops:deploy"}})
	opComment(t, fake, 82, "cancelled by the dry run", contains("edited into a dry run"))

	fake.SetIssueBody("acme", "api", 82, deployBody("production", "v1.4.0"))
	s.issue(issueDelivery{action: "edited", number: 82, labels: []string{"issueops:deploy"}})
	requestComment(t, fake, 82, "requested again", contains("Operation 2 runs this request"))
	opComment(t, fake, 82, "the new operation waits", func(b string) bool {
		return strings.Contains(b, "operation=2") && strings.Contains(b, "awaiting approval")
	})
}
