package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

const (
	createRefRoute     = "POST /repos/{owner}/{repo}/git/refs"
	createReleaseRoute = "POST /repos/{owner}/{repo}/releases"
	getRefRoute        = "GET /repos/{owner}/{repo}/git/ref/{ref}"
)

// hold makes every request to route hang until the client gives up (2s),
// until fake.ClearFaults(route) lets them through: the step it serves waits
// as long as the test needs, whatever the machine's speed.
func hold(fake *githubtest.Server, route string) {
	fake.Inject(githubtest.Fault{Route: route, Kind: githubtest.Timeout, Hold: 3 * time.Second, Times: 1000})
}

// conventionalHistory is what acme/api ships after v1.4.0: a squash-merged
// feature, a fix naming Jira issues, a GitHub merge commit whose branch
// names another, and a chore.
var conventionalHistory = []string{
	"feat(api): add login (#12)",
	"fix: crash on empty body\n\nFixes OPS-7 and OPS-404; see also ABC-1.",
	"Merge pull request #13 from acme/OPS-8-retry\n\nfix: retry the upload",
	"chore: tidy @here <!channel>",
}

// /release with no version takes a minor bump from the feat since v1.4.0,
// tags the head commit, publishes the changelog as a GitHub release, gives
// the Jira issues of project OPS the fix version with a link to the
// release, marks the version released and reports it all in the status
// comment. The issue it was typed on stays open: only a release form's
// issue is the release's own.
func TestReleaseHappyPath(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	head := releaseRepo(t, fake, releasePolicy, conventionalHistory...)
	grant(fake, "write", "alice")
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 5, Title: "release"})
	j, jiraOn := withJira(t, "OPS-7", "OPS-8")
	s := opsServer(t, fake, jiraOn)

	s.comment(comment{id: 500, issue: 5, body: "/release", login: "alice"})
	body := opComment(t, fake, 5, "the release and its Jira step done", contains("- [x] Jira fix version"))
	if got := tagAt(fake, "v1.5.0"); got != head {
		t.Fatalf("tag v1.5.0 at %q, want the head %s", got, head)
	}
	rels := released(t, fake, 1)
	if len(rels) != 1 || rels[0].TagName != "v1.5.0" {
		t.Fatalf("releases %+v", rels)
	}
	for _, want := range []string{"add login", "## Features", "## Fixes", "pull/12", "Jira: OPS"} {
		if !strings.Contains(rels[0].Body, want) {
			t.Errorf("release body lacks %q:\n%s", want, rels[0].Body)
		}
	}
	if strings.Contains(rels[0].Body, "@here") || strings.Contains(rels[0].Body, "<!channel>") {
		t.Errorf("release body echoes a mention or Slack markup raw:\n%s", rels[0].Body)
	}
	versions := j.Versions("OPS")
	if len(versions) != 1 || versions[0].Name != "api 1.5.0" || !versions[0].Released {
		t.Fatalf("Jira versions %+v", versions)
	}
	for _, key := range []string{"OPS-7", "OPS-8"} {
		iss, _ := j.Issue(key)
		if !slices.Contains(iss.FixVersions, "api 1.5.0") || len(iss.RemoteLinks) != 1 || !strings.Contains(iss.RemoteLinks[0].URL, "v1.5.0") {
			t.Errorf("Jira issue %s: %+v", key, iss)
		}
	}
	for _, want := range []string{"v1.5.0", "4 commits", "OPS-404", "ABC-1", "/releases/", "- [x] Jira fix version"} {
		if !strings.Contains(body, want) {
			t.Errorf("status comment lacks %q:\n%s", want, body)
		}
	}
	if iss, _ := fake.Issue("acme", "api", 5); iss.State == "closed" {
		t.Errorf("a /release comment closed its issue")
	}
	if cs := replies(fake, 5); len(cs) != 1 {
		t.Errorf("%d comments, want the status comment only", len(cs))
	}
}

