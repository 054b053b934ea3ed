package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/testkit"
)

// everyField is the Meeting Guide feed that uses every field and type code
// of the specification, written for the importer's tests.
var everyField = filepath.Join("..", "meetingguide", "testdata", "every-field.json")

// meetingDir returns a data directory with the bundled settings, no
// listings, and the feeds imported with `trellis import meetings`, by
// source name.
func meetingDir(t *testing.T, feeds map[string]string) string {
	t.Helper()
	dir := testkit.DataDir(t)
	for source, feed := range feeds {
		var out, errOut bytes.Buffer
		code := app.Run(context.Background(), []string{"import", "meetings", feed, "--data", dir, "--source", source},
			app.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
		if code != 0 {
			t.Fatalf("import %s: exit %d\n%s%s", feed, code, out.String(), errOut.String())
		}
	}
	return dir
}

// meetingServer serves dir with the clock stopped at now.
func meetingServer(t *testing.T, dir string, now time.Time) string {
	t.Helper()
	return apptest.Start(t, apptest.Options{DataDir: dir, Now: func() time.Time { return now }, NoDB: true}).URL
}

type meetingResult struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Fellowship *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"fellowship"`
	Next *struct {
		Start      time.Time `json:"start"`
		End        time.Time `json:"end"`
		InProgress bool      `json:"in_progress"`
		Text       string    `json:"text"`
	} `json:"next"`
	Schedule   string `json:"schedule"`
	TimeZone   string `json:"time_zone"`
	Attendance string `json:"attendance"`
	Types      []struct {
		Code string `json:"code"`
		Name string `json:"name"`
	} `json:"types"`
	Location string `json:"location"`
	Address  string `json:"address"`
	Distance *struct {
		Meters float64 `json:"meters"`
	} `json:"distance"`
	Notes string `json:"notes"`
	Group string `json:"group"`
	URL   string `json:"url"`
	Join  *struct {
		URL   string `json:"url"`
		Notes string `json:"notes"`
	} `json:"join"`
	Call *struct {
		Phone   string `json:"phone"`
		CallURL string `json:"call_url"`
	} `json:"call"`
}

type meetingsBody struct {
	Asked struct {
		Fellowships []string   `json:"fellowships"`
		Types       [][]string `json:"types"`
		Online      bool       `json:"online"`
	} `json:"asked"`
	Listed  int             `json:"listed"`
	Total   int             `json:"total"`
	Results []meetingResult `json:"results"`
	Help    *struct {
		NoFinder string `json:"no_finder"`
		Note     string `json:"note"`
		Links    []struct {
			Fellowship string `json:"fellowship"`
			URL        string `json:"url"`
		} `json:"links"`
		HelpLine *struct {
			Call string `json:"call"`
		} `json:"help_line"`
	} `json:"help"`
}

// searchMeetings runs a search and returns its meetings; it fails the test
// when the answer has none.
func searchMeetings(t *testing.T, base string, q url.Values) meetingsBody {
	t.Helper()
	code, _, b := get(t, base, "/api/v1/search?"+q.Encode())
	if code != http.StatusOK {
		t.Fatalf("search %s: status %d: %s", q.Encode(), code, b)
	}
	var body struct {
		Meetings *meetingsBody `json:"meetings"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("search %s: %v", q.Encode(), err)
	}
	if body.Meetings == nil {
		t.Fatalf("search %s: no meetings in the answer: %.400s", q.Encode(), b)
	}
	return *body.Meetings
}

// feedMeeting is a meeting of a feed as the specification writes it.
type feedMeeting struct {
	Name             string          `json:"name"`
	Slug             json.RawMessage `json:"slug"`
	Day              json.RawMessage `json:"day"`
	Time             string          `json:"time"`
	EndTime          string          `json:"end_time"`
	Timezone         string          `json:"timezone"`
	Types            []string        `json:"types"`
	Attendance       string          `json:"attendance_option"`
	Location         string          `json:"location"`
	FormattedAddress string          `json:"formatted_address"`
	Address          string          `json:"address"`
	Notes            string          `json:"notes"`
	Group            string          `json:"group"`
	URL              string          `json:"url"`
	ConferenceURL    string          `json:"conference_url"`
	ConferencePhone  string          `json:"conference_phone"`
}

