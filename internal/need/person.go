package need

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/directory"
)

// Person is who the person is, as far as eligibility goes. Every field is
// optional; what is not given never excludes a service.
type Person struct {
	Age *int
	// Gender is one of directory.Genders, or "".
	Gender string
	// Veteran is nil when not said.
	Veteran *bool
	// Insurance lists the plans the person has (directory.InsurancePlans;
	// "none" for uninsured); empty when not said.
	Insurance []string
	// Languages are BCP 47 codes the person speaks, the preferred first.
	Languages []string
	// Circumstances are the person's populations (directory.Populations,
	// plus "children", read as "families"). See Rules for which ones are
	// taken as a complete list.
	Circumstances []string
}

// Constraints are what a service must offer for this visit. A listing that
// does not say is never excluded by them.
type Constraints struct {
	// OpenNow drops services known to be closed at the request's time;
	// OpenAt does the same at another instant.
	OpenNow bool
	OpenAt  *time.Time
	// FreeOnly drops services known to charge a fee.
	FreeOnly bool
	// WalkIn drops services that list ways to apply without walk-in.
	WalkIn bool
	// Wheelchair drops locations known not to be wheelchair accessible.
	Wheelchair bool
	// Languages drops services that list the languages they are offered
	// in and none of these (primary subtags); a listing that names none
	// is kept.
	Languages []string
}

// IsZero reports whether no constraint is set.
func (c Constraints) IsZero() bool {
	return !c.OpenNow && c.OpenAt == nil && !c.FreeOnly && !c.WalkIn && !c.Wheelchair && len(c.Languages) == 0
}

// Ages that put a person among "youth" (at most) and "seniors" (at least).
// Listings give the exact ranges in Eligibility.Age; these only decide the
// population words. Seniors start at 55, the lowest age senior services
// commonly use, so that nobody is excluded by a guess.
const (
	YouthMaxAge  = 24
	SeniorMinAge = 55
)

// circumstanceAliases are words accepted in Person.Circumstances for a
// population.
var circumstanceAliases = map[string]string{
	"children":   directory.PopulationFamilies,
	"kids":       directory.PopulationFamilies,
	"reentry":    directory.PopulationJusticeInvolved,
	"veteran":    directory.PopulationVeterans,
	"disabled":   directory.PopulationDisability,
	"dv":         directory.PopulationDVSurvivors,
	"refugees":   directory.PopulationImmigrants,
	"immigrant":  directory.PopulationImmigrants,
	"homeless":   directory.PopulationHomeless,
	"pregnancy":  directory.PopulationPregnant,
	"postpartum": directory.PopulationPregnant,
}

// CircumstanceNames lists the values Person.Circumstances accepts.
func CircumstanceNames() []string {
	out := append([]string(nil), directory.Populations...)
	return append(out, "children")
}

