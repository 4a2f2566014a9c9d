package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/issueops/issueops/app"
)

// OperationArgs is the run job of one operation. Starting an operation
// inserts it in the transaction that sets the operation running, so a
// started operation always has its job, and a rolled-back start none.
type OperationArgs struct {
	OperationID int64 `json:"operation_id"`
}

// Kind names the job for River.
func (OperationArgs) Kind() string { return "operation" }

// InsertOpts make the job unique per operation while it waits, runs or
// waits to retry, so an operation never has two live jobs running it at
// once. Completed, cancelled and discarded jobs do not count: an operation
// driven again (EnqueueRun, a re-queue) gets a new job.
//
// MaxAttempts stays the client's: River v0.47.0 does not count a snooze as
// an attempt (it stores the attempt less one), so an operation may poll a
// deploy by snoozing for as long as it takes; only errors use attempts up.
func (OperationArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}}}
}

// SetRunner sets what runs operation jobs. Call it before Start: the workers
// read it without a lock. Without a runner, operation jobs wait (snoozed a
// minute at a time) and an error is logged.
func (s *Store) SetRunner(r Runner) { s.setRunner(r) }

// EnqueueRun has operation opID run again soon, for an operation that must
// be driven again (a webhook reporting on its deploy). It inserts a run
// job, or when the operation already has one: makes it run now if it waits
// (to retry, or after a snooze), and if it is running, has it run once
// more as soon as this run ends instead of waiting out its snooze. The
// Runner is called whatever the operation's state, and decides.
func (s *Store) EnqueueRun(ctx context.Context, opID int64) error { return s.enqueueRun(ctx, opID) }

func (e *engineOf[TTx]) setRunner(r Runner) { e.runner = r }

