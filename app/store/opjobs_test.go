package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

// fakeRunner records every run and answers with its script, per operation.
type fakeRunner struct {
	mu     sync.Mutex
	runs   map[int64][]bool // operation → retry flag of each run
	script func(opID int64, run int) error
	gaveUp []int64
}

func (r *fakeRunner) GiveUp(_ context.Context, opID int64, _ error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.gaveUp = append(r.gaveUp, opID)
	return nil
}

func (r *fakeRunner) givenUp() []int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.gaveUp)
}

func (r *fakeRunner) RunOperation(_ context.Context, opID int64, retry bool) error {
	r.mu.Lock()
	if r.runs == nil {
		r.runs = map[int64][]bool{}
	}
	r.runs[opID] = append(r.runs[opID], retry)
	n, script := len(r.runs[opID]), r.script
	r.mu.Unlock()
	if script == nil {
		return nil
	}
	return script(opID, n)
}

func (r *fakeRunner) setScript(script func(opID int64, run int) error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.script = script
}

func (r *fakeRunner) flags(opID int64) []bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.runs[opID])
}

// openRunning opens a store whose workers run operations through r.
func openRunning(t *testing.T, url string, opts Options, r Runner) *Store {
	t.Helper()
	ctx := context.Background()
	if opts.Workers == 0 {
		opts = Options{Workers: 8, RetryBase: 20 * time.Millisecond, MaxAttempts: 5, JobTimeout: 5 * time.Second,
			AdvanceInterval: opts.AdvanceInterval}
	}
	st, err := Open(ctx, url, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st.SetRunner(r)
	if err := st.Start(ctx, processorFunc(func(context.Context, app.Delivery, bool) error { return nil })); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = st.Stop(stopCtx)
		st.Close()
	})
	return st
}

// Starting an operation enqueues its run job; a crash-like second run
// (a job driven again after the first completed) is allowed, and told it
// is a retry.
func TestStartEnqueuesTheRunJob(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		r := &fakeRunner{}
		st := openRunning(t, url, Options{}, r)
		ctx := context.Background()
		var ops []app.Operation
		for i, env := range []string{"staging", "production", "qa"} {
			op, started := enqueue(t, st, newOp(i+1, env, "alice"))
			wantStarted(t, env, started, op)
			ops = append(ops, op)
		}
		waiting, started := enqueue(t, st, newOp(4, "qa", "bob"))
		wantStarted(t, "a second qa deploy", started)
		for _, op := range ops {
			waitFor(t, fmt.Sprintf("the run of operation %d", op.ID), func() bool { return len(r.flags(op.ID)) == 1 })
			if f := r.flags(op.ID); f[0] {
				t.Errorf("operation %d: first run marked as a retry", op.ID)
			}
		}
		// The first jobs completed: the operation gets a new one.
		waitFor(t, "the jobs to complete", func() bool {
			return count(t, st, `SELECT COUNT(*) FROM river_job WHERE kind = 'operation' AND state = 'completed'`) == len(ops)
		})
		if err := st.EnqueueRun(ctx, ops[0].ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the second run", func() bool { return len(r.flags(ops[0].ID)) == 2 })
		if f := r.flags(ops[0].ID); !f[1] {
			t.Errorf("a second run not marked as a retry: %v", f)
		}
		time.Sleep(100 * time.Millisecond)
		if f := r.flags(waiting.ID); len(f) != 0 {
			t.Errorf("a queued operation ran %d times", len(f))
		}
		if err := st.EnqueueRun(ctx, 9999); !errors.Is(err, app.ErrNotFound) {
			t.Errorf("EnqueueRun of an unknown operation: %v, want ErrNotFound", err)
		}
	})
}

func TestRunJobRetriesAndGivesUp(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		r := &fakeRunner{}
		st := openRunning(t, url, Options{}, r)
		flaky, broken := mustCreate(t, st, newOp(1, "staging", "alice")), mustCreate(t, st, newOp(2, "production", "alice"))
		r.setScript(func(opID int64, run int) error {
			switch {
			case opID == flaky.ID && run < 3:
				return errors.New("github: 502")
			case opID == broken.ID:
				return app.Permanent(errors.New("404"))
			}
			return nil
		})
		for _, op := range []app.Operation{flaky, broken} {
			if _, err := st.Enqueue(context.Background(), op, op.State); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "three runs", func() bool { return len(r.flags(flaky.ID)) == 3 })
		waitFor(t, "the permanent failure", func() bool { return len(r.flags(broken.ID)) == 1 })
		time.Sleep(200 * time.Millisecond)
		if f := r.flags(flaky.ID); !slices.Equal(f, []bool{false, true, true}) {
			t.Errorf("retry flags %v, want [false true true]", f)
		}
		if f := r.flags(broken.ID); len(f) != 1 {
			t.Errorf("a permanent failure ran %d times", len(f))
		}
		// Giving up hands the operation to the Runner, once, to end it.
		if got := r.givenUp(); !slices.Equal(got, []int64{broken.ID}) {
			t.Errorf("GiveUp called for %v, want only %d", got, broken.ID)
		}
	})
}

