package webui

import (
	"errors"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/present"
	"trellis/internal/search"
)

// tile is a need on the start page.
type tile struct {
	ID, Label, Text string
	Icon            template.HTML
}

// option is a choice in a select.
type option struct {
	Value, Label string
	Selected     bool
}

// filters are the search form's fields and choices.
type filters struct {
	Categories []option
	Languages  []option
	Radii      []option
	NearError  string
	HereLabel  string
	// HasFree is whether the free filter can find anything: the directory
	// lists a free service, or the visitor has set it.
	HasFree bool
}

type startBody struct {
	Tiles []tile
	filters
}

// start renders the start page: the search box, the place and the needs.
func (u *UI) start(c echo.Context) error {
	r, ok, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if !ok {
		return startOver(c)
	}
	p := u.newPage(r, r.lang, "/")
	p.Title = p.T("start.title")
	// A kiosk start page that shows someone's choices (a language, the
	// contrast, a search or a list carried back) starts over when idle.
	p.Reset = c.Request().Method == http.MethodPost || r.form.hasSearch() || len(r.form.Picks) > 0 || r.form.HC
	b := startBody{filters: u.filters(r, p)}
	for _, cat := range r.snap.Catalog.Taxonomy.Roots {
		b.Tiles = append(b.Tiles, tile{ID: cat.ID, Label: cat.Label.In(r.lang), Text: cat.Description.In(r.lang), Icon: icons[cat.ID]})
	}
	p.Body = b
	return u.render(c, http.StatusOK, "start", p)
}

// filters builds the choices of the search form for the visitor's state.
func (u *UI) filters(r *request, p *page) filters {
	f := filters{}
	f.Categories = append(f.Categories, option{Value: "", Label: p.T("filter.any_need")})
	for _, cat := range r.snap.Catalog.Taxonomy.All() {
		label := cat.Label.In(r.lang)
		if cat.Parent != nil {
			label = cat.Parent.Label.In(r.lang) + " › " + label
		}
		f.Categories = append(f.Categories, option{Value: cat.ID, Label: label, Selected: cat.ID == r.form.Category})
	}
	// The language filter is offered when listings name languages.
	if langs := catalogLanguages(r.snap.Catalog); len(langs) > 0 || r.form.Language != "" {
		f.Languages = append(f.Languages, option{Value: "", Label: p.T("filter.any_language")})
		if r.form.Language != "" && !contains(langs, r.form.Language) {
			langs = append(langs, r.form.Language)
		}
		for _, code := range langs {
			f.Languages = append(f.Languages, option{Value: code, Label: languageName(code, r.lang), Selected: code == r.form.Language})
		}
	}
	f.HasFree = r.form.Free || hasFree(r.snap.Catalog)
	f.Radii = append(f.Radii, option{Value: "", Label: p.T("filter.any_distance")})
	for _, rc := range radiusChoices {
		f.Radii = append(f.Radii, option{Value: rc, Label: p.T("filter.within", "distance", strings.TrimSuffix(rc, "mi")+" mi"), Selected: rc == r.form.Radius})
	}
	if r.form.Here != "" {
		f.HereLabel = p.T("place.here")
	}
	return f
}

// hasFree reports whether any service in the catalog is free.
func hasFree(cat *directory.Catalog) bool {
	found := false
	cat.Services(func(s *directory.Service) { found = found || s.Cost == directory.CostFree })
	return found
}

// maxFacets is how many needs "Narrow by need" offers.
const maxFacets = 6

// catalogLanguages lists the languages services are offered in, English
// and Spanish first, then by how many services offer them.
func catalogLanguages(cat *directory.Catalog) []string {
	count := map[string]int{}
	cat.Services(func(s *directory.Service) {
		for _, l := range s.Languages {
			count[strings.ToLower(l)]++
		}
	})
	var out []string
	for l := range count {
		if validLanguageTag(l) {
			out = append(out, l)
		}
	}
	rank := func(l string) int {
		switch l {
		case "en":
			return 0
		case "es":
			return 1
		}
		return 2
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if rank(a) != rank(b) {
			return rank(a) < rank(b)
		}
		if count[a] != count[b] {
			return count[a] > count[b]
		}
		return a < b
	})
	return out
}

// resultsBody is a page of results.
type resultsBody struct {
	filters
	Heading   string
	Showing   string
	Relaxed   bool
	Ignored   string
	Error     string
	Cards     []card
	Total     int
	Page      int
	Pages     int
	Facets    []option
	OtherPick []string
	Stale     string
}

