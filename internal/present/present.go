// Package present turns directory facts into the short plain-language text
// people read on result cards and in API answers ("Open until 7 PM", "0.8 mi
// away"), in English or Spanish, from the i18n catalog.
package present

import (
	"fmt"
	"strconv"
	"time"

	"trellis/internal/directory"
	"trellis/internal/i18n"
)

// ClosingSoon is how close to closing a place is said to be "closing soon".
const ClosingSoon = time.Hour

// Clock formats the time of day of t for lang: "7 PM", "7:30 AM" in English,
// "19:00" in Spanish.
func Clock(t time.Time, lang string) string {
	if lang == "es" {
		return t.Format("15:04")
	}
	if t.Minute() == 0 {
		return t.Format("3 PM")
	}
	return t.Format("3:04 PM")
}

// Day names the day of t relative to now (both in the same zone): "today",
// "tomorrow", else the weekday.
func Day(t, now time.Time, lang string) string {
	c := i18n.Default
	ty, tm, td := t.Date()
	ny, nm, nd := now.Date()
	if ty == ny && tm == nm && td == nd {
		return c.T(lang, "day.today")
	}
	tomorrow := time.Date(ny, nm, nd+1, 0, 0, 0, 0, now.Location())
	if y, m, d := tomorrow.Date(); ty == y && tm == m && td == d {
		return c.T(lang, "day.tomorrow")
	}
	return c.T(lang, "day."+strconv.Itoa(int(t.Weekday())))
}

// Open says whether a place is open at now, for people: "Open until 7 PM",
// "Closed · opens tomorrow 9 AM", "Hours not listed · call first". Times are
// shown in loc, the zone the hours are read in.
func Open(st directory.OpenState, now time.Time, loc *time.Location, lang string) string {
	c := i18n.Default
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	switch {
	case !st.Known && st.ByAppointment:
		return c.T(lang, "open.appointment")
	case !st.Known:
		return c.T(lang, "open.unknown")
	case st.Open && st.Until.IsZero():
		return c.T(lang, "open.always")
	case st.Open:
		until := st.Until.In(loc)
		if until.Sub(now) <= ClosingSoon {
			return c.T(lang, "open.closes_soon", "time", Clock(until, lang))
		}
		if sameDay(until, now) || until.Sub(now) < 12*time.Hour {
			return c.T(lang, "open.until", "time", Clock(until, lang))
		}
		return c.T(lang, "open.until_day", "day", Day(until, now, lang), "time", Clock(until, lang))
	case st.Next.IsZero():
		return c.T(lang, "open.closed")
	default:
		next := st.Next.In(loc)
		if sameDay(next, now) {
			return c.T(lang, "open.opens_at", "time", Clock(next, lang))
		}
		return c.T(lang, "open.opens_day", "day", Day(next, now, lang), "time", Clock(next, lang))
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// Unit returns the distance unit to show: "km" when asked for, else miles,
// which US readers of both languages expect.
func Unit(requested string) string {
	if requested == "km" {
		return "km"
	}
	return "mi"
}

// Away says how far a place is: "0.8 mi away", "a 0.8 mi".
func Away(distance string, lang string) string {
	return i18n.Default.T(lang, "distance.away", "distance", distance)
}

// Date formats a calendar date for people: "Nov 15, 2017" or "15 nov 2017".
func Date(t time.Time, lang string) string {
	if t.IsZero() {
		return ""
	}
	if lang == "es" {
		months := [...]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}
		return fmt.Sprintf("%d %s %d", t.Day(), months[t.Month()-1], t.Year())
	}
	return t.Format("Jan 2, 2006")
}
