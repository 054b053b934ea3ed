package search

import (
	"context"
	"math/rand"
	"os"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/listings"
	"trellis/internal/search/searchtest"
)

// Benchmarks: go test -run '^$' -bench . ./internal/search
//
// BenchmarkBuild indexes the test fixture, the repository's DC data (when
// data/listings holds any), a directory named by TRELLIS_BENCH_DATA (for
// example an imported copy of the national package) and a deterministic
// synthetic directory of 100,000 services. BenchmarkSearch runs typical
// queries of three kinds (text with a place and filters, text only, place
// only) and their mix over the synthetic directory and reports the 50th
// and 99th percentile latencies and the CPU time per search.

const syntheticServices = 100_000

var (
	synthOnce sync.Once
	synthCat  *directory.Catalog
	synthErr  error
)

func syntheticCatalog(tb testing.TB) *directory.Catalog {
	tb.Helper()
	tax := mustTaxonomy(tb)
	synthOnce.Do(func() { synthCat, synthErr = searchtest.Synthetic(tax, syntheticServices, 1) })
	if synthErr != nil {
		tb.Fatal(synthErr)
	}
	return synthCat
}

// loadData loads a data directory with the listings loader.
func loadData(tb testing.TB, dir string) *directory.Catalog {
	tb.Helper()
	cat, errs, err := listings.Load(os.DirFS(dir), listings.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	if len(errs) > 0 {
		tb.Fatalf("%s: %d problems, first: %v", dir, len(errs), errs[0])
	}
	return cat
}

func BenchmarkBuild(b *testing.B) {
	cases := []struct {
		name string
		cat  func(testing.TB) *directory.Catalog
	}{
		{"fixture", fixture},
		{"synthetic-100k", syntheticCatalog},
	}
	if _, err := os.Stat("../../data/listings"); err == nil {
		cases = append(cases, struct {
			name string
			cat  func(testing.TB) *directory.Catalog
		}{"dc", func(tb testing.TB) *directory.Catalog { return loadData(tb, "../../data") }})
	}
	if dir := os.Getenv("TRELLIS_BENCH_DATA"); dir != "" {
		cases = append(cases, struct {
			name string
			cat  func(testing.TB) *directory.Catalog
		}{"bench-data", func(tb testing.TB) *directory.Catalog { return loadData(tb, dir) }})
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			cat := c.cat(b)
			var before runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ix, err := Build(context.Background(), cat)
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				var after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&after)
				// What the index holds beyond the catalog.
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MB")
				b.ReportMetric(float64(ix.DocCount()), "docs")
				b.ReportMetric(float64(cat.ServiceCount()), "services")
				if err := ix.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
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
func benchQueries(kind string, n int, seed int64) []Query {
	r := rand.New(rand.NewSource(seed))
	monday6pm := time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC).Add(5 * time.Hour)
	out := make([]Query, n)
	for i := range out {
		c := searchtest.Cities[r.Intn(len(searchtest.Cities))]
		p := &geo.Place{Point: orb.Point{c.Lon + r.NormFloat64()*0.03, c.Lat + r.NormFloat64()*0.03}, ZIP: c.ZIP, State: c.State}
		q := Query{Now: monday6pm}
		switch kind {
		case "text+place+filters":
			q.Text = benchTexts[r.Intn(len(benchTexts))]
			q.Place, q.RadiusMeters = p, 10*geo.MetersPerMile
			switch r.Intn(4) {
			case 0:
				q.OpenAt = &monday6pm
			case 1:
				q.Free = true
			case 2:
				q.Gender = directory.GenderMale
				q.Age = ptr(35)
			case 3:
				q.Languages = []string{"es"}
				q.Veteran = ptr(false)
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

func BenchmarkSearch(b *testing.B) {
	ix := mustBuild(b, syntheticCatalog(b))
	for _, kind := range []string{"text+place+filters", "text", "place", "mix"} {
		b.Run(kind, func(b *testing.B) {
			var qs []Query
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
				r, err := ix.Search(context.Background(), qs[i%len(qs)])
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
