package hsds

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/geo"
	"trellis/internal/listings"
)

// testNow is the "current" time of the tests: after every date in the
// packages except the features fixture's deliberate future one.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

var (
	gazOnce sync.Once
	gaz     *geo.Gazetteer
	gazErr  error
)

// gazetteer returns the repository's gazetteer, loaded once.
func gazetteer(tb testing.TB) *geo.Gazetteer {
	tb.Helper()
	gazOnce.Do(func() { gaz, gazErr = geo.Load(os.DirFS("../../data")) })
	if gazErr != nil {
		tb.Fatalf("geo.Load: %v", gazErr)
	}
	return gaz
}

// newDataDir returns a fresh data directory holding the repository's
// settings, taxonomy and maps, and no listings.
func newDataDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, name := range []string{"directory.yaml", "taxonomy.yaml"} {
		copyFile(tb, filepath.Join("../../data", name), filepath.Join(dir, name))
	}
	maps, err := filepath.Glob("../../data/maps/*.yaml")
	if err != nil || len(maps) == 0 {
		tb.Fatalf("no maps in ../../data/maps: %v", err)
	}
	for _, m := range maps {
		copyFile(tb, m, filepath.Join(dir, "maps", filepath.Base(m)))
	}
	return dir
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// copyPackage copies a testdata package to a temporary directory named
// name, so a test can change it.
func copyPackage(tb testing.TB, from, name string) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), name)
	entries, err := os.ReadDir(from)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		copyFile(tb, filepath.Join(from, e.Name()), filepath.Join(dir, e.Name()))
	}
	return dir
}

func runImport(tb testing.TB, opt ImportOptions) Report {
	tb.Helper()
	if opt.Now.IsZero() {
		opt.Now = testNow
	}
	if opt.Places == nil {
		opt.Places = gazetteer(tb)
	}
	rep, err := Import(context.Background(), opt)
	if err != nil {
		tb.Fatalf("Import(%s): %v", opt.Package, err)
	}
	return rep
}

// readTree returns every file under dir by relative path.
func readTree(tb testing.TB, dir string) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		out[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// listing decodes the imported file whose organization has HSDS id orgID.
func listing(tb testing.TB, dataDir, orgID string) (*listings.File, string) {
	tb.Helper()
	for rel, data := range readTree(tb, filepath.Join(dataDir, "listings")) {
		var f listings.File
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil {
			tb.Fatalf("%s: %v", rel, err)
		}
		if f.Source != nil && f.Source.ID == orgID {
			return &f, rel
		}
	}
	tb.Fatalf("no listing from organization %s", orgID)
	return nil, ""
}

func TestImportCounts(t *testing.T) {
	tests := []struct {
		name     string
		pkg      string
		source   string
		mapFile  string
		read     Counts
		imported Counts
		files    int
	}{
		{
			name: "spec example", pkg: "testdata/hsds-spec-example",
			read: Counts{1, 1, 1}, imported: Counts{1, 1, 1}, files: 1,
		},
		{
			name: "dc-metro", pkg: "testdata/dc-metro",
			read: Counts{694, 694, 694}, imported: Counts{691, 691, 691}, files: 691,
		},
		{
			name: "features", pkg: "testdata/features", mapFile: "testdata/features-map.yaml",
			read: Counts{5, 6, 6}, imported: Counts{3, 4, 4}, files: 3,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := newDataDir(t)
			rep := runImport(t, ImportOptions{Package: tc.pkg, DataDir: data, Source: tc.source, MapFile: tc.mapFile})
			if rep.Read != tc.read {
				t.Errorf("read %v, want %v", rep.Read, tc.read)
			}
			if rep.Imported != tc.imported {
				t.Errorf("imported %v, want %v", rep.Imported, tc.imported)
			}
			// Every record read is imported or skipped with a reason.
			sum := Counts{
				Organizations: rep.Imported.Organizations + rep.Skipped.Organizations,
				Services:      rep.Imported.Services + rep.Skipped.Services,
				Locations:     rep.Imported.Locations + rep.Skipped.Locations,
			}
			if sum != rep.Read {
				t.Errorf("imported %v + skipped %v != read %v", rep.Imported, rep.Skipped, rep.Read)
			}
			reasons := map[string]int{}
			for _, g := range rep.SkipReasons {
				reasons[g.Kind] += g.Count
			}
			if reasons["organization"] != rep.Skipped.Organizations || reasons["service"] != rep.Skipped.Services ||
				reasons["location"] != rep.Skipped.Locations {
				t.Errorf("skip reasons %v do not add up to skipped %v", reasons, rep.Skipped)
			}
			if rep.FilesNew != tc.files || rep.FilesUpdated != 0 || rep.FilesUnchanged != 0 {
				t.Errorf("files new/updated/unchanged = %d/%d/%d, want %d/0/0", rep.FilesNew, rep.FilesUpdated, rep.FilesUnchanged, tc.files)
			}
			yamls := 0
			for rel := range readTree(t, filepath.Join(data, "listings")) {
				if strings.HasSuffix(rel, ".yaml") {
					yamls++
				}
			}
			if yamls != tc.files {
				t.Errorf("%d listing files on disk, want %d", yamls, tc.files)
			}

			// The tree loads without a single validation error.
			cat, errs, err := listings.Load(os.DirFS(data), listings.Options{Now: testNow, Places: gazetteer(t)})
			if err != nil {
				t.Fatalf("listings.Load: %v", err)
			}
			for _, e := range errs {
				t.Errorf("validation: %v", e)
			}
			if cat != nil && cat.ServiceCount() != tc.imported.Services {
				t.Errorf("catalog has %d services, want %d", cat.ServiceCount(), tc.imported.Services)
			}
		})
	}
}

