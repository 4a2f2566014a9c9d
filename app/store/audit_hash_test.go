package store

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

func pinnedEntry() app.AuditEntry {
	return app.AuditEntry{Seq: 42, At: time.Date(2024, 5, 1, 12, 30, 0, 123456789, time.UTC), RepoID: 1296269,
		Repo: app.Repo{Owner: "acme", Name: "widgets"}, Issue: 7, OperationID: 9, Kind: app.KindDeploy,
		Environment: "production", Action: app.AuditOperation, State: app.OpRunning, Actor: "alice",
		DeliveryID: "d-1", Ref: "v1.4.0", SHA: "0123456789abcdef0123456789abcdef01234567",
		Params: map[string]string{"reason": "ship it", "a": "x=1:\n"}, Detail: "step 2: dispatched"}
}

// The encoding and the hash are pinned: a change to either breaks every
// stored chain, so it must be deliberate (a new auditFormat), never a side
// effect of a refactoring.
func TestCanonicalAuditIsPinned(t *testing.T) {
	want := "issueops-audit-v1\n" +
		"seq=2:42\n" +
		"at=19:1714566600123456789\n" +
		"repo_id=7:1296269\n" +
		"repo=12:acme/widgets\n" +
		"issue=1:7\n" +
		"op_id=1:9\n" +
		"kind=6:deploy\n" +
		"environment=10:production\n" +
		"action=9:operation\n" +
		"state=7:running\n" +
		"actor=5:alice\n" +
		"delivery_id=3:d-1\n" +
		"ref=6:v1.4.0\n" +
		"sha=40:0123456789abcdef0123456789abcdef01234567\n" +
		"params=1:2\n" +
		"key=1:a\n" +
		"value=5:x=1:\n\n" +
		"key=6:reason\n" +
		"value=7:ship it\n" +
		"detail=18:step 2: dispatched\n"
	if got := canonicalAudit(pinnedEntry()); got != want {
		t.Fatalf("canonical encoding changed:\n%q\nwant\n%q", got, want)
	}
	// sha256("ab12\n" + want), computed apart from this package (Python hashlib).
	const wantHash = "770d1c095214c57fdd840af5760489b8ed3c98c57494131b27a76638a06159f1"
	if got := chainHash("ab12", pinnedEntry()); got != wantHash {
		t.Fatalf("chain hash changed: %s, want %s", got, wantHash)
	}
}

// Every field is in the hash, and nil and empty Params hash alike.
func TestChainHashCoversEveryField(t *testing.T) {
	base := pinnedEntry()
	h := chainHash("", base)
	if chainHash("x", base) == h {
		t.Error("the previous hash is not in the hash")
	}
	v := reflect.ValueOf(&base).Elem()
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		if name == "Hash" {
			continue
		}
		changed := pinnedEntry()
		f := reflect.ValueOf(&changed).Elem().Field(i)
		switch f.Kind() {
		case reflect.Int, reflect.Int64:
			f.SetInt(f.Int() + 1)
		case reflect.String:
			f.SetString(f.String() + "x")
		case reflect.Map:
			changed.Params = map[string]string{"reason": "ship it", "a": "x=1:\n", "b": ""}
		case reflect.Struct:
			switch name {
			case "At":
				changed.At = changed.At.Add(time.Nanosecond)
			case "Repo":
				changed.Repo.Name += "x"
			}
		}
		if chainHash("", changed) == h {
			t.Errorf("a change of %s leaves the hash as it was", name)
		}
	}
	empty, none := base, base
	empty.Params, none.Params = map[string]string{}, nil
	if chainHash("", empty) != chainHash("", none) {
		t.Error("nil and empty params hash differently")
	}
}

