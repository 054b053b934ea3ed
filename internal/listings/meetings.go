package listings

// This file is the meeting file format: the recovery meetings of one
// source (a Meeting Guide feed) in one area, under
// data/meetings/<source>/<area>.yaml, and their checks. `trellis import
// meetings` writes these files from a feed and rewrites them on every
// re-import; the struct field order is the order it writes.
//
// The keys are the Meeting Guide specification's, with four changes that
// read better in YAML: "days" lists day names (sun mon tue wed thu fri
// sat) where the specification's "day" is a number 0-6 or a list of them;
// "approximate" is true or false where it is "yes" or "no"; the entity_*
// fields are one "entity" mapping, which the file may give once for all its
// meetings; and contact_1_name ... contact_3_phone are a "contacts" list.
// Unknown keys are errors, as in listing files.

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/directory"
)

// The meeting data's well-known places in the data directory.
const (
	// MeetingsDir holds the meeting files, <source>/<area>.yaml.
	MeetingsDir = "meetings"
	// MeetingTypesPath is the Meeting Guide type table, a copy of the
	// specification's data/types.json: code to names by language.
	MeetingTypesPath = "meetingguide/types.json"
	// ProposedMeetingTypesPath holds the codes the specification proposes,
	// in the same shape.
	ProposedMeetingTypesPath = "meetingguide/proposed-types.json"
)

// MeetingFile is one meeting file.
type MeetingFile struct {
	// Source is required: the slug naming the feed the meetings come from,
	// e.g. "dc-aa". A meeting's slug is unique within its source.
	Source string `yaml:"source" json:"source"`
	// Feed is where the source's feed is read from (its URL), for people
	// who review or refresh the file.
	Feed string `yaml:"feed,omitempty" json:"feed,omitempty"`
	// Entity is the service entity responsible for the file's meetings,
	// unless a meeting names its own.
	Entity   *MeetingEntity `yaml:"entity,omitempty" json:"entity,omitempty"`
	Meetings []Meeting      `yaml:"meetings" json:"meetings"` // required, at least one
}