// --dry-run shows the version, the commit and the changelog, and changes
// nothing.
func TestReleaseDryRun(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	head := releaseRepo(t, fake, releasePolicy, conventionalHistory...)
	grant(fake, "write", "alice")
	s := opsServer(t, fake)

	s.comment(comment{id: 510, issue: 6, body: "/release major --dry-run", login: "alice"})
	got := reply(t, fake, 6, 510)
	for _, want := range []string{"Dry run", "2.0.0", head, "v1.4.0", "add login", "Nothing was changed"} {
		if !strings.Contains(got, want) {
			t.Errorf("dry run lacks %q:\n%s", want, got)
		}
	}
	if tagAt(fake, "v2.0.0") != "" || len(fake.Releases("acme", "api")) != 0 || writesMade(fake, createRefRoute) != 0 {
		t.Errorf("a dry run tagged or released")
	}
}

// A version whose tag already names another commit is refused before
// anything changes.
func TestReleaseTagAtAnotherCommit(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	base := opsRepo(t, fake, releasePolicy)
	fake.SeedTag("acme", "api", "v1.5.0", base)
	fake.SeedHistory("acme", "api", "main", "alice", "feat: more")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)

	s.comment(comment{id: 520, issue: 8, body: "/release 1.5.0", login: "alice"})
	got := reply(t, fake, 8, 520)
	if !strings.Contains(got, "already exists at commit") {
		t.Errorf("reply:\n%s", got)
	}
	if tagAt(fake, "v1.5.0") != base || len(fake.Releases("acme", "api")) != 0 || writesMade(fake, createRefRoute) != 0 {
		t.Errorf("the refusal changed something: tag at %s, %d releases", tagAt(fake, "v1.5.0"), len(fake.Releases("acme", "api")))
	}
}

// The tag appears at another commit after the release was requested (a
// person tagged by hand while it queued): the run fails loudly and makes
// no release.
func TestReleaseTagMovedBeforeRun(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	base := opsRepo(t, fake, releasePolicy)
	fake.SeedHistory("acme", "api", "main", "alice", "fix: one")
	grant(fake, "write", "alice")
	// The run's first look at the tag is held unanswered until it times out
	// (the client gives up after 2s); meanwhile the tag is made.
	fake.Inject(githubtest.Fault{Route: getRefRoute, Kind: githubtest.Timeout, Hold: 3 * time.Second, Times: 1})
	s := opsServer(t, fake)

	s.comment(comment{id: 530, issue: 9, body: "/release", login: "alice"})
	waitFor(t, "the run's first look at the tag", func() bool {
		return len(fake.RequestsTo(getRefRoute)) >= 1
	})
	fake.SeedTag("acme", "api", "v1.4.1", base)
	body := opComment(t, fake, 9, "the release failed", contains("failed"))
	if !strings.Contains(body, "already exists at commit") || len(fake.Releases("acme", "api")) != 0 {
		t.Errorf("status:\n%s\nreleases %+v", body, fake.Releases("acme", "api"))
	}
}

// A repository without a release tag gets its first release: every commit
// is in the changelog, and the version bumps from 0.0.0.
func TestFirstRelease(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	fake.SeedRepo("acme", "api", "main")
	fake.SeedCommit("acme", "api", "main", map[string]string{".github/issueops.yml": "permissions:\n  release: write\n"})
	head := fake.SeedHistory("acme", "api", "main", "alice", "feat: hello", "fix: world")[1]
	grant(fake, "write", "alice")
	s := opsServer(t, fake)

	s.comment(comment{id: 540, issue: 10, body: "/release", login: "alice"})
	body := opComment(t, fake, 10, "the first release", contains("succeeded"))
	if tagAt(fake, "v0.1.0") != head {
		t.Fatalf("tags %+v, want v0.1.0 at %s", fake.Tags("acme", "api"), head)
	}
	rel := released(t, fake, 1)[0]
	if !strings.Contains(rel.Body, "hello") || !strings.Contains(rel.Body, "world") || !strings.Contains(body, "the first release") {
		t.Errorf("release body:\n%s\nstatus:\n%s", rel.Body, body)
	}
}

