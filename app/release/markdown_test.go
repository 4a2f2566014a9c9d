package release

import (
	"bytes"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"

	"github.com/issueops/issueops/app/render"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var acme = Links{Server: "https://github.com", Repo: "acme/api", Compare: "https://github.com/acme/api/compare/v1.2.0...v1.3.0"}

const sha = "0123456789abcdef0123456789abcdef01234567"

func TestMarkdownGolden(t *testing.T) {
	commits := []struct{ author, message string }{
		{"octocat", "Merge pull request #12 from acme/feature/OPS-7-login\n\nfeat(auth): add login"},
		{"hubot", "fix: crash on empty input (#13)\n\n* wip\n\n* tests"},
		{"octocat", "feat(api)!: drop the v1 endpoints (#14)\n\nRefs OPS-8"},
		{"dependabot[bot]", "chore(deps): bump golang.org/x/net from 0.1.0 to 0.2.0 (#15)"},
		{"mona", "Merge branch 'main' into feature/OPS-9"},
		{"", "Revert \"feat: add login (#12)\" (#16)\n\nThis reverts commit 0123456."},
		{"mallory", "fix: thank @here and @acme/admins for #1, see owner/repo#2 <img src=x> [x](javascript:alert(1)) **bold** `code` (#17)"},
		{"Jane Doe", "docs: **# not a heading**\n\nBREAKING CHANGE: the README moved"},
	}
	var changes []Change
	for i, c := range commits {
		url := ""
		if c.author == "dependabot[bot]" {
			url = "https://github.com/apps/dependabot"
		}
		sha := fmt.Sprintf("%07x", i+1) + sha[7:]
		changes = append(changes, ParseChange(sha, c.author, url, "", c.message))
	}
	got := NewChangelog(changes, StyleConventional).Markdown(acme)
	path := filepath.Join("testdata", "changelog.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("Markdown differs from %s (go test -update rewrites it):\n%s", path, got)
	}
	checkInert(t, got, acme)
}

// injections is user text that must show literally in a release.
var injections = []string{
	"@here", "@channel", "@acme/admins", "thanks @octocat!", "mail a@b.com", "<!channel>", "<!here|here>",
	"<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "<b>x</b>", "[x](javascript:alert(1))",
	"![img](https://e.com/a.png)", "[x]: https://e.com", "<https://e.com>", "https://e.com/a", "www.e.com",
	"#1", "fixes #12", "owner/repo#2", "GH-3", "gh-4", "acme/api@0123456", "**bold**", "__bold__", "*em*",
	"_em_", "~~strike~~", "# heading", "## h2", "`code`", "```fence", "~~~", "> quote", "- item", "+ item",
	"1. item", "1) item", "---", "***", "| a | b |", "a\\", "\\*x\\*", "&#64;here", "&lt;b&gt;", "&amp;",
	"a  \n b", "line\nbreak", "@\u200bhere", "#\u20601", "\u202e@here", ":tada:", "[ ] task", "<!-- c -->",
	"\u00a0# nbsp heading", "    indented code", "\tcode", "=== setext", "x\n===", "{{ template }}", "$x$",
}

func TestMarkdownInert(t *testing.T) {
	for _, in := range injections {
		for _, style := range []string{StyleConventional, StylePlain} {
			ch := Change{Type: "fix", Scope: in, Subject: in, Author: in, PR: 3, SHA: sha}
			md := NewChangelog([]Change{ch}, style).Markdown(acme)
			items := checkInert(t, md, acme)
			want := wantText(in, in, style == StylePlain)
			if len(items) != 1 || items[0] != want {
				t.Errorf("%q (%s) shows %q, want %q\n%s", in, style, items, want, md)
			}
		}
	}
}

// wantText is what a list item with this scope and subject shows up to
// its first link, with the author unlinked (no login).
func wantText(scope, subject string, withType bool) string {
	clean := func(s string) string { return strings.TrimSpace(render.Sanitize(s)) }
	s := clean(subject)
	if s == "" {
		s = "(no subject)"
	}
	label := clean(render.Truncate(scope, 100))
	if withType && label != "" {
		label = "fix(" + label + ")"
	} else if withType {
		label = "fix"
	}
	if label != "" {
		s = label + ": " + s
	}
	return s + " ("
}

// gfm parses like GitHub does: autolinks, strikethrough, tables, task lists.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

// references are what GitHub's filters turn into mentions and links in
// rendered text.
var references = regexp.MustCompile(`@[A-Za-z0-9_]|#[0-9]|(?i:gh-[0-9])|://|(?i:www\.)`)

// checkInert parses md as GitHub does and fails unless it holds only
// headings, one list per group and plain-text items whose only links are
// ours, then returns the text of each item up to its first link (our own
// links aside) with word joiners dropped.
func checkInert(t testing.TB, md string, l Links) []string {
	t.Helper()
	if strings.ContainsAny(md, "<\r") || !utf8.ValidString(md) {
		t.Fatalf("raw < or CR, or invalid UTF-8, in\n%s", md)
	}
	for i := strings.IndexByte(md, '&'); i >= 0; i = nextByte(md, '&', i) {
		rest := md[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Fatalf("bare & at %q in\n%s", rest[:min(len(rest), 10)], md)
		}
	}
	ours := ourLinks(l)
	src := []byte(md)
	root := gfm.Parser().Parse(text.NewReader(src))
	var items []string
	err := ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Document, *ast.List, *ast.Paragraph, *ast.Text:
		case *ast.Heading:
			if n.Level != 2 {
				return ast.WalkStop, fmt.Errorf("heading level %d", n.Level)
			}
		case *ast.ListItem:
			items = append(items, itemText(t, n, src))
		case *ast.TextBlock:
			if _, ok := n.Parent().(*ast.ListItem); !ok {
				return ast.WalkStop, fmt.Errorf("text block outside a list item")
			}
		case *ast.Link:
			if !ours.MatchString(string(n.Destination)) {
				return ast.WalkStop, fmt.Errorf("link to %q", n.Destination)
			}
		default:
			return ast.WalkStop, fmt.Errorf("%s node", n.Kind())
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatalf("%v in\n%s", err, md)
	}
	return items
}

