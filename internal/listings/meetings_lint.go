package listings

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"trellis/internal/directory"
)

// The codes of Lint's warnings about meetings. Most follow a rule of the
// Meeting Guide specification that a feed can break and still be read.
const (
	// WarnAnonymity: a meeting's text or a contact seems to give a last
	// name. "Your data must not break anyone's anonymity. No last names
	// should be used in meeting data."
	WarnAnonymity = "anonymity"
	// WarnUnknownType: a type code that is not in the specification's
	// table (data/meetingguide): pages cannot name it and filters miss it.
	WarnUnknownType = "unknown-type"
	// WarnAddressNotes: directions in the address ("upstairs", "around
	// back"), which break geocoding and belong in notes.
	WarnAddressNotes = "address-notes"
	// WarnNoAddress: a meeting held in person without a specific address.
	WarnNoAddress = "no-address"
	// WarnNoConference: an online or hybrid meeting with neither a
	// conference URL nor a phone, which the specification counts inactive.
	WarnNoConference = "no-conference"
	// WarnHTML: HTML in a plain-text field.
	WarnHTML = "html"
	// WarnSchedule: days without a time, a time without days, or an end
	// time equal to the start.
	WarnSchedule = "schedule"
	// WarnEntity: entity details without the entity's name, which the
	// specification requires with them.
	WarnEntity = "entity"
)

// meetings warns about every meeting of the catalog.
func (l *linter) meetings() {
	for _, m := range l.cat.Meetings {
		l.meetingTypes(m)
		l.anonymity(m)
		l.meetingPlace(m)
		l.meetingText(m)
		l.meetingSchedule(m)
		if !m.Entity.IsZero() && m.Entity.Name == "" {
			l.warn(l.pos.At(m, "entity"), WarnEntity, fmt.Sprintf(
				"meeting %q gives entity details without the entity's name: the specification requires \"entity\" with the other entity fields", m.Slug))
		}
	}
}

func (l *linter) meetingTypes(m *directory.Meeting) {
	for i, code := range m.Types {
		mt := l.cat.MeetingTypes.Type(code)
		if mt != nil {
			continue
		}
		msg := fmt.Sprintf("meeting %q has type %q, which is not a Meeting Guide type code: pages show the code as it is and type filters do not find it", m.Slug, code)
		if g := suggestCode(code, l.cat.MeetingTypes.Codes()); g != "" {
			msg += fmt.Sprintf("; did you mean %q?", g)
		}
		l.warn(l.pos.At(m, fmt.Sprintf("types.%d", i)), WarnUnknownType, msg)
	}
}

// suggestCode returns the code that differs from s only in case, or "".
// Codes are short, so an edit distance would suggest a wrong one.
func suggestCode(s string, codes []string) string {
	for _, c := range codes {
		if strings.EqualFold(c, s) {
			return c
		}
	}
	return ""
}

// anonymity warns about last names in the meeting's text and contacts.
func (l *linter) anonymity(m *directory.Meeting) {
	fields := []struct{ key, text string }{
		{"name", m.Name}, {"notes", m.Notes}, {"location_notes", m.LocationNotes}, {"group", m.Group},
		{"group_notes", m.GroupNotes}, {"conference_url_notes", m.ConferenceURLNotes},
		{"conference_phone_notes", m.ConferencePhoneNotes},
	}
	for _, f := range fields {
		for _, name := range FullNames(f.text) {
			l.warn(l.pos.At(m, f.key), WarnAnonymity, fmt.Sprintf(
				"meeting %q: %s seems to give a last name (%q): the specification asks for no last names in meeting data; ask the feed's maintainers to use a first name and initial", m.Slug, f.key, name))
		}
	}
	for i, c := range m.Contacts {
		at := l.pos.At(m, fmt.Sprintf("contacts.%d", i))
		if last := ContactLastName(c.Name); last != "" {
			l.warn(at, WarnAnonymity, fmt.Sprintf(
				"meeting %q: contact %q seems to give a last name (%q): contacts should not break anyone's anonymity; use a first name and initial", m.Slug, c.Name, last))
		}
		if emailShowsLastName(c.Name, c.Email) {
			l.warn(at, WarnAnonymity, fmt.Sprintf(
				"meeting %q: contact email %q seems to spell out %q's last name", m.Slug, c.Email, c.Name))
		}
	}
}

