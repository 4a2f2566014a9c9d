package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app/github/githubtest"
	"github.com/issueops/issueops/app/slack/slacktest"
)

// slackPolicy announces deploys in #deploys, production in #prod-changes;
// staging needs one approval.
const slackPolicy = `environments:
  staging:
    approvals: { required: 1 }
  production: {}
slack:
  channel: "#deploys"
  environments: { production: "#prod-changes" }
`

// withSlack points the server at a fake Slack.
func withSlack(t *testing.T) (*slacktest.Server, serverOption) {
	sl := slacktest.New("xoxb-test-" + t.Name())
	t.Cleanup(sl.Close)
	return sl, func(c *config) { c.slackToken, c.slackURL = rememberSecret("xoxb-test-"+t.Name()), sl.URL() }
}

// chatCalls lists the chat calls Slack received, as "method channel ts
// thread" lines for order checks.
func chatCalls(sl *slacktest.Server) []slacktest.Call {
	var out []slacktest.Call
	for _, c := range sl.Calls() {
		if strings.HasPrefix(c.Method, "chat.") && c.Status == 200 && c.Error == "" {
			out = append(out, c)
		}
	}
	return out
}

// threadTexts is the text of every reply in the thread of the one message
// of channel.
func threadTexts(t *testing.T, sl *slacktest.Server, channel string) (top slacktest.Message, replies []string) {
	t.Helper()
	msgs := sl.Messages(sl.ChannelID(channel))
	var tops []slacktest.Message
	for _, m := range msgs {
		if m.ThreadTS == "" {
			tops = append(tops, m)
		}
	}
	if len(tops) != 1 {
		t.Fatalf("%d top-level messages in %s, want 1: %+v", len(tops), channel, msgs)
	}
	for _, m := range sl.Thread(tops[0].ChannelID, tops[0].TS) {
		replies = append(replies, m.Text)
	}
	return tops[0], replies
}

// A deploy's whole life in Slack: one message, posted first and then only
// updated, ending on the final state with its approver; a thread reply per
// step in order.
func TestSlackLifecycleOfADeploy(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	sha := opsRepo(t, fake, slackPolicy)
	grant(fake, "write", "alice", "bob")
	sl, slackOn := withSlack(t)
	s := opsServer(t, fake, slackOn)

	s.comment(comment{id: 600, issue: 20, body: "/deploy v1.4.0 to staging", login: "alice"})
	opComment(t, fake, 20, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 601, issue: 20, body: "/approve", login: "bob"})
	d := deployments(t, fake, 1)[0]
	fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
	opComment(t, fake, 20, "succeeded", contains("succeeded"))

	var top slacktest.Message
	var steps []string
	waitFor(t, "the thread to reach succeeded", func() bool {
		msgs := sl.Messages(sl.ChannelID("#deploys"))
		if len(msgs) == 0 {
			return false
		}
		top, steps = threadTexts(t, sl, "#deploys")
		return len(steps) > 0 && strings.Contains(steps[len(steps)-1], "succeeded") && strings.Contains(strings.Join(top.BlockTexts(), " "), "succeeded")
	})
	wantOrder := []string{"awaiting approval", "approved", "queued", "running", "succeeded"}
	if !inOrder(steps, wantOrder) {
		t.Errorf("thread steps %q, want them in the order %q", steps, wantOrder)
	}
	texts := strings.Join(top.BlockTexts(), "\n")
	for _, want := range []string{"acme/api", "staging", "v1.4.0", sha[:7], "alice", "bob"} {
		if !strings.Contains(texts, want) {
			t.Errorf("final message lacks %q:\n%s", want, texts)
		}
	}
	calls := chatCalls(sl)
	if calls[0].Method != "chat.postMessage" || calls[0].ThreadTS != "" {
		t.Errorf("first call %s %+v, want the top-level post", calls[0].Method, calls[0])
	}
	posts := 0
	for _, c := range calls {
		if c.Method == "chat.postMessage" && c.ThreadTS == "" {
			posts++
		}
		if c.LinkNames == "true" || c.LinkNames == "1" || c.UnfurlLinks == "true" {
			t.Errorf("%s with link_names=%q unfurl_links=%q", c.Method, c.LinkNames, c.UnfurlLinks)
		}
	}
	if posts != 1 {
		t.Errorf("%d top-level posts, want 1", posts)
	}
	if n := len(sl.Messages(sl.ChannelID("#prod-changes"))); n != 0 {
		t.Errorf("%d messages in #prod-changes for a staging deploy", n)
	}
}

// Slack is down for the whole of an operation: the operation is not held
// up, and after Slack is back every message arrives, the post first, the
// thread in order.
func TestSlackDownForAWholeOperation(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, slackPolicy)
	grant(fake, "write", "alice")
	sl, slackOn := withSlack(t)
	sl.Down()
	s := opsServer(t, fake, slackOn)

	s.comment(comment{id: 610, issue: 21, body: "/deploy v1.4.0 to production", login: "alice"})
	d := deployments(t, fake, 1)[0]
	fake.AddDeploymentStatus("acme", "api", d.ID, "success", "cd-bot")
	opComment(t, fake, 21, "succeeded while Slack is down", contains("succeeded"))
	if n := len(chatCalls(sl)); n != 0 {
		t.Fatalf("%d chat calls answered while Slack was down", n)
	}
	sl.Up()
	var steps []string
	var top slacktest.Message
	waitFor(t, "every message after Slack is back", func() bool {
		if len(sl.Messages(sl.ChannelID("#prod-changes"))) == 0 {
			return false
		}
		top, steps = threadTexts(t, sl, "#prod-changes")
		return len(steps) > 0 && strings.Contains(steps[len(steps)-1], "succeeded") &&
			strings.Contains(strings.Join(top.BlockTexts(), " "), "succeeded")
	})
	if !inOrder(steps, []string{"queued", "running", "GitHub deployment", "deploying", "succeeded"}) {
		t.Errorf("thread %q out of order", steps)
	}
	calls := chatCalls(sl)
	if calls[0].Method != "chat.postMessage" || calls[0].ThreadTS != "" {
		t.Errorf("the first delivered call is %s (thread %q), want the post", calls[0].Method, calls[0].ThreadTS)
	}
}

