package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/notify/smtptest"
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

// TestUserLifecycle runs trellis user disable, enable, reset-password,
// revoke, token --ttl and tokens against a store and checks what each did
// to the account, its sessions and tokens.
func TestUserLifecycle(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for _, email := range []string{"ana@example.org", "ben@example.org"} {
		if code, _, stderr := run(t, longPassword+"\n", "user", "add", "--state-dir", dir, "--role", "specialist", "--password-stdin", email); code != 0 {
			t.Fatalf("user add %s: %s", email, stderr)
		}
	}
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ana, err := db.UserByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	cfg := auth.SessionConfig{}
	now := time.Now()
	sess, _, _ := auth.StartSession(ctx, db, ana.ID, now, cfg)
	code, stdout, stderr := run(t, "", "user", "token", "--state-dir", dir, "--ttl", "7d", "ana@example.org")
	token := strings.TrimSpace(stdout)
	if code != 0 {
		t.Fatalf("user token: %d %s", code, stderr)
	}
	if _, tok, err := auth.AuthenticateToken(ctx, db, token, now); err != nil || tok.ExpiresAt.Sub(tok.CreatedAt) != 7*24*time.Hour {
		t.Fatalf("token with --ttl 7d: %+v, %v", tok, err)
	}
	code, stdout, _ = run(t, "", "user", "tokens", "--state-dir", dir, "ana@example.org")
	if code != 0 || !strings.Contains(stdout, "LAST USED") || !strings.Contains(stdout, now.AddDate(0, 0, 7).Local().Format(time.DateOnly)) || !strings.Contains(stdout, "works") {
		t.Errorf("user tokens: %d\n%s", code, stdout)
	}

	tests := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stdout string
		check  func(t *testing.T)
	}{
		{"disable", []string{"disable", "ana@example.org"}, "", 0, "disabled ana@example.org: ended 1 sessions and revoked 1 API tokens", func(t *testing.T) {
			if _, _, err := auth.AuthenticateToken(ctx, db, token, time.Now()); apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Errorf("token after disable: %v", err)
			}
			if _, _, err := auth.ResumeSession(ctx, db, sess, time.Now(), cfg); !errors.Is(err, auth.ErrNoSession) {
				t.Errorf("session after disable: %v", err)
			}
			if _, err := auth.Authenticate(ctx, db, "ana@example.org", longPassword); !errors.Is(err, auth.ErrUserDisabled) {
				t.Errorf("sign-in after disable: %v", err)
			}
		}},
		{"list shows it", []string{"list"}, "", 0, "disabled " + now.Format(time.DateOnly), nil},
		{"no token for a disabled account", []string{"token", "ana@example.org"}, "", 1, "", nil},
		{"enable", []string{"enable", "ana@example.org"}, "", 0, "enabled ana@example.org", func(t *testing.T) {
			if _, err := auth.Authenticate(ctx, db, "ana@example.org", longPassword); err != nil {
				t.Errorf("sign-in after enable: %v", err)
			}
		}},
		{"enable again", []string{"enable", "ana@example.org"}, "", 0, "is not disabled", nil},
		{"reset to a common password", []string{"reset-password", "--password-stdin", "ana@example.org"}, "aaaaaaaaaaaa\n", 1, "", nil},
		{"reset from stdin", []string{"reset-password", "--password-stdin", "ana@example.org"}, "another long passphrase\n", 0, "reset the password of ana@example.org", func(t *testing.T) {
			if _, err := auth.Authenticate(ctx, db, "ana@example.org", "another long passphrase"); err != nil {
				t.Errorf("sign-in with the new password: %v", err)
			}
		}},
		{"revoke", []string{"revoke", "ben@example.org"}, "", 0, "revoked ben@example.org's access: ended 1 sessions and revoked 0 API tokens", nil},
		{"unknown account", []string{"disable", "zed@example.org"}, "", 1, "", nil},
		{"no email", []string{"revoke"}, "", 2, "", nil},
		{"unknown command", []string{"delete", "ana@example.org"}, "", 2, "", nil},
	}
	ben, _ := db.UserByEmail(ctx, "ben@example.org")
	benSess, _, _ := auth.StartSession(ctx, db, ben.ID, now, cfg)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"user", tc.args[0], "--state-dir", dir}, tc.args[1:]...)
			code, stdout, stderr := run(t, tc.stdin, args...)
			if code != tc.code || !strings.Contains(stdout, tc.stdout) {
				t.Fatalf("exit %d, want %d\nstdout %q, want %q\nstderr %s", code, tc.code, stdout, tc.stdout, stderr)
			}
			if tc.code != 0 && stderr == "" {
				t.Errorf("a failure without a message")
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
	if _, _, err := auth.ResumeSession(ctx, db, benSess, time.Now(), cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("ben's session after revoke: %v", err)
	}
	// A generated password is printed once, on stdout, and works.
	code, stdout, stderr = run(t, "", "user", "reset-password", "--state-dir", dir, "ben@example.org")
	pw := strings.TrimSpace(stdout)
	if code != 0 || len(pw) != 23 || !strings.Contains(stderr, "shown once") {
		t.Fatalf("reset-password: %d %q %s", code, stdout, stderr)
	}
	if _, err := auth.Authenticate(ctx, db, "ben@example.org", pw); err != nil {
		t.Errorf("sign-in with the generated password: %v", err)
	}
	if code, _, stderr := run(t, "", "user"); code != 2 || !strings.Contains(stderr, "reset-password") || !strings.Contains(stderr, "disable") {
		t.Errorf("user help: %d %s", code, stderr)
	}
}

