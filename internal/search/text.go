package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/vellum"
	"github.com/blevesearch/vellum/levenshtein"

	"trellis/internal/need"
)

// textModel knows the words of the index: which terms the listings hold,
// how often, and which are near a misspelled word.
type textModel struct {
	an analysis.Analyzer
	// fst holds every analyzed term of the text fields, with the number
	// of documents holding it (summed over fields), for lookups and
	// edit-distance search.
	fst *vellum.FST
	// lev holds automaton builders for one and two edits: a builder
	// matches up to the distance it was made for, whatever BuildDfa is
	// told.
	lev [3]*levenshtein.LevenshteinAutomatonBuilder
}

func newTextModel(an analysis.Analyzer) *textModel { return &textModel{an: an} }

// analyze returns the analyzed terms of s.
func (tm *textModel) analyze(s string) []string {
	ts := tm.an.Analyze([]byte(s))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// vocabulary returns, as a vellum FST, every term of the index's text
// fields with the number of documents holding it (summed over fields). It
// returns an error if the index's dictionaries cannot be read.
func vocabulary(bi bleve.Index) ([]byte, error) {
	counts := map[string]uint64{}
	for _, f := range textFields {
		d, err := bi.FieldDict(f.name)
		if err != nil {
			return nil, fmt.Errorf("search: build: read %s terms: %w", f.name, err)
		}
		for {
			e, err := d.Next()
			if err != nil {
				_ = d.Close()
				return nil, fmt.Errorf("search: build: read %s terms: %w", f.name, err)
			}
			if e == nil {
				break
			}
			counts[e.Term] += e.Count
		}
		if err := d.Close(); err != nil {
			return nil, fmt.Errorf("search: build: read %s terms: %w", f.name, err)
		}
	}
	return buildVocabulary(counts)
}

// buildVocabulary returns counts, terms and their counts, as a vellum FST.
func buildVocabulary(counts map[string]uint64) ([]byte, error) {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return nil, fmt.Errorf("search: build: vocabulary: %w", err)
	}
	for _, k := range keys {
		if err := b.Insert([]byte(k), counts[k]); err != nil {
			return nil, fmt.Errorf("search: build: vocabulary: %w", err)
		}
	}
	if err := b.Close(); err != nil {
		return nil, fmt.Errorf("search: build: vocabulary: %w", err)
	}
	return buf.Bytes(), nil
}

// setVocabulary loads the FST vocabulary made and the edit-distance
// automata over it.
func (tm *textModel) setVocabulary(fst []byte) error {
	var err error
	if tm.fst, err = vellum.Load(fst); err != nil {
		return fmt.Errorf("search: vocabulary: %w", err)
	}
	if tm.lev, err = levenshteinBuilders(); err != nil {
		return fmt.Errorf("search: vocabulary: %w", err)
	}
	return nil
}

// levenshteinBuilders returns the automaton builders for one and two edits
// with transpositions. They take milliseconds to make and are safe for
// concurrent use, so every index shares one pair.
var levenshteinBuilders = sync.OnceValues(func() ([3]*levenshtein.LevenshteinAutomatonBuilder, error) {
	var lev [3]*levenshtein.LevenshteinAutomatonBuilder
	for d := uint8(1); d <= 2; d++ {
		b, err := levenshtein.NewLevenshteinAutomatonBuilder(d, true)
		if err != nil {
			return lev, err
		}
		lev[d] = b
	}
	return lev, nil
})

// Known reports whether a listing holds word (need.Speller): whether each
// of its analyzed terms is in the index. A stop word has no term and is
// known.
func (ix *Index) Known(word string) bool {
	for _, t := range ix.text.analyze(word) {
		if ok, err := ix.text.fst.Contains([]byte(t)); !ok || err != nil {
			return false
		}
	}
	return true
}

// Suggest returns the index terms nearest to word by edits, at most
// need.MaxEdits of them for its length (transpositions of neighbours
// counting one), fewest edits first, then those in the most documents,
// at most n (need.Speller). Words with digits get none.
func (ix *Index) Suggest(word string, n int) []string {
	tm := ix.text
	ts := tm.analyze(word)
	if len(ts) != 1 || strings.ContainsAny(ts[0], "0123456789") {
		return nil
	}
	t := ts[0]
	d := need.MaxEdits(utf8.RuneCountInString(t))
	if d == 0 || n <= 0 {
		return nil
	}
	dfa, err := tm.lev[d].BuildDfa(t, uint8(d))
	if err != nil {
		return nil
	}
	it, err := tm.fst.Search(dfa, nil, nil)
	type cand struct {
		term string
		dist uint8
		df   uint64
	}
	var cs []cand
	for err == nil {
		k, v := it.Current()
		if string(k) != t {
			cs = append(cs, cand{string(k), it.EditDistance(), v})
		}
		err = it.Next()
	}
	if !errors.Is(err, vellum.ErrIteratorDone) {
		return nil
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.df != b.df {
			return a.df > b.df
		}
		return a.term < b.term
	})
	var out []string
	for _, c := range cs {
		if len(out) == n {
			break
		}
		out = append(out, c.term)
	}
	return out
}

// Scored is a document a text search matched, with its relevance score.
type Scored struct {
	// Doc indexes Docs().
	Doc   int
	Score float64
}

