// Commits read as changes: Conventional Commits, GitHub's merge and squash
// shapes, Jira keys.

package release

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/issueops/issueops/app/render"
)

// Bounds on the work one commit costs: messages can be any size, so only
// their start is read.
const (
	// MaxMessageBytes of a message are read; the rest (footers or Jira keys
	// past 64 KiB) is ignored.
	MaxMessageBytes = 64 << 10
	// MaxSubjectRunes is as long as a subject gets; longer ones end in "…".
	MaxSubjectRunes = 500
	// MaxKeysPerChange is how many Jira keys one commit contributes.
	MaxKeysPerChange = 50
)

// Change is one commit of a release, read for its changelog line.
type Change struct {
	SHA, Author, AuthorURL, URL string // from GitHub, passed in

	// Type is the Conventional Commits type, lowercased (feat, fix, docs…);
	// "" when the subject is not conventional.
	Type  string
	Scope string
	// Breaking is a "type!:" subject or a "BREAKING CHANGE:" (or
	// "BREAKING-CHANGE:") footer at the start of a body line.
	Breaking bool
	// Subject is the first line (or a merge commit's PR title), one line,
	// sanitised, without the "type(scope)!: " prefix or a squash merge's
	// trailing " (#123)".
	Subject string
	// PR is the pull request number, 0 when unknown.
	PR int
	// Branch is a merge commit's source branch, "" when unknown.
	Branch string
	// JiraKeys are the Jira issue keys in the message and the branch,
	// unique, in order of first appearance, at most MaxKeysPerChange.
	JiraKeys []string
}

var (
	// mergePattern is the first line of GitHub's merge commit for a pull
	// request: "Merge pull request #12 from owner/branch".
	mergePattern = regexp.MustCompile(`^Merge pull request #([1-9][0-9]{0,8}) from (\S+)$`)
	// squashPattern is the " (#12)" GitHub appends to a squash merge's
	// subject.
	squashPattern = regexp.MustCompile(` \(#([1-9][0-9]{0,8})\)$`)
	// conventionalPattern is "type(scope)!: description". The spec asks for
	// ": " after the type, so "feat:x" is not conventional (it would also
	// read "http://x" as a type). Types are letters, so "OPS-12: fix" is a
	// plain subject; they match in any case and are lowercased, as the spec
	// says types are case-insensitive.
	conventionalPattern = regexp.MustCompile(`^([A-Za-z]{1,32})(?:\(([^()]{0,100})\))?(!)?: +(\S.*)$`)
)

// ParseChange reads a commit message. GitHub's shapes are understood:
//
//   - a squash merge "feat: add login (#12)" has PR 12 and the subject "add
//     login";
//   - a merge commit "Merge pull request #12 from acme/feature/OPS-7-login"
//     takes its type and subject from the first non-empty body line (the
//     PR title) and has the branch "feature/OPS-7-login"; one without a
//     body keeps the merge line as subject, without a type;
//   - a revert `Revert "feat: x"` is not conventional (its type is ""), so
//     reverting a feature is not counted as one.
//
// Other merges ("Merge branch 'main' into x") are plain subjects without a
// type. Only the first MaxMessageBytes are read.
func ParseChange(sha, author, authorURL, url, message string) Change {
	if len(message) > MaxMessageBytes {
		message = message[:MaxMessageBytes]
	}
	c := Change{SHA: sha, Author: author, AuthorURL: authorURL, URL: url}
	first, body, _ := strings.Cut(message, "\n")
	line := clean(first)
	if m := mergePattern.FindStringSubmatch(line); m != nil {
		c.PR, _ = strconv.Atoi(m[1])
		c.Branch = branchOf(m[2])
		if title, rest, ok := firstLine(body); ok {
			line, body = title, rest
		}
	} else if m := squashPattern.FindStringSubmatchIndex(line); m != nil {
		c.PR, _ = strconv.Atoi(line[m[2]:m[3]])
		line = strings.TrimSpace(line[:m[0]])
	}
	c.Subject = line
	if m := conventionalPattern.FindStringSubmatch(line); m != nil {
		c.Type, c.Scope, c.Breaking = strings.ToLower(m[1]), strings.TrimSpace(m[2]), m[3] == "!"
		c.Subject = strings.TrimSpace(m[4])
	}
	c.Subject = render.Truncate(c.Subject, MaxSubjectRunes)
	c.Breaking = c.Breaking || hasBreakingFooter(body)
	c.JiraKeys = appendKeys(nil, message, MaxKeysPerChange)
	c.JiraKeys = appendKeys(c.JiraKeys, c.Branch, MaxKeysPerChange)
	return c
}

// clean makes a line safe to keep: one line, no invisible characters, no
// surrounding space.
func clean(line string) string { return strings.TrimSpace(render.Sanitize(line)) }

// firstLine returns the first non-blank line of text, cleaned, and the text
// after it; ok is false when every line is blank.
func firstLine(text string) (line, rest string, ok bool) {
	for text != "" {
		var raw string
		raw, text, _ = strings.Cut(text, "\n")
		if line = clean(raw); line != "" {
			return line, text, true
		}
	}
	return "", "", false
}

// branchOf drops the owner from GitHub's "owner/branch"; a ref without one
// is the branch itself.
func branchOf(ref string) string {
	if _, branch, ok := strings.Cut(ref, "/"); ok && branch != "" {
		return branch
	}
	return ref
}

// hasBreakingFooter reports whether a body line starts with the footer
// token the spec reserves for breaking changes; tokens are case-sensitive.
func hasBreakingFooter(body string) bool {
	for _, token := range []string{"BREAKING CHANGE:", "BREAKING-CHANGE:"} {
		if strings.HasPrefix(body, token) || strings.Contains(body, "\n"+token) {
			return true
		}
	}
	return false
}

// BumpOf is the bump that changes call for: Major when one is breaking,
// Minor when one is a feature, Patch otherwise (also for no changes).
func BumpOf(changes []Change) Bump {
	bump := Patch
	for _, c := range changes {
		switch {
		case c.Breaking:
			return Major
		case c.Type == "feat":
			bump = Minor
		}
	}
	return bump
}
