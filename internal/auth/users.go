package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"trellis/internal/apperr"
)

// NormalizeEmail returns email trimmed and lowercased if it is a bare
// address (no display name, at most 254 bytes, a dot in the domain), and
// an Invalid error for field "email" otherwise.
func NormalizeEmail(email string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 || !strings.Contains(e[strings.LastIndexByte(e, '@'):], ".") {
		return "", apperr.Field("email", "email must be an address such as ana@example.org")
	}
	return e, nil
}

// AddUser creates a user with email (normalized), role and password
// (hashed with argon2id) and returns it. It returns an Invalid error for a
// bad email, role or a password ValidatePassword refuses (shorter than 12
// characters, common, a pattern, or holding the email), ErrEmailTaken for
// an email in use, or a store error.
func AddUser(ctx context.Context, s Store, email string, role Role, password string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	if err := ValidatePassword(password, e); err != nil {
		return nil, err
	}
	h, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := &User{ID: newID(), Email: e, Role: role, PasswordHash: h, CreatedAt: stamp(time.Now())}
	if err := s.CreateUser(ctx, u); err != nil {
		return nil, fmt.Errorf("auth: add user: %w", err)
	}
	return u, nil
}

// ChangePassword validates and hashes password, stores it for user id and
// ends the user's sessions (an administrator's reset-password is this
// too). It returns an Invalid error for a password ValidatePassword
// refuses, ErrNotFound for an unknown user, or a store error.
func ChangePassword(ctx context.Context, s Store, userID, password string) error {
	u, err := s.User(ctx, userID)
	if err != nil {
		return fmt.Errorf("auth: change password of %s: %w", userID, err)
	}
	if err := ValidatePassword(password, u.Email); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.SetPasswordHash(ctx, userID, h); err != nil {
		return fmt.Errorf("auth: change password of %s: %w", userID, err)
	}
	if _, err := s.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("auth: change password of %s: end sessions: %w", userID, err)
	}
	return nil
}

// GeneratePassword returns a random password for an administrator to hand
// over (trellis user reset-password): 20 characters in four groups, from
// letters and digits without look-alikes, about 95 bits.
func GeneratePassword() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	var b strings.Builder
	buf := make([]byte, 1)
	for g := range 4 {
		if g > 0 {
			b.WriteByte('-')
		}
		for range 5 {
			for {
				_, _ = rand.Read(buf) // crypto/rand.Read never returns an error
				if int(buf[0]) < 256-256%len(alphabet) {
					b.WriteByte(alphabet[int(buf[0])%len(alphabet)])
					break
				}
			}
		}
	}
	return b.String()
}

// Revoked says what RevokeAccess and DisableUser ended.
type Revoked struct {
	Tokens   int
	Sessions int
}

// RevokeAccess ends every API token and web session of user id at now:
// each answers 401 from its next request on. The account stays usable:
// the user can sign in again. It returns what it ended, ErrNotFound for
// an unknown user, or a store error.
func RevokeAccess(ctx context.Context, s Store, userID string, now time.Time) (Revoked, error) {
	if _, err := s.User(ctx, userID); err != nil {
		return Revoked{}, fmt.Errorf("auth: revoke access of %s: %w", userID, err)
	}
	var r Revoked
	var err error
	if r.Tokens, err = s.RevokeUserTokens(ctx, userID, stamp(now)); err != nil {
		return r, fmt.Errorf("auth: revoke tokens of %s: %w", userID, err)
	}
	if r.Sessions, err = s.DeleteUserSessions(ctx, userID); err != nil {
		return r, fmt.Errorf("auth: end sessions of %s: %w", userID, err)
	}
	return r, nil
}

// DisableUser disables user id at now: they cannot sign in, and every
// token and session of theirs is ended at once (RevokeAccess), so their
// next request gets 401. It returns what it ended, ErrNotFound for an
// unknown user, or a store error.
func DisableUser(ctx context.Context, s Store, userID string, now time.Time) (Revoked, error) {
	if err := s.SetUserDisabled(ctx, userID, stamp(now)); err != nil {
		return Revoked{}, fmt.Errorf("auth: disable %s: %w", userID, err)
	}
	return RevokeAccess(ctx, s, userID, now)
}

// EnableUser lets a disabled user sign in again. Their old tokens stay
// revoked. It returns ErrNotFound for an unknown user, or a store error.
func EnableUser(ctx context.Context, s Store, userID string) error {
	if err := s.SetUserDisabled(ctx, userID, time.Time{}); err != nil {
		return fmt.Errorf("auth: enable %s: %w", userID, err)
	}
	return nil
}

// Authenticate returns the user with email if password matches. It
// returns ErrBadCredentials for an unknown or malformed email and a wrong
// password alike, and ErrUserDisabled for the right password of a
// disabled account, or a store error. Every refusal does the same hashing
// work, one argon2id derivation under DefaultArgon2 (the dummy hash
// stands in for a missing user), so that the time taken does not tell
// whether an email has an account. A hash made with old parameters is
// upgraded on success.
func Authenticate(ctx context.Context, s Store, email, password string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil || len(password) > 4*MaxPassword {
		// No password that long was ever accepted; hash a prefix of it, so
		// that its length costs nothing.
		_, _ = CheckPassword(dummyHash, password[:min(len(password), 4*MaxPassword)])
		return nil, ErrBadCredentials
	}
	u, err := s.UserByEmail(ctx, e)
	if errors.Is(err, ErrNotFound) {
		_, _ = CheckPassword(dummyHash, password)
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate: %w", err)
	}
	ok, err := CheckPassword(u.PasswordHash, password)
	if err != nil {
		return nil, fmt.Errorf("auth: authenticate user %s: %w", u.ID, err)
	}
	if !ok {
		return nil, ErrBadCredentials
	}
	if u.Disabled() {
		return nil, ErrUserDisabled
	}
	if NeedsRehash(u.PasswordHash) {
		if h, err := HashPassword(password); err == nil {
			if err := s.SetPasswordHash(ctx, u.ID, h); err != nil {
				slog.WarnContext(ctx, "auth: upgrade password hash", "user", u.ID, "err", err)
			} else {
				u.PasswordHash = h
			}
		}
	}
	return u, nil
}

// newID returns a random, URL-safe id with 128 bits of entropy.
func newID() string { return rand.Text() }

// stamp returns t in UTC truncated to microseconds, the precision both
// stores keep.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// HashSecret returns the SHA-256 hash of a token or session id, the form
// the stores keep.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}
