package search

import (
	"context"
	"encoding/binary"
	"math"
	"math/bits"

	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/paulmach/orb"

	"trellis/internal/geo"
)

// postQuery wraps the bleve query of one search. Every document the child
// query matches is looked up in the Go-side documents by its internal
// number; the filter rules bleve cannot apply (checkPost) run there, and
// the documents that pass are counted by category for the facets. Since
// it is the outermost query, bleve's total and these counts cover exactly
// the documents that match.
type postQuery struct {
	child  query.Query
	ix     *Index
	filter *Filter
	// counts[i] is how many matching documents are in ix.catIDs[i]; one
	// postQuery serves one search, run on one goroutine.
	counts []int
}

func (ix *Index) newPostQuery(child query.Query, f *Filter) *postQuery {
	return &postQuery{child: child, ix: ix, filter: f, counts: make([]int, len(ix.catIDs))}
}

// Searcher implements query.Query.
func (q *postQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, opts bsearch.SearcherOptions) (bsearch.Searcher, error) {
	s, err := q.child.Searcher(ctx, r, m, opts)
	if err != nil {
		return nil, err
	}
	ix, f := q.ix, q.filter
	radius := f.Place != nil && f.RadiusMeters > 0
	slowPost := f.needsPostBeyondRadius()
	wide := len(ix.catIDs) > 64
	return searcher.NewFilteringSearcher(ctx, s, func(_ *bsearch.SearchContext, dm *bsearch.DocumentMatch) bool {
		h := ix.hotOf(dm)
		if h == nil || (!h.active && !f.IncludeInactive) {
			return false
		}
		// The exact radius cut, from the compact record; the other rules
		// read the full document.
		if radius && h.hasPoint && geo.Distance(f.Place.Point, h.point) > f.RadiusMeters {
			return false
		}
		if (slowPost || (radius && !h.hasPoint)) && f.checkPost(&ix.docs[h.ord], ix.tz) != "" {
			return false
		}
		if wide {
			for _, c := range ix.docs[h.ord].cats {
				q.counts[c]++
			}
			return true
		}
		for m := h.cats; m != 0; m &= m - 1 {
			q.counts[bits.TrailingZeros64(m)]++
		}
		return true
	}), nil
}

// hotOf returns the compact record of a bleve match, nil for a synonym
// definition.
func (ix *Index) hotOf(dm *bsearch.DocumentMatch) *hotDoc {
	n := dm.IndexInternalID.Value()
	if n >= uint64(len(ix.hot)) || ix.hot[n].ord < 0 {
		return nil
	}
	return &ix.hot[n]
}

// docOf returns the document behind a bleve match, nil for a synonym
// definition.
func (ix *Index) docOf(dm *bsearch.DocumentMatch) *docRef {
	if h := ix.hotOf(dm); h != nil {
		return &ix.docs[h.ord]
	}
	return nil
}

// rankKey returns the sort key of rank r: a substring of rankKeys, whose
// byte order is rank order.
func (ix *Index) rankKey(r uint32) string { return ix.rankKeys[4*r : 4*r+4] }

// rankSort orders hits by service key, then location id (docRef.rank).
type rankSort struct{ ix *Index }

func (s *rankSort) UpdateVisitor(string, []byte) {}
func (s *rankSort) Value(dm *bsearch.DocumentMatch) string {
	if h := s.ix.hotOf(dm); h != nil {
		return s.ix.rankKey(h.rank)
	}
	return "\xff\xff\xff\xff\xff"
}
func (s *rankSort) DecodeValue(v string) string      { return v }
func (s *rankSort) Descending() bool                 { return false }
func (s *rankSort) RequiresDocID() bool              { return false }
func (s *rankSort) RequiresScoring() bool            { return false }
func (s *rankSort) RequiresFields() []string         { return nil }
func (s *rankSort) Reverse()                         {}
func (s *rankSort) Copy() bsearch.SearchSort         { c := *s; return &c }
func (s *distanceSort) UpdateVisitor(string, []byte) {}
func (s *distanceSort) DecodeValue(v string) string  { return v }
func (s *distanceSort) Descending() bool             { return false }
func (s *distanceSort) RequiresDocID() bool          { return false }
func (s *distanceSort) RequiresScoring() bool        { return false }
func (s *distanceSort) RequiresFields() []string     { return nil }
func (s *distanceSort) Reverse()                     {}
func (s *distanceSort) Copy() bsearch.SearchSort     { c := *s; return &c }
func (s *distanceSort) Value(dm *bsearch.DocumentMatch) string {
	if h := s.ix.hotOf(dm); h != nil && h.hasPoint {
		return distanceKey(geo.Distance(s.from, h.point), true)
	}
	return distanceKey(0, false)
}

// distanceSort orders hits by geo.Distance from a place, nearest first,
// documents without a point last.
type distanceSort struct {
	ix   *Index
	from orb.Point
}

// distanceKey encodes a distance so that byte order is numeric order: the
// bits of a non-negative float64, big-endian; after every distance when
// there is none.
func distanceKey(m float64, ok bool) string {
	if !ok || math.IsNaN(m) {
		return "\xff\xff\xff\xff\xff\xff\xff\xff\xff"
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(math.Abs(m)))
	return string(b[:])
}
