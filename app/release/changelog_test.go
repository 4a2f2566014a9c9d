package release

import (
	"reflect"
	"testing"
)

// parsed reads messages as the commits of a release, oldest first.
func parsed(messages ...string) []Change {
	changes := make([]Change, len(messages))
	for i, m := range messages {
		changes[i] = ParseChange("", "", "", "", m)
	}
	return changes
}

// titles lists the groups of c as "Title: subject, subject…".
func titles(c Changelog) []string {
	var out []string
	for _, g := range c.Groups {
		s := g.Title + ":"
		for _, ch := range g.Changes {
			s += " " + ch.Subject + ";"
		}
		out = append(out, s)
	}
	return out
}

func TestNewChangelog(t *testing.T) {
	changes := parsed(
		"fix: one (#1)",
		"feat(api)!: two",
		"Merge branch 'main' into x",
		"feat: three OPS-2",
		"docs: four OPS-1",
		"Merge pull request #9 from o/OPS-2-b",
		"fix: five\n\nBREAKING CHANGE: y",
		"feat: six",
	)
	tests := []struct {
		name, style string
		changes     []Change
		want        []string
	}{
		{"conventional", StyleConventional, changes, []string{
			"Breaking changes: two; five;",
			"Features: three OPS-2; six;",
			"Fixes: one;",
			"Other: Merge branch 'main' into x; four OPS-1; Merge pull request #9 from o/OPS-2-b;",
		}},
		{"unknown style is conventional", "", parsed("fix: a", "chore: b"), []string{"Fixes: a;", "Other: b;"}},
		{"empty groups omitted", StyleConventional, parsed("feat: a"), []string{"Features: a;"}},
		{"plain", StylePlain, parsed("fix: a", "feat!: b", "c"), []string{"Changes: a; b; c;"}},
		{"no changes", StyleConventional, nil, nil},
		{"no changes plain", StylePlain, nil, nil},
	}
	for _, tt := range tests {
		c := NewChangelog(tt.changes, tt.style)
		if got := titles(c); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: groups\n got %q\nwant %q", tt.name, got, tt.want)
		}
		if c.Commits != len(tt.changes) {
			t.Errorf("%s: Commits = %d, want %d", tt.name, c.Commits, len(tt.changes))
		}
	}
	c := NewChangelog(changes, StyleConventional)
	if want := []string{"OPS-2", "OPS-1"}; !reflect.DeepEqual(c.JiraKeys, want) {
		t.Errorf("JiraKeys = %q, want %q", c.JiraKeys, want)
	}
}

func TestSummary(t *testing.T) {
	tests := []struct {
		name, style string
		changes     []Change
		want        string
	}{
		{"all groups", StyleConventional, parsed("feat!: a", "feat: b", "feat: c", "fix: d", "fix: e", "docs: f", "g"),
			"7 commits: 1 breaking change, 2 features, 2 fixes, 2 other"},
		{"singulars", StyleConventional, parsed("feat: a", "fix: b", "c"), "3 commits: 1 feature, 1 fix, 1 other"},
		{"plurals", StyleConventional, parsed("feat!: a", "fix!: b"), "2 commits: 2 breaking changes"},
		{"one commit", StyleConventional, parsed("chore: a"), "1 commit: 1 other"},
		{"plain", StylePlain, parsed("feat: a", "fix: b"), "2 commits"},
		{"none", StyleConventional, nil, "no commits"},
	}
	for _, tt := range tests {
		if got := NewChangelog(tt.changes, tt.style).Summary(); got != tt.want {
			t.Errorf("%s: Summary = %q, want %q", tt.name, got, tt.want)
		}
	}
}
