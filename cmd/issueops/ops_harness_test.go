package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
)

// fastPoll checks running deploys often, so tests that wait for a deploy
// to report back do not wait 30s when the event alone is not enough.
func fastPoll(c *config) { c.deployPoll = 100 * time.Millisecond }

// opsRepo seeds acme/api with the policy on main and the tag v1.4.0 there,
// and returns the commit.
func opsRepo(t testing.TB, fake *githubtest.Server, policyYAML string) string {
	t.Helper()
	fake.SeedRepo("acme", "api", "main")
	sha := fake.SeedCommit("acme", "api", "main", map[string]string{".github/issueops.yml": policyYAML, "main.go": "package main\n"})
	fake.SeedTag("acme", "api", "v1.4.0", sha)
	return sha
}

// grant gives each login its repository role on acme/api.
func grant(fake *githubtest.Server, role string, logins ...string) {
	legacy := map[string]string{"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}[role]
	for _, login := range logins {
		fake.SetPermission("acme", "api", login, legacy, role)
	}
}

// opsServer starts a server whose deliveries of the fake's webhook (the
// deployment_status and workflow_run events the tests cause) reach it.
func opsServer(t testing.TB, fake *githubtest.Server, opts ...serverOption) *server {
	t.Helper()
	s := startServer(t, fake, append([]serverOption{fastPoll}, opts...)...)
	fake.SetWebhook(s.url+"/webhook", s.secret)
	t.Cleanup(func() {
		if t.Failed() && testing.Verbose() {
			t.Logf("server logs:\n%s", s.logs.String())
		}
	})
	return s
}

// opComment waits until issue n has a comment holding an operation's
// status that satisfies cond, and returns its body.
func opComment(t testing.TB, fake *githubtest.Server, n int, what string, cond func(string) bool) string {
	t.Helper()
	return markedComment(t, fake, n, "<!-- issueops:operation=", what, cond)
}

// markedComment waits until issue n has a comment carrying marker that
// satisfies cond, and returns its body.
func markedComment(t testing.TB, fake *githubtest.Server, n int, marker, what string, cond func(string) bool) string {
	t.Helper()
	var body string
	waitFor(t, what, func() bool {
		for _, c := range replies(fake, n) {
			if strings.Contains(c.Body, marker) && cond(c.Body) {
				body = c.Body
				return true
			}
		}
		return false
	})
	return body
}

func contains(sub string) func(string) bool {
	return func(s string) bool { return strings.Contains(s, sub) }
}

// reply waits for the reply to comment id on issue n and returns its body.
func reply(t testing.TB, fake *githubtest.Server, n int, id int64) string {
	t.Helper()
	marker := app.ReplyMarker(id)
	return markedComment(t, fake, n, marker, "the reply to comment "+marker, func(string) bool { return true })
}

// deployments waits until acme/api has n deployments and returns them.
func deployments(t testing.TB, fake *githubtest.Server, n int) []githubtest.Deployment {
	t.Helper()
	waitFor(t, "deployments", func() bool { return len(fake.Deployments("acme", "api")) >= n })
	return fake.Deployments("acme", "api")
}

// statesOf lists a deployment's status states, oldest first.
func statesOf(fake *githubtest.Server, id int64) []string {
	var out []string
	for _, st := range fake.DeploymentStatuses("acme", "api", id) {
		out = append(out, st.State)
	}
	return out
}

func hasReaction(fake *githubtest.Server, commentID int64, content string) bool {
	return slices.ContainsFunc(fake.Reactions("acme", "api", commentID), func(r githubtest.Reaction) bool { return r.Content == content })
}
