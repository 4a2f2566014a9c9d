// Package recovery asks GitHub to redeliver the webhook deliveries the app
// missed. GitHub does not retry a failed delivery by itself: while the app is
// down, or answers 503 because its database is, GitHub records the attempt as
// failed and moves on. A pass lists the App's recent deliveries from a stored
// checkpoint, newest first, and asks for one redelivery of each event (guid)
// that no attempt delivered and the store does not hold. The intake's dedupe
// on the delivery id (the guid) makes an unneeded redelivery a no-op.
//
// The package holds the rules only; GitHub and the database are reached
// through the two small interfaces below.
package recovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/issueops/issueops/app"
)

// Delivery is one delivery attempt as GitHub lists it. Attempts of the same
// event (the original and its redeliveries) share GUID; ID names the attempt.
type Delivery struct {
	ID          int64
	GUID        string
	DeliveredAt time.Time
	Redelivery  bool
	Status      string // "OK" when delivered
	StatusCode  int    // the app's answer; 0 when none came
	Event       string
	Action      string
}

// OK reports whether the attempt reached the app and was accepted.
func (d Delivery) OK() bool { return d.StatusCode/100 == 2 && d.Status == "OK" }

// Refused reports whether the app answered with a deliberate 4xx (a bad
// signature, a body too large): asking GitHub to send it again would get the
// same answer. A timeout (408) or a rate limit (429) is worth another try.
func (d Delivery) Refused() bool {
	return d.StatusCode/100 == 4 && d.StatusCode != 408 && d.StatusCode != 429
}

// Page is one page of the delivery list, newest first.
type Page struct {
	Deliveries []Delivery
	// Next is the cursor of the following (older) page; "" on the last.
	Next string
}

// GitHub lists and redelivers the App's webhook deliveries (App JWT).
// Contract: List returns the page at cursor ("" for the newest) of at most
// perPage attempts, newest first; Redeliver asks GitHub to send the attempt's
// event again and returns nil once GitHub accepted the request (202). A rate
// limit is an *app.RetryAfterError, a refusal (404, 422) wraps
// app.ErrPermanent; any other error is transient.
type GitHub interface {
	ListDeliveries(ctx context.Context, cursor string, perPage int) (Page, error)
	Redeliver(ctx context.Context, deliveryID int64) error
}

// Checkpoint is the newest attempt a successful pass examined.
type Checkpoint struct {
	DeliveredAt time.Time
	DeliveryID  int64
}

// IsZero reports whether no pass has succeeded yet.
func (c Checkpoint) IsZero() bool { return c.DeliveryID == 0 && c.DeliveredAt.IsZero() }

// before reports whether the checkpoint is older than d.
func (c Checkpoint) before(d Delivery) bool {
	return d.DeliveredAt.After(c.DeliveredAt) || (d.DeliveredAt.Equal(c.DeliveredAt) && d.ID > c.DeliveryID)
}

// Store is what a pass reads and writes in the database. Contract: Stored
// returns the subset of guids held in the deliveries table; RequestedSince
// the subset whose redelivery was asked for at or after since; a zero
// Checkpoint means none saved.
type Store interface {
	Stored(ctx context.Context, guids []string) (map[string]bool, error)
	RequestedSince(ctx context.Context, guids []string, since time.Time) (map[string]bool, error)
	RecordRequest(ctx context.Context, guid string, deliveryID int64, at time.Time) error
	Checkpoint(ctx context.Context) (Checkpoint, error)
	// SaveCheckpoint stores cp and forgets redelivery requests older than
	// forgetBefore.
	SaveCheckpoint(ctx context.Context, cp Checkpoint, forgetBefore time.Time) error
}

// Metrics records what passes do. Contract: cheap and safe for concurrent
// use. status is accepted, rejected, rate_limited or failed; reason is
// rate_limited or error.
type Metrics interface {
	RedeliveryRequested(status string)
	RecoveryFailed(reason string)
}

// Config tunes a Recoverer; zero fields take the defaults.
type Config struct {
	// Window is how far back the first pass looks (default 24h).
	Window time.Duration
	// Retention is how long GitHub keeps deliveries (3 days): a checkpoint
	// older than that is useless.
	Retention time.Duration
	// Overlap is scanned again before the checkpoint, for attempts listed
	// late (default 5m).
	Overlap time.Duration
	// AskAgainAfter is how long after a redelivery request the same guid is
	// not asked for again (default 15m), so a slow GitHub is not flooded.
	AskAgainAfter time.Duration
	// PerPage and MaxPages bound one pass's listing (defaults 100 and 50).
	PerPage, MaxPages int
	Metrics           Metrics
	Logger            *slog.Logger
	Now               func() time.Time
}

