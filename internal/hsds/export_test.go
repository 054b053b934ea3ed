package hsds

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"trellis/internal/directory"
	"trellis/internal/listings"
	"trellis/internal/testkit"
)

// TestSpecExamplesValidate validates the specification's own example
// answers, so that a failure of Trellis's output below means Trellis, not
// the way the schemas are loaded.
func TestSpecExamplesValidate(t *testing.T) {
	s := loadSchemas(t)
	tests := []struct {
		name, file, schema string
		list               bool
	}{
		{"service", "service_full.json", "service.json", false},
		{"service list", "service_list.json", "compiled/service_list.json", true},
		{"service with definitions", "service_full.json", "compiled/service_with_definitions.json", false},
		{"organization", "organization_full.json", "organization.json", false},
		{"organization list", "organization_list.json", "compiled/organization_list.json", true},
		{"service at location", "service_at_location_full.json", "service_at_location.json", false},
		{"service at location list", "service_at_location_list.json", "compiled/service_at_location_list.json", true},
		{"location", "location.json", "location.json", false},
		{"taxonomy", "taxonomy.json", "taxonomy.json", false},
		{"taxonomy list", "taxonomy_list.json", "taxonomy.json", true},
		{"taxonomy term", "taxonomy_term.json", "taxonomy_term.json", false},
		{"taxonomy term list", "taxonomy_term_list.json", "taxonomy_term.json", true},
		{"tabular", "tabular.json", "tabular.json", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata/hsds-spec-examples-json", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.list {
				if err := s.validate(t, tt.schema, json.RawMessage(b)); err != nil {
					t.Fatalf("%s: %v", tt.file, err)
				}
				return
			}
			var page struct{ Contents []json.RawMessage }
			if err := json.Unmarshal(b, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Contents) == 0 {
				t.Fatalf("%s has no contents", tt.file)
			}
			for i, c := range page.Contents {
				if err := s.validate(t, tt.schema, c); err != nil {
					t.Errorf("%s contents[%d]: %v", tt.file, i, err)
				}
			}
		})
	}
	// A broken object fails, so the checks above can fail too.
	bad := map[string]any{"id": "not-a-uuid", "name": "x", "status": "open"}
	if err := s.validate(t, "service.json", bad); err == nil {
		t.Error("a service with a malformed id and status validates")
	}
}

// dataDirWith returns a temporary data directory with the repository's
// settings, taxonomy and gazetteer and the listings (and polygon) under
// src.
func dataDirWith(tb testing.TB, src string) string {
	tb.Helper()
	return testkit.DataDir(tb, os.DirFS(src))
}

