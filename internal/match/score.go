package match

import (
	"math"
	"regexp"
	"slices"
	"strconv"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
)

// The ranking score. Every eligible service gets
//
//	score = wRelevance*relevance + wDistance*distance + wOpen*open*(2 if urgent)
//	      + wFit*fit + wLanguage*language + wCost*cost + wFresh*fresh
//
// where each part is a number from 0 to 1 computed below. Ties are broken
// by service id, then location id, so the same profile on the same data
// always gives the same order. The weights and the reasoning behind them
// live here and nowhere else.
const (
	// Relevance leads: a service that is not what the person asked for is
	// no help however close it is. It separates a dedicated shelter from
	// a day center that also lists shelter referrals, and a general
	// substance-use program from a methadone clinic when the person said
	// "drinking".
	wRelevance = 0.40
	// Distance is next: people without a car reach what is near. It
	// decays by half every distanceHalfLife, so 1 mile and 3 miles differ
	// more than 11 and 13.
	wDistance = 0.25
	// Open now or opening soon matters on the day; it counts double for
	// urgent needs ("a bed tonight"). Unknown hours sit between open and
	// closed, since most listings give none.
	wOpen = 0.10
	// Eligibility fit: a service made for the person (a veterans'
	// program for a veteran, a men's shelter for a man, a youth program
	// for a 20-year-old) is likelier to take them and to suit them.
	wFit = 0.16
	// Language, cost and freshness refine the order among similar
	// services: a Spanish speaker is better served where Spanish is
	// spoken, free beats a fee, and a recently verified listing is likelier
	// to be right.
	wLanguage = 0.04
	wCost     = 0.03
	wFresh    = 0.02
)

// Parameters of the parts.
const (
	// distanceHalfLife is the distance at which the distance part halves.
	distanceHalfLife = 2 * geo.MetersPerMile
	// openingSoon is how soon a closed service must open to count as
	// opening soon.
	openingSoon = 3 * time.Hour
	// recentlyVerified listings get the whole freshness part; older ones
	// lose it linearly until the directory's stale age.
	recentlyVerified = 90 * 24 * time.Hour
)

// Parts are the parts of a score, each from 0 to 1.
type Parts struct {
	Relevance float64 `json:"relevance"`
	Distance  float64 `json:"distance"`
	Open      float64 `json:"open"`
	Fit       float64 `json:"fit"`
	Language  float64 `json:"language"`
	Cost      float64 `json:"cost"`
	Fresh     float64 `json:"fresh"`
}

// total combines the parts with the weights; urgent doubles the open part.
func (p Parts) total(urgent bool) float64 {
	open := wOpen
	if urgent {
		open *= 2
	}
	return wRelevance*p.Relevance + wDistance*p.Distance + open*p.Open + wFit*p.Fit +
		wLanguage*p.Language + wCost*p.Cost + wFresh*p.Fresh
}

// relevance scores how well a service's categories and name answer the
// need's categories (cats, as read; widened are parents added because the
// subcategory had too few services):
//
//   - 1.0 the service is in a read category itself, or in a read
//     top-level category at the top level (a general program asked for
//     generally);
//   - 0.85 the need named a top-level category and the service is only in
//     its subcategories (more specialised than asked: a methadone clinic
//     for "drinking"), less 0.06 for each subcategory listed before its
//     own: the taxonomy lists a need's subcategories most-asked-for first,
//     so "comida" ranks a pantry before a farmers market;
//   - 0.45 the service is only in a widened parent (not the detox asked
//     for, but substance use treatment).
//
// A match on a read category counts its factor (catFactors) of itself.
//
// Services listing many categories (multi-service centres) are less
// focused: the part is divided by 1+0.04 per extra category, down to 0.7
// of itself. A need word, or a one-word label or synonym of a read
// category ("shelter", "job", "detox"), in the service's name adds 0.15
// (up to 1): the name says it is what was asked for.
func relevance(s *directory.Service, nameWords []string, cats []string, factor []float64, widened, words []string, childRank map[string]int) float64 {
	best := 0.0
	for _, c := range s.Categories {
		for j, r := range cats {
			v := 0.0
			switch {
			case c == r:
				v = 1
			case directory.IsSubcategory(c, r):
				v = 0.85 - 0.06*float64(childRank[c])
			}
			v *= factor[j]
			best = max(best, v)
		}
		for _, r := range widened {
			if c == r || directory.IsSubcategory(c, r) {
				best = max(best, 0.45)
			}
		}
	}
	if n := len(s.Categories); n > 1 {
		best *= max(0.7, 1/(1+0.04*float64(n-1)))
	}
	for _, w := range words {
		if contains(nameWords, w) {
			best += 0.15
			break
		}
	}
	return min(best, 1)
}

