package search

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"trellis/internal/apperr"
	"trellis/internal/directory"
)

// Paging limits.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	// MaxWindow is how deep paging may reach: page*per_page.
	MaxWindow = 10000
	// MaxTextLen is the longest query text accepted, in characters.
	MaxTextLen = 500
)

// Sort orders.
const (
	// SortBest orders by relevance weighted by nearness (see NearnessKm):
	// the default when the query has both text and a place, since a
	// specialist or a kiosk visitor wants the best match they can reach,
	// not the best-worded listing across the region.
	SortBest = "best"
	// SortRelevance orders by score, best first; the default when the
	// query has text and no place.
	SortRelevance = "relevance"
	// SortDistance orders by distance from the place, nearest first, with
	// documents without a point last; the default when the query has a
	// place and no text.
	SortDistance = "distance"
	// SortName orders by service key and location id; the default when the
	// query has neither text nor place.
	SortName = "name"
)

// Query is a search: plain-language text, a filter, an order and a page.
type Query struct {
	// Text is plain words in English or Spanish. Every character is
	// literal: no query syntax is interpreted.
	Text string
	Filter
	// Sort is SortBest, SortRelevance, SortDistance, SortName or "" for
	// the default.
	Sort string
	// Page counts from 1 (0 means 1); PerPage is 1 to MaxPerPage (0 means
	// DefaultPerPage).
	Page, PerPage int
	// Now is the instant at which each hit's open state is told; zero
	// means OpenAt when set, else the current time.
	Now time.Time
}

// Result is one page of a search.
type Result struct {
	// Total counts the documents (service at a location) that match.
	Total   int    `json:"total"`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Sort    string `json:"sort"`
	Hits    []Hit  `json:"hits"`
	// Facets count the matching documents by top-level category, with
	// the subcategory counts inside, largest first.
	Facets []CategoryCount `json:"facets"`
	// Corrections maps each misspelled word to the word searched instead
	// ("shleter" -> "shelter"); Showing is the query with them applied,
	// for "Showing results for ...".
	Corrections map[string]string `json:"corrections,omitempty"`
	Showing     string            `json:"showing,omitempty"`
	// Ignored are words that matched nothing and had no correction.
	Ignored []string `json:"ignored,omitempty"`
	// Relaxed is true when no document matched every word, so documents
	// matching any of them are shown.
	Relaxed bool `json:"relaxed,omitempty"`
}

// CategoryCount is a facet: how many matching documents are in a category.
type CategoryCount struct {
	ID       string          `json:"id"`
	Count    int             `json:"count"`
	Children []CategoryCount `json:"children,omitempty"`
}

// Hit is one service at one location.
type Hit struct {
	ServiceKey string `json:"service"`
	// LocationID is empty for a service without locations.
	LocationID string              `json:"location,omitempty"`
	Service    *directory.Service  `json:"-"`
	Location   *directory.Location `json:"-"`
	// Score is the relevance score under SortRelevance and SortBest, else 0.
	Score float64 `json:"score"`
	// Distance is in meters by geo.Distance from the query's place. It is
	// nil without a place, for a document without a point, and for a
	// confidential location.
	Distance     *float64 `json:"distance_m,omitempty"`
	Confidential bool     `json:"confidential,omitempty"`
	// Categories are the service's categories that the query's text or
	// category filter matched.
	Categories []string            `json:"categories,omitempty"`
	Open       directory.OpenState `json:"open"`
	// Why lists which fields matched which query words.
	Why []Match `json:"why,omitempty"`
}

// Match explains one reason a hit matched the text.
type Match struct {
	// Field is "name", "organization", "description" or "category".
	Field string `json:"field"`
	// Term is the query word or phrase (after spelling correction).
	Term string `json:"term"`
	// Via is the listing's word when it matched as a synonym of Term.
	Via string `json:"via,omitempty"`
	// Category is the category whose labels or synonyms matched.
	Category string `json:"category,omitempty"`
}

