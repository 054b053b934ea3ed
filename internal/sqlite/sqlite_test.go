package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"trellis/internal/auth"
	"trellis/internal/auth/authtest"
	"trellis/internal/needs"
	"trellis/internal/needs/needstest"
	"trellis/internal/referral"
	"trellis/internal/referral/referraltest"
	"trellis/internal/sqlite"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// MustOpen opens a database in a fresh temporary directory, closed when
// the test ends.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatalf("sqlite.Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestReferralStore(t *testing.T) {
	referraltest.TestStore(t, func(t *testing.T) referral.Store { return MustOpen(t) })
}

func TestAuthStore(t *testing.T) {
	authtest.TestStore(t, func(t *testing.T) auth.Store { return MustOpen(t) })
}

func TestNeedsStore(t *testing.T) {
	needstest.TestStore(t, func(t *testing.T) needs.Store { return MustOpen(t) })
}

// migrationCount is the number of embedded migration files.
func migrationCount(tb testing.TB) int {
	tb.Helper()
	names, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(names) == 0 {
		tb.Fatalf("no migrations: %v", err)
	}
	return len(names)
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "state")
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	pragmas := []struct {
		name, want string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, p := range pragmas {
		t.Run(p.name, func(t *testing.T) {
			var got string
			if err := db.SQL().QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&got); err != nil {
				t.Fatalf("PRAGMA: %v", err)
			}
			if strings.ToLower(got) != p.want {
				t.Errorf("PRAGMA %s = %s, want %s", p.name, got, p.want)
			}
		})
	}
	fi, err := os.Stat(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, want 0600", fi.Mode().Perm())
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Reopening applies no migration twice.
	db, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations").Scan(&n); err != nil || n != migrationCount(t) {
		t.Errorf("schema_migrations rows = %d, %v; want %d", n, err, migrationCount(t))
	}
}

func TestEventsAppendOnlyInSchema(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	r, ev, err := referral.New(referral.Draft{PeerRef: "JD-17", Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReferral(ctx, r, ev); err != nil {
		t.Fatal(err)
	}
	tables := []string{"referral_events", "audit_log"}
	if err := db.AppendAudit(ctx, referral.AuditEntry{At: t0, Actor: referral.SystemActor, Action: referral.ActionExpire, ReferralID: r.ID}); err != nil {
		t.Fatal(err)
	}
	for _, table := range tables {
		t.Run(table, func(t *testing.T) {
			_, err := db.SQL().ExecContext(ctx, "UPDATE "+table+" SET referral_id = 'x'")
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("UPDATE %s: error %v, want append-only", table, err)
			}
		})
	}
}
