package match

import (
	"context"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
)

// Paging and size limits of a search.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxWindow is how deep paging may reach: page*per_page.
	MaxWindow = 10000
	// MaxTextLen is the longest search text accepted, in characters.
	MaxTextLen = 500
)

// Sort orders of a search.
const (
	// SortBest orders by the ranking score (score.go): what fits the need
	// and the person, near, open and open to them first.
	SortBest = "best"
	// SortDistance orders by distance from the place, nearest first,
	// services without a point last, then by score.
	SortDistance = "distance"
	// SortRelevance orders by how well a service answers the words, then
	// by score.
	SortRelevance = "relevance"
	// SortName orders by service name.
	SortName = "name"
)

// SearchRequest is one search: plain words, categories or both (or
// neither: everything, nearest first), a place, who the person is, what
// the visit needs, an order and a page.
type SearchRequest struct {
	Text       string
	Categories []string
	// Place is where the person is; nil means the directory's centre,
	// which orders the results but shows no distance.
	Place *geo.Place
	// RadiusMeters, when set, is how far the person can go: results stay
	// within it unless nothing at all is, and then the answer says how far
	// it had to look.
	RadiusMeters float64
	Person       *need.Person
	Constraints  need.Constraints
	Sort         string
	// Page counts from 1 (0 means 1); PerPage is 1 to MaxPerPage (0 means
	// DefaultPerPage).
	Page, PerPage int
	// Now is the time of the request; zero means time.Now().
	Now time.Time
	// Lang ("en", "es") and Unit ("mi", "km") are those of the reasons.
	Lang, Unit string
	// IncludeInactive keeps services whose status is not active.
	IncludeInactive bool
	// Meetings narrows the recovery meetings found beside the services
	// (meetings.go); a filter asks for meetings even when the words do not.
	Meetings MeetingFilter
}

// SearchResult is one page of a search.
type SearchResult struct {
	ReadAs ReadAs
	// Place is where results were measured from; Centered is true when it
	// is the directory's centre, not the person's.
	Place    *geo.Place
	Centered bool
	Total    int
	Page     int
	PerPage  int
	Sort     string
	Hits     []Ranked
	// Facets count every result (not just this page) by category.
	Facets []CategoryCount
	// ReachMeters is how far from the place results were looked for (0
	// without a place, +Inf for the whole directory); Widening says what
	// was widened because too little was near.
	ReachMeters float64
	Widening    Widening
	// ExcludedTotal counts the services left out by the rules,
	// ExcludedCounts counts them by reason code, and Excluded lists the
	// nearest few with why.
	ExcludedTotal  int
	ExcludedCounts map[string]int
	Excluded       []Excluded
	// Crisis are the crisis lines to show above the results, when the
	// search reads as a crisis or asks for crisis services.
	Crisis []directory.Line
	// HelpLine is the directory's help line, offered when nothing in the
	// whole directory fits.
	HelpLine *directory.Line
	// Meetings are the recovery meetings found when the words or the
	// meeting filter ask for one; nil otherwise.
	Meetings *MeetingAnswer
}

// searchExcluded is how many excluded services a search lists.
const searchExcluded = 10

// Search runs one search. It returns an *apperr.Error (code Invalid,
// naming the parameter) for a bad request: per_page above MaxPerPage, a
// negative page, a page beyond MaxWindow, a radius without a place, an
// unknown category or sort, sorting by distance without a place, or text
// longer than MaxTextLen; and a wrapped error if ctx ends or the index
// fails.
func (m *Matcher) Search(ctx context.Context, q SearchRequest) (*SearchResult, error) {
	if err := m.normalizeSearch(&q); err != nil {
		return nil, err
	}
	t := m.newTask(Need{Text: strings.TrimSpace(q.Text), Categories: q.Categories}, q.Place, q.RadiusMeters, q.Person, q.Constraints, q.Now, q.IncludeInactive)
	defer t.release()
	t.sort, t.topK, t.excludedKeep = q.Sort, q.Page*q.PerPage, searchExcluded
	o, err := m.run(ctx, t)
	if err != nil {
		return nil, err
	}
	r := renderer{lang: q.Lang, unit: q.Unit, now: q.Now, stale: m.cat.Info.StaleAfter}
	o.widening.Why = r.widening(m, o.widening, len(o.services), o.excludedTotal)
	res := &SearchResult{ReadAs: o.readAs, Place: t.place, Centered: t.centered, Total: len(o.services), Page: q.Page,
		PerPage: q.PerPage, Sort: q.Sort, Facets: m.facets(o.services), ReachMeters: o.reachMeters, Widening: o.widening,
		ExcludedTotal: o.excludedTotal, ExcludedCounts: o.excludedCounts, Crisis: m.crisisLines(&o.readAs)}
	if len(o.services) == 0 {
		res.HelpLine = m.cat.Info.HelpLine
	}
	from := (q.Page - 1) * q.PerPage
	if n := min(len(o.ranked), from+q.PerPage) - from; n > 0 {
		res.Hits = make([]Ranked, 0, n)
	}
	for i := from; i < len(o.ranked) && i < from+q.PerPage; i++ {
		rk := o.ranked[i]
		rk.Reasons = r.resultReasons(m, &rk, t.person, &o.readAs)
		res.Hits = append(res.Hits, rk)
	}
	for _, e := range o.excluded {
		res.Excluded = append(res.Excluded, m.excludedView(e, t, r))
	}
	res.Meetings = m.meetings(t, q.Meetings, q.PerPage)
	return res, nil
}

