package main

import (
	"net/http"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/jira/jiratest"
	"github.com/issueops/issueops/app/store/storetest"
)

// A real `issueops serve` is killed (SIGKILL) after it made the tag and
// while its request to create the release is in flight; the restarted
// process resumes the release: the tag is reused (it names the commit),
// exactly one release is made, Jira gets its fix version, and the issue
// has one status comment. The wait is mostly River's leader election (see
// TestOpsKillDuringOperationsThenRestart).
func TestReleaseKilledBetweenTagAndRelease(t *testing.T) {
	fake := newFake(t, githubtest.Options{Tokens: []string{"proc-token"}})
	head := releaseRepo(t, fake, releasePolicy, "feat: OPS-7 login")
	grant(fake, "write", "alice")
	fake.SeedIssue("acme", "api", githubtest.Issue{Number: 30, Title: "release"})
	// The release's creation is held unanswered: the process dies waiting.
	fake.Inject(githubtest.Fault{Route: createReleaseRoute, Kind: githubtest.Timeout, Hold: 20 * time.Second})
	j := jiratest.New(t)
	j.AddProject("OPS")
	j.AddIssue("OPS-7")
	dbURL := storetest.SQLiteURL(t)
	args := append(procOpArgs(fake, dbURL), "--jira-url", j.URL(), "--jira-user", jiratest.DefaultUser, "--jira-token", jiratest.DefaultToken)
	secret := rememberSecret("proc-secret")
	addr := freeAddr(t)
	logs := &syncBuffer{}
	dumpLogsOnFailure(t, "issueops serve", logs)
	p := startReplica(t, addr, secret, logs, args...)
	fake.SetWebhook(p.url+"/webhook", secret)

	if code, err := postComment(p.url, secret, comment{id: 3000, issue: 30, body: "/release", login: "alice"}); err != nil || code != http.StatusAccepted {
		t.Fatalf("comment: %d %v", code, err)
	}
	waitLong(t, 60*time.Second, "the release's creation in flight", func() bool { return len(fake.RequestsTo(createReleaseRoute)) == 1 })
	if tagAt(fake, "v1.5.0") != head {
		t.Fatalf("no tag before the release: %+v", fake.Tags("acme", "api"))
	}
	sigkill(t, p)
	if n := len(fake.Releases("acme", "api")); n != 0 {
		t.Fatalf("%d releases at the kill: the test proves nothing", n)
	}

	restart := time.Now()
	startReplica(t, addr, secret, logs, args...)
	waitLong(t, 90*time.Second, "the release resumed and done", func() bool { return statusSays(fake, 30, "- [x] Jira fix version") })
	t.Logf("after the restart the release was done in %s", time.Since(restart).Round(time.Millisecond))
	if n := len(fake.Releases("acme", "api")); n != 1 {
		t.Errorf("%d releases, want 1", n)
	}
	if n := writesMade(fake, createRefRoute); n != 1 {
		t.Errorf("the tag was created %d times, want once", n)
	}
	if iss, _ := j.Issue("OPS-7"); len(iss.FixVersions) != 1 {
		t.Errorf("OPS-7: %+v", iss)
	}
	if cs := replies(fake, 30); len(cs) != 1 {
		t.Errorf("%d comments, want the status comment only", len(cs))
	}
}
