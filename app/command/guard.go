package command

import "strings"

// Complexity limits. Markdown parsers, goldmark included, take time
// quadratic in the input for some shapes: containers nested many levels
// deep on one line ("> > > …", "- - - … x", "1. 1. 1. …") and many link
// openings whose destination runs on ("[a](b[a](b…"). At 65,536 characters
// that is over a second of CPU per comment, so comments that could hold a
// command are checked against these limits before goldmark sees them.
const (
	// MaxNesting is the most block quote and list markers one line may
	// open.
	MaxNesting = 32
	// MaxLinks is the most "](" link openings a comment may hold.
	MaxLinks = 1000
)

// mayHaveCommand reports whether any line of src could be a command line:
// one where, after indentation and list markers, the prefix is followed by
// a lowercase letter. It is a cheap superset of what Parse accepts, so the
// many comments that hold no command are never parsed as markdown.
func mayHaveCommand(src, prefix string) bool {
	for line := range strings.Lines(src) {
		if _, ok := leading(line, prefix); ok {
			return true
		}
	}
	return false
}

// tooComplex reports whether src exceeds MaxNesting or MaxLinks.
func tooComplex(src, prefix string) bool {
	if strings.Count(src, "](") > MaxLinks {
		return true
	}
	for line := range strings.Lines(src) {
		if depth, _ := leading(line, prefix); depth > MaxNesting {
			return true
		}
	}
	return false
}

// leading scans the run of indentation, block quote markers (">") and list
// markers ("-", "+", "*", "1." or "1)" followed by a space or tab) that
// starts line. It returns how many markers the run holds, and whether the
// prefix followed by a lowercase ASCII letter starts anywhere in it or
// right after it.
func leading(line, prefix string) (depth int, candidate bool) {
	for i := 0; i < len(line); {
		if startsCommand(line[i:], prefix) {
			candidate = true
		}
		n := markerLen(line[i:])
		if n == 0 {
			break
		}
		if line[i] != ' ' && line[i] != '\t' {
			depth++
		}
		i += n
	}
	return depth, candidate
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