// A lost answer after GitHub made the tag, then after it made the
// release: each retry finds what was made and makes nothing twice.
func TestReleaseLostAnswers(t *testing.T) {
	for _, route := range []string{createRefRoute, createReleaseRoute} {
		t.Run(route, func(t *testing.T) {
			fake := newFake(t, githubtest.Options{})
			releaseRepo(t, fake, "permissions:\n  release: write\n", "fix: a")
			grant(fake, "write", "alice")
			fake.Inject(githubtest.Fault{Route: route, Kind: githubtest.DropAfterWrite, Times: 1})
			s := opsServer(t, fake)

			s.comment(comment{id: 550, issue: 11, body: "/release", login: "alice"})
			opComment(t, fake, 11, "succeeded", contains("succeeded"))
			if n := len(fake.Releases("acme", "api")); n != 1 {
				t.Errorf("%d releases, want 1", n)
			}
			if n := writesMade(fake, createReleaseRoute); n != 1 {
				t.Errorf("%d release creations answered, want 1", n)
			}
			if tagAt(fake, "v1.4.1") == "" {
				t.Errorf("no tag v1.4.1: %+v", fake.Tags("acme", "api"))
			}
		})
	}
}

// Jira down: the release still succeeds at once (its slot freed), the
// status comment shows the Jira step pending, and once Jira is back the
// retried step finishes and the status says done.
func TestReleaseJiraDownThenBack(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "fix: OPS-7 upload")
	grant(fake, "write", "alice")
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 12, Title: "release"})
	j, jiraOn := withJira(t, "OPS-7")
	j.Down(true)
	s := opsServer(t, fake, jiraOn)

	s.comment(comment{id: 560, issue: 12, body: "/release", login: "alice"})
	pending := opComment(t, fake, 12, "Jira pending", contains("pending: Jira did not answer"))
	if !strings.Contains(pending, "- [x] GitHub release") || !strings.Contains(pending, "succeeded") || len(released(t, fake, 1)) != 1 {
		t.Fatalf("the release waited for Jira:\n%s", pending)
	}
	j.Down(false)
	opComment(t, fake, 12, "Jira done", contains("- [x] Jira fix version"))
	if iss, _ := j.Issue("OPS-7"); !slices.Contains(iss.FixVersions, "api 1.4.1") {
		t.Errorf("OPS-7 after recovery: %+v", iss)
	}
	if n := len(fake.Releases("acme", "api")); n != 1 {
		t.Errorf("%d releases after the retries, want 1", n)
	}
}

// One release at a time per repository: a second waits in the queue,
// /queue shows it, and it runs once the first is done.
func TestReleasesQueue(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "fix: a")
	grant(fake, "write", "alice")
	hold(fake, createReleaseRoute) // the first release's creation, until the second is seen queued
	s := opsServer(t, fake)

	s.comment(comment{id: 570, issue: 13, body: "/release", login: "alice"})
	waitFor(t, "the first release being made", func() bool { return len(fake.RequestsTo(createReleaseRoute)) >= 1 })
	fake.SeedHistory("acme", "api", "main", "alice", "feat!: drop the old API")
	s.comment(comment{id: 571, issue: 14, body: "/release 2.0.0", login: "alice"})
	queued := opComment(t, fake, 14, "the second release queued", contains("queued"))
	if !strings.Contains(queued, "no other release of this repository runs") {
		t.Errorf("queued status:\n%s", queued)
	}
	s.comment(comment{id: 572, issue: 14, body: "/queue", login: "alice"})
	q := reply(t, fake, 14, 572)
	if !strings.Contains(q, "v1.4.1") || !strings.Contains(q, "v2.0.0") {
		t.Errorf("/queue:\n%s", q)
	}
	if n := len(fake.Releases("acme", "api")); n != 0 {
		t.Fatalf("%d releases while the first is held, want 0", n)
	}
	fake.ClearFaults(createReleaseRoute)
	opComment(t, fake, 14, "the second release done", contains("succeeded"))
	opComment(t, fake, 13, "the first release done", contains("succeeded"))
	if rels := fake.Releases("acme", "api"); len(rels) != 2 {
		t.Errorf("releases %+v, want 2", rels)
	}
}

