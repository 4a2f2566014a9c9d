package recovery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/issueops/issueops/app"
)

var t0 = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fakeGitHub serves a fixed delivery list (newest first) in pages.
type fakeGitHub struct {
	list       []Delivery
	listed     []string // cursors asked for
	redeliver  []int64
	failOn     map[int64]error
	listErr    error
	perPageGot int
}

func (g *fakeGitHub) ListDeliveries(_ context.Context, cursor string, perPage int) (Page, error) {
	g.listed = append(g.listed, cursor)
	g.perPageGot = perPage
	if g.listErr != nil {
		return Page{}, g.listErr
	}
	start := 0
	if cursor != "" {
		fmt.Sscanf(cursor, "c%d", &start)
	}
	end := min(start+perPage, len(g.list))
	p := Page{Deliveries: g.list[start:end]}
	if end < len(g.list) {
		p.Next = fmt.Sprintf("c%d", end)
	}
	return p, nil
}

func (g *fakeGitHub) Redeliver(_ context.Context, id int64) error {
	g.redeliver = append(g.redeliver, id)
	return g.failOn[id]
}

type fakeStore struct {
	stored    map[string]bool
	requested map[string]time.Time
	cp        Checkpoint
	saves     int
}

func newStore() *fakeStore {
	return &fakeStore{stored: map[string]bool{}, requested: map[string]time.Time{}}
}

func (s *fakeStore) Stored(_ context.Context, guids []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, g := range guids {
		if s.stored[g] {
			out[g] = true
		}
	}
	return out, nil
}

func (s *fakeStore) RequestedSince(_ context.Context, guids []string, since time.Time) (map[string]bool, error) {
	out := map[string]bool{}
	for _, g := range guids {
		if at, ok := s.requested[g]; ok && !at.Before(since) {
			out[g] = true
		}
	}
	return out, nil
}

func (s *fakeStore) RecordRequest(_ context.Context, guid string, _ int64, at time.Time) error {
	s.requested[guid] = at
	return nil
}

func (s *fakeStore) Checkpoint(context.Context) (Checkpoint, error) { return s.cp, nil }

func (s *fakeStore) SaveCheckpoint(_ context.Context, cp Checkpoint, _ time.Time) error {
	s.cp = cp
	s.saves++
	return nil
}

type countMetrics struct{ requests, failures map[string]int }

func (m *countMetrics) RedeliveryRequested(status string) { m.requests[status]++ }
func (m *countMetrics) RecoveryFailed(reason string)      { m.failures[reason]++ }

// attempt builds a delivery attempt ago before t0; ok means delivered.
func attempt(id int64, guid string, ago time.Duration, ok bool) Delivery {
	d := Delivery{ID: id, GUID: guid, DeliveredAt: t0.Add(-ago), Event: "issue_comment", Action: "created",
		Status: "OK", StatusCode: 202}
	if !ok {
		d.Status, d.StatusCode = "failed to connect to host", 0
	}
	return d
}

func newRecoverer(g *fakeGitHub, st *fakeStore, m *countMetrics) *Recoverer {
	cfg := Config{Window: time.Hour, Overlap: time.Minute, AskAgainAfter: 10 * time.Minute, PerPage: 2,
		Now: func() time.Time { return t0 }}
	if m != nil {
		cfg.Metrics = m
	}
	return New(g, st, cfg)
}

func newMetrics() *countMetrics {
	return &countMetrics{requests: map[string]int{}, failures: map[string]int{}}
}

