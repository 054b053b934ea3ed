package search

import (
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// Filter narrows a search to services a person can use. The zero Filter
// keeps every active service. Each rule is documented on its field; unknown
// facts in a listing never exclude a service except where the field says
// so.
type Filter struct {
	// Categories keeps services in any of these categories; a top-level
	// category includes its subcategories.
	Categories []string
	// OpenAt keeps services known to be open at that instant (the
	// service's hours at the location, else the location's, read in the
	// location's or the directory's zone). Services whose hours are not
	// listed or give no weekly times are dropped: the filter is strict.
	OpenAt *time.Time
	// Free keeps services whose cost is free.
	Free bool
	// Languages keeps services offered in any of these languages (BCP 47,
	// compared by primary subtag, "es-MX" as "es"), by the service or at
	// the location. A listing that names no language is taken to serve in
	// English.
	Languages []string
	// Age keeps services whose age range contains it; no range passes.
	Age *int
	// Gender keeps services that serve it (Eligibility.ServesGender).
	Gender string
	// Veteran false drops services restricted to veterans only; true or
	// nil drops nothing.
	Veteran *bool
	// Populations, when set, is the person's complete list of
	// circumstances (directory.Populations): services restricted to
	// populations the person is in none of are dropped
	// (Eligibility.ServesPopulations). Veteran true counts as "veterans".
	Populations []string
	// Insurance keeps services that accept any of these plans; a service
	// that lists no plans passes.
	Insurance []string
	// WalkIn keeps services that take walk-ins.
	WalkIn bool
	// Wheelchair keeps services at wheelchair-accessible locations and
	// services without a location (phone, online); unknown access fails.
	Wheelchair bool
	// Place is where the person is. With RadiusMeters > 0, a document with
	// a point is kept when geo.Distance from Place to it is at most
	// RadiusMeters; a document without a point (a phone or online service)
	// is kept when its service area does not exclude Place (geo.Covers is
	// not NotCovered).
	Place        *geo.Place
	RadiusMeters float64
	// InArea keeps services whose service area covers Place or that set no
	// area (geo.Covers is not NotCovered). It needs Place.
	InArea bool
	// IncludeInactive keeps services whose status is not active.
	IncludeInactive bool
}

// Exclusion says why a filter drops a service; the empty Exclusion means
// the service passes.
type Exclusion string

// The exclusions, one per filter rule.
const (
	ExclInactive     Exclusion = "inactive"
	ExclCategory     Exclusion = "category"
	ExclTooFar       Exclusion = "too-far"
	ExclOutsideArea  Exclusion = "outside-area"
	ExclNotFree      Exclusion = "not-free"
	ExclLanguage     Exclusion = "language"
	ExclAge          Exclusion = "age"
	ExclGender       Exclusion = "gender"
	ExclVeteransOnly Exclusion = "veterans-only"
	ExclPopulation   Exclusion = "population"
	ExclInsurance    Exclusion = "insurance"
	ExclWalkIn       Exclusion = "walk-in"
	ExclWheelchair   Exclusion = "wheelchair"
	ExclClosed       Exclusion = "closed"
)

// Check reports why f drops service s at location l (nil for a service
// without locations), reading hours in zone dir unless the location names
// its own; it returns "" when the service passes. Search applies exactly
// these rules; the matcher calls Check to explain exclusions.
func (f *Filter) Check(s *directory.Service, l *directory.Location, dir *time.Location) Exclusion {
	p, ok := LocationPoint(l)
	d := &docRef{svc: s, loc: l, point: p, hasPoint: ok, areaSvc: areaService(s)}
	if e := f.checkIndexed(d); e != "" {
		return e
	}
	return f.checkPost(d, dir)
}

// checkIndexed applies, in Go, the rules a search leaves to bleve
// (filterQueries) and the active status, which a search checks on the
// compact per-match record (postQuery).
func (f *Filter) checkIndexed(d *docRef) Exclusion {
	s := d.svc
	switch {
	case !f.IncludeInactive && statusOf(s) != directory.StatusActive:
		return ExclInactive
	case len(f.Categories) > 0 && !hasAnyCategory(s, f.Categories):
		return ExclCategory
	case f.Free && s.Cost != directory.CostFree:
		return ExclNotFree
	case len(f.Languages) > 0 && !overlaps(languagesOf(s, d.loc), normLanguages(f.Languages)):
		return ExclLanguage
	case f.Age != nil && !s.Eligibility.Age.Contains(*f.Age):
		return ExclAge
	case !s.Eligibility.ServesGender(f.Gender):
		return ExclGender
	case f.Veteran != nil && !*f.Veteran && veteransOnly(s):
		return ExclVeteransOnly
	case len(f.Insurance) > 0 && len(s.Insurance) > 0 && !overlaps(s.Insurance, f.Insurance):
		return ExclInsurance
	case f.WalkIn && !contains(s.Apply, directory.ApplyWalkIn):
		return ExclWalkIn
	case f.Wheelchair && !wheelchairOK(d.loc):
		return ExclWheelchair
	}
	return ""
}

// needsPostBeyondRadius reports whether a rule of checkPost other than the
// radius applies.
func (f *Filter) needsPostBeyondRadius() bool {
	return (f.Place != nil && f.InArea) || f.OpenAt != nil || f.Populations != nil
}

// checkPost applies the rules bleve cannot: exact distance and service
// areas through the geo package, opening hours and populations.
func (f *Filter) checkPost(d *docRef, dir *time.Location) Exclusion {
	s := d.svc
	if f.Place != nil && f.RadiusMeters > 0 {
		if d.hasPoint {
			if geo.Distance(f.Place.Point, d.point) > f.RadiusMeters {
				return ExclTooFar
			}
		} else if geo.Covers(d.areaSvc, *f.Place) == geo.NotCovered {
			return ExclOutsideArea
		}
	}
	if f.InArea && f.Place != nil && geo.Covers(d.areaSvc, *f.Place) == geo.NotCovered {
		return ExclOutsideArea
	}
	if f.Populations != nil {
		has := f.Populations
		if f.Veteran != nil && *f.Veteran {
			has = append(append([]string(nil), has...), directory.PopulationVeterans)
		}
		if !s.Eligibility.ServesPopulations(has) {
			return ExclPopulation
		}
	}
	if f.OpenAt != nil {
		h, tz := s.HoursAt(d.loc, dir)
		if st := h.At(*f.OpenAt, tz); !st.Known || !st.Open {
			return ExclClosed
		}
	}
	return ""
}

// filterQueries returns the bleve queries for the rules of checkIndexed
// and a coarse geographic prefilter for the radius (circleCells): must are
// queries a document must match, each with boost 0 so that they narrow the
// result without changing its scores, and mustNot queries it must not
// match. Rules that keep most documents (gender, age, insurance) are
// written as exclusions of the few documents they drop, which
// bleve checks far faster than a conjunction with a nearly full list.
func (f *Filter) filterQueries() (must, mustNot []query.Query) {
	term := func(kind, v string) query.Query {
		q := bleve.NewTermQuery(flag(kind, v))
		q.SetField(fFlag)
		q.SetBoost(0)
		return q
	}
	anyOf := func(qs ...query.Query) query.Query {
		if len(qs) == 1 {
			return qs[0]
		}
		d := bleve.NewDisjunctionQuery(qs...)
		d.SetBoost(0)
		return d
	}
	// The active-status rule runs on the compact per-match record (see
	// postQuery): nearly every document passes it, and checking it there
	// spares bleve an exclusion query on every search.
	if len(f.Categories) > 0 {
		qs := make([]query.Query, len(f.Categories))
		for i, c := range f.Categories {
			qs[i] = catQuery(c, 0)
		}
		must = append(must, anyOf(qs...))
	}
	if f.Free {
		must = append(must, term(flagCost, string(directory.CostFree)))
	}
	if len(f.Languages) > 0 {
		var qs []query.Query
		for _, l := range normLanguages(f.Languages) {
			qs = append(qs, term(flagLang, l))
		}
		must = append(must, anyOf(qs...))
	}
	if f.Age != nil {
		age := float64(*f.Age)
		excl := false
		over := bleve.NewNumericRangeInclusiveQuery(&age, nil, &excl, nil)
		over.SetField(fAgeMin)
		under := bleve.NewNumericRangeInclusiveQuery(nil, &age, nil, &excl)
		under.SetField(fAgeMax)
		mustNot = append(mustNot, over, under)
	}
	if f.Gender != "" {
		mustNot = append(mustNot, term(flagNotGender, f.Gender))
	}
	if f.Veteran != nil && !*f.Veteran {
		mustNot = append(mustNot, term(flagVets, valTrue))
	}
	if len(f.Insurance) > 0 {
		// A service listing plans, none of them among f.Insurance, carries
		// every one of f.Insurance as a plan it does not take.
		qs := make([]query.Query, len(f.Insurance))
		for i, p := range f.Insurance {
			qs[i] = term(flagNotIns, p)
		}
		if len(qs) == 1 {
			mustNot = append(mustNot, qs[0])
		} else {
			mustNot = append(mustNot, bleve.NewConjunctionQuery(qs...))
		}
	}
	if f.WalkIn {
		must = append(must, term(flagApply, directory.ApplyWalkIn))
	}
	if f.Wheelchair {
		must = append(must, term(flagWheel, valTrue))
	}
	if f.Place != nil && f.RadiusMeters > 0 {
		// A document without a point is in reach when its area covers
		// the place.
		pointless := bleve.NewConjunctionQuery(term(flagNoGeo, valTrue), mightCover(f.Place))
		pointless.SetBoost(0)
		if cells, ok := circleCells(f.Place.Point, f.RadiusMeters); ok {
			qs := make([]query.Query, 0, len(cells)+1)
			for _, c := range cells {
				t := bleve.NewTermQuery(c)
				t.SetField(fFlag)
				t.SetBoost(0)
				qs = append(qs, t)
			}
			qs = append(qs, pointless)
			must = append(must, anyOf(qs...))
		}
	}
	if f.InArea && f.Place != nil {
		must = append(must, mightCover(f.Place))
	}
	return must, mustNot
}

// statusOf returns the service's status, taking an unset one as active.
func statusOf(s *directory.Service) directory.Status {
	if s.Status == "" {
		return directory.StatusActive
	}
	return s.Status
}

func hasAnyCategory(s *directory.Service, ids []string) bool {
	for _, id := range ids {
		if s.HasCategory(id) {
			return true
		}
	}
	return false
}

// languagesOf returns the primary language subtags the service is offered
// in at l, English when the listing names none.
func languagesOf(s *directory.Service, l *directory.Location) []string {
	var all []string
	all = append(all, s.Languages...)
	if l != nil {
		all = append(all, l.Languages...)
	}
	if len(all) == 0 {
		return []string{"en"}
	}
	return normLanguages(all)
}

// normLanguages lowercases BCP 47 tags to their primary subtag and drops
// duplicates.
func normLanguages(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if i := strings.IndexAny(t, "-_"); i >= 0 {
			t = t[:i]
		}
		if t != "" && !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// veteransOnly reports whether the service is restricted to veterans and
// no other population.
func veteransOnly(s *directory.Service) bool {
	ps := s.Eligibility.Populations
	if len(ps) == 0 {
		return false
	}
	for _, p := range ps {
		if p != directory.PopulationVeterans {
			return false
		}
	}
	return true
}

// wheelchairOK reports whether location l is wheelchair accessible, or
// there is no location to enter (phone and online services).
func wheelchairOK(l *directory.Location) bool {
	return l == nil || (l.Wheelchair != nil && *l.Wheelchair)
}

// areaService returns s, or for a service with a radius service area and a
// confidential location, a copy whose locations carry their coarse points,
// so that a service area never measures from a confidential point.
func areaService(s *directory.Service) *directory.Service {
	if s.Area == nil || s.Area.RadiusMeters <= 0 {
		return s
	}
	conf := false
	for _, l := range s.Locations {
		conf = conf || l.Confidential
	}
	if !conf {
		return s
	}
	c := *s
	c.Locations = make([]*directory.Location, len(s.Locations))
	for i, l := range s.Locations {
		if !l.Confidential {
			c.Locations[i] = l
			continue
		}
		lc := *l
		lc.Point, lc.HasPoint = LocationPoint(l)
		lc.Address = nil
		c.Locations[i] = &lc
	}
	return &c
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// distanceTo returns the distance from place to the document's search
// point, and false when it has none.
func distanceTo(place orb.Point, d *docRef) (float64, bool) {
	if !d.hasPoint {
		return 0, false
	}
	return geo.Distance(place, d.point), true
}
