package httpapi

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/httpserver"
	"trellis/internal/referral"
)

func (s *API) referralRoutes(v1 *echo.Group) {
	refer := s.srv.RequireUser(auth.PermRefer)
	v1.POST("/referrals", s.createReferral, refer)
	v1.GET("/referrals", s.listReferrals, refer)
	v1.GET("/referrals/:id", s.getReferral, refer)
	v1.POST("/referrals/:id/events", s.moveReferral, refer)
	v1.POST("/referrals/:id/agency-link", s.createAgencyLink, refer)
	v1.GET("/referrals/:id/agency-links", s.listAgencyLinks, refer)
	v1.DELETE("/referrals/:id/agency-links/:link", s.revokeAgencyLink, refer)
	v1.GET("/followups", s.followUps, refer)
}

// catalog returns the directory in force, or nil before the first load.
func (s *API) catalog() *directory.Catalog {
	if s.snaps == nil {
		return nil
	}
	if snap := s.snaps.Current(); snap != nil {
		return snap.Catalog
	}
	return nil
}

// referrals returns the referral service, or an Unavailable error when
// the server has no referral store.
func (s *API) referrals() (*referral.Service, error) {
	if s.refs == nil {
		return nil, apperr.New(apperr.Unavailable, "referrals are not configured on this server")
	}
	return s.refs, nil
}

// referralViewer is the signed-in specialist as the referral service sees them.
func referralViewer(c echo.Context) referral.Viewer {
	u := httpserver.CurrentUser(c)
	return referral.Viewer{UserID: u.ID, TeamID: u.TeamID, Email: u.Email}
}

// today returns the calendar day of now in the directory's time zone.
func (s *API) today() time.Time {
	now := s.now()
	if cat := s.catalog(); cat != nil && cat.Info.TimeZone != nil {
		now = now.In(cat.Info.TimeZone)
	}
	return referral.DateOf(now)
}

// referralView is a referral as its specialist sees it: every field, the
// moves they may make now, and, for a single referral, its timeline.
type referralView struct {
	*referral.Referral
	// AllowedNext lists the statuses the specialist may move it to.
	AllowedNext []referral.Status `json:"allowed_next"`
	// Overdue is true when it is open and its follow-up date has passed.
	Overdue bool `json:"overdue"`
	// Timeline is every event, oldest first; only on single referrals.
	Timeline []referral.Event `json:"timeline,omitempty"`
	// Emails are the emails about it and how their delivery went; only
	// on single referrals.
	Emails []mailView `json:"emails,omitempty"`
}

// mailView is an outbox email as its specialist sees it: to whom, what
// for, and how delivery went; never its body, which holds the agency's
// link.
type mailView struct {
	Kind        referral.MailKind `json:"kind"`
	To          string            `json:"to"`
	QueuedAt    time.Time         `json:"queued_at"`
	Attempts    int               `json:"attempts"`
	SentAt      time.Time         `json:"sent_at,omitzero"`
	FailedAt    time.Time         `json:"failed_at,omitzero"`
	CancelledAt time.Time         `json:"cancelled_at,omitzero"`
	LastError   string            `json:"last_error,omitempty"`
}

func viewMail(ms []*referral.Mail) []mailView {
	out := make([]mailView, len(ms))
	for i, m := range ms {
		out[i] = mailView{Kind: m.Kind, To: m.To, QueuedAt: m.CreatedAt, Attempts: m.Attempts, SentAt: m.SentAt,
			FailedAt: m.FailedAt, CancelledAt: m.CancelledAt, LastError: m.LastError}
	}
	return out
}

func (s *API) viewReferral(r *referral.Referral, evs []referral.Event) referralView {
	return referralView{Referral: r, AllowedNext: referral.AllowedNextFor(referral.ActorUser, r.Status),
		Overdue: r.Overdue(s.today()), Timeline: evs}
}

// consentBody is the consent part of a new referral.
type consentBody struct {
	Method string `json:"method"`
	// Signature is how written consent was signed: paper (on file) or
	// electronic (on the device, with SignatureImage).
	Signature string `json:"signature,omitempty"`
	// SignatureImage is the electronic signature as a PNG image, in
	// base64 or as a data: URL.
	SignatureImage string `json:"signature_image,omitempty"`
	// Scope is this-referral (the default) or share-with-service.
	Scope string `json:"scope,omitempty"`
	// GivenAt defaults to now.
	GivenAt     instantValue `json:"given_at,omitzero"`
	Contact     bool         `json:"contact,omitempty"`
	Part2Notice bool         `json:"part2_notice,omitempty"`
}

