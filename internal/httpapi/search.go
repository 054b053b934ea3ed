package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/i18n"
	"trellis/internal/match"
	"trellis/internal/present"
	"trellis/internal/search"
	"trellis/internal/snapshot"
)

// searchParams are the query parameters GET /api/v1/search takes.
var searchParams = []string{
	"q", "near", "lat", "lon", "radius", "sort", "category", "open_now", "open_at", "free",
	"language", "age", "gender", "veteran", "insurance", "circumstances", "walk_in", "wheelchair", "in_area",
	"include_inactive", "page", "per_page", "lang", "units",
}

// searchResponse is GET /api/v1/search's answer.
type searchResponse struct {
	Query   queryEcho   `json:"query"`
	Total   int         `json:"total"`
	Page    int         `json:"page"`
	PerPage int         `json:"per_page"`
	Sort    string      `json:"sort"`
	Results []hitView   `json:"results"`
	Facets  []facetView `json:"facets"`
	Notice  string      `json:"notice,omitempty"`
	Credits []string    `json:"attribution,omitempty"`
}

// queryEcho says how the query was read.
type queryEcho struct {
	Text        string            `json:"q,omitempty"`
	Showing     string            `json:"showing,omitempty"`
	Corrections map[string]string `json:"corrections,omitempty"`
	Ignored     []string          `json:"ignored,omitempty"`
	Relaxed     bool              `json:"relaxed,omitempty"`
	Near        *placeView        `json:"near,omitempty"`
	RadiusM     float64           `json:"radius_m,omitempty"`
	Lang        string            `json:"lang"`
}

