package command

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// bodyOfRunes returns a realistic comment of exactly n runes: prose,
// markdown and code, with a command on its last line.
func bodyOfRunes(n int) string {
	const cmd = "/deploy v1.4.0 to staging --dry-run"
	filler := "Some *context* about the change, see `main.go` and https://example.com/x. @octocat\n" +
		"- a list item with **bold** and a [link](https://example.com)\n\n" +
		"```go\nfmt.Println(\"/deploy\")\n```\n\n> a quote\n\n"
	var b strings.Builder
	for utf8.RuneCountInString(b.String())+utf8.RuneCountInString(filler) < n-len(cmd)-2 {
		b.WriteString(filler)
	}
	pad := n - len(cmd) - 1 - utf8.RuneCountInString(b.String())
	b.WriteString(strings.Repeat("é", pad))
	b.WriteString("\n" + cmd)
	return b.String()
}

func BenchmarkParse65536(b *testing.B) {
	body := bodyOfRunes(MaxBodyRunes)
	if n := utf8.RuneCountInString(body); n != MaxBodyRunes {
		b.Fatalf("body has %d runes", n)
	}
	if res := Parse(body, Options{}); res.Outcome != Run || res.Invocation.Name != "deploy" {
		b.Fatalf("Parse = %+v", res)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(body, Options{})
	}
}

func BenchmarkParseShort(b *testing.B) {
	body := "Looks good to me.\n\n/deploy v1.4.0 to staging"
	b.ReportAllocs()
	for b.Loop() {
		Parse(body, Options{})
	}
}

func BenchmarkParseTooLong(b *testing.B) {
	body := strings.Repeat("x", 10*MaxBodyRunes)
	b.ReportAllocs()
	for b.Loop() {
		Parse(body, Options{})
	}
}

// BenchmarkParseAdversarial times the slowest shapes of markdown found for
// goldmark, at the complexity limits, each with a command so that Parse
// cannot skip the markdown parse.
func BenchmarkParseAdversarial(b *testing.B) {
	const cmd = "\n\n/status"
	fill := func(s string) string {
		n := MaxBodyRunes - len(cmd)
		return strings.Repeat(s, n/len(s)) + strings.Repeat("x", n%len(s)) + cmd
	}
	links := strings.Repeat("[a](b", MaxLinkScan/MaxBodyRunes)
	bodies := map[string]string{
		"links":      links + strings.Repeat("b", MaxBodyRunes-len(links)-len(cmd)) + cmd,
		"nesting":    fill(strings.Repeat("- ", MaxNesting) + "a\n"),
		"staircase":  staircase(MaxBodyRunes-len(cmd)) + cmd,
		"brackets":   fill("["),
		"emphasis":   fill("*_*_**__"),
		"refs":       fill("[a]:\n"),
		"refs2":      fill("[a]:b\n"),
		"refs3":      fill("[a]:<>\n"),
		"lazy links": fill("[a]\n(b"),
	}
	for name, body := range bodies {
		if utf8.RuneCountInString(body) != MaxBodyRunes {
			b.Fatalf("%s: %d runes", name, utf8.RuneCountInString(body))
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				Parse(body, Options{})
			}
		})
	}
}

// staircase returns n bytes of list items, each nested one level deeper
// than the last as far as MaxIndent allows.
func staircase(n int) string {
	var b strings.Builder
	for d := 0; b.Len() < n; d++ {
		b.WriteString(strings.Repeat("  ", min(d, MaxIndent/2-1)) + "- a\n")
	}
	return b.String()[:n]
}
