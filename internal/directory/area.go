package directory

import "github.com/paulmach/orb"

// County is a US county or county equivalent.
type County struct {
	// FIPS is the 5-digit state+county code, e.g. "24031".
	FIPS  string
	Name  string // "Montgomery"
	State string // two-letter postal code, "MD"
}

// ServiceArea is where a service's clients must live or be. A service with
// no area serves whoever reaches it. A place is covered when any one of the
// set parts covers it.
type ServiceArea struct {
	// RadiusMeters, when positive, covers places within that distance of any
	// of the service's locations.
	RadiusMeters float64
	Counties     []County
	ZIPs         []string
	// States are two-letter postal codes ("DC").
	States []string
	// Polygon is a GeoJSON (multi)polygon in lon/lat; PolygonFile is the
	// file it was read from, relative to the data directory.
	Polygon     orb.MultiPolygon
	PolygonFile string
	Note        string
}

// IsZero reports whether the area sets no rule.
func (a *ServiceArea) IsZero() bool {
	return a == nil || (a.RadiusMeters <= 0 && len(a.Counties) == 0 && len(a.ZIPs) == 0 &&
		len(a.States) == 0 && len(a.Polygon) == 0)
}
