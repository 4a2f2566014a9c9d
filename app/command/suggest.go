package command

import "strings"

// maxSuggestDistance is how many edits away a known command may be and
// still be suggested for a mistyped one.
const maxSuggestDistance = 2

// suggest returns the known command the user most likely meant by name: the
// only command name starts with, otherwise the nearest one by
// Damerau-Levenshtein distance (at most maxSuggestDistance), the earliest
// in specs on a tie.
func suggest(specs []Spec, name string) (string, bool) {
	if s, ok := uniquePrefixOf(specs, name); ok {
		return s, true
	}
	best, bestDist := "", maxSuggestDistance+1
	for _, s := range specs {
		if d := distance(name, s.Name, bestDist); d < bestDist {
			best, bestDist = s.Name, d
		}
	}
	return best, best != ""
}

func uniquePrefixOf(specs []Spec, name string) (string, bool) {
	match := ""
	for _, s := range specs {
		if !strings.HasPrefix(s.Name, name) {
			continue
		}
		if match != "" && match != s.Name {
			return "", false
		}
		match = s.Name
	}
	return match, match != ""
}

// distance returns the optimal-string-alignment (restricted
// Damerau-Levenshtein) distance between a and b: insertions, deletions,
// substitutions and swaps of adjacent characters each cost one. It works on
// bytes (command names are ASCII) and returns limit early, without the
// quadratic work, when the lengths alone put the distance at limit or more.
func distance(a, b string, limit int) int {
	if abs(len(a)-len(b)) >= limit {
		return limit
	}
	prev2 := make([]int, len(b)+1) // row i-2
	prev := make([]int, len(b)+1)  // row i-1
	cur := make([]int, len(b)+1)   // row i
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
