package hsds

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var testCategories = map[string]bool{
	"housing": true, "housing.emergency-shelter": true, "food.pantry": true, "healthcare.primary-care": true,
}

func TestParseMapErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want []string // each must appear in the error
	}{
		{
			name: "unknown keys everywhere",
			yaml: "sources: [x]\nrulez: []\nrules:\n  - when: {taxonomy: T, cod: C}\n    set: {categories: [housing], colour: red}\n",
			want: []string{
				`m.yaml:2:1: unknown key "rulez" (allowed: sources, rules)`,
				`m.yaml:4:25: unknown key "cod"`,
				`m.yaml:5:34: unknown key "colour"`,
			},
		},
		{
			name: "unknown values",
			yaml: "sources: [x]\nrules:\n  - when: {code: C}\n    set:\n      categories: [housing.shelter]\n      genders: [woman]\n      populations: [vets]\n      apply: [walkin]\n      insurance: [medicade]\n      cost: cheap\n      age: {min: -1, max: x}\n",
			want: []string{
				`m.yaml:5:20: unknown category "housing.shelter"`,
				`m.yaml:6:17: unknown gender "woman"`,
				`m.yaml:7:21: unknown population "vets"`,
				`m.yaml:8:15: unknown way to apply "walkin"`,
				`m.yaml:9:19: unknown insurance "medicade"`,
				`m.yaml:10:13: unknown cost "cheap"`,
				`m.yaml:11:18: age min must be a whole number`,
				`m.yaml:11:27: age max must be a whole number`,
			},
		},
		{
			name: "bad conditions",
			yaml: "sources: [x]\nrules:\n  - when: {field: nom, match: x}\n    set: {categories: [housing]}\n  - when: {field: name, match: '('}\n    set: {categories: [housing]}\n  - when: {match: x}\n    set: {categories: [housing]}\n  - when: {}\n    set: {categories: [housing]}\n  - set: {categories: [housing]}\n",
			want: []string{
				`m.yaml:3:19: unknown text field "nom"`,
				`m.yaml:5:32: bad regular expression`,
				`m.yaml:7:11: field and match go together`,
				`m.yaml:9:11: when is empty`,
				`m.yaml:11:5: rule has no "when" conditions`,
			},
		},
		{
			name: "rules that set nothing or too much",
			yaml: "sources: [x]\nrules:\n  - when: {code: A}\n  - when: {code: B}\n    ignore: true\n    set: {categories: [housing]}\n  - when: {code: C}\n    ignore: yes please\n",
			want: []string{
				`m.yaml:3:5: rule sets nothing`,
				`m.yaml:4:5: a rule either sets values or is ignore: true, not both`,
				`m.yaml:8:13: ignore must be true or false`,
			},
		},
		{
			name: "missing sections",
			yaml: "other: 1\n",
			want: []string{`unknown key "other"`, `missing key "sources"`, `missing key "rules"`},
		},
		{
			name: "not a mapping",
			yaml: "- a\n",
			want: []string{`m.yaml:1:1: a mapping file is a YAML mapping`},
		},
		{
			name: "broken YAML",
			yaml: "sources: [x\n",
			want: []string{`m.yaml`, `did not find expected`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseMap("m.yaml", []byte(tc.yaml), testCategories)
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestMapApply(t *testing.T) {
	m, err := parseMap("m.yaml", []byte(`sources: [x]
rules:
  - when: {taxonomy: Shelter type, code: SUBTYPE=Women}
    set: {genders: [female], age: {min: 18}}
  - when: {taxonomy: Shelter type, code: TYPE=Low Barrier}
    set: {categories: [housing.emergency-shelter], apply: [walk-in], cost: free}
  - when: {taxonomy: Shelter type}
    set: {categories: [housing], cost: fee}
  - when: {term: t-amenity}
    ignore: true
  - when: {field: eligibility_description, match: 'Families'}
    set: {populations: [families]}
  - when: {taxonomy: Shelter type, code: TYPE=Low Barrier, field: name, match: '(?i)youth'}
    set: {populations: [youth]}
`), testCategories)
	if err != nil {
		t.Fatal(err)
	}
	women := &termRec{ID: "t-women", Code: "SUBTYPE=Women", Taxonomy: "Shelter type"}
	low := &termRec{ID: "t-low", Code: "TYPE=Low Barrier", Taxonomy: "Shelter type"}
	amenity := &termRec{ID: "t-amenity", Code: "WIFI", Taxonomy: "Amenities"}
	stray := &termRec{ID: "t-stray", Code: "X", Taxonomy: "Other"}
	org := &orgRec{Name: "Org"}

	tests := []struct {
		name      string
		svc       *svcRec
		terms     []*termRec
		wantCats  []string
		wantGend  []string
		wantPops  []string
		wantApply []string
		wantCost  string
		wantMin   int // -1: none
		unmapped  []string
	}{
		{
			name: "terms combine; first cost wins", svc: &svcRec{Name: "Shelter"},
			terms:    []*termRec{women, low, amenity},
			wantCats: []string{"housing.emergency-shelter", "housing"}, wantGend: []string{"female"},
			wantApply: []string{"walk-in"}, wantCost: "free", wantMin: 18,
		},
		{
			name: "text rule and a term+text rule", svc: &svcRec{Name: "Youth shelter", EligDesc: "Families welcome"},
			terms:    []*termRec{low},
			wantCats: []string{"housing.emergency-shelter", "housing"}, wantPops: []string{"families", "youth"},
			wantApply: []string{"walk-in"}, wantCost: "free", wantMin: -1,
		},
		{
			name: "uncovered term is reported", svc: &svcRec{Name: "X"},
			terms: []*termRec{stray, amenity}, wantMin: -1, unmapped: []string{"t-stray"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := m.apply(tc.svc, org, tc.terms)
			check := func(what string, got, want []string) {
				if !slices.Equal(got, want) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			check("categories", out.Categories, tc.wantCats)
			check("genders", out.Genders, tc.wantGend)
			check("populations", out.Populations, tc.wantPops)
			check("apply", out.Apply, tc.wantApply)
			if out.Cost != tc.wantCost {
				t.Errorf("cost %q, want %q", out.Cost, tc.wantCost)
			}
			if (tc.wantMin < 0) != (out.AgeMin == nil) || (out.AgeMin != nil && *out.AgeMin != tc.wantMin) {
				t.Errorf("age min %v, want %d", out.AgeMin, tc.wantMin)
			}
			var un []string
			for _, u := range out.unmapped {
				un = append(un, u.ID)
			}
			check("unmapped", un, tc.unmapped)
		})
	}
}

func TestRepoMapsAreValid(t *testing.T) {
	cats, err := categoryIDs("../../data/taxonomy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../../data/maps/*.yaml")
	if len(files) < 2 {
		t.Fatalf("found %d map files", len(files))
	}
	for _, f := range append(files, "testdata/features-map.yaml") {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if _, err := LoadMap(f, cats); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestFindMap(t *testing.T) {
	dir := t.TempDir()
	write := func(name, sources string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("sources: "+sources+"\nrules: []\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "[alpha]")
	write("b.yaml", "[beta, gamma]")
	write("c.yaml", "[gamma]")
	tests := []struct {
		name, source, wantFile, wantErr string
	}{
		{name: "one match", source: "beta", wantFile: "b.yaml"},
		{name: "none", source: "delta", wantErr: `no mapping file in ` + dir + ` lists source "delta"`},
		{name: "two", source: "gamma", wantErr: `both list source "gamma"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := findMap(dir, tc.source, testCategories)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || filepath.Base(m.File) != tc.wantFile {
				t.Fatalf("findMap = %v, %v; want %s", m, err, tc.wantFile)
			}
		})
	}
}
