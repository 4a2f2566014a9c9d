// Jira issue keys in commit messages and branch names.

package release

import (
	"slices"
	"unicode"
	"unicode/utf8"
)

// Jira key grammar: a project key of 2 to 10 characters (an upper-case
// letter, then upper-case letters, digits or "_"), "-", and an issue number
// without a leading zero, neither preceded nor followed by a letter or
// digit. Words like "UTF-8" match too: telling them from keys needs Jira,
// which answers that such an issue does not exist. Issue numbers are at
// most 10 digits, more than any Jira instance has.
const (
	minProjectLen = 2
	maxProjectLen = 10
	maxNumberLen  = 10
)

// appendKeys appends to keys the Jira keys in s that keys lacks, in order,
// until keys holds limit. The scan is one pass with a bounded look-ahead.
func appendKeys(keys []string, s string, limit int) []string {
	for i := 0; i < len(s) && len(keys) < limit; i++ {
		if !isUpper(s[i]) || (i > 0 && isWordBefore(s, i)) {
			continue
		}
		end := keyEnd(s, i)
		if end < 0 {
			continue
		}
		if key := s[i:end]; !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
		i = end - 1
	}
	return keys
}

// keyEnd returns the end of the key starting at s[i], or -1 when there is
// none there.
func keyEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && j-i < maxProjectLen && isProjectByte(s[j]) {
		j++
	}
	if j-i < minProjectLen || j+1 >= len(s) || s[j] != '-' || s[j+1] < '1' || s[j+1] > '9' {
		return -1
	}
	j++ // the "-"
	start := j
	for j < len(s) && j-start <= maxNumberLen && isDigit(s[j]) {
		j++
	}
	if j-start > maxNumberLen || isWordAt(s, j) {
		return -1
	}
	return j
}

// isWordBefore reports whether the character before s[i] is a letter or a
// digit, so that s[i] is inside a word.
func isWordBefore(s string, i int) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// isWordAt reports whether a letter or a digit starts at s[j].
func isWordAt(s string, j int) bool {
	if j >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

func isUpper(b byte) bool       { return b >= 'A' && b <= 'Z' }
func isDigit(b byte) bool       { return b >= '0' && b <= '9' }
func isProjectByte(b byte) bool { return isUpper(b) || isDigit(b) || b == '_' }
