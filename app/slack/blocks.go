package slack

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/slack-go/slack"
)

// maxURL bounds a link target so that a link always fits its field.
const maxURL = 1000

// Blocks lays out an operation's message: a header (state emoji, kind,
// repository, environment or "release"), a section of fields, and a
// context line of links.
//
// Every user-provided string is in a plain_text object and escaped, so it
// cannot mention, link or format. mrkdwn objects (verbatim, so Slack adds
// no links of its own) are used only where a link is needed, and hold
// nothing but this package's labels and URLs that pass validURL.
func Blocks(n app.Notice) []slack.Block {
	blocks := []slack.Block{slack.NewHeaderBlock(plain(truncate(headline(n), MaxHeaderText)))}
	if f := fields(n); len(f) > 0 {
		blocks = append(blocks, slack.NewSectionBlock(nil, f, nil))
	}
	if links := linksText(n); links != "" {
		blocks = append(blocks, slack.NewContextBlock("", mrkdwn(links)))
	}
	return blocks
}

// Fallback is the message's plain text, which Slack shows in
// notifications and where blocks cannot be shown.
func Fallback(n app.Notice) string {
	text := headline(n)
	if n.Version != "" {
		text += " · " + Escape(n.Version)
	}
	if state := stateLine(n); state != "" {
		text += ": " + Escape(state)
	}
	return truncate(text, MaxSectionText)
}

// ReplyBlocks lays out one entry of the operation's thread.
func ReplyBlocks(step app.NoticeStep) []slack.Block {
	return []slack.Block{slack.NewSectionBlock(plain(ReplyText(step)), nil, nil)}
}

// ReplyText is a thread entry as one escaped line: failure mark, time,
// actor, text.
func ReplyText(step app.NoticeStep) string {
	var parts []string
	if step.Failure {
		parts = append(parts, "❌")
	}
	if !step.At.IsZero() {
		parts = append(parts, step.At.UTC().Format("15:04:05 UTC"))
	}
	if step.Actor != "" {
		parts = append(parts, Escape(step.Actor)+":")
	}
	if step.Text != "" {
		parts = append(parts, Escape(step.Text))
	}
	if len(parts) == 0 {
		return "(no details)"
	}
	return truncate(strings.Join(parts, " "), MaxSectionText)
}

// headline is the header's escaped text.
func headline(n app.Notice) string {
	parts := []string{stateEmoji(n.State)}
	if n.Kind != "" {
		parts = append(parts, Escape(n.Kind))
	}
	if repo := repoName(n.Repo); repo != "" {
		parts = append(parts, Escape(repo))
	}
	line := strings.Join(parts, " ")
	switch {
	case n.Environment != "":
		return line + " · " + Escape(n.Environment)
	case n.Kind != app.KindRelease: // no environment: a release
		return line + " · release"
	}
	return line
}

// stateEmoji shows where the operation stands at a glance.
func stateEmoji(s app.OpState) string {
	switch s {
	case app.OpAwaitingApproval:
		return "⏳"
	case app.OpAwaitingConfirmation:
		return "✋"
	case app.OpQueued:
		return "🕒"
	case app.OpRunning:
		return "🔄"
	case app.OpSucceeded:
		return "✅"
	case app.OpFailed:
		return "❌"
	case app.OpCancelled:
		return "🚫"
	case app.OpDenied:
		return "⛔"
	}
	return "📝"
}

func repoName(r app.Repo) string {
	if r.Owner == "" && r.Name == "" {
		return ""
	}
	return r.String()
}

// stateLine is the state, in words, with its reason, unescaped.
func stateLine(n app.Notice) string {
	line := strings.ReplaceAll(string(n.State), "_", " ")
	if n.Reason != "" {
		if line != "" {
			line += " — "
		}
		line += n.Reason
	}
	return line
}

// fields are the section's fields, in a fixed order, each only when set.
func fields(n app.Notice) []*slack.TextBlockObject {
	var out []*slack.TextBlockObject
	add := func(label, raw string) {
		if raw != "" {
			out = append(out, plainField(label, raw))
		}
	}
	add("Repository", repoName(n.Repo))
	add("Environment", n.Environment)
	add("Version", n.Version)
	if n.SHA != "" {
		out = append(out, shaField(n.SHA, n.CommitURL))
	}
	add("Requester", n.Requester)
	add("Approvers", strings.Join(n.Approvers, ", "))
	if n.Duration > 0 {
		add("Duration", roundDuration(n.Duration).String())
	}
	add("State", stateLine(n))
	return out
}

// plainField is "label\nvalue" with the value escaped to fit a field.
func plainField(label, raw string) *slack.TextBlockObject {
	return plain(label + "\n" + EscapeLimit(raw, MaxFieldText-runeLen(label)-1))
}

// shaField shows the short SHA, linked to the commit when the URL is safe
// and the SHA is hex (so the link label cannot carry anything).
func shaField(sha, commitURL string) *slack.TextBlockObject {
	short := []rune(sha)
	if len(short) > 7 {
		short = short[:7]
	}
	if isHex(string(short)) && validURL(commitURL) {
		return mrkdwn("SHA\n" + link(commitURL, string(short)))
	}
	return plainField("SHA", string(short))
}

// linksText is the context line: the issue and the run, "" when neither.
func linksText(n app.Notice) string {
	var parts []string
	issue := "Issue"
	if n.Issue > 0 {
		issue = fmt.Sprintf("Issue #%d", n.Issue)
	}
	switch {
	case validURL(n.IssueURL):
		parts = append(parts, link(n.IssueURL, issue))
	case n.Issue > 0:
		parts = append(parts, issue)
	}
	if validURL(n.RunURL) {
		parts = append(parts, link(n.RunURL, "Run"))
	}
	return strings.Join(parts, " · ")
}

// roundDuration keeps durations readable: whole seconds, or milliseconds
// under a second.
func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}

// validURL reports whether u can be a link target: an absolute http(s) URL
// of printable ASCII without the characters that end or split a Slack link
// (|, <, >) or whitespace, short enough to fit a field.
func validURL(u string) bool {
	if u == "" || len(u) > maxURL {
		return false
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c >= 0x7f || c == '|' || c == '<' || c == '>' {
			return false
		}
	}
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" {
		return false
	}
	return parsed.Scheme == "https" || parsed.Scheme == "http"
}

// link is a mrkdwn link to a validURL target; & in the URL is escaped, as
// Slack reads it as a control character.
func link(target, label string) string {
	return "<" + strings.ReplaceAll(target, "&", "&amp;") + "|" + Escape(label) + ">"
}

func isHex(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('0' <= r && r <= '9' || 'a' <= r && r <= 'f' || 'A' <= r && r <= 'F') {
			return false
		}
	}
	return true
}

func plain(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, text, false, false)
}

func mrkdwn(text string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, text, false, true)
}