// generalFactor scales a match on a top-level category read beside a
// subcategory of another branch: in "suboxone doctor" or "mental health
// clinic walk in", the general word (doctor: health care) only says what
// kind of place, and the specific one (opioid treatment) is the need.
const generalFactor = 0.7

// purposeFactor scales a match on a category the need names only as what
// another is for (need.Reading.Purpose): for "a ride to the doctor" a
// clinic ranks below every ride, even below a widened need (0.45), since
// the person has a doctor and asked how to get there.
const purposeFactor = 0.4

// catFactors gives, for each of cats, what a match on it counts: 1, or
// generalFactor or purposeFactor (the lower) of itself. It depends on the
// reading alone, so it is worked out once per need, not per candidate.
func catFactors(cats, purpose []string) []float64 {
	out := make([]float64, len(cats))
	for i, r := range cats {
		out[i] = 1
		if slices.Contains(purpose, r) {
			out[i] = purposeFactor
			continue
		}
		if directory.RootOf(r) != r {
			continue
		}
		for _, c := range cats {
			if root := directory.RootOf(c); root != c && root != r {
				out[i] = generalFactor
				break
			}
		}
	}
	return out
}

// wordBonus is what a service whose own text holds the need's words adds
// to its relevance, scaled by how well it matches (the best match among
// the candidates gets all of it): within a category, a place that says
// "showers" answers "need a shower" better than one that does not.
const wordBonus = 0.1

// distancePart halves every distanceHalfLife; a service without a point
// (by phone, or a confidential address) whose area covers the person gets
// 0.5, and with no place every service gets 1.
func distancePart(d *float64, hasPlace bool) float64 {
	switch {
	case !hasPlace:
		return 1
	case d == nil:
		return 0.5
	}
	return math.Pow(0.5, *d/distanceHalfLife)
}

// openPart: open now 1 (0.6 when closing within the hour); closed but
// opening within openingSoon 0.7, within 12 hours 0.4, later 0.15;
// unknown hours 0.4 (0.35 by appointment): unknown is not closed, but a
// place known to be open is the surer bet.
func openPart(st directory.OpenState, at time.Time) float64 {
	switch {
	case !st.Known && st.ByAppointment:
		return 0.35
	case !st.Known:
		return 0.4
	case st.Open && !st.Until.IsZero() && st.Until.Sub(at) <= time.Hour:
		return 0.6
	case st.Open:
		return 1
	case !st.Next.IsZero() && st.Next.Sub(at) <= openingSoon:
		return 0.7
	case !st.Next.IsZero() && st.Next.Sub(at) <= 12*time.Hour:
		return 0.4
	}
	return 0.15
}

// veteranName matches service names that say they are for veterans, for
// listings whose source gives no eligibility ("VA Medical Center").
var veteranName = regexp.MustCompile(`\b(?:(?i:veterans?)|VA)\b`)

// The fit part's values.
const (
	// fitMade: the service is made for the person (its focus or
	// populations include theirs, a veterans' program for a veteran, or
	// it serves only the person's gender).
	fitMade = 1.0
	// fitRestricted: restricted to an age range that holds the person's
	// age.
	fitRestricted = 0.75
	// fitOpen: open to everyone.
	fitOpen = 0.5
	// fitUnsettled: restricted in a way the person's profile does not
	// settle (veterans only, and whether they are one is not said).
	fitUnsettled = 0.3
	// fitPartOfPublic: restricted to part of the public, and nothing is
	// known of the person: a women's or a youth shelter, on a search
	// nobody said who it is for, ranks below the shelters open to all.
	fitPartOfPublic = 0.05
)

// Restricted services the person is not known to be among are also
// scaled down, so that with nothing said of the person the services open
// to everyone come first within a few miles: the fit part alone moves a
// score by at most wFit.
const (
	// partOfPublicFactor scales a service restricted to part of the
	// public when nothing is known of the person (fitPartOfPublic).
	partOfPublicFactor = 0.8
	// unsettledFactor scales a service whose restriction the person's
	// profile does not settle (fitUnsettled).
	unsettledFactor = 0.9
)

