package match

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
)

// This file finds recovery meetings (AA, NA, Al-Anon and the other
// mutual-aid fellowships, imported from the areas' Meeting Guide feeds)
// for a search or a need whose words ask for one, beside the services.
// Meetings are not services: nobody is eligible or not, nothing is
// referred, and they are anonymous; they are found by what the words ask
// (need.MeetingAsk) and the request's meeting filters, and ranked by how
// soon they meet and how near they are.
//
// A meeting's fellowship is not a field of the Meeting Guide
// specification. It is read from the names its feed gives, in this order:
// the source's name (the coordinator names it on import, "dc-aa"), the
// service entity's (the intergroup or district, "Chesapeake Potomac
// Region of NA"), the group's, and the meeting's own; the first that names
// exactly one fellowship of the vocabulary decides. A meeting none of them
// names has no known fellowship: a search for a fellowship keeps it, after
// the meetings known to be of that fellowship.

// Meeting attendance a filter can ask for.
const (
	AttendOnline   = "online"
	AttendInPerson = "in_person"
)

// MeetingFilter narrows the meetings of a search beyond what its words
// ask. A filter that is not zero asks for meetings even when the words do
// not.
type MeetingFilter struct {
	// Fellowships keeps the meetings of any of these fellowships (ids of
	// the vocabulary's fellowships).
	Fellowships []string
	// Types keeps the meetings that have every one of these Meeting
	// Guide type codes.
	Types []string
	// Attendance is AttendOnline, AttendInPerson or "" for either.
	Attendance string
	// NoTransport says the person cannot travel: online meetings with a
	// phone number come first.
	NoTransport bool
}

// IsZero reports whether the filter narrows nothing.
func (f MeetingFilter) IsZero() bool {
	return len(f.Fellowships) == 0 && len(f.Types) == 0 && f.Attendance == "" && !f.NoTransport
}

// Check returns an *apperr.Error naming the parameter (fellowship,
// meeting_type, attendance) for a fellowship the vocabulary does not
// know, a type code the meeting type table does not know, or an unknown
// attendance.
func (f MeetingFilter) Check(cat *directory.Catalog) error {
	if f.IsZero() {
		return nil
	}
	var known []string
	if cat.Vocabulary != nil {
		for _, fw := range cat.Vocabulary.Meetings.Fellowships {
			known = append(known, fw.ID)
		}
	}
	for _, id := range f.Fellowships {
		if !slices.Contains(known, id) {
			return apperr.Field("fellowship", "unknown fellowship %q; fellowships are %s", id, strings.Join(known, ", "))
		}
	}
	for _, code := range f.Types {
		if cat.MeetingTypes.Type(code) == nil {
			return apperr.Field("meeting_type", "unknown meeting type %q: give Meeting Guide type codes such as O, C, W, M, S, LGBTQ or X", code)
		}
	}
	switch f.Attendance {
	case "", AttendOnline, AttendInPerson:
	default:
		return apperr.Field("attendance", "attendance must be %s or %s, not %q", AttendOnline, AttendInPerson, f.Attendance)
	}
	return nil
}

// MeetingAnswer is the meetings found for a search or a need that asks
// for a meeting.
type MeetingAnswer struct {
	// Ask is what was asked of a meeting: the words' reading and the
	// filters together.
	Ask need.MeetingAsk
	// Listed counts the meetings the directory lists at all (none when no
	// area feed is imported); Total counts those that fit.
	Listed int
	Total  int
	// Hits are the meetings that fit, best first: with urgent words those
	// of the window they ask for come first (tonight's for "tonight",
	// today's for "now" or "today": see urgentWindow); then, or otherwise,
	// by how soon and how near, each meeting at its next occurrence.
	Hits []MeetingHit
	// Help is where to find meetings when none fit: the directory's
	// meetings_help (its links for the fellowships asked, then those for
	// every fellowship, and the note that introduces them) and its help
	// line.
	Help *MeetingHelp
}

// MeetingHelp says where to find meetings the directory does not list.
type MeetingHelp struct {
	// Note introduces the links; it is empty when there is none, so that
	// nothing says "the finders list..." and then lists none.
	Note  directory.Text
	Links []directory.MeetingsLink
	// Unlinked are the ids of the fellowships asked that no link is for
	// (meetings_help names no finder of theirs): the pages say so, and
	// the help line is left.
	Unlinked []string
	HelpLine *directory.Line
}

