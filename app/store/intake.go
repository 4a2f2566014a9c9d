package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/issueops/issueops/app"
)

// maxBatch caps how many deliveries one group commit writes.
const maxBatch = 256

// commitTimeout bounds one batch, retries of its rows included: past it the
// batch is answered with app.ErrUnavailable (a 503) instead of holding
// GitHub's requests open.
const commitTimeout = 10 * time.Second

type acceptRequest struct {
	delivery app.Delivery
	enqueue  bool
	result   chan acceptResult
}

type acceptResult struct {
	outcome app.Outcome
	err     error
}

// accept hands the delivery to a committer and waits for the commit that
// holds it. It answers only after the commit: acknowledging first would lose
// the delivery on a crash.
func (e *engineOf[TTx]) accept(ctx context.Context, d app.Delivery, enqueue bool) (app.Outcome, error) {
	req := acceptRequest{delivery: d, enqueue: enqueue, result: make(chan acceptResult, 1)}
	select {
	case e.requests <- req:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-e.done:
		return "", app.ErrUnavailable
	}
	// Wait even if ctx ends: the caller must learn whether its delivery was
	// stored. Only a closing store stops the wait; a delivery it did commit
	// is then a duplicate when GitHub sends it again.
	select {
	case res := <-req.result:
		return res.outcome, res.err
	case <-e.done:
		return "", app.ErrUnavailable
	}
}

// commitLoop takes whatever requests are waiting, up to maxBatch, and writes
// them in one transaction. Batches form by themselves under load: while one
// commits, the next fills. No request waits for a batch to fill.
func (e *engineOf[TTx]) commitLoop() {
	batch := make([]acceptRequest, 0, maxBatch)
	for {
		select {
		case req := <-e.requests:
			batch = append(batch[:0], req)
		case <-e.done:
			return
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case req := <-e.requests:
				batch = append(batch, req)
			default:
				break fill
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), commitTimeout)
		e.commitBatch(ctx, batch)
		cancel()
	}
}

// commitBatch writes batch; if the batch fails as a whole, each delivery is
// tried alone so that one bad row cannot fail the others, all within ctx's
// one deadline, so a database that is down fails the batch quickly.
func (e *engineOf[TTx]) commitBatch(ctx context.Context, batch []acceptRequest) {
	outcomes, err := e.writeBatch(ctx, batch)
	if err != nil && len(batch) > 1 && ctx.Err() == nil {
		for _, req := range batch {
			e.commitBatch(ctx, []acceptRequest{req})
		}
		return
	}
	for i, req := range batch {
		if err != nil {
			e.opts.Logger.Error("storing delivery failed", "delivery_id", req.delivery.ID, "err", err)
			req.result <- acceptResult{err: fmt.Errorf("%w: %w", app.ErrUnavailable, err)}
			continue
		}
		req.result <- acceptResult{outcome: outcomes[i]}
	}
}

func (e *engineOf[TTx]) writeBatch(ctx context.Context, batch []acceptRequest) ([]app.Outcome, error) {
	tx, release, err := e.beginIntake(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	outcomes, jobs, err := e.insertDeliveries(ctx, tx, batch)
	if err == nil && len(jobs) > 0 {
		_, err = e.client.InsertManyTx(ctx, tx, jobs)
	}
	if err != nil {
		_ = e.rollback(ctx, tx)
		return nil, err
	}
	if err := e.commit(ctx, tx); err != nil {
		return nil, err
	}
	return outcomes, nil
}

// deliveryColumns are the columns intake writes, in insertDeliveries' order.
const deliveryColumns = 8

// insertDeliveries writes the batch in one multi-row INSERT … ON CONFLICT DO
// NOTHING RETURNING id: the ids it returns are the new deliveries; any other
// is a duplicate, of an earlier delivery or of one earlier in the batch.
func (e *engineOf[TTx]) insertDeliveries(ctx context.Context, tx TTx, batch []acceptRequest) ([]app.Outcome, []river.InsertManyParams, error) {
	var q strings.Builder
	q.WriteString(`INSERT INTO deliveries (id, event, action, installation_id, headers, body, received_at, status) VALUES `)
	args := make([]any, 0, len(batch)*deliveryColumns)
	for i, req := range batch {
		d := req.delivery
		headers, err := json.Marshal(d.Headers)
		if err != nil {
			return nil, nil, err
		}
		status := StatusIgnored
		if req.enqueue {
			status = StatusQueued
		}
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
		args = append(args, d.ID, d.Event, d.Action, d.InstallationID, string(headers), d.Body, d.ReceivedAt.UnixMilli(), status)
	}
	q.WriteString(` ON CONFLICT (id) DO NOTHING RETURNING id`)
	inserted, err := e.idsTx(ctx, tx, e.rebind(q.String()), args...)
	if err != nil {
		return nil, nil, err
	}
	isNew := make(map[string]bool, len(inserted))
	for _, id := range inserted {
		isNew[id] = true
	}
	outcomes := make([]app.Outcome, len(batch))
	var jobs []river.InsertManyParams
	for i, req := range batch {
		id := req.delivery.ID
		switch {
		case !isNew[id]:
			outcomes[i] = app.Duplicate
		case req.enqueue:
			outcomes[i] = app.Accepted
			jobs = append(jobs, river.InsertManyParams{Args: DeliveryArgs{DeliveryID: id}})
		default:
			outcomes[i] = app.Ignored
		}
		isNew[id] = false // a second copy in the same batch is a duplicate
	}
	return outcomes, jobs, nil
}
