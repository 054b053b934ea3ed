package need

import (
	"slices"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// The exclusion codes: why a service is left out.
const (
	ExclInactive     = "inactive"
	ExclGender       = "gender"
	ExclAge          = "age"
	ExclVeteransOnly = "veterans-only"
	ExclPopulation   = "population"
	ExclOutsideArea  = "outside-area"
	ExclClosed       = "closed"
	ExclInsurance    = "insurance"
	ExclFee          = "fee"
	ExclWalkIn       = "walk-in"
	ExclWheelchair   = "wheelchair"
	ExclLanguage     = "language"
)

// ExclusionCodes lists every exclusion code, in the order rules are
// checked.
var ExclusionCodes = []string{ExclInactive, ExclGender, ExclAge, ExclVeteransOnly, ExclPopulation, ExclOutsideArea,
	ExclClosed, ExclInsurance, ExclFee, ExclWalkIn, ExclWheelchair, ExclLanguage}

// disclosed are the populations people may keep to themselves or that a
// specialist rarely knows (sexual orientation, immigration status, being
// a survivor of violence, living with a disability, a record, medication,
// housing). A service restricted to one of them is never excluded for a
// person who did not name it: unknown is not exclusion. The others are
// facts a specialist knows and says: whether the person is a veteran
// (Person.Veteran), has children with them ("families") or is pregnant
// (Person.Circumstances), and age ("youth", "seniors", from Person.Age).
var disclosed = []string{
	directory.PopulationLGBTQ, directory.PopulationImmigrants, directory.PopulationDVSurvivors,
	directory.PopulationDisability, directory.PopulationJusticeInvolved, directory.PopulationMOUD,
	directory.PopulationHomeless,
}

// Rules are the eligibility rules of one request: who the person is,
// where they are, what the visit needs, and when. Every surface applies
// these and no others. Unknown never excludes: hours, cost, walk-in,
// wheelchair and language rules drop only services known to fail them,
// insurance drops a service only when the person has no other way to pay,
// and a person who does not say something is never excluded for it.
type Rules struct {
	person *Person
	// has is the person's populations for Eligibility.ServesPopulations,
	// with the disclosed ones and the ones unknown for this person added.
	has   []string
	place *geo.Place
	c     Constraints
	at    time.Time
	// IncludeInactive keeps services whose status is not active (the
	// HSDS API and coordinators' tools); nobody is referred to them.
	IncludeInactive bool
}

// NewRules returns the rules for person p (nil: nobody said), at place
// (nil: unknown), with constraints c, at instant now (c.OpenAt, when set,
// is the instant hours are read at).
func NewRules(p *Person, place *geo.Place, c Constraints, now time.Time) *Rules {
	r := &Rules{person: p, place: place, c: c, at: now, has: ServedPopulations(p)}
	if c.OpenAt != nil {
		r.at = *c.OpenAt
	}
	return r
}

// At returns the instant the rules read hours at.
func (r *Rules) At() time.Time { return r.at }

// Person returns the person the rules are for; nil when nobody said.
func (r *Rules) Person() *Person { return r.person }

// Place returns where the person is; nil when unknown.
func (r *Rules) Place() *geo.Place { return r.place }

// Constraints returns the visit's constraints.
func (r *Rules) Constraints() Constraints { return r.c }

// ReadsHours reports whether the rules need a service's open state.
func (r *Rules) ReadsHours() bool { return r.c.OpenNow || r.c.OpenAt != nil }

// ServedPopulations returns the populations to check a service's
// restriction against for person p (Eligibility.ServesPopulations): the
// person's circumstances, the disclosed populations, veterans unless the
// person is known not to be one, and youth and seniors unless the
// person's age (or circumstances) rule them out. It returns nil for a nil
// person: nobody is excluded for who they are.
func ServedPopulations(p *Person) []string {
	if p == nil {
		return nil
	}
	has := append(append([]string(nil), p.Circumstances...), disclosed...)
	if p.Veteran == nil || *p.Veteran {
		has = append(has, directory.PopulationVeterans)
	}
	lo, hi, known := p.Ages()
	if !known || lo <= YouthMaxAge {
		has = append(has, directory.PopulationYouth)
	}
	if !known || hi >= SeniorMinAge {
		has = append(has, directory.PopulationSeniors)
	}
	return has
}

// Exclusion is one rule a service fails.
type Exclusion struct {
	Code string
	// Open and Zone are the service's open state at the rules' instant
	// and the zone its hours are read in, for ExclClosed.
	Open directory.OpenState
	Zone *time.Location
	// Plans are the person's plans, for ExclInsurance.
	Plans []string
}

// Check appends to dst the rules service s at location l (nil for a
// service without locations) fails, in ExclusionCodes order, and returns
// the extended slice; none appended means the person may go. areaSvc is
// the service to test service areas with (see search.AreaService: a
// confidential location's coarse point); open is the state at At and
// zone the zone the hours are read in, used only when ReadsHours. A
// search checks thousands of services: passing a reused dst[:0] spares
// it a slice for each one turned away.
func (r *Rules) Check(dst []Exclusion, s, areaSvc *directory.Service, l *directory.Location, open directory.OpenState, zone *time.Location) []Exclusion {
	out := dst
	add := func(code string) { out = append(out, Exclusion{Code: code, Open: open, Zone: zone}) }
	if !r.IncludeInactive && s.Status != "" && s.Status != directory.StatusActive {
		add(ExclInactive)
	}
	el := s.Eligibility
	if p := r.person; p != nil {
		if !el.ServesGender(p.Gender) {
			add(ExclGender)
		}
		if lo, hi, ok := p.Ages(); ok && !el.Age.IsZero() && !overlapsAge(el.Age, lo, hi) {
			add(ExclAge)
		}
		if !el.ServesPopulations(r.has) && !ageDecides(el, p) {
			if onlyVeterans(el.Populations) {
				add(ExclVeteransOnly)
			} else {
				add(ExclPopulation)
			}
		}
	}
	if r.place != nil && !s.Area.IsZero() && geo.Covers(areaSvc, *r.place) == geo.NotCovered {
		add(ExclOutsideArea)
	}
	if r.ReadsHours() && open.Known && !open.Open {
		add(ExclClosed)
	}
	if p := r.person; p != nil && !CanPay(s, p.Insurance) {
		out = append(out, Exclusion{Code: ExclInsurance, Plans: p.Insurance})
	}
	if r.c.FreeOnly && s.Cost == directory.CostFee {
		add(ExclFee)
	}
	if r.c.WalkIn && len(s.Apply) > 0 && !slices.Contains(s.Apply, directory.ApplyWalkIn) {
		add(ExclWalkIn)
	}
	if r.c.Wheelchair && l != nil && l.Wheelchair != nil && !*l.Wheelchair {
		add(ExclWheelchair)
	}
	if len(r.c.Languages) > 0 {
		if offered := LanguagesOf(s, l); len(offered) > 0 && !overlaps(offered, r.c.Languages) {
			add(ExclLanguage)
		}
	}
	return out
}

// LanguagesOf returns the primary subtags of the languages service s is
// offered in at location l (nil for none); none when the listing does not
// say.
func LanguagesOf(s *directory.Service, l *directory.Location) []string {
	var out []string
	add := func(tags []string) {
		for _, t := range tags {
			if t = NormLanguage(t); t != "" && !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	add(s.Languages)
	if l != nil {
		add(l.Languages)
	}
	return out
}

// CanPay reports whether a person with plans can pay for s: the
// listing names no plans, or one of the person's, or the service is free
// or has a sliding scale, or (for a person with a plan it does not take)
// it serves uninsured people, who pay another way. A person who gave no
// plans is never excluded.
func CanPay(s *directory.Service, plans []string) bool {
	if len(plans) == 0 || len(s.Insurance) == 0 {
		return true
	}
	if overlaps(s.Insurance, plans) {
		return true
	}
	if s.Cost == directory.CostFree || s.Cost == directory.CostSlidingScale {
		return true
	}
	return slices.Contains(s.Insurance, directory.InsuranceNone)
}

// overlapsAge reports whether the service's age range meets [lo, hi].
func overlapsAge(a directory.AgeRange, lo, hi int) bool {
	if a.Min != nil && hi < *a.Min {
		return false
	}
	if a.Max != nil && lo > *a.Max {
		return false
	}
	return true
}

// ageDecides reports whether a service restricted to youth or seniors
// also gives an age range, and the person their age: the age rule then
// says it all, and the population rule is not reported again.
func ageDecides(el directory.Eligibility, p *Person) bool {
	if _, _, ok := p.Ages(); !ok || el.Age.IsZero() {
		return false
	}
	for _, pop := range el.Populations {
		if pop != directory.PopulationYouth && pop != directory.PopulationSeniors {
			return false
		}
	}
	return true
}

// onlyVeterans reports whether pops restricts to veterans alone.
func onlyVeterans(pops []string) bool {
	if len(pops) == 0 {
		return false
	}
	for _, p := range pops {
		if p != directory.PopulationVeterans {
			return false
		}
	}
	return true
}

// Restricted reports whether a service serves only part of the public:
// some genders, an age range other than "adults", or some populations.
func Restricted(s *directory.Service) bool {
	el := s.Eligibility
	return len(el.Genders) > 0 || AgeLimited(el.Age) || len(el.Populations) > 0
}

// AgeLimited reports whether an age range turns away adults of some age:
// a range with a maximum, or a minimum above 18. "18 and older", the rule
// of most adult services, limits nobody who would ask for them.
func AgeLimited(a directory.AgeRange) bool {
	return a.Max != nil || (a.Min != nil && *a.Min > 18)
}

func overlaps(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
