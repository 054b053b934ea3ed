package listings

import (
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
)

// meetingFS returns the fixture tree dir with the repository's meeting
// type table (data/meetingguide) beside it, as Load finds it in a data
// directory.
func meetingFS(tb testing.TB, dir string) fs.FS {
	tb.Helper()
	out := fstest.MapFS{}
	copyTree := func(fsys fs.FS, under string, prefix string) {
		err := fs.WalkDir(fsys, under, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			out[prefix+p] = &fstest.MapFile{Data: data, Mode: 0o644}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	copyTree(os.DirFS(dir), ".", "")
	copyTree(os.DirFS("../../data"), "meetingguide", "")
	return out
}

func mustLoadMeetings(tb testing.TB, dir string, pos *Positions) *directory.Catalog {
	tb.Helper()
	cat, errs, err := Load(meetingFS(tb, dir), Options{Now: testNow, Positions: pos})
	if err != nil {
		tb.Fatalf("Load(%s): %v", dir, err)
	}
	for _, e := range errs {
		tb.Errorf("unexpected data error: %v", e)
	}
	if cat == nil {
		tb.Fatalf("Load(%s) returned no catalog", dir)
	}
	return cat
}

func TestLoadMeetings(t *testing.T) {
	cat := mustLoadMeetings(t, "testdata/meetings/good", nil)
	var keys []string
	for _, m := range cat.Meetings {
		keys = append(keys, m.Key())
	}
	wantKeys := []string{"hand-kept/sunday-serenity-14", "test-aa/42", "test-aa/by-appointment", "test-aa/night-owls", "test-aa/sunday-serenity-14"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Fatalf("meetings = %q, want %q", keys, wantKeys)
	}

	f, yes := false, true
	lat, lon := 39.80172, -89.64371
	entity := directory.MeetingEntity{Name: "Test Intergroup", Email: "office@intergroup.example.org",
		Location: "Springfield County", Logo: "https://intergroup.example.org/logo.svg", Phone: "+1-202-555-0100",
		WebsiteURL: "https://intergroup.example.org/"}
	tests := []struct {
		name string
		key  string
		zone string // "" for none
		want directory.Meeting
	}{
		{name: "every field", key: "test-aa/sunday-serenity-14", zone: "America/Chicago", want: directory.Meeting{
			Source: "test-aa", Slug: "sunday-serenity-14", Name: "Sunday Serenity",
			Days: 1 << time.Sunday, Start: 18 * 60, HasStart: true, End: 19*60 + 30, HasEnd: true,
			Types: []string{"O", "D", "LGBTQ", "12x12"}, Attendance: directory.AttendanceHybrid,
			Location: "Alano Club", LocationNotes: "Parking in the rear lot.",
			Address: "123 Main Street", City: "Springfield", State: "IL", PostalCode: "62701", Country: "US",
			Point: orb.Point{lon, lat}, HasPoint: true, Approximate: &f,
			Region: "Springfield", SubRegion: "Downtown",
			ConferenceURL: "https://zoom.us/j/123456789", ConferenceURLNotes: "Password: serenity",
			ConferencePhone: "+13125550100,,123456789#", ConferencePhoneNotes: "Meeting ID 123 456 789",
			Notes: "Ring buzzer.\nMeeting is on the 2nd floor.", Group: "The Serenity Group",
			GroupNotes: "Business meeting on the first Sunday.",
			Updated:    time.Date(2024, 5, 31, 14, 32, 23, 0, time.UTC),
			URL:        "https://intergroup.example.org/meetings/sunday-serenity", EditURL: "https://intergroup.example.org/edit/sunday-serenity",
			FeedbackEmails: []string{"updates@intergroup.example.org"},
			FeedbackURL:    "mailto:updates@intergroup.example.org?subject=sunday-serenity-14",
			Venmo:          "@SerenityGroup", Square: "$SerenityGroup", PayPal: "SerenityGroup", HomegroupOnline: "tsg",
			Entity: entity,
			Contacts: []directory.MeetingContact{
				{Name: "Bob S.", Email: "bob.s@example.org", Phone: "202-555-0101"}, {Name: "Ann"}},
			File: "test-aa/springfield.yaml",
		}},
		{name: "several days, a formatted address", key: "test-aa/42", want: directory.Meeting{
			Source: "test-aa", Slug: "42", Name: "Weekday Noon",
			Days: 1<<time.Monday | 1<<time.Wednesday | 1<<time.Friday, Start: 12 * 60, HasStart: true,
			Types: []string{"C", "W", "S"}, FormattedAddress: "1 Elm St, Springfield, IL 62701, USA",
			Entity: entity, File: "test-aa/springfield.yaml",
		}},
		{name: "by appointment, its own entity", key: "test-aa/by-appointment", want: directory.Meeting{
			Source: "test-aa", Slug: "by-appointment", Name: "Call for a meeting",
			FormattedAddress: "Springfield, IL, USA", Entity: directory.MeetingEntity{Name: "District 9"},
			File: "test-aa/springfield.yaml",
		}},
		{name: "online across midnight", key: "test-aa/night-owls", want: directory.Meeting{
			Source: "test-aa", Slug: "night-owls", Name: "Night Owls",
			Days: 1 << time.Saturday, Start: 23*60 + 30, HasStart: true, End: 30, HasEnd: true,
			Types: []string{"O", "BV-I"}, Attendance: directory.AttendanceOnline,
			FormattedAddress: "Springfield, IL, USA", Approximate: &yes, Regions: []string{"Springfield", "Online"},
			ConferencePhone: "+13125550199", File: "test-aa/online.yaml",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := cat.Meeting(tt.key)
			if m == nil {
				t.Fatalf("no meeting %s", tt.key)
			}
			got := *m
			zone := ""
			if got.TimeZone != nil {
				zone = got.TimeZone.String()
			}
			if zone != tt.zone {
				t.Errorf("zone = %q, want %q", zone, tt.zone)
			}
			got.TimeZone = nil
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("meeting differs:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}

	types := cat.MeetingTypes
	if got := len(types.All); got != 87+5 {
		t.Errorf("type table has %d codes, want 87 in use and 5 proposed", got)
	}
	if o := types.Type("O"); o == nil || o.Names.In("es") != "Abierta" || o.Names.In("th") != "เปิด" || o.Proposed {
		t.Errorf(`type "O" = %+v`, o)
	}
	if b := types.Type("BV-I"); b == nil || !b.Proposed || b.Names.In("en") != "Blind / Visually Impaired" {
		t.Errorf(`type "BV-I" = %+v`, b)
	}
	if codes := types.Codes(); codes[0] != "11" || codes[1] != "12x12" || codes[86] != "Y" || codes[87] != "BV-I" {
		t.Errorf("codes are not in the files' order: %q ... %q", codes[:2], codes[86:88])
	}
}

// TestLoadWithoutMeetings: a data directory without meetings/ or the type
// table loads as before, with no meetings.
func TestLoadWithoutMeetings(t *testing.T) {
	cat := mustLoad(t, "testdata/good")
	if len(cat.Meetings) != 0 || cat.MeetingTypes != nil {
		t.Errorf("meetings = %d, types = %v; want none", len(cat.Meetings), cat.MeetingTypes)
	}
}

func TestMeetingsWithoutTypeTable(t *testing.T) {
	_, errs, err := Load(os.DirFS("testdata/meetings/good"), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	want := "meetingguide/types.json: missing: meeting files need the Meeting Guide type table (copy data/meetingguide from Trellis)"
	if len(errs) != 1 || errs[0].Error() != want {
		t.Errorf("errors = %v, want %q", errs, want)
	}
}

func TestBrokenMeetings(t *testing.T) {
	checkErrorCasesFS(t, meetingFS(t, "testdata/meetings/broken"), "testdata/meetings/broken", []errorCase{
		{name: "no meetings", file: "meetings/test-aa/empty.yaml", want: []string{
			`2:1: "meetings" must list at least one meeting`,
		}},
		{name: "a slug twice in one source, across files", file: "meetings/test-aa/other.yaml", want: []string{
			`3:11: duplicate meeting slug "first" of source "test-aa" (first in meetings/test-aa/dup.yaml:3)`,
		}},
		{name: "every field's mistakes", file: "meetings/test-aa/errors.yaml", want: []string{
			`1:9: "Test AA" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "test-aa"`,
			`2:7: "not a url://x" is not a web address: write an absolute http(s) URL, e.g. https://example.org/`,
			`4:11: slug "has space" must not contain spaces or "/"`,
			`5:11: "name" must not be empty`,
			`6:17: unknown day "funday" (allowed: sun, mon, tue, wed, thu, fri, sat)`,
			`6:25: "sun" is listed twice (first at line 6)`,
			`7:11: "7pm" is not a time: write HH:MM on a 24-hour clock, e.g. 09:00 or 17:30`,
			`8:15: "25:00" is not a time of day`,
			`9:15: "Mars/Olympus" is not an IANA time zone: write e.g. America/New_York`,
			`10:16: type code "with space" must be a code without spaces, e.g. O or LGBTQ`,
			`11:24: unknown attendance option "in-person"; did you mean "in_person"? (allowed: in_person, hybrid, online, inactive)`,
			`12:15: latitude 95 is out of range: it must be between -90 and 90`,
			`14:21: "zoom.us/j/1" is not a web address: write an absolute http(s) URL, e.g. https://example.org/`,
			`15:23: "call 555" is not a number to dial: use digits, with + for international dialers and , * # for one-tap links`,
			`16:10: "ftp://example.org" is not a web address: write an absolute http(s) URL, e.g. https://example.org/`,
			`17:19: "mailto:nobody" is not a mailto: link to an email address`,
			`18:23: "not-an-email" is not an email address: write e.g. intake@example.org`,
			`19:14: "2024-05-31T14:32:23Z" is not a timestamp: write YYYY-MM-DD HH:MM:SS in UTC, e.g. 2024-05-31 14:32:23`,
			`20:18: "approximate" must be true or false, not "yes"`,
			`22:9: a contact needs a name, an email or a phone`,
			`23:26: "x@" is not an email address: write e.g. intake@example.org`,
			`26:15: latitude without longitude: give both or neither`,
			`27:5: missing required key "slug"`,
			`28:11: duplicate meeting slug "only-lat" (first at line 24)`,
			`30:11: "days" must be a list, not "sunday"`,
			`31:5: unknown key "colour" in a meeting (allowed: slug, name, days, time, end_time, timezone, types, attendance_option, location, location_notes, formatted_address, address, city, state, postal_code, country, latitude, longitude, approximate, region, sub_region, regions, conference_url, conference_url_notes, conference_phone, conference_phone_notes, notes, group, group_notes, updated, url, edit_url, feedback_emails, feedback_url, venmo, square, paypal, homegroup_online, entity, contacts)`,
		}},
	})
}

func TestLintMeetings(t *testing.T) {
	pos := NewPositions()
	cat := mustLoadMeetings(t, "testdata/meetings/lint", pos)
	var got []string
	for _, w := range Lint(cat, LintOptions{Now: testNow, Positions: pos}) {
		got = append(got, fmt.Sprintf("%s %s", w.Pos(), w.Code))
	}
	f := "meetings/test-aa/warnings.yaml"
	want := []string{
		f + ":9:12 anonymity",      // notes: contact Robert Johnson
		f + ":10:18 anonymity",     // group_notes: Jane Doe 202-555-0147
		f + ":13:16 anonymity",     // contact Bob Smith
		f + ":14:16 anonymity",     // ann.kowalski@ for Ann K.
		f + ":17:11 html",          // <b>
		f + ":20:15 schedule",      // ends when it starts
		f + ":21:14 address-notes", // upstairs around back
		f + ":23:16 unknown-type",  // o
		f + ":23:19 unknown-type",  // ZZZ
		f + ":24:5 no-address",     // in person, no address
		f + ":33:18 no-address",    // in person, approximate
		f + ":36:5 schedule",       // days without time
		f + ":37:24 no-conference", // online, no link
		f + ":39:5 entity",         // entity without its name
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
	for _, w := range Lint(cat, LintOptions{Now: testNow, Positions: pos}) {
		if w.Line == 23 && w.Col == 16 && !strings.Contains(w.Msg, `did you mean "O"?`) {
			t.Errorf("unknown type %q: no suggestion", w.Msg)
		}
	}
	// The good fixture, with a first name and an initial, "Ann" and a
	// proposed code, has nothing to warn about.
	goodPos := NewPositions()
	good := mustLoadMeetings(t, "testdata/meetings/good", goodPos)
	for _, w := range Lint(good, LintOptions{Now: testNow, Positions: goodPos}) {
		t.Errorf("good fixture: unexpected warning %s", w)
	}
}

func TestFullNames(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"For a ride, contact Robert Johnson.", []string{"Robert Johnson"}},
		{"Chairperson: Maria Lopez-Garcia", []string{"Maria Lopez-Garcia"}},
		{"The secretary is Tom O'Brien", []string{"Tom O'Brien"}},
		{"Questions? Jane Doe 202-555-0147", []string{"Jane Doe"}},
		{"Email Pat Kim at pat@example.org", []string{"Pat Kim"}},
		{"Led by Sam Wu and Lee Chang (202) 555-0100", []string{"Sam Wu", "Lee Chang"}},
		{"Contact Sue McDonald", []string{"Sue McDonald"}},
		{"Contact Bob S. for a ride", nil},
		{"Call Bob, or Ann K. at 202-555-0100", nil},
		{"Grace Church basement; Big Book study.", nil},
		{"Call Central Office for keys.", nil},
		{"Contact Springfield Intergroup 202-555-0100", nil},
		{"Speaker meeting on the last Friday. Zoom Meeting ID 123 456 7890", nil},
		{"Ring buzzer.\nMeeting is on the 2nd floor.", nil},
		{"contact robert johnson", nil}, // not capitalized: not read as a name
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := FullNames(tt.text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FullNames(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestContactLastName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Bob", ""}, {"Bob S.", ""}, {"Bob S", ""}, {"Mary J. K.", ""},
		{"Bob Smith", "Smith"}, {"Ana María Ruiz", "María"}, {"Bob (Intergroup)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ContactLastName(tt.name); got != tt.want {
				t.Errorf("ContactLastName(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
}

// TestMarshalMeetingsRoundTrip: a meeting file written by MarshalMeetings
// reads back as the same meetings, and writing those again changes nothing.
func TestMarshalMeetingsRoundTrip(t *testing.T) {
	for _, file := range []string{"springfield.yaml", "online.yaml"} {
		t.Run(file, func(t *testing.T) {
			name := "meetings/test-aa/" + file
			data, err := os.ReadFile("testdata/meetings/good/" + name)
			if err != nil {
				t.Fatal(err)
			}
			_, want, errs := ReadMeetingFile(name, data)
			if len(errs) > 0 || len(want) == 0 {
				t.Fatalf("fixture: %d meetings, errors %v", len(want), errs)
			}
			var f MeetingFile
			d := newDecoder(name)
			d.decodeFile(data, &f)
			out, err := MarshalMeetings(&f)
			if err != nil {
				t.Fatal(err)
			}
			_, got, errs := ReadMeetingFile(name, out)
			if len(errs) > 0 {
				t.Fatalf("written file does not read back: %v\n%s", errs, out)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("meetings differ after writing:\n%s", out)
			}
			var g MeetingFile
			d = newDecoder(name)
			d.decodeFile(out, &g)
			again, err := MarshalMeetings(&g)
			if err != nil || string(again) != string(out) {
				t.Errorf("writing again changed the file (%v):\n%s\n---\n%s", err, out, again)
			}
			for _, s := range []string{`time: "18:00"`, `days: [sun]`, `types: [O, D, LGBTQ, 12x12]`, `- {name: Bob S., email: bob.s@example.org, phone: 202-555-0101}`} {
				if file == "springfield.yaml" && !strings.Contains(string(out), s) {
					t.Errorf("written file lacks %q:\n%s", s, out)
				}
			}
		})
	}
}
