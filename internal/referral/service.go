package referral

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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
	// Email is the specialist's work email, the contact the agency's
	// email gives; empty leaves it out.
	Email string
}

// CanSee reports whether v may see r: v made it, or it was made within
// v's team.
func (v Viewer) CanSee(r *Referral) bool {
	return v.UserID != "" && (r.SpecialistID == v.UserID || (v.TeamID != "" && r.TeamID == v.TeamID))
}

// Service applies the referral rules over a Store: validation against the
// catalog, who may see what, the status machine, agency links, and an
// audit entry for every read and write (a read's before the data is
// returned; a change's in the transaction that makes it, so nothing
// happens unaudited and nothing is audited that did not happen). Role
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
	// PeerRefPattern, when set, is the deployment's pattern for its own
	// client ids (ParsePeerRefPattern), accepted as peer references beside
	// the pseudonyms Trellis issues.
	PeerRefPattern *regexp.Regexp
	// Notify, when set, emails the receiving agency the link to each new
	// referral whose service's listing names an intake email (or to the
	// agency email the specialist gives), and specialists who asked for
	// it the agency's answers, through the store's outbox.
	Notify *Notify
	// Organization is the referring organization, which the agency's page
	// and email name; empty means Notify's, if any.
	Organization string
	// WorkContact, when set, returns the work email of user id, the
	// contact the agency's page gives for the referring specialist, or ""
	// for a user it does not know. It returns an error when it cannot
	// look.
	WorkContact func(ctx context.Context, userID string) (string, error)
}

// organization returns the referring organization's name, or "".
func (s *Service) organization() string {
	if s.Organization == "" && s.Notify != nil {
		return s.Notify.Organization
	}
	return s.Organization
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return Timestamp(s.Now())
	}
	return Timestamp(time.Now())
}

// entry returns the audit entry recording that a did act to referral id.
func (s *Service) entry(a Actor, act Action, id string) AuditEntry {
	return AuditEntry{At: s.now(), Actor: a, Action: act, ReferralID: id}
}

// audit records reads and refusals, which change nothing; changes carry
// their entry into the store's transaction instead.
func (s *Service) audit(ctx context.Context, a Actor, act Action, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	es := make([]AuditEntry, len(ids))
	for i, id := range ids {
		es[i] = s.entry(a, act, id)
	}
	if err := s.Store.AppendAudit(ctx, es...); err != nil {
		return fmt.Errorf("referral: audit %s: %w", act, err)
	}
	return nil
}

// Create validates d against the catalog (the service must exist, the
// location must be one of its locations, defaulting to its only one, and
// the need must be a taxonomy category), records the referral for v and
// returns it. With Notify set and an intake email known (the draft's
// AgencyEmail, else the listing's), it also makes an agency link and
// queues the email carrying it, in the same transaction. It returns an
// Invalid or Unprocessable error naming the bad field, or a store error.
func (s *Service) Create(ctx context.Context, v Viewer, d Draft) (*Referral, error) {
	if v.UserID == "" {
		return nil, apperr.New(apperr.Unauthenticated, "sign in to record a referral")
	}
	var cat *directory.Catalog
	if s.Catalog != nil {
		if cat = s.Catalog(); cat != nil {
			if err := resolve(cat, &d); err != nil {
				return nil, err
			}
		}
	}
	d.PeerRefPattern = s.PeerRefPattern
	if strings.TrimSpace(d.PeerRef) == "" {
		p, err := s.issuePseudonym(ctx)
		if err != nil {
			return nil, err
		}
		d.PeerRef = p
	}
	r, first, err := New(d, v.UserID, v.TeamID, s.now())
	if err != nil {
		return nil, err
	}
	out, err := s.outgoing(v, d, r, first, cat)
	if err != nil {
		return nil, err
	}
	audit := []AuditEntry{s.entry(UserActor(v.UserID), ActionCreate, r.ID)}
	if out != nil && out.Link != nil {
		audit = append(audit, s.entry(UserActor(v.UserID), ActionLinkCreate, r.ID))
	}
	if err := s.Store.CreateReferral(ctx, r, first, out, audit...); err != nil {
		return nil, fmt.Errorf("referral: create %s: %w", r.ID, err)
	}
	if out != nil && len(out.Mail) > 0 && s.Notify.Queued != nil {
		s.Notify.Queued()
	}
	return r, nil
}

