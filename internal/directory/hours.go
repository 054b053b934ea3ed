package directory

import (
	"time"
)

// DaySet is a set of weekdays; bit time.Sunday (0) through time.Saturday (6).
type DaySet uint8

// Common day sets.
const (
	Weekdays DaySet = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	Weekends DaySet = 1<<time.Saturday | 1<<time.Sunday
	Everyday DaySet = Weekdays | Weekends
)

// Has reports whether d is in the set.
func (s DaySet) Has(d time.Weekday) bool { return s&(1<<d) != 0 }

// Clock is a time of day in minutes after midnight, 0 to 1440 inclusive
// (1440 is "24:00", the end of the day).
type Clock int

// Span is a weekly opening: on each of Days the place opens at Open and
// closes at Close. When Close is not after Open the span runs overnight and
// closes at Close on the following day (19:00-07:00); Open 00:00 with Close
// 24:00 is the whole day.
type Span struct {
	Days  DaySet
	Open  Clock
	Close Clock
}

// Overnight reports whether the span closes on the day after it opens.
func (s Span) Overnight() bool { return s.Close <= s.Open }

// Date is a calendar date without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// DateOf returns the calendar date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Closure is a dated closure, whole days From through To inclusive.
type Closure struct {
	From Date
	To   Date
	Note string
}

// Season is a yearly window, e.g. a farmers market's June through October:
// the weekly hours apply only on dates from From through To (month and day;
// the window may wrap past December into January).
type Season struct {
	FromMonth time.Month
	FromDay   int
	ToMonth   time.Month
	ToDay     int
}

// Hours are when a location or service is open, read in a time zone.
type Hours struct {
	// Always is open 24 hours a day, 7 days a week (closures still apply).
	Always bool
	// Weekly are the regular openings.
	Weekly []Span
	// ByAppointment means visits need an appointment; with no weekly spans
	// the hours are otherwise unknown.
	ByAppointment bool
	Season        *Season
	Closures      []Closure
	// Notes are the hours as the source wrote them, shown when they could
	// not be turned into spans.
	Notes string
}

// OpenState is whether a place is open at an instant, and when that changes.
type OpenState struct {
	// Known is false when the hours give no weekly spans and are not 24/7:
	// open or closed cannot be told, which is never the same as closed.
	Known bool
	Open  bool
	// Until, when open, is when it next closes; zero if it does not close
	// within the look-ahead (open 24/7).
	Until time.Time
	// Next, when closed, is when it next opens; zero if not within the
	// look-ahead.
	Next time.Time
	// ByAppointment is copied from the hours.
	ByAppointment bool
}

// LookAhead is how far At searches for the next opening or closing.
const LookAhead = 8 * 24 * time.Hour

// At reports whether the hours are open at instant t, reading them in zone
// loc (nil means UTC), and when that next changes within LookAhead.
// Overnight spans that opened the day before count, dated closures close
// whole local days, and outside the season the weekly spans do not apply.
// A nil *Hours gives the zero OpenState (unknown).
func (h *Hours) At(t time.Time, loc *time.Location) OpenState {
	if h == nil {
		return OpenState{}
	}
	if loc == nil {
		loc = time.UTC
	}
	st := OpenState{ByAppointment: h.ByAppointment}
	if !h.Always && len(h.Weekly) == 0 {
		return st
	}
	st.Known = true
	t = t.In(loc)
	// The intervals of a week and a half fit here, off the heap: a
	// search reads the hours of thousands of listings.
	var buf [48]interval
	ivs := h.intervals(t, loc, buf[:0])
	for _, iv := range ivs {
		if !t.Before(iv.from) && t.Before(iv.to) {
			st.Open = true
			// Merge back-to-back intervals to find the real closing time.
			end := iv.to
			for _, jv := range ivs {
				if !jv.from.After(end) && jv.to.After(end) && !jv.from.Before(iv.from) {
					end = jv.to
				}
			}
			if end.Sub(t) < LookAhead {
				st.Until = end
			}
			return st
		}
	}
	for _, iv := range ivs {
		if iv.from.After(t) && iv.from.Sub(t) <= LookAhead {
			st.Next = iv.from
			return st
		}
	}
	return st
}

type interval struct{ from, to time.Time }

// intervals expands the hours into concrete open intervals from the day
// before t through LookAhead after it, in ascending order of opening,
// dropping closed dates and dates outside the season. It appends them to
// out, which it returns.
//
// The window runs one whole local day past t's day plus LookAhead, so that
// it still ends after t+LookAhead when a daylight-saving change shortens a
// day inside it; otherwise a place open through the window's end would
// report the window's edge as its closing time.
func (h *Hours) intervals(t time.Time, loc *time.Location, out []interval) []interval {
	start := time.Date(t.Year(), t.Month(), t.Day()-1, 0, 0, 0, 0, loc)
	days := int(LookAhead/(24*time.Hour)) + 3
	for i := 0; i < days; i++ {
		day := time.Date(start.Year(), start.Month(), start.Day()+i, 0, 0, 0, 0, loc)
		date := DateOf(day)
		if h.closedOn(date) || !h.inSeason(date) {
			continue
		}
		if h.Always {
			out = append(out, interval{day, time.Date(date.Year, date.Month, date.Day+1, 0, 0, 0, 0, loc)})
			continue
		}
		for _, s := range h.Weekly {
			if !s.Days.Has(day.Weekday()) {
				continue
			}
			from := clockOn(date, s.Open, loc)
			var to time.Time
			if s.Overnight() {
				to = clockOn(Date{date.Year, date.Month, date.Day + 1}, s.Close, loc)
				// An overnight span ends early if the next day is closed.
				next := DateOf(time.Date(date.Year, date.Month, date.Day+1, 0, 0, 0, 0, loc))
				if h.closedOn(next) {
					to = time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, loc)
				}
			} else {
				to = clockOn(date, s.Close, loc)
			}
			if to.After(from) {
				out = append(out, interval{from, to})
			}
		}
	}
	// Insertion sort: the list is short and nearly sorted.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].from.Before(out[j-1].from); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// clockOn returns the instant at clock c on date d in loc. time.Date
// normalizes a wall time that a daylight-saving jump skips.
func clockOn(d Date, c Clock, loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, int(c)/60, int(c)%60, 0, 0, loc)
}

func (h *Hours) closedOn(d Date) bool {
	for _, c := range h.Closures {
		if !d.Before(c.From) && !c.To.Before(d) {
			return true
		}
	}
	return false
}

func (h *Hours) inSeason(d Date) bool { return h.Season.Contains(d) }

// Contains reports whether date d falls in the season; a nil season holds
// every date.
func (s *Season) Contains(d Date) bool {
	if s == nil {
		return true
	}
	md := int(d.Month)*100 + d.Day
	from := int(s.FromMonth)*100 + s.FromDay
	to := int(s.ToMonth)*100 + s.ToDay
	if from <= to {
		return md >= from && md <= to
	}
	return md >= from || md <= to // wraps past the new year
}
