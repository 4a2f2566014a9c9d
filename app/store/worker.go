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

// deliveryWorker is River's worker for DeliveryArgs.
type deliveryWorker[TTx any] struct {
	river.WorkerDefaults[DeliveryArgs]
	e *engineOf[TTx]
}

// Work processes one delivery and records the result on its row.
func (w *deliveryWorker[TTx]) Work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	return w.e.work(ctx, job)
}

func (e *engineOf[TTx]) work(ctx context.Context, job *river.Job[DeliveryArgs]) error {
	sd, err := e.takeUp(ctx, job.Args.DeliveryID)
	if errors.Is(err, ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if sd.Status == StatusProcessed || sd.Status == StatusFailed {
		return nil // finished by an earlier run whose job completion was lost
	}
	started := time.Now()
	perr := e.processor.Process(ctx, sd.Delivery, sd.Runs > 1)
	outcome, result := e.judge(job.JobRow, perr)
	e.observe(sd.Event, outcome, time.Since(started))
	// The bookkeeping below must land even when shutdown cancels ctx:
	// otherwise a finished delivery would be processed again.
	finishCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	switch outcome {
	case "processed":
		return e.finish(finishCtx, job, StatusProcessed)
	case "failed":
		e.opts.Logger.Error("delivery failed for good", "delivery_id", sd.ID, "event", sd.Event, "attempt", job.Attempt, "err", perr)
		return e.finish(finishCtx, job, StatusFailed)
	default:
		e.opts.Logger.Warn("delivery will be retried", "delivery_id", sd.ID, "event", sd.Event, "attempt", job.Attempt, "err", perr)
		return result
	}
}

// takeUp counts one more run of the delivery and reads it. runs counts every
// time a worker takes the delivery up, before it does anything: a run after a
// crash, a cancelled shutdown, a retry or a snooze sees runs > 1 and checks
// for earlier writes, and the load command reports a delivery run twice.
func (e *engineOf[TTx]) takeUp(ctx context.Context, id string) (StoredDelivery, error) {
	tx, err := e.begin(ctx)
	if err != nil {
		return StoredDelivery{}, err
	}
	err = e.relax(ctx, tx)
	if err == nil {
		_, err = e.execTx(ctx, tx, e.rebind(`UPDATE deliveries SET runs = runs + 1 WHERE id = ?`), id)
	}
	var sd StoredDelivery
	if err == nil {
		sd, err = e.readDelivery(e.queryRowTx(ctx, tx, e.rebind(selectDelivery), id))
	}
	if err != nil {
		_ = e.rollback(ctx, tx)
		return sd, err
	}
	return sd, e.commit(ctx, tx)
}

// judge decides what a processing error means for the job: done, failed for
// good, snoozed (rate limit, or a deploy polled) or retried with backoff. It
// serves delivery and operation jobs alike.
func (e *engineOf[TTx]) judge(job *rivertype.JobRow, err error) (string, error) {
	var later *app.RetryAfterError
	switch {
	case err == nil:
		return "processed", nil
	case errors.As(err, &later):
		return "snoozed", river.JobSnooze(min(max(later.Delay, time.Second), maxSnooze))
	case errors.Is(err, app.ErrPermanent), job.Attempt >= job.MaxAttempts:
		return "failed", nil
	default:
		return "retried", err
	}
}

func (e *engineOf[TTx]) observe(event, outcome string, d time.Duration) {
	if e.opts.Metrics != nil {
		e.opts.Metrics.JobDone(event, outcome, d)
	}
}

// finish records the delivery's final status; River then completes the job
// in its own batches. A crash between the two only re-runs the job, which
// finds the status here and stops. The commit need not
// wait for the disk either: if a power cut loses it, the job runs again and
// every step it takes finds its earlier write.
func (e *engineOf[TTx]) finish(ctx context.Context, job *river.Job[DeliveryArgs], status string) error {
	tx, err := e.begin(ctx)
	if err != nil {
		return fmt.Errorf("finish delivery: %w", err)
	}
	err = e.relax(ctx, tx)
	if err == nil {
		_, err = e.execTx(ctx, tx, e.rebind(`UPDATE deliveries SET status = ?, processed_at = ? WHERE id = ?`),
			status, time.Now().UnixMilli(), job.Args.DeliveryID)
	}
	if err != nil {
		_ = e.rollback(ctx, tx)
		return fmt.Errorf("finish delivery: %w", err)
	}
	return e.commit(ctx, tx)
}

// maxSnooze caps a rate-limit wait: GitHub's windows reset within the hour,
// so a longer Retry-After or reset is a bad header, not a reason to wait.
const maxSnooze = time.Hour