// MeetingHit is a meeting that fits, at its next occurrence.
type MeetingHit struct {
	Meeting *directory.Meeting
	// Fellowship is the id of the fellowship the meeting's names give;
	// "" when none does.
	Fellowship string
	// Next is the occurrence in progress at the request's time, else the
	// next one, in the meeting's zone.
	Next directory.Occurrence
	// Distance is in meters from the person's place to a meeting held in
	// person at a point; nil without a place of the person's or a point.
	Distance *float64
	// Score orders the hits (0-1); Parts are its parts.
	Score float64
	Parts MeetingParts
	// Today is true when the meeting's occurrence is in the window urgent
	// words ask for (urgentWindow): tonight's when they ask for tonight,
	// else today's. With urgent words these come first.
	Today bool
}

// MeetingParts are the parts of a meeting's score, each 0-1: Soon (1 in
// progress or starting now, 0.6 two hours ahead, 0.2 a day ahead, 0.08 six
// days ahead: soonPart), Near (1 here, 0.5 at 3 km; 0.5 for a meeting
// joined from anywhere, 1 when the person cannot travel and can call in)
// and Fit (1 for a meeting known to be of the fellowship asked or with the
// wheelchair access asked, less when the feed does not say).
type MeetingParts struct {
	Soon float64 `json:"soon"`
	Near float64 `json:"near"`
	Fit  float64 `json:"fit"`
}

// Weights of the meeting score, a weighted geometric mean of its parts:
// Score = Fit * Soon^wSoon * Near^wNear. A product, not a sum: a meeting
// must be both soon enough and near enough, and one part at its best
// cannot make up for the other at its worst (a meeting next door six days
// away does not outrank tonight's across town). The trade between them,
// with these weights and parts: a meeting two hours ahead outranks one
// next door a day later up to about 8 km away, and one next door six days
// later up to about 33 km away (not farther: a week's wait is not worth
// any distance); one starting now outranks one next door two hours later
// up to about 2.7 km away. TestMeetingTrade holds these.
const (
	wSoon = 0.55
	wNear = 0.45
	// Soon is a mix of two halvings (soonPart): soonShort of it is halved
	// soonHalf ahead (how soon today), the rest soonLongHalf ahead (how
	// many days: tomorrow is sooner than next week).
	soonShort    = 0.8
	soonHalf     = 2 * time.Hour
	soonLongHalf = 72 * time.Hour
	// nearHalf and walkHalf are the distance at which Near is halved, for
	// a person who travels and for one who cannot.
	nearHalf = 3000.0
	walkHalf = 800.0
	// todayWindow is how far ahead a meeting counts as "today" late in
	// the day ("now" at 23:00 still finds the 01:00 meeting).
	todayWindow = 6 * time.Hour
	// eveningStart and nightEnd bound "tonight" on the clock (see
	// urgentWindow): from 17:00 until 04:00 the next morning.
	eveningStart = 17 * time.Hour
	nightEnd     = 4 * time.Hour
	// unknownFellowship is the Fit of a meeting whose feed does not say
	// its fellowship, when one is asked.
	unknownFellowship = 0.6
	// unknownRoom is the Near of a meeting in a room whose point the feed
	// does not give, for a person who gave a place: as if 9 km away.
	unknownRoom = 0.25
)

// meetingDoc is a meeting with what ranking needs of it, computed once per
// matcher.
type meetingDoc struct {
	m          *directory.Meeting
	fellowship string
	online     bool
	inPerson   bool
	phone      bool
	langs      []string
	// active is true for a meeting with a next occurrence: scheduled, and
	// attended in person or online; length is how long it lasts, in
	// minutes.
	active bool
	length int
	key    string
	// men and women are whether the meeting is for men (M) or women (W).
	men, women bool
	// The meeting's point and zone (nil: the directory's), kept here so
	// that ranking reads the docs in order.
	point    orb.Point
	hasPoint bool
	zone     *time.Location
	days     directory.DaySet
	start    directory.Clock
}

