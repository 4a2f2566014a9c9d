package slacktest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/issueops/issueops/app/slack/slacktest"
	"github.com/slack-go/slack"
)

const token = "xoxb-fake-token"

func start(t *testing.T) (*slacktest.Server, *slack.Client) {
	t.Helper()
	s := slacktest.New(token)
	t.Cleanup(s.Close)
	return s, slack.New(token, slack.OptionAPIURL(s.URL()))
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.PlainTextType, text, false, false), nil, nil)
}

// rawPost sends a form to method the way any client could, and returns the
// status, the Retry-After header and the decoded body.
func rawPost(t *testing.T, s *slacktest.Server, method string, header http.Header, form url.Values) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+method, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), body
}

func TestPostUpdateThread(t *testing.T) {
	s, api := start(t)
	ctx := context.Background()
	id, ts, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("first", false),
		slack.MsgOptionBlocks(section("hello")))
	if err != nil {
		t.Fatal(err)
	}
	other := slacktest.New(token)
	defer other.Close()
	if id != s.ChannelID("deploys") || id != other.ChannelID("#deploys") || !strings.HasPrefix(id, "C") {
		t.Errorf("channel ID %q not stable by name", id)
	}
	if id == s.ChannelID("#prod") {
		t.Errorf("two names share ID %q", id)
	}
	if ts != "1700000000.000100" {
		t.Errorf("first ts = %q", ts)
	}
	_, ts2, err := api.PostMessageContext(ctx, id, slack.MsgOptionText("reply", false), slack.MsgOptionTS(ts),
		slack.MsgOptionBroadcast())
	if err != nil {
		t.Fatal(err)
	}
	if ts2 != "1700000000.000200" {
		t.Errorf("second ts = %q", ts2)
	}
	// An update without blocks keeps them, as Slack does.
	if _, _, _, err := api.UpdateMessageContext(ctx, id, ts, slack.MsgOptionText("edited", false)); err != nil {
		t.Fatal(err)
	}
	m, found := s.Message("#deploys", ts)
	if !found || m.Text != "edited" || m.Edits != 1 || !reflect.DeepEqual(m.BlockTexts(), []string{"hello"}) {
		t.Errorf("message = %+v", m)
	}
	thread := s.Thread(id, ts)
	if len(thread) != 1 || thread[0].Text != "reply" || !thread[0].ReplyBroadcast || thread[0].ThreadTS != ts {
		t.Errorf("thread = %+v", thread)
	}
	if top := s.Messages("#deploys"); len(top) != 1 || top[0].TS != ts {
		t.Errorf("top-level = %+v", top)
	}
	calls := s.Calls()
	if len(calls) != 3 || calls[1].ThreadTS != ts || !calls[1].ReplyBroadcast || calls[2].Method != "chat.update" ||
		calls[2].TS != ts || calls[0].TokenIn != "form" || calls[0].ChannelID != id {
		t.Errorf("calls = %+v", calls)
	}
	if got := len(s.CallsTo("chat.update")); got != 1 {
		t.Errorf("%d chat.update calls", got)
	}
}

func TestRefusals(t *testing.T) {
	long := strings.Repeat("x", 151)
	fields := make([]*slack.TextBlockObject, 11)
	for i := range fields {
		fields[i] = slack.NewTextBlockObject(slack.PlainTextType, "f", false, false)
	}
	tests := []struct {
		name string
		call func(context.Context, *slacktest.Server, *slack.Client) error
		code string
	}{
		{"unknown ID", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "C0123456789", slack.MsgOptionText("x", false))
			return err
		}, "channel_not_found"},
		{"update by name", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, ts, _ := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false))
			_, _, _, err := api.UpdateMessageContext(ctx, "#deploys", ts, slack.MsgOptionText("y", false))
			return err
		}, "channel_not_found"},
		{"update unknown ts", func(ctx context.Context, s *slacktest.Server, api *slack.Client) error {
			_, _, _, err := api.UpdateMessageContext(ctx, s.ChannelID("#deploys"), "1.2", slack.MsgOptionText("y", false))
			return err
		}, "message_not_found"},
		{"reply to a reply", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			id, ts, _ := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false))
			_, r, _ := api.PostMessageContext(ctx, id, slack.MsgOptionText("r", false), slack.MsgOptionTS(ts))
			_, _, err := api.PostMessageContext(ctx, id, slack.MsgOptionText("rr", false), slack.MsgOptionTS(r))
			return err
		}, "invalid_thread_ts"},
		{"no text", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "#deploys")
			return err
		}, "no_text"},
		{"text too long", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText(strings.Repeat("é", 40_001), false))
			return err
		}, "msg_too_long"},
		{"header too long", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false), slack.MsgOptionBlocks(
				slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, long, false, false))))
			return err
		}, "invalid_blocks"},
		{"too many fields", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false),
				slack.MsgOptionBlocks(slack.NewSectionBlock(nil, fields, nil)))
			return err
		}, "invalid_blocks"},
		{"empty section text", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, _, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false),
				slack.MsgOptionBlocks(section("")))
			return err
		}, "invalid_blocks"},
		{"failing channel", func(ctx context.Context, s *slacktest.Server, api *slack.Client) error {
			s.FailChannel("#deploys", "not_in_channel")
			_, _, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false))
			return err
		}, "not_in_channel"},
		{"wrong token", func(ctx context.Context, s *slacktest.Server, _ *slack.Client) error {
			_, _, err := slack.New("xoxb-other", slack.OptionAPIURL(s.URL())).PostMessageContext(ctx, "#deploys",
				slack.MsgOptionText("x", false))
			return err
		}, "invalid_auth"},
		{"no token", func(ctx context.Context, s *slacktest.Server, _ *slack.Client) error {
			_, _, err := slack.New("", slack.OptionAPIURL(s.URL())).PostMessageContext(ctx, "#deploys",
				slack.MsgOptionText("x", false))
			return err
		}, "not_authed"},
		{"unknown method", func(ctx context.Context, _ *slacktest.Server, api *slack.Client) error {
			_, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: "1"})
			return err
		}, "unknown_method"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, api := start(t)
			err := tt.call(context.Background(), s, api)
			var refused slack.SlackErrorResponse
			if !errors.As(err, &refused) || refused.Err != tt.code {
				t.Fatalf("err = %v, want Slack error %s", err, tt.code)
			}
			calls := s.Calls()
			if last := calls[len(calls)-1]; last.Error != tt.code || last.Status != http.StatusOK {
				t.Errorf("last call recorded as %d %q", last.Status, last.Error)
			}
		})
	}
}