// TextResult is the documents a text search matched, best first. A
// result may be shared by concurrent searches (see textCacheSize): callers
// must not change it.
type TextResult struct {
	Hits []Scored
	// Relaxed is true when no document held every word, so documents
	// holding any of them were returned.
	Relaxed bool

	normOnce sync.Once
	norm     map[int32]float64
}

// Normalized maps each hit's document to its score over the best hit's
// (0 to 1). The map is computed once and shared: callers must not change
// it.
func (r *TextResult) Normalized() map[int32]float64 {
	r.normOnce.Do(func() {
		r.norm = make(map[int32]float64, len(r.Hits))
		top := 0.0
		for _, h := range r.Hits {
			top = max(top, h.Score)
		}
		for _, h := range r.Hits {
			if top > 0 {
				r.norm[int32(h.Doc)] = h.Score / top
			}
		}
	})
	return r.norm
}

// textCacheSize is how many text results an index keeps. People ask for
// the same few things (food, shelter, detox) over and over, and a common
// word matches thousands of listings across a national directory: the
// results of the latest distinct word sets are kept, at most about a
// megabyte each.
const textCacheSize = 32

// MaxTextHits bounds the documents one text search returns.
const MaxTextHits = 10_000

// Text finds the documents whose name, organization or description hold
// the words (folded words, as need.Reading.Terms gives them; each is
// analyzed as the listings were), scored by BM25 with words in the name
// counting double: every word must match, or when no document holds them
// all, any may (TextResult.Relaxed). At most limit hits are returned (0
// means MaxTextHits), best first, ties in document order. It returns a
// wrapped error if bleve fails or ctx ends; words that analyze to nothing
// give no hits.
func (ix *Index) Text(ctx context.Context, words []string, limit int) (*TextResult, error) {
	if limit <= 0 || limit > MaxTextHits {
		limit = MaxTextHits
	}
	var terms []string
	for _, w := range words {
		for _, t := range ix.text.analyze(w) {
			if !contains(terms, t) {
				terms = append(terms, t)
			}
		}
	}
	if len(terms) == 0 {
		return &TextResult{}, nil
	}
	key := strings.Join(terms, "\x00") + "\x00" + strconv.Itoa(limit)
	if res, ok := ix.textCache.Get(key); ok {
		return res, nil
	}
	res, err := ix.runText(ctx, terms, false, limit)
	if err != nil {
		return nil, err
	}
	if len(res.Hits) == 0 && len(terms) > 1 {
		if res, err = ix.runText(ctx, terms, true, limit); err != nil {
			return nil, err
		}
		res.Relaxed = len(res.Hits) > 0
	}
	ix.textCache.Add(key, res)
	return res, nil
}

// runText runs the query for terms and returns every hit, best first,
// ties in document order. It drives bleve's searcher itself rather than
// going through Index.SearchInContext: the caller wants every hit, and
// bleve's top-N collector would keep them in a heap ordered by score and
// the document's external id (a string compare per step), only for
// runText to order them again by document number. The scores are the
// same: the searcher gets the same BM25 model and statistics.
func (ix *Index) runText(ctx context.Context, terms []string, relaxed bool, limit int) (*TextResult, error) {
	qs := make([]query.Query, len(terms))
	for i, t := range terms {
		var fs []query.Query
		for _, f := range textFields {
			tq := bleve.NewTermQuery(t)
			tq.SetField(f.name)
			tq.SetBoost(f.boost)
			fs = append(fs, tq)
		}
		qs[i] = bleve.NewDisjunctionQuery(fs...)
	}
	var q query.Query = qs[0]
	if len(qs) > 1 {
		if relaxed {
			q = bleve.NewDisjunctionQuery(qs...)
		} else {
			q = bleve.NewConjunctionQuery(qs...)
		}
	}
	r, err := readerOf(ix.bi)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer r.Close()
	sctx := context.WithValue(ctx, bsearch.GetScoringModelCallbackKey,
		bsearch.GetScoringModelCallbackFn(func() string { return ix.mapping.ScoringModel }))
	sctx = context.WithValue(sctx, bsearch.BM25StatsKey, ix.bm25)
	searcher, err := q.Searcher(sctx, r, ix.mapping, bsearch.SearcherOptions{})
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer searcher.Close()
	sc := &bsearch.SearchContext{DocumentMatchPool: bsearch.NewDocumentMatchPool(searcher.DocumentMatchPoolSize(), 0)}
	out := &TextResult{}
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
		}
		dm, err := searcher.Next(sc)
		if err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		if dm == nil {
			break
		}
		if id := dm.IndexInternalID.Value(); id < uint64(len(ix.ords)) && ix.ords[id] >= 0 {
			out.Hits = append(out.Hits, Scored{Doc: int(ix.ords[id]), Score: dm.Score})
		}
		sc.DocumentMatchPool.Put(dm)
	}
	// Best first, ties in document order.
	sort.Slice(out.Hits, func(i, j int) bool {
		a, b := out.Hits[i], out.Hits[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Doc < b.Doc
	})
	if len(out.Hits) > limit {
		out.Hits = out.Hits[:limit]
	}
	return out, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
