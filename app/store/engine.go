package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// DeliveryArgs is the job that processes one stored delivery. It carries only
// the id: the delivery itself is read from its row, written in the same
// transaction as the job.
type DeliveryArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job for River.
func (DeliveryArgs) Kind() string { return "delivery" }

// row is what a single-row query returns, in both drivers.
type row interface{ Scan(dest ...any) error }

// dialect is the little that differs between SQLite and PostgreSQL.
type dialect[TTx any] struct {
	begin    func(ctx context.Context) (TTx, error)
	commit   func(ctx context.Context, tx TTx) error
	rollback func(ctx context.Context, tx TTx) error
	// beginIntake starts the transaction that stores deliveries: it must be
	// durable on disk at commit, since GitHub is told "stored" right after.
	// release is called after the commit or rollback.
	beginIntake func(ctx context.Context) (tx TTx, release func(), err error)
	// relax lets tx commit without waiting for the disk: for job bookkeeping
	// whose loss in a power cut only means an idempotent re-run.
	relax func(ctx context.Context, tx TTx) error
	// execTx runs a statement in tx and returns the rows it affected.
	execTx func(ctx context.Context, tx TTx, query string, args ...any) (int64, error)
	// queryRowTx runs a single-row query in tx.
	queryRowTx func(ctx context.Context, tx TTx, query string, args ...any) row
	// idsTx runs a statement in tx and returns the first column of its rows.
	idsTx    func(ctx context.Context, tx TTx, query string, args ...any) ([]string, error)
	queryRow func(ctx context.Context, query string, args ...any) row
	ping     func(ctx context.Context) error
	close    func()
	// rebind turns the ? placeholders of this package's SQL into the driver's.
	rebind func(query string) string
	// lockMigrations serialises migrations across processes.
	lockMigrations func(ctx context.Context) (unlock func(), err error)
	migrations     []string
	// committers is how many group-commit writers run at once: 1 for SQLite,
	// which has one writer anyway, more for PostgreSQL.
	committers int
	// riverConfig adjusts River for the database (polling for SQLite).
	riverConfig func(*river.Config)
	// rowsTx runs a query in tx and calls each for every row, in order.
	rowsTx func(ctx context.Context, tx TTx, each func(row) error, query string, args ...any) error
	// lockRepo serialises, until tx ends, the transactions that change one
	// repository's queue, slots or locks: PostgreSQL takes an advisory
	// transaction lock; SQLite, with one writer, needs nothing.
	lockRepo func(ctx context.Context, tx TTx, repoID int64) error
	// lockAudit serialises, until tx ends, the transactions that append to
	// the audit log, so that seq has no gap and each hash chains to the
	// entry before it: PostgreSQL takes an advisory transaction lock;
	// SQLite, with one writer, needs nothing. It is always taken last
	// (appendAuditTx), after any lockRepo.
	lockAudit func(ctx context.Context, tx TTx) error
	// retryable reports whether a failed transaction may simply be run
	// again (a PostgreSQL deadlock or serialization failure).
	retryable func(err error) bool
	// uniqueViolation reports whether err is a unique constraint's refusal.
	uniqueViolation func(err error) bool
}

// engineOf implements engine for one driver.
type engineOf[TTx any] struct {
	dialect[TTx]
	driver    riverdriver.Driver[TTx]
	client    *river.Client[TTx]
	opts      Options
	processor Processor
	runner    Runner
	notifier  Notifier
	requests  chan acceptRequest
	done      chan struct{}
	// recoveryPass runs a delivery recovery pass (EveryRecovery).
	recoveryPass func(context.Context) error
}

func newEngine[TTx any](d dialect[TTx], driver riverdriver.Driver[TTx], opts Options) (*engineOf[TTx], error) {
	e := &engineOf[TTx]{dialect: d, driver: driver, opts: opts,
		requests: make(chan acceptRequest, 1024), done: make(chan struct{})}
	workers := river.NewWorkers()
	river.AddWorker[DeliveryArgs](workers, &deliveryWorker[TTx]{e: e})
	river.AddWorker[RecoveryArgs](workers, &recoveryWorker[TTx]{e: e})
	river.AddWorker[OperationArgs](workers, &operationWorker[TTx]{e: e})
	river.AddWorker[AdvanceArgs](workers, &advanceWorker[TTx]{e: e})
	river.AddWorker[NotifyArgs](workers, &notifyWorker[TTx]{e: e})
	cfg := &river.Config{
		Logger:               riverLogger(opts.Logger),
		JobTimeout:           opts.JobTimeout,
		RescueStuckJobsAfter: 2 * opts.JobTimeout,
		MaxAttempts:          opts.MaxAttempts,
		RetryPolicy:          &retryPolicy{base: opts.RetryBase},
		Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: opts.Workers},
			notifyQueue: {MaxWorkers: notifyWorkers}},
		Workers:       workers,
		FetchCooldown: 2 * time.Millisecond,
		PeriodicJobs:  []*river.PeriodicJob{advancePeriodically(opts.AdvanceInterval)},
	}
	if d.riverConfig != nil {
		d.riverConfig(cfg)
	}
	client, err := river.NewClient(driver, cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	e.client = client
	for range d.committers {
		go e.commitLoop()
	}
	return e, nil
}

func (e *engineOf[TTx]) close() {
	close(e.done)
	e.dialect.close()
}

