package listings

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// The codes of Lint's warnings.
const (
	// WarnDuplicate: two organizations (or two services of one
	// organization) with alike names at the same or a nearby address, or
	// with the same phone number.
	WarnDuplicate = "duplicate"
	// WarnStale: a service last verified longer ago than the stale age.
	WarnStale = "stale"
	// WarnUnverified: a service with no last_verified date.
	WarnUnverified = "unverified"
	// WarnUnreachable: an active service with no phone, no website or
	// email, and no address that is shown.
	WarnUnreachable = "unreachable"
)

// Warning is something in valid data a coordinator should look at: the
// data loads and serves, but may mislead.
type Warning struct {
	// Path, Line and Col are where the warning points, as in Error.
	Path      string
	Line, Col int
	// Code is one of the Warn* constants.
	Code string
	Msg  string
	// Related are other places the warning is about: the listing a likely
	// duplicate resembles. Msg does not repeat them.
	Related []Pos
}

// Pos returns where the warning points.
func (w Warning) Pos() Pos { return Pos{Path: w.Path, Line: w.Line, Col: w.Col} }

// String returns "path:line:col: msg", followed by " (see path:line:col)"
// for each related place.
func (w Warning) String() string {
	s := w.Pos().String() + ": " + w.Msg
	for _, r := range w.Related {
		s += " (see " + r.String() + ")"
	}
	return s
}

// LintOptions configure Lint.
type LintOptions struct {
	// Now is the current time for the stale check; zero means time.Now().
	Now time.Time
	// StaleAfter is the age after which a verification is stale; 0 means
	// the directory's stale_after.
	StaleAfter time.Duration
	// Positions are where Load read the catalog's values; without them
	// warnings name only the file.
	Positions *Positions
}

