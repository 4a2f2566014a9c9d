package main

import (
	"testing"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/jira/jiratest"
)

// releasePolicy releases with tag v{version}, a Jira fix version in OPS
// marked released, and /release for writers.
const releasePolicy = `permissions:
  release: write
release:
  tag: "v{version}"
  jira: { project: OPS, version: "api {version}", released: true }
`

// releaseRepo seeds acme/api with the policy, the release v1.4.0, and
// after it the given commit messages by alice; it returns the head SHA.
func releaseRepo(t testing.TB, fake *githubtest.Server, policyYAML string, messages ...string) string {
	t.Helper()
	opsRepo(t, fake, policyYAML)
	shas := fake.SeedHistory("acme", "api", "main", "alice", messages...)
	return shas[len(shas)-1]
}

// withJira points the server at a fake Jira with project OPS and the
// issues keys.
func withJira(t testing.TB, keys ...string) (*jiratest.Server, serverOption) {
	j := jiratest.New(t)
	j.AddProject("OPS")
	for _, k := range keys {
		j.AddIssue(k)
	}
	return j, func(c *config) {
		c.jiraURL, c.jiraUser, c.jiraToken = j.URL(), jiratest.DefaultUser, jiratest.DefaultToken
	}
}

// released waits until acme/api has n releases and returns them.
func released(t testing.TB, fake *githubtest.Server, n int) []githubtest.Release {
	t.Helper()
	waitFor(t, "releases", func() bool { return len(fake.Releases("acme", "api")) >= n })
	return fake.Releases("acme", "api")
}

// tagAt returns the commit tag points at in acme/api, "" when there is none.
func tagAt(fake *githubtest.Server, tag string) string {
	for _, tg := range fake.Tags("acme", "api") {
		if tg.Name == tag {
			return tg.SHA
		}
	}
	return ""
}
