package match

import (
	"context"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/search"
	"trellis/internal/search/searchtest"
)

// BenchmarkMatch runs three-need matches (a bed tonight, help with
// drinking, comida) for a 45-year-old veteran on Medicaid, from places
// scattered around the cities of a deterministic synthetic directory of
// 100,000 services, and reports the 50th and 99th percentile latencies.
// Building the index and the matcher is not timed.
//
//	go test -run '^$' -bench Match -benchtime 500x ./internal/match
func BenchmarkMatch(b *testing.B) {
	tax, err := searchtest.Taxonomy(osDataDir)
	if err != nil {
		b.Fatal(err)
	}
	cat, err := searchtest.Synthetic(tax, 100_000, 1)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := search.Build(context.Background(), cat)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	m := New(ix)
	r := rand.New(rand.NewSource(7))
	now := time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC)
	profiles := make([]Profile, 256)
	for i := range profiles {
		c := searchtest.Cities[r.Intn(len(searchtest.Cities))]
		place := &geo.Place{Point: orb.Point{c.Lon + r.NormFloat64()*0.03, c.Lat + r.NormFloat64()*0.03}, ZIP: c.ZIP, State: c.State}
		profiles[i] = Profile{
			Needs: []Need{{Text: "a bed tonight"}, {Text: "help with drinking"}, {Text: "comida"}},
			Place: place, Now: now,
			Person: &Person{Age: ptr(45), Gender: directory.GenderMale, Veteran: ptr(true), Insurance: []string{directory.InsuranceMedicaid}},
		}
		if i%4 == 0 {
			profiles[i].Constraints.OpenNow = true
		}
	}
	lat := make([]time.Duration, 0, b.N)
	results := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		res, err := m.Match(context.Background(), profiles[i%len(profiles)])
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range res.Needs {
			results += len(n.Results)
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(results)/float64(b.N), "results/op")
	b.ReportMetric(float64(m.docCount()), "docs")
}
