package searchtest

import (
	"fmt"
	"math/rand"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
)

// City is a metro center around which synthetic locations are scattered.
type City struct {
	Name, State, ZIP string
	Lat, Lon         float64
	// Weight is the city's relative share of locations.
	Weight int
	// CountyFIPS is the county (or county equivalent) holding the ZIP.
	CountyFIPS string
}

// Cities are real US cities with a downtown ZIP code and its approximate
// centroid. Washington, DC comes first.
var Cities = []City{
	{"Washington", "DC", "20001", 38.9101, -77.0147, 6, "11001"},
	{"New York", "NY", "10001", 40.7506, -73.9972, 10, "36061"},
	{"Los Angeles", "CA", "90012", 34.0614, -118.2385, 9, "06037"},
	{"Chicago", "IL", "60601", 41.8858, -87.6181, 7, "17031"},
	{"Houston", "TX", "77002", 29.7563, -95.3650, 6, "48201"},
	{"Phoenix", "AZ", "85004", 33.4516, -112.0684, 4, "04013"},
	{"Philadelphia", "PA", "19107", 39.9509, -75.1585, 5, "42101"},
	{"San Antonio", "TX", "78205", 29.4241, -98.4936, 3, "48029"},
	{"San Diego", "CA", "92101", 32.7194, -117.1628, 3, "06073"},
	{"Dallas", "TX", "75201", 32.7876, -96.7994, 4, "48113"},
	{"Austin", "TX", "78701", 30.2711, -97.7437, 3, "48453"},
	{"Jacksonville", "FL", "32202", 30.3297, -81.6594, 2, "12031"},
	{"Columbus", "OH", "43215", 39.9653, -83.0124, 2, "39049"},
	{"Charlotte", "NC", "28202", 35.2280, -80.8431, 2, "37119"},
	{"Indianapolis", "IN", "46204", 39.7714, -86.1566, 2, "18097"},
	{"San Francisco", "CA", "94103", 37.7725, -122.4091, 4, "06075"},
	{"Seattle", "WA", "98101", 47.6114, -122.3305, 4, "53033"},
	{"Denver", "CO", "80202", 39.7525, -104.9995, 3, "08031"},
	{"Nashville", "TN", "37203", 36.1498, -86.7906, 2, "47037"},
	{"Oklahoma City", "OK", "73102", 35.4715, -97.5190, 2, "40109"},
	{"El Paso", "TX", "79901", 31.7587, -106.4869, 1, "48141"},
	{"Boston", "MA", "02108", 42.3576, -71.0649, 4, "25025"},
	{"Portland", "OR", "97204", 45.5184, -122.6748, 3, "41051"},
	{"Las Vegas", "NV", "89101", 36.1727, -115.1223, 2, "32003"},
	{"Detroit", "MI", "48226", 42.3317, -83.0480, 3, "26163"},
	{"Memphis", "TN", "38103", 35.1463, -90.0520, 2, "47157"},
	{"Louisville", "KY", "40202", 38.2533, -85.7530, 2, "21111"},
	{"Baltimore", "MD", "21201", 39.2946, -76.6252, 3, "24510"},
	{"Milwaukee", "WI", "53202", 43.0450, -87.8991, 2, "55079"},
	{"Albuquerque", "NM", "87102", 35.0819, -106.6470, 1, "35001"},
	{"Tucson", "AZ", "85701", 32.2170, -110.9710, 1, "04019"},
	{"Fresno", "CA", "93721", 36.7330, -119.7840, 1, "06019"},
	{"Sacramento", "CA", "95814", 38.5804, -121.4944, 2, "06067"},
	{"Kansas City", "MO", "64106", 39.1048, -94.5706, 2, "29095"},
	{"Atlanta", "GA", "30303", 33.7528, -84.3915, 4, "13121"},
	{"Miami", "FL", "33130", 25.7673, -80.2051, 3, "12086"},
	{"Raleigh", "NC", "27601", 35.7736, -78.6339, 2, "37183"},
	{"Omaha", "NE", "68102", 41.2622, -95.9338, 1, "31055"},
	{"Minneapolis", "MN", "55401", 44.9849, -93.2698, 3, "27053"},
	{"Tulsa", "OK", "74103", 36.1557, -95.9922, 1, "40143"},
	{"Cleveland", "OH", "44113", 41.4846, -81.6948, 2, "39035"},
	{"New Orleans", "LA", "70112", 29.9574, -90.0767, 2, "22071"},
	{"Pittsburgh", "PA", "15222", 40.4476, -79.9917, 2, "42003"},
	{"St. Louis", "MO", "63101", 38.6314, -90.1922, 2, "29510"},
	{"Cincinnati", "OH", "45202", 39.1077, -84.5021, 2, "39061"},
	{"Salt Lake City", "UT", "84111", 40.7563, -111.8846, 2, "49035"},
	{"Birmingham", "AL", "35203", 33.5186, -86.8104, 1, "01073"},
	{"Richmond", "VA", "23219", 37.5407, -77.4360, 1, "51760"},
	{"Buffalo", "NY", "14202", 42.8864, -78.8784, 1, "36029"},
	{"Hartford", "CT", "06103", 41.7670, -72.6770, 1, "09003"},
	{"Providence", "RI", "02903", 41.8193, -71.4101, 1, "44007"},
	{"Boise", "ID", "83702", 43.6322, -116.2032, 1, "16001"},
	{"Anchorage", "AK", "99501", 61.2176, -149.8631, 1, "02020"},
	{"Honolulu", "HI", "96813", 21.3119, -157.8583, 1, "15003"},
	{"Billings", "MT", "59101", 45.7745, -108.5007, 1, "30111"},
	{"Fargo", "ND", "58102", 46.9214, -96.8300, 1, "38017"},
	{"Little Rock", "AR", "72201", 34.7465, -92.2896, 1, "05119"},
	{"Jackson", "MS", "39201", 32.2988, -90.1848, 1, "28049"},
	{"Charleston", "WV", "25301", 38.3498, -81.6326, 1, "54039"},
	{"Burlington", "VT", "05401", 44.4759, -73.2121, 1, "50007"},
}

