package store

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

// enqueue creates op and queues it, returning it as stored and what started.
func enqueue(t *testing.T, st *Store, op app.Operation) (app.Operation, []app.Operation) {
	t.Helper()
	op = mustCreate(t, st, op)
	started, err := st.Enqueue(context.Background(), op, op.State)
	if err != nil {
		t.Fatal(err)
	}
	return mustRead(t, st, op.ID), started
}

func finish(t *testing.T, st *Store, op app.Operation) []app.Operation {
	t.Helper()
	started, err := st.Finish(context.Background(), op, app.OpSucceeded)
	if err != nil {
		t.Fatal(err)
	}
	return started
}

func idsOf(ops []app.Operation) []int64 {
	ids := []int64{}
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	return ids
}

func wantStarted(t *testing.T, what string, started []app.Operation, want ...app.Operation) {
	t.Helper()
	if got, w := idsOf(started), idsOf(want); !slices.Equal(got, w) {
		t.Fatalf("%s started %v, want %v", what, got, w)
	}
	for _, op := range started {
		if op.State != app.OpRunning {
			t.Fatalf("%s returned operation %d in state %s", what, op.ID, op.State)
		}
	}
}

func TestEnqueueStartsWhenFreeAndQueuesOtherwise(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		a, started := enqueue(t, st, newOp(1, "production", "alice"))
		wantStarted(t, "the first enqueue", started, a)
		if a.State != app.OpRunning || count(t, st, `SELECT COUNT(*) FROM run_slots WHERE op_id = ?`, a.ID) != 1 {
			t.Fatalf("first operation is %s with %d slots; want running with 1", a.State,
				count(t, st, `SELECT COUNT(*) FROM run_slots WHERE op_id = ?`, a.ID))
		}
		b, started := enqueue(t, st, newOp(2, "production", "bob"))
		wantStarted(t, "the second enqueue", started)
		if b.State != app.OpQueued {
			t.Fatalf("second operation is %s, want queued", b.State)
		}
		if q, err := st.Queue(ctx, opRepoID); err != nil || !slices.Equal(idsOf(q), []int64{a.ID, b.ID}) {
			t.Fatalf("queue = %v, %v; want [%d %d]", idsOf(q), err, a.ID, b.ID)
		}
		stale := mustCreate(t, st, newOp(3, "staging", "carol"))
		if _, err := st.Enqueue(ctx, stale, app.OpAwaitingConfirmation); !errors.Is(err, app.ErrStateChanged) {
			t.Fatalf("enqueue from the wrong state: %v, want ErrStateChanged", err)
		}
		if _, err := st.Enqueue(ctx, b, app.OpQueued); err == nil {
			t.Fatal("enqueued a queued operation again")
		}
		if q, _ := st.Queue(ctx, 42); len(q) != 0 {
			t.Fatalf("another repository's queue has %v", idsOf(q))
		}
	})
}

// The queue is first come, first served by the time of joining it, and an
// operation waiting for a slot keeps it from younger ones, but not others.
func TestQueueIsFirstComeFirstServed(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		r, _ := enqueue(t, st, newOp(1, "production", "alice"))
		// Created 2, 3, 4; they join the queue as 4, 2, 3.
		ops := []app.Operation{mustCreate(t, st, newOp(2, "production", "bob")), mustCreate(t, st, newOp(3, "production", "carol")),
			mustCreate(t, st, newOp(4, "production", "dave"))}
		for _, i := range []int{2, 0, 1} {
			if started, err := st.Enqueue(ctx, ops[i], ops[i].State); err != nil || len(started) != 0 {
				t.Fatalf("enqueue %d: %v, %v", ops[i].ID, idsOf(started), err)
			}
		}
		if q, _ := st.Queue(ctx, opRepoID); !slices.Equal(idsOf(q), []int64{r.ID, ops[2].ID, ops[0].ID, ops[1].ID}) {
			t.Fatalf("queue order %v", idsOf(q))
		}
		next := finish(t, st, r)
		wantStarted(t, "finishing the first", next, mustRead(t, st, ops[2].ID))
		next = finish(t, st, next[0])
		wantStarted(t, "finishing the second", next, mustRead(t, st, ops[0].ID))
		next = finish(t, st, next[0])
		wantStarted(t, "finishing the third", next, mustRead(t, st, ops[1].ID))
		wantStarted(t, "finishing the last", finish(t, st, next[0]))
		if n := count(t, st, `SELECT COUNT(*) FROM run_slots`); n != 0 {
			t.Fatalf("%d slots held with nothing running", n)
		}

		// FIFO per slot: A waits for env:a and holds group:g's place, so B
		// (env:b, group g) waits behind it; C (env:c) wants neither.
		hold, _ := enqueue(t, st, newOp(10, "a", "alice"))
		a, _ := enqueue(t, st, newOp(11, "a", "bob", "g"))
		b, started := enqueue(t, st, newOp(12, "b", "carol", "g"))
		wantStarted(t, "B behind an older operation wanting its group", started)
		c, started := enqueue(t, st, newOp(13, "c", "dave"))
		wantStarted(t, "C, wanting nothing anyone waits for", started, c)
		if started, _ := st.Advance(ctx, opRepoID); len(started) != 0 {
			t.Fatalf("advance with nothing freed started %v", idsOf(started))
		}
		wantStarted(t, "freeing env:a", finish(t, st, hold), mustRead(t, st, a.ID))
		wantStarted(t, "freeing group:g", finish(t, st, mustRead(t, st, a.ID)), mustRead(t, st, b.ID))
	})
}

