package match

import (
	"context"
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
	"trellis/internal/search"
	"trellis/internal/search/searchtest"
)

var (
	fixOnce sync.Once
	fixM    *Matcher
	fixErr  error
)

// fixture returns the matcher of searchtest's small DC directory.
func fixture(tb testing.TB) *Matcher {
	tb.Helper()
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
		ix, err := search.Build(context.Background(), cat)
		if err != nil {
			fixErr = err
			return
		}
		fixM = New(ix, nil, nil)
	})
	if fixErr != nil {
		tb.Fatal(fixErr)
	}
	return fixM
}

// fixMonday is 2026-03-02, a Monday, at hh:mm in Washington.
func fixMonday(tb testing.TB, hh, mm int) time.Time {
	return time.Date(2026, 3, 2, hh, mm, 0, 0, eastern(tb))
}

var fixPlace = &geo.Place{Point: searchtest.ZIP20001, ZIP: "20001", State: "DC", Label: "ZIP 20001"}

func mustSearch(t *testing.T, m *Matcher, q SearchRequest) *SearchResult {
	t.Helper()
	if q.PerPage == 0 {
		q.PerPage = MaxPerPage
	}
	if q.Now.IsZero() {
		q.Now = fixMonday(t, 20, 0)
	}
	r, err := m.Search(context.Background(), q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	return r
}

func hitKeys(r *SearchResult) []string {
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.Service.Key()
	}
	return out
}

func TestSearchRules(t *testing.T) {
	m := fixture(t)
	tests := []struct {
		name      string
		q         SearchRequest
		want, not []string
	}{
		{name: "a word names its category", q: SearchRequest{Text: "rehab"}, want: []string{"partners-in-recovery.otp"}, not: []string{"ccnv.shelter"}},
		{name: "spanish", q: SearchRequest{Text: "albergue"}, want: searchtest.Shelters, not: []string{"capital-area-food-bank.pantry"}},
		{name: "a phrase inside fillers", q: SearchRequest{Text: "I need a place to sleep tonight"}, want: searchtest.Shelters},
		{name: "a subcategory's phrase", q: SearchRequest{Text: "food stamps"}, want: []string{"bread-for-the-city.snap"}, not: []string{"some.meals"}},
		{name: "the listings' own words", q: SearchRequest{Text: "atención"}, want: []string{"la-clinica.primary-care"}, not: []string{"ccnv.shelter"}},
		{name: "parent category includes children", q: SearchRequest{Categories: []string{"housing"}},
			want: append([]string{"vets-house.vets"}, searchtest.Shelters...), not: []string{"capital-area-food-bank.pantry"}},
		{name: "any of categories", q: SearchRequest{Categories: []string{"food.pantry", "legal"}, Place: fixPlace},
			want: []string{"capital-area-food-bank.pantry", "bread-for-the-city.legal"}, not: []string{"ccnv.shelter"}},
		{name: "a man is not sent to a women's shelter", q: SearchRequest{Text: "shelter", Person: &need.Person{Gender: directory.GenderMale}},
			want: []string{"new-york-ave.mens-shelter", "ccnv.shelter"}, not: []string{"harriet-tubman.shelter", "house-of-ruth.safe-house"}},
		{name: "words that say who", q: SearchRequest{Text: "shelter for men"},
			want: []string{"new-york-ave.mens-shelter", "ccnv.shelter"}, not: []string{"harriet-tubman.shelter"}},
		{name: "a teen", q: SearchRequest{Categories: []string{"basic-needs"}, Person: &need.Person{Age: ptr(15)}}, want: []string{"sasha-bruce.drop-in"}},
		{name: "an adult is not sent to a youth drop-in", q: SearchRequest{Categories: []string{"basic-needs"}, Person: &need.Person{Age: ptr(40)}},
			want: []string{"st-lukes.winter"}, not: []string{"sasha-bruce.drop-in"}},
		{name: "not a veteran", q: SearchRequest{Categories: []string{"housing"}, Person: &need.Person{Veteran: ptr(false)}},
			want: []string{"ccnv.shelter"}, not: []string{"vets-house.vets"}},
		{name: "private insurance", q: SearchRequest{Categories: []string{"healthcare", "mental-health"}, Person: &need.Person{Insurance: []string{directory.InsurancePrivate}}},
			want: []string{"unity-health.dental"}, not: []string{"dbh.counseling"}},
		{name: "open monday evening keeps unknown hours", q: SearchRequest{Categories: []string{"food", "substance-use"}, Constraints: need.Constraints{OpenNow: true}},
			want: []string{"partners-in-recovery.otp"}, not: []string{"capital-area-food-bank.pantry", "some.meals"}},
		{name: "free only drops known fees", q: SearchRequest{Categories: []string{"healthcare"}, Constraints: need.Constraints{FreeOnly: true}},
			want: []string{"unity-health.dental", "la-clinica.primary-care"}},
		{name: "a language drops listings naming only others", q: SearchRequest{Categories: []string{"food", "healthcare"}, Constraints: need.Constraints{Languages: []string{"fr"}}},
			want: []string{"some.meals"}, not: []string{"capital-area-food-bank.pantry", "la-clinica.primary-care"}},
		{name: "walk-in", q: SearchRequest{Categories: []string{"healthcare", "food"}, Constraints: need.Constraints{WalkIn: true}},
			want: []string{"capital-area-food-bank.pantry"}, not: []string{"unity-health.dental"}},
		{name: "an area not covering the place", q: SearchRequest{Categories: []string{"crisis"}, Place: &geo.Place{Point: searchtest.Baltimore, State: "MD"}},
			want: []string{"lifeline.lifeline"}, not: []string{"dc-crisis.crisis-line", "house-of-ruth.safe-house"}},
		{name: "inactive hidden", q: SearchRequest{Categories: []string{"housing"}}, want: []string{"ccnv.shelter"}, not: []string{"closed-shelter.shelter"}},
		{name: "inactive on request", q: SearchRequest{Categories: []string{"housing"}, IncludeInactive: true}, want: []string{"closed-shelter.shelter"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hitKeys(mustSearch(t, m, tc.q))
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
		})
	}
}

