package store

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/issueops/issueops/app"
)

// Enqueue moves op from state from to queued, writing its fields, then
// starts what can start (see Advance). The operation joins the end of the
// line: the queue is first come, first served by the time of joining.
func (s *Store) Enqueue(ctx context.Context, op app.Operation, from app.OpState) ([]app.Operation, error) {
	return s.enqueue(ctx, op, from)
}

// Finish moves a queued or running op to the terminal state, writing its
// fields, frees its run slots and starts what can start, in one
// transaction. A queued operation can be finished too: that is how one is
// cancelled before it started.
func (s *Store) Finish(ctx context.Context, op app.Operation, state app.OpState) ([]app.Operation, error) {
	return s.finishOperation(ctx, op, state)
}

// Advance starts the repository's queued operations that can start now
// (see app.OperationStore) and returns them. Several replicas may call it
// at once: the run slots' primary key, behind a per-repository lock on
// PostgreSQL, lets only one operation hold a slot.
func (s *Store) Advance(ctx context.Context, repoID int64) ([]app.Operation, error) {
	return s.advance(ctx, repoID)
}

// Queue lists the repository's queued and running operations in the order
// they joined the queue.
func (s *Store) Queue(ctx context.Context, repoID int64) ([]app.Operation, error) {
	return s.queue(ctx, repoID)
}

// queueOrder is the order of the line: by joining, then by id for a tie.
const queueOrder = `ORDER BY queued_at, id`

func (e *engineOf[TTx]) enqueue(ctx context.Context, op app.Operation, from app.OpState) ([]app.Operation, error) {
	if inQueue(from) {
		return nil, fmt.Errorf("enqueue operation %d: it is already %s", op.ID, from)
	}
	op.State = app.OpQueued
	started, err := e.queueTx(ctx, op.ID, func(tx TTx, repoID int64) ([]app.Operation, error) {
		stored, ok, err := e.writeOperation(ctx, tx, op, `state = ?`, string(from))
		if err == nil && !ok {
			err = e.stateChanged(ctx, tx, op.ID, string(from))
		}
		if err == nil {
			err = e.stampQueued(ctx, tx, repoID, op.ID)
		}
		if err != nil {
			return nil, err
		}
		return e.startAudited(ctx, tx, repoID, opEntry(ctx, stored, op.Note))
	})
	if e.uniqueViolation(err) {
		// A terminal operation queued again while its issue has another.
		return nil, fmt.Errorf("enqueue operation %d: %w", op.ID, app.ErrOperationExists)
	}
	if err != nil {
		return nil, fmt.Errorf("enqueue operation %d: %w", op.ID, err)
	}
	return started, nil
}

// stampQueued records when op joined the queue: now, but always after the
// repository's last arrival, so the queue order is the order of arrival even
// within a millisecond or across replicas whose clocks differ. The
// repository's queue is locked by the caller, so arrivals cannot interleave.
func (e *engineOf[TTx]) stampQueued(ctx context.Context, tx TTx, repoID, opID int64) error {
	var last int64
	if err := e.queryRowTx(ctx, tx, e.rebind(`SELECT COALESCE(MAX(queued_at), 0) FROM operations WHERE repo_id = ?`),
		repoID).Scan(&last); err != nil {
		return err
	}
	_, err := e.execTx(ctx, tx, e.rebind(`UPDATE operations SET queued_at = ? WHERE id = ?`),
		max(time.Now().UnixMilli(), last+1), opID)
	return err
}