// Search runs q. It returns an *apperr.Error (code Invalid, naming the
// field) for a bad query: per_page above MaxPerPage, a negative page or
// radius, a radius or area filter without a place, an unknown sort,
// category, gender, insurance plan or population, an age outside 0-130, or
// text longer than MaxTextLen; and a wrapped error if bleve fails or ctx
// ends.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	if err := ix.normalize(&q); err != nil {
		return nil, err
	}
	res := &Result{Page: q.Page, PerPage: q.PerPage, Sort: q.Sort, Hits: []Hit{}, Facets: []CategoryCount{}}
	sr, facets, p, relaxed, err := ix.execute(ctx, &q)
	if err != nil {
		return nil, err
	}
	res.Corrections, res.Showing, res.Ignored = p.Corrections, p.Showing, p.Ignored
	if sr == nil {
		return res, nil
	}
	res.Relaxed = relaxed
	res.Total = int(sr.Total)
	res.Facets = facets
	now := q.Now
	if now.IsZero() {
		if q.OpenAt != nil {
			now = *q.OpenAt
		} else {
			now = time.Now()
		}
	}
	for _, h := range sr.Hits {
		d := ix.docOf(h)
		if d == nil {
			return nil, fmt.Errorf("search: hit %q is no service", h.ID)
		}
		res.Hits = append(res.Hits, ix.hit(d, h, &q, p.Units, now))
	}
	return res, nil
}

// Ref names one matching document: a service at a location (LocationID is
// empty for a service without locations).
type Ref struct {
	ServiceKey string
	LocationID string
}

// All returns every document q matches, up to MaxWindow, in q's order, in
// one pass and without building hits, explanations or open states: for
// callers that filter further and page themselves (the HSDS API). q's Page
// and PerPage are ignored. It returns the same errors as Search.
func (ix *Index) All(ctx context.Context, q Query) ([]Ref, error) {
	q.Page, q.PerPage = 1, 1
	if err := ix.normalize(&q); err != nil {
		return nil, err
	}
	q.PerPage = MaxWindow
	sr, _, _, _, err := ix.execute(ctx, &q)
	if err != nil || sr == nil {
		return nil, err
	}
	out := make([]Ref, 0, len(sr.Hits))
	for _, h := range sr.Hits {
		d := ix.docOf(h)
		if d == nil {
			return nil, fmt.Errorf("search: hit %q is no service", h.ID)
		}
		ref := Ref{ServiceKey: d.svc.Key()}
		if d.loc != nil {
			ref.LocationID = d.loc.ID
		}
		out = append(out, ref)
	}
	return out, nil
}

// execute parses q's text and runs q (normalized), falling back to any
// word when no document matches them all. It returns a nil result when the
// text holds no searchable word, and the parse either way.
func (ix *Index) execute(ctx context.Context, q *Query) (*bleve.SearchResult, []CategoryCount, parsed, bool, error) {
	var p parsed
	if strings.TrimSpace(q.Text) != "" {
		p = ix.text.parse(q.Text)
		if len(p.Units) == 0 {
			return nil, nil, p, false, nil
		}
	}
	sr, facets, err := ix.run(ctx, q, p.Units, false)
	if err != nil {
		return nil, nil, p, false, err
	}
	if sr.Total == 0 && len(p.Units) > 1 {
		if sr, facets, err = ix.run(ctx, q, p.Units, true); err != nil {
			return nil, nil, p, false, err
		}
		return sr, facets, p, sr.Total > 0, nil
	}
	return sr, facets, p, false, nil
}

// normalize fills defaults into q and checks it.
func (ix *Index) normalize(q *Query) error {
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
	case q.InArea && q.Place == nil:
		return apperr.Field("in_area", "the service-area filter needs a place")
	case q.Age != nil && (*q.Age < 0 || *q.Age > 130):
		return apperr.Field("age", "age must be between 0 and 130")
	case q.Gender != "" && !contains(directory.Genders, q.Gender):
		return apperr.Field("gender", "gender must be one of %s", strings.Join(directory.Genders, ", "))
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
		if ix.cat.Taxonomy.Category(c) == nil {
			return apperr.Field("category", "unknown category %q", c)
		}
	}
	for _, p := range q.Insurance {
		if !contains(directory.InsurancePlans, p) {
			return apperr.Field("insurance", "insurance must be one of %s", strings.Join(directory.InsurancePlans, ", "))
		}
	}
	for _, p := range q.Populations {
		if !contains(directory.Populations, p) {
			return apperr.Field("populations", "unknown population %q", p)
		}
		if p == directory.PopulationVeterans && q.Veteran != nil && !*q.Veteran {
			return apperr.Field("veteran", "veteran=false contradicts the veterans population")
		}
	}
	hasText := strings.TrimSpace(q.Text) != ""
	switch q.Sort {
	case "":
		switch {
		case hasText && q.Place != nil:
			q.Sort = SortBest
		case hasText:
			q.Sort = SortRelevance
		case q.Place != nil:
			q.Sort = SortDistance
		default:
			q.Sort = SortName
		}
	case SortRelevance, SortName:
	case SortDistance, SortBest:
		if q.Place == nil {
			return apperr.Field("sort", "sorting by %s needs a place", q.Sort)
		}
	default:
		return apperr.Field("sort", "sort must be best, relevance, distance or name")
	}
	return nil
}

