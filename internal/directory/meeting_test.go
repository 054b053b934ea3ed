package directory_test

import (
	"testing"
	"time"

	"trellis/internal/directory"
)

func days(ds ...time.Weekday) directory.DaySet {
	var s directory.DaySet
	for _, d := range ds {
		s |= 1 << d
	}
	return s
}

// weekly returns an in-person meeting held on ds from start to end ("" for
// no end time) in zone loc (nil for the directory's).
func weekly(ds directory.DaySet, start, end string, loc *time.Location) *directory.Meeting {
	parse := func(s string) directory.Clock {
		if s == "24:00" {
			return 24 * 60
		}
		t, err := time.Parse("15:04", s)
		if err != nil {
			panic(err)
		}
		return directory.Clock(t.Hour()*60 + t.Minute())
	}
	m := &directory.Meeting{Source: "test", Slug: "m", Name: "Test", Days: ds, Start: parse(start), HasStart: true,
		TimeZone: loc, Address: "1 Main St", City: "Washington"}
	if end != "" {
		m.End, m.HasEnd = parse(end), true
	}
	return m
}

// The calendar of these tests, 2026: Saturday March 7, Sunday March 8
// (New York springs forward at 02:00 EST to 03:00 EDT), Tuesday March 17,
// Sunday March 29 (London springs forward at 01:00 GMT to 02:00 BST),
// Saturday October 31, Sunday November 1 (New York falls back at 02:00 EDT
// to 01:00 EST). The instants are fixed: Next is arithmetic, no real clock
// sees them.
func TestMeetingNext(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	la := mustZone(t, "America/Los_Angeles")
	london := mustZone(t, "Europe/London")
	at := func(loc *time.Location, m time.Month, d, hh, mm int) time.Time {
		return time.Date(2026, m, d, hh, mm, 0, 0, loc)
	}
	// EST and EDT instants named by their offsets, for the hours a
	// daylight-saving change makes ambiguous.
	est := time.FixedZone("EST", -5*3600)
	edt := time.FixedZone("EDT", -4*3600)

	tuesday := weekly(days(time.Tuesday), "19:00", "20:00", ny)
	lateSunday := weekly(days(time.Sunday), "23:30", "00:30", ny)
	lateNoEnd := weekly(days(time.Sunday), "23:30", "", ny)
	monWed := weekly(days(time.Monday, time.Wednesday), "12:00", "13:00", ny)
	saturday := weekly(days(time.Saturday), "19:00", "20:00", ny)
	sundayEarly := weekly(days(time.Sunday), "01:30", "02:30", ny)
	skipped := weekly(days(time.Sunday), "02:30", "03:30", ny)
	fallBack := weekly(days(time.Sunday), "01:00", "02:00", ny)
	overFallBack := weekly(days(time.Saturday), "23:30", "01:30", ny)
	dirZone := weekly(days(time.Tuesday), "19:00", "", nil)
	laMeeting := weekly(days(time.Tuesday), "19:00", "20:00", la)
	londonEarly := weekly(days(time.Sunday), "00:30", "01:30", london)
	untilMidnight := weekly(days(time.Tuesday), "22:00", "24:00", ny)

	tests := []struct {
		name      string
		m         *directory.Meeting
		dir       *time.Location
		t         time.Time
		start     time.Time
		end       time.Time
		inProgres bool
	}{
		{name: "later today", m: tuesday, t: at(ny, 3, 17, 17, 0),
			start: at(ny, 3, 17, 19, 0), end: at(ny, 3, 17, 20, 0)},
		{name: "at its start it is in progress", m: tuesday, t: at(ny, 3, 17, 19, 0),
			start: at(ny, 3, 17, 19, 0), end: at(ny, 3, 17, 20, 0), inProgres: true},
		{name: "in progress", m: tuesday, t: at(ny, 3, 17, 19, 40),
			start: at(ny, 3, 17, 19, 0), end: at(ny, 3, 17, 20, 0), inProgres: true},
		{name: "at its end it drops off until next week", m: tuesday, t: at(ny, 3, 17, 20, 0),
			start: at(ny, 3, 24, 19, 0), end: at(ny, 3, 24, 20, 0)},
		{name: "past its end it drops off for the day", m: tuesday, t: at(ny, 3, 17, 23, 0),
			start: at(ny, 3, 24, 19, 0), end: at(ny, 3, 24, 20, 0)},
		{name: "the next of several days", m: monWed, t: at(ny, 3, 17, 9, 0),
			start: at(ny, 3, 18, 12, 0), end: at(ny, 3, 18, 13, 0)},
		{name: "after the last day of the week, the first", m: monWed, t: at(ny, 3, 18, 13, 0),
			start: at(ny, 3, 23, 12, 0), end: at(ny, 3, 23, 13, 0)},

		// Across midnight.
		{name: "23:30-00:30 before it starts", m: lateSunday, t: at(ny, 3, 15, 23, 0),
			start: at(ny, 3, 15, 23, 30), end: at(ny, 3, 16, 0, 30)},
		{name: "23:30-00:30 in progress after midnight", m: lateSunday, t: at(ny, 3, 16, 0, 15),
			start: at(ny, 3, 15, 23, 30), end: at(ny, 3, 16, 0, 30), inProgres: true},
		{name: "23:30-00:30 ended after midnight", m: lateSunday, t: at(ny, 3, 16, 0, 30),
			start: at(ny, 3, 22, 23, 30), end: at(ny, 3, 23, 0, 30)},
		{name: "no end time lasts an hour, past midnight", m: lateNoEnd, t: at(ny, 3, 16, 0, 20),
			start: at(ny, 3, 15, 23, 30), end: at(ny, 3, 16, 0, 30), inProgres: true},
		{name: "ends at 24:00", m: untilMidnight, t: at(ny, 3, 17, 23, 59),
			start: at(ny, 3, 17, 22, 0), end: at(ny, 3, 18, 0, 0), inProgres: true},

		// Spring forward in New York, Sunday March 8.
		{name: "a week across spring forward keeps the local time", m: saturday, t: at(ny, 3, 7, 20, 0),
			start: at(ny, 3, 14, 19, 0), end: at(ny, 3, 14, 20, 0)},
		{name: "01:30-02:30 on the night clocks skip 02:00-03:00 lasts an hour", m: sundayEarly, t: at(ny, 3, 8, 0, 0),
			start: time.Date(2026, 3, 8, 1, 30, 0, 0, est), end: time.Date(2026, 3, 8, 3, 30, 0, 0, edt)},
		{name: "a start the clocks skip is read before the jump", m: skipped, t: at(ny, 3, 8, 0, 0),
			start: time.Date(2026, 3, 8, 3, 30, 0, 0, edt), end: time.Date(2026, 3, 8, 4, 30, 0, 0, edt)},
		{name: "a start the clocks skip, in progress", m: skipped, t: time.Date(2026, 3, 8, 4, 0, 0, 0, edt),
			start: time.Date(2026, 3, 8, 3, 30, 0, 0, edt), end: time.Date(2026, 3, 8, 4, 30, 0, 0, edt), inProgres: true},
		{name: "the week after spring forward", m: skipped, t: time.Date(2026, 3, 8, 5, 0, 0, 0, edt),
			start: at(ny, 3, 15, 2, 30), end: at(ny, 3, 15, 3, 30)},

		// Fall back in New York, Sunday November 1.
		{name: "a week across fall back keeps the local time", m: saturday, t: at(ny, 10, 31, 20, 0),
			start: at(ny, 11, 7, 19, 0), end: at(ny, 11, 7, 20, 0)},
		{name: "01:00-02:00 on fall back starts at the first 01:00 and ends at 02:00 EST", m: fallBack, t: at(ny, 10, 31, 23, 0),
			start: time.Date(2026, 11, 1, 1, 0, 0, 0, edt), end: time.Date(2026, 11, 1, 2, 0, 0, 0, est)},
		{name: "01:00-02:00 on fall back is in progress at the second 01:30", m: fallBack, t: time.Date(2026, 11, 1, 1, 30, 0, 0, est),
			start: time.Date(2026, 11, 1, 1, 0, 0, 0, edt), end: time.Date(2026, 11, 1, 2, 0, 0, 0, est), inProgres: true},
		{name: "23:30-01:30 across midnight and fall back has ended at the second 01:15", m: overFallBack, t: time.Date(2026, 11, 1, 1, 15, 0, 0, est),
			start: at(ny, 11, 7, 23, 30), end: at(ny, 11, 8, 1, 30)},
		{name: "23:30-01:30 across midnight and fall back, in progress", m: overFallBack, t: time.Date(2026, 11, 1, 1, 15, 0, 0, edt),
			start: at(ny, 10, 31, 23, 30), end: time.Date(2026, 11, 1, 1, 30, 0, 0, edt), inProgres: true},

		// Zones.
		{name: "no zone of its own: the directory's", m: dirZone, dir: la, t: at(la, 3, 17, 18, 0),
			start: at(la, 3, 17, 19, 0), end: at(la, 3, 17, 20, 0)},
		{name: "its own zone, not the directory's", m: laMeeting, dir: ny, t: at(ny, 3, 17, 21, 0),
			start: at(la, 3, 17, 19, 0), end: at(la, 3, 17, 20, 0)},
		{name: "its own zone: already Tuesday in New York, still Monday in Los Angeles", m: laMeeting, dir: ny, t: at(ny, 3, 17, 0, 30),
			start: at(la, 3, 17, 19, 0), end: at(la, 3, 17, 20, 0)},
		{name: "London springs forward on another Sunday: an end the clocks skip is read before the jump", m: londonEarly, t: time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC),
			start: time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), end: time.Date(2026, 3, 29, 2, 30, 0, 0, time.FixedZone("BST", 3600))},
		{name: "London, the week before, in GMT", m: londonEarly, t: time.Date(2026, 3, 22, 0, 45, 0, 0, time.UTC),
			start: time.Date(2026, 3, 22, 0, 30, 0, 0, time.UTC), end: time.Date(2026, 3, 22, 1, 30, 0, 0, time.UTC), inProgres: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := tt.dir
			if dir == nil {
				dir = ny
			}
			got, ok := tt.m.Next(tt.t, dir)
			if !ok {
				t.Fatalf("Next(%s) = none, want %s-%s", tt.t, tt.start, tt.end)
			}
			if !got.Start.Equal(tt.start) || !got.End.Equal(tt.end) || got.InProgress != tt.inProgres {
				t.Errorf("Next(%s) = %s-%s in progress %v, want %s-%s in progress %v",
					tt.t, got.Start, got.End, got.InProgress, tt.start, tt.end, tt.inProgres)
			}
			if got.Start.Location() != tt.m.Zone(dir) {
				t.Errorf("Start is in %s, want the meeting's zone %s", got.Start.Location(), tt.m.Zone(dir))
			}
		})
	}
}