func (e *engineOf[TTx]) finishOperation(ctx context.Context, op app.Operation, state app.OpState) ([]app.Operation, error) {
	if !state.Terminal() {
		return nil, fmt.Errorf("finish operation %d: %s is not a terminal state", op.ID, state)
	}
	op.State = state
	started, err := e.queueTx(ctx, op.ID, func(tx TTx, repoID int64) ([]app.Operation, error) {
		stored, ok, err := e.writeOperation(ctx, tx, op, `state IN ('queued', 'running')`)
		if err == nil && !ok {
			err = e.stateChanged(ctx, tx, op.ID, "queued or running")
		}
		if err == nil {
			err = e.freeSlots(ctx, tx, repoID, op.ID)
		}
		if err != nil {
			return nil, err
		}
		return e.startAudited(ctx, tx, repoID, opEntry(ctx, stored, cmp.Or(op.Note, op.Reason)))
	})
	if err != nil {
		return nil, fmt.Errorf("finish operation %d: %w", op.ID, err)
	}
	return started, nil
}

func (e *engineOf[TTx]) advance(ctx context.Context, repoID int64) ([]app.Operation, error) {
	started, err := e.repoTx(ctx, repoID, func(tx TTx) ([]app.Operation, error) {
		return e.startAudited(ctx, tx, repoID)
	})
	if err != nil {
		return nil, fmt.Errorf("advance the queue of repository %d: %w", repoID, err)
	}
	return started, nil
}