// nextByte is the index of the next c in s after i, or -1.
func nextByte(s string, c byte, i int) int {
	if j := strings.IndexByte(s[i+1:], c); j >= 0 {
		return i + 1 + j
	}
	return -1
}

// ourLinks matches the links Markdown makes itself.
func ourLinks(l Links) *regexp.Regexp {
	repo := regexp.QuoteMeta(l.Server + "/" + l.Repo)
	return regexp.MustCompile(`^(` + regexp.QuoteMeta(l.Compare) + `|` + repo + `/pull/[1-9][0-9]*|` + repo + `/commit/[0-9a-f]{7,64}|` +
		regexp.QuoteMeta(l.Server) + `/(apps/)?[A-Za-z0-9-]+)$`)
}

// itemText renders the inline nodes of a list item outside our links,
// checks that no GitHub reference is left in them, and returns the text
// before the first link with word joiners dropped.
func itemText(t testing.TB, item *ast.ListItem, src []byte) string {
	t.Helper()
	block := item.FirstChild()
	if block == nil || block.NextSibling() != nil {
		t.Fatalf("list item with %d blocks", item.ChildCount())
	}
	var before string
	var buf bytes.Buffer
	seenLink := false
	for c := block.FirstChild(); c != nil; c = c.NextSibling() {
		if _, ok := c.(*ast.Link); ok {
			seenLink = true
			continue
		}
		buf.Reset()
		if err := gfm.Renderer().Render(&buf, src, c); err != nil {
			t.Fatal(err)
		}
		shown := html.UnescapeString(buf.String())
		if m := references.FindString(shown); m != "" {
			t.Fatalf("reference %q left in %q", m, shown)
		}
		if !seenLink {
			before += shown
		}
	}
	return strings.ReplaceAll(before, wordJoiner, "")
}

