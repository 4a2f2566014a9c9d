package main

import (
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

const approvalsPolicy = `environments:
  production:
    approvals: { required: 2, from: [maintain, "@acme/sre"], self: false }
    confirm: true
`

// Two approvals from maintainers or the SRE team, never the requester's
// own; then the requester confirms the exact SHA and the deploy runs.
func TestApprovalsThenConfirmation(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := opsRepo(t, fake, approvalsPolicy)
	grant(fake, "write", "alice", "walt")
	grant(fake, "maintain", "bob")
	fake.SetTeamMember("acme", "sre", "sam", "active")
	s := opsServer(t, fake)

	s.comment(comment{id: 500, issue: 10, body: "/deploy v1.4.0 to production", login: "alice"})
	opComment(t, fake, 10, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 501, issue: 10, body: "/approve", login: "alice"})
	if got := reply(t, fake, 10, 501); !strings.Contains(got, "someone else") {
		t.Errorf("self-approval reply %q", got)
	}
	s.comment(comment{id: 502, issue: 10, body: "/approve", login: "walt"})
	if got := reply(t, fake, 10, 502); !strings.Contains(got, "may not approve") {
		t.Errorf("a writer's approval reply %q", got)
	}
	s.comment(comment{id: 503, issue: 10, body: "/approve", login: "bob"})
	opComment(t, fake, 10, "bob's approval", contains("Approved by `bob`"))
	s.comment(comment{id: 504, issue: 10, body: "/approve", login: "sam"})
	opComment(t, fake, 10, "confirmation prompt", contains("awaiting confirmation"))
	if n := len(fake.Deployments("acme", "api")); n != 0 {
		t.Fatalf("deployed before confirmation")
	}
	s.comment(comment{id: 505, issue: 10, body: "/confirm", login: "bob"})
	if got := reply(t, fake, 10, 505); !strings.Contains(got, "only `alice`") {
		t.Errorf("someone else's confirm: %q", got)
	}
	s.comment(comment{id: 506, issue: 10, body: "/confirm", login: "alice"})
	d := deployments(t, fake, 1)[0]
	if d.SHA != sha {
		t.Fatalf("deployed %s, want %s", d.SHA, sha)
	}
}

// A push to the requested branch after an approval moves the operation to
// the new commit and the earlier approval no longer counts.
func TestPushAfterApprovalVoidsIt(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  production:\n    approvals: { required: 2, from: [maintain] }\n")
	grant(fake, "write", "alice")
	grant(fake, "maintain", "bob", "carol", "dave")
	s := opsServer(t, fake)

	s.comment(comment{id: 600, issue: 11, body: "/deploy main to production", login: "alice"})
	opComment(t, fake, 11, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 601, issue: 11, body: "/approve", login: "bob"})
	opComment(t, fake, 11, "bob's approval", contains("Approved by `bob`"))

	pushed := fake.SeedCommit("acme", "api", "main", map[string]string{"main.go": "package main // v2\n"})
	s.comment(comment{id: 602, issue: 11, body: "/approve", login: "carol"})
	body := opComment(t, fake, 11, "the moved ref", contains("approvals given before no longer count"))
	if strings.Contains(body, "`bob`") || !strings.Contains(body, pushed) {
		t.Fatalf("after the push the comment should show only carol's approval and the new SHA:\n%s", body)
	}
	if n := len(fake.Deployments("acme", "api")); n != 0 {
		t.Fatalf("deployed with one valid approval")
	}
	s.comment(comment{id: 603, issue: 11, body: "/approve", login: "dave"})
	d := deployments(t, fake, 1)[0]
	if d.SHA != pushed {
		t.Fatalf("deployed %s, want the approved %s", d.SHA, pushed)
	}
}

// /deny ends the operation for good.
func TestDeny(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  production:\n    approvals: { required: 1 }\n")
	grant(fake, "write", "alice", "bob")
	s := opsServer(t, fake)
	s.comment(comment{id: 700, issue: 12, body: "/deploy v1.4.0 to production", login: "alice"})
	opComment(t, fake, 12, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 701, issue: 12, body: `/deny "not during the sale"`, login: "bob"})
	body := opComment(t, fake, 12, "denied", contains("Denied by `bob`"))
	if !strings.Contains(body, "not during the sale") {
		t.Errorf("denial lacks the reason:\n%s", body)
	}
	s.comment(comment{id: 702, issue: 12, body: "/approve", login: "bob"})
	if got := reply(t, fake, 12, 702); !strings.Contains(got, "no operation in progress") {
		t.Errorf("approve after deny: %q", got)
	}
}
