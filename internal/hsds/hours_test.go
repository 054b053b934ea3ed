package hsds

import (
	"reflect"
	"testing"

	"trellis/internal/listings"
)

func TestParseSeasonText(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		season *listings.Season
		spans  []listings.Span
		reason string // "" when the text parses
	}{
		{
			name:   "dates and one day",
			text:   "Season 1: 06/14/2017 to 08/30/2017; Wed: 9:00 AM-1:00 PM;",
			season: &listings.Season{From: "06-14", To: "08-30"},
			spans:  []listings.Span{{Days: "wed", Open: "09:00", Close: "13:00"}},
		},
		{
			name:   "months only",
			text:   "Season 1: May to October; Sat:7:30 AM - 11:30 AM;",
			season: &listings.Season{From: "05-01", To: "10-31"},
			spans:  []listings.Span{{Days: "sat", Open: "07:30", Close: "11:30"}},
		},
		{
			name:   "month names with days and years, lower-case times",
			text:   "Season 1: June 19, 2012 to Oct. 21, 2012; sun:10:00 am - 1:00 pm;",
			season: &listings.Season{From: "06-19", To: "10-21"},
			spans:  []listings.Span{{Days: "sun", Open: "10:00", Close: "13:00"}},
		},
		{
			name:   "a season wrapping the new year",
			text:   "Season 2: November to April; Thu:3:00 PM - 5:00 PM;Thu:3:00 PM - 5:00 PM;",
			season: &listings.Season{From: "11-01", To: "04-30"},
			spans:  []listings.Span{{Days: "thu", Open: "15:00", Close: "17:00"}},
		},
		{
			name: "the whole year is no season, days grouped",
			text: "Season 1: 01/01/2016 to 12/31/2016; Mon: 9:00 AM-5:00 PM;Tue: 9:00 AM-5:00 PM;Wed: 9:00 AM-5:00 PM;Thu: 9:00 AM-5:00 PM;Fri: 9:00 AM-5:00 PM;Sat: 8:00 AM-12:00 PM;",
			spans: []listings.Span{
				{Days: "mon-fri", Open: "09:00", Close: "17:00"},
				{Days: "sat", Open: "08:00", Close: "12:00"},
			},
		},
		{
			name: "no dates, split days, short times",
			text: "Season 1: Tue: 3pm-6pm;Sat: 8am-1pm;Thu: 3pm-6pm;",
			spans: []listings.Span{
				{Days: "tue, thu", Open: "15:00", Close: "18:00"},
				{Days: "sat", Open: "08:00", Close: "13:00"},
			},
		},
		{
			name:  "closing at midnight",
			text:  "Season 1: Fri: 6:00 PM-12:00 AM;",
			spans: []listings.Span{{Days: "fri", Open: "18:00", Close: "24:00"}},
		},
		{name: "single date", text: "Season 2: 06/07/2015; Sun: 9:00 AM-1:00 PM;", reason: "the season is one date or has an open end"},
		{name: "open end", text: "Season 1: 05/27/2017 to; Wed: 3:00 PM-6:00 PM;", reason: "the season is one date or has an open end"},
		{name: "no times", text: "Season 1: 06/14/2017 to 08/30/2017", reason: "no opening times"},
		{name: "missing close", text: "Season 1: 07/16/2014 to 10/15/2014; Wed: 3:30 PM-;", reason: "a part is not a day with times"},
		{name: "TBD", text: "Season 1: November to December; Thu:TBD - TBD;", reason: "a time is not h:mm AM/PM"},
		{name: "close before open", text: "Season 1: January to December; Wed:7:00 pm - 6:00 pm;", reason: "a day closes before it opens"},
		{name: "misspelled month", text: "Season 1: June to Octobsr; Wed: 10:00 AM-2:00 PM;", reason: "the season is not two dates"},
		{name: "impossible date", text: "Season 1: 04/01/2010 to 11/31/2010; Wed: 7:00 AM-9:00 AM;", reason: "the season is not two dates"},
		{name: "free text", text: "Open most Saturdays in summer", reason: `not in the form "Season 1: dates; Day: h:mm AM-h:mm PM;"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts, reason := parseSeasonText(tc.text)
			if reason != tc.reason {
				t.Fatalf("reason %q, want %q", reason, tc.reason)
			}
			if reason != "" {
				return
			}
			if !reflect.DeepEqual(ts.season, tc.season) {
				t.Errorf("season %+v, want %+v", ts.season, tc.season)
			}
			if got := ts.week.spans(); !reflect.DeepEqual(got, tc.spans) {
				t.Errorf("spans %+v, want %+v", got, tc.spans)
			}
		})
	}
}

func TestBuildHours(t *testing.T) {
	weekly := func(freq, byday, opens, closes string) *schedRec {
		return &schedRec{Freq: freq, ByDay: byday, Opens: opens, Close: closes}
	}
	tests := []struct {
		name   string
		rows   []*schedRec
		want   *listings.Hours
		reason string
	}{
		{name: "none", rows: nil, want: nil},
		{
			name: "weekly rows merge",
			rows: []*schedRec{weekly("WEEKLY", "MO,TU,WE,TH,FR", "09:00", "12:00"), weekly("WEEKLY", "MO,TU,WE,TH,FR", "13:00:00", "17:00:00"), weekly("weekly", "sa", "10:00Z", "14:00Z")},
			want: &listings.Hours{Weekly: []listings.Span{
				{Days: "mon-fri", Open: "09:00", Close: "12:00"},
				{Days: "mon-fri", Open: "13:00", Close: "17:00"},
				{Days: "sat", Open: "10:00", Close: "14:00"},
			}},
		},
		{
			name: "overnight",
			rows: []*schedRec{weekly("WEEKLY", "FR,SA", "19:00", "07:00")},
			want: &listings.Hours{Weekly: []listings.Span{{Days: "fri, sat", Open: "19:00", Close: "07:00"}}},
		},
		{
			name: "00:00-23:59 every day is always open",
			rows: []*schedRec{{Freq: "DAILY", Opens: "00:00", Close: "23:59", Desc: "Open 24 hours"}},
			want: &listings.Hours{AlwaysOpen: true, Notes: "Open 24 hours"},
		},
		{
			name:   "monthly keeps only the text",
			rows:   []*schedRec{{Freq: "MONTHLY", ByMonthDay: "1", Opens: "10:00", Close: "12:00", Desc: "First of the month"}},
			want:   &listings.Hours{Notes: "First of the month"},
			reason: "freq MONTHLY is not weekly",
		},
		{
			name:   "one bad row spoils the rest",
			rows:   []*schedRec{weekly("WEEKLY", "MO", "09:00", "17:00"), {Freq: "WEEKLY", ByDay: "1MO", Opens: "09:00", Close: "12:00", Notes: "first Monday"}},
			want:   &listings.Hours{Notes: "first Monday"},
			reason: "byday 1MO is not a plain weekday",
		},
		{
			name: "two texts with one season",
			rows: []*schedRec{
				{Desc: "Season 1: May to October; Wed: 3:00 PM-6:00 PM;"},
				{Desc: "Season 1: May to October; Sat: 8:00 AM-11:00 AM;"},
			},
			want: &listings.Hours{
				Weekly: []listings.Span{{Days: "wed", Open: "15:00", Close: "18:00"}, {Days: "sat", Open: "08:00", Close: "11:00"}},
				Season: &listings.Season{From: "05-01", To: "10-31"},
				Notes:  "Season 1: May to October; Wed: 3:00 PM-6:00 PM;\nSeason 1: May to October; Sat: 8:00 AM-11:00 AM;",
			},
		},
		{
			name: "two seasons keep only the text",
			rows: []*schedRec{
				{Desc: "Season 1: May to October; Sat: 8:00 AM-11:00 AM;"},
				{Desc: "Season 2: November to April; Sat: 10:00 AM-12:00 PM;"},
			},
			want:   &listings.Hours{Notes: "Season 1: May to October; Sat: 8:00 AM-11:00 AM;\nSeason 2: November to April; Sat: 10:00 AM-12:00 PM;"},
			reason: "several seasons with their own hours",
		},
		{
			name:   "nothing usable and no text",
			rows:   []*schedRec{{Freq: "WEEKLY", ByDay: "MO"}},
			want:   nil,
			reason: "no opens_at/closes_at",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, reason := buildHours(tc.rows)
			if reason != tc.reason {
				t.Errorf("reason %q, want %q", reason, tc.reason)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("hours %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestFormatDays(t *testing.T) {
	tests := []struct {
		name string
		days []int
		want string
	}{
		{name: "one", days: []int{2}, want: "wed"},
		{name: "two apart", days: []int{1, 3}, want: "tue, thu"},
		{name: "pair", days: []int{5, 6}, want: "sat, sun"},
		{name: "run", days: []int{0, 1, 2, 3, 4}, want: "mon-fri"},
		{name: "run and one", days: []int{0, 1, 2, 4}, want: "mon-wed, fri"},
		{name: "all", days: []int{0, 1, 2, 3, 4, 5, 6}, want: "everyday"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatDays(tc.days); got != tc.want {
				t.Errorf("formatDays(%v) = %q, want %q", tc.days, got, tc.want)
			}
		})
	}
}
