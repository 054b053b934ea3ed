package match

import (
	"context"
	"fmt"
	"slices"

	"trellis/internal/directory"
	"trellis/internal/need"
)

// ReadAs says how a need was read: the categories it was matched against
// and the words that named them, so the specialist can see (and correct)
// the reading.
type ReadAs struct {
	// Categories are the taxonomy categories the need was read as. A
	// top-level category includes its subcategories.
	Categories []string
	// Words are the phrases and words of the need's text that were kept,
	// each with what it named.
	Words []need.Word
	// Who are the genders and populations the words name ("women",
	// "lgbtq"): services made for them rank first, services that turn the
	// person away are left out with why.
	Who []string
	// Crisis are the kinds of crisis the words read as.
	Crisis []string
	// Corrections maps misspelled words to the words read instead.
	Corrections map[string]string
	// Ignored are words that matched nothing in the directory.
	Ignored []string
	// Widened are parent categories added because the subcategory the
	// need names has fewer than MinResults eligible services in reach
	// ("detox" -> all substance use treatment).
	Widened []string
	// Purpose are the categories of Categories named only as what another
	// need is for (need.Reading.Purpose); Categories lists them last.
	Purpose []string
	// TextSearch is true when no category could be read: the need was
	// matched against the listings' own words instead.
	TextSearch bool
	// Urgent is true when the words ask for now ("tonight", "now",
	// "esta noche"): being open now or opening soon then counts double in
	// the ranking. It never excludes a service whose hours are unknown.
	Urgent bool
	// Free is true when the words ask for free services: those known to
	// charge a fee are left out.
	Free bool
	// Age is the age the words say ("I'm 17"), taken as the person's when
	// the request gives none.
	Age *int
}

// newReadAs builds the ReadAs of a reading and the categories given as
// such.
func newReadAs(r *need.Reading, given []string, voc *need.Vocabulary) ReadAs {
	ra := ReadAs{Words: r.Words, Who: r.Who, Crisis: r.Crisis, Corrections: r.Corrections, Ignored: r.Ignored,
		Urgent: r.Urgent, Free: r.Free, Age: r.Age}
	cats := append(append([]string(nil), given...), r.Categories...)
	ra.Categories = need.PurposeLast(voc.Collapse(cats), r.Purpose)
	for _, c := range ra.Categories {
		if slices.Contains(r.Purpose, c) {
			ra.Purpose = append(ra.Purpose, c)
		}
	}
	return ra
}

// Result is the answer to a profile: one entry per need, in order.
type Result struct {
	Needs []NeedResult
}

// NeedResult is what was found for one need.
type NeedResult struct {
	Need   Need
	ReadAs ReadAs
	// ReachMeters is how far from the place services were looked for; 0
	// without a place (+Inf when the whole directory was). ReachWidened
	// is true when the default reach was widened because too few eligible
	// services were near.
	ReachMeters  float64
	ReachWidened bool
	// Widening says what was widened and from what; zero when nothing was.
	Widening Widening
	// Considered counts the services in the need's categories within
	// reach; Results are the best of those that are eligible, best first.
	Considered int
	Results    []Ranked
	// Excluded are the nearest of the services left out, with why;
	// ExcludedTotal counts them all and ExcludedCounts counts them by
	// reason code (a service failing two rules counts under both).
	Excluded       []Excluded
	ExcludedTotal  int
	ExcludedCounts map[string]int
	// Crisis are the crisis lines to show first, when the need reads as
	// a crisis.
	Crisis []directory.Line
	// Meetings are the recovery meetings found when the need asks for
	// one; nil otherwise.
	Meetings *MeetingAnswer
}

