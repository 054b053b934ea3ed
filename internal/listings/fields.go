package listings

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // time zones must load on machines without a zoneinfo database

	"trellis/internal/geo"

	"golang.org/x/text/language"
)

// This file checks single values: slugs, dates, clocks, codes, URLs. Each
// parser returns the parsed value or an error whose text is the message
// shown to the coordinator.

var (
	slugRE  = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	zipRE   = regexp.MustCompile(`^[0-9]{5}(-[0-9]{4})?$`)
	zip5RE  = regexp.MustCompile(`^[0-9]{5}$`)
	clockRE = regexp.MustCompile(`^([0-9]{2}):([0-9]{2})$`)
	staleRE = regexp.MustCompile(`^([0-9]+)\s*([dw])$`)
)

// checkSlug returns an error unless s is a slug: lowercase letters and
// digits in words joined by single hyphens.
func checkSlug(s string) error {
	if !slugRE.MatchString(s) {
		return fmt.Errorf("%q is not a slug: use lowercase letters and digits joined by single hyphens, e.g. %q", s, slugify(s))
	}
	return nil
}

// slugify suggests a slug for s in messages.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "main"
	}
	return b.String()
}

// parseDate reads a calendar date, YYYY-MM-DD. It returns an error for
// another layout or a date that does not exist (2023-02-30).
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if len(s) == 10 && s[4] == '-' && s[7] == '-' {
			return time.Time{}, fmt.Errorf("%q is not a real date", s)
		}
		return time.Time{}, fmt.Errorf("%q is not a date: write YYYY-MM-DD, e.g. 2024-03-01", s)
	}
	return t, nil
}

// parseMonthDay reads a yearly date, MM-DD; February 29 is allowed. It
// returns an error for another layout or a day the month does not have.
func parseMonthDay(s string) (time.Month, int, error) {
	// 2024 is a leap year, so 02-29 parses.
	t, err := time.Parse(time.DateOnly, "2024-"+s)
	if err != nil || len(s) != 5 {
		return 0, 0, fmt.Errorf("%q is not a month and day: write MM-DD, e.g. 06-01", s)
	}
	return t.Month(), t.Day(), nil
}

// parseClock reads a time of day, HH:MM on a 24-hour clock. "24:00" (the end
// of the day) is accepted only when allow24 is set.
func parseClock(s string, allow24 bool) (int, error) {
	m := clockRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a time: write HH:MM on a 24-hour clock, e.g. 09:00 or 17:30", s)
	}
	h, _ := strconv.Atoi(m[1])
	mi, _ := strconv.Atoi(m[2])
	if h == 24 && mi == 0 {
		if !allow24 {
			return 0, fmt.Errorf("%q can only close a day: open at 00:00", s)
		}
		return 24 * 60, nil
	}
	if h > 23 || mi > 59 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + mi, nil
}

// dayNames are the day names of Span.Days, Monday first; the index plus one
// modulo seven is the time.Weekday.
var dayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func dayIndex(s string) int {
	for i, d := range dayNames {
		if d == s {
			return i
		}
	}
	return -1
}

// parseDays reads Span.Days: comma-separated day names ("sat, sun"), ranges
// ("mon-fri", which may wrap: "fri-mon"), "everyday", "weekdays" or
// "weekends". It returns the set as bits of time.Weekday, or an error.
func parseDays(s string) (uint8, error) {
	var set uint8
	bit := func(i int) uint8 { return 1 << ((i + 1) % 7) } // mon is index 0, time.Monday is 1
	if strings.TrimSpace(s) == "" {
		return 0, fmt.Errorf("days is empty: write e.g. mon-fri, \"sat, sun\" or everyday")
	}
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		switch part {
		case "everyday":
			set |= 0x7f
			continue
		case "weekdays":
			for i := 0; i < 5; i++ {
				set |= bit(i)
			}
			continue
		case "weekends":
			set |= bit(5) | bit(6)
			continue
		}
		from, to, isRange := strings.Cut(part, "-")
		a, b := dayIndex(strings.TrimSpace(from)), dayIndex(strings.TrimSpace(to))
		if !isRange {
			b = a
		}
		if a < 0 || b < 0 {
			return 0, fmt.Errorf("%q is not a day or range of days: use mon tue wed thu fri sat sun, ranges like mon-fri, or everyday, weekdays, weekends", part)
		}
		for i := a; ; i = (i + 1) % 7 {
			set |= bit(i)
			if i == b {
				break
			}
		}
	}
	return set, nil
}

