package search

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/index/scorch/mergeplan"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	index "github.com/blevesearch/bleve_index_api"
	"github.com/blevesearch/vellum"
	lru "github.com/hashicorp/golang-lru/v2"
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
// documents.
const (
	maxBatch    = 200_000
	minParallel = 5_000
)

// Index is a searchable snapshot of a catalog: the table of its documents
// (one per service at a location) and the bleve index of their text.
type Index struct {
	cat  *directory.Catalog
	bi   bleve.Index
	docs []Doc
	text *textModel
	// ords maps bleve's internal document number to the document's index
	// in docs.
	ords    []int32
	mapping *mapping.IndexMappingImpl
	// bm25 are the statistics BM25 scores with (see bm25Stats).
	bm25 *bsearch.BM25Stats
	// textCache keeps the latest text results by their analyzed terms
	// (see textCacheSize); an index never changes, so they stay true.
	textCache *lru.Cache[string, *TextResult]

	// dir is where an on-disk index is kept; "" in memory.
	dir string
	// digest is docsDigest, worked out once.
	digest func() []byte

	// closing is apart from the index so that Closer holds nothing else.
	closing *closing

	// Progress, when set before BuildDir or BuildMemory, is told how many
	// of the documents are indexed: (0, total) first, then after each
	// batch, from the goroutine that wrote it. The segments are merged
	// after the last.
	Progress func(done, total int)
	// indexed counts the documents indexed so far, for Progress.
	indexed atomic.Int64
}

// closing is whether and how an index was closed.
type closing struct {
	once sync.Once
	err  error
}

