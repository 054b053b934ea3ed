package match

import (
	"context"
	"math/rand"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
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
	m := synthetic(b)
	r := rand.New(rand.NewSource(7))
	now := time.Date(2026, 3, 2, 23, 0, 0, 0, time.UTC)
	profiles := make([]Profile, 256)
	for i := range profiles {
		c := searchtest.Cities[r.Intn(len(searchtest.Cities))]
		place := &geo.Place{Point: orb.Point{c.Lon + r.NormFloat64()*0.03, c.Lat + r.NormFloat64()*0.03}, ZIP: c.ZIP, State: c.State}
		profiles[i] = Profile{
			Needs: []Need{{Text: "a bed tonight"}, {Text: "help with drinking"}, {Text: "comida"}},
			Place: place, Now: now,
			Person: &need.Person{Age: ptr(45), Gender: directory.GenderMale, Veteran: ptr(true), Insurance: []string{directory.InsuranceMedicaid}},
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
	b.ReportMetric(float64(len(m.docs)), "docs")
}

var (
	synthOnce sync.Once
	synthM    *Matcher
	synthErr  error
)

// synthetic returns the matcher of a deterministic synthetic directory of
// 100,000 services, built once.
func synthetic(tb testing.TB) *Matcher {
	tb.Helper()
	synthOnce.Do(func() {
		tax, voc, err := searchtest.Words(osDataDir)
		if err != nil {
			synthErr = err
			return
		}
		cat, err := searchtest.Synthetic(tax, voc, 100_000, 1)
		if err != nil {
			synthErr = err
			return
		}
		ix, err := search.Build(context.Background(), cat)
		if err != nil {
			synthErr = err
			return
		}
		synthM = New(ix, nil, nil)
	})
	if synthErr != nil {
		tb.Fatal(synthErr)
	}
	return synthM
}

// Typical words a peer specialist or a kiosk user types, misspellings and
// Spanish included.
var benchTexts = []string{
	"shelter", "food pantry", "comida", "dentist", "methadone", "job training", "place to sleep",
	"shleter", "i need help with rent", "mental health counseling", "free clinic", "legal aid",
	"bus pass", "detox", "albergue", "food stamps", "showers", "ged", "immigration lawyer",
	"domestic violence", "clothing", "suboxone", "crisis", "pantri",
}

// benchQueries returns n queries of one kind, generated from seed.
func benchQueries(kind string, n int, seed int64) []SearchRequest {
	r := rand.New(rand.NewSource(seed))
	monday6pm := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC).Add(5 * time.Hour)
	out := make([]SearchRequest, n)
	for i := range out {
		c := searchtest.Cities[r.Intn(len(searchtest.Cities))]
		p := &geo.Place{Point: orb.Point{c.Lon + r.NormFloat64()*0.03, c.Lat + r.NormFloat64()*0.03}, ZIP: c.ZIP, State: c.State}
		q := SearchRequest{Now: monday6pm}
		switch kind {
		case "text+place+filters":
			q.Text = benchTexts[r.Intn(len(benchTexts))]
			q.Place, q.RadiusMeters = p, 10*geo.MetersPerMile
			switch r.Intn(4) {
			case 0:
				q.Constraints.OpenAt = &monday6pm
			case 1:
				q.Constraints.FreeOnly = true
			case 2:
				q.Person = &need.Person{Gender: directory.GenderMale, Age: ptr(35)}
			case 3:
				q.Constraints.Languages = []string{"es"}
				q.Person = &need.Person{Veteran: ptr(false), Languages: []string{"es"}}
			}
		case "text":
			q.Text = benchTexts[r.Intn(len(benchTexts))]
		case "place":
			q.Place, q.RadiusMeters = p, 5*geo.MetersPerMile
		}
		out[i] = q
	}
	return out
}

// BenchmarkSearch runs typical searches of three kinds (text with a place
// and constraints, text only, place only) and their mix over the
// synthetic directory of 100,000 services, and reports the 50th and 99th
// percentile latencies and the CPU time per search.
//
//	go test -run '^$' -bench Search -benchtime 2000x ./internal/match
func BenchmarkSearch(b *testing.B) {
	m := synthetic(b)
	for _, kind := range []string{"text+place+filters", "text", "place", "mix"} {
		b.Run(kind, func(b *testing.B) {
			var qs []SearchRequest
			if kind == "mix" {
				a, t, p := benchQueries("text+place+filters", 256, 8), benchQueries("text", 128, 9), benchQueries("place", 128, 10)
				for i := range a {
					qs = append(qs, a[i])
					if i%2 == 0 {
						qs = append(qs, t[i/2])
					} else {
						qs = append(qs, p[i/2])
					}
				}
			} else {
				qs = benchQueries(kind, 512, 7)
			}
			lat := make([]time.Duration, 0, b.N)
			hits := 0
			cpu0 := processCPU()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				start := time.Now()
				r, err := m.Search(context.Background(), qs[i%len(qs)])
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				hits += r.Total
			}
			b.StopTimer()
			cpu := processCPU() - cpu0
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 {
				return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(hits)/float64(b.N), "total/op")
			// CPU time per search (all threads, GC included): what a search
			// costs when the machine is shared and wall-clock percentiles
			// measure the neighbours too.
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
