package match

import (
	"strconv"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/search"
)

// Reason is one plain-language reason a service was ranked where it was,
// or was left out: a stable code for programs and the text people read, in
// the request's language.
type Reason struct {
	Code string `json:"code"`
	Text string `json:"text"`
}

// The exclusion codes. They are search.Exclusion values where search has
// the same rule.
const (
	ExclGender       = string(search.ExclGender)
	ExclAge          = string(search.ExclAge)
	ExclVeteransOnly = string(search.ExclVeteransOnly)
	ExclPopulation   = string(search.ExclPopulation)
	ExclOutsideArea  = string(search.ExclOutsideArea)
	ExclClosed       = string(search.ExclClosed)
	ExclInsurance    = string(search.ExclInsurance)
	ExclFee          = "fee"
	ExclWalkIn       = string(search.ExclWalkIn)
	ExclWheelchair   = string(search.ExclWheelchair)
)

// ExclusionCodes lists every exclusion code, in the order rules are
// checked.
var ExclusionCodes = []string{ExclGender, ExclAge, ExclVeteransOnly, ExclPopulation, ExclOutsideArea,
	ExclClosed, ExclInsurance, ExclFee, ExclWalkIn, ExclWheelchair}

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

// Ages that put a person among "youth" (at most) and "seniors" (at least).
// Listings give the exact ranges in Eligibility.Age; these only decide the
// population words. Seniors start at 55, the lowest age senior services
// commonly use, so that nobody is excluded by a guess.
const (
	youthMaxAge  = 24
	seniorMinAge = 55
)

// Eligible holds the rules of one profile. The rules are those of
// search.Filter (through the same directory and geo functions), with two
// differences that follow from "unknown is not exclusion": hours, cost,
// walk-in and wheelchair rules drop only services known to fail them, and
// insurance drops a service only when the person has no other way to pay
// (see insuranceOK).
type Eligible struct {
	person *Person
	// has is the person's populations for Eligibility.ServesPopulations,
	// with the disclosed ones and the ones unknown for this person added.
	has   []string
	place *geo.Place
	c     Constraints
	at    time.Time
	zone  *time.Location
}

// NewEligible returns the rules for a profile; zone is the directory's
// time zone.
func NewEligible(p *Person, place *geo.Place, c Constraints, now time.Time, zone *time.Location) *Eligible {
	e := &Eligible{person: p, place: place, c: c, at: now, zone: zone, has: ServedPopulations(p)}
	if c.OpenAt != nil {
		e.at = *c.OpenAt
	}
	return e
}

// ServedPopulations returns the populations to check a service's
// restriction against for person p (Eligibility.ServesPopulations, and
// search.Filter.Populations): the person's circumstances, the disclosed
// populations, veterans unless the person is known not to be one, and
// youth and seniors unless the person's age rules them out. It returns nil
// for a nil person: nobody is excluded for who they are.
func ServedPopulations(p *Person) []string {
	if p == nil {
		return nil
	}
	has := append(append([]string(nil), p.Circumstances...), disclosed...)
	if p.Veteran == nil || *p.Veteran {
		has = append(has, directory.PopulationVeterans)
	}
	if p.Age == nil || *p.Age <= youthMaxAge {
		has = append(has, directory.PopulationYouth)
	}
	if p.Age == nil || *p.Age >= seniorMinAge {
		has = append(has, directory.PopulationSeniors)
	}
	return has
}

// ruleHit is one failed rule, rendered to text only for what is shown.
type ruleHit struct {
	code string
	svc  *directory.Service
	open directory.OpenState
	zone *time.Location
	// plans are the person's plans, for an insurance exclusion.
	plans []string
}

// check returns the rules service s at location l fails, in
// ExclusionCodes order; open is the state at the rules' instant, zone the
// zone its hours are read in.
func (e *Eligible) check(s *directory.Service, l *directory.Location, open directory.OpenState, zone *time.Location) []ruleHit {
	var out []ruleHit
	add := func(code string) { out = append(out, ruleHit{code: code, svc: s, open: open, zone: zone}) }
	el := s.Eligibility
	if p := e.person; p != nil {
		if !el.ServesGender(p.Gender) {
			add(ExclGender)
		}
		if p.Age != nil && !el.Age.Contains(*p.Age) {
			add(ExclAge)
		}
		if !el.ServesPopulations(e.has) && !ageDecides(el, p) {
			if onlyVeterans(el.Populations) {
				add(ExclVeteransOnly)
			} else {
				add(ExclPopulation)
			}
		}
	}
	if e.place != nil && !s.Area.IsZero() && geo.Covers(search.AreaService(s), *e.place) == geo.NotCovered {
		add(ExclOutsideArea)
	}
	if (e.c.OpenNow || e.c.OpenAt != nil) && open.Known && !open.Open {
		add(ExclClosed)
	}
	if p := e.person; p != nil && !insuranceOK(s, p.Insurance) {
		out = append(out, ruleHit{code: ExclInsurance, svc: s, plans: p.Insurance})
	}
	if e.c.FreeOnly && s.Cost == directory.CostFee {
		add(ExclFee)
	}
	if e.c.WalkIn && len(s.Apply) > 0 && !contains(s.Apply, directory.ApplyWalkIn) {
		add(ExclWalkIn)
	}
	if e.c.Wheelchair && l != nil && l.Wheelchair != nil && !*l.Wheelchair {
		add(ExclWheelchair)
	}
	return out
}

// needsOpen reports whether the rules read opening hours.
func (e *Eligible) needsOpen() bool { return e.c.OpenNow || e.c.OpenAt != nil }

// insuranceOK reports whether a person with plans can pay for s: the
// listing names no plans, or one of the person's, or the service is free
// or has a sliding scale, or (for a person with a plan it does not take)
// it serves uninsured people, who pay another way. A person who gave no
// plans is never excluded.
func insuranceOK(s *directory.Service, plans []string) bool {
	if len(plans) == 0 || len(s.Insurance) == 0 {
		return true
	}
	for _, p := range plans {
		if contains(s.Insurance, p) {
			return true
		}
	}
	if s.Cost == directory.CostFree || s.Cost == directory.CostSlidingScale {
		return true
	}
	return contains(s.Insurance, directory.InsuranceNone)
}

// ageDecides reports whether a service restricted to youth or seniors
// also gives an age range, and the person their age: the age rule then
// says it all, and the population rule is not reported again.
func ageDecides(el directory.Eligibility, p *Person) bool {
	if p.Age == nil || el.Age.IsZero() {
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

// ageText writes an age range for people: "18-24", "18+", "0-17".
func ageText(a directory.AgeRange) (min, max string) {
	if a.Min != nil {
		min = strconv.Itoa(*a.Min)
	}
	if a.Max != nil {
		max = strconv.Itoa(*a.Max)
	}
	return min, max
}