// Normalize checks a person's fields and puts them in canonical form
// (lower case, primary language subtags, circumstances as populations). It
// returns an *apperr.Error naming the field ("person.age") for a bad value.
func (pe *Person) Normalize() error {
	if pe.Age != nil && (*pe.Age < 0 || *pe.Age > 130) {
		return apperr.Field("person.age", "age must be between 0 and 130")
	}
	pe.Gender = strings.ToLower(strings.TrimSpace(pe.Gender))
	if pe.Gender != "" && !slices.Contains(directory.Genders, pe.Gender) {
		return apperr.Field("person.gender", "gender must be one of %s, not %q", strings.Join(directory.Genders, ", "), pe.Gender)
	}
	for i, ins := range pe.Insurance {
		ins = strings.ToLower(strings.TrimSpace(ins))
		if !slices.Contains(directory.InsurancePlans, ins) {
			return apperr.Field(fmt.Sprintf("person.insurance.%d", i), "insurance must be among %s, not %q", strings.Join(directory.InsurancePlans, ", "), ins)
		}
		pe.Insurance[i] = ins
	}
	if slices.Contains(pe.Insurance, directory.InsuranceNone) && len(pe.Insurance) > 1 {
		return apperr.Field("person.insurance", "\"none\" (uninsured) cannot go with a plan")
	}
	for i, l := range pe.Languages {
		n := NormLanguage(l)
		if len(n) < 2 || len(n) > 3 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz") != "" {
			return apperr.Field(fmt.Sprintf("person.languages.%d", i), "languages are codes such as en or es, not %q", l)
		}
		pe.Languages[i] = n
	}
	var cs []string
	for i, c := range pe.Circumstances {
		c = strings.ToLower(strings.TrimSpace(c))
		if a, ok := circumstanceAliases[c]; ok {
			c = a
		}
		if !slices.Contains(directory.Populations, c) {
			return apperr.Field(fmt.Sprintf("person.circumstances.%d", i), "unknown circumstance %q; use one of %s", pe.Circumstances[i], strings.Join(CircumstanceNames(), ", "))
		}
		if !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	pe.Circumstances = cs
	if slices.Contains(cs, directory.PopulationVeterans) {
		if pe.Veteran != nil && !*pe.Veteran {
			return apperr.Field("person.veteran", "veteran false contradicts the circumstance \"veterans\"")
		}
		t := true
		pe.Veteran = &t
	}
	return nil
}

// IsZero reports whether nothing is known of the person.
func (pe *Person) IsZero() bool {
	return pe == nil || (pe.Age == nil && pe.Gender == "" && pe.Veteran == nil && len(pe.Insurance) == 0 &&
		len(pe.Languages) == 0 && len(pe.Circumstances) == 0)
}

// With returns the person as p says and as the words of r add: a gender
// the words name when p gives none, veteran when the words say so and p
// does not say otherwise, the populations the words name, and the age
// the words say ("I'm 17") when p gives none. p is not changed; nil and a
// reading that names nobody give p itself.
func (r *Reading) With(p *Person) *Person {
	if len(r.Who) == 0 && (r.Age == nil || (p != nil && p.Age != nil)) {
		return p
	}
	out := &Person{}
	if p != nil {
		c := *p
		c.Circumstances = append([]string(nil), p.Circumstances...)
		out = &c
	}
	if out.Age == nil && r.Age != nil {
		age := *r.Age
		out.Age = &age
	}
	for _, w := range r.Who {
		switch {
		case slices.Contains(directory.Genders, w):
			if out.Gender == "" {
				out.Gender = w
			}
		case w == directory.PopulationVeterans:
			if out.Veteran == nil {
				t := true
				out.Veteran = &t
			}
			if *out.Veteran && !slices.Contains(out.Circumstances, w) {
				out.Circumstances = append(out.Circumstances, w)
			}
		case !slices.Contains(out.Circumstances, w):
			out.Circumstances = append(out.Circumstances, w)
		}
	}
	return out
}

// Ages returns the ages the person may be: their age, or the range their
// circumstances imply (youth: up to YouthMaxAge; seniors: SeniorMinAge and
// over), or none known (ok false).
func (pe *Person) Ages() (lo, hi int, ok bool) {
	switch {
	case pe == nil:
		return 0, 0, false
	case pe.Age != nil:
		return *pe.Age, *pe.Age, true
	case slices.Contains(pe.Circumstances, directory.PopulationYouth) && !slices.Contains(pe.Circumstances, directory.PopulationSeniors):
		return 0, YouthMaxAge, true
	case slices.Contains(pe.Circumstances, directory.PopulationSeniors) && !slices.Contains(pe.Circumstances, directory.PopulationYouth):
		return SeniorMinAge, 130, true
	}
	return 0, 0, false
}

// NormLanguage returns the primary subtag of a BCP 47 tag, lower-cased:
// "es-MX" is "es".
func NormLanguage(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	if i := strings.IndexAny(t, "-_"); i >= 0 {
		t = t[:i]
	}
	return t
}
