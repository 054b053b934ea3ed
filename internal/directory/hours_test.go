package directory_test

import (
	"testing"
	"time"

	"trellis/internal/directory"
)

func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func clock(h, m int) directory.Clock { return directory.Clock(h*60 + m) }

func day(y int, m time.Month, d int) directory.Date { return directory.Date{Year: y, Month: m, Day: d} }

// Calendar used below (2026): Sunday March 1; Monday March 16; spring
// forward in America/New_York early on Sunday March 8 (02:00 EST becomes
// 03:00 EDT); fall back early on Sunday November 1 (02:00 EDT becomes 01:00
// EST).
func TestHoursAt(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := func(y int, m time.Month, d, hh, mm int) time.Time { return time.Date(y, m, d, hh, mm, 0, 0, ny) }

	nineToFive := &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: clock(9, 0), Close: clock(17, 0)}}}
	overnight := &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: clock(19, 0), Close: clock(7, 0)}}}
	always := &directory.Hours{Always: true}

	tests := []struct {
		name  string
		hours *directory.Hours
		loc   *time.Location
		t     time.Time
		want  directory.OpenState // Until and Next compared as instants
	}{
		// Regular weekday hours.
		{name: "regular day, open", hours: nineToFive, loc: ny, t: at(2026, 3, 16, 10, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0)}},
		{name: "regular day, at opening", hours: nineToFive, loc: ny, t: at(2026, 3, 16, 9, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0)}},
		{name: "regular day, before opening", hours: nineToFive, loc: ny, t: at(2026, 3, 16, 8, 59),
			want: directory.OpenState{Known: true, Next: at(2026, 3, 16, 9, 0)}},
		{name: "regular day, at closing", hours: nineToFive, loc: ny, t: at(2026, 3, 16, 17, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 3, 17, 9, 0)}},
		{name: "Friday evening opens Monday", hours: nineToFive, loc: ny, t: at(2026, 3, 20, 18, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 3, 23, 9, 0)}},
		{name: "Saturday opens Monday", hours: nineToFive, loc: ny, t: at(2026, 3, 21, 12, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 3, 23, 9, 0)}},
		{name: "once a week, next week", loc: ny, t: at(2026, 3, 16, 17, 30),
			hours: &directory.Hours{Weekly: []directory.Span{{Days: 1 << time.Monday, Open: clock(9, 0), Close: clock(17, 0)}}},
			want:  directory.OpenState{Known: true, Next: at(2026, 3, 23, 9, 0)}},
		{name: "whole day 00:00-24:00 closes at midnight", loc: ny, t: at(2026, 3, 16, 12, 0),
			hours: &directory.Hours{Weekly: []directory.Span{{Days: 1 << time.Monday, Open: 0, Close: clock(24, 0)}}},
			want:  directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 17, 0, 0)}},

		// Several spans a day.
		{name: "back-to-back spans merge", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{Weekly: []directory.Span{
				{Days: directory.Weekdays, Open: clock(12, 0), Close: clock(17, 0)},
				{Days: directory.Weekdays, Open: clock(9, 0), Close: clock(12, 0)},
			}},
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0)}},
		{name: "overlapping spans merge", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{Weekly: []directory.Span{
				{Days: directory.Weekdays, Open: clock(9, 0), Close: clock(13, 0)},
				{Days: directory.Weekdays, Open: clock(12, 0), Close: clock(17, 0)},
			}},
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0)}},
		{name: "lunch break", loc: ny, t: at(2026, 3, 16, 12, 30),
			hours: &directory.Hours{Weekly: []directory.Span{
				{Days: directory.Weekdays, Open: clock(9, 0), Close: clock(12, 0)},
				{Days: directory.Weekdays, Open: clock(13, 0), Close: clock(17, 0)},
			}},
			want: directory.OpenState{Known: true, Next: at(2026, 3, 16, 13, 0)}},

		// Overnight spans.
		{name: "overnight at 23:00", hours: overnight, loc: ny, t: at(2026, 3, 17, 23, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 18, 7, 0)}},
		{name: "overnight at 03:00 the next morning", hours: overnight, loc: ny, t: at(2026, 3, 18, 3, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 18, 7, 0)}},
		{name: "overnight at closing", hours: overnight, loc: ny, t: at(2026, 3, 18, 7, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 3, 18, 19, 0)}},
		{name: "overnight, midday", hours: overnight, loc: ny, t: at(2026, 3, 18, 12, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 3, 18, 19, 0)}},
		{name: "Friday night span runs into Saturday", loc: ny, t: at(2026, 3, 21, 2, 0),
			hours: &directory.Hours{Weekly: []directory.Span{{Days: 1 << time.Friday, Open: clock(22, 0), Close: clock(4, 0)}}},
			want:  directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 21, 4, 0)}},

		// Always open, with and without closures.
		{name: "always open", hours: always, loc: ny, t: at(2026, 3, 16, 3, 0),
			want: directory.OpenState{Known: true, Open: true}},
		{name: "always open, closure ahead", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{Always: true, Closures: []directory.Closure{{From: day(2026, 3, 18), To: day(2026, 3, 18), Note: "training day"}}},
			want:  directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 18, 0, 0)}},
		{name: "always open, during the closure", loc: ny, t: at(2026, 3, 18, 10, 0),
			hours: &directory.Hours{Always: true, Closures: []directory.Closure{{From: day(2026, 3, 18), To: day(2026, 3, 18)}}},
			want:  directory.OpenState{Known: true, Next: at(2026, 3, 19, 0, 0)}},
		{name: "always open, long closure", loc: ny, t: at(2026, 3, 18, 10, 0),
			hours: &directory.Hours{Always: true, Closures: []directory.Closure{{From: day(2026, 3, 10), To: day(2026, 4, 30), Note: "renovation"}}},
			want:  directory.OpenState{Known: true}},
		{
			// The look-ahead window must not end before LookAhead when a
			// daylight-saving change shortens a day inside it.
			name: "always open late in the week before spring forward", hours: always, loc: ny, t: at(2026, 3, 1, 23, 30),
			want: directory.OpenState{Known: true, Open: true},
		},

		// Dated closures on weekly hours.
		{name: "holiday closes the day", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{Weekly: nineToFive.Weekly, Closures: []directory.Closure{{From: day(2026, 3, 16), To: day(2026, 3, 16), Note: "holiday"}}},
			want:  directory.OpenState{Known: true, Next: at(2026, 3, 17, 9, 0)}},
		{name: "closure over several days", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{Weekly: nineToFive.Weekly, Closures: []directory.Closure{{From: day(2026, 3, 16), To: day(2026, 3, 18)}}},
			want:  directory.OpenState{Known: true, Next: at(2026, 3, 19, 9, 0)}},
		{name: "closure on another day", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{Weekly: nineToFive.Weekly, Closures: []directory.Closure{{From: day(2026, 3, 17), To: day(2026, 3, 17)}}},
			want:  directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0)}},
		{name: "overnight span ends at a closed day's midnight", loc: ny, t: at(2026, 3, 17, 23, 0),
			hours: &directory.Hours{Weekly: overnight.Weekly, Closures: []directory.Closure{{From: day(2026, 3, 18), To: day(2026, 3, 18)}}},
			want:  directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 18, 0, 0)}},
		{name: "closed day's own overnight span is closed", loc: ny, t: at(2026, 3, 19, 3, 0),
			hours: &directory.Hours{Weekly: overnight.Weekly, Closures: []directory.Closure{{From: day(2026, 3, 18), To: day(2026, 3, 18)}}},
			want:  directory.OpenState{Known: true, Next: at(2026, 3, 19, 19, 0)}},

		// A season that wraps the new year: a winter shelter, November
		// through March.
		{name: "season, January night", hours: winterShelter(), loc: ny, t: at(2026, 1, 15, 23, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 1, 16, 7, 0)}},
		{name: "season, New Year's Eve", hours: winterShelter(), loc: ny, t: at(2026, 12, 31, 23, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2027, 1, 1, 7, 0)}},
		{name: "season, last night runs into April", hours: winterShelter(), loc: ny, t: at(2026, 4, 1, 3, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 4, 1, 7, 0)}},
		{name: "season, first evening after it ends", hours: winterShelter(), loc: ny, t: at(2026, 4, 1, 20, 0),
			want: directory.OpenState{Known: true}},
		{name: "season, July", hours: winterShelter(), loc: ny, t: at(2026, 7, 15, 23, 0),
			want: directory.OpenState{Known: true}},
		{name: "season, opens November 1", hours: winterShelter(), loc: ny, t: at(2026, 10, 28, 20, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 11, 1, 19, 0)}},

		// Daylight-saving changes in America/New_York.
		{name: "spring forward night is an hour shorter", hours: overnight, loc: ny, t: at(2026, 3, 7, 23, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 8, 7, 0)}},
		{name: "spring forward, after the jump", hours: overnight, loc: ny, t: at(2026, 3, 8, 3, 30),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 8, 7, 0)}},
		{name: "spring forward day, before opening", loc: ny, t: at(2026, 3, 8, 8, 0),
			hours: &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: clock(9, 0), Close: clock(17, 0)}}},
			want:  directory.OpenState{Known: true, Next: at(2026, 3, 8, 9, 0)}},
		{name: "fall back night is an hour longer", hours: overnight, loc: ny, t: at(2026, 10, 31, 23, 0),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 11, 1, 7, 0)}},
		{name: "fall back, first 01:30 (EDT)", hours: overnight, loc: ny, t: time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 11, 1, 7, 0)}},
		{name: "fall back, second 01:30 (EST)", hours: overnight, loc: ny, t: time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 11, 1, 7, 0)}},
		{name: "fall back day, after closing", hours: overnight, loc: ny, t: at(2026, 11, 1, 8, 0),
			want: directory.OpenState{Known: true, Next: at(2026, 11, 1, 19, 0)}},

		// Zones.
		{name: "instant given in another zone is read in loc", hours: nineToFive, loc: ny, t: time.Date(2026, 3, 16, 14, 0, 0, 0, time.UTC),
			want: directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0)}},
		{name: "nil zone reads hours in UTC", hours: nineToFive, loc: nil, t: at(2026, 3, 16, 6, 0),
			want: directory.OpenState{Known: true, Open: true, Until: time.Date(2026, 3, 16, 17, 0, 0, 0, time.UTC)}},

		// Unknown hours.
		{name: "nil hours", hours: nil, loc: ny, t: at(2026, 3, 16, 10, 0), want: directory.OpenState{}},
		{name: "by appointment only", hours: &directory.Hours{ByAppointment: true}, loc: ny, t: at(2026, 3, 16, 10, 0),
			want: directory.OpenState{ByAppointment: true}},
		{name: "notes only", hours: &directory.Hours{Notes: "Call for hours"}, loc: ny, t: at(2026, 3, 16, 10, 0),
			want: directory.OpenState{}},
		{name: "by appointment with weekly hours", loc: ny, t: at(2026, 3, 16, 10, 0),
			hours: &directory.Hours{ByAppointment: true, Weekly: nineToFive.Weekly},
			want:  directory.OpenState{Known: true, Open: true, Until: at(2026, 3, 16, 17, 0), ByAppointment: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.hours.At(tt.t, tt.loc)
			checkState(t, got, tt.want)
		})
	}
}

