package report

import (
	"cmp"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/listings"
)

// The stale-listing queue: the listings coordinators should check next.
// A listing is in it when it is stale (not verified within the
// directory's stale_after) or the public reported a problem with it since
// it was last verified. Listings with reports come first; within each,
// crisis services, then emergency shelter, then substance use treatment,
// then the rest; then the oldest verification (never verified first).

// Tiers order the queue by what matters when a listing is wrong.
const (
	TierCrisis    = 0 // crisis lines, domestic violence
	TierShelter   = 1 // emergency shelter
	TierTreatment = 2 // substance use treatment
	TierOther     = 3
)

// TierOf returns the queue tier of s: its most urgent category's.
func TierOf(s *directory.Service) int {
	tier := TierOther
	for _, c := range s.Categories {
		switch {
		case directory.RootOf(c) == "crisis":
			tier = min(tier, TierCrisis)
		case c == "housing.emergency-shelter":
			tier = min(tier, TierShelter)
		case directory.RootOf(c) == "substance-use":
			tier = min(tier, TierTreatment)
		}
	}
	return tier
}

// QueueFilter narrows and pages the queue. Zero fields select everything
// and the first page.
type QueueFilter struct {
	// County is a 5-digit FIPS code: services at a location in it or
	// serving it.
	County string
	// Need is a category id: services in it or one of its subcategories.
	Need string
	// Source is the name of the dataset a listing came from; "-" selects
	// listings written by hand (no source).
	Source string
	// Page is 1-based; PerPage 0 means QueuePerPage.
	Page, PerPage int
}

// QueuePerPage is the queue's page size.
const QueuePerPage = 50

// QueueItem is one listing of the queue.
type QueueItem struct {
	Service *directory.Service
	Tier    int
	// Stale is whether it is past stale_after; LastVerified is zero and
	// AgeDays -1 when it was never verified.
	Stale        bool
	LastVerified time.Time
	AgeDays      int
	// Problems counts the public's reports since it was last verified,
	// by problem (Problems order); Reported is their sum.
	Problems []int64
	Reported int64
	// File is the listing file, relative to the data directory.
	File string
}

// Command returns the command that marks the listing checked.
func (it QueueItem) Command() string { return "trellis verify " + it.Service.Key() }

// Option is a filter's choice with how many listings of the queue it
// keeps.
type Option struct {
	Value, Label string
	Count        int
}

// Queue is a page of the queue.
type Queue struct {
	Items []QueueItem
	// Total is the listings the filter keeps; First and Last number the
	// page's (1-based; 0 when empty); Page and Pages are the page's number
	// and the count.
	Total, First, Last, Page, Pages int
	// Stale and Reported count the whole queue (before the filter).
	Stale, Reported, All int
	// Counties, Needs and Sources are the filters' choices over the
	// whole queue.
	Counties, Needs, Sources []Option
}

