package searchtest

import (
	"fmt"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
)

// Shelters are the fixture's active emergency shelters.
var Shelters = []string{"ccnv.shelter", "harriet-tubman.shelter", "new-york-ave.mens-shelter", "house-of-ruth.safe-house"}

// Places of the fixture.
var (
	ZIP20001   = orb.Point{-77.0147, 38.9101} // Shaw / Mt Vernon Square
	Baltimore  = orb.Point{-76.6252, 39.2946}
	SafeHouse  = orb.Point{-77.0200, 38.9300} // the confidential location
	SafeCenter = orb.Point{-77.0250, 38.9250} // its grid cell's centre
)

func ptr[T any](v T) *T { return &v }

type orgSpec struct {
	id, name string
	locs     []*directory.Location
	svcs     []*directory.Service
}

func loc(id string, p orb.Point, mods ...func(*directory.Location)) *directory.Location {
	l := &directory.Location{ID: id, Point: p, HasPoint: true,
		Address: &directory.Address{Street: "1 Test St", City: "Washington", State: "DC", ZIP: "20001"}}
	for _, m := range mods {
		m(l)
	}
	return l
}

func svc(id, name, desc string, cats []string, mods ...func(*directory.Service)) *directory.Service {
	s := &directory.Service{ID: id, Name: name, Description: desc, Categories: cats, Status: directory.StatusActive}
	for _, m := range mods {
		m(s)
	}
	return s
}

// at delivers the service at the organization's locations with these ids:
// it records placeholders that fixture resolves.
func at(ids ...string) func(*directory.Service) {
	return func(s *directory.Service) {
		for _, id := range ids {
			s.Locations = append(s.Locations, &directory.Location{ID: id})
		}
	}
}

var (
	overnight = &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: 19 * 60, Close: 7 * 60}}}
	weekdays  = &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: 9 * 60, Close: 17 * 60}}}
	always    = &directory.Hours{Always: true}
)

