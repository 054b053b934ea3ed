package search

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
)

// fixtureIndex is built once: an Index is immutable, so tests share it.
var (
	fixOnce sync.Once
	fixIx   *Index
	fixErr  error
)

func fixtureIndex(t *testing.T) *Index {
	t.Helper()
	fixOnce.Do(func() {
		cat := fixture(t)
		fixIx, fixErr = Build(context.Background(), cat)
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixIx
}

var dc = &geo.Place{Point: zip20001, ZIP: "20001", State: "DC", Label: "ZIP 20001"}

func mustSearch(t *testing.T, ix *Index, q Query) *Result {
	t.Helper()
	r, err := ix.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

// keys returns the hits' service keys, in order, each once.
func keys(r *Result) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range r.Hits {
		if !seen[h.ServiceKey] {
			seen[h.ServiceKey] = true
			out = append(out, h.ServiceKey)
		}
	}
	return out
}

func hasKey(r *Result, key string) bool {
	for _, h := range r.Hits {
		if h.ServiceKey == key {
			return true
		}
	}
	return false
}

// checkKeys asserts that every key in want is among the hits and no key in
// not is.
func checkKeys(t *testing.T, r *Result, want, not []string) {
	t.Helper()
	for _, k := range want {
		if !hasKey(r, k) {
			t.Errorf("missing %s; got %v", k, keys(r))
		}
	}
	for _, k := range not {
		if hasKey(r, k) {
			t.Errorf("unexpected %s; got %v", k, keys(r))
		}
	}
}

var shelters = []string{"ccnv.shelter", "harriet-tubman.shelter", "new-york-ave.mens-shelter", "house-of-ruth.safe-house"}

func TestSynonymsAndPhrases(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name string
		text string
		want []string
		not  []string
	}{
		{"english word to its category", "rehab", []string{"partners-in-recovery.otp"}, []string{"ccnv.shelter"}},
		{"spanish word through bleve's synonym source", "albergue",
			append([]string{"st-lukes.winter"}, shelters...), []string{"capital-area-food-bank.pantry"}},
		{"spanish category word", "comida", []string{"capital-area-food-bank.pantry", "some.meals"}, []string{"ccnv.shelter"}},
		{"english phrase", "place to sleep", shelters, []string{"capital-area-food-bank.pantry", "sasha-bruce.drop-in"}},
		{"english phrase inside filler", "I need a place to sleep tonight", shelters, []string{"capital-area-food-bank.pantry"}},
		{"english phrase of a subcategory", "food stamps", []string{"bread-for-the-city.snap"},
			[]string{"capital-area-food-bank.pantry", "some.meals"}},
		{"spanish phrase", "donde dormir", shelters, []string{"some.meals"}},
		{"spanish phrase with accents dropped", "cupones de alimentos", []string{"bread-for-the-city.snap"}, []string{"ccnv.shelter"}},
		{"accented word", "atención", []string{"la-clinica.primary-care"}, []string{"ccnv.shelter"}},
		{"accent folded", "ATENCION", []string{"la-clinica.primary-care"}, []string{"ccnv.shelter"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustSearch(t, ix, Query{Text: tt.text, PerPage: 100})
			checkKeys(t, r, tt.want, tt.not)
		})
	}
	t.Run("phrase explained as its category", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "place to sleep", PerPage: 100})
		for _, h := range r.Hits {
			if h.ServiceKey != "ccnv.shelter" {
				continue
			}
			want := Match{Field: "category", Term: "place to sleep", Category: "housing.emergency-shelter"}
			if !containsMatch(h.Why, want) {
				t.Errorf("why = %+v, want %+v", h.Why, want)
			}
			if !reflect.DeepEqual(h.Categories, []string{"housing.emergency-shelter"}) {
				t.Errorf("categories = %v", h.Categories)
			}
			return
		}
		t.Fatal("ccnv.shelter not found")
	})
	t.Run("synonym explained", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "albergue", PerPage: 100})
		for _, h := range r.Hits {
			if h.ServiceKey == "st-lukes.winter" {
				want := Match{Field: "name", Term: "albergue", Via: "shelter"}
				if !containsMatch(h.Why, want) {
					t.Errorf("why = %+v, want %+v", h.Why, want)
				}
				return
			}
		}
		t.Fatal("st-lukes.winter not found")
	})
}

