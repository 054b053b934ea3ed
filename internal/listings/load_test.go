package listings

import (
	"os"
	"reflect"
	"testing"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// testNow is the "now" the fixtures are checked against.
var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// fakePlaces knows a few counties, keyed by "Name, ST".
type fakePlaces map[string]string

func (p fakePlaces) County(name, state string) (directory.County, bool) {
	fips, ok := p[name+", "+state]
	if !ok {
		return directory.County{}, false
	}
	return directory.County{FIPS: fips, Name: name, State: state}, true
}

var testPlaces = fakePlaces{
	"District of Columbia, DC": "11001",
	"Montgomery, MD":           "24031",
	"Prince George's, MD":      "24033",
}

// mustLoad loads the fixture tree dir and fails the test on any error.
func mustLoad(tb testing.TB, dir string) *directory.Catalog {
	tb.Helper()
	cat, errs, err := Load(os.DirFS(dir), Options{Now: testNow, Places: testPlaces})
	if err != nil {
		tb.Fatalf("Load(%s): %v", dir, err)
	}
	for _, e := range errs {
		tb.Errorf("unexpected data error: %v", e)
	}
	if cat == nil {
		tb.Fatalf("Load(%s) returned no catalog", dir)
	}
	return cat
}

func TestLoadGood(t *testing.T) {
	cat := mustLoad(t, "testdata/good")

	if got, want := len(cat.Organizations), 2; got != want {
		t.Fatalf("organizations = %d, want %d", got, want)
	}
	if got, want := cat.ServiceCount(), 4; got != want {
		t.Errorf("services = %d, want %d", got, want)
	}
	if cat.Info.Name != "Test metro" || cat.Info.TimeZone.String() != "America/New_York" ||
		cat.Info.StaleAfter != 26*7*24*time.Hour || cat.Info.DefaultNear != "20001" {
		t.Errorf("info = %+v", cat.Info)
	}
	if c := cat.Taxonomy.Category("housing.emergency-shelter"); c == nil || c.Parent == nil || c.Parent.ID != "housing" ||
		c.Label.In("es") != "Albergue de emergencia" || !reflect.DeepEqual(c.Synonyms["es"], []string{"albergue", "refugio"}) {
		t.Errorf("taxonomy category = %+v", c)
	}

	hh := cat.Organization("harbor-house")
	if hh == nil {
		t.Fatal("no organization harbor-house")
	}
	if hh.File != "dc/harbor-house.yaml" || hh.Source != (directory.Source{Name: "test-source", ID: "42"}) {
		t.Errorf("file, source = %q, %+v", hh.File, hh.Source)
	}
	if !reflect.DeepEqual(hh.Phones[0].Languages, []string{"en", "es"}) {
		t.Errorf("phone languages = %v, want canonical [en es]", hh.Phones[0].Languages)
	}
	mainLoc := hh.Location("main")
	if mainLoc == nil || mainLoc.Org != hh || !mainLoc.HasPoint || mainLoc.Point.Lat() != 38.875 || mainLoc.Point.Lon() != -77.001 {
		t.Fatalf("location main = %+v", mainLoc)
	}
	if a := mainLoc.Address; a == nil || a.CountyFIPS != "11001" || a.ZIP != "20003-1234" || a.State != "DC" {
		t.Errorf("address = %+v", mainLoc.Address)
	}
	wantHours := &directory.Hours{
		Weekly: []directory.Span{{Days: directory.Everyday, Open: 19 * 60, Close: 7 * 60}},
		Closures: []directory.Closure{{
			From: directory.Date{Year: 2025, Month: time.December, Day: 24},
			To:   directory.Date{Year: 2025, Month: time.December, Day: 25},
			Note: "Holidays",
		}},
	}
	if !reflect.DeepEqual(mainLoc.Hours, wantHours) {
		t.Errorf("hours = %+v, want %+v", mainLoc.Hours, wantHours)
	}
	if !mainLoc.Hours.Weekly[0].Overnight() {
		t.Error("19:00-07:00 is not overnight")
	}
	if mainLoc.Wheelchair == nil || !*mainLoc.Wheelchair {
		t.Error("wheelchair not true")
	}
	safe := hh.Location("safe-house")
	if safe == nil || !safe.Confidential || safe.Address != nil || safe.HasPoint || safe.Phones[0].Type != "hotline" {
		t.Errorf("confidential location = %+v", safe)
	}

	night := cat.Service("harbor-house.night-shelter")
	if night == nil {
		t.Fatal("no service harbor-house.night-shelter")
	}
	if in := night.ReferralIntake(); in == nil || in.Email != "shelter-intake@harbor.example.org" || in.Phone != "" {
		t.Errorf("night shelter's referral intake = %+v, want its own email", in)
	}
	if in := cat.Service("harbor-house.safe-house").ReferralIntake(); in == nil || in.Email != "referrals@harbor.example.org" || in.Phone != "202-555-0101" {
		t.Errorf("safe house's referral intake = %+v, want the organization's", in)
	}
	if night.Org != hh || len(night.Locations) != 1 || night.Locations[0] != mainLoc {
		t.Errorf("night shelter org/locations = %v / %v", night.Org, night.Locations)
	}
	if night.Status != directory.StatusActive || night.Cost != directory.CostFree {
		t.Errorf("status, cost = %q, %q", night.Status, night.Cost)
	}
	if !night.LastVerified.Equal(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)) || night.LastVerified.Location() != time.UTC {
		t.Errorf("last verified = %v", night.LastVerified)
	}
	e := night.Eligibility
	if e.Age.Min == nil || *e.Age.Min != 18 || e.Age.Max == nil || *e.Age.Max != 64 || !e.Age.Contains(30) || e.Age.Contains(65) {
		t.Errorf("age = %+v", e.Age)
	}
	if e.ServesGender("male") || !e.ServesGender("female") || !reflect.DeepEqual(e.Documents, []string{"photo ID"}) {
		t.Errorf("eligibility = %+v", e)
	}
	wantArea := &directory.ServiceArea{
		RadiusMeters: 5 * 1609.344,
		Counties: []directory.County{
			{FIPS: "11001", Name: "District of Columbia", State: "DC"},
			{FIPS: "24033", Name: "Prince George's", State: "MD"},
		},
		ZIPs:   []string{"20003"},
		States: []string{"DC"},
	}
	if !reflect.DeepEqual(night.Area, wantArea) {
		t.Errorf("area = %+v, want %+v", night.Area, wantArea)
	}
	if !reflect.DeepEqual(night.Apply, []string{"walk-in", "call"}) || !night.HasCategory("housing") {
		t.Errorf("apply, categories = %v, %v", night.Apply, night.Categories)
	}

	sh := cat.Service("harbor-house.safe-house")
	if sh == nil || sh.Status != directory.StatusTemporarilyClosed || sh.Hours == nil || !sh.Hours.Always ||
		!reflect.DeepEqual(sh.Categories, []string{"housing.emergency-shelter", "crisis"}) {
		t.Fatalf("safe house = %+v", sh)
	}
	if sh.Area == nil || sh.Area.PolygonFile != "areas/ward8.geojson" || len(sh.Area.Polygon) != 1 || len(sh.Area.Polygon[0][0]) != 5 {
		t.Errorf("safe house area = %+v", sh.Area)
	}
	if sh.Eligibility.Age.Max != nil || *sh.Eligibility.Age.Min != 18 {
		t.Errorf("open-ended age = %+v", sh.Eligibility.Age)
	}
	if h, tz := sh.HoursAt(sh.Locations[0], cat.Info.TimeZone); h != sh.Hours || tz != cat.Info.TimeZone {
		t.Errorf("HoursAt = %v, %v", h, tz)
	}

	gm := cat.Organization("green-market")
	if gm == nil || gm.File != "md/green-market.yml" {
		t.Fatalf("green market = %+v", gm)
	}
	market := cat.Service("green-market.market")
	lot := gm.Location("lot")
	if lot.TimeZone == nil || lot.TimeZone.String() != "America/New_York" || lot.Address.CountyFIPS != "24031" {
		t.Errorf("lot = %+v", lot)
	}
	wantMarket := &directory.Hours{
		Weekly: []directory.Span{
			{Days: directory.Weekends, Open: 8 * 60, Close: 13 * 60},
			{Days: 1<<time.Friday | directory.Weekends | 1<<time.Monday, Open: 0, Close: 24 * 60},
		},
		Season: &directory.Season{FromMonth: time.June, FromDay: 1, ToMonth: time.October, ToDay: 31},
	}
	if !reflect.DeepEqual(market.Hours, wantMarket) || market.Cost != directory.CostFee {
		t.Errorf("market hours = %+v, want %+v", market.Hours, wantMarket)
	}
	line := cat.Service("green-market.pantry-line")
	if len(line.Locations) != 0 || line.Phones[0].Extension != "12" || !line.Hours.ByAppointment ||
		line.Hours.Notes != "Call first." || line.ApplyNotes != "Call and leave a message." {
		t.Errorf("pantry line = %+v", line)
	}
	if got := line.Area.Counties; len(got) != 1 || got[0].FIPS != "24031" {
		t.Errorf("pantry line counties = %+v", got)
	}
}

