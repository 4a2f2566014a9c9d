// The changelog of a release: its changes grouped for reading.

package release

import (
	"strconv"
	"strings"
)

// The changelog styles of the policy's release.changelog.
const (
	StyleConventional = "conventional"
	StylePlain        = "plain"
)

// The group titles. A conventional changelog has them in this order.
const (
	TitleBreaking = "Breaking changes"
	TitleFeatures = "Features"
	TitleFixes    = "Fixes"
	TitleOther    = "Other"
	TitleChanges  = "Changes" // the one group of a plain changelog
)

// Changelog is what a release publishes about its commits.
type Changelog struct {
	Groups []Group
	// JiraKeys are the keys of every change, unique, in order of first
	// appearance: the issues the release's Jira version gets.
	JiraKeys []string
	// Commits counts the changes, listed or not.
	Commits int
}

// Group is one section of a changelog.
type Group struct {
	Title   string
	Changes []Change
}

// NewChangelog groups changes (oldest first, as GitHub's compare lists
// them), keeping their order within each group. Style "plain" makes one
// group, "Changes". Any other style is "conventional" (the policy's
// default): Breaking changes, Features, Fixes, Other, leaving out empty
// groups; a change is in one group only, so a breaking feature is under
// Breaking changes. Every commit is kept: merges without a PR title and
// "Merge branch …" noise go to Other, where a reader can skip them but an
// auditor still finds them.
func NewChangelog(changes []Change, style string) Changelog {
	c := Changelog{Commits: len(changes), JiraKeys: uniqueKeys(changes)}
	if style == StylePlain {
		if len(changes) > 0 {
			c.Groups = []Group{{Title: TitleChanges, Changes: changes}}
		}
		return c
	}
	groups := []Group{{Title: TitleBreaking}, {Title: TitleFeatures}, {Title: TitleFixes}, {Title: TitleOther}}
	for _, ch := range changes {
		g := &groups[groupOf(ch)]
		g.Changes = append(g.Changes, ch)
	}
	for _, g := range groups {
		if len(g.Changes) > 0 {
			c.Groups = append(c.Groups, g)
		}
	}
	return c
}

// groupOf is the index of ch's conventional group.
func groupOf(ch Change) int {
	switch {
	case ch.Breaking:
		return 0
	case ch.Type == "feat":
		return 1
	case ch.Type == "fix":
		return 2
	}
	return 3
}

// uniqueKeys lists the keys of every change once, in order of first
// appearance; a set keeps it linear however many keys a large release has.
func uniqueKeys(changes []Change) []string {
	var keys []string
	seen := make(map[string]bool)
	for _, ch := range changes {
		for _, k := range ch.JiraKeys {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// nouns name what a group counts, singular and plural, for Summary.
var nouns = map[string][2]string{
	TitleBreaking: {"breaking change", "breaking changes"},
	TitleFeatures: {"feature", "features"},
	TitleFixes:    {"fix", "fixes"},
	TitleOther:    {"other", "other"},
}

// Summary is one line about the changelog, for a comment or Slack:
// "12 commits: 1 breaking change, 3 features, 5 fixes, 3 other", just
// "12 commits" for a plain changelog, "no commits" for none.
func (c Changelog) Summary() string {
	if c.Commits == 0 {
		return "no commits"
	}
	s := count(c.Commits, "commit", "commits")
	var parts []string
	for _, g := range c.Groups {
		if n, ok := nouns[g.Title]; ok {
			parts = append(parts, count(len(g.Changes), n[0], n[1]))
		}
	}
	if len(parts) == 0 {
		return s
	}
	return s + ": " + strings.Join(parts, ", ")
}

func count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return strconv.Itoa(n) + " " + plural
}
