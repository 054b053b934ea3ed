// Package match is Trellis's one engine for finding services: it turns a
// need (words, categories or both), where the person is, who they are and
// what constrains the visit into the services most worth calling, ranked
// by a documented score (score.go), each with its reasons in plain words,
// and the services left out with why. The search API, the public pages,
// the kiosk and the needs matcher all call it: Search for one need with
// paging and facets, Match for a profile of several needs.
//
// Words are read by package need (categories, who, crisis, urgency,
// corrections), eligibility is need.Rules, and the search index only
// finds documents by the listings' own words. When too little is near, a
// need widens step by step, to its parent category and then to a wider
// reach, and the answer says so; nothing is found only when nothing in the
// whole directory fits.
//
// A Matcher is built once per directory snapshot and is safe for
// concurrent use. Profiles are neither stored nor logged.
package match

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
	"trellis/internal/search"
)

// Matcher matches needs against one catalog and its index.
type Matcher struct {
	cat  *directory.Catalog
	tax  *directory.Taxonomy
	ix   *search.Index
	voc  *need.Vocabulary
	zone *time.Location
	// docs is the index's table of documents; names holds, per document,
	// the stems of its service's name words.
	docs  []search.Doc
	names [][]string
	// svc numbers each document's service (its documents are adjacent in
	// docs); services is how many there are. A search marks the services
	// it has seen in a serviceSet rather than a map.
	svc      []int32
	services int
	sets     sync.Pool
	// points are the documents' points (docs[i].Point, or NaN without
	// one), apart from the documents so that testing thousands against a
	// bound reads little memory.
	points []orb.Point
	// byCat lists, for every category id, the documents of services in
	// it or (for a top-level category) in any of its subcategories.
	byCat map[string]*catDocs
	// byWho lists, for every gender and population, the documents of
	// services made for it: restricted to it, focused on it, or (for
	// veterans) named for it.
	byWho map[string][]int32
	// catWords are each category's one-word labels and synonyms, stemmed.
	catWords map[string][]string
	// childRank is each subcategory's place among its parent's children.
	childRank map[string]int
	// center is the directory's default place (directory.yaml
	// default_near): searches without a place rank from it.
	center *geo.Place
	// places resolves ZIP codes and points; towns are the towns the
	// listings are in (places.go).
	places *geo.Gazetteer
	towns  towns
	// meetingDocs are the catalog's recovery meetings (meetings.go).
	meetingDocs []meetingDoc
}

// New builds the matcher of ix's catalog. places resolves the directory's
// default place; nil leaves searches without a place unranked by
// distance. prev, when not nil, is the matcher of the catalog before a
// reload: what it worked out for a service it shares with ix's catalog
// (unchanged listings keep their services) is taken, not worked out
// again.
func New(ix *search.Index, places *geo.Gazetteer, prev *Matcher) *Matcher {
	cat := ix.Catalog()
	m := &Matcher{cat: cat, tax: cat.Taxonomy, ix: ix,
		zone: cat.Info.TimeZone, docs: ix.Docs(), byCat: map[string]*catDocs{}, byWho: map[string][]int32{}}
	if m.zone == nil {
		m.zone = time.UTC
	}
	// What depends on the taxonomy, the vocabulary and the meetings is
	// built beside the tables of documents: a restart waits for both.
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.voc = need.NewVocabulary(cat.Taxonomy, cat.Vocabulary)
		m.catWords, m.childRank = map[string][]string{}, map[string]int{}
		for _, c := range m.tax.All() {
			for i, ch := range c.Children {
				m.childRank[ch.ID] = i
			}
			var strs []string
			for _, l := range directory.Languages {
				strs = append(strs, c.Label[l])
				strs = append(strs, c.Synonyms[l]...)
			}
			for _, str := range strs {
				if ws := need.Words(str); len(ws) == 1 && !slices.Contains(m.catWords[c.ID], need.Stem(ws[0])) {
					m.catWords[c.ID] = append(m.catWords[c.ID], need.Stem(ws[0]))
				}
			}
		}
		m.towns = newTowns(cat)
		m.meetingDocs = newMeetingDocs(cat, m.voc)
	}()
	var prevNames map[*directory.Service][]string
	if prev != nil {
		prevNames = make(map[*directory.Service][]string, prev.services)
		for i := range prev.docs {
			prevNames[prev.docs[i].Service] = prev.names[i]
		}
	}
	m.names = make([][]string, len(m.docs))
	m.svc = make([]int32, len(m.docs))
	m.points = make([]orb.Point, len(m.docs))
	for i := range m.docs {
		d := &m.docs[i]
		m.points[i] = orb.Point{math.NaN(), math.NaN()}
		if d.HasPoint {
			m.points[i] = d.Point
		}
		s := d.Service
		if i > 0 && m.docs[i-1].Service == s {
			m.names[i] = m.names[i-1]
			m.svc[i] = m.svc[i-1]
		} else {
			var ok bool
			if m.names[i], ok = prevNames[s]; !ok {
				m.names[i] = nameWords(s)
			}
			m.svc[i] = int32(m.services)
			m.services++
		}
		var seen []string
		for _, c := range s.Categories {
			for _, id := range []string{c, directory.RootOf(c)} {
				if !slices.Contains(seen, id) {
					seen = append(seen, id)
					if m.byCat[id] == nil {
						m.byCat[id] = &catDocs{}
					}
					m.byCat[id].all = append(m.byCat[id].all, int32(i))
				}
			}
		}
		for _, w := range madeFor(s) {
			m.byWho[w] = append(m.byWho[w], int32(i))
		}
	}
	for _, l := range m.byCat {
		l.sortByLatitude(m.points)
	}
	m.places = places
	if places != nil && cat.Info.DefaultNear != "" {
		if p, err := places.ParsePlace(cat.Info.DefaultNear); err == nil {
			m.center = &p
		}
	}
	<-done
	return m
}

