package listings

import (
	"time"

	"trellis/internal/directory"
)

// hours checks and converts opening hours.
func (c *checker) hours(h *Hours) *directory.Hours {
	out := &directory.Hours{
		Always:        h.AlwaysOpen,
		ByAppointment: h.ByAppointment,
		Notes:         h.Notes,
	}
	if h.AlwaysOpen && len(h.Weekly) > 0 {
		c.fail(&h.AlwaysOpen, h, "always_open cannot be combined with weekly hours: remove one")
	}
	for i := range h.Weekly {
		s := &h.Weekly[i]
		if !c.ok(s) {
			continue
		}
		if span, ok := c.span(s); ok {
			out.Weekly = append(out.Weekly, span)
		}
	}
	if s := h.Season; s != nil && c.ok(s) {
		out.Season = c.season(s)
	}
	for i := range h.Closures {
		cl := &h.Closures[i]
		if !c.ok(cl) {
			continue
		}
		if closure, ok := c.closure(cl); ok {
			out.Closures = append(out.Closures, closure)
		}
	}
	return out
}

func (c *checker) span(s *Span) (directory.Span, bool) {
	days, okDays := parseRequired(c, &s.Days, s, "days", parseDays)
	open, okOpen := parseRequired(c, &s.Open, s, "open", func(v string) (int, error) { return parseClock(v, false) })
	closing, okClose := parseRequired(c, &s.Close, s, "close", func(v string) (int, error) { return parseClock(v, true) })
	if !okDays || !okOpen || !okClose {
		return directory.Span{}, false
	}
	if open == closing {
		c.fail(&s.Close, s, "open and close are both %s: for the whole day write open 00:00, close 24:00", s.Open)
		return directory.Span{}, false
	}
	return directory.Span{Days: directory.DaySet(days), Open: directory.Clock(open), Close: directory.Clock(closing)}, true
}

// monthDay is a parsed Season end.
type monthDay struct {
	month time.Month
	day   int
}

func parseMonthDayValue(s string) (monthDay, error) {
	m, d, err := parseMonthDay(s)
	return monthDay{m, d}, err
}

func (c *checker) season(s *Season) *directory.Season {
	from, okFrom := parseRequired(c, &s.From, s, "from", parseMonthDayValue)
	to, okTo := parseRequired(c, &s.To, s, "to", parseMonthDayValue)
	if !okFrom || !okTo {
		return nil
	}
	return &directory.Season{FromMonth: from.month, FromDay: from.day, ToMonth: to.month, ToDay: to.day}
}

func (c *checker) closure(cl *Closure) (directory.Closure, bool) {
	out := directory.Closure{Note: cl.Note}
	if !c.required(&cl.From, cl, "from") {
		return out, false
	}
	from, err := parseDate(cl.From)
	if err != nil {
		c.failErr(&cl.From, err)
		return out, false
	}
	to := from
	if c.ok(&cl.To) {
		if to, err = parseDate(cl.To); err != nil {
			c.failErr(&cl.To, err)
			return out, false
		}
		if to.Before(from) {
			c.fail(&cl.To, cl, "closure ends (%s) before it starts (%s)", cl.To, cl.From)
			return out, false
		}
	} else if c.present(&cl.To) {
		return out, false
	}
	out.From, out.To = directory.DateOf(from), directory.DateOf(to)
	return out, true
}