// User text reaches Slack only as literal text: a denial reason full of
// Slack markup and mentions arrives escaped in every field, and on GitHub
// it stays inside code spans.
func TestSlackShowsUserTextLiterally(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, slackPolicy)
	grant(fake, "write", "alice", "bob")
	sl, slackOn := withSlack(t)
	s := opsServer(t, fake, slackOn)

	corpus := []string{"<!channel>", "<!here>", "<https://x|y>", "@here", "<@U123>"}
	s.comment(comment{id: 620, issue: 22, body: "/deploy v1.4.0 to staging", login: "alice"})
	opComment(t, fake, 22, "awaiting approval", contains("awaiting approval"))
	s.comment(comment{id: 621, issue: 22, body: "/deny " + strings.Join(corpus, " "), login: "bob"})
	status := opComment(t, fake, 22, "denied", contains("denied"))
	for _, bad := range append(corpus, "@") {
		if strings.Contains(stripCodeSpans(status), bad) {
			t.Errorf("the status comment shows %q outside code spans:\n%s", bad, status)
		}
	}
	waitFor(t, "the denial in Slack", func() bool {
		for _, c := range chatCalls(sl) {
			if strings.Contains(c.Text+strings.Join(c.BlockTexts(), ""), "denied") && c.ThreadTS == "" {
				return true
			}
		}
		return false
	})
	for _, c := range chatCalls(sl) {
		raw, _ := json.Marshal(c.Blocks)
		for _, where := range []string{c.Text, string(raw)} {
			for _, bad := range []string{"<!channel>", "<!here>", "<https://x|y>", "<@U123>"} {
				if strings.Contains(where, bad) {
					t.Errorf("%s sent %q raw: %s", c.Method, bad, where)
				}
			}
			if i := strings.Index(where, "@here"); i >= 0 {
				t.Errorf("%s sent a live @here: %s", c.Method, where)
			}
		}
	}
	var found bool
	for _, c := range chatCalls(sl) {
		if strings.Contains(strings.Join(c.BlockTexts(), ""), "&lt;!channel&gt;") || strings.Contains(c.Text, "&lt;!channel&gt;") {
			found = true
		}
	}
	if !found {
		t.Errorf("the escaped reason never reached Slack: %+v", chatCalls(sl))
	}
}

// inOrder reports whether each of want occurs in texts, in that order.
func inOrder(texts, want []string) bool {
	i := 0
	for _, w := range want {
		j := slices.IndexFunc(texts[i:], func(s string) bool { return strings.Contains(s, w) })
		if j < 0 {
			return false
		}
		i += j + 1
	}
	return true
}

// A 429 from Slack is honoured: the next call waits for its Retry-After,
// and the message still arrives.
func TestSlackRateLimitHonoursRetryAfter(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	opsRepo(t, fake, slackPolicy)
	grant(fake, "write", "alice")
	sl, slackOn := withSlack(t)
	sl.RateLimitNext(1, 2)
	s := opsServer(t, fake, slackOn)

	s.comment(comment{id: 630, issue: 23, body: "/deploy v1.4.0 to production", login: "alice"})
	waitFor(t, "the message after the rate limit", func() bool { return len(sl.Messages(sl.ChannelID("#prod-changes"))) > 0 })
	var limited, next time.Time
	for _, c := range sl.Calls() {
		switch {
		case c.Status == 429 && limited.IsZero():
			limited = c.At
		case !limited.IsZero() && next.IsZero() && strings.HasPrefix(c.Method, "chat."):
			next = c.At
		}
	}
	if limited.IsZero() || next.Sub(limited) < 2*time.Second {
		t.Errorf("429 at %v, next chat call at %v: want at least the 2s of Retry-After between", limited, next)
	}
}

// A release is announced in the repository's channel like a deploy, its
// message linking to the GitHub release once it is out.
func TestSlackAnnouncesARelease(t *testing.T) {
	fake := newFake(t, githubtest.Options{})
	releaseRepo(t, fake, releasePolicy+`slack: { channel: "#releases" }`+"\n", "fix: a")
	grant(fake, "write", "alice")
	sl, slackOn := withSlack(t)
	s := opsServer(t, fake, slackOn)

	s.comment(comment{id: 640, issue: 26, body: "/release", login: "alice"})
	opComment(t, fake, 26, "succeeded", contains("succeeded"))
	var top slacktest.Message
	var steps []string
	waitFor(t, "the release in Slack", func() bool {
		if len(sl.Messages(sl.ChannelID("#releases"))) == 0 {
			return false
		}
		top, steps = threadTexts(t, sl, "#releases")
		return strings.Contains(strings.Join(top.BlockTexts(), " "), "succeeded")
	})
	texts := strings.Join(top.BlockTexts(), "\n")
	if !strings.Contains(texts, "1.4.1") || !strings.Contains(texts, "/releases/") {
		t.Errorf("release message:\n%s", texts)
	}
	if !inOrder(steps, []string{"running", "tag v1.4.1", "GitHub release v1.4.1 published", "succeeded"}) {
		t.Errorf("thread %q", steps)
	}
}
