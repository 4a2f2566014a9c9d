package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"modernc.org/sqlite" // also registers the "sqlite" database/sql driver (pure Go)
	sqlite3 "modernc.org/sqlite/lib"
)

var sqliteMigrations = slices.Concat([]string{
	`CREATE TABLE deliveries (
		id              TEXT PRIMARY KEY,
		event           TEXT NOT NULL,
		action          TEXT NOT NULL,
		installation_id INTEGER NOT NULL,
		headers         TEXT NOT NULL,
		body            BLOB NOT NULL,
		received_at     INTEGER NOT NULL,
		status          TEXT NOT NULL,
		runs            INTEGER NOT NULL DEFAULT 0,
		processed_at    INTEGER
	)`,
	requestsTable,
	recoveryCheckpointTable,
	redeliveryRequestsTable,
	`CREATE TABLE operations (id INTEGER PRIMARY KEY AUTOINCREMENT, ` + operationsColumns,
}, afterOperationsTable, []string{
	// Append-only: the database refuses to change or remove an entry.
	// This stops mistakes; someone who can drop the triggers is caught by
	// the chain instead (VerifyAudit).
	`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
		BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
	`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
		BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
})

// sqliteDSN builds the modernc.org/sqlite DSN: WAL so readers never block the
// writer, a busy timeout instead of SQLITE_BUSY errors, synchronous=NORMAL for
// job bookkeeping (safe against a process crash; intake raises it to FULL, see
// beginSynchronous), and BEGIN IMMEDIATE for every transaction so writers
// queue on the lock up front instead of failing when they upgrade.
func sqliteDSN(path string) (string, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return "", fmt.Errorf("sqlite:// needs a file path without ? or #, got %q", path)
	}
	return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate", nil
}

func openSQLite(path string, opts Options) (engine, error) {
	dsn, err := sqliteDSN(path)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One connection: SQLite has one writer, and River's driver documents a
	// single connection as the way to avoid SQLITE_BUSY between its own
	// concurrent operations. Every statement is short; none waits on I/O
	// outside the database.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	d := dialect[*sql.Tx]{
		begin:       func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		commit:      func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		rollback:    func(_ context.Context, tx *sql.Tx) error { return tx.Rollback() },
		beginIntake: func(ctx context.Context) (*sql.Tx, func(), error) { return beginSynchronous(ctx, db) },
		relax:       func(context.Context, *sql.Tx) error { return nil }, // NORMAL is the connection's default
		queryRowTx: func(ctx context.Context, tx *sql.Tx, q string, args ...any) row {
			return tx.QueryRowContext(ctx, q, args...)
		},
		idsTx: func(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			return scanIDs(rows)
		},
		rowsTx: func(ctx context.Context, tx *sql.Tx, each func(row) error, q string, args ...any) error {
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				if err := each(rows); err != nil {
					return err
				}
			}
			return rows.Err()
		},
		execTx: func(ctx context.Context, tx *sql.Tx, q string, args ...any) (int64, error) {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		// One connection and BEGIN IMMEDIATE: every writer already runs alone.
		lockRepo:  func(context.Context, *sql.Tx, int64) error { return nil },
		lockAudit: func(context.Context, *sql.Tx) error { return nil },
		retryable: func(error) bool { return false },
		uniqueViolation: func(err error) bool {
			var se *sqlite.Error
			return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
		},
		queryRow: func(ctx context.Context, q string, args ...any) row { return db.QueryRowContext(ctx, q, args...) },
		ping:     db.PingContext,
		close:    func() { _ = db.Close() },
		rebind:   func(q string) string { return q },
		// BEGIN IMMEDIATE already serialises writers across processes.
		lockMigrations: func(context.Context) (func(), error) { return func() {}, nil },
		migrations:     sqliteMigrations,
		committers:     1,
		riverConfig: func(cfg *river.Config) {
			// SQLite has no LISTEN/NOTIFY and River does not wake its
			// producer for jobs inserted inside a transaction, so it polls.
			// A poll that finds nothing is one indexed query.
			cfg.PollOnly = true
			cfg.FetchPollInterval = 5 * time.Millisecond
		},
	}
	return newEngine(d, riversqlite.New(db), opts)
}

// beginSynchronous starts a transaction on a connection set to
// synchronous=FULL, so that its commit is on disk (the WAL fsynced) before
// GitHub hears that the delivery is stored. The connection goes back to
// NORMAL when released.
func beginSynchronous(ctx context.Context, db *sql.DB) (*sql.Tx, func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, "PRAGMA synchronous=FULL"); err != nil {
		_ = conn.Close()
		return nil, nil, err
	}
	release := func() {
		_, _ = conn.ExecContext(context.Background(), "PRAGMA synchronous=NORMAL")
		_ = conn.Close()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, nil, err
	}
	return tx, release, nil
}

func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