// Lint looks through a loaded catalog for likely duplicate listings,
// services not verified within the stale age (or never), services nobody
// can reach, and meetings that break a rule of the Meeting Guide
// specification (meetings_lint.go: last names, unknown type codes,
// directions in addresses, ...). It returns the warnings sorted by path, line, column
// and code; it never fails.
func Lint(cat *directory.Catalog, opt LintOptions) []Warning {
	if cat == nil {
		return nil
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	l := &linter{cat: cat, pos: opt.Positions}
	l.stale(opt.Now, opt.StaleAfter)
	l.unreachable()
	l.duplicateOrgs()
	l.duplicateServices()
	l.meetings()
	slices.SortFunc(l.out, func(a, b Warning) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Code, b.Code),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return l.out
}

type linter struct {
	cat *directory.Catalog
	pos *Positions
	out []Warning
}

func (l *linter) warn(p Pos, code, msg string, related ...Pos) {
	l.out = append(l.out, Warning{Path: p.Path, Line: p.Line, Col: p.Col, Code: code, Msg: msg, Related: related})
}

// stale warns about every service the stale report lists.
func (l *linter) stale(now time.Time, after time.Duration) {
	rep := Stale(l.cat, now, after)
	days := int(rep.OlderThan / (24 * time.Hour))
	for _, e := range rep.Services {
		s := e.Service
		if e.Never() {
			l.warn(l.pos.At(s, ""), WarnUnverified, fmt.Sprintf(
				"service %q has never been verified: once someone has checked it, add last_verified (YYYY-MM-DD) and verified_by", s.ID))
			continue
		}
		by := ""
		if e.VerifiedBy != "" {
			by = ", by " + e.VerifiedBy
		}
		l.warn(l.pos.At(s, "last_verified"), WarnStale, fmt.Sprintf(
			"service %q was last verified %s (%s days ago%s), more than %d days ago: check it and update last_verified and verified_by",
			s.ID, e.LastVerified.Format(time.DateOnly), thousands(e.AgeDays), by, days))
	}
}

// thousands writes n with comma separators: 2,930.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// unreachable warns about active services with no way in: no phone at the
// service, its locations or its organization, no website or email, and no
// location whose address is shown.
func (l *linter) unreachable() {
	l.cat.Services(func(s *directory.Service) {
		if s.Status == directory.StatusInactive || s.Status == directory.StatusDefunct {
			return
		}
		if len(s.ContactPhones(nil)) > 0 || s.URL != "" || s.Email != "" || s.Org.Website != "" || s.Org.Email != "" {
			return
		}
		for _, loc := range s.Locations {
			if loc.Address != nil && !loc.Confidential {
				return
			}
		}
		l.warn(l.pos.At(s, ""), WarnUnreachable, fmt.Sprintf(
			"service %q gives no way to reach it: no phone (on the service, its locations or the organization), no url, website or email, and no address that is shown; add one", s.ID))
	})
}

// --- duplicates ---------------------------------------------------------------

// Thresholds of the duplicate check.
const (
	// nameAlike is the soft token Jaccard similarity (see nameSimilarity)
	// from which two names count as alike.
	nameAlike = 0.75
	// nearMeters is how close two locations must be to count as the same
	// place.
	nearMeters = 50.0
	// apartMeters: two listings whose nearest locations are farther apart
	// than this are different places even when they share a phone (the
	// branches of one agency often do).
	apartMeters = 1000.0
)

// party is an organization or a service as the duplicate check sees it.
type party struct {
	v      any // *directory.Organization or *directory.Service
	label  string
	names  [][]string // normalized name tokens: name, alternate name
	raw    string
	phones map[string]bool
	addrs  map[string]bool
	points []orb.Point
}

func (p *party) addLocation(loc *directory.Location) {
	if loc.Address != nil {
		if k := addressKey(loc.Address); k != "" {
			p.addrs[k] = true
		}
	}
	if loc.HasPoint {
		p.points = append(p.points, loc.Point)
	}
	p.addPhones(loc.Phones)
}

func (p *party) addPhones(ps []directory.Phone) {
	for _, ph := range ps {
		if k := phoneKey(ph); k != "" {
			p.phones[k] = true
		}
	}
}

// newParty gathers what the duplicate check compares: the names, the
// phones (fax and short codes left out), and the addresses and points of
// locs.
func newParty(v any, label, name, alt string, phones [][]directory.Phone, locs []*directory.Location) *party {
	p := &party{v: v, label: label, raw: name, phones: map[string]bool{}, addrs: map[string]bool{}}
	for _, n := range []string{name, alt} {
		if t := nameTokens(n); len(t) > 0 {
			p.names = append(p.names, t)
		}
	}
	for _, ps := range phones {
		p.addPhones(ps)
	}
	for _, loc := range locs {
		p.addLocation(loc)
	}
	return p
}

// orgParty is an organization with its own phones, its locations' and its
// services'.
func orgParty(o *directory.Organization) *party {
	phones := [][]directory.Phone{o.Phones}
	for _, s := range o.Services {
		phones = append(phones, s.Phones)
	}
	return newParty(o, fmt.Sprintf("organization %q", o.ID), o.Name, o.AlternateName, phones, o.Locations)
}

// serviceParty is a service with its phones and its locations'.
func serviceParty(s *directory.Service) *party {
	return newParty(s, fmt.Sprintf("service %q", s.ID), s.Name, s.AlternateName, [][]directory.Phone{s.Phones}, s.Locations)
}

// duplicateOrgs compares organizations that share a phone, an address or
// a neighbourhood of 50 m, and warns about those with alike names.
func (l *linter) duplicateOrgs() {
	parties := make([]*party, len(l.cat.Organizations))
	for i, o := range l.cat.Organizations {
		parties[i] = orgParty(o)
	}
	for _, pair := range candidatePairs(parties) {
		a, b := parties[pair[0]], parties[pair[1]]
		if sim, evidence, ok := alike(a, b); ok {
			l.duplicate(a, b, sim, evidence, "name")
		}
	}
}

// duplicateServices compares the services of each organization with each
// other the same way.
func (l *linter) duplicateServices() {
	for _, o := range l.cat.Organizations {
		if len(o.Services) < 2 {
			continue
		}
		parties := make([]*party, len(o.Services))
		for i, s := range o.Services {
			parties[i] = serviceParty(s)
		}
		for _, pair := range candidatePairs(parties) {
			a, b := parties[pair[0]], parties[pair[1]]
			if sim, evidence, ok := alike(a, b); ok {
				l.duplicate(a, b, sim, evidence, "name")
			}
		}
	}
}

// duplicate warns at b (the later of the pair in file order) and names a.
func (l *linter) duplicate(a, b *party, sim float64, evidence, key string) {
	pa, pb := l.pos.At(a.v, key), l.pos.At(b.v, key)
	if cmp.Or(cmp.Compare(pb.Path, pa.Path), cmp.Compare(pb.Line, pa.Line)) < 0 {
		a, b, pa, pb = b, a, pb, pa
	}
	names := fmt.Sprintf("names %.0f%% alike (%q, %q)", math.Floor(sim*100), a.raw, b.raw)
	if strings.EqualFold(a.raw, b.raw) {
		names = fmt.Sprintf("the same name (%q)", a.raw)
	}
	l.warn(pb, WarnDuplicate, fmt.Sprintf("%s looks like a duplicate of %s: %s%s", b.label, a.label, names, evidence), pa)
}

// alike reports whether a and b are likely the same listing: their names
// are alike and they are at the same address, within nearMeters, or share
// a phone (unless their places are more than apartMeters apart). It
// returns the names' similarity and the evidence of place or phone.
func alike(a, b *party) (float64, string, bool) {
	sim := 0.0
	for _, x := range a.names {
		for _, y := range b.names {
			sim = max(sim, nameSimilarity(x, y))
		}
	}
	if sim < nameAlike {
		return 0, "", false
	}
	for k := range a.addrs {
		if b.addrs[k] {
			return sim, ", at the same address", true
		}
	}
	d, near := nearest(a.points, b.points)
	if near && d <= nearMeters {
		return sim, fmt.Sprintf(", %.0f m apart", d), true
	}
	if near && d > apartMeters {
		return 0, "", false
	}
	for _, k := range sortedKeys(a.phones) {
		if b.phones[k] {
			return sim, ", with the same phone " + k, true
		}
	}
	return 0, "", false
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// nearest returns the smallest distance between a point of a and one of
// b, and whether both have points.
func nearest(a, b []orb.Point) (float64, bool) {
	best, found := math.Inf(1), false
	for _, p := range a {
		for _, q := range b {
			best, found = min(best, geo.Distance(p, q)), true
		}
	}
	return best, found
}

// cellDeg is the size of the grid cells used to find nearby points: 0.001°
// of latitude (111 m) by 0.002° of longitude (at least 71 m up to 71°N,
// the northernmost US land), so any two points within nearMeters are in
// the same or neighbouring cells.
const (
	cellLat = 0.001
	cellLon = 0.002
)

type cell struct{ y, x int }

func cellOf(p orb.Point) cell {
	return cell{int(math.Floor(p.Lat() / cellLat)), int(math.Floor(p.Lon() / cellLon))}
}

// candidatePairs returns the index pairs (i < j) of parties that share a
// phone or an address or have points in the same or neighbouring grid
// cells, each once, in order. Only these can be duplicates, so the check
// does not compare every pair.
func candidatePairs(ps []*party) [][2]int {
	byKey := map[string][]int{}
	add := func(k string, i int) {
		if list := byKey[k]; len(list) == 0 || list[len(list)-1] != i {
			byKey[k] = append(list, i)
		}
	}
	cells := map[cell][]int{}
	for i, p := range ps {
		for k := range p.phones {
			add("phone:"+k, i)
		}
		for k := range p.addrs {
			add("addr:"+k, i)
		}
		seen := map[cell]bool{}
		for _, pt := range p.points {
			c := cellOf(pt)
			if !seen[c] {
				seen[c] = true
				cells[c] = append(cells[c], i)
			}
		}
	}
	seen := map[[2]int]bool{}
	var out [][2]int
	pair := func(i, j int) {
		if i == j {
			return
		}
		k := [2]int{min(i, j), max(i, j)}
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, list := range byKey {
		for x := range list {
			for y := x + 1; y < len(list); y++ {
				pair(list[x], list[y])
			}
		}
	}
	for c, list := range cells {
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				for _, i := range list {
					for _, j := range cells[cell{c.y + dy, c.x + dx}] {
						pair(i, j)
					}
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int { return cmp.Or(cmp.Compare(a[0], b[0]), cmp.Compare(a[1], b[1])) })
	return out
}

// nameStopwords carry no identity: "The Harbor House, Inc." and "Harbor
// House" are the same name.
var nameStopwords = map[string]bool{
	"the": true, "of": true, "and": true, "a": true, "an": true, "at": true, "for": true, "in": true,
	"inc": true, "incorporated": true, "llc": true, "corp": true, "corporation": true, "co": true, "ltd": true,
}

// nameTokens lowercases a name, reads "&" as "and", drops apostrophes and
// splits it into words without stopwords (all of them when the name is
// nothing but stopwords).
func nameTokens(s string) []string {
	s = strings.ToLower(strings.NewReplacer("&", " and ", "'", "", "’", "").Replace(s))
	words := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []string
	for _, w := range words {
		if !nameStopwords[w] {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return words
	}
	return out
}

// nameSimilarity is the soft Jaccard similarity of two token lists: the
// tokens that match (equal, or for words of 5 letters or more one edit
// apart: "center"/"centre", "womens"/"women") over the tokens of both
// without double counting. It is 1 for equal lists and 0 for lists with no
// word in common.
func nameSimilarity(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	usedA, usedB := make([]bool, len(a)), make([]bool, len(b))
	matched := 0
	// Exact matches first, so that a soft match never takes a word
	// another word equals.
	for _, soft := range []bool{false, true} {
		for i, x := range a {
			if usedA[i] {
				continue
			}
			for j, y := range b {
				if usedB[j] {
					continue
				}
				if x == y || soft && len(x) >= 5 && len(y) >= 5 && editDistance(x, y) <= 1 {
					usedA[i], usedB[j] = true, true
					matched++
					break
				}
			}
		}
	}
	return float64(matched) / float64(len(a)+len(b)-matched)
}

// phoneKey returns the 10-digit US number of a voice, hotline or text
// phone ("2025550100", with "x" and the extension if any), or "" for
// short codes (311, 211, 988), which many unrelated services share, and
// fax numbers.
func phoneKey(p directory.Phone) string {
	if p.Type == "fax" {
		return ""
	}
	var b strings.Builder
	for _, r := range p.Number {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if len(d) == 11 && d[0] == '1' {
		d = d[1:]
	}
	if len(d) != 10 {
		return ""
	}
	d = d[:3] + "-" + d[3:6] + "-" + d[6:]
	if p.Extension != "" {
		d += " x" + p.Extension
	}
	return d
}

// streetWords are the USPS abbreviations of common street words.
var streetWords = map[string]string{
	"street": "st", "avenue": "ave", "av": "ave", "road": "rd", "boulevard": "blvd", "drive": "dr",
	"place": "pl", "court": "ct", "lane": "ln", "parkway": "pkwy", "highway": "hwy", "terrace": "ter",
	"circle": "cir", "square": "sq", "pike": "pike", "northwest": "nw", "northeast": "ne",
	"southeast": "se", "southwest": "sw", "north": "n", "south": "s", "east": "e", "west": "w",
}

// addressKey returns a street address in a normal form ("1400 u st nw
// 20009") for comparing: lowercase, punctuation dropped, street words
// abbreviated, suites left out, with the 5-digit ZIP or else the city. It
// returns "" for an address without a house number, which names a street
// rather than a place.
func addressKey(a *directory.Address) string {
	words := strings.FieldsFunc(strings.ToLower(a.Street), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '#' })
	var out []string
	for _, w := range words {
		if w == "suite" || w == "ste" || w == "unit" || w == "room" || w == "rm" || strings.HasPrefix(w, "#") {
			break
		}
		if abbr, ok := streetWords[w]; ok {
			w = abbr
		}
		out = append(out, w)
	}
	if len(out) < 2 || !unicode.IsDigit(rune(out[0][0])) {
		return ""
	}
	where := strings.ToLower(strings.TrimSpace(a.City))
	if len(a.ZIP) >= 5 {
		where = a.ZIP[:5]
	}
	return strings.Join(out, " ") + " " + where
}
