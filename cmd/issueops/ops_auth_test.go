package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
)

const authPolicy = `environments:
  staging: {}
  production:
    permissions: { deploy: admin }
permissions:
  lock: maintain
`

const permissionRoute = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"

// Who may run what comes from GitHub's collaborator-permission API at the
// time of the command, per command and per environment. Every comment
// below claims author_association OWNER; it is never believed.
func TestAuthorizationMatrix(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := opsRepo(t, fake, authPolicy)
	fake.SeedDeployment("acme", "api", githubtest.Deployment{SHA: sha, Ref: "v1.4.0", Environment: "staging"}, "success")
	fake.SeedDeployment("acme", "api", githubtest.Deployment{SHA: sha, Ref: "v1.4.0", Environment: "production"}, "success")
	for _, role := range []string{"read", "triage", "write", "maintain", "admin"} {
		grant(fake, role, "u-"+role)
	}
	fake.SetPermission("acme", "api", "u-outside", "read", "triage") // an outside collaborator with triage
	s := opsServer(t, fake)

	type cmd struct {
		body string
		need string // the lowest role that may run it
	}
	cmds := []cmd{
		{"/deploy v1.4.0 to staging --dry-run", "write"},
		{"/deploy v1.4.0 to production --dry-run", "admin"}, // the environment's own rule
		{"/rollback staging to v1.4.0 --dry-run", "write"},
		{"/rollback production to v1.4.0 --dry-run", "admin"}, // follows production's deploy rule
		{"/promote staging to production --dry-run", "admin"},
		{"/diff staging production", "read"},
		{"/lock staging --dry-run", "maintain"}, // the repository's rule
		{"/unlock staging --dry-run", "write"},
		{"/status", "read"},
		{"/queue", "read"},
	}
	rank := map[string]int{"": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}
	who := []struct{ login, role string }{
		{"u-read", "read"}, {"u-triage", "triage"}, {"u-write", "write"}, {"u-maintain", "maintain"},
		{"u-admin", "admin"}, {"u-outside", "triage"}, {"stranger", ""},
	}
	type sent struct {
		issue   int
		id      int64
		allowed bool
		what    string
	}
	var all []sent
	id, issue := int64(5000), 100
	for _, w := range who {
		for _, c := range cmds {
			id++
			issue++
			s.comment(comment{id: id, issue: issue, body: c.body, login: w.login})
			all = append(all, sent{issue, id, rank[w.role] >= rank[c.need], fmt.Sprintf("%s by %s", c.body, w.login)})
		}
	}
	// A bot is never answered, whatever its permission.
	grant(fake, "admin", "deploy-bot[bot]")
	s.comment(comment{id: 4999, issue: 99, body: "/deploy v1.4.0 to staging", login: "deploy-bot[bot]", senderType: "Bot"})
	for _, x := range all {
		got := reply(t, fake, x.issue, x.id)
		refused := strings.Contains(got, "needs ")
		if refused == x.allowed {
			t.Errorf("%s: allowed=%v, reply %q", x.what, x.allowed, got)
		}
	}
	if n := len(replies(fake, 99)); n != 0 || len(fake.Reactions("acme", "api", 4999)) != 0 {
		t.Errorf("the bot's command was answered")
	}
	if n := len(fake.Deployments("acme", "api")); n != 2 {
		t.Errorf("%d deployments after dry runs, want the 2 seeded", n)
	}
}

// When GitHub cannot say what someone may do, the command is refused
// (fail closed) and the reply says why.
func TestPermissionAPIFailureDenies(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, authPolicy)
	grant(fake, "admin", "ada")
	fake.Inject(githubtest.Fault{Route: permissionRoute, Kind: githubtest.Status500, Times: 1})
	s := opsServer(t, fake)
	s.comment(comment{id: 6000, issue: 60, body: "/deploy v1.4.0 to staging", login: "ada"})
	if got := reply(t, fake, 60, 6000); !strings.Contains(got, "could not check your permission") {
		t.Errorf("reply %q", got)
	}
	if n := len(fake.Deployments("acme", "api")); n != 0 {
		t.Errorf("deployed without a permission check")
	}
}

// The commands that act on an operation, by every kind of person: approve
// and deny need the approvers' rule (write by default), cancel the
// requester or the cancel rule, and none of them believes
// author_association.
func TestAuthorizationMatrixOnOperations(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, "environments:\n  gated:\n    approvals: { required: 1 }\n")
	for _, role := range []string{"read", "triage", "write", "maintain", "admin"} {
		grant(fake, role, "u-"+role)
	}
	grant(fake, "write", "alice")
	s := opsServer(t, fake)
	type cmd struct {
		body, need, done, refused string
	}
	cmds := []cmd{
		{"/approve", "write", "running", "may not approve"},
		{"/deny", "write", "Denied by", "may not approve"},
		{"/cancel", "write", "Cancelled by", "needs "},
	}
	rank := map[string]int{"": 0, "read": 1, "triage": 2, "write": 3, "maintain": 4, "admin": 5}
	who := []struct{ login, role string }{{"u-read", "read"}, {"u-triage", "triage"}, {"u-write", "write"},
		{"u-maintain", "maintain"}, {"u-admin", "admin"}, {"stranger", ""}}
	id, issue, approved := int64(9000), 200, 0
	for _, w := range who {
		for _, c := range cmds {
			id, issue = id+2, issue+1
			s.comment(comment{id: id, issue: issue, body: "/deploy v1.4.0 to gated", login: "alice"})
			opComment(t, fake, issue, "awaiting approval", contains("awaiting approval"))
			s.comment(comment{id: id + 1, issue: issue, body: c.body, login: w.login})
			what := fmt.Sprintf("%s by %s", c.body, w.login)
			if rank[w.role] >= rank[c.need] {
				opComment(t, fake, issue, what, contains(c.done))
				if c.body == "/approve" { // free the environment for the next one
					approved++
					d := deployments(t, fake, approved)[approved-1]
					fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
					opComment(t, fake, issue, what+" done", contains("succeeded"))
				}
			} else if got := reply(t, fake, issue, id+1); !strings.Contains(got, c.refused) {
				t.Errorf("%s: reply %q, want a refusal", what, got)
			}
		}
	}
}
