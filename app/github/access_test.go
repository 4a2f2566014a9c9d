package github

import (
	"context"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

// The adapter implements every call operations make.
var _ app.Operations = (*Client)(nil)

const (
	routePermission = "GET /repos/{owner}/{repo}/collaborators/{username}/permission"
	routeMembership = "GET /orgs/{org}/teams/{team_slug}/memberships/{username}"
)

// opsClient is the installation's client as the adapter's own type, for
// the operations' calls.
func opsClient(t *testing.T, c *Clients, id int64) *Client {
	t.Helper()
	cl, ok := forInstallation(t, c, id).(*Client)
	if !ok {
		t.Fatal("ForInstallation did not return a *Client")
	}
	return cl
}

func TestCollaboratorPermission(t *testing.T) {
	fake := tokenFake(t)
	fake.SetPermission("acme", "widgets", "alice", "write", "maintain")
	fake.SetPermission("acme", "widgets", "dependabot[bot]", "read", "read")
	fake.SetPermission("acme", "widgets", "root", "admin", "admin")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()
	for login, want := range map[string]app.Permission{
		"alice":           {Permission: "write", RoleName: "maintain"},
		"ALICE":           {Permission: "write", RoleName: "maintain"}, // logins match case-insensitively
		"dependabot[bot]": {Permission: "read", RoleName: "read"},
		"root":            {Permission: "admin", RoleName: "admin"},
		"mallory":         {Permission: "none"}, // GitHub's 404
		"a/../../x?y":     {Permission: "none"}, // escaped: one segment, no query
		"":                {Permission: "none"}, // nobody, asked of no one
	} {
		got, err := g.CollaboratorPermission(ctx, testRepo, login)
		if err != nil || got != want {
			t.Errorf("CollaboratorPermission(%q) = %+v, %v; want %+v", login, got, err, want)
		}
	}
	reqs := fake.RequestsTo(routePermission)
	if len(reqs) != 6 {
		t.Fatalf("%d permission requests, want 6 (none for the empty login)", len(reqs))
	}
	for _, r := range reqs {
		if len(r.Query) != 0 {
			t.Errorf("request %s carries a query %v", r.Path, r.Query)
		}
	}
}

func TestTeamMember(t *testing.T) {
	fake := tokenFake(t)
	fake.SetTeamMember("acme", "release-managers", "alice", "active")
	fake.SetTeamMember("acme", "release-managers", "carol", "pending")
	g := opsClient(t, tokenClients(t, fake), 0)
	for _, c := range []struct {
		org, team, login string
		want             bool
	}{
		{"acme", "release-managers", "alice", true},
		{"ACME", "Release-Managers", "Alice", true},
		{"acme", "release-managers", "carol", false}, // an invitation is not membership
		{"acme", "release-managers", "mallory", false},
		{"acme", "nope", "alice", false},
		{"acme", "", "alice", false},
	} {
		got, err := g.TeamMember(context.Background(), c.org, c.team, c.login)
		if err != nil || got != c.want {
			t.Errorf("TeamMember(%s, %s, %s) = %v, %v; want %v", c.org, c.team, c.login, got, err, c.want)
		}
	}
	if n := len(fake.RequestsTo(routeMembership)); n != 5 {
		t.Errorf("%d membership requests, want 5", n)
	}
}

// Failing closed needs errors that say so: a lookup that fails is never
// "no access" silently.
func TestAccessErrorsAreClassified(t *testing.T) {
	fake := tokenFake(t)
	fake.SetPermission("acme", "widgets", "alice", "write", "write")
	g := opsClient(t, tokenClients(t, fake), 0)
	ctx := context.Background()

	fake.Inject(githubtest.Fault{Route: routePermission, Kind: githubtest.Status502})
	_, err := g.CollaboratorPermission(ctx, testRepo, "alice")
	wantTransient(t, err)

	fake.Inject(githubtest.Fault{Route: routeMembership, Kind: githubtest.TooMany429, RetryAfter: 4 * time.Second})
	_, err = g.TeamMember(ctx, "acme", "ops", "alice")
	wantRetryAfter(t, err, 4*time.Second, 4*time.Second)

	if p, err := g.CollaboratorPermission(ctx, testRepo, "alice"); err != nil || p.Permission != "write" {
		t.Fatalf("after the faults: %+v, %v", p, err)
	}
}
