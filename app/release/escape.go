// Escaping user text for a GitHub release body.

package release

import (
	"strings"
	"unicode/utf8"
)

// wordJoiner is the invisible U+2060 that escape puts inside references.
// Sanitize drops the input's own invisible characters first, so nobody can
// place one where it would cancel ours or fake an escape.
const wordJoiner = "\u2060"

// escape makes one line of sanitised text (see render.Sanitize) show
// literally on GitHub. Two layers do it:
//
//   - Markdown: every ASCII punctuation character is backslash-escaped, and
//     "&", "<" and ">" become entities, so no emphasis, link, image, HTML,
//     code, heading, list, quote or table can start in the text, nor an
//     entity like "&#64;" turn into an "@".
//   - GitHub's filters run on the rendered text, where backslashes are
//     gone, so references are broken with a word joiner: after every "@"
//     (mentions, "@org/team", emails) and "#" ("#1", "owner/repo#1"),
//     inside "GH-1", after the ":" of "://" and before the "." of "www."
//     (autolinked URLs).
//
// Readers see the text unchanged; only a copy carries the word joiners.
func escape(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	for i, r := range s {
		if r >= utf8.RuneSelf || !isPunct(byte(r)) {
			b.WriteRune(r)
			continue
		}
		if breaksBefore(s, i) {
			b.WriteString(wordJoiner)
		}
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		}
		if breaksAfter(s, i) {
			b.WriteString(wordJoiner)
		}
	}
	return b.String()
}

// breaksBefore reports whether a word joiner goes before s[i]: the "-" of
// "GH-1" and the "." of "www.", in any case.
func breaksBefore(s string, i int) bool {
	switch s[i] {
	case '-':
		return i >= 2 && strings.EqualFold(s[i-2:i], "gh") && i+1 < len(s) && isDigit(s[i+1])
	case '.':
		return i >= 3 && strings.EqualFold(s[i-3:i], "www")
	}
	return false
}

// breaksAfter reports whether a word joiner goes after s[i]: "@", "#" and
// the ":" of "://".
func breaksAfter(s string, i int) bool {
	switch s[i] {
	case '@', '#':
		return true
	case ':':
		return strings.HasPrefix(s[i+1:], "//")
	}
	return false
}

// isPunct reports whether b is ASCII punctuation, which CommonMark lets a
// backslash escape.
func isPunct(b byte) bool {
	return strings.IndexByte("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", b) >= 0
}
