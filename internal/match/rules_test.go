package match

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"os"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
	"trellis/internal/search"
	"trellis/internal/search/searchtest"
)

// eastern is the zone of the rule tests.
func eastern(tb testing.TB) *time.Location {
	tb.Helper()
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		tb.Fatal(err)
	}
	return tz
}

// TestExclusionRules checks every rule, its code and its text in both
// languages, and that what a listing or the profile leaves unsaid excludes
// nobody.
func TestExclusionRules(t *testing.T) {
	tz := eastern(t)
	// Sunday 22 November 2026, 9:30 PM.
	now := time.Date(2026, 11, 22, 21, 30, 0, 0, tz)
	man := &need.Person{Age: ptr(45), Gender: directory.GenderMale, Veteran: ptr(false), Insurance: []string{directory.InsuranceMedicaid}}
	in20001 := &geo.Place{Point: orb.Point{-77.0147, 38.9101}, ZIP: "20001", State: "DC"}
	weekdays := &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: 9 * 60, Close: 17 * 60}}}
	tests := []struct {
		name       string
		svc        directory.Service
		loc        *directory.Location
		person     *need.Person
		c          need.Constraints
		code, en   string
		es         string
		passesWith *need.Person // when set, this person passes
	}{
		{name: "women only", svc: directory.Service{Eligibility: directory.Eligibility{Genders: []string{"female"}}},
			person: man, code: need.ExclGender, en: "Women only", es: "Solo mujeres"},
		{name: "women and nonbinary", svc: directory.Service{Eligibility: directory.Eligibility{Genders: []string{"female", "nonbinary"}}},
			person: man, code: need.ExclGender, en: "Women and nonbinary people only", es: "Solo mujeres y personas no binarias"},
		{name: "ages 18-24", svc: directory.Service{Eligibility: directory.Eligibility{Age: directory.AgeRange{Min: ptr(18), Max: ptr(24)}, Populations: []string{"youth"}}},
			person: man, code: need.ExclAge, en: "Ages 18-24 only", es: "Solo de 18 a 24 años", passesWith: &need.Person{Age: ptr(20)}},
		{name: "minors", svc: directory.Service{Eligibility: directory.Eligibility{Age: directory.AgeRange{Max: ptr(17)}}},
			person: man, code: need.ExclAge, en: "Ages 17 and younger only", es: "Solo hasta los 17 años"},
		{name: "veterans only", svc: directory.Service{Eligibility: directory.Eligibility{Populations: []string{"veterans"}}},
			person: man, code: need.ExclVeteransOnly, en: "Veterans only", es: "Solo veteranos", passesWith: &need.Person{Age: ptr(45)}},
		{name: "families", svc: directory.Service{Eligibility: directory.Eligibility{Populations: []string{"families"}}},
			person: man, code: need.ExclPopulation, en: "For families with children", es: "Para familias con hijos",
			passesWith: &need.Person{Circumstances: []string{"families"}}},
		{name: "pregnant or families", svc: directory.Service{Eligibility: directory.Eligibility{Populations: []string{"pregnant", "families"}}},
			person: man, code: need.ExclPopulation, en: "For pregnant people and new parents or families with children", es: "Para embarazadas y padres recientes o familias con hijos"},
		{name: "youth without ages", svc: directory.Service{Eligibility: directory.Eligibility{Populations: []string{"youth"}}},
			person: man, code: need.ExclPopulation, en: "For young people", es: "Para jóvenes", passesWith: &need.Person{}},
		{name: "outside area", svc: directory.Service{Area: &directory.ServiceArea{States: []string{"MD"}}},
			person: man, code: need.ExclOutsideArea, en: "Outside its service area", es: "Fuera de su zona de servicio"},
		{name: "closed until tomorrow", svc: directory.Service{Hours: weekdays}, c: need.Constraints{OpenNow: true},
			code: need.ExclClosed, en: "Closed until tomorrow 9 AM", es: "Cerrado hasta mañana a las 09:00"},
		{name: "insurance", svc: directory.Service{Insurance: []string{"private"}},
			person: man, code: need.ExclInsurance, en: "Does not take Medicaid", es: "No acepta Medicaid"},
		{name: "uninsured", svc: directory.Service{Insurance: []string{"medicaid"}},
			person: &need.Person{Insurance: []string{"none"}}, code: need.ExclInsurance, en: "Does not serve people without insurance", es: "No atiende a personas sin seguro"},
		{name: "fee", svc: directory.Service{Cost: directory.CostFee}, c: need.Constraints{FreeOnly: true},
			code: need.ExclFee, en: "Charges a fee", es: "Cobra una tarifa"},
		{name: "walk-in", svc: directory.Service{Apply: []string{"referral"}}, c: need.Constraints{WalkIn: true},
			code: need.ExclWalkIn, en: "No walk-ins: apply another way", es: "No atiende sin cita: hay que solicitarlo de otra forma"},
		{name: "wheelchair", svc: directory.Service{}, loc: &directory.Location{ID: "x", Wheelchair: ptr(false)}, c: need.Constraints{Wheelchair: true},
			code: need.ExclWheelchair, en: "Not wheelchair accessible", es: "No es accesible en silla de ruedas"},
		// What nobody said excludes nobody.
		{name: "no hours with open now", svc: directory.Service{}, c: need.Constraints{OpenNow: true}},
		{name: "no insurance listed", svc: directory.Service{}, person: man},
		{name: "sliding scale without medicaid", svc: directory.Service{Insurance: []string{"private"}, Cost: directory.CostSlidingScale}, person: man},
		{name: "serves uninsured", svc: directory.Service{Insurance: []string{"private", "none"}}, person: man},
		{name: "cost unknown with free only", svc: directory.Service{}, c: need.Constraints{FreeOnly: true}},
		{name: "apply unknown with walk-in", svc: directory.Service{}, c: need.Constraints{WalkIn: true}},
		{name: "access unknown with wheelchair", svc: directory.Service{}, loc: &directory.Location{ID: "x"}, c: need.Constraints{Wheelchair: true}},
		{name: "veteran status not given", svc: directory.Service{Eligibility: directory.Eligibility{Populations: []string{"veterans"}}}, person: &need.Person{Age: ptr(45)}},
		{name: "lgbtq not disclosed", svc: directory.Service{Eligibility: directory.Eligibility{Populations: []string{"lgbtq"}}}, person: man},
		{name: "no person", svc: directory.Service{Eligibility: directory.Eligibility{Genders: []string{"female"}, Populations: []string{"families"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.svc
			s.ID, s.Org = "svc", &directory.Organization{ID: "org", Name: "Org"}
			if tt.loc != nil {
				s.Locations = []*directory.Location{tt.loc}
			}
			check := func(p *need.Person) []need.Exclusion {
				rules := need.NewRules(p, in20001, tt.c, now)
				h, z := s.HoursAt(tt.loc, tz)
				return rules.Check(nil, &s, &s, tt.loc, h.At(now, z), z)
			}
			hits := check(tt.person)
			if tt.code == "" {
				if len(hits) > 0 {
					t.Fatalf("excluded for %v, want it kept", hits[0].Code)
				}
				return
			}
			if len(hits) != 1 || hits[0].Code != tt.code {
				t.Fatalf("hits %+v, want one %s", hits, tt.code)
			}
			for lang, want := range map[string]string{"en": tt.en, "es": tt.es} {
				r := renderer{lang: lang, unit: "mi", now: now}
				if got := r.exclusion(&s, hits[0]); got.Text != want || got.Code != tt.code {
					t.Errorf("%s: %+v, want %q", lang, got, want)
				}
			}
			if tt.passesWith != nil {
				if hits := check(tt.passesWith); len(hits) > 0 {
					t.Errorf("%+v is excluded (%s), want kept", tt.passesWith, hits[0].Code)
				}
			}
		})
	}
}

// mini builds a small catalog near 20001 with hours, languages, costs and
// insurance, and its matcher.
func mini(tb testing.TB) *Matcher {
	tb.Helper()
	tax, voc, err := searchtest.Words(osDataDir)
	if err != nil {
		tb.Fatal(err)
	}
	tz := eastern(tb)
	overnight := &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: 19 * 60, Close: 7 * 60}}}
	evening := &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: 23 * 60, Close: 23*60 + 30}}}
	weekdays := &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: 9 * 60, Close: 17 * 60}}}
	org := func(id, name string, p orb.Point, conf bool, svcs ...*directory.Service) *directory.Organization {
		o := &directory.Organization{ID: id, Name: name}
		l := &directory.Location{ID: "main", Org: o, Point: p, HasPoint: true, Confidential: conf}
		o.Locations = []*directory.Location{l}
		for _, s := range svcs {
			s.Org, s.Locations, s.Status = o, []*directory.Location{l}, directory.StatusActive
			o.Services = append(o.Services, s)
		}
		return o
	}
	shelter := []string{"housing.emergency-shelter"}
	orgs := []*directory.Organization{
		org("open-shelter", "Open Shelter", orb.Point{-77.03, 38.91}, false,
			&directory.Service{ID: "beds", Name: "Night shelter", Categories: shelter, Hours: overnight, Cost: directory.CostFree}),
		org("soon-shelter", "Soon Shelter", orb.Point{-77.02, 38.91}, false,
			&directory.Service{ID: "beds", Name: "Late shelter", Categories: shelter, Hours: evening, Languages: []string{"es"}}),
		org("day-shelter", "Day Shelter", orb.Point{-77.015, 38.91}, false,
			&directory.Service{ID: "beds", Name: "Day beds", Categories: shelter, Hours: weekdays}),
		org("safe-house", "Safe House", orb.Point{-77.014, 38.911}, true,
			&directory.Service{ID: "beds", Name: "Safe house", Categories: []string{"housing.emergency-shelter", "crisis.domestic-violence"}}),
		org("clinic", "Clinic", orb.Point{-77.02, 38.92}, false,
			&directory.Service{ID: "care", Name: "Clinic", Categories: []string{"healthcare.primary-care"}, Insurance: []string{"medicaid"}, Cost: directory.CostFee, LastVerified: time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC)}),
	}
	cat, err := directory.NewCatalog(directory.Info{Name: "mini", TimeZone: tz, StaleAfter: 365 * 24 * time.Hour}, tax, orgs)
	if err != nil {
		tb.Fatal(err)
	}
	cat.Vocabulary = voc
	ix, err := search.Build(context.Background(), cat)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ix.Close() })
	return New(ix, nil, nil)
}

