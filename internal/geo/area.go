package geo

import (
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"trellis/internal/directory"
)

// String returns "no area", "covered" or "not covered".
func (c Coverage) String() string {
	switch c {
	case NoArea:
		return "no area"
	case Covered:
		return "covered"
	case NotCovered:
		return "not covered"
	}
	return "unknown coverage"
}

// Covers reports whether service s's area covers place p. It returns NoArea
// when s sets no area; Covered when any part covers p: p lies within
// RadiusMeters (by Distance) of one of s's locations that has a point, p's
// county is one of the area's counties, p's ZIP code (first five digits) is
// one of its ZIPs, p's state is one of its states, or p's point lies inside
// its polygon; and NotCovered otherwise. A part that needs something p lacks
// (a ZIP code when p was given as coordinates; a point when p.Point is the
// zero point, which no US place has) does not cover p.
func Covers(s *directory.Service, p Place) Coverage {
	if s == nil || s.Area.IsZero() {
		return NoArea
	}
	a := s.Area
	hasPoint := p.Point != (orb.Point{})
	if a.RadiusMeters > 0 && hasPoint {
		for _, l := range s.Locations {
			if l != nil && l.HasPoint && Distance(l.Point, p.Point) <= a.RadiusMeters {
				return Covered
			}
		}
	}
	for _, c := range a.Counties {
		if sameCounty(c, p.County) {
			return Covered
		}
	}
	if z := zip5(p.ZIP); z != "" {
		for _, az := range a.ZIPs {
			if zip5(az) == z {
				return Covered
			}
		}
	}
	if p.State != "" {
		for _, st := range a.States {
			if strings.EqualFold(strings.TrimSpace(st), p.State) {
				return Covered
			}
		}
	}
	if hasPoint && len(a.Polygon) > 0 && planar.MultiPolygonContains(a.Polygon, p.Point) {
		return Covered
	}
	return NotCovered
}

// sameCounty compares two counties by FIPS code, or by folded name and
// state when the area's county was not resolved to a code.
func sameCounty(area, at directory.County) bool {
	if at.FIPS == "" && at.Name == "" {
		return false
	}
	if area.FIPS != "" && at.FIPS != "" {
		return area.FIPS == at.FIPS
	}
	return strings.EqualFold(area.State, at.State) && foldName(area.Name) == foldName(at.Name)
}

// zip5 returns the first five characters of a trimmed ZIP code, or "" when
// it is shorter.
func zip5(z string) string {
	z = strings.TrimSpace(z)
	if len(z) < 5 {
		return ""
	}
	return z[:5]
}

// AreaSummary describes a service area in plain words for pages and match
// reasons, its parts joined by "; ": "within 5 mi of its locations;
// Montgomery County, MD; ZIPs 20001, 20002; Maryland; a mapped area",
// followed by the area's note. It returns "" when the area sets no rule.
func AreaSummary(a *directory.ServiceArea) string {
	if a.IsZero() {
		return ""
	}
	var parts []string
	if a.RadiusMeters > 0 {
		d := strings.Replace(FormatDistance(a.RadiusMeters, "mi"), ".0 ", " ", 1)
		parts = append(parts, "within "+d+" of its locations")
	}
	for _, c := range a.Counties {
		parts = append(parts, CountyLabel(c))
	}
	switch len(a.ZIPs) {
	case 0:
	case 1:
		parts = append(parts, "ZIP "+a.ZIPs[0])
	default:
		parts = append(parts, "ZIPs "+strings.Join(a.ZIPs, ", "))
	}
	for _, st := range a.States {
		if name, ok := StateName(st); ok {
			parts = append(parts, name)
		} else {
			parts = append(parts, st)
		}
	}
	if len(a.Polygon) > 0 {
		parts = append(parts, "a mapped area")
	}
	if n := strings.TrimSpace(a.Note); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, "; ")
}

// CountyLabel names a county for people with its kind and state:
// "Montgomery County, MD", "Orleans Parish, LA", "City of Alexandria, VA",
// "District of Columbia". Alaska's boroughs and census areas, Puerto Rico's
// municipios and the territories get their name and state only ("Juneau,
// AK"), since the boundary data does not say their kind.
func CountyLabel(c directory.County) string {
	name := strings.TrimSpace(c.Name)
	st := strings.ToUpper(strings.TrimSpace(c.State))
	if sn, ok := StateName(st); ok && strings.EqualFold(sn, name) {
		return sn
	}
	if city, ok := strings.CutSuffix(name, " city"); ok && (c.FIPS == "" || independentCity(c.FIPS)) {
		return "City of " + city + ", " + st
	}
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, " county") || strings.HasSuffix(lower, " parish"):
	case st == "LA":
		name += " Parish"
	case st == "AK" || st == "PR" || st == "AS" || st == "GU" || st == "MP" || st == "VI":
	case c.FIPS == "32510": // Carson City
	default:
		name += " County"
	}
	if st == "" {
		return name
	}
	return name + ", " + st
}