// Mail returns the emails queued for referral id, oldest first, with
// their delivery state, if v may see it; ErrNotFound otherwise.
func (s *Service) Mail(ctx context.Context, v Viewer, id string) ([]*Mail, error) {
	if _, err := s.visible(ctx, v, id, ActionDeniedRead); err != nil {
		return nil, err
	}
	ms, err := s.Store.Mail(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, UserActor(v.UserID), ActionRead, id); err != nil {
		return nil, err
	}
	return ms, nil
}

// issuePseudonym returns a new pseudonym that no stored referral has yet,
// so that a search by pseudonym finds one peer. It returns a store error,
// or an Unavailable one in the unlikely case that ten draws in a row were
// taken.
func (s *Service) issuePseudonym(ctx context.Context) (string, error) {
	for range 10 {
		p := NewPseudonym()
		n, err := s.Store.CountReferrals(ctx, Filter{PeerRef: p})
		if err != nil {
			return "", fmt.Errorf("referral: issue pseudonym: %w", err)
		}
		if n == 0 {
			return p, nil
		}
	}
	return "", apperr.New(apperr.Unavailable, "could not issue a free pseudonym; try again")
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
// ErrNotFound otherwise. When v is the referring specialist, the agency's
// answers are read from then on (Referral.Unread); the referral returned
// is as it was, unread if it was.
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
	if r.Unread() && r.SpecialistID == v.UserID {
		if err := s.Store.MarkAnswerSeen(ctx, id, s.now()); err != nil {
			return nil, nil, fmt.Errorf("referral %s: mark the answer seen: %w", id, err)
		}
	}
	return r, evs, nil
}

// UnreadAnswers returns how many of v's own referrals have an agency
// answer v has not opened yet. A count shows no referral, so it is not
// audited.
func (s *Service) UnreadAnswers(ctx context.Context, v Viewer) (int, error) {
	if v.UserID == "" {
		return 0, apperr.New(apperr.Unauthenticated, "sign in to see referrals")
	}
	return s.Store.CountReferrals(ctx, Filter{Specialist: v.UserID, Unread: true})
}

// Services returns the keys of the services v's referrals (and their
// team's) go to, each once: the choices of a filter by agency.
func (s *Service) Services(ctx context.Context, v Viewer) ([]string, error) {
	if v.UserID == "" {
		return nil, apperr.New(apperr.Unauthenticated, "sign in to see referrals")
	}
	return s.Store.ReferralServices(ctx, Filter{Specialist: v.UserID, Team: v.TeamID})
}

// AnswerMail returns v's choice of emails about agency answers.
func (s *Service) AnswerMail(ctx context.Context, v Viewer) (AnswerMail, error) {
	if v.UserID == "" {
		return AnswerMail{}, apperr.New(apperr.Unauthenticated, "sign in first")
	}
	return s.Store.AnswerMail(ctx, v.UserID)
}

