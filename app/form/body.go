package form

import (
	"strings"
	"unicode"
)

// heading is a level-3 ATX heading of a body, outside fenced code.
type heading struct {
	text  string // the heading text, trimmed
	start int    // byte offset of the heading line
	next  int    // byte offset just past the heading line: its section starts here
}

// line is one line of a body, with what it says about fences.
type line struct {
	start, end int  // byte offsets, end excludes the "\n"
	fence      byte // '`' or '~' when the line can open a fence, else 0
	size       int  // length of the fence run
	closes     bool // the line can close a fence of its char: no info string
}

// normalizeNewlines turns CRLF and lone CR into LF: GitHub stores form bodies
// with CRLF, and people edit them on every platform.
func normalizeNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// splitLines indexes the lines of body (LF only) and their fence markers.
func splitLines(body string) []line {
	lines := make([]line, 0, strings.Count(body, "\n")+1)
	for start := 0; start <= len(body); {
		end := strings.IndexByte(body[start:], '\n')
		if end < 0 {
			end = len(body)
		} else {
			end += start
		}
		l := line{start: start, end: end}
		l.fence, l.size, l.closes = parseFence(body[start:end])
		lines = append(lines, l)
		start = end + 1
	}
	return lines
}

// indent strips up to three leading spaces, as CommonMark allows before a
// heading or fence; ok is false when there are four or more (indented code).
func indent(s string) (rest string, ok bool) {
	for i := 0; i < 4; i++ {
		if i == len(s) || s[i] != ' ' {
			return s[i:], true
		}
	}
	return s, false
}

// parseFence reads a CommonMark fence line: three or more backticks or
// tildes. A backtick fence's info string cannot contain a backtick (that
// line is inline code). Only a line without info can close a fence.
func parseFence(s string) (ch byte, size int, closes bool) {
	s, ok := indent(s)
	if !ok || len(s) < 3 || (s[0] != '`' && s[0] != '~') {
		return 0, 0, false
	}
	ch = s[0]
	for size < len(s) && s[size] == ch {
		size++
	}
	if size < 3 {
		return 0, 0, false
	}
	info := s[size:]
	if ch == '`' && strings.IndexByte(info, '`') >= 0 {
		return 0, 0, false
	}
	return ch, size, strings.TrimSpace(info) == ""
}

// parseHeading reads a "### text" line: up to three spaces, exactly three
// '#', a space or tab, non-blank text. "####" and deeper are text, and so is
// a bare "###" (it cannot be a form label). A closing "###" sequence is kept
// as part of the text: GitHub writes a label such as "Issue #" verbatim.
func parseHeading(s string) (string, bool) {
	s, ok := indent(s)
	if !ok || len(s) < 4 || s[:3] != "###" || (s[3] != ' ' && s[3] != '\t') {
		return "", false
	}
	t := strings.TrimSpace(s[4:])
	return t, t != ""
}

// scanHeadings returns the "### " headings of body (LF newlines) that lie
// outside fenced code blocks, in body order.
//
// A fence that is never closed hides nothing: CommonMark would run it to the
// end of the body, but the "### Label" lines after it were written by
// GitHub's form renderer, so they still mark fields (the stray fence is
// someone's unfinished code block in an answer). Whether an opener is closed
// is known from the longest closer of its char further down, computed in one
// backward pass, so the scan stays linear.
func scanHeadings(body string) []heading {
	lines := splitLines(body)
	// longest[c][i]: the longest closing fence of char c on a line after i.
	longest := [2][]int{make([]int, len(lines)), make([]int, len(lines))}
	for i := len(lines) - 2; i >= 0; i-- {
		longest[0][i], longest[1][i] = longest[0][i+1], longest[1][i+1]
		if next := lines[i+1]; next.closes {
			k := fenceIndex(next.fence)
			longest[k][i] = max(longest[k][i], next.size)
		}
	}
	var out []heading
	var open line // the fence we are inside, if open.fence != 0
	for i, l := range lines {
		switch {
		case open.fence != 0:
			if l.closes && l.fence == open.fence && l.size >= open.size {
				open = line{}
			}
		case l.fence != 0 && longest[fenceIndex(l.fence)][i] >= l.size:
			open = l
		default:
			if t, ok := parseHeading(body[l.start:l.end]); ok {
				out = append(out, heading{text: t, start: l.start, next: min(l.end+1, len(body))})
			}
		}
	}
	return out
}

// fenceIndex maps a fence char to its slot in scanHeadings' tables.
func fenceIndex(ch byte) int {
	if ch == '~' {
		return 1
	}
	return 0
}

// normLabel is the form of a label or heading text used to match them:
// trimmed, with runs of whitespace as one space. GitHub writes the label
// verbatim, but people editing a body may not keep every space.
func normLabel(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Slug makes the key of a field that has no id from its label, as
// github-issue-parser does: lowercase, characters other than letters,
// digits, "_" and whitespace dropped, whitespace as "_". Unlike that parser
// runs of "_" are collapsed and "_" is trimmed from both ends, and letters
// and digits of every script are kept (its JavaScript \w keeps only ASCII,
// which would make a Cyrillic or Japanese label an empty key).
func Slug(label string) string {
	var b strings.Builder
	under := false
	for _, r := range label {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(unicode.ToLower(r))
		case r == '_' || unicode.IsSpace(r):
			under = true
		}
	}
	return b.String()
}

// ParseRaw reads a body without a template: each "### Heading" section
// (fenced code skipped as in Parse) keyed by Slug(heading), its value the
// section's text trimmed and otherwise verbatim ("_No response_", checkbox
// lines and all), like issue-ops/parser without a template. Every heading
// starts a section, since nothing says which are labels. Text before the
// first heading is dropped; when two headings share a slug the first wins.
func ParseRaw(body string) map[string]string {
	body = normalizeNewlines(body)
	hs := scanHeadings(body)
	out := make(map[string]string, len(hs))
	for i, h := range hs {
		end := len(body)
		if i+1 < len(hs) {
			end = hs[i+1].start
		}
		key := Slug(h.text)
		if _, dup := out[key]; !dup {
			out[key] = strings.TrimSpace(body[h.next:end])
		}
	}
	return out
}
