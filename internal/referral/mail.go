package referral

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/directory"
)

// MailKind says what an outbox email is for.
type MailKind string

// The email kinds.
const (
	// MailAgencyReferral tells the receiving agency about a new referral,
	// with its link.
	MailAgencyReferral MailKind = "agency_referral"
	// MailAgencyAnswer tells the referring specialist, who asked for it
	// (AnswerMail), that the agency answered.
	MailAgencyAnswer MailKind = "agency_answer"
)

// Mail is one email in the referral store's outbox. Service queues it in
// the same transaction as the event it tells of (one of each kind per
// event, at most), and a delivery worker (package notify) sends it,
// retrying with backoff, so that each goes out once even with several
// instances on one database. Once sent, failed for good or cancelled, its
// body (which holds the agency's link) is erased.
type Mail struct {
	ID         string
	Kind       MailKind
	ReferralID string
	// EventID is the event the email tells of.
	EventID string
	// To is the one recipient; ReplyTo, when set, is where answers go
	// (the referring specialist).
	To, ReplyTo string
	Subject     string
	// Text is the plain-text body; empty once the mail is done with.
	Text      string
	CreatedAt time.Time

	// Delivery state, kept by the store.
	Attempts      int
	NextAttemptAt time.Time
	SentAt        time.Time
	FailedAt      time.Time
	CancelledAt   time.Time
	// LastError is why the last attempt failed: an SMTP reply or a
	// network error, never the message.
	LastError string
}

// Outgoing is what a new referral sends with it, stored in the same
// transaction: an agency link and the emails carrying it.
type Outgoing struct {
	// Link, when set, is a new agency link for the referral.
	Link *AgencyLink
	// Mail are emails to queue.
	Mail []*Mail
}

// Mailer composes the emails Service queues (package notify renders them
// from its English and Spanish templates).
type Mailer interface {
	// AgencyReferral returns the subject and plain-text body of the email
	// telling the receiving agency about a referral, in n.Lang. It returns
	// an error if the templates fail.
	AgencyReferral(n AgencyNotice) (subject, text string, err error)
	// AgencyAnswer returns the subject and plain-text body of the email
	// telling the referring specialist that the agency answered, in
	// n.Lang. It returns an error if the templates fail.
	AgencyAnswer(n AnswerNotice) (subject, text string, err error)
}

// AnswerNotice is all the email to the referring specialist about an
// agency's answer may hold: which referral and what the answer was. Never
// the agency's note, which may say more than an email should; the
// specialist reads it in Trellis.
type AnswerNotice struct {
	// Lang is "en" or "es".
	Lang string
	// PeerRef is the peer's pseudonym.
	PeerRef string
	// Service and Agency name the service referred to and its
	// organization.
	Service, Agency string
	// Status is the agency's answer: accepted, declined or completed.
	Status Status
	// ReferralURL opens the referral in the workspace (after sign-in);
	// empty when the server does not know its public address.
	ReferralURL string
}

// AgencyNotice is all the email to the receiving agency may hold: the
// link and the minimum to act on it. Never notes, never the peer's
// contact details.
type AgencyNotice struct {
	// Lang is "en" or "es".
	Lang string
	// LinkURL opens the referral; it works until LinkExpiresAt and ends
	// earlier if the referral is withdrawn or closed.
	LinkURL       string
	LinkExpiresAt time.Time
	// PeerRef is the peer's pseudonym.
	PeerRef string
	// Need is the need's category label in Lang.
	Need string
	// Service and Agency name the service referred to and its
	// organization.
	Service, Agency string
	// ReferringOrg is the organization whose specialist made the
	// referral, and SpecialistEmail their work contact.
	ReferringOrg, SpecialistEmail string
	// Part2 is true when the referral falls under 42 CFR Part 2; then
	// RedisclosureNotice is the notice in Lang.
	Part2              bool
	RedisclosureNotice string
}

// Notify configures Service to email the receiving agency when a referral
// is made for a service whose listing names a referral intake email
// (directory.Service.ReferralIntake), or to an agency email the
// specialist gives.
type Notify struct {
	Mailer Mailer
	// LinkURL returns the public address of the agency page for token.
	LinkURL func(token string) string
	// ReferralURL, when set, returns the public address of a referral's
	// page in the workspace, which the specialist's email about an agency
	// answer links to.
	ReferralURL func(id string) string
	// Organization is the referring organization the email names.
	Organization string
	// Lang is the emails' language when the draft names none: "en"
	// unless set.
	Lang string
	// Queued, when set, is called after an email is queued, so that the
	// delivery worker sends it at once (notify.Worker.Kick).
	Queued func()
}

// checkAgencyEmail returns the address if s is one, and an Invalid error
// for field "agency_email" otherwise.
func checkAgencyEmail(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", apperr.Field("agency_email", "agency_email must be an email address such as intake@example.org")
	}
	return s, nil
}