func TestSearchPlace(t *testing.T) {
	m := fixture(t)
	ccnv := m.cat.Service("ccnv.shelter").Locations[0].Point
	exact := geo.Distance(searchtest.ZIP20001, ccnv)
	t.Run("a radius is kept while anything is in it", func(t *testing.T) {
		r := mustSearch(t, m, SearchRequest{Text: "shelter", Place: fixPlace, RadiusMeters: exact})
		got := hitKeys(r)
		if !slices.Contains(got, "ccnv.shelter") || slices.Contains(got, "new-york-ave.mens-shelter") {
			t.Errorf("within %.0f m: %v", exact, got)
		}
		for _, h := range r.Hits {
			if h.Distance != nil && *h.Distance > exact {
				t.Errorf("%s at %.0f m", h.Service.Key(), *h.Distance)
			}
		}
	})
	t.Run("nothing in the radius widens it and says so", func(t *testing.T) {
		r := mustSearch(t, m, SearchRequest{Categories: []string{"food"}, Place: fixPlace, RadiusMeters: 100})
		// Widened step by step: to the first default reach that holds
		// any, not to the whole directory.
		if r.Total == 0 || r.Widening.FromMeters != 100 || r.Widening.ToMeters != DefaultTravel || r.Widening.Why == "" {
			t.Errorf("total %d, widening %+v", r.Total, r.Widening)
		}
		for _, h := range r.Hits {
			if h.Distance != nil && *h.Distance > r.Widening.ToMeters {
				t.Errorf("%s at %.0f m, beyond the widened reach", h.Service.Key(), *h.Distance)
			}
		}
	})
	t.Run("far from everything, the reach doubles until something is in it", func(t *testing.T) {
		// Kansas: the fixture's listings are around Washington, DC, 950
		// miles away.
		far := &geo.Place{Point: orb.Point{-98.5, 39.0}}
		r := mustSearch(t, m, SearchRequest{Categories: []string{"food"}, Place: far, RadiusMeters: 5 * geo.MetersPerMile})
		if r.Total == 0 || r.Widening.ToMeters != 1600*geo.MetersPerMile || !strings.Contains(r.Widening.Why, "1600 mi") && !strings.Contains(r.Widening.Why, "1,600 mi") {
			t.Errorf("total %d, widening %+v", r.Total, r.Widening)
		}
		r = mustSearch(t, m, SearchRequest{Categories: []string{"food"}, Place: &geo.Place{Point: orb.Point{150, -30}}})
		if r.Total == 0 || !math.IsInf(r.Widening.ToMeters, 1) || r.Widening.Why == "" {
			t.Errorf("from Australia: total %d, widening %+v", r.Total, r.Widening)
		}
	})
	t.Run("a widened need keeps what it asked for first", func(t *testing.T) {
		r := mustSearch(t, m, SearchRequest{Text: "farmers market", Place: fixPlace})
		if len(r.Widening.To) != 1 || r.Widening.To[0] != "food" || r.Widening.Why == "" {
			t.Errorf("widening %+v", r.Widening)
		}
		// Food nearby first; the farmers market 35 miles away is still
		// listed (it is what was asked for), after them.
		got := hitKeys(r)
		if len(got) < 3 || got[len(got)-1] != "baltimore-market.market" {
			t.Errorf("results %v, want food nearby and the market last", got)
		}
	})
	t.Run("distance order", func(t *testing.T) {
		r := mustSearch(t, m, SearchRequest{Place: fixPlace, Sort: SortDistance})
		last := -1.0
		for _, h := range r.Hits {
			if h.Distance == nil {
				continue
			}
			if *h.Distance < last {
				t.Errorf("%s at %.0f m after %.0f m", h.Service.Key(), *h.Distance, last)
			}
			last = *h.Distance
		}
	})
	t.Run("a confidential location shows no distance or point", func(t *testing.T) {
		r := mustSearch(t, m, SearchRequest{Text: "safe house", Place: fixPlace})
		found := false
		for _, h := range r.Hits {
			if h.Service.Key() == "house-of-ruth.safe-house" {
				found = true
				if h.Distance != nil {
					t.Errorf("distance %v", *h.Distance)
				}
			}
		}
		if !found {
			t.Errorf("safe house not found: %v", hitKeys(r))
		}
	})
	t.Run("a radius cannot find the confidential point", func(t *testing.T) {
		// The safe house is 700 m from its grid cell's centre: within 100 m
		// of the real point it is not found, within 100 m of the centre it
		// is, and no answer says how near it is.
		at := func(p geo.Place) []string {
			r := mustSearch(t, m, SearchRequest{Categories: []string{"crisis.domestic-violence"}, Place: &p, RadiusMeters: 100})
			return hitKeys(r)
		}
		if got := at(geo.Place{Point: searchtest.SafeHouse, State: "DC"}); slices.Contains(got, "house-of-ruth.safe-house") {
			t.Errorf("found within 100 m of its real point: %v", got)
		}
		if got := at(geo.Place{Point: searchtest.SafeCenter, State: "DC"}); !slices.Contains(got, "house-of-ruth.safe-house") {
			t.Errorf("not found at its cell's centre: %v", got)
		}
	})
}