// contactBody is how the peer asked to be reached.
type contactBody struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// newReferralBody is POST /api/v1/referrals's body.
type newReferralBody struct {
	PeerRef    string       `json:"peer_ref"`
	ServiceID  string       `json:"service_id"`
	LocationID string       `json:"location_id,omitempty"`
	Need       string       `json:"need"`
	Notes      string       `json:"notes,omitempty"`
	FollowUp   date         `json:"follow_up,omitzero"`
	Contact    *contactBody `json:"contact,omitempty"`
	Consent    *consentBody `json:"consent"`
	// AgencyEmail is where to email the receiving agency the link,
	// instead of the intake email of the service's listing.
	AgencyEmail string `json:"agency_email,omitempty"`
}

// createReferral answers POST /api/v1/referrals: 201 with the referral.
// The agency's email, when one goes out, is in the request's language
// (lang or Accept-Language).
func (s *API) createReferral(c echo.Context) error {
	p, err := newParams(c, "lang")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	if s.catalog() == nil {
		return apperr.New(apperr.Unavailable, "the directory is not loaded yet")
	}
	var b newReferralBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Consent == nil {
		return apperr.Field("consent", "consent is required: at least {\"method\": \"verbal\"} or \"written\"")
	}
	d := referral.Draft{
		PeerRef: b.PeerRef, Need: b.Need, ServiceKey: b.ServiceID, LocationID: b.LocationID, Notes: b.Notes,
		FollowUp: b.FollowUp.Time, AgencyEmail: b.AgencyEmail, Lang: lang,
		Consent: referral.Consent{
			Method: referral.ConsentMethod(b.Consent.Method), Scope: referral.ConsentScope(b.Consent.Scope),
			GivenAt: b.Consent.GivenAt.Time, Contact: b.Consent.Contact, Part2Notice: b.Consent.Part2Notice,
		},
	}
	if b.Contact != nil {
		d.Contact = &referral.Contact{Phone: b.Contact.Phone, Email: b.Contact.Email}
	}
	d.Consent.Signature = referral.SignatureKind(b.Consent.Signature)
	if b.Consent.SignatureImage != "" {
		img, err := decodeImage(b.Consent.SignatureImage)
		if err != nil {
			return apperr.Field("consent.signature_image", "consent.signature_image must be a PNG image in base64, or a data:image/png;base64 URL")
		}
		d.Consent.SignatureImage = img
	}
	r, err := refs.Create(c.Request().Context(), referralViewer(c), d)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/referrals/"+r.ID)
	return c.JSON(http.StatusCreated, s.viewReferral(r, nil))
}

// referralPage is GET /api/v1/referrals's answer.
type referralPage struct {
	Total     int            `json:"total"`
	Page      int            `json:"page"`
	PerPage   int            `json:"per_page"`
	Referrals []referralView `json:"referrals"`
}