// run builds the bleve request for q and executes it, returning bleve's
// result and the facets. relaxed joins the text units with OR instead of
// AND.
func (ix *Index) run(ctx context.Context, q *Query, units []unit, relaxed bool) (*bleve.SearchResult, []CategoryCount, error) {
	must, mustNot := q.Filter.filterQueries()
	var main query.Query
	if len(units) > 0 {
		// The filters go in a filter clause: bleve runs it unscored, which
		// lets it merge the filters' posting lists into one bitmap that the
		// text query's matches are checked against.
		b := bleve.NewBooleanQuery()
		b.AddMust(ix.textQuery(units, relaxed))
		if len(must) == 1 {
			b.AddFilter(must[0])
		} else if len(must) > 1 {
			b.AddFilter(bleve.NewConjunctionQuery(must...))
		}
		b.AddMustNot(mustNot...)
		main = b
	} else {
		if len(must) == 0 {
			// Every document; postQuery drops the synonym definitions.
			main = bleve.NewMatchAllQuery()
		} else {
			main = bleve.NewConjunctionQuery(must...)
		}
		if len(mustNot) > 0 {
			b := bleve.NewBooleanQuery()
			b.AddMust(main)
			b.AddMustNot(mustNot...)
			main = b
		}
	}
	// bleve expands synonyms only in the query types it knows, so it is
	// asked for the text query's expansions before the query is wrapped.
	pre := map[string]interface{}{bsearch.BM25PreSearchDataKey: ix.bm25}
	if len(units) > 0 {
		fts, err := ix.synonyms(ctx, main)
		if err != nil {
			return nil, nil, err
		}
		pre[bsearch.SynonymPreSearchDataKey] = fts
	}
	post := ix.newPostQuery(main, &q.Filter)
	var top query.Query = post
	if q.Sort == SortBest {
		top = ix.nearer(post, q.Place.Point)
	}
	req := bleve.NewSearchRequestOptions(top, q.PerPage, (q.Page-1)*q.PerPage, false)
	req.PreSearchData = pre
	rank := ix.rankSort()
	switch q.Sort {
	case SortRelevance, SortBest:
		req.SortByCustom(bsearch.SortOrder{&bsearch.SortScore{Desc: true}, rank})
	case SortDistance:
		req.SortByCustom(bsearch.SortOrder{ix.distanceSort(q.Place.Point), rank})
		req.Score = bleve.ScoreNone
	default:
		req.SortByCustom(bsearch.SortOrder{rank})
		req.Score = bleve.ScoreNone
	}
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, nil, fmt.Errorf("search: %w", err)
	}
	return sr, ix.facets(post.counts), nil
}

// synonyms returns bleve's synonym expansions of the text terms in q, from
// the index's synonym source.
func (ix *Index) synonyms(ctx context.Context, q query.Query) (bsearch.FieldTermSynonymMap, error) {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return nil, fmt.Errorf("search: synonyms: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, fmt.Errorf("search: synonyms: %w", err)
	}
	defer r.Close()
	tr, ok := r.(index.ThesaurusReader)
	if !ok {
		return nil, fmt.Errorf("search: synonyms: the index has no thesaurus")
	}
	fts, err := query.ExtractSynonyms(ctx, ix.mapping, tr, q, nil)
	if err != nil {
		return nil, fmt.Errorf("search: synonyms: %w", err)
	}
	return fts, nil
}