func TestOpenNowAndOpeningSoon(t *testing.T) {
	m := mini(t)
	tz := eastern(t)
	at := time.Date(2026, 11, 22, 21, 30, 0, 0, tz) // Sunday 9:30 PM
	place := &geo.Place{Point: orb.Point{-77.0147, 38.9101}, ZIP: "20001", State: "DC"}
	p := Profile{Needs: []Need{{Text: "a bed tonight"}}, Place: place, Now: at, Person: &need.Person{Languages: []string{"es"}}}
	keys := func(rs []Ranked) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Service.Key())
		}
		return out
	}
	res, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	n := res.Needs[0]
	// Open now first, then the shelter opening in 90 minutes, though the
	// day shelter (closed until tomorrow) is nearer than both.
	got := keys(n.Results)
	if len(got) != 4 || got[0] != "open-shelter.beds" || got[1] != "soon-shelter.beds" {
		t.Fatalf("results %v, want the open shelter, then the one opening soon", got)
	}
	if !hasReason(n.Results[0].Reasons, ReasonOpen, "Open until 7 AM") || !hasReason(n.Results[0].Reasons, ReasonFree, "Free") {
		t.Errorf("open shelter reasons %v", n.Results[0].Reasons)
	}
	soon := n.Results[1].Reasons
	if !hasReason(soon, ReasonOpensSoon, "Closed · opens at 11 PM") || !hasReason(soon, ReasonLanguage, "Spanish spoken") {
		t.Errorf("late shelter reasons %v", soon)
	}
	var safe Ranked
	for _, r := range n.Results {
		if r.Service.Key() == "safe-house.beds" {
			safe = r
		}
	}
	if safe.Distance != nil || !hasReason(safe.Reasons, ReasonConfidential, "") || hasReason(safe.Reasons, ReasonDistance, "") {
		t.Errorf("the confidential location shows a distance: %v %v", safe.Distance, safe.Reasons)
	}

	p.Constraints.OpenNow = true
	if res, err = m.Match(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	n = res.Needs[0]
	want := []string{"open-shelter.beds", "safe-house.beds"}
	if got := keys(n.Results); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("open now: results %v, want %v (unknown hours are not closed)", got, want)
	}
	closed := map[string]string{}
	for _, x := range n.Excluded {
		closed[x.Service.Key()] = x.Reasons[0].Text
	}
	if closed["soon-shelter.beds"] != "Closed until 11 PM" || closed["day-shelter.beds"] != "Closed until tomorrow 9 AM" {
		t.Errorf("open now: excluded %v", closed)
	}

	t.Run("insurance and freshness reasons", func(t *testing.T) {
		p := Profile{Needs: []Need{{Categories: []string{"healthcare"}}}, Place: place, Now: at,
			Person: &need.Person{Insurance: []string{"medicaid"}}}
		res, err := m.Match(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		rs := res.Needs[0].Results[0].Reasons
		for _, want := range []Reason{{ReasonTakesInsurance, "Takes Medicaid"}, {ReasonFee, "Charges a fee"}, {ReasonVerified, "Verified 2 months ago"}} {
			if !hasReason(rs, want.Code, want.Text) {
				t.Errorf("lacks %v: %v", want, rs)
			}
		}
	})
}

// osDataDir is the repository's data directory.
var osDataDir fs.FS = os.DirFS("../../data")
