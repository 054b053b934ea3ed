// Package auth holds Trellis's accounts: users with roles, password
// hashing (argon2id), revocable API tokens and web sessions stored hashed,
// and CSRF tokens bound to a session. It provides the primitives; the
// HTTP layer wires them into middleware. The Store interface is
// implemented by the sqlite and postgres packages, in the same database
// as the referrals.
//
// Secrets (passwords, tokens, session ids) never appear in errors or logs,
// and only their hashes are stored.
package auth

import (
	"context"
	"slices"
	"strings"
	"time"

	"trellis/internal/apperr"
)

// Role is what a user is for.
type Role string

// The roles.
const (
	// RoleAdmin manages users and retention and sees aggregates.
	RoleAdmin Role = "admin"
	// RoleCoordinator keeps the directory and sees referral aggregates,
	// never individual referrals.
	RoleCoordinator Role = "coordinator"
	// RoleSpecialist records referrals and sees their own and their
	// team's.
	RoleSpecialist Role = "specialist"
)

// Roles lists every role.
var Roles = []Role{RoleAdmin, RoleCoordinator, RoleSpecialist}

// ParseRole returns the role named s, or an Invalid error for field "role"
// naming the accepted values.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Roles, r) {
		return "", apperr.Field("role", "role must be admin, coordinator or specialist")
	}
	return r, nil
}

// Permission is something a role may do.
type Permission string

// The permissions.
const (
	// PermRefer: record referrals, read and move one's own and one's
	// team's, make agency links, see one's follow-ups.
	PermRefer Permission = "refer"
	// PermStats: see referral counts by service, need and status.
	PermStats Permission = "stats"
	// PermDirectory: reload the directory and see its health.
	PermDirectory Permission = "directory"
	// PermUsers: add users and revoke their tokens and sessions.
	PermUsers Permission = "users"
	// PermPurge: run retention.
	PermPurge Permission = "purge"
)

var permissions = map[Role][]Permission{
	RoleSpecialist:  {PermRefer},
	RoleCoordinator: {PermStats, PermDirectory},
	RoleAdmin:       {PermStats, PermDirectory, PermUsers, PermPurge},
}

// Can reports whether role r has permission p.
func (r Role) Can(p Permission) bool { return slices.Contains(permissions[r], p) }

// User is an account.
type User struct {
	// ID is random and URL-safe.
	ID string
	// Email is unique and lowercase.
	Email string
	Role  Role
	// TeamID is the user's team, or empty. Specialists see their team's
	// referrals.
	TeamID string
	// PasswordHash is an argon2id PHC string (HashPassword).
	PasswordHash string
	CreatedAt    time.Time
	// DisabledAt is when the account was disabled (DisableUser); zero
	// while it is active. A disabled user cannot sign in, and their
	// sessions and tokens stop working at once.
	DisabledAt time.Time
}

// Disabled reports whether the account is disabled.
func (u *User) Disabled() bool { return !u.DisabledAt.IsZero() }

// Token is an API token. Only the SHA-256 hash of its secret is stored.
type Token struct {
	ID     string
	UserID string
	// Name says what the token is for, e.g. "laptop".
	Name       string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
	RevokedAt  time.Time // zero while valid
	// ExpiresAt is when the token stops working (IssueToken: DefaultTokenTTL
	// after it was issued unless asked otherwise).
	ExpiresAt time.Time
}

// Expired reports whether the token has expired at now.
func (t *Token) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// Session is a web sign-in. Only the SHA-256 hash of its id is stored.
type Session struct {
	Hash       []byte
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	// CSRFSecret keys the session's CSRF tokens (CSRFToken).
	CSRFSecret []byte
}

// Errors the functions and stores return; test with errors.Is.
var (
	ErrNotFound       = apperr.New(apperr.NotFound, "user not found")
	ErrEmailTaken     = apperr.New(apperr.Conflict, "a user with that email already exists")
	ErrBadCredentials = apperr.New(apperr.Unauthenticated, "wrong email or password")
	ErrBadToken       = apperr.New(apperr.Unauthenticated, "the API token is not valid")
	ErrTokenExpired   = apperr.New(apperr.Unauthenticated, "the API token has expired; issue a new one")
	ErrUserDisabled   = apperr.New(apperr.Unauthenticated, "this account is disabled; ask an administrator")
	ErrNoSession      = apperr.New(apperr.Unauthenticated, "not signed in, or the session has ended")
	ErrTokenNotFound  = apperr.New(apperr.NotFound, "token not found")
)

// Store keeps users, API tokens and sessions. Every method is safe for
// concurrent use.
type Store interface {
	// CreateUser stores u; it returns ErrEmailTaken if the email is in use.
	CreateUser(ctx context.Context, u *User) error
	// User returns the user with id, or ErrNotFound.
	User(ctx context.Context, id string) (*User, error)
	// UserByEmail returns the user with the (lowercase) email, or
	// ErrNotFound.
	UserByEmail(ctx context.Context, email string) (*User, error)
	// ListUsers returns every user ordered by email.
	ListUsers(ctx context.Context) ([]*User, error)
	// SetPasswordHash replaces a user's password hash; ErrNotFound if no
	// such user.
	SetPasswordHash(ctx context.Context, userID, hash string) error
	// SetUserTeam sets (or, with "", clears) a user's team; ErrNotFound if
	// no such user.
	SetUserTeam(ctx context.Context, userID, teamID string) error
	// SetUserRole changes a user's role; ErrNotFound if no such user.
	SetUserRole(ctx context.Context, userID string, role Role) error
	// SetUserDisabled disables a user as of at, or enables them again
	// when at is zero; ErrNotFound if no such user. Disabling a disabled
	// user keeps the first time.
	SetUserDisabled(ctx context.Context, userID string, at time.Time) error

	// CreateToken stores t.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns the token whose secret hashes to hash, revoked
	// or not, or ErrTokenNotFound.
	TokenByHash(ctx context.Context, hash []byte) (*Token, error)
	// ListTokens returns a user's tokens, newest first.
	ListTokens(ctx context.Context, userID string) ([]*Token, error)
	// TouchToken records that token id was used at at.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// RevokeToken revokes token id of userID at at; ErrTokenNotFound if the
	// user has no such token. Revoking twice keeps the first time.
	RevokeToken(ctx context.Context, userID, id string, at time.Time) error
	// RevokeUserTokens revokes every token of userID not yet revoked, at
	// at, and returns how many it revoked.
	RevokeUserTokens(ctx context.Context, userID string, at time.Time) (int, error)

	// CreateSession stores s.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session whose id hashes to hash, or
	// ErrNoSession.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// TouchSession records activity on the session at at.
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	// DeleteSession removes the session; removing a missing one is not an
	// error.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteUserSessions removes every session of a user and returns how
	// many it removed.
	DeleteUserSessions(ctx context.Context, userID string) (int, error)
	// DeleteExpiredSessions removes sessions past their expiry at now or
	// idle for longer than idle, and returns how many it removed.
	DeleteExpiredSessions(ctx context.Context, now time.Time, idle time.Duration) (int, error)
}