// Meeting is one weekly meeting. Only slug and name are required; a
// meeting without days and time is by appointment.
type Meeting struct {
	// Slug is the meeting's key in its feed: no spaces, no "/".
	Slug string `yaml:"slug" json:"slug"`
	Name string `yaml:"name" json:"name"` // at most 255 characters
	// Days: sun mon tue wed thu fri sat.
	Days []string `yaml:"days,omitempty" json:"days,omitempty"`
	// Time and EndTime are HH:MM on a 24-hour clock; an end not after the
	// start is on the next day (23:30-00:30); without one a meeting lasts
	// an hour.
	Time    string `yaml:"time,omitempty" json:"time,omitempty"`
	EndTime string `yaml:"end_time,omitempty" json:"end_time,omitempty"`
	// Timezone is an IANA zone; without one the directory's.
	Timezone string `yaml:"timezone,omitempty" json:"timezone,omitempty"`
	// Types are Meeting Guide type codes (data/meetingguide); a code not
	// in the table is a warning.
	Types []string `yaml:"types,omitempty" json:"types,omitempty"`
	// AttendanceOption: in_person, hybrid, online or inactive.
	AttendanceOption string   `yaml:"attendance_option,omitempty" json:"attendance_option,omitempty"`
	Location         string   `yaml:"location,omitempty" json:"location,omitempty"`
	LocationNotes    string   `yaml:"location_notes,omitempty" json:"location_notes,omitempty"`
	FormattedAddress string   `yaml:"formatted_address,omitempty" json:"formatted_address,omitempty"`
	Address          string   `yaml:"address,omitempty" json:"address,omitempty"` // the street address
	City             string   `yaml:"city,omitempty" json:"city,omitempty"`
	State            string   `yaml:"state,omitempty" json:"state,omitempty"`
	PostalCode       string   `yaml:"postal_code,omitempty" json:"postal_code,omitempty"`
	Country          string   `yaml:"country,omitempty" json:"country,omitempty"`
	Latitude         *float64 `yaml:"latitude,omitempty" json:"latitude,omitempty"`
	Longitude        *float64 `yaml:"longitude,omitempty" json:"longitude,omitempty"`
	// Approximate says whether the address is only approximate (a city,
	// for an online meeting).
	Approximate          *bool    `yaml:"approximate,omitempty" json:"approximate,omitempty"`
	Region               string   `yaml:"region,omitempty" json:"region,omitempty"`
	SubRegion            string   `yaml:"sub_region,omitempty" json:"sub_region,omitempty"`
	Regions              []string `yaml:"regions,omitempty" json:"regions,omitempty"` // most general first
	ConferenceURL        string   `yaml:"conference_url,omitempty" json:"conference_url,omitempty"`
	ConferenceURLNotes   string   `yaml:"conference_url_notes,omitempty" json:"conference_url_notes,omitempty"`
	ConferencePhone      string   `yaml:"conference_phone,omitempty" json:"conference_phone,omitempty"`
	ConferencePhoneNotes string   `yaml:"conference_phone_notes,omitempty" json:"conference_phone_notes,omitempty"`
	Notes                string   `yaml:"notes,omitempty" json:"notes,omitempty"`
	Group                string   `yaml:"group,omitempty" json:"group,omitempty"`
	GroupNotes           string   `yaml:"group_notes,omitempty" json:"group_notes,omitempty"`
	// Updated is a UTC timestamp, "YYYY-MM-DD HH:MM:SS".
	Updated         string   `yaml:"updated,omitempty" json:"updated,omitempty"`
	URL             string   `yaml:"url,omitempty" json:"url,omitempty"`
	EditURL         string   `yaml:"edit_url,omitempty" json:"edit_url,omitempty"`
	FeedbackEmails  []string `yaml:"feedback_emails,omitempty" json:"feedback_emails,omitempty"`
	FeedbackURL     string   `yaml:"feedback_url,omitempty" json:"feedback_url,omitempty"` // http(s) or mailto:
	Venmo           string   `yaml:"venmo,omitempty" json:"venmo,omitempty"`
	Square          string   `yaml:"square,omitempty" json:"square,omitempty"`
	PayPal          string   `yaml:"paypal,omitempty" json:"paypal,omitempty"`
	HomegroupOnline string   `yaml:"homegroup_online,omitempty" json:"homegroup_online,omitempty"`
	// Entity, when given, replaces the file's entity for this meeting.
	Entity   *MeetingEntity   `yaml:"entity,omitempty" json:"entity,omitempty"`
	Contacts []MeetingContact `yaml:"contacts,omitempty" json:"contacts,omitempty"` // at most 3
}

// MeetingEntity is the service entity (an intergroup, a district)
// responsible for meetings: the specification's entity, entity_email,
// entity_location, entity_logo, entity_phone and entity_website_url.
type MeetingEntity struct {
	Name       string `yaml:"name,omitempty" json:"name,omitempty"`
	Email      string `yaml:"email,omitempty" json:"email,omitempty"`
	Location   string `yaml:"location,omitempty" json:"location,omitempty"`
	Logo       string `yaml:"logo,omitempty" json:"logo,omitempty"`
	Phone      string `yaml:"phone,omitempty" json:"phone,omitempty"`
	WebsiteURL string `yaml:"website_url,omitempty" json:"website_url,omitempty"`
}