// fitFactor is the factor a score is scaled by for its fit part.
func fitFactor(fit float64) float64 {
	switch fit {
	case fitPartOfPublic:
		return partOfPublicFactor
	case fitUnsettled:
		return unsettledFactor
	}
	return 1
}

// fitPart scores how well a service is made for the person, and the
// population or restriction that made it fit (see the fit constants).
func fitPart(s *directory.Service, p *need.Person) (float64, string) {
	el := s.Eligibility
	restricted := need.Restricted(s)
	if p.IsZero() {
		if restricted {
			return fitPartOfPublic, ""
		}
		return fitOpen, ""
	}
	mine := append([]string(nil), p.Circumstances...)
	if p.Veteran != nil && *p.Veteran {
		mine = append(mine, directory.PopulationVeterans)
	}
	if lo, hi, ok := p.Ages(); ok {
		if lo <= need.YouthMaxAge {
			mine = append(mine, directory.PopulationYouth)
		}
		if hi >= need.SeniorMinAge {
			mine = append(mine, directory.PopulationSeniors)
		}
	}
	for _, group := range [][]string{el.Focus, el.Populations} {
		for _, pop := range group {
			if contains(mine, pop) {
				return fitMade, pop
			}
		}
	}
	if p.Veteran != nil && *p.Veteran && (namesVeterans(s.Name) || namesVeterans(s.Org.Name)) {
		return fitMade, directory.PopulationVeterans
	}
	_, _, agesKnown := p.Ages()
	if (onlyVeterans(el.Populations) && p.Veteran == nil) || (need.AgeLimited(el.Age) && !agesKnown) {
		return fitUnsettled, ""
	}
	if len(el.Genders) > 0 && p.Gender != "" {
		// A women's shelter for a woman is made for her.
		return fitMade, "gender"
	}
	if !el.Age.IsZero() && p.Age != nil {
		return fitRestricted, "age"
	}
	if len(el.Populations) > 0 || len(el.Genders) > 0 {
		// Restricted to people the profile does not say the person is
		// among, but does not rule out either.
		return fitUnsettled, ""
	}
	return fitOpen, ""
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

// languagePart: for a person who speaks a language other than English,
// 1 where it is spoken, 0.5 where the listing names no language, 0.2
// where it names others only; 1 for everyone else. It also returns the
// language matched.
func languagePart(s *directory.Service, l *directory.Location, want []string) (float64, string) {
	var other []string
	for _, w := range want {
		if w != "en" {
			other = append(other, w)
		}
	}
	if len(other) == 0 {
		return 1, ""
	}
	offered := need.LanguagesOf(s, l)
	if len(offered) == 0 {
		return 0.5, ""
	}
	for _, w := range other {
		if contains(offered, w) {
			return 1, w
		}
	}
	return 0.2, ""
}

// costPart: free 1; takes one of the person's plans 0.9; sliding scale
// 0.8; unknown 0.5; a fee 0.2.
func costPart(s *directory.Service, plans []string) float64 {
	switch {
	case s.Cost == directory.CostFree:
		return 1
	case takesPlan(s, plans) != "":
		return 0.9
	case s.Cost == directory.CostSlidingScale:
		return 0.8
	case s.Cost == directory.CostFee:
		return 0.2
	}
	return 0.5
}

// takesPlan returns the first of the person's plans the service lists as
// accepted, or "".
func takesPlan(s *directory.Service, plans []string) string {
	for _, p := range plans {
		if contains(s.Insurance, p) {
			return p
		}
	}
	return ""
}

// freshPart: verified within recentlyVerified 1, then down linearly to 0.5
// at the stale age, 0.25 past it; 0.2 when never verified.
func freshPart(verified, now time.Time, stale time.Duration) float64 {
	if verified.IsZero() {
		return 0.2
	}
	age := now.Sub(verified)
	switch {
	case age <= recentlyVerified:
		return 1
	case stale <= recentlyVerified || age > stale:
		return 0.25
	}
	return 1 - 0.5*float64(age-recentlyVerified)/float64(stale-recentlyVerified)
}
