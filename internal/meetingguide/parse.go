package meetingguide

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"trellis/internal/directory"
	"trellis/internal/listings"
)

// Problem is a mistake in a feed, at a place in it.
type Problem struct {
	// Line and Col are 1-based; 0 when the problem is the feed's as a
	// whole (too big, not JSON at all).
	Line, Col int
	// Meeting is the meeting's 1-based position in the feed, 0 for the
	// feed as a whole; Slug is its slug when it has one.
	Meeting int
	Slug    string
	Msg     string
}

// String returns "line:col: meeting N (slug "s"): message".
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", p.Line, p.Col)
	}
	if p.Meeting > 0 {
		fmt.Fprintf(&b, "meeting %d", p.Meeting)
		if p.Slug != "" {
			fmt.Fprintf(&b, " (slug %q)", p.Slug)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// FeedError refuses a feed, with every problem found in it.
type FeedError struct {
	Feed     string
	Problems []Problem
	// Skippable is true when every problem is a meeting's and some
	// meetings have none: ImportOptions.SkipInvalid would import those.
	// It is false for a feed refused as a whole (not JSON, not a list)
	// and for one none of whose meetings can be imported.
	Skippable bool
}

// maxShown is how many problems a FeedError's message lists.
const maxShown = 40

// Error lists the problems, one per line as feed:line:col: ..., at most
// maxShown of them.
func (e *FeedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "feed %s refused, nothing written: %d %s", e.Feed, len(e.Problems), plural(len(e.Problems), "problem", "problems"))
	for i, p := range e.Problems {
		if i == maxShown {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Problems)-maxShown)
			break
		}
		b.WriteString("\n  " + e.Feed + ":" + p.String())
	}
	return b.String()
}

// Entry is one meeting read from a feed.
type Entry struct {
	// Index is the meeting's 1-based position in the feed; Line and Col
	// are where it starts.
	Index     int
	Line, Col int
	// Meeting is the meeting in the meeting file format, its entity its
	// own (Import hoists an entity all of a file's meetings share).
	Meeting listings.Meeting
	// Area is the slug of the area file the meeting belongs in: its city,
	// else its first region, else the city of its formatted address, else
	// "other".
	Area string
	// Problems are the mistakes in the meeting; it is not imported with
	// any.
	Problems []Problem
}

// Tally counts the meetings that share something, with a few of their
// slugs as examples.
type Tally struct {
	Count   int
	Samples []string
}

// maxSamples is how many slugs a Tally keeps.
const maxSamples = 5

func (t *Tally) add(slug string) {
	t.Count++
	if len(t.Samples) < maxSamples && slug != "" {
		t.Samples = append(t.Samples, slug)
	}
}

// Feed is a parsed feed.
type Feed struct {
	Entries []Entry
	// UnknownFields are fields the specification does not define, which
	// are not kept, by name.
	UnknownFields map[string]*Tally
	// UnknownTypes are type codes the table does not know, which are
	// kept, by code.
	UnknownTypes map[string]*Tally
	// Problems are the feed's problems as a whole and those of its
	// meetings, in feed order.
	Problems []Problem
}

// The fields of a Meeting Guide meeting. attendance_option comes from the
// 12 Step Meeting List plugin, which most feeds are written by; entity_url
// is the specification's example's name for entity_website_url.
var knownFields = map[string]bool{}

func init() {
	for _, f := range strings.Fields(`name slug day time end_time timezone formatted_address address city
		state postal_code country region sub_region regions conference_url conference_url_notes
		conference_phone conference_phone_notes types notes location location_notes latitude
		longitude approximate updated group group_notes venmo square paypal homegroup_online url
		edit_url feedback_emails feedback_url entity entity_email entity_location entity_logo
		entity_phone entity_website_url entity_url attendance_option`) {
		knownFields[f] = true
	}
	for i := 1; i <= listings.MaxMeetingContacts; i++ {
		for _, s := range []string{"name", "email", "phone"} {
			knownFields[fmt.Sprintf("contact_%d_%s", i, s)] = true
		}
	}
}

