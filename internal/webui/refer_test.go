package webui

import (
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/referral"
	"trellis/internal/testkit"
)

// TestGivenAt reads the consent date box as the moment the referral
// service checks, across a change to daylight saving time.
func TestGivenAt(t *testing.T) {
	ny := testkit.MustZone("America/New_York")
	// 10:00 on the Monday after the spring change (8 March 2026).
	now := time.Date(2026, 3, 9, 10, 0, 0, 0, ny)
	tests := []struct {
		name, day string
		want      time.Time
		field     string
	}{
		{name: "empty is now", day: ""},
		{name: "today is now", day: "2026-03-09"},
		{name: "yesterday, across the change", day: "2026-03-08", want: now.UTC().AddDate(0, 0, -1).Add(time.Minute)},
		{name: "30 days back", day: "2026-02-07", want: now.UTC().AddDate(0, 0, -30).Add(time.Minute)},
		{name: "tomorrow", day: "2026-03-10", want: now.UTC().AddDate(0, 0, 1).Add(time.Minute)},
		{name: "not a date", day: "09/03/2026", field: "consent.given_at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := givenAt(tc.day, now, ny)
			if tc.field != "" {
				if e := apperr.As(err); e == nil || e.Field != tc.field {
					t.Fatalf("givenAt(%q) = %v, %v; want an error for %s", tc.day, got, err, tc.field)
				}
				return
			}
			if err != nil || !got.Equal(tc.want) {
				t.Errorf("givenAt(%q) = %v, %v; want %v", tc.day, got, err, tc.want)
			}
		})
	}
	// The day exactly 30 days back passes the service's check made a
	// moment later; the day before does not.
	d := referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}}
	for day, ok := range map[string]bool{"2026-02-07": true, "2026-02-06": false} {
		g, _ := givenAt(day, now, ny)
		d.Consent.GivenAt = g
		if _, _, err := referral.New(d, "u-ana", "", now.Add(time.Second)); (err == nil) != ok {
			t.Errorf("consent given %s: %v, want accepted %v", day, err, ok)
		}
	}
}

func TestIntersect(t *testing.T) {
	open, closed := referral.OpenStatuses, []referral.Status{referral.StatusDeclined, referral.StatusCompleted}
	tests := []struct {
		name       string
		have, want []referral.Status
		out        []referral.Status
		ok         bool
	}{
		{"no filter yet", nil, closed, closed, true},
		{"overlap", open, []referral.Status{referral.StatusAccepted, referral.StatusDeclined}, []referral.Status{referral.StatusAccepted}, true},
		{"none in both", open, closed, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, ok := intersect(tc.have, tc.want)
			if ok != tc.ok || len(out) != len(tc.out) || (len(out) > 0 && out[0] != tc.out[0]) {
				t.Errorf("intersect = %v, %v; want %v, %v", out, ok, tc.out, tc.ok)
			}
		})
	}
}
