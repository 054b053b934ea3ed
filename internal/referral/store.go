package referral

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"trellis/internal/apperr"
)

// Errors the stores and Service return; test with errors.Is.
var (
	// ErrNotFound: no referral with that id, or none the viewer may see.
	ErrNotFound = apperr.New(apperr.NotFound, "referral not found")
	// ErrLinkNotFound: no agency link with that token.
	ErrLinkNotFound = apperr.New(apperr.NotFound, "this referral link is not valid")
	// ErrLinkExpired: the agency link's time is up.
	ErrLinkExpired = apperr.New(apperr.NotFound, "this referral link has expired; ask the referring specialist for a new one")
)

// Store keeps referrals, their events, agency links and the audit log. The
// sqlite and postgres packages implement it and run the shared suite in
// referraltest. Every method is safe for concurrent use, and every
// returned error names ids only.
type Store interface {
	// CreateReferral stores r and its first event in one transaction. It
	// returns an error if a referral with r.ID exists.
	CreateReferral(ctx context.Context, r *Referral, first Event) error
	// Referral returns the referral with id, or ErrNotFound.
	Referral(ctx context.Context, id string) (*Referral, error)
	// ListReferrals returns the referrals f selects, newest first (by
	// creation time, then id), at most f.Limit of them after skipping
	// f.Offset. It returns an empty slice, not an error, when none match.
	ListReferrals(ctx context.Context, f Filter) ([]*Referral, error)
	// CountReferrals returns how many referrals f selects, ignoring its
	// Limit and Offset.
	CountReferrals(ctx context.Context, f Filter) (int, error)
	// AppendEvent applies ev to referral id if and only if the referral's
	// status is still expected (compare-and-set in one transaction), and
	// returns the referral as it now stands. ev.From must equal expected
	// and the move must be allowed (CheckMove, or an update of an open
	// referral when ev.To == expected). It returns ErrNotFound for an
	// unknown id and a stale *TransitionError when the status was no
	// longer expected, so of two concurrent moves exactly one wins.
	AppendEvent(ctx context.Context, id string, ev Event, expected Status) (*Referral, error)
	// Events returns the referral's events oldest first (in the order they
	// were appended), or ErrNotFound for an unknown id.
	Events(ctx context.Context, id string) ([]Event, error)
	// FollowUpsDue returns the open referrals of specialist whose
	// follow-up date is on or before the calendar day of asOf (DateOf),
	// the most overdue first.
	FollowUpsDue(ctx context.Context, specialist string, asOf time.Time) ([]*Referral, error)
	// ExpireOlderThan moves every open referral whose last change is older
	// than now-age to expired, appending a system event to each, and
	// returns the ids it expired. A referral that moves concurrently is
	// left alone.
	ExpireOlderThan(ctx context.Context, age time.Duration, now time.Time) ([]string, error)
	// CreateAgencyLink stores l (its token hash, never the token). It
	// returns ErrNotFound if l.ReferralID does not exist.
	CreateAgencyLink(ctx context.Context, l *AgencyLink) error
	// AgencyLink returns the link whose token hashes to tokenHash, expired
	// or not, or ErrLinkNotFound. OpenAgencyLink enforces expiry.
	AgencyLink(ctx context.Context, tokenHash []byte) (*AgencyLink, error)
	// AppendAudit appends entries to the audit log in one transaction.
	AppendAudit(ctx context.Context, entries ...AuditEntry) error
	// AuditLog returns the audit entries f selects, oldest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, error)
	// Stats counts referrals created in [f.Since, f.Until) by service,
	// need and status, for coordinators; zero bounds are open.
	Stats(ctx context.Context, f StatsFilter) ([]Stat, error)
	// Purge deletes referrals that closed (reached a terminal status)
	// before closedBefore, with their events and agency links, and returns
	// how many rows of each it deleted. Audit entries are kept: they hold
	// only who, what, when and the referral id.
	Purge(ctx context.Context, closedBefore time.Time) (PurgeCounts, error)
}

// Filter selects referrals. Zero fields select everything.
type Filter struct {
	// Specialist and Team select the referrals a specialist may see:
	// those they made, or, when Team is set too, made within their team
	// (Specialist OR Team). Team alone selects the team's referrals.
	Specialist string
	Team       string
	// Status selects referrals in any of these statuses.
	Status []Status
	// Need selects referrals for this category or one of its
	// subcategories.
	Need string
	// DueBefore selects referrals with a follow-up date on or before this
	// date (DateOf).
	DueBefore time.Time
	// Limit is the page size: 0 means DefaultPageSize; it is capped at
	// MaxPageSize. Offset skips that many referrals.
	Limit, Offset int
}

