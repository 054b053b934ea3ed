// Package authtest is the shared test suite every auth.Store
// implementation runs: the sqlite package against a file in a temporary
// directory, the postgres package against a real PostgreSQL.
package authtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/auth"
)

// Opener returns a new, empty, migrated store for one test, closed by
// the test's cleanup.
type Opener func(t *testing.T) auth.Store

// TestStore runs the suite against stores made by open. Each subtest
// opens its own store and runs in parallel with the others.
func TestStore(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, auth.Store)
	}{
		{"Users", testUsers},
		{"AddUserValidation", testAddUserValidation},
		{"Authenticate", testAuthenticate},
		{"Tokens", testTokens},
		{"Lifecycle", testLifecycle},
		{"Sessions", testSessions},
		{"CSRF", testCSRF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

const password = "correct horse battery"

func addUser(t *testing.T, s auth.Store, email string, role auth.Role) *auth.User {
	t.Helper()
	u, err := auth.AddUser(context.Background(), s, email, role, password)
	if err != nil {
		t.Fatalf("AddUser %s: %v", email, err)
	}
	return u
}

func mustEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func testUsers(t *testing.T, s auth.Store) {
	ctx := context.Background()
	ana := addUser(t, s, " Ana@Example.org ", auth.RoleSpecialist)
	if ana.Email != "ana@example.org" || ana.Role != auth.RoleSpecialist || ana.ID == "" || !strings.HasPrefix(ana.PasswordHash, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("added user = %+v", ana)
	}
	cal := addUser(t, s, "cal@example.org", auth.RoleAdmin)
	ben := addUser(t, s, "ben@example.org", auth.RoleCoordinator)

	got, err := s.User(ctx, ana.ID)
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	mustEqual(t, "User", got, ana)
	got, err = s.UserByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatalf("UserByEmail: %v", err)
	}
	mustEqual(t, "UserByEmail", got, ana)
	if _, err := s.User(ctx, "NOSUCHID"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("User(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.UserByEmail(ctx, "nobody@example.org"); !errors.Is(err, auth.ErrNotFound) {
		t.Errorf("UserByEmail(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := auth.AddUser(ctx, s, "ANA@example.org", auth.RoleAdmin, password); !errors.Is(err, auth.ErrEmailTaken) {
		t.Errorf("AddUser with taken email: error %v, want ErrEmailTaken", err)
	}
	all, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	mustEqual(t, "ListUsers", all, []*auth.User{ana, ben, cal})

	tests := []struct {
		name  string
		apply func(id string) error
		check func(u *auth.User) bool
	}{
		{"team", func(id string) error { return s.SetUserTeam(ctx, id, "team-1") }, func(u *auth.User) bool { return u.TeamID == "team-1" }},
		{"team cleared", func(id string) error { return s.SetUserTeam(ctx, id, "") }, func(u *auth.User) bool { return u.TeamID == "" }},
		{"role", func(id string) error { return s.SetUserRole(ctx, id, auth.RoleAdmin) }, func(u *auth.User) bool { return u.Role == auth.RoleAdmin }},
		{"password hash", func(id string) error { return s.SetPasswordHash(ctx, id, "$argon2id$x") }, func(u *auth.User) bool { return u.PasswordHash == "$argon2id$x" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.apply(ana.ID); err != nil {
				t.Fatalf("apply: %v", err)
			}
			u, err := s.User(ctx, ana.ID)
			if err != nil {
				t.Fatalf("User: %v", err)
			}
			if !tc.check(u) {
				t.Errorf("after update: %+v", u)
			}
			if err := tc.apply("NOSUCHID"); !errors.Is(err, auth.ErrNotFound) {
				t.Errorf("update of unknown user: error %v, want ErrNotFound", err)
			}
		})
	}
}

func testAddUserValidation(t *testing.T, s auth.Store) {
	ctx := context.Background()
	tests := []struct {
		name     string
		email    string
		role     auth.Role
		password string
		field    string
		mention  string
	}{
		{"not an email", "ana", auth.RoleSpecialist, password, "email", ""},
		{"display name", "Ana <ana@example.org>", auth.RoleSpecialist, password, "email", ""},
		{"no domain dot", "ana@localhost", auth.RoleSpecialist, password, "email", ""},
		{"unknown role", "ana@example.org", auth.Role("root"), password, "role", "specialist"},
		{"short password", "ana@example.org", auth.RoleSpecialist, "elevenchars", "password", "12"},
		{"empty password", "ana@example.org", auth.RoleSpecialist, "", "password", "12"},
		{"one letter twelve times", "ana@example.org", auth.RoleSpecialist, "aaaaaaaaaaaa", "password", "repeats"},
		{"a common password", "ana@example.org", auth.RoleSpecialist, "1234567890qwerty", "password", "most common"},
		{"a common password with digits", "ana@example.org", auth.RoleSpecialist, "password123456", "password", "common password with digits"},
		{"the email in it", "ana.maria@example.org", auth.RoleSpecialist, "ana.maria-2025!", "password", "email"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := auth.AddUser(ctx, s, tc.email, tc.role, tc.password)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Field != tc.field || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("error %v, want invalid %s mentioning %q", err, tc.field, tc.mention)
			}
		})
	}
	if users, _ := s.ListUsers(ctx); len(users) != 0 {
		t.Errorf("%d users stored by failed adds", len(users))
	}
	// Exactly 12 characters (runes, not bytes) is enough.
	if _, err := auth.AddUser(ctx, s, "ana@example.org", auth.RoleSpecialist, "ñandú vuela!"); err != nil {
		t.Errorf("12-character password: %v", err)
	}
}

func testAuthenticate(t *testing.T, s auth.Store) {
	ctx := context.Background()
	ana := addUser(t, s, "ana@example.org", auth.RoleSpecialist)
	tests := []struct {
		name, email, password string
		ok                    bool
	}{
		{"right", "ana@example.org", password, true},
		{"email case and spaces", " ANA@example.org", password, true},
		{"wrong password", "ana@example.org", password + "!", false},
		{"unknown email", "ben@example.org", password, false},
		{"not an email", "ana", password, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := auth.Authenticate(ctx, s, tc.email, tc.password)
			if tc.ok {
				if err != nil || u.ID != ana.ID {
					t.Errorf("Authenticate = %v, %v; want %s", u, err, ana.ID)
				}
				return
			}
			if !errors.Is(err, auth.ErrBadCredentials) || u != nil {
				t.Errorf("Authenticate = %v, %v; want ErrBadCredentials", u, err)
			}
		})
	}
}