func fixtureOrgs() []orgSpec {
	free := func(s *directory.Service) { s.Cost = directory.CostFree }
	walkIn := func(s *directory.Service) { s.Apply = []string{directory.ApplyWalkIn, directory.ApplyCall} }
	hours := func(h *directory.Hours) func(*directory.Service) { return func(s *directory.Service) { s.Hours = h } }
	langs := func(ls ...string) func(*directory.Service) { return func(s *directory.Service) { s.Languages = ls } }
	ins := func(ps ...string) func(*directory.Service) { return func(s *directory.Service) { s.Insurance = ps } }
	wheel := func(v bool) func(*directory.Location) { return func(l *directory.Location) { l.Wheelchair = &v } }
	return []orgSpec{
		{id: "harriet-tubman", name: "Harriet Tubman Shelter & Day Center",
			locs: []*directory.Location{loc("main", orb.Point{-76.9790, 38.8868}, wheel(true))},
			svcs: []*directory.Service{svc("shelter", "Low-barrier shelter for women",
				"Overnight beds for women experiencing homelessness.", []string{"housing.emergency-shelter"},
				at("main"), free, walkIn, hours(overnight), func(s *directory.Service) {
					s.Eligibility.Genders = []string{directory.GenderFemale}
					s.Eligibility.Age.Min = ptr(18)
				})}},
		{id: "ccnv", name: "Community for Creative Non-Violence",
			locs: []*directory.Location{loc("main", orb.Point{-77.0136, 38.8946}, wheel(false))},
			svcs: []*directory.Service{svc("shelter", "CCNV Emergency Shelter",
				"Beds for men and women, open around the clock.", []string{"housing.emergency-shelter"},
				at("main"), free, walkIn, hours(always))}},
		{id: "new-york-ave", name: "New York Avenue Shelter",
			locs: []*directory.Location{loc("main", orb.Point{-76.9850, 38.9155})},
			svcs: []*directory.Service{svc("mens-shelter", "Men's shelter",
				"Low-barrier overnight shelter for single men.", []string{"housing.emergency-shelter"},
				at("main"), free, hours(overnight), func(s *directory.Service) {
					s.Eligibility.Genders = []string{directory.GenderMale}
				})}},
		{id: "house-of-ruth", name: "House of Ruth",
			locs: []*directory.Location{loc("safe-house", SafeHouse, func(l *directory.Location) { l.Confidential = true })},
			svcs: []*directory.Service{svc("safe-house", "Confidential safe house",
				"Safe shelter and advocates for survivors of domestic violence. Call the hotline.",
				[]string{"crisis.domestic-violence", "housing.emergency-shelter"}, at("safe-house"), free, hours(always),
				func(s *directory.Service) {
					s.Eligibility.Genders = []string{directory.GenderFemale}
					s.Area = &directory.ServiceArea{States: []string{"DC"}}
				})}},
		{id: "capital-area-food-bank", name: "Capital Area Food Bank",
			locs: []*directory.Location{loc("warehouse", orb.Point{-76.9957, 38.9226}, wheel(true))},
			svcs: []*directory.Service{svc("pantry", "Food pantry",
				"Free groceries to take home, every weekday.", []string{"food.pantry"},
				at("warehouse"), free, walkIn, hours(weekdays), langs("en", "es"))}},
		{id: "some", name: "So Others Might Eat",
			locs: []*directory.Location{loc("o-street", orb.Point{-77.0050, 38.9090}, wheel(true))},
			svcs: []*directory.Service{svc("meals", "Hot meals",
				"Breakfast and lunch every day in the dining room.", []string{"food.meals"},
				at("o-street"), free, walkIn, hours(&directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: 7 * 60, Close: 13 * 60}}}))}},
		{id: "unity-health", name: "Unity Health Care",
			locs: []*directory.Location{loc("upper-cardozo", orb.Point{-77.0300, 38.9310}, wheel(true))},
			svcs: []*directory.Service{svc("dental", "Dental clinic",
				"Dentists for children and adults: cleanings, fillings and extractions.", []string{"healthcare.dental"},
				at("upper-cardozo"), ins(directory.InsuranceMedicaid, directory.InsuranceMedicare), hours(weekdays),
				func(s *directory.Service) {
					s.Cost = directory.CostSlidingScale
					s.Apply = []string{directory.ApplyAppointment}
				})}},
		{id: "dbh", name: "Department of Behavioral Health",
			locs: []*directory.Location{loc("main", orb.Point{-77.0120, 38.8990})},
			svcs: []*directory.Service{svc("counseling", "Mental health counseling",
				"Outpatient counseling and therapy for adults with mental illness.", []string{"mental-health.counseling"},
				at("main"), ins(directory.InsuranceMedicaid), hours(weekdays))}},
		{id: "partners-in-recovery", name: "Partners in Recovery",
			locs: []*directory.Location{loc("main", orb.Point{-76.9900, 38.9000})},
			svcs: []*directory.Service{svc("otp", "Opioid treatment program",
				"Methadone and buprenorphine (Suboxone) for opioid use disorder.", []string{"substance-use.opioid-treatment"},
				at("main"), ins(directory.InsuranceMedicaid, directory.InsuranceNone), walkIn)}},
		{id: "ajc", name: "DC Department of Employment Services",
			locs: []*directory.Location{loc("minnesota-ave", orb.Point{-76.9510, 38.8990})},
			svcs: []*directory.Service{svc("job-center", "American Job Center",
				"Job listings, resume help and training referrals.", []string{"employment.job-search"},
				at("minnesota-ave"), free, hours(weekdays))}},
		{id: "vets-house", name: "Friendship Place",
			locs: []*directory.Location{loc("main", orb.Point{-77.0140, 38.9290})},
			svcs: []*directory.Service{svc("vets", "Veterans housing program",
				"Housing search and vouchers for veterans.", []string{"housing.housing-navigation"},
				at("main"), free, func(s *directory.Service) {
					s.Eligibility.Populations = []string{directory.PopulationVeterans}
				})}},
		{id: "dc-crisis", name: "DC Department of Behavioral Health Access Helpline",
			svcs: []*directory.Service{svc("crisis-line", "DC crisis line",
				"Call any time for a mental health crisis.", []string{"crisis.crisis-line"},
				free, hours(always), langs("en", "es"), func(s *directory.Service) {
					s.Area = &directory.ServiceArea{States: []string{"DC"}}
				})}},
		{id: "lifeline", name: "988 Lifeline",
			svcs: []*directory.Service{svc("lifeline", "988 Suicide and Crisis Lifeline",
				"Call or text 988.", []string{"crisis.crisis-line"}, free, hours(always))}},
		{id: "la-clinica", name: "La Clínica del Pueblo",
			locs: []*directory.Location{loc("columbia-heights", orb.Point{-77.0330, 38.9280})},
			svcs: []*directory.Service{svc("primary-care", "Atención médica familiar",
				"Atención médica en español para la comunidad latina.", []string{"healthcare.primary-care"},
				at("columbia-heights"), langs("es", "en"), hours(weekdays), func(s *directory.Service) { s.Cost = directory.CostSlidingScale })}},
		{id: "sasha-bruce", name: "Sasha Bruce Youthwork",
			locs: []*directory.Location{loc("main", orb.Point{-77.0400, 38.9200})},
			svcs: []*directory.Service{svc("drop-in", "Youth drop-in center",
				"A place for young people to rest, eat and get help.", []string{"basic-needs.day-center"},
				at("main"), free, walkIn, func(s *directory.Service) {
					s.Eligibility.Age = directory.AgeRange{Min: ptr(12), Max: ptr(24)}
				})}},
		{id: "st-lukes", name: "St. Luke's Church",
			locs: []*directory.Location{loc("hall", orb.Point{-77.0100, 38.9150})},
			svcs: []*directory.Service{svc("winter", "Winter shelter in the parish hall",
				"Cots in the parish hall on freezing nights.", []string{"basic-needs.day-center"},
				at("hall"), free)}},
		{id: "baltimore-market", name: "Baltimore Farmers' Market",
			locs: []*directory.Location{loc("jfx", Baltimore)},
			svcs: []*directory.Service{svc("market", "Farmers market",
				"Fresh produce on Sundays; SNAP and WIC accepted.", []string{"food.farmers-market"}, at("jfx"))}},
		{id: "bread-for-the-city", name: "Bread for the City",
			locs: []*directory.Location{loc("northwest", orb.Point{-77.0250, 38.9130}), loc("southeast", orb.Point{-76.9860, 38.8580})},
			svcs: []*directory.Service{
				svc("snap", "SNAP enrollment help", "Help applying for food stamps and WIC.", []string{"income.snap"},
					at("northwest", "southeast"), free),
				svc("legal", "Legal clinic", "Free lawyers for tenants facing eviction.", []string{"legal.legal-aid"},
					at("northwest"), free),
			}},
		{id: "closed-shelter", name: "Old Shelter",
			locs: []*directory.Location{loc("main", orb.Point{-77.0000, 38.9100})},
			svcs: []*directory.Service{svc("shelter", "Former emergency shelter",
				"This shelter closed in 2019.", []string{"housing.emergency-shelter"}, at("main"),
				func(s *directory.Service) { s.Status = directory.StatusDefunct })}},
	}
}

