package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/slack/slacktest"
	"github.com/slack-go/slack"
)

const token = "xoxb-test-4242-s3cr3t"

func newFake(t *testing.T) (*slacktest.Server, *Client) {
	t.Helper()
	fake := slacktest.New(token)
	t.Cleanup(fake.Close)
	return fake, New(Config{Token: token, APIURL: fake.URL(), Timeout: 2 * time.Second})
}

// decoded is blocks as the fake decodes them, for comparison.
func decoded(t *testing.T, blocks []slack.Block) []any {
	t.Helper()
	raw, err := json.Marshal(blocks)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPostUpdateReply(t *testing.T) {
	fake, client := newFake(t)
	ctx := context.Background()
	n := goldenNotices()["running_deploy"]

	channelID, ts, err := client.Post(ctx, "#deploys", n)
	if err != nil {
		t.Fatal(err)
	}
	if want := fake.ChannelID("#deploys"); channelID != want || !strings.HasPrefix(channelID, "C") {
		t.Errorf("channel = %q, want %q", channelID, want)
	}
	if ts != "1700000000.000100" {
		t.Errorf("ts = %q, want the fake's first ts", ts)
	}

	done := n
	done.State, done.Duration = app.OpSucceeded, 90*time.Second
	if err := client.Update(ctx, channelID, ts, done); err != nil {
		t.Fatal(err)
	}
	step := app.NoticeStep{At: time.Date(2024, 5, 6, 12, 0, 0, 0, time.UTC), Actor: "alice", Text: "approved"}
	if err := client.Reply(ctx, channelID, ts, step); err != nil {
		t.Fatal(err)
	}
	failure := app.NoticeStep{Actor: "deployer", Text: "health check failed", Failure: true}
	if err := client.Reply(ctx, channelID, ts, failure); err != nil {
		t.Fatal(err)
	}

	calls := fake.Calls()
	var methods []string
	for _, c := range calls {
		methods = append(methods, c.Method)
		if c.LinkNames != "false" || c.Parse != "none" || c.Mrkdwn != "false" ||
			c.UnfurlLinks != "false" || c.UnfurlMedia != "false" {
			t.Errorf("%s flags: link_names=%q parse=%q mrkdwn=%q unfurl_links=%q unfurl_media=%q",
				c.Method, c.LinkNames, c.Parse, c.Mrkdwn, c.UnfurlLinks, c.UnfurlMedia)
		}
		if c.Token != token || !c.OK() {
			t.Errorf("%s: token %q, status %d %q", c.Method, c.Token, c.Status, c.Error)
		}
	}
	want := []string{"chat.postMessage", "chat.update", "chat.postMessage", "chat.postMessage"}
	if !reflect.DeepEqual(methods, want) {
		t.Fatalf("calls = %v, want %v", methods, want)
	}
	if c := calls[0]; c.Channel != "#deploys" || c.ThreadTS != "" || c.Text != Fallback(n) {
		t.Errorf("post: channel %q thread %q text %q", c.Channel, c.ThreadTS, c.Text)
	}
	if c := calls[1]; c.Channel != channelID || c.TS != ts {
		t.Errorf("update named %s/%s, want %s/%s", c.Channel, c.TS, channelID, ts)
	}
	if c := calls[2]; c.ThreadTS != ts || c.ReplyBroadcast {
		t.Errorf("reply: thread %q broadcast %v", c.ThreadTS, c.ReplyBroadcast)
	}
	if c := calls[3]; c.ThreadTS != ts || !c.ReplyBroadcast {
		t.Errorf("failure reply: thread %q broadcast %v", c.ThreadTS, c.ReplyBroadcast)
	}

	msg, found := fake.Message("#deploys", ts)
	if !found {
		t.Fatal("message not in the fake")
	}
	if msg.Edits != 1 || msg.Text != Fallback(done) || !reflect.DeepEqual(msg.Blocks, decoded(t, Blocks(done))) {
		t.Errorf("message after update: edits %d text %q blocks %v", msg.Edits, msg.Text, msg.Blocks)
	}
	if top := fake.Messages(channelID); len(top) != 1 || top[0].TS != ts {
		t.Errorf("top-level messages = %+v, want only the post", top)
	}
	thread := fake.Thread(channelID, ts)
	if len(thread) != 2 {
		t.Fatalf("thread has %d replies, want 2", len(thread))
	}
	if thread[0].Text != "12:00:00 UTC alice: approved" || thread[0].ReplyBroadcast {
		t.Errorf("first reply = %+v", thread[0])
	}
	if thread[1].Text != "❌ deployer: health check failed" || !thread[1].ReplyBroadcast {
		t.Errorf("failure reply = %+v", thread[1])
	}
	if got := thread[1].BlockTexts(); !reflect.DeepEqual(got, []string{"❌ deployer: health check failed"}) {
		t.Errorf("failure reply blocks show %q", got)
	}
}

func TestPostByIDAndSecondMessage(t *testing.T) {
	fake, client := newFake(t)
	ctx := context.Background()
	id := fake.ChannelID("#prod-changes")
	gotID, ts1, err := client.Post(ctx, id, goldenNotices()["release_awaiting_approval"])
	if err != nil {
		t.Fatal(err)
	}
	_, ts2, err := client.Post(ctx, "#prod-changes", goldenNotices()["minimal"])
	if err != nil {
		t.Fatal(err)
	}
	if gotID != id || ts1 >= ts2 {
		t.Errorf("post by ID: channel %q ts %q then %q", gotID, ts1, ts2)
	}
	if n := len(fake.Messages("#prod-changes")); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

type errKind int

const (
	transient errKind = iota
	permanent
	retryAfter
)

func (k errKind) String() string { return [...]string{"transient", "permanent", "retry-after"}[k] }

func kindOf(err error) (errKind, time.Duration) {
	var ra *app.RetryAfterError
	switch {
	case errors.As(err, &ra):
		return retryAfter, ra.Delay
	case errors.Is(err, app.ErrPermanent):
		return permanent, 0
	}
	return transient, 0
}

// echoToken is a transport that fails with the request's token in its
// text, as a chatty proxy might.
type echoToken struct{}

func (echoToken) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("proxy refused token=%s bearer %s", r.PostForm.Get("token"), r.Header.Get("Authorization"))
}

// op is the adapter call a fault is armed before; update and reply first
// post the message they name, with no fault armed.
type op func(context.Context, *slacktest.Server, *Client) error

func post(ctx context.Context, _ *slacktest.Server, c *Client) error {
	_, _, err := c.Post(ctx, "#deploys", goldenNotices()["running_deploy"])
	return err
}

func onPosted(then func(ctx context.Context, c *Client, id, ts string) error) func(func()) op {
	return func(arm func()) op {
		return func(ctx context.Context, _ *slacktest.Server, c *Client) error {
			id, ts, err := c.Post(ctx, "#deploys", goldenNotices()["running_deploy"])
			if err != nil {
				return fmt.Errorf("setup post: %w", err)
			}
			arm()
			return then(ctx, c, id, ts)
		}
	}
}

var (
	updateOp = onPosted(func(ctx context.Context, c *Client, id, ts string) error {
		return c.Update(ctx, id, ts, goldenNotices()["succeeded_production"])
	})
	replyOp = onPosted(func(ctx context.Context, c *Client, id, ts string) error {
		return c.Reply(ctx, id, ts, app.NoticeStep{Text: "step", Failure: true})
	})
)

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		// arm injects the fault; with an update or reply it runs after the
		// post the call needs.
		arm   func(*slacktest.Server)
		op    func(func()) op // nil: post
		call  op              // instead of arm and op, for calls that set up themselves
		want  errKind
		delay time.Duration
		code  string // in the error text
	}{
		{name: "429 with Retry-After", arm: func(f *slacktest.Server) { f.RateLimitNext(1, 7) },
			want: retryAfter, delay: 7 * time.Second, code: "rate limit"},
		{name: "429 on update", arm: func(f *slacktest.Server) { f.RateLimitNext(1, 42) }, op: updateOp,
			want: retryAfter, delay: 42 * time.Second},
		{name: "429 on reply", arm: func(f *slacktest.Server) { f.RateLimitNext(2, 3) }, op: replyOp,
			want: retryAfter, delay: 3 * time.Second},
		{name: "429 without Retry-After", arm: func(f *slacktest.Server) { f.FailNext(1, 429) },
			want: retryAfter, delay: defaultRetryAfter},
		{name: "ratelimited error code", arm: func(f *slacktest.Server) { f.ErrorNext(1, "ratelimited") },
			want: retryAfter, delay: defaultRetryAfter, code: "ratelimited"},
		{name: "down 503", arm: (*slacktest.Server).Down, want: transient, code: "503"},
		{name: "down 503 on update", arm: (*slacktest.Server).Down, op: updateOp, want: transient, code: "503"},
		{name: "500 on reply", arm: func(f *slacktest.Server) { f.FailNext(1, 500) }, op: replyOp,
			want: transient, code: "500"},
		{name: "internal_error", arm: func(f *slacktest.Server) { f.ErrorNext(1, "internal_error") },
			want: transient, code: "internal_error"},
		{name: "400", arm: func(f *slacktest.Server) { f.FailNext(1, 400) }, want: permanent, code: "400"},
		{name: "not_in_channel", arm: func(f *slacktest.Server) { f.FailChannel("#deploys", "not_in_channel") },
			want: permanent, code: "not_in_channel"},
		{name: "is_archived on update", arm: func(f *slacktest.Server) { f.FailChannel("#deploys", "is_archived") },
			op: updateOp, want: permanent, code: "is_archived"},
		{name: "msg_too_long", arm: func(f *slacktest.Server) { f.ErrorNext(1, "msg_too_long") },
			want: permanent, code: "msg_too_long"},
		{name: "invalid_auth from Slack", arm: func(f *slacktest.Server) { f.ErrorNext(1, "invalid_auth") },
			op: replyOp, want: permanent, code: "invalid_auth"},
		{name: "channel_not_found", call: func(ctx context.Context, _ *slacktest.Server, c *Client) error {
			_, _, err := c.Post(ctx, "C0000000000", app.Notice{})
			return err
		}, want: permanent, code: "channel_not_found"},
		{name: "message_not_found", call: func(ctx context.Context, f *slacktest.Server, c *Client) error {
			return c.Update(ctx, f.ChannelID("#deploys"), "1700000000.999900", app.Notice{})
		}, want: permanent, code: "message_not_found"},
		{name: "invalid_thread_ts", call: func(ctx context.Context, f *slacktest.Server, c *Client) error {
			return c.Reply(ctx, f.ChannelID("#deploys"), "1700000000.999900", app.NoticeStep{Text: "x"})
		}, want: permanent, code: "invalid_thread_ts"},
		{name: "wrong token", call: func(ctx context.Context, f *slacktest.Server, _ *Client) error {
			_, _, err := New(Config{Token: token + "-wrong", APIURL: f.URL()}).Post(ctx, "#deploys", app.Notice{})
			return err
		}, want: permanent, code: "invalid_auth"},
		{name: "timeout", call: func(ctx context.Context, f *slacktest.Server, _ *Client) error {
			f.SetLatency(time.Second)
			c := New(Config{Token: token, APIURL: f.URL(), Timeout: 50 * time.Millisecond})
			_, _, err := c.Post(ctx, "#deploys", app.Notice{})
			return err
		}, want: transient},
		{name: "network", call: func(ctx context.Context, _ *slacktest.Server, _ *Client) error {
			_, _, err := New(Config{Token: token, APIURL: "http://127.0.0.1:1/"}).Post(ctx, "#deploys", app.Notice{})
			return err
		}, want: transient},
		{name: "token echoed by transport", call: func(ctx context.Context, f *slacktest.Server, _ *Client) error {
			c := New(Config{Token: token, APIURL: f.URL(), HTTPClient: &http.Client{Transport: echoToken{}}})
			_, _, err := c.Post(ctx, "#deploys", app.Notice{})
			return err
		}, want: transient, code: "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake, client := newFake(t)
			call := tt.call
			if call == nil {
				arm := func() { tt.arm(fake) }
				if tt.op == nil {
					arm()
					call = post
				} else {
					call = tt.op(arm)
				}
			}
			err := call(context.Background(), fake, client)
			if err == nil {
				t.Fatal("no error")
			}
			kind, delay := kindOf(err)
			if kind != tt.want || delay != tt.delay {
				t.Errorf("error %q is %v (delay %v), want %v (delay %v)", err, kind, delay, tt.want, tt.delay)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error carries the token: %q", err)
			}
			if !strings.Contains(err.Error(), tt.code) {
				t.Errorf("error %q does not say %q", err, tt.code)
			}
			if rejected := rejectedCodes[tt.code]; errors.Is(err, app.ErrRejected) != rejected {
				t.Errorf("error %q: ErrRejected is %v, want %v (only a refusal of the content is)", err, !rejected, rejected)
			}
		})
	}
}

func TestRecoversAfterDown(t *testing.T) {
	fake, client := newFake(t)
	ctx := context.Background()
	fake.Down()
	if _, _, err := client.Post(ctx, "#deploys", app.Notice{}); err == nil {
		t.Fatal("post while down succeeded")
	}
	fake.Up()
	if _, _, err := client.Post(ctx, "#deploys", app.Notice{}); err != nil {
		t.Fatalf("post after up: %v", err)
	}
	calls := fake.Calls()
	if len(calls) != 2 || calls[0].Status != http.StatusServiceUnavailable || !calls[1].OK() {
		t.Errorf("calls = %+v, want a 503 then a success", calls)
	}
	if n := len(fake.Messages("#deploys")); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}
