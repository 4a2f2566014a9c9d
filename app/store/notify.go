package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"

	"github.com/issueops/issueops/app"
)

// Notifier tells the outside world (the Slack audit channel) about an
// operation's new audit entries: it reads them after its cursor
// (NoticeCursor) and saves how far it got.
//
// Contract: the store calls Notify after an audit entry of the operation
// is committed, never twice at once for one operation, and again after a
// call during which another entry was committed. A *app.RetryAfterError
// waits its Delay (a rate limit), an error wrapping app.ErrPermanent gives
// up, any other error retries with the store's backoff (doubling from
// Options.RetryBase, at most 10 minutes apart) for notifyMaxAttempts
// attempts: about seven hours, so Slack may be down for an afternoon. An
// operation is never held up or failed by its notifications. One given up
// on is picked up with the operation's next entry, as the cursor has not
// moved.
type Notifier interface {
	Notify(ctx context.Context, opID int64) error
}

// notifyMaxAttempts is how many errors a notification survives: the first
// ten retries take about ten minutes together, each later one ten minutes.
const notifyMaxAttempts = 50

// noticesTable is the outbox's state per operation: the cursor of its
// Slack message (channel_id, ts, seq: app.NoticeCursor) and again, set by
// every audit entry of the operation and cleared by the notify job when
// it takes the entries up, so an entry committed while Notify runs is
// seen and notified once more.
const noticesTable = `CREATE TABLE notices (
	op_id      BIGINT PRIMARY KEY,
	channel_id TEXT NOT NULL DEFAULT '',
	ts         TEXT NOT NULL DEFAULT '',
	seq        BIGINT NOT NULL DEFAULT 0,
	again      INTEGER NOT NULL DEFAULT 0
)`

// NotifyArgs is the job that calls the Notifier for one operation. It is
// inserted in the transaction of each audit entry of the operation, so an
// entry is never committed without its notification, nor notified before
// it is committed.
type NotifyArgs struct {
	OperationID int64 `json:"operation_id"`
}

// Kind names the job for River.
func (NotifyArgs) Kind() string { return "notify" }

// InsertOpts make the job unique per operation while it waits, runs or
// waits to retry: that is what keeps two calls of Notify for one operation
// from overlapping. An entry that finds the job running leaves the again
// flag for it instead (notifyWorker.done).
func (NotifyArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: notifyQueue, MaxAttempts: notifyMaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// notifyQueue is the River queue of notify jobs, with notifyWorkers of its
// own: a Slack that hangs (each call may take its full timeout) holds only
// these, never the workers of deliveries and operations.
const (
	notifyQueue   = "notify"
	notifyWorkers = 4
)

// SetNotifier sets what notify jobs call. Call it before Start, as
// SetRunner: the workers read it without a lock. Without a notifier no
// notify job is inserted.
func (s *Store) SetNotifier(n Notifier) { s.setNotifier(n) }

// NoticeCursor reads how far the operation's notifications got; zero when
// it never was notified.
func (s *Store) NoticeCursor(ctx context.Context, opID int64) (app.NoticeCursor, error) {
	return s.noticeCursor(ctx, opID)
}

// SaveNoticeCursor writes the operation's cursor.
func (s *Store) SaveNoticeCursor(ctx context.Context, opID int64, c app.NoticeCursor) error {
	return s.saveNoticeCursor(ctx, opID, c)
}

func (e *engineOf[TTx]) setNotifier(n Notifier) { e.notifier = n }

// queueNotices has each operation of opIDs notified, in tx: it sets the
// operation's again flag, then inserts its notify job (skipped when the
// operation has one that has not ended).
func (e *engineOf[TTx]) queueNotices(ctx context.Context, tx TTx, opIDs []int64) error {
	if e.notifier == nil {
		return nil
	}
	for _, id := range opIDs {
		if _, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO notices (op_id, again) VALUES (?, 1)
			ON CONFLICT (op_id) DO UPDATE SET again = 1`), id); err != nil {
			return fmt.Errorf("queue the notification of operation %d: %w", id, err)
		}
		if _, err := e.client.InsertTx(ctx, tx, NotifyArgs{OperationID: id}, nil); err != nil {
			return fmt.Errorf("insert the notify job of operation %d: %w", id, err)
		}
	}
	return nil
}

func (e *engineOf[TTx]) noticeCursor(ctx context.Context, opID int64) (app.NoticeCursor, error) {
	var c app.NoticeCursor
	err := e.inTx(ctx, func(tx TTx) error {
		err := e.queryRowTx(ctx, tx, e.rebind(`SELECT channel_id, ts, seq FROM notices WHERE op_id = ?`), opID).
			Scan(&c.ChannelID, &c.TS, &c.Seq)
		if isNoRows(err) {
			c = app.NoticeCursor{}
			return nil
		}
		return err
	})
	if err != nil {
		return app.NoticeCursor{}, fmt.Errorf("read the notice cursor of operation %d: %w", opID, err)
	}
	return c, nil
}

func (e *engineOf[TTx]) saveNoticeCursor(ctx context.Context, opID int64, c app.NoticeCursor) error {
	err := e.inTx(ctx, func(tx TTx) error {
		_, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO notices (op_id, channel_id, ts, seq) VALUES (?, ?, ?, ?)
			ON CONFLICT (op_id) DO UPDATE SET channel_id = excluded.channel_id, ts = excluded.ts, seq = excluded.seq`),
			opID, c.ChannelID, c.TS, c.Seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("save the notice cursor of operation %d: %w", opID, err)
	}
	return nil
}

