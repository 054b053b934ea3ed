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
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/geo"
	"trellis/internal/listings"
	"trellis/internal/need"
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

// Floors the evaluation must stay above, for each surface (search and
// match rank alike, and a test holds them to it): overall, per directory
// and per class. The evaluation is deterministic, so they sit just under
// the values measured on 2026-12-06 (overall 0.931/0.866, DC 0.935/0.881,
// peers 0.908/0.835, Chicago 0.963/0.888): a case that drops out of the
// top ten trips them. Raise them when ranking improves; never lower them
// to let a change land.
var evalFloors = func() map[string]struct{ ndcg, recall float64 } {
	floors := map[string]struct{ ndcg, recall float64 }{
		"":                   {0.93, 0.86},
		" dc":                {0.93, 0.875},
		" peers":             {0.90, 0.83},
		" chicago":           {0.96, 0.88},
		" class:browse":      {0.94, 0.78},
		" class:crisis":      {0.96, 0.91},
		" class:dead-end":    {0.82, 0.67},
		" class:everyday":    {0.85, 0.86},
		" class:misspelling": {0.97, 0.81},
		" class:population":  {0.95, 0.92},
		" class:protected":   {0.87, 0.76},
		" class:spanish":     {0.90, 0.85},
	}
	out := map[string]struct{ ndcg, recall float64 }{}
	for _, surface := range surfaces {
		for k, f := range floors {
			out[surface+k] = f
		}
	}
	return out
}()

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
	// Now, when set, is the time of this case's request instead of the
	// suite's: the judgments hold on that day (a farmers market in its
	// season).
	Now *time.Time `yaml:"now"`
	// Class names what the case exercises (protected, dead-end,
	// population, crisis, browse, spanish, misspelling, everyday); make
	// eval reports each class.
	Class []string `yaml:"class"`
	// Crisis, when true, requires the crisis lines in the answer; Widened
	// requires the answer to say it widened the need or the reach.
	Crisis  bool `yaml:"crisis"`
	Widened bool `yaml:"widened"`
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
	return &s, New(ix, places, nil), places
}

