package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/store"
)

// auditDB writes a small audit log into a new SQLite database and returns
// its URL and path: an operation on acme/widgets (created, queued,
// started), a lock on acme/gadgets, and a refusal whose text is a formula.
func auditDB(t *testing.T) (url, path string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "audit.db")
	url = "sqlite://" + path
	ctx := app.WithActor(context.Background(), "alice", "d-1")
	st, err := openStore(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	widgets, gadgets := app.Repo{Owner: "acme", Name: "widgets"}, app.Repo{Owner: "acme", Name: "gadgets"}
	op, err := st.CreateOperation(ctx, app.Operation{Issue: app.IssueKey{RepoID: 1, Repo: widgets, Number: 7},
		Kind: app.KindDeploy, Environment: "staging", Ref: "v1.4.0", SHA: "0123456789abcdef0123456789abcdef01234567",
		Requester: "alice", Params: map[string]string{"reason": "-1 bug"}, State: app.OpAwaitingConfirmation,
		Slots: []string{"env:staging"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Enqueue(ctx, op, op.State); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.TakeLock(ctx, app.Lock{RepoID: 2, Repo: gadgets, Environment: "production", Owner: "alice",
		Reason: "freeze"}); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendAudit(ctx, app.AuditEntry{RepoID: 2, Repo: gadgets, Issue: 3, Environment: "production",
		Action: app.AuditRefusal, Detail: `=HYPERLINK("https://evil.example","click")`}); err != nil {
		t.Fatal(err)
	}
	return url, path
}

// jsonLines decodes audit's JSON output, one object per line.
func jsonLines(t *testing.T, out string) []auditRecord {
	t.Helper()
	var list []auditRecord
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var r auditRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("not one JSON object per line: %v\n%s", err, out)
		}
		list = append(list, r)
	}
	return list
}

func TestAuditCommandJSON(t *testing.T) {
	url, _ := auditDB(t)
	code, stdout, stderr := runCLI(t, "audit", "--database-url", url)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	list := jsonLines(t, stdout)
	var got []string
	for i, r := range list {
		if r.Seq != int64(i+1) || len(r.Hash) != 64 {
			t.Errorf("entry %d: seq %d, hash %q", i+1, r.Seq, r.Hash)
		}
		got = append(got, r.Repo+" "+r.Action+" "+r.State+" "+r.Environment+" "+r.Actor)
	}
	want := []string{"acme/widgets operation awaiting_confirmation staging alice", "acme/widgets operation queued staging alice",
		"acme/widgets operation running staging ", "acme/gadgets lock  production alice",
		"acme/gadgets refusal  production alice"}
	if !slices.Equal(got, want) {
		t.Fatalf("entries\n%q\nwant\n%q", got, want)
	}
	first := list[0]
	if at, err := time.Parse(time.RFC3339Nano, first.At); err != nil || time.Since(at) > time.Minute ||
		first.Issue != 7 || first.Params["reason"] != "-1 bug" || first.DeliveryID != "d-1" || first.OperationID == 0 {
		t.Errorf("first entry %+v", first)
	}
	if list[3].Params == nil || len(list[3].Params) != 0 {
		t.Errorf("an entry without params prints %v, want {}", list[3].Params)
	}
}

func TestAuditCommandFilters(t *testing.T) {
	url, _ := auditDB(t)
	tomorrow := time.Now().UTC().Add(24 * time.Hour).Format(time.DateOnly)
	for _, c := range []struct {
		args []string
		want []int64
	}{
		{[]string{"--repo", "acme/gadgets"}, []int64{4, 5}},
		{[]string{"--repo", "ACME/Widgets", "--env", "staging"}, []int64{1, 2, 3}},
		{[]string{"--env", "production"}, []int64{4, 5}},
		{[]string{"--since", "1h"}, []int64{1, 2, 3, 4, 5}},
		{[]string{"--since", tomorrow}, nil},
		{[]string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, nil},
		{[]string{"--since", "2020-01-01T00:00:00Z", "--repo", "acme/none"}, nil},
	} {
		code, stdout, stderr := runCLI(t, append([]string{"audit", "--database-url", url}, c.args...)...)
		if code != 0 {
			t.Fatalf("%q: exit %d: %s", c.args, code, stderr)
		}
		var got []int64
		for _, r := range jsonLines(t, stdout) {
			got = append(got, r.Seq)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: entries %v, want %v", c.args, got, c.want)
		}
	}
}

func TestAuditCommandCSV(t *testing.T) {
	url, _ := auditDB(t)
	code, stdout, stderr := runCLI(t, "audit", "--database-url", url, "--format", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, stdout)
	}
	if len(rows) != 6 || !slices.Equal(rows[0], auditColumns) {
		t.Fatalf("%d rows, header %q", len(rows), rows[0])
	}
	col := func(name string) int { return slices.Index(auditColumns, name) }
	if got := rows[5][col("detail")]; got != `'=HYPERLINK("https://evil.example","click")` {
		t.Errorf("a formula in a cell: %q, want it prefixed with '", got)
	}
	if got := rows[1][col("params")]; got != `{"reason":"-1 bug"}` {
		t.Errorf("params cell %q", got)
	}
	if got := rows[3][col("actor")]; got != "" || rows[3][col("state")] != "running" {
		t.Errorf("the start's row %q", rows[3])
	}
	// No entry: the header alone.
	code, stdout, _ = runCLI(t, "audit", "--database-url", url, "--format", "csv", "--repo", "acme/none")
	if code != 0 || stdout != strings.Join(auditColumns, ",")+"\n" {
		t.Errorf("exit %d, output %q; want the header row", code, stdout)
	}
}

