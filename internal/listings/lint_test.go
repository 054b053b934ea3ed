package listings

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"trellis/internal/directory"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// loadLint loads the lint fixture tree with positions.
func loadLint(t *testing.T) (*directory.Catalog, *Positions) {
	t.Helper()
	pos := NewPositions()
	cat, errs, err := Load(os.DirFS("testdata/lint"), Options{Now: testNow, Places: testPlaces, Positions: pos})
	if err != nil || len(errs) > 0 || cat == nil {
		t.Fatalf("load lint fixture: %v %v", err, errs)
	}
	return cat, pos
}

// golden compares got with the file at path, or rewrites it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestLint checks every warning on the lint fixture, its position and
// message, against testdata/lint/warnings.golden: duplicates found by
// address, by distance and by phone; branches, short codes and different
// names at one address left alone; stale, unverified and unreachable
// services.
func TestLint(t *testing.T) {
	cat, pos := loadLint(t)
	var b strings.Builder
	for _, w := range Lint(cat, LintOptions{Now: testNow, Positions: pos}) {
		fmt.Fprintf(&b, "%s: %s: %s\n", w.Pos(), w.Code, w.Msg)
		for _, r := range w.Related {
			fmt.Fprintf(&b, "\trelated %s\n", r)
		}
	}
	golden(t, "testdata/lint/warnings.golden", b.String())
}

func TestLintCodes(t *testing.T) {
	cat, pos := loadLint(t)
	ws := Lint(cat, LintOptions{Now: testNow, Positions: pos})
	count := map[string]int{}
	for _, w := range ws {
		count[w.Code]++
		if w.Line == 0 || w.Col == 0 || !strings.HasPrefix(w.Path, "listings/") {
			t.Errorf("warning without a position: %+v", w)
		}
		if w.Code == WarnDuplicate && len(w.Related) != 1 {
			t.Errorf("duplicate without the other listing: %+v", w)
		}
	}
	want := map[string]int{WarnDuplicate: 4, WarnStale: 1, WarnUnverified: 1, WarnUnreachable: 1}
	for code, n := range want {
		if count[code] != n {
			t.Errorf("%s warnings = %d, want %d (all: %v)", code, count[code], n, count)
		}
	}
}

// TestLintStaleAge checks that the stale age comes from directory.yaml
// unless LintOptions overrides it, and that Now moves it.
func TestLintStaleAge(t *testing.T) {
	cat, pos := loadLint(t)
	tests := []struct {
		name  string
		now   time.Time
		after time.Duration
		stale int
	}{
		{"directory's 365d", testNow, 0, 1},
		{"30 days", testNow, 30 * 24 * time.Hour, 8},
		{"a year later", testNow.AddDate(1, 0, 0), 0, 14},
		{"ten years", testNow, 3650 * 24 * time.Hour, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, w := range Lint(cat, LintOptions{Now: tt.now, StaleAfter: tt.after, Positions: pos}) {
				if w.Code == WarnStale {
					n++
				}
			}
			if n != tt.stale {
				t.Errorf("stale warnings = %d, want %d", n, tt.stale)
			}
		})
	}
}

func TestLintWithoutPositions(t *testing.T) {
	cat, _ := loadLint(t)
	ws := Lint(cat, LintOptions{Now: testNow})
	if len(ws) == 0 {
		t.Fatal("no warnings")
	}
	for _, w := range ws {
		if w.Line != 0 || !strings.HasPrefix(w.Path, "listings/") || !strings.HasSuffix(w.Path, ".yaml") {
			t.Errorf("without positions a warning names only its file: %+v", w)
		}
	}
	if Lint(nil, LintOptions{}) != nil {
		t.Error("Lint(nil) returned warnings")
	}
}

func TestNameSimilarity(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want float64
	}{
		{"equal", "Harbor House", "Harbor House", 1},
		{"stopwords and punctuation", "The Harbor House, Inc.", "harbor house", 1},
		{"ampersand", "Farmers & Artists Market", "Farmers and Artists Market", 1},
		{"one edit in a long word", "Eastside Employment Centre", "Eastside Employment Center", 1},
		{"apostrophe", "Women's Center", "Womens Center", 1},
		{"short words need to be equal", "Job Hub", "Jobs Hub", 1.0 / 3},
		{"one extra word", "Main Street Farmers Market", "Main Street Farmers & Artists Market", 4.0 / 5},
		{"different branch words", "American Job Center Northwest", "American Job Center Southeast", 3.0 / 5},
		{"nothing shared", "Harbor House", "Capital Food Pantry", 0},
		{"only stopwords", "The", "the", 1},
		{"empty", "", "Harbor", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nameSimilarity(nameTokens(tt.a), nameTokens(tt.b))
			if diff := got - tt.want; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("nameSimilarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			if back := nameSimilarity(nameTokens(tt.b), nameTokens(tt.a)); back != got {
				t.Errorf("not symmetric: %v and %v", got, back)
			}
		})
	}
}