// MeetingContact is one of the specification's contact_N_name, _email and
// _phone. No last names: the anonymity rule.
type MeetingContact struct {
	Name  string `yaml:"name,omitempty" json:"name,omitempty"`
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// MaxMeetingContacts is how many contacts the specification has fields for.
const MaxMeetingContacts = 3

// MaxMeetingName is the specification's limit on a meeting name, in
// characters.
const MaxMeetingName = 255

// MeetingDayNames are the day names of Meeting.Days, Sunday first: the
// index is the time.Weekday and the specification's day number.
var MeetingDayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// UpdatedLayout is the layout of Meeting.Updated, the specification's.
const UpdatedLayout = "2006-01-02 15:04:05"

var conferencePhoneRE = regexp.MustCompile(`^[0-9+,*#() .-]+$`)

// CheckMeetingSlug returns an error unless s can be a meeting's slug: not
// empty, no white space, no "/" (it is part of the meeting's key).
func CheckMeetingSlug(s string) error {
	if strings.TrimSpace(s) == "" {
		return fmt.Errorf("a meeting's slug must not be empty")
	}
	if strings.ContainsAny(s, "/ \t\r\n") {
		return fmt.Errorf("slug %q must not contain spaces or \"/\"", s)
	}
	return nil
}

// CheckConferencePhone returns an error unless s is a number to dial:
// digits with + , * # (which form one-tap links) and spaces, dashes, dots
// or parentheses, at least three digits.
func CheckConferencePhone(s string) error {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !conferencePhoneRE.MatchString(s) || digits < 3 {
		return fmt.Errorf("%q is not a number to dial: use digits, with + for international dialers and , * # for one-tap links", s)
	}
	return nil
}

// CheckFeedbackURL returns an error unless s is an absolute http(s) URL
// or a mailto: link.
func CheckFeedbackURL(s string) error {
	if rest, ok := strings.CutPrefix(s, "mailto:"); ok {
		addr, _, _ := strings.Cut(rest, "?")
		if checkEmail(addr) == nil {
			return nil
		}
		return fmt.Errorf("%q is not a mailto: link to an email address", s)
	}
	return checkURL(s)
}

// CheckURL returns an error unless s is an absolute http or https URL.
func CheckURL(s string) error { return checkURL(s) }

// CheckEmail returns an error unless s is a bare email address.
func CheckEmail(s string) error { return checkEmail(s) }

// ParseMeetingClock reads a meeting time, HH:MM on a 24-hour clock; "24:00"
// only when end is set. It returns the minutes after midnight or an error.
func ParseMeetingClock(s string, end bool) (directory.Clock, error) {
	c, err := parseClock(s, end)
	return directory.Clock(c), err
}

// LoadZone returns the IANA time zone name, or an error for a name that is
// not one ("Local" and "" included).
func LoadZone(name string) (*time.Location, error) { return loadZone(name) }

// --- checking -----------------------------------------------------------------

// meetingResult is what checking one meeting file gives.
type meetingResult struct {
	meetings []*directory.Meeting
	// slugPos are where each meeting's slug is written, parallel to
	// meetings.
	slugPos []pos
	errs    []Error
	marks   marks
}

// loadMeetingFile decodes, checks and converts one meeting file. It returns
// an error only when the file cannot be read.
func loadMeetingFile(e *env, name string) (meetingResult, error) {
	data, err := fs.ReadFile(e.fsys, name)
	if err != nil {
		return meetingResult{}, fmt.Errorf("listings: read %s: %w", name, err)
	}
	var f MeetingFile
	d := newDecoder(name)
	d.decodeFile(data, &f)
	if !d.ok(&f) {
		return meetingResult{errs: d.errs}, nil
	}
	c := &checker{decoder: d, env: e}
	if e.positions {
		c.marks = marks{}
	}
	r := c.meetingFile(&f, strings.TrimPrefix(name, MeetingsDir+"/"))
	r.errs, r.marks = c.errs, c.marks
	return r, nil
}

// meetingFile checks a meeting file and converts its meetings. rel is its
// path relative to the meetings directory.
func (c *checker) meetingFile(f *MeetingFile, rel string) meetingResult {
	var r meetingResult
	sourceOK := c.required(&f.Source, f, "source") && c.check(&f.Source, checkSlug)
	c.check(&f.Feed, func(s string) error {
		if strings.Contains(s, "://") {
			return checkURL(s)
		}
		return nil
	})
	var fileEntity directory.MeetingEntity
	if f.Entity != nil && c.ok(f.Entity) {
		fileEntity = c.meetingEntity(f.Entity)
	}
	if !c.present(&f.Meetings) {
		c.fail(f, nil, "missing required key %q: a meeting file lists at least one meeting", "meetings")
	} else if c.ok(&f.Meetings) && len(f.Meetings) == 0 {
		c.fail(&f.Meetings, f, "%q must list at least one meeting", "meetings")
	}
	seen := map[string]pos{}
	for i := range f.Meetings {
		m := &f.Meetings[i]
		if !c.ok(m) {
			continue
		}
		dm := c.meeting(m, fileEntity)
		dm.Source, dm.File = f.Source, rel
		if !c.ok(&m.Slug) || CheckMeetingSlug(m.Slug) != nil {
			continue
		}
		if first, dup := seen[m.Slug]; dup {
			c.fail(&m.Slug, m, "duplicate meeting slug %q (first at line %d)", m.Slug, first.line)
			continue
		}
		seen[m.Slug] = c.at(&m.Slug, m)
		if !sourceOK {
			continue
		}
		r.meetings = append(r.meetings, dm)
		r.slugPos = append(r.slugPos, c.at(&m.Slug, m))
	}
	return r
}

func (c *checker) meeting(m *Meeting, fileEntity directory.MeetingEntity) *directory.Meeting {
	out := &directory.Meeting{
		Slug:                 m.Slug,
		Name:                 m.Name,
		Location:             m.Location,
		LocationNotes:        m.LocationNotes,
		FormattedAddress:     m.FormattedAddress,
		Address:              m.Address,
		City:                 m.City,
		State:                m.State,
		PostalCode:           m.PostalCode,
		Country:              m.Country,
		Approximate:          okBool(c, m.Approximate),
		Region:               m.Region,
		SubRegion:            m.SubRegion,
		Regions:              m.Regions,
		ConferenceURL:        m.ConferenceURL,
		ConferenceURLNotes:   m.ConferenceURLNotes,
		ConferencePhone:      m.ConferencePhone,
		ConferencePhoneNotes: m.ConferencePhoneNotes,
		Notes:                m.Notes,
		Group:                m.Group,
		GroupNotes:           m.GroupNotes,
		URL:                  m.URL,
		EditURL:              m.EditURL,
		FeedbackURL:          m.FeedbackURL,
		Venmo:                m.Venmo,
		Square:               m.Square,
		PayPal:               m.PayPal,
		HomegroupOnline:      m.HomegroupOnline,
		Entity:               fileEntity,
	}
	if c.required(&m.Slug, m, "slug") {
		c.check(&m.Slug, CheckMeetingSlug)
	}
	if c.required(&m.Name, m, "name") {
		c.check(&m.Name, func(s string) error {
			if n := len([]rune(s)); n > MaxMeetingName {
				return fmt.Errorf("the name is %d characters long; the specification allows %d", n, MaxMeetingName)
			}
			return nil
		})
	}
	c.mark(out, m, map[string]any{
		"slug": &m.Slug, "name": &m.Name, "days": &m.Days, "time": &m.Time, "end_time": &m.EndTime,
		"types": &m.Types, "attendance_option": &m.AttendanceOption, "location": &m.Location,
		"location_notes": &m.LocationNotes, "formatted_address": &m.FormattedAddress, "address": &m.Address,
		"approximate": &m.Approximate, "conference_url_notes": &m.ConferenceURLNotes,
		"conference_phone_notes": &m.ConferencePhoneNotes, "notes": &m.Notes, "group": &m.Group,
		"group_notes": &m.GroupNotes, "entity": &m.Entity, "contacts": &m.Contacts,
	})
	for i := range m.Types {
		c.markKey(out, fmt.Sprintf("types.%d", i), &m.Types[i])
	}
	for i := range m.Contacts {
		c.markKey(out, fmt.Sprintf("contacts.%d", i), &m.Contacts[i].Name)
	}

	for _, d := range c.list(m.Days, enum("day", MeetingDayNames)) {
		out.Days |= 1 << time.Weekday(dayNumber(d))
	}
	if c.ok(&m.Time) {
		if v, err := parseClock(m.Time, false); err != nil {
			c.failErr(&m.Time, err)
		} else {
			out.Start, out.HasStart = directory.Clock(v), true
		}
	}
	if c.ok(&m.EndTime) {
		if v, err := parseClock(m.EndTime, true); err != nil {
			c.failErr(&m.EndTime, err)
		} else {
			out.End, out.HasEnd = directory.Clock(v), true
		}
	}
	if c.ok(&m.Timezone) {
		if tz, err := loadZone(m.Timezone); err != nil {
			c.failErr(&m.Timezone, err)
		} else {
			out.TimeZone = tz
		}
	}
	out.Types = c.list(m.Types, func(s string) (string, error) {
		if strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t\r\n") {
			return "", fmt.Errorf("type code %q must be a code without spaces, e.g. O or LGBTQ", s)
		}
		return s, nil
	})
	if c.check(&m.AttendanceOption, func(s string) error {
		return checkEnum("attendance option", s, stringsOf(directory.Attendances))
	}) {
		out.Attendance = directory.Attendance(m.AttendanceOption)
	}

	latOK := m.Latitude != nil && c.ok(m.Latitude)
	lonOK := m.Longitude != nil && c.ok(m.Longitude)
	switch {
	case m.Latitude != nil && m.Longitude == nil:
		c.fail(m.Latitude, m, "latitude without longitude: give both or neither")
	case m.Longitude != nil && m.Latitude == nil:
		c.fail(m.Longitude, m, "longitude without latitude: give both or neither")
	case latOK && lonOK:
		good := true
		if !(*m.Latitude >= -90 && *m.Latitude <= 90) {
			c.fail(m.Latitude, m, "latitude %v is out of range: it must be between -90 and 90", *m.Latitude)
			good = false
		}
		if !(*m.Longitude >= -180 && *m.Longitude <= 180) {
			c.fail(m.Longitude, m, "longitude %v is out of range: it must be between -180 and 180", *m.Longitude)
			good = false
		}
		if good {
			out.Point, out.HasPoint = [2]float64{*m.Longitude, *m.Latitude}, true
		}
	}

	c.check(&m.ConferenceURL, checkURL)
	c.check(&m.ConferencePhone, CheckConferencePhone)
	c.check(&m.URL, checkURL)
	c.check(&m.EditURL, checkURL)
	c.check(&m.FeedbackURL, CheckFeedbackURL)
	out.FeedbackEmails = c.list(m.FeedbackEmails, func(s string) (string, error) { return s, checkEmail(s) })
	out.Regions = c.list(m.Regions, func(s string) (string, error) {
		if strings.TrimSpace(s) == "" {
			return "", fmt.Errorf("a region must not be empty")
		}
		return s, nil
	})
	if c.ok(&m.Updated) {
		if t, err := time.Parse(UpdatedLayout, m.Updated); err != nil {
			c.fail(&m.Updated, m, "%q is not a timestamp: write YYYY-MM-DD HH:MM:SS in UTC, e.g. 2024-05-31 14:32:23", m.Updated)
		} else {
			out.Updated = t
		}
	}
	if m.Entity != nil && c.ok(m.Entity) {
		out.Entity = c.meetingEntity(m.Entity)
	}
	if c.ok(&m.Contacts) && len(m.Contacts) > MaxMeetingContacts {
		c.fail(&m.Contacts, m, "%d contacts: the specification has fields for %d", len(m.Contacts), MaxMeetingContacts)
	}
	for i := range m.Contacts {
		p := &m.Contacts[i]
		if !c.ok(p) {
			continue
		}
		if !c.present(&p.Name) && !c.present(&p.Email) && !c.present(&p.Phone) {
			c.fail(p, m, "a contact needs a name, an email or a phone")
			continue
		}
		c.check(&p.Email, checkEmail)
		c.check(&p.Phone, CheckPhone)
		out.Contacts = append(out.Contacts, directory.MeetingContact{Name: p.Name, Email: p.Email, Phone: p.Phone})
	}
	return out
}

