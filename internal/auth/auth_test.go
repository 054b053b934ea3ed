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
		ok       bool
	}{
		{"11 characters", "abcdefghijk", false},
		{"12 characters", "abcdefghijkl", true},
		{"12 multibyte characters", "ñññññññññññ!", true},
		{"too long", strings.Repeat("a", auth.MaxPassword+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := auth.ValidatePassword(tc.pw)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidatePassword = %v", err)
			}
			if err != nil && !strings.Contains(err.Error(), "12") && len(tc.pw) < 12 {
				t.Errorf("error %q does not say 12 characters", err)
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
