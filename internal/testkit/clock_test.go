package testkit

import (
	"strings"
	"testing"
	"time"
)

func TestNextAfter(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		from time.Time
		day  time.Weekday
		hh   int
		want time.Time
	}{
		{"later the same day", time.Date(2026, 12, 6, 10, 0, 0, 0, ny), time.Sunday, 21, time.Date(2026, 12, 6, 21, 0, 0, 0, ny)},
		{"the instant itself moves a week", time.Date(2026, 12, 6, 21, 0, 0, 0, ny), time.Sunday, 21, time.Date(2026, 12, 13, 21, 0, 0, 0, ny)},
		{"from another zone: 01:00 UTC Monday is Sunday evening in Washington", time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC), time.Sunday, 21, time.Date(2026, 12, 6, 21, 0, 0, 0, ny)},
		{"across the spring change", time.Date(2027, 3, 8, 12, 0, 0, 0, ny), time.Sunday, 21, time.Date(2027, 3, 14, 21, 0, 0, 0, ny)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := NextAfter(tc.from, ny, tc.day, tc.hh, 0)
			if !got.Equal(tc.want) {
				t.Errorf("NextAfter(%v) = %v, want %v", tc.from, got, tc.want)
			}
		})
	}
}

func TestShift(t *testing.T) {
	for _, tc := range []struct {
		env  string
		want time.Duration
	}{{"", 0}, {"365d", 365 * 24 * time.Hour}, {"8760h", 8760 * time.Hour}, {"-48h", -48 * time.Hour}} {
		t.Setenv(ShiftEnv, tc.env)
		if got, err := Shift(); err != nil || got != tc.want {
			t.Errorf("%s=%q: Shift = %v, %v; want %v", ShiftEnv, tc.env, got, err, tc.want)
		}
	}
}

func TestShiftRefusesMalformed(t *testing.T) {
	t.Setenv(ShiftEnv, "a year")
	if _, err := Shift(); err == nil || !strings.Contains(err.Error(), ShiftEnv) {
		t.Errorf("Shift with %s=%q: err = %v, want one naming the variable", ShiftEnv, "a year", err)
	}
}
