package hsds

import (
	"context"
	"os"
	"testing"
)

// BenchmarkImportDCMetro converts the dc-metro package (694 services)
// into listing files in a fresh directory each time.
func BenchmarkImportDCMetro(b *testing.B) {
	benchImport(b, "testdata/dc-metro", "")
}

// BenchmarkImportNational converts the national package (about 51k
// services) when TRELLIS_NATIONAL_HSDS points at it; run it by hand:
//
//	TRELLIS_NATIONAL_HSDS=/path/to/us-public-facilities go test -run '^$' -bench National -benchtime 1x ./internal/hsds
func BenchmarkImportNational(b *testing.B) {
	dir := os.Getenv("TRELLIS_NATIONAL_HSDS")
	if dir == "" {
		b.Skip("set TRELLIS_NATIONAL_HSDS to the us-public-facilities package directory")
	}
	benchImport(b, dir, "us-public-facilities")
}

func benchImport(b *testing.B, pkg, source string) {
	places := gazetteer(b)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		data := newDataDir(b)
		b.StartTimer()
		rep, err := Import(context.Background(), ImportOptions{Package: pkg, DataDir: data, Source: source, Now: testNow, Places: places})
		if err != nil {
			b.Fatal(err)
		}
		if rep.FilesNew == 0 {
			b.Fatal("nothing written")
		}
	}
}

// BenchmarkExport builds the HSDS form of the repository's bundled
// listings (691 services) and writes it in both formats.
func BenchmarkExport(b *testing.B) {
	cat := loadCatalog(b, "../../data")
	b.ReportAllocs()
	for b.Loop() {
		ds, err := Export(cat, ExportOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ds.WriteDir(context.Background(), b.TempDir(), FormatBoth); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExportBuild builds the HSDS form only, as the /hsds/ API does
// once per snapshot.
func BenchmarkExportBuild(b *testing.B) {
	cat := loadCatalog(b, "../../data")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Export(cat, ExportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
