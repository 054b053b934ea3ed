package hsds

// This file turns HSDS schedules into listing hours: RRULE-style rows
// (freq WEEKLY, byday, opens_at, closes_at) and, for sources that only
// describe their hours in text, the USDA farmers market form
// "Season 1: 06/14/2017 to 08/30/2017; Wed: 9:00 AM-1:00 PM;".
//
// Hours are all or nothing: when any schedule of a service or location
// cannot be expressed as weekly spans (and at most one yearly season), its
// hours keep only the source's text, in notes, because partial hours would
// show a place as closed when it is open.

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"trellis/internal/listings"
)

// dayNames are the listing format's day names, Monday first.
var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// weekly maps day index (0 = Monday) to its opening intervals.
type weekly [7][]interval

type interval struct{ open, close int } // minutes; close may be 1440

func (w *weekly) add(day int, iv interval) {
	if !slices.Contains(w[day], iv) {
		w[day] = append(w[day], iv)
	}
}

func (w *weekly) empty() bool {
	for _, d := range w {
		if len(d) > 0 {
			return false
		}
	}
	return true
}

// spans groups days with the same intervals into listing spans: runs of
// three or more days as a range ("mon-fri"), all seven as "everyday".
func (w *weekly) spans() []listings.Span {
	type key struct{ open, close int }
	var keys []key
	days := map[key][]int{}
	for d := 0; d < 7; d++ {
		for _, iv := range w[d] {
			k := key(iv)
			if _, ok := days[k]; !ok {
				keys = append(keys, k)
			}
			days[k] = append(days[k], d)
		}
	}
	// Order by first day, then opening time.
	slices.SortStableFunc(keys, func(a, b key) int {
		if da, db := days[a][0], days[b][0]; da != db {
			return da - db
		}
		return a.open - b.open
	})
	var out []listings.Span
	for _, k := range keys {
		out = append(out, listings.Span{Days: formatDays(days[k]), Open: clock(k.open), Close: clock(k.close)})
	}
	return out
}