func containsMatch(ms []Match, m Match) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func TestFillerWords(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct{ name, plain, wrapped string }{
		{"english", "food", "I need help with food please"},
		{"spanish", "comida", "necesito ayuda con comida"},
		{"english, looking for", "dentist", "looking for a dentist near me"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := mustSearch(t, ix, Query{Text: tt.plain, PerPage: 100})
			b := mustSearch(t, ix, Query{Text: tt.wrapped, PerPage: 100})
			if a.Total == 0 || !reflect.DeepEqual(keys(a), keys(b)) {
				t.Errorf("%q: %v; %q: %v", tt.plain, keys(a), tt.wrapped, keys(b))
			}
		})
	}
	t.Run("only filler is still searched", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "help"})
		if len(r.Ignored) != 0 && r.Total == 0 {
			// "help" is in descriptions ("Help applying for food stamps").
			t.Errorf("help: ignored %v, total %d", r.Ignored, r.Total)
		}
		if !hasKey(r, "bread-for-the-city.snap") {
			t.Errorf("help: %v", keys(r))
		}
	})
}

func TestTypos(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name       string
		text       string
		correction map[string]string
		want, not  []string
	}{
		{"transposed letters", "shleter", map[string]string{"shleter": "shelter"}, shelters, []string{"capital-area-food-bank.pantry"}},
		{"last letter wrong", "pantri", map[string]string{"pantri": "pantry"}, []string{"capital-area-food-bank.pantry"}, nil},
		{"last letter missing", "methadon", map[string]string{"methadon": "methadone"}, []string{"partners-in-recovery.otp"}, nil},
		{"letter missing", "dentst", map[string]string{"dentst": "dentist"}, []string{"unity-health.dental"}, []string{"dbh.counseling"}},
		{"correct word is not fuzzed", "dental", nil, []string{"unity-health.dental"}, []string{"dbh.counseling"}},
		{"correct neighbour is not fuzzed", "mental", nil, []string{"dbh.counseling"}, []string{"unity-health.dental"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustSearch(t, ix, Query{Text: tt.text, PerPage: 100})
			if !reflect.DeepEqual(r.Corrections, tt.correction) {
				t.Errorf("corrections = %v, want %v", r.Corrections, tt.correction)
			}
			checkKeys(t, r, tt.want, tt.not)
		})
	}
	t.Run("showing", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "Shleter for women"})
		if r.Showing != "shelter for women" {
			t.Errorf("showing = %q", r.Showing)
		}
	})
	t.Run("exact ranks above corrected", func(t *testing.T) {
		// No listing holds both words, so the search relaxes to either:
		// every exact "shelter" match must outrank the corrected
		// "metadone" -> "methadone" match.
		r := mustSearch(t, ix, Query{Text: "shelter metadone", PerPage: 100})
		if !r.Relaxed || r.Corrections["metadone"] != "methadone" {
			t.Fatalf("relaxed = %v, corrections = %v", r.Relaxed, r.Corrections)
		}
		pos := map[string]int{}
		for i, h := range r.Hits {
			pos[h.ServiceKey] = i
		}
		otp, ok := pos["partners-in-recovery.otp"]
		if !ok {
			t.Fatalf("methadone program missing: %v", keys(r))
		}
		for _, k := range []string{"ccnv.shelter", "harriet-tubman.shelter", "new-york-ave.mens-shelter"} {
			if p, ok := pos[k]; !ok || p > otp {
				t.Errorf("%s at %d, methadone program at %d: %v", k, p, otp, keys(r))
			}
		}
	})
	t.Run("unknown word without neighbour is ignored", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "xqzvw"})
		if r.Total != 0 || !reflect.DeepEqual(r.Ignored, []string{"xqzvw"}) {
			t.Errorf("total %d, ignored %v", r.Total, r.Ignored)
		}
	})
}