func (c *checker) meetingEntity(e *MeetingEntity) directory.MeetingEntity {
	c.check(&e.Email, checkEmail)
	c.check(&e.Phone, CheckPhone)
	c.check(&e.Logo, checkURL)
	c.check(&e.WebsiteURL, checkURL)
	return directory.MeetingEntity{Name: e.Name, Email: e.Email, Location: e.Location, Logo: e.Logo, Phone: e.Phone, WebsiteURL: e.WebsiteURL}
}

// markKey records where key of the domain value v is written, the value
// ptr points to.
func (c *checker) markKey(v any, key string, ptr any) {
	if c.marks == nil || !c.present(ptr) {
		return
	}
	p := c.at(ptr, nil)
	c.marks[posKey{v, key}] = Pos{Path: c.file, Line: p.line, Col: p.col}
}

func okBool(c *checker, p *bool) *bool {
	if p == nil || !c.ok(p) {
		return nil
	}
	v := *p
	return &v
}

func dayNumber(name string) int {
	for i, d := range MeetingDayNames {
		if d == name {
			return i
		}
	}
	return -1
}

// MeetingFiles returns the paths of the meeting files Load reads from the
// data directory fsys (every *.yaml and *.yml file under meetings/,
// recursively, names starting with a dot skipped), in lexical order, with
// forward slashes. A missing meetings/ directory has none. It returns an
// error when a directory cannot be read.
func MeetingFiles(fsys fs.FS) ([]string, error) { return yamlTree(fsys, MeetingsDir) }