type placeView struct {
	Label  string  `json:"label"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
	ZIP    string  `json:"zip,omitempty"`
	County string  `json:"county,omitempty"`
	State  string  `json:"state,omitempty"`
}

// hitView is a result: the view the pages also render, with the score and
// the matched words.
type hitView struct {
	present.HitView
	Score   float64        `json:"score,omitempty"`
	Matched []search.Match `json:"matched,omitempty"`
	// Reasons explain the result as POST /api/v1/match does: distance,
	// open state, fit for the person, language, cost, insurance, freshness.
	Reasons []match.Reason `json:"reasons"`
}

type facetView struct {
	ID       string      `json:"id"`
	Label    string      `json:"label"`
	Count    int         `json:"count"`
	Children []facetView `json:"children,omitempty"`
}

// searchQuery reads a search request's parameters into a query. It returns
// an Invalid error naming the first bad parameter.
func (s *Server) searchQuery(c echo.Context, snap *snapshot.Snapshot) (search.Query, string, error) {
	p, err := newParams(c, searchParams...)
	if err != nil {
		return search.Query{}, "", err
	}
	tz := snap.Catalog.Info.TimeZone
	q := search.Query{
		Text:    p.str("q"),
		Sort:    p.oneOf("sort", search.SortBest, search.SortRelevance, search.SortDistance, search.SortName),
		Page:    p.intIn("page", 1, search.MaxWindow, 1),
		PerPage: p.intIn("per_page", 1, search.MaxPerPage, search.DefaultPerPage),
		Now:     s.now(),
	}
	f := &q.Filter
	f.Place = p.place(snap.Places)
	f.RadiusMeters = p.distance("radius")
	if f.RadiusMeters > 0 && f.Place == nil {
		p.fail("radius", "radius needs a place: give near (a ZIP code or lat,lon) or lat and lon")
	}
	f.Categories = p.list("category")
	for _, id := range f.Categories {
		if snap.Catalog.Taxonomy.Category(id) == nil {
			p.fail("category", "unknown category %q; GET /api/v1/taxonomy lists them", id)
		}
	}
	if p.boolean("open_now") {
		if p.has("open_at") {
			p.fail("open_at", "give either open_now or open_at, not both")
		}
		now := s.now()
		f.OpenAt = &now
	} else if t := p.instant("open_at", tz); t != nil {
		f.OpenAt = t
		q.Now = *t
	}
	f.Free = p.boolean("free")
	f.Languages = p.list("language")
	f.Age = p.optInt("age", 0, 130)
	f.Gender = p.oneOf("gender", directory.Genders...)
	f.Veteran = p.optBool("veteran")
	f.Insurance = p.list("insurance")
	for _, ins := range f.Insurance {
		if !contains(directory.InsurancePlans, ins) {
			p.fail("insurance", "insurance must be among %v, not %q", directory.InsurancePlans, ins)
		}
	}
	if cs := p.list("circumstances"); len(cs) > 0 {
		// The person's circumstances, read as POST /api/v1/match reads
		// them: services restricted to populations the person is in none
		// of are dropped; populations people may not disclose never drop
		// a service.
		pe := &match.Person{Age: f.Age, Gender: f.Gender, Veteran: f.Veteran, Circumstances: cs}
		if err := pe.Normalize(); err != nil {
			p.fail("circumstances", "%s", apperr.As(err).Message)
		} else {
			f.Populations = match.ServedPopulations(pe)
			if f.Veteran == nil && contains(pe.Circumstances, directory.PopulationVeterans) {
				f.Veteran = pe.Veteran
			}
		}
	}
	f.WalkIn = p.boolean("walk_in")
	f.Wheelchair = p.boolean("wheelchair")
	f.InArea = p.boolean("in_area")
	if f.InArea && f.Place == nil {
		p.fail("in_area", "in_area needs a place: give near (a ZIP code or lat,lon) or lat and lon")
	}
	f.IncludeInactive = p.boolean("include_inactive")
	lang := s.lang(c, p)
	p.oneOf("units", "mi", "km")
	if err := p.check(); err != nil {
		return search.Query{}, "", err
	}
	return q, lang, nil
}

// lang picks the answer's language from ?lang= or Accept-Language.
func (s *Server) lang(c echo.Context, p *params) string {
	explicit := p.oneOf("lang", i18n.Default.Languages()...)
	return i18n.Default.Match(explicit, c.Request().Header.Get("Accept-Language"))
}

// search answers GET /api/v1/search.
func (s *Server) search(c echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	q, lang, err := s.searchQuery(c, snap)
	if err != nil {
		return err
	}
	res, err := snap.Index.Search(c.Request().Context(), q)
	if err != nil {
		return err
	}
	s.RecordSearch(c.Request().Context(), snap, s.SearchChannel(c), q, res)
	s.CountSearch(filtered(q.Filter), res.Total == 0)
	unit := "mi"
	if c.QueryParam("units") == "km" {
		unit = "km"
	}
	v := present.Viewer{Catalog: snap.Catalog, Lang: lang, Now: q.Now, Unit: unit}
	out := searchResponse{
		Query: queryEcho{Text: q.Text, Showing: res.Showing, Corrections: res.Corrections, Ignored: res.Ignored,
			Relaxed: res.Relaxed, RadiusM: q.RadiusMeters, Lang: lang},
		Total: res.Total, Page: res.Page, PerPage: res.PerPage, Sort: res.Sort,
		Results: make([]hitView, 0, len(res.Hits)), Facets: facets(v, res.Facets),
		Notice: snap.Catalog.Info.Notice, Credits: snap.Catalog.Info.Attribution,
	}
	if pl := q.Place; pl != nil {
		out.Query.Near = &placeView{Label: pl.Label, Lat: pl.Point.Lat(), Lon: pl.Point.Lon(), ZIP: pl.ZIP, State: pl.State}
		if pl.County.FIPS != "" {
			out.Query.Near.County = geo.CountyLabel(pl.County)
		}
	}
	var m *match.Matcher
	if len(res.Hits) > 0 {
		m = snap.Matcher
	}
	pr := match.Profile{Now: q.Now, Lang: lang, Unit: unit, Place: q.Place}
	if f := q.Filter; f.Age != nil || f.Gender != "" || f.Veteran != nil || len(f.Insurance) > 0 || len(f.Languages) > 0 || len(f.Populations) > 0 {
		pr.Person = &match.Person{Age: f.Age, Gender: f.Gender, Veteran: f.Veteran, Insurance: f.Insurance,
			Languages: f.Languages, Circumstances: listParam(c, "circumstances")}
	}
	for _, h := range res.Hits {
		out.Results = append(out.Results, hitView{HitView: v.Hit(h.Service, h.Location, h.Distance, h.Open), Score: h.Score, Matched: h.Why,
			Reasons: m.Explain(h.Service, h.Location, h.Distance, h.Open, h.Categories, pr)})
	}
	return c.JSON(http.StatusOK, out)
}

// listParam reads a parameter given repeated or comma-separated, as
// params.list does, after the query was checked.
func listParam(c echo.Context, name string) []string {
	return (&params{v: c.QueryParams()}).list(name)
}

func facets(v present.Viewer, fs []search.CategoryCount) []facetView {
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
