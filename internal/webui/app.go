package webui

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/httpapi"
	"trellis/internal/listings"
	"trellis/internal/match"
	"trellis/internal/present"
	"trellis/internal/referral"
)

// The specialist workspace (/app) and the coordinators' data page
// (/admin). Sign-in, sessions and CSRF come from httpapi's middleware; a
// page refused for want of a session sends the visitor to the sign-in page.
// Profiles described on the match page are used for that answer only:
// the form is posted (never in a URL) and nothing of it is kept.

// appRoutes registers the workspace. It needs the referral store; without
// one the workspace answers 503 like the referral API.
func (u *UI) appRoutes(api *httpapi.Server) {
	e := api.Echo()
	limiter := middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(1), Burst: 20, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return apperr.New(apperr.RateLimited, "too many sign-in attempts; wait a minute")
		},
	})
	g := e.Group("", pageHeaders, sameOrigin)
	g.GET("/app/sign-in", u.signInPage, api.Identify())
	g.POST("/app/sign-in", u.signIn(api), limiter)
	g.POST("/app/sign-out", u.signOut(api), api.RequireUser())
	refer := func(next echo.HandlerFunc) echo.HandlerFunc {
		return api.RequireUser(auth.PermRefer)(func(c echo.Context) error {
			if u.refs == nil {
				return apperr.New(apperr.Unavailable, "referrals are not configured on this server")
			}
			return next(c)
		})
	}
	g.GET("/app", u.matchPage, refer)
	g.POST("/app", u.matchPage, refer)
	g.POST("/app/refer", u.referPage, refer)
	g.POST("/app/referrals", u.createReferral, refer)
	g.GET("/app/referrals", u.referralsPage, refer)
	g.GET("/app/referrals/:id", u.referralPage, refer)
	g.POST("/app/referrals/:id/events", u.moveReferral, refer)
	g.POST("/app/referrals/:id/link", u.agencyLink, refer)
	g.GET("/admin", u.adminPage, api.RequireUser(auth.PermDirectory))
	a := e.Group("", pageHeaders)
	a.GET("/agency/:token", u.agencyPage)
	a.POST("/agency/:token", u.agencyPage)
}

// sameOrigin lets workspace pages send their origin with the forms they
// post, which the session's CSRF defence checks; "no-referrer", the rule
// elsewhere, makes browsers send "Origin: null". Other sites still get no
// referrer.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

// isWorkspace reports whether a path belongs to the signed-in pages.
func isWorkspace(path string) bool {
	return path == "/app" || strings.HasPrefix(path, "/app/") || path == "/admin" || strings.HasPrefix(path, "/admin/")
}

// appPage returns the page frame for a workspace request.
func (u *UI) appPage(c echo.Context, title string) (*page, *request, error) {
	if u.opt.Snapshots == nil || u.opt.Snapshots.Current() == nil {
		return nil, nil, apperr.New(apperr.Unavailable, "the directory is not loaded yet")
	}
	if err := c.Request().ParseForm(); err != nil {
		return nil, nil, apperr.New(apperr.Invalid, "the form could not be read")
	}
	snap := u.opt.Snapshots.Current()
	explicit := pick(c.Request().Form, "lang", "setlang")
	lang := i18nMatch(explicit, c.Request().Header.Get("Accept-Language"))
	r := &request{c: c, snap: snap, now: u.opt.Now(), lang: lang, form: form{Lang: lang, Page: 1}}
	p := u.newPage(r, lang, c.Request().URL.Path)
	p.Kiosk, p.Method, p.Reset = false, "get", false
	p.Form = form{Lang: lang}
	p.App = true
	if usr := httpapi.CurrentUser(c); usr != nil {
		p.User, p.Role = usr.Email, string(usr.Role)
		p.CanRefer, p.CanAdmin = usr.Role.Can(auth.PermRefer), usr.Role.Can(auth.PermDirectory)
	}
	p.CSRF = httpapi.CSRFToken(c)
	p.Title = p.T(title)
	return p, r, nil
}

type signInBody struct {
	Email, Error string
}

// signInPage shows the sign-in form, or sends a signed-in user on.
func (u *UI) signInPage(c echo.Context) error {
	if usr := httpapi.CurrentUser(c); usr != nil {
		return c.Redirect(http.StatusSeeOther, homeOf(usr))
	}
	p, _, err := u.appPage(c, "app.signin.title")
	if err != nil {
		return err
	}
	p.Body = signInBody{}
	return u.render(c, http.StatusOK, "signin", p)
}