func TestSearchPagingAndFacets(t *testing.T) {
	m := fixture(t)
	all := mustSearch(t, m, SearchRequest{Categories: []string{"housing", "food", "healthcare"}, Place: fixPlace})
	var paged []string
	for page := 1; ; page++ {
		r := mustSearch(t, m, SearchRequest{Categories: []string{"housing", "food", "healthcare"}, Place: fixPlace, Page: page, PerPage: 3})
		if r.Total != all.Total {
			t.Fatalf("page %d total %d, want %d", page, r.Total, all.Total)
		}
		if len(r.Hits) == 0 {
			break
		}
		paged = append(paged, hitKeys(r)...)
	}
	if !slices.Equal(paged, hitKeys(all)) {
		t.Errorf("pages %v\nwhole %v", paged, hitKeys(all))
	}
	counts := map[string]int{}
	for _, f := range all.Facets {
		counts[f.ID] = f.Count
		for _, c := range f.Children {
			counts[c.ID] = c.Count
		}
	}
	if counts["housing"] != 5 || counts["housing.emergency-shelter"] != 4 || counts["food"] != 2 {
		t.Errorf("facets %+v", all.Facets)
	}
}

func TestSearchValidation(t *testing.T) {
	m := fixture(t)
	tests := []struct {
		name  string
		q     SearchRequest
		field string
	}{
		{"per page", SearchRequest{PerPage: MaxPerPage + 1}, "per_page"},
		{"negative page", SearchRequest{Page: -1}, "page"},
		{"too deep", SearchRequest{Page: MaxWindow, PerPage: 10}, "page"},
		{"radius without place", SearchRequest{RadiusMeters: 1000}, "radius"},
		{"unknown category", SearchRequest{Categories: []string{"housing.castles"}}, "category"},
		{"unknown sort", SearchRequest{Sort: "fun"}, "sort"},
		{"distance without place", SearchRequest{Sort: SortDistance}, "sort"},
		{"long text", SearchRequest{Text: string(make([]byte, MaxTextLen+1))}, "q"},
		{"bad age", SearchRequest{Person: &need.Person{Age: ptr(200)}}, "person.age"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := m.Search(context.Background(), tc.q)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid || ae.Field != tc.field {
				t.Errorf("err %v, want Invalid on %s", err, tc.field)
			}
		})
	}
}

