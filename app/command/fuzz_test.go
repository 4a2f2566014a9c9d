package command

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

var validName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

func FuzzParse(f *testing.F) {
	seeds := []string{
		"", "/deploy v1.4.0 to staging", "/help", "/deplyo", "/status\n/queue", "```\n/deploy\n```",
		"> /deploy", "<!--\n/deploy\n-->", "`/help`", "/lock prod --reason \"x", "/d\u0435ploy",
		"- /status", "text\n    /status", "/" + strings.Repeat("a", 100), ".deploy v1", "@x",
		"/deploy " + strings.Repeat("x ", 70), "\r\n/status\r", "[x]:\n/deploy", "/deny “a b”",
	}
	for _, s := range seeds {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, body string, dot bool) {
		opts := Options{}
		if dot {
			opts.Prefix = "."
		}
		res := Parse(body, opts)
		if utf8.RuneCountInString(body) > MaxBodyRunes {
			if res.Outcome != Reply {
				t.Fatalf("over-long body gave %v", res.Outcome)
			}
			return
		}
		checkPrefilter(t, body, opts.prefix())
		switch res.Outcome {
		case Run:
			inv := res.Invocation
			if _, ok := Lookup(Table, inv.Name); !ok || !validName.MatchString(inv.Name) {
				t.Fatalf("Run of unknown or invalid name %q", inv.Name)
			}
			if len(inv.Args) > MaxArgs || inv.Line < 1 || res.Reply != "" {
				t.Fatalf("bad Run result %+v", res)
			}
		case Reply:
			checkReply(t, res.Reply)
		case Ignore:
			if res.Reply != "" || res.Invocation.Name != "" {
				t.Fatalf("Ignore with data %+v", res)
			}
		default:
			t.Fatalf("unknown outcome %d", res.Outcome)
		}
	})
}

// checkPrefilter asserts that mayHaveCommand is a superset of what the
// markdown scan finds, so skipping goldmark never hides a command.
func checkPrefilter(t *testing.T, body, prefix string) {
	t.Helper()
	src := normalizeNewlines(body)
	if mayHaveCommand(src, prefix) || tooComplex(src, prefix) {
		return
	}
	if cmds, total := findCommands(src, prefix); total > 0 {
		t.Fatalf("prefilter missed command %q on line %d", cmds[0].name, cmds[0].line)
	}
}

// gfm parses replies the way GitHub renders them.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM)).Parser()

// checkReply asserts that a reply is non-empty markdown in which every '@'
// sits inside a code span, and that it contains no HTML, links or images
// that could have come from user text.
func checkReply(t *testing.T, reply string) {
	t.Helper()
	if strings.TrimSpace(reply) == "" {
		t.Fatal("empty reply")
	}
	src := []byte(reply)
	root := gfm.Parse(text.NewReader(src))
	err := ast.Walk(root, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.CodeSpan:
			return ast.WalkSkipChildren, nil
		case *ast.Text:
			if strings.Contains(string(n.Value(src)), "@") {
				t.Errorf("reply %q has '@' outside code spans", reply)
			}
		case *ast.RawHTML, *ast.HTMLBlock, *ast.AutoLink, *ast.Link, *ast.Image:
			t.Errorf("reply %q has a %s", reply, n.Kind())
		}
		return ast.WalkContinue, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