// Parse reads a Meeting Guide feed, a JSON list of meetings, and converts
// each meeting to the meeting file format, checking every value. types is
// the type table; codes it does not know are kept and tallied. Problems of
// the feed as a whole (not UTF-8, not JSON, not a list) and of each meeting
// are in the Feed's Problems, in feed order; a feed with any cannot be
// imported whole.
func Parse(data []byte, types *directory.MeetingTypes) *Feed {
	f := &Feed{UnknownFields: map[string]*Tally{}, UnknownTypes: map[string]*Tally{}}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	lines := lineStarts(data)
	whole := func(msg string, args ...any) *Feed {
		f.Problems = append(f.Problems, Problem{Msg: fmt.Sprintf(msg, args...)})
		return f
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return whole("the feed is empty: expected a JSON list of meetings")
	case !utf8.Valid(data):
		return whole("the feed is not UTF-8 text")
	case trimmed[0] == '<':
		return whole("the feed is HTML or XML, not JSON: is this the address of the feed, or of a web page about it?")
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// The offset is just past the byte that broke the syntax.
			off, msg := syntaxMessage(data, max(0, int(se.Offset)-1), se)
			line, col := lines.at(off)
			f.Problems = append(f.Problems, Problem{Line: line, Col: col, Msg: "the feed is not JSON: " + msg})
			return f
		}
		return whole("the feed is not JSON: %v", err)
	}
	if trimmed[0] != '[' {
		return whole("the feed is JSON %s, not a list of meetings", kindOf(trimmed))
	}
	seen := map[string]int{} // slug to index
	top := members(data, bytes.IndexByte(data, '['))
	for n, item := range top {
		i, raw, start := n+1, json.RawMessage(data[item.start:item.end]), item.start
		e := readMeeting(raw, start, i, lines, types, f)
		if e.Meeting.Slug != "" && len(e.Problems) == 0 {
			if first, dup := seen[e.Meeting.Slug]; dup {
				e.Problems = append(e.Problems, Problem{Line: e.Line, Col: e.Col, Meeting: i, Slug: e.Meeting.Slug,
					Msg: fmt.Sprintf("slug %q is also meeting %d's: a slug is unique in a feed", e.Meeting.Slug, first)})
			} else {
				seen[e.Meeting.Slug] = i
			}
		}
		f.Problems = append(f.Problems, e.Problems...)
		f.Entries = append(f.Entries, e)
	}
	if len(f.Entries) == 0 && len(f.Problems) == 0 {
		return whole("the feed lists no meetings: nothing to import (to remove a source's meetings, delete its directory under data/meetings)")
	}
	return f
}