// newMeetingDocs reads each meeting's fellowship and modes.
func newMeetingDocs(cat *directory.Catalog, voc *need.Vocabulary) []meetingDoc {
	out := make([]meetingDoc, 0, len(cat.Meetings))
	for _, mt := range cat.Meetings {
		length := (int(mt.EndClock()) - int(mt.Start) + 24*60) % (24 * 60)
		if length == 0 {
			length = 24 * 60
		}
		out = append(out, meetingDoc{m: mt, fellowship: FellowshipOf(mt, voc), online: mt.Online(), inPerson: mt.InPerson(),
			phone: mt.Online() && mt.ConferencePhone != "", langs: mt.Languages(), active: mt.Scheduled() && mt.Active(), length: length, key: mt.Key(),
			men: mt.HasType(directory.MeetingTypeMen), women: mt.HasType(directory.MeetingTypeWomen),
			point: mt.Point, hasPoint: mt.HasPoint, zone: mt.TimeZone, days: mt.Days, start: mt.Start})
	}
	return out
}

// FellowshipOf returns the id of meeting mt's fellowship as its names
// give it (the source's, the entity's, the group's, the meeting's: the
// first that names exactly one fellowship of voc), or "" when none does.
func FellowshipOf(mt *directory.Meeting, voc *need.Vocabulary) string {
	for _, name := range []string{mt.Source, mt.Entity.Name, mt.Group, mt.Name} {
		if fs := voc.Fellowships(name); len(fs) == 1 {
			return fs[0]
		}
	}
	return ""
}

// Fellowship returns the id of meeting mt's fellowship as its names give
// it (FellowshipOf), or "" when none does.
func (m *Matcher) Fellowship(mt *directory.Meeting) string { return FellowshipOf(mt, m.voc) }

// meetingAsk joins what the words ask of a meeting and the filter; it
// returns false when neither asks for one.
func meetingAsk(r *need.Reading, f MeetingFilter) (need.MeetingAsk, bool) {
	var a need.MeetingAsk
	if r.Meeting == nil && f.IsZero() {
		return a, false
	}
	if r.Meeting != nil {
		a = *r.Meeting
		a.Fellowships = slices.Clone(a.Fellowships)
		a.Types = slices.Clone(a.Types)
	}
	// The filter's fellowships replace the words': a request that names
	// them chose.
	if len(f.Fellowships) > 0 {
		a.Fellowships = slices.Clone(f.Fellowships)
	}
	for _, c := range f.Types {
		if !slices.ContainsFunc(a.Types, func(g []string) bool { return len(g) == 1 && g[0] == c }) {
			a.Types = append(a.Types, []string{c})
		}
	}
	switch f.Attendance {
	case AttendOnline:
		a.Online, a.InPerson = true, false
	case AttendInPerson:
		a.Online, a.InPerson = false, true
	}
	a.NoTransport = a.NoTransport || f.NoTransport
	return a, true
}

