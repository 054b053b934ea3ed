package httpapi

import (
	"math"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/i18n"
	"trellis/internal/match"
	"trellis/internal/need"
	"trellis/internal/present"
	"trellis/internal/snapshot"
)

// searchParams are the query parameters GET /api/v1/search takes.
var searchParams = []string{
	"q", "near", "lat", "lon", "radius", "sort", "category", "open_now", "open_at", "free",
	"language", "age", "gender", "veteran", "insurance", "circumstances", "walk_in", "wheelchair", "in_area",
	"include_inactive", "page", "per_page", "lang", "units",
	"fellowship", "meeting_type", "attendance", "no_transport",
}

// searchResponse is GET /api/v1/search's answer.
type searchResponse struct {
	Query queryEcho `json:"query"`
	// Crisis lists the crisis lines to show before anything else when the
	// search reads as a crisis (or asks for crisis services).
	Crisis []present.LineView `json:"crisis,omitempty"`
	// Widened says how the search was widened because too little was
	// near; HelpLine is offered when nothing in the directory fits.
	Widened  *widenedView      `json:"widened,omitempty"`
	HelpLine *present.LineView `json:"help_line,omitempty"`
	Total    int               `json:"total"`
	Page     int               `json:"page"`
	PerPage  int               `json:"per_page"`
	Sort     string            `json:"sort"`
	Results  []hitView         `json:"results"`
	Facets   []facetView       `json:"facets"`
	// Excluded counts the services left out by the eligibility rules, by
	// reason, and lists the nearest few with why.
	Excluded *excludedSummary `json:"excluded,omitempty"`
	Notice   string           `json:"notice,omitempty"`
	Credits  []string         `json:"attribution,omitempty"`
	// Meetings are the recovery meetings found when the words or the
	// meeting parameters ask for one (meetings.go).
	Meetings *meetingsView `json:"meetings,omitempty"`
}

// queryEcho says how the query was read.
type queryEcho struct {
	Text        string            `json:"q,omitempty"`
	Showing     string            `json:"showing,omitempty"`
	Corrections map[string]string `json:"corrections,omitempty"`
	Ignored     []string          `json:"ignored,omitempty"`
	// ReadAs is what the words name: categories, who the person is,
	// crisis, urgency; the same reading POST /api/v1/match gives.
	ReadAs readAsView `json:"read_as"`
	Near   *placeView `json:"near,omitempty"`
	// Centered is true when no place was given and results are ordered
	// from the directory's centre (Near), without distances.
	Centered bool    `json:"centered,omitempty"`
	RadiusM  float64 `json:"radius_m,omitempty"`
	Lang     string  `json:"lang"`
}