func (e *engineOf[TTx]) enqueueRun(ctx context.Context, opID int64) error {
	err := e.inTx(ctx, func(tx TTx) error {
		// The flag comes first: its row lock makes a run that is ending
		// (runAgain) wait for this commit, and then see it.
		n, err := e.execTx(ctx, tx, e.rebind(`UPDATE operations SET run_again = 1 WHERE id = ?`), opID)
		if err != nil {
			return err
		}
		if n == 0 {
			return app.NotFound(fmt.Errorf("operation %d", opID))
		}
		res, err := e.client.InsertTx(ctx, tx, OperationArgs{OperationID: opID}, nil)
		if err != nil {
			return err
		}
		if res.UniqueSkippedAsDuplicate && (res.Job.State == rivertype.JobStateScheduled || res.Job.State == rivertype.JobStateRetryable) {
			_, err = e.client.JobRetryTx(ctx, tx, res.Job.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("enqueue the run job of operation %d: %w", opID, err)
	}
	return nil
}

// operationWorker is River's worker for OperationArgs.
type operationWorker[TTx any] struct {
	river.WorkerDefaults[OperationArgs]
	e *engineOf[TTx]
}

// Work runs the operation once through the Runner and judges the result as
// a delivery's (judge): done, snoozed, retried or given up.
func (w *operationWorker[TTx]) Work(ctx context.Context, job *river.Job[OperationArgs]) error {
	e, id := w.e, job.Args.OperationID
	if e.runner == nil {
		// A snooze, not an error: errors would use the attempts up while a
		// replica that can run it (or this one, fixed) is on its way.
		e.opts.Logger.Error("operation job without a runner: SetRunner was not called before Start", "operation_id", id)
		return river.JobSnooze(time.Minute)
	}
	runs, err := e.takeUpOperation(ctx, id)
	if errors.Is(err, app.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	started := time.Now()
	rerr := e.runner.RunOperation(ctx, id, runs > 1)
	outcome, result := e.judge(job.JobRow, rerr)
	e.observe("operation", outcome, time.Since(started))
	if outcome == "processed" || outcome == "snoozed" {
		again, err := e.runAgain(context.WithoutCancel(ctx), id)
		if err != nil || again {
			// Run again now: EnqueueRun found this job running, or the
			// flag could not be read (a spare run is harmless).
			return river.JobSnooze(0)
		}
	}
	switch outcome {
	case "processed":
		return nil
	case "failed":
		e.opts.Logger.Error("operation job gave up", "operation_id", id, "attempt", job.Attempt, "err", rerr)
		giveUpCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if gerr := e.runner.GiveUp(giveUpCtx, id, rerr); gerr != nil {
			e.opts.Logger.Error("operation job could not end its operation; it tries again", "operation_id", id, "err", gerr)
			return river.JobSnooze(time.Minute)
		}
		return river.JobCancel(rerr)
	case "snoozed":
		return result
	default:
		e.opts.Logger.Warn("operation job will be retried", "operation_id", id, "attempt", job.Attempt, "err", rerr)
		return result
	}
}

// takeUpOperation counts one more run of the operation's jobs and returns
// the count. The count, not River's attempt, is what tells the Runner it
// runs again: River resets the attempt after a snooze, and a new job (a
// re-queue, EnqueueRun) starts again at attempt 1, yet in both cases an
// earlier run may have written.
func (e *engineOf[TTx]) takeUpOperation(ctx context.Context, id int64) (int, error) {
	var runs int
	err := e.inTx(ctx, func(tx TTx) error {
		if err := e.relax(ctx, tx); err != nil {
			return err
		}
		err := e.queryRowTx(ctx, tx, e.rebind(`UPDATE operations SET runs = runs + 1, run_again = 0 WHERE id = ? RETURNING runs`),
			id).Scan(&runs)
		if isNoRows(err) {
			return app.NotFound(fmt.Errorf("operation %d", id))
		}
		return err
	})
	return runs, err
}

// runAgain reports, and clears, an EnqueueRun that came during the run
// just ended. One that comes in the moment after this check, before River
// records the job's snooze or completion, finds the job still running: it
// is then seen on the next run, when the snooze the Runner asked for ends,
// as if the webhook had not come (a Runner that returned nil had nothing
// left to wait for).
func (e *engineOf[TTx]) runAgain(ctx context.Context, id int64) (bool, error) {
	var again bool
	err := e.inTx(ctx, func(tx TTx) error {
		if err := e.relax(ctx, tx); err != nil {
			return err
		}
		var err error
		again, err = e.takeFlag(ctx, tx, "operations", "run_again", "id", id)
		return err
	})
	return again, err
}

// takeFlag clears the flag column of the row whose key is id and reports
// whether it was set, in tx. It locks the row first: PostgreSQL's
// conditional update alone would skip a row whose flag is set by a
// transaction not yet committed, without waiting for it, and the flag
// would be lost. table, flag and key are this package's own names.
func (e *engineOf[TTx]) takeFlag(ctx context.Context, tx TTx, table, flag, key string, id int64) (bool, error) {
	if _, err := e.execTx(ctx, tx, e.rebind(`UPDATE `+table+` SET `+flag+` = `+flag+` WHERE `+key+` = ?`), id); err != nil {
		return false, err
	}
	n, err := e.execTx(ctx, tx, e.rebind(`UPDATE `+table+` SET `+flag+` = 0 WHERE `+key+` = ? AND `+flag+` = 1`), id)
	return n == 1, err
}

// AdvanceArgs is the periodic job that starts what can start in every
// repository with queued operations. Finish, ReleaseLock and Enqueue start
// the queue themselves; nothing does when a lock simply expires, or when a
// process died between a change and its start, so this job does.
type AdvanceArgs struct{}

// Kind names the job for River.
func (AdvanceArgs) Kind() string { return "advance_queues" }

// InsertOpts make the job a single attempt, unique while one waits or runs:
// the next period is the retry.
func (AdvanceArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled,
	}}}
}

// advancePeriodically is the periodic job of AdvanceArgs. River inserts
// periodic jobs only on its elected leader, so across replicas it runs once
// per period (and once when a leader takes over).
func advancePeriodically(interval time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return AdvanceArgs{}, nil },
		&river.PeriodicJobOpts{ID: "advance_queues", RunOnStart: true})
}

type advanceWorker[TTx any] struct {
	river.WorkerDefaults[AdvanceArgs]
	e *engineOf[TTx]
}

// Work advances each waiting repository in its own transaction, so one
// failing repository does not hold the others back; failures are logged
// and retried by the next period.
func (w *advanceWorker[TTx]) Work(ctx context.Context, _ *river.Job[AdvanceArgs]) error {
	repos, err := w.e.waitingRepos(ctx)
	if err != nil {
		w.e.opts.Logger.Error("list repositories with queued operations", "err", err)
		return nil
	}
	for _, repoID := range repos {
		started, err := w.e.advance(ctx, repoID)
		if err != nil {
			w.e.opts.Logger.Error("advance queue", "repo_id", repoID, "err", err)
			continue
		}
		for _, op := range started {
			w.e.opts.Logger.Info("operation started", "repo", op.Issue.Repo.String(), "issue", op.Issue.Number,
				"operation_id", op.ID, "environment", op.Environment)
		}
	}
	return nil
}

// waitingRepos lists the repositories that have queued operations.
func (e *engineOf[TTx]) waitingRepos(ctx context.Context) ([]int64, error) {
	var repos []int64
	err := e.inTx(ctx, func(tx TTx) error {
		repos = nil
		return e.rowsTx(ctx, tx, func(r row) error {
			var id int64
			err := r.Scan(&id)
			repos = append(repos, id)
			return err
		}, `SELECT DISTINCT repo_id FROM operations WHERE state = 'queued'`)
	})
	return repos, err
}