func (f feedMeeting) slug() string { return strings.Trim(string(f.Slug), `"`) }

func (f feedMeeting) days() []time.Weekday {
	var one int
	if json.Unmarshal(f.Day, &one) == nil {
		return []time.Weekday{time.Weekday(one)}
	}
	var many []int
	if json.Unmarshal(f.Day, &many) != nil {
		return nil
	}
	var out []time.Weekday
	for _, d := range many {
		out = append(out, time.Weekday(d))
	}
	return out
}

// nextTransition returns the first day after from on which loc's clocks
// change, as midnight of that day in loc.
func nextTransition(t *testing.T, loc *time.Location, from time.Time) time.Time {
	t.Helper()
	local := from.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	for i := 0; i < 400; i++ {
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
		if _, a := day.Zone(); true {
			if _, b := next.Add(23 * time.Hour).Zone(); a != b {
				return next
			}
		}
		day = next
	}
	t.Fatalf("%s changes its clocks within 400 days of %v? no", loc, from)
	return time.Time{}
}

// TestMeetingFeedRoundTrip imports the feed that uses every field and
// type code of the Meeting Guide specification and finds the same
// meetings through GET /api/v1/search: every meeting people can attend,
// with its name, types (named in the request's language), attendance,
// place, notes, group, page, join link and number, at its next time in
// its zone, on the Saturday evening before the clocks change in Chicago
// (the next Sunday's meetings are at their local times in the new offset)
// and just after midnight (the meeting across midnight is in progress).
func TestMeetingFeedRoundTrip(t *testing.T) {
	chicago := testkit.MustZone("America/Chicago")
	dir := meetingDir(t, map[string]string{"springfield-aa": everyField})
	change := nextTransition(t, chicago, testkit.Now())
	saturday := time.Date(change.Year(), change.Month(), change.Day()-1, 20, 0, 0, 0, chicago)
	if saturday.Weekday() != time.Saturday {
		t.Fatalf("Chicago changes its clocks on a %s (%v), not a Sunday", change.Weekday(), change)
	}
	raw, err := os.ReadFile(everyField)
	if err != nil {
		t.Fatal(err)
	}
	var feed []feedMeeting
	if err := json.Unmarshal(raw, &feed); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{saturday, saturday.Add(4*time.Hour + 15*time.Minute)} {
		t.Run(at.Format("Mon 15:04"), func(t *testing.T) {
			base := meetingServer(t, dir, at)
			got := searchMeetings(t, base, url.Values{"q": {"meeting"}, "per_page": {"100"}, "lang": {"es"}})
			byID := map[string]meetingResult{}
			for _, r := range got.Results {
				byID[r.ID] = r
			}
			var want []string
			for _, f := range feed {
				id := "springfield-aa/" + f.slug()
				r, found := byID[id]
				attendable := f.Time != "" && f.Attendance != "inactive"
				if found != attendable {
					t.Errorf("%s: listed %v, want %v", id, found, attendable)
					continue
				}
				if !found {
					continue
				}
				want = append(want, id)
				if r.Name != f.Name || r.Location != f.Location || r.Notes != f.Notes || r.Group != f.Group || r.URL != f.URL {
					t.Errorf("%s: name %q location %q notes %q group %q url %q; feed %+v", id, r.Name, r.Location, r.Notes, r.Group, r.URL, f)
				}
				var codes []string
				for _, ty := range r.Types {
					codes = append(codes, ty.Code)
					if ty.Name == "" || ty.Name == ty.Code && ty.Code != "LGBTQ" {
						t.Errorf("%s: type %s has no Spanish name (%q)", id, ty.Code, ty.Name)
					}
				}
				if !slices.Equal(codes, f.Types) {
					t.Errorf("%s: types %v, feed %v", id, codes, f.Types)
				}
				if f.Attendance != "" && r.Attendance != f.Attendance {
					t.Errorf("%s: attendance %q, feed %q", id, r.Attendance, f.Attendance)
				}
				if f.Attendance != "online" && f.FormattedAddress == "" && !strings.HasPrefix(r.Address, f.Address) {
					t.Errorf("%s: address %q, feed %q", id, r.Address, f.Address)
				}
				if (r.Join != nil && r.Join.URL != f.ConferenceURL) || (r.Join == nil) != (f.ConferenceURL == "") {
					t.Errorf("%s: join %+v, feed %q", id, r.Join, f.ConferenceURL)
				}
				if (r.Call != nil && r.Call.Phone != f.ConferencePhone) || (r.Call == nil) != (f.ConferencePhone == "") {
					t.Errorf("%s: call %+v, feed %q", id, r.Call, f.ConferencePhone)
				}
				// The next time, read independently: the first of the feed's
				// days at its time in Chicago whose end is after now.
				hh, mm := 0, 0
				fmt.Sscanf(f.Time, "%d:%d", &hh, &mm)
				length := time.Hour
				if f.EndTime != "" {
					eh, em := 0, 0
					fmt.Sscanf(f.EndTime, "%d:%d", &eh, &em)
					length = time.Duration((eh*60+em-hh*60-mm+24*60)%(24*60)) * time.Minute
				}
				local := at.In(chicago)
				var start time.Time
				for i := -1; i <= 7 && start.IsZero(); i++ {
					day := time.Date(local.Year(), local.Month(), local.Day()+i, hh, mm, 0, 0, chicago)
					if slices.Contains(f.days(), day.Weekday()) && day.Add(length).After(at) {
						start = day
					}
				}
				if r.Next == nil || !r.Next.Start.Equal(start) || r.Next.InProgress != !start.After(at) {
					t.Errorf("%s: next %+v, want %v (in progress %v)", id, r.Next, start, !start.After(at))
				} else if _, off := r.Next.Start.Zone(); true {
					if _, wantOff := start.Zone(); off != wantOff {
						t.Errorf("%s: next starts at offset %d, want %d", id, off, wantOff)
					}
				}
			}
			if got.Total != len(want) || got.Listed != len(feed) {
				t.Errorf("total %d, listed %d; want %d of %d", got.Total, got.Listed, len(want), len(feed))
			}
		})
	}
	// The Sunday meeting after the change is at 18:00 in the new offset.
	base := meetingServer(t, dir, saturday)
	got := searchMeetings(t, base, url.Values{"q": {"transgender meeting"}})
	if len(got.Results) != 1 || got.Results[0].ID != "springfield-aa/sunday-serenity-14" {
		t.Fatalf("transgender meeting: %+v", got.Results)
	}
	next := got.Results[0].Next
	_, before := saturday.Zone()
	if _, after := next.Start.Zone(); next.Start.In(chicago).Hour() != 18 || after == before {
		t.Errorf("Sunday Serenity after the clocks change: %v (offset %d, Saturday's %d)", next.Start, after, before)
	}
}