// listReferrals answers GET /api/v1/referrals: the caller's referrals
// (and their team's, unless scope=mine), newest first or by follow-up
// date (sort), filtered by status, need, receiving organization (agency),
// follow-up date, pseudonym and unread agency answers (unread).
func (s *API) listReferrals(c echo.Context) error {
	p, err := newParams(c, "status", "need", "scope", "due_before", "peer_ref", "agency", "unread", "sort", "page", "per_page")
	if err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	var f referral.Filter
	for _, st := range p.list("status") {
		status, err := referral.ParseStatus(st)
		if err != nil {
			p.fail("status", "status must be among %s, not %q", joinStatus(referral.Statuses), st)
			continue
		}
		f.Status = append(f.Status, status)
	}
	f.Need = p.str("need")
	if f.Need != "" {
		if cat := s.catalog(); cat != nil && cat.Taxonomy != nil && cat.Taxonomy.Category(f.Need) == nil {
			p.fail("need", "unknown category %q; GET /api/v1/taxonomy lists them", f.Need)
		}
	}
	if ref := p.str("peer_ref"); ref != "" {
		f.PeerRef = ref
		if referral.IsPseudonym(ref) {
			f.PeerRef = strings.ToUpper(ref)
		}
	}
	if org := p.str("agency"); org != "" {
		f.Organization = org
		if cat := s.catalog(); cat != nil && cat.Organization(org) == nil {
			p.fail("agency", "unknown organization %q; give the organization id of a service, the part of service_id before the dot", org)
		}
	}
	f.Unread = p.boolean("unread")
	if p.oneOf("sort", "newest", "follow_up") == "follow_up" {
		f.Order = referral.OrderFollowUp
	}
	v := referralViewer(c)
	if p.oneOf("scope", "mine", "team") == "mine" {
		v.TeamID = ""
	}
	if due := p.str("due_before"); due != "" {
		t, err := parseDate(due)
		if err != nil {
			p.fail("due_before", "due_before %s", err.Error())
		}
		f.DueBefore = t
	}
	page := p.intIn("page", 1, 100000, 1)
	f.Limit = p.intIn("per_page", 1, referral.MaxPageSize, referral.DefaultPageSize)
	f.Offset = (page - 1) * f.Limit
	if err := p.check(); err != nil {
		return err
	}
	rs, total, err := refs.List(c.Request().Context(), v, f)
	if err != nil {
		return err
	}
	out := referralPage{Total: total, Page: page, PerPage: f.Limit, Referrals: make([]referralView, len(rs))}
	for i, r := range rs {
		out.Referrals[i] = s.viewReferral(r, nil)
	}
	return c.JSON(http.StatusOK, out)
}

func joinStatus(ss []referral.Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}

// getReferral answers GET /api/v1/referrals/{id}: the referral with its
// timeline, or 404 when there is none the caller may see.
func (s *API) getReferral(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	r, evs, err := refs.Get(c.Request().Context(), referralViewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	// Get checked that the caller may see it, and audited the read.
	ms, err := refs.Store.Mail(c.Request().Context(), r.ID)
	if err != nil {
		return err
	}
	v := s.viewReferral(r, evs)
	v.Emails = viewMail(ms)
	return c.JSON(http.StatusOK, v)
}

// decodeImage reads an image sent as base64 or as a data:image/png;base64
// URL. It returns an error when it is neither.
func decodeImage(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		mt, data, ok := strings.Cut(rest, ",")
		if !ok || mt != "image/png;base64" {
			return nil, errors.New("not a base64 PNG data URL")
		}
		s = data
	}
	return base64.StdEncoding.DecodeString(s)
}

// eventBody is POST /api/v1/referrals/{id}/events's body.
type eventBody struct {
	// Kind is empty for a move or an update, or consent_withdrawn to
	// record that the peer withdrew consent (with an optional note).
	Kind string `json:"kind,omitempty"`
	// Status is the status to move to; empty to add a note or set the
	// follow-up date only.
	Status string `json:"status,omitempty"`
	Note   string `json:"note,omitempty"`
	// FollowUp sets a new follow-up date.
	FollowUp date `json:"follow_up,omitzero"`
	// ExpectedStatus, when given, is the status the caller last saw: the
	// move fails with 409 if the referral has moved on since.
	ExpectedStatus string `json:"expected_status,omitempty"`
}

// change reads the body into a referral change; an Invalid error names
// the bad field.
func (b eventBody) change() (referral.Change, error) {
	ch := referral.Change{Note: b.Note, FollowUp: b.FollowUp.Time}
	if b.Status != "" {
		st, err := referral.ParseStatus(b.Status)
		if err != nil {
			return ch, err
		}
		ch.To = st
	}
	if b.ExpectedStatus != "" {
		st, err := referral.ParseStatus(b.ExpectedStatus)
		if err != nil {
			return ch, apperr.Field("expected_status", "expected_status must be one of %s", joinStatus(referral.Statuses))
		}
		ch.Expected = st
	}
	return ch, nil
}

// moveAnswer is the answer to a status move or update: the event recorded
// and the referral as it now stands.
type moveAnswer struct {
	Event    referral.Event `json:"event"`
	Referral any            `json:"referral"`
}

