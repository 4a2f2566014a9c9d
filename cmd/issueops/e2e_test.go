package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/store"
	"github.com/issueops/issueops/app/store/storetest"
	"github.com/issueops/issueops/handlers"
)

const (
	reactionsRoute = "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"
	commentsRoute  = "POST /repos/{owner}/{repo}/issues/{issue_number}/comments"
)

func TestHelpCommandEndToEnd(t *testing.T) {
	for _, db := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(db.name, func(t *testing.T) {
			fake := newFake(t, githubtest.Options{})
			var opts []serverOption
			if db.url != "" {
				url := storetest.PostgresURL(t)
				opts = append(opts, func(c *config) { c.databaseURL = url })
			}
			s := startServer(t, fake, opts...)
			if got := s.comment(comment{id: 101, issue: 7, body: "Could someone look?\n\n/help\n"}); got != http.StatusAccepted {
				t.Fatalf("delivery answered %d; want 202", got)
			}
			waitFor(t, "the /help reply", func() bool { return len(replies(fake, 7)) == 1 })

			reactions := fake.Reactions("acme", "api", 101)
			if len(reactions) != 1 || reactions[0].Content != "eyes" {
				t.Errorf("reactions on the comment = %+v; want one 👀", reactions)
			}
			reply := replies(fake, 7)[0].Body
			for _, want := range []string{"`/help`", app.ReplyMarker(101)} {
				if !strings.Contains(reply, want) {
					t.Errorf("reply lacks %q:\n%s", want, reply)
				}
			}
			if !strings.Contains(reply, "/release") || !strings.Contains(reply, "/deploy") {
				t.Errorf("reply should list /deploy and /release, which this build runs:\n%s", reply)
			}
			reactAt := fake.RequestsTo(reactionsRoute)[0].At
			replyAt := fake.RequestsTo(commentsRoute)[0].At
			if !reactAt.Before(replyAt) {
				t.Errorf("👀 came at %v, after the reply at %v", reactAt, replyAt)
			}
			// The job is counted when it ends, just after the reply it posted.
			waitFor(t, "the job counted", func() bool {
				return strings.Contains(s.metrics(), `issueops_job_duration_seconds_count{event="issue_comment",outcome="processed"} 1`)
			})
			if m := s.metrics(); !strings.Contains(m, `issueops_deliveries_total{event="issue_comment",outcome="accepted"} 1`) ||
				!strings.Contains(m, `issueops_github_requests_total{route="POST /repos/{owner}/{repo}/issues/comments/{n}/reactions",status="201"} 1`) ||
				!strings.Contains(m, `issueops_job_duration_seconds_count{event="issue_comment",outcome="processed"} 1`) {
				t.Errorf("metrics lack the delivery, GitHub request or job:\n%s", grepLines(m, "issueops_"))
			}
			if !strings.Contains(s.logs.String(), `"delivery_id"`) {
				t.Errorf("logs carry no delivery id")
			}
		})
	}
}

func TestSameDeliveryTwiceRunsOnce(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	s := startServer(t, fake)
	body := comment{id: 5, issue: 2, body: "/help"}.payload()
	if got := s.post("issue_comment", "same-id", body); got != http.StatusAccepted {
		t.Fatalf("first delivery: %d", got)
	}
	if got := s.post("issue_comment", "same-id", body); got != http.StatusOK {
		t.Fatalf("redelivery: %d; want 200", got)
	}
	waitFor(t, "reply", func() bool { return len(replies(fake, 2)) == 1 })
	time.Sleep(300 * time.Millisecond)
	if n := len(replies(fake, 2)); n != 1 {
		t.Errorf("%d replies; want 1", n)
	}
	if !strings.Contains(s.metrics(), `issueops_deliveries_total{event="issue_comment",outcome="duplicate"} 1`) {
		t.Errorf("duplicate not counted")
	}
}

