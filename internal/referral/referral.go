// Package referral is Trellis's record of who was referred where: the
// Referral, its consent, the status machine it moves through, the
// append-only Events that record every change, links that let the
// receiving agency close the loop without an account, the audit log, and
// the Store interface the sqlite and postgres packages implement. Service
// applies the rules (validation, visibility, moves, audit) over a Store.
//
// Privacy: a referral names the peer only by a pseudonym Trellis issues
// (NewPseudonym) or by a client id in the deployment's own form
// (ParsePeerRefPattern); free text is never stored as a peer reference.
// Errors from this package and its stores name referral, event, link and
// user ids only; they never carry the peer reference, notes or contact
// details, so they are safe to log.
package referral

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"image/png"
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
	// PeerRef is the peer's pseudonym, e.g. "P-7K3QM", issued by Trellis
	// or in the deployment's own client id form; see CheckPeerRef.
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
	// SentAt is when the referral was first sent to the receiving agency:
	// when its first agency link was made. It is zero while the referral
	// is only recorded. Stores fill it from the agency links; it is not
	// set on creation.
	SentAt time.Time `json:"sent_at,omitzero"`
	// AnsweredAt is when the receiving agency last answered through its
	// link (accepted, declined or completed the referral); zero until it
	// does. Stores set it with the agency's event.
	AnsweredAt time.Time `json:"answered_at,omitzero"`
	// AnswerSeenAt is when the referring specialist last opened the
	// referral after an answer (Service.Get); an answer after it is
	// unread (Unread).
	AnswerSeenAt time.Time `json:"answer_seen_at,omitzero"`
}

// Open reports whether the referral can still move.
func (r *Referral) Open() bool { return !r.Status.Terminal() }

// Unread reports whether the agency answered since the referring
// specialist last opened the referral.
func (r *Referral) Unread() bool {
	return !r.AnsweredAt.IsZero() && r.AnswerSeenAt.Before(r.AnsweredAt)
}

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

// SignatureKind is how written consent was signed.
type SignatureKind string

// The signature kinds.
const (
	// SignaturePaper: the peer signed a paper consent form, which the
	// referring organization keeps on file.
	SignaturePaper SignatureKind = "paper"
	// SignatureElectronic: the peer signed on the specialist's device;
	// the image is kept with the referral (Consent.SignatureImage).
	SignatureElectronic SignatureKind = "electronic"
)

// Consent limits.
const (
	// ConsentMaxAge is how long before the referral consent may have been
	// given: consent older than this must be asked for again.
	ConsentMaxAge = 30 * 24 * time.Hour
	// MaxSignatureImage is the largest electronic signature image kept, in
	// bytes.
	MaxSignatureImage = 256 << 10
)

// Consent records the peer's consent to the referral.
type Consent struct {
	Method ConsentMethod `json:"method"`
	// Signature says how written consent was signed: paper on file, or
	// electronic on the device. Substance use referrals under 42 CFR Part
	// 2 need one; other referrals may leave it empty.
	Signature SignatureKind `json:"signature,omitempty"`
	// SignatureImage is the PNG image of an electronic signature. It is
	// kept for the record only: never shown to the agency, never in
	// lists, never in JSON.
	SignatureImage []byte `json:"-"`
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
	// WithdrawnAt is when the peer withdrew consent (Service.WithdrawConsent);
	// zero while it stands. Withdrawal ends every agency link and erases
	// the contact details.
	WithdrawnAt time.Time `json:"withdrawn_at,omitzero"`
}

// Withdrawn reports whether the peer has withdrawn consent.
func (c Consent) Withdrawn() bool { return !c.WithdrawnAt.IsZero() }

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
	// PeerRef is a pseudonym Trellis issued earlier, a client id matching
	// PeerRefPattern, or empty for New to issue a new pseudonym.
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
	// PeerRefPattern is the deployment's pattern for its own client ids
	// (ParsePeerRefPattern), or nil to accept issued pseudonyms only.
	// Service.Create fills it from its configuration.
	PeerRefPattern *regexp.Regexp
	// AgencyEmail, when set, is where to email the receiving agency,
	// instead of the intake email of the service's listing. It is not
	// kept on the referral, only on the outbox email.
	AgencyEmail string
	// Lang is the language of the agency's email, "en" or "es"; empty
	// means the server's default.
	Lang string
}

// Limits on a referral's free-text fields, which forms repeat as
// maxlength.
const (
	MaxNotes     = 4000
	MaxEventNote = 2000
	// MinPeerRef and MaxPeerRef bound a peer reference, in characters.
	MinPeerRef = 2
	MaxPeerRef = 32
	// MaxPhone and MaxEmail bound a contact's phone number and email.
	MaxPhone = 25
	MaxEmail = 254
)

var (
	slugPart   = `[a-z0-9]+(?:-[a-z0-9]+)*`
	categoryRE = regexp.MustCompile(`^` + slugPart + `(?:\.` + slugPart + `)?$`)
	serviceRE  = regexp.MustCompile(`^` + slugPart + `\.` + slugPart + `$`)
	slugRE     = regexp.MustCompile(`^` + slugPart + `$`)
	phoneRE    = regexp.MustCompile(fmt.Sprintf(`^\+?[0-9 ().-]{7,%d}$`, MaxPhone))
)

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
		if err != nil || a.Address != c.Email || len(c.Email) > MaxEmail {
			return apperr.Field("contact.email", "contact.email is not an email address")
		}
	}
	return nil
}