func homeOf(usr *auth.User) string {
	if usr.Role.Can(auth.PermRefer) {
		return "/app"
	}
	return "/admin"
}

// signIn checks the form's email and password and starts a session.
func (u *UI) signIn(api *httpapi.Server) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, _, err := u.appPage(c, "app.signin.title")
		if err != nil {
			return err
		}
		email := strings.TrimSpace(c.FormValue("email"))
		usr, _, err := api.SignIn(c, email, c.FormValue("password"))
		if apperr.CodeOf(err) == apperr.Unauthenticated {
			p.Body = signInBody{Email: email, Error: p.T("app.signin.wrong")}
			return u.render(c, http.StatusUnauthorized, "signin", p)
		}
		if err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, homeOf(usr))
	}
}

// signOut ends the session.
func (u *UI) signOut(api *httpapi.Server) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := api.SignOut(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/app/sign-in")
	}
}

// profileForm is the match form as the specialist filled it.
type profileForm struct {
	Needs         []string
	Near          string
	Travel        string
	Age           string
	Gender        string
	Veteran       string
	Insurance     []string
	Language      string
	Circumstances []string
	OpenNow       bool
	FreeOnly      bool
	WalkIn        bool
	Wheelchair    bool
	Screening     map[string][]string
}

// needFields is how many need boxes the form offers.
const needFields = 3

func readProfileForm(v url.Values) profileForm {
	f := profileForm{Near: strings.TrimSpace(v.Get("near")), Travel: v.Get("travel"), Age: strings.TrimSpace(v.Get("age")),
		Gender: v.Get("gender"), Veteran: v.Get("veteran"), Insurance: v["insurance"], Language: v.Get("language"),
		Circumstances: v["circumstance"], OpenNow: truthy(v.Get("open_now")), FreeOnly: truthy(v.Get("free_only")),
		WalkIn: truthy(v.Get("walk_in")), Wheelchair: truthy(v.Get("wheelchair")), Screening: map[string][]string{}}
	for i := 1; i <= needFields; i++ {
		f.Needs = append(f.Needs, limit(strings.TrimSpace(v.Get("need"+strconv.Itoa(i))), match.MaxNeedLen))
	}
	for k, vs := range v {
		if id, ok := strings.CutPrefix(k, "sq."); ok {
			for _, x := range vs {
				if x != "" {
					f.Screening[id] = append(f.Screening[id], x)
				}
			}
		}
	}
	return f
}

// profile turns the form into a match profile. It returns an error message
// for the specialist, naming the field, when the form cannot be used.
func (f profileForm) profile(r *request) (match.Profile, []match.ScreenedNeed, string, string) {
	p := match.Profile{Now: r.now, Lang: r.lang, Unit: "mi"}
	for _, n := range f.Needs {
		if n != "" {
			p.Needs = append(p.Needs, match.Need{Text: n})
		}
	}
	screened, err := match.Screen(f.Screening)
	if err != nil {
		return p, nil, "screening", err.Error()
	}
	for _, sn := range screened {
		p.Needs = append(p.Needs, match.Need{Categories: []string{sn.Category}})
	}
	if len(p.Needs) == 0 {
		return p, nil, "need1", i18nT(r.lang, "app.match.no_need")
	}
	if f.Near != "" {
		pl, err := r.snap.Places.ParsePlace(f.Near)
		if err != nil {
			return p, nil, "near", i18nT(r.lang, "place.bad", "place", f.Near)
		}
		p.Place = &pl
	}
	if contains(radiusChoices, f.Travel) {
		p.TravelMeters, _ = geo.ParseDistance(f.Travel)
	}
	person := &match.Person{Insurance: f.Insurance, Circumstances: f.Circumstances}
	if f.Age != "" {
		n, err := strconv.Atoi(f.Age)
		if err != nil || n < 0 || n > 130 {
			return p, nil, "age", i18nT(r.lang, "app.match.bad_age")
		}
		person.Age = &n
	}
	if contains(directory.Genders, f.Gender) {
		person.Gender = f.Gender
	}
	switch f.Veteran {
	case "yes", "no":
		b := f.Veteran == "yes"
		person.Veteran = &b
	}
	if validLanguageTag(f.Language) {
		person.Languages = []string{f.Language}
	}
	p.Person = person
	p.Constraints = match.Constraints{OpenNow: f.OpenNow, FreeOnly: f.FreeOnly, WalkIn: f.WalkIn, Wheelchair: f.Wheelchair}
	return p, screened, "", ""
}