func TestMeetingNextNone(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	now := time.Date(2026, 3, 17, 12, 0, 0, 0, ny)
	byAppointment := &directory.Meeting{Source: "test", Slug: "a", Name: "By appointment", Address: "1 Main St"}
	noTime := &directory.Meeting{Source: "test", Slug: "b", Name: "No time", Days: days(time.Tuesday), Address: "1 Main St"}
	closed := weekly(days(time.Tuesday), "19:00", "", ny)
	closed.Types = []string{directory.MeetingTypeTemporarilyClosed}
	inactive := weekly(days(time.Tuesday), "19:00", "", ny)
	inactive.Attendance = directory.AttendanceInactive
	onlineNoLink := weekly(days(time.Tuesday), "19:00", "", ny)
	onlineNoLink.Attendance = directory.AttendanceOnline

	tests := []struct {
		name string
		m    *directory.Meeting
	}{
		{name: "by appointment", m: byAppointment},
		{name: "days without a time", m: noTime},
		{name: "temporarily closed without a conference", m: closed},
		{name: "inactive", m: inactive},
		{name: "online without a link or phone", m: onlineNoLink},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if occ, ok := tt.m.Next(now, ny); ok {
				t.Errorf("Next = %s-%s, want none", occ.Start, occ.End)
			}
		})
	}
}