func testTokens(t *testing.T, s auth.Store) {
	ctx := context.Background()
	ana := addUser(t, s, "ana@example.org", auth.RoleSpecialist)
	ben := addUser(t, s, "ben@example.org", auth.RoleSpecialist)

	secret, tok, err := auth.IssueToken(ctx, s, ana.ID, "laptop", t0, 0)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	sum := sha256.Sum256([]byte(secret))
	if !strings.HasPrefix(secret, auth.TokenPrefix) || len(secret) != len(auth.TokenPrefix)+43 || !bytes.Equal(tok.Hash, sum[:]) {
		t.Errorf("token secret %d chars, hash matches %v", len(secret), bytes.Equal(tok.Hash, sum[:]))
	}
	if _, err := s.TokenByHash(ctx, []byte(secret)); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Errorf("lookup by the secret itself: error %v, want ErrTokenNotFound", err)
	}
	if _, _, err := auth.IssueToken(ctx, s, ana.ID, "  ", t0, 0); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("IssueToken without a name: error %v, want invalid", err)
	}
	if !tok.ExpiresAt.Equal(t0.Add(90 * 24 * time.Hour)) {
		t.Errorf("token expires at %v, want 90 days after %v", tok.ExpiresAt, t0)
	}
	for _, ttl := range []time.Duration{-time.Hour, time.Second, auth.MaxTokenTTL + time.Hour} {
		if _, _, err := auth.IssueToken(ctx, s, ana.ID, "odd", t0, ttl); apperr.As(err) == nil || apperr.As(err).Field != "ttl" {
			t.Errorf("IssueToken with ttl %v: error %v, want invalid ttl", ttl, err)
		}
	}
	secret2, tok2, err := auth.IssueToken(ctx, s, ana.ID, "phone", t0.Add(time.Second), 0)
	if err != nil {
		t.Fatalf("IssueToken: %v", err)
	}
	if secret2 == secret {
		t.Error("two tokens share a secret")
	}

	u, got, err := auth.AuthenticateToken(ctx, s, secret, t0.Add(time.Hour))
	if err != nil || u.ID != ana.ID || got.ID != tok.ID {
		t.Fatalf("AuthenticateToken = %v, %v, %v", u, got, err)
	}
	stored, err := s.TokenByHash(ctx, tok.Hash)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	if !stored.LastUsedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("last used %v, want %v", stored.LastUsedAt, t0.Add(time.Hour))
	}
	list, err := s.ListTokens(ctx, ana.ID)
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	tok.LastUsedAt = stored.LastUsedAt
	mustEqual(t, "ListTokens", list, []*auth.Token{tok2, tok})
	if list, _ := s.ListTokens(ctx, ben.ID); len(list) != 0 {
		t.Errorf("ben's tokens = %d", len(list))
	}

	if err := s.RevokeToken(ctx, ben.ID, tok.ID, t0); !errors.Is(err, auth.ErrTokenNotFound) {
		t.Errorf("revoking another user's token: error %v, want ErrTokenNotFound", err)
	}
	if err := s.RevokeToken(ctx, ana.ID, tok.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if err := s.RevokeToken(ctx, ana.ID, tok.ID, t0.Add(3*time.Hour)); err != nil {
		t.Fatalf("RevokeToken again: %v", err)
	}
	stored, _ = s.TokenByHash(ctx, tok.Hash)
	if !stored.RevokedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("revoked at %v, want the first revocation", stored.RevokedAt)
	}
	bad := []struct{ name, secret string }{
		{"revoked", secret},
		{"unknown", auth.TokenPrefix + strings.Repeat("A", 43)},
		{"no prefix", strings.TrimPrefix(secret2, auth.TokenPrefix)},
		{"empty", ""},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := auth.AuthenticateToken(ctx, s, tc.secret, t0.Add(4*time.Hour)); !errors.Is(err, auth.ErrBadToken) {
				t.Errorf("error %v, want ErrBadToken", err)
			}
		})
	}
	if u, _, err := auth.AuthenticateToken(ctx, s, secret2, t0.Add(4*time.Hour)); err != nil || u.ID != ana.ID {
		t.Errorf("other token after revocation: %v, %v", u, err)
	}

	// Tokens expire; the list shows when, and when each was last used.
	short, tok3, err := auth.IssueToken(ctx, s, ben.ID, "one day", t0, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := auth.AuthenticateToken(ctx, s, short, t0.Add(23*time.Hour)); err != nil {
		t.Errorf("token before expiry: %v", err)
	}
	if _, _, err := auth.AuthenticateToken(ctx, s, short, t0.Add(24*time.Hour)); !errors.Is(err, auth.ErrTokenExpired) || apperr.CodeOf(err) != apperr.Unauthenticated {
		t.Errorf("token at expiry: error %v, want ErrTokenExpired (401)", err)
	}
	list, _ = s.ListTokens(ctx, ben.ID)
	if len(list) != 1 || list[0].ID != tok3.ID || !list[0].ExpiresAt.Equal(t0.Add(24*time.Hour)) || !list[0].LastUsedAt.Equal(t0.Add(23*time.Hour)) {
		t.Errorf("ben's tokens = %+v", list)
	}
}

