package present_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/present"
)

// TestConfidentialLocation checks the one rule every page and API answer
// relies on: a confidential location leaves without its address, point,
// directions, description or transit notes, and keeps its phones.
func TestConfidentialLocation(t *testing.T) {
	org := &directory.Organization{ID: "safe", Name: "Safe Haven"}
	addr := &directory.Address{Street: "999 Hidden Rd NE", City: "Washington", State: "DC", ZIP: "20018"}
	tests := []struct {
		name         string
		confidential bool
		wantAddress  bool
	}{
		{name: "public", confidential: false, wantAddress: true},
		{name: "confidential", confidential: true, wantAddress: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := &directory.Location{ID: "main", Org: org, Address: addr, Point: orb.Point{-76.97, 38.93}, HasPoint: true,
				Confidential: tc.confidential, Description: "Behind the blue door", Transit: "Bus 90 to Hidden Rd",
				Phones: []directory.Phone{{Number: "202-555-0199", Type: "hotline"}}}
			s := &directory.Service{ID: "dv", Org: org, Name: "Shelter", Locations: []*directory.Location{l}}
			org.Locations, org.Services = []*directory.Location{l}, []*directory.Service{s}
			cat, err := directory.NewCatalog(directory.Info{}, directory.NewTaxonomy(nil), []*directory.Organization{org})
			if err != nil {
				t.Fatal(err)
			}
			v := present.Viewer{Catalog: cat, Lang: "en", Now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC), Unit: "mi"}
			d := 1200.0
			views := []any{v.Location(l), v.Detail(s), v.Organization(org), v.Hit(s, l, &d, directory.OpenState{})}
			for _, view := range views {
				b, err := json.Marshal(view)
				if err != nil {
					t.Fatal(err)
				}
				js := string(b)
				for _, secret := range []string{"999 Hidden", "38.93", "-76.97", "directions", "blue door", "Bus 90"} {
					if got := strings.Contains(js, secret); got != tc.wantAddress {
						t.Errorf("%T: contains %q = %v, want %v\n%s", view, secret, got, tc.wantAddress, js)
					}
				}
				if !strings.Contains(js, "202-555-0199") {
					t.Errorf("%T: lost the phone: %s", view, js)
				}
			}
			if got := present.DirectionsURL(l); (got != "") != tc.wantAddress {
				t.Errorf("DirectionsURL = %q", got)
			}
		})
	}
}

func TestDirectionsAndGeo(t *testing.T) {
	to := present.PointView{Lat: 38.8899, Lon: -77.0091}
	from := present.PointView{Lat: 38.91023, Lon: -77.01789}
	tests := []struct {
		name, got, want string
	}{
		{"to only", present.DirectionsFrom(to, nil), "https://www.openstreetmap.org/directions?to=38.889900%2C-77.009100"},
		{"from the searched place", present.DirectionsFrom(to, &from), "https://www.openstreetmap.org/directions?from=38.9102%2C-77.0179&to=38.889900%2C-77.009100"},
		{"geo with a name", present.GeoURI(to, "Adams Place (men) Shelter"), "geo:38.889900,-77.009100?q=38.889900,-77.009100(Adams%20Place%20men%20Shelter)"},
		{"geo without a name", present.GeoURI(to, ""), "geo:38.889900,-77.009100?q=38.889900,-77.009100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}
