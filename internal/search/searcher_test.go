package search

import (
	"context"
	"math"
	"testing"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// TestTextScoresAreBleves: Text drives bleve's searcher itself; its hits
// and scores must be those of bleve's own search with the same query, the
// same BM25 statistics and every hit asked for, on the bundled data.
func TestTextScoresAreBleves(t *testing.T) {
	cat := loadData(t, "../../data")
	ix, err := Build(context.Background(), cat)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	for _, words := range [][]string{{"shelter"}, {"food", "pantry"}, {"dental"}, {"legal", "aid"}, {"methadone"}, {"job", "zzzz"}} {
		got, err := ix.Text(context.Background(), words, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Hits) == 0 {
			t.Errorf("%v: no hits", words)
			continue
		}
		// bleve's own search, every hit.
		var qs []query.Query
		for _, w := range words {
			for _, term := range ix.text.analyze(w) {
				var fs []query.Query
				for _, f := range textFields {
					tq := bleve.NewTermQuery(term)
					tq.SetField(f.name)
					tq.SetBoost(f.boost)
					fs = append(fs, tq)
				}
				qs = append(qs, bleve.NewDisjunctionQuery(fs...))
			}
		}
		var q query.Query = bleve.NewConjunctionQuery(qs...)
		if got.Relaxed {
			q = bleve.NewDisjunctionQuery(qs...)
		}
		req := bleve.NewSearchRequestOptions(q, ix.DocCount(), 0, false)
		req.PreSearchData = map[string]interface{}{bsearch.BM25PreSearchDataKey: ix.bm25}
		want, err := ix.bi.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Hits) != len(got.Hits) {
			t.Errorf("%v: %d hits, bleve finds %d", words, len(got.Hits), len(want.Hits))
			continue
		}
		// Documents are indexed under their keys.
		byKey := map[string]int{}
		for i, d := range ix.Docs() {
			byKey[d.Key] = i
		}
		score := map[int]float64{}
		for _, h := range want.Hits {
			n, ok := byKey[h.ID]
			if !ok {
				t.Fatalf("bleve hit %q is no document's key", h.ID)
			}
			score[n] = h.Score
		}
		for i, h := range got.Hits {
			w, ok := score[h.Doc]
			if !ok || math.Abs(w-h.Score) > 1e-9 {
				t.Errorf("%v: document %d scores %v, bleve %v (found %v)", words, h.Doc, h.Score, w, ok)
			}
			if i > 0 && (got.Hits[i-1].Score < h.Score || got.Hits[i-1].Score == h.Score && got.Hits[i-1].Doc > h.Doc) {
				t.Errorf("%v: hit %d out of order", words, i)
			}
		}
	}
}

// TestTextCache: the same words give the same result without searching
// again (the words are compared as analyzed: "Shelters" is "shelter");
// other words are searched; the normalized scores run from 0 to 1.
func TestTextCache(t *testing.T) {
	ix := fixtureIndex(t)
	ctx := context.Background()
	a, err := ix.Text(ctx, []string{"shelter"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ix.Text(ctx, []string{"Shelters"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Error("the same analyzed words were searched again")
	}
	c, err := ix.Text(ctx, []string{"food"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || len(c.Hits) == 0 {
		t.Errorf("food: %d hits, same result as shelter: %v", len(c.Hits), c == a)
	}
	norm := a.Normalized()
	if len(norm) != len(a.Hits) || norm[int32(a.Hits[0].Doc)] != 1 {
		t.Errorf("normalized: %d of %d hits, best %v", len(norm), len(a.Hits), norm[int32(a.Hits[0].Doc)])
	}
	for d, v := range norm {
		if v <= 0 || v > 1 {
			t.Errorf("document %d normalized to %v", d, v)
		}
	}
}
