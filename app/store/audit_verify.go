package store

import (
	"context"
	"fmt"
)

// AuditCheck is what VerifyAudit found.
type AuditCheck struct {
	// Entries is how many entries were found intact, from the first one.
	Entries int64
	// FirstBad is the seq of the first entry changed, removed or out of
	// order; 0 when the log is intact.
	FirstBad int64
	// Problem says, to a person, what is wrong with FirstBad ("" when intact).
	Problem string
}

// Intact reports whether the check found nothing wrong.
func (c AuditCheck) Intact() bool { return c.FirstBad == 0 }

// verifyPage is how many entries VerifyAudit reads per transaction: the log
// is read in pages by seq, each in a short transaction, so a long check
// neither holds a million rows in memory nor holds off the writers.
// (A variable: tests shorten it.)
var verifyPage = 1000

// VerifyAudit recomputes the chain of the whole log, in seq order, up to
// the head it reads first (entries appended meanwhile are left to the next
// check). It finds an entry whose fields were changed (its hash no longer
// matches), one removed (a gap in seq, or the head beyond the last entry),
// entries reordered (their seq swapped: the first no longer matches), and
// a head changed or missing. It cannot find a log rewritten from the
// changed entry on, hashes and head included, by someone who can write
// the database: the chain proves the log is the one its newest hash
// vouches for, so keep that hash elsewhere too to prove more.
// The error is for a database that cannot be read, never for a finding.
func (s *Store) VerifyAudit(ctx context.Context) (AuditCheck, error) { return s.verifyAudit(ctx) }

// auditHead is the head row and the newest seq of the log, read together.
type auditHead struct {
	found     int64 // 1 when the row is there
	seq       int64
	hash      string
	newestSeq int64
}

func (e *engineOf[TTx]) readAuditHead(ctx context.Context) (auditHead, error) {
	var h auditHead
	err := e.inTx(ctx, func(tx TTx) error {
		// One statement, so one snapshot: the head and the newest entry
		// are of the same moment.
		return e.queryRowTx(ctx, tx, `SELECT (SELECT COUNT(*) FROM audit_head WHERE id = 1),
			COALESCE((SELECT seq FROM audit_head WHERE id = 1), 0), COALESCE((SELECT hash FROM audit_head WHERE id = 1), ''),
			COALESCE((SELECT MAX(seq) FROM audit_log), 0)`).Scan(&h.found, &h.seq, &h.hash, &h.newestSeq)
	})
	return h, err
}

func (e *engineOf[TTx]) verifyAudit(ctx context.Context) (AuditCheck, error) {
	head, err := e.readAuditHead(ctx)
	if err != nil {
		return AuditCheck{}, fmt.Errorf("verify the audit log: read its head: %w", err)
	}
	var stray, lowest int64
	if err := e.queryRow(ctx, `SELECT COUNT(*), COALESCE(MIN(seq), 0) FROM audit_log WHERE seq < 1`).Scan(&stray, &lowest); err != nil {
		return AuditCheck{}, fmt.Errorf("verify the audit log: %w", err)
	}
	if stray > 0 { // the export lists them, the chain never reaches them
		return AuditCheck{FirstBad: 1, Problem: fmt.Sprintf("%d entries are numbered below 1 (the lowest %d): they were inserted by hand", stray, lowest)}, nil
	}
	through := head.seq
	if head.found != 1 {
		through = head.newestSeq // no head to stop at: check what there is
	}
	c := chainCheck{}
	for last := int64(-1); c.seq < through && c.bad.FirstBad == 0 && c.seq != last; {
		last = c.seq
		if err := e.verifyPageFrom(ctx, &c, through); err != nil {
			return AuditCheck{}, fmt.Errorf("verify the audit log after entry %d: %w", c.seq, err)
		}
	}
	if c.bad.FirstBad != 0 {
		return c.bad, nil
	}
	return c.judgeHead(head), nil
}

// verifyPageFrom checks the next page of entries after c.seq, up to
// through.
func (e *engineOf[TTx]) verifyPageFrom(ctx context.Context, c *chainCheck, through int64) error {
	return e.inTx(ctx, func(tx TTx) error {
		return e.rowsTx(ctx, tx, func(r row) error {
			a, err := scanAuditRow(r)
			if err == nil && c.bad.FirstBad == 0 {
				c.next(a)
			}
			return err
		}, e.rebind(selectAudit+` WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?`), c.seq, through, verifyPage)
	})
}

// chainCheck walks the chain one entry at a time.
type chainCheck struct {
	seq  int64  // the last entry found intact
	hash string // its hash
	bad  AuditCheck
}

func (c *chainCheck) fail(seq int64, format string, a ...any) {
	c.bad = AuditCheck{Entries: min(c.seq, seq-1), FirstBad: seq, Problem: fmt.Sprintf(format, a...)}
}

func (c *chainCheck) next(a auditRow) {
	want := c.seq + 1
	if a.entry.Seq != want {
		c.fail(want, "the entry is missing (the next one is %d)", a.entry.Seq)
		return
	}
	entry, err := a.decoded()
	if err != nil {
		c.fail(want, "its params are not a JSON object: it was changed")
		return
	}
	if chainHash(c.hash, entry) != entry.Hash {
		c.fail(want, "its fields do not match its hash: it was changed, or entries were reordered")
		return
	}
	c.seq, c.hash = entry.Seq, entry.Hash
}

// judgeHead compares the intact chain with the head: the chain must end
// exactly where the head says, with the head's hash.
func (c *chainCheck) judgeHead(h auditHead) AuditCheck {
	switch {
	case h.found != 1:
		c.fail(max(c.seq, 1), "the chain's head row (audit_head) is missing: the newest entries cannot be vouched for")
	case c.seq < h.seq:
		c.fail(c.seq+1, "the entry is missing: the head records %d entries, the log ends at %d", h.seq, c.seq)
	case c.hash != h.hash:
		c.fail(h.seq, "the chain's head does not match the entry: the head or the entry was changed")
	case h.newestSeq > h.seq:
		c.fail(h.seq+1, "the entry is beyond the chain's head (%d): the head was changed", h.seq)
	default:
		return AuditCheck{Entries: c.seq}
	}
	return c.bad
}
