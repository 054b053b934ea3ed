package match

import (
	"context"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/need"
	"trellis/internal/testkit"
)

var (
	meetOnce sync.Once
	meetSnap *loaded
	meetM    *Matcher
	meetErr  error
)

// meetingData returns a matcher over the bundled settings with the test
// meetings of testdata/meetings (and no services).
func meetingData(tb testing.TB) (*loaded, *Matcher) {
	tb.Helper()
	meetOnce.Do(func() {
		dir := testkit.DataDir(tb, os.DirFS("testdata/meetings"))
		meetSnap, meetErr = load(os.DirFS(dir), testkit.Now())
		if meetErr == nil {
			meetM = New(meetSnap.Index, meetSnap.Places, nil)
		}
	})
	if meetErr != nil {
		tb.Fatal(meetErr)
	}
	return meetSnap, meetM
}

// sunday is the tests' clock: the next Sunday at hh:mm in Washington
// after today. Meetings recur weekly, so any Sunday reads the same.
func sunday(hh, mm int) time.Time { return testkit.Anchor("America/New_York", hh, mm).Now }

func slugs(hs []MeetingHit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Meeting.Key()
	}
	return out
}

func searchMeetings(t *testing.T, m *Matcher, q SearchRequest) *MeetingAnswer {
	t.Helper()
	res, err := m.Search(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	if res.Meetings == nil {
		t.Fatalf("%q: no meeting answer", q.Text)
	}
	return res.Meetings
}

func TestFellowshipOf(t *testing.T) {
	snap, m := meetingData(t)
	want := map[string]string{
		"dc-na/sunday-basics":       "na",
		"dc-aa/night-owls":          "aa",
		"riverside/sunday-steps":    "na", // the meeting's own name
		"riverside/open-discussion": "",
	}
	for key, w := range want {
		mt := snap.Catalog.Meeting(key)
		if mt == nil {
			t.Fatalf("no meeting %s", key)
		}
		if got := FellowshipOf(mt, m.voc); got != w {
			t.Errorf("FellowshipOf(%s) = %q, want %q", key, got, w)
		}
	}
}

// TestNAMeetingTonight: "NA meeting tonight" near the test location at
// 17:00 lists tonight's NA meetings first (the two in progress, then by
// how soon and how near), then tonight's meeting whose fellowship its feed
// does not say, then later days; AA meetings are not listed.
func TestNAMeetingTonight(t *testing.T) {
	snap, m := meetingData(t)
	now := sunday(17, 0)
	a := searchMeetings(t, m, SearchRequest{Text: "NA meeting tonight", Place: place(t, snap, "38.9115,-77.0165"), Now: now})
	got := slugs(a.Hits)
	tonightNA := []string{"dc-na/sunday-afternoon", "dc-na/sunday-online", "dc-na/sunday-basics", "riverside/sunday-steps", "dc-na/sunday-far"}
	if len(got) < len(tonightNA)+2 {
		t.Fatalf("hits = %v", got)
	}
	if !slices.Equal(sorted(got[:len(tonightNA)]), sorted(tonightNA)) {
		t.Errorf("first hits = %v, want tonight's NA meetings %v", got[:len(tonightNA)], tonightNA)
	}
	if got[len(tonightNA)] != "riverside/open-discussion" {
		t.Errorf("after tonight's NA meetings: %v, want tonight's meeting of no known fellowship", got[len(tonightNA):])
	}
	for _, h := range a.Hits[:len(tonightNA)] {
		if !h.Today || h.Fellowship != "na" {
			t.Errorf("%s: today %v, fellowship %q", h.Meeting.Key(), h.Today, h.Fellowship)
		}
	}
	for _, h := range a.Hits {
		if h.Fellowship == "aa" {
			t.Errorf("an AA meeting is listed for NA: %s", h.Meeting.Key())
		}
		if h.Meeting.Key() == "riverside/closed-for-now" {
			t.Error("a temporarily closed meeting without a conference is listed")
		}
	}
	if !slices.Contains(got, "dc-na/monday-noon") || slices.Index(got, "dc-na/monday-noon") < len(tonightNA) {
		t.Errorf("tomorrow's NA meeting is missing or before tonight's: %v", got)
	}
	// In progress, with its end; the 19:00 meeting starts in two hours.
	first := a.Hits[0]
	if !first.Next.InProgress || first.Next.End.Sub(now) <= 0 {
		t.Errorf("first hit %s: %+v, want in progress", first.Meeting.Key(), first.Next)
	}
	for _, h := range a.Hits {
		if h.Meeting.Key() == "dc-na/sunday-basics" {
			if h.Next.Start.Sub(now) != 2*time.Hour || h.Next.InProgress || h.Distance == nil || *h.Distance > 500 {
				t.Errorf("sunday-basics: next %v (%v after now), distance %v", h.Next.Start, h.Next.Start.Sub(now), h.Distance)
			}
		}
	}
	if a.Total != len(a.Hits) || a.Listed != 12 || a.Help != nil {
		t.Errorf("total %d, listed %d, help %+v", a.Total, a.Listed, a.Help)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestOnlineMeetingNow: "online meeting now" lists the meeting in
// progress with its join link first, and only meetings people can join
// remotely.
func TestOnlineMeetingNow(t *testing.T) {
	_, m := meetingData(t)
	a := searchMeetings(t, m, SearchRequest{Text: "online meeting now", Now: sunday(17, 0)})
	if len(a.Hits) == 0 {
		t.Fatal("no hits")
	}
	first := a.Hits[0]
	if first.Meeting.Key() != "dc-na/sunday-online" || !first.Next.InProgress || first.Meeting.ConferenceURL == "" {
		t.Errorf("first hit %s (in progress %v, url %q), want the online meeting in progress", first.Meeting.Key(), first.Next.InProgress, first.Meeting.ConferenceURL)
	}
	for _, h := range a.Hits {
		if !h.Meeting.Online() {
			t.Errorf("%s cannot be joined online", h.Meeting.Key())
		}
	}
	if !a.Ask.Online {
		t.Error("the ask is not read as online")
	}
}

// TestMeetingPastItsEnd: a meeting that has ended drops off for the day;
// one across midnight is in progress after midnight.
func TestMeetingPastItsEnd(t *testing.T) {
	_, m := meetingData(t)
	late := sunday(21, 30)
	a := searchMeetings(t, m, SearchRequest{Text: "meeting tonight", Now: late})
	for _, h := range a.Hits {
		if h.Meeting.Key() == "dc-na/sunday-basics" {
			if h.Today || h.Next.Start.Sub(late) < 6*24*time.Hour {
				t.Errorf("the 19:00 meeting at 21:30: next %v, today %v; want next week", h.Next.Start, h.Today)
			}
		}
	}
	// The 21:00 meeting is still in progress; the 23:30 one is next.
	if got := slugs(a.Hits); len(got) < 2 || got[0] != "riverside/sunday-steps" || got[1] != "dc-aa/night-owls" || !a.Hits[0].Next.InProgress {
		t.Errorf("first tonight at 21:30: %v, want the meeting in progress, then the 23:30 one", got)
	}
	after := late.Add(2*time.Hour + 45*time.Minute) // Monday 00:15
	a = searchMeetings(t, m, SearchRequest{Text: "meeting now", Now: after})
	if h := a.Hits[0]; h.Meeting.Key() != "dc-aa/night-owls" || !h.Next.InProgress || h.Next.Start.Weekday() != time.Sunday {
		t.Errorf("at 00:15 Monday: first %s %+v, want Sunday's 23:30 meeting in progress", h.Meeting.Key(), h.Next)
	}
}

// TestMeetingTypes: type words and filters keep the meetings with the
// codes; men's and women's meetings are not offered to the other gender.
func TestMeetingTypes(t *testing.T) {
	_, m := meetingData(t)
	now := sunday(17, 0)
	tests := []struct {
		name string
		q    SearchRequest
		want []string
	}{
		{"women's Spanish-speaking", SearchRequest{Text: "women's spanish speaking meeting"}, []string{"dc-na/mujeres"}},
		{"reunión de mujeres en español", SearchRequest{Text: "reunión de mujeres en español"}, []string{"dc-na/mujeres"}},
		{"LGBTQ", SearchRequest{Text: "LGBTQ meeting"}, []string{"dc-aa/sunday-pride"}},
		{"filter: wheelchair and open", SearchRequest{Text: "meeting", Meetings: MeetingFilter{Types: []string{"X", "O"}}}, []string{"dc-aa/sunday-pride"}},
		{"filter alone asks for meetings", SearchRequest{Meetings: MeetingFilter{Fellowships: []string{"aa"}, Types: []string{"C"}}}, []string{"dc-aa/early-men"}},
		{"closed AA, for a woman", SearchRequest{Text: "closed AA meeting", Person: &need.Person{Gender: "female"}}, nil},
		{"Spanish", SearchRequest{Text: "NA meeting", Constraints: need.Constraints{Languages: []string{"es"}}}, []string{"dc-na/mujeres"}},
		{"in person, Al-Anon", SearchRequest{Text: "al-anon meeting in person"}, []string{"riverside/open-discussion"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.q.Now = now
			a := searchMeetings(t, m, tc.q)
			if got := slugs(a.Hits); !slices.Equal(got, tc.want) {
				t.Errorf("hits = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMeetingsNoTransport: for a person with no car, meetings they can
// call in to come first.
func TestMeetingsNoTransport(t *testing.T) {
	snap, m := meetingData(t)
	a := searchMeetings(t, m, SearchRequest{Text: "AA meeting, no car", Place: place(t, snap, "38.86,-76.95"), Now: sunday(20, 0)})
	if len(a.Hits) == 0 || a.Hits[0].Meeting.Key() != "dc-aa/night-owls" {
		t.Errorf("hits = %v, want the meeting to call in to first", slugs(a.Hits))
	}
	if !a.Ask.NoTransport {
		t.Error("no car is not read as no transport")
	}
}

// TestMeetingFilterRefused: a filter naming what the directory does not
// know is an error naming the parameter.
func TestMeetingFilterRefused(t *testing.T) {
	_, m := meetingData(t)
	for _, tc := range []struct {
		f     MeetingFilter
		field string
	}{
		{MeetingFilter{Fellowships: []string{"xa"}}, "fellowship"},
		{MeetingFilter{Types: []string{"WOMEN"}}, "meeting_type"},
		{MeetingFilter{Attendance: "hybrid"}, "attendance"},
	} {
		_, err := m.Search(context.Background(), SearchRequest{Text: "meeting", Meetings: tc.f})
		if ae := apperr.As(err); ae == nil || ae.Code != apperr.Invalid || ae.Field != tc.field {
			t.Errorf("%+v: err %v, want Invalid on %s", tc.f, err, tc.field)
		}
	}
}

// TestNoMeetingsListed: with no meetings imported, a search for one says
// where to find them: the fellowship's finder first, and the help line.
func TestNoMeetingsListed(t *testing.T) {
	_, m := dc(t)
	res, err := m.Search(context.Background(), SearchRequest{Text: "NA meeting tonight", Now: dcNow})
	if err != nil {
		t.Fatal(err)
	}
	a := res.Meetings
	if a == nil || a.Listed != 0 || a.Total != 0 || a.Help == nil {
		t.Fatalf("meetings = %+v", a)
	}
	if len(a.Help.Links) == 0 || a.Help.Links[0].Fellowship != "na" || !strings.HasPrefix(a.Help.Links[0].URL, "https://") {
		t.Errorf("help links = %+v, want NA's finder first", a.Help.Links)
	}
	if a.Help.HelpLine == nil || a.Help.HelpLine.Call != "211" || a.Help.Note.In("es") == "" {
		t.Errorf("help = %+v", a.Help)
	}
	// Services of the need are still found beside.
	if res.Total == 0 {
		t.Error("no peer support services beside the meetings")
	}
	res, err = m.Search(context.Background(), SearchRequest{Text: "food pantry", Now: dcNow})
	if err != nil || res.Meetings != nil {
		t.Errorf("food pantry: meetings %+v, err %v; want none asked", res.Meetings, err)
	}
}

// TestNoMeetingsHelpLinks: Celebrate Recovery, named in the issue, has its
// official site; a fellowship the directory has no link for gets no note
// introducing links it does not give, but its name among the unlinked and
// the help line.
func TestNoMeetingsHelpLinks(t *testing.T) {
	_, m := dc(t)
	search := func(q string) *MeetingHelp {
		t.Helper()
		res, err := m.Search(context.Background(), SearchRequest{Text: q, Now: dcNow})
		if err != nil || res.Meetings == nil || res.Meetings.Help == nil {
			t.Fatalf("%q: meetings %+v, err %v", q, res.Meetings, err)
		}
		return res.Meetings.Help
	}
	cr := search("celebrate recovery meeting")
	if len(cr.Links) == 0 || cr.Links[0].Fellowship != "celebrate-recovery" || cr.Links[0].URL != "https://www.celebraterecovery.com/" ||
		cr.Note.In("en") == "" || len(cr.Unlinked) != 0 {
		t.Errorf("celebrate recovery: %+v", cr)
	}
	ga := search("gamblers anonymous meeting")
	if len(ga.Links) != 0 || len(ga.Note) != 0 || !slices.Equal(ga.Unlinked, []string{"ga"}) || ga.HelpLine == nil || ga.HelpLine.Call != "211" {
		t.Errorf("gamblers anonymous: %+v", ga)
	}
	both := search("AA or gamblers anonymous meeting")
	if len(both.Links) != 1 || both.Links[0].Fellowship != "aa" || len(both.Note) == 0 || !slices.Equal(both.Unlinked, []string{"ga"}) {
		t.Errorf("AA or GA: %+v", both)
	}
	if any := search("meeting"); len(any.Links) < 6 || len(any.Unlinked) != 0 {
		t.Errorf("any meeting: %+v", any)
	}
}

// TestMatchMeetings: a need that asks for a meeting gets meetings beside
// its services; another need gets none.
func TestMatchMeetings(t *testing.T) {
	snap, m := meetingData(t)
	res, err := m.Match(context.Background(), Profile{Needs: []Need{{Text: "NA meeting tonight"}, {Text: "food"}},
		Place: place(t, snap, "38.9115,-77.0165"), Now: sunday(17, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if a := res.Needs[0].Meetings; a == nil || len(a.Hits) == 0 || a.Hits[0].Fellowship != "na" || !a.Hits[0].Today {
		t.Errorf("NA meeting tonight: %+v", a)
	}
	if res.Needs[1].Meetings != nil {
		t.Errorf("food: meetings %+v", res.Needs[1].Meetings)
	}
}

// TestMeetingParts checks the score's parts at their reference points.
func TestMeetingParts(t *testing.T) {
	at := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC)
	occ := func(from, to time.Duration) directory.Occurrence {
		return directory.Occurrence{Start: at.Add(from), End: at.Add(to), InProgress: from <= 0 && to > 0}
	}
	for _, tc := range []struct {
		name string
		occ  directory.Occurrence
		want float64
	}{
		{"starting now", occ(0, time.Hour), 1},
		{"half over", occ(-30*time.Minute, 30*time.Minute), 0.75},
		{"in two hours", occ(2*time.Hour, 3*time.Hour), 0.4 + 0.2/(1+2.0/72)},
		{"in six hours", occ(6*time.Hour, 7*time.Hour), 0.2 + 0.2/(1+6.0/72)},
		{"in a day", occ(24*time.Hour, 25*time.Hour), 0.8/13 + 0.15},
		{"in six days", occ(144*time.Hour, 145*time.Hour), 0.8/73 + 0.2/3},
	} {
		c := meetCand{start: tc.occ.Start.UnixNano(), end: tc.occ.End.UnixNano(), inProgress: tc.occ.InProgress, fit: 1, near: 1}
		w := window{from1: at.UnixNano(), to1: at.Add(time.Hour).UnixNano()}
		if c.rank(&w, at.UnixNano()); math.Abs(c.soon-tc.want) > 1e-9 {
			t.Errorf("soon %s = %v, want %v", tc.name, c.soon, tc.want)
		}
	}
	room := &meetingDoc{inPerson: true}
	phone := &meetingDoc{online: true, phone: true}
	link := &meetingDoc{online: true}
	for _, tc := range []struct {
		name        string
		d           *meetingDoc
		dist        float64
		noTransport bool
		want        float64
	}{
		{"room here", room, 0, false, 1},
		{"room at 3 km", room, 3000, false, 0.5},
		{"room at 800 m, no transport", room, 800, true, 0.5},
		{"online", phone, 0, false, 0.5},
		{"call in, no transport", phone, 0, true, 1},
		{"link only, no transport", link, 0, true, 0.8},
	} {
		if got := tc.d.nearPart(tc.d.inPerson, tc.dist, tc.noTransport, true); got != tc.want {
			t.Errorf("near %s = %v, want %v", tc.name, got, tc.want)
		}
	}
}

var (
	tonightOnce sync.Once
	tonightSnap *loaded
	tonightM    *Matcher
	tonightErr  error
)

// tonightData returns a matcher over the bundled settings with the NA
// meetings of testdata/tonight, held through a Sunday and the night after
// (and one next door on Saturday evening).
func tonightData(tb testing.TB) (*loaded, *Matcher) {
	tb.Helper()
	tonightOnce.Do(func() {
		dir := testkit.DataDir(tb, os.DirFS("testdata/tonight"))
		tonightSnap, tonightErr = load(os.DirFS(dir), testkit.Now())
		if tonightErr == nil {
			tonightM = New(tonightSnap.Index, tonightSnap.Places, nil)
		}
	})
	if tonightErr != nil {
		tb.Fatal(tonightErr)
	}
	return tonightSnap, tonightM
}

// TestMeetingTonight: "NA meeting tonight" lists the meetings of the
// coming night first (from 17:00, or now when later, until 04:00 the next
// morning; before 04:00 also what is left of the night in progress),
// whatever the time it is asked: at 03:10 this evening's meeting comes
// before today's noon meeting next door, at 12:00 the noon meeting in
// progress is not tonight's, at 23:30 the meetings after midnight are.
// "Now" and "today" still ask for what is soonest. The clocks are the
// tests' Sunday (sunday), which only the matcher sees.
func TestMeetingTonight(t *testing.T) {
	snap, m := tonightData(t)
	here := place(t, snap, "38.9115,-77.0165")
	key := func(slug string) string { return "dc-na/" + slug }
	tests := []struct {
		name   string
		q      string
		now    time.Time
		first  []string // the meetings of the window, in any order
		before [][2]string
	}{
		{name: "03:10 tonight", q: "NA meeting tonight", now: sunday(3, 10),
			first:  []string{"sunday-small-hours", "sunday-evening", "sunday-across-town", "sunday-late", "monday-small-hours"},
			before: [][2]string{{"sunday-small-hours", "sunday-evening"}, {"sunday-evening", "sunday-noon"}, {"monday-small-hours", "sunday-morning"}}},
		{name: "12:00 tonight", q: "NA meeting tonight", now: sunday(12, 0),
			first:  []string{"sunday-evening", "sunday-across-town", "sunday-late", "monday-small-hours"},
			before: [][2]string{{"sunday-across-town", "sunday-noon"}}},
		{name: "17:00 tonight", q: "NA meeting tonight", now: sunday(17, 0),
			first:  []string{"sunday-evening", "sunday-across-town", "sunday-late", "monday-small-hours"},
			before: [][2]string{{"monday-small-hours", "monday-morning"}}},
		{name: "23:30 tonight", q: "NA meeting tonight", now: sunday(23, 30),
			first:  []string{"sunday-late", "monday-small-hours"},
			before: [][2]string{{"sunday-late", "monday-small-hours"}, {"monday-small-hours", "monday-morning"}}},
		{name: "00:30 tonight", q: "NA meeting tonight", now: sunday(23, 30).Add(time.Hour),
			first: []string{"sunday-late", "monday-small-hours"}},
		{name: "Spanish, 03:10", q: "reunión de NA esta noche", now: sunday(3, 10),
			first: []string{"sunday-small-hours", "sunday-evening", "sunday-across-town", "sunday-late", "monday-small-hours"}},
		// "Now" and "today" ask for today, until midnight: the noon
		// meeting in progress first at 12:00, the noon meeting before the
		// evening's at 03:10.
		{name: "12:00 now", q: "NA meeting now", now: sunday(12, 0),
			first:  []string{"sunday-noon", "sunday-evening", "sunday-across-town", "sunday-late"},
			before: [][2]string{{"sunday-noon", "sunday-evening"}, {"sunday-noon", "sunday-late"}}},
		{name: "03:10 today", q: "NA meeting today", now: sunday(3, 10),
			first:  []string{"sunday-small-hours", "sunday-morning", "sunday-noon", "sunday-evening", "sunday-across-town", "sunday-late"},
			before: [][2]string{{"sunday-noon", "sunday-evening"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := searchMeetings(t, m, SearchRequest{Text: tc.q, Place: here, Now: tc.now})
			got := slugs(a.Hits)
			if len(got) < len(tc.first) {
				t.Fatalf("hits = %v", got)
			}
			var want []string
			for _, s := range tc.first {
				want = append(want, key(s))
			}
			if !slices.Equal(sorted(got[:len(want)]), sorted(want)) {
				t.Errorf("first hits = %v, want %v", got[:len(want)], want)
			}
			for i, h := range a.Hits {
				if h.Today != (i < len(want)) {
					t.Errorf("%s (hit %d): in the window %v", h.Meeting.Key(), i, h.Today)
				}
			}
			if tc.q == "NA meeting now" && (got[0] != key("sunday-noon") || !a.Hits[0].Next.InProgress) {
				t.Errorf("first %s, want the noon meeting in progress", got[0])
			}
			for _, b := range tc.before {
				if i, j := slices.Index(got, key(b[0])), slices.Index(got, key(b[1])); i < 0 || j < 0 || i > j {
					t.Errorf("%s at %d, %s at %d: want the first before: %v", b[0], i, b[1], j, got)
				}
			}
		})
	}
}

// TestMeetingWeekAway: without words that say when, a meeting next door
// six days away does not outrank tonight's a few kilometers away; it does
// outrank one tonight far out of town.
func TestMeetingWeekAway(t *testing.T) {
	snap, m := tonightData(t)
	a := searchMeetings(t, m, SearchRequest{Text: "NA meeting", Place: place(t, snap, "38.9115,-77.0165"), Now: sunday(17, 0)})
	got := slugs(a.Hits)
	week := slices.Index(got, "dc-na/saturday-evening")
	for _, tonight := range []string{"dc-na/sunday-evening", "dc-na/sunday-across-town"} {
		if i := slices.Index(got, tonight); i < 0 || week < 0 || i > week {
			t.Errorf("%s (tonight, 2-6 km) at %d, saturday-evening (next door, 6 days away) at %d: %v", tonight, i, week, got)
		}
	}
	for _, h := range a.Hits {
		if h.Meeting.Key() == "dc-na/saturday-evening" && (h.Next.Start.Sub(sunday(17, 0)) < 6*24*time.Hour || h.Distance == nil || *h.Distance > 10) {
			t.Errorf("saturday-evening: next %v, distance %v", h.Next.Start, h.Distance)
		}
	}
}

// TestMeetingTrade holds the trade between how soon and how near that the
// weights document: a meeting two hours ahead against one next door a day
// later (about 8 km), six days later (about 33 km), and one starting now
// against one next door two hours later (about 2.7 km).
func TestMeetingTrade(t *testing.T) {
	at := time.Date(2026, 3, 1, 17, 0, 0, 0, time.UTC) // arithmetic only
	score := func(wait time.Duration, meters float64) float64 {
		c := meetCand{start: at.Add(wait).UnixNano(), end: at.Add(wait + time.Hour).UnixNano(), inProgress: wait <= 0, fit: 1,
			near: (&meetingDoc{inPerson: true}).nearPart(true, meters, false, true)}
		c.rank(&window{}, at.UnixNano())
		return c.total
	}
	for _, tc := range []struct {
		name       string
		soon, late time.Duration
		km         float64
	}{
		{"two hours ahead against a day later", 2 * time.Hour, 26 * time.Hour, 8},
		{"two hours ahead against six days later", 2 * time.Hour, 146 * time.Hour, 33},
		{"now against two hours later", 0, 2 * time.Hour, 2.7},
	} {
		next := score(tc.late, 0)
		if near, far := score(tc.soon, tc.km*900), score(tc.soon, tc.km*1100); near <= next || far >= next {
			t.Errorf("%s: at %.1f km %v, at %.1f km %v; next door later %v", tc.name, tc.km*0.9, near, tc.km*1.1, far, next)
		}
	}
}
