// Package pgtest gives tests a fresh schema in the test PostgreSQL: the
// database at TRELLIS_TEST_DATABASE_URL (default the local "test"
// database), which the store suites and the two-instance test share.
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultURL is the PostgreSQL the tests use unless
// TRELLIS_TEST_DATABASE_URL names another.
const defaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// baseURL returns the test database URL. If the database cannot be
// reached, the test fails, unless TRELLIS_SKIP_POSTGRES=1, when it is
// skipped: CI must run these tests for real.
func baseURL(tb testing.TB) string {
	tb.Helper()
	dsn := URL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		if os.Getenv("TRELLIS_SKIP_POSTGRES") == "1" {
			tb.Skipf("PostgreSQL unreachable and TRELLIS_SKIP_POSTGRES=1: %v", err)
		}
		tb.Fatalf("PostgreSQL at TRELLIS_TEST_DATABASE_URL (default %s) did not answer: %v\n"+
			"Run the tests with `make test`, which creates a missing test database, or start the server: %s", defaultURL, err, StartHint)
	}
	conn.Close(ctx)
	return dsn
}

// withSearchPath returns dsn with search_path set to schema.
func withSearchPath(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	if !strings.Contains(dsn, "://") {
		return dsn + " search_path=" + schema
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatalf("TRELLIS_TEST_DATABASE_URL is not a URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// FreshSchema creates an empty schema t_<random>, dropped with everything
// in it when the test ends, and returns a DSN whose search_path is it.
func FreshSchema(tb testing.TB) string {
	tb.Helper()
	dsn := baseURL(tb)
	schema := "t_" + strings.ToLower(rand.Text())
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("connect for cleanup: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})
	return withSearchPath(tb, dsn, schema)
}