// normalizeSearch fills defaults into q and checks it.
func (m *Matcher) normalizeSearch(q *SearchRequest) error {
	switch {
	case q.PerPage < 0 || q.PerPage > MaxPerPage:
		return apperr.Field("per_page", "per_page must be between 1 and %d", MaxPerPage)
	case q.Page < 0:
		return apperr.Field("page", "page must be 1 or more")
	case utf8.RuneCountInString(q.Text) > MaxTextLen:
		return apperr.Field("q", "the search text is longer than %d characters", MaxTextLen)
	case q.RadiusMeters < 0 || math.IsNaN(q.RadiusMeters) || math.IsInf(q.RadiusMeters, 0):
		return apperr.Field("radius", "radius must be a positive distance")
	case q.RadiusMeters > 0 && q.Place == nil:
		return apperr.Field("radius", "a radius needs a place")
	}
	if q.PerPage == 0 {
		q.PerPage = DefaultPerPage
	}
	if q.Page == 0 {
		q.Page = 1
	}
	if q.Page > MaxWindow/q.PerPage {
		return apperr.Field("page", "pages beyond result %d are not available", MaxWindow)
	}
	for _, c := range q.Categories {
		if m.tax.Category(c) == nil {
			return apperr.Field("category", "unknown category %q", c)
		}
	}
	switch q.Sort {
	case "":
		q.Sort = SortBest
	case SortBest, SortRelevance, SortName:
	case SortDistance:
		if q.Place == nil {
			return apperr.Field("sort", "sorting by distance needs a place")
		}
	default:
		return apperr.Field("sort", "sort must be best, distance, relevance or name")
	}
	if q.Person != nil {
		if err := q.Person.Normalize(); err != nil {
			return err
		}
	}
	if err := q.Meetings.Check(m.cat); err != nil {
		return err
	}
	if q.Constraints.OpenNow && q.Constraints.OpenAt != nil {
		return apperr.Field("open_at", "give either open_now or open_at, not both")
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	if q.Lang == "" {
		q.Lang = directory.Languages[0]
	}
	if q.Unit != "km" {
		q.Unit = "mi"
	}
	return nil
}

// order sorts ranked results (given best first) in the requested order.
func order(ranked []Ranked, by string) {
	switch by {
	case SortDistance:
		sort.SliceStable(ranked, func(i, j int) bool {
			a, b := ranked[i].Distance, ranked[j].Distance
			switch {
			case a != nil && b != nil:
				return *a < *b
			case a != nil || b != nil:
				return a != nil
			}
			return false
		})
	case SortRelevance:
		sort.SliceStable(ranked, func(i, j int) bool { return ranked[i].Parts.Relevance > ranked[j].Parts.Relevance })
	case SortName:
		sort.SliceStable(ranked, func(i, j int) bool {
			a, b := strings.ToLower(ranked[i].Service.Name), strings.ToLower(ranked[j].Service.Name)
			if a != b {
				return a < b
			}
			return ranked[i].key < ranked[j].key
		})
	}
}

// Ref names one document: a service at a location (LocationID is empty
// for a service without locations).
type Ref struct {
	ServiceKey string
	LocationID string
}

// Find returns every document text names, read as every search reads it
// (categories, who, the listings' words), best answer first, inactive
// services included and nobody excluded: for callers that filter further
// and page themselves (the HSDS API's search parameter). Empty text finds
// nothing. It returns a wrapped error if ctx ends or the index fails.
func (m *Matcher) Find(ctx context.Context, text string) ([]Ref, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	t := m.newTask(Need{Text: text}, nil, 0, nil, need.Constraints{}, time.Time{}, true)
	defer t.release()
	t.place, t.centered = nil, false
	far := math.Inf(1)
	var cands []cand
	var err error
	switch ra := t.readAs; {
	case len(ra.Categories) > 0:
		if cands, err = m.categoryCandidates(ctx, t, ra.Categories, nil, far); err == nil {
			cands = m.scoreCategories(t, cands, far)
		}
	case len(t.reading.Terms) > 0:
		cands, err = m.textCandidates(ctx, t, far)
	case len(t.reading.Who) > 0:
		cands = m.whoCandidates(t, far)
	}
	if err != nil {
		return nil, err
	}
	// The words' who-rules apply ("shelter for women" leaves out the
	// men's shelters); services made for the people named come first.
	type found struct {
		c     cand
		score float64
	}
	var keep []found
	for _, c := range cands {
		d := &m.docs[c.d]
		if len(t.rules.Check(nil, d.Service, d.AreaService, d.Location, directory.OpenState{}, nil)) > 0 {
			continue
		}
		fit, _ := fitPart(d.Service, t.person)
		keep = append(keep, found{c, 0.8*c.rel + 0.2*fit*fitFactor(fit)})
	}
	sort.SliceStable(keep, func(i, j int) bool {
		if keep[i].score != keep[j].score {
			return keep[i].score > keep[j].score
		}
		return m.docs[keep[i].c.d].Key < m.docs[keep[j].c.d].Key
	})
	out := make([]Ref, 0, len(keep))
	for _, f := range keep {
		d := &m.docs[f.c.d]
		ref := Ref{ServiceKey: d.Service.Key()}
		if d.Location != nil {
			ref.LocationID = d.Location.ID
		}
		out = append(out, ref)
	}
	return out, nil
}