// TestNAMeetingTonightAPI: "NA meeting tonight" near the test location at
// 17:00 lists tonight's NA meetings first, the one in progress first, and
// no AA meeting; "online meeting now" lists the online meeting in progress
// with its join link and its number.
func TestNAMeetingTonightAPI(t *testing.T) {
	dir := meetingDir(t, map[string]string{"dc-na": filepath.Join("testdata", "feeds", "na.json"), "dc-aa": filepath.Join("testdata", "feeds", "aa.json")})
	at := testkit.Anchor("America/New_York", 17, 0).Now
	base := meetingServer(t, dir, at)

	got := searchMeetings(t, base, url.Values{"q": {"NA meeting tonight"}, "near": {"20001"}})
	var ids []string
	for _, r := range got.Results {
		ids = append(ids, r.ID)
		if r.Fellowship == nil || r.Fellowship.ID != "na" {
			t.Errorf("%s: fellowship %+v, want NA", r.ID, r.Fellowship)
		}
	}
	tonight := []string{"dc-na/sunday-afternoon", "dc-na/sunday-online", "dc-na/sunday-basics"}
	if len(ids) < 4 || !slices.Equal(sorted(ids[:3]), sorted(tonight)) || !slices.Contains(ids[3:], "dc-na/monday-noon") {
		t.Errorf("NA meeting tonight: %v, want tonight's %v first", ids, tonight)
	}
	first := got.Results[0]
	if first.Next == nil || !first.Next.InProgress || !strings.HasPrefix(first.Next.Text, "In progress") {
		t.Errorf("first: %+v, want a meeting in progress", first.Next)
	}
	for _, r := range got.Results {
		if r.ID == "dc-na/sunday-basics" && (r.Next.Text != "Today 7 PM, in 2 h" || r.Distance == nil || r.Address == "") {
			t.Errorf("sunday-basics: %+v %+v %q", r.Next, r.Distance, r.Address)
		}
	}

	got = searchMeetings(t, base, url.Values{"q": {"online meeting now"}})
	if len(got.Results) == 0 {
		t.Fatal("online meeting now: nothing")
	}
	r := got.Results[0]
	if r.ID != "dc-na/sunday-online" || r.Join == nil || r.Join.URL != "https://zoom.example.org/j/1000" || r.Call == nil ||
		r.Call.CallURL != "tel:+12025550123,,1000%23" || !r.Next.InProgress || r.Attendance != "online" {
		t.Errorf("online meeting now: first %+v", r)
	}
	if !got.Asked.Online {
		t.Error("asked is not online")
	}

	// Filters as parameters.
	got = searchMeetings(t, base, url.Values{"meeting_type": {"W,S"}})
	if len(got.Results) != 1 || got.Results[0].ID != "dc-na/mujeres" {
		t.Errorf("meeting_type=W,S: %+v", got.Results)
	}
	got = searchMeetings(t, base, url.Values{"q": {"meeting"}, "fellowship": {"aa"}, "attendance": {"in_person"}})
	if len(got.Results) != 1 || got.Results[0].ID != "dc-aa/sunday-pride" {
		t.Errorf("fellowship=aa&attendance=in_person: %+v", got.Results)
	}
	// A search that asks for no meeting carries none.
	code, _, b := get(t, base, "/api/v1/search?q=food")
	if code != 200 || bytes.Contains(b, []byte(`"meetings"`)) {
		t.Errorf("q=food: %d %.300s", code, b)
	}
}

