package hsds

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"trellis/internal/directory"
)

// The comparable form of a catalog for the round trip: every field both
// HSDS and the importer carry, with pointers replaced by positions and
// lists whose order the import rules decide sorted (categories keep
// their order: the first is the primary one). Left out: ids and
// file paths (slugs made from the names), sources (their names differ),
// verified_by (HSDS has no field for it) and the location time zone.
type rtOrg struct {
	SourceID                                         string
	Name, AlternateName, Description, Website, Email string
	Phones                                           []directory.Phone
	Locations                                        []rtLoc
	Services                                         []rtSvc
}

type rtLoc struct {
	Name, Description, Transit, Accessibility string
	Address                                   *directory.Address
	Point                                     []float64
	Wheelchair                                *bool
	Languages                                 []string
	Phones                                    []directory.Phone
	Hours                                     *directory.Hours
}

type rtSvc struct {
	SourceID, Name, AlternateName, Description, URL, Email string
	Categories, Insurance, Languages, Apply                []string
	At                                                     []int
	Area                                                   *directory.ServiceArea
	Eligibility                                            directory.Eligibility
	Cost                                                   directory.CostKind
	Fees, ApplyNotes, Capacity, Alert                      string
	Status                                                 directory.Status
	LastVerified                                           string
	Hours                                                  *directory.Hours
	Phones                                                 []directory.Phone
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// comparable returns the comparable form of cat keyed by each
// organization's HSDS id: the source id, or with ds (the export of cat)
// the id the export gave it.
func comparable(cat *directory.Catalog, ds *Dataset) map[string]rtOrg {
	out := map[string]rtOrg{}
	for i, o := range cat.Organizations {
		orgID := o.Source.ID
		svcID := func(s *directory.Service) string { return s.Source.ID }
		if ds != nil {
			orgID = ds.Organizations[i].ID
			svcID = func(s *directory.Service) string { return ds.ServiceOf(s).ID }
		}
		ro := rtOrg{SourceID: orgID, Name: o.Name, AlternateName: o.AlternateName, Description: o.Description,
			Website: o.Website, Email: o.Email, Phones: o.Phones}
		for _, l := range o.Locations {
			rl := rtLoc{Name: l.Name, Description: l.Description, Transit: l.Transit, Accessibility: l.Accessibility,
				Address: l.Address, Wheelchair: l.Wheelchair, Languages: l.Languages, Phones: l.Phones, Hours: l.Hours}
			if l.HasPoint {
				rl.Point = []float64{l.Point.Lat(), l.Point.Lon()}
			}
			ro.Locations = append(ro.Locations, rl)
		}
		for _, s := range o.Services {
			rs := rtSvc{SourceID: svcID(s), Name: s.Name, AlternateName: s.AlternateName, Description: s.Description,
				URL: s.URL, Email: s.Email, Categories: s.Categories, Insurance: sorted(s.Insurance),
				Languages: s.Languages, Apply: sorted(s.Apply), Area: s.Area, Eligibility: s.Eligibility, Cost: s.Cost,
				Fees: s.Fees, ApplyNotes: s.ApplyNotes, Capacity: s.Capacity, Alert: s.Alert, Status: s.Status,
				Hours: s.Hours, Phones: s.Phones}
			rs.Eligibility.Genders = sorted(rs.Eligibility.Genders)
			rs.Eligibility.Populations = sorted(rs.Eligibility.Populations)
			rs.Eligibility.Focus = sorted(rs.Eligibility.Focus)
			if !s.LastVerified.IsZero() {
				rs.LastVerified = s.LastVerified.Format("2006-01-02")
			}
			for _, l := range s.Locations {
				rs.At = append(rs.At, slices.Index(o.Locations, l))
			}
			ro.Services = append(ro.Services, rs)
		}
		out[orgID] = ro
	}
	return out
}

// roundTrip imports pkg, exports the result as a tabular package, imports
// that into a fresh data directory and returns both catalogs.
func roundTrip(t *testing.T, pkg, mapFile string) (first, second *directory.Catalog, ds *Dataset, rep Report) {
	t.Helper()
	dataA := newDataDir(t)
	runImport(t, ImportOptions{Package: pkg, DataDir: dataA, MapFile: mapFile})
	first = loadCatalog(t, dataA)
	var err error
	ds, err = Export(first, ExportOptions{Name: "round-trip"})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "round-trip")
	if _, err := ds.WriteDir(context.Background(), out, FormatTabular); err != nil {
		t.Fatal(err)
	}
	dataB := newDataDir(t)
	rep = runImport(t, ImportOptions{Package: out, DataDir: dataB})
	second = loadCatalog(t, dataB)
	return first, second, ds, rep
}

// TestRoundTrip checks that import, export and import again give the
// same listings for every field HSDS and the importer both carry, and
// that the second import needs no mapping file and leaves no term
// unmapped.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name, pkg, mapFile string
	}{
		{"dc-metro", "testdata/dc-metro", ""},
		{"spec example", "testdata/hsds-spec-example", ""},
		{"features", "testdata/features", "testdata/features-map.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, second, ds, rep := roundTrip(t, tt.pkg, tt.mapFile)
			if rep.MapFile != builtinMap {
				t.Errorf("second import used map %q, want the built-in Trellis rules", rep.MapFile)
			}
			if len(rep.UnmappedTerms) > 0 {
				t.Errorf("unmapped terms on re-import: %+v", rep.UnmappedTerms)
			}
			if rep.Skipped != (Counts{}) {
				t.Errorf("re-import skipped %+v: %+v", rep.Skipped, rep.SkipReasons)
			}
			a, b := comparable(first, ds), comparable(second, nil)
			if len(a) != len(b) || len(a) != len(first.Organizations) {
				t.Fatalf("%d organizations, then %d (%d keyed by source id)", len(first.Organizations), len(second.Organizations), len(b))
			}
			diffs := 0
			for id, oa := range a {
				ob, ok := b[id]
				if !ok {
					t.Errorf("organization %s (%s) lost its id", id, oa.Name)
					diffs++
				} else if ja, jb := mustJSON(t, oa), mustJSON(t, ob); ja != jb {
					t.Errorf("organization %s differs:\n%s", oa.Name, firstDiff(ja, jb))
					diffs++
				}
				if diffs > 5 {
					t.Fatal("more than 5 organizations differ")
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// firstDiff shows the first differing line of two texts with context.
func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			from := max(0, i-3)
			return fmt.Sprintf("first:  %s\nsecond: %s\n(line %d; context before:\n%s)", x, y, i+1, strings.Join(la[from:i], "\n"))
		}
	}
	return ""
}
