package testkit

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ShiftEnv names the environment variable that moves every anchored test
// clock: a Go duration ("8760h") or a number of days ("365d"). `make
// test-future` sets it to a year, so the suite proves it holds on a date
// nobody has tried yet.
const ShiftEnv = "TRELLIS_TEST_SHIFT"

// Now returns the real time moved by TRELLIS_TEST_SHIFT. Tests whose clock
// reaches anything that reads the real time (a cookie jar, a token or link
// expiry, file modification times, the stale report) start from here, never
// from a fixed date. It panics on a malformed shift, naming the variable:
// package-level clocks are set before any test runs.
func Now() time.Time {
	d, err := Shift()
	if err != nil {
		panic(err)
	}
	return time.Now().Add(d)
}

// Shift returns the duration in TRELLIS_TEST_SHIFT, zero when it is unset,
// or an error naming the variable when it is malformed.
func Shift() (time.Duration, error) {
	v := os.Getenv(ShiftEnv)
	if v == "" {
		return 0, nil
	}
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("testkit: %s=%q: want a duration such as 8760h or 365d", ShiftEnv, v)
	}
	return d, nil
}

// Next returns the first instant strictly after Now() that falls on the
// weekday at hh:mm in the zone: "the next Sunday 21:30 in Washington".
// Tests use it when a listing's hours matter (open now, opens soon) and the
// value also reaches a real clock.
func Next(zone string, day time.Weekday, hh, mm int) time.Time {
	return NextAfter(Now(), MustZone(zone), day, hh, mm)
}

// NextAfter returns the first instant strictly after from that falls on the
// weekday at hh:mm in loc.
func NextAfter(from time.Time, loc *time.Location, day time.Weekday, hh, mm int) time.Time {
	t := from.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), hh, mm, 0, 0, loc)
	for d.Weekday() != day || !d.After(t) {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, hh, mm, 0, 0, loc)
	}
	return d
}

// MustZone loads an IANA time zone; it panics when the zone is unknown,
// which only a typo in a test can cause (tzdata is embedded).
func MustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("testkit: zone %s: %v", name, err))
	}
	return loc
}

// Epoch is the day the tests' fixtures and expectations are written for:
// Sunday 22 November 2026. A Clock moves them to a Sunday after the real
// date, a whole number of weeks later, so every weekday and every span
// between dates holds.
var Epoch = time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)

// Clock is a test's anchored clock: Now is the next Sunday at the given
// time in the zone after the real date (moved by TRELLIS_TEST_SHIFT), and
// Days is how far the fixtures' dates move from Epoch to reach it.
type Clock struct {
	Now  time.Time
	Days int
}

// Anchor returns the Clock for the next Sunday at hh:mm in zone.
func Anchor(zone string, hh, mm int) Clock {
	now := Next(zone, time.Sunday, hh, mm)
	local := now.In(MustZone(zone))
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	return Clock{Now: now, Days: int(day.Sub(Epoch).Hours()/24 + 0.5)}
}

// Func returns a clock function that always answers Now.
func (c Clock) Func() func() time.Time { return func() time.Time { return c.Now } }

// Date moves a fixture date, "2026-11-22", to the anchored week: the same
// weekday, Days later. It panics on a malformed date, a typo in a test.
func (c Clock) Date(s string) string {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(fmt.Sprintf("testkit: fixture date %q: %v", s, err))
	}
	return d.AddDate(0, 0, c.Days).Format(time.DateOnly)
}

// Time moves a fixture instant by Days, keeping its wall clock in its zone.
func (c Clock) Time(t time.Time) time.Time { return t.AddDate(0, 0, c.Days) }

var isoDate = regexp.MustCompile(`\b20\d\d-[01]\d-[0-3]\d\b`)

// DataDir is testkit.DataDir with every date in the copied listings moved
// by Days, so fixtures written for Epoch keep their meaning: a listing
// verified 52 days before the fixture day is verified 52 days before Now.
func (c Clock) DataDir(tb testing.TB, trees ...fs.FS) string {
	tb.Helper()
	dir := DataDir(tb, trees...)
	root := filepath.Join(dir, "listings")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".yaml") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := isoDate.ReplaceAllStringFunc(string(b), c.Date)
		return os.WriteFile(p, []byte(out), 0o644)
	})
	if err != nil {
		tb.Fatalf("testkit: move fixture dates: %v", err)
	}
	return dir
}
