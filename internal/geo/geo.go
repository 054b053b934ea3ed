// Package geo resolves places (ZIP codes, coordinates, counties), measures
// distances and decides whether a service's area covers a place. It is the
// one source of distances in Trellis: search, matching and pages all call
// Distance.
package geo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"trellis/internal/directory"
)

// Meters per unit of the distance units Trellis accepts.
const (
	MetersPerMile = 1609.344
	MetersPerKm   = 1000.0
)

// Distance returns the great-circle distance between a and b in meters
// (haversine on a spherical earth, orb's geo.DistanceHaversine).
func Distance(a, b orb.Point) float64 {
	return orbgeo.DistanceHaversine(a, b)
}

// ParseDistance reads a distance with its unit, "5mi", "5 mi", "8km",
// "1500m", "2.5 miles", and returns meters. A bare number is an error: the
// unit must be said. It returns an error naming the problem for a missing or
// unknown unit, a negative, zero, non-finite or absurd (over 5,000 km) value.
func ParseDistance(s string) (float64, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	i := strings.IndexFunc(t, func(r rune) bool { return unicode.IsLetter(r) })
	if i < 0 {
		if v, err := strconv.ParseFloat(t, 64); err == nil && v <= 0 {
			return 0, fmt.Errorf("distance %q must be greater than zero", s)
		}
		return 0, fmt.Errorf("distance %q needs a unit: mi or km", s)
	}
	num, unit := strings.TrimSpace(t[:i]), strings.TrimSpace(t[i:])
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("distance %q is not a number followed by mi or km", s)
	}
	var per float64
	switch unit {
	case "mi", "mile", "miles":
		per = MetersPerMile
	case "km", "kilometer", "kilometers", "kilometre", "kilometres":
		per = MetersPerKm
	case "m", "meter", "meters", "metre", "metres":
		per = 1
	default:
		return 0, fmt.Errorf("distance %q has unknown unit %q: use mi or km", s, unit)
	}
	m := v * per
	if m <= 0 {
		return 0, fmt.Errorf("distance %q must be greater than zero", s)
	}
	if m > 5000*MetersPerKm {
		return 0, fmt.Errorf("distance %q is too large (at most 5000 km)", s)
	}
	return m, nil
}

// Place is where a person is, resolved as far as the gazetteer can.
type Place struct {
	Point orb.Point
	// ZIP is set when the place was given as a ZIP code.
	ZIP string
	// County is the county containing Point; zero FIPS when unknown.
	County directory.County
	// State is the two-letter postal code of the state containing Point.
	State string
	// Label names the place for people: "ZIP 20001" or "38.90, -77.03".
	Label string
}

// Coverage is the answer to "does this service's area cover this place?".
type Coverage int

// Coverage values.
const (
	// NoArea: the service sets no service area; it serves whoever reaches it.
	NoArea Coverage = iota
	// Covered: some part of the area (radius, county, ZIP, state, polygon)
	// covers the place.
	Covered
	// NotCovered: the service has an area and the place is outside all of it.
	NotCovered
)

// FormatDistance writes a distance for people in unit "mi" or "km" (any
// other unit is taken as miles): one decimal under 10 ("0.4 mi", "1.2 km"),
// whole numbers from 10 up ("12 mi"). It returns "" for a negative or
// non-finite distance.
func FormatDistance(meters float64, unit string) string {
	if meters < 0 || math.IsNaN(meters) || math.IsInf(meters, 0) {
		return ""
	}
	per, u := MetersPerMile, "mi"
	if strings.EqualFold(strings.TrimSpace(unit), "km") {
		per, u = MetersPerKm, "km"
	}
	v := meters / per
	if r := math.Round(v*10) / 10; r < 10 {
		return strconv.FormatFloat(r, 'f', 1, 64) + " " + u
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64) + " " + u
}