func TestMarkdownLines(t *testing.T) {
	bot := Change{SHA: sha, Author: "dependabot[bot]", AuthorURL: "https://github.com/apps/dependabot", Subject: "x"}
	tests := []struct {
		name  string
		ch    Change
		links Links
		want  string
	}{
		{"full", Change{SHA: sha, Author: "octocat", PR: 12, Type: "feat", Subject: "x"}, acme,
			"- x ([#12](https://github.com/acme/api/pull/12)) ([0123456](https://github.com/acme/api/commit/" + sha + ")) by [octocat](https://github.com/octocat)"},
		{"bot", bot, acme, "- x ([0123456](https://github.com/acme/api/commit/" + sha + ")) by [dependabot\\[bot\\]](https://github.com/apps/dependabot)"},
		{"bot without url", Change{Author: "renovate[bot]", Subject: "x"}, acme, "- x by renovate\\[bot\\]"},
		{"author url used", Change{Author: "octocat", AuthorURL: "https://ghe.example.com/octocat", Subject: "x"}, acme, "- x by [octocat](https://ghe.example.com/octocat)"},
		{"unsafe author url", Change{Author: "octocat", AuthorURL: "javascript:alert(1)", Subject: "x"}, acme, "- x by [octocat](https://github.com/octocat)"},
		{"author url with parenthesis", Change{Author: "octocat", AuthorURL: "https://e.com/a)b", Subject: "x"}, acme, "- x by [octocat](https://github.com/octocat)"},
		{"not a login", Change{Author: "Jane @Doe", Subject: "x"}, acme, "- x by Jane \\@\u2060Doe"},
		{"bad sha", Change{SHA: "xyz", Subject: "x"}, acme, "- x"},
		{"upper-case sha", Change{SHA: strings.ToUpper(sha), Subject: "x"}, acme, "- x ([0123456](https://github.com/acme/api/commit/" + sha + "))"},
		{"no repo", Change{SHA: sha, PR: 3, Author: "octocat", Subject: "x"}, Links{},
			"- x (PR 3) (0123456) by octocat"},
		{"bad repo", Change{PR: 3, Subject: "x"}, Links{Server: "https://github.com", Repo: "a/b)c"}, "- x (PR 3)"},
		{"bad server", Change{PR: 3, Subject: "x"}, Links{Server: "javascript:x", Repo: "a/b"}, "- x (PR 3)"},
		{"server trailing slash", Change{PR: 3, Subject: "x"}, Links{Server: "https://github.com/", Repo: "a/b"}, "- x ([#3](https://github.com/a/b/pull/3))"},
		{"empty subject", Change{Subject: " \u200b "}, acme, "- \\(no subject\\)"},
		{"scope in features", Change{Type: "feat", Scope: "api", Subject: "x"}, acme, "- api\\: x"},
	}
	for _, tt := range tests {
		md := NewChangelog([]Change{tt.ch}, StyleConventional).Markdown(tt.links)
		lines := strings.Split(md, "\n")
		if len(lines) < 3 || lines[2] != tt.want {
			t.Errorf("%s: got\n%s\nwant line\n%s", tt.name, md, tt.want)
		}
	}
}

func TestMarkdownSections(t *testing.T) {
	if got := NewChangelog(nil, StyleConventional).Markdown(Links{}); got != "No changes.\n" {
		t.Errorf("empty changelog = %q", got)
	}
	md := NewChangelog(parsed("fix: a OPS-1", "feat: b GH-2"), StyleConventional).Markdown(acme)
	want := "## Features\n\n- b GH\u2060\\-2\n\n## Fixes\n\n- a OPS\\-1\n\nJira: OPS\\-1, GH\u2060\\-2\n\n[Full changelog](" + acme.Compare + ")\n"
	if md != want {
		t.Errorf("got\n%q\nwant\n%q", md, want)
	}
	checkInert(t, md, acme)
	if md := NewChangelog(parsed("fix: a"), StylePlain).Markdown(Links{Compare: "javascript:alert(1)"}); md != "## Changes\n\n- fix\\: a\n" {
		t.Errorf("unsafe compare link kept: %q", md)
	}
}