// parseStaleAfter reads a duration in days or weeks, "365d" or "26w".
func parseStaleAfter(s string) (time.Duration, error) {
	m := staleRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a duration: write a number of days or weeks, e.g. 365d or 26w", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 || n > 100*366 {
		return 0, fmt.Errorf("%q must be between 1 day and 100 years", s)
	}
	days := n
	if m[2] == "w" {
		days *= 7
	}
	return time.Duration(days) * 24 * time.Hour, nil
}

// zones caches loaded time zones: time.LoadLocation reads the zone database
// on every call, and thousands of locations may name the same zone.
var zones sync.Map // name to *time.Location or error

// loadZone returns the IANA time zone name, or an error naming the problem.
// "Local" and "" are not IANA zones and are refused.
func loadZone(name string) (*time.Location, error) {
	if v, ok := zones.Load(name); ok {
		if err, bad := v.(error); bad {
			return nil, err
		}
		return v.(*time.Location), nil
	}
	var loc *time.Location
	var err error
	if name == "" || name == "Local" || strings.Contains(name, "..") {
		err = fmt.Errorf("%q is not an IANA time zone: write e.g. America/New_York", name)
	} else if loc, err = time.LoadLocation(name); err != nil {
		err = fmt.Errorf("%q is not an IANA time zone: write e.g. America/New_York", name)
	}
	if err != nil {
		zones.Store(name, err)
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// parseLanguage reads a BCP 47 language tag and returns it in canonical
// form ("EN" becomes "en"), or an error.
func parseLanguage(s string) (string, error) {
	t, err := language.Parse(s)
	if err != nil || s == "" {
		return "", fmt.Errorf("%q is not a BCP 47 language code: write e.g. en, es, am or zh-Hant", s)
	}
	if t == language.Und {
		return "", fmt.Errorf("%q is not a language: write e.g. en, es, am or zh-Hant", s)
	}
	return t.String(), nil
}

// checkURL returns an error unless s is an absolute http or https URL.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\n") {
		return fmt.Errorf("%q is not a web address: write an absolute http(s) URL, e.g. https://example.org/", s)
	}
	return nil
}

// checkEmail returns an error unless s is a bare email address.
func checkEmail(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return fmt.Errorf("%q is not an email address: write e.g. intake@example.org", s)
	}
	return nil
}

// CheckPhone returns an error unless s looks like a phone number: digits
// (at least three, "311" and "988" count), with spaces and ( ) + - . /
// between them. The importer applies the same rule to source numbers.
func CheckPhone(s string) error {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" ()+-./", r):
		default:
			return fmt.Errorf("%q is not a phone number: use digits, spaces and ( ) - . only; put an extension in \"ext\"", s)
		}
	}
	if digits < 3 {
		return fmt.Errorf("%q is not a phone number: it needs at least 3 digits", s)
	}
	return nil
}

// checkState returns an error unless s is a two-letter USPS code of a
// state, DC or a territory (geo's table).
func checkState(s string) error {
	if _, ok := geo.StateName(s); !ok || len(s) != 2 {
		return fmt.Errorf("%q is not a US state code: write the two-letter postal code, e.g. DC or MD", s)
	}
	if u := strings.ToUpper(s); s != u {
		return fmt.Errorf("state %q must be upper case: %q", s, u)
	}
	return nil
}

// checkEnum returns an error unless s is one of allowed, suggesting the
// nearest value for a likely typo.
func checkEnum(what, s string, allowed []string) error {
	for _, a := range allowed {
		if s == a {
			return nil
		}
	}
	msg := fmt.Sprintf("unknown %s %q", what, s)
	if g := suggest(s, allowed); g != "" {
		msg += fmt.Sprintf("; did you mean %q?", g)
	}
	return fmt.Errorf("%s (allowed: %s)", msg, strings.Join(allowed, ", "))
}
