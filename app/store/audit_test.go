package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

// entriesAfter lists the audit entries after seq.
func entriesAfter(t *testing.T, st *Store, seq int64) []app.AuditEntry {
	t.Helper()
	list, err := st.AuditEntries(context.Background(), app.AuditFilter{AfterSeq: seq})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// summary is what the tests compare of an entry, in one line.
func summary(e app.AuditEntry) string {
	return fmt.Sprintf("%s %s op=%d #%d env=%s actor=%s delivery=%s detail=%q",
		e.Action, e.State, e.OperationID, e.Issue, e.Environment, e.Actor, e.DeliveryID, e.Detail)
}

func summaries(list []app.AuditEntry) []string {
	out := []string{}
	for _, e := range list {
		out = append(out, summary(e))
	}
	return out
}

// opSummary is summary's line for an entry about op.
func opSummary(action string, state app.OpState, op app.Operation, actor, delivery, detail string) string {
	return summary(app.AuditEntry{Action: action, State: state, OperationID: op.ID, Issue: op.Issue.Number,
		Environment: op.Environment, Actor: actor, DeliveryID: delivery, Detail: detail})
}

func mustVerify(t *testing.T, st *Store) AuditCheck {
	t.Helper()
	c, err := st.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Each change of the store appends exactly its entry, with the actor and
// delivery of the context; a change refused or rolled back appends none.
func TestEveryChangeAppendsItsEntry(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		alice := app.WithActor(context.Background(), "alice", "d-1")
		carol := app.WithActor(context.Background(), "carol", "d-2")
		var a, b, c app.Operation
		var lock app.Lock
		steps := []struct {
			name    string
			do      func() error
			wantErr error
			want    func() []string
		}{
			{"create", func() (err error) { a, err = st.CreateOperation(alice, newOp(1, "staging", "alice")); return err }, nil,
				func() []string {
					return []string{opSummary(app.AuditOperation, app.OpAwaitingApproval, a, "alice", "d-1", "")}
				}},
			{"update without a state change or a note", func() error {
				a.StatusComment = 11
				return st.UpdateOperation(alice, a, a.State)
			}, nil, func() []string { return nil }},
			{"update with a note", func() error {
				a.Note = "status comment posted"
				defer func() { a.Note = "" }()
				return st.UpdateOperation(alice, a, a.State)
			}, nil, func() []string {
				return []string{opSummary(app.AuditOperation, app.OpAwaitingApproval, a, "alice", "d-1", "status comment posted")}
			}},
			{"stale update", func() error {
				a.Note = "never written"
				defer func() { a.Note = "" }()
				return st.UpdateOperation(alice, a, app.OpAwaitingConfirmation)
			}, app.ErrStateChanged, func() []string { return nil }},
			{"approval", func() error {
				_, err := st.AddApproval(alice, app.Approval{OpID: a.ID, Login: "bob", Hash: "h1"})
				return err
			}, nil, func() []string {
				return []string{opSummary(app.AuditApproval, app.OpAwaitingApproval, a, "bob", "d-1", "approved snapshot h1")}
			}},
			{"repeated approval", func() error {
				_, err := st.AddApproval(alice, app.Approval{OpID: a.ID, Login: "bob", Hash: "h1"})
				return err
			}, nil, func() []string { return nil }},
			{"state change", func() error {
				a.State = app.OpAwaitingConfirmation
				return st.UpdateOperation(alice, a, app.OpAwaitingApproval)
			}, nil, func() []string {
				return []string{opSummary(app.AuditOperation, app.OpAwaitingConfirmation, a, "alice", "d-1", "")}
			}},
			{"enqueue and start", func() error { _, err := st.Enqueue(alice, a, a.State); return err }, nil,
				func() []string {
					return []string{opSummary(app.AuditOperation, app.OpQueued, a, "alice", "d-1", ""),
						opSummary(app.AuditOperation, app.OpRunning, a, "", "d-1", "")}
				}},
			{"create another", func() (err error) { b, err = st.CreateOperation(carol, newOp(2, "staging", "carol")); return err }, nil,
				func() []string {
					return []string{opSummary(app.AuditOperation, app.OpAwaitingApproval, b, "carol", "d-2", "")}
				}},
			{"enqueue behind the first", func() error { _, err := st.Enqueue(carol, b, b.State); return err }, nil,
				func() []string { return []string{opSummary(app.AuditOperation, app.OpQueued, b, "carol", "d-2", "")} }},
			{"finish with a note starts the next", func() error {
				a.Note, a.Reason = "deployed", "not this"
				_, err := st.Finish(context.Background(), a, app.OpSucceeded)
				return err
			}, nil, func() []string {
				return []string{opSummary(app.AuditOperation, app.OpSucceeded, a, "", "", "deployed"),
					opSummary(app.AuditOperation, app.OpRunning, b, "", "", "")}
			}},
			{"finish with a reason", func() error {
				b.Reason = "workflow failed"
				_, err := st.Finish(carol, b, app.OpFailed)
				return err
			}, nil, func() []string {
				return []string{opSummary(app.AuditOperation, app.OpFailed, b, "carol", "d-2", "workflow failed")}
			}},
			{"finish what does not run", func() error {
				c = mustCreate(t, st, newOp(3, "qa", "dave")) // by no one: the entry is checked below
				_, err := st.Finish(alice, c, app.OpCancelled)
				return err
			}, app.ErrStateChanged, func() []string {
				return []string{opSummary(app.AuditOperation, app.OpAwaitingApproval, c, "", "", "")}
			}},
			{"second open operation on an issue", func() error {
				_, err := st.CreateOperation(alice, newOp(3, "qa", "alice"))
				return err
			}, app.ErrOperationExists, func() []string { return nil }},
			{"enqueue from another state", func() error { _, err := st.Enqueue(alice, c, app.OpAwaitingConfirmation); return err },
				app.ErrStateChanged, func() []string { return nil }},
			{"lock", func() (err error) {
				lock, _, err = st.TakeLock(carol, app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "production",
					Owner: "carol", Reason: "freeze", Issue: 9})
				return err
			}, nil, func() []string {
				return []string{summary(app.AuditEntry{Action: app.AuditLock, Issue: 9, Environment: "production",
					Actor: "carol", DeliveryID: "d-2", Detail: "reason: freeze; until unlocked"})}
			}},
			{"refresh the lock", func() error {
				_, _, err := st.TakeLock(carol, app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "production",
					Owner: "carol", Issue: 9, ExpiresAt: time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)})
				return err
			}, nil, func() []string {
				return []string{`lock  op=0 #9 env=production actor=carol delivery=d-2 detail="refreshed; until 2099-01-02T03:04:05Z (ttl …`}
			}},
			{"lock held by another", func() error {
				_, ok, err := st.TakeLock(alice, app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "production", Owner: "alice"})
				if ok {
					return errors.New("alice took carol's lock")
				}
				return err
			}, nil, func() []string { return nil }},
			{"unlock", func() error { _, _, _, err := st.ReleaseLock(alice, opRepoID, "production", ""); return err }, nil,
				func() []string {
					return []string{summary(app.AuditEntry{Action: app.AuditUnlock, Issue: 9, Environment: "production",
						Actor: "alice", DeliveryID: "d-1", Detail: "held by carol since " + lock.CreatedAt.Format(time.RFC3339)})}
				}},
			{"unlock of no lock", func() error { _, _, _, err := st.ReleaseLock(alice, opRepoID, "production", ""); return err }, nil,
				func() []string { return nil }},
			{"refusal", func() error {
				return st.AppendAudit(alice, app.AuditEntry{RepoID: opRepoID, Repo: opRepo, Issue: 5, Action: app.AuditRefusal,
					Detail: "bob may not deploy to production"})
			}, nil, func() []string {
				return []string{summary(app.AuditEntry{Action: app.AuditRefusal, Issue: 5, Actor: "alice", DeliveryID: "d-1",
					Detail: "bob may not deploy to production"})}
			}},
			{"advance with nothing to start", func() error { _, err := st.Advance(alice, opRepoID); return err }, nil,
				func() []string { return nil }},
		}
		var seq int64
		for _, s := range steps {
			err := s.do()
			if s.wantErr == nil && err != nil || s.wantErr != nil && !errors.Is(err, s.wantErr) {
				t.Fatalf("%s: %v, want %v", s.name, err, s.wantErr)
			}
			got, want := summaries(entriesAfter(t, st, seq)), s.want()
			for i := range min(len(got), len(want)) {
				if prefix, ok := strings.CutSuffix(want[i], "…"); ok && strings.HasPrefix(got[i], prefix) {
					got[i] = want[i] // the rest (a ttl) varies with the clock
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s appended\n%q\nwant\n%q", s.name, got, want)
			}
			seq += int64(len(got))
		}
		if got := mustVerify(t, st); got != (AuditCheck{Entries: seq}) {
			t.Fatalf("verify = %+v, want %d entries intact", got, seq)
		}
	})
}