// Page sizes for ListReferrals.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// PageSize returns f.Limit made valid: DefaultPageSize for 0 or less,
// MaxPageSize at most.
func (f Filter) PageSize() int {
	switch {
	case f.Limit <= 0:
		return DefaultPageSize
	case f.Limit > MaxPageSize:
		return MaxPageSize
	}
	return f.Limit
}

// AgencyLink lets the receiving agency see and move one referral without
// an account. Only the SHA-256 hash of its token is stored.
type AgencyLink struct {
	ID         string
	ReferralID string
	TokenHash  []byte
	// CreatedBy is the user id of the specialist who made the link.
	CreatedBy string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Expired reports whether the link is no longer valid at now.
func (l *AgencyLink) Expired(now time.Time) bool { return !now.Before(l.ExpiresAt) }

// NewAgencyLink returns a link to referral referralID valid for ttl from
// now, and the token to hand to the agency: 32 random bytes, base64url
// (43 characters). The token is not kept anywhere; the link holds its hash.
func NewAgencyLink(referralID, createdBy string, ttl time.Duration, now time.Time) (*AgencyLink, string) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	token := base64.RawURLEncoding.EncodeToString(b)
	now = Timestamp(now)
	return &AgencyLink{
		ID:         NewID(),
		ReferralID: referralID,
		TokenHash:  HashToken(token),
		CreatedBy:  createdBy,
		CreatedAt:  now,
		ExpiresAt:  now.Add(ttl),
	}, token
}

// HashToken returns the SHA-256 hash of an agency link token, the form
// stores keep and look links up by.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// OpenAgencyLink returns the link for token if it exists and has not
// expired at now; otherwise ErrLinkNotFound or ErrLinkExpired.
func OpenAgencyLink(ctx context.Context, s Store, token string, now time.Time) (*AgencyLink, error) {
	if len(token) < 32 || len(token) > 128 {
		return nil, ErrLinkNotFound
	}
	l, err := s.AgencyLink(ctx, HashToken(token))
	if err != nil {
		return nil, err
	}
	if l.Expired(now) {
		return nil, ErrLinkExpired
	}
	return l, nil
}

// Action names what an audit entry records.
type Action string

// The audited actions.
const (
	ActionCreate      Action = "create"       // a specialist recorded the referral
	ActionRead        Action = "read"         // a specialist opened it (with its timeline)
	ActionList        Action = "list"         // it appeared in a list or the follow-ups
	ActionMove        Action = "move"         // a user changed it
	ActionLinkCreate  Action = "link.create"  // a user made an agency link
	ActionAgencyRead  Action = "agency.read"  // the agency opened its link
	ActionAgencyMove  Action = "agency.move"  // the agency changed it
	ActionExpire      Action = "expire"       // Trellis expired it
	ActionDeniedRead  Action = "denied.read"  // someone asked for a referral they may not see
	ActionDeniedWrite Action = "denied.write" // someone tried to change a referral they may not see
)

// AuditEntry records that someone read or changed a referral. It holds no
// referral content: who, what, when and which referral only.
type AuditEntry struct {
	// Seq orders entries; the store assigns it.
	Seq        int64
	At         time.Time
	Actor      Actor
	Action     Action
	ReferralID string
}

// AuditFilter selects audit entries. Zero fields select everything.
type AuditFilter struct {
	ReferralID string
	Actor      Actor
	Since      time.Time
	// Limit caps the result; 0 means 1000.
	Limit int
}

// StatsFilter bounds Stats by creation time.
type StatsFilter struct {
	Since, Until time.Time
}

// Stat is a count of referrals with one service, need and status.
type Stat struct {
	ServiceKey string `json:"service_id"`
	Need       string `json:"need"`
	Status     Status `json:"status"`
	Count      int    `json:"count"`
}

// PurgeCounts says how many rows Purge deleted.
type PurgeCounts struct {
	Referrals   int `json:"referrals"`
	Events      int `json:"events"`
	AgencyLinks int `json:"agency_links"`
}