func TestAuditVerifyCommand(t *testing.T) {
	url, path := auditDB(t)
	code, stdout, stderr := runCLI(t, "audit", "verify", "--database-url", url)
	if code != 0 || stdout != "audit log intact: 5 entries\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	// Through the environment variable, as serve reads it.
	var out, errOut bytes.Buffer
	getenv := func(k string) string {
		if k == "ISSUEOPS_DATABASE_URL" {
			return url
		}
		return ""
	}
	code = run(context.Background(), []string{"audit", "verify"}, getenv, &out, &errOut)
	if code != 1 || !strings.HasPrefix(out.String(), "audit log broken at entry 2: ") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and entry 2", code, out.String(), errOut.String())
	}
}

func TestAuditCommandErrors(t *testing.T) {
	url, _ := auditDB(t)
	missing := "sqlite://" + filepath.Join(t.TempDir(), "none.db")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"audit", "--database-url", url, "--since", "yesterday"}, 2, "want an RFC 3339 time"},
		{[]string{"audit", "--database-url", url, "--since", "-2h"}, 2, "cannot be negative"},
		{[]string{"audit", "--database-url", url, "--format", "xml"}, 2, "want json or csv"},
		{[]string{"audit", "--database-url", url, "--repo", "widgets"}, 2, "want owner/name"},
		{[]string{"audit", "--database-url", url, "extra"}, 2, "unexpected argument"},
		{[]string{"audit", "verify", "--database-url", url, "extra"}, 2, "unexpected argument"},
		{[]string{"audit", "--database-url", missing}, 1, "no database at"},
		{[]string{"audit", "verify", "--database-url", missing}, 1, "no database at"},
		{[]string{"audit", "--database-url", "mysql://x"}, 2, "sqlite:// or postgres://"},
		{[]string{"audit", "--help"}, 0, "one JSON object per line"},
		{[]string{"audit", "verify", "--help"}, 0, "audit log intact: N entries"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.want)
		}
	}
	if code, stdout, _ := runCLI(t, "help"); code != 0 || !strings.Contains(stdout, "\n  audit ") {
		t.Errorf("the usage does not list audit:\n%s", stdout)
	}
}

