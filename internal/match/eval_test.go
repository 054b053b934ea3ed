package match

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/geo"
	"trellis/internal/listings"
	"trellis/internal/search"
)

// The relevance evaluation (make eval). Judged cases live in
// testdata/relevance/<directory>.yaml at the repository's root, one file
// per directory: the bundled DC data and a second directory imported from
// the national package. TestRelevance runs every case, computes nDCG@10
// and recall@5 overall and per directory, and fails when they fall below
// the floors here, so that ranking cannot silently regress. With -report it
// prints the metrics and every failing case.

var evalReport = flag.Bool("report", false, "print the relevance report (make eval)")

// Floors the evaluation must stay above. The evaluation is deterministic,
// so they sit just under the measured values (all 0.943/0.890, DC
// 0.932/0.891, Chicago 0.966/0.888): one more case failing outright costs
// DC about 0.02 nDCG and trips them. Raise them when ranking improves.
var evalFloors = map[string]struct{ ndcg, recall float64 }{
	"all":     {0.93, 0.88},
	"dc":      {0.92, 0.88},
	"chicago": {0.95, 0.87},
}

// A failing case is one whose nDCG@10 is below caseFloor, or whose first
// result or top five break its must-rules.
const caseFloor = 0.6

// suite is one file of judged cases.
type suite struct {
	// Data is the data directory, relative to the file.
	Data string `yaml:"data"`
	// Overlay names files taken from the repository's data directory
	// instead ("taxonomy.yaml", "geo").
	Overlay []string `yaml:"overlay"`
	// Now is the time of every case's request.
	Now   time.Time  `yaml:"now"`
	Cases []evalCase `yaml:"cases"`
}

type evalCase struct {
	Name string `yaml:"name"`
	// Need is what was asked, as people ask it.
	Need   string `yaml:"need"`
	Near   string `yaml:"near"`
	Travel string `yaml:"travel"`
	Person *struct {
		Age           *int     `yaml:"age"`
		Gender        string   `yaml:"gender"`
		Veteran       *bool    `yaml:"veteran"`
		Insurance     []string `yaml:"insurance"`
		Languages     []string `yaml:"languages"`
		Circumstances []string `yaml:"circumstances"`
	} `yaml:"person"`
	OpenNow  bool `yaml:"open_now"`
	FreeOnly bool `yaml:"free_only"`
	WalkIn   bool `yaml:"walk_in"`
	// Relevant grades services by key: 2 what a specialist would call
	// first, 1 a good answer.
	Relevant map[string]int `yaml:"relevant"`
	// First, when set, lists the services one of which must come first.
	First []string `yaml:"first"`
	// NotTop lists services that must not be in the top five (wrong kind
	// of service, or not for this person).
	NotTop []string `yaml:"not_top"`
	// Why says how the judgments were made.
	Why string `yaml:"why"`
}

// overlayFS serves the named top-level entries from base and the rest
// from dir.
type overlayFS struct {
	dir, base fs.FS
	names     []string
}

func (o overlayFS) Open(name string) (fs.File, error) {
	top := strings.SplitN(name, "/", 2)[0]
	if contains(o.names, top) {
		return o.base.Open(name)
	}
	return o.dir.Open(name)
}

// loadSuite reads a suite file and builds the matcher of its data.
func loadSuite(t *testing.T, file string) (*suite, *Matcher, *geo.Gazetteer) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s suite
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	var fsys fs.FS = os.DirFS(filepath.Join(filepath.Dir(file), s.Data))
	if len(s.Overlay) > 0 {
		fsys = overlayFS{dir: fsys, base: os.DirFS("../../data"), names: s.Overlay}
	}
	places, err := geo.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	cat, errs, err := listings.Load(fsys, listings.Options{Now: s.Now, Places: places})
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Fatalf("%s: %d problems, first: %v", s.Data, len(errs), errs[0])
	}
	ix, err := search.Build(context.Background(), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close() })
	for _, c := range s.Cases {
		for _, keys := range [][]string{keysOf(c.Relevant), c.First, c.NotTop} {
			for _, k := range keys {
				if cat.Service(k) == nil {
					t.Errorf("%s: case %q names %q, which is not a service", file, c.Name, k)
				}
			}
		}
	}
	return &s, New(ix), places
}

func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// caseResult is one case's outcome.
type caseResult struct {
	dir, name    string
	ndcg, recall float64
	problems     []string
	got          []string
}