// loadCatalog loads the data directory dir, failing on any problem.
func loadCatalog(tb testing.TB, dir string) *directory.Catalog {
	tb.Helper()
	cat, errs, err := listings.Load(os.DirFS(dir), listings.Options{Now: testNow, Places: gazetteer(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	if len(errs) > 0 {
		var b strings.Builder
		for _, e := range errs {
			b.WriteString(e.Error() + "\n")
		}
		tb.Fatalf("load %s:\n%s", dir, b.String())
	}
	return cat
}

// exportFixture exports the hand-written fixture listings.
func exportFixture(tb testing.TB) (*directory.Catalog, *Dataset) {
	tb.Helper()
	cat := loadCatalog(tb, dataDirWith(tb, "testdata/export"))
	ds, err := Export(cat, ExportOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return cat, ds
}

// catalogs are the directories the schema tests export: the fixture and
// the repository's bundled listings.
func catalogs(t *testing.T) map[string]*Dataset {
	t.Helper()
	_, fixture := exportFixture(t)
	repo, err := Export(loadCatalog(t, "../../data"), ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := Export(sharedSourceIDs(t, loadCatalog(t, "../../data")), ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*Dataset{"fixture": fixture, "repo data": repo, "shared source ids": shared}
}

// sharedSourceIDs gives the first three organizations, services and
// exported locations of cat one source id each kind, a UUID, as a
// careless import could: the first of each keeps it and the others take
// the id made from their keys, which the index then has to remember.
func sharedSourceIDs(tb testing.TB, cat *directory.Catalog) *directory.Catalog {
	tb.Helper()
	var orgs, svcs, locs int
	for _, o := range cat.Organizations {
		if orgs < 3 {
			o.Source.ID = "6f1c1a52-0b7e-4f39-9f0e-3a2d5c1b7a01"
			orgs++
		}
		for _, l := range o.Locations {
			if locs < 3 && !l.Confidential {
				l.Source.ID = "6f1c1a52-0b7e-4f39-9f0e-3a2d5c1b7a02"
				locs++
			}
		}
		for _, s := range o.Services {
			if svcs < 3 {
				s.Source.ID = "6f1c1a52-0b7e-4f39-9f0e-3a2d5c1b7a03"
				svcs++
			}
		}
	}
	if orgs < 3 || svcs < 3 || locs < 3 {
		tb.Fatalf("the catalog has too few records to share ids: %d organizations, %d services, %d locations", orgs, svcs, locs)
	}
	return cat
}

// TestExportValidatesNDJSON validates every line of the NDJSON export, a
// fully nested service, against service.json and the compiled
// service_with_definitions.json.
func TestExportValidatesNDJSON(t *testing.T) {
	s := loadSchemas(t)
	for name, ds := range catalogs(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := ds.WriteNDJSON(&buf); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(lines) != len(ds.Services) || len(lines) == 0 {
				t.Fatalf("%d lines for %d services", len(lines), len(ds.Services))
			}
			for i, line := range lines {
				for _, sch := range []string{"service.json", "compiled/service_with_definitions.json"} {
					if err := s.validate(t, sch, json.RawMessage(line)); err != nil {
						t.Fatalf("line %d against %s: %v\n%s", i+1, sch, err, line)
					}
				}
			}
		})
	}
}

// fieldTypes returns the datapackage field types of table.
func fieldTypes(tb testing.TB, table string) map[string]string {
	tb.Helper()
	var d struct {
		Resources []struct {
			Name   string
			Schema struct {
				Fields []struct{ Name, Type string }
			}
		}
	}
	if err := json.Unmarshal(SpecDataPackage, &d); err != nil {
		tb.Fatal(err)
	}
	for _, r := range d.Resources {
		if r.Name == table {
			out := map[string]string{}
			for _, f := range r.Schema.Fields {
				out[f.Name] = f.Type
			}
			return out
		}
	}
	tb.Fatalf("no resource %s", table)
	return nil
}

// readTable reads a CSV file of the package back as JSON objects typed
// by the descriptor: numbers as numbers, empty cells left out.
func readTable(tb testing.TB, dir, table string) []map[string]any {
	tb.Helper()
	types := fieldTypes(tb, table)
	f, err := os.Open(filepath.Join(dir, TablePath(table)))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		tb.Fatalf("%s: %v", table, err)
	}
	if strings.Join(header, ",") != strings.Join(Columns(table), ",") {
		tb.Errorf("%s header %v, want the specification's %v", table, header, Columns(table))
	}
	out := []map[string]any{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatalf("%s: %v", table, err)
		}
		row := map[string]any{}
		for i, v := range rec {
			if v == "" {
				continue
			}
			switch types[header[i]] {
			case "number", "integer":
				n, err := strconv.ParseFloat(v, 64)
				if err != nil {
					tb.Errorf("%s %s: %q is not a number", table, header[i], v)
				}
				row[header[i]] = n
			default:
				row[header[i]] = v
			}
		}
		out = append(out, row)
	}
}

// TestExportValidatesTabular writes the tabular package and validates
// each row against its table's schema, the whole package against
// compiled/tabular.json, and the descriptor's keys: every primary key
// unique, every foreign key pointing at a row.
func TestExportValidatesTabular(t *testing.T) {
	s := loadSchemas(t)
	for name, ds := range catalogs(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			files, err := ds.WriteDir(context.Background(), dir, FormatTabular)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(Tables)+1 {
				t.Errorf("wrote %d files, want %d tables and datapackage.json", len(files), len(Tables))
			}
			whole := map[string]any{}
			ids := map[string]map[string]bool{}
			tables := map[string][]map[string]any{}
			for _, table := range Tables {
				rows := readTable(t, dir, table)
				tables[table] = rows
				ids[table] = map[string]bool{}
				for i, row := range rows {
					if err := s.validate(t, table+".json", row); err != nil {
						t.Fatalf("%s row %d: %v\n%v", table, i+1, err, row)
					}
					id, _ := row["id"].(string)
					if ids[table][id] {
						t.Errorf("%s: id %s twice", table, id)
					}
					ids[table][id] = true
				}
				whole[table] = rows
			}
			if err := s.validate(t, "tabular.json", whole); err != nil {
				t.Fatalf("package against tabular.json: %v", err)
			}
			checkForeignKeys(t, dir, tables, ids)
			if len(tables["service"]) != len(ds.Services) || len(tables["organization"]) != len(ds.Organizations) {
				t.Errorf("%d service and %d organization rows, want %d and %d", len(tables["service"]),
					len(tables["organization"]), len(ds.Services), len(ds.Organizations))
			}
		})
	}
}