// parseCanonical reads canonicalAudit's encoding back: that it can, for
// any entry, is what makes the encoding unambiguous.
func parseCanonical(s string) (app.AuditEntry, error) {
	var e app.AuditEntry
	rest, ok := strings.CutPrefix(s, auditFormat+"\n")
	if !ok {
		return e, errors.New("no format line")
	}
	next := func(name string) (string, error) {
		prefix := name + "="
		if !strings.HasPrefix(rest, prefix) {
			return "", errors.New("want field " + name)
		}
		rest = rest[len(prefix):]
		lenText, after, ok := strings.Cut(rest, ":")
		n, err := strconv.Atoi(lenText)
		if !ok || err != nil || n < 0 || n+1 > len(after) || after[n] != '\n' {
			return "", errors.New("bad length of " + name)
		}
		rest = after[n+1:]
		return after[:n], nil
	}
	num := func(name string) (int64, error) {
		v, err := next(name)
		if err != nil {
			return 0, err
		}
		return strconv.ParseInt(v, 10, 64)
	}
	var err error
	var at, issue, params int64
	var repo, state string
	steps := []func() error{
		func() error { e.Seq, err = num("seq"); return err },
		func() error { at, err = num("at"); return err },
		func() error { e.RepoID, err = num("repo_id"); return err },
		func() error { repo, err = next("repo"); return err },
		func() error { issue, err = num("issue"); return err },
		func() error { e.OperationID, err = num("op_id"); return err },
		func() error { e.Kind, err = next("kind"); return err },
		func() error { e.Environment, err = next("environment"); return err },
		func() error { e.Action, err = next("action"); return err },
		func() error { state, err = next("state"); return err },
		func() error { e.Actor, err = next("actor"); return err },
		func() error { e.DeliveryID, err = next("delivery_id"); return err },
		func() error { e.Ref, err = next("ref"); return err },
		func() error { e.SHA, err = next("sha"); return err },
		func() error { params, err = num("params"); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return e, err
		}
	}
	for range params {
		k, err := next("key")
		if err != nil {
			return e, err
		}
		v, err := next("value")
		if err != nil {
			return e, err
		}
		if e.Params == nil {
			e.Params = map[string]string{}
		}
		e.Params[k] = v
	}
	if e.Detail, err = next("detail"); err != nil {
		return e, err
	}
	if rest != "" {
		return e, errors.New("trailing bytes")
	}
	if at != 0 {
		e.At = time.Unix(0, at).UTC()
	}
	if repo != "" {
		e.Repo = parseRepo(repo)
	}
	e.Issue, e.State = int(issue), app.OpState(state)
	return e, nil
}

// FuzzCanonicalAudit: any entry's encoding reads back as the same entry,
// so no two entries share an encoding, and so a hash.
func FuzzCanonicalAudit(f *testing.F) {
	p := pinnedEntry()
	f.Add(p.Seq, p.At.UnixNano(), p.Repo.Owner, p.Repo.Name, p.Kind, p.Actor, p.Detail, "a", "x=1:\n", "b", "")
	f.Add(int64(0), int64(0), "", "", "", "", "", "", "", "", "")
	f.Add(int64(-1), int64(-5), "o/x", "n", "\n", "=3:", "detail=0:\n", "k", "key=1:a\n", "k", "v")
	f.Fuzz(func(t *testing.T, seq, at int64, owner, name, kind, actor, detail, k1, v1, k2, v2 string) {
		e := app.AuditEntry{Seq: seq, RepoID: seq ^ 7, Issue: int(int32(at)), OperationID: -seq,
			Repo: app.Repo{Owner: owner, Name: name}, Kind: kind, Environment: detail + kind, Action: actor,
			State: app.OpState(name), Actor: actor, DeliveryID: owner, Ref: v1, SHA: k2, Detail: detail,
			Params: map[string]string{k1: v1, k2: v2}}
		if at != 0 {
			e.At = time.Unix(0, at).UTC()
		}
		got, err := parseCanonical(canonicalAudit(e))
		if err != nil {
			t.Fatalf("encoding of %+v does not read back: %v", e, err)
		}
		// A Repo is encoded as its full name: an owner with a slash reads
		// back split elsewhere, the same full name.
		if repoName(got.Repo) != repoName(e.Repo) {
			t.Fatalf("repo %q read back as %q", repoName(e.Repo), repoName(got.Repo))
		}
		got.Repo = e.Repo
		if !reflect.DeepEqual(got, e) {
			t.Fatalf("read back\n%+v\nwant\n%+v", got, e)
		}
		if canonicalAudit(cleanEntry(e)) != canonicalAudit(cleanEntry(cleanEntry(e))) {
			t.Fatalf("cleanText is not idempotent on %+v", e)
		}
	})
}