// runCase matches a case and scores its ranking.
func runCase(t *testing.T, m *Matcher, places *geo.Gazetteer, now time.Time, c evalCase) caseResult {
	p := Profile{Needs: []Need{{Text: c.Need}}, Now: now, Limit: 10,
		Constraints: Constraints{OpenNow: c.OpenNow, FreeOnly: c.FreeOnly, WalkIn: c.WalkIn}}
	if c.Near != "" {
		pl, err := places.ParsePlace(c.Near)
		if err != nil {
			t.Fatalf("case %q: %v", c.Name, err)
		}
		p.Place = &pl
	}
	if c.Travel != "" {
		d, err := geo.ParseDistance(c.Travel)
		if err != nil {
			t.Fatalf("case %q: %v", c.Name, err)
		}
		p.TravelMeters = d
	}
	if pr := c.Person; pr != nil {
		p.Person = &Person{Age: pr.Age, Gender: pr.Gender, Veteran: pr.Veteran, Insurance: pr.Insurance,
			Languages: pr.Languages, Circumstances: pr.Circumstances}
	}
	res, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatalf("case %q: %v", c.Name, err)
	}
	r := caseResult{name: c.Name}
	for _, x := range res.Needs[0].Results {
		r.got = append(r.got, x.Service.Key())
	}
	r.ndcg = ndcg(r.got, c.Relevant, 10)
	r.recall = recall(r.got, c.Relevant, 5)
	if r.ndcg < caseFloor {
		r.problems = append(r.problems, fmt.Sprintf("nDCG@10 %.2f", r.ndcg))
	}
	if len(c.First) > 0 && (len(r.got) == 0 || !contains(c.First, r.got[0])) {
		first := "nothing"
		if len(r.got) > 0 {
			first = r.got[0]
		}
		r.problems = append(r.problems, "first is "+first)
	}
	for i, k := range r.got {
		if i < 5 && contains(c.NotTop, k) {
			r.problems = append(r.problems, fmt.Sprintf("%s at %d", k, i+1))
		}
	}
	return r
}

// ndcg is the normalized discounted cumulative gain of the first k of got
// under graded judgments (gain 2^grade - 1).
func ndcg(got []string, grades map[string]int, k int) float64 {
	dcg := 0.0
	for i, key := range got {
		if i == k {
			break
		}
		dcg += (math.Pow(2, float64(grades[key])) - 1) / math.Log2(float64(i+2))
	}
	var ideal []int
	for _, g := range grades {
		ideal = append(ideal, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(ideal)))
	idcg := 0.0
	for i, g := range ideal {
		if i == k {
			break
		}
		idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
	}
	if idcg == 0 {
		return 1
	}
	return dcg / idcg
}

// recall is the share of the judged services found in the first k, out
// of at most k (so a case with more than k judged services can reach 1).
func recall(got []string, grades map[string]int, k int) float64 {
	if len(grades) == 0 {
		return 1
	}
	found := 0
	for i, key := range got {
		if i < k && grades[key] > 0 {
			found++
		}
	}
	return float64(found) / float64(min(k, len(grades)))
}

func TestRelevance(t *testing.T) {
	files, err := filepath.Glob("../../testdata/relevance/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no relevance suites: %v", err)
	}
	var all []caseResult
	for _, file := range files {
		dir := strings.TrimSuffix(path.Base(filepath.ToSlash(file)), ".yaml")
		s, m, places := loadSuite(t, file)
		for _, c := range s.Cases {
			r := runCase(t, m, places, s.Now, c)
			r.dir = dir
			all = append(all, r)
		}
	}
	if len(all) < 60 {
		t.Errorf("%d judged cases, want at least 60", len(all))
	}
	type agg struct {
		n            int
		ndcg, recall float64
	}
	by := map[string]*agg{"all": {}}
	for _, r := range all {
		for _, k := range []string{"all", r.dir} {
			if by[k] == nil {
				by[k] = &agg{}
			}
			by[k].n++
			by[k].ndcg += r.ndcg
			by[k].recall += r.recall
		}
	}
	var report strings.Builder
	names := keysOfAgg(by)
	fmt.Fprintf(&report, "%-10s %6s %9s %9s\n", "directory", "cases", "nDCG@10", "recall@5")
	for _, k := range names {
		a := by[k]
		fmt.Fprintf(&report, "%-10s %6d %9.3f %9.3f\n", k, a.n, a.ndcg/float64(a.n), a.recall/float64(a.n))
	}
	failing := 0
	for _, r := range all {
		if len(r.problems) == 0 {
			continue
		}
		failing++
		fmt.Fprintf(&report, "FAIL %s: %s: %s\n     got %s\n", r.dir, r.name, strings.Join(r.problems, "; "), strings.Join(r.got, ", "))
	}
	fmt.Fprintf(&report, "%d of %d cases fail\n", failing, len(all))
	if *evalReport {
		fmt.Print(report.String())
	}
	for k, f := range evalFloors {
		a := by[k]
		if a == nil {
			t.Errorf("no cases for %s", k)
			continue
		}
		if n, rc := a.ndcg/float64(a.n), a.recall/float64(a.n); n < f.ndcg || rc < f.recall {
			t.Errorf("%s: nDCG@10 %.3f (floor %.2f), recall@5 %.3f (floor %.2f)\n%s", k, n, f.ndcg, rc, f.recall, report.String())
		}
	}
}

func keysOfAgg[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestChicagoTaxonomyCopy keeps the second directory's copy of the
// taxonomy equal to the repository's (the evaluation reads the
// repository's, so the copy only keeps the directory complete).
func TestChicagoTaxonomyCopy(t *testing.T) {
	a, err := os.ReadFile("../../data/" + listings.TaxonomyPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../testdata/relevance/chicago/data/" + listings.TaxonomyPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("testdata/relevance/chicago/data/taxonomy.yaml differs from data/taxonomy.yaml: copy it again")
	}
}
