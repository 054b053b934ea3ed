package present_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/present"
)

func TestMeetingTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	// The instants are fixed: MeetingTime is arithmetic, no clock sees
	// them.
	now := time.Date(2026, 3, 1, 18, 20, 0, 0, ny) // a Sunday
	at := func(d, hh, mm int) time.Time { return time.Date(2026, 3, d, hh, mm, 0, 0, ny) }
	tests := []struct {
		name   string
		occ    directory.Occurrence
		en, es string
	}{
		{"soon", directory.Occurrence{Start: at(1, 19, 0), End: at(1, 20, 0)}, "Today 7 PM, in 40 min", "Hoy a las 19:00, dentro de 40 min"},
		{"in progress", directory.Occurrence{Start: at(1, 18, 0), End: at(1, 19, 30), InProgress: true}, "In progress · until 7:30 PM", "En curso · hasta las 19:30"},
		{"hours ahead", directory.Occurrence{Start: at(1, 20, 35), End: at(1, 21, 35)}, "Today 8:35 PM, in 2 h 15 min", "Hoy a las 20:35, dentro de 2 h 15 min"},
		{"an hour ahead", directory.Occurrence{Start: at(1, 19, 20), End: at(1, 20, 20)}, "Today 7:20 PM, in 1 h", "Hoy a las 19:20, dentro de 1 h"},
		{"across midnight", directory.Occurrence{Start: at(1, 23, 30), End: at(2, 0, 30)}, "Today 11:30 PM", "Hoy a las 23:30"},
		{"tomorrow", directory.Occurrence{Start: at(2, 12, 0), End: at(2, 13, 0)}, "Tomorrow 12 PM", "Mañana a las 12:00"},
		{"later in the week", directory.Occurrence{Start: at(3, 19, 0), End: at(3, 20, 0)}, "Tuesday 7 PM", "Martes a las 19:00"},
		{"six days ahead", directory.Occurrence{Start: at(7, 19, 0), End: at(7, 20, 0)}, "Saturday 7 PM", "Sábado a las 19:00"},
		// Today's weekday a week ahead: today's has passed.
		{"a week ahead, after midnight", directory.Occurrence{Start: at(8, 1, 0), End: at(8, 2, 0)}, "Next Sunday 1 AM", "El próximo domingo a las 01:00"},
		{"a week ahead, today's just ended", directory.Occurrence{Start: at(8, 17, 30), End: at(8, 18, 30)}, "Next Sunday 5:30 PM", "El próximo domingo a las 17:30"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := present.MeetingTime(tc.occ, now, "en"); got != tc.en {
				t.Errorf("en = %q, want %q", got, tc.en)
			}
			if got := present.MeetingTime(tc.occ, now, "es"); got != tc.es {
				t.Errorf("es = %q, want %q", got, tc.es)
			}
		})
	}
}

// TestMeetingTimeNextWeek: on a Saturday, the Saturday 1 AM meeting that
// has passed is next week's, also across the night the clocks fall back
// (Sunday November 1, 2026 in New York). The instants are fixed: no clock
// sees them.
func TestMeetingTimeNextWeek(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{time.Date(2026, 3, 7, 9, 0, 0, 0, ny), time.Date(2026, 10, 31, 9, 0, 0, 0, ny)} {
		start := time.Date(now.Year(), now.Month(), now.Day()+7, 1, 0, 0, 0, ny)
		occ := directory.Occurrence{Start: start, End: start.Add(time.Hour)}
		if got := present.MeetingTime(occ, now, "en"); got != "Next Saturday 1 AM" {
			t.Errorf("%s: en = %q", now.Format(time.DateOnly), got)
		}
		if got := present.MeetingTime(occ, now, "es"); got != "El próximo sábado a las 01:00" {
			t.Errorf("%s: es = %q", now.Format(time.DateOnly), got)
		}
	}
}