// checkForeignKeys checks the descriptor written to dir: it names the
// tables written, and every foreign key value is the id of a row.
func checkForeignKeys(t *testing.T, dir string, tables map[string][]map[string]any, ids map[string]map[string]bool) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "datapackage.json"))
	if err != nil {
		t.Fatal(err)
	}
	var desc struct {
		Name      string
		Profile   string
		Resources []struct {
			Name, Path string
			Schema     struct {
				PrimaryKey  any
				ForeignKeys []struct {
					Fields    string
					Reference struct{ Resource, Fields string }
				}
			}
		}
	}
	if err := json.Unmarshal(b, &desc); err != nil {
		t.Fatal(err)
	}
	if desc.Name == "" || desc.Profile != "tabular-data-package" || len(desc.Resources) != len(Tables) {
		t.Errorf("descriptor name %q profile %q with %d resources", desc.Name, desc.Profile, len(desc.Resources))
	}
	for _, r := range desc.Resources {
		if _, err := os.Stat(filepath.Join(dir, r.Path)); err != nil {
			t.Errorf("resource %s: %v", r.Name, err)
		}
		for _, fk := range r.Schema.ForeignKeys {
			target := ids[fk.Reference.Resource]
			if target == nil {
				// A table Trellis does not write (program, contact):
				// no row may point at it.
				target = map[string]bool{}
			}
			for i, row := range tables[r.Name] {
				if v, ok := row[fk.Fields].(string); ok && !target[v] {
					t.Errorf("%s row %d: %s %s is no %s", r.Name, i+1, fk.Fields, v, fk.Reference.Resource)
				}
			}
		}
	}
}

