package directory

// Genders a service may be restricted to and a person may give.
const (
	GenderFemale    = "female"
	GenderMale      = "male"
	GenderNonbinary = "nonbinary"
)

// Genders lists the valid gender values.
var Genders = []string{GenderFemale, GenderMale, GenderNonbinary}

// Populations are the circumstances that decide eligibility beyond age and
// gender. A service restricted to populations serves only people in at least
// one of them; a service that focuses on populations serves everyone and
// especially them.
const (
	PopulationVeterans        = "veterans"         // served in the armed forces
	PopulationFamilies        = "families"         // adults with minor children in their care
	PopulationPregnant        = "pregnant"         // pregnant or postpartum
	PopulationYouth           = "youth"            // young people on their own (ages are in Age)
	PopulationSeniors         = "seniors"          // older adults (ages are in Age)
	PopulationLGBTQ           = "lgbtq"            // lesbian, gay, bisexual, transgender, queer
	PopulationJusticeInvolved = "justice-involved" // recently released, on probation or parole
	PopulationMOUD            = "moud"             // on medication for opioid use disorder
	PopulationDisability      = "disability"       // living with a disability
	PopulationDVSurvivors     = "dv-survivors"     // survivors of domestic or sexual violence
	PopulationImmigrants      = "immigrants"       // immigrants and refugees
	PopulationHomeless        = "homeless"         // experiencing homelessness
)

// Populations lists the valid population values.
var Populations = []string{
	PopulationVeterans, PopulationFamilies, PopulationPregnant, PopulationYouth,
	PopulationSeniors, PopulationLGBTQ, PopulationJusticeInvolved, PopulationMOUD,
	PopulationDisability, PopulationDVSurvivors, PopulationImmigrants, PopulationHomeless,
}

// AgeRange is an inclusive range of ages in years. A nil bound is open.
type AgeRange struct {
	Min *int
	Max *int
}

// IsZero reports whether the range has no bound.
func (a AgeRange) IsZero() bool { return a.Min == nil && a.Max == nil }

// Contains reports whether age falls inside the range.
func (a AgeRange) Contains(age int) bool {
	if a.Min != nil && age < *a.Min {
		return false
	}
	if a.Max != nil && age > *a.Max {
		return false
	}
	return true
}

// Eligibility says who a service is for. Empty fields mean the listing sets
// no rule: unknown eligibility is never a reason to exclude anybody.
type Eligibility struct {
	Age AgeRange
	// Genders, when set, are the only genders served.
	Genders []string
	// Populations, when set, restrict the service to people in at least one
	// of them (e.g. [families] for a family shelter).
	Populations []string
	// Focus lists populations the service is made for without turning others
	// away (e.g. [lgbtq] for an LGBTQ-affirming drop-in).
	Focus []string
	// Income, Residency and Notes are plain text as the listing gives them.
	Income    string
	Residency string
	Documents []string
	Notes     string
}

// ServesGender reports whether a person of gender g is served; an empty g
// (not given) is always served.
func (e Eligibility) ServesGender(g string) bool {
	if g == "" || len(e.Genders) == 0 {
		return true
	}
	return contains(e.Genders, g)
}

// ServesPopulations reports whether a person with circumstances has is
// served: true when the service is not restricted to populations or the
// person is in one of them.
func (e Eligibility) ServesPopulations(has []string) bool {
	if len(e.Populations) == 0 {
		return true
	}
	for _, p := range e.Populations {
		if contains(has, p) {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