// An entry carries the whole of the operation it is about, as stored.
func TestOperationEntryCarriesTheOperation(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		before := time.Now()
		op, err := st.CreateOperation(app.WithActor(context.Background(), "alice", "d-9"), newOp(7, "production", "alice"))
		if err != nil {
			t.Fatal(err)
		}
		list := entriesAfter(t, st, 0)
		if len(list) != 1 {
			t.Fatalf("%d entries, want 1", len(list))
		}
		got := list[0]
		if got.At.Before(before) || got.At.After(time.Now()) || got.At.Location() != time.UTC || len(got.Hash) != 64 {
			t.Errorf("entry at %v (now %v), hash %q", got.At, time.Now(), got.Hash)
		}
		got.At, got.Hash = time.Time{}, ""
		want := app.AuditEntry{Seq: 1, RepoID: opRepoID, Repo: opRepo, Issue: 7, OperationID: op.ID, Kind: app.KindDeploy,
			Environment: "production", Action: app.AuditOperation, State: app.OpAwaitingApproval, Actor: "alice",
			DeliveryID: "d-9", Ref: "v1.4.0", SHA: op.SHA, Params: map[string]string{"reason": "ship it"}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("entry\n%+v\nwant\n%+v", got, want)
		}
	})
}

// A refusal about an operation carries the operation, as its other entries.
func TestAppendAuditAboutAnOperation(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := app.WithActor(context.Background(), "bob", "d-7")
		op := mustCreate(t, st, newOp(4, "production", "alice"))
		if err := st.AppendAudit(ctx, app.AuditEntry{OperationID: op.ID, Action: app.AuditRefusal,
			Detail: "alice may not approve her own deploy"}); err != nil {
			t.Fatal(err)
		}
		got := entriesAfter(t, st, 1)[0]
		got.At, got.Hash = time.Time{}, ""
		want := app.AuditEntry{Seq: 2, RepoID: opRepoID, Repo: opRepo, Issue: 4, OperationID: op.ID, Kind: app.KindDeploy,
			Environment: "production", Action: app.AuditRefusal, Actor: "bob", DeliveryID: "d-7", Ref: op.Ref, SHA: op.SHA,
			Params: op.Params, Detail: "alice may not approve her own deploy"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("entry\n%+v\nwant\n%+v", got, want)
		}
		err := st.AppendAudit(ctx, app.AuditEntry{OperationID: op.ID + 100, Action: app.AuditRefusal})
		if !errors.Is(err, app.ErrNotFound) {
			t.Errorf("an entry about an unknown operation: %v, want ErrNotFound", err)
		}
	})
}