// TestExportImportFixture exports the hand-written fixture, imports the
// package again and checks each convention of conventions.go came back,
// and that nothing of the confidential location left.
func TestExportImportFixture(t *testing.T) {
	_, ds := exportFixture(t)
	if ds.ConfidentialLeftOut != 1 {
		t.Errorf("left out %d confidential locations, want 1", ds.ConfidentialLeftOut)
	}
	out := filepath.Join(t.TempDir(), "fixture-export")
	if _, err := ds.WriteDir(context.Background(), out, FormatBoth); err != nil {
		t.Fatal(err)
	}
	for rel, b := range readTree(t, out) {
		for _, secret := range []string{"Secret Ln", "20018", "38.9301", "-76.9701", "blue gate"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %q of the confidential location", rel, secret)
			}
		}
	}
	data := newDataDir(t)
	rep := runImport(t, ImportOptions{Package: out, DataDir: data})
	if len(rep.UnmappedTerms) > 0 || rep.Skipped != (Counts{}) {
		t.Fatalf("re-import: unmapped %+v, skipped %+v", rep.UnmappedTerms, rep.Skipped)
	}
	cat := loadCatalog(t, data)
	if len(cat.Organizations) != 1 {
		t.Fatalf("%d organizations, want 1", len(cat.Organizations))
	}
	o := cat.Organizations[0]
	if len(o.Locations) != 2 || len(o.Services) != 4 {
		t.Fatalf("%d locations and %d services, want 2 and 4", len(o.Locations), len(o.Services))
	}
	if o.Description != "Neighborhood center with a pantry, a clinic and a shelter." || len(o.Phones) != 3 ||
		o.Phones[0].Extension != "12" || o.Phones[2].Type != "tty" || o.Phones[2].Extension != "4#" || o.Phones[2].Note != "" {
		t.Errorf("organization: %q %+v", o.Description, o.Phones)
	}
	main, annex := o.Locations[0], o.Locations[1]
	svc := map[string]*directory.Service{}
	for _, s := range o.Services {
		svc[s.Name] = s
	}
	pantry, clinic, shelter, line := svc["Riverside pantry"], svc["Riverside clinic"], svc["Riverside safe shelter"], svc["Riverside phone line"]
	if pantry == nil || clinic == nil || shelter == nil || line == nil {
		t.Fatalf("services: %v", svc)
	}
	day := func(y int, m time.Month, d int) directory.Date { return directory.Date{Year: y, Month: m, Day: d} }
	checks := []struct {
		name string
		ok   bool
		got  any
	}{
		{"main: weekly hours and 24:00", main.Hours != nil && len(main.Hours.Weekly) == 2 && main.Hours.Weekly[1].Close == 24*60, main.Hours},
		{"main: closures", main.Hours != nil && len(main.Hours.Closures) == 2 &&
			main.Hours.Closures[0] == directory.Closure{From: day(2026, 12, 24), To: day(2026, 12, 26), Note: "Holidays"} &&
			main.Hours.Closures[1].From == day(2026, 7, 4) && main.Hours.Closures[1].To == day(2026, 7, 4), main.Hours},
		{"main: hours notes", main.Hours != nil && main.Hours.Notes == "Closed on federal holidays.", main.Hours},
		{"main: address with county", main.Address != nil && main.Address.Street2 == "Suite 2" && main.Address.CountyFIPS == "11001", main.Address},
		{"main: access", main.Wheelchair != nil && *main.Wheelchair &&
			main.Accessibility == "Ramp at the river entrance; accessible restroom. Wheelchair accessible.", main.Accessibility},
		{"main: languages", slices.Equal(main.Languages, []string{"en", "es", "am"}), main.Languages},
		{"main: text phone", len(main.Phones) == 1 && main.Phones[0].Type == "text", main.Phones},
		{"annex: by appointment", annex.Hours != nil && annex.Hours.ByAppointment && len(annex.Hours.Weekly) == 0, annex.Hours},
		{"annex: address without ZIP", annex.Address != nil && annex.Address.Street == "12 Annex Way" && annex.Address.ZIP == "" && annex.Description == "", annex},
		{"pantry: season", pantry.Hours != nil && pantry.Hours.Season != nil &&
			*pantry.Hours.Season == directory.Season{FromMonth: 6, FromDay: 1, ToMonth: 9, ToDay: 30} && len(pantry.Hours.Weekly) == 1, pantry.Hours},
		{"pantry: area", pantry.Area != nil && pantry.Area.RadiusMeters == 8046.72 && len(pantry.Area.Counties) == 2 &&
			pantry.Area.Counties[1].FIPS == "24033" && slices.Equal(pantry.Area.States, []string{"MD"}) &&
			slices.Equal(pantry.Area.ZIPs, []string{"20003", "20019"}) && pantry.Area.Note == "Mostly Ward 6 and 7 residents.", pantry.Area},
		{"pantry: eligibility", pantry.Eligibility.Age.Min != nil && *pantry.Eligibility.Age.Min == 18 && *pantry.Eligibility.Age.Max == 120 &&
			slices.Equal(pantry.Eligibility.Documents, []string{"Photo ID", "Proof of address"}) &&
			pantry.Eligibility.Notes == "One visit a week.\nIncome: Under 200% of the poverty line.\nResidency: DC or Prince George's County.", pantry.Eligibility},
		{"pantry: cost, apply, categories", pantry.Cost == directory.CostFree && pantry.Fees == "" &&
			slices.Equal(sorted(pantry.Apply), []string{"call", "walk-in"}) && slices.Equal(sorted(pantry.Categories), []string{"food", "food.pantry"}), pantry},
		{"pantry: verified", pantry.LastVerified.Format(time.DateOnly) == "2025-03-01" && pantry.Alert != "" && pantry.ApplyNotes == "Come in with an ID.", pantry},
		{"clinic: 24/7", clinic.Hours != nil && clinic.Hours.Always, clinic.Hours},
		{"clinic: facts", clinic.Cost == directory.CostSlidingScale && clinic.Fees == "Sliding scale from $10." &&
			slices.Equal(sorted(clinic.Insurance), []string{"medicaid", "medicare", "none"}) &&
			slices.Equal(sorted(clinic.Eligibility.Genders), []string{"female", "nonbinary"}) &&
			slices.Equal(clinic.Eligibility.Focus, []string{"lgbtq"}), clinic},
		{"clinic: status, capacity, contact", clinic.Status == directory.StatusTemporarilyClosed && clinic.Capacity == "Wait time: two weeks" &&
			clinic.URL != "" && clinic.Email != "" && len(clinic.Phones) == 1 && slices.Equal(clinic.Phones[0].Languages, []string{"es"}), clinic},
		{"clinic: two locations", len(clinic.Locations) == 2, clinic.Locations},
		{"shelter: no location, reached by its hotline", len(shelter.Locations) == 0 && len(shelter.Phones) == 1 &&
			shelter.Phones[0].Number == "202-555-0199" && shelter.Phones[0].Type == "hotline", shelter.Phones},
		{"shelter: radius and polygon kept as text", shelter.Area != nil && shelter.Area.RadiusMeters == 0 &&
			shelter.Area.Note == "Within 6.2 mi of where the service is delivered\nMapped service area", shelter.Area},
		{"shelter: populations", slices.Equal(sorted(shelter.Eligibility.Populations), []string{"dv-survivors", "families"}), shelter.Eligibility},
		{"organization: referral intake, its phone not among the organization's",
			o.Referrals != nil && *o.Referrals == directory.Intake{Email: "referrals@riverside.example.org", Phone: "202-555-0115"} &&
				!slices.ContainsFunc(o.Phones, func(p directory.Phone) bool { return p.Number == "202-555-0115" }), o.Referrals},
		{"clinic: its own referral intake", clinic.Referrals != nil && *clinic.Referrals == directory.Intake{Email: "clinic-intake@riverside.example.org"}, clinic.Referrals},
		{"pantry: the organization's intake", pantry.Referrals == nil && pantry.ReferralIntake() == o.Referrals, pantry.Referrals},
		{"line: notes-only hours, fee", line.Hours != nil && line.Hours.Notes == "Most afternoons." && len(line.Hours.Weekly) == 0 && line.Cost == directory.CostFee, line.Hours},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("got %+v", c.got)
			}
		})
	}
}

