package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/store"
)

const auditHelp = `Usage: issueops audit [--repo OWNER/NAME] [--env ENV] [--since WHEN] [--format json|csv] [flags]
       issueops audit verify [flags]

Writes the audit log to standard output, oldest entry first: every operation
created or moved to another state, each step of a run, every approval, lock,
unlock and refusal, with who caused it (a GitHub login; empty for issueops
itself) and the webhook delivery that did.

--format json (the default) writes one JSON object per line (JSON Lines).
--format csv writes a header row, then one row per entry; a cell that starts
with =, +, -, @, a tab or a carriage return is prefixed with ' so that a
spreadsheet shows it as text instead of running it as a formula.

--since takes an RFC 3339 time (2024-05-01T12:00:00Z), a date (2024-05-01,
from midnight UTC) or a duration back from now (24h, 90m; 168h is a week).

"issueops audit verify" recomputes the hash chain of the whole log and prints
"audit log intact: N entries" (exit 0) or "audit log broken at entry SEQ:
PROBLEM" (exit 1). It finds an entry changed, removed or reordered, and the
chain's head changed or removed. It cannot find a log rewritten from an entry
on, hashes and head included, by someone who can write the database: keep the
newest hash elsewhere too (it is the last entry's "hash") to prove that.
`

// auditPage is how many entries audit reads at a time: the log is
// streamed, however long it is.
const auditPage = 1000

func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "verify" {
		return runAuditVerify(ctx, args[1:], getenv, stdout, stderr)
	}
	fset := newFlagSet("audit", auditHelp, stderr)
	e := newEnvFlags(fset, getenv)
	var databaseURL, since, format string
	var f app.AuditFilter
	databaseFlag(e, &databaseURL)
	fset.StringVar(&f.Repo, "repo", "", "only the entries of this repository (owner/name)")
	fset.StringVar(&f.Environment, "env", "", "only the entries of this environment")
	fset.StringVar(&since, "since", "", "only the entries from then on: RFC 3339 time, YYYY-MM-DD (UTC) or a duration back from now (24h)")
	fset.StringVar(&format, "format", "json", "json (one object per line) or csv")
	if err := e.parse(args); err != nil {
		return err
	}
	if f.Repo != "" && strings.Count(f.Repo, "/") != 1 {
		return usagef("--repo %q: want owner/name", f.Repo)
	}
	if since != "" {
		t, err := parseSince(since, time.Now())
		if err != nil {
			return usageError{err}
		}
		f.Since = t
	}
	w, err := newAuditWriter(format, stdout)
	if err != nil {
		return err
	}
	st, err := openAuditStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	f.Limit = auditPage
	for {
		list, err := st.AuditEntries(ctx, f)
		if err != nil {
			return err
		}
		for _, entry := range list {
			if err := w.write(entry); err != nil {
				return err
			}
		}
		if len(list) < auditPage {
			return w.flush()
		}
		f.AfterSeq = list[len(list)-1].Seq
	}
}

func runAuditVerify(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fset := newFlagSet("audit verify", auditHelp, stderr)
	e := newEnvFlags(fset, getenv)
	var databaseURL string
	databaseFlag(e, &databaseURL)
	if err := e.parse(args); err != nil {
		return err
	}
	st, err := openAuditStore(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := st.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if !c.Intact() {
		fmt.Fprintf(stdout, "audit log broken at entry %d: %s\n", c.FirstBad, c.Problem)
		return errCheckFailed
	}
	noun := "entries"
	if c.Entries == 1 {
		noun = "entry"
	}
	fmt.Fprintf(stdout, "audit log intact: %d %s\n", c.Entries, noun)
	return nil
}

// openAuditStore opens the database to read its audit log, without
// migrating it: an auditor's read-only credentials suffice, a live older
// deployment is not upgraded behind its back, and a database that is not
// issueops' (a mistyped URL, a missing SQLite file) is an error, not a new
// empty log whose "intact: 0 entries" would be a false comfort.
func openAuditStore(ctx context.Context, databaseURL string) (*store.Store, error) {
	if path, ok := strings.CutPrefix(databaseURL, "sqlite://"); ok {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no database at %s (set --database-url or ISSUEOPS_DATABASE_URL)", path)
		}
	}
	st, err := store.Open(ctx, databaseURL, store.Options{})
	if err != nil {
		return nil, usageError{err}
	}
	if _, err := st.AuditEntries(ctx, app.AuditFilter{Limit: 1}); err != nil {
		st.Close()
		return nil, fmt.Errorf("this database has no audit log to read (is it issueops', and migrated?): %w", err)
	}
	return st, nil
}