func TestImportReportsSkipsAndTerms(t *testing.T) {
	rep := runImport(t, ImportOptions{Package: "testdata/features", DataDir: newDataDir(t), MapFile: "testdata/features-map.yaml"})
	want := map[string][]string{
		"organization\x00no services":                                           {"o5"},
		"organization\x00no service with a category":                            {"o4"},
		"service\x00its organization_id names no organization":                  {"s6"},
		"service\x00no category: no map rule covers its taxonomy terms":         {"s5"},
		"location\x00its organization was skipped (no service with a category)": {"l5"},
	}
	got := map[string][]string{}
	for _, g := range rep.SkipReasons {
		got[g.Kind+"\x00"+g.Reason] = g.Samples
	}
	for k, ids := range want {
		if !slices.Equal(got[k], ids) {
			t.Errorf("skip %q: samples %v, want %v", strings.ReplaceAll(k, "\x00", ": "), got[k], ids)
		}
	}
	if len(rep.UnmappedTerms) != 1 || rep.UnmappedTerms[0].Reason != "Kinds / mystery / Mystery" || rep.UnmappedTerms[0].Count != 1 {
		t.Errorf("unmapped terms = %+v", rep.UnmappedTerms)
	}
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"read:     5 organizations, 6 services, 6 locations",
		"service: no category: no map rule covers its taxonomy terms: 1 (s5)",
		"term: Kinds / mystery / Mystery: 1 (s5)",
		"latitude/longitude out of range (point dropped): 1",
		"phone number with letters or too few digits (dropped): 1",
		"duplicate location id (later row ignored): 1 (" + filepath.Join("testdata", "features", "locations.csv") + ":8)",
	} {
		if !strings.Contains(text.String(), s) {
			t.Errorf("report lacks %q:\n%s", s, text.String())
		}
	}
}

