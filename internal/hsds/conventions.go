package hsds

// This file holds the conventions by which Trellis writes facts that HSDS
// 3.0 has no structured field for, and by which the importer reads them
// back. Each is plain text a person can read; the importer recognises
// exactly the forms written here.
//
//   - A yearly season: every weekly schedule row of the hours has the
//     description "Open from June 14 to August 30 each year." (HSDS
//     valid_from/valid_to are dates of one year, not a yearly window).
//   - By appointment: attending_type "By appointment.".
//   - A dated closure: a schedule row with valid_from and valid_to, no
//     times and the description "Closed." or "Closed: <note>".
//   - A service area by county or state: uri
//     https://data.census.gov/profile?g=050XX00US<county FIPS> or
//     ...040XX00US<state FIPS>, name the county's or state's name.
//   - A radius around the service's locations: extent_type "text", extent
//     "within <meters> m of the service's locations".
//   - An address without ZIP code (HSDS requires postal_code): no address
//     row; the location's description ends "Address as listed (no ZIP
//     code): <street>, <city>, <ST>." (the form the importer already
//     reads from the US public facility packages).
//   - Free: one cost option with amount 0, currency USD and option "Free".
//   - A phone extension that is not a plain number (a leading zero, "4#"):
//     the phone's description starts "Extension 0150. ".

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"trellis/internal/listings"
)

// seasonDescription writes a yearly season for a schedule's description.
func seasonDescription(fromMonth time.Month, fromDay int, toMonth time.Month, toDay int) string {
	return fmt.Sprintf("Open from %s %d to %s %d each year.", fromMonth, fromDay, toMonth, toDay)
}

var seasonDescRE = regexp.MustCompile(`^Open from ([A-Z][a-z]+ \d{1,2}) to ([A-Z][a-z]+ \d{1,2}) each year\.$`)

// parseSeasonDescription reads a description written by
// seasonDescription; false when s is not one.
func parseSeasonDescription(s string) (*listings.Season, bool) {
	m := seasonDescRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return nil, false
	}
	fm, fd, ok1 := parseSeasonDate(m[1], false)
	tm, td, ok2 := parseSeasonDate(m[2], true)
	if !ok1 || !ok2 {
		return nil, false
	}
	return &listings.Season{From: fmt.Sprintf("%02d-%02d", fm, fd), To: fmt.Sprintf("%02d-%02d", tm, td)}, true
}

// byAppointment is the attending_type of hours by appointment.
const byAppointment = "By appointment."

var byAppointmentRE = regexp.MustCompile(`(?i)^\s*by appointment\.?\s*$`)

// closureDescription writes a closure row's description.
func closureDescription(note string) string {
	if note = strings.TrimSpace(note); note != "" {
		return "Closed: " + note
	}
	return "Closed."
}

var closureDescRE = regexp.MustCompile(`^Closed(?:\.|: ([\s\S]+))$`)

// closureRow reads a schedule row written for a closure: no times or
// recurrence, valid_from (and valid_to) dates, a closureDescription. It
// returns false for any other row.
func closureRow(r *schedRec) (listings.Closure, bool) {
	if isRRULE(r) || r.ValidFrom == "" {
		return listings.Closure{}, false
	}
	m := closureDescRE.FindStringSubmatch(strings.TrimSpace(r.Desc))
	if m == nil {
		return listings.Closure{}, false
	}
	from, ok := isoDate(r.ValidFrom)
	if !ok {
		return listings.Closure{}, false
	}
	c := listings.Closure{From: from, Note: strings.TrimSpace(m[1])}
	if r.ValidTo != "" {
		to, ok := isoDate(r.ValidTo)
		if !ok {
			return listings.Closure{}, false
		}
		if to != from {
			c.To = to
		}
	}
	return c, true
}

// isoDate returns the YYYY-MM-DD date at the start of s.
func isoDate(s string) (string, bool) {
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse(time.DateOnly, s[:10]); err != nil {
		return "", false
	}
	return s[:10], true
}

// isRRULE reports whether a schedule row gives times or a recurrence.
func isRRULE(r *schedRec) bool {
	return r.Opens != "" || r.Close != "" || r.Freq != "" || r.ByDay != ""
}

// Census profile URIs identify counties and states in service areas.
const (
	censusCountyURI = "https://data.census.gov/profile?g=050XX00US"
	censusStateURI  = "https://data.census.gov/profile?g=040XX00US"
)

var censusURIRE = regexp.MustCompile(`^https://data\.census\.gov/profile\?g=0([45])0XX00US(\d+)$`)

// parseCensusURI reads a service area uri written with censusCountyURI
// (kind "county", a 5-digit FIPS code) or censusStateURI (kind "state", 2
// digits); ok is false for any other uri.
func parseCensusURI(uri string) (kind, fips string, ok bool) {
	m := censusURIRE.FindStringSubmatch(strings.TrimSpace(uri))
	switch {
	case m == nil:
		return "", "", false
	case m[1] == "5" && len(m[2]) == 5:
		return "county", m[2], true
	case m[1] == "4" && len(m[2]) == 2:
		return "state", m[2], true
	}
	return "", "", false
}

// radiusExtent writes a radius for a text extent.
func radiusExtent(meters float64) string {
	return "within " + strconv.FormatFloat(meters, 'f', -1, 64) + " m of the service's locations"
}

var radiusExtentRE = regexp.MustCompile(`^within (\d+(?:\.\d+)?) m of the service's locations$`)

// parseRadiusExtent reads an extent written by radiusExtent as a listing
// radius ("8046.72m"); false for any other text.
func parseRadiusExtent(s string) (string, bool) {
	m := radiusExtentRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false
	}
	if v, err := strconv.ParseFloat(m[1], 64); err != nil || v <= 0 {
		return "", false
	}
	return m[1] + "m", true
}

// listedAddress writes an address without ZIP code into a location
// description, in the form addressAsListedRE reads.
func listedAddress(street, city, state string) string {
	return fmt.Sprintf("Address as listed (no ZIP code): %s, %s, %s.", street, city, state)
}

// extensionNote prefixes a phone's description with an extension HSDS
// cannot hold as a number ("0150", "4#").
func extensionNote(ext, desc string) string {
	return strings.TrimSpace("Extension " + ext + ". " + desc)
}

var extensionNoteRE = regexp.MustCompile(`^Extension ([0-9*#]+)\.(?: (.*))?$`)

// parseExtensionNote splits a description written by extensionNote into
// the extension and the rest; ok is false for any other description.
func parseExtensionNote(desc string) (ext, rest string, ok bool) {
	m := extensionNoteRE.FindStringSubmatch(desc)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// freeOption is the cost option that says a service is free.
const freeOption = "Free"

// isFreeOption reports whether a cost option only says "free": amount 0
// and no text beyond the option name Free.
func isFreeOption(co *costRec) bool {
	amt, err := strconv.ParseFloat(co.Amount, 64)
	return err == nil && amt == 0 && co.AmountDesc == "" && co.ValidFrom == "" && co.ValidTo == "" &&
		(co.Option == "" || strings.EqualFold(co.Option, freeOption))
}