func TestMeetingMode(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name     string
		m        directory.Meeting
		mode     directory.Attendance
		online   bool
		inPerson bool
	}{
		{name: "an address, no conference", m: directory.Meeting{Address: "1 Main St"},
			mode: directory.AttendanceInPerson, inPerson: true},
		{name: "a conference and a specific address", m: directory.Meeting{Address: "1 Main St", ConferenceURL: "https://zoom.us/j/1"},
			mode: directory.AttendanceHybrid, online: true, inPerson: true},
		{name: "a conference and an approximate address", m: directory.Meeting{FormattedAddress: "Chicago, IL, USA", Approximate: &yes, ConferencePhone: "+13125550100"},
			mode: directory.AttendanceOnline, online: true},
		{name: "a conference and no address", m: directory.Meeting{ConferenceURL: "https://zoom.us/j/1"},
			mode: directory.AttendanceOnline, online: true},
		{name: "a conference and a point", m: directory.Meeting{HasPoint: true, ConferenceURL: "https://zoom.us/j/1", Approximate: &no},
			mode: directory.AttendanceHybrid, online: true, inPerson: true},
		{name: "temporarily closed with a conference", m: directory.Meeting{Address: "1 Main St", Types: []string{"TC"}, ConferenceURL: "https://zoom.us/j/1"},
			mode: directory.AttendanceOnline, online: true},
		{name: "temporarily closed without a conference", m: directory.Meeting{Address: "1 Main St", Types: []string{"TC"}},
			mode: directory.AttendanceInactive},
		{name: "the feed's option wins", m: directory.Meeting{Address: "1 Main St", Attendance: directory.AttendanceOnline, ConferenceURL: "https://zoom.us/j/1"},
			mode: directory.AttendanceOnline, online: true},
		{name: "hybrid but temporarily closed", m: directory.Meeting{Address: "1 Main St", Attendance: directory.AttendanceHybrid, Types: []string{"TC"}, ConferencePhone: "+13125550100"},
			mode: directory.AttendanceHybrid, online: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Mode(); got != tt.mode {
				t.Errorf("Mode = %q, want %q", got, tt.mode)
			}
			if got := tt.m.Online(); got != tt.online {
				t.Errorf("Online = %v, want %v", got, tt.online)
			}
			if got := tt.m.InPerson(); got != tt.inPerson {
				t.Errorf("InPerson = %v, want %v", got, tt.inPerson)
			}
		})
	}
}