// matchBody is the match page: the form and, once posted, the answer.
type matchBody struct {
	Form          profileForm
	Error         string
	ErrorField    string
	Radii         []option
	Genders       []option
	Insurance     []option
	Languages     []option
	Circumstances []option
	Questions     []question
	Posted        bool
	Screened      []string
	Needs         []needAnswer
}

type question struct {
	ID, Text string
	Multiple bool
	Options  []option
}

// needAnswer is one need's ranked services and those left out.
type needAnswer struct {
	Label      string
	ReadAs     string
	Need       string // the category a referral from here is for
	Reach      string
	Notes      []string
	Results    []rankedCard
	Excluded   []rankedCard
	ExcludedN  int
	Considered int
}

type rankedCard struct {
	card
	Location string
	Reasons  []string
}

// matchPage shows the needs profile and screening form and, when posted,
// the matcher's answer for each need.
func (u *UI) matchPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.match.title")
	if err != nil {
		return err
	}
	posted := c.Request().Method == http.MethodPost
	pf := readProfileForm(c.Request().PostForm)
	b := matchBody{Form: pf, Posted: posted}
	u.matchChoices(&b, r, p)
	if posted {
		prof, screened, field, msg := pf.profile(r)
		if msg != "" {
			b.Error, b.ErrorField = msg, field
		} else {
			res, err := r.snap.Matcher.Match(c.Request().Context(), prof)
			if ae := apperr.As(err); ae != nil && ae.Code != apperr.Internal {
				b.Error = ae.Message
			} else if err != nil {
				return err
			} else {
				for _, sn := range screened {
					if cat := r.snap.Catalog.Taxonomy.Category(sn.Category); cat != nil {
						b.Screened = append(b.Screened, cat.Label.In(r.lang))
					}
				}
				b.Needs = u.needAnswers(r, prof, res)
			}
		}
	}
	p.Body = b
	status := http.StatusOK
	if b.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	return u.render(c, status, "match", p)
}

// matchChoices fills the form's choices.
func (u *UI) matchChoices(b *matchBody, r *request, p *page) {
	f := b.Form
	b.Radii = append(b.Radii, option{Value: "", Label: p.T("app.match.any_travel")})
	for _, rc := range radiusChoices {
		b.Radii = append(b.Radii, option{Value: rc, Label: p.T("filter.within", "distance", strings.TrimSuffix(rc, "mi")+" mi"), Selected: rc == f.Travel})
	}
	b.Genders = append(b.Genders, option{Value: "", Label: p.T("app.match.not_said")})
	for _, g := range directory.Genders {
		b.Genders = append(b.Genders, option{Value: g, Label: p.T("app.gender." + g), Selected: g == f.Gender})
	}
	for _, ins := range directory.InsurancePlans {
		b.Insurance = append(b.Insurance, option{Value: ins, Label: capitalize(p.T("insurance." + ins)), Selected: contains(f.Insurance, ins)})
	}
	b.Languages = append(b.Languages, option{Value: "", Label: p.T("app.match.not_said")})
	langs := catalogLanguages(r.snap.Catalog)
	for _, l := range []string{"es", "en"} {
		if !contains(langs, l) {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	for _, l := range langs {
		b.Languages = append(b.Languages, option{Value: l, Label: languageName(l, r.lang), Selected: l == f.Language})
	}
	for _, pop := range directory.Populations {
		b.Circumstances = append(b.Circumstances, option{Value: pop, Label: capitalize(p.T("population." + pop)), Selected: contains(f.Circumstances, pop)})
	}
	for _, q := range match.Questions() {
		qq := question{ID: q.ID, Text: q.Text.In(r.lang), Multiple: q.Multiple}
		for _, o := range q.Options {
			qq.Options = append(qq.Options, option{Value: o.ID, Label: o.Text.In(r.lang), Selected: contains(f.Screening[q.ID], o.ID)})
		}
		b.Questions = append(b.Questions, qq)
	}
}

// needAnswers renders the matcher's answer through the same views as the
// API's POST /api/v1/match.
func (u *UI) needAnswers(r *request, prof match.Profile, res *match.Result) []needAnswer {
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: prof.Now, Unit: prof.Unit}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	var out []needAnswer
	for _, nr := range res.Needs {
		na := needAnswer{Label: nr.Need.Label(), ExcludedN: nr.ExcludedTotal, Considered: nr.Considered}
		if len(nr.Need.Categories) > 0 && nr.Need.Text == "" {
			na.Label = strings.Join(labels(v.Categories(nr.Need.Categories)), ", ")
		}
		na.ReadAs = strings.Join(labels(v.Categories(nr.ReadAs.Categories)), ", ")
		if len(nr.ReadAs.Categories) > 0 {
			na.Need = nr.ReadAs.Categories[0]
		}
		for from, to := range nr.ReadAs.Corrections {
			na.Notes = append(na.Notes, i18nT(r.lang, "app.match.corrected", "from", from, "to", to))
		}
		sort.Strings(na.Notes)
		if nr.ReachMeters > 0 && !isInf(nr.ReachMeters) {
			key := "app.match.reach"
			if nr.ReachWidened {
				key = "app.match.reach_widened"
			}
			na.Reach = i18nT(r.lang, key, "distance", geo.FormatDistance(nr.ReachMeters, prof.Unit))
		}
		for _, x := range nr.Results {
			na.Results = append(na.Results, rankedOf(w, v.Hit(x.Service, x.Location, x.Distance, x.Open), x.Service, x.Location, x.Reasons))
		}
		for _, x := range nr.Excluded {
			na.Excluded = append(na.Excluded, rankedOf(w, v.Hit(x.Service, x.Location, x.Distance, x.Open), x.Service, x.Location, x.Reasons))
		}
		out = append(out, na)
	}
	return out
}

func isInf(f float64) bool { return f > 1e300 }

func labels(cs []present.CategoryView) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label
	}
	return out
}

