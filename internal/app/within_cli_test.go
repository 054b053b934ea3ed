package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/geo"
	"trellis/internal/listings"
)

// TestImportWithin imports the DC test package keeping only what lies
// within 2 km of ZIP 20001's centre, and checks that every file written is
// of an organization in the circle.
func TestImportWithin(t *testing.T) {
	dir := t.TempDir()
	repo, err := filepath.Abs("../../data")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{listings.DirectoryPath, listings.TaxonomyPath, "maps", "geo"} {
		if err := os.Symlink(filepath.Join(repo, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "listings"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, "", "import", "hsds", "../hsds/testdata/dc-metro", "--data", dir, "--within", "38.9101,-77.0147,2km")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "within:") {
		t.Errorf("no within line in the report:\n%s", stdout)
	}
	cat, errs, err := listings.Load(os.DirFS(dir), listings.Options{Now: time.Now()})
	if err != nil || len(errs) > 0 {
		t.Fatalf("load: %v %v", err, errs)
	}
	if len(cat.Organizations) == 0 {
		t.Fatal("nothing imported within 2 km of 20001")
	}
	center := orb.Point{-77.0147, 38.9101}
	for _, o := range cat.Organizations {
		in := false
		for _, l := range o.Locations {
			in = in || (l.HasPoint && geo.Distance(center, l.Point) <= 2000)
		}
		if !in {
			t.Errorf("%s has no location within 2 km", o.File)
		}
	}
}
