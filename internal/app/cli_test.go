package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/auth"
	"trellis/internal/referral"
	"trellis/internal/sqlite"
)

// longPassword is a password the policy accepts.
const longPassword = "a long test passphrase"

// run runs the trellis command in-process with stdin and returns the exit
// status, stdout and stderr.
func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), args, app.IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"the issue's example password is too short", "pw\n", []string{"--role", "specialist", "--password-stdin", "ana@example.org"}, 1, "",
			"password must be at least 12 characters long"},
		{"added", longPassword + "\n", []string{"--role", "specialist", "--password-stdin", "ana@example.org"}, 0, "added ana@example.org (specialist)", ""},
		{"flags after the email", longPassword, []string{"ben@example.org", "--role", "coordinator", "--password-stdin", "--team", "east"}, 0, "added ben@example.org (coordinator)", ""},
		{"taken", longPassword + "\n", []string{"--role", "admin", "--password-stdin", "ANA@example.org"}, 1, "", "a user with that email already exists"},
		{"no role", longPassword + "\n", []string{"--password-stdin", "cal@example.org"}, 2, "", "--role is required"},
		{"bad role", longPassword + "\n", []string{"--role", "root", "--password-stdin", "cal@example.org"}, 2, "", "role must be admin, coordinator or specialist"},
		{"bad email", longPassword + "\n", []string{"--role", "admin", "--password-stdin", "cal"}, 2, "", "email must be an address"},
		{"no email", longPassword + "\n", []string{"--role", "admin", "--password-stdin"}, 2, "", "give exactly one EMAIL"},
		{"empty stdin", "", []string{"--role", "admin", "--password-stdin", "cal@example.org"}, 1, "", "no password on standard input"},
		{"no prompt without a terminal", longPassword + "\n", []string{"--role", "admin", "cal@example.org"}, 2, "", "--password-stdin"},
		{"no password as an argument", "", []string{"--role", "admin", "--password", longPassword, "cal@example.org"}, 2, "", "flag provided but not defined: -password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"user", "add", "--state-dir", dir}, tc.args...)
			code, stdout, stderr := run(t, tc.stdin, args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d\nstdout %q, want %q\nstderr %q, want %q", code, tc.code, stdout, tc.stdout, stderr, tc.stderr)
			}
			if strings.Contains(stdout+stderr, longPassword) {
				t.Errorf("output repeats the password")
			}
		})
	}
	code, stdout, stderr := run(t, "", "user", "list", "--state-dir", dir)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	row := func(i int) string {
		if i >= len(lines) {
			return ""
		}
		f := strings.Fields(lines[i])
		return strings.Join(f[:min(3, len(f))], " ")
	}
	if code != 0 || len(lines) != 3 || row(1) != "ana@example.org specialist -" || row(2) != "ben@example.org coordinator east" {
		t.Errorf("user list: exit %d\n%s%s", code, stdout, stderr)
	}

	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := auth.Authenticate(context.Background(), db, "ana@example.org", longPassword); err != nil {
		t.Errorf("sign in with the stdin password: %v", err)
	}
	// The first line only: a trailing newline is not part of the password.
	if _, err := auth.Authenticate(context.Background(), db, "ben@example.org", longPassword); err != nil {
		t.Errorf("sign in with a password given without a newline: %v", err)
	}

	code, stdout, _ = run(t, "", "user", "token", "--state-dir", dir, "--name", "report", "ben@example.org")
	secret := strings.TrimSpace(stdout)
	if code != 0 || !strings.HasPrefix(secret, auth.TokenPrefix) {
		t.Fatalf("user token: exit %d %q", code, stdout)
	}
	if u, _, err := auth.AuthenticateToken(context.Background(), db, secret, time.Now()); err != nil || u.Email != "ben@example.org" {
		t.Errorf("issued token: %v %v", u, err)
	}
	if code, _, stderr := run(t, "", "user", "token", "--state-dir", dir, "zed@example.org"); code != 1 || !strings.Contains(stderr, "no account for zed@example.org") {
		t.Errorf("token for an unknown user: %d %s", code, stderr)
	}
}

