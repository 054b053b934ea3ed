package present

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"trellis/internal/directory"
	"trellis/internal/i18n"
)

// The shapes in which recovery meetings leave Trellis, for the API and the
// pages alike. A meeting is shown with when it next meets, how to take part
// (the room, the link to join, the number to call) and its types named in
// the reader's language. Nothing about the people at a meeting leaves:
// the feed's contacts, and its payment handles, stay out.

// MeetingView is a recovery meeting on a result card.
type MeetingView struct {
	// ID is "<source>/<slug>".
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	Fellowship *FellowshipView `json:"fellowship,omitempty"`
	// Next is the occurrence in progress or the next one; nil for a
	// meeting nobody can attend.
	Next *MeetingTimeView `json:"next,omitempty"`
	// Schedule says when the meeting meets every week: "Sun · 7 PM–8 PM".
	Schedule string `json:"schedule,omitempty"`
	TimeZone string `json:"time_zone"`
	// Attendance is in_person, hybrid or online; AttendanceText says it
	// for people.
	Attendance     string            `json:"attendance"`
	AttendanceText string            `json:"attendance_text"`
	Types          []MeetingTypeView `json:"types,omitempty"`
	// Languages are the BCP 47 codes its types name.
	Languages []string `json:"languages,omitempty"`
	// Location is the building; Address, Point and DirectionsURL are
	// given for a meeting held in a room (not for one only online, whose
	// address is only its area).
	Location      string        `json:"location,omitempty"`
	Address       string        `json:"address,omitempty"`
	Point         *PointView    `json:"point,omitempty"`
	DirectionsURL string        `json:"directions_url,omitempty"`
	Region        string        `json:"region,omitempty"`
	Distance      *DistanceView `json:"distance,omitempty"`
	LocationNotes string        `json:"location_notes,omitempty"`
	Notes         string        `json:"notes,omitempty"`
	Group         string        `json:"group,omitempty"`
	// Join is the link to join online; Call the number to call in.
	Join *JoinView `json:"join,omitempty"`
	Call *CallView `json:"call,omitempty"`
	// URL is the meeting's page on the area's site; Entity who lists it.
	URL    string             `json:"url,omitempty"`
	Entity *MeetingEntityView `json:"entity,omitempty"`
	// Updated is when the listing was last updated (YYYY-MM-DD).
	Updated string `json:"updated,omitempty"`
}

// FellowshipView names a fellowship in the reader's language.
type FellowshipView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// MeetingTimeView is one occurrence of a meeting, in its zone.
type MeetingTimeView struct {
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	InProgress bool      `json:"in_progress,omitempty"`
	// Text says it for people: "Today 7 PM, in 40 min", "In progress ·
	// until 8 PM", "Tuesday 7 PM".
	Text string `json:"text"`
}

// MeetingTypeView is a Meeting Guide type code and its name.
type MeetingTypeView struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// JoinView is a link to join a meeting online.
type JoinView struct {
	URL   string `json:"url"`
	Notes string `json:"notes,omitempty"`
}

// CallView is a number to call into a meeting: Phone as the feed gives it
// (with pauses and the meeting's id: "+12025550100,,1000#"), CallURL the
// tel: link that dials all of it.
type CallView struct {
	Phone   string `json:"phone"`
	CallURL string `json:"call_url"`
	Notes   string `json:"notes,omitempty"`
}