func testLifecycle(t *testing.T, s auth.Store) {
	ctx := context.Background()
	ana := addUser(t, s, "ana@example.org", auth.RoleSpecialist)
	ben := addUser(t, s, "ben@example.org", auth.RoleSpecialist)
	cfg := auth.SessionConfig{}
	tok1, _, _ := auth.IssueToken(ctx, s, ana.ID, "laptop", t0, 0)
	tok2, _, _ := auth.IssueToken(ctx, s, ana.ID, "phone", t0, 0)
	benTok, _, _ := auth.IssueToken(ctx, s, ben.ID, "laptop", t0, 0)
	sess1, _, _ := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	sess2, _, _ := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	benSess, _, _ := auth.StartSession(ctx, s, ben.ID, t0, cfg)
	at := t0.Add(time.Minute)

	// Disabling ends every token and session at once and refuses sign-in.
	got, err := auth.DisableUser(ctx, s, ana.ID, at)
	if err != nil || got != (auth.Revoked{Tokens: 2, Sessions: 2}) {
		t.Fatalf("DisableUser = %+v, %v; want 2 tokens and 2 sessions", got, err)
	}
	if u, _ := s.User(ctx, ana.ID); !u.Disabled() || !u.DisabledAt.Equal(at) {
		t.Errorf("disabled user = %+v", u)
	}
	for _, tok := range []string{tok1, tok2} {
		if _, _, err := auth.AuthenticateToken(ctx, s, tok, at); apperr.CodeOf(err) != apperr.Unauthenticated {
			t.Errorf("token of a disabled user: error %v, want 401", err)
		}
	}
	for _, id := range []string{sess1, sess2} {
		if _, _, err := auth.ResumeSession(ctx, s, id, at, cfg); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("session of a disabled user: error %v, want ErrNoSession", err)
		}
	}
	if _, err := auth.Authenticate(ctx, s, "ana@example.org", password); !errors.Is(err, auth.ErrUserDisabled) {
		t.Errorf("sign-in of a disabled user: error %v, want ErrUserDisabled", err)
	}
	if _, err := auth.Authenticate(ctx, s, "ana@example.org", "wrong "+password); !errors.Is(err, auth.ErrBadCredentials) {
		t.Errorf("wrong password of a disabled user: error %v, want ErrBadCredentials", err)
	}
	// A disabled user whose session is stored again (a race) is still refused.
	sess3, _, _ := auth.StartSession(ctx, s, ana.ID, at, cfg)
	if _, _, err := auth.ResumeSession(ctx, s, sess3, at, cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("new session of a disabled user: error %v, want ErrNoSession", err)
	}
	// Disabling again keeps the first time.
	if _, err := auth.DisableUser(ctx, s, ana.ID, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, _ := s.User(ctx, ana.ID); !u.DisabledAt.Equal(at) {
		t.Errorf("disabled again at %v, want the first time %v", u.DisabledAt, at)
	}
	// Others are untouched.
	if _, _, err := auth.AuthenticateToken(ctx, s, benTok, at); err != nil {
		t.Errorf("another user's token: %v", err)
	}
	if _, _, err := auth.ResumeSession(ctx, s, benSess, at, cfg); err != nil {
		t.Errorf("another user's session: %v", err)
	}

	// Enabling lets them sign in again; the old tokens stay revoked.
	if err := auth.EnableUser(ctx, s, ana.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, s, "ana@example.org", password); err != nil {
		t.Errorf("sign-in after enabling: %v", err)
	}
	if _, _, err := auth.AuthenticateToken(ctx, s, tok1, at); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("old token after enabling: error %v, want ErrBadToken", err)
	}

	// Revoking ends tokens and sessions but leaves the account usable.
	got, err = auth.RevokeAccess(ctx, s, ben.ID, at)
	if err != nil || got != (auth.Revoked{Tokens: 1, Sessions: 1}) {
		t.Errorf("RevokeAccess = %+v, %v", got, err)
	}
	if _, _, err := auth.AuthenticateToken(ctx, s, benTok, at); !errors.Is(err, auth.ErrBadToken) {
		t.Errorf("revoked token: error %v, want ErrBadToken", err)
	}
	if _, _, err := auth.ResumeSession(ctx, s, benSess, at, cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("revoked session: error %v", err)
	}
	if _, err := auth.Authenticate(ctx, s, "ben@example.org", password); err != nil {
		t.Errorf("sign-in after revocation: %v", err)
	}
	if got, err := auth.RevokeAccess(ctx, s, ben.ID, at); err != nil || got != (auth.Revoked{}) {
		t.Errorf("revoking again = %+v, %v; want nothing", got, err)
	}

	for name, f := range map[string]func() error{
		"disable": func() error { _, err := auth.DisableUser(ctx, s, "NOSUCHID", at); return err },
		"enable":  func() error { return auth.EnableUser(ctx, s, "NOSUCHID") },
		"revoke":  func() error { _, err := auth.RevokeAccess(ctx, s, "NOSUCHID", at); return err },
		"reset":   func() error { return auth.ChangePassword(ctx, s, "NOSUCHID", "a new long passphrase") },
	} {
		if err := f(); !errors.Is(err, auth.ErrNotFound) {
			t.Errorf("%s an unknown user: error %v, want ErrNotFound", name, err)
		}
	}

	// A reset password is checked like a new one, and ends the sessions.
	s4, _, _ := auth.StartSession(ctx, s, ben.ID, at, cfg)
	if err := auth.ChangePassword(ctx, s, ben.ID, "aaaaaaaaaaaa"); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("reset to aaaaaaaaaaaa: error %v, want invalid", err)
	}
	if _, _, err := auth.ResumeSession(ctx, s, s4, at, cfg); err != nil {
		t.Errorf("a refused reset ended the session: %v", err)
	}
	pw := auth.GeneratePassword()
	if err := auth.ChangePassword(ctx, s, ben.ID, pw); err != nil {
		t.Fatalf("reset to a generated password %q: %v", pw, err)
	}
	if _, _, err := auth.ResumeSession(ctx, s, s4, at, cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("session after a reset: error %v", err)
	}
	if _, err := auth.Authenticate(ctx, s, "ben@example.org", pw); err != nil {
		t.Errorf("sign-in with the reset password: %v", err)
	}
}