// loadMeetings reads the meeting type table and every meeting file of the
// data directory. It returns the table (nil when there is none), the
// meetings, and the problems; the error is for files that exist but cannot
// be read. A slug used twice in one source is a problem at the second.
func loadMeetings(e *env) (*directory.MeetingTypes, []*directory.Meeting, []Error, marks, error) {
	files, err := MeetingFiles(e.fsys)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	var errs []Error
	types, typeErrs, err := loadMeetingTypes(e.fsys)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	errs = append(errs, typeErrs...)
	if types == nil && len(typeErrs) == 0 && len(files) > 0 {
		errs = append(errs, Error{Path: MeetingTypesPath, Msg: "missing: meeting files need the Meeting Guide type table (copy data/meetingguide from Trellis)"})
	}
	var all []*directory.Meeting
	var allMarks marks
	if e.positions {
		allMarks = marks{}
	}
	type first struct {
		path string
		line int
	}
	firstSlug := map[string]first{}
	for _, name := range files {
		r, err := loadMeetingFile(e, name)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		errs = append(errs, r.errs...)
		for i, m := range r.meetings {
			if f, dup := firstSlug[m.Key()]; dup {
				p := r.slugPos[i]
				errs = append(errs, Error{Path: name, Line: p.line, Col: p.col,
					Msg: fmt.Sprintf("duplicate meeting slug %q of source %q (first in %s:%d)", m.Slug, m.Source, f.path, f.line)})
				continue
			}
			firstSlug[m.Key()] = first{name, r.slugPos[i].line}
			all = append(all, m)
		}
		for k, p := range r.marks {
			allMarks[k] = p
		}
	}
	return types, all, errs, allMarks, nil
}

