// Package render holds small, pure helpers for writing GitHub-flavoured
// markdown that echoes untrusted user text safely.
package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CodeSpan renders s as a GitHub-flavoured-markdown inline code span that
// shows s literally: no mention, link, emphasis, HTML or line break can come
// out of it. Inside a code span GitHub neither notifies @mentions nor links
// #references, so this is how untrusted text is neutralised.
//
// The text is sanitised first (see Sanitize): line breaks, tabs and other
// control characters become spaces and invisible or bidi-control characters
// are dropped. The fence is one backtick longer than the longest backtick run
// in the text, and the content is padded with one space on each side when
// markdown would otherwise eat or misread its edges (a leading or trailing
// backtick, or a space at both ends). Text that is empty after sanitising
// renders as "` `", a code span that shows a single space, because markdown
// has no empty code span.
//
// The result is meant for running text. In a GFM table cell a "|" would
// still split the cell; callers must not put code spans in tables.
func CodeSpan(s string) string {
	content := Sanitize(s)
	if content == "" {
		return "` `"
	}
	fence := strings.Repeat("`", longestBacktickRun(content)+1)
	if needsPadding(content) {
		content = " " + content + " "
	}
	return fence + content + fence
}

// Sanitize returns the text CodeSpan shows for s: each control character
// (C0, DEL, C1, and the Unicode line and paragraph separators) becomes a
// space so the span stays on one line, invisible and bidi-control
// characters are dropped so what readers see is what was typed, and invalid
// UTF-8 becomes U+FFFD.
func Sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case IsInvisible(r):
			continue
		case unicode.IsControl(r), r == '\u2028', r == '\u2029':
			b.WriteByte(' ')
		default:
			b.WriteRune(r) // utf8.RuneError for invalid bytes: always valid output
		}
	}
	return b.String()
}

// IsInvisible reports whether r is a zero-width, invisible or bidi-control
// character. Such characters let text look like something it is not
// (spoofed names, "Trojan Source" reordering), so they are never shown and
// never accepted where ASCII is expected.
func IsInvisible(r rune) bool {
	switch r {
	case '\u00AD', // soft hyphen
		'\u061C', // Arabic letter mark
		'\u180E', // Mongolian vowel separator
		'\uFEFF': // zero-width no-break space (byte order mark)
		return true
	}
	return inRange(r, '\u200B', '\u200F') || // zero-width space and joiners, LRM, RLM
		inRange(r, '\u202A', '\u202E') || // bidi embeddings and overrides
		inRange(r, '\u2060', '\u2064') || // word joiner, invisible operators
		inRange(r, '\u2066', '\u2069') // bidi isolates
}

func inRange(r, lo, hi rune) bool { return r >= lo && r <= hi }

// Truncate shortens s to at most max runes, ending it with "…" when
// anything was cut, so echoed user text stays short. The ellipsis counts
// towards max. A max of zero or less yields "".
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s // unreachable: s has more than max runes
}

// longestBacktickRun returns the length of the longest run of consecutive
// backticks in s.
func longestBacktickRun(s string) int {
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] != '`' {
			run = 0
			continue
		}
		run++
		longest = max(longest, run)
	}
	return longest
}

// needsPadding reports whether content must be wrapped in single spaces to
// survive as is: CommonMark reads a backtick at an edge as part of the
// fence, and strips one space from each end when both ends are spaces and
// the content is not all spaces.
func needsPadding(content string) bool {
	first, last := content[0], content[len(content)-1]
	if first == '`' || last == '`' {
		return true
	}
	return first == ' ' && last == ' ' && strings.Trim(content, " ") != ""
}

// CodeSpanList renders the first max items as code spans, each cut to
// width runes, joined with ", " and followed by "and N more" when some are
// left out: a message names the culprits, it does not echo a whole body.
func CodeSpanList(items []string, max, width int) string {
	parts := make([]string, 0, min(len(items), max)+1)
	for i, item := range items {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(items)-max))
			break
		}
		parts = append(parts, CodeSpan(Truncate(item, width)))
	}
	return strings.Join(parts, ", ")
}