// nouns are service-name nouns by category; a category without an entry
// uses its English label.
var nouns = map[string][]string{
	"housing":                         {"Housing Services", "Housing Help Desk", "Home Base"},
	"housing.emergency-shelter":       {"Emergency Shelter", "Night Shelter", "Shelter", "Warming Center", "Women's Shelter", "Men's Shelter", "Family Shelter", "Low-Barrier Shelter"},
	"housing.transitional-housing":    {"Transitional Housing", "Recovery House", "Sober Living Home", "Bridge Housing"},
	"housing.housing-navigation":      {"Housing Navigation", "Coordinated Entry", "Housing Search Center", "Housing Voucher Office"},
	"housing.rent-assistance":         {"Rent Assistance", "Eviction Prevention", "Emergency Rental Aid"},
	"housing.utilities":               {"Utility Assistance", "Energy Assistance", "Heating Help"},
	"employment":                      {"Employment Services", "Jobs Program", "Workforce Center"},
	"employment.job-search":           {"American Job Center", "Career Center", "Job Club", "Resume Lab"},
	"employment.job-training":         {"Job Training", "Trade School", "Apprenticeship Program", "Culinary Training"},
	"employment.supported-employment": {"Supported Employment", "Vocational Rehabilitation", "Job Coaching"},
	"healthcare":                      {"Health Center", "Medical Clinic", "Community Clinic"},
	"healthcare.primary-care":         {"Community Health Center", "Free Clinic", "Family Medicine", "Primary Care Clinic"},
	"healthcare.dental":               {"Dental Clinic", "Dental Center", "Community Dentistry", "Dentist Office"},
	"healthcare.hiv-sti":              {"HIV Testing", "Sexual Health Clinic", "PrEP Clinic"},
	"healthcare.pregnancy":            {"Prenatal Care", "Women's Health", "Family Planning", "Maternity Clinic"},
	"mental-health":                   {"Mental Health Center", "Behavioral Health", "Wellness Center"},
	"mental-health.counseling":        {"Counseling Center", "Therapy Services", "Family Counseling"},
	"mental-health.psychiatric":       {"Psychiatric Services", "Psychiatry Clinic", "Medication Management"},
	"mental-health.peer-support":      {"Peer Support Center", "Clubhouse", "Recovery Community Center", "Drop-In Center"},
	"substance-use":                   {"Recovery Services", "Addiction Treatment", "Treatment Center"},
	"substance-use.detox":             {"Detox Center", "Withdrawal Management", "Detoxification Unit"},
	"substance-use.outpatient":        {"Outpatient Treatment", "Intensive Outpatient Program", "Recovery Counseling"},
	"substance-use.residential":       {"Residential Treatment", "Rehab Center", "Recovery Ranch"},
	"substance-use.opioid-treatment":  {"Methadone Clinic", "Opioid Treatment Program", "Buprenorphine Clinic", "Comprehensive Treatment Center"},
	"substance-use.harm-reduction":    {"Harm Reduction", "Syringe Services", "Naloxone Distribution"},
	"food":                            {"Food Program", "Nutrition Services", "Food Hub"},
	"food.pantry":                     {"Food Pantry", "Food Bank", "Community Pantry", "Grocery Distribution"},
	"food.meals":                      {"Soup Kitchen", "Community Meals", "Hot Meals Program", "Community Kitchen"},
	"food.farmers-market":             {"Farmers Market", "Fresh Market", "Produce Market"},
	"basic-needs":                     {"Resource Center", "Neighborhood Services", "Community Center"},
	"basic-needs.clothing":            {"Clothing Closet", "Coat Drive", "Free Store"},
	"basic-needs.showers":             {"Shower Program", "Hot Showers", "Shower Trailer"},
	"basic-needs.laundry":             {"Laundry Project", "Free Laundry", "Wash Day"},
	"basic-needs.restrooms":           {"Public Restrooms", "Comfort Station", "Restroom Access"},
	"basic-needs.hygiene":             {"Hygiene Center", "Free Haircuts", "Hygiene Kits"},
	"basic-needs.day-center":          {"Day Center", "Drop-In Day Program", "Hospitality Center"},
	"basic-needs.id-documents":        {"ID Clinic", "Document Assistance", "Birth Certificate Help"},
	"basic-needs.child-care":          {"Child Care Center", "Head Start", "Early Learning Center"},
	"transportation":                  {"Transportation Services", "Ride Program"},
	"transportation.rides":            {"Medical Rides", "Senior Shuttle", "Paratransit"},
	"transportation.transit-fare":     {"Reduced Fare Program", "Bus Pass Program"},
	"legal":                           {"Legal Services", "Law Center", "Justice Center"},
	"legal.legal-aid":                 {"Legal Aid", "Tenant Legal Clinic", "Family Law Clinic"},
	"legal.immigration":               {"Immigration Legal Services", "Immigrant Rights Center", "Citizenship Clinic"},
	"legal.reentry":                   {"Reentry Program", "Returning Citizens Center", "Expungement Clinic"},
	"income":                          {"Benefits Center", "Financial Assistance"},
	"income.snap":                     {"SNAP Outreach", "WIC Office", "Food Stamp Enrollment"},
	"income.cash-assistance":          {"Cash Assistance Office", "TANF Office", "Emergency Assistance Fund"},
	"income.health-insurance":         {"Insurance Enrollment", "Medicaid Enrollment", "Health Coverage Navigators"},
	"income.disability-benefits":      {"SSI/SSDI Outreach", "Disability Benefits Clinic", "SOAR Program"},
	"income.unemployment":             {"Unemployment Claims Help", "UI Assistance"},
	"income.tax-help":                 {"Free Tax Preparation", "VITA Site", "Tax Clinic"},
	"education":                       {"Education Center", "Learning Center"},
	"education.adult-education":       {"GED Program", "Adult Learning Center", "Literacy Council"},
	"education.esl":                   {"English Classes", "ESL Program", "English Conversation Club"},
	"education.computer-skills":       {"Computer Lab", "Digital Literacy Program", "Tech Skills Class"},
	"crisis":                          {"Crisis Services", "Emergency Response"},
	"crisis.crisis-line":              {"Crisis Line", "Crisis Center", "Mobile Crisis Team", "Crisis Stabilization Unit"},
	"crisis.domestic-violence":        {"Safe House", "Domestic Violence Program", "Survivor Services", "Women's Refuge"},
}