func TestPassRedeliversEachMissedGUIDOnce(t *testing.T) {
	g := &fakeGitHub{list: []Delivery{
		attempt(9, "g-ok-after-retry", 1*time.Minute, true), // a redelivery that worked
		attempt(8, "g-missed", 2*time.Minute, false),        // a failed redelivery of g-missed
		attempt(7, "g-ok-after-retry", 3*time.Minute, false),
		attempt(6, "g-stored", 4*time.Minute, false), // failed as GitHub saw it, yet stored
		attempt(5, "g-missed", 5*time.Minute, false),
		attempt(4, "g-fine", 6*time.Minute, true),
		attempt(3, "g-asked", 7*time.Minute, false),
		{ID: 2, GUID: "g-503", DeliveredAt: t0.Add(-8 * time.Minute), Status: "Invalid HTTP Response: 503", StatusCode: 503},
		{ID: 1, GUID: "g-200-not-ok", DeliveredAt: t0.Add(-9 * time.Minute), Status: "timed out", StatusCode: 200},
		// Refused on purpose (bad signature): the same answer would come again.
		{ID: 0, GUID: "g-401", DeliveredAt: t0.Add(-9*time.Minute - time.Second), Status: "Invalid HTTP Response: 401", StatusCode: 401},
	}}
	st := newStore()
	st.stored["g-stored"] = true
	st.requested["g-asked"] = t0.Add(-5 * time.Minute)
	m := newMetrics()
	res, err := newRecoverer(g, st, m).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// g-missed once, by its newest failed attempt; g-503 and g-200-not-ok.
	if want := []int64{8, 2, 1}; !slices.Equal(g.redeliver, want) {
		t.Errorf("redelivered attempts %v; want %v", g.redeliver, want)
	}
	if res.Requested != 3 || res.Stored != 1 || res.Recent != 1 || res.Missed != 5 || res.Pages != 5 {
		t.Errorf("result %+v", res)
	}
	if m.requests["accepted"] != 3 || len(m.failures) != 0 {
		t.Errorf("metrics %+v", m)
	}
	// The checkpoint waits at the oldest attempt still waiting for its
	// redelivery (g-200-not-ok), so a redelivery that fails too is seen.
	if st.cp != (Checkpoint{DeliveredAt: t0.Add(-9 * time.Minute)}) {
		t.Errorf("checkpoint %+v; want the oldest pending attempt", st.cp)
	}
	// A second pass right away asks for nothing: each guid was asked recently.
	g.redeliver = nil
	if _, err := newRecoverer(g, st, m).Run(context.Background()); err != nil || len(g.redeliver) != 0 {
		t.Errorf("second pass redelivered %v (%v)", g.redeliver, err)
	}
}

func TestFirstPassStopsAtWindowLaterPassesAtCheckpoint(t *testing.T) {
	var list []Delivery
	for i := range 20 { // one failed attempt every 10 minutes, newest first
		list = append(list, attempt(int64(100-i), fmt.Sprintf("g%d", i), time.Duration(i)*10*time.Minute, false))
	}
	g := &fakeGitHub{list: list}
	st := newStore()
	if _, err := newRecoverer(g, st, nil).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Window 1h: attempts 0..60 minutes old (7), seen on 4 pages of 2.
	if len(g.redeliver) != 7 || len(g.listed) != 4 {
		t.Errorf("first pass: %d redeliveries, %d pages; want 7 and 4", len(g.redeliver), len(g.listed))
	}
	if st.cp.DeliveredAt != t0.Add(-60*time.Minute) {
		t.Errorf("checkpoint %+v; want held at the oldest redelivery asked for", st.cp)
	}
	// Later: three new attempts; the pass reads back to the checkpoint
	// minus the overlap (1 minute) and stops there.
	g.list = append([]Delivery{
		attempt(103, "n3", -30*time.Minute, false),
		attempt(102, "n2", -20*time.Minute, false),
		attempt(101, "n1", -10*time.Minute, false),
	}, list...)
	for i := range 7 { // the redeliveries of the first pass arrived
		st.stored[fmt.Sprintf("g%d", i)] = true
	}
	g.listed, g.redeliver = nil, nil
	r := newRecoverer(g, st, nil)
	r.cfg.Now = func() time.Time { return t0.Add(time.Hour) }
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []int64{103, 102, 101}; !slices.Equal(g.redeliver, want) {
		t.Errorf("second pass redelivered %v; want %v", g.redeliver, want)
	}
	// Pages [103 102] [101 100] [99 98] [97 96] [95 94] [93 92]: 93 is
	// older than the checkpoint minus the overlap, so that page is the last.
	if len(g.listed) != 6 {
		t.Errorf("second pass listed %d pages; want 6 (stop at the checkpoint)", len(g.listed))
	}
	if st.cp.DeliveredAt != t0.Add(10*time.Minute) {
		t.Errorf("checkpoint %+v; want held at n1, the oldest asked for", st.cp)
	}
	// Once the redeliveries arrived, the checkpoint moves to the newest.
	for _, guid := range []string{"n1", "n2", "n3"} {
		st.stored[guid] = true
	}
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st.cp.DeliveryID != 103 {
		t.Errorf("checkpoint %+v; want 103", st.cp)
	}
}

