package search

import (
	"fmt"
	"math/rand"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/search/searchtest"
)

// TestFiltersMatchCheck runs random filters over a synthetic directory and
// compares what Search returns, page by page, and its facets with a brute
// force over every document with Filter.Check: the rules bleve applies
// must be exactly the Go rules.
func TestFiltersMatchCheck(t *testing.T) {
	cat, err := searchtest.Synthetic(mustTaxonomy(t), 3000, 3)
	if err != nil {
		t.Fatal(err)
	}
	ix := mustBuild(t, cat)
	r := rand.New(rand.NewSource(11))
	tz := eastern(t)
	for i := 0; i < 150; i++ {
		f := randomFilter(r, ix, tz)
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want := map[string]bool{}
			wantFacets := map[string]int{}
			for j := range ix.docs {
				d := &ix.docs[j]
				if f.Check(d.svc, d.loc, tz) == "" {
					want[d.svc.Key()+"/"+locID(d.loc)] = true
					for _, c := range categoryTerms(d.svc.Categories) {
						wantFacets[c]++
					}
				}
			}
			got := map[string]bool{}
			var res *Result
			for page := 1; ; page++ {
				res = mustSearch(t, ix, Query{Filter: f, Page: page, PerPage: MaxPerPage})
				if res.Total != len(want) {
					t.Fatalf("filter %s: total %d, want %d", describe(f), res.Total, len(want))
				}
				if len(res.Hits) == 0 || page*MaxPerPage >= MaxWindow {
					break
				}
				for _, h := range res.Hits {
					got[h.ServiceKey+"/"+h.LocationID] = true
				}
			}
			if len(want) < MaxWindow && !reflect.DeepEqual(got, want) {
				t.Errorf("filter %s: %d hits, want %d", describe(f), len(got), len(want))
			}
			gotFacets := map[string]int{}
			for _, c := range res.Facets {
				gotFacets[c.ID] = c.Count
				for _, s := range c.Children {
					gotFacets[s.ID] = s.Count
				}
			}
			if !reflect.DeepEqual(gotFacets, wantFacets) {
				t.Errorf("filter %s: facets differ", describe(f))
			}
		})
	}
}

func locID(l *directory.Location) string {
	if l == nil {
		return ""
	}
	return l.ID
}

func describe(f Filter) string {
	s := fmt.Sprintf("%+v", f)
	if f.Place != nil {
		s += fmt.Sprintf(" place=%+v", *f.Place)
	}
	if f.OpenAt != nil {
		s += " at=" + f.OpenAt.String()
	}
	return s
}

func randomFilter(r *rand.Rand, ix *Index, tz *time.Location) Filter {
	var f Filter
	maybe := func(p int) bool { return r.Intn(100) < p }
	if maybe(25) {
		f.Categories = []string{ix.catIDs[r.Intn(len(ix.catIDs))]}
		if maybe(30) {
			f.Categories = append(f.Categories, ix.catIDs[r.Intn(len(ix.catIDs))])
		}
	}
	if maybe(20) {
		at := time.Date(2026, 3, 2+r.Intn(7), r.Intn(24), 15*r.Intn(4), 0, 0, tz)
		f.OpenAt = &at
	}
	f.Free = maybe(20)
	if maybe(20) {
		f.Languages = []string{[]string{"en", "es", "fr", "vi"}[r.Intn(4)]}
	}
	if maybe(20) {
		f.Age = ptr(r.Intn(90))
	}
	if maybe(20) {
		f.Gender = directory.Genders[r.Intn(len(directory.Genders))]
	}
	if maybe(20) {
		f.Veteran = ptr(maybe(50))
	}
	if maybe(10) {
		f.Populations = []string{directory.Populations[r.Intn(len(directory.Populations))]}
		if f.Veteran != nil && !*f.Veteran && f.Populations[0] == directory.PopulationVeterans {
			f.Veteran = nil
		}
	}
	if maybe(20) {
		f.Insurance = []string{directory.InsurancePlans[r.Intn(len(directory.InsurancePlans))]}
		if maybe(30) {
			f.Insurance = append(f.Insurance, directory.InsurancePlans[r.Intn(len(directory.InsurancePlans))])
		}
	}
	f.WalkIn = maybe(15)
	f.Wheelchair = maybe(15)
	f.IncludeInactive = maybe(15)
	if maybe(60) {
		c := searchtest.Cities[r.Intn(len(searchtest.Cities))]
		p := &geo.Place{Point: orb.Point{c.Lon + r.NormFloat64()*0.1, c.Lat + r.NormFloat64()*0.1}}
		if maybe(70) {
			p.State = c.State
			p.County = directory.County{FIPS: c.CountyFIPS, Name: c.Name, State: c.State}
		}
		if maybe(50) {
			p.ZIP = c.ZIP
		}
		f.Place = p
		if maybe(80) {
			f.RadiusMeters = []float64{800, 5000, 16000, 80000, 3_000_000}[r.Intn(5)]
		}
		f.InArea = maybe(40)
	}
	return f
}

// TestPlaceSortMatchesDistance checks, over the synthetic directory, that
// distance order is geo.Distance order with ties broken by key.
func TestPlaceSortMatchesDistance(t *testing.T) {
	cat, err := searchtest.Synthetic(mustTaxonomy(t), 2000, 5)
	if err != nil {
		t.Fatal(err)
	}
	ix := mustBuild(t, cat)
	c := searchtest.Cities[1]
	p := &geo.Place{Point: orb.Point{c.Lon, c.Lat}, State: c.State}
	res := mustSearch(t, ix, Query{Filter: Filter{Place: p, RadiusMeters: 30000}, PerPage: MaxPerPage})
	type row struct {
		d   float64
		key string
	}
	var got, want []row
	for _, h := range res.Hits {
		if h.Confidential || h.Distance == nil {
			continue
		}
		got = append(got, row{*h.Distance, h.ServiceKey + "\x00" + h.LocationID})
	}
	want = append(want, got...)
	sort.SliceStable(want, func(i, j int) bool {
		if want[i].d != want[j].d {
			return want[i].d < want[j].d
		}
		return want[i].key < want[j].key
	})
	if len(got) < 20 || !reflect.DeepEqual(got, want) {
		t.Errorf("%d hits not in distance order", len(got))
	}
}
