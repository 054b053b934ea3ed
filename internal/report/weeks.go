package report

import (
	"fmt"
	"time"
)

// Reports count in whole weeks, Monday to Sunday in the directory's time
// zone, and only weeks that have ended: a day is never a slice of its own,
// and a week's numbers do not change from one day to the next, so the
// difference between two days' reports cannot single out one day's
// referral or search.

// DefaultWeeks is how many weeks a report covers unless asked otherwise:
// a quarter.
const DefaultWeeks = 13

// Range is a run of whole weeks: From is a Monday and To a Sunday (dates
// at 00:00 UTC, the form needs days and last_verified dates take).
type Range struct {
	From, To time.Time
}

// Day returns t's calendar date in loc as 00:00 UTC.
func Day(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// WeekOf returns the Monday of the week of date d (a date at 00:00 UTC).
func WeekOf(d time.Time) time.Time {
	back := (int(d.Weekday()) + 6) % 7 // Monday 0 ... Sunday 6
	return time.Date(d.Year(), d.Month(), d.Day()-back, 0, 0, 0, 0, time.UTC)
}

// LastEnded returns the Sunday that ends the last whole week before today
// (a date): yesterday when today is a Monday, else the Sunday before.
func LastEnded(today time.Time) time.Time {
	return WeekOf(today).AddDate(0, 0, -1)
}

// LastWeeks returns the n whole weeks that ended last before today.
func LastWeeks(today time.Time, n int) Range {
	if n < 1 {
		n = 1
	}
	to := LastEnded(today)
	return Range{From: to.AddDate(0, 0, 1-7*n), To: to}
}

// Weeks returns the range of whole weeks that covers the dates from
// through to (either zero for the default: the weeks that ended last
// before today, defaultWeeks of them, or counted back from to), stretched
// out to a Monday and a Sunday and cut at the last week that has ended
// before today. It returns an error naming the field when to is before
// from, or when no whole week in the range has ended yet.
func Weeks(from, to, today time.Time, defaultWeeks int) (Range, error) {
	last := LastEnded(today)
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		return Range{}, &RangeError{Field: "to", Msg: fmt.Sprintf("to (%s) is before from (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))}
	}
	var r Range
	if to.IsZero() {
		r.To = last
	} else {
		r.To = WeekOf(to).AddDate(0, 0, 6)
		if r.To.After(last) {
			r.To = last
		}
	}
	if from.IsZero() {
		r.From = r.To.AddDate(0, 0, 1-7*max(defaultWeeks, 1))
	} else {
		r.From = WeekOf(from)
	}
	if r.From.After(r.To) {
		return Range{}, &RangeError{Field: "from", Msg: fmt.Sprintf("reports count whole weeks that have ended, and the week of %s has not: the last one ended on %s",
			r.From.Format(time.DateOnly), last.Format(time.DateOnly))}
	}
	return r, nil
}

// RangeError is a report range that cannot be used; Field names the
// parameter at fault.
type RangeError struct {
	Field, Msg string
}

func (e *RangeError) Error() string { return e.Msg }

// Mondays returns the Monday of each week of r, oldest first.
func (r Range) Mondays() []time.Time {
	var out []time.Time
	for d := r.From; !d.After(r.To); d = d.AddDate(0, 0, 7) {
		out = append(out, d)
	}
	return out
}

// Count returns the number of weeks in r.
func (r Range) Count() int { return int(r.To.Sub(r.From).Hours()/24+1) / 7 }

// Start returns the first instant of r in loc, and End the first instant
// after it.
func (r Range) Start(loc *time.Location) time.Time { return inZone(r.From, loc) }

// End returns the first instant after r in loc.
func (r Range) End(loc *time.Location) time.Time { return inZone(r.To.AddDate(0, 0, 1), loc) }

func inZone(d time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
}
