package store

// closeDatabase closes the connections under a running engine: tests use it
// to show what intake does when the database is gone.
func (e *engineOf[TTx]) closeDatabase() { e.dialect.close() }