// parseSince reads --since: an RFC 3339 time, a date (midnight UTC) or a
// duration back from now.
func parseSince(s string, now time.Time) (time.Time, error) {
	t, err := parseSinceTime(s, now)
	if err == nil && (t.Year() < 1678 || t.Year() > 2261) {
		// Entries are kept in nanoseconds since 1970, which hold 1678–2262 only.
		return time.Time{}, fmt.Errorf("--since %q: a time between the years 1678 and 2261", s)
	}
	return t, err
}

func parseSinceTime(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("--since %q: a duration back from now cannot be negative", s)
		}
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want an RFC 3339 time (2024-05-01T12:00:00Z), a date (2024-05-01) "+
		"or a duration back from now (24h)", s)
}

// auditWriter writes entries in one format.
type auditWriter struct {
	write func(app.AuditEntry) error
	flush func() error
}

func newAuditWriter(format string, w io.Writer) (auditWriter, error) {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return auditWriter{
			write: func(e app.AuditEntry) error { return enc.Encode(recordOf(e)) },
			flush: func() error { return nil },
		}, nil
	case "csv":
		cw := csv.NewWriter(w)
		header := true
		return auditWriter{
			write: func(e app.AuditEntry) error {
				if header {
					header = false
					if err := cw.Write(auditColumns); err != nil {
						return err
					}
				}
				return cw.Write(csvRow(recordOf(e)))
			},
			flush: func() error {
				if header { // no entry: the header alone
					if err := cw.Write(auditColumns); err != nil {
						return err
					}
				}
				cw.Flush()
				return cw.Error()
			},
		}, nil
	}
	return auditWriter{}, usagef("--format %q: want json or csv", format)
}

// auditRecord is an entry as audit prints it; auditColumns names its
// fields, in order, for CSV.
type auditRecord struct {
	Seq         int64             `json:"seq"`
	At          string            `json:"at"`
	RepoID      int64             `json:"repo_id"`
	Repo        string            `json:"repo"`
	Issue       int               `json:"issue"`
	OperationID int64             `json:"operation_id"`
	Kind        string            `json:"kind"`
	Environment string            `json:"environment"`
	Action      string            `json:"action"`
	State       string            `json:"state"`
	Actor       string            `json:"actor"`
	DeliveryID  string            `json:"delivery_id"`
	Ref         string            `json:"ref"`
	SHA         string            `json:"sha"`
	Params      map[string]string `json:"params"`
	Detail      string            `json:"detail"`
	Hash        string            `json:"hash"`
}

var auditColumns = []string{"seq", "at", "repo_id", "repo", "issue", "operation_id", "kind", "environment", "action",
	"state", "actor", "delivery_id", "ref", "sha", "params", "detail", "hash"}

func recordOf(e app.AuditEntry) auditRecord {
	params := e.Params
	if params == nil {
		params = map[string]string{}
	}
	repo := ""
	if e.Repo != (app.Repo{}) {
		repo = e.Repo.String()
	}
	return auditRecord{Seq: e.Seq, At: e.At.UTC().Format(time.RFC3339Nano), RepoID: e.RepoID, Repo: repo,
		Issue: e.Issue, OperationID: e.OperationID, Kind: e.Kind, Environment: e.Environment, Action: e.Action,
		State: string(e.State), Actor: e.Actor, DeliveryID: e.DeliveryID, Ref: e.Ref, SHA: e.SHA, Params: params,
		Detail: e.Detail, Hash: e.Hash}
}

// csvRow is r's cells in auditColumns' order, each through csvCell; params
// is its JSON object, keys sorted.
func csvRow(r auditRecord) []string {
	params, _ := json.Marshal(r.Params) // a map of strings always encodes
	i64 := func(n int64) string { return strconv.FormatInt(n, 10) }
	row := []string{i64(r.Seq), r.At, i64(r.RepoID), r.Repo, strconv.Itoa(r.Issue), i64(r.OperationID), r.Kind,
		r.Environment, r.Action, r.State, r.Actor, r.DeliveryID, r.Ref, r.SHA, string(params), r.Detail, r.Hash}
	for i, cell := range row {
		row[i] = csvCell(cell)
	}
	return row
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (or, for tab and CR, hide one behind them): OWASP's
// list against CSV injection.
const formulaStarts = "=+-@\t\r"

// csvCell escapes one CSV cell against formula injection: the audit log
// holds user text (refusal reasons, refs, parameters), and an auditor
// opening the export in a spreadsheet must not run it. A cell that starts
// with one of formulaStarts gets a leading ', which spreadsheets show as
// text; encoding/csv does the quoting.
func csvCell(s string) string {
	if s != "" && strings.IndexByte(formulaStarts, s[0]) >= 0 {
		return "'" + s
	}
	return s
}