// TestExportIsDeterministic exports the same catalog twice and gets the
// same bytes: ids and order do not depend on map iteration or time.
func TestExportIsDeterministic(t *testing.T) {
	cat := loadCatalog(t, dataDirWith(t, "testdata/export"))
	var outs [2]map[string][]byte
	for i := range outs {
		ds, err := Export(cat, ExportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if _, err := ds.WriteDir(context.Background(), dir, FormatBoth); err != nil {
			t.Fatal(err)
		}
		outs[i] = readTree(t, dir)
	}
	if len(outs[0]) != len(Tables)+2 {
		t.Errorf("%d files, want %d", len(outs[0]), len(Tables)+2)
	}
	for name, b := range outs[0] {
		if !bytes.Equal(b, outs[1][name]) {
			t.Errorf("%s differs between two exports", name)
		}
	}
}

// TestIndexBuildsWhatExportWrites: every record the index builds on demand,
// found by its id, is the record the whole export holds, and an id in any
// other form finds nothing.
func TestIndexBuildsWhatExportWrites(t *testing.T) {
	for name, ds := range catalogs(t) {
		t.Run(name, func(t *testing.T) {
			ix := ds.Index
			same := func(what string, got, want any) {
				t.Helper()
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if !bytes.Equal(g, w) {
					t.Errorf("%s built on demand differs from the export:\n got %s\nwant %s", what, g, w)
				}
			}
			for _, o := range ds.Organizations {
				same("organization "+o.ID, ix.Organization(o.ID), o)
			}
			for _, s := range ds.Services {
				same("service "+s.ID, ix.Service(s.ID), s)
			}
			for _, svc := range ds.Services {
				for _, sal := range svc.ServiceAtLocations {
					want := *sal
					want.Service = svc
					same("service_at_location "+sal.ID, ix.ServiceAtLocation(sal.ID), &want)
				}
			}
			if len(ds.Services) == 0 {
				t.Fatal("nothing exported")
			}
			ids := map[string]string{}
			for _, o := range ds.Organizations {
				ids[o.ID] = "organization " + o.Name
			}
			for _, l := range ds.Locations {
				if prev, dup := ids[l.ID]; dup {
					t.Errorf("location %s has the id of %s", l.ID, prev)
				}
				ids[l.ID] = "location " + l.Name
			}
			for _, s := range ds.Services {
				if prev, dup := ids[s.ID]; dup {
					t.Errorf("service %s has the id of %s", s.ID, prev)
				}
				ids[s.ID] = "service " + s.Name
			}
			if len(ids) != len(ds.Organizations)+len(ds.Locations)+len(ds.Services) {
				t.Errorf("%d ids for %d organizations, %d locations and %d services", len(ids), len(ds.Organizations), len(ds.Locations), len(ds.Services))
			}
			id := ds.Services[0].ID
			for _, bad := range []string{strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id, ds.Organizations[0].ID} {
				if ix.Service(bad) != nil {
					t.Errorf("Service(%q) found a service", bad)
				}
			}
		})
	}
}
