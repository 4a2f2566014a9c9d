package slack

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "deploy v1.2.3", "deploy v1.2.3"},
		{"control characters", "a&b<c>d", "a&amp;b&lt;c&gt;d"},
		{"entity stays literal", "&amp;", "&amp;amp;"},
		{"special mention", "<!channel>", "&lt;!channel&gt;"},
		{"here mention", "<!here|here>", "&lt;!here|here&gt;"},
		{"user mention", "<@U123>", "&lt;@\u2060U123&gt;"},
		{"channel link", "<#C123|deploys>", "&lt;#C123|deploys&gt;"},
		{"url link", "<https://x|y>", "&lt;https://x|y&gt;"},
		{"bare here", "ping @here now", "ping @\u2060here now"},
		{"bare channel upper", "@Channel", "@\u2060Channel"},
		{"bare everyone", "@everyone", "@\u2060everyone"},
		{"user group", "@acme/release-managers", "@\u2060acme/release-managers"},
		{"lone at", "a @ b @", "a @ b @"},
		{"email", "x@y.z", "x@\u2060y.z"},
		{"zero width hides mention", "@\u200bhere", "@\u2060here"},
		{"newline and tab", "a\nb\tc\r", "a b c "},
		{"c1 and line separator", "a\u0085b\u2028c", "a b c"},
		{"bidi override dropped", "abc\u202edef", "abcdef"},
		{"bom dropped", "\ufeffx", "x"},
		{"invalid utf8", "a\xffb", "a\ufffdb"},
		{"unicode kept", "déploiement 🚀", "déploiement 🚀"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeLimit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want string
	}{
		{"fits", "abcdef", 6, "abcdef"},
		{"cut", "abcdefgh", 6, "abcde…"},
		{"limit counts escaped text", "a<b", 5, "a…"},
		{"cut after whole entity", "ab<cdef", 7, "ab&lt;…"},
		{"never half an entity", "abc&def", 7, "abc…"},
		{"runes not bytes", "ééééé", 4, "ééé…"},
		{"one", "abc", 1, "…"},
		{"zero", "abc", 0, ""},
		{"negative", "abc", -3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeLimit(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("EscapeLimit(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestEscapeBoundsMessageText(t *testing.T) {
	got := Escape(strings.Repeat("<", MaxMessageText))
	// 39,999 runes of "&lt;…" end in a cut entity, which goes whole.
	if n := runeLen(got); n != MaxMessageText-3 {
		t.Fatalf("len = %d, want %d", n, MaxMessageText-3)
	}
	if !strings.HasSuffix(got, "&lt;…") {
		t.Errorf("tail = %q, want a whole entity then …", got[len(got)-12:])
	}
}

// unescape is what Slack shows for escaped text: the three entities
// decoded and the invisible word joiner gone.
func unescape(s string) string {
	s = strings.ReplaceAll(s, string(wordJoiner), "")
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// checkEscaped reports why out is not safe escaped text of at most max
// runes, or "".
func checkEscaped(out string, max int) string {
	switch {
	case !utf8.ValidString(out):
		return "invalid UTF-8"
	case runeLen(out) > max:
		return "too long"
	case strings.ContainsAny(out, "<>"):
		return "raw < or >"
	}
	for i := 0; i < len(out); i++ {
		if out[i] != '&' {
			continue
		}
		rest := out[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			return "bare &"
		}
	}
	runes := []rune(out)
	for i, r := range runes {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return "control character"
		}
		if unicode.Is(unicode.Cf, r) && r != wordJoiner {
			return "format character"
		}
		if r == '@' && i+1 < len(runes) && startsWord(runes[i+1]) {
			return "mention-shaped @"
		}
	}
	return ""
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "<!channel>", "<!here>", "<https://x|y>", "@here", "<@U123>",
		"<#C123>", "&amp;", "a&b", "\x00\x1f\x7f\u0085\u2028", "\u202e\u200b\ufeff", "\xff\xfe",
		"@\u200beveryone", strings.Repeat("&", 50), "é&<>@x"} {
		f.Add(s, uint16(0))
		f.Add(s, uint16(7))
	}
	f.Fuzz(func(t *testing.T, s string, limit uint16) {
		max := MaxMessageText
		if limit > 0 {
			max = int(limit)
		}
		out := EscapeLimit(s, max)
		if why := checkEscaped(out, max); why != "" {
			t.Fatalf("EscapeLimit(%q, %d) = %q: %s", s, max, out, why)
		}
		// What readers see is what was written (sanitised), or a prefix of
		// it followed by "…" when cut.
		want, seen := sanitize(s), unescape(out)
		if cut, found := strings.CutSuffix(seen, ellipsis); found && seen != want {
			seen = cut
			if !strings.HasPrefix(want, seen) {
				t.Fatalf("EscapeLimit(%q, %d) shows %q, not a prefix of %q", s, max, seen, want)
			}
		} else if seen != want {
			t.Fatalf("EscapeLimit(%q, %d) shows %q, want %q", s, max, seen, want)
		}
	})
}
