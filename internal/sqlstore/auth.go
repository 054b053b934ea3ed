package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"trellis/internal/auth"
)

const userColumns = `id, email, role, team_id, password_hash, created_at, disabled_at`

func scanUser(row interface{ Scan(...any) error }) (*auth.User, error) {
	var u auth.User
	if err := row.Scan(&u.ID, &u.Email, &u.Role, &u.TeamID, &u.PasswordHash, tm(&u.CreatedAt), tm(&u.DisabledAt)); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser implements auth.Store.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	_, err := s.db.Exec(ctx, `INSERT INTO users (`+userColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.ID, u.Email, string(u.Role), u.TeamID, u.PasswordHash, u.CreatedAt, nullTime(u.DisabledAt))
	if err != nil && s.d.IsUnique(err) {
		return auth.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("%s: create user %s: %w", s.d.Name, u.ID, err)
	}
	return nil
}

func (s *Store) user(ctx context.Context, what, col, val string) (*auth.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+col+` = $1`, val))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read user %s: %w", s.d.Name, what, err)
	}
	return u, nil
}

// User implements auth.Store.
func (s *Store) User(ctx context.Context, id string) (*auth.User, error) {
	return s.user(ctx, id, "id", id)
}

// UserByEmail implements auth.Store. The error does not repeat the email.
func (s *Store) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	return s.user(ctx, "by email", "email", email)
}

// ListUsers implements auth.Store.
func (s *Store) ListUsers(ctx context.Context) ([]*auth.User, error) {
	rows, err := s.db.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("%s: list users: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []*auth.User{}
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: list users: %w", s.d.Name, err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: list users: %w", s.d.Name, err)
	}
	return out, nil
}

func (s *Store) setUser(ctx context.Context, userID, col string, val any) error {
	n, err := s.db.Exec(ctx, `UPDATE users SET `+col+` = $1 WHERE id = $2`, val, userID)
	if err != nil {
		return fmt.Errorf("%s: update user %s: %w", s.d.Name, userID, err)
	}
	if n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

// SetPasswordHash implements auth.Store.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string) error {
	return s.setUser(ctx, userID, "password_hash", hash)
}

// SetUserTeam implements auth.Store.
func (s *Store) SetUserTeam(ctx context.Context, userID, teamID string) error {
	return s.setUser(ctx, userID, "team_id", teamID)
}

// SetUserRole implements auth.Store.
func (s *Store) SetUserRole(ctx context.Context, userID string, role auth.Role) error {
	return s.setUser(ctx, userID, "role", string(role))
}

// SetUserDisabled implements auth.Store.
func (s *Store) SetUserDisabled(ctx context.Context, userID string, at time.Time) error {
	var n int64
	var err error
	if at.IsZero() {
		n, err = s.db.Exec(ctx, `UPDATE users SET disabled_at = NULL WHERE id = $1`, userID)
	} else {
		n, err = s.db.Exec(ctx, `UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2`, at, userID)
	}
	if err != nil {
		return fmt.Errorf("%s: update user %s: %w", s.d.Name, userID, err)
	}
	if n == 0 {
		return auth.ErrNotFound
	}
	return nil
}

const tokenColumns = `id, user_id, name, hash, created_at, last_used_at, revoked_at, expires_at`

func scanToken(row interface{ Scan(...any) error }) (*auth.Token, error) {
	var t auth.Token
	if err := row.Scan(&t.ID, &t.UserID, &t.Name, &t.Hash, tm(&t.CreatedAt), tm(&t.LastUsedAt), tm(&t.RevokedAt), tm(&t.ExpiresAt)); err != nil {
		return nil, err
	}
	return &t, nil
}

