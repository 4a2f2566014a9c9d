package main

import (
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// One operation runs per environment and lock group; the next waits in a
// FIFO queue and starts by itself when the first ends.
func TestQueueStartsTheNextByItself(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  staging: { lock_group: backend }\n  qa: { lock_group: backend }\n  docs: {}\n")
	grant(fake, "write", "alice", "bob", "carol")
	s := opsServer(t, fake)

	s.comment(comment{id: 800, issue: 30, body: "/deploy v1.4.0 to staging", login: "alice"})
	first := deployments(t, fake, 1)[0]
	s.comment(comment{id: 801, issue: 31, body: "/deploy v1.4.0 to qa", login: "bob"})
	opComment(t, fake, 31, "queued behind the group", contains("queued"))
	s.comment(comment{id: 802, issue: 32, body: "/deploy v1.4.0 to docs", login: "carol"})
	ds := deployments(t, fake, 2) // docs is in no group: it runs at once
	if ds[1].Environment != "docs" {
		t.Fatalf("second deployment is %s, want docs", ds[1].Environment)
	}
	s.comment(comment{id: 803, issue: 33, body: "/queue", login: "carol"})
	if q := reply(t, fake, 33, 803); !strings.Contains(q, "queued") || !strings.Contains(q, "#31") {
		t.Errorf("/queue:\n%s", q)
	}

	fake.AddDeploymentStatus("acme", "api", first.ID, "success", "cd-bot")
	ds = deployments(t, fake, 3)
	if ds[2].Environment != "qa" {
		t.Fatalf("third deployment is %s, want qa", ds[2].Environment)
	}
	opComment(t, fake, 31, "qa running", contains("running"))
}

// A sticky lock holds others' deploys in the queue, says who holds it, and
// its release starts them; only someone allowed may lift another's lock.
func TestLockHoldsTheQueue(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  staging: {}\n")
	grant(fake, "write", "alice", "bob")
	grant(fake, "maintain", "mia")
	s := opsServer(t, fake)

	s.comment(comment{id: 900, issue: 40, body: `/lock staging --reason "db migration" --ttl 2h`, login: "bob"})
	if got := reply(t, fake, 40, 900); !strings.Contains(got, "locked by `bob`") || !strings.Contains(got, "db migration") {
		t.Fatalf("lock reply %q", got)
	}
	s.comment(comment{id: 901, issue: 41, body: "/deploy v1.4.0 to staging", login: "alice"})
	if body := opComment(t, fake, 41, "queued behind the lock", contains("queued")); !strings.Contains(body, "is locked by `bob` since") {
		t.Errorf("the queued operation does not say who holds the lock:\n%s", body)
	}
	s.comment(comment{id: 902, issue: 42, body: "/lock staging", login: "alice"})
	if got := reply(t, fake, 42, 902); !strings.Contains(got, "already locked by `bob` since") {
		t.Errorf("second lock reply %q", got)
	}
	s.comment(comment{id: 903, issue: 42, body: "/unlock staging", login: "alice"})
	if got := reply(t, fake, 42, 903); !strings.Contains(got, "someone else's lock") {
		t.Errorf("alice unlocking bob's lock: %q", got)
	}
	s.comment(comment{id: 904, issue: 43, body: "/status", login: "alice"})
	if got := reply(t, fake, 43, 904); !strings.Contains(got, "🔒 `bob`") {
		t.Errorf("/status:\n%s", got)
	}
	if n := len(fake.Deployments("acme", "api")); n != 0 {
		t.Fatalf("deployed through a lock")
	}
	s.comment(comment{id: 905, issue: 44, body: "/unlock staging", login: "mia"})
	if got := reply(t, fake, 44, 905); !strings.Contains(got, "unlocked") {
		t.Errorf("unlock reply %q", got)
	}
	deployments(t, fake, 1)
	opComment(t, fake, 41, "started after the unlock", contains("running"))
}