func TestSearchDeterministic(t *testing.T) {
	m := fixture(t)
	q := SearchRequest{Text: "shelter food clinic", Place: fixPlace}
	first := hitKeys(mustSearch(t, m, q))
	for i := 0; i < 20; i++ {
		if got := hitKeys(mustSearch(t, m, q)); !slices.Equal(got, first) {
			t.Fatalf("run %d: %v, first %v", i, got, first)
		}
	}
}

// TestWordsAskingForNothingBrowse: words that ask for no kind of service
// ("help", "ayuda", "I need help") list what is near, as no words do, not
// nothing; words nothing knows still find nothing.
func TestWordsAskingForNothingBrowse(t *testing.T) {
	m := fixture(t)
	none := mustSearch(t, m, SearchRequest{Place: fixPlace})
	if none.Total == 0 {
		t.Fatal("a search without words finds nothing")
	}
	for _, text := range []string{"help", "ayuda", "I need help", "necesito ayuda por favor"} {
		r := mustSearch(t, m, SearchRequest{Text: text, Place: fixPlace})
		if r.Total != none.Total || len(r.Hits) == 0 || r.Hits[0].Service != none.Hits[0].Service {
			t.Errorf("%q: %d services, first %v; without words %d, first %s", text, r.Total, firstKey(r), none.Total, none.Hits[0].Service.Key())
		}
	}
	if r := mustSearch(t, m, SearchRequest{Text: "xyzzy qwvx", Place: fixPlace}); r.Total != 0 {
		t.Errorf("unknown words find %d services", r.Total)
	}
}

func firstKey(r *SearchResult) string {
	if len(r.Hits) == 0 {
		return "none"
	}
	return r.Hits[0].Service.Key()
}

// TestWidenedBeforeWordsAlone searches for a need nothing near is listed
// for (help with a light bill, in DC): the parent category it is widened
// to leads, before services found only because their text holds one of
// the words ("pay", in a job center's list of what it offers).
func TestWidenedBeforeWordsAlone(t *testing.T) {
	_, m := dc(t)
	r := mustSearch(t, m, SearchRequest{Text: "help me pay la luz", Place: fixPlace, Now: dcNow})
	if !slices.Equal(r.Widening.To, []string{"housing"}) {
		t.Fatalf("widened to %v, want housing", r.Widening.To)
	}
	if len(r.Hits) < 5 {
		t.Fatalf("%d results", len(r.Hits))
	}
	for i, h := range r.Hits[:5] {
		if !h.Service.HasCategory("housing") {
			t.Errorf("result %d, %s, is in no housing category", i+1, h.Service.Key())
		}
	}
}

