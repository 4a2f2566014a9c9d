package store

import "context"

// closeDatabase closes the connections under a running engine: tests use it
// to show what intake does when the database is gone.
func (e *engineOf[TTx]) closeDatabase() { e.dialect.close() }

// countRows counts the rows of table.
func (e *engineOf[TTx]) countRows(ctx context.Context, table string) (int, error) {
	var n int
	err := e.queryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	return n, err
}

// count runs a SELECT COUNT(*) query (with ? placeholders).
func (e *engineOf[TTx]) count(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := e.queryRow(ctx, e.rebind(query), args...).Scan(&n)
	return n, err
}

// execSQL runs one statement (with ? placeholders) in a transaction of its
// own: tests use it to tamper with the database as an attacker would.
func (e *engineOf[TTx]) execSQL(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := e.inTx(ctx, func(tx TTx) error {
		var err error
		n, err = e.execTx(ctx, tx, e.rebind(query), args...)
		return err
	})
	return n, err
}