// addressNotesRE finds directions in an address, which the specification
// asks to move into notes.
var addressNotesRE = regexp.MustCompile(`(?i)\b(upstairs|downstairs|basement|around (the )?back|in (the )?back|rear (door|entrance)|side (door|entrance)|back door|entrance|enter (through|via|from)|parking lot|room\s*#?\s*\w+|\d+(st|nd|rd|th) floor|floor \d+)\b`)

func (l *linter) meetingPlace(m *directory.Meeting) {
	for _, f := range []struct{ key, text string }{{"address", m.Address}, {"formatted_address", m.FormattedAddress}} {
		if hit := addressNotesRE.FindString(f.text); hit != "" {
			l.warn(l.pos.At(m, f.key), WarnAddressNotes, fmt.Sprintf(
				"meeting %q: the address says %q, which belongs in notes: extra words in an address are the first cause of geocoding problems", m.Slug, hit))
		}
	}
	mode := m.Mode()
	if mode == directory.AttendanceInPerson || mode == directory.AttendanceHybrid {
		switch {
		case m.Approximate != nil && *m.Approximate:
			l.warn(l.pos.At(m, "approximate"), WarnNoAddress, fmt.Sprintf(
				"meeting %q is held in person but its address is approximate: in-person meetings need a specific address", m.Slug))
		case m.Address == "" && m.FormattedAddress == "" && !m.HasPoint:
			l.warn(l.pos.At(m, ""), WarnNoAddress, fmt.Sprintf(
				"meeting %q is held in person but gives no address: add address and city, or formatted_address", m.Slug))
		}
	}
	if (m.Attendance == directory.AttendanceOnline || m.Attendance == directory.AttendanceHybrid) && !m.HasConference() {
		l.warn(l.pos.At(m, "attendance_option"), WarnNoConference, fmt.Sprintf(
			"meeting %q is %s but gives no conference_url or conference_phone: the specification counts it inactive, and Trellis shows no way to join", m.Slug, m.Attendance))
	}
}

// htmlRE finds an HTML tag or entity.
var htmlRE = regexp.MustCompile(`<(/?[a-zA-Z][a-zA-Z0-9]*)(\s[^<>]*)?/?>|&(nbsp|amp|lt|gt|quot|#[0-9]+);`)

func (l *linter) meetingText(m *directory.Meeting) {
	for _, f := range []struct{ key, text string }{
		{"name", m.Name}, {"notes", m.Notes}, {"location", m.Location}, {"location_notes", m.LocationNotes},
		{"group_notes", m.GroupNotes},
	} {
		if hit := htmlRE.FindString(f.text); hit != "" {
			l.warn(l.pos.At(m, f.key), WarnHTML, fmt.Sprintf(
				"meeting %q: %s holds HTML (%s): it is plain text, and pages show the markup as it is", m.Slug, f.key, hit))
		}
	}
}

func (l *linter) meetingSchedule(m *directory.Meeting) {
	switch {
	case m.Days != 0 && !m.HasStart:
		l.warn(l.pos.At(m, "days"), WarnSchedule, fmt.Sprintf(
			"meeting %q has days but no time: it cannot be placed on a day, so it is shown as by appointment", m.Slug))
	case m.Days == 0 && m.HasStart:
		l.warn(l.pos.At(m, "time"), WarnSchedule, fmt.Sprintf(
			"meeting %q has a time but no days: it cannot be placed on a day, so it is shown as by appointment", m.Slug))
	case m.HasStart && m.HasEnd && m.Start == m.End:
		l.warn(l.pos.At(m, "end_time"), WarnSchedule, fmt.Sprintf(
			"meeting %q ends when it starts: it is read as lasting an hour", m.Slug))
	}
}

// --- last names ---------------------------------------------------------------