var (
	prefixes = []string{"Hope", "Unity", "New Beginnings", "Harbor Light", "Bethany", "Good Shepherd", "St. Mary's",
		"St. Vincent", "Salvation", "Covenant", "Open Door", "Bridge", "Lighthouse", "Mercy", "Grace", "Riverside",
		"Eastside", "Westside", "Northside", "Southside", "Downtown", "Central", "Capitol", "Metro", "Neighborhood",
		"Community", "Friendship", "Oasis", "Cornerstone", "Pathways", "Haven", "Sunrise", "Gateway", "Family",
		"Liberty", "Heritage", "Main Street", "Union", "Trinity", "Emmanuel", "Casa", "La Clínica", "El Centro"}
	orgKinds = []string{"Ministries", "Community Services", "Outreach", "Health", "Center", "Alliance", "Coalition",
		"Partners", "Network", "Foundation", "Mission", "Project", "Collaborative", "Services"}
	// sentences are generic: they avoid the taxonomy's words, so that a
	// service matches a need through its name, category and own
	// description as in real listings.
	sentences = []string{
		"Serving %s residents since %d.",
		"Call ahead to check hours and availability.",
		"Bring a photo ID if you have one; no one is turned away for lack of papers.",
		"Case managers help with next steps and referrals.",
		"Services are confidential.",
		"Located near the %s bus line.",
		"Volunteers welcome.",
		"Open to everyone in %s and surrounding areas.",
		"Se habla español.",
		"Staff with lived experience are on site.",
		"Please arrive early; space is limited.",
		"Proof of address may be requested.",
		"We serve individuals, couples and families.",
		"Interpretation is available on request.",
		"Ask for the intake coordinator.",
		"Part of a citywide network of partner agencies.",
		"Funded in part by county and state grants.",
		"Pets are welcome in the lobby.",
		"Parking is available behind the building.",
		"Quiet room available for those who need it.",
	}
	audiences = []string{"adults", "families", "young people", "seniors", "neighbors", "individuals and families",
		"residents", "anyone in need", "people on a low income", "people returning from incarceration"}
	streets = []string{"Main St", "Oak Ave", "Pine St", "Maple Ave", "Cedar St", "Elm St", "Washington Ave",
		"Lincoln Blvd", "Park Ave", "Lake St", "Hill Rd", "Church St", "Market St", "Broad St", "2nd St", "5th Ave"}
	otherLangs = []string{"fr", "zh", "vi", "ko", "am", "ar", "ru", "ht", "tl", "pt"}
)