// A change whose entry cannot be written is not made: they are one
// transaction.
func TestChangeFailsWithItsEntry(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		op := mustCreate(t, st, newOp(1, "staging", "alice"))
		exec(t, st, `DELETE FROM audit_head`)
		if _, err := st.CreateOperation(ctx, newOp(2, "staging", "alice")); err == nil {
			t.Fatal("created an operation without its audit entry")
		}
		if _, err := st.Enqueue(ctx, op, op.State); err == nil {
			t.Fatal("enqueued an operation without its audit entry")
		}
		if n := count(t, st, `SELECT COUNT(*) FROM operations`); n != 1 {
			t.Errorf("%d operations, want the first only", n)
		}
		if got := mustRead(t, st, op.ID); got.State != app.OpAwaitingApproval {
			t.Errorf("the operation is %s, want unchanged", got.State)
		}
		if c := mustVerify(t, st); c.FirstBad != 1 {
			t.Errorf("verify without a head = %+v, want entry 1 reported", c)
		}
		exec(t, st, `INSERT INTO audit_head (id, seq, hash) VALUES (1, 1, ?)`, entriesAfter(t, st, 0)[0].Hash)
		if _, err := st.Enqueue(ctx, op, op.State); err != nil {
			t.Fatalf("enqueue once the head is back: %v", err)
		}
		if c := mustVerify(t, st); c != (AuditCheck{Entries: 3}) {
			t.Errorf("verify = %+v, want 3 entries intact", c)
		}
	})
}

