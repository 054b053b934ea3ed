package auth_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/sqlite"
)

func TestPasswordHash(t *testing.T) {
	h, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	h2, _ := auth.HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q does not record argon2id and DefaultArgon2", h)
	}
	tests := []struct {
		name, pw string
		want     bool
	}{
		{"right", "correct horse battery", true},
		{"wrong", "correct horse batterY", false},
		{"empty", "", false},
		{"prefix", "correct horse", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := auth.CheckPassword(h, tc.pw)
			if err != nil || ok != tc.want {
				t.Errorf("CheckPassword = %v, %v; want %v", ok, err, tc.want)
			}
		})
	}
	if auth.NeedsRehash(h) {
		t.Error("NeedsRehash of a current hash")
	}
}

// phc encodes an argon2id hash made with x/crypto directly, as another
// implementation (or an older Trellis) would store it.
func phc(pw string, m, tm uint32, p uint8) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, tm, m, p, 32)
	b := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, tm, p, b.EncodeToString(salt), b.EncodeToString(key))
}

func TestCheckPasswordOtherParams(t *testing.T) {
	old := phc("correct horse battery", 4096, 3, 2)
	ok, err := auth.CheckPassword(old, "correct horse battery")
	if err != nil || !ok {
		t.Errorf("CheckPassword(old params) = %v, %v", ok, err)
	}
	if !auth.NeedsRehash(old) {
		t.Error("NeedsRehash(old params) = false")
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	good := phc("pw", 4096, 1, 1)
	parts := strings.Split(good, "$")
	tests := []struct {
		name, hash string
	}{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"version", strings.Replace(good, "v=19", "v=16", 1)},
		{"params", strings.Join([]string{"", parts[1], parts[2], "m=4096,t=1", parts[4], parts[5]}, "$")},
		{"huge memory", strings.Replace(good, "m=4096", "m=99999999", 1)},
		{"zero time", strings.Replace(good, "t=1", "t=0", 1)},
		{"salt not base64", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$")},
		{"short key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := auth.CheckPassword(tc.hash, "pw")
			if err == nil || ok {
				t.Errorf("CheckPassword = %v, %v; want an error", ok, err)
			}
			if !auth.NeedsRehash(tc.hash) {
				t.Error("NeedsRehash = false")
			}
		})
	}
}