// meetings answers task t's meeting ask with filter f: the first limit
// meetings that fit, best first. It returns nil when neither the words
// nor the filter ask for a meeting.
//
// Reading a meeting's next occurrence in its zone is the costly part, so
// every meeting that fits is ranked by its next start counted on the
// clock of the request's instant in the meeting's zone (exact, except
// across a daylight-saving change that week, by an hour), the best limit
// of them are kept, and those are read exactly (directory.Meeting.Next)
// and ranked again.
func (m *Matcher) meetings(t *task, f MeetingFilter, limit int) *MeetingAnswer {
	ask, ok := meetingAsk(&t.reading, f)
	if !ok {
		return nil
	}
	out := &MeetingAnswer{Ask: ask, Listed: len(m.meetingDocs)}
	at := t.rules.At()
	c := t.rules.Constraints()
	var gender string
	var langs []string
	if p := t.person; p != nil {
		gender, langs = p.Gender, p.Languages
	}
	reach := MaxTravel
	if t.travel > 0 {
		reach = t.travel
	}
	hasPlace := t.place != nil
	clocks := map[*time.Location]weekClock{}
	atNano := at.UnixNano()
	fellowshipAsked, urgent := len(ask.Fellowships) > 0, t.reading.Urgent || ask.Tonight
	compare := func(a, b *meetCand) int {
		if c := a.compare(b, urgent, fellowshipAsked); c != 0 {
			return c
		}
		return strings.Compare(m.meetingDocs[a.i].key, m.meetingDocs[b.i].key)
	}
	// top keeps the best limit candidates in order as they come: most
	// meetings are turned away by one comparison with the last.
	top := make([]meetCand, 0, max(limit, 0))
	for i := range m.meetingDocs {
		d := &m.meetingDocs[i]
		if !d.active || !d.fits(&ask, gender, c.Languages) {
			continue
		}
		var dist float64
		hasDist := hasPlace && d.hasPoint && d.inPerson
		if hasDist {
			dist = geo.Distance(t.place.Point, d.point)
		}
		// A meeting held only in a room too far to go to is left out.
		joinable := d.online && !ask.InPerson
		if hasDist && !t.centered && dist > reach && !joinable {
			continue
		}
		zone := d.zone
		if zone == nil {
			zone = m.zone
		}
		wc, ok := clocks[zone]
		if !ok {
			wc = newWeekClock(at, zone, ask.Tonight)
			clocks[zone] = wc
		}
		mc := meetCand{i: int32(i), dist: dist, hasDist: hasDist && !t.centered, known: d.fellowship != ""}
		mc.near = d.nearPart(hasDist, dist, ask.NoTransport && !ask.InPerson, hasPlace)
		mc.fit = d.fitPart(&ask, c.Wheelchair, langs)
		mc.start, mc.end, mc.inProgress = wc.next(d, atNano)
		mc.rank(&wc.window, atNano)
		out.Total++
		if limit <= 0 || (len(top) == limit && compare(&mc, &top[limit-1]) >= 0) {
			continue
		}
		pos, _ := slices.BinarySearchFunc(top, &mc, func(e meetCand, t *meetCand) int { return compare(&e, t) })
		if len(top) < limit {
			top = append(top, meetCand{})
		}
		copy(top[pos+1:], top[pos:len(top)-1])
		top[pos] = mc
	}
	nexts := make(map[int32]directory.Occurrence, len(top))
	for i := range top {
		next, _ := m.meetingDocs[top[i].i].m.Next(at, m.zone)
		nexts[top[i].i] = next
		top[i].start, top[i].end, top[i].inProgress = next.Start.UnixNano(), next.End.UnixNano(), next.InProgress
		w := urgentWindow(at, next.Start.Location(), ask.Tonight)
		top[i].rank(&w, atNano)
	}
	slices.SortFunc(top, func(a, b meetCand) int { return compare(&a, &b) })
	for _, mc := range top {
		d := &m.meetingDocs[mc.i]
		h := MeetingHit{Meeting: d.m, Fellowship: d.fellowship, Next: nexts[mc.i], Score: mc.total,
			Parts: MeetingParts{Soon: mc.soon, Near: mc.near, Fit: mc.fit}, Today: mc.today}
		if mc.hasDist {
			v := mc.dist
			h.Distance = &v
		}
		out.Hits = append(out.Hits, h)
	}
	if out.Total == 0 {
		info := m.cat.Info
		out.Help = &MeetingHelp{HelpLine: info.HelpLine}
		var links []directory.MeetingsLink
		if h := info.MeetingsHelp; h != nil {
			links = h.For(ask.Fellowships)
			if len(links) > 0 {
				out.Help.Note, out.Help.Links = h.Note, links
			}
		}
		for _, f := range ask.Fellowships {
			if !slices.ContainsFunc(links, func(l directory.MeetingsLink) bool { return l.Fellowship == f }) {
				out.Help.Unlinked = append(out.Help.Unlinked, f)
			}
		}
	}
	return out
}

// meetCand is a meeting that fits, while meetings are ranked: the index
// of its meetingDoc, its next occurrence (Unix nanoseconds), its parts and
// score. It holds no pointer, so ranking thousands moves little memory.
type meetCand struct {
	i                                 int32
	today, hasDist, known, inProgress bool
	start, end                        int64
	dist                              float64
	soon, near, fit                   float64
	total                             float64
}