// closedReferral stores a referral made at made and completed at closed.
func closedReferral(t *testing.T, db referral.Store, made, closed time.Time) *referral.Referral {
	t.Helper()
	ctx := context.Background()
	r, first, err := referral.New(referral.Draft{PeerRef: "PX-1", Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", made)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReferral(ctx, r, first); err != nil {
		t.Fatal(err)
	}
	if closed.IsZero() {
		return r
	}
	for _, to := range []referral.Status{referral.StatusAccepted, referral.StatusCompleted} {
		ev, err := referral.NewEvent(r, referral.UserActor("u-ana"), referral.Change{To: to}, closed)
		if err != nil {
			t.Fatal(err)
		}
		if r, err = db.AppendEvent(ctx, r.ID, ev, r.Status); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func TestPurge(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	old := closedReferral(t, db, now.AddDate(-3, 0, 0), now.AddDate(-3, 0, 1))
	recent := closedReferral(t, db, now.AddDate(-1, 0, 0), now.AddDate(-1, 0, 1))
	open := closedReferral(t, db, now.AddDate(-4, 0, 0), time.Time{})

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no period", []string{}, 2, "--older-than is required"},
		{"bad period", []string{"--older-than", "two years"}, 2, "invalid value"},
		{"negative", []string{"--older-than", "-1y"}, 2, "invalid value"},
		{"two years", []string{"--older-than", "2y"}, 0, "referrals=1 events=3 agency_links=0"},
		{"again: nothing left that old", []string{"--older-than", "2y"}, 0, "referrals=0 events=0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := run(t, "", append([]string{"purge", "--state-dir", dir}, tc.args...)...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, tc.code, stderr, tc.stderr)
			}
			if strings.Contains(stderr, "PX-1") || strings.Contains(stderr, old.ID) {
				t.Errorf("purge logged referral data: %s", stderr)
			}
		})
	}
	if _, err := db.Referral(ctx, old.ID); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("referral closed 3 years ago: %v, want purged", err)
	}
	for _, r := range []*referral.Referral{recent, open} {
		if _, err := db.Referral(ctx, r.ID); err != nil {
			t.Errorf("referral %s should be kept: %v", r.ID, err)
		}
	}
}

// TestServeExpiresAndCloses starts the server in-process with a referral
// left open for 40 days: maintenance expires it at start with a system
// event, and stopping the server closes the store.
func TestServeExpiresAndCloses(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	stale := closedReferral(t, db, time.Now().AddDate(0, 0, -40), time.Time{})
	fresh := closedReferral(t, db, time.Now().AddDate(0, 0, -2), time.Time{})
	db.Close()

	m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--state-dir", dir, "--referral-expiry", "30d"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()

	var got *referral.Referral
	for i := 0; i < 200; i++ {
		if got, err = m.DB().Referral(ctx, stale.ID); err != nil {
			t.Fatal(err)
		}
		if got.Status == referral.StatusExpired {
			break
		}
		time.Sleep(25 * time.Millisecond)
	}
	if got.Status != referral.StatusExpired {
		t.Fatalf("referral open 40 days: status %s, want expired", got.Status)
	}
	evs, err := m.DB().Events(ctx, stale.ID)
	if err != nil || len(evs) != 2 || evs[1].Actor != referral.SystemActor {
		t.Errorf("events %+v %v, want a system expiry", evs, err)
	}
	if r, _ := m.DB().Referral(ctx, fresh.ID); r.Status != referral.StatusSent {
		t.Errorf("2-day-old referral: %s, want sent", r.Status)
	}
	if resp, err := http.Get(m.URL() + "/api/v1/referrals"); err != nil || resp.StatusCode != 401 {
		t.Errorf("anonymous referral list: %v %v", resp, err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// The store is closed: the file can be opened afresh and holds the expiry.
	db, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if r, err := db.Referral(ctx, stale.ID); err != nil || r.Status != referral.StatusExpired {
		t.Errorf("after restart: %v %v", r, err)
	}
}

func TestServeFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"base URL with a path", []string{"--base-url", "https://example.org/trellis"}, "--base-url"},
		{"base URL without a scheme", []string{"--base-url", "example.org"}, "--base-url"},
		{"expiry under a day", []string{"--referral-expiry", "2h"}, "at least a day"},
		{"no store", []string{"--state-dir", ""}, "--state-dir or --database-url"},
		{"zero link TTL", []string{"--agency-link-ttl", "0s"}, "--agency-link-ttl must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := app.NewMain(app.IO{Stderr: io.Discard, Getenv: func(string) string { return "" }})
			err := m.ParseFlags(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %v, want one mentioning %q", err, tc.msg)
			}
		})
	}
	m := app.NewMain(app.IO{Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"TRELLIS_DATABASE_URL": "postgres://db.example/trellis", "TRELLIS_REFERRAL_EXPIRY": "0"}[k]
	}})
	if err := m.ParseFlags([]string{"--base-url", "https://trellis.example.org/"}); err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.Store.DatabaseURL != "postgres://db.example/trellis" || c.ReferralExpiry != 0 || c.BaseURL != "https://trellis.example.org" || c.Store.StateDir != "./var" {
		t.Errorf("config %+v", c)
	}
}
