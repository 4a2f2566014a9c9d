// Package store keeps deliveries and their jobs durably, in SQLite (the
// embedded default) or PostgreSQL (for several replicas), and runs the jobs
// with River. One code path serves both databases: what differs between them
// is the small dialect each constructor fills in.
package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/recovery"
)

// Delivery statuses as stored.
const (
	StatusQueued    = "queued"
	StatusIgnored   = "ignored"
	StatusProcessed = "processed"
	StatusFailed    = "failed"
)

// Runner runs one operation's job. Contract as Processor: RunOperation may be
// called more than once for the same operation (a crash, a retry, a snooze, a
// shutdown, a job enqueued again with EnqueueRun), and is called whatever the
// operation's state, since a run that ended the operation may still have
// reporting to finish. retry is false only on the first run of the
// operation's first job, and true on every later one (also after a snooze,
// although River does not count snoozes as attempts), when each write must
// first look for an earlier run's. A returned *app.RetryAfterError snoozes the
// job (how an external deploy is polled), an error wrapping app.ErrPermanent
// gives up, any other error retries with backoff. A job that gives up leaves
// the operation as it is: the Runner ends the operation itself (Finish)
// before it returns a permanent error.
//
// GiveUp is called when the job fails for good (a permanent error, or its
// attempts used up): the Runner ends the operation, which would otherwise
// keep its run slots. An error from it (the database was down) keeps the
// job, which gives up again later, so no operation is left running.
type Runner interface {
	RunOperation(ctx context.Context, opID int64, retry bool) error
	GiveUp(ctx context.Context, opID int64, cause error) error
}

// Processor handles one stored delivery. Contract: Process may be called more
// than once for the same delivery (a crash, a retry, a shutdown); retry is
// false only on the first run, when no earlier run can have written anything,
// and true on every later one, when each write must first look for an
// earlier run's. A returned *app.RetryAfterError reschedules the delivery after its
// delay, an error wrapping app.ErrPermanent gives up, any other error retries
// with backoff.
type Processor interface {
	Process(ctx context.Context, d app.Delivery, retry bool) error
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	// Workers is how many deliveries are processed at once (default 32).
	Workers int
	// JobTimeout bounds one processing; a job left running by a crashed
	// process is retried after twice this (default 1m).
	JobTimeout time.Duration
	// RetryBase is the first retry delay; each later one doubles, up to 10m
	// (default 1s).
	RetryBase time.Duration
	// MaxAttempts before a delivery is marked failed, or an operation's
	// job gives up; snoozes do not count (default 12).
	MaxAttempts int
	// Metrics receives job durations and outcomes; nil records nothing.
	Metrics JobMetrics
	// AdvanceInterval is how often the leader starts what can start in
	// every repository with queued operations, so a lock that expires frees
	// its queue by itself (default 30s).
	AdvanceInterval time.Duration
}

// JobMetrics records what happens to jobs. Contract: must be cheap and safe
// for concurrent use.
type JobMetrics interface {
	JobDone(event, outcome string, d time.Duration)
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Workers <= 0 {
		o.Workers = 32
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = time.Minute
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.AdvanceInterval <= 0 {
		o.AdvanceInterval = 30 * time.Second
	}
}

// Store is an open database with its job queue.
type Store struct {
	engine
	kind string
}

// engine is implemented once, generically over the transaction type of the
// database driver (see engine.go).
type engine interface {
	accept(ctx context.Context, d app.Delivery, enqueue bool) (app.Outcome, error)
	migrate(ctx context.Context) error
	start(ctx context.Context, p Processor) error
	stop(ctx context.Context) error
	ping(ctx context.Context) error
	delivery(ctx context.Context, id string) (StoredDelivery, error)
	stats(ctx context.Context, idPrefix string) (Stats, error)
	leaseRequest(ctx context.Context, key app.IssueKey, holder string, d time.Duration) (app.Request, bool, error)
	saveRequest(ctx context.Context, r app.Request, holder string) error
	releaseRequest(ctx context.Context, key app.IssueKey, holder string) error
	// Delivery recovery (recovery.go).
	ids(ctx context.Context, query string, args ...any) ([]string, error)
	recordRequest(ctx context.Context, guid string, deliveryID int64, at time.Time) error
	checkpoint(ctx context.Context) (recovery.Checkpoint, error)
	saveCheckpoint(ctx context.Context, cp recovery.Checkpoint, forgetBefore time.Time) error
	everyRecovery(interval time.Duration, pass func(context.Context) error)
	// Operations, their queue, locks and run jobs (operations.go, queue.go,
	// locks.go, opjobs.go).
	opsEngine
	// The audit log and the notification outbox (audit.go, notify.go).
	auditEngine
	close()
}

// Open connects to databaseURL: sqlite://PATH (the default kind) or
// postgres://… / postgresql://…. It does not migrate; call Migrate.
func Open(ctx context.Context, databaseURL string, opts Options) (*Store, error) {
	opts.defaults()
	switch {
	case strings.HasPrefix(databaseURL, "sqlite://"):
		e, err := openSQLite(strings.TrimPrefix(databaseURL, "sqlite://"), opts)
		if err != nil {
			return nil, err
		}
		return &Store{engine: e, kind: "sqlite"}, nil
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		e, err := openPostgres(ctx, databaseURL, opts)
		if err != nil {
			return nil, err
		}
		return &Store{engine: e, kind: "postgres"}, nil
	default:
		return nil, fmt.Errorf("database URL must start with sqlite:// or postgres://")
	}
}

// Kind is "sqlite" or "postgres".
func (s *Store) Kind() string { return s.kind }

// Migrate brings the schema (the app's tables and River's) up to date. Safe
// to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) error { return s.migrate(ctx) }

// Accept stores d once, unique on its id, and (when enqueue is true) its
// processing job in the same transaction. Concurrent calls are committed
// together (group commit); Accept returns only after its commit.
func (s *Store) Accept(ctx context.Context, d app.Delivery, enqueue bool) (app.Outcome, error) {
	return s.accept(ctx, d, enqueue)
}

// Start runs the job workers until Stop. Call SetRunner first when
// operations are run by this process.
func (s *Store) Start(ctx context.Context, p Processor) error { return s.start(ctx, p) }

// Stop stops fetching jobs and waits for running ones until ctx ends, then
// cancels them (they are retried on the next start).
func (s *Store) Stop(ctx context.Context) error { return s.stop(ctx) }

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.ping(ctx) }

// Delivery reads a stored delivery by id.
func (s *Store) Delivery(ctx context.Context, id string) (StoredDelivery, error) {
	return s.delivery(ctx, id)
}

// Stats counts the deliveries whose id starts with idPrefix: how the load
// command checks that nothing was lost or run twice.
func (s *Store) Stats(ctx context.Context, idPrefix string) (Stats, error) {
	return s.stats(ctx, idPrefix)
}

// Close releases the database.
func (s *Store) Close() { s.close() }

// StoredDelivery is a delivery with its processing state.
type StoredDelivery struct {
	app.Delivery
	Status string
	Runs   int // times a worker took the delivery up: more than 1 means it ran again
}

// Stats summarises a set of deliveries.
type Stats struct {
	Stored    int // rows
	Processed int // status processed
	Ignored   int
	Failed    int
	RunTwice  int // rows taken up more than once (a retry, a crash, or a duplicate job)
}

// ErrNotFound is returned for an unknown delivery id.
var ErrNotFound = errors.New("not found")