// Two environments of one lock group never run together; another group's do.
func TestLockGroups(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		stg, started := enqueue(t, st, newOp(1, "staging", "alice", "backend"))
		wantStarted(t, "staging", started, stg)
		prod, started := enqueue(t, st, newOp(2, "production", "bob", "backend"))
		wantStarted(t, "production in the same group", started)
		web, started := enqueue(t, st, newOp(3, "web", "carol", "frontend"))
		wantStarted(t, "another group", started, web)
		next := finish(t, st, stg)
		wantStarted(t, "finishing staging", next, mustRead(t, st, prod.ID))
		if n := count(t, st, `SELECT COUNT(*) FROM run_slots WHERE op_id = ?`, prod.ID); n != 2 {
			t.Fatalf("production holds %d slots, want env and group", n)
		}
		// Repeated slots are one slot, not a slot taken by itself.
		twice := newOp(4, "dev", "dave", "tools")
		twice.Slots = append(twice.Slots, twice.Slots...)
		dev, started := enqueue(t, st, twice)
		wantStarted(t, "an operation naming its slots twice", started, dev)
	})
}

func TestFinish(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		a, _ := enqueue(t, st, newOp(1, "production", "alice"))
		b, _ := enqueue(t, st, newOp(2, "production", "bob"))
		c, _ := enqueue(t, st, newOp(3, "production", "carol"))
		// Cancelling a queued operation lets the one behind it move up.
		b.Reason = "cancelled by bob"
		if started, err := st.Finish(ctx, b, app.OpCancelled); err != nil || len(started) != 0 {
			t.Fatalf("cancel queued: %v, %v", idsOf(started), err)
		}
		if got := mustRead(t, st, b.ID); got.State != app.OpCancelled || got.Reason != "cancelled by bob" {
			t.Fatalf("cancelled operation reads %s %q", got.State, got.Reason)
		}
		a.Progress = "done"
		next, err := st.Finish(ctx, a, app.OpFailed)
		if err != nil {
			t.Fatal(err)
		}
		wantStarted(t, "finishing the running one", next, mustRead(t, st, c.ID))
		if got := mustRead(t, st, a.ID); got.State != app.OpFailed || got.Progress != "done" {
			t.Fatalf("finished operation reads %s %q", got.State, got.Progress)
		}
		if _, err := st.Finish(ctx, a, app.OpSucceeded); !errors.Is(err, app.ErrStateChanged) {
			t.Fatalf("finishing twice: %v, want ErrStateChanged", err)
		}
		waiting := mustCreate(t, st, newOp(4, "staging", "dave"))
		if _, err := st.Finish(ctx, waiting, app.OpCancelled); !errors.Is(err, app.ErrStateChanged) {
			t.Fatalf("finishing an operation never queued: %v, want ErrStateChanged", err)
		}
		if _, err := st.Finish(ctx, next[0], app.OpQueued); err == nil {
			t.Fatal("finished into a state that is not terminal")
		}
		if _, err := st.Finish(ctx, app.Operation{ID: 9999}, app.OpFailed); !errors.Is(err, app.ErrNotFound) {
			t.Fatalf("finishing an unknown operation: %v, want ErrNotFound", err)
		}
	})
}