func TestMarkdownBounds(t *testing.T) {
	many := func(n int, subject string) []Change {
		changes := make([]Change, n)
		for i := range changes {
			changes[i] = Change{Type: "fix", Subject: subject, PR: i + 1, JiraKeys: []string{fmt.Sprintf("OPS-%d", i+1)}}
			if len(subject) > 1 {
				changes[i].SHA, changes[i].Author = sha, "octocat"
			}
		}
		return changes
	}
	tests := []struct {
		name    string
		changes []Change
		links   Links
		listed  int    // -1: bounded by bytes, not by count
		more    string // what follows "…and N " when some are left out
	}{
		// Lines with links are ~200 bytes, so the byte limit comes first
		// unless they are short.
		{"at the count limit", many(MaxListedChanges, "x"), Links{Compare: acme.Compare}, MaxListedChanges, ""},
		{"over the count limit", many(MaxListedChanges+500, "x"), Links{Compare: acme.Compare}, MaxListedChanges,
			"more commits: see the [full changelog](" + acme.Compare + ")."},
		{"over the byte limit", many(900, strings.Repeat("@#", MaxSubjectRunes/2)), acme, -1,
			"more commits: see the [full changelog](" + acme.Compare + ")."},
		{"over the byte limit without compare", many(900, strings.Repeat("<", MaxSubjectRunes)), Links{}, -1, "more commits."},
	}
	for _, tt := range tests {
		md := NewChangelog(tt.changes, StylePlain).Markdown(tt.links)
		if len(md) > MaxMarkdownBytes {
			t.Errorf("%s: %d bytes", tt.name, len(md))
		}
		listed := strings.Count(md, "\n- ")
		if (tt.listed >= 0 && listed != tt.listed) || (tt.listed < 0 && (listed == 0 || listed >= len(tt.changes))) {
			t.Errorf("%s: %d items listed", tt.name, listed)
		}
		switch more := fmt.Sprintf("\n…and %d %s\n", len(tt.changes)-listed, tt.more); {
		case tt.more == "" && strings.Contains(md, "…and"):
			t.Errorf("%s: says some are left out", tt.name)
		case tt.more != "" && !strings.Contains(md, more):
			t.Errorf("%s: no line %q in ...%s", tt.name, more, md[max(0, len(md)-1000):])
		}
		if !strings.Contains(md, "\nJira: OPS\\-1, ") || !strings.Contains(md, fmt.Sprintf(", and %d more\n", len(tt.changes)-maxJiraKeysListed)) {
			t.Errorf("%s: Jira line missing or unbounded: ...%s", tt.name, md[max(0, len(md)-200):])
		}
		if strings.Contains(md, "[Full changelog]") == (tt.more != "" || tt.links.Compare == "") {
			t.Errorf("%s: full changelog link wrong", tt.name)
		}
	}
}

// BenchmarkChangelog1000 parses and renders a release of 1,000 commits.
func BenchmarkChangelog1000(b *testing.B) {
	messages := make([]string, 1000)
	for i := range messages {
		switch i % 4 {
		case 0:
			messages[i] = fmt.Sprintf("Merge pull request #%d from acme/feature/OPS-%d-x\n\nfeat(api): add endpoint %d", i+1, i, i)
		case 1:
			messages[i] = fmt.Sprintf("fix: handle @user's <input> in #%d (#%d)\n\n* wip\n\nRefs OPS-%d", i, i+1, i)
		case 2:
			messages[i] = fmt.Sprintf("chore(deps): bump x from 1.%d.0 to 1.%d.1 (#%d)", i, i, i+1)
		default:
			messages[i] = fmt.Sprintf("Revert \"feat: x %d\"\n\n%s", i, strings.Repeat("body text ", 100))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		changes := make([]Change, len(messages))
		for i, m := range messages {
			changes[i] = ParseChange(sha, "octocat", "https://github.com/octocat", "", m)
		}
		if md := NewChangelog(changes, StyleConventional).Markdown(acme); len(md) == 0 {
			b.Fatal("empty")
		}
	}
}

func FuzzMarkdown(f *testing.F) {
	for _, s := range injections {
		f.Add(s, s, "octocat")
	}
	f.Add("feat(api)!: x (#3)", "", "dependabot[bot]")
	f.Add("Merge pull request #1 from a/b\n\nfix: @x", "s", "Jane Doe")
	f.Fuzz(func(t *testing.T, message, scope, author string) {
		parsedChange := ParseChange(sha, author, "", "", message)
		direct := Change{Type: "fix", Scope: scope, Subject: message, SHA: sha, PR: 7, Author: author}
		c := NewChangelog([]Change{parsedChange, direct}, StylePlain)
		md := c.Markdown(acme)
		items := checkInert(t, md, acme)
		if len(items) != 2 {
			t.Fatalf("%d items in\n%s", len(items), md)
		}
		want := wantText(scope, render.Truncate(message, MaxSubjectRunes), true)
		if items[1] != want {
			t.Fatalf("shows %q, want %q\n%s", items[1], want, md)
		}
	})
}
