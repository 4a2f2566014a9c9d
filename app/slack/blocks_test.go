package slack

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/slack/slacktest"
	"github.com/slack-go/slack"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var acme = app.Repo{Owner: "acme", Name: "api"}

const sha = "0123456789abcdef0123456789abcdef01234567"

func goldenNotices() map[string]app.Notice {
	return map[string]app.Notice{
		"running_deploy": {
			Repo: acme, Issue: 12, IssueURL: "https://github.com/acme/api/issues/12",
			Kind: app.KindDeploy, Environment: "staging", Version: "v1.4.0",
			SHA: sha, CommitURL: "https://github.com/acme/api/commit/" + sha,
			Requester: "alice", State: app.OpRunning,
			RunURL: "https://github.com/acme/api/actions/runs/99?check=1&attempt=2",
		},
		"succeeded_production": {
			Repo: acme, Issue: 12, IssueURL: "https://github.com/acme/api/issues/12",
			Kind: app.KindPromote, Environment: "production", Version: "v1.4.0",
			SHA: sha, CommitURL: "https://github.com/acme/api/commit/" + sha,
			Requester: "alice", Approvers: []string{"bob", "carol"}, State: app.OpSucceeded,
			Duration: 3*time.Minute + 12400*time.Millisecond,
			RunURL:   "https://github.com/acme/api/actions/runs/99",
		},
		"failed_bad_urls": {
			Repo: acme, Issue: 7, IssueURL: "javascript:alert(1)",
			Kind: app.KindRollback, Environment: "production", Version: "v1.3.9",
			SHA: sha, CommitURL: "https://github.com/acme/api/commit/<x>",
			Requester: "alice", Approvers: []string{"bob"}, State: app.OpFailed,
			Reason: "health check failed: 502 <Bad Gateway> & more", Duration: 800 * time.Millisecond,
			RunURL: "https://example.com/run|fake",
		},
		"release_awaiting_approval": {
			Repo: acme, Issue: 30, IssueURL: "https://github.com/acme/api/issues/30",
			Kind: app.KindRelease, Version: "v2.0.0", Requester: "dave", State: app.OpAwaitingApproval,
		},
		"hostile": {
			Repo: app.Repo{Owner: "<!channel>", Name: "<@U123>"}, Issue: 1,
			IssueURL: "https://github.com/acme/api/issues/1",
			Kind:     "deploy <!here>", Environment: "<#C123|prod>", Version: "<https://evil.example|v1>",
			SHA: "<!everyone>", CommitURL: "https://evil.example", Requester: "@here",
			Approvers: []string{"@channel", "&amp;"}, State: app.OpDenied,
			Reason: "*bold* _it_ `code` ~strike~ :boom: \u202etxet\n> quote",
		},
		"minimal": {},
	}
}

// golden renders a notice as the golden files hold it.
func golden(t *testing.T, n app.Notice) []byte {
	t.Helper()
	raw, err := json.Marshal(struct {
		Text   string        `json:"text"`
		Blocks []slack.Block `json:"blocks"`
	}{Fallback(n), Blocks(n)})
	if err != nil {
		t.Fatal(err)
	}
	// Re-encoded from a generic value (keys sorted) without HTML escaping,
	// which slack-go applies to some blocks: the file shows < as <.
	var msg any
	if err := json.Unmarshal(raw, &msg); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(msg); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestBlocksGolden(t *testing.T) {
	for name, n := range goldenNotices() {
		t.Run(name, func(t *testing.T) {
			got := golden(t, n)
			path := filepath.Join("testdata", "blocks_"+name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("blocks differ from %s (run with -update to accept):\n%s", path, got)
			}
		})
	}
}

// TestBlocksAcceptedBySlackGo round-trips every golden layout through
// slack-go's own block decoding and validation, which follow Block Kit.
func TestBlocksAcceptedBySlackGo(t *testing.T) {
	for name, n := range goldenNotices() {
		t.Run(name, func(t *testing.T) {
			raw, err := json.Marshal(slack.Blocks{BlockSet: Blocks(n)})
			if err != nil {
				t.Fatal(err)
			}
			var back slack.Blocks
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatal(err)
			}
			if len(back.BlockSet) != len(Blocks(n)) {
				t.Fatalf("round trip kept %d of %d blocks", len(back.BlockSet), len(Blocks(n)))
			}
			for _, b := range Blocks(n) {
				if section, isSection := b.(*slack.SectionBlock); isSection {
					for _, f := range section.Fields {
						if err := f.Validate(); err != nil {
							t.Errorf("field %q: %v", f.Text, err)
						}
					}
				}
			}
		})
	}
}

