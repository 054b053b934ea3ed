package pgtest

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestEnsureCreatesMissingDatabase points Ensure at a database that does
// not exist on the test server: it is created, and a second call finds it.
func TestEnsureCreatesMissingDatabase(t *testing.T) {
	ctx := context.Background()
	base := baseURL(t)
	name := "trellis_ensure_" + strings.ToLower(rand.Text()[:10])
	dsn, err := withDatabase(base, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("connect for cleanup: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	msg, err := Ensure(ctx, dsn)
	if err != nil || !strings.Contains(msg, `created the missing database "`+name+`"`) || strings.Contains(msg, "unreachable") {
		t.Fatalf("Ensure on a missing database = %q, %v", msg, err)
	}
	if msg, err := Ensure(ctx, dsn); err != nil || msg != "" {
		t.Errorf("Ensure on the database it created = %q, %v; want nothing to say", msg, err)
	}
}

// TestEnsureUnreachable points Ensure at a loopback port nothing listens
// on: one line that says how to start the server.
func TestEnsureUnreachable(t *testing.T) {
	_, err := Ensure(context.Background(), "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5")
	if err == nil {
		t.Fatal("Ensure on a closed port succeeded")
	}
	msg := err.Error()
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "not reachable at 127.0.0.1:1") || !strings.Contains(msg, "pg_ctlcluster") {
		t.Errorf("message = %q, want one line naming the address and how to start PostgreSQL", msg)
	}
}
