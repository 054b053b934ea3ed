package search

import (
	"context"
	"reflect"
	"testing"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// TestBundledData searches the repository's DC directory the way the
// issue's examples do.
func TestBundledData(t *testing.T) {
	cat := loadData(t, "../../data")
	if cat.ServiceCount() == 0 {
		t.Fatal("data/listings holds no services")
	}
	ix := mustBuild(t, cat)
	// ZIP 20001's centroid (Census ZCTA).
	near := &geo.Place{Point: zip20001, ZIP: "20001", State: "DC"}
	fiveMiles := 5 * geo.MetersPerMile

	t.Run("misspelled shelter near 20001", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "shleter", Filter: Filter{Place: near, RadiusMeters: fiveMiles}, PerPage: 100})
		if r.Corrections["shleter"] != "shelter" {
			t.Errorf("corrections %v", r.Corrections)
		}
		shelters := 0
		for _, h := range r.Hits {
			if h.Service.HasCategory("housing.emergency-shelter") {
				shelters++
			}
			if h.Distance != nil && *h.Distance > fiveMiles {
				t.Errorf("%s at %.0f m", h.ServiceKey, *h.Distance)
			}
			if h.Distance == nil && !h.Confidential && h.Location != nil && h.Location.HasPoint {
				t.Errorf("%s has no distance", h.ServiceKey)
			}
		}
		if shelters == 0 {
			t.Errorf("no emergency shelters among %d hits", r.Total)
		}
	})
	t.Run("comida finds food", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "comida", Filter: Filter{Place: near}})
		if r.Total == 0 || !r.Hits[0].Service.HasCategory("food") {
			t.Errorf("total %d, first %v", r.Total, keys(r))
		}
	})
	t.Run("women-only shelters absent for men", func(t *testing.T) {
		r := mustSearch(t, ix, Query{Text: "shelter", Filter: Filter{Place: near, Gender: directory.GenderMale}, PerPage: 100})
		for _, h := range r.Hits {
			if !h.Service.Eligibility.ServesGender(directory.GenderMale) {
				t.Errorf("%s serves %v", h.ServiceKey, h.Service.Eligibility.Genders)
			}
		}
		all := mustSearch(t, ix, Query{Text: "shelter", Filter: Filter{Place: near}, PerPage: 100})
		if all.Total <= r.Total {
			t.Errorf("gender=male left %d of %d", r.Total, all.Total)
		}
	})
}

// TestAllMatchesPages checks that All returns exactly the documents
// Search returns page by page, in the same order.
func TestAllMatchesPages(t *testing.T) {
	ix := mustBuild(t, loadData(t, "../../data"))
	near := &geo.Place{Point: zip20001, ZIP: "20001", State: "DC"}
	for _, q := range []Query{
		{Text: "health", Sort: SortRelevance},
		{Text: "shelter", Filter: Filter{Place: near}},
		{Text: "shelter food pantry clinic"},
		{Filter: Filter{Place: near, RadiusMeters: 8000}},
		{Text: "zzqxv"},
	} {
		t.Run(q.Text, func(t *testing.T) {
			var paged []Ref
			for page := 1; ; page++ {
				q.Page, q.PerPage = page, MaxPerPage
				r := mustSearch(t, ix, q)
				for _, h := range r.Hits {
					paged = append(paged, Ref{ServiceKey: h.ServiceKey, LocationID: h.LocationID})
				}
				if page*MaxPerPage >= r.Total {
					break
				}
			}
			all, err := ix.All(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(all, paged) && !(len(all) == 0 && len(paged) == 0) {
				t.Errorf("All gave %d refs, pages %d; first differences: %v vs %v", len(all), len(paged), head(all), head(paged))
			}
			if q.Text == "health" && len(all) <= MaxPerPage {
				t.Errorf("\"health\" matched %d documents; the test needs more than a page", len(all))
			}
		})
	}
}

func head(rs []Ref) []Ref {
	if len(rs) > 3 {
		return rs[:3]
	}
	return rs
}
