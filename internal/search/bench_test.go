package search

import (
	"context"
	"os"
	"runtime"
	"sync"
	"testing"

	"trellis/internal/directory"
	"trellis/internal/listings"
	"trellis/internal/search/searchtest"
)

// Benchmarks: go test -run '^$' -bench . ./internal/search
//
// BenchmarkBuild indexes the test fixture, the repository's DC data (when
// data/listings holds any), a directory named by TRELLIS_BENCH_DATA (for
// example an imported copy of the national package) and a deterministic
// synthetic directory of 100,000 services. Searches are benchmarked where
// they run, in package match.

const syntheticServices = 100_000

var (
	synthOnce sync.Once
	synthCat  *directory.Catalog
	synthErr  error
)

func syntheticCatalog(tb testing.TB) *directory.Catalog {
	tb.Helper()
	tax, voc := mustWords(tb)
	synthOnce.Do(func() { synthCat, synthErr = searchtest.Synthetic(tax, voc, syntheticServices, 1) })
	if synthErr != nil {
		tb.Fatal(synthErr)
	}
	return synthCat
}

// mustWords returns the repository's taxonomy and vocabulary.
func mustWords(tb testing.TB) (*directory.Taxonomy, *directory.Vocabulary) {
	tb.Helper()
	tax, voc, err := searchtest.Words(os.DirFS("../../data"))
	if err != nil {
		tb.Fatal(err)
	}
	return tax, voc
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
		{"fixture", func(tb testing.TB) *directory.Catalog {
			tax, voc := mustWords(tb)
			cat, err := searchtest.Fixture(tax, voc)
			if err != nil {
				tb.Fatal(err)
			}
			return cat
		}},
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
