package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/store/storetest"
)

// Every test here runs against SQLite, and against PostgreSQL too when
// ISSUEOPS_TEST_DATABASE_URL is set (each test in a database of its own).
func eachStore(t *testing.T, test func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		test(t, storetest.SQLiteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		test(t, storetest.PostgresURL(t))
	})
}

type processorFunc func(ctx context.Context, d app.Delivery, retry bool) error

func (f processorFunc) Process(ctx context.Context, d app.Delivery, retry bool) error {
	return f(ctx, d, retry)
}

func openTest(t *testing.T, url string, p Processor) *Store {
	t.Helper()
	ctx := context.Background()
	st, err := Open(ctx, url, Options{Workers: 8, RetryBase: 20 * time.Millisecond, MaxAttempts: 5, JobTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if p != nil {
		if err := st.Start(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if p != nil {
			_ = st.Stop(stopCtx)
		}
		st.Close()
	})
	return st
}

func delivery(id string) app.Delivery {
	return app.Delivery{ID: id, Event: "issue_comment", Action: "created", InstallationID: 42,
		Headers: map[string]string{"X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": id},
		Body:    []byte(`{"action":"created","raw":"\u00e9 bytes kept"}` + "\r\n"), ReceivedAt: time.Now()}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAcceptStoresOnceAndProcessesOnce(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		var calls atomic.Int32
		st := openTest(t, url, processorFunc(func(_ context.Context, _ app.Delivery, retry bool) error {
			calls.Add(1)
			if retry {
				t.Errorf("first run marked as a retry")
			}
			return nil
		}))
		ctx := context.Background()
		d := delivery("d-1")
		if got, err := st.Accept(ctx, d, true); err != nil || got != app.Accepted {
			t.Fatalf("first accept = %v, %v; want accepted", got, err)
		}
		if got, err := st.Accept(ctx, d, true); err != nil || got != app.Duplicate {
			t.Fatalf("second accept = %v, %v; want duplicate", got, err)
		}
		waitFor(t, "processed", func() bool {
			sd, err := st.Delivery(ctx, "d-1")
			return err == nil && sd.Status == StatusProcessed
		})
		sd, _ := st.Delivery(ctx, "d-1")
		if string(sd.Body) != string(d.Body) || sd.Headers["X-GitHub-Delivery"] != "d-1" || sd.InstallationID != 42 || sd.Action != "created" {
			t.Errorf("stored delivery differs: %+v", sd)
		}
		time.Sleep(100 * time.Millisecond)
		if calls.Load() != 1 || sd.Runs != 1 {
			t.Errorf("processed %d times, runs=%d; want 1", calls.Load(), sd.Runs)
		}
	})
}

func TestConcurrentDuplicatesMakeOneJobEach(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		var mu sync.Mutex
		seen := map[string]int{}
		st := openTest(t, url, processorFunc(func(_ context.Context, d app.Delivery, _ bool) error {
			mu.Lock()
			seen[d.ID]++
			mu.Unlock()
			return nil
		}))
		ctx := context.Background()
		var accepted, duplicates atomic.Int32
		var wg sync.WaitGroup
		for g := range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					out, err := st.Accept(ctx, delivery(fmt.Sprintf("dup-%d", (i+g)%20)), true)
					switch {
					case err != nil:
						t.Error(err)
					case out == app.Accepted:
						accepted.Add(1)
					case out == app.Duplicate:
						duplicates.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if accepted.Load() != 20 || duplicates.Load() != 580 {
			t.Fatalf("accepted %d, duplicates %d; want 20 and 580", accepted.Load(), duplicates.Load())
		}
		waitFor(t, "all processed", func() bool {
			s, err := st.Stats(ctx, "dup-")
			return err == nil && s.Processed == 20
		})
		s, _ := st.Stats(ctx, "dup-")
		mu.Lock()
		defer mu.Unlock()
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s processed %d times", id, n)
			}
		}
		if len(seen) != 20 || s.RunTwice != 0 || s.Stored != 20 {
			t.Errorf("processed %d distinct, stats %+v", len(seen), s)
		}
	})
}

