package hsds

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformedInput breaks a copy of the features package (or the data
// directory) one way at a time: each import must fail with an error that
// names the file and, where there is one, the line.
func TestMalformedInput(t *testing.T) {
	replaceIn := func(name, old, new string) func(t *testing.T, pkg, data string) {
		return func(t *testing.T, pkg, data string) {
			t.Helper()
			p := filepath.Join(pkg, name)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), old) {
				t.Fatalf("%s lacks %q", name, old)
			}
			if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write := func(name, content string) func(t *testing.T, pkg, data string) {
		return func(t *testing.T, pkg, data string) {
			t.Helper()
			if err := os.WriteFile(filepath.Join(pkg, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name   string
		mutate func(t *testing.T, pkg, data string)
		want   []string
	}{
		{
			name:   "no datapackage.json",
			mutate: func(t *testing.T, pkg, _ string) { os.Remove(filepath.Join(pkg, "datapackage.json")) },
			want:   []string{"datapackage.json", "no such file"},
		},
		{
			name:   "datapackage.json is not JSON",
			mutate: replaceIn("datapackage.json", `"resources": [`, `"resources": [,`),
			want:   []string{"datapackage.json:3:", "invalid character"},
		},
		{
			name:   "datapackage.json has the wrong shape",
			mutate: write("datapackage.json", "{\n \"name\": \"x\",\n \"resources\": {\"a\": 1}\n}\n"),
			want:   []string{"datapackage.json:3:", "cannot unmarshal"},
		},
		{
			name:   "no service resource",
			mutate: replaceIn("datapackage.json", `"name": "service"`, `"name": "services_old"`),
			want:   []string{"datapackage.json", "must list the organization and service resources"},
		},
		{
			name:   "resource path leaves the package",
			mutate: replaceIn("datapackage.json", `"path": "phones.csv"`, `"path": "../phones.csv"`),
			want:   []string{"datapackage.json", `resource "phone"`, `"../phones.csv" must be a relative path inside the package`},
		},
		{
			name:   "unsupported encoding",
			mutate: replaceIn("datapackage.json", `"path": "phones.csv"`, `"path": "phones.csv", "encoding": "latin1"`),
			want:   []string{"datapackage.json", `encoding "latin1" is not supported`},
		},
		{
			name:   "CSV file missing",
			mutate: func(t *testing.T, pkg, _ string) { os.Remove(filepath.Join(pkg, "locations.csv")) },
			want:   []string{`resource "location"`, "locations.csv", "no such file"},
		},
		{
			name:   "header column the descriptor does not define",
			mutate: replaceIn("services.csv", "id,organization_id,name,", "id,organization_id,nmae,"),
			want:   []string{"services.csv:1:", `column 3 "nmae" is not a field of resource "service"`},
		},
		{
			name:   "required column missing",
			mutate: write("taxonomies.csv", "name\r\nKinds\r\n"),
			want:   []string{"taxonomies.csv:1:", `required column(s) id of resource "taxonomy" missing`},
		},
		{
			name:   "column twice",
			mutate: replaceIn("taxonomies.csv", "id,name", "id,id"),
			want:   []string{"taxonomies.csv:1:", `column "id" appears twice`},
		},
		{
			name:   "bare quote inside a field",
			mutate: replaceIn("locations.csv", "l2,physical,o1,Harbor House Annex", `l2,physical,o1,Harbor "House" Annex`),
			want:   []string{"locations.csv:3:", `bare " in non-quoted-field`},
		},
		{
			name:   "wrong number of fields",
			mutate: replaceIn("addresses.csv", "a3,l3,5 Clinic Rd,", "a3,l3,5 Clinic Rd,extra,"),
			want:   []string{"addresses.csv:4:", "wrong number of fields"},
		},
		{
			name:   "empty CSV",
			mutate: write("schedules.csv", ""),
			want:   []string{"schedules.csv:1: empty file"},
		},
		{
			name:   "broken gzip",
			mutate: write("attributes.csv.gz", "id,link_id\n"),
			want:   []string{"attributes.csv.gz", "gzip"},
		},
		{
			name: "broken map file",
			mutate: func(t *testing.T, _, data string) {
				writeMap(t, data, "sources: [features]\nrules:\n  - when: {taxonomy: Kinds}\n    set: {categories: [food.pantri]}\n")
			},
			want: []string{"features-map.yaml:4:24: unknown category \"food.pantri\""},
		},
		{
			name: "existing listing that is not YAML",
			mutate: func(t *testing.T, _, data string) {
				p := filepath.Join(data, "listings", "dc", "broken.yaml")
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("id: [unclosed\n"), 0o644)
			},
			want: []string{"broken.yaml cannot be read"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkg := copyPackage(t, "testdata/features", "features")
			data := newDataDir(t)
			writeMap(t, data, "")
			tc.mutate(t, pkg, data)
			_, err := Import(context.Background(), ImportOptions{
				Package: pkg, DataDir: data, MapFile: filepath.Join(data, "features-map.yaml"),
				Now: testNow, Places: gazetteer(t),
			})
			if err == nil {
				t.Fatal("Import: want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// writeMap puts a map file for the features package in the data
// directory: content, or the testdata one when content is empty.
func writeMap(t *testing.T, data, content string) {
	t.Helper()
	if content == "" {
		b, err := os.ReadFile("testdata/features-map.yaml")
		if err != nil {
			t.Fatal(err)
		}
		content = string(b)
	}
	if err := os.WriteFile(filepath.Join(data, "features-map.yaml"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSlug(t *testing.T) {
	tests := []struct {
		name, in, want string
		max            int
	}{
		{name: "plain", in: "Harbor House", want: "harbor-house", max: 60},
		{name: "ampersand and apostrophe", in: "14&U Farmers' Market", want: "14-and-u-farmers-market", max: 60},
		{name: "accents", in: "Clínica del Pueblo – Niños", want: "clinica-del-pueblo-ninos", max: 60},
		{name: "curly apostrophe", in: "St. Mary’s Center", want: "st-marys-center", max: 60},
		{name: "cut at a word", in: "Department of Human Services Virginia Williams Family Resource Center", want: "department-of-human-services-virginia-williams-family", max: 60},
		{name: "no joining word at the end", in: "District Heights Family and Youth Services Center", want: "district-heights-family", max: 27},
		{name: "nothing left", in: "—", want: "", max: 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := slug(tc.in, tc.max); got != tc.want {
				t.Errorf("slug(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseListedAddress(t *testing.T) {
	tests := []struct {
		name, in     string
		street, city string
		state, zip   string
		wantAddr     bool
	}{
		{name: "street city state", in: "9705 Liberia Ave, Manassas, VA", street: "9705 Liberia Ave", city: "Manassas", state: "VA", wantAddr: true},
		{name: "Washington is a city here", in: "2700 Martin Luther King Jr Ave SE, Washington, DC", street: "2700 Martin Luther King Jr Ave SE", city: "Washington", state: "DC", wantAddr: true},
		{name: "with ZIP", in: "3001 Bladensburg Road, NE, Washington, DC, 20018", street: "3001 Bladensburg Road, NE", city: "Washington", state: "DC", zip: "20018", wantAddr: true},
		{name: "intersection", in: "S Capitol St SE & Atlantic St SE, Washington, DC", street: "S Capitol St SE & Atlantic St SE", city: "Washington", state: "DC", wantAddr: true},
		{name: "no street", in: "Washington, DC, 20019", state: "DC"},
		{name: "state twice", in: "925 Rhode Island Ave NW, Washington, DC, DC", state: "DC"},
		{name: "no state", in: "Somewhere, Nowhere", state: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, st := parseListedAddress(tc.in)
			if st != tc.state {
				t.Errorf("state %q, want %q", st, tc.state)
			}
			if (a != nil) != tc.wantAddr {
				t.Fatalf("address %+v, want one: %v", a, tc.wantAddr)
			}
			if a != nil && (a.Street != tc.street || a.City != tc.city || a.State != tc.state || a.ZIP != tc.zip) {
				t.Errorf("address %+v", a)
			}
		})
	}
}