func TestFaults(t *testing.T) {
	s, api := start(t)
	ctx := context.Background()
	postErr := func() error {
		_, _, err := api.PostMessageContext(ctx, "#deploys", slack.MsgOptionText("x", false))
		return err
	}
	s.FailNext(2, http.StatusBadGateway)
	s.RateLimitNext(1, 9)
	s.ErrorNext(1, "internal_error")
	for i, want := range []int{502, 502} {
		var status slack.StatusCodeError
		if err := postErr(); !errors.As(err, &status) || status.Code != want {
			t.Errorf("call %d: %v, want HTTP %d", i, err, want)
		}
	}
	var limited *slack.RateLimitedError
	if err := postErr(); !errors.As(err, &limited) || limited.RetryAfter.Seconds() != 9 {
		t.Errorf("rate limited call: %v", err)
	}
	var refused slack.SlackErrorResponse
	if err := postErr(); !errors.As(err, &refused) || refused.Err != "internal_error" {
		t.Errorf("error call: %v", err)
	}
	if err := postErr(); err != nil {
		t.Errorf("faults should be used up: %v", err)
	}

	s.Down()
	status, _, _ := rawPost(t, s, "auth.test", http.Header{"Authorization": {"Bearer " + token}}, nil)
	if status != http.StatusServiceUnavailable {
		t.Errorf("auth.test while down: %d", status)
	}
	s.Up()
	status, _, body := rawPost(t, s, "auth.test", http.Header{"Authorization": {"Bearer " + token}}, nil)
	if status != http.StatusOK || body["ok"] != true {
		t.Errorf("auth.test after up: %d %v", status, body)
	}
	s.RateLimitNext(1, 5)
	if status, retry, body := rawPost(t, s, "chat.postMessage", nil, nil); status != 429 || retry != "5" || body["error"] != "ratelimited" {
		t.Errorf("rate limit: %d Retry-After %q %v", status, retry, body)
	}
	statuses := []int{}
	for _, c := range s.Calls() {
		statuses = append(statuses, c.Status)
	}
	if want := []int{502, 502, 429, 200, 200, 503, 200, 429}; !reflect.DeepEqual(statuses, want) {
		t.Errorf("recorded statuses %v, want %v", statuses, want)
	}
	if c := s.CallsTo("auth.test")[1]; c.TokenIn != "header" || c.Token != token {
		t.Errorf("bearer not read: %+v", c)
	}
	s.Reset()
	if len(s.Calls()) != 0 || len(s.Messages("#deploys")) != 0 {
		t.Error("Reset kept state")
	}
}

func TestJSONBodyAndBlockTexts(t *testing.T) {
	s, _ := start(t)
	body := `{"channel":"#deploys","text":"fallback","link_names":false,"blocks":[` +
		`{"type":"header","text":{"type":"plain_text","text":"head"}},` +
		`{"type":"section","fields":[{"type":"plain_text","text":"a"},{"type":"mrkdwn","text":"b"}]},` +
		`{"type":"context","elements":[{"type":"mrkdwn","text":"c"}]}]}`
	req, _ := http.NewRequest(http.MethodPost, s.URL()+"chat.postMessage", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c := s.Calls()[0]
	if !c.OK() || c.Text != "fallback" || c.LinkNames != "false" || c.TokenIn != "header" {
		t.Fatalf("call = %+v", c)
	}
	if got, want := c.BlockTexts(), []string{"head", "a", "b", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("BlockTexts = %q, want %q", got, want)
	}
}
