package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver (pure Go)
)

var sqliteMigrations = []string{
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
}

// sqliteDSN builds the modernc.org/sqlite DSN: WAL so readers never block the
// writer, a busy timeout instead of SQLITE_BUSY errors, synchronous=NORMAL
// (durable at every checkpoint and safe in WAL mode against application
// crashes), and BEGIN IMMEDIATE for every transaction so writers queue on the
// lock up front instead of failing when they upgrade.
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
		begin:    func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		commit:   func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		rollback: func(_ context.Context, tx *sql.Tx) error { return tx.Rollback() },
		execTx: func(ctx context.Context, tx *sql.Tx, q string, args ...any) (int64, error) {
			res, err := tx.ExecContext(ctx, q, args...)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		},
		queryRow: func(ctx context.Context, q string, args ...any) row { return db.QueryRowContext(ctx, q, args...) },
		ping:     db.PingContext,
		close:    func() { _ = db.Close() },
		rebind:   func(q string) string { return q },
		completeTx: func(ctx context.Context, tx *sql.Tx, job *river.Job[DeliveryArgs]) error {
			_, err := river.JobCompleteTx[*riversqlite.Driver](ctx, tx, job)
			return err
		},
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
