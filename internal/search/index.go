package search

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/paulmach/orb"
	"golang.org/x/sync/errgroup"

	"trellis/internal/directory"
)

// ConfidentialCell is the size in degrees of the grid to whose cell centres
// confidential locations are moved before they are indexed or measured.
const ConfidentialCell = 0.05

// Batching. The in-memory scorch index never merges segments (merging is
// done by the persister, which an index without a path does not run), so
// every batch stays a segment of its own and every search visits each: few
// large batches keep search latency low. Build makes one batch per core
// (at most maxBatch documents each), or one for fewer than minParallel
// documents, plus one for the synonyms.
const (
	maxBatch    = 200_000
	minParallel = 5_000
)

// Index is a searchable snapshot of a catalog.
type Index struct {
	cat  *directory.Catalog
	tz   *time.Location
	bi   bleve.Index
	docs []docRef
	text *textModel
	// hot holds, by bleve's internal document number, what the per-match
	// work needs, in one small record: finding a document through docs
	// costs several cache misses per match.
	hot []hotDoc
	// catIDs are the taxonomy's categories; docRef.cats index into it.
	catIDs  []string
	mapping *mapping.IndexMappingImpl
	// rankKeys are the documents' sort keys by rank (see rankKey).
	rankKeys string
	// bm25 are the statistics BM25 scores with (see bm25Stats).
	bm25 *bsearch.BM25Stats
}

// docRef is what a bleve document stands for.
type docRef struct {
	svc *directory.Service
	loc *directory.Location // nil for a service without locations
	// point is the search point (coarse for confidential locations).
	point    orb.Point
	hasPoint bool
	// areaSvc is the service to measure service areas with (areaService).
	areaSvc *directory.Service
	// cats are the document's categories and their parents, as indexes
	// into Index.catIDs.
	cats []uint16
	// rank is the document's position in service key, then location id,
	// order.
	rank uint32
}

// hotDoc is the per-match record of a document (see Index.hot).
type hotDoc struct {
	// point is the search point when hasPoint.
	point orb.Point
	// cats is a bit set of the document's categories and parents over
	// Index.catIDs (when there are at most 64 categories; else docRef.cats
	// is used).
	cats uint64
	// ord indexes Index.docs; -1 for a synonym definition.
	ord      int32
	rank     uint32
	hasPoint bool
	active   bool
}

// LocationPoint returns the point search uses for location l: its own
// point, or for a confidential location the centre of its grid cell (see
// ConfidentialCell). It returns false when l is nil or has no point.
func LocationPoint(l *directory.Location) (orb.Point, bool) {
	if l == nil || !l.HasPoint {
		return orb.Point{}, false
	}
	if !l.Confidential {
		return l.Point, true
	}
	return coarsen(l.Point), true
}

// coarsen moves p to the centre of its ConfidentialCell grid cell.
func coarsen(p orb.Point) orb.Point {
	c := func(v float64) float64 {
		return math.Floor(v/ConfidentialCell)*ConfidentialCell + ConfidentialCell/2
	}
	return orb.Point{c(p.Lon()), c(p.Lat())}
}