func TestStickyLocks(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		lock := app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "production", Owner: "alice", Reason: "incident", Issue: 9}
		held, ok, err := st.TakeLock(ctx, lock)
		if err != nil || !ok || held.Owner != "alice" || held.CreatedAt.IsZero() {
			t.Fatalf("take lock = %+v, %v, %v", held, ok, err)
		}
		other := lock
		other.Owner = "carol"
		if got, ok, err := st.TakeLock(ctx, other); err != nil || ok || got.Owner != "alice" || got.Reason != "incident" {
			t.Fatalf("another owner's take = %+v, %v, %v; want alice's lock and ok=false", got, ok, err)
		}
		refresh := lock
		refresh.Owner, refresh.Reason, refresh.CreatedAt = "Alice", "still the incident", time.Now().Add(time.Hour)
		if got, ok, err := st.TakeLock(ctx, refresh); err != nil || !ok || got.Reason != "still the incident" || !got.CreatedAt.Equal(held.CreatedAt) {
			t.Fatalf("refresh = %+v, %v, %v; want the new reason and the first creation time %s", got, ok, err, held.CreatedAt)
		}

		bob, started := enqueue(t, st, newOp(1, "production", "bob"))
		wantStarted(t, "bob's deploy into alice's lock", started)
		alice, started := enqueue(t, st, newOp(2, "production", "ALICE"))
		wantStarted(t, "the lock owner's deploy", started, alice)
		stg, started := enqueue(t, st, newOp(3, "staging", "bob"))
		wantStarted(t, "another environment", started, stg)
		wantStarted(t, "alice's finish, still locked", finish(t, st, alice))

		if locks, err := st.Locks(ctx, opRepoID); err != nil || len(locks) != 1 || locks[0].Owner != "Alice" {
			t.Fatalf("locks = %+v, %v", locks, err)
		}
		if _, found, _, err := st.ReleaseLock(ctx, opRepoID, "production", "mallory"); err != nil || found {
			t.Fatalf("releasing as the wrong owner found=%v, %v", found, err)
		}
		l, found, started, err := st.ReleaseLock(ctx, opRepoID, "production", "alice")
		if err != nil || !found || l.Owner != "Alice" {
			t.Fatalf("release = %+v, %v, %v", l, found, err)
		}
		wantStarted(t, "the release", started, mustRead(t, st, bob.ID))
		if _, found, _, err := st.ReleaseLock(ctx, opRepoID, "production", ""); err != nil || found {
			t.Fatalf("second release found=%v, %v", found, err)
		}

		// A global lock holds back every environment; an expired one nothing.
		global := app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: app.GlobalLock, Owner: "carol",
			ExpiresAt: time.Now().Add(300 * time.Millisecond)}
		if _, ok, err := st.TakeLock(ctx, global); err != nil || !ok {
			t.Fatalf("global lock: %v, %v", ok, err)
		}
		dev, started := enqueue(t, st, newOp(4, "dev", "dave"))
		wantStarted(t, "dev under carol's global lock", started)
		if locks, _ := st.Locks(ctx, opRepoID); len(locks) != 1 || locks[0].Environment != app.GlobalLock {
			t.Fatalf("locks = %+v", locks)
		}
		time.Sleep(350 * time.Millisecond)
		if locks, _ := st.Locks(ctx, opRepoID); len(locks) != 0 {
			t.Fatalf("expired locks listed: %+v", locks)
		}
		again := newOp(5, "qa", "erin")
		_, started = enqueue(t, st, again)
		if !slices.Contains(idsOf(started), dev.ID) || len(started) != 2 {
			t.Fatalf("after the lock expired, started %v; want dev's and qa's", idsOf(started))
		}
		if _, ok, err := st.TakeLock(ctx, other); err != nil || !ok {
			t.Fatalf("taking an environment whose lock was released: %v, %v", ok, err)
		}
	})
}

// An operation held back by another owner's lock is parked: it holds no
// place in line, so neither the lock's owner nor the rest of its lock group
// wait for it, and it is first again once the lock goes.
func TestLockedOperationIsParked(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		if _, ok, err := st.TakeLock(ctx, app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "production", Owner: "alice"}); err != nil || !ok {
			t.Fatal(ok, err)
		}
		bob, _ := enqueue(t, st, newOp(1, "production", "bob", "backend"))
		carol, started := enqueue(t, st, newOp(2, "staging", "carol", "backend"))
		wantStarted(t, "carol, in the group of bob's locked deploy", started, carol)
		alice, started := enqueue(t, st, newOp(3, "production", "alice", "backend"))
		wantStarted(t, "the lock owner while carol holds the group", started)
		wantStarted(t, "carol's finish", finish(t, st, mustRead(t, st, carol.ID)), mustRead(t, st, alice.ID))
		if _, _, started, err := st.ReleaseLock(ctx, opRepoID, "production", ""); err != nil || len(started) != 0 {
			t.Fatalf("release while alice runs started %v, %v", idsOf(started), err)
		}
		dave, _ := enqueue(t, st, newOp(4, "staging", "dave", "backend"))
		wantStarted(t, "alice's finish", finish(t, st, mustRead(t, st, alice.ID)), mustRead(t, st, bob.ID))
		wantStarted(t, "bob's finish", finish(t, st, mustRead(t, st, bob.ID)), mustRead(t, st, dave.ID))
	})
}