// TestLoadWithoutPlaces checks that counties keep their name and state, with
// no FIPS code, when the loader has no gazetteer.
func TestLoadWithoutPlaces(t *testing.T) {
	cat, errs, err := Load(os.DirFS("testdata/good"), Options{Now: testNow})
	if err != nil || len(errs) > 0 {
		t.Fatalf("Load: %v %v", errs, err)
	}
	got := cat.Service("harbor-house.night-shelter").Area.Counties[1]
	if want := (directory.County{Name: "Prince George's", State: "MD"}); got != want {
		t.Errorf("county = %+v, want %+v", got, want)
	}
	if a := cat.Organization("harbor-house").Location("main").Address; a.CountyFIPS != "" {
		t.Errorf("CountyFIPS = %q without places", a.CountyFIPS)
	}
}

// The gazetteer is the Places the server loads with.
var _ Places = (*geo.Gazetteer)(nil)

// TestRepoData loads the repository's own data directory with its
// gazetteer: the bundled taxonomy, settings and listings must be free of
// errors.
func TestRepoData(t *testing.T) {
	data := os.DirFS("../../data")
	gaz, err := geo.Load(data)
	if err != nil {
		t.Fatalf("geo.Load: %v", err)
	}
	cat, errs, err := Load(data, Options{Places: gaz})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, e := range errs {
		t.Errorf("%v", e)
	}
	if cat == nil {
		t.Fatal("no catalog")
	}
	if got := len(cat.Taxonomy.Roots); got < 12 {
		t.Errorf("taxonomy has %d top-level categories, want at least 12", got)
	}
	for _, c := range cat.Taxonomy.All() {
		if c.Label["en"] == "" || c.Label["es"] == "" {
			t.Errorf("category %s lacks an en or es label", c.ID)
		}
	}
}

// TestLoadWithGazetteer resolves the good fixture's counties through the
// real gazetteer.
func TestLoadWithGazetteer(t *testing.T) {
	gaz, err := geo.Load(os.DirFS("../../data"))
	if err != nil {
		t.Fatalf("geo.Load: %v", err)
	}
	cat, errs, err := Load(os.DirFS("testdata/good"), Options{Now: testNow, Places: gaz})
	if err != nil || len(errs) > 0 {
		t.Fatalf("Load: %v %v", errs, err)
	}
	var fips []string
	for _, c := range cat.Service("harbor-house.night-shelter").Area.Counties {
		fips = append(fips, c.FIPS)
	}
	if want := []string{"11001", "24033"}; !reflect.DeepEqual(fips, want) {
		t.Errorf("county FIPS = %v, want %v", fips, want)
	}
	if got := cat.Organization("green-market").Location("lot").Address.CountyFIPS; got != "24031" {
		t.Errorf("Montgomery address FIPS = %q, want 24031", got)
	}
}
