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
	// ErrLinkWithdrawn (410): the referral was cancelled or the peer
	// withdrew consent; nothing of it is shown any more.
	ErrLinkWithdrawn = apperr.New(apperr.Gone, "this referral was withdrawn: it was cancelled or the person withdrew consent, so it can no longer be seen").With("reason", "withdrawn")
	// ErrLinkClosed (410): the referral is closed (declined, completed, no
	// show or expired).
	ErrLinkClosed = apperr.New(apperr.Gone, "this referral is closed, so the link no longer works").With("reason", "closed")
	// ErrLinkRevoked (410): the specialist revoked the link or issued a
	// newer one.
	ErrLinkRevoked = apperr.New(apperr.Gone, "this link was revoked or replaced by a newer one; ask the referring specialist").With("reason", "revoked")
	// ErrConsentWithdrawn (409): consent was already withdrawn.
	ErrConsentWithdrawn = apperr.New(apperr.Conflict, "the peer's consent was already withdrawn")
)

// Store keeps referrals, their events, agency links and the audit log. The
// sqlite and postgres packages implement it and run the shared suite in
// referraltest. Every method is safe for concurrent use, and every
// returned error names ids only.
type Store interface {
	// CreateReferral stores r, its first event, when out is not nil the
	// agency link and the outbox emails that go with it, and the audit
	// entries that record it, in one transaction. It returns an error, and
	// stores nothing, if a referral with r.ID exists.
	CreateReferral(ctx context.Context, r *Referral, first Event, out *Outgoing, audit ...AuditEntry) error
	// Mail returns the outbox emails of referral id, oldest first (empty
	// for none or an unknown id).
	Mail(ctx context.Context, referralID string) ([]*Mail, error)
	// Referral returns the referral with id, or ErrNotFound.
	Referral(ctx context.Context, id string) (*Referral, error)
	// ListReferrals returns the referrals f selects in f.Order (newest
	// first, by creation time then id, unless f asks for another), at most
	// f.Limit of them after skipping f.Offset. It returns an empty slice,
	// not an error, when none match.
	ListReferrals(ctx context.Context, f Filter) ([]*Referral, error)
	// CountReferrals returns how many referrals f selects, ignoring its
	// Limit and Offset.
	CountReferrals(ctx context.Context, f Filter) (int, error)
	// AppendEvent applies ev to referral id if and only if the referral's
	// status is still expected (compare-and-set in one transaction, which
	// also queues mail, the emails telling of ev, and appends the audit
	// entries that record the change), and returns the referral as it now
	// stands. An event whose actor is the agency sets the referral's
	// AnsweredAt. A move to a terminal status revokes
	// the referral's agency links in the same transaction
	// (LinkEndCancelled for cancelled, LinkEndClosed otherwise) and
	// cancels the agency emails not yet sent. ev.From must equal expected
	// and the move must be allowed (CheckMove, or an update of an open
	// referral when ev.To == expected). It returns ErrNotFound for an
	// unknown id and a stale *TransitionError when the status was no
	// longer expected, so of two concurrent moves exactly one wins.
	AppendEvent(ctx context.Context, id string, ev Event, expected Status, mail []*Mail, audit ...AuditEntry) (*Referral, error)
	// MarkAnswerSeen records that the referring specialist opened
	// referral id at at, after which its agency answers so far are read
	// (Referral.Unread). It returns ErrNotFound for an unknown id.
	MarkAnswerSeen(ctx context.Context, id string, at time.Time) error
	// ReferralServices returns the service keys of the referrals f
	// selects, each once, in order (f's Limit, Offset and Order aside).
	ReferralServices(ctx context.Context, f Filter) ([]string, error)
	// AnswerMail returns specialist userID's choice of emails about
	// agency answers; the zero AnswerMail (off) when they made none.
	AnswerMail(ctx context.Context, userID string) (AnswerMail, error)
	// SetAnswerMail stores specialist userID's choice of emails about
	// agency answers, replacing the one before; a choice with On false
	// forgets the address.
	SetAnswerMail(ctx context.Context, userID string, m AnswerMail) error
	// Events returns the referral's events oldest first (in the order they
	// were appended), or ErrNotFound for an unknown id.
	Events(ctx context.Context, id string) ([]Event, error)
	// FollowUpsDue returns the open referrals of specialist whose
	// follow-up date is on or before the calendar day of asOf (DateOf),
	// the most overdue first.
	FollowUpsDue(ctx context.Context, specialist string, asOf time.Time) ([]*Referral, error)
	// ExpireOlderThan moves every open referral whose last change is older
	// than now-age to expired, appending a system event and an audit entry
	// (SystemActor, ActionExpire) to each in the transaction that expires
	// it, and returns the ids it expired. A referral that moves
	// concurrently is left alone.
	ExpireOlderThan(ctx context.Context, age time.Duration, now time.Time) ([]string, error)
	// WithdrawConsent records that the peer withdrew consent, in one
	// transaction (with the audit entries that record it) and only if the
	// referral's status is still expected and consent was not withdrawn
	// before: it appends ev (kind EventConsentWithdrawn; ev.To is
	// cancelled for an open referral and the same terminal status for a
	// closed one), sets the consent's withdrawal time, erases the contact
	// details, revokes every agency link (LinkEndConsentWithdrawn) and
	// cancels the agency emails not yet sent. It returns the referral as
	// it now stands, ErrNotFound for an unknown id, ErrConsentWithdrawn
	// when consent was already withdrawn and a stale *TransitionError when
	// the status was no longer expected.
	WithdrawConsent(ctx context.Context, id string, ev Event, expected Status, audit ...AuditEntry) (*Referral, error)
	// CreateAgencyLink stores l (its token hash, never the token) and, in
	// the same transaction, revokes the referral's other links
	// (LinkEndReplaced: only the newest link works) and appends the audit
	// entries that record it. It returns ErrNotFound, and stores nothing,
	// if l.ReferralID does not exist.
	CreateAgencyLink(ctx context.Context, l *AgencyLink, audit ...AuditEntry) error
	// AgencyLink returns the link whose token hashes to tokenHash, expired
	// or revoked or not, or ErrLinkNotFound. OpenAgencyLink enforces both.
	AgencyLink(ctx context.Context, tokenHash []byte) (*AgencyLink, error)
	// AgencyLinks returns the links of referral id, newest first (links
	// made in the same microsecond in no set order); empty for a referral
	// without links or an unknown id.
	AgencyLinks(ctx context.Context, referralID string) ([]*AgencyLink, error)
	// RevokeAgencyLink revokes link linkID of referral referralID at at
	// (LinkEndRevoked). Revoking a revoked link keeps its first end. It
	// returns ErrLinkNotFound if the referral has no such link.
	RevokeAgencyLink(ctx context.Context, referralID, linkID string, at time.Time, audit ...AuditEntry) error
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
	// PeerRef selects the referrals of one peer by their exact reference.
	PeerRef string
	// DueBefore selects referrals with a follow-up date on or before this
	// date (DateOf).
	DueBefore time.Time
	// Organization selects the referrals to the services of one
	// organization, the receiving agency, by its id.
	Organization string
	// Unread selects referrals with an agency answer their referring
	// specialist has not opened yet (Referral.Unread), and only those
	// Specialist made when it is set: answers go to the specialist who
	// referred, not to the team.
	Unread bool
	// Order is the order ListReferrals returns: OrderNewest (the
	// default) or OrderFollowUp.
	Order Order
	// Limit is the page size: 0 means DefaultPageSize; it is capped at
	// MaxPageSize. Offset skips that many referrals.
	Limit, Offset int
}