// Doc is one document: a service at one of its locations, or a service
// without locations (by phone or online). The table of documents, in
// service key then location id order, is the one every search and match
// of a snapshot reads.
type Doc struct {
	Service *directory.Service
	// Location is nil for a service without locations.
	Location *directory.Location
	// Point is the point to measure from when HasPoint (LocationPoint:
	// coarse for a confidential location).
	Point    orb.Point
	HasPoint bool
	// AreaService is the service to test service areas with (AreaService).
	AreaService *directory.Service
	// Key is the service key, then a NUL and the location id: the
	// documents' order.
	Key string
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

// AreaService returns the service to test service areas with: s itself,
// or for a service with a radius area and a confidential location a copy
// measuring from the location's coarse point (LocationPoint), so that a
// service area never reveals a confidential point.
func AreaService(s *directory.Service) *directory.Service {
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

// Build indexes every service of cat at each of its locations, in
// memory. It returns an error if cat or its taxonomy is nil, if ctx is
// cancelled, or if bleve fails to build the index.
func Build(ctx context.Context, cat *directory.Catalog) (*Index, error) {
	ix, err := New(cat)
	if err != nil {
		return nil, err
	}
	if err := ix.BuildMemory(ctx); err != nil {
		return nil, err
	}
	return ix, nil
}

// BuildMemory indexes the documents of New's index in memory (see Build).
func (ix *Index) BuildMemory(ctx context.Context) error {
	bi, err := bleve.NewUsing("", ix.mapping, scorch.Name, scorch.Name, nil)
	if err != nil {
		return fmt.Errorf("search: build: create index: %w", err)
	}
	ix.bi = bi
	err = ix.indexInMemory(ctx)
	if err == nil {
		err = ix.finish(ctx)
	}
	if err != nil {
		_ = bi.Close()
		ix.bi = nil
	}
	return err
}

// BuildDir writes New's index to dir and opens it for searches:
// documents go to bleve in batches of diskBatch, so that memory holds the
// analysis of a few thousand documents at a time, not of the whole
// directory, and the segments are then merged into one. The index is
// written beside dir (see partialDir) and renamed to dir only once
// complete, so a build cut short (a crash, kill -9) never leaves an index
// at dir. dir must not hold an index: callers remove one that Open
// refused.
func (ix *Index) BuildDir(ctx context.Context, dir string) error {
	part, err := partialDir(dir)
	if err != nil {
		return err
	}
	bi, err := bleve.NewUsing(part, ix.mapping, scorch.Name, scorch.Name, nil)
	if err != nil {
		return fmt.Errorf("search: build: create index: %w", err)
	}
	ix.bi = bi
	return ix.keep(ctx, part, dir, ix.openData, ix.indexOnDisk(ctx))
}

// UpdateDir is BuildDir for a catalog that shares most of its listings
// with prev's, an on-disk index: it copies prev's directory and only
// deletes the documents prev has and cat does not, and indexes those cat
// has anew or changed. A document is unchanged when its service and
// location are the very ones prev indexed (a reload shares the unchanged
// listings' organizations with the catalog before), so an edit to one
// listing of a national directory analyses one document, not 51,000.
func (ix *Index) UpdateDir(ctx context.Context, prev *Index, dir string) error {
	if prev == nil || prev.dir == "" {
		return fmt.Errorf("search: update: the previous index is not on disk")
	}
	part, err := partialDir(dir)
	if err != nil {
		return err
	}
	if err := os.CopyFS(part, os.DirFS(prev.dir)); err != nil {
		_ = os.RemoveAll(part)
		return fmt.Errorf("search: update: copy %s: %w", prev.dir, err)
	}
	// bleve's merger, which runs as the batch is written, follows the
	// plan seal does.
	bi, err := bleve.OpenUsing(part, map[string]any{
		"scorchMergePlanOptions": map[string]any{"FloorSegmentSize": updateFloor}})
	if err != nil {
		_ = os.RemoveAll(part)
		return fmt.Errorf("search: update: open %s: %w", part, err)
	}
	ix.bi = bi
	kept, err := ix.applyChanges(ctx, prev)
	return ix.keep(ctx, part, dir, func() (*openData, error) { return ix.updatedOpenData(prev, kept) }, err)
}

// partialDir returns where the index for dir is written until it is
// complete, after removing what a write cut short left there.
func partialDir(dir string) (string, error) {
	part := dir + ".partial"
	if err := os.RemoveAll(part); err != nil {
		return "", fmt.Errorf("search: remove an unfinished index: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return "", fmt.Errorf("search: create the index directory: %w", err)
	}
	return part, nil
}

// keep finishes a write to part that returned err: it keeps in it the
// open data od works out, closes the writer, renames part to dir when all
// went well (else removes it), and opens dir for searches.
func (ix *Index) keep(ctx context.Context, part, dir string, od func() (*openData, error), err error) error {
	if err == nil {
		ix.saveOpenData(od)
	}
	if cerr := ix.bi.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("search: close %s: %w", part, cerr)
	}
	if err == nil {
		err = os.Rename(part, dir)
	}
	if err != nil {
		ix.bi = nil
		_ = os.RemoveAll(part)
		return err
	}
	return ix.Open(ctx, dir)
}

// Open reopens, as New's index, the index BuildDir or UpdateDir wrote in
// dir for a catalog equal to New's (the same files: the same revision).
// It returns an error, and leaves the directory as it is, when dir holds
// no index bleve can open, or one that does not hold exactly the
// catalog's documents: callers then build again.
func (ix *Index) Open(ctx context.Context, dir string) error {
	bi, err := bleve.OpenUsing(dir, map[string]any{"read_only": true})
	if err != nil {
		return fmt.Errorf("search: open %s: %w", dir, err)
	}
	ix.bi, ix.dir = bi, dir
	err = ix.checkDocs()
	if err == nil {
		err = ix.finish(ctx)
	}
	if err != nil {
		_ = bi.Close()
		ix.bi, ix.dir = nil, ""
		return fmt.Errorf("search: open %s: %w", dir, err)
	}
	return nil
}

// docsKey is the internal key under which an on-disk index keeps the
// digest of its documents' keys (docsDigest).
var docsKey = []byte("trellis.docs")

// docsDigest is a digest of the documents' keys in order, which are
// bleve's document ids: an index holds a catalog's documents exactly when
// its digest is the catalog's.
func (ix *Index) docsDigest() []byte { return ix.digest() }

// digestDocs works docsDigest out.
func digestDocs(docs []Doc) []byte {
	h := sha256.New()
	for _, d := range docs {
		io.WriteString(h, d.Key)
		h.Write([]byte{0xff})
	}
	return h.Sum(nil)
}

// checkDocs returns an error unless the bleve index holds exactly the
// documents of the table.
func (ix *Index) checkDocs() error {
	got, err := ix.bi.GetInternal(docsKey)
	if err != nil {
		return fmt.Errorf("read the documents' digest: %w", err)
	}
	if !bytes.Equal(got, ix.docsDigest()) {
		return fmt.Errorf("the index was built for other listings")
	}
	n, err := ix.bi.DocCount()
	if err != nil {
		return fmt.Errorf("count documents: %w", err)
	}
	if n != uint64(len(ix.docs)) {
		return fmt.Errorf("the index holds %d documents, the listings %d", n, len(ix.docs))
	}
	return nil
}

// applyChanges brings the copy of prev's index to ix's documents, then
// seals it. It returns, for each of ix's documents, the index in
// prev.docs of the same document when prev indexed it as it is, else -1.
func (ix *Index) applyChanges(ctx context.Context, prev *Index) ([]int32, error) {
	kept := make([]int32, len(ix.docs))
	b := ix.bi.NewBatch()
	flush := func() error {
		if b.Size() == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("search: update: %w", err)
		}
		if err := ix.bi.Batch(b); err != nil {
			return fmt.Errorf("search: update: batch: %w", err)
		}
		// A new batch, not b.Reset(): scorch's analysis goroutine
		// may still be ranging over the old batch's map after
		// Batch returns, and Reset would clear it under it.
		b = ix.bi.NewBatch()
		return nil
	}
	// Both document tables are in key order: one walk through the two
	// pairs each document with its previous self, and finds those gone.
	j := 0
	for i := range ix.docs {
		d := &ix.docs[i]
		kept[i] = -1
		for ; j < len(prev.docs) && prev.docs[j].Key < d.Key; j++ {
			b.Delete(prev.docs[j].Key)
		}
		if j < len(prev.docs) && prev.docs[j].Key == d.Key {
			p := &prev.docs[j]
			j++
			if p.Service == d.Service && p.Location == d.Location {
				kept[i] = int32(j - 1)
				continue
			}
		}
		if err := b.IndexAdvanced(d.document(d.Key, ix.text.an)); err != nil {
			return nil, fmt.Errorf("search: update: index %s: %w", d.Service.Key(), err)
		}
		if b.Size() >= diskBatch {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	for ; j < len(prev.docs); j++ {
		b.Delete(prev.docs[j].Key)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	// The changes' small segment joins others only once there are
	// several (bleve's tiered plan): the large one is not rewritten for
	// each edit, and its documents keep their numbers (see renumber).
	plan := mergeplan.DefaultMergePlanOptions
	plan.FloorSegmentSize = updateFloor
	return kept, ix.seal(ctx, &plan)
}

// updateFloor is the size in documents under which bleve's tiered plan,
// which applyChanges merges segments by, takes segments to be that size.
var updateFloor = mergeplan.DefaultMergePlanOptions.FloorSegmentSize

// diskBatch is how many documents go to an on-disk index in one batch.
// bleve holds a batch's analysis until it is written: on the 100k
// synthetic directory a first start peaked at 400 MB with batches of
// 4,000, 387 MB with 2,000 in the same time, 384-389 MB with 1,000 in 8%
// more.
const diskBatch = 2000

// New returns the index of cat before it is built or opened: its
// document table, in key order, and its text model. BuildMemory,
// BuildDir, UpdateDir or Open makes it searchable; until one has, only
// Catalog and Docs may be used, and they may be used while it runs (a
// matcher's tables are built meanwhile).
func New(cat *directory.Catalog) (*Index, error) {
	if cat == nil || cat.Taxonomy == nil {
		return nil, fmt.Errorf("search: build: catalog and taxonomy are required")
	}
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	cache, err := lru.New[string, *TextResult](textCacheSize)
	if err != nil {
		return nil, fmt.Errorf("search: build: %w", err)
	}
	an := m.AnalyzerNamed(analyzerName)
	if an == nil {
		return nil, fmt.Errorf("search: build: analyzer missing")
	}
	ix := &Index{cat: cat, mapping: m, textCache: cache, text: newTextModel(an), closing: &closing{}}
	// An update works the digest out for its open data, for the index
	// it writes and twice when it opens it: once is enough.
	ix.digest = sync.OnceValue(func() []byte { return digestDocs(ix.docs) })
	n := 0
	cat.Services(func(s *directory.Service) { n += max(1, len(s.Locations)) })
	ix.docs = make([]Doc, 0, n)
	cat.Services(func(s *directory.Service) {
		if len(s.Locations) == 0 {
			ix.docs = append(ix.docs, Doc{Service: s, AreaService: s, Key: s.Key()})
			return
		}
		as := AreaService(s)
		for _, l := range s.Locations {
			p, ok := LocationPoint(l)
			ix.docs = append(ix.docs, Doc{Service: s, Location: l, Point: p, HasPoint: ok, AreaService: as, Key: s.Key() + "\x00" + l.ID})
		}
	})
	sort.Slice(ix.docs, func(a, b int) bool { return ix.docs[a].Key < ix.docs[b].Key })
	return ix, nil
}

// finish reads what searches need from the bleve index: the documents'
// internal numbers, the BM25 statistics and the vocabulary. An on-disk
// index keeps them (see keep); others work them out.
func (ix *Index) finish(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	od, ok := ix.savedOpenData()
	if !ok {
		var err error
		if od, err = ix.openData(); err != nil {
			return err
		}
	}
	return ix.apply(od)
}

// openKey is the internal key under which an on-disk index keeps what
// opening it needs besides bleve's own files (openData), so that a
// restart reads it instead of working it out.
var openKey = []byte("trellis.open")

// openData is what searches need from a bleve index besides the index:
// each document's internal number (Nums[i] for docs[i]), the fields'
// analyzed lengths for BM25 (bm25Stats) and the vocabulary as an FST.
// Digest ties it to the documents (docsDigest).
type openData struct {
	Digest          []byte
	Nums            []uint64
	NameCardinality int
	TextCardinality int
	Vocabulary      []byte
}

// openData works out the index's openData: independent reads of the
// index, one per core.
func (ix *Index) openData() (*openData, error) {
	od := &openData{Digest: ix.docsDigest()}
	var g errgroup.Group
	g.Go(func() (err error) {
		od.Nums, err = ix.internalNumbers(nil)
		return err
	})
	g.Go(func() error {
		od.NameCardinality, od.TextCardinality = ix.cardinalities(ix.text.an)
		return nil
	})
	g.Go(func() (err error) {
		od.Vocabulary, err = vocabulary(ix.bi)
		return err
	})
	return od, g.Wait()
}

// updatedOpenData is openData for an index UpdateDir made from prev,
// worked out from prev's where the update left it true; kept is what
// applyChanges returned. An edit to one listing of a national directory
// then looks up, analyses and counts the terms of its own documents
// rather than of all 51,000.
//   - A kept document's internal number follows from prev's while its
//     segment is still in the new index (see renumber); only the others
//     are looked up.
//   - The cardinalities are prev's when the same documents are sampled.
//   - The vocabulary is prev's counts less the terms of prev's documents
//     that went or changed, plus those of the documents that came or
//     changed.
func (ix *Index) updatedOpenData(prev *Index, kept []int32) (*openData, error) {
	od := &openData{Digest: ix.docsDigest()}
	var g errgroup.Group
	g.Go(func() (err error) {
		od.Nums, err = ix.keptNumbers(prev, kept)
		return err
	})
	g.Go(func() error {
		od.NameCardinality, od.TextCardinality = prev.bm25.FieldCardinality[fName], prev.bm25.FieldCardinality[fText]
		if !sameSample(len(prev.docs), kept) {
			od.NameCardinality, od.TextCardinality = ix.cardinalities(ix.text.an)
		}
		return nil
	})
	g.Go(func() (err error) {
		od.Vocabulary, err = ix.updatedVocabulary(prev, kept)
		return err
	})
	return od, g.Wait()
}

// segment is what identifies a segment of a bleve index and fixes the
// numbers of the documents after it: its id and its number of documents,
// deleted ones included.
type segment struct{ id, count uint64 }

// renumber returns what becomes of internal number n of an index of
// segments before in one of segments after, and false when n's segment
// is not in after. bleve numbers a document by its segment's place (the
// sum of the sizes of the segments before it) plus its place in the
// segment, which a segment, never written again, keeps: a segment that
// stays keeps its documents' numbers but for the shift by the segments
// before it that went or came.
func renumber(before, after []segment) func(n uint64) (uint64, bool) {
	starts := make([]uint64, len(before))
	var at uint64
	for i, s := range before {
		starts[i] = at
		at += s.count
	}
	now := make(map[uint64]uint64, len(after))
	at = 0
	for _, s := range after {
		now[s.id] = at
		at += s.count
	}
	return func(n uint64) (uint64, bool) {
		i := sort.Search(len(starts), func(i int) bool { return starts[i] > n }) - 1
		if i < 0 || n-starts[i] >= before[i].count {
			return 0, false
		}
		start, ok := now[before[i].id]
		return start + n - starts[i], ok
	}
}

// readerOf returns a reader of bi's current snapshot, which the caller
// closes.
func readerOf(bi bleve.Index) (index.IndexReader, error) {
	adv, err := bi.Advanced()
	if err != nil {
		return nil, err
	}
	return adv.Reader()
}

// segmentsOf returns the segments of bi's current snapshot, in order.
func segmentsOf(bi bleve.Index) ([]segment, error) {
	r, err := readerOf(bi)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	is, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, fmt.Errorf("search: the index is not a scorch index")
	}
	var out []segment
	for _, ss := range is.Segments() {
		out = append(out, segment{ss.Id(), ss.Segment().Count()})
	}
	return out, nil
}

// keptNumbers is internalNumbers taking each kept document's number from
// prev's where its segment stayed (see renumber), and looking up only the
// others.
func (ix *Index) keptNumbers(prev *Index, kept []int32) ([]uint64, error) {
	before, err := segmentsOf(prev.bi)
	if err != nil {
		return nil, fmt.Errorf("search: update: %w", err)
	}
	after, err := segmentsOf(ix.bi)
	if err != nil {
		return nil, fmt.Errorf("search: update: %w", err)
	}
	move := renumber(before, after)
	prevNums := make([]uint64, len(prev.docs))
	for n, j := range prev.ords {
		if j >= 0 {
			prevNums[j] = uint64(n)
		}
	}
	return ix.internalNumbers(func(i int) (uint64, bool) {
		if j := kept[i]; j >= 0 {
			return move(prevNums[j])
		}
		return 0, false
	})
}

// sameSample reports whether cardinalities samples the same documents,
// unchanged, from an index of n documents and from one whose documents
// kept says.
func sameSample(n int, kept []int32) bool {
	if n != len(kept) {
		return false
	}
	for i := 0; i < n; i += max(1, n/2000) {
		if kept[i] != int32(i) {
			return false
		}
	}
	return true
}

// updatedVocabulary returns prev's vocabulary brought to ix's documents
// (see updatedOpenData).
func (ix *Index) updatedVocabulary(prev *Index, kept []int32) ([]byte, error) {
	counts := map[string]uint64{}
	it, err := prev.text.fst.Iterator(nil, nil)
	for err == nil {
		k, v := it.Current()
		counts[string(k)] = v
		err = it.Next()
	}
	if !errors.Is(err, vellum.ErrIteratorDone) {
		return nil, fmt.Errorf("search: update: vocabulary: %w", err)
	}
	stays := make([]bool, len(prev.docs))
	for i, j := range kept {
		if j >= 0 {
			stays[j] = true
		} else {
			ix.docs[i].countTerms(counts, ix.text.an, 1)
		}
	}
	for j, ok := range stays {
		if !ok {
			prev.docs[j].countTerms(counts, prev.text.an, -1)
		}
	}
	return buildVocabulary(counts)
}

// countTerms adds by to the count of each term of d's text fields, once
// for each field that holds it, as vocabulary counts them; a count that
// comes to 0 goes.
func (d *Doc) countTerms(counts map[string]uint64, an analysis.Analyzer, by int) {
	for _, f := range d.document("", an).Fields {
		tf, ok := f.(*document.TextField)
		if !ok || !slices.ContainsFunc(textFields, func(t textField) bool { return t.name == f.Name() }) {
			continue
		}
		tf.Analyze()
		for term := range tf.AnalyzedTokenFrequencies() {
			switch c := counts[term]; {
			case by > 0:
				counts[term] = c + 1
			case c > 1:
				counts[term] = c - 1
			default:
				delete(counts, term)
			}
		}
	}
}

// saveOpenData keeps in the index the openData work returns; a failure
// only means the next open works it out again.
func (ix *Index) saveOpenData(work func() (*openData, error)) {
	od, err := work()
	if err != nil {
		return
	}
	var buf bytes.Buffer
	if gob.NewEncoder(&buf).Encode(od) == nil {
		_ = ix.bi.SetInternal(openKey, buf.Bytes())
	}
}

// openSpotChecks is how many documents' kept internal numbers are checked
// against bleve's when an index is opened.
const openSpotChecks = 32

// savedOpenData returns the openData the index keeps, when it keeps one
// that is for its documents: the digest matches, and the internal numbers
// of openSpotChecks documents spread over the table are bleve's.
func (ix *Index) savedOpenData() (*openData, bool) {
	b, err := ix.bi.GetInternal(openKey)
	if err != nil || b == nil {
		return nil, false
	}
	var od openData
	if gob.NewDecoder(bytes.NewReader(b)).Decode(&od) != nil ||
		!bytes.Equal(od.Digest, ix.docsDigest()) || len(od.Nums) != len(ix.docs) {
		return nil, false
	}
	// Numbers past those of the documents and of the deleted ones a merge
	// has not dropped yet are no index's.
	for _, n := range od.Nums {
		if n > uint64(len(od.Nums))*16+1024 {
			return nil, false
		}
	}
	r, err := readerOf(ix.bi)
	if err != nil {
		return nil, false
	}
	defer r.Close()
	n := len(ix.docs)
	for k := range min(openSpotChecks, n) {
		i := k * n / min(openSpotChecks, n)
		iid, err := r.InternalID(ix.docs[i].Key)
		if err != nil || iid == nil || iid.Value() != od.Nums[i] {
			return nil, false
		}
	}
	return &od, true
}

// apply makes od the index's.
func (ix *Index) apply(od *openData) error {
	var hi uint64
	for _, n := range od.Nums {
		hi = max(hi, n)
	}
	ix.ords = make([]int32, hi+1)
	for i := range ix.ords {
		ix.ords[i] = -1
	}
	for i, n := range od.Nums {
		ix.ords[n] = int32(i)
	}
	ix.bm25 = bm25Of(len(ix.docs), od.NameCardinality, od.TextCardinality)
	return ix.text.setVocabulary(od.Vocabulary)
}

// indexInMemory indexes the documents in one batch per core,
// concurrently: scorch analyzes a batch's documents in parallel but builds
// its segment on one goroutine.
func (ix *Index) indexInMemory(ctx context.Context) error {
	chunks := runtime.GOMAXPROCS(0)
	if len(ix.docs) < minParallel {
		chunks = 1
	}
	size := (len(ix.docs) + chunks - 1) / chunks
	size = min(max(size, 1), maxBatch)
	ix.startProgress()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for start := 0; start < len(ix.docs); start += size {
		end := min(start+size, len(ix.docs))
		g.Go(func() error { return ix.batch(gctx, start, end) })
	}
	return g.Wait()
}

// startProgress tells Progress, when set, that indexing starts.
func (ix *Index) startProgress() {
	ix.indexed.Store(0)
	if ix.Progress != nil {
		ix.Progress(0, len(ix.docs))
	}
}

// indexOnDisk indexes the documents diskBatch at a time (each batch
// returns once it is on disk), then merges the segments into one, which
// searches read fastest.
func (ix *Index) indexOnDisk(ctx context.Context) error {
	ix.startProgress()
	for start := 0; start < len(ix.docs); start += diskBatch {
		if err := ix.batch(ctx, start, min(start+diskBatch, len(ix.docs))); err != nil {
			return err
		}
	}
	return ix.seal(ctx, &mergeplan.SingleSegmentMergePlanOptions)
}

// seal records the digest of the documents' keys (see checkDocs) and
// merges segments as plan says (a new index into one, which searches read
// fastest).
func (ix *Index) seal(ctx context.Context, plan *mergeplan.MergePlanOptions) error {
	if err := ix.bi.SetInternal(docsKey, ix.docsDigest()); err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	adv, err := ix.bi.Advanced()
	if err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	sc, ok := adv.(*scorch.Scorch)
	if !ok {
		return fmt.Errorf("search: build: the index is not a scorch index")
	}
	if err := sc.ForceMerge(ctx, plan); err != nil {
		return fmt.Errorf("search: build: merge segments: %w", err)
	}
	return nil
}

// batch indexes documents [start, end) in one bleve batch.
func (ix *Index) batch(ctx context.Context, start, end int) error {
	b := ix.bi.NewBatch()
	for i := start; i < end; i++ {
		if err := b.IndexAdvanced(ix.docs[i].document(ix.docs[i].Key, ix.text.an)); err != nil {
			return fmt.Errorf("search: build: index %s: %w", ix.docs[i].Service.Key(), err)
		}
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("search: build: %w", err)
	}
	if err := ix.bi.Batch(b); err != nil {
		return fmt.Errorf("search: build: batch: %w", err)
	}
	if done := ix.indexed.Add(int64(end - start)); ix.Progress != nil {
		ix.Progress(int(done), len(ix.docs))
	}
	return nil
}

// document returns the bleve document for d, with id. Documents are built
// directly rather than through the mapping (the fields are the mapping's,
// with its analyzer and options), which spares the reflection walk and
// bleve's composite "_all" field.
func (d *Doc) document(id string, an analysis.Analyzer) *document.Document {
	s := d.Service
	doc := document.NewDocument(id)
	doc.AddField(document.NewTextFieldCustom(fName, nil,
		[]byte(joinText(s.Name, s.AlternateName)), index.IndexField, an))
	doc.AddField(document.NewTextFieldCustom(fText, nil,
		[]byte(joinText(s.Name, s.AlternateName, s.Org.Name, s.Org.AlternateName, s.Description)), index.IndexField, an))
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

// cardinalities returns what bm25Of takes for the name and text fields.
// bleve takes a field's average length to be its number of distinct terms
// over the number of documents (rounded up), which for a large directory
// with a small vocabulary is 1 or 2 and makes any description of ordinary
// length score as if it were ten times too long. Each field's "cardinality"
// is therefore set to its average analyzed length, measured on an evenly
// spread sample of documents, times the document count, so that bleve's
// ratio is the real average.
func (ix *Index) cardinalities(an analysis.Analyzer) (name, text int) {
	n := len(ix.docs)
	step := max(1, n/2000)
	var sampled int
	for i := 0; i < n; i += step {
		doc := ix.docs[i].document("", an)
		for _, f := range doc.Fields {
			if tf, ok := f.(*document.TextField); ok {
				tf.Analyze()
				switch f.Name() {
				case fName:
					name += tf.AnalyzedLength()
				case fText:
					text += tf.AnalyzedLength()
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
	return card(name), card(text)
}

// bm25Of returns the statistics searches pass to bleve's BM25 scorer for
// n documents and the fields' cardinalities.
func bm25Of(n, name, text int) *bsearch.BM25Stats {
	return &bsearch.BM25Stats{
		DocCount: float64(max(n, 1)),
		FieldCardinality: map[string]int{
			fName: name, fText: text,
			// The field bleve's unscored disjunction over merged postings
			// names (searcher.optimizeCompositeSearcher); it scores nothing.
			"*": max(n, 1),
		},
	}
}

// internalNumbers returns bleve's internal numbers of the documents,
// looking each up by its key (a few µs each) unless known, when not nil,
// gives it. The numbers are those of the reader's segments, which for an
// index opened read-only never change, and which closing a written index
// and opening it again keeps. It returns an error if the index cannot be
// read or lacks a document.
func (ix *Index) internalNumbers(known func(i int) (uint64, bool)) ([]uint64, error) {
	r, err := readerOf(ix.bi)
	if err != nil {
		return nil, fmt.Errorf("search: build: %w", err)
	}
	defer r.Close()
	nums := make([]uint64, len(ix.docs))
	for i := range ix.docs {
		if known != nil {
			var ok bool
			if nums[i], ok = known(i); ok {
				continue
			}
		}
		iid, err := r.InternalID(ix.docs[i].Key)
		if err != nil || iid == nil {
			return nil, fmt.Errorf("search: build: document %d missing from the index: %v", i, err)
		}
		nums[i] = iid.Value()
	}
	return nums, nil
}

// Close releases the index; closing again does nothing. Searches after
// Close fail.
func (ix *Index) Close() error { return ix.Closer()() }

// Closer returns a function that closes the index as Close does, and
// holds nothing of it but the open bleve index: a server that closes an
// index it stopped serving some time later keeps its documents, catalog
// and vocabulary no longer than the searches still reading them.
func (ix *Index) Closer() func() error {
	c, bi := ix.closing, ix.bi
	return func() error {
		c.once.Do(func() {
			if err := bi.Close(); err != nil {
				c.err = fmt.Errorf("search: close: %w", err)
			}
		})
		return c.err
	}
}

// Catalog returns the catalog the index was built from.
func (ix *Index) Catalog() *directory.Catalog { return ix.cat }

// Docs returns the table of documents, in service key then location id
// order. The slice is shared: callers must not change it.
func (ix *Index) Docs() []Doc { return ix.docs }

// DocCount returns how many service-at-location documents the index holds.
func (ix *Index) DocCount() int { return len(ix.docs) }