// Synthetic returns a deterministic catalog of n services over taxonomy
// tax (read with the vocabulary voc, which may be nil), generated from
// seed: organizations of one to five services with one
// to three locations, points scattered around Cities (a few across the
// country), names and descriptions from word lists and the taxonomy's
// descriptions, and varied eligibility, hours, languages, costs,
// insurance, apply methods, statuses and service areas (radius, county,
// ZIP, state, polygon). About 2% of the services have no location; a
// domestic-violence location is often confidential. It returns an error only if the catalog cannot be built.
func Synthetic(tax *directory.Taxonomy, voc *directory.Vocabulary, n int, seed int64) (*directory.Catalog, error) {
	r := rand.New(rand.NewSource(seed))
	cats := tax.All()
	var totalWeight int
	for _, c := range Cities {
		totalWeight += c.Weight
	}
	pickCity := func() City {
		w := r.Intn(totalWeight)
		for _, c := range Cities {
			if w < c.Weight {
				return c
			}
			w -= c.Weight
		}
		return Cities[0]
	}
	tz, err := time.LoadLocation("America/New_York")
	if err != nil {
		tz = time.UTC
	}
	var orgs []*directory.Organization
	for made, oi := 0, 0; made < n; oi++ {
		city := pickCity()
		o := &directory.Organization{
			ID:   fmt.Sprintf("org-%06d", oi),
			Name: fmt.Sprintf("%s %s", pick(r, prefixes), pick(r, orgKinds)),
		}
		if r.Intn(3) == 0 {
			o.Name = city.Name + " " + o.Name
		}
		nloc := 1 + r.Intn(3)
		if r.Intn(4) != 0 {
			nloc = 1
		}
		for li := 0; li < nloc; li++ {
			o.Locations = append(o.Locations, location(r, o, li, city))
		}
		nsvc := min(1+r.Intn(5), n-made)
		for si := 0; si < nsvc; si++ {
			s := service(r, cats, o, si, city)
			o.Services = append(o.Services, s)
		}
		made += nsvc
		orgs = append(orgs, o)
	}
	info := directory.Info{Name: "Synthetic", TimeZone: tz, DefaultNear: Cities[0].ZIP}
	cat, err := directory.NewCatalog(info, tax, orgs)
	if err != nil {
		return nil, err
	}
	cat.Vocabulary = voc
	return cat, nil
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func location(r *rand.Rand, o *directory.Organization, i int, city City) *directory.Location {
	lat := city.Lat + r.NormFloat64()*0.06
	lon := city.Lon + r.NormFloat64()*0.08
	if r.Intn(40) == 0 { // rural: anywhere in the lower 48
		lat = 30 + r.Float64()*18
		lon = -122 + r.Float64()*50
	}
	l := &directory.Location{
		ID:       fmt.Sprintf("loc-%d", i+1),
		Org:      o,
		Point:    orb.Point{lon, lat},
		HasPoint: true,
		Address: &directory.Address{
			Street: fmt.Sprintf("%d %s", 100+r.Intn(9800), pick(r, streets)),
			City:   city.Name, State: city.State, ZIP: city.ZIP,
		},
	}
	switch r.Intn(3) {
	case 0:
		t := true
		l.Wheelchair = &t
	case 1:
		f := false
		l.Wheelchair = &f
	}
	if r.Intn(5) == 0 {
		l.Languages = []string{"en", "es"}
	}
	l.Hours = hours(r)
	return l
}

func hours(r *rand.Rand) *directory.Hours {
	switch k := r.Intn(20); {
	case k < 7:
		return &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: 9 * 60, Close: 17 * 60}}}
	case k < 9:
		return &directory.Hours{Weekly: []directory.Span{
			{Days: directory.Weekdays, Open: 8*60 + 30, Close: 19 * 60},
			{Days: 1 << time.Saturday, Open: 10 * 60, Close: 14 * 60},
		}}
	case k < 11:
		return &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: 19 * 60, Close: 7 * 60}}}
	case k < 12:
		return &directory.Hours{Always: true}
	case k < 13:
		return &directory.Hours{ByAppointment: true}
	case k < 14:
		return &directory.Hours{Weekly: []directory.Span{{Days: 1<<time.Tuesday | 1<<time.Thursday, Open: 11 * 60, Close: 13 * 60}}}
	}
	return nil
}

