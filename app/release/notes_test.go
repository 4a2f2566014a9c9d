package release

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEscapeNotes(t *testing.T) {
	for _, c := range []struct{ in, mustNot string }{
		{"thanks @here and @acme/team", "@h"},
		{"<img src=x onerror=alert(1)>", "<img"},
		{"[click](https://evil.example)", "](https"},
		{"fixes #12", " #1"},
		{"# Heading", "# H"},
	} {
		got := EscapeNotes(c.in)
		if strings.Contains(got, c.mustNot) {
			t.Errorf("EscapeNotes(%q) = %q: still has %q", c.in, got, c.mustNot)
		}
	}
	if got := EscapeNotes("first\n\nsecond"); !strings.Contains(got, "first") || !strings.Contains(got, "second") || strings.Count(got, "\n") != 2 {
		t.Errorf("paragraphs lost: %q", got)
	}
	if got := EscapeNotes(strings.Repeat("a@\n", 3*MaxNotesBytes)); len(got) > MaxNotesBytes {
		t.Errorf("notes not bounded: %d bytes", len(got))
	}
}

func FuzzEscapeNotes(f *testing.F) {
	for _, s := range []string{"hello", "@here", "<!channel>", "line\r\nline", "[x](y)", "\xff\xfe", "`code`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := EscapeNotes(s)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		for i := 0; i < len(got); i++ {
			switch got[i] {
			case '<':
				t.Fatalf("raw < in %q (from %q)", got, s)
			case '@':
				if i+1 < len(got) && isWordByte(got[i+1]) {
					t.Fatalf("a mention can start at %d in %q (from %q)", i, got, s)
				}
			}
		}
		if len(got) > MaxNotesBytes {
			t.Fatalf("output of %d bytes", len(got))
		}
	})
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}
