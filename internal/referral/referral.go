// Package referral is Trellis's record of who was referred where: the
// Referral, its consent, the status machine it moves through, the
// append-only Events that record every change, links that let the
// receiving agency close the loop without an account, the audit log, and
// the Store interface the sqlite and postgres packages implement. Service
// applies the rules (validation, visibility, moves, audit) over a Store.
//
// Privacy: a referral names the peer only by a pseudonymous reference the
// specialist chooses. Errors from this package and its stores name
// referral, event, link and user ids only; they never carry the peer
// reference, notes or contact details, so they are safe to log.
package referral

import (
	"crypto/rand"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"trellis/internal/apperr"
	"trellis/internal/directory"
)

// Referral is one peer referred to one service.
type Referral struct {
	// ID is random and URL-safe (26 characters of base32); it cannot be
	// guessed from other ids.
	ID string `json:"id"`
	// PeerRef is the pseudonymous reference the specialist chose for the
	// peer, e.g. "JD-17"; see ValidatePeerRef.
	PeerRef string `json:"peer_ref"`
	// Need is the taxonomy category the peer needs, e.g. "housing" or
	// "substance-use.detox".
	Need string `json:"need"`
	// ServiceKey is the service referred to, "<org>.<service>".
	ServiceKey string `json:"service_id"`
	// LocationID is the service's location, empty for a service delivered
	// by phone or online.
	LocationID string `json:"location_id,omitempty"`
	// SpecialistID is the user id of the specialist who made the referral.
	SpecialistID string `json:"specialist_id"`
	// TeamID is the specialist's team when the referral was made, or empty.
	TeamID string `json:"team_id,omitempty"`
	// Notes are the specialist's free text. Never logged; not shown to the
	// agency.
	Notes string `json:"notes,omitempty"`
	// FollowUp is the date the specialist plans to check in, at 00:00 UTC
	// (see DateOf); zero when none.
	FollowUp time.Time `json:"follow_up,omitzero"`
	// Contact holds how to reach the peer; it is nil unless Consent.Contact.
	Contact *Contact `json:"contact,omitempty"`
	Consent Consent  `json:"consent"`
	Status  Status   `json:"status"`
	// CreatedAt and UpdatedAt are UTC with microsecond precision; UpdatedAt
	// is the time of the last event.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ClosedAt is when the referral reached a terminal status; zero while
	// it is open.
	ClosedAt time.Time `json:"closed_at,omitzero"`
}

// Open reports whether the referral can still move.
func (r *Referral) Open() bool { return !r.Status.Terminal() }

// Overdue reports whether the referral is open and its follow-up date is
// before the calendar day of asOf.
func (r *Referral) Overdue(asOf time.Time) bool {
	return r.Open() && !r.FollowUp.IsZero() && r.FollowUp.Before(DateOf(asOf))
}

// Contact is how the peer asked to be reached. At least one field is set.
type Contact struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// ConsentMethod is how the peer gave consent.
type ConsentMethod string

// The consent methods.
const (
	ConsentVerbal  ConsentMethod = "verbal"
	ConsentWritten ConsentMethod = "written"
)

// ConsentScope is what the peer consented to.
type ConsentScope string

// The consent scopes.
const (
	// ScopeThisReferral: record this referral and follow it up; nothing is
	// shared with the service beyond what the agency link shows.
	ScopeThisReferral ConsentScope = "this-referral"
	// ScopeShareWithService: the service may also see the contact details
	// so that it can reach the peer.
	ScopeShareWithService ConsentScope = "share-with-service"
)

// Consent records the peer's consent to the referral.
type Consent struct {
	Method ConsentMethod `json:"method"`
	// Scope defaults to ScopeThisReferral.
	Scope ConsentScope `json:"scope"`
	// GivenAt defaults to the time the referral is recorded.
	GivenAt time.Time `json:"given_at"`
	// RecordedBy is the user id of whoever recorded the consent; it
	// defaults to the specialist.
	RecordedBy string `json:"recorded_by"`
	// Contact is true when the peer wants to be contacted and agreed to
	// the contact details being kept. Without it no contact details are
	// stored.
	Contact bool `json:"contact"`
	// Part2Notice records that the peer was given the 42 CFR Part 2 notice
	// about substance use treatment records. It must be true when the need
	// or the service is in the substance-use category (RequiresPart2).
	Part2Notice bool `json:"part2_notice"`
}