// syntaxMessage says in plain words what broke the JSON syntax at offset
// off of data, from the kind of mistake encoding/json's error names
// ("invalid character 'x' after object key") and the text around it:
// people fixing a feed by hand most often leave a comma after the last
// item, use single or curly quotes, leave a string unquoted or cut the
// file short. It returns the offset to show it at (the start of an
// unquoted word, else off), which Problem gives as a line and column.
func syntaxMessage(data []byte, off int, se *json.SyntaxError) (int, string) {
	goMsg := se.Error()
	if int(se.Offset) >= len(data) && strings.Contains(goMsg, "end of JSON input") {
		return off, "it ends before its lists and objects are closed (was it cut short?)"
	}
	if off >= len(data) {
		return off, "it ends where more is expected (was it cut short?)"
	}
	if strings.Contains(goMsg, "in literal") {
		// A word that starts like true, false or null: show all of it.
		isWord := func(b byte) bool {
			return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
		}
		start, end := off, off
		for start > 0 && isWord(data[start-1]) {
			start--
		}
		for end < len(data) && isWord(data[end]) && end-start < 40 {
			end++
		}
		return start, fmt.Sprintf("the word %s: JSON's only words are true, false and null (is it a string without its double quotes?)", data[start:end])
	}
	r, _ := utf8.DecodeRune(data[off:])
	ch := describeChar(r)
	prev := bytes.TrimRight(data[:off], " \t\r\n")
	afterComma := len(prev) > 0 && prev[len(prev)-1] == ','
	switch {
	case r == '\u201c' || r == '\u201d' || r == '\u2018' || r == '\u2019':
		return off, ch + ": JSON takes straight double quotes (\") around strings and keys"
	case r == '\'' && !strings.Contains(goMsg, "in string"):
		return off, "a single quote: JSON takes double quotes (\") around strings and keys"
	case (r == ']' || r == '}') && afterComma && strings.Contains(goMsg, "looking for beginning"):
		return off, fmt.Sprintf("a comma before %s: JSON allows none after the last item", ch)
	case strings.Contains(goMsg, "looking for beginning of object key"):
		return off, ch + " where a key in double quotes should be"
	case strings.Contains(goMsg, "looking for beginning of value"):
		return off, ch + " where a value should be (a string in double quotes, a number, true, false, null, a list or an object)"
	case strings.Contains(goMsg, "after object key:value pair"):
		return off, ch + " after a value in an object, where a comma or } should be"
	case strings.Contains(goMsg, "after object key"):
		return off, ch + " after a key, where a colon should be"
	case strings.Contains(goMsg, "after array element"):
		return off, ch + " after an item of a list, where a comma or ] should be"
	case strings.Contains(goMsg, "after top-level value"):
		return off, ch + " after the end of the list: a feed is one list of meetings"
	case strings.Contains(goMsg, "escape"):
		return off, ch + ` in an escape inside a string: JSON's escapes are \" \\ \/ \b \f \n \r \t and \uXXXX (write \\ for a backslash)`
	case strings.Contains(goMsg, "in string literal"):
		return off, ch + ` inside a string: write a line break as \n and a tab as \t`
	case strings.Contains(goMsg, "numeric literal"):
		return off, ch + " in a number"
	}
	return off, "unexpected " + ch
}

// describeChar names a character for syntaxMessage: 'x', or its name
// when it does not show.
func describeChar(r rune) string {
	switch {
	case r == '\n':
		return "a line break"
	case r == '\r':
		return "a carriage return"
	case r == '\t':
		return "a tab"
	case r == utf8.RuneError:
		return "a byte that is not text"
	case r < ' ' || r == 0x7f || r == 0xa0 || r == 0xfeff:
		return fmt.Sprintf("the invisible character U+%04X", r)
	}
	return "'" + string(r) + "'"
}

// lineIndex holds the offsets at which the feed's lines start.
type lineIndex []int

func lineStarts(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, b := range data {
		if b == '\n' {
			idx = append(idx, i+1)
		}
	}
	return idx
}

// at returns the 1-based line and column (in bytes) of offset off.
func (l lineIndex) at(off int) (int, int) {
	i := sort.Search(len(l), func(i int) bool { return l[i] > off }) - 1
	if i < 0 {
		return 1, off + 1
	}
	return i + 1, off - l[i] + 1
}

// kindOf names the kind of a JSON value for messages.
func kindOf(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		v := string(raw)
		if len(v) > 40 {
			v = v[:37] + `..."`
		}
		return "the string " + v
	case 't', 'f':
		return string(raw)
	case 'n':
		return "null"
	}
	return "the number " + string(raw)
}

// field is one key of a meeting object: its raw value and where it starts.
type field struct {
	raw json.RawMessage
	off int
}

// meetingReader converts one meeting object and collects its problems.
type meetingReader struct {
	e      *Entry
	fields map[string]field
	lines  lineIndex
}

func (r *meetingReader) problem(off int, format string, args ...any) {
	line, col := r.lines.at(off)
	r.e.Problems = append(r.e.Problems, Problem{Line: line, Col: col, Meeting: r.e.Index, Slug: r.e.Meeting.Slug, Msg: fmt.Sprintf(format, args...)})
}

// get returns the field key when it is given and not null.
func (r *meetingReader) get(key string) (field, bool) {
	f, ok := r.fields[key]
	if !ok || string(f.raw) == "null" {
		return field{}, false
	}
	return f, true
}

