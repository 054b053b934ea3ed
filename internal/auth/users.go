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
// bad email, role or a password shorter than 12 characters, ErrEmailTaken
// for an email in use, or a store error.
func AddUser(ctx context.Context, s Store, email string, role Role, password string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
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
// ends the user's sessions. It returns an Invalid error for a bad password,
// ErrNotFound for an unknown user, or a store error.
func ChangePassword(ctx context.Context, s Store, userID, password string) error {
	if err := ValidatePassword(password); err != nil {
		return err
	}
	h, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.SetPasswordHash(ctx, userID, h); err != nil {
		return fmt.Errorf("auth: change password of %s: %w", userID, err)
	}
	if err := s.DeleteUserSessions(ctx, userID); err != nil {
		return fmt.Errorf("auth: change password of %s: end sessions: %w", userID, err)
	}
	return nil
}

// Authenticate returns the user with email if password matches. It
// returns ErrBadCredentials for an unknown email or a wrong password alike,
// taking about as long for both, or a store error. A hash made with old
// parameters is upgraded on success.
func Authenticate(ctx context.Context, s Store, email, password string) (*User, error) {
	e, err := NormalizeEmail(email)
	if err != nil || len(password) > 4*MaxPassword {
		_, _ = CheckPassword(dummyHash(), password)
		return nil, ErrBadCredentials
	}
	u, err := s.UserByEmail(ctx, e)
	if errors.Is(err, ErrNotFound) {
		_, _ = CheckPassword(dummyHash(), password)
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