// madeFor returns the genders and populations service s is made for.
func madeFor(s *directory.Service) []string {
	el := s.Eligibility
	out := union(nil, el.Genders)
	out = union(out, el.Populations)
	out = union(out, el.Focus)
	if namesVeterans(s.Name) || (s.Org != nil && namesVeterans(s.Org.Name)) {
		out = union(out, []string{directory.PopulationVeterans})
	}
	return out
}

// namesVeterans reports whether name says it is for veterans
// (veteranName); most names hold neither "VA" nor "veteran" in any case,
// and need no regular expression.
func namesVeterans(name string) bool {
	if !strings.Contains(name, "VA") && !containsFold(name, "veteran") {
		return false
	}
	return veteranName.MatchString(name)
}

// containsFold reports whether s holds word, an ASCII lower-case word, in
// any case.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

func nameWords(s *directory.Service) []string {
	var out []string
	for _, w := range need.Words(s.Name + " " + s.AlternateName) {
		if w = need.Stem(w); !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// Catalog returns the catalog the matcher was built from.
func (m *Matcher) Catalog() *directory.Catalog { return m.cat }

// Vocabulary returns the compiled vocabulary needs are read with.
func (m *Matcher) Vocabulary() *need.Vocabulary { return m.voc }

// Read reads text as every search and match of this directory does.
func (m *Matcher) Read(text string) need.Reading { return m.voc.Read(text, m.ix) }

// Center returns the directory's default place, nil when it has none.
func (m *Matcher) Center() *geo.Place { return m.center }

// Ranked is an eligible service at a location, with its score and
// reasons.
type Ranked struct {
	Service  *directory.Service
	Location *directory.Location
	// Distance is in meters from the place, by geo.Distance; nil without
	// a place, a point, or for a confidential location.
	Distance *float64
	Open     directory.OpenState
	// OutOfSeason is true for a seasonal service (a farmers market) on a
	// date outside its season.
	OutOfSeason bool
	Score       float64
	Parts       Parts
	Reasons     []Reason

	zone    *time.Location
	fitWhy  string
	langWhy string
	key     string
	// usualSeason says the season is the category's, not the listing's.
	usualSeason bool
	season      *directory.Season
}

// Excluded is a service that was left out, with the rules it fails.
type Excluded struct {
	Service  *directory.Service
	Location *directory.Location
	Distance *float64
	Open     directory.OpenState
	Reasons  []Reason
}

// Widening says how a need was widened because too little was near.
type Widening struct {
	// From are the categories read that had too little near; To the
	// parent categories added ("substance-use.detox" to "substance-use").
	// Both empty when only the reach was widened.
	From, To []string
	// FromMeters and ToMeters are the reach before and after, when the
	// reach was widened (0 when it was not, or without a place; ToMeters
	// is +Inf when the whole directory was searched).
	FromMeters, ToMeters float64
	// Why says what was done, in the request's language: "No detox listed
	// within 10 mi. Showing substance use treatment nearby: ask them
	// about detox."
	Why string
}

// IsZero reports whether nothing was widened.
func (w *Widening) IsZero() bool { return w == nil || (len(w.To) == 0 && w.ToMeters == 0) }

// cand is a document in reach with what ranking needs of it. A search
// near a city holds thousands: the fields are ordered to pack in 24 bytes.
type cand struct {
	d int32
	// hasDist is false without a place or a point.
	hasDist bool
	// far is true for a service in the subcategory asked for when the
	// need was widened to its parent: it is looked for up to the farthest
	// reach, since few are near.
	far  bool
	dist float64 // meters; valid when hasDist
	// rel is the relevance part, from the categories or the text search.
	rel float64
}

// scratch is the working memory of one need's search: the candidates,
// their scores, the eligible services and the rules' findings, lists
// that grow to thousands of entries near a city in a national directory.
// It comes from scratchPool and goes back when the answer is built
// (task.release): under load, the garbage searches leave sets how often
// the collector runs and how far the heap grows past its live size.
type scratch struct {
	cands    []cand
	pool     []scored
	opens    []directory.OpenState
	hits     []need.Exclusion
	services []*directory.Service
	top      []Ranked
	best     map[*directory.Service]int
}

// scored is an eligible candidate of rank with its score without the
// open part (partial) and whether that part is known yet.
type scored struct {
	c       *cand
	partial float64
	factor  float64
	known   bool
	// open indexes the open states the rules read (when they read hours);
	// -1 when they read none.
	open int32
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxScratch is the most candidates a scratch keeps room for once given
// back: a search of the whole national directory must not pin its lists.
const maxScratch = 1 << 16

// release gives the task's scratch back; nothing of it may be used after.
func (t *task) release() {
	sc := t.scratch
	if sc == nil {
		return
	}
	t.scratch = nil
	if cap(sc.cands) > maxScratch || cap(sc.pool) > maxScratch || cap(sc.services) > maxScratch || cap(sc.top) > maxScratch || len(sc.best) > maxScratch {
		return
	}
	// What points into a catalog is dropped: a reload must not leave
	// the old catalog reachable from the pool.
	clear(sc.services)
	clear(sc.hits[:cap(sc.hits)])
	clear(sc.top[:cap(sc.top)])
	clear(sc.best)
	// The lists keep their lengths: each use starts from list[:0].
	scratchPool.Put(sc)
}

// task is one need being matched: what was asked and read, and the rules.
type task struct {
	need    Need
	reading need.Reading
	readAs  ReadAs
	person  *need.Person
	rules   *need.Rules
	place   *geo.Place
	// centered is true when place is the directory's centre, not the
	// person's: distances order the results but are not shown.
	centered bool
	// travel is the reach the request gave (0: the default steps).
	travel float64
	now    time.Time
	// words are the need's content words, for matching names.
	words []string
	// sort is the order of the results (SortBest when empty) and topK
	// how many are wanted (0: all).
	sort string
	topK int
	// excludedKeep is how many excluded services the answer lists, the
	// nearest (-1: all); the others are only counted.
	excludedKeep int
	// textScore maps documents to their text score (0-1) for the need's
	// leftover words; wordScore for any of its content words, category
	// words included ("shower" in a description).
	textScore, wordScore map[int32]float64
	// textHits are the documents holding the leftover words (textScore's).
	textHits *search.TextResult
	// relCats and relWidened are the categories categoryCandidates found
	// the candidates by, for scoreCategories; nil for other candidates.
	relCats, relWidened []string
	// scratch is the task's working memory, until release.
	scratch *scratch
}

// outcome is everything found for one need, before paging.
type outcome struct {
	readAs       ReadAs
	reachMeters  float64
	reachWidened bool
	widening     Widening
	considered   int
	// ranked holds the best location of the first task.topK eligible
	// services in reach, in the task's order; services are every eligible
	// service in reach.
	ranked   []Ranked
	services []*directory.Service
	// excluded holds one location of each of the task.excludedKeep
	// nearest excluded services, nearest first; excludedTotal counts
	// them all, and excludedCounts their reasons. The rules are checked
	// again for those listed (excludedView): most of the thousands turned
	// away near a city are only counted, and keeping each one's findings
	// until the list is cut would cost more than finding them twice.
	excluded       []cand
	excludedTotal  int
	excludedCounts map[string]int
}

// reaches returns the distances to try, nearest first: the travel the
// request gave, then those of DefaultTravel, 25 miles and MaxTravel that
// are farther; then twice as far each step up to FarthestStep; then the
// whole directory. Widening
// step by step keeps the nearest answers when nothing is close (a rural
// ZIP code in a national directory): beyond a few miles the distance part
// of a score is nil, so a jump to the whole directory would rank answers
// a continent away beside those one county over, and rank every service
// in the country to do it.
func reaches(t *task) []float64 {
	if t.place == nil || t.centered {
		return []float64{math.Inf(1)}
	}
	var steps []float64
	if t.travel > 0 {
		steps = []float64{t.travel}
	}
	for _, r := range []float64{DefaultTravel, 25 * geo.MetersPerMile, MaxTravel} {
		if r > t.travel {
			steps = append(steps, r)
		}
	}
	for r := 2 * max(steps[len(steps)-1], MaxTravel); r <= FarthestStep; r *= 2 {
		steps = append(steps, r)
	}
	return append(steps, math.Inf(1))
}

// FarthestStep is the farthest finite reach a search widens to before it
// takes the whole directory: 1,600 miles, a day's drive and more.
const FarthestStep = 1600 * geo.MetersPerMile

// run finds, ranks and explains the candidates of one need.
func (m *Matcher) run(ctx context.Context, t *task) (*outcome, error) {
	out := &outcome{readAs: t.readAs, excludedCounts: map[string]int{}}
	ra := &out.readAs
	steps := reaches(t)
	// gather finds the candidates within reach. Candidates are gathered
	// again for each wider reach, not once for the whole directory: a
	// category or a common word can hold thousands of services across a
	// national directory, and the bound rejects the far ones cheaply.
	var widened []string
	gather := func(reach float64) ([]cand, error) {
		switch {
		case len(ra.Categories) > 0:
			if len(widened) > 0 {
				// The subcategory asked for is looked for farther.
				reach = max(reach, t.farReach())
			}
			return m.categoryCandidates(ctx, t, ra.Categories, widened, reach)
		case len(t.reading.Terms) > 0:
			ra.TextSearch = true
			return m.textCandidates(ctx, t, reach)
		case len(t.reading.Who) > 0:
			return m.whoCandidates(t, reach), nil
		case t.need.Text == "" || len(t.reading.Ignored) == 0:
			// Nothing asked for in particular (no words, or only words
			// such as "help", "ayuda", "tonight" or "free" that ask for no
			// kind of service): everything, nearest first, within what
			// those words say (open tonight, free).
			return m.allCandidates(t, reach), nil
		}
		// Words that name nothing the directory knows find nothing.
		return nil, nil
	}
	cands, err := gather(steps[0])
	if err != nil {
		return nil, err
	}
	// Each subcategory asked for that has fewer than MinResults near is
	// widened on its own, to its parent or to the categories the taxonomy
	// names in its also: "dope sick, need help now" reads detox and
	// crisis, and the crisis services near must not hide that no detox is.
	var from []string
	for _, c := range ra.Categories {
		root := directory.RootOf(c)
		if root == c || slices.Contains(ra.Categories, root) {
			continue
		}
		to := []string{root}
		if cat := m.tax.Category(c); cat != nil && len(cat.Also) > 0 {
			to = cat.Also
		}
		if m.eligible(t, cands, steps[0], c) < MinResults {
			from = append(from, c)
			for _, w := range to {
				if !slices.Contains(widened, w) && !slices.Contains(ra.Categories, w) {
					widened = append(widened, w)
				}
			}
		}
	}
	if len(widened) > 0 {
		ra.Widened = widened
		out.widening.From, out.widening.To = from, widened
		if t.place != nil && !t.centered {
			out.widening.FromMeters = steps[0]
		}
		if cands, err = gather(steps[0]); err != nil {
			return nil, err
		}
	}
	reach := steps[0]
	for i, s := range steps {
		if s != reach {
			if cands, err = gather(s); err != nil {
				return nil, err
			}
		}
		reach = s
		if i == len(steps)-1 {
			break
		}
		// Widen while fewer than MinResults fit; a reach the request gave,
		// and the farthest default one, are kept as soon as anything fits.
		n := m.eligible(t, cands, s)
		if n >= MinResults || (n > 0 && (t.travel > 0 || s >= MaxTravel)) {
			break
		}
	}
	if t.place != nil && !t.centered {
		out.reachMeters = reach
		if reach > steps[0] {
			out.reachWidened = true
			out.widening.FromMeters, out.widening.ToMeters = steps[0], reach
		}
	}
	if t.relCats != nil {
		cands = m.scoreCategories(t, cands, reach)
	}
	m.rank(out, t, cands, reach)
	return out, nil
}

// newTask reads need n for request r (the place, person, constraints and
// time shared by every need of a profile).
func (m *Matcher) newTask(n Need, place *geo.Place, travel float64, person *need.Person, c need.Constraints, now time.Time, includeInactive bool) *task {
	// A place named in the words ("food pantry 20020", "detox in silver
	// spring") is where the person means: it wins over the place given.
	if p, rest := m.placeIn(n.Text); p != nil {
		place, n.Text = p, rest
	}
	t := &task{need: n, place: place, travel: travel, now: now, scratch: scratchPool.Get().(*scratch)}
	if n.Text != "" && m.tax.Category(strings.ToLower(n.Text)) == nil {
		t.reading = m.Read(n.Text)
	} else if n.Text != "" {
		n.Categories = append(n.Categories, strings.ToLower(n.Text))
	}
	t.person = t.reading.With(person)
	if t.reading.Free {
		c.FreeOnly = true
	}
	if place == nil && m.center != nil {
		t.place, t.centered = m.center, true
	}
	var rulesPlace *geo.Place
	if !t.centered {
		rulesPlace = t.place
	}
	t.rules = need.NewRules(t.person, rulesPlace, c, now)
	t.rules.IncludeInactive = includeInactive
	t.readAs = newReadAs(&t.reading, n.Categories, m.voc)
	for _, c := range t.readAs.Categories {
		for _, w := range m.catWords[c] {
			t.words = union(t.words, []string{w})
		}
	}
	t.words = union(t.words, t.reading.NameWords)
	return t
}

// categoryCandidates returns the documents in cats (or, with a lower
// relevance, in widened) within reach of the place; the documents whose
// text holds every leftover word of the need join them.
func (m *Matcher) categoryCandidates(ctx context.Context, t *task, cats, widened []string, reach float64) ([]cand, error) {
	if len(t.reading.Terms) > 0 && t.textHits == nil {
		res, err := m.ix.Text(ctx, t.reading.Terms, 0)
		if err != nil {
			return nil, fmt.Errorf("match: text search: %w", err)
		}
		t.textScore, t.textHits = res.Normalized(), res
	}
	if t.wordScore == nil && len(t.reading.NameWords) > 0 {
		// A listing whose own words hold the need's ("shower" for a place
		// with showers, not only restrooms) is the surer answer.
		res, err := m.ix.Text(ctx, t.reading.NameWords, 0)
		if err != nil {
			return nil, fmt.Errorf("match: text search: %w", err)
		}
		t.wordScore = res.Normalized()
	}
	// The documents of the categories, and those holding every leftover
	// word, that are within reach; the bound is tested before anything
	// else, so a far document costs four comparisons.
	box := m.bound(t, reach)
	out := t.scratch.cands[:0]
	add := func(i int32) {
		if c, ok := m.near(t, i, box, reach); ok {
			out = append(out, c)
		}
	}
	lists := 0
	for _, group := range [][]string{cats, widened} {
		for _, c := range group {
			m.byCat[c].each(box, add)
			lists++
		}
	}
	if t.textHits != nil && !t.textHits.Relaxed {
		for _, h := range t.textHits.Hits {
			add(int32(h.Doc))
		}
		lists++
	}
	if lists > 1 || box != nil {
		// In document order, each once (a band of latitudes comes in
		// latitude order).
		slices.SortFunc(out, func(a, b cand) int { return cmp.Compare(a.d, b.d) })
		out = slices.CompactFunc(out, func(a, b cand) bool { return a.d == b.d })
	}
	for i := range out {
		out[i].far = len(widened) > 0 && inAny(m.docs[out[i].d].Service, cats)
	}
	t.relCats, t.relWidened = cats, widened
	t.scratch.cands = out
	return out, nil
}

// scoreCategories keeps the candidates of categoryCandidates within reach
// and gives them their relevance. It runs once the reach is known: a
// category can hold thousands of services across a national directory,
// and only those in reach are ranked.
func (m *Matcher) scoreCategories(t *task, cands []cand, reach float64) []cand {
	out := cands[:0]
	factor := catFactors(t.relCats, t.reading.Purpose)
	for _, c := range cands {
		if !c.within(reach, t.farReach()) {
			continue
		}
		i := c.d
		c.rel = relevance(m.docs[i].Service, m.names[i], t.relCats, factor, t.relWidened, t.words, m.childRank)
		if c.rel == 0 {
			// In by its words alone: a weaker answer than the categories,
			// widened ones included (0.45) however well the words match:
			// "pay" in a job center's text is no answer to "help me pay
			// the light bill".
			c.rel = 0.3 + 0.15*t.textScore[i]
			out = append(out, c)
			continue
		}
		c.rel = min(1, c.rel+0.3*t.textScore[i]+wordBonus*t.wordScore[i])
		out = append(out, c)
	}
	return out
}

// textCandidates finds documents by the need's words through the search
// index, for needs that name no category; relevance is the text score
// scaled so the best match gets 1 and the weakest at least 0.5.
func (m *Matcher) textCandidates(ctx context.Context, t *task, reach float64) ([]cand, error) {
	res, err := m.ix.Text(ctx, t.reading.Terms, 0)
	if err != nil {
		return nil, fmt.Errorf("match: text search: %w", err)
	}
	scores := res.Normalized()
	box := m.bound(t, reach)
	out := t.scratch.cands[:0]
	for _, h := range res.Hits {
		c, ok := m.near(t, int32(h.Doc), box, reach)
		if !ok {
			continue
		}
		c.rel = 0.5 + 0.5*scores[int32(h.Doc)]
		out = append(out, c)
	}
	t.scratch.cands = out
	return out, nil
}

// whoCandidates returns the documents of services made for the people the
// need names ("lgbtq", "veterans"), for needs that name no category.
func (m *Matcher) whoCandidates(t *task, reach float64) []cand {
	var idx []int32
	for _, w := range t.reading.Who {
		idx = append(idx, m.byWho[w]...)
	}
	if len(idx) == 0 {
		return m.allCandidates(t, reach)
	}
	idx = dedupe(idx)
	box := m.bound(t, reach)
	out := t.scratch.cands[:0]
	for _, i := range idx {
		if c, ok := m.near(t, i, box, reach); ok {
			c.rel = 1
			out = append(out, c)
		}
	}
	t.scratch.cands = out
	return out
}

// allCandidates returns every document in reach: a search for nothing in
// particular, ranked by nearness and who the services are for.
func (m *Matcher) allCandidates(t *task, reach float64) []cand {
	box := m.bound(t, reach)
	out := t.scratch.cands[:0]
	for i := range m.docs {
		if c, ok := m.near(t, int32(i), box, reach); ok {
			c.rel = 1
			out = append(out, c)
		}
	}
	t.scratch.cands = out
	return out
}

// bound returns the box around the task's place that holds every point
// within reach, or nil when there is no bound.
func (m *Matcher) bound(t *task, reach float64) *orb.Bound {
	if t.place == nil || math.IsInf(reach, 1) {
		return nil
	}
	b := reachBound(t.place.Point, reach)
	return &b
}

// near returns the candidate for document i when it is within reach (the
// bound rejects most far documents without the great-circle distance;
// geo.Distance decides the rest). Documents without a point are always in
// reach: their service area decides.
func (m *Matcher) near(t *task, i int32, box *orb.Bound, reach float64) (cand, bool) {
	c := cand{d: i}
	p := m.points[i]
	if t.place != nil && !math.IsNaN(p[0]) {
		if box != nil && !box.Contains(p) {
			return c, false
		}
		c.dist, c.hasDist = geo.Distance(t.place.Point, p), true
		if c.dist > reach {
			return c, false
		}
	}
	return c, true
}

// catDocs are a category's documents. Finding those near a place reads
// only the band of latitudes the place's bound spans: in a national
// directory a category holds thousands of documents across the country,
// and a search wants the few near one town.
type catDocs struct {
	// all are the documents in document order.
	all []int32
	// byLat are the documents with a point, by latitude, and lats their
	// latitudes; noPoint the documents without one (their service area
	// decides).
	byLat   []int32
	lats    []float64
	noPoint []int32
}

// sortByLatitude fills byLat, lats and noPoint from all.
func (l *catDocs) sortByLatitude(points []orb.Point) {
	for _, i := range l.all {
		if math.IsNaN(points[i][0]) {
			l.noPoint = append(l.noPoint, i)
		} else {
			l.byLat = append(l.byLat, i)
		}
	}
	slices.SortStableFunc(l.byLat, func(a, b int32) int { return cmp.Compare(points[a].Lat(), points[b].Lat()) })
	l.lats = make([]float64, len(l.byLat))
	for j, i := range l.byLat {
		l.lats[j] = points[i].Lat()
	}
}

// each calls fn with every document that may be within box: with no box
// all of them; else those without a point and those whose latitude is in
// the box's (fn tests the rest of the box and the distance). A nil l has
// no documents.
func (l *catDocs) each(box *orb.Bound, fn func(int32)) {
	if l == nil {
		return
	}
	if box == nil {
		for _, i := range l.all {
			fn(i)
		}
		return
	}
	lo, _ := slices.BinarySearch(l.lats, box.Min.Lat())
	for j := lo; j < len(l.lats) && l.lats[j] <= box.Max.Lat(); j++ {
		fn(l.byLat[j])
	}
	for _, i := range l.noPoint {
		fn(i)
	}
}

func dedupe(idx []int32) []int32 {
	slices.Sort(idx)
	return slices.Compact(idx)
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

// within reports whether a candidate is within reach (documents without a
// point always are: their service area decides). A service of the
// subcategory asked for, when the need was widened to its parent, is
// looked for up to farReach: the travel the request gave, else MaxTravel.
func (c *cand) within(reach, farReach float64) bool {
	return !c.hasDist || c.dist <= reach || (c.far && c.dist <= farReach)
}

// farReach is how far a widened need still looks for the subcategory it
// asked for.
func (t *task) farReach() float64 {
	if t.travel > 0 {
		return t.travel
	}
	return MaxTravel
}

// inAny reports whether s is in one of cats (or their subcategories).
func inAny(s *directory.Service, cats []string) bool {
	for _, c := range cats {
		if s.HasCategory(c) {
			return true
		}
	}
	return false
}

// check applies the rules to candidate c, returning its open state (read
// only when the rules need it) and the rules it fails.
func (m *Matcher) check(t *task, c *cand) (directory.OpenState, *time.Location, []need.Exclusion) {
	d := &m.docs[c.d]
	h, zone := d.Service.HoursAt(d.Location, m.zone)
	var st directory.OpenState
	if t.rules.ReadsHours() {
		st = h.At(t.rules.At(), zone)
	}
	hits := t.rules.Check(t.scratch.hits[:0], d.Service, d.AreaService, d.Location, st, zone)
	t.scratch.hits = hits
	return st, zone, hits
}

// eligible counts the distinct services among cands within reach that
// pass the rules, up to MinResults; with in, only those in one of the
// categories in.
func (m *Matcher) eligible(t *task, cands []cand, reach float64, in ...string) int {
	seen := map[*directory.Service]bool{}
	for i := range cands {
		c := &cands[i]
		s := m.docs[c.d].Service
		if !c.within(reach, t.farReach()) || seen[s] || (len(in) > 0 && !inAny(s, in)) {
			continue
		}
		if _, _, hits := m.check(t, c); len(hits) == 0 {
			seen[s] = true
			if len(seen) >= MinResults {
				break
			}
		}
	}
	return len(seen)
}

// rank applies the rules to the candidates within reach, counts the
// eligible services and their categories, keeps the best of them in the
// task's order (t.topK of them, each service at its best location), and
// collects the excluded ones nearest first.
//
// Reading opening hours is the costly part of a score, so the other parts
// are scored first; in best-first order, hours are read only for the
// candidates whose score could still reach the top t.topK, and in the other
// orders only for the results kept.
func (m *Matcher) rank(out *outcome, t *task, cands []cand, reach float64) {
	var plans, langs []string
	if p := t.person; p != nil {
		plans, langs = p.Insurance, p.Languages
	}
	stale := m.cat.Info.StaleAfter
	urgent := out.readAs.Urgent
	at := t.rules.At()
	// pool holds every eligible candidate with its score without the
	// open part (partial), and whether that part is known yet (scored). A
	// national directory's need can have thousands of candidates in
	// reach, and only the best few become results: the entries are kept
	// small, and a result is built (build) for those that may be kept.
	opens := t.scratch.opens[:0]
	defer func() { t.scratch.opens = opens }()
	// build returns the result for sc without its score, and the factor
	// its score is multiplied by; known is whether the open part is set.
	// Without result, only what the score needs is set: the first pass
	// scores every candidate, and only the few kept need their distance.
	build := func(sc *scored, result bool) (rk Ranked, factor float64, known bool) {
		c := sc.c
		d := &m.docs[c.d]
		s := d.Service
		_, zone := s.HoursAt(d.Location, m.zone)
		rk = Ranked{Service: s, Location: d.Location, zone: zone, key: d.Key}
		if sc.open >= 0 {
			rk.Open = opens[sc.open]
		}
		rk.Parts.Relevance = c.rel
		var dist *float64
		if c.hasDist {
			dist = &c.dist
		}
		rk.Parts.Distance = distancePart(dist, t.place != nil)
		rk.Parts.Fit, rk.fitWhy = fitPart(s, t.person)
		rk.Parts.Language, rk.langWhy = languagePart(s, d.Location, langs)
		rk.Parts.Cost = costPart(s, plans)
		rk.Parts.Fresh = freshPart(s.LastVerified, t.now, stale)
		rk.season, rk.usualSeason = s.SeasonAt(d.Location, m.tax)
		factor = fitFactor(rk.Parts.Fit)
		if rk.season != nil && !rk.season.Contains(directory.DateOf(at.In(zone))) {
			rk.OutOfSeason = true
			factor *= outOfSeason
			known = true
		}
		if t.rules.ReadsHours() {
			known = true
			if !rk.OutOfSeason {
				rk.Parts.Open = openPart(rk.Open, at)
			}
		}
		if result && c.hasDist && !t.centered && (d.Location == nil || !d.Location.Confidential) {
			v := c.dist
			rk.Distance = &v
		}
		return rk, factor, known
	}
	considered, excluded, eligible, release := m.serviceSets()
	defer release()
	pool := t.scratch.pool[:0]
	defer func() { t.scratch.pool = pool }()
	for i := range cands {
		c := &cands[i]
		if !c.within(reach, t.farReach()) {
			continue
		}
		sv := m.svc[c.d]
		considered.add(sv)
		st, _, hits := m.check(t, c)
		if len(hits) > 0 {
			if !excluded.has(sv) {
				excluded.add(sv)
				out.excludedTotal++
				for _, h := range hits {
					out.excludedCounts[h.Code]++
				}
				out.excluded = append(out.excluded, *c)
				if keep := t.excludedKeep; keep >= 0 && len(out.excluded) >= 2*keep+listSlack {
					// Only the nearest are listed: the list is cut
					// back now and then rather than kept whole.
					m.sortExcluded(out.excluded)
					out.excluded = slices.Delete(out.excluded, keep, len(out.excluded))
				}
			}
			continue
		}
		if len(pool) == 0 {
			pool = slices.Grow(pool, len(cands)-i)
		}
		sc := scored{c: c, open: -1}
		if t.rules.ReadsHours() {
			sc.open = int32(len(opens))
			opens = append(opens, st)
		}
		rk, factor, known := build(&sc, false)
		sc.factor, sc.known = factor, known
		sc.partial = rk.Parts.total(urgent) * factor
		pool = append(pool, sc)
	}
	out.considered = considered.count()

	// finish builds a candidate's result, reads its hours (unless known)
	// and sets its score.
	finish := func(sc *scored) Ranked {
		rk, _, _ := build(sc, true)
		if !sc.known {
			h, _ := rk.Service.HoursAt(rk.Location, m.zone)
			rk.Open = h.At(at, rk.zone)
			rk.Parts.Open = openPart(rk.Open, at)
		} else if !t.rules.ReadsHours() {
			h, _ := rk.Service.HoursAt(rk.Location, m.zone)
			rk.Open = h.At(at, rk.zone)
		}
		rk.Score = math.Round(rk.Parts.total(urgent)*sc.factor*10000) / 10000
		return rk
	}
	// The eligible services, for the total and the facets.
	out.services = t.scratch.services[:0]
	defer func() { t.scratch.services = out.services }()
	for i := range pool {
		if sv := m.svc[pool[i].c.d]; !eligible.has(sv) {
			eligible.add(sv)
			out.services = append(out.services, m.docs[pool[i].c.d].Service)
		}
	}
	k := t.topK
	if k <= 0 || k > len(out.services) {
		k = len(out.services)
	}
	if t.scratch.best == nil {
		t.scratch.best = make(map[*directory.Service]int, k)
	}
	best, top := t.scratch.best, slices.Grow(t.scratch.top[:0], k+k/2)
	defer func() { t.scratch.top = top }()
	// keep keeps rk as its service's entry in top unless the service has
	// a better one, and reports whether top changed.
	keep := func(rk Ranked, better func(a, b Ranked) bool) (old *Ranked, changed bool) {
		if j, ok := best[rk.Service]; ok {
			if better(rk, top[j]) {
				prev := top[j]
				top[j] = rk
				return &prev, true
			}
			return nil, false
		}
		best[rk.Service] = len(top)
		top = append(top, rk)
		return nil, true
	}
	switch t.sort {
	case "", SortBest:
		// Highest partial score first; once k services have their full
		// score, a candidate whose partial score plus the most the open
		// part can add falls short of the k-th cannot enter.
		sort.Slice(pool, func(i, j int) bool {
			if pool[i].partial != pool[j].partial {
				return pool[i].partial > pool[j].partial
			}
			return m.docs[pool[i].c.d].Key < m.docs[pool[j].c.d].Key
		})
		maxOpen := wOpen
		if urgent {
			maxOpen *= 2
		}
		// scores are the scores of top, highest first, kept in order as
		// entries come and are replaced, so the k-th is at hand.
		scores := make([]float64, 0, k)
		for i := range pool {
			sc := &pool[i]
			if len(scores) >= k && sc.partial+maxOpen*sc.factor < scores[k-1] {
				break
			}
			rk := finish(sc)
			old, changed := keep(rk, better)
			if !changed {
				continue
			}
			if old != nil {
				j, _ := slices.BinarySearchFunc(scores, old.Score, descending)
				scores = slices.Delete(scores, j, j+1)
			}
			j, _ := slices.BinarySearchFunc(scores, rk.Score, descending)
			scores = slices.Insert(scores, j, rk.Score)
			if len(top) >= 2*k+listSlack {
				// What scores below the k-th can no longer be listed:
				// top keeps the k best and ties, not every service read.
				cut := scores[k-1]
				n := 0
				for _, r := range top {
					if r.Score >= cut {
						top[n] = r
						n++
					}
				}
				clear(top[n:])
				top = top[:n]
				clear(best)
				for i, r := range top {
					best[r.Service] = i
				}
				scores = scores[:n]
			}
		}
		sort.Slice(top, func(i, j int) bool { return better(top[i], top[j]) })
	default:
		// Each service at its best location by partial score, ordered by
		// the requested key; hours are read for the results kept.
		idx := map[string]int{}
		for i := range pool {
			rk, _, _ := build(&pool[i], true)
			idx[rk.key] = i
			keep(rk, func(a, b Ranked) bool { return pool[idx[a.key]].partial > pool[idx[b.key]].partial })
		}
		sort.SliceStable(top, func(i, j int) bool {
			a, b := pool[idx[top[i].key]].partial, pool[idx[top[j].key]].partial
			if a != b {
				return a > b
			}
			return top[i].key < top[j].key
		})
		order(top, t.sort)
		for i := range top[:k] {
			top[i] = finish(&pool[idx[top[i].key]])
		}
	}
	if len(top) > k {
		top = top[:k]
	}
	out.ranked = top
	m.sortExcluded(out.excluded)
	if keep := t.excludedKeep; keep >= 0 && len(out.excluded) > keep {
		out.excluded = slices.Delete(out.excluded, keep, len(out.excluded))
	}
}

// listSlack is how many entries past twice the number listed rank lets
// a list (the excluded, the ranked) gather before it cuts it back.
const listSlack = 8

// sortExcluded sorts excluded candidates nearest first, those without a
// distance last, then by key.
func (m *Matcher) sortExcluded(ex []cand) {
	slices.SortFunc(ex, func(a, b cand) int {
		if a.hasDist != b.hasDist {
			if a.hasDist {
				return -1
			}
			return 1
		}
		if a.hasDist && a.dist != b.dist {
			return cmp.Compare(a.dist, b.dist)
		}
		return strings.Compare(m.docs[a.d].Key, m.docs[b.d].Key)
	})
}

// descending compares scores for a slice in descending order.
func descending(a, b float64) int { return cmp.Compare(b, a) }

// better orders ranked results: higher score first, then service id and
// location id.
func better(a, b Ranked) bool {
	if a.Score != b.Score {
		return a.Score > b.Score
	}
	return a.key < b.key
}

// excludedView renders an excluded candidate.
func (m *Matcher) excludedView(c cand, t *task, r renderer) Excluded {
	d := &m.docs[c.d]
	open, _, hits := m.check(t, &c)
	x := Excluded{Service: d.Service, Location: d.Location, Open: open}
	if !t.rules.ReadsHours() {
		h, zone := d.Service.HoursAt(d.Location, m.zone)
		x.Open = h.At(t.rules.At(), zone)
	}
	if c.hasDist && !t.centered && (d.Location == nil || !d.Location.Confidential) {
		v := c.dist
		x.Distance = &v
	}
	for _, h := range hits {
		x.Reasons = append(x.Reasons, r.exclusion(d.Service, h))
	}
	return x
}

// Explain returns the reasons for service s at location l (nil for a
// service without one) as a match would give them, for a listing shown
// on its own (the service page): distance in meters from the place (nil
// when unknown), its open state, and the person and language of profile p
// (its needs are not used). It never fails: a profile that does not
// validate is explained without its person.
func (m *Matcher) Explain(s *directory.Service, l *directory.Location, distance *float64, open directory.OpenState, p Profile) []Reason {
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
	rk.season, rk.usualSeason = s.SeasonAt(l, m.tax)
	if rk.season != nil && !rk.season.Contains(directory.DateOf(p.Now.In(rk.zone))) {
		rk.OutOfSeason = true
	}
	r := renderer{lang: p.Lang, unit: p.Unit, now: p.Now, stale: m.cat.Info.StaleAfter}
	return r.resultReasons(m, &rk, p.Person, &ReadAs{})
}

func union(a, b []string) []string {
	out := a
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// serviceSet is a set of services by their number (Matcher.svc).
type serviceSet []uint64

func (s serviceSet) add(sv int32)      { s[sv/64] |= 1 << (sv % 64) }
func (s serviceSet) has(sv int32) bool { return s[sv/64]&(1<<(sv%64)) != 0 }

// count returns how many services the set holds.
func (s serviceSet) count() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}

// serviceSets returns three empty sets of the matcher's services, and
// what gives them back once they are no longer used. They come from one
// allocation, reused by later searches.
func (m *Matcher) serviceSets() (a, b, c serviceSet, release func()) {
	w := (m.services + 63) / 64
	p, _ := m.sets.Get().(*[]uint64)
	if p == nil || len(*p) != 3*w {
		all := make([]uint64, 3*w)
		p = &all
	} else {
		clear(*p)
	}
	all := *p
	return all[:w:w], all[w : 2*w : 2*w], all[2*w:], func() { m.sets.Put(p) }
}