func testSessions(t *testing.T, s auth.Store) {
	ctx := context.Background()
	ana := addUser(t, s, "ana@example.org", auth.RoleSpecialist)
	cfg := auth.SessionConfig{MaxAge: 8 * time.Hour, Idle: 30 * time.Minute}
	id, sess, err := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	if _, err := s.SessionByHash(ctx, []byte(id)); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("lookup by the raw id: error %v, want ErrNoSession", err)
	}
	stored, err := s.SessionByHash(ctx, auth.HashSecret(id))
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	mustEqual(t, "stored session", stored, sess)

	// Activity every 20 minutes keeps it alive past the idle timeout...
	at := t0
	for i := 0; i < 6; i++ {
		at = at.Add(20 * time.Minute)
		if _, u, err := auth.ResumeSession(ctx, s, id, at, cfg); err != nil || u.ID != ana.ID {
			t.Fatalf("resume at +%v: %v", at.Sub(t0), err)
		}
	}
	// ...but 30 idle minutes end it, and remove it.
	if _, _, err := auth.ResumeSession(ctx, s, id, at.Add(30*time.Minute), cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("idle session: error %v, want ErrNoSession", err)
	}
	if _, err := s.SessionByHash(ctx, auth.HashSecret(id)); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("idle session still stored: %v", err)
	}

	// A short idle timeout counts from the last request too: activity
	// every 15 seconds keeps a session with a 20-second idle timeout
	// alive, and 20 quiet seconds end it.
	short := auth.SessionConfig{MaxAge: time.Hour, Idle: 20 * time.Second}
	sid, _, err := auth.StartSession(ctx, s, ana.ID, t0, short)
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	at = t0
	for i := 0; i < 8; i++ {
		at = at.Add(15 * time.Second)
		if _, _, err := auth.ResumeSession(ctx, s, sid, at, short); err != nil {
			t.Fatalf("20 s idle timeout, resume at +%v after a request 15 s before: %v", at.Sub(t0), err)
		}
	}
	if _, _, err := auth.ResumeSession(ctx, s, sid, at.Add(20*time.Second), short); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("20 s idle timeout, 20 quiet seconds: error %v, want ErrNoSession", err)
	}

	// Max age ends a session however active.
	id2, _, err := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	if err != nil {
		t.Fatalf("StartSession: %v", err)
	}
	for at := t0.Add(15 * time.Minute); at.Before(t0.Add(8 * time.Hour)); at = at.Add(15 * time.Minute) {
		if _, _, err := auth.ResumeSession(ctx, s, id2, at, cfg); err != nil {
			t.Fatalf("resume at +%v: %v", at.Sub(t0), err)
		}
	}
	if _, _, err := auth.ResumeSession(ctx, s, id2, t0.Add(8*time.Hour), cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("session at max age: error %v, want ErrNoSession", err)
	}

	// Sign-out, and signing out everywhere.
	id3, _, _ := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	if err := auth.EndSession(ctx, s, id3); err != nil {
		t.Fatalf("EndSession: %v", err)
	}
	if _, _, err := auth.ResumeSession(ctx, s, id3, t0, cfg); !errors.Is(err, auth.ErrNoSession) {
		t.Errorf("ended session: error %v", err)
	}
	if err := auth.EndSession(ctx, s, id3); err != nil {
		t.Errorf("ending twice: %v", err)
	}
	id4, _, _ := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	id5, _, _ := auth.StartSession(ctx, s, ana.ID, t0, cfg)
	if err := auth.ChangePassword(ctx, s, ana.ID, "a new long passphrase"); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	for _, id := range []string{id4, id5} {
		if _, _, err := auth.ResumeSession(ctx, s, id, t0, cfg); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("session after password change: error %v", err)
		}
	}
	if _, err := auth.Authenticate(ctx, s, "ana@example.org", "a new long passphrase"); err != nil {
		t.Errorf("sign-in with new password: %v", err)
	}

	// Sweeping: one expired, one idle, one alive.
	_, _, _ = auth.StartSession(ctx, s, ana.ID, t0.Add(-9*time.Hour), cfg)
	_, _, _ = auth.StartSession(ctx, s, ana.ID, t0.Add(-time.Hour), cfg)
	alive, _, _ := auth.StartSession(ctx, s, ana.ID, t0.Add(-time.Minute), cfg)
	n, err := s.DeleteExpiredSessions(ctx, t0, cfg.IdleTimeout())
	if err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	if _, _, err := auth.ResumeSession(ctx, s, alive, t0, cfg); err != nil {
		t.Errorf("live session swept: %v", err)
	}
}