func TestSpecialCharactersAreLiteral(t *testing.T) {
	ix := fixtureIndex(t)
	for _, text := range []string{
		`name:( AND`, `AA meeting 7:30`, `"unbalanced`, `shelter~2`, `+food -pantry`, `food^10`, `*`, `/.*/`,
		`title:{a TO z}`, `\`, `!!!`, `(((`, `food AND NOT pantry`, `description:shelter`, `<script>`,
	} {
		t.Run(text, func(t *testing.T) {
			if _, err := ix.Search(context.Background(), Query{Text: text}); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("minus does not exclude", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "+food -pantry", PerPage: 100})
		checkKeys(t, r, []string{"capital-area-food-bank.pantry"}, nil)
	})
	t.Run("field syntax is words", func(t *testing.T) {
		a := mustSearch(t, ix, Query{Text: "description:shelter", PerPage: 100})
		b := mustSearch(t, ix, Query{Text: "description shelter", PerPage: 100})
		if !reflect.DeepEqual(keys(a), keys(b)) {
			t.Errorf("%v != %v", keys(a), keys(b))
		}
	})
}

// monday is 2026-03-02, a Monday, at hh:mm in Washington.
func monday(t *testing.T, hh, mm int) *time.Time {
	v := time.Date(2026, 3, 2, hh, mm, 0, 0, eastern(t))
	return &v
}

func TestFilters(t *testing.T) {
	ix := fixtureIndex(t)
	baltimorePlace := &geo.Place{Point: baltimore, State: "MD"}
	tuesday3am := monday(t, 27, 0)
	tests := []struct {
		name      string
		f         Filter
		want, not []string
	}{
		{"parent category includes children", Filter{Categories: []string{"housing"}},
			append([]string{"vets-house.vets"}, shelters...), []string{"capital-area-food-bank.pantry"}},
		{"subcategory", Filter{Categories: []string{"food.pantry"}},
			[]string{"capital-area-food-bank.pantry"}, []string{"some.meals", "ccnv.shelter"}},
		{"any of categories", Filter{Categories: []string{"food.pantry", "legal"}},
			[]string{"capital-area-food-bank.pantry", "bread-for-the-city.legal"}, []string{"some.meals"}},
		{"open monday evening", Filter{OpenAt: monday(t, 20, 0)},
			[]string{"harriet-tubman.shelter", "new-york-ave.mens-shelter", "ccnv.shelter", "dc-crisis.crisis-line"},
			[]string{"capital-area-food-bank.pantry", "partners-in-recovery.otp", "some.meals"}},
		{"open monday morning", Filter{OpenAt: monday(t, 10, 0)},
			[]string{"capital-area-food-bank.pantry", "some.meals", "ccnv.shelter"},
			[]string{"harriet-tubman.shelter", "new-york-ave.mens-shelter"}},
		{"overnight span still open after midnight", Filter{OpenAt: tuesday3am},
			[]string{"harriet-tubman.shelter", "ccnv.shelter"}, []string{"capital-area-food-bank.pantry"}},
		{"unknown hours are not open", Filter{OpenAt: monday(t, 10, 0)}, nil,
			[]string{"partners-in-recovery.otp", "sasha-bruce.drop-in", "st-lukes.winter"}},
		{"free", Filter{Free: true}, []string{"capital-area-food-bank.pantry", "ccnv.shelter"},
			[]string{"unity-health.dental", "la-clinica.primary-care", "dbh.counseling"}},
		{"spanish", Filter{Languages: []string{"es"}},
			[]string{"capital-area-food-bank.pantry", "la-clinica.primary-care", "dc-crisis.crisis-line"},
			[]string{"ccnv.shelter"}},
		{"language subtag", Filter{Languages: []string{"es-MX"}}, []string{"la-clinica.primary-care"}, []string{"ccnv.shelter"}},
		{"english includes listings naming no language", Filter{Languages: []string{"en"}},
			[]string{"ccnv.shelter", "la-clinica.primary-care"}, nil},
		{"adult", Filter{Age: ptr(30)}, []string{"harriet-tubman.shelter", "ccnv.shelter"}, []string{"sasha-bruce.drop-in"}},
		{"teen", Filter{Age: ptr(15)}, []string{"sasha-bruce.drop-in", "ccnv.shelter"}, []string{"harriet-tubman.shelter"}},
		{"age bounds are inclusive", Filter{Age: ptr(24)}, []string{"sasha-bruce.drop-in", "harriet-tubman.shelter"}, nil},
		{"male", Filter{Gender: directory.GenderMale}, []string{"new-york-ave.mens-shelter", "ccnv.shelter"},
			[]string{"harriet-tubman.shelter", "house-of-ruth.safe-house"}},
		{"female", Filter{Gender: directory.GenderFemale}, []string{"harriet-tubman.shelter", "ccnv.shelter"},
			[]string{"new-york-ave.mens-shelter"}},
		{"nonbinary", Filter{Gender: directory.GenderNonbinary}, []string{"ccnv.shelter"},
			[]string{"new-york-ave.mens-shelter", "harriet-tubman.shelter"}},
		{"not a veteran", Filter{Veteran: ptr(false)}, []string{"ccnv.shelter"}, []string{"vets-house.vets"}},
		{"veteran", Filter{Veteran: ptr(true)}, []string{"vets-house.vets", "ccnv.shelter"}, nil},
		{"populations exclude other restrictions", Filter{Populations: []string{directory.PopulationFamilies}},
			[]string{"ccnv.shelter"}, []string{"vets-house.vets"}},
		{"veteran counts as a population", Filter{Veteran: ptr(true), Populations: []string{directory.PopulationFamilies}},
			[]string{"vets-house.vets"}, nil},
		{"private insurance", Filter{Insurance: []string{directory.InsurancePrivate}}, []string{"ccnv.shelter"},
			[]string{"unity-health.dental", "dbh.counseling", "partners-in-recovery.otp"}},
		{"medicaid", Filter{Insurance: []string{directory.InsuranceMedicaid}},
			[]string{"unity-health.dental", "dbh.counseling", "partners-in-recovery.otp", "ccnv.shelter"}, nil},
		{"any of plans", Filter{Insurance: []string{directory.InsuranceMedicare, directory.InsurancePrivate}},
			[]string{"unity-health.dental"}, []string{"dbh.counseling", "partners-in-recovery.otp"}},
		{"uninsured", Filter{Insurance: []string{directory.InsuranceNone}},
			[]string{"partners-in-recovery.otp"}, []string{"unity-health.dental", "dbh.counseling"}},
		{"walk-in", Filter{WalkIn: true}, []string{"ccnv.shelter", "capital-area-food-bank.pantry"},
			[]string{"unity-health.dental", "ajc.job-center"}},
		{"wheelchair", Filter{Wheelchair: true}, []string{"harriet-tubman.shelter", "dc-crisis.crisis-line"},
			[]string{"ccnv.shelter", "dbh.counseling"}},
		{"area covers DC", Filter{Place: dc, InArea: true}, []string{"dc-crisis.crisis-line", "lifeline.lifeline", "ccnv.shelter"}, nil},
		{"area excludes Baltimore", Filter{Place: baltimorePlace, InArea: true}, []string{"lifeline.lifeline", "ccnv.shelter"},
			[]string{"dc-crisis.crisis-line", "house-of-ruth.safe-house"}},
		{"inactive hidden", Filter{}, []string{"ccnv.shelter"}, []string{"closed-shelter.shelter"}},
		{"inactive on request", Filter{IncludeInactive: true}, []string{"closed-shelter.shelter", "ccnv.shelter"}, nil},
		{"combined", Filter{Categories: []string{"housing"}, Gender: directory.GenderMale, OpenAt: monday(t, 20, 0), Free: true},
			[]string{"new-york-ave.mens-shelter", "ccnv.shelter"},
			[]string{"harriet-tubman.shelter", "vets-house.vets", "house-of-ruth.safe-house"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustSearch(t, ix, Query{Filter: tt.f, PerPage: 100})
			checkKeys(t, r, tt.want, tt.not)
			// Every hit passes the same rules in Go.
			for _, h := range r.Hits {
				if e := tt.f.Check(h.Service, h.Location, ix.tz); e != "" {
					t.Errorf("%s/%s: Check says %s", h.ServiceKey, h.LocationID, e)
				}
			}
		})
	}
}

func TestCheckReasons(t *testing.T) {
	ix := fixtureIndex(t)
	cat := ix.Catalog()
	tests := []struct {
		name string
		f    Filter
		svc  string
		want Exclusion
	}{
		{"gender", Filter{Gender: directory.GenderFemale}, "new-york-ave.mens-shelter", ExclGender},
		{"closed", Filter{OpenAt: monday(t, 10, 0)}, "new-york-ave.mens-shelter", ExclClosed},
		{"too far", Filter{Place: &geo.Place{Point: baltimore}, RadiusMeters: 1000}, "new-york-ave.mens-shelter", ExclTooFar},
		{"veterans only", Filter{Veteran: ptr(false)}, "vets-house.vets", ExclVeteransOnly},
		{"insurance", Filter{Insurance: []string{"private"}}, "unity-health.dental", ExclInsurance},
		{"age", Filter{Age: ptr(40)}, "sasha-bruce.drop-in", ExclAge},
		{"inactive", Filter{}, "closed-shelter.shelter", ExclInactive},
		{"passes", Filter{Gender: directory.GenderMale}, "new-york-ave.mens-shelter", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := cat.Service(tt.svc)
			var l *directory.Location
			if len(s.Locations) > 0 {
				l = s.Locations[0]
			}
			if got := tt.f.Check(s, l, ix.tz); got != tt.want {
				t.Errorf("Check = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPlace(t *testing.T) {
	ix := fixtureIndex(t)
	ccnv := ix.Catalog().Service("ccnv.shelter").Locations[0].Point
	exact := geo.Distance(zip20001, ccnv)
	t.Run("radius cut-off is geo.Distance", func(t *testing.T) {
		in := mustSearch(t, ix, Query{Filter: Filter{Place: dc, RadiusMeters: exact}, PerPage: 100})
		out := mustSearch(t, ix, Query{Filter: Filter{Place: dc, RadiusMeters: exact - 0.01}, PerPage: 100})
		if !hasKey(in, "ccnv.shelter") || hasKey(out, "ccnv.shelter") {
			t.Errorf("at %.2f m: %v; just inside: %v", exact, keys(in), keys(out))
		}
	})
	t.Run("distances, order and radius", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Filter: Filter{Place: dc, RadiusMeters: 5000}, PerPage: 100})
		if r.Sort != SortDistance {
			t.Errorf("default sort with a place = %q", r.Sort)
		}
		last := -1.0
		noPoint := false
		for _, h := range r.Hits {
			if h.Confidential {
				continue
			}
			if h.Distance == nil {
				noPoint = true
				continue
			}
			if noPoint {
				t.Errorf("%s has a distance after a hit without one", h.ServiceKey)
			}
			want := geo.Distance(zip20001, h.Location.Point)
			if *h.Distance != want || want > 5000 {
				t.Errorf("%s: distance %v, want %v within 5000", h.ServiceKey, *h.Distance, want)
			}
			if *h.Distance < last {
				t.Errorf("%s out of order", h.ServiceKey)
			}
			last = *h.Distance
		}
		checkKeys(t, r, []string{"ccnv.shelter", "dc-crisis.crisis-line", "lifeline.lifeline"},
			[]string{"baltimore-market.market", "bread-for-the-city.snap/southeast"})
		for _, h := range r.Hits {
			if h.ServiceKey == "bread-for-the-city.snap" && h.LocationID == "southeast" {
				t.Errorf("southeast location (6.3 km) inside 5 km")
			}
		}
	})
	t.Run("phone service outside its area", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Filter: Filter{Place: &geo.Place{Point: baltimore, State: "MD"}, RadiusMeters: 5000}, PerPage: 100})
		checkKeys(t, r, []string{"baltimore-market.market", "lifeline.lifeline"}, []string{"dc-crisis.crisis-line", "ccnv.shelter"})
	})
	t.Run("far radius reaches Baltimore", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Filter: Filter{Place: dc, RadiusMeters: 100_000}, PerPage: 100})
		checkKeys(t, r, []string{"baltimore-market.market", "ccnv.shelter"}, nil)
	})
	t.Run("huge radius without prefilter", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Filter: Filter{Place: dc, RadiusMeters: 4_000_000}, PerPage: 100})
		all := mustSearch(t, ix, Query{PerPage: 100})
		if r.Total != all.Total {
			t.Errorf("4000 km: %d of %d", r.Total, all.Total)
		}
	})
	t.Run("text with a place defaults to best", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "shelter", Filter: Filter{Place: dc, RadiusMeters: 10_000}})
		if r.Sort != SortBest || r.Total == 0 || r.Hits[0].Distance == nil && !r.Hits[0].Confidential {
			t.Errorf("sort %q, total %d", r.Sort, r.Total)
		}
	})
	t.Run("best weighs relevance by nearness", func(t *testing.T) {
		// The same words at every distance: best must come out in
		// distance order where relevance alone cannot tell them apart,
		// and each hit's score must be its relevance times the nearness
		// weight of its distance.
		rel := mustSearch(t, ix, Query{Text: "shelter", Sort: SortRelevance, Filter: Filter{Place: dc}, PerPage: 100})
		best := mustSearch(t, ix, Query{Text: "shelter", Filter: Filter{Place: dc}, PerPage: 100})
		if rel.Total != best.Total {
			t.Fatalf("totals differ: relevance %d, best %d", rel.Total, best.Total)
		}
		score := map[string]float64{}
		for _, h := range rel.Hits {
			score[h.ServiceKey+"@"+h.LocationID] = h.Score
		}
		last := math.Inf(1)
		for _, h := range best.Hits {
			if h.Score > last+1e-12 {
				t.Errorf("best not in score order at %s", h.ServiceKey)
			}
			last = h.Score
			if h.Distance == nil {
				continue
			}
			want := score[h.ServiceKey+"@"+h.LocationID] / (1 + *h.Distance/(NearnessKm*1000))
			if math.Abs(h.Score-want) > 1e-9*math.Max(1, want) {
				t.Errorf("%s: best score %g, want relevance x nearness %g", h.ServiceKey, h.Score, want)
			}
		}
	})
	t.Run("best needs a place", func(t *testing.T) {
		_, err := ix.Search(context.Background(), Query{Text: "shelter", Sort: SortBest})
		if apperr.As(err) == nil || apperr.As(err).Field != "sort" {
			t.Errorf("err %v, want an error on sort", err)
		}
	})
	t.Run("distance sort with text", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "shelter", Sort: SortDistance, Filter: Filter{Place: dc}})
		last := -1.0
		for _, h := range r.Hits {
			if h.Distance != nil {
				if *h.Distance < last {
					t.Errorf("%s out of order", h.ServiceKey)
				}
				last = *h.Distance
			}
		}
	})
}

func TestConfidentialLocations(t *testing.T) {
	ix := fixtureIndex(t)
	cases := []Query{
		{Text: "safe house"},
		{Text: "domestic violence", Filter: Filter{Place: dc, RadiusMeters: 20_000}},
		{Filter: Filter{Place: dc, RadiusMeters: 20_000}},
		{Filter: Filter{Place: dc}, Sort: SortDistance},
		{Text: "shelter", Filter: Filter{Place: dc}},
	}
	found := 0
	for _, q := range cases {
		q.PerPage = 100
		r := mustSearch(t, ix, q)
		raw, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, leak := range []string{"38.93", "-77.02", "38.925", "-77.025", "1 Test St"} {
			if strings.Contains(string(raw), leak) {
				t.Errorf("%+v: result JSON contains %q", q, leak)
			}
		}
		for _, h := range r.Hits {
			if h.ServiceKey != "house-of-ruth.safe-house" {
				continue
			}
			found++
			if !h.Confidential || h.Distance != nil {
				t.Errorf("%+v: confidential hit %+v", q, h)
			}
		}
	}
	if found != len(cases) {
		t.Errorf("the safe house was found in %d of %d searches", found, len(cases))
	}
	t.Run("search point is the grid cell centre", func(t *testing.T) {
		p, ok := LocationPoint(ix.Catalog().Service("house-of-ruth.safe-house").Locations[0])
		if !ok || math.Abs(p.Lat()-safeCenter.Lat()) > 1e-9 || math.Abs(p.Lon()-safeCenter.Lon()) > 1e-9 {
			t.Errorf("point %v, want %v", p, safeCenter)
		}
	})
	t.Run("a radius around the real point does not find it", func(t *testing.T) {
		at := &geo.Place{Point: safeHouse}
		r := mustSearch(t, ix, Query{Filter: Filter{Place: at, RadiusMeters: 100}, PerPage: 100})
		if hasKey(r, "house-of-ruth.safe-house") {
			t.Error("found within 100 m of its real point")
		}
		r = mustSearch(t, ix, Query{Filter: Filter{Place: &geo.Place{Point: safeCenter}, RadiusMeters: 100}, PerPage: 100})
		if !hasKey(r, "house-of-ruth.safe-house") {
			t.Error("not found within 100 m of its cell centre")
		}
	})
	t.Run("distance order uses the cell centre", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Filter: Filter{Place: dc}, PerPage: 100})
		coarse := geo.Distance(zip20001, safeCenter)
		seen := false
		for _, h := range r.Hits {
			if h.ServiceKey == "house-of-ruth.safe-house" {
				seen = true
				continue
			}
			if h.Distance == nil {
				continue
			}
			if !seen && *h.Distance > coarse || seen && *h.Distance < coarse {
				t.Errorf("%s at %.0f m is on the wrong side of the safe house (%.0f m)", h.ServiceKey, *h.Distance, coarse)
			}
		}
	})
}

func TestPaging(t *testing.T) {
	ix := fixtureIndex(t)
	for _, q := range []Query{
		{},
		{Text: "shelter"},
		{Text: "food"},
		{Filter: Filter{Place: dc}},
	} {
		t.Run(q.Text+q.Sort, func(t *testing.T) {
			all := q
			all.PerPage = 100
			want := mustSearch(t, ix, all)
			var got []string
			for page := 1; ; page++ {
				p := q
				p.Page, p.PerPage = page, 3
				r := mustSearch(t, ix, p)
				if r.Total != want.Total {
					t.Fatalf("page %d: total %d, want %d", page, r.Total, want.Total)
				}
				if len(r.Hits) == 0 {
					break
				}
				for _, h := range r.Hits {
					got = append(got, h.ServiceKey+"/"+h.LocationID)
				}
			}
			var wantIDs []string
			for _, h := range want.Hits {
				wantIDs = append(wantIDs, h.ServiceKey+"/"+h.LocationID)
			}
			if !reflect.DeepEqual(got, wantIDs) || len(got) != want.Total {
				t.Errorf("pages %v\nwant  %v (total %d)", got, wantIDs, want.Total)
			}
		})
	}
	t.Run("name order", func(t *testing.T) {
		r := mustSearch(t, ix, Query{PerPage: 100})
		var ids []string
		for _, h := range r.Hits {
			ids = append(ids, h.ServiceKey+"\x00"+h.LocationID)
		}
		if !sort.StringsAreSorted(ids) {
			t.Errorf("not in key order: %v", ids)
		}
	})
}

func TestValidation(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name  string
		q     Query
		field string
	}{
		{"per_page too large", Query{PerPage: MaxPerPage + 1}, "per_page"},
		{"per_page negative", Query{PerPage: -1}, "per_page"},
		{"page negative", Query{Page: -1}, "page"},
		{"page too deep", Query{Page: MaxWindow, PerPage: 10}, "page"},
		{"radius negative", Query{Filter: Filter{Place: dc, RadiusMeters: -1}}, "radius"},
		{"radius without place", Query{Filter: Filter{RadiusMeters: 1000}}, "radius"},
		{"radius NaN", Query{Filter: Filter{Place: dc, RadiusMeters: math.NaN()}}, "radius"},
		{"area without place", Query{Filter: Filter{InArea: true}}, "in_area"},
		{"unknown sort", Query{Sort: "random"}, "sort"},
		{"distance sort without place", Query{Sort: SortDistance}, "sort"},
		{"unknown category", Query{Filter: Filter{Categories: []string{"housing.castles"}}}, "category"},
		{"unknown gender", Query{Filter: Filter{Gender: "robot"}}, "gender"},
		{"unknown plan", Query{Filter: Filter{Insurance: []string{"gold"}}}, "insurance"},
		{"unknown population", Query{Filter: Filter{Populations: []string{"wizards"}}}, "populations"},
		{"contradiction", Query{Filter: Filter{Veteran: ptr(false), Populations: []string{"veterans"}}}, "veteran"},
		{"age", Query{Filter: Filter{Age: ptr(-3)}}, "age"},
		{"text too long", Query{Text: strings.Repeat("a", MaxTextLen+1)}, "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tt.q)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Field != tt.field {
				t.Errorf("err = %v, want invalid %s", err, tt.field)
			}
		})
	}
	t.Run("max per_page accepted", func(t *testing.T) {
		r := mustSearch(t, ix, Query{PerPage: MaxPerPage})
		if r.PerPage != MaxPerPage || r.Page != 1 {
			t.Errorf("page %d per_page %d", r.Page, r.PerPage)
		}
	})
}

func TestFacets(t *testing.T) {
	ix := fixtureIndex(t)
	for _, q := range []Query{
		{Text: "shelter"},
		{Text: "shelter", Filter: Filter{Gender: directory.GenderMale}},
		{Filter: Filter{Place: dc, RadiusMeters: 3000}},
		{},
	} {
		t.Run(q.Text+q.Gender, func(t *testing.T) {
			q.PerPage = 100
			r := mustSearch(t, ix, q)
			if len(r.Hits) != r.Total {
				t.Fatalf("%d hits of %d", len(r.Hits), r.Total)
			}
			want := map[string]int{}
			for _, h := range r.Hits {
				for _, c := range categoryTerms(h.Service.Categories) {
					want[c]++
				}
			}
			got := map[string]int{}
			for _, f := range r.Facets {
				got[f.ID] = f.Count
				for _, c := range f.Children {
					if directory.RootOf(c.ID) != f.ID {
						t.Errorf("%s under %s", c.ID, f.ID)
					}
					got[c.ID] = c.Count
				}
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("facets %v, want %v", got, want)
			}
			for i := 1; i < len(r.Facets); i++ {
				if r.Facets[i].Count > r.Facets[i-1].Count {
					t.Errorf("facets not largest first: %+v", r.Facets)
				}
			}
		})
	}
	t.Run("a filter narrows the counts", func(t *testing.T) {
		all := mustSearch(t, ix, Query{Text: "shelter"})
		men := mustSearch(t, ix, Query{Text: "shelter", Filter: Filter{Gender: directory.GenderMale}})
		if facetCount(men.Facets, "housing.emergency-shelter") >= facetCount(all.Facets, "housing.emergency-shelter") {
			t.Errorf("men %v, all %v", men.Facets, all.Facets)
		}
	})
}

func facetCount(fs []CategoryCount, id string) int {
	for _, f := range fs {
		if f.ID == id {
			return f.Count
		}
		if n := facetCount(f.Children, id); n > 0 {
			return n
		}
	}
	return 0
}

func TestOpenState(t *testing.T) {
	ix := fixtureIndex(t)
	now := monday(t, 20, 0)
	r := mustSearch(t, ix, Query{Now: *now, PerPage: 100})
	for _, h := range r.Hits {
		hours, tz := h.Service.HoursAt(h.Location, ix.tz)
		if want := hours.At(*now, tz); !reflect.DeepEqual(h.Open, want) {
			t.Errorf("%s: open %+v, want %+v", h.ServiceKey, h.Open, want)
		}
	}
	byKey := map[string]directory.OpenState{}
	for _, h := range r.Hits {
		byKey[h.ServiceKey] = h.Open
	}
	if s := byKey["harriet-tubman.shelter"]; !s.Known || !s.Open {
		t.Errorf("overnight shelter at 20:00: %+v", s)
	}
	if s := byKey["capital-area-food-bank.pantry"]; !s.Known || s.Open {
		t.Errorf("pantry at 20:00: %+v", s)
	}
	if s := byKey["partners-in-recovery.otp"]; s.Known {
		t.Errorf("no hours listed: %+v", s)
	}
}

func TestDeterminism(t *testing.T) {
	a := mustBuild(t, fixture(t))
	b := mustBuild(t, fixture(t))
	queries := []Query{
		{Text: "shelter"}, {Text: "place to sleep"}, {Text: "food"}, {Text: "comida", Filter: Filter{Place: dc}},
		{Filter: Filter{Place: dc}}, {}, {Text: "shleter"}, {Text: "help"},
	}
	for _, q := range queries {
		q.PerPage = 100
		q.Now = *monday(t, 12, 0)
		ra, rb := mustSearch(t, a, q), mustSearch(t, b, q)
		if !reflect.DeepEqual(flat(ra), flat(rb)) {
			t.Errorf("%+v:\n%v\n%v", q, flat(ra), flat(rb))
		}
	}
	t.Run("ties break by service key", func(t *testing.T) {
		r := mustSearch(t, a, Query{Text: "place to sleep", Filter: Filter{Categories: []string{"housing.emergency-shelter"}, Gender: directory.GenderMale}})
		// Equal scores: the category match only.
		got := keys(r)
		if !sort.StringsAreSorted(got) || len(got) < 2 {
			t.Errorf("tied hits not in key order: %v", got)
		}
	})
}

type flatHit struct {
	Key, Loc string
	Score    float64
	Dist     float64
}

func flat(r *Result) []flatHit {
	out := []flatHit{}
	for _, h := range r.Hits {
		d := -1.0
		if h.Distance != nil {
			d = *h.Distance
		}
		out = append(out, flatHit{h.ServiceKey, h.LocationID, h.Score, d})
	}
	return out
}

func TestConcurrentSearches(t *testing.T) {
	ix := fixtureIndex(t)
	queries := []Query{
		{Text: "shelter"}, {Text: "comida", Filter: Filter{Place: dc, RadiusMeters: 8000}},
		{Filter: Filter{Place: dc, OpenAt: monday(t, 20, 0)}}, {Text: "dentst"},
	}
	want := make([][]flatHit, len(queries))
	for i, q := range queries {
		want[i] = flat(mustSearch(t, ix, q))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				k := (g + i) % len(queries)
				r, err := ix.Search(context.Background(), queries[k])
				if err != nil {
					errs <- err.Error()
					return
				}
				if !reflect.DeepEqual(flat(r), want[k]) {
					errs <- "results differ under concurrency"
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(context.Background(), nil); err == nil {
		t.Error("nil catalog built")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, fixture(t)); err == nil {
		t.Error("cancelled build succeeded")
	}
}