func (e *engineOf[TTx]) queue(ctx context.Context, repoID int64) ([]app.Operation, error) {
	var ops []app.Operation
	err := e.inTx(ctx, func(tx TTx) error {
		var err error
		ops, err = e.operationsTx(ctx, tx, `WHERE repo_id = ? AND state IN ('queued', 'running') `+queueOrder, repoID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the queue of repository %d: %w", repoID, err)
	}
	return ops, nil
}

// queueTx runs fn in a repository transaction (repoTx) on the repository
// of operation id, read first in the same transaction: an operation's
// repository never changes, so it is safe to read before the lock.
func (e *engineOf[TTx]) queueTx(ctx context.Context, id int64, fn func(tx TTx, repoID int64) ([]app.Operation, error)) ([]app.Operation, error) {
	return e.retryTx(ctx, func(tx TTx) ([]app.Operation, error) {
		var repoID int64
		err := e.queryRowTx(ctx, tx, e.rebind(`SELECT repo_id FROM operations WHERE id = ?`), id).Scan(&repoID)
		if isNoRows(err) {
			return nil, app.NotFound(fmt.Errorf("operation %d", id))
		}
		if err == nil {
			err = e.lockRepo(ctx, tx, repoID)
		}
		if err != nil {
			return nil, err
		}
		return fn(tx, repoID)
	})
}

// repoTx runs fn in a transaction that first takes the repository's lock
// (lockRepo), so the transactions that change its queue, slots and locks
// run one at a time across replicas and each sees the commits of those
// before it. The lock comes before any row lock, so they cannot deadlock
// among themselves.
func (e *engineOf[TTx]) repoTx(ctx context.Context, repoID int64, fn func(tx TTx) ([]app.Operation, error)) ([]app.Operation, error) {
	return e.retryTx(ctx, func(tx TTx) ([]app.Operation, error) {
		if err := e.lockRepo(ctx, tx, repoID); err != nil {
			return nil, fmt.Errorf("lock repository %d: %w", repoID, err)
		}
		return fn(tx)
	})
}

// retryTxAttempts bounds how often a transaction that hit a deadlock or a
// serialization failure is run again.
const retryTxAttempts = 5

// retryTx runs fn in a transaction; a deadlock with other work or a
// serialization failure (PostgreSQL) runs the whole of it again after a
// short random pause, a few times. fn must start from scratch each time.
func (e *engineOf[TTx]) retryTx(ctx context.Context, fn func(tx TTx) ([]app.Operation, error)) ([]app.Operation, error) {
	for attempt := 1; ; attempt++ {
		var out []app.Operation
		err := e.inTx(ctx, func(tx TTx) error {
			var err error
			out, err = fn(tx)
			return err
		})
		if err == nil || !e.retryable(err) || attempt == retryTxAttempts {
			return out, err
		}
		pause := time.Duration(attempt) * time.Duration(5+rand.IntN(20)) * time.Millisecond
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return nil, err
		}
	}
}

// startQueued starts the repository's queued operations that can start, in
// the order they joined the queue: one starts when none of its slots is
// held or wanted by an older queued operation that could not start.
//
// An operation held back by someone else's lock is parked rather than in
// line: it keeps no slot from younger operations until the lock goes, and
// is then as old as it was. Otherwise the lock's owner, whose operations
// the lock exists to let through, would wait behind every deploy queued
// into the locked environment, and a whole lock group would stall behind
// one locked environment, until /unlock.
//
// Expired locks are deleted first, and slot rows whose operation no longer
// runs (only a hand-edited database leaves any) are freed, so a slot can
// never stay taken for good.
func (e *engineOf[TTx]) startQueued(ctx context.Context, tx TTx, repoID int64) ([]app.Operation, error) {
	if err := e.tidyQueue(ctx, tx, repoID); err != nil {
		return nil, err
	}
	held, lockOwners, queued, err := e.readQueue(ctx, tx, repoID)
	if err != nil {
		return nil, err
	}
	var (
		wanted  = map[string]bool{} // slots older operations wait for
		started []app.Operation
	)
	taken := func(s string) bool { return held[s] || wanted[s] }
	for _, op := range queued {
		if blockedByLock(lockOwners, op) {
			continue // parked: see above
		}
		slots := uniqueSlots(op.Slots)
		if !slices.ContainsFunc(slots, taken) {
			run, ok, err := e.startOperation(ctx, tx, op, slots)
			if err != nil {
				return nil, err
			}
			if ok {
				for _, s := range slots {
					held[s] = true
				}
				started = append(started, run)
				continue
			}
		}
		for _, s := range slots {
			wanted[s] = true
		}
	}
	return started, nil
}

// startAudited starts what can start (startQueued), then appends entries,
// the entries of the change that came before, followed by those of the
// starts: the last writes of the transaction (see appendAuditTx).
func (e *engineOf[TTx]) startAudited(ctx context.Context, tx TTx, repoID int64, entries ...app.AuditEntry) ([]app.Operation, error) {
	expired, err := e.expireLocks(ctx, tx, repoID)
	if err != nil {
		return nil, err
	}
	started, err := e.startQueued(ctx, tx, repoID)
	if err != nil {
		return nil, err
	}
	for _, l := range expired {
		entries = append(entries, expiredEntry(ctx, l))
	}
	return started, e.appendAuditTx(ctx, tx, append(entries, startEntries(ctx, started)...)...)
}

// expireLocks deletes the repository's locks past their expiry and returns
// them, so that each one's end is in the audit log (by issueops: no actor).
func (e *engineOf[TTx]) expireLocks(ctx context.Context, tx TTx, repoID int64) ([]app.Lock, error) {
	var expired []app.Lock
	now := time.Now().UnixMilli()
	err := e.rowsTx(ctx, tx, func(r row) error {
		l, err := scanLock(r)
		expired = append(expired, l)
		return err
	}, e.rebind(selectLock+` WHERE repo_id = ? AND expires_at > 0 AND expires_at <= ? ORDER BY environment`), repoID, now)
	if err != nil || len(expired) == 0 {
		return nil, err
	}
	_, err = e.execTx(ctx, tx, e.rebind(`DELETE FROM env_locks WHERE repo_id = ? AND expires_at > 0 AND expires_at <= ?`), repoID, now)
	return expired, err
}

// tidyQueue deletes the repository's expired locks and the slot rows of
// operations that no longer run.
func (e *engineOf[TTx]) tidyQueue(ctx context.Context, tx TTx, repoID int64) error {
	if _, err := e.execTx(ctx, tx, e.rebind(`DELETE FROM env_locks WHERE repo_id = ? AND expires_at > 0 AND expires_at <= ?`),
		repoID, time.Now().UnixMilli()); err != nil {
		return err
	}
	_, err := e.execTx(ctx, tx, e.rebind(`DELETE FROM run_slots WHERE repo_id = ? AND op_id NOT IN
		(SELECT id FROM operations WHERE repo_id = ? AND state = 'running')`), repoID, repoID)
	return err
}

// readQueue reads what startQueued decides on: the slots held, the owner
// of each environment's lock, and the queued operations in line order.
func (e *engineOf[TTx]) readQueue(ctx context.Context, tx TTx, repoID int64) (held map[string]bool, lockOwners map[string]string, queued []app.Operation, err error) {
	held, lockOwners = map[string]bool{}, map[string]string{}
	err = e.rowsTx(ctx, tx, func(r row) error {
		var slot string
		err := r.Scan(&slot)
		held[slot] = true
		return err
	}, e.rebind(`SELECT slot FROM run_slots WHERE repo_id = ?`), repoID)
	if err == nil {
		err = e.rowsTx(ctx, tx, func(r row) error {
			var env, owner string
			err := r.Scan(&env, &owner)
			lockOwners[env] = owner
			return err
		}, e.rebind(`SELECT environment, owner FROM env_locks WHERE repo_id = ? AND (expires_at = 0 OR expires_at > ?)`),
			repoID, time.Now().UnixMilli())
	}
	if err == nil {
		queued, err = e.operationsTx(ctx, tx, `WHERE repo_id = ? AND state = 'queued' `+queueOrder, repoID)
	}
	return held, lockOwners, queued, err
}

// startOperation takes op's slots, sets it running and enqueues its run
// job. ok=false, with nothing changed, when a slot was already taken: the
// primary key of run_slots decides, whatever this transaction read before.
func (e *engineOf[TTx]) startOperation(ctx context.Context, tx TTx, op app.Operation, slots []string) (app.Operation, bool, error) {
	repoID := op.Issue.RepoID
	var taken int64
	for _, s := range slots {
		n, err := e.execTx(ctx, tx, e.rebind(`INSERT INTO run_slots (repo_id, slot, op_id) VALUES (?, ?, ?)
			ON CONFLICT (repo_id, slot) DO NOTHING`), repoID, s, op.ID)
		if err != nil {
			return op, false, err
		}
		taken += n
	}
	if taken < int64(len(slots)) {
		return op, false, e.freeSlots(ctx, tx, repoID, op.ID)
	}
	run, err := scanOperation(e.queryRowTx(ctx, tx, e.rebind(`UPDATE operations SET state = 'running', updated_at = ?
		WHERE id = ? AND state = 'queued' RETURNING `+operationColumns), time.Now().UnixMilli(), op.ID))
	if isNoRows(err) {
		return op, false, e.freeSlots(ctx, tx, repoID, op.ID)
	}
	if err != nil {
		return op, false, err
	}
	if _, err := e.client.InsertTx(ctx, tx, OperationArgs{OperationID: op.ID}, nil); err != nil {
		return op, false, fmt.Errorf("enqueue the run job of operation %d: %w", op.ID, err)
	}
	return run, true, nil
}

// freeSlots deletes the slot rows of operation opID.
func (e *engineOf[TTx]) freeSlots(ctx context.Context, tx TTx, repoID, opID int64) error {
	_, err := e.execTx(ctx, tx, e.rebind(`DELETE FROM run_slots WHERE repo_id = ? AND op_id = ?`), repoID, opID)
	return err
}

// blockedByLock reports whether an unexpired lock, on op's environment or
// on the whole repository, is owned by someone other than its requester.
// GitHub logins are case-insensitive.
func blockedByLock(owners map[string]string, op app.Operation) bool {
	for _, env := range []string{op.Environment, app.GlobalLock} {
		if owner, ok := owners[env]; ok && !strings.EqualFold(owner, op.Requester) {
			return true
		}
	}
	return false
}

// uniqueSlots drops repeated slots: a slot asked for twice would look taken
// by its own first insert.
func uniqueSlots(slots []string) []string {
	out := make([]string, 0, len(slots))
	for _, s := range slots {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