func TestMeetingTypes(t *testing.T) {
	types, err := directory.NewMeetingTypes([]*directory.MeetingType{
		{Code: "O", Names: directory.Text{"en": "Open", "es": "Abierta"}},
		{Code: "BV-I", Names: directory.Text{"en": "Blind / Visually Impaired"}, Proposed: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, code, lang, want string }{
		{name: "Spanish", code: "O", lang: "es", want: "Abierta"},
		{name: "English", code: "O", lang: "en", want: "Open"},
		{name: "no Spanish name falls back to English", code: "BV-I", lang: "es", want: "Blind / Visually Impaired"},
		{name: "an unknown code is itself", code: "XYZ", lang: "en", want: "XYZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := types.Name(tt.code, tt.lang); got != tt.want {
				t.Errorf("Name(%q, %q) = %q, want %q", tt.code, tt.lang, got, tt.want)
			}
		})
	}
	if _, err := directory.NewMeetingTypes([]*directory.MeetingType{{Code: "O"}, {Code: "O"}}); err == nil {
		t.Error("NewMeetingTypes with a code given twice: no error")
	}
	m := directory.Meeting{Types: []string{"O", "S", "ASL", "S", "W"}}
	if got := m.Languages(); len(got) != 2 || got[0] != "es" || got[1] != "ase" {
		t.Errorf("Languages = %v, want [es ase]", got)
	}
}

func TestCatalogWithMeetings(t *testing.T) {
	cat, err := directory.NewCatalog(directory.Info{}, directory.NewTaxonomy(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	a := &directory.Meeting{Source: "b-src", Slug: "one"}
	b := &directory.Meeting{Source: "a-src", Slug: "two"}
	with, err := cat.WithMeetings(nil, []*directory.Meeting{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Meetings) != 0 {
		t.Errorf("WithMeetings changed the catalog it was called on")
	}
	if len(with.Meetings) != 2 || with.Meetings[0] != b || with.Meetings[1] != a {
		t.Errorf("Meetings are not sorted by key: %v", with.Meetings)
	}
	if with.Meeting("b-src/one") != a || with.Meeting("b-src/two") != nil {
		t.Errorf("Meeting by key is wrong")
	}
	if _, err := cat.WithMeetings(nil, []*directory.Meeting{a, {Source: "b-src", Slug: "one"}}); err == nil {
		t.Error("two meetings with one key: no error")
	}
}

// BenchmarkMeetingNext is the next occurrence of a meeting held on two
// days, the work a search does for each meeting it ranks.
func BenchmarkMeetingNext(b *testing.B) {
	ny := mustZone(b, "America/New_York")
	m := weekly(days(time.Monday, time.Thursday), "19:00", "20:00", ny)
	t := time.Date(2026, 3, 17, 21, 0, 0, 0, ny)
	for b.Loop() {
		if _, ok := m.Next(t, ny); !ok {
			b.Fatal("no next occurrence")
		}
	}
}
