package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

// A deploy's trail in the audit log, read with `issueops audit` from the
// server's own database: who did what, with the SHA and the delivery of
// each step; a refused approval is there too; then `audit verify`.
func TestAuditTrailOfADeploy(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := opsRepo(t, fake, "environments:\n  staging:\n    approvals: { required: 1, from: [maintain] }\n")
	grant(fake, "write", "alice", "carol")
	grant(fake, "maintain", "bob")
	s := opsServer(t, fake)

	s.comment(comment{id: 700, issue: 30, body: "/deploy v1.4.0 to staging", login: "alice"})
	opComment(t, fake, 30, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 701, issue: 30, body: "/approve", login: "carol"})
	reply(t, fake, 30, 701)
	s.comment(comment{id: 702, issue: 30, body: "/approve", login: "bob"})
	d := deployments(t, fake, 1)[0]
	fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
	opComment(t, fake, 30, "succeeded", contains("succeeded"))
	s.stop()

	code, out, stderr := runCLI(t, "audit", "--database-url", s.dbURL, "--repo", "acme/api", "--format", "json")
	if code != 0 {
		t.Fatalf("audit: exit %d: %s", code, stderr)
	}
	var got []string
	for _, r := range jsonLines(t, out) {
		got = append(got, fmt.Sprintf("%s %s %s", r.Action, r.State, r.Actor))
		if r.Action != "refusal" && (r.SHA != sha || r.Environment != "staging" || r.Issue != 30) {
			t.Errorf("entry %d about %s in %q on #%d, want %s in staging on #30", r.Seq, r.SHA, r.Environment, r.Issue, sha)
		}
		if r.Actor != "" && r.DeliveryID == "" {
			t.Errorf("entry %d by %s has no delivery id", r.Seq, r.Actor)
		}
	}
	want := []string{
		"operation awaiting_approval alice",
		"refusal  carol",
		"approval awaiting_approval bob",
		"operation queued bob",
		"operation running ",
	}
	joined := strings.Join(got, "\n")
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Fatalf("audit trail:\n%s\nwant it to start:\n%s", joined, strings.Join(want, "\n"))
		}
	}
	if last := got[len(got)-1]; !strings.HasPrefix(last, "operation succeeded") {
		t.Errorf("the trail ends %q, want succeeded:\n%s", last, joined)
	}
	if code, out, _ := runCLI(t, "audit", "verify", "--database-url", s.dbURL); code != 0 || !strings.HasPrefix(out, "audit log intact") {
		t.Errorf("audit verify: exit %d: %s", code, out)
	}
}
