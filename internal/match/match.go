// Package match turns a needs profile (what a person needs, where they
// are, who they are and what constrains them) into, for each need, the few
// services most worth calling: ranked by a documented score (score.go),
// each with its reasons in plain words, and the services left out listed
// with why. Plain words are read into taxonomy categories through the
// search index; eligibility rules are those of the search filter, with
// unknown facts never excluding anybody.
//
// A Matcher is built once per directory snapshot and is safe for
// concurrent use. Profiles are neither stored nor logged.
package match

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/search"
)

// Matcher matches profiles against one catalog and its index.
type Matcher struct {
	cat  *directory.Catalog
	tax  *directory.Taxonomy
	ix   *search.Index
	zone *time.Location
	docs []doc
	// byCat lists, for every category id, the documents of services in
	// it or (for a top-level category) in any of its subcategories.
	byCat map[string][]int32
	// exact maps index terms to the categories they are a whole label or
	// synonym of.
	exact map[string][]string
	// catWords are each category's one-word labels and synonyms, folded
	// and stemmed as names are (doc.name).
	catWords map[string][]string
	// childRank is each subcategory's place among its parent's children.
	childRank map[string]int
}

// doc is one service at one location (or a service without locations).
type doc struct {
	svc *directory.Service
	loc *directory.Location
	// point is search.LocationPoint: coarse for a confidential location.
	point    orb.Point
	hasPoint bool
	// name holds the folded, plural-stemmed words of the service's name.
	name []string
	// key orders documents: service id, then location id.
	key string
}

// New indexes the services of ix's catalog for matching. Inactive
// services are left out: they are never matched.
func New(ix *search.Index) *Matcher {
	cat := ix.Catalog()
	m := &Matcher{cat: cat, tax: cat.Taxonomy, ix: ix, zone: cat.Info.TimeZone, byCat: map[string][]int32{}}
	if m.zone == nil {
		m.zone = time.UTC
	}
	cat.Services(func(s *directory.Service) {
		if s.Status != "" && s.Status != directory.StatusActive {
			return
		}
		name := nameWords(s)
		add := func(l *directory.Location) {
			d := doc{svc: s, loc: l, name: name}
			d.key = makeKey(&d)
			d.point, d.hasPoint = search.LocationPoint(l)
			i := int32(len(m.docs))
			m.docs = append(m.docs, d)
			var seen []string
			for _, c := range s.Categories {
				for _, id := range []string{c, directory.RootOf(c)} {
					if !contains(seen, id) {
						seen = append(seen, id)
						m.byCat[id] = append(m.byCat[id], i)
					}
				}
			}
		}
		if len(s.Locations) == 0 {
			add(nil)
		}
		for _, l := range s.Locations {
			add(l)
		}
	})
	m.exact = exactTerms(ix, m.tax)
	m.catWords, m.childRank = map[string][]string{}, map[string]int{}
	for _, c := range m.tax.All() {
		for i, ch := range c.Children {
			m.childRank[ch.ID] = i
		}
		var strs []string
		for _, l := range c.Label {
			strs = append(strs, l)
		}
		for _, ss := range c.Synonyms {
			strs = append(strs, ss...)
		}
		for _, str := range strs {
			if ws := foldWords(str); len(ws) == 1 && !contains(m.catWords[c.ID], stem(ws[0])) {
				m.catWords[c.ID] = append(m.catWords[c.ID], stem(ws[0]))
			}
		}
	}
	return m
}

