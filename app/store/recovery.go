package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/issueops/issueops/app/recovery"
)

// recoveryCheckpointTable holds the newest delivery attempt a successful
// recovery pass examined (one row, name 'app_hook'), so a restart does not
// scan GitHub's whole delivery list again.
const recoveryCheckpointTable = `CREATE TABLE recovery_checkpoint (
	name         TEXT PRIMARY KEY,
	delivered_at BIGINT NOT NULL,
	delivery_id  BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL
)`

// redeliveryRequestsTable remembers when a redelivery of each guid was last
// asked for, so a slow GitHub is not asked again at every pass.
const redeliveryRequestsTable = `CREATE TABLE redelivery_requests (
	guid         TEXT PRIMARY KEY,
	delivery_id  BIGINT NOT NULL,
	requested_at BIGINT NOT NULL
)`

const checkpointName = "app_hook"

// lookupChunk bounds the ids of one IN (…) list.
const lookupChunk = 500

// Stored returns which of guids are held in the deliveries table (the guid
// is the X-GitHub-Delivery the intake is unique on).
func (s *Store) Stored(ctx context.Context, guids []string) (map[string]bool, error) {
	return s.lookup(ctx, `SELECT id FROM deliveries WHERE id IN (%s)`, guids)
}

// RequestedSince returns which of guids had a redelivery asked for at or
// after since.
func (s *Store) RequestedSince(ctx context.Context, guids []string, since time.Time) (map[string]bool, error) {
	return s.lookup(ctx, `SELECT guid FROM redelivery_requests WHERE guid IN (%s) AND requested_at >= ?`, guids, since.UnixMilli())
}

// RecordRequest records that a redelivery of guid (attempt deliveryID) was
// asked for at at.
func (s *Store) RecordRequest(ctx context.Context, guid string, deliveryID int64, at time.Time) error {
	return s.recordRequest(ctx, guid, deliveryID, at)
}

// Checkpoint reads the recovery checkpoint; zero when none was saved.
func (s *Store) Checkpoint(ctx context.Context) (recovery.Checkpoint, error) {
	return s.checkpoint(ctx)
}

// SaveCheckpoint moves the checkpoint forward to cp (never back) and forgets
// redelivery requests older than forgetBefore, in one transaction.
func (s *Store) SaveCheckpoint(ctx context.Context, cp recovery.Checkpoint, forgetBefore time.Time) error {
	return s.saveCheckpoint(ctx, cp, forgetBefore)
}

// EveryRecovery runs pass as a River periodic job every interval, and once
// when this process becomes River's leader: with several replicas only the
// elected leader enqueues it, so it runs once across them. Call it before
// Start. A failed pass is not retried: the next one is the retry.
func (s *Store) EveryRecovery(interval time.Duration, pass func(context.Context) error) {
	s.everyRecovery(interval, pass)
}

func (s *Store) lookup(ctx context.Context, query string, guids []string, extra ...any) (map[string]bool, error) {
	found := make(map[string]bool)
	for len(guids) > 0 {
		chunk := guids[:min(len(guids), lookupChunk)]
		guids = guids[len(chunk):]
		args := make([]any, 0, len(chunk)+len(extra))
		for _, g := range chunk {
			args = append(args, g)
		}
		args = append(args, extra...)
		ids, err := s.ids(ctx, fmt.Sprintf(query, strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ")), args...)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			found[id] = true
		}
	}
	return found, nil
}

// RecoveryArgs is the periodic job that runs one recovery pass.
type RecoveryArgs struct{}

// Kind names the job for River.
func (RecoveryArgs) Kind() string { return "recover_deliveries" }

// InsertOpts make the pass a single attempt, and unique while one waits or
// runs: a pass that overlaps another adds nothing.
func (RecoveryArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// recoveryTimeout bounds one pass: paging through a day of deliveries and
// asking for redeliveries takes a few hundred requests at most.
const recoveryTimeout = 5 * time.Minute

type recoveryWorker[TTx any] struct {
	river.WorkerDefaults[RecoveryArgs]
	e *engineOf[TTx]
}

func (w *recoveryWorker[TTx]) Timeout(*river.Job[RecoveryArgs]) time.Duration { return recoveryTimeout }

// Work runs the pass. Its failure is logged and counted by the pass itself
// and retried by the next periodic run, so the job always completes.
func (w *recoveryWorker[TTx]) Work(ctx context.Context, _ *river.Job[RecoveryArgs]) error {
	if w.e.recoveryPass == nil {
		return nil
	}
	_ = w.e.recoveryPass(ctx)
	return nil
}

func (e *engineOf[TTx]) everyRecovery(interval time.Duration, pass func(context.Context) error) {
	e.recoveryPass = pass
	e.client.PeriodicJobs().Add(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return RecoveryArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true}))
}

func (e *engineOf[TTx]) ids(ctx context.Context, query string, args ...any) ([]string, error) {
	var ids []string
	err := e.inTx(ctx, func(tx TTx) error {
		var err error
		ids, err = e.idsTx(ctx, tx, e.rebind(query), args...)
		return err
	})
	return ids, err
}

func (e *engineOf[TTx]) recordRequest(ctx context.Context, guid string, deliveryID int64, at time.Time) error {
	err := e.inTx(ctx, func(tx TTx) error {
		_, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO redelivery_requests (guid, delivery_id, requested_at) VALUES (?, ?, ?)
			ON CONFLICT (guid) DO UPDATE SET delivery_id = excluded.delivery_id, requested_at = excluded.requested_at`),
			guid, deliveryID, at.UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("record redelivery request: %w", err)
	}
	return nil
}

func (e *engineOf[TTx]) checkpoint(ctx context.Context) (recovery.Checkpoint, error) {
	var at, id int64
	err := e.queryRow(ctx, e.rebind(`SELECT delivered_at, delivery_id FROM recovery_checkpoint WHERE name = ?`), checkpointName).Scan(&at, &id)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, pgx.ErrNoRows) {
		return recovery.Checkpoint{}, nil
	}
	if err != nil {
		return recovery.Checkpoint{}, fmt.Errorf("read recovery checkpoint: %w", err)
	}
	return recovery.Checkpoint{DeliveredAt: time.UnixMilli(at).UTC(), DeliveryID: id}, nil
}

func (e *engineOf[TTx]) saveCheckpoint(ctx context.Context, cp recovery.Checkpoint, forgetBefore time.Time) error {
	err := e.inTx(ctx, func(tx TTx) error {
		if !cp.IsZero() {
			// Forward only: a slow pass that started before a newer one
			// finished must not move the checkpoint back.
			if _, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO recovery_checkpoint (name, delivered_at, delivery_id, updated_at)
				VALUES (?, ?, ?, ?)
				ON CONFLICT (name) DO UPDATE SET delivered_at = excluded.delivered_at, delivery_id = excluded.delivery_id,
					updated_at = excluded.updated_at
				WHERE recovery_checkpoint.delivered_at < excluded.delivered_at
					OR (recovery_checkpoint.delivered_at = excluded.delivered_at AND recovery_checkpoint.delivery_id < excluded.delivery_id)`),
				checkpointName, cp.DeliveredAt.UnixMilli(), cp.DeliveryID, time.Now().UnixMilli()); err != nil {
				return err
			}
		}
		_, err := e.execTx(ctx, tx, e.rebind(`DELETE FROM redelivery_requests WHERE requested_at < ?`), forgetBefore.UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("save recovery checkpoint: %w", err)
	}
	return nil
}