// LoadMeetingTypes reads the Meeting Guide type table
// (meetingguide/types.json and proposed-types.json) of the data directory
// fsys. It returns a nil table and no problems when the directory has no
// table, the problems of a table that does not read, and an error when a
// file exists but cannot be read.
func LoadMeetingTypes(fsys fs.FS) (*directory.MeetingTypes, []Error, error) {
	return loadMeetingTypes(fsys)
}

// loadMeetingTypes reads the type table and the proposed codes. It returns
// a nil table and no problems when the data directory has no table.
func loadMeetingTypes(fsys fs.FS) (*directory.MeetingTypes, []Error, error) {
	var all []*directory.MeetingType
	var errs []Error
	for _, name := range []string{MeetingTypesPath, ProposedMeetingTypesPath} {
		data, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			if name == MeetingTypesPath {
				return nil, nil, nil
			}
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("listings: read %s: %w", name, err)
		}
		var table map[string]map[string]string
		d := newDecoder(name)
		doc := d.decodeFile(data, &table)
		errs = append(errs, d.errs...)
		if doc == nil || !d.ok(&table) {
			continue
		}
		// The map lost the file's order; the document has it.
		root := doc.Content[0]
		for i := 0; i+1 < len(root.Content); i += 2 {
			code := root.Content[i].Value
			names, ok := table[code]
			if !ok {
				continue
			}
			at := posOf(root.Content[i])
			switch {
			case code == "" || strings.ContainsAny(code, " \t\r\n"):
				errs = append(errs, Error{Path: name, Line: at.line, Col: at.col, Msg: fmt.Sprintf("type code %q must be a code without spaces", code)})
				continue
			case strings.TrimSpace(names["en"]) == "":
				errs = append(errs, Error{Path: name, Line: at.line, Col: at.col, Msg: fmt.Sprintf("type %q needs an English name (\"en\")", code)})
				continue
			}
			all = append(all, &directory.MeetingType{Code: code, Names: directory.Text(names), Proposed: name == ProposedMeetingTypesPath})
		}
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	types, err := directory.NewMeetingTypes(all)
	if err != nil {
		// A code in both files.
		return nil, []Error{{Path: ProposedMeetingTypesPath, Msg: err.Error()}}, nil
	}
	return types, nil, nil
}

