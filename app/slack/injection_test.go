package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/slack/slacktest"
)

// injectionCorpus is user text that would mention, link or format if sent
// raw, with the form Slack must receive it in to show it literally.
var injectionCorpus = []struct{ in, want string }{
	{"<!channel>", "&lt;!channel&gt;"},
	{"<!here>", "&lt;!here&gt;"},
	{"<!everyone>", "&lt;!everyone&gt;"},
	{"<!subteam^S123|@oncall>", "&lt;!subteam^S123|@\u2060oncall&gt;"},
	{"<https://x|y>", "&lt;https://x|y&gt;"},
	{"<mailto:a@b.c|x>", "&lt;mailto:a@\u2060b.c|x&gt;"},
	{"@here", "@\u2060here"},
	{"@channel", "@\u2060channel"},
	{"@everyone", "@\u2060everyone"},
	{"<@U123>", "&lt;@\u2060U123&gt;"},
	{"<#C123>", "&lt;#C123&gt;"},
	{"&amp;", "&amp;amp;"},
	{"&lt;!here&gt;", "&amp;lt;!here&amp;gt;"},
}

const issueLink = "<https://github.com/acme/api/issues/1|Issue #1>"

func hostileNotice(v string) app.Notice {
	return app.Notice{
		Repo: app.Repo{Owner: v, Name: v}, Issue: 1, IssueURL: "https://github.com/acme/api/issues/1",
		Kind: v, Environment: v, Version: v, SHA: v, CommitURL: "https://github.com/acme/api/commit/1",
		Requester: v, Approvers: []string{v, v}, State: app.OpFailed, Reason: v, RunURL: v,
	}
}

func TestInjectionCorpusArrivesLiteral(t *testing.T) {
	for _, tc := range injectionCorpus {
		t.Run(tc.in, func(t *testing.T) {
			fake, client := newFake(t)
			ctx := context.Background()
			v := "x " + tc.in + " y"
			id, ts, err := client.Post(ctx, "#deploys", hostileNotice(v))
			if err != nil {
				t.Fatal(err)
			}
			if err := client.Update(ctx, id, ts, hostileNotice(v+"!")); err != nil {
				t.Fatal(err)
			}
			if err := client.Reply(ctx, id, ts, app.NoticeStep{Actor: v, Text: v, Failure: true}); err != nil {
				t.Fatal(err)
			}
			calls := fake.Calls()
			if len(calls) != 3 {
				t.Fatalf("%d calls, want 3", len(calls))
			}
			for _, c := range calls {
				checkReceived(t, c, tc.in, tc.want)
			}
		})
	}
}

// checkReceived fails t unless every text of call c (each block text and
// the fallback) is free of Slack control sequences and every text that
// shows user input holds it in its escaped form, so that Slack displays
// it literally.
func checkReceived(t *testing.T, c slacktest.Call, in, want string) {
	t.Helper()
	texts := append(c.BlockTexts(), c.Text)
	if len(texts) < 2 {
		t.Fatalf("%s sent no blocks: %q", c.Method, c.BlocksRaw)
	}
	for _, text := range texts {
		rest := strings.ReplaceAll(text, issueLink, "")
		for _, raw := range []string{"<!", "<@", "<#", "<http", "<mailto", "<", ">"} {
			if strings.Contains(rest, raw) {
				t.Errorf("%s: %q arrived with raw %q", c.Method, text, raw)
			}
		}
		if m := mentionShaped.FindString(rest); m != "" {
			t.Errorf("%s: %q arrived with a bare %q", c.Method, text, m)
		}
		if strings.HasPrefix(text, "SHA\n") || strings.HasPrefix(text, issueLink) {
			continue // the short SHA is a 7-rune prefix; the links line has no user text
		}
		if !strings.Contains(text, want) {
			t.Errorf("%s: %q lacks the escaped form %q", c.Method, text, want)
		}
		if !strings.Contains(unescape(text), in) {
			t.Errorf("%s: %q does not display %q", c.Method, text, in)
		}
	}
}