// TestMeetingParamsRefused: a bad meeting parameter is a 400 naming it.
func TestMeetingParamsRefused(t *testing.T) {
	base := startServer(t)
	for _, tc := range []struct{ query, field, says string }{
		{"q=meeting&fellowship=xa", "fellowship", `unknown fellowship "xa"`},
		{"q=meeting&meeting_type=WOMEN", "meeting_type", `unknown meeting type "WOMEN"`},
		{"q=meeting&attendance=hybrid", "attendance", "attendance must be one of online, in_person"},
		{"q=meeting&no_transport=maybe", "no_transport", "no_transport must be true or false"},
	} {
		code, _, b := get(t, base, "/api/v1/search?"+tc.query)
		var e errBody
		if err := json.Unmarshal(b, &e); err != nil || code != 400 || e.Error.Field != tc.field || !strings.Contains(e.Error.Message, tc.says) {
			t.Errorf("%s: %d %s", tc.query, code, b)
		}
	}
}

// TestNoMeetingsImported: with no meetings imported, a search for one says
// where to find them (the fellowship's own finder first, and the help
// line) beside the services it finds.
func TestNoMeetingsImported(t *testing.T) {
	base := startServer(t)
	got := searchMeetings(t, base, url.Values{"q": {"reunión de AA"}, "lang": {"es"}})
	if got.Listed != 0 || got.Total != 0 || len(got.Results) != 0 || got.Help == nil {
		t.Fatalf("meetings: %+v", got)
	}
	if len(got.Help.Links) == 0 || got.Help.Links[0].Fellowship != "aa" || got.Help.HelpLine == nil || got.Help.HelpLine.Call != "211" ||
		!strings.Contains(got.Help.Note, "reuniones") || got.Help.NoFinder != "" {
		t.Errorf("help: %+v", got.Help)
	}
	// A fellowship the directory has no finder for: no note introducing
	// links, a sentence saying so, and the help line.
	got = searchMeetings(t, base, url.Values{"q": {"gamblers anonymous meeting"}})
	if got.Help == nil || len(got.Help.Links) != 0 || got.Help.Note != "" || got.Help.HelpLine == nil ||
		got.Help.NoFinder != "This directory has no meeting finder to offer for Gamblers Anonymous." {
		t.Errorf("gamblers anonymous: help %+v", got.Help)
	}
}

