package listings

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func intp(n int) *int    { return &n }
func boolp(b bool) *bool { return &b }

// sampleFile is an imported listing with one location and one service.
func sampleFile() *File {
	return &File{
		ID:     "801-east-shelter",
		Name:   "801 East - Shelter",
		Phones: []Phone{{Number: "311", Note: "shelter hotline"}},
		Source: &Source{Name: "dc-metro", ID: "org-1"},
		Locations: []Location{{
			ID:      "main",
			Address: &Address{Street: "2700 Martin Luther King Jr Ave SE", City: "Washington", State: "DC", ZIP: "20032"},
			Point:   &Point{Lat: 38.8443, Lon: -77},
			Source:  &Source{Name: "dc-metro", ID: "loc-1"},
		}},
		Services: []Service{{
			ID:          "emergency-shelter",
			Name:        "Yes",
			Description: "Low-barrier shelter.\nWard 8.",
			Categories:  []string{"housing.emergency-shelter"},
			At:          []string{"main"},
			Eligibility: &Eligibility{Age: &AgeRange{Min: intp(18)}, Genders: []string{"male"}},
			Hours: &Hours{
				Weekly: []Span{{Days: "everyday", Open: "19:00", Close: "07:00"}},
				Season: &Season{From: "06-14", To: "08-30"},
			},
			Apply:        []string{"walk-in", "call"},
			LastVerified: "2017-11-15",
			VerifiedBy:   "dc-metro (imported)",
			Source:       &Source{Name: "dc-metro", ID: "svc-1"},
		}},
	}
}

const sampleYAML = `id: 801-east-shelter
name: 801 East - Shelter
phones:
  - number: "311"
    note: shelter hotline
source:
  name: dc-metro
  id: org-1
locations:
  - id: main
    address:
      street: 2700 Martin Luther King Jr Ave SE
      city: Washington
      state: DC
      zip: "20032"
    point:
      lat: 38.8443
      lon: -77.0
    source:
      name: dc-metro
      id: loc-1
services:
  - id: emergency-shelter
    name: "Yes"
    description: |-
      Low-barrier shelter.
      Ward 8.
    categories:
      - housing.emergency-shelter
    at:
      - main
    eligibility:
      age:
        min: 18
      genders:
        - male
    apply:
      - walk-in
      - call
    hours:
      weekly:
        - days: everyday
          open: "19:00"
          close: "07:00"
      season:
        from: 06-14
        to: 08-30
    last_verified: 2017-11-15
    verified_by: dc-metro (imported)
    source:
      name: dc-metro
      id: svc-1
`

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		file *File
		want string
	}{
		{name: "full listing", file: sampleFile(), want: sampleYAML},
		{
			name: "empty optional mappings and required lists",
			file: &File{ID: "a", Name: "no", Locations: []Location{{ID: "x", Hours: &Hours{}, Wheelchair: boolp(false)}}},
			want: "id: a\nname: \"no\"\nlocations:\n  - id: x\n    wheelchair: false\nservices: []\n",
		},
		{
			name: "strings that YAML would misread are quoted",
			file: &File{ID: "b", Name: "12:30", Description: "true", Email: "on",
				Services: []Service{{ID: "s", Name: "0123", Categories: []string{"food"}, LastVerified: "2017-02-30"}}},
			want: "id: b\nname: \"12:30\"\ndescription: \"true\"\nemail: \"on\"\nservices:\n  - id: s\n    name: \"0123\"\n" +
				"    categories:\n      - food\n    last_verified: \"2017-02-30\"\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Marshal(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("Marshal:\n%s\nwant:\n%s", got, tc.want)
			}
			// The output decodes strictly back to the same file.
			var back File
			dec := yaml.NewDecoder(strings.NewReader(string(got)))
			dec.KnownFields(true)
			if err := dec.Decode(&back); err != nil {
				t.Fatalf("decode: %v", err)
			}
			again, err := Marshal(&back)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(got) {
				t.Errorf("round trip changed the file:\n%s", again)
			}
		})
	}
}

func TestMarshalNil(t *testing.T) {
	if _, err := Marshal(nil); err == nil {
		t.Fatal("Marshal(nil): want error")
	}
}

