package directory

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// This file holds recovery meetings (AA, NA, Al-Anon and other mutual-aid
// fellowships) as the Meeting Guide JSON specification describes them: the
// open format in which intergroups publish their weekly meetings. Meetings
// are not services: they have no organization, no eligibility and no
// referral; they recur weekly at a time in a zone.

// Attendance says how people take part in a meeting. The values are the
// attendance_option values feeds from the 12 Step Meeting List plugin carry.
type Attendance string

// The attendance options.
const (
	AttendanceInPerson Attendance = "in_person"
	AttendanceHybrid   Attendance = "hybrid"
	AttendanceOnline   Attendance = "online"
	AttendanceInactive Attendance = "inactive"
)

// Attendances lists the valid attendance options.
var Attendances = []Attendance{AttendanceInPerson, AttendanceHybrid, AttendanceOnline, AttendanceInactive}

// Meeting type codes that search filters and pages use by name. The full
// table, with names in the specification's languages, is MeetingTypes.
const (
	MeetingTypeOpen              = "O"
	MeetingTypeClosed            = "C"
	MeetingTypeMen               = "M"
	MeetingTypeWomen             = "W"
	MeetingTypeLGBTQ             = "LGBTQ"
	MeetingTypeWheelchair        = "X"
	MeetingTypeNewcomer          = "BE"
	MeetingTypeTemporarilyClosed = "TC"
	MeetingTypeSpanish           = "S"
	MeetingTypeEnglish           = "EN"
	MeetingTypeASL               = "ASL"
)

// MeetingTypeLanguages maps the type codes that name the language a meeting
// is held in to BCP 47 codes ("S" is Spanish, "es"). Sign languages use
// their ISO 639-3 codes (ase, fcs, rsl).
var MeetingTypeLanguages = map[string]string{
	"AF": "af", "AM": "am", "AR": "ar", "ASL": "ase", "BG": "bg", "DA": "da", "DE": "de",
	"EL": "el", "EN": "en", "FA": "fa", "FI": "fi", "FR": "fr", "HE": "he", "HI": "hi",
	"HR": "hr", "HU": "hu", "IS": "is", "ITA": "it", "JA": "ja", "KA": "ka", "KOR": "ko",
	"LT": "lt", "ML": "ml", "MT": "mt", "NE": "ne", "NL": "nl", "NO": "no", "POL": "pl",
	"POR": "pt", "PUN": "pa", "RUS": "ru", "S": "es", "SK": "sk", "SL": "sl", "SV": "sv",
	"TH": "th", "TL": "tl", "TUR": "tr", "UK": "uk", "QSL": "fcs", "RSL": "rsl",
}

// MeetingType is one code of the specification's type table.
type MeetingType struct {
	// Code is the code feeds carry, case-sensitive: "O", "12x12", "LGBTQ".
	Code string
	// Names are the type's names by language code (en, es, fr, ja, nl, pt,
	// sk, sv, th): "Open", "Abierta".
	Names Text
	// Proposed marks a code the specification lists as proposed, not yet
	// in use in the Meeting Guide app.
	Proposed bool
}

// MeetingTypes is the table of meeting type codes. A nil *MeetingTypes
// knows no code.
type MeetingTypes struct {
	// All are the types in the order they were given.
	All    []*MeetingType
	byCode map[string]*MeetingType
}

// NewMeetingTypes indexes types by code. It returns an error when a code is
// empty or given twice.
func NewMeetingTypes(types []*MeetingType) (*MeetingTypes, error) {
	t := &MeetingTypes{All: types, byCode: make(map[string]*MeetingType, len(types))}
	for _, mt := range types {
		if mt.Code == "" {
			return nil, fmt.Errorf("directory: a meeting type has no code")
		}
		if _, dup := t.byCode[mt.Code]; dup {
			return nil, fmt.Errorf("directory: meeting type %q given twice", mt.Code)
		}
		t.byCode[mt.Code] = mt
	}
	return t, nil
}

// Type returns the type with the given code, or nil when the code is not in
// the table.
func (t *MeetingTypes) Type(code string) *MeetingType {
	if t == nil {
		return nil
	}
	return t.byCode[code]
}