// moveReferral answers POST /api/v1/referrals/{id}/events: 201 with the
// event, 409 with the allowed next states for a move the machine refuses.
func (s *API) moveReferral(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	var b eventBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	var r *referral.Referral
	var ev referral.Event
	switch referral.EventKind(b.Kind) {
	case referral.EventMove:
		ch, err := b.change()
		if err != nil {
			return err
		}
		r, ev, err = refs.Move(c.Request().Context(), referralViewer(c), c.Param("id"), ch)
		if err != nil {
			return err
		}
	case referral.EventConsentWithdrawn:
		if b.Status != "" || !b.FollowUp.IsZero() || b.ExpectedStatus != "" {
			return apperr.Field("kind", "a consent withdrawal takes a note only: Trellis cancels an open referral itself")
		}
		r, ev, err = refs.WithdrawConsent(c.Request().Context(), referralViewer(c), c.Param("id"), b.Note)
		if err != nil {
			return err
		}
	default:
		return apperr.Field("kind", "kind must be empty (a move or an update) or %s", referral.EventConsentWithdrawn)
	}
	return c.JSON(http.StatusCreated, moveAnswer{Event: ev, Referral: s.viewReferral(r, nil)})
}

// linkAnswer is POST /api/v1/referrals/{id}/agency-link's answer. The
// token is shown this once; only its hash is kept.
type linkAnswer struct {
	URL       string    `json:"url"`
	Token     string    `json:"token"`
	LinkID    string    `json:"link_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createAgencyLink answers POST /api/v1/referrals/{id}/agency-link: 201
// with the link for the receiving agency.
func (s *API) createAgencyLink(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	var b struct{}
	if err := decodeOptionalJSON(c, &b); err != nil {
		return err
	}
	token, l, err := refs.CreateAgencyLink(c.Request().Context(), referralViewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, linkAnswer{URL: s.srv.BaseURL(c) + s.agencyPath + token, Token: token, LinkID: l.ID, ExpiresAt: l.ExpiresAt})
}

// linkView is an agency link as listed: never its token, which is not
// kept.
type linkView struct {
	ID        string           `json:"id"`
	CreatedAt time.Time        `json:"created_at"`
	ExpiresAt time.Time        `json:"expires_at"`
	RevokedAt time.Time        `json:"revoked_at,omitzero"`
	Revoked   referral.LinkEnd `json:"revoked_reason,omitempty"`
	// Works is true while the agency can open the link.
	Works bool `json:"works"`
}

// listAgencyLinks answers GET /api/v1/referrals/{id}/agency-links: the
// referral's links, newest first, and whether each still works.
func (s *API) listAgencyLinks(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	ls, err := refs.AgencyLinks(ctx, referralViewer(c), c.Param("id"))
	if err != nil {
		return err
	}
	r, err := refs.Store.Referral(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]linkView, len(ls))
	for i, l := range ls {
		out[i] = linkView{ID: l.ID, CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, RevokedAt: l.RevokedAt, Revoked: l.RevokedReason,
			Works: l.Gone(r) == nil && !l.Expired(s.now())}
	}
	return c.JSON(http.StatusOK, map[string]any{"links": out})
}

// revokeAgencyLink answers DELETE /api/v1/referrals/{id}/agency-links/{link}:
// 204, after which the link answers 410; 404 for a link the referral does
// not have.
func (s *API) revokeAgencyLink(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	if err := refs.RevokeAgencyLink(c.Request().Context(), referralViewer(c), c.Param("id"), c.Param("link")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// followUpsAnswer is GET /api/v1/followups's answer.
type followUpsAnswer struct {
	AsOf      string         `json:"as_of"`
	FollowUps []referralView `json:"followups"`
}

// followUps answers GET /api/v1/followups: the caller's open referrals
// whose follow-up date is today (in the directory's time zone, or as_of)
// or earlier, the most overdue first.
func (s *API) followUps(c echo.Context) error {
	p, err := newParams(c, "as_of")
	if err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	asOf := s.today()
	if v := p.str("as_of"); v != "" {
		t, err := parseDate(v)
		if err != nil {
			return apperr.Field("as_of", "as_of %s", err.Error())
		}
		asOf = t
	}
	if err := p.check(); err != nil {
		return err
	}
	rs, err := refs.FollowUps(c.Request().Context(), referralViewer(c), asOf)
	if err != nil {
		return err
	}
	out := followUpsAnswer{AsOf: asOf.Format(time.DateOnly), FollowUps: make([]referralView, len(rs))}
	for i, r := range rs {
		v := s.viewReferral(r, nil)
		v.Overdue = r.Overdue(asOf)
		out.FollowUps[i] = v
	}
	return c.JSON(http.StatusOK, out)
}
