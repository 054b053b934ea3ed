package meetingguide

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"trellis/internal/directory"
	"trellis/internal/listings"
)

// testSource is the source the tests import feeds as.
const testSource = "springfield-aa"

// newDataDir returns a data directory with settings, a taxonomy and the
// repository's meeting type table, and no meetings.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("directory.yaml", "name: Springfield\ntime_zone: America/Chicago\n")
	write("taxonomy.yaml", "categories:\n  - id: recovery\n    label: {en: Recovery, es: Recuperación}\n")
	for _, f := range []string{"types.json", "proposed-types.json", "LICENSE"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "data", "meetingguide", f))
		if err != nil {
			t.Fatal(err)
		}
		write(filepath.Join("meetingguide", f), string(data))
	}
	return dir
}

// tree returns every file under dir with its contents, by path.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustImport(t *testing.T, dir, feed string) Report {
	t.Helper()
	rep, err := Import(context.Background(), ImportOptions{Feed: feed, Source: testSource, DataDir: dir})
	if err != nil {
		t.Fatalf("Import(%s): %v", feed, err)
	}
	return rep
}

func load(t *testing.T, dir string) *directory.Catalog {
	t.Helper()
	cat, errs, err := listings.Load(os.DirFS(dir), listings.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("the imported data does not load: %v", e)
	}
	if cat == nil {
		t.FailNow()
	}
	return cat
}