// Two replicas (two pools on one database) enqueue 50 operations for one
// environment at once, finish each a few milliseconds after it starts, and
// call Advance all along: never do two run at once.
func TestReplicasNeverRunTwoAtOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		stores := []*Store{openTest(t, url, nil), openTest(t, url, nil)}
		const n = 50
		ctx := context.Background()
		var (
			running, maxRunning, finished atomic.Int32
			wg                            sync.WaitGroup
			handle                        func(started []app.Operation)
		)
		handle = func(started []app.Operation) {
			for _, op := range started {
				r := running.Add(1)
				for m := maxRunning.Load(); r > m && !maxRunning.CompareAndSwap(m, r); m = maxRunning.Load() {
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					time.Sleep(time.Duration(1+rand.IntN(4)) * time.Millisecond)
					running.Add(-1)
					next, err := stores[rand.IntN(2)].Finish(ctx, op, app.OpSucceeded)
					if err != nil {
						t.Error(err)
						return
					}
					finished.Add(1)
					handle(next)
				}()
			}
		}
		done := make(chan struct{})
		var dbMaxRunning, dbMaxSlots atomic.Int32
		var watchers sync.WaitGroup
		watchers.Add(3)
		go func() { // the database's own view, all along
			defer watchers.Done()
			for {
				select {
				case <-done:
					return
				case <-time.After(time.Millisecond):
				}
				r, err := stores[0].engine.(counter).count(ctx, `SELECT COUNT(*) FROM operations WHERE state = 'running'`)
				s, err2 := stores[1].engine.(counter).count(ctx, `SELECT COUNT(*) FROM run_slots`)
				if err = errors.Join(err, err2); err != nil {
					t.Error(err)
					return
				}
				dbMaxRunning.Store(max(dbMaxRunning.Load(), int32(r)))
				dbMaxSlots.Store(max(dbMaxSlots.Load(), int32(s)))
			}
		}()
		for _, st := range stores { // both replicas advance the queue at random
			go func() {
				defer watchers.Done()
				for {
					select {
					case <-done:
						return
					case <-time.After(time.Duration(1+rand.IntN(5)) * time.Millisecond):
					}
					started, err := st.Advance(ctx, opRepoID)
					if err != nil {
						t.Error(err)
					}
					handle(started)
				}
			}()
		}
		began := time.Now()
		var creators sync.WaitGroup
		for i := range n {
			creators.Add(1)
			go func() {
				defer creators.Done()
				st := stores[i%2]
				op, err := st.CreateOperation(ctx, newOp(100+i, "production", fmt.Sprintf("user%d", i), "backend"))
				if err != nil {
					t.Error(err)
					return
				}
				started, err := st.Enqueue(ctx, op, op.State)
				if err != nil {
					t.Error(err)
					return
				}
				handle(started)
			}()
		}
		creators.Wait()
		deadline := time.Now().Add(60 * time.Second)
		for finished.Load() < n && time.Now().Before(deadline) && !t.Failed() {
			time.Sleep(5 * time.Millisecond)
		}
		elapsed := time.Since(began)
		close(done)
		watchers.Wait()
		wg.Wait()
		succeeded := count(t, stores[0], `SELECT COUNT(*) FROM operations WHERE state = 'succeeded'`)
		t.Logf("%d operations through two replicas in %s; at most %d running (seen by the workers), %d running and %d slots (seen in the database)",
			finished.Load(), elapsed.Round(time.Millisecond), maxRunning.Load(), dbMaxRunning.Load(), dbMaxSlots.Load())
		if finished.Load() != n || succeeded != n {
			t.Fatalf("%d finished, %d succeeded; want %d", finished.Load(), succeeded, n)
		}
		if maxRunning.Load() != 1 || dbMaxRunning.Load() > 1 || dbMaxSlots.Load() > 2 {
			t.Fatalf("two operations ran at once: %d (workers), %d running and %d slots (database)",
				maxRunning.Load(), dbMaxRunning.Load(), dbMaxSlots.Load())
		}
		if s := count(t, stores[0], `SELECT COUNT(*) FROM run_slots`); s != 0 {
			t.Fatalf("%d slots still held", s)
		}
	})
}