func rankedOf(w words, h present.HitView, s *directory.Service, l *directory.Location, reasons []match.Reason) rankedCard {
	rc := rankedCard{card: w.card(h, s, false)}
	if l != nil {
		rc.Location = l.ID
	}
	for _, r := range reasons {
		rc.Reasons = append(rc.Reasons, r.Text)
	}
	return rc
}

// referBody is the referral form with its consent step.
type referBody struct {
	Service    serviceBody
	Location   string
	Need       string
	Needs      []option
	PeerRef    string
	Notes      string
	FollowUp   string
	Method     string
	Scope      string
	Contact    bool
	Phone      string
	Email      string
	Part2      bool
	Part2Given bool
	Error      string
}

// referPage shows the referral form for a service picked on the match page.
func (u *UI) referPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.refer.title")
	if err != nil {
		return err
	}
	b, err := u.referForm(r, p)
	if err != nil {
		return err
	}
	p.Body = b
	return u.render(c, http.StatusOK, "refer", p)
}

func (u *UI) referForm(r *request, p *page) (referBody, error) {
	f := r.c.Request().PostForm
	svc := r.snap.Catalog.Service(f.Get("service"))
	if svc == nil {
		return referBody{}, apperr.New(apperr.NotFound, "no service with that id")
	}
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	b := referBody{Service: detailBody(v, w, svc, false), Location: f.Get("location"), Need: f.Get("need"),
		PeerRef: strings.TrimSpace(f.Get("peer_ref")), Notes: f.Get("notes"), FollowUp: f.Get("follow_up"),
		Method: f.Get("consent_method"), Scope: f.Get("consent_scope"), Contact: truthy(f.Get("contact")),
		Phone: strings.TrimSpace(f.Get("phone")), Email: strings.TrimSpace(f.Get("email")), Part2Given: truthy(f.Get("part2"))}
	if b.Need == "" && len(svc.Categories) > 0 {
		b.Need = svc.Categories[0]
	}
	if b.Scope == "" {
		b.Scope = string(referral.ScopeThisReferral)
	}
	if b.FollowUp == "" {
		b.FollowUp = r.now.In(r.snap.Catalog.Info.TimeZone).AddDate(0, 0, 7).Format(time.DateOnly)
	}
	for _, cat := range r.snap.Catalog.Taxonomy.All() {
		label := cat.Label.In(r.lang)
		if cat.Parent != nil {
			label = cat.Parent.Label.In(r.lang) + " › " + label
		}
		b.Needs = append(b.Needs, option{Value: cat.ID, Label: label, Selected: cat.ID == b.Need})
	}
	b.Part2 = referral.RequiresPart2(b.Need, svc.Categories)
	for _, c := range svc.Categories {
		if directory.RootOf(c) == referral.SubstanceUseCategory {
			b.Part2 = true
		}
	}
	return b, nil
}