// River v0.47.0 does not count snoozes as attempts: an operation polling
// its deploy may snooze more often than MaxAttempts allows errors. Each run
// after the first is a retry, though River's attempt stays at 1.
func TestSnoozesDoNotUseUpAttempts(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		r := &fakeRunner{script: func(_ int64, run int) error {
			if run <= 3 {
				return &app.RetryAfterError{Delay: time.Millisecond, Err: errors.New("deploy still running")}
			}
			return nil
		}}
		st := openRunning(t, url, Options{Workers: 4, MaxAttempts: 2, JobTimeout: 5 * time.Second, RetryBase: time.Hour}, r)
		op, _ := enqueue(t, st, newOp(1, "production", "alice"))
		waitFor(t, "four runs", func() bool { return len(r.flags(op.ID)) == 4 })
		if f := r.flags(op.ID); !slices.Equal(f, []bool{false, true, true, true}) {
			t.Errorf("retry flags %v, want [false true true true]", f)
		}
	})
}

// EnqueueRun makes a job that is waiting (a snooze) run now.
func TestEnqueueRunWakesASnoozedJob(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		r := &fakeRunner{script: func(_ int64, run int) error {
			if run == 1 {
				return &app.RetryAfterError{Delay: time.Hour, Err: errors.New("waiting for deployment_status")}
			}
			return nil
		}}
		st := openRunning(t, url, Options{}, r)
		op, _ := enqueue(t, st, newOp(1, "production", "alice"))
		waitFor(t, "the snooze", func() bool {
			return count(t, st, `SELECT COUNT(*) FROM river_job WHERE kind = 'operation' AND state = 'scheduled'`) == 1
		})
		if err := st.EnqueueRun(context.Background(), op.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the run the webhook asked for", func() bool { return len(r.flags(op.ID)) == 2 })
	})
}

// EnqueueRun during a run has the job run once more as soon as it ends,
// instead of after the snooze it asks for.
func TestEnqueueRunDuringARunRunsAgain(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		inRun, release := make(chan struct{}), make(chan struct{})
		r := &fakeRunner{script: func(_ int64, run int) error {
			if run == 1 {
				close(inRun)
				<-release
				return &app.RetryAfterError{Delay: time.Hour, Err: errors.New("waiting for deployment_status")}
			}
			return nil
		}}
		st := openRunning(t, url, Options{}, r)
		op, _ := enqueue(t, st, newOp(1, "production", "alice"))
		<-inRun
		if err := st.EnqueueRun(context.Background(), op.ID); err != nil {
			t.Fatal(err)
		}
		close(release)
		waitFor(t, "the run the webhook asked for", func() bool { return len(r.flags(op.ID)) == 2 })
		time.Sleep(100 * time.Millisecond)
		if f := r.flags(op.ID); len(f) != 2 {
			t.Errorf("%d runs, want 2", len(f))
		}
	})
}

// The leader's periodic advance starts what an expired lock held back,
// with no Finish or ReleaseLock to do it.
func TestExpiredLockFreesTheQueueByItself(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		r := &fakeRunner{}
		st := openRunning(t, url, Options{AdvanceInterval: 200 * time.Millisecond}, r)
		ctx := context.Background()
		if _, ok, err := st.TakeLock(ctx, app.Lock{RepoID: opRepoID, Repo: opRepo, Environment: "production",
			Owner: "carol", ExpiresAt: time.Now().Add(500 * time.Millisecond)}); err != nil || !ok {
			t.Fatal(ok, err)
		}
		op, started := enqueue(t, st, newOp(1, "production", "alice"))
		wantStarted(t, "a deploy into carol's lock", started)
		waitFor(t, "the deploy to start once the lock expired", func() bool {
			return mustRead(t, st, op.ID).State == app.OpRunning && len(r.flags(op.ID)) == 1
		})
	})
}