// rawFeed reads a test feed as generic JSON, numbers as json.Number.
func rawFeed(t *testing.T, file string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var out []map[string]any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// specFields are the fields of the Meeting Guide specification, and
// attendance_option, which 12 Step Meeting List feeds carry.
var specFields = strings.Fields(`name slug day time end_time timezone formatted_address address city state
	postal_code country region sub_region regions conference_url conference_url_notes conference_phone
	conference_phone_notes types notes location location_notes latitude longitude approximate updated group
	group_notes venmo square paypal homegroup_online url edit_url feedback_emails feedback_url entity
	entity_email entity_location entity_logo entity_phone entity_website_url entity_url attendance_option
	contact_1_name contact_1_email contact_1_phone contact_2_name contact_2_email contact_2_phone
	contact_3_name contact_3_email contact_3_phone`)

// checkMeeting compares every field of the feed's meeting raw with the
// loaded meeting m, independently of the import's conversion. It fails on
// a field it does not know, so that the round trip covers the whole feed.
func checkMeeting(t *testing.T, raw map[string]any, m *directory.Meeting) {
	t.Helper()
	str := func(v any) string { s, _ := v.(string); return s }
	num := func(v any) float64 { f, _ := strconv.ParseFloat(string(v.(json.Number)), 64); return f }
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	clock := func(c directory.Clock) string { return fmt.Sprintf("%02d:%02d", c/60, c%60) }
	contact := func(n int) directory.MeetingContact {
		if n > len(m.Contacts) {
			return directory.MeetingContact{}
		}
		return m.Contacts[n-1]
	}
	for key, v := range raw {
		var got, want any
		switch key {
		case "name":
			got, want = m.Name, str(v)
		case "slug":
			got, want = m.Slug, fmt.Sprint(v)
		case "day":
			var wantSet directory.DaySet
			if list, ok := v.([]any); ok {
				for _, d := range list {
					wantSet |= 1 << int(num(d))
				}
			} else {
				wantSet = 1 << int(num(v))
			}
			got, want = m.Days, wantSet
		case "time":
			got, want = fmt.Sprint(m.HasStart, " ", clock(m.Start)), "true "+str(v)
		case "end_time":
			got, want = fmt.Sprint(m.HasEnd, " ", clock(m.End)), "true "+str(v)
		case "timezone":
			got, want = m.TimeZone.String(), str(v)
		case "types":
			got, want = m.Types, strs(v)
		case "attendance_option":
			got, want = string(m.Attendance), str(v)
		case "location":
			got, want = m.Location, str(v)
		case "location_notes":
			got, want = m.LocationNotes, str(v)
		case "formatted_address":
			got, want = m.FormattedAddress, str(v)
		case "address":
			got, want = m.Address, str(v)
		case "city":
			got, want = m.City, str(v)
		case "state":
			got, want = m.State, str(v)
		case "postal_code":
			got, want = m.PostalCode, str(v)
		case "country":
			got, want = m.Country, str(v)
		case "latitude":
			got, want = fmt.Sprint(m.HasPoint, m.Point.Lat()), fmt.Sprint(true, num(v))
		case "longitude":
			got, want = fmt.Sprint(m.HasPoint, m.Point.Lon()), fmt.Sprint(true, num(v))
		case "approximate":
			got, want = fmt.Sprint(m.Approximate != nil && *m.Approximate), fmt.Sprint(str(v) == "yes")
			if m.Approximate == nil {
				got = "nil"
			}
		case "region":
			got, want = m.Region, str(v)
		case "sub_region":
			got, want = m.SubRegion, str(v)
		case "regions":
			got, want = m.Regions, strs(v)
		case "conference_url":
			got, want = m.ConferenceURL, str(v)
		case "conference_url_notes":
			got, want = m.ConferenceURLNotes, str(v)
		case "conference_phone":
			got, want = m.ConferencePhone, str(v)
		case "conference_phone_notes":
			got, want = m.ConferencePhoneNotes, str(v)
		case "notes":
			got, want = m.Notes, str(v)
		case "group":
			got, want = m.Group, str(v)
		case "group_notes":
			got, want = m.GroupNotes, str(v)
		case "updated":
			got, want = m.Updated.Format(listings.UpdatedLayout)+" "+m.Updated.Location().String(), str(v)+" UTC"
		case "url":
			got, want = m.URL, str(v)
		case "edit_url":
			got, want = m.EditURL, str(v)
		case "feedback_emails":
			got, want = m.FeedbackEmails, strs(v)
		case "feedback_url":
			got, want = m.FeedbackURL, str(v)
		case "venmo":
			got, want = m.Venmo, str(v)
		case "square":
			got, want = m.Square, str(v)
		case "paypal":
			got, want = m.PayPal, str(v)
		case "homegroup_online":
			got, want = m.HomegroupOnline, str(v)
		case "entity":
			got, want = m.Entity.Name, str(v)
		case "entity_email":
			got, want = m.Entity.Email, str(v)
		case "entity_location":
			got, want = m.Entity.Location, str(v)
		case "entity_logo":
			got, want = m.Entity.Logo, str(v)
		case "entity_phone":
			got, want = m.Entity.Phone, str(v)
		case "entity_website_url", "entity_url":
			got, want = m.Entity.WebsiteURL, str(v)
		case "district":
			continue // not in the specification: reported, not kept
		default:
			var n int
			var part string
			if _, err := fmt.Sscanf(key, "contact_%d_%s", &n, &part); err != nil {
				t.Errorf("meeting %v: the test does not check field %q", raw["slug"], key)
				continue
			}
			c := contact(n)
			got = map[string]string{"name": c.Name, "email": c.Email, "phone": c.Phone}[part]
			want = str(v)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("meeting %v, %s: got %#v, want %#v", raw["slug"], key, got, want)
		}
	}
}

// TestImportRoundTrip imports a feed that uses every field and every type
// code of the specification and reads the data back, field by field.
func TestImportRoundTrip(t *testing.T) {
	const feed = "testdata/every-field.json"
	raws := rawFeed(t, feed)

	// The feed is what the test claims: every field, every code.
	used := map[string]bool{}
	codes := map[string]bool{}
	for _, r := range raws {
		for k := range r {
			used[k] = true
		}
		if ts, ok := r["types"].([]any); ok {
			for _, c := range ts {
				codes[c.(string)] = true
			}
		}
	}
	for _, f := range specFields {
		if !used[f] {
			t.Errorf("the every-field feed does not use %q", f)
		}
	}

	dir := newDataDir(t)
	rep := mustImport(t, dir, feed)
	cat := load(t, dir)
	for _, c := range cat.MeetingTypes.Codes() {
		if !codes[c] {
			t.Errorf("the every-field feed does not use type code %q", c)
		}
	}
	if len(cat.Meetings) != len(raws) {
		t.Errorf("loaded %d meetings, the feed has %d", len(cat.Meetings), len(raws))
	}
	for _, r := range raws {
		m := cat.Meeting(directory.MeetingKey(testSource, fmt.Sprint(r["slug"])))
		if m == nil {
			t.Errorf("meeting %v was not imported", r["slug"])
			continue
		}
		checkMeeting(t, r, m)
	}

	if rep.Read != len(raws) || rep.Imported != len(raws) || len(rep.Added) != len(raws) ||
		len(rep.Changed)+len(rep.Removed)+rep.Unchanged != 0 {
		t.Errorf("report: read %d, imported %d, added %d, changed %d, removed %d, unchanged %d; want all %d added",
			rep.Read, rep.Imported, len(rep.Added), len(rep.Changed), len(rep.Removed), rep.Unchanged, len(raws))
	}
	if d := rep.UnknownFields["district"]; d == nil || d.Count != 2 || len(rep.UnknownFields) != 1 {
		t.Errorf("unknown fields = %v, want district in 2 meetings", rep.UnknownFields)
	}
	if len(rep.UnknownTypes) != 0 {
		t.Errorf("unknown types = %v, want none", rep.UnknownTypes)
	}
	wantFiles := []string{"meetings/springfield-aa/chicago.yaml", "meetings/springfield-aa/decatur.yaml", "meetings/springfield-aa/springfield.yaml"}
	if !slices.Equal(rep.FilesNew, wantFiles) {
		t.Errorf("new files = %q, want %q", rep.FilesNew, wantFiles)
	}

	// The files are the reviewable kind: one entity for the file, short
	// lists on a line, a header, and the schema they follow.
	data, err := os.ReadFile(filepath.Join(dir, "meetings", testSource, "springfield.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# yaml-language-server: $schema=../../schema/meeting.schema.json\n",
		"  - slug: sunday-serenity-14\n", "    days: [sun]\n",
		`    time: "18:00"` + "\n", "    types: [O, T, LGBTQ]\n", "    approximate: false\n",
		"source: springfield-aa\nentity:\n  name: Springfield Intergroup\n",
		"    entity:\n      name: District 9\n      website_url: https://district9.example.org/\n",
	} {
		if !strings.Contains(string(data), want) {
			t.Errorf("springfield.yaml lacks %q:\n%s", want, data)
		}
	}
	decatur, _ := os.ReadFile(filepath.Join(dir, "meetings", testSource, "decatur.yaml"))
	if !strings.Contains(string(decatur), "source: springfield-aa\nentity:\n  name: Springfield Intergroup\n") ||
		strings.Count(string(decatur), "Springfield Intergroup") != 1 {
		t.Errorf("decatur.yaml, whose meetings share one entity, does not give it once for the file:\n%s", decatur)
	}

	// Importing the same feed again changes nothing.
	before := tree(t, dir)
	again := mustImport(t, dir, feed)
	if again.Unchanged != len(raws) || len(again.Added)+len(again.Changed)+len(again.Removed) != 0 ||
		len(again.FilesUnchanged) != 3 || len(again.FilesNew)+len(again.FilesUpdated)+len(again.FilesRemoved) != 0 {
		t.Errorf("re-importing the same feed: %+v", again)
	}
	if after := tree(t, dir); !maps.Equal(before, after) {
		t.Error("re-importing the same feed changed the data tree")
	}
}

// TestReimport imports a feed, then a changed copy: one meeting added, two
// changed (one of them moved to another area's file), two removed.
func TestReimport(t *testing.T) {
	dir := newDataDir(t)
	mustImport(t, dir, "testdata/every-field.json")
	rep := mustImport(t, dir, "testdata/every-field-changed.json")

	slugs := func(cs []Change) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Slug)
		}
		sort.Strings(out)
		return out
	}
	if got := slugs(rep.Added); !slices.Equal(got, []string{"early-birds"}) {
		t.Errorf("added = %q", got)
	}
	if got := slugs(rep.Removed); !slices.Equal(got, []string{"42", "types-sampler-7"}) {
		t.Errorf("removed = %q", got)
	}
	changed := map[string]Change{}
	for _, c := range rep.Changed {
		changed[c.Slug] = c
	}
	if c := changed["sunday-serenity-14"]; !slices.Equal(c.Fields, []string{"time", "notes"}) || c.From != "" {
		t.Errorf("sunday-serenity-14 change = %+v, want time and notes", c)
	}
	if c := changed["night-owls"]; !slices.Equal(c.Fields, []string{"regions"}) ||
		c.From != "meetings/springfield-aa/springfield.yaml" || c.File != "meetings/springfield-aa/decatur.yaml" {
		t.Errorf("night-owls change = %+v, want regions, moved from springfield.yaml to decatur.yaml", c)
	}
	if len(changed) != 2 || rep.Unchanged != 8 {
		t.Errorf("changed %d, unchanged %d; want 2 and 8", len(changed), rep.Unchanged)
	}
	if !slices.Equal(rep.FilesRemoved, []string{"meetings/springfield-aa/chicago.yaml"}) ||
		len(rep.FilesUpdated) != 2 || len(rep.FilesNew) != 0 {
		t.Errorf("files: new %q, updated %q, removed %q", rep.FilesNew, rep.FilesUpdated, rep.FilesRemoved)
	}
	if z := rep.UnknownTypes["ZZ"]; z == nil || z.Count != 1 || z.Samples[0] != "early-birds" {
		t.Errorf("unknown types = %v, want ZZ in early-birds", rep.UnknownTypes)
	}

	// The data now holds exactly the changed feed's meetings.
	cat := load(t, dir)
	raws := rawFeed(t, "testdata/every-field-changed.json")
	if len(cat.Meetings) != len(raws) {
		t.Errorf("loaded %d meetings, the feed has %d", len(cat.Meetings), len(raws))
	}
	for _, r := range raws {
		m := cat.Meeting(directory.MeetingKey(testSource, fmt.Sprint(r["slug"])))
		if m == nil {
			t.Errorf("meeting %v missing", r["slug"])
			continue
		}
		checkMeeting(t, r, m)
	}
	if _, err := os.Stat(filepath.Join(dir, "meetings", testSource, "chicago.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("chicago.yaml, whose only meeting left the feed, is still there (%v)", err)
	}

	// The meetings kept their places in springfield.yaml; the new one
	// comes after them.
	data, _ := os.ReadFile(filepath.Join(dir, "meetings", testSource, "springfield.yaml"))
	order := []string{"slug: sunday-serenity-14", "slug: by-appointment", "slug: early-birds"}
	last := -1
	for _, s := range order {
		i := strings.Index(string(data), s)
		if i < last {
			t.Errorf("springfield.yaml is not in the order %q:\n%s", order, data)
			break
		}
		last = i
	}

	var out bytes.Buffer
	if err := rep.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"added:     1\n  + early-birds \"Early Birds\" in meetings/springfield-aa/springfield.yaml\n",
		"  ~ sunday-serenity-14 \"Sunday Serenity\": time, notes\n",
		"  ~ night-owls \"Night Owls\": regions; moved from meetings/springfield-aa/springfield.yaml to meetings/springfield-aa/decatur.yaml\n",
		"removed:   2 (no longer in the feed)\n  - 42 \"Weekday Noon\" from meetings/springfield-aa/chicago.yaml\n",
		"files:     0 new, 2 updated, 0 unchanged, 1 removed\n",
		"type codes not in the specification (kept; trellis validate warns):\n  ZZ: 1 meeting (early-birds)\n",
		"fields not in the specification (not kept):\n  district: 1 meeting (sunday-serenity-14)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestDryRun(t *testing.T) {
	dir := newDataDir(t)
	mustImport(t, dir, "testdata/every-field.json")
	before := tree(t, dir)
	rep, err := Import(context.Background(), ImportOptions{Feed: "testdata/every-field-changed.json", Source: testSource, DataDir: dir, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Added) != 1 || len(rep.Removed) != 2 || len(rep.Changed) != 2 || !rep.DryRun {
		t.Errorf("dry run report: added %d, removed %d, changed %d", len(rep.Added), len(rep.Removed), len(rep.Changed))
	}
	if !maps.Equal(before, tree(t, dir)) {
		t.Error("a dry run changed the data tree")
	}
}

// bigFeed writes a valid feed of at least size bytes to w.
func bigFeed(w interface{ Write([]byte) (int, error) }, size int) {
	w.Write([]byte("[\n"))
	n := 2
	for i := 0; n < size; i++ {
		line := fmt.Sprintf(`  {"name": "Meeting %d", "slug": "m-%d", "day": %d, "time": "19:00", "notes": "%s"},`+"\n", i, i, i%7, strings.Repeat("x", 900))
		w.Write([]byte(line))
		n += len(line)
	}
	w.Write([]byte(`  {"name": "Last", "slug": "last"}` + "\n]\n"))
}

// TestRefusedFeeds: a feed that is not JSON, has values of the wrong type,
// is too big or too slow is refused with a clear message, and the data
// tree, which holds an earlier import, is unchanged byte for byte.
func TestRefusedFeeds(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	bigFeed(f, 50<<20)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/big", func(w http.ResponseWriter, r *http.Request) { bigFeed(w, 50<<20) })
	mux.HandleFunc("/big-declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(50<<20))
		w.Write([]byte("["))
	})
	mux.HandleFunc("/stalls-before-answering", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/stalls-mid-feed", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`[{"name": "Sunday Serenity", "slug": "a", `))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.HandleFunc("/missing", http.NotFound)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)

	tests := []struct {
		name string
		feed string
		want []string // in the error, in order
	}{
		{name: "not JSON", feed: "testdata/not-json.txt", want: []string{"refused, nothing written", "testdata/not-json.txt:1:1: the feed is not JSON: 'M' where a value should be"}},
		{name: "an HTML page", feed: "testdata/page.html", want: []string{"the feed is HTML or XML, not JSON"}},
		{name: "cut short", feed: "testdata/truncated.json", want: []string{"the feed is not JSON: it ends before its lists and objects are closed (was it cut short?)"}},
		{name: "an object, not a list", feed: "testdata/object.json", want: []string{"the feed is JSON an object, not a list of meetings"}},
		{name: "no meetings", feed: "testdata/empty.json", want: []string{"the feed lists no meetings"}},
		{name: "wrong types and bad values", feed: "testdata/wrong-types.json", want: []string{
			"refused, nothing written: 19 problems",
			`:3:12: meeting 2: "name" must be a string, not the number 12`,
			`:3:24: meeting 2: "slug" must be a string or a whole number, not true`,
			`:3:37: meeting 2: "day" must be a whole number from 0 (Sunday) to 6 (Saturday) or a list of them, not the string "Monday"`,
			`:3:55: meeting 2: "time" must be a string, not the number 1900`,
			`:4:13: meeting 2: "types" must be a list of strings, not the string "O"`,
			`:4:30: meeting 2: "latitude" must be a number, not the string "39.8"`,
			`:5:19: meeting 2: "approximate" must be "yes" or "no", not the string "maybe"`,
			`:5:46: meeting 2: "conference_url" must be a string, not the number 5`,
			`:5:68: meeting 2: "feedback_emails" must be a list of strings, not the string "a@example.org"`,
			`:6:55: meeting 3 (slug "bad-values"): "day" must be a whole number from 0 (Sunday) to 6 (Saturday) or a list of them, not the number 7`,
			`:6:71: meeting 3 (slug "bad-values"): "time": "7pm" is not a time`,
			`meeting 3 (slug "bad-values"): "end_time": "25:00" is not a time of day`,
			`meeting 3 (slug "bad-values"): "timezone": "America/Springfield" is not an IANA time zone`,
			`meeting 3 (slug "bad-values"): "attendance_option": "in-person" is not an attendance option`,
			`meeting 3 (slug "bad-values"): "conference_url": "zoom.us/j/1" is not a web address`,
			`meeting 3 (slug "bad-values"): "updated": "yesterday" is not a timestamp`,
			`meeting 3 (slug "bad-values"): "contact_1_email": "bob at example" is not an email address`,
			`:9:3: meeting 4: a meeting must be a JSON object, not the string "a meeting"`,
			`:10:3: meeting 5 (slug "fine"): slug "fine" is also meeting 1's: a slug is unique in a feed`,
		}},
		{name: "a slug twice", feed: "testdata/dup-slug.json", want: []string{`meeting 2 (slug "same"): slug "same" is also meeting 1's`}},
		{name: "a 50 MB file", feed: big, want: []string{"is 50.0 MiB; the limit is 20 MiB (--max-size sets it)"}},
		{name: "a 50 MB URL", feed: srv.URL + "/big", want: []string{"is larger than the limit of 20 MiB (--max-size sets it)"}},
		{name: "a URL that declares 50 MB", feed: srv.URL + "/big-declared", want: []string{"is 50 MiB; the limit is 20 MiB"}},
		{name: "a URL that does not answer", feed: srv.URL + "/stalls-before-answering", want: []string{"did not arrive whole within 300ms: the server is too slow or stalled (--timeout sets the limit)"}},
		{name: "a URL that stalls mid-feed", feed: srv.URL + "/stalls-mid-feed", want: []string{"did not arrive whole within 300ms"}},
		{name: "a URL that is not found", feed: srv.URL + "/missing", want: []string{"answered 404 Not Found: expected 200 OK with the feed"}},
		{name: "not http", feed: "ftp://127.0.0.1/feed.json", want: []string{"only http and https URLs can be fetched"}},
		{name: "no such file", feed: "testdata/no-such-feed.json", want: []string{"no such file or directory"}},
	}
	dir := newDataDir(t)
	mustImport(t, dir, "testdata/every-field.json")
	before := tree(t, dir)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The stalling servers are cut off after 300 ms; the others get
			// time enough to send 20 MiB on a busy machine, so that what
			// refuses them is what the case is about, not the clock.
			timeout := time.Minute
			if strings.Contains(tt.feed, "/stalls-") {
				timeout = 300 * time.Millisecond
			}
			_, err := Import(context.Background(), ImportOptions{Feed: tt.feed, Source: testSource, DataDir: dir,
				Fetch: FetchOptions{Timeout: timeout}})
			if err == nil {
				t.Fatal("the feed was imported")
			}
			msg, at := err.Error(), 0
			for _, w := range tt.want {
				i := strings.Index(msg[at:], w)
				if i < 0 {
					t.Errorf("error lacks %q (in order):\n%s", w, msg)
					break
				}
				at += i + len(w)
			}
			if after := tree(t, dir); !maps.Equal(before, after) {
				t.Error("the refused feed changed the data tree")
			}
		})
	}
}