// formatDays writes sorted day indexes as the listing format's day list.
func formatDays(ds []int) string {
	if len(ds) == 7 {
		return "everyday"
	}
	var parts []string
	for i := 0; i < len(ds); {
		j := i
		for j+1 < len(ds) && ds[j+1] == ds[j]+1 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, dayNames[ds[i]]+"-"+dayNames[ds[j]])
		default:
			for k := i; k <= j; k++ {
				parts = append(parts, dayNames[ds[k]])
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// --- RRULE-style schedules ------------------------------------------------

var rruleDays = map[string]int{"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}

// hsdsTimeRE reads opens_at/closes_at: HH:MM[:SS] with an optional zone.
var hsdsTimeRE = regexp.MustCompile(`^(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$`)

func parseHSDSTime(s string) (int, bool) {
	m := hsdsTimeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if h > 24 || mi > 59 || (h == 24 && mi != 0) {
		return 0, false
	}
	return h*60 + mi, true
}

// rruleWeekly adds an RRULE-style schedule row to w. It returns a reason
// when the row says something weekly spans cannot.
func rruleWeekly(s *schedRec, w *weekly) string {
	freq := strings.ToUpper(s.Freq)
	switch {
	case s.Opens == "" || s.Close == "":
		return "no opens_at/closes_at"
	case freq != "" && freq != "WEEKLY" && freq != "DAILY":
		return "freq " + s.Freq + " is not weekly"
	case s.Interval != "" && s.Interval != "1":
		return "interval " + s.Interval + " repeats less than every week"
	case s.ByWeekNo != "" || s.ByMonthDay != "" || s.ByYearDay != "":
		return "byweekno, bymonthday or byyearday limit the weeks"
	case s.Until != "" || s.Count != "":
		return "until or count end the recurrence"
	}
	open, ok1 := parseHSDSTime(s.Opens)
	close, ok2 := parseHSDSTime(s.Close)
	if !ok1 || !ok2 || open == 24*60 {
		return "opens_at/closes_at are not times of day"
	}
	// 23:59 is how HSDS says "until midnight" (field guidance, 24h opening).
	if close == 23*60+59 {
		close = 24 * 60
	}
	if close == 0 && open > 0 {
		close = 24 * 60
	}
	var days []int
	if s.ByDay == "" {
		if freq != "DAILY" {
			return "weekly schedule without byday"
		}
		days = []int{0, 1, 2, 3, 4, 5, 6}
	}
	for part := range strings.SplitSeq(s.ByDay, ",") {
		part = strings.ToUpper(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		d, ok := rruleDays[part]
		if !ok {
			return "byday " + part + " is not a plain weekday"
		}
		days = append(days, d)
	}
	for _, d := range days {
		w.add(d, interval{open, close})
	}
	return ""
}

// --- USDA farmers market text -------------------------------------------------

var (
	seasonPrefixRE = regexp.MustCompile(`(?i)^\s*season\s*\d*\s*:\s*`)
	dayTimeRE      = regexp.MustCompile(`(?i)^(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s*:\s*(.+?)\s*-\s*(.+?)$`)
	ampmRE         = regexp.MustCompile(`(?i)^(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?$`)
	numDateRE      = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/(\d{4})$`)
	wordDateRE     = regexp.MustCompile(`(?i)^([a-z]+)\.?(?:\s+(\d{1,2}))?(?:\s*,\s*(\d{4}))?$`)
	textDayIndex   = map[string]int{"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
)

var monthNames = map[string]time.Month{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
	"sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
	"dec": 12, "december": 12,
}

// textSchedule is one parsed season text.
type textSchedule struct {
	season *listings.Season // nil: all year
	week   weekly
}

// parseSeasonText reads one USDA season text. It returns a reason when
// the text is not in the form, names no opening times, or gives a season
// that is not a yearly window (one date, an open end).
func parseSeasonText(text string) (textSchedule, string) {
	var ts textSchedule
	rest := seasonPrefixRE.ReplaceAllString(text, "")
	if rest == text && !dayTimeRE.MatchString(strings.TrimSpace(strings.Split(text, ";")[0])) {
		return ts, "not in the form \"Season 1: dates; Day: h:mm AM-h:mm PM;\""
	}
	parts := strings.Split(rest, ";")
	first := true
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if m := dayTimeRE.FindStringSubmatch(p); m != nil {
			first = false
			open, ok1 := parseAMPM(m[2], false)
			close, ok2 := parseAMPM(m[3], true)
			if !ok1 || !ok2 {
				return ts, "a time is not h:mm AM/PM"
			}
			// A market never runs overnight: an end before the start is a
			// typo in the source, not a span into the next day.
			if close <= open {
				return ts, "a day closes before it opens"
			}
			ts.week.add(textDayIndex[strings.ToLower(m[1])], interval{open, close})
			continue
		}
		if !first {
			return ts, "a part is not a day with times"
		}
		first = false
		season, reason := parseSeasonDates(p)
		if reason != "" {
			return ts, reason
		}
		ts.season = season
	}
	if ts.week.empty() {
		return ts, "no opening times"
	}
	return ts, ""
}

// parseAMPM reads "9:00 AM", "3pm". Midnight closing ("12:00 AM" as the
// end) is 24:00.
func parseAMPM(s string, isClose bool) (int, bool) {
	m := ampmRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[1])
	mi := 0
	if m[2] != "" {
		mi, _ = strconv.Atoi(m[2])
	}
	if h < 1 || h > 12 || mi > 59 {
		return 0, false
	}
	h %= 12
	if strings.EqualFold(m[3], "p") {
		h += 12
	}
	t := h*60 + mi
	if t == 0 && isClose {
		t = 24 * 60
	}
	return t, true
}

// parseSeasonDates reads "06/14/2017 to 08/30/2017", "May to October" or
// "June 15, 2012 to October". Years are dropped: markets recur each year.
// A whole year gives a nil season.
func parseSeasonDates(s string) (*listings.Season, string) {
	from, to, ok := strings.Cut(s, " to")
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if !ok || from == "" || to == "" {
		return nil, "the season is one date or has an open end"
	}
	fm, fd, ok1 := parseSeasonDate(from, false)
	tm, td, ok2 := parseSeasonDate(to, true)
	if !ok1 || !ok2 {
		return nil, "the season is not two dates"
	}
	if fm == 1 && fd == 1 && tm == 12 && td == 31 {
		return nil, ""
	}
	// An end the day before the start is also the whole year.
	if start := time.Date(2023, fm, fd, 0, 0, 0, 0, time.UTC); start.AddDate(0, 0, -1).Month() == tm && start.AddDate(0, 0, -1).Day() == td {
		return nil, ""
	}
	return &listings.Season{From: fmt.Sprintf("%02d-%02d", fm, fd), To: fmt.Sprintf("%02d-%02d", tm, td)}, ""
}

// parseSeasonDate reads "06/14/2017", "June 15, 2012", "Oct." or "May".
// A month without a day is its first day, or its last when end is set.
func parseSeasonDate(s string, end bool) (time.Month, int, bool) {
	if m := numDateRE.FindStringSubmatch(s); m != nil {
		mo, _ := strconv.Atoi(m[1])
		d, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if mo < 1 || mo > 12 || t.Day() != d {
			return 0, 0, false
		}
		return time.Month(mo), d, true
	}
	m := wordDateRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	mo, ok := monthNames[strings.ToLower(m[1])]
	if !ok {
		return 0, 0, false
	}
	if m[2] == "" {
		if end {
			// Days in the month, counted in a leap year so February has 29.
			return mo, time.Date(2024, mo+1, 0, 0, 0, 0, 0, time.UTC).Day(), true
		}
		return mo, 1, true
	}
	d, _ := strconv.Atoi(m[2])
	if d < 1 || d > time.Date(2024, mo+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return 0, 0, false
	}
	return mo, d, true
}

// --- combining ------------------------------------------------------------

// buildHours turns the schedules of one service or location into hours.
// It returns nil when there are none, and a reason (for the report) when
// the hours could only be kept as notes. Rows written by the conventions
// of conventions.go (closures, a yearly season, by appointment) become
// those fields rather than notes.
func buildHours(rows []*schedRec) (*listings.Hours, string) {
	if len(rows) == 0 {
		return nil, ""
	}
	var notes []string
	addNote := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(notes, s) {
			notes = append(notes, s)
		}
	}
	h := &listings.Hours{}
	var rest []*schedRec
	for _, r := range rows {
		if c, ok := closureRow(r); ok {
			h.Closures = append(h.Closures, c)
			continue
		}
		rest = append(rest, r)
		if _, ok := parseSeasonDescription(r.Desc); !ok || !isRRULE(r) {
			addNote(r.Desc)
		}
		addNote(r.Notes)
		if byAppointmentRE.MatchString(r.Attending) {
			h.ByAppointment = true
		} else {
			addNote(r.Attending)
		}
	}
	h.Notes = strings.Join(notes, "\n")

	var w weekly
	var season *listings.Season
	reason := ""
	textRows, seasonRows := 0, 0
	for _, r := range rest {
		if isRRULE(r) {
			if why := rruleWeekly(r, &w); why != "" {
				reason = why
				break
			}
			if s, ok := parseSeasonDescription(r.Desc); ok {
				seasonRows++
				if seasonRows > 1 && !sameSeason(season, s) {
					reason = "several seasons with their own hours"
					break
				}
				season = s
			}
			continue
		}
		if r.Desc == "" {
			continue
		}
		ts, why := parseSeasonText(r.Desc)
		if why != "" {
			reason = why
			break
		}
		textRows++
		if textRows > 1 && !sameSeason(season, ts.season) {
			reason = "several seasons with their own hours"
			break
		}
		season = ts.season
		for d := 0; d < 7; d++ {
			for _, iv := range ts.week[d] {
				w.add(d, iv)
			}
		}
	}
	if reason == "" && w.empty() && !h.ByAppointment && len(h.Closures) == 0 {
		reason = "no opening times"
	}
	if reason != "" || w.empty() {
		if h.Notes == "" && !h.ByAppointment && len(h.Closures) == 0 {
			return nil, reason
		}
		return h, reason
	}
	if allDay(&w) {
		h.AlwaysOpen = true
	} else {
		h.Weekly = w.spans()
	}
	h.Season = season
	return h, ""
}

func sameSeason(a, b *listings.Season) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// allDay reports whether every day is open 00:00-24:00.
func allDay(w *weekly) bool {
	for _, d := range w {
		if len(d) != 1 || d[0] != (interval{0, 24 * 60}) {
			return false
		}
	}
	return true
}