// TestMappingRules checks what the map rules make of real DC rows.
func TestMappingRules(t *testing.T) {
	data := newDataDir(t)
	runImport(t, ImportOptions{Package: "testdata/dc-metro", DataDir: data})
	tests := []struct {
		name    string
		service string // the HSDS service name
		check   func(t *testing.T, s listings.Service)
	}{
		{
			name: "women's shelter is for women only, walk in or call", service: "Pat Handy Shelter for Women",
			check: func(t *testing.T, s listings.Service) {
				wantList(t, "categories", s.Categories, "housing.emergency-shelter")
				wantList(t, "genders", s.Eligibility.Genders, "female")
				wantList(t, "apply", s.Apply, "walk-in", "call")
			},
		},
		{
			name: "family program from eligibility text", service: "The Center for Families and Children",
			check: func(t *testing.T, s listings.Service) {
				wantList(t, "populations", s.Eligibility.Populations, "families")
				wantList(t, "categories", s.Categories, "mental-health.counseling")
			},
		},
		{
			name: "HRSA site takes Medicaid on a sliding scale", service: "GPW Health Center - Manassas",
			check: func(t *testing.T, s listings.Service) {
				wantList(t, "categories", s.Categories, "healthcare.primary-care")
				wantList(t, "insurance", s.Insurance, "medicaid", "medicare", "none")
				if s.Cost != "sliding-scale" {
					t.Errorf("cost %q, want sliding-scale", s.Cost)
				}
			},
		},
		{
			name: "youth shelter keeps the source's ages", service: "Covenant House Washington",
			check: func(t *testing.T, s listings.Service) {
				wantList(t, "populations", s.Eligibility.Populations, "youth")
				if a := s.Eligibility.Age; a == nil || a.Min == nil || *a.Min != 18 || a.Max == nil || *a.Max != 24 {
					t.Errorf("age %+v, want 18-24", a)
				}
			},
		},
		{
			name: "men's shelter by coordinated entry", service: "Blair House",
			check: func(t *testing.T, s listings.Service) {
				wantList(t, "genders", s.Eligibility.Genders, "male")
				wantList(t, "apply", s.Apply, "referral")
				if s.LastVerified != "2017-11-15" || s.VerifiedBy != "dc-metro (imported)" {
					t.Errorf("verified %q by %q", s.LastVerified, s.VerifiedBy)
				}
			},
		},
		{
			name: "farmers market gets weekly hours and a season", service: "14&U Farmers' Market",
			check: func(t *testing.T, s listings.Service) {
				wantList(t, "categories", s.Categories, "food.farmers-market")
				h := s.Hours
				if h == nil || len(h.Weekly) != 1 || h.Weekly[0] != (listings.Span{Days: "sat", Open: "09:00", Close: "13:00"}) ||
					h.Season == nil || *h.Season != (listings.Season{From: "05-03", To: "11-22"}) ||
					h.Notes != "Season 1: 05/03/2014 to 11/22/2014; Sat: 9:00 AM-1:00 PM;" {
					t.Errorf("hours %+v", h)
				}
			},
		},
	}
	orgs := orgIDsByServiceName(t, "testdata/dc-metro")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			org, ok := orgs[tc.service]
			if !ok {
				t.Fatalf("no service %q in the package", tc.service)
			}
			f, _ := listing(t, data, org)
			if len(f.Services) != 1 {
				t.Fatalf("%d services", len(f.Services))
			}
			s := f.Services[0]
			if s.Eligibility == nil {
				s.Eligibility = &listings.Eligibility{}
			}
			tc.check(t, s)
		})
	}
}

