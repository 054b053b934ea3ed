package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// SessionConfig bounds web sessions.
type SessionConfig struct {
	// MaxAge is how long a session lasts from sign-in; 0 means 12 hours.
	MaxAge time.Duration
	// Idle is how long a session survives without a request; 0 means 30
	// minutes, short because specialists work on shared machines.
	Idle time.Duration
}

func (c SessionConfig) maxAge() time.Duration {
	if c.MaxAge <= 0 {
		return 12 * time.Hour
	}
	return c.MaxAge
}

// IdleTimeout returns c.Idle, or its default.
func (c SessionConfig) IdleTimeout() time.Duration {
	if c.Idle <= 0 {
		return 30 * time.Minute
	}
	return c.Idle
}

// SessionCookieName is the cookie that carries the session id.
const SessionCookieName = "trellis_session"

// StartSession signs user userID in: it stores a new session and returns
// its id, to be set as a cookie (SessionCookie) and never stored, with the
// session. It returns a store error on failure.
func StartSession(ctx context.Context, s Store, userID string, now time.Time, c SessionConfig) (string, *Session, error) {
	id := newSecret("")
	csrf := make([]byte, 32)
	_, _ = rand.Read(csrf) // crypto/rand.Read never returns an error
	now = stamp(now)
	sess := &Session{Hash: HashSecret(id), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(c.maxAge()), CSRFSecret: csrf}
	if err := s.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("auth: start session for %s: %w", userID, err)
	}
	return id, sess, nil
}

// ResumeSession returns the session with id and its user if it has not
// expired or idled out at now and the user is not disabled, and records
// the activity: every request moves the session's last-seen time, so the
// idle timeout counts from the last request exactly, however short it is
// set. It returns ErrNoSession for an unknown, expired or idle session, or
// one whose user is disabled (deleting all but the first), or a store
// error.
func ResumeSession(ctx context.Context, s Store, id string, now time.Time, c SessionConfig) (*Session, *User, error) {
	if id == "" || len(id) > 200 {
		return nil, nil, ErrNoSession
	}
	h := HashSecret(id)
	sess, err := s.SessionByHash(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= c.IdleTimeout() {
		if err := s.DeleteSession(ctx, h); err != nil {
			return nil, nil, fmt.Errorf("auth: end stale session: %w", err)
		}
		return nil, nil, ErrNoSession
	}
	u, err := s.User(ctx, sess.UserID)
	if errors.Is(err, ErrNotFound) {
		return nil, nil, ErrNoSession
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: resume session of %s: %w", sess.UserID, err)
	}
	if u.Disabled() {
		if err := s.DeleteSession(ctx, h); err != nil {
			return nil, nil, fmt.Errorf("auth: end session of disabled %s: %w", sess.UserID, err)
		}
		return nil, nil, ErrNoSession
	}
	if seen := stamp(now); seen.After(sess.LastSeenAt) {
		sess.LastSeenAt = seen
		if err := s.TouchSession(ctx, h, sess.LastSeenAt); err != nil {
			return nil, nil, fmt.Errorf("auth: resume session of %s: %w", sess.UserID, err)
		}
	}
	return sess, u, nil
}

// EndSession signs out the session with id. It returns a store error on
// failure; an unknown id is not an error.
func EndSession(ctx context.Context, s Store, id string) error {
	if err := s.DeleteSession(ctx, HashSecret(id)); err != nil {
		return fmt.Errorf("auth: end session: %w", err)
	}
	return nil
}

// SessionCookie returns the cookie carrying session id until expires:
// HTTP-only, SameSite=Lax, path /, and Secure when secure (set it whenever
// the site is served over HTTPS).
func SessionCookie(id string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{Name: SessionCookieName, Value: id, Path: "/", Expires: expires, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// ClearSessionCookie returns a cookie that deletes the session cookie.
func ClearSessionCookie(secure bool) *http.Cookie {
	return &http.Cookie{Name: SessionCookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
}

// csrfLabel separates CSRF MACs from any other use of the secret.
const csrfLabel = "trellis csrf v1"

// CSRFToken returns a CSRF token for the session: a random 16-byte nonce
// and the HMAC-SHA256 of it under the session's CSRF secret, base64url.
// Every call gives a different token (so the token in a page does not
// repeat across responses) and all verify for the session's lifetime.
// Put it in forms as a hidden field or send it in a header; check it with
// CheckCSRF on every state-changing request of a cookie session.
func CSRFToken(sess *Session) string {
	b := make([]byte, 16, 16+sha256.Size)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(append(b, csrfMAC(sess.CSRFSecret, b)...))
}

// CheckCSRF reports whether token was made by CSRFToken for sess,
// comparing in constant time.
func CheckCSRF(sess *Session, token string) bool {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 16+sha256.Size || len(sess.CSRFSecret) == 0 {
		return false
	}
	return hmac.Equal(raw[16:], csrfMAC(sess.CSRFSecret, raw[:16]))
}

func csrfMAC(secret, nonce []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(csrfLabel))
	m.Write(nonce)
	return m.Sum(nil)
}