// str returns the string field key, "" when it is absent, null or empty.
func (r *meetingReader) str(key string) string {
	f, ok := r.get(key)
	if !ok {
		return ""
	}
	if f.raw[0] != '"' {
		r.problem(f.off, "%q must be a string, not %s", key, kindOf(f.raw))
		return ""
	}
	return unquote(f.raw)
}

// checked returns the string field key after checking it with check.
func (r *meetingReader) checked(key string, check func(string) error) string {
	s := r.str(key)
	if s == "" {
		return ""
	}
	if err := check(s); err != nil {
		r.problem(r.fields[key].off, "%q: %v", key, err)
		return ""
	}
	return s
}

// strings returns the field key, a list of strings, without empty items.
func (r *meetingReader) strings(key string, check func(string) error) []string {
	f, ok := r.get(key)
	if !ok {
		return nil
	}
	var raws []json.RawMessage
	if f.raw[0] != '[' || json.Unmarshal(f.raw, &raws) != nil {
		r.problem(f.off, "%q must be a list of strings, not %s", key, kindOf(f.raw))
		return nil
	}
	var out []string
	for _, item := range raws {
		var s string
		if len(item) == 0 || item[0] != '"' || json.Unmarshal(item, &s) != nil {
			r.problem(f.off, "each item of %q must be a string, not %s", key, kindOf(item))
			continue
		}
		if strings.TrimSpace(s) == "" || slices.Contains(out, s) {
			continue // an empty or repeated item says nothing
		}
		if check != nil {
			if err := check(s); err != nil {
				r.problem(f.off, "%q: %v", key, err)
				continue
			}
		}
		out = append(out, s)
	}
	return out
}

// number returns the numeric field key.
func (r *meetingReader) number(key string) (*float64, bool) {
	f, ok := r.get(key)
	if !ok {
		return nil, true
	}
	v, err := strconv.ParseFloat(string(f.raw), 64)
	if c := f.raw[0]; err != nil || !(c == '-' || c >= '0' && c <= '9') {
		r.problem(f.off, "%q must be a number, not %s", key, kindOf(f.raw))
		return nil, false
	}
	return &v, true
}

