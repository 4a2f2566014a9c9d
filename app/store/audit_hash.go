package store

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
)

// auditFormat names the canonical encoding below. Changing the encoding in
// any way breaks every stored chain: a new encoding needs a new name, and
// the verifier must keep the old one for the entries written with it.
const auditFormat = "issueops-audit-v1"

// canonicalAudit is the encoding of every field of e but Hash that the
// chain hashes, in a fixed order. It is unambiguous for any bytes: after
// the format line, each field is written as
//
//	name=<byte length in decimal>:<value>\n
//
// integers in decimal, At as UTC unix nanoseconds (0 for the zero time),
// Repo as its full name ("" for the zero Repo), and Params as a count
// followed by each key and value, sorted by key. Nil and empty Params
// encode alike (the store reads both back the same).
func canonicalAudit(e app.AuditEntry) string {
	var b strings.Builder
	b.WriteString(auditFormat + "\n")
	field := func(name, value string) {
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(len(value)))
		b.WriteByte(':')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	num := func(name string, n int64) { field(name, strconv.FormatInt(n, 10)) }
	num("seq", e.Seq)
	num("at", unixNanos(e.At))
	num("repo_id", e.RepoID)
	field("repo", repoName(e.Repo))
	num("issue", int64(e.Issue))
	num("op_id", e.OperationID)
	field("kind", e.Kind)
	field("environment", e.Environment)
	field("action", e.Action)
	field("state", string(e.State))
	field("actor", e.Actor)
	field("delivery_id", e.DeliveryID)
	field("ref", e.Ref)
	field("sha", e.SHA)
	num("params", int64(len(e.Params)))
	for _, k := range slices.Sorted(maps.Keys(e.Params)) {
		field("key", k)
		field("value", e.Params[k])
	}
	field("detail", e.Detail)
	return b.String()
}

// chainHash is an entry's Hash: hex SHA-256 of the previous entry's Hash
// ("" before the first entry), a newline, and the entry's canonical
// encoding. Each hash so vouches for every entry before it.
func chainHash(prev string, e app.AuditEntry) string {
	sum := sha256.Sum256([]byte(prev + "\n" + canonicalAudit(e)))
	return hex.EncodeToString(sum[:])
}

func unixNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// repoName is r's full name as stored, "" for the zero Repo.
func repoName(r app.Repo) string {
	if r == (app.Repo{}) {
		return ""
	}
	return r.String()
}

// cleanText makes s valid UTF-8 without NUL bytes, which PostgreSQL's TEXT
// refuses: an entry reads back, and hashes, the same in both databases,
// and user text in it can never make the write, and the change with it,
// fail.
func cleanText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\uFFFD"), "\uFFFD")
}

// cleanEntry applies cleanText to every text field of e.
func cleanEntry(e app.AuditEntry) app.AuditEntry {
	e.Repo = app.Repo{Owner: cleanText(e.Repo.Owner), Name: cleanText(e.Repo.Name)}
	for _, p := range []*string{&e.Kind, &e.Environment, &e.Action, &e.Actor, &e.DeliveryID, &e.Ref, &e.SHA, &e.Detail} {
		*p = cleanText(*p)
	}
	e.State = app.OpState(cleanText(string(e.State)))
	if len(e.Params) > 0 {
		params := make(map[string]string, len(e.Params))
		for _, k := range slices.Sorted(maps.Keys(e.Params)) { // sorted: two keys cleaned alike keep the same one
			params[cleanText(k)] = cleanText(e.Params[k])
		}
		e.Params = params
	}
	return e
}