func TestRateLimitStopsThePassAndKeepsTheCheckpoint(t *testing.T) {
	g := &fakeGitHub{list: []Delivery{
		attempt(3, "a", time.Minute, false),
		attempt(2, "b", 2*time.Minute, false),
		attempt(1, "c", 3*time.Minute, false),
	}, failOn: map[int64]error{2: &app.RetryAfterError{Delay: time.Minute, Err: errors.New("429")}}}
	st := newStore()
	m := newMetrics()
	_, err := newRecoverer(g, st, m).Run(context.Background())
	var later *app.RetryAfterError
	if !errors.As(err, &later) {
		t.Fatalf("err = %v; want the rate limit", err)
	}
	if want := []int64{3, 2}; !slices.Equal(g.redeliver, want) {
		t.Errorf("redelivered %v; want %v (stop at the rate limit)", g.redeliver, want)
	}
	if !st.cp.IsZero() || st.saves != 0 {
		t.Errorf("checkpoint moved after a stopped pass: %+v", st.cp)
	}
	if m.failures["rate_limited"] != 1 || m.requests["rate_limited"] != 1 || m.requests["accepted"] != 1 {
		t.Errorf("metrics %+v", m)
	}
	// The next pass asks for b and c, not a again.
	g.redeliver, g.failOn = nil, nil
	if _, err := newRecoverer(g, st, m).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []int64{2, 1}; !slices.Equal(g.redeliver, want) {
		t.Errorf("next pass redelivered %v; want %v", g.redeliver, want)
	}
}

func TestFailuresKeepTheCheckpoint(t *testing.T) {
	g := &fakeGitHub{list: []Delivery{
		attempt(3, "a", time.Minute, false),
		attempt(2, "b", 2*time.Minute, false),
		attempt(1, "c", 3*time.Minute, false),
	}, failOn: map[int64]error{
		3: errors.New("502"),
		2: app.Permanent(errors.New("422")),
	}}
	st := newStore()
	m := newMetrics()
	res, err := newRecoverer(g, st, m).Run(context.Background())
	if err == nil {
		t.Fatal("a transient failure must fail the pass")
	}
	if len(g.redeliver) != 3 || res.Requested != 1 || res.Rejected != 1 {
		t.Errorf("redelivered %v, result %+v; the others go on after one failure", g.redeliver, res)
	}
	if !st.cp.IsZero() {
		t.Errorf("checkpoint moved after a failed pass")
	}
	if m.failures["error"] != 1 || m.requests["failed"] != 1 || m.requests["rejected"] != 1 {
		t.Errorf("metrics %+v", m)
	}
	// Next pass: only a (failed transiently) is asked again; b was refused
	// for good and c accepted.
	g.redeliver, g.failOn = nil, nil
	if _, err := newRecoverer(g, st, m).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := []int64{3}; !slices.Equal(g.redeliver, want) {
		t.Errorf("next pass redelivered %v; want %v", g.redeliver, want)
	}

	g.listErr = errors.New("connection refused")
	if _, err := newRecoverer(g, newStore(), m).Run(context.Background()); err == nil || m.failures["error"] != 2 {
		t.Errorf("a failed listing: err %v, failures %v", err, m.failures)
	}
}

func TestAskAgainAfterTheQuietPeriod(t *testing.T) {
	g := &fakeGitHub{list: []Delivery{attempt(1, "a", time.Minute, false)}}
	st := newStore()
	st.requested["a"] = t0.Add(-11 * time.Minute) // AskAgainAfter is 10m
	if _, err := newRecoverer(g, st, nil).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.redeliver, []int64{1}) {
		t.Errorf("redelivered %v; want the guid asked for 11 minutes ago asked again", g.redeliver)
	}
	if !st.requested["a"].Equal(t0) {
		t.Errorf("request time not updated: %v", st.requested["a"])
	}
}
