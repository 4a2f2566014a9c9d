package render

import (
	"bytes"
	"html"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

func TestCodeSpan(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "deploy", "`deploy`"},
		{"empty", "", "` `"},
		{"only invisible", "\u200b\ufeff", "` `"},
		{"mention", "@octocat", "`@octocat`"},
		{"team mention", "@org/team", "`@org/team`"},
		{"html", "<img src=x onerror=alert(1)>", "`<img src=x onerror=alert(1)>`"},
		{"emphasis and link", "*a* [x](http://e)", "`*a* [x](http://e)`"},
		{"one backtick inside", "a`b", "``a`b``"},
		{"run of three inside", "a```b`c", "````a```b`c````"},
		{"leading backtick", "`a", "`` `a ``"},
		{"trailing backtick", "a`", "`` a` ``"},
		{"only backticks", "``", "``` `` ```"},
		{"space both ends", " a ", "`  a  `"},
		{"space one end", " a", "` a`"},
		{"only spaces", "   ", "`   `"},
		{"newline", "a\nb", "`a b`"},
		{"crlf", "a\r\nb", "`a  b`"},
		{"tab", "a\tb", "`a b`"},
		{"control chars", "a\x00b\x1bc\x7fd\u0085e", "`a b c d e`"},
		{"line separator", "a\u2028b\u2029c", "`a b c`"},
		{"zero width dropped", "@\u200bocto\u200dcat", "`@octocat`"},
		{"bidi dropped", "a\u202eb\u2066c\u2069", "`abc`"},
		{"soft hyphen dropped", "de\u00adploy", "`deploy`"},
		{"invalid utf8", "a\xffb", "`a\uFFFDb`"},
		{"unicode kept", "déploiement ／deploy", "`déploiement ／deploy`"},
		{"backslash kept", `a\`, "`a\\`"},
		{"edge space after newline", "\na\n", "`  a  `"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CodeSpan(tt.in); got != tt.want {
				t.Errorf("CodeSpan(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCodeSpanRendersLiterally(t *testing.T) {
	for _, in := range []string{
		"", "`", "``", " ` ", "a``b", "@x", "<b>x</b>", " a ", "   ", "\u200b", "&amp;",
		"x\\", "[a]: /b", "# h", "- item", "> q", "| a | b |", "~~s~~", "https://e.com", "a\nb",
	} {
		checkCodeSpan(t, in)
	}
}

func TestSanitize(t *testing.T) {
	if got := Sanitize("a\r\n\tb\u200b\u00ad"); got != "a   b" {
		t.Errorf("Sanitize = %q", got)
	}
}

func TestIsInvisible(t *testing.T) {
	for _, r := range []rune{0xAD, 0x61C, 0x180E, 0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x2064, 0x2066, 0x2069, 0xFEFF} {
		if !IsInvisible(r) {
			t.Errorf("IsInvisible(%U) = false", r)
		}
	}
	for _, r := range []rune{'a', ' ', 0x200A, 0x2010, 0x2065, 0x206A, 0x202F, 0xFF0F, 0x430} {
		if IsInvisible(r) {
			t.Errorf("IsInvisible(%U) = true", r)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short", "abc", 5, "abc"},
		{"exact", "abcde", 5, "abcde"},
		{"cut", "abcdef", 5, "abcd…"},
		{"runes not bytes", "ééééé", 5, "ééééé"},
		{"cut runes", "éééééé", 5, "éééé…"},
		{"max one", "abc", 1, "…"},
		{"max zero", "abc", 0, ""},
		{"negative", "abc", -1, ""},
		{"empty", "", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Truncate(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if tt.max > 0 && utf8.RuneCountInString(got) > tt.max {
				t.Errorf("Truncate(%q, %d) has %d runes", tt.in, tt.max, utf8.RuneCountInString(got))
			}
		})
	}
}

func FuzzCodeSpan(f *testing.F) {
	for _, s := range []string{"", "a", "`", "`a`", " `` ", "@a", "<a>", " x ", "\n", "\u202e", "a\xff", "``` ```"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkCodeSpan(t, s)
		if tr := Truncate(s, 64); utf8.RuneCountInString(tr) > 64 {
			t.Fatalf("Truncate(%q, 64) too long: %q", s, tr)
		}
	})
}

// gfm parses like GitHub does: autolinks, strikethrough, tables, task lists.
var gfm = goldmark.New(goldmark.WithExtensions(extension.GFM))

// checkCodeSpan asserts that CodeSpan(s), alone and embedded in a sentence,
// parses as exactly one code span whose rendered text is Sanitize(s).
func checkCodeSpan(t *testing.T, s string) {
	t.Helper()
	out := CodeSpan(s)
	if !utf8.ValidString(out) || strings.ContainsAny(out, "\r\n") ||
		!strings.HasPrefix(out, "`") || !strings.HasSuffix(out, "`") {
		t.Fatalf("CodeSpan(%q) = %q: not a one-line backtick span", s, out)
	}
	want := Sanitize(s)
	if want == "" {
		want = " "
	}
	for _, doc := range []string{out, "x " + out + " y", "Unknown " + out + "."} {
		got := renderedCode(t, doc)
		if got != want {
			t.Fatalf("CodeSpan(%q) = %q shows %q in %q, want %q", s, out, got, doc, want)
		}
	}
}

// renderedCode parses doc, requires one paragraph holding exactly one code
// span and returns the text that code span displays.
func renderedCode(t *testing.T, doc string) string {
	t.Helper()
	src := []byte(doc)
	root := gfm.Parser().Parse(text.NewReader(src))
	para, ok := root.FirstChild().(*ast.Paragraph)
	if !ok || root.ChildCount() != 1 {
		t.Fatalf("%q: want one paragraph, got %d blocks", doc, root.ChildCount())
	}
	var spans []*ast.CodeSpan
	for c := para.FirstChild(); c != nil; c = c.NextSibling() {
		switch n := c.(type) {
		case *ast.CodeSpan:
			spans = append(spans, n)
		case *ast.Text:
		default:
			t.Fatalf("%q: unexpected inline %s", doc, c.Kind())
		}
	}
	if len(spans) != 1 {
		t.Fatalf("%q: want one code span, got %d", doc, len(spans))
	}
	var buf bytes.Buffer
	if err := gfm.Renderer().Render(&buf, src, spans[0]); err != nil {
		t.Fatal(err)
	}
	h := buf.String()
	if !strings.HasPrefix(h, "<code>") || !strings.HasSuffix(h, "</code>") {
		t.Fatalf("%q: rendered %q", doc, h)
	}
	return html.UnescapeString(strings.TrimSuffix(strings.TrimPrefix(h, "<code>"), "</code>"))
}