func TestConferenceCallURL(t *testing.T) {
	for in, want := range map[string]string{
		"+12025550100,,1000#":     "tel:+12025550100,,1000%23",
		"(202) 555-0100":          "tel:2025550100",
		"+1 312 555 0100;ext=123": "tel:+13125550100;123",
	} {
		if got := present.ConferenceCallURL(in); got != want {
			t.Errorf("ConferenceCallURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestMeetingView: a meeting leaves with its type names in the reader's
// language, its join link and number when people can join online, its
// address only when it meets in a room, and nothing about its members.
func TestMeetingView(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	types, err := directory.NewMeetingTypes([]*directory.MeetingType{
		{Code: "O", Names: directory.Text{"en": "Open", "es": "Abierta"}},
		{Code: "S", Names: directory.Text{"en": "Spanish", "es": "Español"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	cat, err := directory.NewCatalog(directory.Info{TimeZone: ny}, directory.NewTaxonomy(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	cat.Vocabulary = &directory.Vocabulary{Meetings: directory.MeetingWords{Fellowships: []directory.Fellowship{
		{ID: "na", Name: directory.Text{"en": "Narcotics Anonymous", "es": "Narcóticos Anónimos"}}}}}
	hybrid := &directory.Meeting{Source: "dc-na", Slug: "7", Name: "Noon", Days: 1<<time.Monday | 1<<time.Wednesday,
		Start: 12 * 60, HasStart: true, Types: []string{"O", "S", "LOCAL"}, Attendance: directory.AttendanceHybrid,
		Address: "1 Test St", City: "Washington", State: "DC", Point: orb.Point{-77.01, 38.91}, HasPoint: true,
		ConferenceURL: "https://zoom.example.org/j/7", ConferencePhone: "+12025550100,,7#",
		Contacts: []directory.MeetingContact{{Name: "Bob S.", Phone: "202-555-0199"}}, Venmo: "@group"}
	online := &directory.Meeting{Source: "dc-na", Slug: "8", Name: "Late", Days: 1 << time.Sunday, Start: 23*60 + 30,
		HasStart: true, Attendance: directory.AttendanceOnline, FormattedAddress: "Washington, DC, USA",
		ConferencePhone: "+12025550101", TimeZone: time.UTC}
	cat, err = cat.WithMeetings(types, []*directory.Meeting{hybrid, online})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 11, 0, 0, 0, ny) // a Monday
	v := present.Viewer{Catalog: cat, Lang: "es", Now: now, Unit: "mi"}
	next, ok := hybrid.Next(now, ny)
	d := 800.0
	mv := v.Meeting(hybrid, "na", next, ok, &d)
	if mv.Fellowship == nil || mv.Fellowship.Name != "Narcóticos Anónimos" {
		t.Errorf("fellowship = %+v", mv.Fellowship)
	}
	if len(mv.Types) != 3 || mv.Types[0].Name != "Abierta" || mv.Types[1].Name != "Español" || mv.Types[2].Name != "LOCAL" {
		t.Errorf("types = %+v", mv.Types)
	}
	if mv.Next == nil || mv.Next.Text != "Hoy a las 12:00, dentro de 1 h" || mv.Schedule != "lun, mié · 12:00–13:00" {
		t.Errorf("next = %+v, schedule %q", mv.Next, mv.Schedule)
	}
	if mv.Address == "" || mv.DirectionsURL == "" || mv.Join == nil || mv.Call == nil || mv.Call.CallURL != "tel:+12025550100,,7%23" {
		t.Errorf("hybrid: address %q, directions %q, join %+v, call %+v", mv.Address, mv.DirectionsURL, mv.Join, mv.Call)
	}
	if mv.AttendanceText != "En persona y en línea" || mv.Distance == nil {
		t.Errorf("attendance %q, distance %+v", mv.AttendanceText, mv.Distance)
	}
	b, err := json.Marshal(mv)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Bob", "202-555-0199", "@group"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the view carries %q: %s", secret, b)
		}
	}
	ov := v.Meeting(online, "", directory.Occurrence{}, false, nil)
	if ov.Address != "" || ov.Point != nil || ov.Join != nil || ov.Call == nil || ov.Next != nil || ov.Fellowship != nil {
		t.Errorf("online: %+v", ov)
	}
	if !strings.HasSuffix(ov.Schedule, "(UTC)") {
		t.Errorf("a meeting in another zone than the directory's: schedule %q", ov.Schedule)
	}
}
