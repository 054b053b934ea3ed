package listings

import "trellis/internal/directory"

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
	var out directory.Span
	good := true
	if c.required(&s.Days, s, "days") {
		days, err := parseDays(s.Days)
		if err != nil {
			c.failErr(&s.Days, err)
			good = false
		}
		out.Days = directory.DaySet(days)
	} else {
		good = false
	}
	if c.required(&s.Open, s, "open") {
		open, err := parseClock(s.Open, false)
		if err != nil {
			c.failErr(&s.Open, err)
			good = false
		}
		out.Open = directory.Clock(open)
	} else {
		good = false
	}
	if c.required(&s.Close, s, "close") {
		closing, err := parseClock(s.Close, true)
		if err != nil {
			c.failErr(&s.Close, err)
			good = false
		}
		out.Close = directory.Clock(closing)
	} else {
		good = false
	}
	if good && out.Open == out.Close {
		c.fail(&s.Close, s, "open and close are both %s: for the whole day write open 00:00, close 24:00", s.Open)
		good = false
	}
	return out, good
}

func (c *checker) season(s *Season) *directory.Season {
	var out directory.Season
	good := true
	if c.required(&s.From, s, "from") {
		m, d, err := parseMonthDay(s.From)
		if err != nil {
			c.failErr(&s.From, err)
			good = false
		}
		out.FromMonth, out.FromDay = m, d
	} else {
		good = false
	}
	if c.required(&s.To, s, "to") {
		m, d, err := parseMonthDay(s.To)
		if err != nil {
			c.failErr(&s.To, err)
			good = false
		}
		out.ToMonth, out.ToDay = m, d
	} else {
		good = false
	}
	if !good {
		return nil
	}
	return &out
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