// winterShelter is open every night 19:00-07:00 from November 1 through
// March 31.
func winterShelter() *directory.Hours {
	return &directory.Hours{
		Weekly: []directory.Span{{Days: directory.Everyday, Open: clock(19, 0), Close: clock(7, 0)}},
		Season: &directory.Season{FromMonth: time.November, FromDay: 1, ToMonth: time.March, ToDay: 31},
	}
}

func checkState(t *testing.T, got, want directory.OpenState) {
	t.Helper()
	if got.Known != want.Known || got.Open != want.Open || got.ByAppointment != want.ByAppointment {
		t.Errorf("Known, Open, ByAppointment = %v, %v, %v; want %v, %v, %v",
			got.Known, got.Open, got.ByAppointment, want.Known, want.Open, want.ByAppointment)
	}
	if !got.Until.Equal(want.Until) {
		t.Errorf("Until = %v, want %v", got.Until, want.Until)
	}
	if !got.Next.Equal(want.Next) {
		t.Errorf("Next = %v, want %v", got.Next, want.Next)
	}
}

// TestHoursAtDSTDurations checks the lengths of the overnight span across
// the daylight-saving changes: 12 hours normally, 11 when the clocks spring
// forward, 13 when they fall back.
func TestHoursAtDSTDurations(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	overnight := &directory.Hours{Weekly: []directory.Span{{Days: directory.Everyday, Open: clock(19, 0), Close: clock(7, 0)}}}
	tests := []struct {
		name string
		open time.Time
		want time.Duration
	}{
		{name: "ordinary night", open: time.Date(2026, 3, 16, 19, 0, 0, 0, ny), want: 12 * time.Hour},
		{name: "spring forward", open: time.Date(2026, 3, 7, 19, 0, 0, 0, ny), want: 11 * time.Hour},
		{name: "fall back", open: time.Date(2026, 10, 31, 19, 0, 0, 0, ny), want: 13 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := overnight.At(tt.open, ny)
			if !st.Open {
				t.Fatalf("At(%v) is closed, want open", tt.open)
			}
			if got := st.Until.Sub(tt.open); got != tt.want {
				t.Errorf("open for %v, want %v (until %v)", got, tt.want, st.Until)
			}
		})
	}
}

