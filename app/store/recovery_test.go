package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/issueops/issueops/app/recovery"
)

// The store is the recovery pass's Store.
var _ recovery.Store = (*Store)(nil)

func TestRecoveryStoredAndRequested(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		for _, id := range []string{"g-1", "g-3"} {
			if _, err := st.Accept(ctx, delivery(id), false); err != nil {
				t.Fatal(err)
			}
		}
		guids := []string{"g-1", "g-2", "g-3", "g-4"}
		for i := range 1200 { // more than one IN (…) chunk
			guids = append(guids, fmt.Sprintf("x-%d", i))
		}
		stored, err := st.Stored(ctx, guids)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 2 || !stored["g-1"] || !stored["g-3"] {
			t.Errorf("stored = %v; want g-1 and g-3", stored)
		}
		if got, err := st.Stored(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("no guids: %v, %v", got, err)
		}

		now := time.Now()
		if err := st.RecordRequest(ctx, "g-2", 11, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordRequest(ctx, "g-4", 12, now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordRequest(ctx, "g-4", 13, now); err != nil { // asked again: the time moves
			t.Fatal(err)
		}
		recent, err := st.RequestedSince(ctx, guids, now.Add(-time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if len(recent) != 1 || !recent["g-4"] {
			t.Errorf("requested since a minute = %v; want g-4", recent)
		}
		if all, _ := st.RequestedSince(ctx, guids, now.Add(-2*time.Hour)); len(all) != 2 {
			t.Errorf("requested since two hours = %v; want g-2 and g-4", all)
		}
	})
}

func TestRecoveryCheckpointMovesForwardOnly(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		st := openTest(t, url, nil)
		ctx := context.Background()
		if cp, err := st.Checkpoint(ctx); err != nil || !cp.IsZero() {
			t.Fatalf("fresh checkpoint = %+v, %v; want zero", cp, err)
		}
		at := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
		save := func(cp recovery.Checkpoint) {
			t.Helper()
			if err := st.SaveCheckpoint(ctx, cp, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		want := recovery.Checkpoint{DeliveredAt: at, DeliveryID: 100}
		save(want)
		save(recovery.Checkpoint{DeliveredAt: at.Add(-time.Minute), DeliveryID: 200}) // older: ignored
		save(recovery.Checkpoint{DeliveredAt: at, DeliveryID: 99})                    // same time, lower id: ignored
		save(recovery.Checkpoint{})                                                   // nothing seen: kept
		if cp, err := st.Checkpoint(ctx); err != nil || !cp.DeliveredAt.Equal(want.DeliveredAt) || cp.DeliveryID != 100 {
			t.Fatalf("checkpoint = %+v, %v; want %+v", cp, err, want)
		}
		save(recovery.Checkpoint{DeliveredAt: at, DeliveryID: 101})
		if cp, _ := st.Checkpoint(ctx); cp.DeliveryID != 101 {
			t.Fatalf("checkpoint = %+v; want id 101", cp)
		}

		// Saving forgets requests older than asked.
		now := time.Now()
		_ = st.RecordRequest(ctx, "old", 1, now.Add(-80*time.Hour))
		_ = st.RecordRequest(ctx, "new", 2, now)
		if err := st.SaveCheckpoint(ctx, recovery.Checkpoint{}, now.Add(-72*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if left, _ := st.RequestedSince(ctx, []string{"old", "new"}, time.Time{}); len(left) != 1 || !left["new"] {
			t.Errorf("redelivery requests left: %v; want new only", left)
		}
	})
}

// The pass runs as a periodic job: once when the client starts, then every
// interval.
func TestRecoveryRunsPeriodically(t *testing.T) {
	eachStore(t, func(t *testing.T, url string) {
		ctx := context.Background()
		st, err := Open(ctx, url, Options{Workers: 2, JobTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(st.Close)
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		var runs atomic.Int32
		st.EveryRecovery(300*time.Millisecond, func(context.Context) error {
			runs.Add(1)
			return fmt.Errorf("a failed pass completes its job all the same")
		})
		if err := st.Start(ctx, processorFunc(nil)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = st.Stop(stopCtx)
		})
		started := time.Now()
		waitFor(t, "the first pass", func() bool { return runs.Load() >= 1 })
		t.Logf("first pass %s after start", time.Since(started).Round(time.Millisecond))
		waitFor(t, "three passes", func() bool { return runs.Load() >= 3 })
	})
}