func TestIgnoredDeliveryIsStoredWithoutJob(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		var calls atomic.Int32
		st := openTest(t, url, processorFunc(func(context.Context, app.Delivery, bool) error { calls.Add(1); return nil }))
		ctx := context.Background()
		if got, err := st.Accept(ctx, delivery("ign-1"), false); err != nil || got != app.Ignored {
			t.Fatalf("accept = %v, %v; want ignored", got, err)
		}
		time.Sleep(200 * time.Millisecond)
		sd, err := st.Delivery(ctx, "ign-1")
		if err != nil || sd.Status != StatusIgnored || calls.Load() != 0 {
			t.Fatalf("status %q (err %v), processed %d times; want ignored, 0", sd.Status, err, calls.Load())
		}
	})
}

func TestTransientFailureIsRetried(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		var runs []bool
		var mu sync.Mutex
		st := openTest(t, url, processorFunc(func(_ context.Context, _ app.Delivery, retry bool) error {
			mu.Lock()
			defer mu.Unlock()
			runs = append(runs, retry)
			if len(runs) < 3 {
				return errors.New("github: 502 bad gateway")
			}
			return nil
		}))
		ctx := context.Background()
		if _, err := st.Accept(ctx, delivery("retry-1"), true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "processed after retries", func() bool {
			sd, err := st.Delivery(ctx, "retry-1")
			return err == nil && sd.Status == StatusProcessed
		})
		mu.Lock()
		defer mu.Unlock()
		sd, _ := st.Delivery(ctx, "retry-1")
		if fmt.Sprint(runs) != "[false true true]" || sd.Runs != 3 {
			t.Errorf("retry flags %v, %d runs counted; want [false true true] and 3", runs, sd.Runs)
		}
	})
}

func TestRateLimitSnoozesWithoutSleeping(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		var times []time.Time
		var flags []bool
		var mu sync.Mutex
		st := openTest(t, url, processorFunc(func(_ context.Context, _ app.Delivery, retry bool) error {
			mu.Lock()
			defer mu.Unlock()
			times = append(times, time.Now())
			flags = append(flags, retry)
			if len(times) == 1 {
				return &app.RetryAfterError{Delay: 1500 * time.Millisecond, Err: errors.New("secondary rate limit")}
			}
			return nil
		}))
		ctx := context.Background()
		if _, err := st.Accept(ctx, delivery("rl-1"), true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "processed after the snooze", func() bool {
			sd, err := st.Delivery(ctx, "rl-1")
			return err == nil && sd.Status == StatusProcessed
		})
		mu.Lock()
		defer mu.Unlock()
		if gap := times[1].Sub(times[0]); gap < 1400*time.Millisecond {
			t.Errorf("rescheduled after %s; want at least the 1.5s Retry-After", gap)
		}
		if !flags[1] {
			t.Errorf("run after a snooze not marked as a retry")
		}
	})
}

func TestPermanentFailureStops(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		var calls atomic.Int32
		st := openTest(t, url, processorFunc(func(context.Context, app.Delivery, bool) error {
			calls.Add(1)
			return app.Permanent(errors.New("404 issue gone"))
		}))
		ctx := context.Background()
		if _, err := st.Accept(ctx, delivery("perm-1"), true); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "failed", func() bool {
			sd, err := st.Delivery(ctx, "perm-1")
			return err == nil && sd.Status == StatusFailed
		})
		time.Sleep(200 * time.Millisecond)
		if calls.Load() != 1 {
			t.Errorf("processed %d times; want 1", calls.Load())
		}
	})
}

func TestMigrateIsIdempotent(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		for range 2 {
			if err := st.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func TestAcceptFailsWhenDatabaseIsGone(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		st.engine.(interface{ closeDatabase() }).closeDatabase()
		_, err := st.Accept(context.Background(), delivery("gone-1"), true)
		if !errors.Is(err, app.ErrUnavailable) {
			t.Fatalf("accept on a closed database = %v; want ErrUnavailable", err)
		}
		if st.Ping(context.Background()) == nil {
			t.Errorf("ping succeeded on a closed database")
		}
	})
}

func TestOpenRejectsUnknownURL(t *testing.T) {
	for _, url := range []string{"mysql://x", "issueops.db", "sqlite://", "sqlite://a?b"} {
		if st, err := Open(context.Background(), url, Options{}); err == nil {
			st.Close()
			t.Errorf("Open(%q) succeeded", url)
		}
	}
}
