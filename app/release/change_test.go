package release

import (
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestParseChange(t *testing.T) {
	tests := []struct {
		name, message string
		want          Change // SHA, Author, AuthorURL and URL are checked apart
	}{
		// GitHub's merge commits.
		{"merge commit", "Merge pull request #12 from acme/feature/OPS-7-login\n\nfeat: add login",
			Change{Type: "feat", Subject: "add login", PR: 12, Branch: "feature/OPS-7-login", JiraKeys: []string{"OPS-7"}}},
		{"merge commit with description", "Merge pull request #12 from acme/x\n\nfeat(auth): add login\n\nSessions move to cookies.\n\nBREAKING CHANGE: old tokens are refused\n",
			Change{Type: "feat", Scope: "auth", Breaking: true, Subject: "add login", PR: 12, Branch: "x"}},
		{"merge commit blank lines before title", "Merge pull request #3 from o/b\n\n \n\nfix: y",
			Change{Type: "fix", Subject: "y", PR: 3, Branch: "b"}},
		{"merge commit without title", "Merge pull request #12 from acme/chore-deps\n\n",
			Change{Subject: "Merge pull request #12 from acme/chore-deps", PR: 12, Branch: "chore-deps"}},
		{"merge commit from a fork without owner", "Merge pull request #4 from topic\n\ndocs: z",
			Change{Type: "docs", Subject: "z", PR: 4, Branch: "topic"}},
		{"merge commit title keeps its (#n)", "Merge pull request #5 from o/b\n\nfix: y (#4)",
			Change{Type: "fix", Subject: "y (#4)", PR: 5, Branch: "b"}},
		{"merge commit crlf", "Merge pull request #6 from o/OPS-1\r\n\r\nfeat: a\r\n",
			Change{Type: "feat", Subject: "a", PR: 6, Branch: "OPS-1", JiraKeys: []string{"OPS-1"}}},
		{"merge pull request with leading zero", "Merge pull request #012 from o/b",
			Change{Subject: "Merge pull request #012 from o/b"}},
		{"merge branch noise", "Merge branch 'main' into feature/OPS-9",
			Change{Subject: "Merge branch 'main' into feature/OPS-9", JiraKeys: []string{"OPS-9"}}},
		{"merge remote-tracking noise", "Merge remote-tracking branch 'origin/main'",
			Change{Subject: "Merge remote-tracking branch 'origin/main'"}},
		// GitHub's squash merges.
		{"squash", "fix: crash on empty input (#13)", Change{Type: "fix", Subject: "crash on empty input", PR: 13}},
		{"squash with commit list", "feat(api): add login (#12)\n\n* wip\n\n* feat!: rename the flag\n\n---------\n\nCo-authored-by: Jane <jane@example.com>",
			Change{Type: "feat", Scope: "api", Subject: "add login", PR: 12}},
		{"squash carries a footer", "feat: add login (#12)\n\n* wip\n\nBREAKING CHANGE: sessions expire",
			Change{Type: "feat", Breaking: true, Subject: "add login", PR: 12}},
		{"dependabot", "chore(deps-dev): bump eslint from 8.0.0 to 9.0.0 (#20)\n\nBumps [eslint](https://github.com/eslint/eslint) from 8.0.0 to 9.0.0.",
			Change{Type: "chore", Scope: "deps-dev", Subject: "bump eslint from 8.0.0 to 9.0.0", PR: 20}},
		{"not a squash suffix", "fix: y(#13)", Change{Type: "fix", Subject: "y(#13)"}},
		{"squash number zero", "fix: y (#0)", Change{Type: "fix", Subject: "y (#0)"}},
		{"squash number too long", "fix: y (#1234567890)", Change{Type: "fix", Subject: "y (#1234567890)"}},
		// Reverts are not the type they revert.
		{"github revert", "Revert \"feat: add login (#12)\" (#14)\n\nThis reverts commit 0123456789abcdef0123456789abcdef01234567.",
			Change{Subject: `Revert "feat: add login (#12)"`, PR: 14}},
		{"github revert merge", "Merge pull request #15 from acme/revert-12-feature/OPS-7-login\n\nRevert \"feat: add login\"",
			Change{Subject: `Revert "feat: add login"`, PR: 15, Branch: "revert-12-feature/OPS-7-login", JiraKeys: []string{"OPS-7"}}},
		{"git revert", "Revert \"feat: x\"\n\nThis reverts commit 0123456.", Change{Subject: `Revert "feat: x"`}},
		{"conventional revert", "revert: feat: x", Change{Type: "revert", Subject: "feat: x"}},
		// Conventional Commits edge cases.
		{"scope and bang", "feat(api)!: drop v1", Change{Type: "feat", Scope: "api", Breaking: true, Subject: "drop v1"}},
		{"bang without scope", "refactor!: x", Change{Type: "refactor", Breaking: true, Subject: "x"}},
		{"breaking footer", "fix: x\n\nBREAKING CHANGE: y", Change{Type: "fix", Breaking: true, Subject: "x"}},
		{"breaking-change footer", "fix: x\n\nRefs: #1\nBREAKING-CHANGE: y", Change{Type: "fix", Breaking: true, Subject: "x"}},
		{"breaking footer crlf", "fix: x\r\n\r\nBREAKING CHANGE: y\r\n", Change{Type: "fix", Breaking: true, Subject: "x"}},
		{"footer is case-sensitive", "fix: x\n\nbreaking change: y", Change{Type: "fix", Subject: "x"}},
		{"footer mid-line is not a footer", "fix: x\n\nno BREAKING CHANGE: y", Change{Type: "fix", Subject: "x"}},
		{"footer in the subject is not a footer", "BREAKING CHANGE: x", Change{Type: "", Subject: "BREAKING CHANGE: x"}},
		{"footer on a plain commit", "Update deps\n\nBREAKING-CHANGE: drop node 14", Change{Breaking: true, Subject: "Update deps"}},
		{"upper case type", "FEAT: x", Change{Type: "feat", Subject: "x"}},
		{"mixed case keeps scope", "Feat(API): x", Change{Type: "feat", Scope: "API", Subject: "x"}},
		{"no space after colon", "feat:x", Change{Subject: "feat:x"}},
		{"url is not a type", "http://example.com broke", Change{Subject: "http://example.com broke"}},
		{"empty description", "feat: ", Change{Subject: "feat:"}},
		{"bang after scope only", "feat!(api): x", Change{Subject: "feat!(api): x"}},
		{"space before colon", "feat : x", Change{Subject: "feat : x"}},
		{"spaces trimmed", "  fix( core ):   x  ", Change{Type: "fix", Scope: "core", Subject: "x"}},
		{"jira prefix is not a type", "OPS-12: fix login", Change{Subject: "OPS-12: fix login", JiraKeys: []string{"OPS-12"}}},
		{"invisible and control characters", "fe\u200bat: a\tb\u202e", Change{Type: "feat", Subject: "a b"}},
		{"tab before description", "fix:\tx", Change{Type: "fix", Subject: "x"}},
		{"lone cr", "fix: a\rb", Change{Type: "fix", Subject: "a b"}},
		{"empty", "", Change{}},
		{"keys in subject and body", "fix: OPS-2 crash\n\nRefs OPS-1, OPS-2 and ABC-3",
			Change{Type: "fix", Subject: "OPS-2 crash", JiraKeys: []string{"OPS-2", "OPS-1", "ABC-3"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseChange("abc1234def", "octocat", "https://github.com/octocat", "https://github.com/o/r/commit/abc1234def", tt.message)
			want := tt.want
			want.SHA, want.Author, want.AuthorURL, want.URL = "abc1234def", "octocat", "https://github.com/octocat", "https://github.com/o/r/commit/abc1234def"
			if !reflect.DeepEqual(got, want) {
				t.Errorf("ParseChange(%q)\n got %+v\nwant %+v", tt.message, got, want)
			}
		})
	}
}

func TestJiraKeys(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"OPS-1 and ABC-22", []string{"OPS-1", "ABC-22"}},
		{"ops-1 Ops-1", nil},
		{"A-1", nil},
		{"ABCDEFGHIJ-1", []string{"ABCDEFGHIJ-1"}},
		{"ABCDEFGHIJK-1", nil},
		{"OPS-01 OPS-0", nil},
		{"xOPS-1 1OPS-2 éOPS-3", nil},
		{"OPS-1a OPS-2é OPS-34", []string{"OPS-34"}},
		{"OPS-12-3", []string{"OPS-12"}},
		{"(OPS-1). [OPS-2]", []string{"OPS-1", "OPS-2"}},
		{"https://acme.atlassian.net/browse/OPS-7", []string{"OPS-7"}},
		{"feature/OPS-7-login", []string{"OPS-7"}},
		{"OPS_2-5 _AB-6", []string{"OPS_2-5", "AB-6"}},
		{"ABCDEFGHIJ_KL-1", []string{"KL-1"}},
		{"UTF-8", []string{"UTF-8"}},
		{"OPS-1234567890 OPS-12345678901", []string{"OPS-1234567890"}},
		{"OPS-1 OPS-1 OPS-2 OPS-1", []string{"OPS-1", "OPS-2"}},
		{"AB-1AB-2", nil},
		{"OPS-", nil},
		{"OPS", nil},
		{"O1-2", []string{"O1-2"}},
		{"\xffOPS-1\xff", []string{"OPS-1"}},
	}
	for _, tt := range tests {
		if got := appendKeys(nil, tt.in, MaxKeysPerChange); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("keys in %q = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseChangeBounds(t *testing.T) {
	var keys []string
	for i := 1; i <= 60; i++ {
		keys = append(keys, fmt.Sprintf("OPS-%d", i))
	}
	c := ParseChange("", "", "", "", "fix: x\n\n"+strings.Join(keys, " "))
	if !reflect.DeepEqual(c.JiraKeys, keys[:MaxKeysPerChange]) {
		t.Errorf("60 keys: got %d keys %q", len(c.JiraKeys), c.JiraKeys)
	}

	long := "fix: " + strings.Repeat("é", 2*MaxSubjectRunes) + " (#7)"
	c = ParseChange("", "", "", "", long)
	if c.PR != 7 || len([]rune(c.Subject)) != MaxSubjectRunes || !strings.HasSuffix(c.Subject, "…") {
		t.Errorf("long subject: PR %d, %d runes", c.PR, len([]rune(c.Subject)))
	}

	huge := "fix: x\n\nOPS-1 " + strings.Repeat("a ", MaxMessageBytes) + "OPS-2\n\nBREAKING CHANGE: late"
	c = ParseChange("", "", "", "", huge)
	if !reflect.DeepEqual(c.JiraKeys, []string{"OPS-1"}) || c.Breaking {
		t.Errorf("past MaxMessageBytes: keys %q, breaking %v; want only what the first 64 KiB say", c.JiraKeys, c.Breaking)
	}
}

func TestParseChangeKeepsPassedFields(t *testing.T) {
	c := ParseChange("sha", "login", "https://a", "https://u", "x")
	if c.SHA != "sha" || c.Author != "login" || c.AuthorURL != "https://a" || c.URL != "https://u" {
		t.Errorf("got %+v", c)
	}
}

func TestBumpOf(t *testing.T) {
	tests := []struct {
		name    string
		changes []Change
		want    Bump
	}{
		{"none", nil, Patch},
		{"fixes and chores", []Change{{Type: "fix"}, {Type: "chore"}, {}}, Patch},
		{"a feature", []Change{{Type: "fix"}, {Type: "feat"}, {Type: "docs"}}, Minor},
		{"a breaking fix", []Change{{Type: "feat"}, {Type: "fix", Breaking: true}}, Major},
		{"a breaking plain commit", []Change{{Breaking: true}}, Major},
		{"revert of a feature", []Change{ParseChange("", "", "", "", `Revert "feat: x"`)}, Patch},
	}
	for _, tt := range tests {
		if got := BumpOf(tt.changes); got != tt.want {
			t.Errorf("%s: BumpOf = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// keyPattern is the Jira key grammar, written independently of the scanner.
var keyPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,9}-[1-9][0-9]{0,9}$`)

func FuzzParseChange(f *testing.F) {
	for _, s := range []string{
		"Merge pull request #12 from acme/feature/OPS-7-login\n\nfeat: add login",
		"feat(api)!: drop v1 (#3)\n\nBREAKING CHANGE: x",
		"Revert \"feat: x\" (#4)", "Merge branch 'main' into x", "fix:x", "OPS-1 UTF-8 AB_C-2é",
		"Merge pull request #1 from o/\n\n\r\n", "fe\u200bat: \u202e", "\xff(#1)", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, message string) {
		c := ParseChange("sha", "a", "", "", message)
		if c.PR < 0 {
			t.Fatalf("PR %d", c.PR)
		}
		if strings.ContainsAny(c.Subject, "\r\n") || strings.ContainsAny(c.Branch, "\r\n") {
			t.Fatalf("subject %q or branch %q is not one line", c.Subject, c.Branch)
		}
		if len([]rune(c.Subject)) > MaxSubjectRunes || c.Subject != strings.TrimSpace(c.Subject) {
			t.Fatalf("subject %q not bounded or trimmed", c.Subject)
		}
		if c.Type != strings.ToLower(c.Type) || (c.Type == "" && c.Scope != "") {
			t.Fatalf("type %q scope %q", c.Type, c.Scope)
		}
		if len(c.JiraKeys) > MaxKeysPerChange {
			t.Fatalf("%d keys", len(c.JiraKeys))
		}
		seen := map[string]bool{}
		for _, k := range c.JiraKeys {
			if !keyPattern.MatchString(k) || seen[k] || !(strings.Contains(message, k) || strings.Contains(c.Branch, k)) {
				t.Fatalf("key %q: bad, repeated or not in the message", k)
			}
			seen[k] = true
		}
	})
}
