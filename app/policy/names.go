package policy

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The syntax of names the policy holds. They end up in API paths, git refs
// and messages, so they are held to what GitHub, git and Slack accept.
var (
	// nameRE is an environment or lock-group name.
	nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$`)
	// teamRE is "@org/team-slug": a GitHub login, then a slug that cannot
	// be "." or ".." in a URL path.
	teamRE = regexp.MustCompile(`^@[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$`)
	// repoRE is owner/name.
	repoRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$`)
	// workflowRE is a file of .github/workflows, used unescaped in the
	// workflow_dispatch URL.
	workflowRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,250}\.ya?ml$`)
	// inputRE is a workflow_dispatch input id.
	inputRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,99}$`)
	// channelRE is a Slack channel: #name, or an ID.
	channelRE = regexp.MustCompile(`^(?:#[a-z0-9][a-z0-9_-]{0,79}|[CG][A-Z0-9]{8,20})$`)
	// jiraRE is a Jira project key.
	jiraRE = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,254}$`)
	// placeholderRE finds {name} in templates.
	placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)
)

const nameRule = "1 to 64 letters, digits, '.', '_' or '-', not starting with '.' or '-'"

func validName(s string) bool { return nameRE.MatchString(s) }

// validRef is git's check-ref-format for a branch or tag name, less what
// no one writes: a policy names refs in API calls.
func validRef(s string) bool {
	if s == "" || len(s) > 255 || s == "@" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "/") ||
		strings.HasSuffix(s, "/") || strings.HasSuffix(s, ".") ||
		strings.Contains(s, "..") || strings.Contains(s, "//") || strings.Contains(s, "@{") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	for seg := range strings.SplitSeq(s, "/") {
		if strings.HasPrefix(seg, ".") || strings.HasSuffix(seg, ".lock") {
			return false
		}
	}
	return true
}

// validRepo is owner/name, name neither "." nor "..".
func validRepo(s string) bool {
	_, name, _ := strings.Cut(s, "/")
	return repoRE.MatchString(s) && name != "." && name != ".."
}

// validFilePath is a path inside a repository: relative, clean, printable.
func validFilePath(s string) bool {
	if s == "" || len(s) > 4096 || !utf8.ValidString(s) || strings.ContainsAny(s, "\\") {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	for seg := range strings.SplitSeq(s, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// validKeyPath is a dotted YAML key path: non-empty segments, no blanks.
func validKeyPath(s string) bool {
	if s == "" || len(s) > 1024 || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r <= 0x20 || r == 0x7f {
			return false
		}
	}
	for seg := range strings.SplitSeq(s, ".") {
		if seg == "" {
			return false
		}
	}
	return true
}

// validURL is an absolute http or https URL.
func validURL(s string) bool {
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") || strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && (u.Scheme == "https" || u.Scheme == "http")
}

// badPlaceholder returns the first {name} of template not among known, ""
// when there is none.
func badPlaceholder(template string, known ...string) string {
	for _, p := range placeholderRE.FindAllString(template, -1) {
		ok := false
		for _, k := range known {
			ok = ok || p == k
		}
		if !ok {
			return p
		}
	}
	return ""
}

// q quotes text from the file for a message, cut short: a message is one
// line, whatever the file holds.
func q(s string) string {
	const max = 60
	if len(s) > max {
		for i := range s[:min(len(s), 4*max)] {
			if i >= max {
				// i is the start of the rune after the first max bytes.
				return strconv.Quote(s[:i]) + "…"
			}
		}
	}
	return strconv.Quote(s)
}

// didYouMean suggests the candidate closest to s, when one is close.
func didYouMean(s string, candidates []string) string {
	if len(s) > 64 || len(candidates) > 200 {
		return ""
	}
	best, bestDist := "", 3
	for _, c := range candidates {
		if len(c) > len(s)+2 || len(s) > len(c)+2 {
			continue // too far by length alone
		}
		dist := editDistance(strings.ToLower(s), strings.ToLower(c))
		if dist < bestDist && dist <= max(1, len(c)/3) {
			best, bestDist = c, dist
		}
	}
	if best == "" {
		return ""
	}
	return "; did you mean " + strconv.Quote(best) + "?"
}

// editDistance is the optimal-string-alignment distance of a and b, by
// bytes: insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(a)][len(b)]
}

// listNames joins names for a message, at most ten of them.
func listNames(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	more := len(names) > 10
	names = names[:min(len(names), 10)]
	cut := make([]string, len(names))
	for i, name := range names {
		cut[i] = name
		if runes := []rune(name); len(runes) > 64 {
			cut[i] = string(runes[:64]) + "…"
		}
	}
	if more {
		cut = append(cut, "…")
	}
	return strings.Join(cut, ", ")
}