func nameWords(s *directory.Service) []string {
	var out []string
	for _, w := range foldWords(s.Name + " " + s.AlternateName) {
		if w = stem(w); !contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// Catalog returns the catalog the matcher was built from.
func (m *Matcher) Catalog() *directory.Catalog { return m.cat }

// Result is the answer to a profile: one entry per need, in order.
type Result struct {
	Needs []NeedResult
}

// NeedResult is what was found for one need.
type NeedResult struct {
	Need   Need
	ReadAs ReadAs
	// ReachMeters is how far from the place services were looked for; 0
	// without a place. ReachWidened is true when the default reach was
	// widened because too few eligible services were near.
	ReachMeters  float64
	ReachWidened bool
	// Considered counts the services in the need's categories within
	// reach; Results are the best of those that are eligible, best first.
	Considered int
	Results    []Ranked
	// Excluded are the nearest of the services left out, with why;
	// ExcludedTotal counts them all and ExcludedCounts counts them by
	// reason code (a service failing two rules counts under both).
	Excluded       []Excluded
	ExcludedTotal  int
	ExcludedCounts map[string]int
}

// Ranked is an eligible service at a location, with its score and
// reasons.
type Ranked struct {
	Service  *directory.Service
	Location *directory.Location
	// Distance is in meters from the place, by geo.Distance; nil without
	// a place, a point, or for a confidential location.
	Distance *float64
	Open     directory.OpenState
	Score    float64
	Parts    Parts
	Reasons  []Reason

	zone    *time.Location
	fitWhy  string
	langWhy string
	key     string
}

// Excluded is a service that was left out, with the rules it fails.
type Excluded struct {
	Service  *directory.Service
	Location *directory.Location
	Distance *float64
	Open     directory.OpenState
	Reasons  []Reason
}

// Match ranks services for each need of p. It returns an *apperr.Error
// (Invalid, naming the field) for a profile that cannot be matched, and a
// wrapped error if ctx ends or the index fails.
func (m *Matcher) Match(ctx context.Context, p Profile) (*Result, error) {
	if err := p.normalize(m.tax); err != nil {
		return nil, err
	}
	el := NewEligible(p.Person, p.Place, p.Constraints, p.Now, m.zone)
	r := renderer{lang: p.Lang, unit: p.Unit, now: p.Now, stale: m.cat.Info.StaleAfter}
	out := &Result{Needs: make([]NeedResult, 0, len(p.Needs))}
	for _, n := range p.Needs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("match: %w", err)
		}
		nr, err := m.matchNeed(ctx, &p, el, r, n)
		if err != nil {
			return nil, err
		}
		out.Needs = append(out.Needs, nr)
	}
	return out, nil
}

// cand is a document in reach with what ranking needs of it.
type cand struct {
	d    *doc
	dist float64 // meters; valid when hasDist
	// hasDist is false without a place or a point.
	hasDist bool
	// rel is the relevance part, from the categories or the text search.
	rel float64
	// far is true for a service in the subcategory asked for when the
	// need was widened to its parent: it is looked for up to the farthest
	// reach, since few are near.
	far bool
}

// reaches returns the distances to try, nearest first.
func reaches(p *Profile) []float64 {
	switch {
	case p.Place == nil:
		return []float64{math.Inf(1)}
	case p.TravelMeters > 0:
		return []float64{p.TravelMeters}
	}
	return []float64{DefaultTravel, 25 * geo.MetersPerMile, MaxTravel}
}

func (m *Matcher) matchNeed(ctx context.Context, p *Profile, el *Eligible, r renderer, n Need) (NeedResult, error) {
	ra, words := m.read(n)
	nr := NeedResult{Need: n, ExcludedCounts: map[string]int{}}
	steps := reaches(p)
	far := steps[len(steps)-1]
	var cands []cand
	if len(ra.Categories) == 0 {
		ra.TextSearch = true
		var err error
		if cands, err = m.textCandidates(ctx, p, n.Text, far); err != nil {
			return nr, err
		}
	} else {
		for _, c := range ra.Categories {
			for _, w := range m.catWords[c] {
				if !contains(words, w) {
					words = append(words, w)
				}
			}
		}
		cands = m.categoryCandidates(p, ra.Categories, nil, words, far)
		if eligibleServices(el, cands, steps[0], p, m.zone) < MinResults {
			var parents []string
			for _, c := range ra.Categories {
				if root := directory.RootOf(c); root != c && !contains(ra.Categories, root) && !contains(parents, root) {
					parents = append(parents, root)
				}
			}
			if len(parents) > 0 {
				ra.Widened = parents
				cands = m.categoryCandidates(p, ra.Categories, parents, words, far)
			}
		}
	}
	nr.ReadAs = ra
	reach := steps[0]
	for i, s := range steps {
		reach = s
		if i == len(steps)-1 || eligibleServices(el, cands, s, p, m.zone) >= MinResults {
			break
		}
	}
	if p.Place != nil {
		nr.ReachMeters = reach
		nr.ReachWidened = reach > steps[0]
	}
	m.rank(&nr, cands, reach, p, el, r)
	return nr, nil
}