// TestNeedBeforeItsPurpose: in "a ride to my doctor" the need is the
// ride; the doctor says where to. The three services giving rides within
// reach come first, clinics after them, and the reading says which is
// which.
func TestNeedBeforeItsPurpose(t *testing.T) {
	_, m := dc(t)
	r := mustSearch(t, m, SearchRequest{Text: "need a ride to my doctor", Place: fixPlace, Now: dcNow})
	if !slices.Equal(r.ReadAs.Purpose, []string{"healthcare"}) || r.ReadAs.Categories[0] != "transportation" {
		t.Fatalf("read as %v with purpose %v, want transportation first and health care as the purpose", r.ReadAs.Categories, r.ReadAs.Purpose)
	}
	if len(r.Hits) < 10 {
		t.Fatalf("%d results, want clinics after the rides", len(r.Hits))
	}
	for i, h := range r.Hits[:3] {
		if !h.Service.HasCategory("transportation") {
			t.Errorf("result %d, %s, gives no rides", i+1, h.Service.Key())
		}
	}
	if !slices.ContainsFunc(r.Hits[3:10], func(h Ranked) bool { return h.Service.HasCategory("healthcare") }) {
		t.Errorf("no clinic among results 4 to 10")
	}
}

// TestSearchPagesAgree: the first results of a short page are those of a
// long one, across the bundled directory: rank keeps only what can still
// be listed (the k best and ties), and how many are listed must not
// change which they are.
func TestSearchPagesAgree(t *testing.T) {
	snap, m := dc(t)
	for _, text := range []string{"food", "shelter", "clinic", "job", "", "help"} {
		for _, sort := range []string{"", SortDistance} {
			q := SearchRequest{Text: text, Place: place(t, snap, "20002"), Sort: sort, Now: dcNow}
			q.PerPage = 3
			short := mustSearch(t, m, q)
			q.PerPage = MaxPerPage
			long := mustSearch(t, m, q)
			if short.Total != long.Total || len(long.Hits) <= 3 {
				t.Fatalf("%q sorted %q: totals %d and %d, %d hits; the test needs more than 3", text, sort, short.Total, long.Total, len(long.Hits))
			}
			for i, h := range short.Hits {
				if l := long.Hits[i]; h.Service != l.Service || h.Location != l.Location || h.Score != l.Score {
					t.Errorf("%q sorted %q, hit %d: %s with 3 a page, %s with %d", text, sort, i, h.key, l.key, MaxPerPage)
				}
			}
		}
	}
}

// TestSearchesShareNoScratch runs searches of every kind of candidate
// (categories, text, who, everything, widened, with a person turned away
// by rules) one after another, then again on several goroutines in other
// orders: each answer must be what it was alone. Searches reuse their
// working lists (scratch); one that kept another's candidates, findings
// or services would answer differently, and -race sees two sharing one.
func TestSearchesShareNoScratch(t *testing.T) {
	snap, m := dc(t)
	// Each goroutine has its own requests: Search normalizes the person
	// in place.
	requests := func() []SearchRequest {
		age := 30
		var qs []SearchRequest
		for _, text := range []string{"food", "shelter", "detox", "veterans", "", "help", "dentist near me", "comida", "zzzz"} {
			woman := &need.Person{Gender: "female", Age: &age, Insurance: []string{"medicaid"}, Languages: []string{"es"}}
			for _, p := range []*need.Person{nil, woman} {
				qs = append(qs, SearchRequest{Text: text, Place: place(t, snap, "20002"), Person: p, PerPage: 5, Now: dcNow})
			}
		}
		return append(qs, SearchRequest{Text: "shelter", Place: place(t, snap, "20002"), Sort: SortDistance, PerPage: 5, Now: dcNow},
			SearchRequest{Text: "food", Constraints: need.Constraints{OpenNow: true, Languages: []string{"es"}}, PerPage: 5, Now: dcNow})
	}
	qs := requests()
	want := make([]*SearchResult, len(qs))
	for i, q := range qs {
		want[i] = mustSearch(t, m, q)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		qs := requests()
		go func() {
			defer wg.Done()
			for k := range 3 * len(qs) {
				i := (k*(g+2) + g) % len(qs)
				got, err := m.Search(context.Background(), qs[i])
				if err != nil {
					t.Errorf("%q: %v", qs[i].Text, err)
					return
				}
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("%q (person %v) on goroutine %d: the answer differs from the one alone", qs[i].Text, qs[i].Person != nil, g)
					return
				}
			}
		}()
	}
	wg.Wait()
}
