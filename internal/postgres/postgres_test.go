package postgres_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/auth"
	"trellis/internal/auth/authtest"
	"trellis/internal/needs"
	"trellis/internal/needs/needstest"
	"trellis/internal/postgres"
	"trellis/internal/postgres/pgtest"
	"trellis/internal/referral"
	"trellis/internal/referral/referraltest"
	"trellis/internal/report"
	"trellis/internal/report/reporttest"
	"trellis/internal/shortlist"
	"trellis/internal/shortlist/shortlisttest"
)

// MustOpen opens a store in a fresh schema, closed when the test ends.
func MustOpen(tb testing.TB) *postgres.DB {
	tb.Helper()
	dsn := pgtest.FreshSchema(tb)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("postgres.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestReferralStore(t *testing.T) {
	referraltest.TestStore(t, func(t *testing.T) referral.Store { return MustOpen(t) })
}

func TestProblemStore(t *testing.T) {
	reporttest.TestProblemStore(t, func(t *testing.T) report.ProblemStore { return MustOpen(t) })
}

func TestOutcomeStore(t *testing.T) {
	referraltest.TestOutcomes(t, func(t *testing.T) referraltest.OutcomeStore { return MustOpen(t) })
}

func TestAuthStore(t *testing.T) {
	authtest.TestStore(t, func(t *testing.T) auth.Store { return MustOpen(t) })
}

func TestNeedsStore(t *testing.T) {
	needstest.TestStore(t, func(t *testing.T) needs.Store { return MustOpen(t) })
}

func TestShortListStore(t *testing.T) {
	shortlisttest.TestStore(t, func(t *testing.T) shortlist.Store { return MustOpen(t) })
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

func TestConcurrentMigration(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	const n = 4
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(context.Background(), dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: Open: %v", i, err)
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	var rows int
	if err := dbs[0].Pool().QueryRow(context.Background(), "SELECT COUNT(*) FROM schema_migrations").Scan(&rows); err != nil || rows != migrationCount(t) {
		t.Errorf("schema_migrations rows = %d, %v; want %d", rows, err, migrationCount(t))
	}
	// What one instance writes, another reads.
	r, ev, err := referral.New(referral.Draft{Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := dbs[0].CreateReferral(context.Background(), r, ev, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := dbs[n-1].Referral(context.Background(), r.ID); err != nil {
		t.Errorf("other instance: %v", err)
	}
}

func TestAppendOnlyInSchema(t *testing.T) {
	ctx := context.Background()
	db := MustOpen(t)
	r, ev, err := referral.New(referral.Draft{Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReferral(ctx, r, ev, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.AppendAudit(ctx, referral.AuditEntry{At: time.Now(), Actor: referral.SystemActor, Action: referral.ActionExpire, ReferralID: r.ID}); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"referral_events", "audit_log"} {
		t.Run(table, func(t *testing.T) {
			_, err := db.Pool().Exec(ctx, fmt.Sprintf("UPDATE %s SET referral_id = 'x'", table))
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("UPDATE %s: error %v, want append-only", table, err)
			}
		})
	}
}

func TestOpenUnreachable(t *testing.T) {
	// Port 1 on loopback refuses connections; the error must not echo the password.
	_, err := postgres.Open(context.Background(), "postgres://u:s3cret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2")
	if err == nil {
		t.Fatal("Open of an unreachable database succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("error leaks the password: %v", err)
	}
}