// results runs the visitor's search and renders a page of result cards.
func (u *UI) results(c echo.Context) error {
	r, ok, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if !ok {
		return startOver(c)
	}
	p := u.newPage(r, r.lang, "/search")
	p.Reset, p.ShowNotice = true, true
	b := resultsBody{filters: u.filters(r, p)}
	q := search.Query{Text: r.form.Q, Page: r.form.Page, PerPage: perPage, Now: r.now}
	if r.form.Category != "" {
		q.Categories = []string{r.form.Category}
	}
	if r.form.Open {
		now := r.now
		q.OpenAt = &now
	}
	q.Free = r.form.Free
	if r.form.Language != "" {
		q.Languages = []string{r.form.Language}
	}
	place, placeLabel := u.place(r, &b.filters, p)
	q.Place = place
	if place != nil && r.form.Radius != "" {
		if m, err := geo.ParseDistance(r.form.Radius); err == nil {
			q.RadiusMeters = m
		}
	}
	res, err := r.snap.Index.Search(c.Request().Context(), q)
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae) && ae.Code == apperr.Invalid:
		b.Error = p.T("results.bad_search")
		res = &search.Result{Page: 1}
	case err != nil:
		return err
	case u.api != nil:
		u.api.RecordSearch(c.Request().Context(), r.snap, u.api.SearchChannel(c), q, res)
	}
	b.Total, b.Page = res.Total, res.Page
	b.Pages = (res.Total + perPage - 1) / perPage
	if b.Pages > search.MaxWindow/perPage {
		b.Pages = search.MaxWindow / perPage
	}
	if res.Showing != "" && len(res.Corrections) > 0 {
		b.Showing = res.Showing
	}
	b.Relaxed = res.Relaxed
	b.Ignored = strings.Join(res.Ignored, ", ")
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: q.Now, Unit: "mi"}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	shown := map[string]bool{}
	for _, h := range res.Hits {
		hv := v.Hit(h.Service, h.Location, h.Distance, h.Open)
		b.Cards = append(b.Cards, w.card(hv, h.Service, r.form.picked(h.Service.Key())))
		shown[h.Service.Key()] = true
	}
	b.OtherPick = r.form.picksOtherThan(shown)
	if r.form.Category == "" {
		for _, f := range res.Facets {
			if len(b.Facets) == maxFacets {
				break
			}
			if cat := r.snap.Catalog.Taxonomy.Category(f.ID); cat != nil {
				b.Facets = append(b.Facets, option{Value: f.ID, Label: p.T("results.facet", "need", cat.Label.In(r.lang), "count", strconv.Itoa(f.Count))})
			}
		}
	}
	b.Heading = u.heading(r, p, res.Total, placeLabel)
	p.Title = b.Heading
	p.Body = b
	return u.render(c, http.StatusOK, "results", p)
}

// place resolves the visitor's place: the browser's location, else the
// ZIP code typed. A ZIP that is not known is reported beside the field and
// the search runs without a place.
func (u *UI) place(r *request, f *filters, p *page) (*geo.Place, string) {
	if r.form.Here != "" {
		if pl, err := r.snap.Places.ParsePlace(r.form.Here); err == nil {
			return &pl, p.T("place.here")
		}
		r.form.Here = ""
	}
	if r.form.Near == "" {
		return nil, ""
	}
	pl, err := r.snap.Places.ParsePlace(r.form.Near)
	if err != nil {
		if errors.Is(err, geo.ErrUnknownZIP) {
			f.NearError = p.T("place.unknown_zip", "zip", r.form.Near)
		} else {
			f.NearError = p.T("place.bad", "place", r.form.Near)
		}
		return nil, ""
	}
	return &pl, r.form.Near
}

// heading says what the results are: "12 services for “shelter” near
// 20002".
func (u *UI) heading(r *request, p *page, total int, placeLabel string) string {
	what := ""
	switch {
	case r.form.Q != "":
		what = r.form.Q
	case r.form.Category != "":
		what = r.snap.Catalog.Taxonomy.Category(r.form.Category).Label.In(r.lang)
	}
	count := p.T("results.count_other", "count", strconv.Itoa(total))
	if total == 1 {
		count = p.T("results.count_one")
	}
	switch {
	case what != "" && placeLabel != "":
		return p.T("results.heading_what_near", "count", count, "what", what, "place", placeLabel)
	case what != "":
		return p.T("results.heading_what", "count", count, "what", what)
	case placeLabel != "":
		return p.T("results.heading_near", "count", count, "place", placeLabel)
	}
	return p.T("results.heading_all", "count", count)
}

// serviceBody is the service page.
type serviceBody struct {
	card
	Places      []place
	Hours       []string
	HoursNote   string
	Area        string
	Insurance   string
	Apply       []string
	ApplyNotes  string
	Fees        string
	Capacity    string
	Email       string
	Income      string
	Residency   string
	EligNotes   string
	VerifiedBy  string
	BackToList  bool
	HasSearch   bool
	OtherPicks  []string
	PickedCount int
}