func (c *Config) defaults() {
	if c.Window <= 0 {
		c.Window = 24 * time.Hour
	}
	if c.Retention <= 0 {
		c.Retention = 72 * time.Hour
	}
	if c.Overlap <= 0 {
		c.Overlap = 5 * time.Minute
	}
	if c.AskAgainAfter <= 0 {
		c.AskAgainAfter = 15 * time.Minute
	}
	if c.PerPage <= 0 {
		c.PerPage = 100
	}
	if c.MaxPages <= 0 {
		c.MaxPages = 50
	}
	if c.Metrics == nil {
		c.Metrics = noMetrics{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

// Recoverer runs passes.
type Recoverer struct {
	gh  GitHub
	st  Store
	cfg Config
}

// New returns a Recoverer over gh and st.
func New(gh GitHub, st Store, cfg Config) *Recoverer {
	cfg.defaults()
	return &Recoverer{gh: gh, st: st, cfg: cfg}
}

// Result says what a pass did.
type Result struct {
	Pages     int // pages listed
	Examined  int // attempts at or after the floor
	Missed    int // guids no attempt delivered
	Stored    int // of those, held in the store anyway
	Recent    int // of those, asked for recently
	Requested int // redelivery requests GitHub accepted
	Rejected  int // requests GitHub refused for good
	// pending is the oldest failed attempt of a guid still waiting for its
	// redelivery (asked now or recently, not stored yet): the checkpoint
	// must not pass it, or a redelivery that fails too is never seen again.
	pending time.Time
}

// hold keeps the checkpoint at or before at.
func (res *Result) hold(at time.Time) {
	if res.pending.IsZero() || at.Before(res.pending) {
		res.pending = at
	}
}

// Run runs one pass and records a failed one in the metrics. A rate limit
// stops the pass: the next one continues. The checkpoint only moves when the
// whole pass succeeded.
func (r *Recoverer) Run(ctx context.Context) (Result, error) {
	res, err := r.pass(ctx)
	log := r.cfg.Logger.With("pages", res.Pages, "examined", res.Examined, "missed", res.Missed,
		"stored", res.Stored, "asked_recently", res.Recent, "requested", res.Requested, "rejected", res.Rejected)
	var later *app.RetryAfterError
	switch {
	case errors.As(err, &later):
		r.cfg.Metrics.RecoveryFailed("rate_limited")
		log.Warn("delivery recovery rate limited; the next pass continues", "retry_after", later.Delay.String())
	case err != nil:
		r.cfg.Metrics.RecoveryFailed("error")
		log.Warn("delivery recovery pass failed; the next pass retries", "err", err)
	case res.Requested > 0 || res.Rejected > 0:
		log.Info("delivery recovery pass")
	default:
		log.Debug("delivery recovery pass")
	}
	return res, err
}

func (r *Recoverer) pass(ctx context.Context) (Result, error) {
	var res Result
	now := r.cfg.Now()
	cp, err := r.st.Checkpoint(ctx)
	if err != nil {
		return res, fmt.Errorf("read checkpoint: %w", err)
	}
	floor := now.Add(-r.cfg.Window)
	if !cp.IsZero() {
		floor = cp.DeliveredAt.Add(-r.cfg.Overlap)
		if oldest := now.Add(-r.cfg.Retention); floor.Before(oldest) {
			floor = oldest
		}
	}
	missed, newest, err := r.scan(ctx, floor, cp, &res)
	if err != nil {
		return res, err
	}
	if err := r.request(ctx, missed, now, &res); err != nil {
		return res, err
	}
	if !res.pending.IsZero() && res.pending.Before(newest.DeliveredAt) {
		newest = Checkpoint{DeliveredAt: res.pending}
	}
	if err := r.st.SaveCheckpoint(ctx, newest, now.Add(-r.cfg.Retention)); err != nil {
		return res, fmt.Errorf("save checkpoint: %w", err)
	}
	return res, nil
}

// scan lists attempts back to floor and returns, for each guid that no
// attempt delivered, its newest failed attempt (in listing order), and the
// newest attempt seen.
func (r *Recoverer) scan(ctx context.Context, floor time.Time, cp Checkpoint, res *Result) ([]Delivery, Checkpoint, error) {
	var (
		newest    = cp
		delivered = map[string]bool{}
		failed    = map[string]Delivery{}
		order     []string
		cursor    string
	)
	for {
		page, err := r.gh.ListDeliveries(ctx, cursor, r.cfg.PerPage)
		if err != nil {
			return nil, newest, fmt.Errorf("list deliveries: %w", err)
		}
		res.Pages++
		reached := false
		for _, d := range page.Deliveries {
			if d.DeliveredAt.Before(floor) {
				reached = true
				continue
			}
			res.Examined++
			if newest.before(d) {
				newest = Checkpoint{DeliveredAt: d.DeliveredAt, DeliveryID: d.ID}
			}
			if d.OK() || d.Refused() {
				delivered[d.GUID] = true // settled: answered, or refused on purpose
				continue
			}
			if prev, seen := failed[d.GUID]; !seen || prev.DeliveredAt.Before(d.DeliveredAt) {
				if !seen {
					order = append(order, d.GUID)
				}
				failed[d.GUID] = d
			}
		}
		if reached || page.Next == "" {
			break
		}
		if res.Pages >= r.cfg.MaxPages {
			r.cfg.Logger.Warn("delivery recovery stopped listing at the page limit", "pages", res.Pages)
			break
		}
		cursor = page.Next
	}
	var missed []Delivery
	for _, guid := range order {
		if !delivered[guid] && guid != "" {
			missed = append(missed, failed[guid])
		}
	}
	res.Missed = len(missed)
	return missed, newest, nil
}

// request asks for one redelivery of each missed guid the store does not
// hold and nobody asked for recently.
func (r *Recoverer) request(ctx context.Context, missed []Delivery, now time.Time, res *Result) error {
	if len(missed) == 0 {
		return nil
	}
	guids := make([]string, len(missed))
	for i, d := range missed {
		guids[i] = d.GUID
	}
	stored, err := r.st.Stored(ctx, guids)
	if err != nil {
		return fmt.Errorf("look up stored deliveries: %w", err)
	}
	recent, err := r.st.RequestedSince(ctx, guids, now.Add(-r.cfg.AskAgainAfter))
	if err != nil {
		return fmt.Errorf("look up redelivery requests: %w", err)
	}
	var transient error
	for _, d := range missed {
		switch {
		case stored[d.GUID]:
			res.Stored++
			continue
		case recent[d.GUID]:
			res.Recent++
			res.hold(d.DeliveredAt)
			continue
		}
		status, err := r.redeliver(ctx, d, now)
		r.cfg.Metrics.RedeliveryRequested(status)
		switch status {
		case "accepted":
			res.Requested++
			res.hold(d.DeliveredAt)
		case "rejected":
			res.Rejected++
		case "rate_limited":
			return err
		default:
			transient = errors.Join(transient, err)
		}
	}
	return transient
}

// redeliver asks for d once and records the request; it returns the metric
// status and, for anything but accepted, the error.
func (r *Recoverer) redeliver(ctx context.Context, d Delivery, now time.Time) (string, error) {
	err := r.gh.Redeliver(ctx, d.ID)
	var later *app.RetryAfterError
	switch {
	case err == nil:
	case errors.As(err, &later):
		return "rate_limited", fmt.Errorf("redeliver %s: %w", d.GUID, err)
	case errors.Is(err, app.ErrPermanent):
		// Refused for good (too old, gone): recorded as asked, so the next
		// passes do not ask again and again.
		r.cfg.Logger.Warn("GitHub refused a redelivery", "delivery_id", d.GUID, "attempt_id", d.ID, "err", err)
		if rerr := r.st.RecordRequest(ctx, d.GUID, d.ID, now); rerr != nil {
			return "failed", fmt.Errorf("record redelivery request %s: %w", d.GUID, rerr)
		}
		return "rejected", err
	default:
		return "failed", fmt.Errorf("redeliver %s: %w", d.GUID, err)
	}
	r.cfg.Logger.Info("asked GitHub to redeliver a missed delivery", "delivery_id", d.GUID, "attempt_id", d.ID,
		"event", d.Event, "action", d.Action, "delivered_at", d.DeliveredAt, "status_code", d.StatusCode)
	if err := r.st.RecordRequest(ctx, d.GUID, d.ID, now); err != nil {
		// GitHub redelivers anyway; without the record a later pass may ask
		// once more, which the intake's dedupe absorbs.
		r.cfg.Logger.Warn("could not record a redelivery request", "delivery_id", d.GUID, "err", err)
	}
	return "accepted", nil
}

type noMetrics struct{}

func (noMetrics) RedeliveryRequested(string) {}
func (noMetrics) RecoveryFailed(string)      {}
