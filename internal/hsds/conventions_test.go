package hsds

import (
	"testing"
	"time"

	"trellis/internal/listings"
)

func TestSeasonDescription(t *testing.T) {
	tests := []struct {
		name, text string
		want       *listings.Season
	}{
		{"written", seasonDescription(time.June, 14, time.August, 30), &listings.Season{From: "06-14", To: "08-30"}},
		{"wraps the year", seasonDescription(time.November, 1, time.March, 31), &listings.Season{From: "11-01", To: "03-31"}},
		{"no such day", "Open from February 30 to March 1 each year.", nil},
		{"other text", "Open most summers.", nil},
		{"lower case", "open from June 14 to August 30 each year.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := parseSeasonDescription(tt.text)
			if ok != (tt.want != nil) || (ok && *got != *tt.want) {
				t.Errorf("parseSeasonDescription(%q) = %v, %v; want %v", tt.text, got, ok, tt.want)
			}
		})
	}
}

func TestClosureRow(t *testing.T) {
	tests := []struct {
		name string
		row  schedRec
		want *listings.Closure
	}{
		{"one day", schedRec{ValidFrom: "2026-07-04", ValidTo: "2026-07-04", Desc: "Closed."}, &listings.Closure{From: "2026-07-04"}},
		{"span with note", schedRec{ValidFrom: "2026-12-24", ValidTo: "2026-12-26", Desc: "Closed: Holidays"},
			&listings.Closure{From: "2026-12-24", To: "2026-12-26", Note: "Holidays"}},
		{"no end", schedRec{ValidFrom: "2026-12-24", Desc: closureDescription("")}, &listings.Closure{From: "2026-12-24"}},
		{"times make it an opening", schedRec{ValidFrom: "2026-12-24", Desc: "Closed.", Opens: "09:00"}, nil},
		{"no date", schedRec{Desc: "Closed."}, nil},
		{"bad date", schedRec{ValidFrom: "24/12/2026", Desc: "Closed."}, nil},
		{"other description", schedRec{ValidFrom: "2026-12-24", Desc: "Closed for lunch daily"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := closureRow(&tt.row)
			if ok != (tt.want != nil) || (ok && got != *tt.want) {
				t.Errorf("closureRow = %+v, %v; want %+v", got, ok, tt.want)
			}
		})
	}
}

func TestCensusURIAndRadius(t *testing.T) {
	uris := []struct{ uri, kind, fips string }{
		{censusCountyURI + "24031", "county", "24031"},
		{censusStateURI + "24", "state", "24"},
		{censusCountyURI + "240", "", ""},
		{censusStateURI + "240", "", ""},
		{"https://example.org/area/24031", "", ""},
	}
	for _, u := range uris {
		t.Run(u.uri, func(t *testing.T) {
			kind, fips, ok := parseCensusURI(u.uri)
			if ok != (u.kind != "") || kind != u.kind || fips != u.fips {
				t.Errorf("parseCensusURI = %q %q %v; want %q %q", kind, fips, ok, u.kind, u.fips)
			}
		})
	}
	radii := []struct{ extent, want string }{
		{radiusExtent(8046.72), "8046.72m"},
		{radiusExtent(10000), "10000m"},
		{"within 0 m of the service's locations", ""},
		{"within 5 mi of the service's locations", ""},
	}
	for _, r := range radii {
		t.Run(r.extent, func(t *testing.T) {
			got, ok := parseRadiusExtent(r.extent)
			if ok != (r.want != "") || got != r.want {
				t.Errorf("parseRadiusExtent = %q, %v; want %q", got, ok, r.want)
			}
		})
	}
}

func TestIsFreeOption(t *testing.T) {
	tests := []struct {
		name string
		co   costRec
		want bool
	}{
		{"exported", costRec{Option: freeOption, Currency: "USD", Amount: "0"}, true},
		{"bare zero", costRec{Amount: "0.00"}, true},
		{"zero with text", costRec{Amount: "0", AmountDesc: "for members"}, false},
		{"dated", costRec{Amount: "0", ValidFrom: "2020-01-01"}, false},
		{"a price", costRec{Option: freeOption, Amount: "5"}, false},
		{"other option", costRec{Option: "Under 18s", Amount: "0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isFreeOption(&tt.co); got != tt.want {
				t.Errorf("isFreeOption(%+v) = %v", tt.co, got)
			}
		})
	}
}

// TestBuildHoursConventions reads the rows an export writes.
func TestBuildHoursConventions(t *testing.T) {
	season := seasonDescription(time.June, 1, time.September, 30)
	tests := []struct {
		name   string
		rows   []*schedRec
		check  func(h *listings.Hours) bool
		reason string
	}{
		{"season rows", []*schedRec{
			{Freq: "WEEKLY", ByDay: "TU", Opens: "10:00:00", Close: "14:00:00", Desc: season},
			{Freq: "WEEKLY", ByDay: "TH", Opens: "10:00:00", Close: "14:00:00", Desc: season},
		}, func(h *listings.Hours) bool {
			return h.Season != nil && h.Season.From == "06-01" && h.Notes == "" && len(h.Weekly) == 1 && h.Weekly[0].Days == "tue, thu"
		}, ""},
		{"two seasons", []*schedRec{
			{Freq: "WEEKLY", ByDay: "TU", Opens: "10:00", Close: "14:00", Desc: season},
			{Freq: "WEEKLY", ByDay: "TH", Opens: "10:00", Close: "14:00", Desc: seasonDescription(time.May, 1, time.May, 31)},
		}, func(h *listings.Hours) bool { return h == nil }, "several seasons with their own hours"},
		{"by appointment only", []*schedRec{{Attending: byAppointment}},
			func(h *listings.Hours) bool { return h.ByAppointment && h.Notes == "" && len(h.Weekly) == 0 }, ""},
		{"closures beside 24/7", []*schedRec{
			{Freq: "WEEKLY", ByDay: "MO,TU,WE,TH,FR,SA,SU", Opens: "00:00:00", Close: "23:59:00", Notes: "Call first."},
			{ValidFrom: "2026-12-25", ValidTo: "2026-12-25", Desc: "Closed: Christmas"},
		}, func(h *listings.Hours) bool {
			return h.AlwaysOpen && h.Notes == "Call first." && len(h.Closures) == 1 && h.Closures[0].Note == "Christmas"
		}, ""},
		{"notes only", []*schedRec{{Notes: "Most afternoons."}},
			func(h *listings.Hours) bool { return h.Notes == "Most afternoons." && len(h.Weekly) == 0 }, "no opening times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, reason := buildHours(tt.rows)
			if reason != tt.reason {
				t.Errorf("reason %q, want %q", reason, tt.reason)
			}
			if !tt.check(h) {
				t.Errorf("hours %+v", h)
			}
		})
	}
}

func TestExtensionNote(t *testing.T) {
	tests := []struct {
		name, ext, desc string
	}{
		{"leading zero", "0150", "Intake phone"},
		{"symbols", "4#", ""},
		{"long", "5755886139", "Site phone as listed by HRSA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ext, rest, ok := parseExtensionNote(extensionNote(tt.ext, tt.desc))
			if !ok || ext != tt.ext || rest != tt.desc {
				t.Errorf("round trip gave %q %q %v", ext, rest, ok)
			}
		})
	}
	for _, desc := range []string{"Extension office line", "Call the extension 12.", "Extension 12"} {
		if _, _, ok := parseExtensionNote(desc); ok {
			t.Errorf("parseExtensionNote(%q) took it for an extension", desc)
		}
	}
}