// categoryCandidates returns the documents in cats (or, with a lower
// relevance, in widened) within reach of the place.
func (m *Matcher) categoryCandidates(p *Profile, cats, widened, words []string, reach float64) []cand {
	var idx []int32
	groups := 0
	for _, group := range [][]string{cats, widened} {
		for _, c := range group {
			idx = append(idx, m.byCat[c]...)
			groups++
		}
	}
	if groups > 1 {
		// A document in several of the categories is listed once.
		sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
		out := idx[:0]
		for i, d := range idx {
			if i == 0 || d != idx[i-1] {
				out = append(out, d)
			}
		}
		idx = out
	}
	var box orb.Bound
	if p.Place != nil && !math.IsInf(reach, 1) {
		box = reachBound(p.Place.Point, reach)
	}
	out := make([]cand, 0, min(len(idx), 1024))
	for _, i := range idx {
		d := &m.docs[i]
		c := cand{d: d}
		if p.Place != nil && d.hasPoint {
			// The bound rejects most far documents without the
			// great-circle distance; geo.Distance decides the rest.
			if !box.IsEmpty() && !box.Contains(d.point) {
				continue
			}
			c.dist, c.hasDist = geo.Distance(p.Place.Point, d.point), true
			if c.dist > reach {
				continue
			}
		}
		c.rel = relevance(d.svc, d.name, cats, widened, words, m.childRank)
		c.far = len(widened) > 0 && inAny(d.svc, cats)
		out = append(out, c)
	}
	return out
}

// reachBound returns a latitude-longitude box that holds every point
// within meters of p, a little generously (it is a prefilter).
func reachBound(p orb.Point, meters float64) orb.Bound {
	const metersPerDegree = 111_000.0
	dLat := meters / metersPerDegree * 1.01
	cos := math.Cos(p.Lat() * math.Pi / 180)
	if cos < 0.01 || dLat >= 90 {
		return orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	}
	dLon := min(dLat/cos, 180)
	return orb.Bound{Min: orb.Point{p.Lon() - dLon, p.Lat() - dLat}, Max: orb.Point{p.Lon() + dLon, p.Lat() + dLat}}
}

// textCandidates finds documents by the words of the need through the
// search index, for needs that name no category; relevance is the text
// score scaled so the best match gets 1 and the weakest at least 0.5.
func (m *Matcher) textCandidates(ctx context.Context, p *Profile, text string, reach float64) ([]cand, error) {
	q := search.Query{Text: text, Sort: search.SortRelevance, PerPage: search.MaxPerPage, Now: p.Now}
	if p.Place != nil {
		q.Place = p.Place
		if !math.IsInf(reach, 1) {
			q.RadiusMeters = reach
		}
	}
	res, err := m.ix.Search(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("match: text search: %w", err)
	}
	top := 0.0
	for _, h := range res.Hits {
		top = max(top, h.Score)
	}
	out := make([]cand, 0, len(res.Hits))
	for _, h := range res.Hits {
		d := &doc{svc: h.Service, loc: h.Location, name: nameWords(h.Service)}
		d.key = makeKey(d)
		d.point, d.hasPoint = search.LocationPoint(h.Location)
		c := cand{d: d, rel: 0.5}
		if top > 0 {
			c.rel = 0.5 + 0.5*h.Score/top
		}
		if p.Place != nil && d.hasPoint {
			c.dist, c.hasDist = geo.Distance(p.Place.Point, d.point), true
		}
		out = append(out, c)
	}
	return out, nil
}

// within reports whether a candidate is within reach (documents without a
// point always are: their service area decides).
func (c *cand) within(reach float64) bool { return !c.hasDist || c.far || c.dist <= reach }