// ValidateSignatureImage returns nil if b is a PNG image of a plausible
// signature size (at most MaxSignatureImage bytes, 40 to 4000 pixels
// across), and an Invalid error for field "consent.signature_image"
// otherwise.
func ValidateSignatureImage(b []byte) error {
	if len(b) == 0 {
		return unprocessable("consent.signature_image", "an electronic signature needs the signature captured on the device (consent.signature_image, a PNG image)")
	}
	if len(b) > MaxSignatureImage {
		return apperr.Field("consent.signature_image", "consent.signature_image must be at most %d KiB", MaxSignatureImage>>10)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return apperr.Field("consent.signature_image", "consent.signature_image must be a PNG image")
	}
	if cfg.Width < 40 || cfg.Width > 4000 || cfg.Height < 10 || cfg.Height > 4000 {
		return apperr.Field("consent.signature_image", "consent.signature_image must be 40 to 4000 pixels wide and 10 to 4000 high")
	}
	return nil
}

// Why consent.given_at or consent.signature was refused, in the error's
// "problem" detail.
const (
	GivenInFuture   = "future"
	GivenTooLongAgo = "too_old"
	// SignatureNotWritten: a signature was given with verbal consent.
	SignatureNotWritten = "not_written"
	// SignaturePart2: a Part 2 referral's written consent says not how it
	// was signed.
	SignaturePart2 = "part2"
)

// checkConsent validates c (defaults applied) for a referral recorded at
// now, Part 2 rules included when part2. It returns an Invalid error for a
// malformed value and an Unprocessable one for a value the rules refuse.
func checkConsent(c Consent, part2 bool, now time.Time) error {
	switch c.Signature {
	case "":
	case SignaturePaper, SignatureElectronic:
		if c.Method != ConsentWritten {
			return unprocessable("consent.signature", "a signature goes with written consent: set consent.method to written").
				With("problem", SignatureNotWritten)
		}
	default:
		return apperr.Field("consent.signature", "consent.signature must be %s (a signed form kept on file) or %s (signed on this device)", SignaturePaper, SignatureElectronic)
	}
	if c.Signature == SignatureElectronic {
		if err := ValidateSignatureImage(c.SignatureImage); err != nil {
			return err
		}
	} else if len(c.SignatureImage) > 0 {
		return apperr.Field("consent.signature_image", "consent.signature_image goes only with an electronic signature (consent.signature: electronic)")
	}
	if c.GivenAt.After(now.Add(5 * time.Minute)) {
		return unprocessable("consent.given_at", "consent.given_at cannot be in the future").With("problem", GivenInFuture)
	}
	if c.GivenAt.Before(now.Add(-ConsentMaxAge)) {
		return unprocessable("consent.given_at", "consent.given_at is more than %d days ago: ask the peer for consent again and record when they gave it", int(ConsentMaxAge.Hours()/24)).
			With("problem", GivenTooLongAgo)
	}
	if !part2 {
		return nil
	}
	if c.Method != ConsentWritten {
		return unprocessable("consent.method", "substance use referrals fall under 42 CFR Part 2 and need written consent: a signed paper form on file or a signature captured on this device; verbal consent is not enough")
	}
	if c.Signature == "" {
		return unprocessable("consent.signature", "substance use referrals fall under 42 CFR Part 2: say how the written consent was signed, %s (a signed form kept on file) or %s (signed on this device)", SignaturePaper, SignatureElectronic).
			With("problem", SignaturePart2)
	}
	if !c.Part2Notice {
		return unprocessable("consent.part2_notice", "consent.part2_notice must be true: substance use referrals require the 42 CFR Part 2 notice to have been given")
	}
	return nil
}

// New validates d and returns the referral it records, in status sent,
// with the first event, both stamped with now (UTC, microseconds).
// specialistID is the user making it and teamID their team or "". Defaults:
// a new pseudonym (NewPseudonym) for an empty PeerRef, Consent.Scope
// this-referral, Consent.GivenAt now, Consent.RecordedBy the specialist.
// It returns an Invalid error naming the first malformed field, or an
// Unprocessable one for a value the rules refuse (a peer reference that is
// not a pseudonym, consent older than ConsentMaxAge or in the future, a
// substance use referral without written, signed consent and the Part 2
// notice); the message never repeats the field's value.
func New(d Draft, specialistID, teamID string, now time.Time) (*Referral, Event, error) {
	now = Timestamp(now)
	d.Need = strings.TrimSpace(d.Need)
	d.ServiceKey = strings.TrimSpace(d.ServiceKey)
	d.LocationID = strings.TrimSpace(d.LocationID)
	ref, err := CheckPeerRef(d.PeerRef, d.PeerRefPattern)
	if err != nil {
		return nil, Event{}, err
	}
	if ref == "" {
		ref = NewPseudonym()
	}
	d.PeerRef = ref
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
	c.WithdrawnAt = time.Time{}
	if c.RecordedBy == "" {
		c.RecordedBy = specialistID
	}
	if err := checkConsent(c, RequiresPart2(d.Need, d.ServiceCategories), now); err != nil {
		return nil, Event{}, err
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
