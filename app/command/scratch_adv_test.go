package command

import (
	"strings"
	"testing"
	"time"
)

func TestScratchAdversarial(t *testing.T) {
	n := MaxBodyRunes - 10
	rep := func(s string) string { return strings.Repeat(s, n/len(s))[:n/len(s)*len(s)] }
	cases := map[string]string{
		"brackets":            rep("["),
		"brackets2":           rep("[a]("),
		"stars":               rep("*a"),
		"underscores":         rep("_a"),
		"backticks":           rep("`a"),
		"backtickruns":        rep("`` ``` `"),
		"lt":                  rep("<a "),
		"ltbang":              rep("<!--"),
		"nested lists":        rep("- "),
		"nested lists nl":     rep("- a\n  "),
		"quotes":              rep(">"),
		"quote lines":         rep("> a\n"),
		"cmd lines":           rep("/deploy a b c\n"),
		"cmd lines2":          rep("/d\n"),
		"pipes":               rep("|a"),
		"table":               "a|b\n-|-\n" + rep("|a|\n"),
		"tildes":              rep("~~a"),
		"links":               rep("[a](b"),
		"images":              rep("![a]("),
		"refs":                rep("[a]: b\n"),
		"refs2":               rep("[a]:\n"),
		"entities":            rep("&#"),
		"backslashes":         rep("\\"),
		"emph mix":            rep("*_*_**__"),
		"quoted args":         "/deploy " + rep("\"a\" "),
		"lazy":                "a\n" + rep("    /s\n"),
		"list item nums":      rep("1. "),
		"html":                rep("<div>\n"),
		"autolinks":           rep("<http://a"),
		"fences":              rep("```\n"),
		"setext":              rep("a\n=\n"),
		"tasks":               rep("- [ ] "),
		"mixed":               rep("- > 1. ```\n"),
		"deep indent":         rep(" ") + "/deploy",
		"links1000":           strings.Repeat("[a](b", 1000) + strings.Repeat("b", n-5000),
		"links1000sp":         strings.Repeat("[a](b \"", 1000) + strings.Repeat("b", n-7000),
		"links1000lt":         strings.Repeat("[a](<b", 1000) + strings.Repeat("b", n-6000),
		"depth32 lines":       rep(strings.Repeat("> ", 32) + "a\n"),
		"depth32 list lines":  rep(strings.Repeat("- ", 32) + "a\n"),
		"depth32 mixed lines": rep(strings.Repeat("1. > ", 16) + "a\n"),
		"list deepening":      deepening(n),
		"list staircase":      staircase(n),
	}
	for name, body := range cases {
		if len(body) > n {
			body = body[:n]
		}
		body += "\n\n/status"
		start := time.Now()
		r := Parse(body, Options{})
		if d := time.Since(start); d > 20*time.Millisecond {
			t.Errorf("%s: %v (%v)", name, d, r.Outcome)
		} else {
			t.Logf("%s: %v (%v)", name, d, r.Outcome)
		}
	}
}

func deepening(n int) string {
	var b strings.Builder
	indent := 0
	for b.Len() < n {
		line := strings.Repeat(" ", indent) + strings.Repeat("- ", 32) + "a\n"
		if b.Len()+len(line) > n {
			break
		}
		b.WriteString(line)
		indent += 64
	}
	return b.String()
}

func staircase(n int) string {
	var b strings.Builder
	for d := 0; b.Len() < n; d++ {
		b.WriteString(strings.Repeat("  ", min(d, 126)) + "- a\n")
	}
	return b.String()
}