// The patterns FullNames looks for: a capitalized first name and a
// capitalized last name (two letters or more, not an initial) after a word
// that introduces a person ("contact", "call", "chair:", "led by"), or
// before a phone number or email address.
var (
	personWord = `(\p{Lu}[\p{Ll}'’]+)`
	surname    = `(\p{Lu}(?:\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:['’-]\p{Lu}?\p{Ll}+)*|['’]\p{Lu}\p{Ll}+))\b`
	cueRE      = regexp.MustCompile(`(?i:\b(?:contact|call|text|ask for|e-?mail|reach|chair(?:person)?|secretary|treasurer|leader|led by|hosted by|host|speaker|gsr|sponsor|coordinator|questions\??)\b)[\s:,\-–]*(?:(?i:is)\s+)?` +
		personWord + `\s+` + surname)
	beforeContactRE = regexp.MustCompile(personWord + `\s+` + surname + `\s*(?:[:,\-–(]|\bat\b)?\s*(?:\+?\d[\d\s().-]{6,}\d|[\w.+-]+@[\w-]+\.[\w.]+)`)
)

// notNames are capitalized words that start or end a place, a book or a
// service rather than a person's name: "Grace Church", "Big Book", "Zoom
// Meeting".
var notNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`the a an our this that big st saint mt mount zoom google
		church hall center centre club house room street avenue ave road rd boulevard blvd park
		library hospital chapel lutheran methodist baptist episcopal presbyterian catholic unitarian
		community fellowship group groups meeting meetings intergroup office building school
		university college book books study step steps tradition traditions literature speaker
		discussion meditation beginners newcomers women men hotline line phone number central
		service services district area county city township village church's parish cathedral
		temple synagogue mosque ymca ywca club's alano anonymous aa na al-anon alateen smart
		recovery celebrate monday tuesday wednesday thursday friday saturday sunday january
		february march april may june july august september october november december
		north south east west northeast northwest southeast southwest floor door entrance
		parking lot basement building's room's suite`) {
		notNames[w] = true
	}
}

// FullNames returns the first-and-last names text seems to give ("contact
// Bob Smith", "Mary Jones 555-0100"): a warning sign that it breaks the
// anonymity the specification asks for. A first name with an initial
// ("Bob S.") is not one. It finds likely names, not every name: a
// coordinator reads the warning.
func FullNames(text string) []string {
	var out []string
	add := func(first, last string) {
		if notNames[strings.ToLower(first)] || notNames[strings.ToLower(last)] {
			return
		}
		n := first + " " + last
		for _, o := range out {
			if o == n {
				return
			}
		}
		out = append(out, n)
	}
	for _, m := range cueRE.FindAllStringSubmatch(text, -1) {
		add(m[1], m[2])
	}
	for _, m := range beforeContactRE.FindAllStringSubmatch(text, -1) {
		add(m[1], m[2])
	}
	return out
}

// ContactLastName returns the word of a contact's name that seems to be a
// last name ("Smith" in "Bob Smith"), or "" when the name is a first name,
// maybe with initials ("Bob", "Bob S.", "Mary J. K.").
func ContactLastName(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return unicode.IsSpace(r) || r == ',' || r == '(' || r == ')' })
	if len(words) < 2 {
		return ""
	}
	for _, w := range words[1:] {
		letters := strings.TrimRight(w, ".")
		if len([]rune(letters)) >= 2 && !notNames[strings.ToLower(letters)] && unicode.IsUpper([]rune(letters)[0]) {
			return letters
		}
	}
	return ""
}

// emailShowsLastName reports whether a contact's email spells out more
// than the first name the contact gives: "bob.smith@" for "Bob S.".
func emailShowsLastName(name, email string) bool {
	first := strings.ToLower(strings.Fields(name + " x")[0])
	local, _, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok || len(first) < 2 {
		return false
	}
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	return len(parts) == 2 && parts[0] == first && len(parts[1]) >= 3 && !notNames[parts[1]] &&
		strings.IndexFunc(parts[1], func(r rune) bool { return !unicode.IsLetter(r) }) < 0
}