func TestAddressKey(t *testing.T) {
	tests := []struct {
		name string
		addr directory.Address
		want string
	}{
		{"abbreviated", directory.Address{Street: "100 Water St SE", City: "Washington", ZIP: "20003"}, "100 water st se 20003"},
		{"spelled out", directory.Address{Street: "100 Water Street, Southeast", City: "Washington", ZIP: "20003-1234"}, "100 water st se 20003"},
		{"suite dropped", directory.Address{Street: "1525 14th Street NW Suite 200", City: "Washington"}, "1525 14th st nw washington"},
		{"unit number dropped", directory.Address{Street: "12 Main Ave #4", City: "Laurel", ZIP: "20707"}, "12 main ave 20707"},
		{"no house number", directory.Address{Street: "Main Street", City: "Laurel"}, ""},
		{"empty", directory.Address{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := addressKey(&tt.addr); got != tt.want {
				t.Errorf("addressKey(%+v) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestPhoneKey(t *testing.T) {
	tests := []struct {
		name  string
		phone directory.Phone
		want  string
	}{
		{"dashes", directory.Phone{Number: "202-555-0100"}, "202-555-0100"},
		{"parentheses", directory.Phone{Number: "(202) 555-0100"}, "202-555-0100"},
		{"country code", directory.Phone{Number: "+1 202 555 0100"}, "202-555-0100"},
		{"extension", directory.Phone{Number: "202-555-0100", Extension: "12"}, "202-555-0100 x12"},
		{"short code", directory.Phone{Number: "988"}, ""},
		{"fax", directory.Phone{Number: "202-555-0100", Type: "fax"}, ""},
		{"hotline", directory.Phone{Number: "1-800-555-0100", Type: "hotline"}, "800-555-0100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := phoneKey(tt.phone); got != tt.want {
				t.Errorf("phoneKey(%+v) = %q, want %q", tt.phone, got, tt.want)
			}
		})
	}
}

// TestStale checks the report's order (never verified first, then the
// oldest), its ages and the boundary: a verification exactly the age ago
// is still fresh.
func TestStale(t *testing.T) {
	cat, _ := loadLint(t)
	day := 24 * time.Hour
	tests := []struct {
		name      string
		olderThan time.Duration
		want      []string // service key, age in days
	}{
		{"directory default", 0, []string{"crisis-line-2.call -1", "harbor-house.womens-shelter 868"}},
		{"one year", 365 * day, []string{"crisis-line-2.call -1", "harbor-house.womens-shelter 868"}},
		{"boundary: 365 days old is fresh at 365d", 364 * day, []string{"crisis-line-2.call -1", "harbor-house.womens-shelter 868", "the-harbor-house.meals 365"}},
		{"90 days", 90 * day, []string{"crisis-line-2.call -1", "harbor-house.womens-shelter 868", "the-harbor-house.meals 365", "riverside-clinic.clinic 150"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Stale(cat, testNow, tt.olderThan)
			var got []string
			for _, s := range rep.Services {
				got = append(got, fmt.Sprintf("%s %d", s.Service.Key(), s.AgeDays))
				if s.Never() != (s.AgeDays == -1) {
					t.Errorf("%s: Never %v with age %d", s.Service.Key(), s.Never(), s.AgeDays)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("stale services:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if rep.Checked != cat.ServiceCount() {
				t.Errorf("checked %d of %d services", rep.Checked, cat.ServiceCount())
			}
			if !rep.Today.Equal(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("today = %v", rep.Today)
			}
		})
	}
}

func TestParseAge(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"180d", 180 * 24 * time.Hour, false},
		{"26w", 26 * 7 * 24 * time.Hour, false},
		{" 1d ", 24 * time.Hour, false},
		{"0d", 0, true},
		{"12h", 0, true},
		{"soon", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAge(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("ParseAge(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
			}
		})
	}
}

// TestPositions checks the positions Load records for the values of one
// fixture file.
func TestPositions(t *testing.T) {
	cat, pos := loadLint(t)
	hh := cat.Organization("harbor-house")
	svc := cat.Service("harbor-house.womens-shelter")
	loc := hh.Location("main")
	tests := []struct {
		name string
		v    any
		key  string
		want string
	}{
		{"organization", hh, "", "listings/dc/harbor-house.yaml:2:1"},
		{"organization name", hh, "name", "listings/dc/harbor-house.yaml:3:7"},
		{"organization phones", hh, "phones", "listings/dc/harbor-house.yaml:4:1"},
		{"location", loc, "", "listings/dc/harbor-house.yaml:7:5"},
		{"location address", loc, "address", "listings/dc/harbor-house.yaml:8:5"},
		{"service", svc, "", "listings/dc/harbor-house.yaml:17:5"},
		{"service last_verified", svc, "last_verified", "listings/dc/harbor-house.yaml:21:20"},
		{"absent key falls back to the value", cat.Service("the-harbor-house.meals"), "verified_by", "listings/dc/the-harbor-house.yaml:9:5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pos.At(tt.v, tt.key).String(); got != tt.want {
				t.Errorf("At(%s) = %s, want %s", tt.key, got, tt.want)
			}
		})
	}
	if _, ok := pos.Field(svc, "verified_by"); !ok {
		t.Error("verified_by written but not recorded")
	}
	var none *Positions
	if _, ok := none.Of(hh); ok {
		t.Error("nil Positions knows a position")
	}
	if got := none.At(svc, "name").String(); got != "listings/dc/harbor-house.yaml" {
		t.Errorf("nil Positions At = %q, want the file", got)
	}
}