func TestAuthenticateUpgradesOldHash(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := auth.AddUser(ctx, db, "ana@example.org", auth.RoleSpecialist, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPasswordHash(ctx, u.ID, phc("correct horse battery", 4096, 1, 1)); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Authenticate(ctx, db, "ana@example.org", "correct horse battery"); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	got, err := db.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if auth.NeedsRehash(got.PasswordHash) {
		t.Errorf("hash not upgraded: %s", got.PasswordHash[:30])
	}
	if _, err := auth.Authenticate(ctx, db, "ana@example.org", "correct horse battery"); err != nil {
		t.Errorf("Authenticate after upgrade: %v", err)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		role  auth.Role
		perms []auth.Permission
	}{
		{auth.RoleSpecialist, []auth.Permission{auth.PermRefer}},
		{auth.RoleCoordinator, []auth.Permission{auth.PermStats, auth.PermDirectory}},
		{auth.RoleAdmin, []auth.Permission{auth.PermStats, auth.PermDirectory, auth.PermUsers, auth.PermPurge}},
		{auth.Role("guest"), nil},
	}
	all := []auth.Permission{auth.PermRefer, auth.PermStats, auth.PermDirectory, auth.PermUsers, auth.PermPurge}
	for _, tc := range tests {
		t.Run(string(tc.role), func(t *testing.T) {
			for _, p := range all {
				want := false
				for _, q := range tc.perms {
					want = want || p == q
				}
				if tc.role.Can(p) != want {
					t.Errorf("Can(%s) = %v", p, !want)
				}
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want auth.Role
	}{
		{"admin", auth.RoleAdmin},
		{" Specialist ", auth.RoleSpecialist},
		{"coordinator", auth.RoleCoordinator},
		{"root", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := auth.ParseRole(tc.in)
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Errorf("ParseRole = %q, %v", got, err)
			}
			if err != nil && apperr.As(err).Field != "role" {
				t.Errorf("error field %q", apperr.As(err).Field)
			}
		})
	}
}

func TestNormalizeEmail(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"ana@example.org", "ana@example.org"},
		{"  Ana.Maria+work@Example.ORG ", "ana.maria+work@example.org"},
		{"ana", ""},
		{"ana@", ""},
		{"@example.org", ""},
		{"ana@example", ""},
		{"Ana <ana@example.org>", ""},
		{"ana@example.org, ben@example.org", ""},
		{strings.Repeat("a", 250) + "@example.org", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := auth.NormalizeEmail(tc.in)
			if got != tc.want || (err == nil) != (tc.want != "") {
				t.Errorf("NormalizeEmail = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name, pw string
		inputs   []string
		why      string // "" when accepted
	}{
		{"11 characters", "abcdefghijk", nil, "at least 12"},
		{"12 characters", "bright kettle", nil, ""},
		{"12 multibyte characters", "ñandú vuela!", nil, ""},
		{"a passphrase", "correct horse battery staple", nil, ""},
		{"random", "k7q2-mx9d-p4wt-h8zn", nil, ""},
		{"too long", strings.Repeat("ab1-", auth.MaxPassword/4+1), nil, "at most 1024"},
		{"aaaaaaaaaaaa", "aaaaaaaaaaaa", nil, "repeats a short pattern"},
		{"a pair repeated", "abababababab", nil, "repeats a short pattern"},
		{"a common password", "1234567890qwerty", nil, "one of the most common passwords"},
		{"a common password, other case", "QWERTYUIOPASDFGH", nil, "along the keyboard"},
		{"a common password with digits", "password2024", nil, "common password with digits or symbols added"},
		{"a common password with symbols", "!!iloveyou!!", nil, "common password with digits or symbols added"},
		{"the keyboard", "qwertyuiop[]", nil, "common password"},
		{"the keyboard, on", "asdfghjklzxc", nil, "along the keyboard"},
		{"digits in a row", "123456789012", nil, "along the keyboard"},
		{"the alphabet", "abcdefghijkl", nil, "along the keyboard"},
		{"the alphabet backwards", "lkjihgfedcba", nil, "along the keyboard"},
		{"few characters", "aabbaabbabba", nil, "fewer than five"},
		{"the email", "ana.garcia1977", []string{"ana.garcia@example.org"}, "your email address"},
		{"the site", "mytrellis2026!", nil, "this site's name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := auth.ValidatePassword(tc.pw, tc.inputs...)
			if tc.why == "" {
				if err != nil {
					t.Fatalf("ValidatePassword = %v, want nil", err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Field != "password" || e.Code != apperr.Invalid || !strings.Contains(e.Message, tc.why) {
				t.Fatalf("ValidatePassword = %v, want an invalid password error saying %q", err, tc.why)
			}
			if len(tc.pw) >= 12 && strings.Contains(e.Message, tc.pw) {
				t.Errorf("the message repeats the password: %q", e.Message)
			}
		})
	}
	if n := auth.CommonPasswordCount(); n < 29000 {
		t.Errorf("the bundled list holds %d passwords, want about 30,000", n)
	}
}

func TestGeneratePassword(t *testing.T) {
	seen := map[string]bool{}
	for range 50 {
		pw := auth.GeneratePassword()
		if len(pw) != 23 || strings.Count(pw, "-") != 3 || seen[pw] {
			t.Fatalf("GeneratePassword = %q: want 4 groups of 5, never twice", pw)
		}
		if err := auth.ValidatePassword(pw); err != nil {
			t.Fatalf("generated %q is refused: %v", pw, err)
		}
		seen[pw] = true
	}
}

// TestDummyHash keeps the constant that stands in for a missing user's
// hash in step with DefaultArgon2: were it made with other parameters, an
// unknown email would cost a different time to refuse.
func TestDummyHash(t *testing.T) {
	if auth.NeedsRehash(auth.DummyHash) {
		t.Fatalf("the dummy hash is not an argon2id hash under DefaultArgon2: %s", auth.DummyHash)
	}
	if ok, err := auth.CheckPassword(auth.DummyHash, "trellis"); err != nil || ok {
		t.Errorf("CheckPassword(dummy) = %v, %v", ok, err)
	}
}

// refusals are the ways a sign-in is refused: wrong password for a known
// email, an unknown email, a malformed one, a disabled account.
func refusals(tb testing.TB) (context.Context, *sqlite.DB, []struct{ name, email, password string }) {
	tb.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := auth.AddUser(ctx, db, "ana@example.org", auth.RoleSpecialist, "correct horse battery"); err != nil {
		tb.Fatal(err)
	}
	off, err := auth.AddUser(ctx, db, "off@example.org", auth.RoleSpecialist, "correct horse battery")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := auth.DisableUser(ctx, db, off.ID, time.Now()); err != nil {
		tb.Fatal(err)
	}
	return ctx, db, []struct{ name, email, password string }{
		{"known email, wrong password", "ana@example.org", "wrong horse battery"},
		{"unknown email", "nobody@example.org", "wrong horse battery"},
		{"malformed email", "nobody", "wrong horse battery"},
		{"disabled account, wrong password", "off@example.org", "wrong horse battery"},
		{"disabled account, right password", "off@example.org", "correct horse battery"},
		{"known email, absurdly long password", "ana@example.org", strings.Repeat("x", 5*auth.MaxPassword)},
	}
}

// TestRefusalsDoEqualWork shows that refusing a known and an unknown
// email does the same hashing work: exactly one argon2id derivation under
// DefaultArgon2 each, the whole cost of a refusal (BenchmarkRefuse
// measures the time).
func TestRefusalsDoEqualWork(t *testing.T) {
	ctx, db, cases := refusals(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := auth.KeyDerivations()
			u, err := auth.Authenticate(ctx, db, tc.email, tc.password)
			if u != nil || apperr.CodeOf(err) != apperr.Unauthenticated {
				t.Fatalf("Authenticate = %v, %v; want a refusal", u, err)
			}
			if n := auth.KeyDerivations() - before; n != 1 {
				t.Errorf("%d argon2id derivations, want exactly 1", n)
			}
		})
	}
}

// BenchmarkRefuse measures each way of refusing a sign-in; the times
// match because the work does (TestRefusalsDoEqualWork).
func BenchmarkRefuse(b *testing.B) {
	ctx, db, cases := refusals(b)
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := auth.Authenticate(ctx, db, tc.email, tc.password); err == nil {
					b.Fatal("signed in")
				}
			}
		})
	}
}

func TestSessionCookie(t *testing.T) {
	exp := time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		c      *http.Cookie
		secure bool
	}{
		{"session https", auth.SessionCookie("id", exp, true), true},
		{"session http", auth.SessionCookie("id", exp, false), false},
		{"clear", auth.ClearSessionCookie(true), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			if c.Name != auth.SessionCookieName || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure != tc.secure {
				t.Errorf("cookie = %+v", c)
			}
		})
	}
	if c := auth.ClearSessionCookie(false); c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("clearing cookie = %+v", c)
	}
}