// releaseBody is the rendered release form.
func releaseBody(version, ref, notes string) string {
	or := func(s string) string {
		if s == "" {
			return "_No response_"
		}
		return s
	}
	return "### Version\n\n" + or(version) + "\n\n### From\n\n" + or(ref) + "\n\n### Release notes\n\n" + or(notes) +
		"\n\n### Dry run\n\n- [ ] Only show the plan; change nothing\n"
}

// The release form runs a release: the version it names, its notes above
// the changelog (escaped), and the issue closed when it is done.
func TestReleaseFormRunsAndClosesTheIssue(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	formsRepo(t, fake)
	head := fake.SeedHistory("acme", "api", "main", "octocat", "fix: a bug")[0]
	grant(fake, "write", "octocat")
	s := opsServer(t, fake)
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 82, Title: "[release] api",
		Body: releaseBody("1.4.1", "", "Thanks @here, see [this](https://evil.example)"), Labels: []string{"issueops:release"}})
	s.issue(issueDelivery{number: 82, labels: []string{"issueops:release"}})

	opComment(t, fake, 82, "the release succeeded", contains("succeeded"))
	if tagAt(fake, "v1.4.1") != head {
		t.Fatalf("tags %+v", fake.Tags("acme", "api"))
	}
	rel := released(t, fake, 1)[0]
	if !strings.Contains(rel.Body, "Thanks") || strings.Contains(rel.Body, "@here") || strings.Contains(rel.Body, "](https://evil") {
		t.Errorf("release body:\n%s", rel.Body)
	}
	waitFor(t, "the issue closed", func() bool { iss, _ := fake.Issue("acme", "api", 82); return iss.State == "closed" })
}

// Two bump releases of the same commit queued one after the other plan the
// same version; the second finds the tag released by the first, fails
// saying so, and publishes nothing of its own. A /cancel of a release that
// has made its tag is refused: it would leave a tag without its release.
func TestReleaseOfAReleasedTagFails(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "fix: a")
	grant(fake, "write", "alice")
	// The first release's look at its tag is held, so the second is planned
	// against the same previous release; then its creation is held, so the
	// /cancel comes between the tag and the release.
	hold(fake, getRefRoute)
	hold(fake, createReleaseRoute)
	s := opsServer(t, fake)

	s.comment(comment{id: 580, issue: 15, body: "/release", login: "alice"})
	waitFor(t, "the first release's look at its tag", func() bool { return len(fake.RequestsTo(getRefRoute)) >= 1 })
	s.comment(comment{id: 582, issue: 16, body: "/release patch", login: "alice"})
	opComment(t, fake, 16, "the second queued", contains("queued"))
	fake.ClearFaults(getRefRoute)
	waitFor(t, "the first release being made", func() bool { return len(fake.RequestsTo(createReleaseRoute)) >= 1 })
	s.comment(comment{id: 581, issue: 15, body: "/cancel", login: "alice"})
	if got := reply(t, fake, 15, 581); !strings.Contains(got, "finishes by itself") {
		t.Errorf("/cancel of a tagged release:\n%s", got)
	}
	fake.ClearFaults(createReleaseRoute)
	body := opComment(t, fake, 16, "the second failed", contains("failed"))
	if !strings.Contains(body, "already released") {
		t.Errorf("status of the second:\n%s", body)
	}
	opComment(t, fake, 15, "the first succeeded", contains("succeeded"))
	if n := len(fake.Releases("acme", "api")); n != 1 {
		t.Errorf("%d releases made, want 1", n)
	}
}

