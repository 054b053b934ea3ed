package sqlite_test

import (
	"context"
	"database/sql"
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
	"trellis/internal/report"
	"trellis/internal/report/reporttest"
	"trellis/internal/shortlist"
	"trellis/internal/shortlist/shortlisttest"
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
	r, ev, err := referral.New(referral.Draft{Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReferral(ctx, r, ev, nil); err != nil {
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

// TestUpgradeToAnswers opens a database made by the migrations before
// 0006_answers, holding an answered referral and a queued email, and
// checks that the upgrade keeps the email (the outbox is rebuilt on
// SQLite), lets the outbox take the new kind, and counts the old answer
// as seen.
func TestUpgradeToAnswers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	raw, err := sql.Open("sqlite", filepath.Join(dir, sqlite.FileName)+"?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob("migrations/*.sql")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := raw.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`)
	for _, name := range names {
		v := strings.TrimSuffix(filepath.Base(name), ".sql")
		if v >= "0006" {
			break
		}
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		exec(string(b))
		exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, v)
	}
	at := t0.UnixMicro()
	exec(`INSERT INTO referrals (id, peer_ref, need, service_key, specialist_id, consent_method, consent_scope, consent_given_at,
		consent_recorded_by, consent_contact, consent_part2_notice, status, created_at, updated_at)
		VALUES ('R1', 'P-7K3QW', 'food', 'harbor.pantry', 'u-ana', 'verbal', 'this-referral', ?, 'u-ana', 0, 0, 'accepted', ?, ?)`, at, at, at+2)
	exec(`INSERT INTO referral_events (id, referral_id, at, actor_kind, actor_id, from_status, to_status) VALUES
		('E1', 'R1', ?, 'user', 'u-ana', '', 'sent'), ('E2', 'R1', ?, 'agency', 'L1', 'sent', 'accepted')`, at, at+2)
	exec(`INSERT INTO outbox (id, kind, referral_id, event_id, recipient, subject, body, created_at, next_attempt_at)
		VALUES ('M1', 'agency_referral', 'R1', 'E1', 'intake@example.org', 'New referral', 'the link', ?, ?)`, at, at)
	raw.Close()

	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	r, err := db.Referral(ctx, "R1")
	if err != nil {
		t.Fatal(err)
	}
	if !r.AnsweredAt.Equal(time.UnixMicro(at+2).UTC()) || r.Unread() {
		t.Errorf("upgraded referral: answered at %v, unread %v; want the agency's event, seen", r.AnsweredAt, r.Unread())
	}
	ms, err := db.Mail(ctx, "R1")
	if err != nil || len(ms) != 1 || ms[0].ID != "M1" || ms[0].Text != "the link" || ms[0].To != "intake@example.org" {
		t.Fatalf("the queued email after the upgrade: %+v, %v", ms, err)
	}
	m := &referral.Mail{ID: "M2", Kind: referral.MailAgencyAnswer, ReferralID: "R1", EventID: "E2", To: "ana@example.org",
		Subject: "answered", Text: "accepted", CreatedAt: t0, NextAttemptAt: t0}
	ev := referral.Event{ID: "E3", At: t0.Add(time.Minute), Actor: referral.AgencyActor("L1"), From: referral.StatusAccepted, To: referral.StatusCompleted}
	if _, err := db.AppendEvent(ctx, "R1", ev, referral.StatusAccepted, []*referral.Mail{m}); err != nil {
		t.Fatalf("an answer email after the upgrade: %v", err)
	}
	if ms, _ := db.Mail(ctx, "R1"); len(ms) != 2 {
		t.Errorf("%d emails after the answer, want 2", len(ms))
	}
}