// Order is an order of ListReferrals.
type Order string

// The orders.
const (
	// OrderNewest: newest first, by creation time, then id.
	OrderNewest Order = ""
	// OrderFollowUp: by follow-up date, soonest (the most overdue) first,
	// referrals without one last; then newest first.
	OrderFollowUp Order = "follow_up"
)

// AnswerMail is a specialist's choice to be emailed when a receiving
// agency answers one of their referrals.
type AnswerMail struct {
	// On is true when the specialist asked for the emails.
	On bool
	// Email is where they go, the specialist's work email when they
	// asked; empty when off.
	Email string
	// Lang is the emails' language, "en" or "es".
	Lang string
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
	// RevokedAt is when the link was ended before its time, and
	// RevokedReason why; zero and empty while it works.
	RevokedAt     time.Time
	RevokedReason LinkEnd
}

// LinkEnd says why an agency link was revoked.
type LinkEnd string

// The reasons a link ends before it expires.
const (
	// LinkEndRevoked: the specialist revoked it.
	LinkEndRevoked LinkEnd = "revoked"
	// LinkEndReplaced: a newer link was issued for the referral.
	LinkEndReplaced LinkEnd = "replaced"
	// LinkEndClosed: the referral was declined, completed, a no show or
	// expired.
	LinkEndClosed LinkEnd = "closed"
	// LinkEndCancelled: the referral was cancelled.
	LinkEndCancelled LinkEnd = "cancelled"
	// LinkEndConsentWithdrawn: the peer withdrew consent.
	LinkEndConsentWithdrawn LinkEnd = "consent_withdrawn"
)