func service(r *rand.Rand, cats []*directory.Category, o *directory.Organization, i int, city City) *directory.Service {
	c := pick(r, cats)
	s := &directory.Service{
		ID:     fmt.Sprintf("svc-%d", i+1),
		Org:    o,
		Status: directory.StatusActive,
	}
	s.Categories = []string{c.ID}
	if r.Intn(6) == 0 {
		if d := pick(r, cats); d.ID != c.ID && directory.RootOf(d.ID) != c.ID && directory.RootOf(c.ID) != d.ID {
			s.Categories = append(s.Categories, d.ID)
		}
	}
	ns := nouns[c.ID]
	noun := c.Label.In("en")
	if len(ns) > 0 {
		noun = pick(r, ns)
	}
	switch r.Intn(3) {
	case 0:
		s.Name = noun
	case 1:
		s.Name = pick(r, prefixes) + " " + noun
	default:
		s.Name = city.Name + " " + noun
	}
	var desc []string
	if r.Intn(5) < 2 {
		desc = append(desc, c.Description.In("en"))
	}
	desc = append(desc, fmt.Sprintf("%s offers %s for %s in %s.", o.Name, strings.ToLower(noun), pick(r, audiences), city.Name))
	for k := 1 + r.Intn(3); k > 0; k-- {
		st := pick(r, sentences)
		switch strings.Count(st, "%") {
		case 1:
			st = fmt.Sprintf(st, city.Name)
		case 2:
			st = fmt.Sprintf(st, city.Name, 1950+r.Intn(70))
		}
		desc = append(desc, st)
	}
	s.Description = strings.Join(desc, " ")

	if r.Intn(50) != 0 {
		for _, l := range o.Locations {
			if len(s.Locations) == 0 || r.Intn(2) == 0 {
				s.Locations = append(s.Locations, l)
			}
		}
	}
	county := directory.County{FIPS: city.CountyFIPS, Name: city.Name, State: city.State}
	switch k := r.Intn(100); {
	case k < 10:
		s.Area = &directory.ServiceArea{RadiusMeters: float64(5+r.Intn(30)) * 1609.344}
	case k < 18:
		s.Area = &directory.ServiceArea{Counties: []directory.County{county}}
	case k < 20:
		// A county the listing names without a resolved code.
		s.Area = &directory.ServiceArea{Counties: []directory.County{{Name: city.Name, State: city.State}}}
	case k < 24:
		s.Area = &directory.ServiceArea{ZIPs: []string{city.ZIP}}
	case k < 27:
		s.Area = &directory.ServiceArea{States: []string{city.State}}
	case k < 28:
		d := 0.1 + r.Float64()*0.2
		s.Area = &directory.ServiceArea{Polygon: orb.MultiPolygon{{{
			{city.Lon - d, city.Lat - d}, {city.Lon + d, city.Lat - d}, {city.Lon + d, city.Lat + d},
			{city.Lon - d, city.Lat + d}, {city.Lon - d, city.Lat - d},
		}}}}
	}
	if len(s.Locations) == 0 && (s.Area == nil || s.Area.RadiusMeters > 0) {
		// A phone or online service serves a region.
		s.Area = &directory.ServiceArea{States: []string{city.State}}
	}
	if c.ID == "crisis.domestic-violence" {
		for _, l := range s.Locations {
			if r.Intn(2) == 0 {
				l.Confidential = true
			}
		}
	}
	eligibility(r, s)
	switch k := r.Intn(20); {
	case k < 10:
		s.Cost = directory.CostFree
	case k < 13:
		s.Cost = directory.CostSlidingScale
	case k < 15:
		s.Cost = directory.CostFee
	}
	switch directory.RootOf(c.ID) {
	case "healthcare", "mental-health", "substance-use":
		for _, p := range directory.InsurancePlans {
			if r.Intn(3) == 0 {
				s.Insurance = append(s.Insurance, p)
			}
		}
	}
	for _, a := range directory.ApplyMethods {
		if r.Intn(3) == 0 {
			s.Apply = append(s.Apply, a)
		}
	}
	switch k := r.Intn(10); {
	case k < 2:
		s.Languages = []string{"en", "es"}
	case k < 3:
		s.Languages = []string{"en", pick(r, otherLangs)}
	}
	if r.Intn(8) == 0 {
		s.Hours = hours(r)
	}
	if r.Intn(25) == 0 {
		s.Status = pick(r, directory.Statuses[1:])
	}
	return s
}

func eligibility(r *rand.Rand, s *directory.Service) {
	e := &s.Eligibility
	age := func(v int) *int { return &v }
	switch k := r.Intn(20); {
	case k == 0:
		e.Age = directory.AgeRange{Min: age(12), Max: age(24)}
	case k == 1:
		e.Age = directory.AgeRange{Min: age(60)}
	case k < 4:
		e.Age = directory.AgeRange{Min: age(18)}
	case k == 4:
		e.Age = directory.AgeRange{Max: age(17)}
	}
	switch k := r.Intn(25); {
	case k < 2:
		e.Genders = []string{directory.GenderFemale}
	case k == 2:
		e.Genders = []string{directory.GenderMale}
	}
	switch k := r.Intn(40); {
	case k == 0:
		e.Populations = []string{directory.PopulationVeterans}
	case k == 1:
		e.Populations = []string{directory.PopulationFamilies}
	case k == 2:
		e.Populations = []string{directory.PopulationYouth}
	case k == 3:
		e.Populations = []string{directory.PopulationVeterans, directory.PopulationFamilies}
	}
}
