package search

import (
	"bytes"
	"context"
	"encoding/gob"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/blevesearch/bleve/v2"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/search/searchtest"
)

var (
	fixOnce sync.Once
	fixIx   *Index
	fixErr  error
)

// fixtureIndex is built once: an Index is immutable, so tests share it.
func fixtureIndex(t *testing.T) *Index {
	t.Helper()
	fixOnce.Do(func() {
		tax, voc, err := searchtest.Words(os.DirFS("../../data"))
		if err != nil {
			fixErr = err
			return
		}
		cat, err := searchtest.Fixture(tax, voc)
		if err != nil {
			fixErr = err
			return
		}
		fixIx, fixErr = Build(context.Background(), cat)
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixIx
}

// textKeys runs a text search and returns the hits' service keys.
func textKeys(t *testing.T, ix *Index, words ...string) ([]string, bool) {
	t.Helper()
	res, err := ix.Text(context.Background(), words, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		if k := ix.Docs()[h.Doc].Service.Key(); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out, res.Relaxed
}

func TestDocs(t *testing.T) {
	ix := fixtureIndex(t)
	docs := ix.Docs()
	if len(docs) != ix.DocCount() || len(docs) == 0 {
		t.Fatalf("%d docs, DocCount %d", len(docs), ix.DocCount())
	}
	for i := 1; i < len(docs); i++ {
		if docs[i-1].Key >= docs[i].Key {
			t.Errorf("docs out of order: %q before %q", docs[i-1].Key, docs[i].Key)
		}
	}
	byKey := map[string]Doc{}
	for _, d := range docs {
		byKey[d.Key] = d
	}
	t.Run("a service at two locations is two documents", func(t *testing.T) {
		for _, k := range []string{"bread-for-the-city.snap\x00northwest", "bread-for-the-city.snap\x00southeast"} {
			if _, ok := byKey[k]; !ok {
				t.Errorf("no document %q", k)
			}
		}
	})
	t.Run("a service without locations has one document without a point", func(t *testing.T) {
		d, ok := byKey["lifeline.lifeline"]
		if !ok || d.Location != nil || d.HasPoint {
			t.Errorf("lifeline document %+v", d)
		}
	})
	t.Run("a confidential location is measured from its grid cell", func(t *testing.T) {
		d := byKey["house-of-ruth.safe-house\x00safe-house"]
		if !d.HasPoint || geo.Distance(d.Point, searchtest.SafeCenter) > 1 || d.Point == searchtest.SafeHouse {
			t.Errorf("safe house point %v, want the cell centre %v", d.Point, searchtest.SafeCenter)
		}
	})
}

func TestText(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name    string
		words   []string
		want    []string
		not     []string
		relaxed bool
	}{
		{name: "a word of the description", words: []string{"methadone"}, want: []string{"partners-in-recovery.otp"}},
		{name: "a word of the organization's name", words: []string{"tubman"}, want: []string{"harriet-tubman.shelter"}, not: []string{"ccnv.shelter"}},
		{name: "plural and singular", words: []string{"cleanings"}, want: []string{"unity-health.dental"}},
		{name: "accents folded", words: []string{"atencion"}, want: []string{"la-clinica.primary-care"}},
		{name: "every word must match", words: []string{"free", "lawyers"}, want: []string{"bread-for-the-city.legal"}, not: []string{"capital-area-food-bank.pantry"}},
		{name: "any word when none has all", words: []string{"lawyers", "methadone"}, relaxed: true,
			want: []string{"bread-for-the-city.legal", "partners-in-recovery.otp"}},
		{name: "query syntax is words", words: []string{"description:shelter"}, relaxed: true, want: []string{"ccnv.shelter"}},
		{name: "nothing known", words: []string{"xqzvw"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, relaxed := textKeys(t, ix, tc.words...)
			for _, k := range tc.want {
				if !slices.Contains(got, k) {
					t.Errorf("missing %s; got %v", k, got)
				}
			}
			for _, k := range tc.not {
				if slices.Contains(got, k) {
					t.Errorf("unexpected %s; got %v", k, got)
				}
			}
			if relaxed != tc.relaxed {
				t.Errorf("relaxed = %v, want %v", relaxed, tc.relaxed)
			}
			if tc.want == nil && tc.name == "nothing known" && len(got) != 0 {
				t.Errorf("hits for an unknown word: %v", got)
			}
		})
	}
	t.Run("the name counts more than the description", func(t *testing.T) {
		got, _ := textKeys(t, ix, "shelter")
		if len(got) < 2 || got[len(got)-1] == "ccnv.shelter" {
			t.Errorf("order %v", got)
		}
	})
	t.Run("special characters are literal", func(t *testing.T) {
		for _, text := range []string{`name:( AND`, `"unbalanced`, `shelter~2`, `+food -pantry`, `food^10`, `*`, `/.*/`, `\`, `(((`} {
			if _, err := ix.Text(context.Background(), []string{text}, 0); err != nil {
				t.Errorf("%q: %v", text, err)
			}
		}
	})
}

func TestSpeller(t *testing.T) {
	ix := fixtureIndex(t)
	for _, w := range []string{"shelter", "shelters", "dental", "methadone", "the"} {
		if !ix.Known(w) {
			t.Errorf("Known(%q) = false", w)
		}
	}
	tests := []struct {
		word string
		want string
	}{
		{"shleter", "shelter"},
		{"pantri", "pantry"},
		{"methadon", "methadone"},
		{"dentst", "dentist"},
	}
	for _, tc := range tests {
		if got := ix.Suggest(tc.word, 3); len(got) == 0 || got[0] != tc.want {
			t.Errorf("Suggest(%q) = %v, want %q first", tc.word, got, tc.want)
		}
	}
	for _, w := range []string{"xqzvw", "zz", "20001"} {
		if got := ix.Suggest(w, 3); len(got) != 0 {
			t.Errorf("Suggest(%q) = %v, want none", w, got)
		}
	}
}

// TestBundledData builds the repository's directory and finds listings by
// their own words.
func TestBundledData(t *testing.T) {
	cat := loadData(t, "../../data")
	ix, err := Build(context.Background(), cat)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.DocCount() < cat.ServiceCount() {
		t.Fatalf("%d documents for %d services", ix.DocCount(), cat.ServiceCount())
	}
	got, _ := textKeys(t, ix, "harriet", "tubman")
	if !slices.Contains(got, "catholic-charities-harriet-tubman-shelter-and-day-center.harriet-tubman-shelter-and-day-center") {
		t.Errorf("harriet tubman: %v", got)
	}
}

func TestConcurrentTextSearches(t *testing.T) {
	ix := fixtureIndex(t)
	want, _ := textKeys(t, ix, "shelter")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 20; j++ {
				res, err := ix.Text(context.Background(), []string{"shelter"}, 0)
				if err != nil || len(res.Hits) != len(want) {
					t.Errorf("concurrent search: %v, %d hits", err, len(res.Hits))
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(context.Background(), nil); err == nil {
		t.Error("Build(nil) succeeded")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tax, voc, err := searchtest.Words(os.DirFS("../../data"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := searchtest.Synthetic(tax, voc, 6000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(ctx, cat); err == nil {
		t.Error("Build with a cancelled context succeeded")
	}
}

// TestOpenDataKept: an index written to disk keeps what opening it needs
// (openData), and an open takes it, not working it out again: the kept
// internal numbers are bleve's for every document, for a built index and
// for one updated from it. Kept numbers that are not bleve's are refused,
// and the open works them out.
func TestOpenDataKept(t *testing.T) {
	ctx := context.Background()
	cat := loadData(t, "../../data")
	dir := t.TempDir()
	// In tests, New's index made searchable, or the failure.
	made := func(cat *directory.Catalog, with func(ix *Index) error) *Index {
		t.Helper()
		ix, err := New(cat)
		if err == nil {
			err = with(ix)
		}
		if err != nil {
			t.Fatal(err)
		}
		return ix
	}
	built := made(cat, func(ix *Index) error { return ix.BuildDir(ctx, dir+"/a") })
	defer built.Close()
	// The catalog after edits: the first listing gone, the second
	// changed, one added at the end. The update takes the kept
	// documents' numbers, the cardinalities and the vocabulary from the
	// built index (updatedOpenData): what it keeps must be what a build
	// of the edited catalog works out.
	fewer := *cat
	fewer.Organizations = append([]*directory.Organization{copyOrg(cat.Organizations[1], "", "Zanzibarish quokka.")},
		cat.Organizations[2:]...)
	fewer.Organizations = append(fewer.Organizations, copyOrg(cat.Organizations[3], "zz-added", ""))
	// bleve's plan merges segments under 2,000 documents, all of the
	// bundled directory's: here only the national directory's edits would
	// stay apart from its large segment, and keep their numbers.
	floor := updateFloor
	updateFloor = 1
	updated := made(&fewer, func(ix *Index) error { return ix.UpdateDir(ctx, built, dir+"/b") })
	updateFloor = floor
	defer updated.Close()
	before, err := segmentsOf(built.bi)
	if err != nil {
		t.Fatal(err)
	}
	after, err := segmentsOf(updated.bi)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) <= len(before) || !slices.Equal(before, after[:len(before)]) {
		t.Fatalf("the update did not keep the built index's segments: %v, then %v", before, after)
	}
	rebuilt := made(&fewer, func(ix *Index) error { return ix.BuildDir(ctx, dir+"/c") })
	defer rebuilt.Close()
	wantOD, _ := rebuilt.savedOpenData()
	gotOD, _ := updated.savedOpenData()
	if gotOD == nil || wantOD == nil {
		t.Fatal("no open data kept")
	}
	if !slices.Equal(gotOD.Vocabulary, wantOD.Vocabulary) {
		t.Error("the updated vocabulary is not the one a build of the same listings makes")
	}
	if gotOD.NameCardinality != wantOD.NameCardinality || gotOD.TextCardinality != wantOD.TextCardinality {
		t.Errorf("cardinalities: updated %d, %d; built %d, %d", gotOD.NameCardinality, gotOD.TextCardinality,
			wantOD.NameCardinality, wantOD.TextCardinality)
	}
	if got, _ := textKeys(t, updated, "zanzibarish"); len(got) == 0 || !updated.Known("zanzibarish") {
		t.Errorf("zanzibarish, a word of the changed listing: %v, known %v", got, updated.Known("zanzibarish"))
	}
	for _, ix := range []*Index{built, updated, rebuilt} {
		od, ok := ix.savedOpenData()
		if !ok {
			t.Fatalf("%s: no open data kept", ix.dir)
		}
		nums, err := ix.internalNumbers(nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(od.Nums, nums) {
			t.Errorf("%s: the kept internal numbers are not bleve's", ix.dir)
		}
		for i, n := range nums {
			if ix.ords[n] != int32(i) {
				t.Fatalf("%s: document %d is at %d", ix.dir, i, ix.ords[n])
			}
		}
		if ix == updated {
			// Its segments still count the documents the update
			// deleted; its vocabulary is the rebuilt one (above).
			continue
		}
		fresh, err := vocabulary(ix.bi)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(od.Vocabulary, fresh) {
			t.Errorf("%s: the kept vocabulary is not the index's", ix.dir)
		}
	}

	// Numbers swapped between two documents: refused.
	if err := built.Close(); err != nil {
		t.Fatal(err)
	}
	od, _ := updated.savedOpenData()
	od.Nums[0], od.Nums[len(od.Nums)-1] = od.Nums[len(od.Nums)-1], od.Nums[0]
	if err := updated.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := bleve.Open(dir + "/b")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(od); err != nil {
		t.Fatal(err)
	}
	if err := w.SetInternal(openKey, buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	reopened := made(&fewer, func(ix *Index) error { return ix.Open(ctx, dir+"/b") })
	defer reopened.Close()
	if _, ok := reopened.savedOpenData(); ok {
		t.Error("kept numbers that are not bleve's were taken")
	}
	got, _ := textKeys(t, reopened, "harriet", "tubman")
	if !slices.Contains(got, "catholic-charities-harriet-tubman-shelter-and-day-center.harriet-tubman-shelter-and-day-center") {
		t.Errorf("harriet tubman, after the open worked the numbers out: %v", got)
	}
}

// copyOrg returns a copy of o, under id when it is set, whose services
// are new ones (so their documents are new to an update) with note added
// to their descriptions.
func copyOrg(o *directory.Organization, id, note string) *directory.Organization {
	c := *o
	if id != "" {
		c.ID = id
	}
	c.Services = nil
	for _, s := range o.Services {
		n := *s
		n.Org = &c
		n.Description = strings.TrimSpace(n.Description + " " + note)
		c.Services = append(c.Services, &n)
	}
	return &c
}

// TestBuildProgress: a build tells Progress that it starts, (0, total),
// then how many documents are indexed after each batch, up to all of
// them; in memory the batches run at once and report from their
// goroutines.
func TestBuildProgress(t *testing.T) {
	cat := loadData(t, "../../data")
	for _, where := range []string{"disk", "memory"} {
		t.Run(where, func(t *testing.T) {
			ix, err := New(cat)
			if err != nil {
				t.Fatal(err)
			}
			var mu sync.Mutex
			var calls [][2]int
			ix.Progress = func(done, total int) {
				mu.Lock()
				defer mu.Unlock()
				calls = append(calls, [2]int{done, total})
			}
			if where == "disk" {
				err = ix.BuildDir(context.Background(), t.TempDir()+"/ix")
			} else {
				err = ix.BuildMemory(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
			defer ix.Close()
			n := len(ix.Docs())
			if len(calls) < 2 || calls[0] != [2]int{0, n} {
				t.Fatalf("progress %v: want (0, %d) first", calls, n)
			}
			done := make([]int, 0, len(calls))
			for _, c := range calls {
				if c[1] != n {
					t.Errorf("progress %v: total %d, want %d", c, c[1], n)
				}
				done = append(done, c[0])
			}
			slices.Sort(done)
			if done[len(done)-1] != n || !slices.Equal(done, slices.Compact(slices.Clone(done))) {
				t.Errorf("progress %v: want counts rising to %d, each once", calls, n)
			}
		})
	}
}