// TestServiceHoursAt checks which hours and zone apply to a service at a
// location, and reads them: a location in America/Los_Angeles keeps Pacific
// hours in a directory whose zone is America/New_York.
func TestServiceHoursAt(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	la := mustZone(t, "America/Los_Angeles")
	nineToFive := &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: clock(9, 0), Close: clock(17, 0)}}}
	tenToTwo := &directory.Hours{Weekly: []directory.Span{{Days: directory.Weekdays, Open: clock(10, 0), Close: clock(14, 0)}}}

	pacific := &directory.Location{ID: "oakland", TimeZone: la, Hours: nineToFive}
	eastern := &directory.Location{ID: "dc", Hours: nineToFive}
	noHours := &directory.Location{ID: "no-hours"}

	tests := []struct {
		name     string
		svcHours *directory.Hours
		loc      *directory.Location
		t        time.Time
		wantZone *time.Location
		want     directory.OpenState
	}{
		{name: "Pacific location at 18:00 Eastern is open", loc: pacific, t: time.Date(2026, 3, 16, 18, 0, 0, 0, ny), wantZone: la,
			want: directory.OpenState{Known: true, Open: true, Until: time.Date(2026, 3, 16, 17, 0, 0, 0, la)}},
		{name: "directory-zone location at 18:00 Eastern is closed", loc: eastern, t: time.Date(2026, 3, 16, 18, 0, 0, 0, ny), wantZone: ny,
			want: directory.OpenState{Known: true, Next: time.Date(2026, 3, 17, 9, 0, 0, 0, ny)}},
		{name: "Pacific location at 10:00 Eastern opens at 09:00 Pacific", loc: pacific, t: time.Date(2026, 3, 16, 10, 0, 0, 0, ny), wantZone: la,
			want: directory.OpenState{Known: true, Next: time.Date(2026, 3, 16, 12, 0, 0, 0, ny)}},
		{name: "service hours override the location's, in its zone", svcHours: tenToTwo, loc: pacific, t: time.Date(2026, 3, 16, 16, 0, 0, 0, ny), wantZone: la,
			want: directory.OpenState{Known: true, Open: true, Until: time.Date(2026, 3, 16, 14, 0, 0, 0, la)}},
		{name: "neither lists hours", loc: noHours, t: time.Date(2026, 3, 16, 12, 0, 0, 0, ny), wantZone: ny, want: directory.OpenState{}},
		{name: "no location, service hours in the directory zone", svcHours: tenToTwo, t: time.Date(2026, 3, 16, 12, 0, 0, 0, ny), wantZone: ny,
			want: directory.OpenState{Known: true, Open: true, Until: time.Date(2026, 3, 16, 14, 0, 0, 0, ny)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &directory.Service{ID: "svc", Hours: tt.svcHours}
			h, zone := s.HoursAt(tt.loc, ny)
			if zone != tt.wantZone {
				t.Errorf("zone = %v, want %v", zone, tt.wantZone)
			}
			checkState(t, h.At(tt.t, zone), tt.want)
		})
	}
}