// SetAnswerMail turns on or off, for v, an email to v.Email each time a
// receiving agency answers one of v's referrals, in lang ("en" or "es").
// It returns an Unprocessable error for field "answer_mail" when turning
// it on on a server that sends no email or for a viewer without an email,
// or a store error.
func (s *Service) SetAnswerMail(ctx context.Context, v Viewer, on bool, lang string) error {
	if v.UserID == "" {
		return apperr.New(apperr.Unauthenticated, "sign in first")
	}
	m := AnswerMail{}
	if on {
		if s.Notify == nil {
			return unprocessable("answer_mail", "this server sends no email (it has no SMTP server configured)")
		}
		if v.Email == "" {
			return unprocessable("answer_mail", "your account has no email address to send to")
		}
		if lang != "es" {
			lang = "en"
		}
		m = AnswerMail{On: true, Email: v.Email, Lang: lang}
	}
	return s.Store.SetAnswerMail(ctx, v.UserID, m)
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

// Count returns how many of the referrals v may see f selects (f's
// Specialist and Team are replaced by v's). A count shows no referral, so
// it is not audited.
func (s *Service) Count(ctx context.Context, v Viewer, f Filter) (int, error) {
	if v.UserID == "" {
		return 0, apperr.New(apperr.Unauthenticated, "sign in to see referrals")
	}
	f.Specialist, f.Team = v.UserID, v.TeamID
	return s.Store.CountReferrals(ctx, f)
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

// move applies change c by actor a to r, with the audit action act. An
// agency's move also queues the referring specialist's email about it,
// when they asked for one (answerMail).
func (s *Service) move(ctx context.Context, r *Referral, a Actor, c Change, act Action) (*Referral, Event, error) {
	ev, err := NewEvent(r, a, c, s.now())
	if err != nil {
		return nil, Event{}, err
	}
	var mail []*Mail
	if a.Kind == ActorAgency {
		m, err := s.answerMail(ctx, r, ev)
		if err != nil {
			return nil, Event{}, err
		}
		if m != nil {
			mail = append(mail, m)
		}
	}
	out, err := s.Store.AppendEvent(ctx, r.ID, ev, r.Status, mail, s.entry(a, act, r.ID))
	if err != nil {
		return nil, Event{}, restrict(err, a.Kind)
	}
	if len(mail) > 0 && s.Notify.Queued != nil {
		s.Notify.Queued()
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
	if err := s.Store.CreateAgencyLink(ctx, l, s.entry(UserActor(v.UserID), ActionLinkCreate, id)); err != nil {
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
	// Part2 is true when the referral's records fall under 42 CFR Part 2;
	// RedisclosureNotice is then the notice prohibiting redisclosure (42
	// CFR § 2.32), in English unless InLanguage chose another.
	Part2              bool   `json:"part2"`
	RedisclosureNotice string `json:"redisclosure_notice,omitempty"`
	// ReferredBy is who referred and how to reach them: the referring
	// organization and the specialist's work email, each when known.
	ReferredBy Referrer `json:"referred_by"`
}

// Referrer is who made a referral, as the receiving agency may see it.
type Referrer struct {
	Organization string `json:"organization,omitempty"`
	// Email is the specialist's work email.
	Email string `json:"email,omitempty"`
}

// ReferredBy returns who made r, as the agency and the peer's slip name
// them. It returns an error when the specialist's work contact cannot be
// looked up.
func (s *Service) ReferredBy(ctx context.Context, r *Referral) (Referrer, error) {
	out := Referrer{Organization: s.organization()}
	if s.WorkContact != nil {
		e, err := s.WorkContact(ctx, r.SpecialistID)
		if err != nil {
			return Referrer{}, fmt.Errorf("referral %s: the specialist's work contact: %w", r.ID, err)
		}
		out.Email = e
	}
	return out, nil
}

// InLanguage sets the redisclosure notice, when the referral carries one,
// to its text in lang ("en" or "es"; other languages get English).
func (v *AgencyView) InLanguage(lang string) {
	if v.Part2 {
		v.RedisclosureNotice = RedisclosureNotice(lang)
	}
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
		Part2:         r.Consent.Part2Notice || RequiresPart2(r.Need, nil),
	}
	v.InLanguage("en")
	if r.Contact != nil && r.Consent.Contact && r.Consent.Scope == ScopeShareWithService {
		c := *r.Contact
		v.Contact = &c
	}
	return v
}

// AgencyReferral returns the referral behind an agency link token. It
// returns ErrLinkNotFound or ErrLinkExpired for a bad or old token, and a
// 410 error (ErrLinkWithdrawn, ErrLinkClosed, ErrLinkRevoked) for a link
// that was revoked or replaced, or whose referral was cancelled, closed
// or no longer has the peer's consent.
func (s *Service) AgencyReferral(ctx context.Context, token string) (*AgencyView, error) {
	l, r, err := s.agency(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, AgencyActor(l.ID), ActionAgencyRead, r.ID); err != nil {
		return nil, err
	}
	v := NewAgencyView(r, l)
	if v.ReferredBy, err = s.ReferredBy(ctx, r); err != nil {
		return nil, err
	}
	return v, nil
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
	// Looked up first: a move that was made is never reported as failed.
	by, err := s.ReferredBy(ctx, r)
	if err != nil {
		return nil, Event{}, err
	}
	out, ev, err := s.move(ctx, r, AgencyActor(l.ID), c, ActionAgencyMove)
	if err != nil {
		return nil, Event{}, err
	}
	v := NewAgencyView(out, l)
	v.ReferredBy = by
	return v, ev, nil
}

func (s *Service) agency(ctx context.Context, token string) (*AgencyLink, *Referral, error) {
	return OpenAgencyLink(ctx, s.Store, token, s.now())
}

// AgencyLinks returns the agency links of referral id, newest first, if v
// may see it; ErrNotFound otherwise. The tokens are not among them: only
// their hashes are kept.
func (s *Service) AgencyLinks(ctx context.Context, v Viewer, id string) ([]*AgencyLink, error) {
	if _, err := s.visible(ctx, v, id, ActionDeniedRead); err != nil {
		return nil, err
	}
	ls, err := s.Store.AgencyLinks(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.audit(ctx, UserActor(v.UserID), ActionRead, id); err != nil {
		return nil, err
	}
	return ls, nil
}

// RevokeAgencyLink ends link linkID of referral id on v's behalf: the
// agency holding it gets 410 from then on. It returns ErrNotFound if v may
// not see the referral and ErrLinkNotFound if the referral has no such
// link. Revoking a link that already ended is not an error.
func (s *Service) RevokeAgencyLink(ctx context.Context, v Viewer, id, linkID string) error {
	if _, err := s.visible(ctx, v, id, ActionDeniedWrite); err != nil {
		return err
	}
	if err := s.Store.RevokeAgencyLink(ctx, id, linkID, s.now(), s.entry(UserActor(v.UserID), ActionLinkRevoke, id)); err != nil {
		return fmt.Errorf("referral %s: revoke agency link %s: %w", id, linkID, err)
	}
	return nil
}

// WithdrawConsent records, on v's behalf, that the peer withdrew consent
// to referral id, as an event of its own (EventConsentWithdrawn) with an
// optional note: an open referral is cancelled, every agency link ends at
// once (410) and the contact details are erased; a closed referral keeps
// its status and loses its contact details. It returns the referral as it
// now stands with the event, ErrNotFound if v may not see the referral,
// ErrConsentWithdrawn if consent was already withdrawn, a stale
// *TransitionError if the referral moved meanwhile, and an Invalid error
// for a note that is too long.
func (s *Service) WithdrawConsent(ctx context.Context, v Viewer, id, note string) (*Referral, Event, error) {
	r, err := s.visible(ctx, v, id, ActionDeniedWrite)
	if err != nil {
		return nil, Event{}, err
	}
	if r.Consent.Withdrawn() {
		return nil, Event{}, ErrConsentWithdrawn
	}
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxEventNote {
		return nil, Event{}, apperr.Field("note", "note must be at most %d characters", MaxEventNote)
	}
	to := r.Status
	if r.Open() {
		to = StatusCancelled
	}
	a := UserActor(v.UserID)
	ev := Event{ID: NewID(), ReferralID: id, Kind: EventConsentWithdrawn, At: s.now(), Actor: a, From: r.Status, To: to, Note: note}
	out, err := s.Store.WithdrawConsent(ctx, id, ev, r.Status, s.entry(a, ActionWithdraw, id))
	if err != nil {
		return nil, Event{}, restrict(err, ActorUser)
	}
	return out, ev, nil
}

// Expire expires open referrals whose last change is older than age,
// each audited in the transaction that expires it, and returns their ids.
// age must be positive.
func (s *Service) Expire(ctx context.Context, age time.Duration) ([]string, error) {
	if age <= 0 {
		return nil, apperr.Field("expire_after", "the expiry age must be positive")
	}
	return s.Store.ExpireOlderThan(ctx, age, s.now())
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