// Name returns the name of type code in lang (falling back to English), or
// the code itself when the table does not know it.
func (t *MeetingTypes) Name(code, lang string) string {
	if mt := t.Type(code); mt != nil {
		if n := mt.Names.In(lang); n != "" {
			return n
		}
	}
	return code
}

// Codes returns every code of the table, in table order.
func (t *MeetingTypes) Codes() []string {
	if t == nil {
		return nil
	}
	out := make([]string, len(t.All))
	for i, mt := range t.All {
		out[i] = mt.Code
	}
	return out
}

// MeetingEntity is the service entity (an intergroup, a district)
// responsible for a meeting's listing.
type MeetingEntity struct {
	Name       string
	Email      string
	Location   string // the area it serves, "Whatcom County, Washington"
	Logo       string // URL
	Phone      string
	WebsiteURL string
}

// IsZero reports whether no field of the entity is set.
func (e MeetingEntity) IsZero() bool { return e == MeetingEntity{} }

// MeetingContact is a person to contact about a meeting. By the
// specification's anonymity rule it carries no last name.
type MeetingContact struct {
	Name  string
	Email string
	Phone string
}

// Meeting is one weekly recovery meeting from a Meeting Guide feed. Every
// field of the specification is here; empty strings and zero values mean
// the feed did not give the field.
type Meeting struct {
	// Source is the feed's source name ("dc-aa"); Slug is the meeting's
	// key in that feed. Key joins them.
	Source string
	Slug   string
	Name   string

	// Days are the weekdays the meeting is held on; empty for a meeting by
	// appointment. Start is its start on those days when HasStart; End,
	// when HasEnd, its end (an End not after Start is on the next day,
	// 23:30-00:30). Without an end a meeting lasts an hour.
	Days     DaySet
	Start    Clock
	HasStart bool
	End      Clock
	HasEnd   bool
	// TimeZone is the zone the times are read in; nil means the
	// directory's.
	TimeZone *time.Location

	// Types are the type codes as the feed gives them, known to the
	// MeetingTypes table or not.
	Types []string
	// Attendance is the attendance option the feed gives; "" when it gives
	// none (Mode infers one).
	Attendance Attendance

	// Location is the building or landmark ("Alano Club"); LocationNotes
	// apply to every meeting there.
	Location      string
	LocationNotes string
	// The address, either as one string or in parts (or both, as given).
	FormattedAddress string
	Address          string // the street address
	City             string
	State            string
	PostalCode       string
	Country          string
	// Point is the meeting's coordinates when HasPoint.
	Point    orb.Point
	HasPoint bool
	// Approximate says whether the address is approximate (a city for an
	// online meeting) or a specific place; nil when the feed does not say.
	Approximate *bool
	Region      string
	SubRegion   string
	// Regions, most general first, when the feed uses them instead of
	// Region and SubRegion.
	Regions []string

	ConferenceURL        string
	ConferenceURLNotes   string
	ConferencePhone      string
	ConferencePhoneNotes string

	Notes      string
	Group      string
	GroupNotes string
	// Updated is when the listing was last updated (UTC); zero when not
	// given.
	Updated time.Time

	URL             string // the meeting's page on the area's site
	EditURL         string
	FeedbackEmails  []string
	FeedbackURL     string
	Venmo           string
	Square          string
	PayPal          string
	HomegroupOnline string

	Entity   MeetingEntity
	Contacts []MeetingContact

	// File is the meeting file's path relative to the meetings directory,
	// with forward slashes: "dc-aa/washington.yaml".
	File string
}

// MeetingKey builds a meeting's catalog-wide identifier, "<source>/<slug>".
func MeetingKey(source, slug string) string { return source + "/" + slug }

// Key returns the meeting's catalog-wide identifier, "<source>/<slug>".
func (m *Meeting) Key() string { return MeetingKey(m.Source, m.Slug) }

// HasType reports whether the feed gives the meeting type code.
func (m *Meeting) HasType(code string) bool { return slices.Contains(m.Types, code) }

