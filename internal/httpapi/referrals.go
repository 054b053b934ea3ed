package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/referral"
)

func (s *Server) referralRoutes(v1 *echo.Group) {
	refer := s.RequireUser(auth.PermRefer)
	v1.POST("/referrals", s.createReferral, refer)
	v1.GET("/referrals", s.listReferrals, refer)
	v1.GET("/referrals/:id", s.getReferral, refer)
	v1.POST("/referrals/:id/events", s.moveReferral, refer)
	v1.POST("/referrals/:id/agency-link", s.createAgencyLink, refer)
	v1.GET("/followups", s.followUps, refer)
	v1.GET("/reports/referrals", s.referralReport, s.RequireUser(auth.PermStats))
}

// catalog returns the directory in force, or nil before the first load.
func (s *Server) catalog() *directory.Catalog {
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
func (s *Server) referrals() (*referral.Service, error) {
	if s.refs == nil {
		return nil, apperr.New(apperr.Unavailable, "referrals are not configured on this server")
	}
	return s.refs, nil
}

// referralViewer is the signed-in specialist as the referral service sees them.
func referralViewer(c echo.Context) referral.Viewer {
	u := CurrentUser(c)
	return referral.Viewer{UserID: u.ID, TeamID: u.TeamID}
}

// today returns the calendar day of now in the directory's time zone.
func (s *Server) today() time.Time {
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
}

func (s *Server) viewReferral(r *referral.Referral, evs []referral.Event) referralView {
	return referralView{Referral: r, AllowedNext: referral.AllowedNextFor(referral.ActorUser, r.Status),
		Overdue: r.Overdue(s.today()), Timeline: evs}
}

// consentBody is the consent part of a new referral.
type consentBody struct {
	Method string `json:"method"`
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
}

// createReferral answers POST /api/v1/referrals: 201 with the referral.
func (s *Server) createReferral(c echo.Context) error {
	if _, err := newParams(c); err != nil {
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
		FollowUp: b.FollowUp.Time,
		Consent: referral.Consent{
			Method: referral.ConsentMethod(b.Consent.Method), Scope: referral.ConsentScope(b.Consent.Scope),
			GivenAt: b.Consent.GivenAt.Time, Contact: b.Consent.Contact, Part2Notice: b.Consent.Part2Notice,
		},
	}
	if b.Contact != nil {
		d.Contact = &referral.Contact{Phone: b.Contact.Phone, Email: b.Contact.Email}
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
// (and their team's, unless scope=mine), newest first, filtered by status,
// need and follow-up date.
func (s *Server) listReferrals(c echo.Context) error {
	p, err := newParams(c, "status", "need", "scope", "due_before", "page", "per_page")
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
func (s *Server) getReferral(c echo.Context) error {
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
	return c.JSON(http.StatusOK, s.viewReferral(r, evs))
}

// eventBody is POST /api/v1/referrals/{id}/events's body.
type eventBody struct {
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
func (s *Server) moveReferral(c echo.Context) error {
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
	ch, err := b.change()
	if err != nil {
		return err
	}
	r, ev, err := refs.Move(c.Request().Context(), referralViewer(c), c.Param("id"), ch)
	if err != nil {
		return err
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
func (s *Server) createAgencyLink(c echo.Context) error {
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
	base := s.baseURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return c.JSON(http.StatusCreated, linkAnswer{URL: base + s.agencyPath + token, Token: token, LinkID: l.ID, ExpiresAt: l.ExpiresAt})
}

// followUpsAnswer is GET /api/v1/followups's answer.
type followUpsAnswer struct {
	AsOf      string         `json:"as_of"`
	FollowUps []referralView `json:"followups"`
}

// followUps answers GET /api/v1/followups: the caller's open referrals
// whose follow-up date is today (in the directory's time zone, or as_of)
// or earlier, the most overdue first.
func (s *Server) followUps(c echo.Context) error {
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

// reportAnswer is GET /api/v1/reports/referrals's answer: counts only,
// nothing about any one peer or referral.
type reportAnswer struct {
	Since    string         `json:"since,omitempty"`
	Until    string         `json:"until,omitempty"`
	Total    int            `json:"total"`
	ByStatus map[string]int `json:"by_status"`
	ByNeed   map[string]int `json:"by_need"`
	// Rows count referrals by service, need and status.
	Rows []referral.Stat `json:"rows"`
}

// referralReport answers GET /api/v1/reports/referrals: referral counts
// for coordinators and admins, created in [since, until).
func (s *Server) referralReport(c echo.Context) error {
	p, err := newParams(c, "since", "until")
	if err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	var f referral.StatsFilter
	for _, name := range []string{"since", "until"} {
		t, err := parseDate(p.str(name))
		if err != nil {
			p.fail(name, "%s %s", name, err.Error())
		}
		if name == "since" {
			f.Since = t
		} else {
			f.Until = t
		}
	}
	if err := p.check(); err != nil {
		return err
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return apperr.Field("until", "until must be after since")
	}
	rows, err := refs.Store.Stats(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := reportAnswer{ByStatus: map[string]int{}, ByNeed: map[string]int{}, Rows: rows}
	if !f.Since.IsZero() {
		out.Since = f.Since.Format(time.DateOnly)
	}
	if !f.Until.IsZero() {
		out.Until = f.Until.Format(time.DateOnly)
	}
	for _, st := range referral.Statuses {
		out.ByStatus[string(st)] = 0
	}
	for _, r := range rows {
		out.Total += r.Count
		out.ByStatus[string(r.Status)] += r.Count
		out.ByNeed[r.Need] += r.Count
	}
	return c.JSON(http.StatusOK, out)
}
