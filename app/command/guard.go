package command

import "strings"

// Complexity limits. Markdown parsers, goldmark included, take time
// quadratic in the input for some shapes: containers nested deep on one
// line ("> > > …", "- - … x", "1. 1. 1. …"), list items nested deep across
// lines, and many link openings whose destination or title runs on
// ("[a](b[a](b…"). At 65,536 characters that is over a second of CPU for
// one comment. With these limits the worst comment we found costs about
// 60ms, and no reasonable comment comes near them.
const (
	// MaxNesting is the most block quote and list markers one line may
	// start with.
	MaxNesting = 32
	// MaxIndent is the longest run of indentation and container markers,
	// in bytes, that may start a line. It bounds how deep lists can nest
	// across lines.
	MaxIndent = 256
	// MaxLinkScan bounds the bytes goldmark may scan resolving inline
	// links: for each "](" it may read the rest of the paragraph looking
	// for the end of the destination or title. A paragraph cannot span a
	// blank line, so each "](" is charged the distance to the next one.
	MaxLinkScan = 1 << 24
)

// mayHaveCommand reports whether any line of src could be a command line:
// one where, after indentation and container markers, the prefix is
// followed by a lowercase letter. It is a cheap superset of what Parse
// accepts, so that the many comments holding no command are never parsed
// as markdown.
func mayHaveCommand(src, prefix string) bool {
	for line := range strings.Lines(src) {
		if leading(line, prefix).candidate {
			return true
		}
	}
	return false
}

// tooComplex reports whether src exceeds MaxNesting, MaxIndent or
// MaxLinkScan.
func tooComplex(src, prefix string) bool {
	if linkScan(src) > MaxLinkScan {
		return true
	}
	for line := range strings.Lines(src) {
		if l := leading(line, prefix); l.depth > MaxNesting || l.width > MaxIndent {
			return true
		}
	}
	return false
}

// linkScan returns, summed over every "](" in src, the bytes from it to the
// next blank line or the end of src: an upper bound on what resolving
// links can read. It runs in linear time.
func linkScan(src string) int {
	total, count, sumPos, pos := 0, 0, 0, 0
	for line := range strings.Lines(src) {
		if strings.TrimLeft(line, " \t\n") == "" {
			total += count*pos - sumPos
			count, sumPos = 0, 0
		}
		for i := 0; ; {
			j := strings.Index(line[i:], "](")
			if j < 0 {
				break
			}
			count++
			sumPos += pos + i + j
			i += j + 2
		}
		pos += len(line)
	}
	return total + count*pos - sumPos
}

// lineStart describes the run of indentation, block quote markers (">")
// and list markers ("-", "+", "*", "1." or "1)" followed by a space or tab)
// at the start of a line.
type lineStart struct {
	width     int  // bytes in the run
	depth     int  // markers in the run
	candidate bool // the prefix and a lowercase ASCII letter start in or right after the run
}

func leading(line, prefix string) lineStart {
	var l lineStart
	for l.width < len(line) {
		if startsCommand(line[l.width:], prefix) {
			l.candidate = true
		}
		n := markerLen(line[l.width:])
		if n == 0 {
			break
		}
		if c := line[l.width]; c != ' ' && c != '\t' {
			l.depth++
		}
		l.width += n
	}
	return l
}

func startsCommand(s, prefix string) bool {
	return strings.HasPrefix(s, prefix) && len(s) > len(prefix) && isNameByte(s[len(prefix)], true)
}

// markerLen returns the length of the indentation character or container
// marker that starts s, or 0 when s starts with neither.
func markerLen(s string) int {
	switch c := s[0]; {
	case c == ' ', c == '\t', c == '>':
		return 1
	case c == '-', c == '+', c == '*':
		if len(s) > 1 && (s[1] == ' ' || s[1] == '\t') {
			return 1
		}
		return 0
	}
	n := 0
	for n < len(s) && n < 9 && '0' <= s[n] && s[n] <= '9' {
		n++
	}
	if n == 0 || n+1 >= len(s) || (s[n] != '.' && s[n] != ')') || (s[n+1] != ' ' && s[n+1] != '\t') {
		return 0
	}
	return n + 1
}