// meetingFileOf returns the path of the file meeting m was read from,
// relative to the data directory.
func meetingFileOf(m *directory.Meeting) string { return path.Join(MeetingsDir, m.File) }

// --- reading and writing one file ------------------------------------------------

// ReadMeetingFile decodes and checks the meeting file data, read from name
// (its path relative to the data directory, used in errors), and returns
// its meetings. Problems are returned as errs, all of them, sorted; the
// meetings are then those that passed. Slugs are checked for uniqueness
// within the file only; Load also checks them across the files of a
// source.
//
// It also returns the decoded file, which is nil when data is not a YAML
// mapping; with problems it holds what could be decoded.
func ReadMeetingFile(name string, data []byte) (*MeetingFile, []*directory.Meeting, []Error) {
	var f MeetingFile
	d := newDecoder(name)
	d.decodeFile(data, &f)
	if !d.ok(&f) {
		sortErrors(d.errs)
		return nil, nil, d.errs
	}
	c := &checker{decoder: d, env: &env{}}
	r := c.meetingFile(&f, strings.TrimPrefix(name, MeetingsDir+"/"))
	sortErrors(c.errs)
	return &f, r.meetings, c.errs
}

// MarshalMeetings returns f as canonical meeting file YAML: keys in the
// struct field order of MeetingFile and Meeting, two-space indentation,
// lists of plain values (days, types, regions) and contacts on one line
// each, strings quoted only where YAML would read them as something else
// ("18:00", "NO", "11"), and empty fields left out. It adds no header
// comment. It returns an error if f is nil or cannot be encoded.
func MarshalMeetings(f *MeetingFile) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("listings: marshal meetings: nil file")
	}
	root := buildNode(reflect.ValueOf(*f))
	flowShortLists(root)
	return encodeDoc(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}})
}

// flowShortLists puts lists of scalars, and mappings inside lists of
// mappings under "contacts", in flow style: [sun, wed], {name: Bob S.}.
func flowShortLists(n *yaml.Node) {
	switch n.Kind {
	case yaml.SequenceNode:
		scalars := true
		for _, c := range n.Content {
			scalars = scalars && c.Kind == yaml.ScalarNode && !strings.Contains(c.Value, "\n")
		}
		if scalars {
			n.Style = yaml.FlowStyle
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "contacts" && n.Content[i+1].Kind == yaml.SequenceNode {
				for _, c := range n.Content[i+1].Content {
					c.Style = yaml.FlowStyle
				}
			}
		}
	}
	for _, c := range n.Content {
		flowShortLists(c)
	}
}