// inAny reports whether s is in one of cats (or their subcategories).
func inAny(s *directory.Service, cats []string) bool {
	for _, c := range cats {
		if s.HasCategory(c) {
			return true
		}
	}
	return false
}

// eligibleServices counts the distinct services among cands within reach
// that pass the rules.
func eligibleServices(el *Eligible, cands []cand, reach float64, p *Profile, zone *time.Location) int {
	seen := map[*directory.Service]bool{}
	for i := range cands {
		c := &cands[i]
		if !c.within(reach) || seen[c.d.svc] {
			continue
		}
		var st directory.OpenState
		z := zone
		if el.needsOpen() {
			st, z = openAt(c.d, el.at, zone)
		}
		if len(el.check(c.d.svc, c.d.loc, st, z)) == 0 {
			seen[c.d.svc] = true
			if len(seen) >= MinResults {
				break
			}
		}
	}
	return len(seen)
}

// openAt returns whether d is open at t and the zone its hours are read in.
func openAt(d *doc, t time.Time, dir *time.Location) (directory.OpenState, *time.Location) {
	h, z := d.svc.HoursAt(d.loc, dir)
	return h.At(t, z), z
}

// scored is an eligible candidate with its score before the open part.
type scored struct {
	c       *cand
	parts   Parts
	partial float64
	fitWhy  string
	langWhy string
}

// rank scores the eligible candidates within reach and keeps the best per
// service, and collects the excluded ones.
func (m *Matcher) rank(nr *NeedResult, cands []cand, reach float64, p *Profile, el *Eligible, r renderer) {
	var pool []scored
	type excl struct {
		c    *cand
		hits []ruleHit
		open directory.OpenState
	}
	var excluded []excl
	exclSeen := map[*directory.Service]bool{}
	considered := map[*directory.Service]bool{}
	var plans []string
	if p.Person != nil {
		plans = p.Person.Insurance
	}
	stale := m.cat.Info.StaleAfter
	for i := range cands {
		c := &cands[i]
		if !c.within(reach) {
			continue
		}
		considered[c.d.svc] = true
		var st directory.OpenState
		zone := m.zone
		if el.needsOpen() {
			st, zone = openAt(c.d, el.at, m.zone)
		}
		if hits := el.check(c.d.svc, c.d.loc, st, zone); len(hits) > 0 {
			excluded = append(excluded, excl{c: c, hits: hits, open: st})
			continue
		}
		s := c.d.svc
		sc := scored{c: c}
		sc.parts.Relevance = c.rel
		var d *float64
		if c.hasDist {
			d = &c.dist
		}
		sc.parts.Distance = distancePart(d, p.Place != nil)
		sc.parts.Fit, sc.fitWhy = fitPart(s, p.Person)
		var langs []string
		if p.Person != nil {
			langs = p.Person.Languages
		}
		sc.parts.Language, sc.langWhy = languagePart(s, c.d.loc, langs)
		sc.parts.Cost = costPart(s, plans)
		sc.parts.Fresh = freshPart(s.LastVerified, p.Now, stale)
		sc.partial = sc.parts.total(nr.ReadAs.Urgent)
		pool = append(pool, sc)
	}
	nr.Considered = len(considered)

	// Best first by the score without the open part; the open part is
	// added in that order until no later candidate could reach the top.
	sort.Slice(pool, func(i, j int) bool {
		if pool[i].partial != pool[j].partial {
			return pool[i].partial > pool[j].partial
		}
		return docKey(pool[i].c.d) < docKey(pool[j].c.d)
	})
	urgent := nr.ReadAs.Urgent
	var top []Ranked
	for i := range pool {
		sc := &pool[i]
		if len(top) == p.Limit && sc.partial+maxOpen(urgent) < top[len(top)-1].Score {
			break
		}
		st, zone := openAt(sc.c.d, el.at, m.zone)
		sc.parts.Open = openPart(st, el.at)
		rk := Ranked{Service: sc.c.d.svc, Location: sc.c.d.loc, Open: st, Parts: sc.parts,
			Score: sc.parts.total(urgent), zone: zone, fitWhy: sc.fitWhy, langWhy: sc.langWhy, key: docKey(sc.c.d)}
		if sc.c.hasDist && (sc.c.d.loc == nil || !sc.c.d.loc.Confidential) {
			dist := sc.c.dist
			rk.Distance = &dist
		}
		top = insertTop(top, rk, p.Limit)
	}
	for i := range top {
		top[i].Score = math.Round(top[i].Score*10000) / 10000
		top[i].Reasons = r.resultReasons(m, &top[i], p, &nr.ReadAs)
	}
	nr.Results = top

	sort.Slice(excluded, func(i, j int) bool {
		a, b := excluded[i].c, excluded[j].c
		if a.hasDist != b.hasDist {
			return a.hasDist
		}
		if a.hasDist && a.dist != b.dist {
			return a.dist < b.dist
		}
		return docKey(a.d) < docKey(b.d)
	})
	for _, e := range excluded {
		s := e.c.d.svc
		if exclSeen[s] {
			continue
		}
		exclSeen[s] = true
		nr.ExcludedTotal++
		for _, h := range e.hits {
			nr.ExcludedCounts[h.code]++
		}
		if len(nr.Excluded) >= p.ExcludedLimit {
			continue
		}
		x := Excluded{Service: s, Location: e.c.d.loc, Open: e.open}
		if !el.needsOpen() {
			x.Open, _ = openAt(e.c.d, el.at, m.zone)
		}
		if e.c.hasDist && (e.c.d.loc == nil || !e.c.d.loc.Confidential) {
			dist := e.c.dist
			x.Distance = &dist
		}
		for _, h := range e.hits {
			x.Reasons = append(x.Reasons, r.exclusion(h))
		}
		nr.Excluded = append(nr.Excluded, x)
	}
}

