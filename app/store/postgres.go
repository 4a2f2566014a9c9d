package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

var postgresMigrations = slices.Concat([]string{
	`CREATE TABLE deliveries (
		id              TEXT PRIMARY KEY,
		event           TEXT NOT NULL,
		action          TEXT NOT NULL,
		installation_id BIGINT NOT NULL,
		headers         TEXT NOT NULL,
		body            BYTEA NOT NULL,
		received_at     BIGINT NOT NULL,
		status          TEXT NOT NULL,
		runs            INTEGER NOT NULL DEFAULT 0,
		processed_at    BIGINT
	)`,
	requestsTable,
	recoveryCheckpointTable,
	redeliveryRequestsTable,
	`CREATE TABLE operations (id BIGSERIAL PRIMARY KEY, ` + operationsColumns,
}, afterOperationsTable, []string{
	// Append-only: the database refuses to change or remove an entry.
	// This stops mistakes; someone who can drop the triggers is caught by
	// the chain instead (VerifyAudit).
	`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
	`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
		FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
	`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
		FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
})

// migrationLockKey is the advisory lock that serialises migrations when
// several replicas start at once.
const migrationLockKey = 0x1550_0b5

// repoLockSpace is the first key of the per-repository advisory locks
// (lockRepo). Two-key advisory locks are a key space apart from one-key ones
// (migrationLockKey, River's), so a repository id never collides with those.
const repoLockSpace int32 = 0x1550

// auditLockSpace is the first key of the audit log's advisory lock
// (lockAudit), a key space of its own beside repoLockSpace's.
const auditLockSpace int32 = 0x1551

// repoLockKey folds a repository id into the second, 32-bit key. Two
// repositories that fold alike only share a lock, which costs a wait, never
// correctness.
func repoLockKey(repoID int64) int32 { return int32(repoID ^ repoID>>32) }

func openPostgres(ctx context.Context, url string, opts Options) (engine, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse postgres URL: %w", err)
	}
	cfg.MaxConns = int32(max(8, opts.Workers/2))
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	d := dialect[pgx.Tx]{
		begin:    func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
		commit:   func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
		rollback: func(ctx context.Context, tx pgx.Tx) error { return tx.Rollback(ctx) },
		beginIntake: func(ctx context.Context) (pgx.Tx, func(), error) {
			tx, err := pool.Begin(ctx)
			return tx, func() {}, err
		},
		relax: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SET LOCAL synchronous_commit = off")
			return err
		},
		queryRowTx: func(ctx context.Context, tx pgx.Tx, q string, args ...any) row { return tx.QueryRow(ctx, q, args...) },
		idsTx: func(ctx context.Context, tx pgx.Tx, q string, args ...any) ([]string, error) {
			rows, err := tx.Query(ctx, q, args...)
			if err != nil {
				return nil, err
			}
			return pgx.CollectRows(rows, pgx.RowTo[string])
		},
		rowsTx: func(ctx context.Context, tx pgx.Tx, each func(row) error, q string, args ...any) error {
			rows, err := tx.Query(ctx, q, args...)
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
		execTx: func(ctx context.Context, tx pgx.Tx, q string, args ...any) (int64, error) {
			tag, err := tx.Exec(ctx, q, args...)
			return tag.RowsAffected(), err
		},
		lockRepo: func(ctx context.Context, tx pgx.Tx, repoID int64) error {
			_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, repoLockSpace, repoLockKey(repoID))
			return err
		},
		lockAudit: func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, 0)`, auditLockSpace)
			return err
		},
		retryable: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
		},
		uniqueViolation: func(err error) bool {
			var pe *pgconn.PgError
			return errors.As(err, &pe) && pe.Code == "23505"
		},
		queryRow: func(ctx context.Context, q string, args ...any) row { return pool.QueryRow(ctx, q, args...) },
		ping:     pool.Ping,
		close:    pool.Close,
		rebind:   rebindDollar,
		lockMigrations: func(ctx context.Context) (func(), error) {
			conn, err := pool.Acquire(ctx)
			if err != nil {
				return nil, err
			}
			if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
				conn.Release()
				return nil, err
			}
			return func() {
				_, _ = conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
				conn.Release()
			}, nil
		},
		migrations: postgresMigrations,
		committers: 4,
	}
	return newEngine(d, riverpgxv5.New(pool), opts)
}

// rebindDollar turns ? placeholders into $1, $2, …. The package's SQL never
// has a ? inside a string literal.
func rebindDollar(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