// CreateToken implements auth.Store.
func (s *Store) CreateToken(ctx context.Context, t *auth.Token) error {
	_, err := s.db.Exec(ctx, `INSERT INTO api_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.UserID, t.Name, t.Hash, t.CreatedAt, nullTime(t.LastUsedAt), nullTime(t.RevokedAt), t.ExpiresAt)
	if err != nil {
		return fmt.Errorf("%s: create token %s: %w", s.d.Name, t.ID, err)
	}
	return nil
}

// TokenByHash implements auth.Store.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*auth.Token, error) {
	t, err := scanToken(s.db.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE hash = $1`, hash))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrTokenNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read token: %w", s.d.Name, err)
	}
	return t, nil
}

// ListTokens implements auth.Store.
func (s *Store) ListTokens(ctx context.Context, userID string) ([]*auth.Token, error) {
	rows, err := s.db.Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("%s: tokens of %s: %w", s.d.Name, userID, err)
	}
	defer rows.Close()
	out := []*auth.Token{}
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: tokens of %s: %w", s.d.Name, userID, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: tokens of %s: %w", s.d.Name, userID, err)
	}
	return out, nil
}

// TouchToken implements auth.Store.
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE id = $2`, at, id); err != nil {
		return fmt.Errorf("%s: touch token %s: %w", s.d.Name, id, err)
	}
	return nil
}

// RevokeToken implements auth.Store.
func (s *Store) RevokeToken(ctx context.Context, userID, id string, at time.Time) error {
	n, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 AND user_id = $3`, at, id, userID)
	if err != nil {
		return fmt.Errorf("%s: revoke token %s: %w", s.d.Name, id, err)
	}
	if n == 0 {
		return auth.ErrTokenNotFound
	}
	return nil
}

// RevokeUserTokens implements auth.Store.
func (s *Store) RevokeUserTokens(ctx context.Context, userID string, at time.Time) (int, error) {
	n, err := s.db.Exec(ctx, `UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL`, at, userID)
	if err != nil {
		return 0, fmt.Errorf("%s: revoke tokens of %s: %w", s.d.Name, userID, err)
	}
	return int(n), nil
}

// CreateSession implements auth.Store.
func (s *Store) CreateSession(ctx context.Context, se *auth.Session) error {
	_, err := s.db.Exec(ctx, `INSERT INTO sessions (hash, user_id, created_at, last_seen_at, expires_at, csrf_secret) VALUES ($1, $2, $3, $4, $5, $6)`,
		se.Hash, se.UserID, se.CreatedAt, se.LastSeenAt, se.ExpiresAt, se.CSRFSecret)
	if err != nil {
		return fmt.Errorf("%s: create session for %s: %w", s.d.Name, se.UserID, err)
	}
	return nil
}

// SessionByHash implements auth.Store.
func (s *Store) SessionByHash(ctx context.Context, hash []byte) (*auth.Session, error) {
	var se auth.Session
	err := s.db.QueryRow(ctx, `SELECT hash, user_id, created_at, last_seen_at, expires_at, csrf_secret FROM sessions WHERE hash = $1`, hash).
		Scan(&se.Hash, &se.UserID, tm(&se.CreatedAt), tm(&se.LastSeenAt), tm(&se.ExpiresAt), &se.CSRFSecret)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, auth.ErrNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read session: %w", s.d.Name, err)
	}
	return &se, nil
}

// TouchSession implements auth.Store.
func (s *Store) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE sessions SET last_seen_at = $1 WHERE hash = $2`, at, hash); err != nil {
		return fmt.Errorf("%s: touch session: %w", s.d.Name, err)
	}
	return nil
}

// DeleteSession implements auth.Store.
func (s *Store) DeleteSession(ctx context.Context, hash []byte) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("%s: delete session: %w", s.d.Name, err)
	}
	return nil
}

// DeleteUserSessions implements auth.Store.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("%s: delete sessions of %s: %w", s.d.Name, userID, err)
	}
	return int(n), nil
}

// DeleteExpiredSessions implements auth.Store.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2`, now, now.Add(-idle))
	if err != nil {
		return 0, fmt.Errorf("%s: delete expired sessions: %w", s.d.Name, err)
	}
	return int(n), nil
}