// rank sets the candidate's Soon part, today and score from its
// occurrence, at instant at; w is the window urgent words ask for in its
// zone (urgentWindow). Times are Unix nanoseconds.
func (c *meetCand) rank(w *window, at int64) {
	if c.inProgress {
		c.soon = 1
		if length := c.end - c.start; length > 0 {
			c.soon = 1 - 0.5*float64(at-c.start)/float64(length)
		}
	} else {
		c.soon = soonPart(time.Duration(c.start - at))
	}
	c.today = w.holds(max(c.start, at))
	c.total = math.Round(c.fit*math.Pow(c.soon, wSoon)*math.Pow(c.near, wNear)*10000) / 10000
}

// soonPart is the Soon part of a meeting that starts wait ahead: 1 now,
// then soonShort of it halved every soonHalf and the rest every
// soonLongHalf, so that hours count most today and days still count after.
func soonPart(wait time.Duration) float64 {
	return soonShort/(1+float64(wait)/float64(soonHalf)) + (1-soonShort)/(1+float64(wait)/float64(soonLongHalf))
}

// compare orders meetings, the better first: with urgent words those of
// their window first; a meeting known to be of the fellowship asked before
// one whose feed does not say; then by score and by start. It returns 0
// for meetings it cannot tell apart.
func (c *meetCand) compare(o *meetCand, urgent, fellowshipAsked bool) int {
	switch {
	case urgent && c.today != o.today:
		return boolFirst(c.today)
	case fellowshipAsked && c.known != o.known:
		return boolFirst(c.known)
	case c.total != o.total:
		if c.total > o.total {
			return -1
		}
		return 1
	}
	return cmp.Compare(c.start, o.start)
}

// boolFirst returns -1 when the first of two differing flags is set.
func boolFirst(first bool) int {
	if first {
		return -1
	}
	return 1
}

// weekClock is an instant as the clocks of one zone show it: its weekday,
// midnight of that day (Unix nanoseconds), and the window urgent words ask
// for there (urgentWindow).
type weekClock struct {
	day      time.Weekday
	midnight int64
	window   window
}

func newWeekClock(at time.Time, zone *time.Location, tonight bool) weekClock {
	local := at.In(zone)
	h, mi, sec := local.Clock()
	midnight := local.Add(-time.Duration(h*3600+mi*60+sec)*time.Second - time.Duration(local.Nanosecond()))
	return weekClock{day: local.Weekday(), midnight: midnight.UnixNano(), window: urgentWindow(at, zone, tonight)}
}

// next returns the start and end (Unix nanoseconds) of the meeting's
// occurrence in progress at instant at, else of its next one, counted in
// minutes on the clock: exact unless the zone's offset changes in
// between; and whether it is in progress.
func (wc weekClock) next(d *meetingDoc, at int64) (start, end int64, inProgress bool) {
	for i := -1; i <= 7; i++ {
		if !d.days.Has(time.Weekday((int(wc.day) + i + 7) % 7)) {
			continue
		}
		start = wc.midnight + int64(i*24*60+int(d.start))*int64(time.Minute)
		end = start + int64(d.length)*int64(time.Minute)
		if end > at {
			return start, end, start <= at
		}
	}
	return 0, 0, false
}

// fits reports whether the meeting answers the ask: of a fellowship asked
// (or of none known), with a code of every type group asked, attended as
// asked, in a language asked (a meeting whose codes name no language is
// taken to be in English, as feeds mark the others), and not a men's or
// women's meeting for a person of the other gender.
func (d *meetingDoc) fits(ask *need.MeetingAsk, gender string, languages []string) bool {
	mt := d.m
	if len(ask.Fellowships) > 0 && d.fellowship != "" && !slices.Contains(ask.Fellowships, d.fellowship) {
		return false
	}
	for _, g := range ask.Types {
		if !slices.ContainsFunc(g, mt.HasType) {
			return false
		}
	}
	switch {
	case ask.Online && ask.InPerson:
	case ask.Online && !d.online:
		return false
	case ask.InPerson && !d.inPerson:
		return false
	}
	if len(languages) > 0 {
		held := d.langs
		if len(held) == 0 {
			held = []string{"en"}
		}
		if !slices.ContainsFunc(languages, func(l string) bool { return slices.Contains(held, l) }) {
			return false
		}
	}
	switch {
	case gender == directory.GenderFemale && d.men && !d.women:
		return false
	case gender == directory.GenderMale && d.women && !d.men:
		return false
	}
	return true
}

