package webui

import (
	"html/template"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/directory"
	"trellis/internal/present"
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
	// KioskNear is set on a kiosk that knows where it stands: searches
	// without a ZIP code are measured from it.
	KioskNear bool
	// Genders are the "who is it for" choices; AgeError says why an age
	// was not read.
	Genders  []option
	AgeError string
	// HasFree is whether the free filter can find anything: the directory
	// lists a free service, or the visitor has set it.
	HasFree bool
}

type startBody struct {
	Tiles []tile
	// CrisisLines are the directory's crisis lines, above everything.
	CrisisLines []line
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
	if cr := r.snap.Catalog.Info.Crisis; cr != nil {
		v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang}
		b.CrisisLines = lines(v.Lines(cr.Lines))
	}
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
	f.KioskNear = u.opt.Kiosk && u.opt.Near != nil
	f.Genders = append(f.Genders, option{Value: "", Label: p.T("who.any_gender")})
	for _, g := range directory.Genders {
		f.Genders = append(f.Genders, option{Value: g, Label: p.T("who.gender." + g), Selected: g == r.form.Gender})
	}
	if r.form.AgeBad {
		f.AgeError = p.T("who.bad_age")
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
