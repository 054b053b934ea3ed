package referral

import (
	"context"
	"fmt"
	"slices"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/directory"
)

// DefaultLinkTTL is how long an agency link lasts unless Service.LinkTTL
// says otherwise.
const DefaultLinkTTL = 14 * 24 * time.Hour

// AgencyStatuses are the statuses the receiving agency may move a
// referral to through its link.
var AgencyStatuses = []Status{StatusAccepted, StatusDeclined, StatusCompleted}

// AllowedNextFor returns the moves from s that an actor of kind k may
// make: users may not expire a referral (Trellis does that), the agency
// may only accept, decline or complete, and the system may make any move
// the machine allows.
func AllowedNextFor(k ActorKind, s Status) []Status {
	all := AllowedNext(s)
	switch k {
	case ActorUser:
		return slices.DeleteFunc(all, func(x Status) bool { return x == StatusExpired })
	case ActorAgency:
		return slices.DeleteFunc(all, func(x Status) bool { return !slices.Contains(AgencyStatuses, x) })
	case ActorSystem:
		return all
	}
	return []Status{}
}

// Viewer is the signed-in specialist on whose behalf Service acts.
type Viewer struct {
	UserID string
	// TeamID is the specialist's team, or empty.
	TeamID string
}

// CanSee reports whether v may see r: v made it, or it was made within
// v's team.
func (v Viewer) CanSee(r *Referral) bool {
	return v.UserID != "" && (r.SpecialistID == v.UserID || (v.TeamID != "" && r.TeamID == v.TeamID))
}

// Service applies the referral rules over a Store: validation against the
// catalog, who may see what, the status machine, agency links, and an
// audit entry for every read and write (written before the data is
// returned or the change is made, so nothing happens unaudited). Role
// checks (only specialists refer; coordinators see Stats) belong to the
// caller.
type Service struct {
	Store Store
	// Catalog returns the directory snapshot in force; when nil, services,
	// locations and needs are checked for form only.
	Catalog func() *directory.Catalog
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// LinkTTL is how long agency links last; 0 means DefaultLinkTTL.
	LinkTTL time.Duration
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return Timestamp(s.Now())
	}
	return Timestamp(time.Now())
}

func (s *Service) audit(ctx context.Context, a Actor, act Action, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	at := s.now()
	es := make([]AuditEntry, len(ids))
	for i, id := range ids {
		es[i] = AuditEntry{At: at, Actor: a, Action: act, ReferralID: id}
	}
	if err := s.Store.AppendAudit(ctx, es...); err != nil {
		return fmt.Errorf("referral: audit %s: %w", act, err)
	}
	return nil
}

// Create validates d against the catalog (the service must exist, the
// location must be one of its locations, defaulting to its only one, and
// the need must be a taxonomy category), records the referral for v and
// returns it. It returns an Invalid error naming the bad field, or a store
// error.
func (s *Service) Create(ctx context.Context, v Viewer, d Draft) (*Referral, error) {
	if v.UserID == "" {
		return nil, apperr.New(apperr.Unauthenticated, "sign in to record a referral")
	}
	if s.Catalog != nil {
		if cat := s.Catalog(); cat != nil {
			if err := resolve(cat, &d); err != nil {
				return nil, err
			}
		}
	}
	r, first, err := New(d, v.UserID, v.TeamID, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, UserActor(v.UserID), ActionCreate, r.ID); err != nil {
		return nil, err
	}
	if err := s.Store.CreateReferral(ctx, r, first); err != nil {
		return nil, fmt.Errorf("referral: create %s: %w", r.ID, err)
	}
	return r, nil
}

// resolve checks d's service, location and need against cat and fills
// d.ServiceCategories and a missing location.
func resolve(cat *directory.Catalog, d *Draft) error {
	svc := cat.Service(d.ServiceKey)
	if svc == nil {
		return apperr.Field("service_id", "no service with that id in the directory")
	}
	d.ServiceCategories = svc.Categories
	if d.LocationID == "" && len(svc.Locations) == 1 {
		d.LocationID = svc.Locations[0].ID
	} else if d.LocationID != "" && !slices.ContainsFunc(svc.Locations, func(l *directory.Location) bool { return l.ID == d.LocationID }) {
		return apperr.Field("location_id", "the service is not offered at that location")
	}
	if cat.Taxonomy != nil && cat.Taxonomy.Category(d.Need) == nil {
		return apperr.Field("need", "need is not a category in the taxonomy")
	}
	return nil
}