// SubstanceUseCategory is the taxonomy category whose referrals fall under
// 42 CFR Part 2.
const SubstanceUseCategory = "substance-use"

// RequiresPart2 reports whether a referral for need to a service in
// serviceCategories is covered by 42 CFR Part 2: true when any of them is
// substance-use or one of its subcategories.
func RequiresPart2(need string, serviceCategories []string) bool {
	if directory.RootOf(need) == SubstanceUseCategory {
		return true
	}
	for _, c := range serviceCategories {
		if directory.RootOf(c) == SubstanceUseCategory {
			return true
		}
	}
	return false
}

// Draft is what a specialist submits to record a referral.
type Draft struct {
	PeerRef    string
	Need       string
	ServiceKey string
	LocationID string
	Notes      string
	// FollowUp is a date (any time of day; DateOf is applied), or zero.
	FollowUp time.Time
	// Contact must be nil or empty unless Consent.Contact.
	Contact *Contact
	Consent Consent
	// ServiceCategories are the categories of the service referred to,
	// used to decide whether Part 2 applies. Service.Create fills them
	// from the catalog.
	ServiceCategories []string
}

// Limits on a referral's free-text fields.
const (
	MaxNotes     = 4000
	MaxEventNote = 2000
)

var (
	slugPart    = `[a-z0-9]+(?:-[a-z0-9]+)*`
	categoryRE  = regexp.MustCompile(`^` + slugPart + `(?:\.` + slugPart + `)?$`)
	serviceRE   = regexp.MustCompile(`^` + slugPart + `\.` + slugPart + `$`)
	slugRE      = regexp.MustCompile(`^` + slugPart + `$`)
	phoneRE     = regexp.MustCompile(`^\+?[0-9 ().-]{7,25}$`)
	peerRefRE   = regexp.MustCompile(`^[A-Za-z0-9._#-]+$`)
	digitRunRE  = regexp.MustCompile(`[0-9]{6,}`)
	dateLikeRE  = regexp.MustCompile(`[0-9]{1,4}[-._][0-9]{1,2}[-._][0-9]{2,4}`)
	peerRefHelp = "peer_ref must be 2 to 32 letters, digits, '.', '_', '-' or '#', without spaces, and must not look like a name, date of birth or phone number; use a pseudonymous reference such as JD-17"
)

// ValidatePeerRef returns nil if ref is an acceptable pseudonymous
// reference: 2 to 32 ASCII letters, digits, '.', '_', '-' or '#'; no
// spaces (so no "First Last"); no run of six or more digits (phone, record
// or compact birth-date numbers); nothing shaped like a date
// ("1990-01-02", "1.2.90"). It returns an Invalid error for field
// "peer_ref" that does not repeat the value.
func ValidatePeerRef(ref string) error {
	n := utf8.RuneCountInString(ref)
	if n < 2 || n > 32 || !peerRefRE.MatchString(ref) || digitRunRE.MatchString(ref) || dateLikeRE.MatchString(ref) {
		return apperr.Field("peer_ref", "%s", peerRefHelp)
	}
	return nil
}

// ValidateContact returns nil if c holds at least one plausible phone
// number or email address, and an Invalid error naming the field (never
// the value) otherwise.
func ValidateContact(c *Contact) error {
	if c == nil || (c.Phone == "" && c.Email == "") {
		return apperr.Field("contact", "contact needs a phone number or an email address when the peer wants to be contacted")
	}
	if c.Phone != "" && !phoneRE.MatchString(c.Phone) {
		return apperr.Field("contact.phone", "contact.phone must be 7 to 25 digits, spaces and ( ) . - + characters")
	}
	if c.Email != "" {
		a, err := mail.ParseAddress(c.Email)
		if err != nil || a.Address != c.Email || len(c.Email) > 254 {
			return apperr.Field("contact.email", "contact.email is not an email address")
		}
	}
	return nil
}

