package search

import (
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// Service-area prefilter. geo.Covers decides whether a service area covers
// a place; it runs in Go, once per candidate. So that it runs only on
// documents whose area might cover the place, every document carries flags
// naming the parts of its service's area, and a search asks bleve first
// for the documents with a part that could match the place: no area, a
// radius or polygon (geo.Covers measures those), the place's state, county
// or ZIP code. The flags mirror the comparisons geo.Covers makes.
const (
	flagArea       = "area"        // "none", "radius" or "polygon"
	flagAreaState  = "area-state"  // an upper-case state code
	flagAreaCounty = "area-county" // a county FIPS code, "any" for a county without one, "some" for every county
	flagAreaZIP    = "area-zip"    // the first five characters of a ZIP code
)

// areaFlags returns the area flags of service s.
func areaFlags(s *directory.Service) []string {
	a := s.Area
	if a.IsZero() {
		return []string{flag(flagArea, "none")}
	}
	var out []string
	if a.RadiusMeters > 0 {
		out = append(out, flag(flagArea, "radius"))
	}
	if len(a.Polygon) > 0 {
		out = append(out, flag(flagArea, "polygon"))
	}
	for _, st := range a.States {
		out = append(out, flag(flagAreaState, strings.ToUpper(strings.TrimSpace(st))))
	}
	for _, c := range a.Counties {
		if c.FIPS != "" {
			out = append(out, flag(flagAreaCounty, c.FIPS))
		} else {
			out = append(out, flag(flagAreaCounty, "any"))
		}
	}
	if len(a.Counties) > 0 {
		out = append(out, flag(flagAreaCounty, "some"))
	}
	for _, z := range a.ZIPs {
		if z5 := zipPrefix(z); z5 != "" {
			out = append(out, flag(flagAreaZIP, z5))
		}
	}
	return out
}

// zipPrefix is the part of a ZIP code geo.Covers compares: the first five
// characters, or "" for a shorter code.
func zipPrefix(z string) string {
	z = strings.TrimSpace(z)
	if len(z) < 5 {
		return ""
	}
	return z[:5]
}

// mightCover returns a query for the documents whose service area might
// cover p: a superset of those geo.Covers does not call NotCovered.
func mightCover(p *geo.Place) query.Query {
	var terms []string
	terms = append(terms, flag(flagArea, "none"))
	if p.Point != (orb.Point{}) {
		terms = append(terms, flag(flagArea, "radius"), flag(flagArea, "polygon"))
	}
	if p.State != "" {
		terms = append(terms, flag(flagAreaState, strings.ToUpper(p.State)))
	}
	switch {
	case p.County.FIPS != "":
		terms = append(terms, flag(flagAreaCounty, p.County.FIPS), flag(flagAreaCounty, "any"))
	case p.County.Name != "":
		terms = append(terms, flag(flagAreaCounty, "some"))
	}
	if z := zipPrefix(p.ZIP); z != "" {
		terms = append(terms, flag(flagAreaZIP, z))
	}
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		tq := bleve.NewTermQuery(t)
		tq.SetField(fFlag)
		tq.SetBoost(0)
		qs[i] = tq
	}
	d := bleve.NewDisjunctionQuery(qs...)
	d.SetBoost(0)
	return d
}