// nearPart is how near the meeting is for the person: halved at 3 km for a
// meeting in a room; 0.5 for one joined from anywhere (1 for a person who
// cannot travel and can call in, 0.8 when it has only a link); for a
// person who cannot travel, rooms are halved at walking distance. Without
// a place every meeting is 0.5; a room whose point the feed does not give
// is unknownRoom for a person who gave a place (never 0: the score is a
// product).
func (d *meetingDoc) nearPart(hasDist bool, dist float64, noTransport, hasPlace bool) float64 {
	var room float64
	switch {
	case hasDist && noTransport:
		room = 1 / (1 + dist/walkHalf)
	case hasDist:
		room = 1 / (1 + dist/nearHalf)
	case !hasPlace && d.inPerson:
		room = 0.5
	case d.inPerson:
		room = unknownRoom
	}
	var remote float64
	switch {
	case !d.online:
	case noTransport && d.phone:
		remote = 1
	case noTransport:
		remote = 0.8
	default:
		remote = 0.5
	}
	return max(room, remote)
}

// fitPart is 1, less for a meeting whose fellowship the feed does not say
// when one is asked, without the wheelchair access asked for, or not in
// the person's language.
func (d *meetingDoc) fitPart(ask *need.MeetingAsk, wheelchair bool, languages []string) float64 {
	fit := 1.0
	if len(ask.Fellowships) > 0 && d.fellowship == "" {
		fit *= unknownFellowship
	}
	if wheelchair && d.inPerson && !d.m.HasType(directory.MeetingTypeWheelchair) {
		fit *= 0.7
	}
	if len(languages) > 0 && len(d.langs) > 0 && !slices.ContainsFunc(languages, func(l string) bool { return slices.Contains(d.langs, l) }) {
		fit *= 0.7
	}
	return fit
}

// window is the instants urgent words ask for a meeting in: [from1,
// to1) and [from2, to2), Unix nanoseconds; an empty span has to <= from.
type window struct {
	from1, to1, from2, to2 int64
}

// holds reports whether instant t is in the window.
func (w *window) holds(t int64) bool {
	return (w.from1 <= t && t < w.to1) || (w.from2 <= t && t < w.to2)
}

// urgentWindow returns the window urgent words ask for at instant at in
// zone. A meeting's occurrence is in it when it starts in it, or is in
// progress at an instant of it (at is in the window): those come first.
//
// "Now" and "today" ask for today: from at until the next midnight, or
// until todayWindow after at when that is later ("now" at 23:00 still
// finds the 01:00 meeting).
//
// "Tonight" asks for the coming night: from 17:00 (eveningStart), or at
// when later, until 04:00 (nightEnd) the next morning; and, asked between
// midnight and 04:00, also for what is left of the night in progress. So
// at 03:10 "tonight" is the 03:30 meeting and this evening's at 19:00,
// not the one at noon; at 12:00 it is this evening's and the small hours
// after (a meeting in progress at noon is not tonight's); at 23:30 it is
// the meetings until 04:00. 17:00 is when an evening meeting can be
// reached after a day's work, and 04:00 when the night's last meetings
// (the midnight and 2 am ones some areas hold) are over and morning ones
// begin. The clock times are the zone's, on the day's calendar, whatever
// a daylight-saving change does to the length of the night.
func urgentWindow(at time.Time, zone *time.Location, tonight bool) window {
	local := at.In(zone)
	y, m, d := local.Date()
	now := at.UnixNano()
	if !tonight {
		end := time.Date(y, m, d+1, 0, 0, 0, 0, zone)
		if w := at.Add(todayWindow); w.After(end) {
			end = w
		}
		return window{from1: now, to1: end.UnixNano()}
	}
	clock := func(day int, c time.Duration) int64 {
		return time.Date(y, m, day, int(c/time.Hour), int(c%time.Hour/time.Minute), 0, 0, zone).UnixNano()
	}
	return window{from1: now, to1: clock(d, nightEnd), from2: max(now, clock(d, eveningStart)), to2: clock(d+1, nightEnd)}
}
