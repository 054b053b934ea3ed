package need_test

import (
	"reflect"
	"slices"
	"testing"

	"trellis/internal/need"
)

// TestReadMeetings reads what the searches ask of a meeting with
// the bundled vocabulary.
func TestReadMeetings(t *testing.T) {
	v := bundled(t)
	lgbtq := []string{"LGBTQ", "G", "L", "BI", "T", "NB"}
	tests := []struct {
		text   string
		want   *need.MeetingAsk
		urgent bool
	}{
		{text: "meeting", want: &need.MeetingAsk{}},
		{text: "AA", want: &need.MeetingAsk{Fellowships: []string{"aa"}}},
		{text: "NA", want: &need.MeetingAsk{Fellowships: []string{"na"}}},
		{text: "Al-Anon", want: &need.MeetingAsk{Fellowships: []string{"al-anon"}}},
		{text: "SMART", want: &need.MeetingAsk{Fellowships: []string{"smart"}}},
		{text: "smart recovery meeting", want: &need.MeetingAsk{Fellowships: []string{"smart"}}},
		{text: "reunión de AA", want: &need.MeetingAsk{Fellowships: []string{"aa"}}},
		{text: "alcohólicos anónimos", want: &need.MeetingAsk{Fellowships: []string{"aa"}}},
		{text: "meeting tonight", want: &need.MeetingAsk{Tonight: true}, urgent: true},
		{text: "NA meeting tonight", want: &need.MeetingAsk{Fellowships: []string{"na"}, Tonight: true}, urgent: true},
		{text: "an AA meeting this evening", want: &need.MeetingAsk{Fellowships: []string{"aa"}, Tonight: true}, urgent: true},
		{text: "reunión de NA esta noche", want: &need.MeetingAsk{Fellowships: []string{"na"}, Tonight: true}, urgent: true},
		// "today" and "now" ask for soon, not for tonight.
		{text: "NA meeting today", want: &need.MeetingAsk{Fellowships: []string{"na"}}, urgent: true},
		{text: "online meeting now", want: &need.MeetingAsk{Online: true}, urgent: true},
		{text: "AA meeting open now", want: &need.MeetingAsk{Fellowships: []string{"aa"}}, urgent: true},
		{text: "open AA meeting", want: &need.MeetingAsk{Fellowships: []string{"aa"}, Types: [][]string{{"O"}}}},
		{text: "women's meeting", want: &need.MeetingAsk{Types: [][]string{{"W"}}}},
		{text: "Spanish-speaking meeting", want: &need.MeetingAsk{Types: [][]string{{"S"}}}},
		{text: "reunión en español", want: &need.MeetingAsk{Types: [][]string{{"S"}}}},
		{text: "LGBTQ meeting", want: &need.MeetingAsk{Types: [][]string{lgbtq}}},
		{text: "lesbian AA meeting", want: &need.MeetingAsk{Fellowships: []string{"aa"}, Types: [][]string{{"L", "LGBTQ"}}}},
		{text: "wheelchair accessible NA meeting in person", want: &need.MeetingAsk{Fellowships: []string{"na"}, Types: [][]string{{"X"}}, InPerson: true}},
		{text: "aa meeting, no car", want: &need.MeetingAsk{Fellowships: []string{"aa"}, NoTransport: true}},
		{text: "junta de aa por zoom", want: &need.MeetingAsk{Fellowships: []string{"aa"}, Online: true}},
		// Words about a meeting that ask for none.
		{text: "women's shelter"},
		{text: "online counseling"},
		{text: "food pantry open now", urgent: true},
		{text: "sponsor"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			r := v.Read(tc.text, nil)
			if !reflect.DeepEqual(r.Meeting, tc.want) {
				t.Errorf("Meeting = %+v, want %+v", r.Meeting, tc.want)
			}
			if r.Urgent != tc.urgent {
				t.Errorf("Urgent = %v, want %v", r.Urgent, tc.urgent)
			}
		})
	}
}

// TestReadMeetingsKeepsServices: words that ask for a meeting still read
// as the services they named before (peer support), and a word that only
// asks for a meeting is not looked for in the listings' text.
func TestReadMeetingsKeepsServices(t *testing.T) {
	v := bundled(t)
	for _, text := range []string{"AA meeting", "NA meeting tonight", "reunión de AA", "Al-Anon"} {
		if r := v.Read(text, nil); !slices.Equal(r.Categories, []string{"mental-health.peer-support"}) {
			t.Errorf("%q: categories %v, want peer support", text, r.Categories)
		}
	}
	if r := v.Read("junta", nil); len(r.Terms) != 0 || r.Meeting == nil {
		t.Errorf(`"junta": terms %v, meeting %+v; want no terms and a meeting`, r.Terms, r.Meeting)
	}
}

func TestFellowships(t *testing.T) {
	v := bundled(t)
	tests := []struct {
		text string
		want []string
	}{
		{"dc-aa", []string{"aa"}},
		{"Tuesday Night NA", []string{"na"}},
		{"Washington Area Intergroup Association", nil},
		{"Chesapeake Potomac Region of Narcotics Anonymous", []string{"na"}},
		{"Al-Anon Family Groups", []string{"al-anon"}},
		{"AA and Al-Anon together", []string{"aa", "al-anon"}},
		{"Alano Club", nil},
		{"Serenity Group", nil},
	}
	for _, tc := range tests {
		if got := v.Fellowships(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("Fellowships(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}