// TestSkipInvalid imports the good meetings of a feed with bad ones and
// reports the others.
func TestSkipInvalid(t *testing.T) {
	dir := newDataDir(t)
	rep, err := Import(context.Background(), ImportOptions{Feed: "testdata/wrong-types.json", Source: testSource, DataDir: dir, SkipInvalid: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Read != 5 || rep.Imported != 1 || rep.SkippedMeetings != 4 || len(rep.Skipped) != 19 {
		t.Errorf("read %d, imported %d, skipped %d meetings with %d problems; want 5, 1, 4, 19", rep.Read, rep.Imported, rep.SkippedMeetings, len(rep.Skipped))
	}
	cat := load(t, dir)
	if len(cat.Meetings) != 1 || cat.Meetings[0].Slug != "fine" {
		t.Errorf("meetings = %v, want only the good one", cat.Meetings)
	}
}

// TestImportGuardsTheTree: the import refuses to run over meeting files of
// the source it could lose meetings from, and leaves them as they are.
func TestImportGuardsTheTree(t *testing.T) {
	tests := []struct {
		name string
		file string
		data string
		want string
	}{
		{name: "a file of the source with errors", file: "meetings/springfield-aa/extra.yaml",
			data: "source: springfield-aa\nmeetings:\n  - slug: x\n    name: X\n    time: 7pm\n",
			want: `has errors, first meetings/springfield-aa/extra.yaml:5:11: "7pm" is not a time`},
		{name: "a file of the source elsewhere", file: "meetings/moved/here.yaml",
			data: "source: springfield-aa\nmeetings:\n  - slug: x\n    name: X\n",
			want: `holds meetings of source "springfield-aa" outside meetings/springfield-aa/`},
		{name: "another source's file in the source's directory", file: "meetings/springfield-aa/other.yaml",
			data: "source: hand-kept\nmeetings:\n  - slug: x\n    name: X\n",
			want: `is in the directory of source "springfield-aa" but is not its file (source "hand-kept")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newDataDir(t)
			p := filepath.Join(dir, filepath.FromSlash(tt.file))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(tt.data), 0o644); err != nil {
				t.Fatal(err)
			}
			before := tree(t, dir)
			_, err := Import(context.Background(), ImportOptions{Feed: "testdata/every-field.json", Source: testSource, DataDir: dir})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
			if !maps.Equal(before, tree(t, dir)) {
				t.Error("the data tree changed")
			}
		})
	}

	// Another source's meetings are left alone.
	dir := newDataDir(t)
	other := filepath.Join(dir, "meetings", "hand-kept", "local.yaml")
	os.MkdirAll(filepath.Dir(other), 0o755)
	data := "source: hand-kept\nmeetings:\n  - slug: sunday-serenity-14\n    name: Ours\n    days: [tue]\n    time: \"07:00\"\n    address: 5 Oak Ave\n"
	if err := os.WriteFile(other, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	mustImport(t, dir, "testdata/every-field.json")
	if got, _ := os.ReadFile(other); string(got) != data {
		t.Error("the import changed another source's file")
	}
	if cat := load(t, dir); cat.Meeting("hand-kept/sunday-serenity-14") == nil || cat.Meeting(testSource+"/sunday-serenity-14") == nil {
		t.Error("the same slug in two sources is not two meetings")
	}
}

func TestDefaultSource(t *testing.T) {
	tests := []struct{ feed, want string }{
		{"https://www.aa-springfield.example.org/wp-admin/admin-ajax.php?action=meetings", "aa-springfield-example-org"},
		{"http://127.0.0.1:8080/feed", "127-0-0-1"},
		{"/tmp/feeds/Springfield AA.json", "springfield-aa"},
		{"meetings.json", "meetings"},
	}
	for _, tt := range tests {
		t.Run(tt.feed, func(t *testing.T) {
			if got := DefaultSource(tt.feed); got != tt.want {
				t.Errorf("DefaultSource(%q) = %q, want %q", tt.feed, got, tt.want)
			}
		})
	}
}

func TestArea(t *testing.T) {
	tests := []struct {
		name string
		m    listings.Meeting
		want string
	}{
		{name: "city", m: listings.Meeting{City: "St. Louis", Regions: []string{"Missouri"}}, want: "st-louis"},
		{name: "first region", m: listings.Meeting{Regions: []string{"Wicker Park", "North"}, Region: "x"}, want: "wicker-park"},
		{name: "region", m: listings.Meeting{Region: "Downtown"}, want: "downtown"},
		{name: "formatted address", m: listings.Meeting{FormattedAddress: "4953 W Addison St, Chicago, IL 60641, USA"}, want: "chicago"},
		{name: "approximate address", m: listings.Meeting{FormattedAddress: "Chicago, IL, USA"}, want: "chicago"},
		{name: "no place", m: listings.Meeting{FormattedAddress: "Online"}, want: "other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := area(&tt.m); got != tt.want {
				t.Errorf("area = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMembers: the scanner finds items and keys past strings holding
// brackets, commas and escaped quotes, and nested values.
func TestMembers(t *testing.T) {
	data := []byte(` [ {"a": "x,]}\"{", "b\"q" : {"c": [1, {"d": 2}]}, "e":3 } , [] ,"s\\",  null ]`)
	top := members(data, 1)
	var items []string
	for _, m := range top {
		items = append(items, string(data[m.start:m.end]))
	}
	want := []string{`{"a": "x,]}\"{", "b\"q" : {"c": [1, {"d": 2}]}, "e":3 }`, `[]`, `"s\\"`, `null`}
	if !slices.Equal(items, want) {
		t.Fatalf("items = %q, want %q", items, want)
	}
	obj := []byte(want[0])
	var kv []string
	for _, m := range members(obj, 0) {
		kv = append(kv, unquote(obj[m.keyStart:m.keyEnd])+"="+string(obj[m.start:m.end]))
	}
	wantKV := []string{`a="x,]}\"{"`, `b"q={"c": [1, {"d": 2}]}`, `e=3`}
	if !slices.Equal(kv, wantKV) {
		t.Errorf("keys and values = %q, want %q", kv, wantKV)
	}
	if got := members([]byte(`[ ]`), 0); len(got) != 0 {
		t.Errorf("an empty list has %d items", len(got))
	}
}

// TestNotJSONMessages: a feed that is not JSON is refused with what broke
// the syntax in plain words (not encoding/json's own text) at its line
// and column, and as a whole: --skip-invalid cannot help.
func TestNotJSONMessages(t *testing.T) {
	for _, tc := range []struct {
		name, feed, want string
	}{
		{"text", "Meetings: Sunday 6pm\n", "1:1: the feed is not JSON: 'M' where a value should be (a string in double quotes, a number, true, false, null, a list or an object)"},
		{"a comma after the last meeting", "[\n  {\"name\": \"A\"},\n]\n", "3:1: the feed is not JSON: a comma before ']': JSON allows none after the last item"},
		{"a comma after the last key", "[{\"name\": \"A\",\n  }]", "2:3: the feed is not JSON: a comma before '}': JSON allows none after the last item"},
		{"single quotes", "[{'name': 'A'}]", "1:3: the feed is not JSON: a single quote: JSON takes double quotes (\") around strings and keys"},
		{"curly quotes", "[{\"name\": \u201cA\u201d}]", "1:11: the feed is not JSON: '\u201c': JSON takes straight double quotes (\") around strings and keys"},
		{"a missing comma", "[{\"name\": \"A\"\n  \"slug\": \"a\"}]", "2:3: the feed is not JSON: '\"' after a value in an object, where a comma or } should be"},
		{"a missing colon", "[{\"name\" \"A\"}]", "1:10: the feed is not JSON: '\"' after a key, where a colon should be"},
		{"a missing comma between meetings", "[{\"name\": \"A\"} {\"name\": \"B\"}]", "1:16: the feed is not JSON: '{' after an item of a list, where a comma or ] should be"},
		{"a key without quotes", "[{name: \"A\"}]", "1:3: the feed is not JSON: 'n' where a key in double quotes should be"},
		{"a word without quotes", "[{\"day\": tuesday}]", "1:10: the feed is not JSON: the word tuesday: JSON's only words are true, false and null (is it a string without its double quotes?)"},
		{"a line break in a string", "[{\"notes\": \"a\nb\"}]", "1:14: the feed is not JSON: a line break inside a string: write a line break as \\n and a tab as \\t"},
		{"a bad escape", "[{\"notes\": \"C:\\x\"}]", "1:16: the feed is not JSON: 'x' in an escape inside a string"},
		{"two lists", "[]\n[]", "2:1: the feed is not JSON: '[' after the end of the list: a feed is one list of meetings"},
		{"cut short", "[{\"name\": \"A\"", "1:13: the feed is not JSON: it ends before its lists and objects are closed (was it cut short?)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := Parse([]byte(tc.feed), nil)
			if len(f.Problems) != 1 {
				t.Fatalf("problems %v", f.Problems)
			}
			if got := f.Problems[0].String(); !strings.HasPrefix(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
			if strings.Contains(f.Problems[0].Msg, "invalid character") || strings.Contains(f.Problems[0].Msg, "looking for") {
				t.Errorf("encoding/json's own words: %s", f.Problems[0].Msg)
			}
		})
	}
	dir := t.TempDir()
	feed := filepath.Join(dir, "feed.json")
	if err := os.WriteFile(feed, []byte("[{\"name\": \"A\"},]"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Import(context.Background(), ImportOptions{Feed: feed, Source: testSource, DataDir: newDataDir(t)})
	var fe *FeedError
	if !errors.As(err, &fe) || fe.Skippable {
		t.Errorf("err %v: want a FeedError that --skip-invalid cannot help", err)
	}
}