// The policy breaks after the release was published, while Jira is down:
// the release still succeeds; its Jira step says why it was skipped.
func TestReleasePolicyBrokenAfterPublishing(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "fix: OPS-7 a")
	grant(fake, "write", "alice")
	j, jiraOn := withJira(t, "OPS-7")
	j.Down(true)
	s := opsServer(t, fake, jiraOn)

	s.comment(comment{id: 590, issue: 17, body: "/release", login: "alice"})
	opComment(t, fake, 17, "waiting for Jira", contains("pending: Jira did not answer"))
	fake.SeedCommit("acme", "api", "main", map[string]string{".github/issueops.yml": "release: [broken\n"})
	body := opComment(t, fake, 17, "the Jira step skipped", contains("Jira: skipped"))
	if !strings.Contains(body, "Jira: skipped") || !strings.Contains(body, "- [x] GitHub release") {
		t.Errorf("status:\n%s", body)
	}
}

// Permission is asked of GitHub again when a queued release starts: one
// whose requester lost it meanwhile fails without tagging, and /retry
// after the permission is back releases it once.
func TestReleaseRechecksPermissionAtStartThenRetry(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "fix: a")
	grant(fake, "write", "alice", "bob")
	hold(fake, createReleaseRoute)
	s := opsServer(t, fake)

	s.comment(comment{id: 595, issue: 18, body: "/release", login: "alice"})
	waitFor(t, "the first release being made", func() bool { return len(fake.RequestsTo(createReleaseRoute)) >= 1 })
	fake.SeedHistory("acme", "api", "main", "bob", "feat: b")
	s.comment(comment{id: 596, issue: 19, body: "/release", login: "bob"})
	opComment(t, fake, 19, "bob's release queued", contains("queued"))
	grant(fake, "read", "bob")
	fake.ClearFaults(createReleaseRoute)
	failed := opComment(t, fake, 19, "bob's release failed at its start", contains("failed"))
	if !strings.Contains(failed, "needs") || tagAt(fake, "v1.5.0") != "" {
		t.Fatalf("status:\n%s\ntags %+v", failed, fake.Tags("acme", "api"))
	}
	grant(fake, "write", "bob")
	s.comment(comment{id: 597, issue: 19, body: "/retry", login: "bob"})
	opComment(t, fake, 19, "the retried release succeeded", func(b string) bool {
		return strings.Contains(b, "succeeded") && strings.Contains(b, "v1.5.0")
	})
	if n := len(fake.Releases("acme", "api")); n != 2 {
		t.Errorf("%d releases, want 2", n)
	}
}

// A policy asking for Jira on a server without --jira-url: the release
// succeeds and its status says the Jira step was skipped, and why.
func TestReleaseJiraNotConfigured(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "fix: OPS-7 a")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)

	s.comment(comment{id: 598, issue: 24, body: "/release", login: "alice"})
	body := opComment(t, fake, 24, "succeeded", contains("succeeded"))
	if !strings.Contains(body, "Jira: skipped: Jira is not configured") {
		t.Errorf("status:\n%s", body)
	}
}

// A fix of an older line (1.4.1 after 2.0.0) is released from its branch
// without becoming the repository's latest release; its changelog starts
// at 1.4.0, the highest version below it.
func TestReleaseOfAnOlderLineIsNotLatest(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy, "feat!: the new API")
	fake.SeedTag("acme", "api", "v2.0.0", "main")
	fake.SeedHistory("acme", "api", "release-1.4", "alice", "fix: backport")
	grant(fake, "write", "alice")
	s := opsServer(t, fake)

	s.comment(comment{id: 599, issue: 25, body: "/release 1.4.1 from release-1.4", login: "alice"})
	body := opComment(t, fake, 25, "succeeded", contains("succeeded"))
	if !strings.Contains(body, "since `v1.4.0`") {
		t.Errorf("status:\n%s", body)
	}
	rel := released(t, fake, 1)[0]
	if rel.TagName != "v1.4.1" || rel.MakeLatest != "false" {
		t.Errorf("release %+v, want v1.4.1 with make_latest false", rel)
	}
}