// The database itself refuses to change or remove an entry.
func TestAuditLogIsAppendOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		mustCreate(t, st, newOp(1, "staging", "alice"))
		for _, q := range []string{`UPDATE audit_log SET actor = 'mallory'`, `DELETE FROM audit_log`} {
			if _, err := st.engine.(execer).execSQL(context.Background(), q); err == nil {
				t.Errorf("%s: allowed", q)
			}
		}
		if c := mustVerify(t, st); c != (AuditCheck{Entries: 1}) {
			t.Errorf("verify = %+v, want 1 entry intact", c)
		}
	})
}

// Sixteen writers at once: seq stays 1, 2, 3, … and the chain intact.
func TestAuditSeqIsContiguousUnderConcurrentWriters(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		const writers, each = 16, 8
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := app.WithActor(context.Background(), fmt.Sprintf("user-%d", w), "")
				for i := range each {
					var err error
					if i%2 == 0 {
						_, err = st.CreateOperation(ctx, newOp(w*each+i+1, fmt.Sprintf("env-%d", w), "alice"))
					} else {
						err = st.AppendAudit(ctx, app.AuditEntry{RepoID: opRepoID, Repo: opRepo, Action: app.AuditRefusal, Detail: "no"})
					}
					if err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		list := entriesAfter(t, st, 0)
		for i, e := range list {
			if e.Seq != int64(i+1) {
				t.Fatalf("entry %d has seq %d", i+1, e.Seq)
			}
		}
		if len(list) != writers*each {
			t.Fatalf("%d entries, want %d", len(list), writers*each)
		}
		if c := mustVerify(t, st); c != (AuditCheck{Entries: writers * each}) {
			t.Fatalf("verify = %+v", c)
		}
	})
}

func TestAuditEntriesFilters(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		a := mustCreate(t, st, newOp(1, "staging", "alice"))
		time.Sleep(5 * time.Millisecond)
		mid := time.Now()
		other := newOp(2, "production", "bob")
		other.Issue.RepoID, other.Issue.Repo = 42, app.Repo{Owner: "acme", Name: "gadgets"}
		b := mustCreate(t, st, other)
		if err := st.AppendAudit(ctx, app.AuditEntry{RepoID: opRepoID, Repo: opRepo, Environment: "staging",
			Action: app.AuditRefusal, Detail: "frozen"}); err != nil {
			t.Fatal(err)
		}
		seqs := func(list []app.AuditEntry) []int64 {
			out := []int64{}
			for _, e := range list {
				out = append(out, e.Seq)
			}
			return out
		}
		for _, c := range []struct {
			f    app.AuditFilter
			want []int64
		}{
			{app.AuditFilter{}, []int64{1, 2, 3}},
			{app.AuditFilter{Repo: "ACME/Widgets"}, []int64{1, 3}},
			{app.AuditFilter{Repo: "acme/none"}, []int64{}},
			{app.AuditFilter{Environment: "production"}, []int64{2}},
			{app.AuditFilter{Since: mid}, []int64{2, 3}},
			{app.AuditFilter{OperationID: a.ID}, []int64{1}},
			{app.AuditFilter{OperationID: b.ID}, []int64{2}},
			{app.AuditFilter{AfterSeq: 1, Limit: 1}, []int64{2}},
			{app.AuditFilter{Repo: "acme/widgets", Environment: "staging", AfterSeq: 1}, []int64{3}},
		} {
			list, err := st.AuditEntries(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if got := seqs(list); !slices.Equal(got, c.want) {
				t.Errorf("%+v: entries %v, want %v", c.f, got, c.want)
			}
		}
		if err := st.AppendAudit(ctx, app.AuditEntry{}); err == nil {
			t.Error("appended an entry without an action")
		}
	})
}