// MeetingEntityView is the intergroup or district that lists a meeting.
type MeetingEntityView struct {
	Name    string `json:"name,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Website string `json:"website,omitempty"`
}

// MeetingsLinkView is a place to find meetings: a fellowship's meeting
// finder or a phone line.
type MeetingsLinkView struct {
	Fellowship string `json:"fellowship,omitempty"`
	Name       string `json:"name"`
	URL        string `json:"url,omitempty"`
	Call       string `json:"call,omitempty"`
	CallURL    string `json:"call_url,omitempty"`
}

// MeetingWait is how soon an occurrence is said to start in minutes
// ("in 40 min"): up to this far ahead.
const MeetingWait = 3 * time.Hour

// Meeting renders meeting m of fellowship (an id, "" when unknown) at its
// occurrence next (ok false when it has none), distance meters away (nil
// when unknown), at the viewer's instant.
func (v Viewer) Meeting(m *directory.Meeting, fellowship string, next directory.Occurrence, ok bool, distance *float64) MeetingView {
	zone := m.Zone(v.Catalog.Info.TimeZone)
	mode := m.Mode()
	mv := MeetingView{ID: m.Key(), Name: m.Name, TimeZone: zone.String(), Attendance: string(mode),
		AttendanceText: i18n.Default.T(v.Lang, "meeting.mode."+string(mode)), Languages: m.Languages(),
		Location: m.Location, LocationNotes: m.LocationNotes, Notes: m.Notes, Group: m.Group, URL: m.URL,
		Distance: v.Distance(distance)}
	if fellowship != "" && v.Catalog.Vocabulary != nil {
		if f := v.Catalog.Vocabulary.Meetings.Fellowship(fellowship); f != nil {
			mv.Fellowship = &FellowshipView{ID: f.ID, Name: f.Name.In(v.Lang)}
		}
	}
	if ok {
		mv.Next = &MeetingTimeView{Start: next.Start, End: next.End, InProgress: next.InProgress, Text: MeetingTime(next, v.Now, v.Lang)}
	}
	if m.Scheduled() {
		mv.Schedule = v.schedule(m, zone)
	}
	for _, code := range m.Types {
		mv.Types = append(mv.Types, MeetingTypeView{Code: code, Name: v.Catalog.MeetingTypes.Name(code, v.Lang)})
	}
	if m.InPerson() {
		mv.Address = m.AddressLine()
		if m.HasPoint {
			mv.Point = &PointView{Lat: m.Point.Lat(), Lon: m.Point.Lon()}
			mv.DirectionsURL = fmt.Sprintf("https://www.openstreetmap.org/directions?to=%.6f%%2C%.6f", m.Point.Lat(), m.Point.Lon())
		}
	}
	mv.Region = meetingRegion(m)
	if m.Online() {
		if m.ConferenceURL != "" {
			mv.Join = &JoinView{URL: m.ConferenceURL, Notes: m.ConferenceURLNotes}
		}
		if m.ConferencePhone != "" {
			mv.Call = &CallView{Phone: m.ConferencePhone, CallURL: ConferenceCallURL(m.ConferencePhone), Notes: m.ConferencePhoneNotes}
		}
	}
	if e := m.Entity; e.Name != "" || e.Phone != "" || e.WebsiteURL != "" {
		mv.Entity = &MeetingEntityView{Name: e.Name, Phone: e.Phone, Website: e.WebsiteURL}
	}
	if !m.Updated.IsZero() {
		mv.Updated = m.Updated.Format(time.DateOnly)
	}
	return mv
}

// meetingRegion joins a meeting's regions, most general first.
func meetingRegion(m *directory.Meeting) string {
	if len(m.Regions) > 0 {
		return strings.Join(m.Regions, " › ")
	}
	var parts []string
	for _, p := range []string{m.Region, m.SubRegion} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " › ")
}

// schedule writes when a meeting meets each week, in its zone: "Mon, Wed,
// Fri · 12 PM–1 PM", with the zone's name when it is not the directory's.
func (v Viewer) schedule(m *directory.Meeting, zone *time.Location) string {
	days := DayRuns(m.Days, "–", func(d time.Weekday) string { return i18n.Default.T(v.Lang, "day.short."+strconv.Itoa(int(d))) })
	clock := func(c directory.Clock) string {
		return Clock(time.Date(2000, 1, 1, int(c)/60, int(c)%60, 0, 0, time.UTC), v.Lang)
	}
	out := days + " · " + clock(m.Start) + "–" + clock(m.EndClock()%(24*60))
	if dir := v.Catalog.Info.TimeZone; dir == nil || dir.String() != zone.String() {
		out += " (" + zone.String() + ")"
	}
	return out
}

// MeetingTime says when an occurrence is, for people, at instant now:
// "In progress · until 8 PM", "Today 7 PM, in 40 min", "Tomorrow 12 PM",
// "Tuesday 7 PM", and "Next Saturday 1 AM" for one on today's weekday a
// week ahead (today's has passed): "Saturday" alone, said on a Saturday,
// would read as today. Times are those of the meeting's zone.
func MeetingTime(occ directory.Occurrence, now time.Time, lang string) string {
	c := i18n.Default
	now = now.In(occ.Start.Location())
	if occ.InProgress {
		return c.T(lang, "meeting.in_progress", "time", Clock(occ.End, lang))
	}
	day := Day(occ.Start, now, lang)
	if !sameDay(occ.Start, now) && occ.Start.Weekday() == now.Weekday() {
		day = c.T(lang, "meeting.next_week", "day", day)
	}
	when := c.T(lang, "meeting.at", "day", day, "time", Clock(occ.Start, lang))
	if wait := occ.Start.Sub(now); wait <= MeetingWait {
		when = c.T(lang, "meeting.at_in", "when", when, "wait", Wait(wait, lang))
	}
	return capitalizeFirst(when)
}

// Wait says how long until something starts: "40 min", "2 h 5 min",
// "1 h", rounded up to the minute.
func Wait(d time.Duration, lang string) string {
	c := i18n.Default
	mins := int((d + time.Minute - 1) / time.Minute)
	h, m := mins/60, mins%60
	switch {
	case h == 0:
		return c.T(lang, "meeting.wait_min", "min", strconv.Itoa(m))
	case m == 0:
		return c.T(lang, "meeting.wait_hours", "hours", strconv.Itoa(h))
	}
	return c.T(lang, "meeting.wait_hours_min", "hours", strconv.Itoa(h), "min", strconv.Itoa(m))
}

// ConferenceCallURL returns the tel: link that dials a conference number
// with its pauses and the meeting's id: "+12025550100,,1000#" becomes
// "tel:+12025550100,,1000%23" (RFC 3966 keeps "," and "#" is escaped).
func ConferenceCallURL(phone string) string {
	var b strings.Builder
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9', r == ',', r == '*', r == ';':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == '#':
			b.WriteString(url.QueryEscape("#"))
		}
	}
	return "tel:" + b.String()
}

// MeetingsLinks renders places to find meetings in the viewer's language.
func (v Viewer) MeetingsLinks(ls []directory.MeetingsLink) []MeetingsLinkView {
	out := make([]MeetingsLinkView, 0, len(ls))
	for _, l := range ls {
		lv := MeetingsLinkView{Fellowship: l.Fellowship, Name: l.Name.In(v.Lang), URL: l.URL, Call: l.Call}
		if l.Call != "" {
			lv.CallURL = "tel:" + Dial(l.Call)
		}
		out = append(out, lv)
	}
	return out
}

// MeetingsNoFinder says that the directory offers no meeting finder for
// the fellowships ids (those asked that meetings_help has no link for), in
// the viewer's language; "" for none.
func (v Viewer) MeetingsNoFinder(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		name := id
		if v.Catalog.Vocabulary != nil {
			if f := v.Catalog.Vocabulary.Meetings.Fellowship(id); f != nil {
				name = f.Name.In(v.Lang)
			}
		}
		names = append(names, name)
	}
	return i18n.Default.T(v.Lang, "meeting.no_finder", "fellowships", strings.Join(names, ", "))
}

func capitalizeFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