// createReferral records the referral from the consent form.
func (u *UI) createReferral(c echo.Context) error {
	p, r, err := u.appPage(c, "app.refer.title")
	if err != nil {
		return err
	}
	b, err := u.referForm(r, p)
	if err != nil {
		return err
	}
	d := referral.Draft{PeerRef: b.PeerRef, Need: b.Need, ServiceKey: b.Service.ID, LocationID: b.Location, Notes: b.Notes,
		Consent: referral.Consent{Method: referral.ConsentMethod(b.Method), Scope: referral.ConsentScope(b.Scope),
			Contact: b.Contact, Part2Notice: b.Part2Given}}
	if b.FollowUp != "" {
		t, err := time.Parse(time.DateOnly, b.FollowUp)
		if err != nil {
			return u.referError(c, p, b, p.T("app.refer.bad_date"))
		}
		d.FollowUp = t
	}
	if b.Contact && (b.Phone != "" || b.Email != "") {
		d.Contact = &referral.Contact{Phone: b.Phone, Email: b.Email}
	}
	usr := httpapi.CurrentUser(c)
	ref, err := u.refs.Create(c.Request().Context(), referral.Viewer{UserID: usr.ID, TeamID: usr.TeamID}, d)
	if ae := apperr.As(err); ae != nil && ae.Code != apperr.Internal {
		msg := ae.Message
		if ae.Field != "" {
			msg = ae.Field + ": " + msg
		}
		return u.referError(c, p, b, msg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/app/referrals/"+ref.ID)
}

func (u *UI) referError(c echo.Context, p *page, b referBody, msg string) error {
	b.Error = msg
	p.Body = b
	return u.render(c, http.StatusUnprocessableEntity, "refer", p)
}

// referralRow is a referral in a list.
type referralRow struct {
	ID, PeerRef, Service, Need, Status, FollowUp, Updated string
	Overdue                                               bool
}

type referralsBody struct {
	Due []referralRow
	All []referralRow
}

// referralsPage lists the specialist's follow-ups due and referrals.
func (u *UI) referralsPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.referrals.title")
	if err != nil {
		return err
	}
	usr := httpapi.CurrentUser(c)
	v := referral.Viewer{UserID: usr.ID, TeamID: usr.TeamID}
	ctx := c.Request().Context()
	due, err := u.refs.FollowUps(ctx, v, r.now)
	if err != nil {
		return err
	}
	all, _, err := u.refs.List(ctx, v, referral.Filter{Specialist: usr.ID, Team: usr.TeamID, Limit: 100})
	if err != nil {
		return err
	}
	var b referralsBody
	for _, x := range due {
		b.Due = append(b.Due, u.row(r, x))
	}
	for _, x := range all {
		b.All = append(b.All, u.row(r, x))
	}
	p.Body = b
	return u.render(c, http.StatusOK, "referrals", p)
}

func (u *UI) row(r *request, x *referral.Referral) referralRow {
	row := referralRow{ID: x.ID, PeerRef: x.PeerRef, Service: x.ServiceKey, Need: x.Need,
		Status: i18nT(r.lang, "app.status."+string(x.Status)), Updated: present.Date(x.UpdatedAt, r.lang), Overdue: x.Overdue(r.now)}
	if s := r.snap.Catalog.Service(x.ServiceKey); s != nil {
		row.Service = s.Name
	}
	if cat := r.snap.Catalog.Taxonomy.Category(x.Need); cat != nil {
		row.Need = cat.Label.In(r.lang)
	}
	if !x.FollowUp.IsZero() {
		row.FollowUp = present.Date(x.FollowUp, r.lang)
	}
	return row
}

// referralBody is one referral with its timeline.
type referralBody struct {
	referralRow
	Notes    string
	Consent  string
	Part2    bool
	Contact  string
	Events   []eventRow
	Next     []option
	Link     string
	LinkTill string
	Error    string
}

type eventRow struct {
	At, Who, Change, Note, FollowUp string
}

// referralPage shows a referral, its timeline, the moves allowed and the
// agency link.
func (u *UI) referralPage(c echo.Context) error {
	return u.showReferral(c, "", "", http.StatusOK)
}

func (u *UI) showReferral(c echo.Context, link, errMsg string, status int) error {
	p, r, err := u.appPage(c, "app.referral.title")
	if err != nil {
		return err
	}
	usr := httpapi.CurrentUser(c)
	ref, evs, err := u.refs.Get(c.Request().Context(), referral.Viewer{UserID: usr.ID, TeamID: usr.TeamID}, c.Param("id"))
	if err != nil {
		return err
	}
	b := referralBody{referralRow: u.row(r, ref), Notes: ref.Notes, Part2: ref.Consent.Part2Notice, Link: link, Error: errMsg,
		Consent: i18nT(r.lang, "app.consent."+string(ref.Consent.Method)) + " · " + i18nT(r.lang, "app.scope."+string(ref.Consent.Scope))}
	if ct := ref.Contact; ct != nil {
		b.Contact = strings.TrimSpace(ct.Phone + " " + ct.Email)
	}
	tz := r.snap.Catalog.Info.TimeZone
	for _, e := range evs {
		er := eventRow{At: present.Date(e.At, r.lang) + " " + present.Clock(e.At.In(tz), r.lang), Note: e.Note,
			Who: i18nT(r.lang, "app.actor."+string(e.Actor.Kind))}
		if e.From == "" {
			er.Change = i18nT(r.lang, "app.event.created", "to", i18nT(r.lang, "app.status."+string(e.To)))
		} else if e.From != e.To {
			er.Change = i18nT(r.lang, "app.event.moved", "from", i18nT(r.lang, "app.status."+string(e.From)), "to", i18nT(r.lang, "app.status."+string(e.To)))
		} else {
			er.Change = i18nT(r.lang, "app.event.updated")
		}
		if !e.FollowUp.IsZero() {
			er.FollowUp = present.Date(e.FollowUp, r.lang)
		}
		b.Events = append(b.Events, er)
	}
	for _, s := range referral.AllowedNextFor(referral.ActorUser, ref.Status) {
		b.Next = append(b.Next, option{Value: string(s), Label: i18nT(r.lang, "app.status."+string(s))})
	}
	p.Title = p.T("app.referral.title") + " " + ref.PeerRef
	p.Body = b
	return u.render(c, status, "referral", p)
}

// moveReferral records a status move or a note from the timeline form.
func (u *UI) moveReferral(c echo.Context) error {
	usr := httpapi.CurrentUser(c)
	ch := referral.Change{To: referral.Status(c.FormValue("to")), Note: strings.TrimSpace(c.FormValue("note"))}
	if d := c.FormValue("follow_up"); d != "" {
		t, err := time.Parse(time.DateOnly, d)
		if err != nil {
			return u.showReferral(c, "", i18nT(i18nMatch(c.FormValue("lang"), c.Request().Header.Get("Accept-Language")), "app.refer.bad_date"), http.StatusUnprocessableEntity)
		}
		ch.FollowUp = t
	}
	_, _, err := u.refs.Move(c.Request().Context(), referral.Viewer{UserID: usr.ID, TeamID: usr.TeamID}, c.Param("id"), ch)
	if ae := apperr.As(err); ae != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict) {
		return u.showReferral(c, "", ae.Message, http.StatusConflict)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/app/referrals/"+c.Param("id"))
}

// agencyLink makes a link for the receiving agency and shows it once.
func (u *UI) agencyLink(c echo.Context) error {
	usr := httpapi.CurrentUser(c)
	token, _, err := u.refs.CreateAgencyLink(c.Request().Context(), referral.Viewer{UserID: usr.ID, TeamID: usr.TeamID}, c.Param("id"))
	if err != nil {
		return err
	}
	return u.showReferral(c, u.baseURL(c)+"/agency/"+token, "", http.StatusOK)
}

func (u *UI) baseURL(c echo.Context) string {
	if u.opt.BaseURL != "" {
		return u.opt.BaseURL
	}
	return c.Scheme() + "://" + c.Request().Host
}

// agencyBody is the page the receiving agency opens from its link.
type agencyBody struct {
	Service, Org, Need, PeerRef, Status, Created, Expires string
	Contact                                               string
	Next                                                  []option
	Done                                                  string
	Error                                                 string
}

// agencyPage lets the receiving agency see a referral and accept, decline
// or complete it without an account; the link's token is the key.
func (u *UI) agencyPage(c echo.Context) error {
	if u.refs == nil {
		return apperr.New(apperr.Unavailable, "referrals are not configured on this server")
	}
	p, r, err := u.appPage(c, "app.agency.title")
	if err != nil {
		return err
	}
	p.App = false
	p.Action = ""
	ctx := c.Request().Context()
	token := c.Param("token")
	var b agencyBody
	status := http.StatusOK
	if c.Request().Method == http.MethodPost {
		ch := referral.Change{To: referral.Status(c.FormValue("to")), Note: strings.TrimSpace(c.FormValue("note"))}
		_, _, err := u.refs.AgencyMove(ctx, token, ch)
		ae := apperr.As(err)
		switch {
		case err == nil:
			b.Done = p.T("app.agency.done", "status", p.T("app.status."+string(ch.To)))
		case ae != nil && (ae.Code == apperr.Invalid || ae.Code == apperr.Conflict):
			b.Error, status = ae.Message, http.StatusConflict
		default:
			return err
		}
	}
	av, err := u.refs.AgencyReferral(ctx, token)
	if err != nil {
		return err
	}
	b.PeerRef, b.Need, b.Service = av.PeerRef, av.Need, av.ServiceKey
	if s := r.snap.Catalog.Service(av.ServiceKey); s != nil {
		b.Service, b.Org = s.Name, s.Org.Name
	}
	if cat := r.snap.Catalog.Taxonomy.Category(av.Need); cat != nil {
		b.Need = cat.Label.In(r.lang)
	}
	b.Status = p.T("app.status." + string(av.Status))
	b.Created = present.Date(av.CreatedAt, r.lang)
	b.Expires = present.Date(av.LinkExpiresAt, r.lang)
	if ct := av.Contact; ct != nil {
		b.Contact = strings.TrimSpace(ct.Phone + " " + ct.Email)
	}
	for _, s := range av.Allowed {
		b.Next = append(b.Next, option{Value: string(s), Label: p.T("app.status." + string(s))})
	}
	p.Body = b
	return u.render(c, status, "agency", p)
}

// adminBody is the coordinators' data page.
type adminBody struct {
	Revision, LoadedAt, BuildTime, Attempted string
	Organizations, Services, Locations       int
	OK                                       bool
	Errors                                   []string
	Failure                                  string
	Failures                                 int
	StaleAfter                               string
	Stale                                    []staleRow
	StaleTotal                               int
	NeverVerified                            int
}

type staleRow struct {
	Service, Name, File, Verified string
}

// maxStaleRows bounds the stale listings shown.
const maxStaleRows = 100

// adminPage shows the snapshot being served, the last reload and the
// listings due for verification.
func (u *UI) adminPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.admin.title")
	if err != nil {
		return err
	}
	snap, st := r.snap, u.opt.Snapshots.Status()
	tz := snap.Catalog.Info.TimeZone
	when := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return present.Date(t, r.lang) + " " + present.Clock(t.In(tz), r.lang)
	}
	b := adminBody{Revision: snap.Revision, LoadedAt: when(snap.LoadedAt), BuildTime: snap.BuildTime.Round(time.Millisecond).String(),
		Attempted: when(st.Attempted), OK: st.OK, Errors: st.Errors, Failure: st.Failure, Failures: st.Failures,
		Organizations: len(snap.Catalog.Organizations), Services: snap.Catalog.ServiceCount()}
	for _, o := range snap.Catalog.Organizations {
		b.Locations += len(o.Locations)
	}
	rep := listings.Stale(snap.Catalog, r.now, 0)
	b.StaleAfter = fmt.Sprintf("%d", int(snap.Catalog.Info.StaleAfter.Hours()/24))
	b.StaleTotal = len(rep.Services)
	for _, s := range rep.Services {
		if s.Never() {
			b.NeverVerified++
		}
	}
	for i, s := range rep.Services {
		if i == maxStaleRows {
			break
		}
		row := staleRow{Service: s.Service.Key(), Name: s.Service.Name, File: s.Service.Org.File, Verified: p.T("card.never_verified")}
		if !s.Never() {
			row.Verified = present.Date(s.LastVerified, r.lang)
		}
		b.Stale = append(b.Stale, row)
	}
	p.Body = b
	return u.render(c, http.StatusOK, "admin", p)
}