type placeView struct {
	Label  string  `json:"label"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	ZIP    string  `json:"zip,omitempty"`
	County string  `json:"county,omitempty"`
	State  string  `json:"state,omitempty"`
}

// widenedView is match.Widening for JSON.
type widenedView struct {
	From []present.CategoryView `json:"from,omitempty"`
	To   []present.CategoryView `json:"to,omitempty"`
	// FromM and ToM are the reach before and after in meters; ToM is
	// absent when the whole directory was searched (Everywhere).
	FromM      float64 `json:"from_m,omitempty"`
	ToM        float64 `json:"to_m,omitempty"`
	Everywhere bool    `json:"everywhere,omitempty"`
	Why        string  `json:"why"`
}

func newWidenedView(v present.Viewer, w match.Widening) *widenedView {
	if w.IsZero() {
		return nil
	}
	out := &widenedView{FromM: w.FromMeters, ToM: w.ToMeters, Why: w.Why}
	if len(w.To) > 0 {
		out.From, out.To = v.Categories(w.From), v.Categories(w.To)
	}
	if math.IsInf(w.ToMeters, 1) {
		out.ToM, out.Everywhere = 0, true
	}
	return out
}

type excludedSummary struct {
	Total    int            `json:"total"`
	ByReason map[string]int `json:"by_reason"`
	Nearest  []excludedView `json:"nearest"`
}

// hitView is a result: the view the pages also render, with the score and
// the reasons, as POST /api/v1/match gives them.
type hitView struct {
	present.HitView
	Score   float64        `json:"score"`
	Reasons []match.Reason `json:"reasons"`
}

type facetView struct {
	ID       string      `json:"id"`
	Label    string      `json:"label"`
	Count    int         `json:"count"`
	Children []facetView `json:"children,omitempty"`
}

// searchQuery reads a search request's parameters into a search. It
// returns an Invalid error naming the first bad parameter.
func (s *API) searchQuery(c echo.Context, snap *snapshot.Snapshot) (match.SearchRequest, error) {
	p, err := newParams(c, searchParams...)
	if err != nil {
		return match.SearchRequest{}, err
	}
	tz := snap.Catalog.Info.TimeZone
	q := match.SearchRequest{
		Text:    p.str("q"),
		Sort:    p.oneOf("sort", match.SortBest, match.SortRelevance, match.SortDistance, match.SortName),
		Page:    p.intIn("page", 1, match.MaxWindow, 1),
		PerPage: p.intIn("per_page", 1, match.MaxPerPage, match.DefaultPerPage),
		Now:     s.now(),
	}
	q.Place = p.place(snap.Places)
	q.RadiusMeters = p.distance("radius")
	if q.RadiusMeters > 0 && q.Place == nil {
		p.fail("radius", "radius needs a place: give near (a ZIP code or lat,lon) or lat and lon")
	}
	if q.Sort == match.SortDistance && q.Place == nil {
		p.fail("sort", "sorting by distance needs a place: give near (a ZIP code or lat,lon) or lat and lon")
	}
	q.Categories = p.list("category")
	for _, id := range q.Categories {
		if snap.Catalog.Taxonomy.Category(id) == nil {
			p.fail("category", "unknown category %q; GET /api/v1/taxonomy lists them", id)
		}
	}
	if p.boolean("open_now") {
		if p.has("open_at") {
			p.fail("open_at", "give either open_now or open_at, not both")
		}
		q.Constraints.OpenNow = true
	} else if t := p.instant("open_at", tz); t != nil {
		q.Constraints.OpenAt = t
		q.Now = *t
	}
	q.Constraints.FreeOnly = p.boolean("free")
	q.Constraints.Languages = p.list("language")
	for i, l := range q.Constraints.Languages {
		q.Constraints.Languages[i] = need.NormLanguage(l)
	}
	pe := &need.Person{Age: p.optInt("age", 0, 130), Gender: p.oneOf("gender", directory.Genders...), Veteran: p.optBool("veteran"),
		Insurance: p.list("insurance"), Languages: append([]string(nil), q.Constraints.Languages...), Circumstances: p.list("circumstances")}
	for _, ins := range pe.Insurance {
		if !contains(directory.InsurancePlans, ins) {
			p.fail("insurance", "insurance must be among %v, not %q", directory.InsurancePlans, ins)
		}
	}
	if err := pe.Normalize(); err != nil {
		// The person's fields are parameters here, not "person.x".
		ae := apperr.As(err)
		field := ae.Field
		field = strings.TrimPrefix(field, "person.")
		if i := strings.IndexByte(field, '.'); i >= 0 {
			field = field[:i]
		}
		p.fail(field, "%s", ae.Message)
	}
	if !pe.IsZero() {
		q.Person = pe
	}
	q.Constraints.WalkIn = p.boolean("walk_in")
	q.Constraints.Wheelchair = p.boolean("wheelchair")
	// in_area is kept for clients that send it: a service whose area does
	// not cover the place is always left out.
	if p.boolean("in_area") && q.Place == nil {
		p.fail("in_area", "in_area needs a place: give near (a ZIP code or lat,lon) or lat and lon")
	}
	q.IncludeInactive = p.boolean("include_inactive")
	q.Meetings = meetingFilter(p, snap.Catalog)
	q.Lang = s.lang(c, p)
	q.Unit = present.Unit(p.oneOf("units", "mi", "km"))
	if err := p.check(); err != nil {
		return match.SearchRequest{}, err
	}
	return q, nil
}

// lang picks the answer's language from ?lang= or Accept-Language.
func (s *API) lang(c echo.Context, p *params) string {
	explicit := p.oneOf("lang", i18n.Default.Languages()...)
	return i18n.Default.Match(explicit, c.Request().Header.Get("Accept-Language"))
}

// search answers GET /api/v1/search: the same engine, reading and rules
// as POST /api/v1/match, for one need, with paging and facets.
func (s *API) search(c echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	q, err := s.searchQuery(c, snap)
	if err != nil {
		return err
	}
	res, err := s.srv.Search(c, snap, q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, searchView(snap, q, res))
}

// searchView renders a search's answer.
func searchView(snap *snapshot.Snapshot, q match.SearchRequest, res *match.SearchResult) searchResponse {
	v := present.Viewer{Catalog: snap.Catalog, Lang: q.Lang, Now: q.Now, Unit: q.Unit}
	ra := res.ReadAs
	out := searchResponse{
		Query: queryEcho{Text: q.Text, Corrections: ra.Corrections, Ignored: ra.Ignored, ReadAs: readAsViewOf(v, ra),
			RadiusM: q.RadiusMeters, Lang: q.Lang, Centered: res.Centered},
		Widened: newWidenedView(v, res.Widening),
		Total:   res.Total, Page: res.Page, PerPage: res.PerPage, Sort: res.Sort,
		Results: make([]hitView, 0, len(res.Hits)), Facets: facets(v, res.Facets),
		Notice: snap.Catalog.Info.Notice, Credits: snap.Catalog.Info.Attribution,
	}
	if len(ra.Corrections) > 0 {
		out.Query.Showing = showing(q.Text, ra.Corrections)
	}
	if len(res.Crisis) > 0 {
		out.Crisis = v.Lines(res.Crisis)
	}
	if res.HelpLine != nil {
		l := v.Lines([]directory.Line{*res.HelpLine})[0]
		out.HelpLine = &l
	}
	if res.Place != nil {
		out.Query.Near = newPlaceView(res.Place)
	}
	for _, h := range res.Hits {
		out.Results = append(out.Results, hitView{HitView: v.Hit(h.Service, h.Location, h.Distance, h.Open), Score: h.Score, Reasons: h.Reasons})
	}
	out.Meetings = meetingsViewOf(v, res.Meetings)
	if res.ExcludedTotal > 0 {
		ex := &excludedSummary{Total: res.ExcludedTotal, ByReason: res.ExcludedCounts, Nearest: make([]excludedView, 0, len(res.Excluded))}
		for _, x := range res.Excluded {
			ex.Nearest = append(ex.Nearest, excludedView{HitView: v.Hit(x.Service, x.Location, x.Distance, x.Open), Reasons: x.Reasons})
		}
		out.Excluded = ex
	}
	return out
}

// showing writes the query with its corrections applied, for "Showing
// results for ...".
func showing(text string, corrections map[string]string) string {
	ws := need.Words(text)
	for i, w := range ws {
		if c, ok := corrections[w]; ok {
			ws[i] = c
		}
	}
	return strings.Join(ws, " ")
}

func facets(v present.Viewer, fs []match.CategoryCount) []facetView {
	out := make([]facetView, 0, len(fs))
	for _, f := range fs {
		fv := facetView{ID: f.ID, Label: f.ID, Count: f.Count, Children: facets(v, f.Children)}
		if c := v.Catalog.Taxonomy.Category(f.ID); c != nil {
			fv.Label = c.Label.In(v.Lang)
		}
		if len(fv.Children) == 0 {
			fv.Children = nil
		}
		out = append(out, fv)
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// errNotFound is the 404 for a record id.
func errNotFound(kind, id string) error {
	return apperr.New(apperr.NotFound, "no %s with id %q", kind, id)
}