func TestSignatureIsRequired(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	s := startServer(t, fake)
	body := comment{id: 9, body: "/help"}.payload()
	for name, sig := range map[string]string{
		"missing":    "",
		"wrong":      "sha256=" + strings.Repeat("ab", 32),
		"sha1 only":  "sha1=" + strings.Repeat("ab", 20),
		"other key":  signWith("not-the-secret", body),
		"truncated":  signWith(s.secret, body)[:40],
		"no prefix":  strings.TrimPrefix(signWith(s.secret, body), "sha256="),
		"other body": signWith(s.secret, append([]byte(" "), body...)),
	} {
		if got := s.postSigned("issue_comment", nextDeliveryID(), body, sig); got != http.StatusUnauthorized {
			t.Errorf("%s signature: %d; want 401", name, got)
		}
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(fake.Requests()); n != 0 {
		t.Errorf("GitHub got %d requests from unsigned deliveries", n)
	}
	if !strings.Contains(s.metrics(), `issueops_deliveries_total{event="issue_comment",outcome="rejected"} 7`) {
		t.Errorf("rejections not counted:\n%s", grepLines(s.metrics(), "deliveries_total"))
	}
}

func TestSecretRotationAcceptsBoth(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	s := startServer(t, fake, func(c *config) {
		c.webhookSecret = rememberSecret("old-secret-1") + " , " + rememberSecret("new-secret-2")
	})
	for i, secret := range []string{"old-secret-1", "new-secret-2"} {
		body := comment{id: int64(20 + i), body: "hi"}.payload()
		if got := s.postSigned("issue_comment", nextDeliveryID(), body, signWith(secret, body)); got != http.StatusAccepted {
			t.Errorf("delivery signed with secret %d: %d; want 202", i+1, got)
		}
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	s := startServer(t, newFake(t, githubtest.Options{}))
	body := make([]byte, 25<<20+1)
	if got := s.post("issue_comment", nextDeliveryID(), body); got != http.StatusRequestEntityTooLarge {
		t.Errorf("25 MiB + 1 byte: %d; want 413", got)
	}
}

func TestUnknownEventIsStoredAsIgnored(t *testing.T) {
	s := startServer(t, newFake(t, githubtest.Options{}))
	if got := s.post("star", "star-1", []byte(`{"action":"created"}`)); got != http.StatusAccepted {
		t.Fatalf("unknown event: %d; want 202", got)
	}
	st, err := store.Open(context.Background(), s.dbURL, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := st.Delivery(context.Background(), "star-1")
	if err != nil || d.Status != store.StatusIgnored || d.Event != "star" {
		t.Fatalf("stored %+v, %v; want status ignored", d, err)
	}
	if !strings.Contains(s.metrics(), `issueops_deliveries_total{event="other",outcome="ignored"} 1`) {
		t.Errorf("ignored delivery not counted")
	}
}

// Comments that must not be acted on, then one that must: once its reply is
// there, none of the others got a reaction or a reply.
func TestCommentsThatAreNotCommands(t *testing.T) {
	fake := newFake(t, githubtest.Options{Login: "issueops-bot-user"})
	s := startServer(t, fake)
	ignored := []comment{
		{id: 1, body: "/help", action: "edited"},
		{id: 2, body: "/help", action: "deleted"},
		{id: 3, body: "/help", login: "dependabot[bot]", senderType: "Bot"},
		{id: 4, body: "/help", login: "issueops-bot-user"}, // the app's own token user
		{id: 5, body: "thanks! /help is nice"},
		{id: 6, body: "```\n/help\n```"},
		{id: 7, body: "> /help"},
		{id: 8, body: "<!-- /help -->"},
		{id: 9, body: "`/help`"},
		{id: 10, body: "/hеlp"}, // Cyrillic е
		{id: 11, body: "/Help"},
	}
	for _, c := range ignored {
		c.issue = 3
		if got := s.comment(c); got != http.StatusAccepted {
			t.Fatalf("comment %d: %d", c.id, got)
		}
	}
	s.comment(comment{id: 99, issue: 4, body: "/help"})
	waitFor(t, "the real command's reply", func() bool { return len(replies(fake, 4)) == 1 })
	time.Sleep(200 * time.Millisecond)
	if n := len(replies(fake, 3)); n != 0 {
		t.Errorf("%d replies to non-commands: %+v", n, replies(fake, 3))
	}
	for _, c := range ignored {
		if r := fake.Reactions("acme", "api", c.id); len(r) != 0 {
			t.Errorf("comment %d (%q) got reactions %+v", c.id, c.body, r)
		}
	}
}

func TestRepliesForUnknownAndSecondCommands(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	s := startServer(t, fake)
	cases := []struct {
		body  string
		wants []string
	}{
		{"/hlep", []string{"Unknown command `/hlep`", "`/help`"}},
		{"/lock", []string{"`/lock`"}},
		{"/help\n/help", []string{"one command"}},
		{"/help @everyone <!channel>", nil},
	}
	for i, c := range cases {
		s.comment(comment{id: int64(200 + i), issue: 10 + i, body: c.body})
	}
	for i, c := range cases {
		waitFor(t, "reply to "+c.body, func() bool { return len(replies(fake, 10+i)) == 1 })
		reply := replies(fake, 10+i)[0].Body
		for _, want := range c.wants {
			if !strings.Contains(reply, want) {
				t.Errorf("reply to %q lacks %q:\n%s", c.body, want, reply)
			}
		}
		if strings.Contains(stripCodeSpans(reply), "@") {
			t.Errorf("reply to %q has an @ outside code: %s", c.body, reply)
		}
	}
}

func TestCorpusDeliveriesPassIntake(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpora", "webhooks")
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	extra, _ := filepath.Glob(filepath.Join(dir, "extra", "*.json"))
	files = append(files, extra...)
	if len(files) == 0 {
		t.Skip("../shared/corpora/webhooks absent")
	}
	fake := newFake(t, githubtest.Options{})
	s := startServer(t, fake)
	issueJobs := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		event, _, _ := strings.Cut(filepath.Base(f), ".")
		var p struct {
			Action     string
			Repository struct {
				Name  string
				Owner struct{ Login string }
			}
		}
		_ = json.Unmarshal(body, &p)
		if p.Repository.Name != "" {
			fake.SeedRepo(p.Repository.Owner.Login, p.Repository.Name, "main")
		}
		if got := s.post(event, nextDeliveryID(), body); got != http.StatusAccepted {
			t.Errorf("%s: %d; want 202", filepath.Base(f), got)
		}
		if event == "issues" && app.HandlesIssueAction(p.Action) {
			issueJobs++
		}
	}
	// None of the corpus comments is a command and none of the issues
	// carries an issueops label: they are processed, and GitHub is only
	// read from (the app's identity, whether the policy binds a form).
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("metrics:\n%s", s.metrics())
		}
	})
	waitFor(t, "corpus deliveries processed", func() bool {
		m := s.metrics()
		return strings.Contains(m, `issueops_job_duration_seconds_count{event="issue_comment",outcome="processed"}`) &&
			strings.Contains(m, fmt.Sprintf(`issueops_job_duration_seconds_count{event="issues",outcome="processed"} %d`, issueJobs))
	})
	for _, r := range fake.Requests() {
		if r.Method != http.MethodGet {
			t.Errorf("a corpus delivery caused %s %s", r.Method, r.Path)
		}
	}
	t.Logf("%d corpus deliveries accepted", len(files))
}

func TestHealthAndReadiness(t *testing.T) {
	s := startServer(t, newFake(t, githubtest.Options{}))
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/metrics": 200, "/nope": 404} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d; want %d", path, resp.StatusCode, want)
		}
	}
	resp, err := http.Get(s.url + "/webhook")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /webhook: %d; want 405", resp.StatusCode)
	}
}

func signWith(secret string, body []byte) string {
	return handlers.Sign([]byte(secret), body)
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// stripCodeSpans removes `…` spans (any fence length) from markdown.
func stripCodeSpans(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := strings.Repeat("`", n)
		end := strings.Index(s[i+n:], fence)
		if end < 0 {
			b.WriteString(s[i:])
			break
		}
		i += n + end + n
	}
	return b.String()
}