// orgIDsByServiceName maps service names of a package to their
// organization ids.
func orgIDsByServiceName(tb testing.TB, pkg string) map[string]string {
	tb.Helper()
	p, err := OpenPackage(pkg)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	err = p.Each(context.Background(), "service", func(r *Row) error {
		out[r.Get("name")] = r.Get("organization_id")
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

func wantList(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !slices.Contains(got, w) {
			t.Errorf("%s = %v, want it to hold %q", what, got, w)
		}
	}
}

func TestReimportIsIdempotent(t *testing.T) {
	data := newDataDir(t)
	opt := ImportOptions{Package: "testdata/dc-metro", DataDir: data}
	runImport(t, opt)
	before := readTree(t, filepath.Join(data, "listings"))
	rep := runImport(t, opt)
	if rep.FilesNew != 0 || rep.FilesUpdated != 0 || rep.FilesUnchanged != 691 {
		t.Errorf("second import: new/updated/unchanged = %d/%d/%d, want 0/0/691", rep.FilesNew, rep.FilesUpdated, rep.FilesUnchanged)
	}
	after := readTree(t, filepath.Join(data, "listings"))
	if len(after) != len(before) {
		t.Fatalf("%d files after the second import, %d before", len(after), len(before))
	}
	for name, b := range before {
		if !bytes.Equal(after[name], b) {
			t.Errorf("%s changed on re-import", name)
		}
	}
	if len(rep.Gone) != 0 {
		t.Errorf("gone: %+v", rep.Gone)
	}
}

func TestReimportKeepsHandEdits(t *testing.T) {
	data := newDataDir(t)
	pkg := copyPackage(t, "testdata/hsds-spec-example", "hsds-spec-example")
	opt := ImportOptions{Package: pkg, DataDir: data}
	runImport(t, opt)
	path := filepath.Join(data, "listings", "other", "example-organization-inc.yaml")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	// A coordinator adds a comment, hours and a wheelchair fact to the
	// location, and moves the file.
	edited := strings.Replace(string(orig), "    transit: MyCity",
		"    # Hours checked by phone.\n    hours:\n      weekly:\n        - days: mon-fri\n          open: \"09:00\"\n          close: \"17:00\"\n    transit: MyCity", 1)
	if edited == string(orig) {
		t.Fatal("fixture changed: no transit line to edit before")
	}
	moved := filepath.Join(data, "listings", "uk", "example.yaml")
	if err := os.MkdirAll(filepath.Dir(moved), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(moved, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	// The source renames the service.
	svcs := filepath.Join(pkg, "services.csv")
	b, _ := os.ReadFile(svcs)
	if err := os.WriteFile(svcs, bytes.Replace(b, []byte(",Community Counselling,"), []byte(",Community Counselling Service,"), 1), 0o644); err != nil {
		t.Fatal(err)
	}

	rep := runImport(t, opt)
	if rep.FilesNew != 0 || rep.FilesUpdated != 1 {
		t.Errorf("new/updated = %d/%d, want 0/1 (the moved file updated, not duplicated)", rep.FilesNew, rep.FilesUpdated)
	}
	if _, err := os.Stat(path); err == nil {
		t.Errorf("the import wrote %s again although the listing moved", path)
	}
	got, err := os.ReadFile(moved)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    # Hours checked by phone.\n    hours:\n      weekly:\n        - days: mon-fri\n",
		"    name: Community Counselling Service\n",
		"  - id: community-counselling\n", // the id stays
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("re-imported file lacks %q:\n%s", want, got)
		}
	}
}

func TestReimportReportsGoneRecords(t *testing.T) {
	data := newDataDir(t)
	pkg := copyPackage(t, "testdata/features", "features")
	opt := ImportOptions{Package: pkg, DataDir: data, MapFile: "testdata/features-map.yaml"}
	runImport(t, opt)

	// Drop service s2 (Harbor House's day center) and organization o3's
	// only service.
	svcs := filepath.Join(pkg, "services.csv")
	b, _ := os.ReadFile(svcs)
	var kept []string
	for _, line := range strings.SplitAfter(string(b), "\r\n") {
		if !strings.HasPrefix(line, "s2,") && !strings.HasPrefix(line, "s4,") {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(svcs, []byte(strings.Join(kept, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := runImport(t, opt)
	var gone []string
	for _, g := range rep.Gone {
		gone = append(gone, g.Kind+": "+strings.Join(g.Samples, ","))
	}
	slices.Sort(gone)
	want := []string{
		"file: " + filepath.Join(data, "listings", "other", "monthly-pantry.yaml"),
		"gone-service: " + filepath.Join(data, "listings", "dc", "harbor-house.yaml") + " s2",
	}
	if !slices.Equal(gone, want) {
		t.Errorf("gone = %q, want %q", gone, want)
	}
	// Nothing is deleted.
	for _, p := range []string{"other/monthly-pantry.yaml", "dc/harbor-house.yaml"} {
		if _, err := os.Stat(filepath.Join(data, "listings", p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	f, _ := listing(t, data, "o1")
	if len(f.Services) != 2 {
		t.Errorf("harbor-house has %d services, want 2 (the gone one kept)", len(f.Services))
	}
}

func TestDryRunWritesNothing(t *testing.T) {
	data := newDataDir(t)
	rep := runImport(t, ImportOptions{Package: "testdata/hsds-spec-example", DataDir: data, DryRun: true})
	if rep.FilesNew != 1 {
		t.Errorf("dry run plans %d new files, want 1", rep.FilesNew)
	}
	if _, err := os.Stat(filepath.Join(data, "listings")); err == nil {
		t.Error("dry run created the listings directory")
	}
}

// TestNationalPackage imports the national package when
// TRELLIS_NATIONAL_HSDS points at it (it is not in the repository: 63 MB).
func TestNationalPackage(t *testing.T) {
	dir := os.Getenv("TRELLIS_NATIONAL_HSDS")
	if dir == "" {
		t.Skip("set TRELLIS_NATIONAL_HSDS to the us-public-facilities package directory to import it")
	}
	rep := runImport(t, ImportOptions{Package: dir, DataDir: newDataDir(t), Source: "us-public-facilities", DryRun: true})
	if rep.Read.Services < 50000 {
		t.Errorf("read %d services, want about 51k", rep.Read.Services)
	}
	if rep.Imported.Services+rep.Skipped.Services != rep.Read.Services {
		t.Errorf("imported %v + skipped %v != read %v", rep.Imported, rep.Skipped, rep.Read)
	}
	if len(rep.UnmappedTerms) != 0 {
		t.Errorf("terms no rule covers: %+v", rep.UnmappedTerms)
	}
}