func TestReplyText(t *testing.T) {
	at := time.Date(2024, 5, 6, 14, 3, 9, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name string
		step app.NoticeStep
		want string
	}{
		{"step", app.NoticeStep{At: at, Actor: "alice", Text: "approved"}, "12:03:09 UTC alice: approved"},
		{"failure", app.NoticeStep{At: at, Actor: "deployer", Text: "exit 1", Failure: true}, "❌ 12:03:09 UTC deployer: exit 1"},
		{"no time", app.NoticeStep{Actor: "bob", Text: "queued"}, "bob: queued"},
		{"hostile", app.NoticeStep{Actor: "<@U1>", Text: "<!here> & @channel"}, "&lt;@\u2060U1&gt;: &lt;!here&gt; &amp; @\u2060channel"},
		{"empty", app.NoticeStep{}, "(no details)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReplyText(tt.step); got != tt.want {
				t.Errorf("ReplyText = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestValidURL(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://github.com/acme/api/issues/1", true},
		{"http://ci.example/run?a=1&b=2", true},
		{"HTTPS://github.com/x", true},
		{"", false},
		{"javascript:alert(1)", false},
		{"ftp://example.com/x", false},
		{"https://", false},
		{"/relative/path", false},
		{"https://x.example/a|b", false},
		{"https://x.example/<!here>", false},
		{"https://x.example/a b", false},
		{"https://x.example/\ttab", false},
		{"https://x.example/é", false},
		{"https://x.example/" + strings.Repeat("a", maxURL), false},
	}
	for _, tt := range tests {
		if got := validURL(tt.url); got != tt.want {
			t.Errorf("validURL(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

var hexSHA = regexp.MustCompile(`^[0-9a-fA-F]+$`)

// mentionShaped finds a mention Slack might parse from bare text.
var mentionShaped = regexp.MustCompile(`(?i)@(here|channel|everyone|group)\b`)

// ownLinks returns the links Blocks may make for n: only to URLs that
// pass the rule checked independently here.
func ownLinks(n app.Notice) []string {
	var out []string
	safe := func(u string) bool {
		lower := strings.ToLower(u)
		return (strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")) &&
			!strings.ContainsAny(u, "|<> \t\r\n") && validURL(u)
	}
	issue := "Issue"
	if n.Issue > 0 {
		issue = fmt.Sprintf("Issue #%d", n.Issue)
	}
	if safe(n.IssueURL) {
		out = append(out, link(n.IssueURL, issue))
	}
	if safe(n.RunURL) {
		out = append(out, link(n.RunURL, "Run"))
	}
	if short := n.SHA[:min(len(n.SHA), 7)]; safe(n.CommitURL) && hexSHA.MatchString(short) {
		out = append(out, link(n.CommitURL, short))
	}
	return out
}

// checkLayout fails t unless the layout of n is safe and within Block
// Kit's limits: no raw <, > or mention outside the adapter's own links.
func checkLayout(t *testing.T, n app.Notice) {
	t.Helper()
	raw, err := json.Marshal(Blocks(n))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		t.Fatal(err)
	}
	links := ownLinks(n)
	texts := append(slacktest.BlockTexts(blocks), Fallback(n))
	for _, text := range texts {
		if text == "" {
			t.Fatalf("empty text object in %s", raw)
		}
		rest := text
		for _, l := range links {
			rest = strings.ReplaceAll(rest, l, "")
		}
		if strings.ContainsAny(rest, "<>") {
			t.Fatalf("raw < or > outside the adapter's own links in %q (links %q)", text, links)
		}
		if m := mentionShaped.FindString(rest); m != "" {
			t.Fatalf("mention %q in %q", m, text)
		}
	}
	header := blocks[0].(map[string]any)["text"].(map[string]any)["text"].(string)
	if runeLen(header) > MaxHeaderText {
		t.Fatalf("header is %d runes", runeLen(header))
	}
	var fields []any
	for _, b := range blocks[1:] {
		if b := b.(map[string]any); b["type"] == "section" {
			fields = b["fields"].([]any)
		}
	}
	if len(fields) > 10 {
		t.Fatalf("%d fields", len(fields))
	}
	for _, f := range fields {
		if text := f.(map[string]any)["text"].(string); runeLen(text) > MaxFieldText {
			t.Fatalf("field is %d runes", runeLen(text))
		}
	}
	if runeLen(Fallback(n)) > MaxSectionText {
		t.Fatalf("fallback is %d runes", runeLen(Fallback(n)))
	}
}

func TestBlocksLayoutInvariants(t *testing.T) {
	for name, n := range goldenNotices() {
		t.Run(name, func(t *testing.T) { checkLayout(t, n) })
	}
	long := strings.Repeat("<!here>&", 1000)
	checkLayout(t, app.Notice{Repo: app.Repo{Owner: long, Name: long}, Kind: long, Environment: long,
		Version: long, SHA: long, Requester: long, Approvers: []string{long, long}, Reason: long})
}

func FuzzBlocks(f *testing.F) {
	f.Add("acme", "api", "deploy", "staging", "v1", sha, "https://github.com/acme/api/commit/"+sha,
		"alice", "bob", "", "https://github.com/acme/api/issues/1", "https://ci.example/run?a=1&b=2", 1, int64(0))
	f.Add("<!channel>", "<@U123>", "<!here>", "<#C123>", "<https://x|y>", "@here", "https://x|y",
		"&amp;", "@everyone", "<b>", "https://a.example/<!here>", "javascript:x", -1, int64(5e9))
	f.Fuzz(func(t *testing.T, owner, name, kind, env, version, sha, commitURL, requester, approver,
		reason, issueURL, runURL string, issue int, dur int64) {
		checkLayout(t, app.Notice{Repo: app.Repo{Owner: owner, Name: name}, Issue: issue, IssueURL: issueURL,
			Kind: kind, Environment: env, Version: version, SHA: sha, CommitURL: commitURL,
			Requester: requester, Approvers: []string{approver, requester}, State: app.OpState(reason),
			Reason: reason, Duration: time.Duration(dur), RunURL: runURL})
	})
}