func TestUpdate(t *testing.T) {
	renamed := sampleFile()
	renamed.Name = "801 East Men's Shelter"
	renamed.Services[0].Description = "Shelter for men."
	renamed.Services[0].Hours = nil

	moreServices := sampleFile()
	moreServices.Services = append(moreServices.Services, Service{
		ID: "emergency-shelter", Name: "Day program", Categories: []string{"basic-needs.day-center"},
		At: []string{"main"}, Source: &Source{Name: "dc-metro", ID: "svc-2"},
	})

	newIDs := sampleFile()
	newIDs.ID = "renamed-org"
	newIDs.Locations[0].ID = "site"
	newIDs.Services[0].ID = "shelter"
	newIDs.Services[0].At = []string{"site"}

	tests := []struct {
		name     string
		existing string
		file     *File
		want     []string // substrings of the result
		notWant  []string
		same     bool // the result equals existing
	}{
		{name: "unchanged", existing: sampleYAML, file: sampleFile(), same: true},
		{
			name: "hand edits and comments survive, source changes apply",
			existing: "# Checked by phone 2024-03-01.\n" + strings.Replace(sampleYAML,
				"    source:\n      name: dc-metro\n      id: loc-1\n",
				"    wheelchair: true # ramp at side door\n    source:\n      name: dc-metro\n      id: loc-1\n", 1) +
				"  - id: outreach\n    name: Street outreach\n    categories:\n      - housing.housing-navigation\n",
			file: renamed,
			want: []string{
				"# Checked by phone 2024-03-01.\nid: 801-east-shelter\nname: 801 East Men's Shelter\n",
				"    wheelchair: true # ramp at side door\n",
				"    description: Shelter for men.\n",
				// The source carries no hours now: the file's stay.
				"          open: \"19:00\"\n",
				"  - id: outreach\n    name: Street outreach\n",
			},
		},
		{
			name: "hand-added location stays in at",
			existing: strings.Replace(strings.Replace(sampleYAML, "    at:\n      - main\n", "    at:\n      - main\n      - annex\n", 1),
				"services:\n", "  - id: annex\n    name: Annex\nservices:\n", 1),
			file: sampleFile(),
			want: []string{"    at:\n      - main\n      - annex\n", "  - id: annex\n    name: Annex\n"},
		},
		{
			name:     "ids in the file are kept",
			existing: sampleYAML,
			file:     newIDs,
			same:     true,
		},
		{
			name:     "new service appended with a free id",
			existing: sampleYAML,
			file:     moreServices,
			want:     []string{"  - id: emergency-shelter-2\n    name: Day program\n", "    at:\n      - main\n    source:\n      name: dc-metro\n      id: svc-2\n"},
		},
		{
			name:     "service gone from the source is kept",
			existing: sampleYAML,
			file:     func() *File { f := sampleFile(); f.Services[0].Source.ID = "svc-9"; return f }(),
			want:     []string{"      id: svc-1\n", "      id: svc-9\n"},
		},
		{
			name:     "flow style list keeps its style",
			existing: strings.Replace(sampleYAML, "    apply:\n      - walk-in\n      - call\n", "    apply: [walk-in]\n", 1),
			file:     sampleFile(),
			want:     []string{"    apply: [walk-in, call]\n"},
		},
		{
			name: "source hours replace the file's schedule, closures stay",
			existing: strings.Replace(sampleYAML, "      season:\n        from: 06-14\n        to: 08-30\n",
				"      season:\n        from: 06-14\n        to: 08-30\n      closures:\n        - from: 2024-12-25\n", 1),
			file: func() *File {
				f := sampleFile()
				f.Services[0].Hours = &Hours{AlwaysOpen: true}
				return f
			}(),
			want:    []string{"    hours:\n      always_open: true\n      closures:\n        - from: 2024-12-25\n"},
			notWant: []string{"weekly:", "season:"},
		},
		{
			name:     "missing field inserted in canonical order",
			existing: strings.Replace(sampleYAML, "phones:\n  - number: \"311\"\n    note: shelter hotline\n", "", 1),
			file:     sampleFile(),
			same:     false,
			want:     []string{"name: 801 East - Shelter\nphones:\n  - number: \"311\"\n"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Update([]byte(tc.existing), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if tc.same && string(got) != tc.existing {
				t.Fatalf("Update changed the file:\n%s", got)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(got), w) {
					t.Errorf("result lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(string(got), w) {
					t.Errorf("result has %q:\n%s", w, got)
				}
			}
			// Idempotent: a second update changes nothing.
			again, err := Update(got, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if string(again) != string(got) {
				t.Errorf("second Update changed the file:\n%s\nfirst:\n%s", again, got)
			}
			// The result still decodes strictly.
			var back File
			dec := yaml.NewDecoder(strings.NewReader(string(got)))
			dec.KnownFields(true)
			if err := dec.Decode(&back); err != nil {
				t.Errorf("decode result: %v", err)
			}
		})
	}
}

func TestUpdateErrors(t *testing.T) {
	tests := []struct {
		name     string
		existing string
		file     *File
	}{
		{name: "broken yaml", existing: "id: [unclosed\n", file: sampleFile()},
		{name: "not a mapping", existing: "- a\n- b\n", file: sampleFile()},
		{name: "nil file", existing: sampleYAML, file: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Update([]byte(tc.existing), tc.file); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func TestUpdateEmptyFile(t *testing.T) {
	got, err := Update(nil, sampleFile())
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != sampleYAML {
		t.Errorf("Update of an empty file:\n%s", got)
	}
}