// Fixture returns a small Washington, DC directory built in Go, over the
// taxonomy tax and vocabulary voc (which may be nil): shelters for men,
// women and everyone, a confidential safe house, food, health, treatment,
// job, legal, veterans and crisis services, a youth drop-in, a closed
// shelter and a market in Baltimore, with hours, costs, languages,
// insurance, eligibility and service areas set to exercise every rule. It
// returns an error only when the catalog cannot be built.
func Fixture(tax *directory.Taxonomy, voc *directory.Vocabulary) (*directory.Catalog, error) {
	var orgs []*directory.Organization
	for _, spec := range fixtureOrgs() {
		o := &directory.Organization{ID: spec.id, Name: spec.name, Locations: spec.locs, Services: spec.svcs}
		for _, l := range o.Locations {
			l.Org = o
		}
		for _, s := range o.Services {
			s.Org = o
			for i, ph := range s.Locations {
				l := o.Location(ph.ID)
				if l == nil {
					return nil, fmt.Errorf("searchtest: fixture: %s: no location %q", s.ID, ph.ID)
				}
				s.Locations[i] = l
			}
		}
		orgs = append(orgs, o)
	}
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, fmt.Errorf("searchtest: fixture: %w", err)
	}
	cat, err := directory.NewCatalog(directory.Info{Name: "Fixture", TimeZone: tz}, tax, orgs)
	if err != nil {
		return nil, err
	}
	cat.Vocabulary = voc
	return cat, nil
}
