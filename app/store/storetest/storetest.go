// Package storetest gives tests the databases the store runs on: a fresh
// PostgreSQL database per test when ISSUEOPS_TEST_DATABASE_URL is set.
package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// SQLiteURL returns a sqlite:// URL in a temporary directory of t.
func SQLiteURL(t testing.TB) string {
	return "sqlite://" + filepath.Join(t.TempDir(), "issueops.db")
}

// PostgresURL returns the URL of a PostgreSQL database made for this test and
// dropped after it, or skips the test when ISSUEOPS_TEST_DATABASE_URL (a
// role allowed to create databases) is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("ISSUEOPS_TEST_DATABASE_URL")
	if admin == "" {
		t.Skip("ISSUEOPS_TEST_DATABASE_URL not set: PostgreSQL store tests skipped")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to ISSUEOPS_TEST_DATABASE_URL: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("issueops_test_%d", rand.Uint64())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, admin)
		if err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(ctx)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("ISSUEOPS_TEST_DATABASE_URL is not a URL: %v", err)
	}
	u.Path = "/" + name // same role, password and parameters, the new database
	return u.String()
}