// BuildQueue returns the page of the queue of cat at now that f selects.
// problems are the reports (any days; those on or before a listing's
// last verification are left out); places names counties and may be nil.
// needLabel names a category (nil: the id).
func BuildQueue(cat *directory.Catalog, places *geo.Gazetteer, now time.Time, problems []ProblemCount, f QueueFilter, needLabel func(string) string) Queue {
	stale := listings.Stale(cat, now, 0)
	today := stale.Today
	limit := int(stale.OlderThan / (24 * time.Hour))
	byKey := map[string][]ProblemCount{}
	for _, p := range problems {
		byKey[p.ServiceKey] = append(byKey[p.ServiceKey], p)
	}
	var all []QueueItem
	cat.Services(func(s *directory.Service) {
		it := QueueItem{Service: s, Tier: TierOf(s), LastVerified: s.LastVerified, AgeDays: -1, Problems: make([]int64, len(Problems)),
			File: path.Join(listings.ListingsDir, s.Org.File)}
		if !s.LastVerified.IsZero() {
			it.AgeDays = int(today.Sub(s.LastVerified).Hours() / 24)
		}
		it.Stale = it.AgeDays < 0 || it.AgeDays > limit
		for _, p := range byKey[s.Key()] {
			// A report on or before the day it was verified was answered
			// by that check.
			if !s.LastVerified.IsZero() && !p.Day.After(s.LastVerified) {
				continue
			}
			if i := slices.Index(Problems, p.Problem); i >= 0 {
				it.Problems[i] += p.N
				it.Reported += p.N
			}
		}
		if it.Stale || it.Reported > 0 {
			all = append(all, it)
		}
	})
	slices.SortStableFunc(all, func(a, b QueueItem) int {
		if (a.Reported > 0) != (b.Reported > 0) {
			if a.Reported > 0 {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(a.Tier, b.Tier); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Reported, a.Reported); c != 0 {
			return c
		}
		// Never verified (zero time) first, then the oldest.
		return cmp.Compare(a.LastVerified.Unix(), b.LastVerified.Unix())
	})

	q := Queue{All: len(all)}
	counties := map[string]int{}
	needs := map[string]int{}
	sources := map[string]int{}
	var kept []QueueItem
	for _, it := range all {
		if it.Stale {
			q.Stale++
		}
		if it.Reported > 0 {
			q.Reported++
		}
		cs := serviceCounties(it.Service, places)
		for _, c := range cs {
			counties[c]++
		}
		roots := map[string]bool{}
		for _, c := range it.Service.Categories {
			roots[directory.RootOf(c)] = true
		}
		for r := range roots {
			needs[r]++
		}
		src := sourceOf(it.Service)
		sources[src]++
		if f.County != "" && !slices.Contains(cs, f.County) {
			continue
		}
		if f.Need != "" && !slices.ContainsFunc(it.Service.Categories, func(c string) bool {
			return c == f.Need || directory.RootOf(c) == f.Need
		}) {
			continue
		}
		if f.Source != "" && src != f.Source {
			continue
		}
		kept = append(kept, it)
	}
	q.Counties = options(counties, func(fips string) string {
		if places != nil {
			if c, ok := places.CountyByFIPS(fips); ok {
				return geo.CountyLabel(c)
			}
		}
		return fips
	})
	q.Needs = options(needs, needLabel)
	q.Sources = options(sources, func(s string) string { return s })

	per := f.PerPage
	if per <= 0 {
		per = QueuePerPage
	}
	q.Total = len(kept)
	q.Pages = max(1, (q.Total+per-1)/per)
	q.Page = min(max(f.Page, 1), q.Pages)
	start := (q.Page - 1) * per
	end := min(start+per, q.Total)
	if start < end {
		q.Items = kept[start:end]
		q.First, q.Last = start+1, end
	}
	return q
}

// sourceOf names the dataset a service's listing came from, "-" for
// none.
func sourceOf(s *directory.Service) string {
	if s.Source.Name != "" {
		return s.Source.Name
	}
	if s.Org != nil && s.Org.Source.Name != "" {
		return s.Org.Source.Name
	}
	return "-"
}

// serviceCounties returns the FIPS codes of the counties a service is at
// (its locations') or, without locations, serves.
func serviceCounties(s *directory.Service, places *geo.Gazetteer) []string {
	var out []string
	add := func(fips string) {
		if fips != "" && !slices.Contains(out, fips) {
			out = append(out, fips)
		}
	}
	for _, l := range s.Locations {
		switch {
		case l.Address != nil && l.Address.CountyFIPS != "":
			add(l.Address.CountyFIPS)
		case l.HasPoint && places != nil:
			add(places.At(l.Point).County.FIPS)
		}
	}
	if len(out) == 0 && s.Area != nil {
		for _, c := range s.Area.Counties {
			add(c.FIPS)
		}
	}
	return out
}

// options returns a filter's choices, labelled, most listings first.
func options(counts map[string]int, label func(string) string) []Option {
	out := make([]Option, 0, len(counts))
	for v, n := range counts {
		l := v
		if label != nil {
			if s := label(v); s != "" {
				l = s
			}
		}
		out = append(out, Option{Value: v, Label: l, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return strings.ToLower(out[i].Label) < strings.ToLower(out[j].Label)
	})
	return out
}