// textQuery joins the units' queries: all must match, or with relaxed any.
func (ix *Index) textQuery(units []unit, relaxed bool) query.Query {
	qs := make([]query.Query, len(units))
	for i, u := range units {
		qs[i] = ix.unitQuery(u)
	}
	if len(qs) == 1 {
		return qs[0]
	}
	if relaxed {
		return bleve.NewDisjunctionQuery(qs...)
	}
	return bleve.NewConjunctionQuery(qs...)
}

// nameBoost weighs a phrase's words found in a service's name.
const nameBoost = 3.0

// categoryBoost weighs a match of a category's labels or synonyms: a
// subcategory's words ("pantry") are more specific than a top-level
// category's ("food").
func categoryBoost(id string) float64 {
	if directory.RootOf(id) == id {
		return 1.0
	}
	return 2.0
}

func catQuery(id string, boost float64) query.Query {
	t := bleve.NewTermQuery(id)
	t.SetField(fCat)
	t.SetBoost(boost)
	return t
}

// unitQuery matches one unit. A word (or its corrections) matches any text
// field, weighted by field, each term also matching its synonyms through
// bleve's synonym source, and matches the documents of every category
// whose labels or synonyms hold it. A phrase matches its categories'
// documents, or a name holding all its words (names are short: the words'
// order is not checked, so the index keeps no positions).
func (ix *Index) unitQuery(u unit) query.Query {
	var qs []query.Query
	if len(u.Categories) > 0 {
		for _, c := range u.Categories {
			qs = append(qs, catQuery(c, categoryBoost(c)))
		}
		if len(u.Terms) > 0 {
			ws := make([]query.Query, len(u.Terms))
			for i, w := range u.Terms {
				t := bleve.NewTermQuery(w.Term)
				t.SetField(fName)
				ws[i] = t
			}
			c := bleve.NewConjunctionQuery(ws...)
			c.SetBoost(nameBoost)
			qs = append(qs, c)
		}
	} else {
		for _, w := range u.Terms {
			for _, f := range textFields {
				t := bleve.NewTermQuery(w.Term)
				t.SetField(f.name)
				t.SetBoost(f.boost * w.Weight)
				qs = append(qs, t)
			}
			for _, c := range ix.text.termCats[w.Term] {
				qs = append(qs, catQuery(c, categoryBoost(c)*w.Weight))
			}
		}
	}
	if len(qs) == 1 {
		return qs[0]
	}
	return bleve.NewDisjunctionQuery(qs...)
}

// facets turns per-category counts into top-level counts with their
// subcategories, dropping empty ones.
func (ix *Index) facets(counts []int) []CategoryCount {
	out := []CategoryCount{}
	roots := map[string]int{}
	for i, id := range ix.catIDs {
		if counts[i] == 0 {
			continue
		}
		if directory.RootOf(id) == id {
			roots[id] = len(out)
			out = append(out, CategoryCount{ID: id, Count: counts[i]})
		} else if r, ok := roots[directory.RootOf(id)]; ok {
			out[r].Children = append(out[r].Children, CategoryCount{ID: id, Count: counts[i]})
		}
	}
	for i := range out {
		sortCounts(out[i].Children)
	}
	sortCounts(out)
	return out
}

func sortCounts(cs []CategoryCount) {
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Count != cs[j].Count {
			return cs[i].Count > cs[j].Count
		}
		return cs[i].ID < cs[j].ID
	})
}

// hit builds a Hit for document d.
func (ix *Index) hit(d *docRef, h *bsearch.DocumentMatch, q *Query, units []unit, now time.Time) Hit {
	out := Hit{
		ServiceKey: d.svc.Key(),
		Service:    d.svc,
		Location:   d.loc,
	}
	if d.loc != nil {
		out.LocationID = d.loc.ID
		out.Confidential = d.loc.Confidential
	}
	if q.Sort == SortRelevance || q.Sort == SortBest {
		out.Score = h.Score
	}
	if q.Place != nil && !out.Confidential {
		if m, ok := distanceTo(q.Place.Point, d); ok {
			out.Distance = &m
		}
	}
	hours, tz := d.svc.HoursAt(d.loc, ix.tz)
	out.Open = hours.At(now, tz)
	out.Categories, out.Why = ix.explain(d, q, units)
	return out
}