// insertTop adds rk to top (best first, one entry per service, at most
// limit long), keeping each service's best location.
func insertTop(top []Ranked, rk Ranked, limit int) []Ranked {
	for i := range top {
		if top[i].Service == rk.Service {
			if !better(rk, top[i]) {
				return top
			}
			top = append(top[:i], top[i+1:]...)
			break
		}
	}
	i := sort.Search(len(top), func(i int) bool { return better(rk, top[i]) })
	if i >= limit {
		return top
	}
	top = append(top, Ranked{})
	copy(top[i+1:], top[i:])
	top[i] = rk
	if len(top) > limit {
		top = top[:limit]
	}
	return top
}

// better orders ranked results: higher score first, then service id and
// location id.
func better(a, b Ranked) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.key < b.key
}

// docKey is a document's stable order: service id, then location id.
func docKey(d *doc) string { return d.key }

func makeKey(d *doc) string {
	if d.loc == nil {
		return d.svc.Key()
	}
	return d.svc.Key() + "\x00" + d.loc.ID
}

// docCount returns how many service-at-location documents the matcher
// holds.
func (m *Matcher) docCount() int { return len(m.docs) }

// Explain returns the reasons for service s at location l (nil for a
// service without one) as a match would give them, for a search result:
// distance in meters from the place (nil when unknown), its open state,
// the categories the search matched, and the person and language of
// profile p (its needs are not used). It never fails: a profile that does
// not validate is explained without its person.
func (m *Matcher) Explain(s *directory.Service, l *directory.Location, distance *float64, open directory.OpenState, categories []string, p Profile) []Reason {
	if p.Person != nil && p.Person.Normalize() != nil {
		p.Person = nil
	}
	if p.Lang == "" {
		p.Lang = directory.Languages[0]
	}
	if p.Unit != "km" {
		p.Unit = "mi"
	}
	rk := Ranked{Service: s, Location: l, Distance: distance, Open: open}
	_, rk.zone = s.HoursAt(l, m.zone)
	rk.Parts.Fit, rk.fitWhy = fitPart(s, p.Person)
	var langs []string
	if p.Person != nil {
		langs = p.Person.Languages
	}
	_, rk.langWhy = languagePart(s, l, langs)
	r := renderer{lang: p.Lang, unit: p.Unit, now: p.Now, stale: m.cat.Info.StaleAfter}
	return r.resultReasons(m, &rk, &p, &ReadAs{Categories: categories})
}