// New validates d and returns the referral it records, in status sent,
// with the first event, both stamped with now (UTC, microseconds).
// specialistID is the user making it and teamID their team or "". Defaults:
// Consent.Scope this-referral, Consent.GivenAt now, Consent.RecordedBy the
// specialist. It returns an Invalid error naming the first bad field; the
// message never repeats the field's value.
func New(d Draft, specialistID, teamID string, now time.Time) (*Referral, Event, error) {
	now = Timestamp(now)
	d.PeerRef = strings.TrimSpace(d.PeerRef)
	d.Need = strings.TrimSpace(d.Need)
	d.ServiceKey = strings.TrimSpace(d.ServiceKey)
	d.LocationID = strings.TrimSpace(d.LocationID)
	if err := ValidatePeerRef(d.PeerRef); err != nil {
		return nil, Event{}, err
	}
	if !categoryRE.MatchString(d.Need) {
		return nil, Event{}, apperr.Field("need", "need must be a category id such as housing or housing.emergency-shelter")
	}
	if !serviceRE.MatchString(d.ServiceKey) {
		return nil, Event{}, apperr.Field("service_id", "service_id must be a service id of the form organization.service")
	}
	if d.LocationID != "" && !slugRE.MatchString(d.LocationID) {
		return nil, Event{}, apperr.Field("location_id", "location_id must be a location slug such as main")
	}
	if utf8.RuneCountInString(d.Notes) > MaxNotes {
		return nil, Event{}, apperr.Field("notes", "notes must be at most %d characters", MaxNotes)
	}
	if specialistID == "" {
		return nil, Event{}, fmt.Errorf("referral: new: no specialist id")
	}
	c := d.Consent
	switch c.Method {
	case ConsentVerbal, ConsentWritten:
	case "":
		return nil, Event{}, apperr.Field("consent.method", "consent.method is required: verbal or written")
	default:
		return nil, Event{}, apperr.Field("consent.method", "consent.method must be verbal or written")
	}
	switch c.Scope {
	case ScopeThisReferral, ScopeShareWithService:
	case "":
		c.Scope = ScopeThisReferral
	default:
		return nil, Event{}, apperr.Field("consent.scope", "consent.scope must be %s or %s", ScopeThisReferral, ScopeShareWithService)
	}
	if c.GivenAt.IsZero() {
		c.GivenAt = now
	}
	c.GivenAt = Timestamp(c.GivenAt)
	if c.GivenAt.After(now.Add(5 * time.Minute)) {
		return nil, Event{}, apperr.Field("consent.given_at", "consent.given_at cannot be in the future")
	}
	if c.RecordedBy == "" {
		c.RecordedBy = specialistID
	}
	if RequiresPart2(d.Need, d.ServiceCategories) && !c.Part2Notice {
		return nil, Event{}, apperr.Field("consent.part2_notice", "consent.part2_notice must be true: substance use referrals require the 42 CFR Part 2 notice to have been given")
	}
	var contact *Contact
	empty := d.Contact == nil || (d.Contact.Phone == "" && d.Contact.Email == "")
	switch {
	case c.Contact:
		ct := Contact{}
		if d.Contact != nil {
			ct = Contact{Phone: strings.TrimSpace(d.Contact.Phone), Email: strings.TrimSpace(d.Contact.Email)}
		}
		if err := ValidateContact(&ct); err != nil {
			return nil, Event{}, err
		}
		contact = &ct
	case !empty:
		return nil, Event{}, apperr.Field("contact", "contact details may only be recorded when consent.contact is true")
	}
	r := &Referral{
		ID:           NewID(),
		PeerRef:      d.PeerRef,
		Need:         d.Need,
		ServiceKey:   d.ServiceKey,
		LocationID:   d.LocationID,
		SpecialistID: specialistID,
		TeamID:       teamID,
		Notes:        d.Notes,
		Contact:      contact,
		Consent:      c,
		Status:       StatusSent,
		CreatedAt:    now,
		UpdatedAt:    now,
	}
	if !d.FollowUp.IsZero() {
		r.FollowUp = DateOf(d.FollowUp)
	}
	ev := Event{ID: NewID(), ReferralID: r.ID, At: now, Actor: UserActor(specialistID), To: StatusSent}
	return r, ev, nil
}

// NewID returns a random, URL-safe id with 128 bits of entropy.
func NewID() string { return rand.Text() }

// Timestamp returns t in UTC truncated to microseconds, the precision both
// stores keep, so that a stored time reads back equal.
func Timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// DateOf returns the calendar date of t, in t's own location, as 00:00 UTC
// of that date: the form Referral.FollowUp and directory dates take.
func DateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