// visible returns referral id if v may see it. A referral v may not see
// is reported as ErrNotFound, and the attempt is audited as denied.
func (s *Service) visible(ctx context.Context, v Viewer, id string, denied Action) (*Referral, error) {
	r, err := s.Store.Referral(ctx, id)
	if err != nil {
		return nil, err
	}
	if !v.CanSee(r) {
		if err := s.audit(ctx, UserActor(v.UserID), denied, id); err != nil {
			return nil, err
		}
		return nil, ErrNotFound
	}
	return r, nil
}

// Get returns referral id with its events, oldest first, if v may see it;
// ErrNotFound otherwise.
func (s *Service) Get(ctx context.Context, v Viewer, id string) (*Referral, []Event, error) {
	r, err := s.visible(ctx, v, id, ActionDeniedRead)
	if err != nil {
		return nil, nil, err
	}
	evs, err := s.Store.Events(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.audit(ctx, UserActor(v.UserID), ActionRead, id); err != nil {
		return nil, nil, err
	}
	return r, evs, nil
}

// List returns one page of the referrals v may see that f selects, newest
// first, and how many there are in all. f's Specialist and Team are
// replaced by v's.
func (s *Service) List(ctx context.Context, v Viewer, f Filter) ([]*Referral, int, error) {
	if v.UserID == "" {
		return nil, 0, apperr.New(apperr.Unauthenticated, "sign in to see referrals")
	}
	f.Specialist, f.Team = v.UserID, v.TeamID
	rs, err := s.Store.ListReferrals(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	n, err := s.Store.CountReferrals(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	if err := s.audit(ctx, UserActor(v.UserID), ActionList, ids(rs)...); err != nil {
		return nil, 0, err
	}
	return rs, n, nil
}

// FollowUps returns v's open referrals whose follow-up date is on or
// before the day of asOf, the most overdue first (Referral.Overdue tells
// overdue from due).
func (s *Service) FollowUps(ctx context.Context, v Viewer, asOf time.Time) ([]*Referral, error) {
	if v.UserID == "" {
		return nil, apperr.New(apperr.Unauthenticated, "sign in to see follow-ups")
	}
	rs, err := s.Store.FollowUpsDue(ctx, v.UserID, asOf)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, UserActor(v.UserID), ActionList, ids(rs)...); err != nil {
		return nil, err
	}
	return rs, nil
}

// Move applies change c to referral id on v's behalf and returns the
// referral as it now stands with the event recorded. It returns
// ErrNotFound if v may not see the referral, a *TransitionError (409,
// carrying the moves a user may make) for a move that is not allowed or
// lost a race, and an Invalid error for a bad change.
func (s *Service) Move(ctx context.Context, v Viewer, id string, c Change) (*Referral, Event, error) {
	r, err := s.visible(ctx, v, id, ActionDeniedWrite)
	if err != nil {
		return nil, Event{}, err
	}
	return s.move(ctx, r, UserActor(v.UserID), c, ActionMove)
}

func (s *Service) move(ctx context.Context, r *Referral, a Actor, c Change, act Action) (*Referral, Event, error) {
	ev, err := NewEvent(r, a, c, s.now())
	if err != nil {
		return nil, Event{}, err
	}
	if err := s.audit(ctx, a, act, r.ID); err != nil {
		return nil, Event{}, err
	}
	out, err := s.Store.AppendEvent(ctx, r.ID, ev, r.Status)
	if err != nil {
		return nil, Event{}, restrict(err, a.Kind)
	}
	return out, ev, nil
}

// restrict narrows the allowed moves of a *TransitionError to those actor
// kind k may make.
func restrict(err error, k ActorKind) error {
	if te, ok := err.(*TransitionError); ok {
		c := *te
		c.Allowed = AllowedNextFor(k, te.From)
		return &c
	}
	return err
}

// CreateAgencyLink makes a link for the agency receiving referral id, on
// v's behalf, and returns the token (shown once; only its hash is kept)
// with the link. It returns ErrNotFound if v may not see the referral and
// a Conflict error if the referral is closed.
func (s *Service) CreateAgencyLink(ctx context.Context, v Viewer, id string) (string, *AgencyLink, error) {
	r, err := s.visible(ctx, v, id, ActionDeniedWrite)
	if err != nil {
		return "", nil, err
	}
	if !r.Open() {
		return "", nil, apperr.New(apperr.Conflict, "the referral is %s; a closed referral gets no agency link", r.Status)
	}
	ttl := s.LinkTTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	l, token := NewAgencyLink(id, v.UserID, ttl, s.now())
	if err := s.audit(ctx, UserActor(v.UserID), ActionLinkCreate, id); err != nil {
		return "", nil, err
	}
	if err := s.Store.CreateAgencyLink(ctx, l); err != nil {
		return "", nil, fmt.Errorf("referral %s: create agency link: %w", id, err)
	}
	return token, l, nil
}

// AgencyView is what the receiving agency sees through its link: enough
// to recognize the peer and act, nothing more. Notes are the specialist's
// and are left out; contact details appear only when the peer wants
// contact and agreed to share them with the service.
type AgencyView struct {
	ID         string        `json:"id"`
	PeerRef    string        `json:"peer_ref"`
	Need       string        `json:"need"`
	ServiceKey string        `json:"service_id"`
	LocationID string        `json:"location_id,omitempty"`
	Status     Status        `json:"status"`
	Consent    AgencyConsent `json:"consent"`
	Contact    *Contact      `json:"contact,omitempty"`
	CreatedAt  time.Time     `json:"created_at"`
	UpdatedAt  time.Time     `json:"updated_at"`
	// Allowed lists the moves the agency may make now.
	Allowed []Status `json:"allowed"`
	// LinkExpiresAt is when the link stops working.
	LinkExpiresAt time.Time `json:"link_expires_at"`
}

// AgencyConsent is the part of the consent the agency sees.
type AgencyConsent struct {
	Method      ConsentMethod `json:"method"`
	Scope       ConsentScope  `json:"scope"`
	GivenAt     time.Time     `json:"given_at"`
	Part2Notice bool          `json:"part2_notice"`
}

// NewAgencyView returns what the agency holding link l sees of r.
func NewAgencyView(r *Referral, l *AgencyLink) *AgencyView {
	v := &AgencyView{
		ID: r.ID, PeerRef: r.PeerRef, Need: r.Need, ServiceKey: r.ServiceKey, LocationID: r.LocationID,
		Status:    r.Status,
		Consent:   AgencyConsent{Method: r.Consent.Method, Scope: r.Consent.Scope, GivenAt: r.Consent.GivenAt, Part2Notice: r.Consent.Part2Notice},
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Allowed:       AllowedNextFor(ActorAgency, r.Status),
		LinkExpiresAt: l.ExpiresAt,
	}
	if r.Contact != nil && r.Consent.Contact && r.Consent.Scope == ScopeShareWithService {
		c := *r.Contact
		v.Contact = &c
	}
	return v
}

// AgencyReferral returns the referral behind an agency link token. It
// returns ErrLinkNotFound or ErrLinkExpired for a bad or old token.
func (s *Service) AgencyReferral(ctx context.Context, token string) (*AgencyView, error) {
	l, r, err := s.agency(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, AgencyActor(l.ID), ActionAgencyRead, r.ID); err != nil {
		return nil, err
	}
	return NewAgencyView(r, l), nil
}

// AgencyMove applies change c, made by the agency holding token, to the
// one referral the link is for: accepted, declined (with a reason) or
// completed. The event's actor is the agency and the link id. It returns
// the errors of AgencyReferral and Move.
func (s *Service) AgencyMove(ctx context.Context, token string, c Change) (*AgencyView, Event, error) {
	l, r, err := s.agency(ctx, token)
	if err != nil {
		return nil, Event{}, err
	}
	if c.To == "" {
		return nil, Event{}, apperr.Field("status", "give the new status: accepted, declined or completed").With("allowed", AllowedNextFor(ActorAgency, r.Status))
	}
	if c.To == r.Status {
		return nil, Event{}, &TransitionError{ID: r.ID, From: r.Status, To: c.To, Allowed: AllowedNextFor(ActorAgency, r.Status)}
	}
	out, ev, err := s.move(ctx, r, AgencyActor(l.ID), c, ActionAgencyMove)
	if err != nil {
		return nil, Event{}, err
	}
	return NewAgencyView(out, l), ev, nil
}

func (s *Service) agency(ctx context.Context, token string) (*AgencyLink, *Referral, error) {
	l, err := OpenAgencyLink(ctx, s.Store, token, s.now())
	if err != nil {
		return nil, nil, err
	}
	r, err := s.Store.Referral(ctx, l.ReferralID)
	if err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// Expire expires open referrals whose last change is older than age,
// audits each, and returns their ids. age must be positive.
func (s *Service) Expire(ctx context.Context, age time.Duration) ([]string, error) {
	if age <= 0 {
		return nil, apperr.Field("expire_after", "the expiry age must be positive")
	}
	ids, err := s.Store.ExpireOlderThan(ctx, age, s.now())
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, SystemActor, ActionExpire, ids...); err != nil {
		return ids, err
	}
	return ids, nil
}

// Purge deletes referrals closed more than olderThan ago, with their
// events and agency links, and returns the counts. olderThan must be
// positive.
func (s *Service) Purge(ctx context.Context, olderThan time.Duration) (PurgeCounts, error) {
	if olderThan <= 0 {
		return PurgeCounts{}, apperr.Field("older_than", "the retention period must be positive")
	}
	return s.Store.Purge(ctx, s.now().Add(-olderThan))
}

func ids(rs []*Referral) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}