// Text PostgreSQL would refuse (NUL, invalid UTF-8) is cleaned, never a
// reason for the write, and the change with it, to fail.
func TestAuditCleansText(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		err := st.AppendAudit(context.Background(), app.AuditEntry{Action: app.AuditRefusal, Detail: "a\x00b\xffc",
			Params: map[string]string{"k\xfe": "v\x00"}})
		if err != nil {
			t.Fatal(err)
		}
		got := entriesAfter(t, st, 0)[0]
		if got.Detail != "a\uFFFDb\uFFFDc" || got.Params["k\uFFFD"] != "v\uFFFD" {
			t.Errorf("stored %q %q", got.Detail, got.Params)
		}
		if c := mustVerify(t, st); c != (AuditCheck{Entries: 1}) {
			t.Errorf("verify = %+v", c)
		}
	})
}

type execer interface {
	execSQL(ctx context.Context, query string, args ...any) (int64, error)
}

func exec(t *testing.T, st *Store, query string, args ...any) {
	t.Helper()
	if _, err := st.engine.(execer).execSQL(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// A lock that expires leaves an unlock entry by issueops (no actor) when
// the queue next moves, so the log says when it stopped holding.
func TestExpiredLockIsAudited(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := app.WithActor(context.Background(), "carol", "d-9")
		if _, _, err := st.TakeLock(ctx, app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "qa", Owner: "carol",
			Issue: 4, ExpiresAt: time.Now().Add(50 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(80 * time.Millisecond)
		if _, err := st.Advance(app.WithActor(context.Background(), "", "d-10"), opRepoID); err != nil {
			t.Fatal(err)
		}
		got := summaries(entriesAfter(t, st, 1))
		if len(got) != 1 || !strings.HasPrefix(got[0], `unlock  op=0 #4 env=qa actor= delivery=d-10 detail="expired; held by carol`) {
			t.Fatalf("entries after the lock: %q", got)
		}
		if _, err := st.Advance(context.Background(), opRepoID); err != nil {
			t.Fatal(err)
		}
		if n := len(entriesAfter(t, st, 2)); n != 0 {
			t.Errorf("%d more entries for a lock that already expired", n)
		}
		if c := mustVerify(t, st); c != (AuditCheck{Entries: 2}) {
			t.Errorf("verify = %+v", c)
		}
	})
}

// A lock that ran out and is then replaced by another's lock, or removed
// by an /unlock, still gets its expiry entry first.
func TestExpiredLockReplacedOrUnlockedIsAudited(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		for _, env := range []string{"prod", "qa"} {
			if _, _, err := st.TakeLock(app.WithActor(ctx, "alice", "d-1"), app.Lock{RepoID: opRepoID, Repo: opRepo,
				Environment: env, Owner: "alice", ExpiresAt: time.Now().Add(50 * time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(80 * time.Millisecond)
		if _, ok, err := st.TakeLock(app.WithActor(ctx, "bob", "d-2"), app.Lock{RepoID: opRepoID, Repo: opRepo,
			Environment: "prod", Owner: "bob"}); err != nil || !ok {
			t.Fatalf("bob's lock: %v %v", ok, err)
		}
		if _, _, _, err := st.ReleaseLock(app.WithActor(ctx, "dave", "d-3"), opRepoID, "qa", ""); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range entriesAfter(t, st, 2) {
			got = append(got, fmt.Sprintf("%s %s actor=%s expired=%v", e.Action, e.Environment, e.Actor, strings.HasPrefix(e.Detail, "expired; held by alice")))
		}
		want := []string{"unlock prod actor= expired=true", "lock prod actor=bob expired=false", "unlock qa actor= expired=true"}
		if !slices.Equal(got, want) {
			t.Fatalf("entries %q, want %q", got, want)
		}
	})
}