func testCSRF(t *testing.T, s auth.Store) {
	ctx := context.Background()
	ana := addUser(t, s, "ana@example.org", auth.RoleSpecialist)
	_, s1, err := auth.StartSession(ctx, s, ana.ID, t0, auth.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	_, s2, err := auth.StartSession(ctx, s, ana.ID, t0, auth.SessionConfig{})
	if err != nil {
		t.Fatal(err)
	}
	tok := auth.CSRFToken(s1)
	if tok == auth.CSRFToken(s1) {
		t.Error("two CSRF tokens for one session are equal")
	}
	flipped := []byte(tok)
	flipped[len(flipped)/2] ^= 1
	tests := []struct {
		name  string
		sess  *auth.Session
		token string
		ok    bool
	}{
		{"own session", s1, tok, true},
		{"another fresh token", s1, auth.CSRFToken(s1), true},
		{"after reload from the store", mustSession(t, s, s1.Hash), tok, true},
		{"other session", s2, tok, false},
		{"tampered", s1, string(flipped), false},
		{"truncated", s1, tok[:20], false},
		{"empty", s1, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := auth.CheckCSRF(tc.sess, tc.token); got != tc.ok {
				t.Errorf("CheckCSRF = %v, want %v", got, tc.ok)
			}
		})
	}
}

func mustSession(t *testing.T, s auth.Store, hash []byte) *auth.Session {
	t.Helper()
	sess, err := s.SessionByHash(context.Background(), hash)
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	return sess
}
