package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
)

// Each fault hits one step of a /help; the command still ends with exactly one
// 👀 and exactly one reply.
func TestGitHubFaultsNeverDuplicate(t *testing.T) {
	faults := []githubtest.Fault{
		{Method: "POST", Route: commentsRoute, Kind: githubtest.DropAfterWrite},
		{Method: "POST", Route: commentsRoute, Kind: githubtest.DropAfterWrite, Times: 2},
		{Method: "POST", Route: reactionsRoute, Kind: githubtest.DropAfterWrite},
		{Method: "POST", Route: commentsRoute, Kind: githubtest.Status502, Times: 2},
		{Method: "POST", Route: reactionsRoute, Kind: githubtest.Status500},
		{Method: "POST", Route: commentsRoute, Kind: githubtest.Status503},
		{Method: "POST", Route: commentsRoute, Kind: githubtest.Timeout, Hold: 5 * time.Second},
		{Method: "GET", Route: "GET /repos/{owner}/{repo}/issues/{issue_number}/comments", Kind: githubtest.Status500},
		{Method: "POST", Route: commentsRoute, Kind: githubtest.TooMany429, RetryAfter: time.Second},
		{Method: "POST", Route: reactionsRoute, Kind: githubtest.SecondaryRateLimit403, RetryAfter: time.Second},
		{Method: "POST", Route: commentsRoute, Kind: githubtest.PrimaryRateLimit, Reset: time.Second},
	}
	for i, f := range faults {
		t.Run(fmt.Sprintf("%s_%s_%s_x%d", f.Kind, f.Method, lastSegment(f.Route), max(f.Times, 1)), func(t *testing.T) {
			t.Parallel()
			fake := newFake(t, githubtest.Options{})
			s := startServer(t, fake, func(c *config) { c.githubTimeout = 500 * time.Millisecond })
			if f.Route == "GET /repos/{owner}/{repo}/issues/{issue_number}/comments" {
				// The listing is only read on a retry: make the reply's
				// first attempt lose its response so the listing runs.
				fake.Inject(githubtest.Fault{Method: "POST", Route: commentsRoute, Kind: githubtest.DropAfterWrite})
			}
			fake.Inject(f)
			id := int64(1000 + i)
			s.comment(comment{id: id, issue: 1, body: "/help"})
			waitFor(t, "a reply", func() bool { return len(replies(fake, 1)) >= 1 })
			// Give any duplicate the time a further retry would take.
			time.Sleep(1500 * time.Millisecond)
			if n := len(replies(fake, 1)); n != 1 {
				t.Errorf("%d replies; want exactly 1", n)
			}
			if r := fake.Reactions("acme", "api", id); len(r) != 1 {
				t.Errorf("%d reactions; want exactly 1", len(r))
			}
		})
	}
}

func lastSegment(route string) string { return route[strings.LastIndex(route, "/")+1:] }

// A rate-limited job is rescheduled, not slept on: with a single worker, a
// second command is answered while the first waits out its Retry-After.
func TestRateLimitReschedulesInsteadOfSleeping(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	s := startServer(t, fake, func(c *config) { c.workers = 1 })
	fake.Inject(githubtest.Fault{Method: "POST", Route: commentsRoute, Kind: githubtest.TooMany429, RetryAfter: 3 * time.Second})
	start := time.Now()
	s.comment(comment{id: 1, issue: 1, body: "/help"})
	waitFor(t, "the first attempt to be refused", func() bool { return len(fake.RequestsTo(commentsRoute)) == 1 })
	s.comment(comment{id: 2, issue: 2, body: "/help"})
	waitFor(t, "the second command's reply", func() bool { return len(replies(fake, 2)) == 1 })
	if took := time.Since(start); took > 2500*time.Millisecond {
		t.Errorf("second command answered after %s: the worker slept on the first one's rate limit", took)
	}
	waitFor(t, "the first command's reply", func() bool { return len(replies(fake, 1)) == 1 })
	if took := time.Since(start); took < 3*time.Second {
		t.Errorf("first command retried after %s, before its Retry-After of 3s", took)
	}
}

func TestAppModeUsesCachedInstallationTokens(t *testing.T) {
	fake, keyPath := appFake(t)
	s := startServer(t, fake, func(c *config) { c.githubToken, c.appID, c.privateKeyPath = "", 4242, keyPath })
	for i := range 5 {
		s.comment(comment{id: int64(300 + i), issue: 1, body: "/help", install: 77})
	}
	s.comment(comment{id: 400, issue: 2, body: "/help", install: 78})
	// The app's own comment (as its bot) must be ignored.
	s.comment(comment{id: 401, issue: 3, body: "/help", install: 77, login: "issueops-e2e[bot]", senderType: "Bot"})
	waitFor(t, "six replies", func() bool { return len(replies(fake, 1)) == 5 && len(replies(fake, 2)) == 1 })
	if got := replies(fake, 1)[0]; got.UserLogin != "issueops-e2e[bot]" {
		t.Errorf("reply written by %q; want the App's bot", got.UserLogin)
	}
	if a, b := fake.TokensIssued(77), fake.TokensIssued(78); a != 1 || b != 1 {
		t.Errorf("installation tokens issued: %d and %d; want one each (cached)", a, b)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(replies(fake, 3)); n != 0 {
		t.Errorf("the app answered its own comment")
	}
}
