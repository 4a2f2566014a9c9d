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
