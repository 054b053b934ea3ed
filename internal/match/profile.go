package match

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
)

// Limits on a profile.
const (
	// MaxNeeds is how many needs one match may ask for.
	MaxNeeds = 10
	// MaxNeedLen is the longest need text, in characters.
	MaxNeedLen = 200
	// DefaultLimit and MaxLimit bound the ranked results per need.
	DefaultLimit = 5
	MaxLimit     = 50
	// DefaultExcludedLimit and MaxExcludedLimit bound the excluded
	// services listed per need (the counts cover all of them), unless a
	// profile asks for AllExcluded.
	DefaultExcludedLimit = 5
	MaxExcludedLimit     = 50
	// DefaultTravel is how far a person is taken to travel when the
	// profile does not say: 10 miles. When fewer than MinResults eligible
	// services lie within it, the matcher widens the reach step by step
	// up to MaxTravel (and says so); a distance the profile gives is kept.
	DefaultTravel = 10 * geo.MetersPerMile
	MaxTravel     = 50 * geo.MetersPerMile
	// MinResults is how many eligible services a need should have before
	// the matcher stops widening (a subcategory to its parent, the default
	// reach to MaxTravel).
	MinResults = 3
	// outOfSeason scales the score of a seasonal service out of its
	// season: still listed, below those operating.
	outOfSeason = 0.5
)

// Profile is what a specialist says about the person in front of them:
// their needs, where they are, who they are and what constrains them.
// Nothing in it is stored or logged.
type Profile struct {
	// Needs are what the person is looking for, one entry per need.
	Needs []Need
	// Place is where the person is; nil when unknown (no distances).
	Place *geo.Place
	// TravelMeters is how far the person can travel; 0 means
	// DefaultTravel, widened when too little is near.
	TravelMeters float64
	// Person is who the person is; nil when not said, in which case no
	// service is excluded for who it serves.
	Person *need.Person
	// Constraints are hard requirements of the visit.
	Constraints need.Constraints
	// Now is the time of the request; hours are read at it.
	Now time.Time
	// Lang is the language of the reasons ("en" or "es"); Unit is "mi" or
	// "km" for distances.
	Lang string
	Unit string
	// Limit is how many ranked results each need gets (0 means
	// DefaultLimit); ExcludedLimit how many excluded services are listed
	// (0 means DefaultExcludedLimit).
	Limit         int
	ExcludedLimit int
	// AllExcluded lists every excluded service, ExcludedLimit aside, for
	// a caller that pages through them itself (the workspace's "show all
	// left out"). The API never sets it: its excluded_limit stays within
	// MaxExcludedLimit.
	AllExcluded bool
}

// Need is one need: taxonomy category ids, plain words, or both.
type Need struct {
	// Text is the need in the person's or specialist's words, English or
	// Spanish, misspellings and all ("a bed tonight", "necesito trabajo").
	Text string
	// Categories are taxonomy ids ("housing.emergency-shelter").
	Categories []string
}

// Label returns how the need is named in the answer: its text, else its
// categories joined by commas.
func (n Need) Label() string {
	if n.Text != "" {
		return n.Text
	}
	return strings.Join(n.Categories, ", ")
}

// normalize checks p against tax and fills its defaults. It returns an
// *apperr.Error naming the field at fault (JSON member names, "needs.1",
// "person.age") for a profile that cannot be matched.
func (p *Profile) normalize(tax *directory.Taxonomy) error {
	switch {
	case len(p.Needs) == 0:
		return apperr.Field("needs", "give at least one need, as words (\"a bed tonight\") or category ids")
	case len(p.Needs) > MaxNeeds:
		return apperr.Field("needs", "give at most %d needs, not %d", MaxNeeds, len(p.Needs))
	case p.Limit < 0 || p.Limit > MaxLimit:
		return apperr.Field("limit", "limit must be between 1 and %d", MaxLimit)
	case p.ExcludedLimit < 0 || p.ExcludedLimit > MaxExcludedLimit:
		return apperr.Field("excluded_limit", "excluded_limit must be between 0 and %d", MaxExcludedLimit)
	case p.TravelMeters < 0 || math.IsNaN(p.TravelMeters) || math.IsInf(p.TravelMeters, 0):
		return apperr.Field("travel", "travel must be a positive distance such as 5mi")
	case p.TravelMeters > 0 && p.Place == nil:
		return apperr.Field("travel", "a travel distance needs a place: give near")
	case p.Constraints.OpenNow && p.Constraints.OpenAt != nil:
		return apperr.Field("constraints.open_at", "give either open_now or open_at, not both")
	}
	for i := range p.Needs {
		n := &p.Needs[i]
		field := fmt.Sprintf("needs.%d", i)
		n.Text = strings.TrimSpace(n.Text)
		if n.Text == "" && len(n.Categories) == 0 {
			return apperr.Field(field, "need %d is empty: give words or category ids", i+1)
		}
		if utf8.RuneCountInString(n.Text) > MaxNeedLen {
			return apperr.Field(field, "need %d is longer than %d characters", i+1, MaxNeedLen)
		}
		for _, c := range n.Categories {
			if tax.Category(c) == nil {
				return apperr.Field(field+".categories", "unknown category %q; GET /api/v1/taxonomy lists them", c)
			}
		}
	}
	if p.Person != nil {
		if err := p.Person.Normalize(); err != nil {
			return err
		}
	}
	if p.Limit == 0 {
		p.Limit = DefaultLimit
	}
	if p.ExcludedLimit == 0 {
		p.ExcludedLimit = DefaultExcludedLimit
	}
	if p.Now.IsZero() {
		p.Now = time.Now()
	}
	if p.Lang == "" {
		p.Lang = directory.Languages[0]
	}
	if p.Unit != "km" {
		p.Unit = "mi"
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