func (e *engineOf[TTx]) ping(ctx context.Context) error { return e.dialect.ping(ctx) }

func (e *engineOf[TTx]) migrate(ctx context.Context) error {
	unlock, err := e.lockMigrations(ctx)
	if err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer unlock()
	if err := e.migrateOwn(ctx); err != nil {
		return err
	}
	migrator, err := rivermigrate.New(e.driver, &rivermigrate.Config{Logger: riverLogger(e.opts.Logger)})
	if err != nil {
		return fmt.Errorf("river migrator: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// migrateOwn applies this package's numbered migrations in one transaction
// that also reads the current version, so two processes starting together
// cannot both apply the same step (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
// advisory lock of lockMigrations).
func (e *engineOf[TTx]) migrateOwn(ctx context.Context) error {
	tx, err := e.begin(ctx)
	if err != nil {
		return err
	}
	if err := e.applyMigrations(ctx, tx); err != nil {
		_ = e.rollback(ctx, tx)
		return err
	}
	return e.commit(ctx, tx)
}

func (e *engineOf[TTx]) applyMigrations(ctx context.Context, tx TTx) error {
	if _, err := e.execTx(ctx, tx, `CREATE TABLE IF NOT EXISTS issueops_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	var current int
	if err := e.queryRowTx(ctx, tx, `SELECT COALESCE(MAX(version), 0) FROM issueops_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	for i := current; i < len(e.migrations); i++ {
		if _, err := e.execTx(ctx, tx, e.migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO issueops_migrations (version, applied_at) VALUES (?, ?)`),
			i+1, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

func (e *engineOf[TTx]) start(ctx context.Context, p Processor) error {
	e.processor = p
	return e.client.Start(ctx)
}

func (e *engineOf[TTx]) stop(ctx context.Context) error {
	if err := e.client.Stop(ctx); err != nil {
		// Out of time: cancel what still runs. Those jobs are retried on the
		// next start, and every step they take is idempotent.
		cancelCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return errors.Join(err, e.client.StopAndCancel(cancelCtx))
	}
	return nil
}

const selectDelivery = `SELECT id, event, action, installation_id, headers, body, received_at, status, runs
	FROM deliveries WHERE id = ?`

func (e *engineOf[TTx]) delivery(ctx context.Context, id string) (StoredDelivery, error) {
	return e.readDelivery(e.queryRow(ctx, e.rebind(selectDelivery), id))
}

// readDelivery scans a row of selectDelivery.
func (e *engineOf[TTx]) readDelivery(r row) (StoredDelivery, error) {
	var (
		sd       StoredDelivery
		headers  string
		received int64
	)
	err := r.Scan(&sd.ID, &sd.Event, &sd.Action, &sd.InstallationID, &headers, &sd.Body, &received, &sd.Status, &sd.Runs)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return sd, ErrNotFound
	}
	if err != nil {
		return sd, fmt.Errorf("read delivery: %w", err)
	}
	sd.ReceivedAt = time.UnixMilli(received)
	if err := json.Unmarshal([]byte(headers), &sd.Headers); err != nil {
		return sd, fmt.Errorf("decode stored headers: %w", err)
	}
	return sd, nil
}

func (e *engineOf[TTx]) stats(ctx context.Context, idPrefix string) (Stats, error) {
	var s Stats
	err := e.queryRow(ctx, e.rebind(`SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN status = 'processed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'ignored' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN runs > 1 THEN 1 ELSE 0 END), 0)
		FROM deliveries WHERE id LIKE ?`), likePrefix(idPrefix)).Scan(&s.Stored, &s.Processed, &s.Ignored, &s.Failed, &s.RunTwice)
	if err != nil {
		return s, fmt.Errorf("delivery stats: %w", err)
	}
	return s, nil
}

// likePrefix turns prefix into a LIKE pattern matching the ids that start
// with it. LIKE's own wildcards are dropped from the prefix rather than
// escaped, which the two databases spell differently.
func likePrefix(prefix string) string {
	b := make([]byte, 0, len(prefix)+1)
	for i := 0; i < len(prefix); i++ {
		if c := prefix[i]; c != '%' && c != '_' {
			b = append(b, c)
		}
	}
	return string(b) + "%"
}

// retryPolicy doubles the delay from base at each attempt, up to ten
// minutes, with ±10 % jitter so that a burst of failures does not come back
// as a burst.
type retryPolicy struct{ base time.Duration }

func (p *retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	delay := p.base
	for i := 1; i < job.Attempt && delay < 10*time.Minute; i++ {
		delay *= 2
	}
	delay = min(delay, 10*time.Minute)
	jitter := time.Duration(float64(delay) * (0.9 + 0.2*rand.Float64()))
	return time.Now().Add(jitter)
}

// riverLogger passes on River's warnings and errors only: at info level it
// reports job counts every few seconds, which buries the app's own logs.
func riverLogger(l *slog.Logger) *slog.Logger {
	return slog.New(warnAndAbove{l.Handler()}).With("component", "river")
}

type warnAndAbove struct{ slog.Handler }

func (h warnAndAbove) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn && h.Handler.Enabled(ctx, level)
}

func (h warnAndAbove) WithAttrs(attrs []slog.Attr) slog.Handler {
	return warnAndAbove{h.Handler.WithAttrs(attrs)}
}

func (h warnAndAbove) WithGroup(name string) slog.Handler {
	return warnAndAbove{h.Handler.WithGroup(name)}
}