// notifyWorker is River's worker for NotifyArgs.
type notifyWorker[TTx any] struct {
	river.WorkerDefaults[NotifyArgs]
	e *engineOf[TTx]
}

// Work clears the operation's again flag, calls the Notifier, and then
// either completes the job or, when an entry came during the call, has it
// run again at once.
func (w *notifyWorker[TTx]) Work(ctx context.Context, job *river.Job[NotifyArgs]) error {
	e, id := w.e, job.Args.OperationID
	if e.notifier == nil {
		e.opts.Logger.Error("notify job without a notifier: SetNotifier was not called before Start", "operation_id", id)
		return river.JobSnooze(time.Minute)
	}
	if err := e.takeUpNotice(ctx, id); err != nil {
		return err
	}
	started := time.Now()
	nerr := e.notifier.Notify(ctx, id)
	outcome, result := e.judge(job.JobRow, nerr)
	e.observe("notify", outcome, time.Since(started))
	switch outcome {
	case "processed":
		return w.done(context.WithoutCancel(ctx), job)
	case "failed":
		e.opts.Logger.Error("notification gave up; the operation's next audit entry tries again",
			"operation_id", id, "attempt", job.Attempt, "err", nerr)
		return river.JobCancel(nerr)
	case "snoozed":
		return result
	default:
		e.opts.Logger.Warn("notification will be retried", "operation_id", id, "attempt", job.Attempt, "err", nerr)
		return result
	}
}

// takeUpNotice clears the again flag before Notify reads the entries: an
// entry committed from here on sets it again.
func (e *engineOf[TTx]) takeUpNotice(ctx context.Context, id int64) error {
	return e.inTx(ctx, func(tx TTx) error {
		err := e.relax(ctx, tx)
		if err == nil {
			_, err = e.execTx(ctx, tx, e.rebind(`UPDATE notices SET again = 0 WHERE op_id = ?`), id)
		}
		return err
	})
}

// done ends a successful run. In one transaction it reads and clears the
// again flag and, when no entry came during the call, completes the job
// itself (river.JobCompleteTx) rather than leaving that to River after
// Work returns: the flag's row lock orders this against an entry's
// transaction, which either set the flag first (and the job runs again) or
// comes after the completion (and inserts a new job). Left to River, an
// entry in the moment between the check and the completion would find the
// job still running, skip its insert, and wait for the operation's next
// entry.
func (w *notifyWorker[TTx]) done(ctx context.Context, job *river.Job[NotifyArgs]) error {
	e, id := w.e, job.Args.OperationID
	again := false
	err := e.inTx(ctx, func(tx TTx) error {
		if err := e.relax(ctx, tx); err != nil {
			return err
		}
		var err error
		if again, err = e.takeFlag(ctx, tx, "notices", "again", "op_id", id); err != nil || again {
			return err
		}
		_, err = river.JobCompleteTx[riverdriver.Driver[TTx]](ctx, tx, job)
		if errors.Is(err, rivertype.ErrNotFound) {
			return nil // no longer running (rescued): River decides
		}
		return err
	})
	if err != nil || again {
		// Run again now: an entry came during the call, or the flag could
		// not be read (a spare call is harmless).
		return river.JobSnooze(0)
	}
	return nil
}