func TestParseSince(t *testing.T) {
	now := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"2024-05-01T12:00:00Z", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC), false},
		{"2024-05-01T12:00:00.5+02:00", time.Date(2024, 5, 1, 10, 0, 0, 5e8, time.UTC), false},
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), false},
		{"24h", now.Add(-24 * time.Hour), false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"0s", now, false},
		{"-1h", time.Time{}, true},
		{"7d", time.Time{}, true},
		{"1600-01-01", time.Time{}, true},
		{"2300-01-01T00:00:00Z", time.Time{}, true},
		{"2024-13-01", time.Time{}, true},
		{"2024-05-01 12:00", time.Time{}, true},
		{"", time.Time{}, true},
	} {
		got, err := parseSince(c.in, now)
		if (err != nil) != c.err || !got.Equal(c.want) {
			t.Errorf("parseSince(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.err)
		}
	}
}

// FuzzParseSince: never panics; a time it reads reads back the same in
// RFC 3339; a date is midnight UTC; a duration is never after now.
func FuzzParseSince(f *testing.F) {
	for _, s := range []string{"2024-05-01T12:00:00Z", "2024-05-01", "24h", "1h30m", "-1s", "9999999999h", "2024-02-30", "T"} {
		f.Add(s)
	}
	now := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseSince(s, now)
		if err != nil {
			if !strings.Contains(err.Error(), "--since") {
				t.Fatalf("error %q does not name --since", err)
			}
			return
		}
		again, err := parseSince(got.Format(time.RFC3339Nano), now)
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q read as %v, whose RFC 3339 form reads as %v, %v", s, got, again, err)
		}
		if _, derr := time.ParseDuration(s); derr == nil && got.After(now) {
			t.Fatalf("duration %q reads as %v, after now", s, got)
		}
		if len(s) == len(time.DateOnly) && (got.Location() != time.UTC || got.Hour()+got.Minute()+got.Second() != 0) {
			t.Fatalf("date %q reads as %v, not midnight UTC", s, got)
		}
	})
}

func TestCSVCell(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"=1+1", "'=1+1"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\t=1", "'\t=1"}, {"\r=1", "'\r=1"},
		{"a=1", "a=1"}, {"", ""}, {"'=1", "'=1"}, {" =1", " =1"}, {"deploy", "deploy"},
	} {
		if got := csvCell(c.in); got != c.want {
			t.Errorf("csvCell(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// FuzzCSVCell: no escaped cell starts like a formula, the escape only ever
// adds one leading ', and the cell survives encoding/csv unchanged.
func FuzzCSVCell(f *testing.F) {
	for _, s := range []string{"=1+1", "-", "@", "\t", "\r\n", "a,b", `"q"`, "'", "", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := csvCell(s)
		if got != "" && strings.IndexByte(formulaStarts, got[0]) >= 0 {
			t.Fatalf("csvCell(%q) = %q starts like a formula", s, got)
		}
		if got != s && got != "'"+s {
			t.Fatalf("csvCell(%q) = %q changed more than a leading '", s, got)
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write([]string{got, "x"}); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		rows, err := csv.NewReader(&buf).ReadAll()
		// encoding/csv reads a quoted \r\n back as \n: that is its own rule.
		want := strings.ReplaceAll(got, "\r\n", "\n")
		if err != nil || len(rows) != 1 || rows[0][0] != want {
			t.Fatalf("cell %q read back as %q, %v", got, rows, err)
		}
	})
}

// audit never migrates what it reads: a database without issueops' tables
// is an error, and stays without them.
func TestAuditDoesNotMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE unrelated (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"audit"}, {"audit", "verify"}} {
		code, stdout, stderr := runCLI(t, append(args, "--database-url", "sqlite://"+path)...)
		if code != 1 || stdout != "" || !strings.Contains(stderr, "no audit log") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d tables after audit (%v), want the one it had", n, err)
	}
}