func keysOf(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// caseResult is one case's outcome on one surface.
type caseResult struct {
	dir, name, surface string
	classes            []string
	ndcg, recall       float64
	problems           []string
	got                []string
}

// surfaces are the two ways a need reaches the engine.
var surfaces = []string{"search", "match"}

// runCase runs a case through GET /search's Matcher.Search and POST
// /match's Matcher.Match, scores both rankings, and checks that both read
// the words and leave out services the same way.
func runCase(t *testing.T, m *Matcher, places *geo.Gazetteer, now time.Time, c evalCase) []caseResult {
	if c.Now != nil {
		now = *c.Now
	}
	constraints := need.Constraints{OpenNow: c.OpenNow, FreeOnly: c.FreeOnly, WalkIn: c.WalkIn}
	var place *geo.Place
	if c.Near != "" {
		pl, err := places.ParsePlace(c.Near)
		if err != nil {
			t.Fatalf("case %q: %v", c.Name, err)
		}
		place = &pl
	}
	var travel float64
	if c.Travel != "" {
		d, err := geo.ParseDistance(c.Travel)
		if err != nil {
			t.Fatalf("case %q: %v", c.Name, err)
		}
		travel = d
	}
	person := func() *need.Person {
		if pr := c.Person; pr != nil {
			return &need.Person{Age: pr.Age, Gender: pr.Gender, Veteran: pr.Veteran, Insurance: append([]string(nil), pr.Insurance...),
				Languages: append([]string(nil), pr.Languages...), Circumstances: append([]string(nil), pr.Circumstances...)}
		}
		return nil
	}
	mres, err := m.Match(context.Background(), Profile{Needs: []Need{{Text: c.Need}}, Now: now, Limit: 10, ExcludedLimit: 50,
		Place: place, TravelMeters: travel, Person: person(), Constraints: constraints})
	if err != nil {
		t.Fatalf("case %q: match: %v", c.Name, err)
	}
	sres, err := m.Search(context.Background(), SearchRequest{Text: c.Need, Now: now, PerPage: 10,
		Place: place, RadiusMeters: travel, Person: person(), Constraints: constraints})
	if err != nil {
		t.Fatalf("case %q: search: %v", c.Name, err)
	}
	nr := mres.Needs[0]
	var out []caseResult
	for _, surface := range surfaces {
		r := caseResult{name: c.Name, surface: surface, classes: c.Class}
		var crisis int
		var widened Widening
		if surface == "match" {
			for _, x := range nr.Results {
				r.got = append(r.got, x.Service.Key())
			}
			crisis, widened = len(nr.Crisis), nr.Widening
		} else {
			for _, x := range sres.Hits {
				r.got = append(r.got, x.Service.Key())
			}
			crisis, widened = len(sres.Crisis), sres.Widening
		}
		r.ndcg = ndcg(r.got, c.Relevant, 10)
		r.recall = recall(r.got, c.Relevant, 5)
		if len(r.got) == 0 {
			r.problems = append(r.problems, "no results")
		}
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
		if c.Crisis && crisis == 0 {
			r.problems = append(r.problems, "no crisis lines")
		}
		if c.Widened && (widened.IsZero() || widened.Why == "") {
			r.problems = append(r.problems, "does not say it widened")
		}
		out = append(out, r)
	}
	// One reading and one rule set: the same words and person give the
	// same reading and the same exclusions on both surfaces.
	if a, b := fmt.Sprintf("%v|%v|%v|%v", sres.ReadAs.Categories, sres.ReadAs.Who, sres.ReadAs.Crisis, sres.ReadAs.Widened),
		fmt.Sprintf("%v|%v|%v|%v", nr.ReadAs.Categories, nr.ReadAs.Who, nr.ReadAs.Crisis, nr.ReadAs.Widened); a != b {
		out[0].problems = append(out[0].problems, fmt.Sprintf("search read %s, match %s", a, b))
	}
	if !reflect.DeepEqual(sres.ExcludedCounts, nr.ExcludedCounts) || sres.ExcludedTotal != nr.ExcludedTotal {
		out[0].problems = append(out[0].problems, fmt.Sprintf("search excluded %d %v, match %d %v",
			sres.ExcludedTotal, sres.ExcludedCounts, nr.ExcludedTotal, nr.ExcludedCounts))
	}
	return out
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
	cases := 0
	for _, file := range files {
		dir := strings.TrimSuffix(path.Base(filepath.ToSlash(file)), ".yaml")
		s, m, places := loadSuite(t, file)
		for _, c := range s.Cases {
			cases++
			for _, r := range runCase(t, m, places, s.Now, c) {
				r.dir = dir
				all = append(all, r)
			}
		}
	}
	if cases < 100 {
		t.Errorf("%d judged cases, want at least 100", cases)
	}
	type agg struct {
		n            int
		ndcg, recall float64
		empty        int
	}
	// Keys: "<surface>" overall, "<surface> <directory>", and
	// "<surface> class:<class>".
	by := map[string]*agg{}
	add := func(k string, r caseResult) {
		if by[k] == nil {
			by[k] = &agg{}
		}
		a := by[k]
		a.n++
		a.ndcg += r.ndcg
		a.recall += r.recall
		if len(r.got) == 0 {
			a.empty++
		}
	}
	for _, r := range all {
		add(r.surface, r)
		add(r.surface+" "+r.dir, r)
		for _, c := range r.classes {
			add(r.surface+" class:"+c, r)
		}
	}
	var report strings.Builder
	fmt.Fprintf(&report, "%-26s %6s %9s %9s %11s\n", "surface and directory", "cases", "nDCG@10", "recall@5", "no results")
	for _, k := range keysOfAgg(by) {
		a := by[k]
		fmt.Fprintf(&report, "%-26s %6d %9.3f %9.3f %11d\n", k, a.n, a.ndcg/float64(a.n), a.recall/float64(a.n), a.empty)
	}
	// The lowest-scoring cases of one surface (both surfaces rank alike,
	// and a test holds them to it), so that work on ranking starts there.
	var low []caseResult
	for _, r := range all {
		if r.surface == surfaces[0] && r.ndcg < 0.8 {
			low = append(low, r)
		}
	}
	sort.SliceStable(low, func(i, j int) bool { return low[i].ndcg < low[j].ndcg })
	fmt.Fprintf(&report, "%d %s cases under nDCG@10 0.8:\n", len(low), surfaces[0])
	for _, r := range low {
		fmt.Fprintf(&report, "  %.3f %-8s %s (recall@5 %.2f)\n     got %s\n", r.ndcg, r.dir, r.name, r.recall, strings.Join(r.got[:min(5, len(r.got))], ", "))
	}
	failing := 0
	for _, r := range all {
		if len(r.problems) == 0 {
			continue
		}
		failing++
		fmt.Fprintf(&report, "FAIL %s %s: %s: %s\n     got %s\n", r.surface, r.dir, r.name, strings.Join(r.problems, "; "), strings.Join(r.got, ", "))
	}
	fmt.Fprintf(&report, "%d of %d case runs fail\n", failing, len(all))
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
			t.Errorf("%s: nDCG@10 %.3f (floor %.2f), recall@5 %.3f (floor %.2f); make eval shows the report", k, n, f.ndcg, rc, f.recall)
		}
	}
	for _, s := range surfaces {
		if a := by[s]; a != nil && a.empty > 0 {
			t.Errorf("%s: %d cases with no results, want none; make eval shows them", s, a.empty)
		}
	}
	for _, r := range all {
		for _, p := range r.problems {
			if strings.HasPrefix(p, "search read ") || strings.HasPrefix(p, "search excluded ") || p == "no crisis lines" || p == "does not say it widened" {
				t.Errorf("%s %s: %s", r.dir, r.name, p)
			}
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

// TestCaseScores prints each case's nDCG@10 on both surfaces (go test
// -run TestCaseScores -v -args -report), worst first, for tuning.
func TestCaseScores(t *testing.T) {
	if !*evalReport {
		t.Skip("prints only with -report")
	}
	files, _ := filepath.Glob("../../testdata/relevance/*.yaml")
	type row struct {
		score float64
		line  string
	}
	var rows []row
	for _, file := range files {
		s, m, places := loadSuite(t, file)
		for _, c := range s.Cases {
			for _, r := range runCase(t, m, places, s.Now, c) {
				rows = append(rows, row{r.ndcg, fmt.Sprintf("%.3f %-6s %-30s %s", r.ndcg, r.surface, c.Name, strings.Join(r.got[:min(5, len(r.got))], " "))})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].score < rows[j].score })
	for _, r := range rows[:min(30, len(rows))] {
		fmt.Println(r.line)
	}
}