func TestHoursHelpers(t *testing.T) {
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{name: "weekdays has Monday", got: directory.Weekdays.Has(time.Monday), want: true},
		{name: "weekdays lacks Sunday", got: directory.Weekdays.Has(time.Sunday), want: false},
		{name: "weekends has Saturday", got: directory.Weekends.Has(time.Saturday), want: true},
		{name: "everyday has Wednesday", got: directory.Everyday.Has(time.Wednesday), want: true},
		{name: "19:00-07:00 is overnight", got: directory.Span{Open: clock(19, 0), Close: clock(7, 0)}.Overnight(), want: true},
		{name: "09:00-17:00 is not overnight", got: directory.Span{Open: clock(9, 0), Close: clock(17, 0)}.Overnight(), want: false},
		{name: "earlier year is before", got: day(2025, 12, 31).Before(day(2026, 1, 1)), want: true},
		{name: "earlier month is before", got: day(2026, 2, 28).Before(day(2026, 3, 1)), want: true},
		{name: "earlier day is before", got: day(2026, 3, 1).Before(day(2026, 3, 2)), want: true},
		{name: "same day is not before", got: day(2026, 3, 1).Before(day(2026, 3, 1)), want: false},
		{name: "later day is not before", got: day(2026, 3, 2).Before(day(2026, 3, 1)), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}
