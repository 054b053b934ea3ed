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

// keySort is a bleve sort on a key computed in Go for each match, from
// the compact record: keys compare as bytes, ascending. It needs no doc
// values, stored fields or external ids.
type keySort struct {
	ix  *Index
	key func(*hotDoc) string
}

// missingKey sorts after every rank and distance key.
const missingKey = "\xff\xff\xff\xff\xff\xff\xff\xff\xff"

func (s *keySort) Value(dm *bsearch.DocumentMatch) string {
	// The match was looked up when postQuery let it through; this second
	// lookup hits the cache.
	if h := s.ix.hotOf(dm); h != nil {
		return s.key(h)
	}
	return missingKey
}
func (s *keySort) UpdateVisitor(string, []byte) {}
func (s *keySort) DecodeValue(v string) string  { return v }
func (s *keySort) Descending() bool             { return false }
func (s *keySort) RequiresDocID() bool          { return false }
func (s *keySort) RequiresScoring() bool        { return false }
func (s *keySort) RequiresFields() []string     { return nil }
func (s *keySort) Reverse()                     {}
func (s *keySort) Copy() bsearch.SearchSort     { c := *s; return &c }

// rankSort orders hits by service key, then location id (docRef.rank).
func (ix *Index) rankSort() *keySort {
	return &keySort{ix: ix, key: func(h *hotDoc) string { return ix.rankKey(h.rank) }}
}

// distanceSort orders hits by geo.Distance from a place, nearest first,
// documents without a point last.
func (ix *Index) distanceSort(from orb.Point) *keySort {
	return &keySort{ix: ix, key: func(h *hotDoc) string {
		if !h.hasPoint {
			return missingKey
		}
		return distanceKey(geo.Distance(from, h.point))
	}}
}

// NearnessKm is the distance at which SortBest halves a match's relevance:
// a listing 3 km (about 2 miles) away needs twice the text score of one
// next door to rank above it, one 15 km away six times. Peers mostly walk
// or ride transit; the matcher's distance weight uses the same scale.
const NearnessKm = 3.0

// noPointNearness is the weight SortBest gives a document without a point
// (a phone or online service): as if it were NearnessKm away.
const noPointNearness = 0.5

// nearer wraps q so that each match's relevance score is multiplied by
// 1/(1 + d/NearnessKm), d from geo.Distance; sorting by score then gives
// SortBest. A confidential location counts at its coarse point.
func (ix *Index) nearer(q query.Query, from orb.Point) query.Query {
	return query.NewCustomScoreQueryWithScorer(q, func(_ context.Context, dm *bsearch.DocumentMatch) (float64, error) {
		h := ix.hotOf(dm)
		if h == nil {
			return dm.Score, nil
		}
		w := noPointNearness
		if h.hasPoint {
			w = 1 / (1 + geo.Distance(from, h.point)/(NearnessKm*1000))
		}
		return dm.Score * w, nil
	}, nil, nil)
}

// distanceKey encodes a distance so that byte order is numeric order: the
// bits of a non-negative float64, big-endian.
func distanceKey(m float64) string {
	if math.IsNaN(m) {
		return missingKey
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(math.Abs(m)))
	return string(b[:])
}