// TestMatchMeetingsAPI: POST /api/v1/match gives meetings for a need that
// asks for one.
func TestMatchMeetingsAPI(t *testing.T) {
	dir := meetingDir(t, map[string]string{"dc-na": filepath.Join("testdata", "feeds", "na.json")})
	base := meetingServer(t, dir, testkit.Anchor("America/New_York", 17, 0).Now)
	resp, err := http.Post(base+"/api/v1/match", "application/json", strings.NewReader(`{"needs": ["NA meeting tonight", "food"], "near": "20001"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Needs []struct {
			Meetings *meetingsBody `json:"meetings"`
		} `json:"needs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("match: %d %v", resp.StatusCode, err)
	}
	if m := body.Needs[0].Meetings; m == nil || len(m.Results) == 0 || !m.Results[0].Next.InProgress || m.Results[0].Fellowship.ID != "na" {
		t.Errorf("NA meeting tonight: %+v", m)
	}
	if body.Needs[1].Meetings != nil {
		t.Errorf("food: meetings %+v", body.Needs[1].Meetings)
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// TestMeetingNextAcrossBothChanges: the next times of a Sunday meeting at
// 01:30-02:30 and one at 19:00-20:00 in New York, imported and searched
// through the API, across both of the next two daylight-saving changes (one
// springs forward, the other falls back, whatever the date of the run). On
// the night the clocks spring forward, 02:30 does not exist: the 01:30
// meeting ends at 03:30 EDT, an hour after it starts; on the night they
// fall back, it starts at the first 01:30 (EDT) and ends at 02:30 EST, two
// hours later. The evening meeting is at 19:00 in the new offset. The
// server's clock is near the real date (the next changes after
// testkit.Now), as the server reads the real time elsewhere.
func TestMeetingNextAcrossBothChanges(t *testing.T) {
	ny := testkit.MustZone("America/New_York")
	dir := meetingDir(t, map[string]string{"dc-dst": filepath.Join("testdata", "feeds", "dst.json")})
	first := nextTransition(t, ny, testkit.Now())
	second := nextTransition(t, ny, first.Add(24*time.Hour))
	var springs, falls int
	for _, change := range []time.Time{first, second} {
		if change.Weekday() != time.Sunday {
			t.Fatalf("New York changes its clocks on a %s (%v), not a Sunday", change.Weekday(), change)
		}
		y, m, d := change.Date()
		_, before := time.Date(y, m, d-1, 12, 0, 0, 0, ny).Zone()
		_, after := time.Date(y, m, d, 12, 0, 0, 0, ny).Zone()
		// clock returns the instant New York's clocks show hh:mm on day d
		// (relative to the change) with offset off, in seconds east of UTC.
		clock := func(day, hh, mm, off int) time.Time {
			return time.Date(y, m, d+day, hh, mm, 0, 0, time.UTC).Add(-time.Duration(off) * time.Second).In(ny)
		}
		spring := after > before
		smallStart, smallEnd, length, until := clock(0, 1, 30, before), clock(0, 2, 30, after), 2*time.Hour, "2:30 AM"
		if spring {
			springs++
			smallEnd, length, until = clock(0, 2, 30, before), time.Hour, "3:30 AM"
		} else {
			falls++
		}
		if smallEnd.Sub(smallStart) != length {
			t.Fatalf("%v: the test's own arithmetic: %v-%v", change, smallStart, smallEnd)
		}
		evening := clock(0, 19, 0, after)
		type want struct {
			start, end time.Time
			inProgress bool
			text       string
		}
		type at struct {
			name         string
			at           time.Time
			small, night want
		}
		ats := []at{
			{"Saturday 20:00", clock(-1, 20, 0, before),
				want{smallStart, smallEnd, false, "Tomorrow 1:30 AM"}, want{evening, evening.Add(time.Hour), false, "Tomorrow 7 PM"}},
			{"Sunday, the first 01:45", clock(0, 1, 45, before),
				want{smallStart, smallEnd, true, "In progress · until " + until}, want{evening, evening.Add(time.Hour), false, "Today 7 PM"}},
			{"Sunday 12:00", clock(0, 12, 0, after),
				want{clock(7, 1, 30, after), clock(7, 2, 30, after), false, "Next Sunday 1:30 AM"},
				want{evening, evening.Add(time.Hour), false, "Today 7 PM"}},
			{"Sunday 18:30", clock(0, 18, 30, after),
				want{clock(7, 1, 30, after), clock(7, 2, 30, after), false, "Next Sunday 1:30 AM"},
				want{evening, evening.Add(time.Hour), false, "Today 7 PM, in 30 min"}},
		}
		if !spring {
			// The clocks show 01:45 twice: at the second, an hour after the
			// first, the meeting is still in progress.
			ats = append(ats, at{"Sunday, the second 01:45", clock(0, 1, 45, after),
				want{smallStart, smallEnd, true, "In progress · until " + until}, want{evening, evening.Add(time.Hour), false, "Today 7 PM"}})
		}
		for _, tc := range ats {
			t.Run(change.Format(time.DateOnly)+" "+tc.name, func(t *testing.T) {
				got := nextTimes(t, meetingServer(t, dir, tc.at))
				for id, w := range map[string]want{"dc-dst/sunday-small-hours": tc.small, "dc-dst/sunday-evening": tc.night} {
					g := got[id]
					if g == nil {
						t.Errorf("%s: no next time", id)
						continue
					}
					_, off := g.Start.Zone()
					_, wantOff := w.start.In(ny).Zone()
					if !g.Start.Equal(w.start) || !g.End.Equal(w.end) || g.InProgress != w.inProgress || g.Text != w.text || off != wantOff {
						t.Errorf("%s at %v: next %v-%v (offset %d) in progress %v %q; want %v-%v (offset %d) in progress %v %q",
							id, tc.at, g.Start, g.End, off, g.InProgress, g.Text, w.start, w.end, wantOff, w.inProgress, w.text)
					}
				}
			})
		}
	}
	if springs != 1 || falls != 1 {
		t.Errorf("the next two changes: %d spring forward, %d fall back; want one of each", springs, falls)
	}
}

// nextTimes searches base for meetings and returns each one's next time,
// by id.
func nextTimes(t *testing.T, base string) map[string]*struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	InProgress bool      `json:"in_progress"`
	Text       string    `json:"text"`
} {
	t.Helper()
	got := searchMeetings(t, base, url.Values{"q": {"meeting"}, "lang": {"en"}})
	out := map[string]*struct {
		Start      time.Time `json:"start"`
		End        time.Time `json:"end"`
		InProgress bool      `json:"in_progress"`
		Text       string    `json:"text"`
	}{}
	for _, r := range got.Results {
		out[r.ID] = r.Next
	}
	return out
}