// LinkEndFor returns why a move to terminal status to ends the links.
func LinkEndFor(to Status) LinkEnd {
	if to == StatusCancelled {
		return LinkEndCancelled
	}
	return LinkEndClosed
}

// Expired reports whether the link is no longer valid at now.
func (l *AgencyLink) Expired(now time.Time) bool { return !now.Before(l.ExpiresAt) }

// Revoked reports whether the link was ended before its time.
func (l *AgencyLink) Revoked() bool { return !l.RevokedAt.IsZero() }

// Gone returns the 410 error for a link that was revoked, or whose
// referral is closed or no longer consented to, and nil for a link that
// still works (expiry aside): ErrLinkWithdrawn, ErrLinkClosed or
// ErrLinkRevoked. r is the link's referral.
func (l *AgencyLink) Gone(r *Referral) error {
	switch {
	case r.Consent.Withdrawn() || r.Status == StatusCancelled:
		return ErrLinkWithdrawn
	case r.Status.Terminal():
		return ErrLinkClosed
	}
	switch l.RevokedReason {
	case "":
		if l.Revoked() {
			return ErrLinkRevoked
		}
		return nil
	case LinkEndConsentWithdrawn, LinkEndCancelled:
		return ErrLinkWithdrawn
	case LinkEndClosed:
		return ErrLinkClosed
	}
	return ErrLinkRevoked
}

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

// OpenAgencyLink returns the link for token and its referral if the link
// exists, still works and has not expired at now. Otherwise it returns
// ErrLinkNotFound, a 410 error (AgencyLink.Gone: revoked, replaced, or its
// referral cancelled, closed or no longer consented to) or ErrLinkExpired.
func OpenAgencyLink(ctx context.Context, s Store, token string, now time.Time) (*AgencyLink, *Referral, error) {
	if len(token) < 32 || len(token) > 128 {
		return nil, nil, ErrLinkNotFound
	}
	l, err := s.AgencyLink(ctx, HashToken(token))
	if err != nil {
		return nil, nil, err
	}
	r, err := s.Referral(ctx, l.ReferralID)
	if err != nil {
		return nil, nil, err
	}
	if err := l.Gone(r); err != nil {
		return nil, nil, err
	}
	if l.Expired(now) {
		return nil, nil, ErrLinkExpired
	}
	return l, r, nil
}

// Action names what an audit entry records.
type Action string

// The audited actions.
const (
	ActionCreate      Action = "create"           // a specialist recorded the referral
	ActionRead        Action = "read"             // a specialist opened it (with its timeline)
	ActionList        Action = "list"             // it appeared in a list or the follow-ups
	ActionMove        Action = "move"             // a user changed it
	ActionLinkCreate  Action = "link.create"      // a user made an agency link
	ActionLinkRevoke  Action = "link.revoke"      // a user revoked an agency link
	ActionWithdraw    Action = "consent.withdraw" // a user recorded that the peer withdrew consent
	ActionAgencyRead  Action = "agency.read"      // the agency opened its link
	ActionAgencyMove  Action = "agency.move"      // the agency changed it
	ActionExpire      Action = "expire"           // Trellis expired it
	ActionDeniedRead  Action = "denied.read"      // someone asked for a referral they may not see
	ActionDeniedWrite Action = "denied.write"     // someone tried to change a referral they may not see
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
