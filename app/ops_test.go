package app

import (
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app/policy"
)

func TestRoleOf(t *testing.T) {
	for _, c := range []struct {
		p    Permission
		want string
	}{
		{Permission{"admin", "admin"}, "admin"},
		{Permission{"write", "maintain"}, "maintain"},
		{Permission{"read", "triage"}, "triage"},
		{Permission{"write", "release-engineer"}, "write"}, // a custom role falls back to its base level
		{Permission{"none", ""}, ""},
		{Permission{"", "owner"}, ""},
	} {
		if got := roleOf(c.p); got != c.want {
			t.Errorf("roleOf(%+v) = %q, want %q", c.p, got, c.want)
		}
	}
}

func TestSnapshotHashBindsEveryParameter(t *testing.T) {
	base := Operation{Kind: KindDeploy, Environment: "production", Ref: "main", SHA: "abc",
		Params: map[string]string{"reason": "hotfix", paramComment: "1"}}
	h := snapshotHash(base)
	for name, change := range map[string]func(*Operation){
		"kind":        func(o *Operation) { o.Kind = KindRollback },
		"environment": func(o *Operation) { o.Environment = "staging" },
		"ref":         func(o *Operation) { o.Ref = "v1" },
		"sha":         func(o *Operation) { o.SHA = "abd" },
		"a parameter": func(o *Operation) { o.Params["reason"] = "other" },
		"a new one":   func(o *Operation) { o.Params["x"] = "" },
	} {
		o := base
		o.Params = map[string]string{"reason": "hotfix", paramComment: "1"}
		change(&o)
		if snapshotHash(o) == h {
			t.Errorf("changing the %s keeps the snapshot", name)
		}
	}
	o := base
	o.Params = map[string]string{"reason": "hotfix", paramComment: "2", "_note": "x"}
	if snapshotHash(o) != h {
		t.Errorf("bookkeeping parameters changed the snapshot")
	}
}

func TestCountedApprovals(t *testing.T) {
	op := Operation{Requester: "alice", Hash: "h2"}
	all := []Approval{
		{Login: "bob", Hash: "h1"},   // an older snapshot
		{Login: "alice", Hash: "h2"}, // the requester's own
		{Login: "carol", Hash: "h2"},
		{Login: "Carol", Hash: "h2"}, // the same person again
		{Login: "dave", Hash: "h2"},
	}
	env := &policy.Environment{Approvals: policy.Approvals{Required: 2}}
	if got := logins(countedApprovals(op, env, all)); got != "carol,dave" {
		t.Errorf("counted %s, want carol,dave", got)
	}
	env.Approvals.Self = true
	if got := logins(countedApprovals(op, env, all)); got != "alice,carol,dave" {
		t.Errorf("with self: counted %s", got)
	}
}

func logins(as []Approval) string {
	var out []string
	for _, a := range as {
		out = append(out, a.Login)
	}
	return strings.Join(out, ",")
}

func TestApproverRuleTakesTheLowestRoleAndEveryTeam(t *testing.T) {
	env := &policy.Environment{Name: "production", Approvals: policy.Approvals{Required: 1,
		From: []string{"admin", "@acme/sre", "maintain", "@acme/leads"}}}
	rules := approverRule(&policy.Policy{}, env)
	if len(rules) != 1 || rules[0].Role != "maintain" || strings.Join(rules[0].Teams, ",") != "@acme/sre,@acme/leads" {
		t.Errorf("rule %+v", rules)
	}
}

// The status comment shows user text only in code spans, and no mention.
func TestRenderOperationIsInert(t *testing.T) {
	op := Operation{ID: 7, Kind: KindDeploy, Environment: "production", Ref: "@acme/everyone", SHA: strings.Repeat("a", 40),
		Requester: "alice", State: OpAwaitingConfirmation, ConfirmBy: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Params: map[string]string{paramReason: "<!channel> @here [x](http://evil)"}}
	out := renderOperation(opView{prefix: "/", op: op})
	for _, want := range []string{"`@acme/everyone`", "`" + op.SHA + "`", "`/confirm`", "10:00 UTC", "`<!channel> @here [x](http://evil)`"} {
		if !strings.Contains(out, want) {
			t.Errorf("status comment lacks %q:\n%s", want, out)
		}
	}
}

func TestCorrelationPattern(t *testing.T) {
	for title, want := range map[string]string{
		"deploy abc (issueops-42)": "42",
		"issueops-7":               "7",
		"issueops-42x":             "",
		"xissueops-42":             "",
		"issueops-":                "",
	} {
		got := ""
		if m := correlationPattern.FindStringSubmatch(title); m != nil {
			got = m[1]
		}
		if got != want {
			t.Errorf("%q: %q, want %q", title, got, want)
		}
	}
}

// FuzzCorrelation: a run title yields at most an operation id of digits
// that stands as a word after "issueops-".
func FuzzCorrelation(f *testing.F) {
	for _, s := range []string{"deploy (issueops-42)", "issueops-1 issueops-2", "issueops-99999999999999999999", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, title string) {
		m := correlationPattern.FindStringSubmatch(title)
		if m == nil {
			return
		}
		if len(m[1]) == 0 || len(m[1]) > 18 || strings.Trim(m[1], "0123456789") != "" || !strings.Contains(title, "issueops-"+m[1]) {
			t.Fatalf("%q gave id %q", title, m[1])
		}
	})
}

// FuzzTableCell: a table cell of any text stays one cell on one line.
func FuzzTableCell(f *testing.F) {
	for _, s := range []string{"a|b", "`|`", "\\|", "x\ny", "||", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := cell(s)
		if strings.ContainsAny(c, "\n\r") {
			t.Fatalf("cell(%q) = %q spans lines", s, c)
		}
		for i := 0; i < len(c); i++ {
			if c[i] == '|' && (i == 0 || c[i-1] != '\\') {
				t.Fatalf("cell(%q) = %q has an unescaped pipe", s, c)
			}
		}
	})
}

// Whoever requested or changed an operation does not approve it: its
// requester, the editors of its issue, the requester of the failed
// operation it retries.
func TestAuthored(t *testing.T) {
	op := Operation{Requester: "alice", Params: map[string]string{}}
	addAuthor(&op, "Bob")
	addAuthor(&op, "alice") // already the requester
	addAuthor(&op, "bob")   // already an author
	addAuthor(&op, "carol")
	if got := op.Params[paramAuthors]; got != "Bob,carol" {
		t.Errorf("authors %q", got)
	}
	for login, want := range map[string]bool{"ALICE": true, "bob": true, "carol": true, "dave": false, "": false} {
		if authored(op, login) != want {
			t.Errorf("authored(%q) = %v", login, !want)
		}
	}
}