// outgoing returns the link and email a new referral r sends, or nothing
// when Service has no Notify or no address is known (neither d.AgencyEmail
// nor the listing's intake email). It returns an Unprocessable error for
// an agency email on a server that sends none, an Invalid one for a
// malformed agency email, or an error from the mailer.
func (s *Service) outgoing(v Viewer, d Draft, r *Referral, first Event, cat *directory.Catalog) (*Outgoing, error) {
	to := strings.TrimSpace(d.AgencyEmail)
	if to != "" {
		if s.Notify == nil {
			return nil, unprocessable("agency_email", "this server sends no email (it has no SMTP server configured); leave agency_email out and give the agency the link yourself")
		}
		var err error
		if to, err = checkAgencyEmail(to); err != nil {
			return nil, err
		}
	}
	if s.Notify == nil {
		return nil, nil
	}
	var svc *directory.Service
	if cat != nil {
		svc = cat.Service(r.ServiceKey)
	}
	if to == "" && svc != nil {
		if in := svc.ReferralIntake(); in != nil {
			to = in.Email
		}
	}
	if to == "" {
		return nil, nil
	}
	lang := d.Lang
	if lang != "en" && lang != "es" {
		lang = s.Notify.Lang
	}
	if lang != "es" {
		lang = "en"
	}
	ttl := s.LinkTTL
	if ttl <= 0 {
		ttl = DefaultLinkTTL
	}
	l, token := NewAgencyLink(r.ID, v.UserID, ttl, r.CreatedAt)
	n := AgencyNotice{Lang: lang, LinkURL: s.Notify.LinkURL(token), LinkExpiresAt: l.ExpiresAt, PeerRef: r.PeerRef, Need: r.Need,
		Service: r.ServiceKey, ReferringOrg: s.organization(), SpecialistEmail: v.Email,
		Part2: r.Consent.Part2Notice || RequiresPart2(r.Need, d.ServiceCategories)}
	if n.Part2 {
		n.RedisclosureNotice = RedisclosureNotice(lang)
	}
	if svc != nil {
		n.Service, n.Agency = svc.Name, svc.Org.Name
	}
	if cat != nil && cat.Taxonomy != nil {
		if c := cat.Taxonomy.Category(r.Need); c != nil {
			n.Need = c.Label.In(lang)
		}
	}
	subject, text, err := s.Notify.Mailer.AgencyReferral(n)
	if err != nil {
		return nil, fmt.Errorf("referral %s: compose the agency's email: %w", r.ID, err)
	}
	m := &Mail{ID: NewID(), Kind: MailAgencyReferral, ReferralID: r.ID, EventID: first.ID, To: to, ReplyTo: v.Email,
		Subject: subject, Text: text, CreatedAt: r.CreatedAt, NextAttemptAt: r.CreatedAt}
	return &Outgoing{Link: l, Mail: []*Mail{m}}, nil
}

// answerMail returns the email telling the referring specialist of r
// that the agency answered with ev, or nil when the server sends no email
// or the specialist did not ask for these. It returns a store error, or
// an error from the mailer.
func (s *Service) answerMail(ctx context.Context, r *Referral, ev Event) (*Mail, error) {
	if s.Notify == nil || s.Notify.Mailer == nil {
		return nil, nil
	}
	pref, err := s.Store.AnswerMail(ctx, r.SpecialistID)
	if err != nil {
		return nil, fmt.Errorf("referral %s: answer mail: %w", r.ID, err)
	}
	if !pref.On || pref.Email == "" {
		return nil, nil
	}
	lang := pref.Lang
	if lang != "es" {
		lang = "en"
	}
	n := AnswerNotice{Lang: lang, PeerRef: r.PeerRef, Service: r.ServiceKey, Status: ev.To}
	if s.Catalog != nil {
		if cat := s.Catalog(); cat != nil {
			if svc := cat.Service(r.ServiceKey); svc != nil {
				n.Agency = svc.Org.Name
				if svc.Name != "" {
					n.Service = svc.Name
				}
			}
		}
	}
	if s.Notify.ReferralURL != nil {
		n.ReferralURL = s.Notify.ReferralURL(r.ID)
	}
	subject, text, err := s.Notify.Mailer.AgencyAnswer(n)
	if err != nil {
		return nil, fmt.Errorf("referral %s: compose the answer email: %w", r.ID, err)
	}
	return &Mail{ID: NewID(), Kind: MailAgencyAnswer, ReferralID: r.ID, EventID: ev.ID, To: pref.Email,
		Subject: subject, Text: text, CreatedAt: ev.At, NextAttemptAt: ev.At}, nil
}

// ErrLeaseLost is returned by the outbox when a worker reports on a mail
// it no longer holds: its lease ran out and another worker took it.
var ErrLeaseLost = errors.New("referral: outbox: the mail's lease was lost to another worker")