// Build indexes every service of cat at each of its locations. It returns
// an error if cat or its taxonomy is nil, if ctx is cancelled, or if bleve
// fails to build the index.
func Build(ctx context.Context, cat *directory.Catalog) (*Index, error) {
	if cat == nil || cat.Taxonomy == nil {
		return nil, fmt.Errorf("search: build: catalog and taxonomy are required")
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	bi, err := bleve.NewUsing("", m, scorch.Name, scorch.Name, nil)
	if err != nil {
		return nil, fmt.Errorf("search: build: open in-memory index: %w", err)
	}
	ix := &Index{cat: cat, tz: cat.Info.TimeZone, bi: bi, mapping: m}
	if ix.tz == nil {
		ix.tz = time.UTC
	}
	if err := ix.index(ctx, cat, analyzers{m.AnalyzerNamed(analyzerName), m.AnalyzerNamed(listName)}); err != nil {
		_ = bi.Close()
		return nil, err
	}
	return ix, nil
}

func (ix *Index) index(ctx context.Context, cat *directory.Catalog, an analyzers) error {
	if an.text == nil || an.list == nil {
		return fmt.Errorf("search: build: analyzers missing")
	}
	tax := cat.Taxonomy
	ix.text = newTextModel(an.text, tax)
	catIndex := map[string]uint16{}
	for i, c := range tax.All() {
		ix.catIDs = append(ix.catIDs, c.ID)
		catIndex[c.ID] = uint16(i)
	}

	cat.Services(func(s *directory.Service) {
		var cats []uint16
		for _, c := range categoryTerms(s.Categories) {
			if i, ok := catIndex[c]; ok {
				cats = append(cats, i)
			}
		}
		if len(s.Locations) == 0 {
			ix.docs = append(ix.docs, docRef{svc: s, areaSvc: s, cats: cats})
			return
		}
		as := areaService(s)
		for _, l := range s.Locations {
			p, ok := LocationPoint(l)
			ix.docs = append(ix.docs, docRef{svc: s, loc: l, point: p, hasPoint: ok, areaSvc: as, cats: cats})
		}
	})
	order := make([]int, len(ix.docs))
	keys := make([]string, len(ix.docs))
	for i := range ix.docs {
		order[i] = i
		keys[i] = sortKey(ix.docs[i].svc, ix.docs[i].loc)
	}
	sort.Slice(order, func(a, b int) bool { return keys[order[a]] < keys[order[b]] })
	// rankKeys holds every rank as 4 big-endian bytes, so that a rank's
	// sort key is a substring: no allocation per match.
	rk := make([]byte, 4*len(order))
	for r, i := range order {
		ix.docs[i].rank = uint32(r)
		binary.BigEndian.PutUint32(rk[4*r:], uint32(r))
	}
	ix.rankKeys = string(rk)

	b := ix.bi.NewBatch()
	for i, group := range ix.text.synonymGroups() {
		if err := b.IndexSynonym("syn"+strconv.Itoa(i), synonymColl, &bleve.SynonymDefinition{Synonyms: group}); err != nil {
			return fmt.Errorf("search: build: synonyms: %w", err)
		}
	}
	if err := ix.bi.Batch(b); err != nil {
		return fmt.Errorf("search: build: synonyms: %w", err)
	}

	// Index in one batch per core, concurrently: scorch analyzes a batch's
	// documents in parallel but builds its segment on one goroutine.
	chunks := runtime.GOMAXPROCS(0)
	if len(ix.docs) < minParallel {
		chunks = 1
	}
	size := (len(ix.docs) + chunks - 1) / chunks
	size = min(max(size, 1), maxBatch)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for start := 0; start < len(ix.docs); start += size {
		end := min(start+size, len(ix.docs))
		g.Go(func() error {
			b := ix.bi.NewBatch()
			for i := start; i < end; i++ {
				if err := b.IndexAdvanced(ix.docs[i].document(strconv.Itoa(i), an)); err != nil {
					return fmt.Errorf("search: build: index %s: %w", ix.docs[i].svc.Key(), err)
				}
			}
			if err := gctx.Err(); err != nil {
				return fmt.Errorf("search: build: %w", err)
			}
			if err := ix.bi.Batch(b); err != nil {
				return fmt.Errorf("search: build: batch: %w", err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ix.loadOrdinals(); err != nil {
		return err
	}
	ix.bm25 = ix.bm25Stats(an)
	return ix.text.loadVocabulary(ix.bi)
}

// analyzers are the analyzers documents are built with.
type analyzers struct{ text, list analysis.Analyzer }

// document returns the bleve document for d, with id. Documents are built
// directly rather than through the mapping (the fields are the mapping's,
// with its analyzers and options), which spares the reflection walk and
// bleve's composite "_all" field.
func (d *docRef) document(id string, an analyzers) *document.Document {
	s, l := d.svc, d.loc
	// Only the values filters ask for are indexed.
	flags := make([]string, 0, 16)
	add := func(kind string, vs ...string) {
		for _, v := range vs {
			flags = append(flags, flag(kind, v))
		}
	}
	if wheelchairOK(l) {
		add(flagWheel, valTrue)
	}
	if s.Cost == directory.CostFree {
		add(flagCost, string(s.Cost))
	}
	add(flagLang, languagesOf(s, l)...)
	for _, g := range directory.Genders {
		if !s.Eligibility.ServesGender(g) {
			add(flagNotGender, g)
		}
	}
	if veteransOnly(s) {
		add(flagVets, valTrue)
	}
	if len(s.Insurance) > 0 {
		for _, p := range directory.InsurancePlans {
			if !contains(s.Insurance, p) {
				add(flagNotIns, p)
			}
		}
	}
	if contains(s.Apply, directory.ApplyWalkIn) {
		add(flagApply, directory.ApplyWalkIn)
	}
	flags = append(flags, areaFlags(s)...)
	if d.hasPoint {
		flags = append(flags, pointCells(d.point)...)
	} else {
		add(flagNoGeo, valTrue)
	}

	doc := document.NewDocument(id)
	doc.AddField(document.NewTextFieldCustom(fName, nil,
		[]byte(joinText(s.Name, s.AlternateName)), index.IndexField, an.text))
	doc.AddField(document.NewTextFieldCustom(fText, nil,
		[]byte(joinText(s.Name, s.AlternateName, s.Org.Name, s.Org.AlternateName, s.Description)), index.IndexField, an.text))
	doc.AddField(document.NewTextFieldCustom(fCat, nil,
		[]byte(strings.Join(categoryTerms(s.Categories), " ")), index.IndexField, an.list))
	doc.AddField(document.NewTextFieldCustom(fFlag, nil,
		[]byte(strings.Join(flags, " ")), index.IndexField|index.SkipFreqNorm, an.list))
	if a := s.Eligibility.Age; a.Min != nil {
		doc.AddField(document.NewNumericFieldWithIndexingOptions(fAgeMin, nil, float64(*a.Min), index.IndexField))
	}
	if a := s.Eligibility.Age; a.Max != nil {
		doc.AddField(document.NewNumericFieldWithIndexingOptions(fAgeMax, nil, float64(*a.Max), index.IndexField))
	}
	doc.SetIndexed()
	return doc
}

// joinText joins the non-empty parts into one text, as sentences.
func joinText(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ". ")
}

// bm25Stats returns the statistics searches pass to bleve's BM25 scorer.
// bleve takes a field's average length to be its number of distinct terms
// over the number of documents (rounded up), which for a large directory
// with a small vocabulary is 1 or 2 and makes any description of ordinary
// length score as if it were ten times too long. Each field's "cardinality"
// is therefore set to its average analyzed length, measured on an evenly
// spread sample of documents, times the document count, so that bleve's
// ratio is the real average.
func (ix *Index) bm25Stats(an analyzers) *bsearch.BM25Stats {
	n := len(ix.docs)
	step := max(1, n/2000)
	var sampled, name, text, cats, flags int
	for i := 0; i < n; i += step {
		d := &ix.docs[i]
		doc := d.document("", an)
		for _, f := range doc.Fields {
			if tf, ok := f.(*document.TextField); ok {
				tf.Analyze()
				switch f.Name() {
				case fName:
					name += tf.AnalyzedLength()
				case fText:
					text += tf.AnalyzedLength()
				case fCat:
					cats += tf.AnalyzedLength()
				case fFlag:
					flags += tf.AnalyzedLength()
				}
			}
		}
		sampled++
	}
	card := func(total int) int {
		if sampled == 0 {
			return 1
		}
		return max(1, int(math.Round(float64(total)/float64(sampled)*float64(n))))
	}
	return &bsearch.BM25Stats{
		DocCount: float64(max(n, 1)),
		FieldCardinality: map[string]int{
			fName: card(name), fText: card(text), fCat: card(cats), fFlag: card(flags),
			fAgeMin: max(n, 1), fAgeMax: max(n, 1),
			// The field bleve's unscored disjunction over merged postings
			// names (searcher.optimizeCompositeSearcher); it scores nothing.
			"*": max(n, 1),
		},
	}
}

// loadOrdinals fills ix.hot from bleve's internal ids of the documents.
// It returns an error if the index cannot be read or lacks a document.
func (ix *Index) loadOrdinals() error {
	adv, err := ix.bi.Advanced()
	if err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	r, err := adv.Reader()
	if err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	defer r.Close()
	nums := make([]uint64, len(ix.docs))
	var hi uint64
	for i := range ix.docs {
		iid, err := r.InternalID(strconv.Itoa(i))
		if err != nil || iid == nil {
			return fmt.Errorf("search: build: document %d missing from the index: %v", i, err)
		}
		nums[i] = iid.Value()
		hi = max(hi, nums[i])
	}
	ix.hot = make([]hotDoc, hi+1)
	for i := range ix.hot {
		ix.hot[i].ord = -1
	}
	for i, n := range nums {
		d := &ix.docs[i]
		h := hotDoc{point: d.point, hasPoint: d.hasPoint, ord: int32(i), rank: d.rank,
			active: statusOf(d.svc) == directory.StatusActive}
		for _, c := range d.cats {
			if c < 64 {
				h.cats |= 1 << c
			}
		}
		ix.hot[n] = h
	}
	return nil
}

// sortKey orders documents by service key, then location id.
func sortKey(s *directory.Service, l *directory.Location) string {
	if l == nil {
		return s.Key()
	}
	return s.Key() + "\x00" + l.ID
}

// categoryTerms returns the category ids with their parents, deduplicated.
func categoryTerms(ids []string) []string {
	seen := make(map[string]bool, 2*len(ids))
	var out []string
	for _, id := range ids {
		for _, c := range []string{id, directory.RootOf(id)} {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Close releases the index. Searches after Close fail.
func (ix *Index) Close() error {
	if err := ix.bi.Close(); err != nil {
		return fmt.Errorf("search: close: %w", err)
	}
	return nil
}

// Catalog returns the catalog the index was built from.
func (ix *Index) Catalog() *directory.Catalog { return ix.cat }

// DocCount returns how many service-at-location documents the index holds.
func (ix *Index) DocCount() int { return len(ix.docs) }