// readMeeting converts the meeting object raw, which starts at offset base
// of the feed.
func readMeeting(raw json.RawMessage, base, index int, lines lineIndex, types *directory.MeetingTypes, feed *Feed) Entry {
	e := Entry{Index: index}
	e.Line, e.Col = lines.at(base)
	r := &meetingReader{e: &e, fields: map[string]field{}, lines: lines}
	if raw[0] != '{' {
		r.problem(base, "a meeting must be a JSON object, not %s", kindOf(raw))
		return e
	}
	var unknown []string
	for _, mb := range members(raw, 0) {
		key := unquote(raw[mb.keyStart:mb.keyEnd])
		keyOff, v, off := base+mb.keyStart, json.RawMessage(raw[mb.start:mb.end]), base+mb.start
		if _, dup := r.fields[key]; dup {
			r.problem(keyOff, "%q is given twice", key)
			continue
		}
		r.fields[key] = field{raw: v, off: off}
		if !knownFields[key] {
			unknown = append(unknown, key)
		}
	}

	m := &e.Meeting
	m.Slug = r.slug()
	_, hasName := r.get("name")
	if m.Name = r.str("name"); strings.TrimSpace(m.Name) == "" {
		m.Name = ""
		if !hasName || r.fields["name"].raw[0] == '"' {
			r.problem(base, "a meeting needs a name")
		}
	} else if n := utf8.RuneCountInString(m.Name); n > listings.MaxMeetingName {
		r.problem(r.fields["name"].off, "the name is %d characters long; the specification allows %d", n, listings.MaxMeetingName)
	}
	m.Days = r.days()
	m.Time = r.clock("time", false)
	m.EndTime = r.clock("end_time", true)
	m.Timezone = r.checked("timezone", func(s string) error { _, err := listings.LoadZone(s); return err })
	m.Types = r.strings("types", func(s string) error {
		if strings.ContainsAny(s, " \t\r\n") {
			return fmt.Errorf("type code %q has spaces", s)
		}
		return nil
	})
	m.AttendanceOption = r.checked("attendance_option", func(s string) error {
		if !slices.Contains(directory.Attendances, directory.Attendance(s)) {
			return fmt.Errorf("%q is not an attendance option (in_person, hybrid, online, inactive)", s)
		}
		return nil
	})
	m.Location = r.str("location")
	m.LocationNotes = r.str("location_notes")
	m.FormattedAddress = r.str("formatted_address")
	m.Address = r.str("address")
	m.City = r.str("city")
	m.State = r.str("state")
	m.PostalCode = r.str("postal_code")
	m.Country = r.str("country")
	r.point(m)
	m.Approximate = r.approximate()
	m.Region = r.str("region")
	m.SubRegion = r.str("sub_region")
	m.Regions = r.strings("regions", nil)
	m.ConferenceURL = r.checked("conference_url", listings.CheckURL)
	m.ConferenceURLNotes = r.str("conference_url_notes")
	m.ConferencePhone = r.checked("conference_phone", listings.CheckConferencePhone)
	m.ConferencePhoneNotes = r.str("conference_phone_notes")
	m.Notes = r.str("notes")
	m.Group = r.str("group")
	m.GroupNotes = r.str("group_notes")
	m.Updated = r.checked("updated", func(s string) error {
		if _, err := time.Parse(listings.UpdatedLayout, s); err != nil {
			return fmt.Errorf("%q is not a timestamp YYYY-MM-DD HH:MM:SS", s)
		}
		return nil
	})
	m.URL = r.checked("url", listings.CheckURL)
	m.EditURL = r.checked("edit_url", listings.CheckURL)
	m.FeedbackEmails = r.strings("feedback_emails", listings.CheckEmail)
	m.FeedbackURL = r.checked("feedback_url", listings.CheckFeedbackURL)
	m.Venmo = r.str("venmo")
	m.Square = r.str("square")
	m.PayPal = r.str("paypal")
	m.HomegroupOnline = r.str("homegroup_online")
	m.Entity = r.entity()
	m.Contacts = r.contacts()

	for _, k := range unknown {
		t := feed.UnknownFields[k]
		if t == nil {
			t = &Tally{}
			feed.UnknownFields[k] = t
		}
		t.add(m.Slug)
	}
	for _, code := range m.Types {
		if types.Type(code) != nil {
			continue
		}
		t := feed.UnknownTypes[code]
		if t == nil {
			t = &Tally{}
			feed.UnknownTypes[code] = t
		}
		t.add(m.Slug)
	}
	e.Area = area(m)
	sort.SliceStable(e.Problems, func(i, j int) bool {
		a, b := e.Problems[i], e.Problems[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	return e
}

// slug returns the meeting's slug: a string, or a whole number as the
// specification allows.
func (r *meetingReader) slug() string {
	f, ok := r.get("slug")
	if !ok {
		r.e.Problems = append(r.e.Problems, Problem{Line: r.e.Line, Col: r.e.Col, Meeting: r.e.Index,
			Msg: "a meeting needs a slug, the key that stays the same from one import to the next"})
		return ""
	}
	var s string
	switch {
	case f.raw[0] == '"':
		if json.Unmarshal(f.raw, &s) != nil {
			s = ""
		}
	case f.raw[0] == '-' || f.raw[0] >= '0' && f.raw[0] <= '9':
		if _, err := strconv.ParseInt(string(f.raw), 10, 64); err != nil {
			r.problem(f.off, "\"slug\" must be a string or a whole number, not %s", kindOf(f.raw))
			return ""
		}
		s = string(f.raw)
	default:
		r.problem(f.off, "\"slug\" must be a string or a whole number, not %s", kindOf(f.raw))
		return ""
	}
	if err := listings.CheckMeetingSlug(s); err != nil {
		r.problem(f.off, "%v", err)
		return ""
	}
	return s
}

// days returns the day names of "day", a number 0-6 (Sunday to Saturday)
// or a list of them, in week order.
func (r *meetingReader) days() []string {
	f, ok := r.get("day")
	if !ok {
		return nil
	}
	var raws []json.RawMessage
	if f.raw[0] == '[' {
		if json.Unmarshal(f.raw, &raws) != nil {
			r.problem(f.off, "\"day\" cannot be read")
			return nil
		}
	} else {
		raws = []json.RawMessage{f.raw}
	}
	var set directory.DaySet
	for _, item := range raws {
		n, err := strconv.Atoi(string(item))
		if err != nil || n < 0 || n > 6 {
			r.problem(f.off, "\"day\" must be a whole number from 0 (Sunday) to 6 (Saturday) or a list of them, not %s", kindOf(item))
			continue
		}
		set |= 1 << n
	}
	var out []string
	for d := time.Sunday; d <= time.Saturday; d++ {
		if set.Has(d) {
			out = append(out, listings.MeetingDayNames[d])
		}
	}
	return out
}

func (r *meetingReader) clock(key string, end bool) string {
	return r.checked(key, func(s string) error {
		_, err := listings.ParseMeetingClock(s, end)
		return err
	})
}

func (r *meetingReader) point(m *listings.Meeting) {
	lat, latOK := r.number("latitude")
	lon, lonOK := r.number("longitude")
	if !latOK || !lonOK {
		return
	}
	switch {
	case lat == nil && lon == nil:
		return
	case lat == nil:
		r.problem(r.fields["longitude"].off, "\"longitude\" without \"latitude\": give both or neither")
		return
	case lon == nil:
		r.problem(r.fields["latitude"].off, "\"latitude\" without \"longitude\": give both or neither")
		return
	case *lat < -90 || *lat > 90:
		r.problem(r.fields["latitude"].off, "latitude %v is out of range -90 to 90", *lat)
		return
	case *lon < -180 || *lon > 180:
		r.problem(r.fields["longitude"].off, "longitude %v is out of range -180 to 180", *lon)
		return
	}
	m.Latitude, m.Longitude = lat, lon
}

// approximate reads "yes" or "no" (the specification's stringified
// booleans), or a JSON boolean.
func (r *meetingReader) approximate() *bool {
	f, ok := r.get("approximate")
	if !ok {
		return nil
	}
	var v bool
	switch string(f.raw) {
	case "true":
		v = true
	case "false":
	default:
		var s string
		if f.raw[0] != '"' || json.Unmarshal(f.raw, &s) != nil {
			r.problem(f.off, "\"approximate\" must be \"yes\" or \"no\", not %s", kindOf(f.raw))
			return nil
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "yes", "true":
			v = true
		case "no", "false":
		case "":
			return nil
		default:
			r.problem(f.off, "\"approximate\" must be \"yes\" or \"no\", not %s", kindOf(f.raw))
			return nil
		}
	}
	return &v
}

func (r *meetingReader) entity() *listings.MeetingEntity {
	e := listings.MeetingEntity{
		Name:       r.str("entity"),
		Email:      r.checked("entity_email", listings.CheckEmail),
		Location:   r.str("entity_location"),
		Logo:       r.checked("entity_logo", listings.CheckURL),
		Phone:      r.checked("entity_phone", listings.CheckPhone),
		WebsiteURL: r.checked("entity_website_url", listings.CheckURL),
	}
	// The specification's example names the website entity_url.
	if old := r.checked("entity_url", listings.CheckURL); old != "" {
		switch {
		case e.WebsiteURL == "":
			e.WebsiteURL = old
		case old != e.WebsiteURL:
			r.problem(r.fields["entity_url"].off, "\"entity_url\" and \"entity_website_url\" differ: give the website once")
		}
	}
	if e == (listings.MeetingEntity{}) {
		return nil
	}
	return &e
}

func (r *meetingReader) contacts() []listings.MeetingContact {
	var out []listings.MeetingContact
	for i := 1; i <= listings.MaxMeetingContacts; i++ {
		c := listings.MeetingContact{
			Name:  r.str(fmt.Sprintf("contact_%d_name", i)),
			Email: r.checked(fmt.Sprintf("contact_%d_email", i), listings.CheckEmail),
			Phone: r.checked(fmt.Sprintf("contact_%d_phone", i), listings.CheckPhone),
		}
		if c != (listings.MeetingContact{}) {
			out = append(out, c)
		}
	}
	return out
}

// maxArea is the longest area slug, a file name.
const maxArea = 60

// area returns the slug of the file a meeting belongs in: its city, else
// its most general region, else the city of its formatted address, else
// "other".
func area(m *listings.Meeting) string {
	cands := []string{m.City}
	if len(m.Regions) > 0 {
		cands = append(cands, m.Regions[0])
	}
	cands = append(cands, m.Region, cityOf(m.FormattedAddress))
	for _, c := range cands {
		if s := listings.Slug(c, maxArea); s != "" {
			return s
		}
	}
	return "other"
}

// cityOf returns the city of a US-style one-line address, "4953 W Addison
// St, Chicago, IL 60641, USA" or "Chicago, IL, USA": the part before the
// state (two capital letters, maybe with a ZIP code). It returns "" when
// the address does not have that shape.
func cityOf(addr string) string {
	parts := strings.Split(addr, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	if n := len(parts); n > 0 {
		switch strings.ToUpper(strings.ReplaceAll(parts[n-1], ".", "")) {
		case "USA", "US", "UNITED STATES", "UNITED STATES OF AMERICA":
			parts = parts[:n-1]
		}
	}
	for i := len(parts) - 1; i > 0; i-- {
		st, _, _ := strings.Cut(parts[i], " ")
		if len(st) == 2 && strings.ToUpper(st) == st && st[0] >= 'A' && st[0] <= 'Z' {
			return parts[i-1]
		}
	}
	return ""
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// member is one item of a JSON list or one key and value of a JSON object,
// as offsets into the scanned text: the key's quoted string (objects
// only) and the value.
type member struct {
	keyStart, keyEnd int
	start, end       int
}

// members returns the items of the list, or the keys and values of the
// object, that opens at offset open of data, which must be valid JSON
// (json.Valid). It scans the text once and decodes nothing, so a feed of
// thousands of meetings costs one pass.
func members(data []byte, open int) []member {
	var out []member
	depth, inString, escaped := 0, false, false
	isObject := data[open] == '{'
	var cur member
	expectKey := isObject
	valueStart := func(from int) int {
		for from < len(data) && (data[from] == ' ' || data[from] == '\t' || data[from] == '\n' || data[from] == '\r') {
			from++
		}
		return from
	}
	valueEnd := func(to int) int {
		for to > cur.start && (data[to-1] == ' ' || data[to-1] == '\t' || data[to-1] == '\n' || data[to-1] == '\r') {
			to--
		}
		return to
	}
	cur.start = -1
	if !isObject {
		cur.start = valueStart(open + 1)
	}
	for i := open; i < len(data); i++ {
		c := data[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 1 && isObject && expectKey {
					cur.keyEnd = i + 1
					expectKey = false
				}
			}
			continue
		}
		switch c {
		case '"':
			inString = true
			if depth == 1 && isObject && expectKey {
				cur.keyStart = i
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				if cur.start >= 0 && cur.start < i {
					cur.end = valueEnd(i)
					out = append(out, cur)
				}
				return out
			}
		case ':':
			if depth == 1 && isObject {
				cur.start = valueStart(i + 1)
			}
		case ',':
			if depth == 1 {
				cur.end = valueEnd(i)
				out = append(out, cur)
				cur = member{start: -1}
				if isObject {
					expectKey = true
				} else {
					cur.start = valueStart(i + 1)
				}
			}
		}
	}
	return out
}

// unquote returns the string a JSON string literal holds; q must be valid
// JSON.
func unquote(q []byte) string {
	if bytes.IndexByte(q, '\\') < 0 {
		return string(q[1 : len(q)-1])
	}
	var s string
	if err := json.Unmarshal(q, &s); err != nil {
		return string(q[1 : len(q)-1])
	}
	return s
}
