package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// A /deploy with the deployment method: the exact SHA of the version is
// recorded as a GitHub deployment, marked in progress, and the operation
// ends when the CD system reports success on it.
func TestDeployThroughDeploymentMethod(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := opsRepo(t, fake, "environments:\n  staging: {}\n")
	grant(fake, "write", "alice")
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 7, Title: "deploy"})
	s := opsServer(t, fake)

	s.comment(comment{id: 100, issue: 7, body: "/deploy v1.4.0 to staging", login: "alice"})
	d := deployments(t, fake, 1)[0]
	if d.SHA != sha || d.Environment != "staging" {
		t.Fatalf("deployment %+v, want %s in staging", d, sha)
	}
	opComment(t, fake, 7, "running status", contains("running"))
	fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
	body := opComment(t, fake, 7, "succeeded status", contains("succeeded"))
	if !strings.Contains(body, sha) {
		t.Errorf("status comment lacks the SHA:\n%s", body)
	}
	waitFor(t, "🚀 on the command", func() bool { return hasReaction(fake, 100, "rocket") })
	if n := len(fake.Deployments("acme", "api")); n != 1 {
		t.Errorf("%d deployments, want 1", n)
	}
	if got := statesOf(fake, d.ID); !hasAll(got, "in_progress", "success") {
		t.Errorf("deployment statuses %v", got)
	}
	if cs := replies(fake, 7); len(cs) != 1 {
		t.Errorf("%d comments on the issue, want only the status comment", len(cs))
	}
	waitFor(t, "the state label", func() bool {
		labels := issueLabels(t, fake, 7)
		return slices.Contains(labels, "issueops:state-succeeded") && !slices.Contains(labels, "issueops:state-running")
	})
}

// A failure reported by the CD system fails the operation, and /retry
// requests it again as a new operation.
func TestDeployFailureAndRetry(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  staging: {}\n")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)
	s.comment(comment{id: 200, issue: 8, body: "/deploy v1.4.0 to staging", login: "alice"})
	d := deployments(t, fake, 1)[0]
	fake.AddDeploymentStatus("acme", "api", d.ID, "failure", "cd-bot")
	opComment(t, fake, 8, "failed status", contains("failed"))
	waitFor(t, "😕 on the command", func() bool { return hasReaction(fake, 200, "confused") })

	s.comment(comment{id: 201, issue: 8, body: "/retry", login: "alice"})
	ds := deployments(t, fake, 2)
	if ds[1].SHA != d.SHA {
		t.Fatalf("the retry deployed %s, want %s", ds[1].SHA, d.SHA)
	}
}

// Refusals reply with the reason and change nothing.
func TestDeployRefusals(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  staging: {}\n")
	grant(fake, "read", "rita")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)
	cases := []struct {
		id    int64
		login string
		body  string
		want  string
	}{
		{301, "rita", "/deploy v1.4.0 to staging", "needs the `write` role"},
		{302, "alice", "/deploy v1.4.0 to prod", "not an environment"},
		{303, "alice", "/deploy v9.9.9 to staging", "no branch, tag or commit"},
		{304, "alice", "/deploy v1.4.0 staging", "/deploy"},
		{305, "mallory", "/deploy v1.4.0 to staging", "has no role"},
	}
	for i, c := range cases {
		s.comment(comment{id: c.id, issue: 20 + i, body: c.body, login: c.login})
	}
	for i, c := range cases {
		if got := reply(t, fake, 20+i, c.id); !strings.Contains(got, c.want) {
			t.Errorf("%s by %s: reply %q, want it to say %q", c.body, c.login, got, c.want)
		}
	}
	if n := len(fake.Deployments("acme", "api")); n != 0 {
		t.Errorf("%d deployments after refusals", n)
	}
}

// --dry-run prints the plan and writes nothing.
func TestDeployDryRun(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := opsRepo(t, fake, "environments:\n  production:\n    approvals: { required: 2, from: [maintain] }\n")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)
	s.comment(comment{id: 400, issue: 9, body: "/deploy v1.4.0 to production --dry-run", login: "alice"})
	got := reply(t, fake, 9, 400)
	for _, want := range []string{"Dry run", sha, "Approvals needed: 2", "Lock: none", "POST /repos/acme/api/deployments"} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q:\n%s", want, got)
		}
	}
	if n := len(fake.Deployments("acme", "api")); n != 0 {
		t.Errorf("%d deployments after a dry run", n)
	}
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
