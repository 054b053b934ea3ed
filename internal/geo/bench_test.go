package geo_test

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/paulmach/orb"

	"trellis/internal/geo"
)

// BenchmarkLoad measures the gazetteer load the server does at start: both
// gzip files decompressed and parsed, the county grid built.
func BenchmarkLoad(b *testing.B) {
	fsys := os.DirFS("../../data")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := geo.Load(fsys); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAt measures point-in-county lookups for random points in the
// Washington, DC area and across the contiguous United States (some fall
// outside every county: the oceans, Canada, Mexico, the Great Lakes).
func BenchmarkAt(b *testing.B) {
	g := MustLoad(b)
	areas := []struct {
		name           string
		minLon, maxLon float64
		minLat, maxLat float64
	}{
		{"dc-metro", -77.6, -76.6, 38.6, 39.3},
		{"contiguous-us", -125, -66, 24, 49.5},
	}
	for _, a := range areas {
		r := rand.New(rand.NewPCG(1, 2))
		pts := make([]orb.Point, 4096)
		for i := range pts {
			pts[i] = orb.Point{a.minLon + r.Float64()*(a.maxLon-a.minLon), a.minLat + r.Float64()*(a.maxLat-a.minLat)}
		}
		b.Run(a.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				g.At(pts[i%len(pts)])
				i++
			}
		})
	}
}

// BenchmarkZIP measures a ZIP code lookup with its county.
func BenchmarkZIP(b *testing.B) {
	g := MustLoad(b)
	zips := []string{"20001", "20910", "22201", "10001", "94103", "60601"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, ok := g.ZIP(zips[i%len(zips)]); !ok {
			b.Fatal("ZIP not found")
		}
		i++
	}
}
