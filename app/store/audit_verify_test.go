package store

import (
	"context"
	"strings"
	"testing"

	"github.com/issueops/issueops/app"
)

// allowTampering drops the append-only triggers, as someone who can write
// the database could.
func allowTampering(t *testing.T, st *Store) {
	t.Helper()
	if st.Kind() == "postgres" {
		exec(t, st, `DROP TRIGGER audit_log_append_only ON audit_log`)
		return
	}
	exec(t, st, `DROP TRIGGER audit_log_no_update`)
	exec(t, st, `DROP TRIGGER audit_log_no_delete`)
}

// Each way of tampering by SQL is reported at the first entry it touched.
func TestVerifyAuditFindsTampering(t *testing.T) {
	const entries = 6
	cases := []struct {
		name     string
		tamper   []string
		firstBad int64
		problem  string
	}{
		{"intact", nil, 0, ""},
		{"a changed field", []string{`UPDATE audit_log SET actor = 'mallory' WHERE seq = 3`}, 3, "do not match its hash"},
		{"changed params", []string{`UPDATE audit_log SET params = '{"reason":"ship it","x":"y"}' WHERE seq = 4`}, 4, "do not match its hash"},
		{"params that are not JSON", []string{`UPDATE audit_log SET params = 'nope' WHERE seq = 2`}, 2, "not a JSON object"},
		{"a changed time", []string{`UPDATE audit_log SET at = at + 1 WHERE seq = 5`}, 5, "do not match its hash"},
		{"a changed hash", []string{`UPDATE audit_log SET hash = 'ab' WHERE seq = 2`}, 2, "do not match its hash"},
		{"a removed middle entry", []string{`DELETE FROM audit_log WHERE seq = 3`}, 3, "missing (the next one is 4)"},
		{"the first entry removed", []string{`DELETE FROM audit_log WHERE seq = 1`}, 1, "missing"},
		{"the last entry removed", []string{`DELETE FROM audit_log WHERE seq = 6`}, 6, "the head records 6 entries"},
		{"the last entries removed, head rewound", []string{`DELETE FROM audit_log WHERE seq >= 5`,
			`UPDATE audit_head SET seq = 5`}, 5, "the head records 5 entries"},
		{"two entries swapped", []string{`UPDATE audit_log SET seq = -2 WHERE seq = 2`, `UPDATE audit_log SET seq = 2 WHERE seq = 4`,
			`UPDATE audit_log SET seq = 4 WHERE seq = -2`}, 2, "reordered"},
		{"a changed head", []string{`UPDATE audit_head SET hash = 'ab'`}, 6, "head does not match"},
		{"a head behind the log", []string{`UPDATE audit_head SET seq = 5, hash = (SELECT hash FROM audit_log WHERE seq = 5)`},
			6, "beyond the chain's head"},
		{"the head removed", []string{`DELETE FROM audit_head`}, 6, "head row (audit_head) is missing"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachStore(t, func(t *testing.T, url string) {
				st := openTest(t, url, nil)
				writeEntries(t, st, entries)
				allowTampering(t, st)
				for _, q := range c.tamper {
					exec(t, st, q)
				}
				got := mustVerify(t, st)
				if got.FirstBad != c.firstBad || !strings.Contains(got.Problem, c.problem) {
					t.Fatalf("verify = %+v, want entry %d reported with %q", got, c.firstBad, c.problem)
				}
				if wantIntact := max(c.firstBad-1, 0); c.firstBad == 0 && got.Entries != entries ||
					c.firstBad != 0 && got.Entries > wantIntact {
					t.Errorf("verify counted %d entries intact", got.Entries)
				}
			})
		})
	}
}

// More entries than one page: the pages chain into one another, and a
// change in a later page is found.
func TestVerifyAuditAcrossPages(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		defer func(was int) { verifyPage = was }(verifyPage)
		verifyPage = 5
		st := openTest(t, url, nil)
		n := verifyPage*2 + 3
		writeEntries(t, st, n)
		if got := mustVerify(t, st); got != (AuditCheck{Entries: int64(n)}) {
			t.Fatalf("verify = %+v, want %d intact", got, n)
		}
		allowTampering(t, st)
		exec(t, st, `UPDATE audit_log SET detail = 'edited' WHERE seq = ?`, verifyPage+3)
		if got := mustVerify(t, st); got.FirstBad != int64(verifyPage+3) || got.Entries != int64(verifyPage+2) {
			t.Fatalf("verify = %+v, want entry %d reported", got, verifyPage+3)
		}
	})
}

func TestVerifyAuditOfAnEmptyLog(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		if got := mustVerify(t, st); got != (AuditCheck{}) || !got.Intact() {
			t.Fatalf("verify = %+v, want intact and empty", got)
		}
	})
}

// writeEntries appends n entries, of operations and not.
func writeEntries(t *testing.T, st *Store, n int) {
	t.Helper()
	ctx := app.WithActor(context.Background(), "alice", "d-1")
	for i := range n {
		var err error
		if i%3 == 0 {
			_, err = st.CreateOperation(ctx, newOp(i+1, "staging", "alice"))
		} else {
			err = st.AppendAudit(ctx, app.AuditEntry{RepoID: opRepoID, Repo: opRepo, Issue: i + 1, Action: app.AuditRefusal,
				Detail: "refused", Params: map[string]string{"n": string(rune('a' + i%26))}})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A row inserted below the chain (seq 0 or less) is shown by the export,
// so verify must not call the log intact.
func TestVerifyFindsAnEntryBelowTheChain(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		if err := st.AppendAudit(context.Background(), app.AuditEntry{RepoID: opRepoID, Repo: opRepo, Action: app.AuditRefusal, Detail: "x"}); err != nil {
			t.Fatal(err)
		}
		exec(t, st, `INSERT INTO audit_log (seq, at, repo_id, repo, issue, op_id, kind, environment, action, state, actor,
			delivery_id, ref, sha, params, detail, hash) VALUES (0, 1, 1, 'acme/widgets', 1, 0, '', 'prod', 'approval', '', 'ceo', '', '', '', '{}', 'forged', 'x')`)
		if c := mustVerify(t, st); c.Intact() || c.FirstBad != 1 || !strings.Contains(c.Problem, "below 1") {
			t.Fatalf("verify = %+v", c)
		}
	})
}
