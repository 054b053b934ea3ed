package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"trellis/internal/apperr"
)

// TokenPrefix starts every API token, so that secret scanners and people
// can recognize one.
const TokenPrefix = "trl_"

// TouchEvery is how stale a token's last-used time may get before a use
// writes it again, to spare the database a write per request. Sessions
// are touched on every request instead: their idle timeout depends on it.
const TouchEvery = time.Minute

// newSecret returns prefix followed by 32 random bytes in unpadded
// base64url.
func newSecret(prefix string) string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

// DefaultTokenTTL is how long an API token works unless IssueToken is
// asked for another lifetime.
const DefaultTokenTTL = 90 * 24 * time.Hour

// MaxTokenTTL is the longest lifetime IssueToken gives.
const MaxTokenTTL = 366 * 24 * time.Hour

// IssueToken creates an API token named name for user userID, working for
// ttl from now (0 means DefaultTokenTTL), and returns the secret, to be
// shown once (only its hash is kept), and the stored token. It returns an
// Invalid error for an empty or overlong name or a ttl that is negative
// or longer than MaxTokenTTL, or a store error.
func IssueToken(ctx context.Context, s Store, userID, name string, now time.Time, ttl time.Duration) (string, *Token, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, apperr.Field("name", "name the token in 1 to 100 characters, e.g. laptop")
	}
	if ttl == 0 {
		ttl = DefaultTokenTTL
	}
	if ttl < time.Minute || ttl > MaxTokenTTL {
		return "", nil, apperr.Field("ttl", "a token's lifetime must be between a minute and %d days", int(MaxTokenTTL.Hours()/24))
	}
	secret := newSecret(TokenPrefix)
	now = stamp(now)
	t := &Token{ID: newID(), UserID: userID, Name: name, Hash: HashSecret(secret), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.CreateToken(ctx, t); err != nil {
		return "", nil, fmt.Errorf("auth: issue token for %s: %w", userID, err)
	}
	return secret, t, nil
}

// AuthenticateToken returns the user and token for an API token secret
// (as sent in "Authorization: Bearer <secret>") and records the use. It
// returns ErrBadToken for an unknown, malformed or revoked token,
// ErrTokenExpired for one past its time, ErrUserDisabled when its user is
// disabled (all 401), or a store error.
func AuthenticateToken(ctx context.Context, s Store, secret string, now time.Time) (*User, *Token, error) {
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, nil, ErrBadToken
	}
	t, err := s.TokenByHash(ctx, HashSecret(secret))
	if errors.Is(err, ErrTokenNotFound) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: authenticate token: %w", err)
	}
	if !t.RevokedAt.IsZero() {
		return nil, nil, ErrBadToken
	}
	if t.Expired(now) {
		return nil, nil, ErrTokenExpired
	}
	u, err := s.User(ctx, t.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrBadToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: authenticate token %s: %w", t.ID, err)
	}
	if u.Disabled() {
		return nil, nil, ErrUserDisabled
	}
	if now.Sub(t.LastUsedAt) >= TouchEvery {
		t.LastUsedAt = stamp(now)
		if err := s.TouchToken(ctx, t.ID, t.LastUsedAt); err != nil {
			return nil, nil, fmt.Errorf("auth: authenticate token %s: %w", t.ID, err)
		}
	}
	return u, t, nil
}