// closedReferral stores a referral made at made and completed at closed.
func closedReferral(t *testing.T, db referral.Store, made, closed time.Time) *referral.Referral {
	t.Helper()
	ctx := context.Background()
	r, first, err := referral.New(referral.Draft{Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", made)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateReferral(ctx, r, first, nil); err != nil {
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
		if r, err = db.AppendEvent(ctx, r.ID, ev, r.Status, nil); err != nil {
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

// TestServeEmailsAgency runs the server in-process with --smtp pointing at
// a real SMTP server on loopback: a referral made through the API with an
// agency email reaches the agency once, with a link that opens the
// referral, and without the notes or the peer's contact; the specialist
// sees the email sent; cancelling ends the link (410). A client id in the
// configured --peer-ref-pattern is accepted; a name is not.
func TestServeEmailsAgency(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.AddUser(ctx, db, "ana@peers.example.org", auth.RoleSpecialist, longPassword); err != nil {
		t.Fatal(err)
	}
	db.Close()
	smtpd := smtptest.Start(t, smtptest.Options{})
	m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--state-dir", dir, "--smtp", "smtp://" + smtpd.Addr,
		"--base-url", "https://trellis.example.org", "--organization", "Peer Support Network", "--peer-ref-pattern", "C-[0-9]{5}"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		m.Close()
	}()

	call := func(method, path, token string, body any, want int, out any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, m.URL()+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, resp.StatusCode, want, b)
		}
		if out != nil {
			if err := json.Unmarshal(b, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var tok struct{ Token string }
	call("POST", "/api/v1/auth/tokens", "", map[string]string{"email": "ana@peers.example.org", "password": longPassword}, 201, &tok)
	var search struct {
		Results []struct {
			Service struct {
				ID         string `json:"id"`
				Categories []struct {
					ID string `json:"id"`
				} `json:"categories"`
			} `json:"service"`
		} `json:"results"`
	}
	call("GET", "/api/v1/search?q=food+pantry&near=20001", "", nil, 200, &search)
	if len(search.Results) == 0 {
		t.Fatal("no pantry in the bundled data")
	}
	svc := search.Results[0].Service
	var r struct {
		ID      string `json:"id"`
		PeerRef string `json:"peer_ref"`
		Emails  []struct {
			To     string    `json:"to"`
			SentAt time.Time `json:"sent_at"`
		} `json:"emails"`
	}
	call("POST", "/api/v1/referrals?lang=es", tok.Token, map[string]any{"peer_ref": "C-10293", "service_id": svc.ID, "need": svc.Categories[0].ID,
		"notes": "afraid of dogs zebra", "agency_email": "intake@pantry.example.org",
		"contact": map[string]string{"phone": "202-555-0143"}, "consent": map[string]any{"method": "verbal", "contact": true}}, 201, &r)
	call("POST", "/api/v1/referrals", tok.Token, map[string]any{"peer_ref": "JohnSmith", "service_id": svc.ID, "need": svc.Categories[0].ID,
		"consent": map[string]any{"method": "verbal"}}, 422, nil)

	deadline := time.Now().Add(20 * time.Second)
	for len(smtpd.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	msgs := smtpd.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "intake@pantry.example.org" {
		t.Fatalf("emails %+v, want one to the agency", msgs)
	}
	body := msgs[0].Text()
	for _, want := range []string{"C-10293", "Peer Support Network", "ana@peers.example.org", "Código de la remisión"} {
		if !strings.Contains(body, want) {
			t.Errorf("the email lacks %q:\n%s", want, body)
		}
	}
	for _, secret := range []string{"zebra", "dogs", "202-555-0143"} {
		if strings.Contains(body, secret) {
			t.Errorf("the email holds %q", secret)
		}
	}
	link := regexp.MustCompile(`https://trellis\.example\.org/agency/([A-Za-z0-9_-]{43})`).FindStringSubmatch(body)
	if link == nil {
		t.Fatalf("no link in the email:\n%s", body)
	}
	var view struct{ ID string }
	call("GET", "/api/v1/agency/"+link[1], "", nil, 200, &view)
	if view.ID != r.ID {
		t.Errorf("the link opens %q, want %q", view.ID, r.ID)
	}
	for i := 0; i < 100; i++ {
		call("GET", "/api/v1/referrals/"+r.ID, tok.Token, nil, 200, &r)
		if len(r.Emails) == 1 && !r.Emails[0].SentAt.IsZero() {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if len(r.Emails) != 1 || r.Emails[0].To != "intake@pantry.example.org" || r.Emails[0].SentAt.IsZero() {
		t.Errorf("the specialist sees emails %+v, want one sent", r.Emails)
	}
	call("POST", "/api/v1/referrals/"+r.ID+"/events", tok.Token, map[string]string{"status": "cancelled"}, 201, nil)
	call("GET", "/api/v1/agency/"+link[1], "", nil, 410, nil)
	if n := len(smtpd.Messages()); n != 1 {
		t.Errorf("%d emails, want still 1", n)
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
		{"a proxy that is not an address", []string{"--trusted-proxies", "10.0.0.0/8,proxy.example"}, `"proxy.example" is not an address`},
		{"a negative search rate", []string{"--search-rate", "-1"}, "--search-rate"},
		{"SMTP without a base URL", []string{"--smtp", "smtp://mail.example.org", "--organization", "Peers"}, "--smtp needs --base-url"},
		{"SMTP without an organization", []string{"--smtp", "smtp://mail.example.org", "--base-url", "https://t.example.org"}, "--smtp needs --organization"},
		{"SMTP URL of another scheme", []string{"--smtp", "http://mail.example.org", "--base-url", "https://t.example.org", "--organization", "Peers"}, "smtp://"},
		{"SMTP password kept out of errors", []string{"--smtp", "smtp://u:hunter2@mail.example.org:0", "--base-url", "https://t.example.org", "--organization", "Peers"}, "port"},
		{"bad sender", []string{"--smtp", "smtp://mail.example.org", "--smtp-from", "nobody", "--base-url", "https://t.example.org", "--organization", "Peers"}, "--smtp"},
		{"mail language", []string{"--mail-lang", "fr"}, "--mail-lang"},
		{"peer ref pattern that does not compile", []string{"--peer-ref-pattern", "C-[0-9"}, "--peer-ref-pattern"},
		{"peer ref pattern that accepts names", []string{"--peer-ref-pattern", "[A-Za-z]+"}, "looks like a name"},
		{"peer ref pattern that accepts phone numbers", []string{"--peer-ref-pattern", "[0-9.]{7,}"}, "phone"},
		{"map tiles without a place for the tile", []string{"--map-tiles", "https://tiles.example.org/{z}/{x}.png"}, "{z}, {x} and {y}"},
		{"map tiles that are not a web address", []string{"--map-tiles", "tiles/{z}/{x}/{y}.png"}, "--map-tiles"},
		{"map tiles with a quote", []string{"--map-tiles", "https://tiles.example.org/{z}/{x}/{y}.png?a='b"}, "quote"},
		{"profiler on a public address", []string{"--debug-addr", "0.0.0.0:6060"}, "not a loopback address"},
		{"profiler address without a port", []string{"--debug-addr", "127.0.0.1"}, "--debug-addr"},
		{"map attribution without tiles", []string{"--map-attribution", "© OpenStreetMap contributors"}, "needs --map-tiles"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := app.NewMain(app.IO{Stderr: io.Discard, Getenv: func(string) string { return "" }})
			err := m.ParseFlags(tc.args)
			if err == nil || !strings.Contains(err.Error(), tc.msg) || strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %v, want one mentioning %q (and no password)", err, tc.msg)
			}
		})
	}
	m := app.NewMain(app.IO{Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"TRELLIS_DATABASE_URL": "postgres://db.example/trellis", "TRELLIS_REFERRAL_EXPIRY": "0",
			"TRELLIS_TRUSTED_PROXIES": "127.0.0.1/32, 10.1.2.3, ::1"}[k]
	}})
	if err := m.ParseFlags([]string{"--base-url", "https://trellis.example.org/"}); err != nil {
		t.Fatal(err)
	}
	if c := m.Config; c.Store.DatabaseURL != "postgres://db.example/trellis" || c.ReferralExpiry != 0 || c.BaseURL != "https://trellis.example.org" || c.Store.StateDir != "./var" {
		t.Errorf("config %+v", c)
	}
	if got := fmt.Sprint(m.Config.TrustedProxies); got != "[127.0.0.1/32 10.1.2.3/32 ::1/128]" {
		t.Errorf("trusted proxies %s", got)
	}
	if m.Config.SearchRate != 5 {
		t.Errorf("search rate %v, want the default 5", m.Config.SearchRate)
	}
}

// TestServeProfiler: --debug-addr serves Go's profiler on its own loopback
// listener, and the public address does not.
func TestServeProfiler(t *testing.T) {
	dir := t.TempDir()
	m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--state-dir", dir, "--debug-addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
		m.Close()
	}()
	get := func(url string) (int, string) {
		t.Helper()
		for i := 0; ; i++ {
			resp, err := http.Get(url)
			if err != nil {
				if i < 100 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
	}
	if code, body := get("http://" + m.DebugAddr() + "/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("profiler index: %d %.200s", code, body)
	}
	if code, _ := get("http://" + m.DebugAddr() + "/debug/pprof/heap?debug=1"); code != 200 {
		t.Errorf("heap profile: %d", code)
	}
	if code, _ := get(m.URL() + "/debug/pprof/"); code == 200 {
		t.Error("the public address serves the profiler")
	}
}
