package webui

import (
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/match"
	"trellis/internal/need"
	"trellis/internal/present"
)

// resultsBody is a page of results.
type resultsBody struct {
	filters
	Heading string
	Showing string
	Ignored string
	Error   string
	// Crisis are the crisis lines shown above everything when the search
	// reads as a crisis; Widened says how the search was widened;
	// HelpLine is offered when nothing in the directory fits.
	Crisis    []line
	Widened   string
	HelpLine  *line
	Centered  string
	Cards     []card
	Total     int
	Page      int
	Pages     int
	Facets    []option
	OtherPick []string
	Stale     string
	// Meetings are the recovery meetings the search asks for (meetings.go).
	Meetings *meetingsBlock
	// Left are services the rules left out for the person (the who and
	// language filters, the words), LeftTotal how many in all.
	Left      []leftOut
	LeftTotal int
	// Map draws the results; MapItems say the same in words.
	Map      template.HTML
	MapItems []mapItem
}

// leftOut is a service left out, with why.
type leftOut struct {
	Name, Why string
}

// mapItem is a pin of a map in words: "1. Adams Place: 0.7 mi
// north-east".
type mapItem struct {
	Number int
	Name   string
	Where  string
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
	q := match.SearchRequest{Text: r.form.Q, Page: r.form.Page, PerPage: perPage, Now: r.now, Lang: r.lang, Unit: "mi"}
	if r.form.Category != "" {
		q.Categories = []string{r.form.Category}
	}
	q.Constraints.OpenNow = r.form.Open
	q.Constraints.FreeOnly = r.form.Free
	if r.form.Language != "" {
		q.Constraints.Languages = []string{r.form.Language}
	}
	q.Person = r.form.person()
	place, placeLabel := u.place(r, &b.filters, p)
	if place == nil && u.opt.Near != nil {
		place, placeLabel = u.opt.Near, p.T("place.kiosk")
	}
	q.Place = place
	if place != nil && r.form.Radius != "" {
		if m, err := geo.ParseDistance(r.form.Radius); err == nil {
			q.RadiusMeters = m
		}
	}
	res, err := u.srv.Search(c, r.snap, q)
	var ae *apperr.Error
	switch {
	case errors.As(err, &ae) && ae.Code == apperr.Invalid:
		b.Error = p.T("results.bad_search")
		res = &match.SearchResult{Page: 1}
	case err != nil:
		return err
	}
	b.Total, b.Page = res.Total, res.Page
	b.Pages = (res.Total + perPage - 1) / perPage
	if b.Pages > match.MaxWindow/perPage {
		b.Pages = match.MaxWindow / perPage
	}
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: q.Now, Unit: "mi"}
	if len(res.ReadAs.Corrections) > 0 {
		ws := need.Words(r.form.Q)
		for i, w := range ws {
			if c, ok := res.ReadAs.Corrections[w]; ok {
				ws[i] = c
			}
		}
		b.Showing = strings.Join(ws, " ")
	}
	b.Ignored = strings.Join(res.ReadAs.Ignored, ", ")
	b.Crisis = lines(v.Lines(res.Crisis))
	b.Widened = res.Widening.Why
	if res.HelpLine != nil {
		b.HelpLine = &lines(v.Lines([]directory.Line{*res.HelpLine}))[0]
	}
	if res.Centered && res.Place != nil && len(res.Hits) > 0 {
		b.Centered = p.T("results.centered", "place", res.Place.Label)
	}
	var from *geo.Place
	if !res.Centered && res.Place != nil {
		from = res.Place
	}
	w := newWords(r, from)
	shown := map[string]bool{}
	for i, h := range res.Hits {
		hv := v.Hit(h.Service, h.Location, h.Distance, h.Open)
		cd := w.card(hv, h.Service, r.form.picked(h.Service.Key()))
		cd.Number = (res.Page-1)*perPage + i + 1
		if h.OutOfSeason && cd.Place != nil {
			for _, rs := range h.Reasons {
				if rs.Code == match.ReasonOutOfSeason {
					cd.Place.Open, cd.Place.OpenClass = rs.Text, "closed"
				}
			}
		}
		b.Cards = append(b.Cards, cd)
		shown[h.Service.Key()] = true
	}
	b.Meetings = u.meetingsBlock(v, w, res.Meetings, r.form, shown)
	b.OtherPick = r.form.picksOtherThan(shown)
	b.LeftTotal = res.ExcludedTotal
	for _, e := range res.Excluded {
		var why []string
		for _, rs := range e.Reasons {
			why = append(why, rs.Text)
		}
		b.Left = append(b.Left, leftOut{Name: e.Service.Name, Why: strings.Join(why, " · ")})
	}
	b.Map, b.MapItems = u.resultsMap(r, p, b.Cards, from, placeLabel)
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
	// A place typed with the need ("food pantry 20020") is where the
	// results were measured from.
	if res.Place != nil && !res.Centered && res.Place != place {
		placeLabel = res.Place.Label
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
	count := p.T("results.count", "count", strconv.Itoa(total))
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