// Languages returns the BCP 47 codes of the languages the meeting's type
// codes say it is held in, in type order; none when its types name none.
func (m *Meeting) Languages() []string {
	var out []string
	for _, c := range m.Types {
		if l, ok := MeetingTypeLanguages[c]; ok && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

// Scheduled reports whether the meeting has days and a start time; a
// meeting without them is by appointment and has no next occurrence.
func (m *Meeting) Scheduled() bool { return m.Days != 0 && m.HasStart }

// Zone returns the zone the meeting's times are read in: its own, else dir,
// else UTC.
func (m *Meeting) Zone(dir *time.Location) *time.Location {
	switch {
	case m.TimeZone != nil:
		return m.TimeZone
	case dir != nil:
		return dir
	}
	return time.UTC
}

// EndClock returns the time of day the meeting ends: End when the feed
// gives one that differs from Start, else an hour after Start (the
// specification's default), wrapping past midnight.
func (m *Meeting) EndClock() Clock {
	if m.HasEnd && m.End != m.Start {
		return m.End
	}
	return (m.Start + 60) % (24 * 60)
}

// HasConference reports whether the meeting gives a way to join it
// remotely: a conference URL or phone.
func (m *Meeting) HasConference() bool { return m.ConferenceURL != "" || m.ConferencePhone != "" }

// isApproximate reports whether the meeting's place is only approximate:
// the feed says so, or gives no address and no point.
func (m *Meeting) isApproximate() bool {
	if m.Approximate != nil {
		return *m.Approximate
	}
	if m.HasPoint {
		return false
	}
	return m.FormattedAddress == "" && m.Address == ""
}

// Mode returns how people take part in the meeting: the feed's attendance
// option when it gives one; otherwise, as the 12 Step Meeting List plugin
// infers it, online when it has a conference link or phone and its place
// is approximate or temporarily closed (type TC), hybrid when it has both a
// conference and a specific place, inactive when its place is temporarily
// closed and it has no conference, and in person otherwise.
func (m *Meeting) Mode() Attendance {
	if m.Attendance != "" {
		return m.Attendance
	}
	closed := m.HasType(MeetingTypeTemporarilyClosed)
	switch {
	case m.HasConference() && (closed || m.isApproximate()):
		return AttendanceOnline
	case m.HasConference():
		return AttendanceHybrid
	case closed:
		return AttendanceInactive
	}
	return AttendanceInPerson
}

// Online reports whether people can join the meeting remotely: it is
// online or hybrid and gives a conference URL or phone. The specification
// counts an online meeting without either as inactive.
func (m *Meeting) Online() bool {
	mode := m.Mode()
	return (mode == AttendanceOnline || mode == AttendanceHybrid) && m.HasConference()
}

// InPerson reports whether people can attend the meeting in person: it is
// in person or hybrid and its place is not temporarily closed (type TC).
func (m *Meeting) InPerson() bool {
	mode := m.Mode()
	return (mode == AttendanceInPerson || mode == AttendanceHybrid) && !m.HasType(MeetingTypeTemporarilyClosed)
}

// Active reports whether anyone can attend the meeting, in person or
// online.
func (m *Meeting) Active() bool { return m.InPerson() || m.Online() }

// AddressLine returns the meeting's address as one line: the formatted
// address when the feed gives one, else its parts joined with commas; ""
// when it gives neither.
func (m *Meeting) AddressLine() string {
	if m.FormattedAddress != "" {
		return m.FormattedAddress
	}
	var parts []string
	for _, p := range []string{m.Address, m.City, strings.TrimSpace(m.State + " " + m.PostalCode), m.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Occurrence is one meeting of a weekly series.
type Occurrence struct {
	// Start and End are in the meeting's zone.
	Start, End time.Time
	// InProgress is whether the meeting had started, and not ended, at the
	// instant asked about.
	InProgress bool
}

// Next returns the meeting's occurrence that is in progress at instant t,
// else the next one to start, read in the meeting's zone (its own, else
// dir). A meeting drops off once it has ended: at its end the next
// occurrence is the next day it is held. Times follow the local clock
// across daylight-saving changes: a Saturday 19:00 meeting is at 19:00
// every week, and a meeting that runs past midnight (23:30-00:30) is in
// progress at 00:15 the next day. A start the clocks skip when they spring
// forward (02:30) is read with the offset before the change (03:30 new
// time), and a time that occurs twice when they fall back is the first, as
// calendars do (RFC 5545). Next returns false for a meeting with no days
// or start time (by appointment) and for one nobody can attend (inactive,
// temporarily closed with no conference).
func (m *Meeting) Next(t time.Time, dir *time.Location) (Occurrence, bool) {
	if !m.Scheduled() || !m.Active() {
		return Occurrence{}, false
	}
	loc := m.Zone(dir)
	local := t.In(loc)
	// Yesterday's meeting may still run past midnight; a weekly meeting
	// that has just ended is next held in seven days.
	for i := -1; i <= 7; i++ {
		day := time.Date(local.Year(), local.Month(), local.Day()+i, 12, 0, 0, 0, loc)
		if !m.Days.Has(day.Weekday()) {
			continue
		}
		start, end := m.span(DateOf(day), loc)
		if end.After(t) {
			return Occurrence{Start: start, End: end, InProgress: !start.After(t)}, true
		}
	}
	return Occurrence{}, false
}

// span returns the start and end of the meeting held on date d in loc.
func (m *Meeting) span(d Date, loc *time.Location) (time.Time, time.Time) {
	start := wallClock(d, m.Start, loc)
	endClock := m.EndClock()
	endDay := d
	if endClock <= m.Start {
		endDay = Date{d.Year, d.Month, d.Day + 1}
	}
	end := wallClock(endDay, endClock, loc)
	if !end.After(start) {
		// Both ends fell in one daylight-saving jump: keep the length the
		// clock times say.
		length := time.Duration(endClock-m.Start) * time.Minute
		if length <= 0 {
			length += 24 * time.Hour
		}
		end = start.Add(length)
	}
	return start, end
}

// wallClock returns the instant the clocks in loc show c on date d (which
// may be out of range: day 32 is the next month's first). A time the clocks
// skip is read with the offset in force before the jump, so 02:30 on the
// night New York springs forward is 03:30 EDT; of a time that occurs twice
// it returns the first.
func wallClock(d Date, c Clock, loc *time.Location) time.Time {
	if c >= 24*60 {
		return time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, loc)
	}
	h, mi := int(c)/60, int(c)%60
	naive := time.Date(d.Year, d.Month, d.Day, h, mi, 0, 0, time.UTC)
	// A day before and a day after, the offsets are those in force on
	// either side of any change that day.
	_, before := naive.Add(-24 * time.Hour).In(loc).Zone()
	_, after := naive.Add(24 * time.Hour).In(loc).Zone()
	first := naive.Add(-time.Duration(before) * time.Second).In(loc)
	second := naive.Add(-time.Duration(after) * time.Second).In(loc)
	shows := func(t time.Time) bool { return t.Hour() == h && t.Minute() == mi }
	switch {
	case shows(first) && shows(second) && second.Before(first):
		return second
	case shows(first) || !shows(second):
		return first
	}
	return second
}

// MeetingsHelp is where a directory sends people for recovery meetings
// when it lists none that fit a search (none are imported, or none of the
// fellowship, type or place asked for): a note and the fellowships' own
// meeting finders, from directory.yaml's meetings_help.
type MeetingsHelp struct {
	Note  Text
	Links []MeetingsLink
}

// MeetingsLink is one place to find meetings: a fellowship's meeting
// finder or an intergroup's phone line.
type MeetingsLink struct {
	// Fellowship is the id of the fellowship whose meetings the link
	// finds, or "" for a link to meetings of every fellowship.
	Fellowship string
	Name       Text
	// URL and Call are the finder's web address and phone number; a link
	// has at least one.
	URL  string
	Call string
}

// For returns the links for meetings of the fellowships named (every link
// when none is named): those of the fellowships first, in the order
// given, then the links for every fellowship.
func (h *MeetingsHelp) For(fellowships []string) []MeetingsLink {
	if h == nil {
		return nil
	}
	if len(fellowships) == 0 {
		return h.Links
	}
	var out []MeetingsLink
	for _, f := range fellowships {
		for _, l := range h.Links {
			if l.Fellowship == f {
				out = append(out, l)
			}
		}
	}
	for _, l := range h.Links {
		if l.Fellowship == "" {
			out = append(out, l)
		}
	}
	return out
}