// Match ranks services for each need of p. It returns an *apperr.Error
// (Invalid, naming the field) for a profile that cannot be matched, and a
// wrapped error if ctx ends or the index fails.
func (m *Matcher) Match(ctx context.Context, p Profile) (*Result, error) {
	if err := p.normalize(m.tax); err != nil {
		return nil, err
	}
	r := renderer{lang: p.Lang, unit: p.Unit, now: p.Now, stale: m.cat.Info.StaleAfter}
	out := &Result{Needs: make([]NeedResult, 0, len(p.Needs))}
	for _, n := range p.Needs {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("match: %w", err)
		}
		t := m.newTask(n, p.Place, p.TravelMeters, p.Person, p.Constraints, p.Now, false)
		t.topK, t.excludedKeep = p.Limit, p.ExcludedLimit
		if p.AllExcluded {
			t.excludedKeep = -1
		}
		o, err := m.run(ctx, t)
		if err != nil {
			t.release()
			return nil, err
		}
		o.widening.Why = r.widening(m, o.widening, len(o.ranked), o.excludedTotal)
		nr := NeedResult{Need: n, ReadAs: o.readAs, ReachMeters: o.reachMeters, ReachWidened: o.reachWidened,
			Widening: o.widening, Considered: o.considered, ExcludedTotal: o.excludedTotal, ExcludedCounts: o.excludedCounts,
			Crisis: m.crisisLines(&o.readAs)}
		for i := range o.ranked[:min(p.Limit, len(o.ranked))] {
			rk := o.ranked[i]
			rk.Reasons = r.resultReasons(m, &rk, t.person, &o.readAs)
			nr.Results = append(nr.Results, rk)
		}
		for _, e := range o.excluded {
			nr.Excluded = append(nr.Excluded, m.excludedView(e, t, r))
		}
		nr.Meetings = m.meetings(t, MeetingFilter{}, p.Limit)
		t.release()
		out.Needs = append(out.Needs, nr)
	}
	return out, nil
}

// crisisLines returns the crisis lines for a reading: those answering its
// kinds of crisis, or every crisis line when it names a crisis category
// (the crisis tile).
func (m *Matcher) crisisLines(ra *ReadAs) []directory.Line {
	cr := m.cat.Info.Crisis
	if len(ra.Crisis) > 0 {
		return cr.LinesFor(ra.Crisis)
	}
	for _, c := range ra.Categories {
		if directory.RootOf(c) == "crisis" {
			kinds := []string{}
			if c == "crisis.domestic-violence" {
				kinds = append(kinds, directory.CrisisViolence)
			}
			return cr.LinesFor(kinds)
		}
	}
	return nil
}

// docKey returns a ranked result's document key.
func (r *Ranked) Key() string { return r.key }

// Categories counts eligible services by category, for facets.
type CategoryCount struct {
	ID       string          `json:"id"`
	Count    int             `json:"count"`
	Children []CategoryCount `json:"children,omitempty"`
}

// facets counts the services by top-level category, with the
// subcategory counts inside, largest first.
func (m *Matcher) facets(services []*directory.Service) []CategoryCount {
	counts := map[string]int{}
	var seen []string
	for _, s := range services {
		seen = seen[:0]
		for _, c := range s.Categories {
			for _, id := range []string{c, directory.RootOf(c)} {
				if !slices.Contains(seen, id) {
					seen = append(seen, id)
					counts[id]++
				}
			}
		}
	}
	out := []CategoryCount{}
	for _, root := range m.tax.Roots {
		if counts[root.ID] == 0 {
			continue
		}
		cc := CategoryCount{ID: root.ID, Count: counts[root.ID]}
		for _, ch := range root.Children {
			if counts[ch.ID] > 0 {
				cc.Children = append(cc.Children, CategoryCount{ID: ch.ID, Count: counts[ch.ID]})
			}
		}
		sortCounts(cc.Children)
		out = append(out, cc)
	}
	sortCounts(out)
	return out
}

func sortCounts(cs []CategoryCount) {
	slices.SortStableFunc(cs, func(a, b CategoryCount) int { return b.Count - a.Count })
}