// service renders one service with everything the listing says.
func (u *UI) service(c echo.Context) error {
	r, ok, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if !ok {
		return startOver(c)
	}
	s := r.snap.Catalog.Service(c.Param("id"))
	if s == nil {
		return apperr.New(apperr.NotFound, "no service with id %q", c.Param("id"))
	}
	p := u.newPage(r, r.lang, "/services/"+s.Key())
	p.Reset, p.ShowNotice = true, true
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	b := detailBody(v, w, s, r.form.picked(s.Key()))
	b.HasSearch = r.form.hasSearch()
	b.OtherPicks = r.form.picksOtherThan(map[string]bool{s.Key(): true})
	b.PickedCount = len(r.form.Picks)
	p.Title = s.Name
	p.Body = b
	return u.render(c, http.StatusOK, "service", p)
}

// detailBody renders a service's detail view for a page.
func detailBody(v present.Viewer, w words, s *directory.Service, picked bool) serviceBody {
	d := v.Detail(s)
	b := serviceBody{card: w.summary(d.ServiceSummary, s)}
	b.Picked = picked
	b.Phones = w.phones(d.Phones)
	for i, lv := range d.Locations {
		pl := w.place(lv, d.Open[lv.ID])
		if s.Hours == nil {
			h, _ := s.HoursAt(s.Locations[i], v.Catalog.Info.TimeZone)
			pl.Hours = w.hoursLines(h)
			if h != nil {
				pl.HoursNote = h.Notes
			}
		}
		b.Places = append(b.Places, pl)
	}
	if s.Hours != nil {
		b.Hours = w.hoursLines(s.Hours)
		b.HoursNote = s.Hours.Notes
	}
	if d.ServiceArea != nil {
		b.Area = d.ServiceArea.Summary
	}
	if len(d.Insurance) > 0 {
		b.Insurance = w.list("insurance.", d.Insurance)
	}
	for _, a := range d.Apply {
		b.Apply = append(b.Apply, w.t("apply."+a))
	}
	b.ApplyNotes, b.Fees, b.Capacity, b.Email, b.VerifiedBy = d.HowToApply, d.Fees, d.Capacity, d.Email, d.VerifiedBy
	if e := d.Eligibility; e != nil {
		b.Income, b.Residency, b.EligNotes = e.Income, e.Residency, e.Notes
	}
	return b
}

// listBody is the printable list of ticked services.
type listBody struct {
	Services []serviceBody
	QR       template.HTML
	QRURL    string
	Carry    bool
	// HasSearch is whether there are results to go back to.
	HasSearch bool
}

// list renders the visitor's ticked services to print, with a QR code
// that carries the list to a phone.
func (u *UI) list(c echo.Context) error {
	r, ok, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if !ok {
		return startOver(c)
	}
	p := u.newPage(r, r.lang, "/list")
	p.Reset, p.ShowNotice = true, true
	p.Title = p.T("list.title")
	b, err := u.listBody(c, r)
	if err != nil {
		return err
	}
	p.Body = b
	return u.render(c, http.StatusOK, "list", p)
}

// saved renders a list carried to a phone by QR code: /saved?s=id,id.
// It is never a kiosk page: it is read on the visitor's own phone.
func (u *UI) saved(c echo.Context) error {
	r, _, err := u.newRequest(c)
	if err != nil {
		return err
	}
	r.form.Issued = 0
	p := u.newPage(r, r.lang, "/saved")
	p.Kiosk, p.Method, p.ShowNotice = false, "get", true
	p.Title = p.T("list.saved_title")
	b, err := u.listBody(c, r)
	if err != nil {
		return err
	}
	b.Carry, b.QR, b.QRURL = true, "", ""
	p.Body = b
	return u.render(c, http.StatusOK, "list", p)
}

func (u *UI) listBody(c echo.Context, r *request) (listBody, error) {
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	b := listBody{HasSearch: r.form.hasSearch()}
	for _, id := range r.form.Picks {
		b.Services = append(b.Services, detailBody(v, w, r.snap.Catalog.Service(id), true))
	}
	if len(r.form.Picks) > 0 {
		b.QRURL = u.savedURL(c, r.form.Picks, r.lang)
		svg, err := qrSVG(b.QRURL, i18nT(r.lang, "list.qr_alt"))
		if err != nil {
			return b, err
		}
		b.QR = svg
	}
	return b, nil
}

// savedURL is the address a QR code carries: the saved-list page with the
// services' ids and the language, and nothing about the person.
func (u *UI) savedURL(c echo.Context, ids []string, lang string) string {
	base := u.opt.BaseURL
	if base == "" {
		base = c.Scheme() + "://" + c.Request().Host
	}
	return base + "/saved?lang=" + lang + "&s=" + strings.Join(ids, ",")
}
