package geo_test

import (
	"os"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// readPolygon reads the first feature of a GeoJSON fixture in testdata as a
// multipolygon.
func readPolygon(tb testing.TB, name string) orb.MultiPolygon {
	tb.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	fc, err := geojson.UnmarshalFeatureCollection(data)
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	switch g := fc.Features[0].Geometry.(type) {
	case orb.MultiPolygon:
		return g
	case orb.Polygon:
		return orb.MultiPolygon{g}
	default:
		tb.Fatalf("%s: geometry is %T, want a polygon", name, g)
		return nil
	}
}

func mustZIP(tb testing.TB, g *geo.Gazetteer, zip string) geo.Place {
	tb.Helper()
	p, ok := g.ZIP(zip)
	if !ok {
		tb.Fatalf("ZIP(%q) not found", zip)
	}
	return p
}

func TestCovers(t *testing.T) {
	g := MustLoad(t)
	square := readPolygon(t, "square.geojson")

	unionStation := &directory.Location{ID: "union-station", Point: orb.Point{-77.0063, 38.8973}, HasPoint: true}
	baltimoreLoc := &directory.Location{ID: "baltimore", Point: orb.Point{-76.6122, 39.2904}, HasPoint: true}
	noPoint := &directory.Location{ID: "no-point", Point: orb.Point{-77.0063, 38.8973}}

	zip20001 := mustZIP(t, g, "20001") // DC; 1.8 km from Union Station
	zip20910 := mustZIP(t, g, "20910") // Montgomery County, MD
	pointDC := g.At(zip20001.Point)    // the same point, given as lat,lon: no ZIP
	inHole := g.At(orb.Point{-77.025, 38.9})
	baltimore := g.At(orb.Point{-76.6122, 39.2904})
	ocean := g.At(orb.Point{-60, 35})

	mi := geo.MetersPerMile
	tests := []struct {
		name  string
		area  *directory.ServiceArea
		locs  []*directory.Location
		place geo.Place
		want  geo.Coverage
	}{
		{name: "no area", area: nil, place: zip20001, want: geo.NoArea},
		{name: "empty area", area: &directory.ServiceArea{}, place: zip20001, want: geo.NoArea},
		{name: "note only", area: &directory.ServiceArea{Note: "call first"}, place: zip20001, want: geo.NoArea},
		{name: "no area, empty place", area: nil, place: geo.Place{}, want: geo.NoArea},

		{name: "radius covers", area: &directory.ServiceArea{RadiusMeters: 2 * mi}, locs: []*directory.Location{unionStation}, place: zip20001, want: geo.Covered},
		{name: "radius too small", area: &directory.ServiceArea{RadiusMeters: 1 * mi}, locs: []*directory.Location{unionStation}, place: zip20001, want: geo.NotCovered},
		{name: "radius from the second location", area: &directory.ServiceArea{RadiusMeters: 2 * mi}, locs: []*directory.Location{baltimoreLoc, unionStation}, place: pointDC, want: geo.Covered},
		{name: "radius from a location without a point", area: &directory.ServiceArea{RadiusMeters: 2 * mi}, locs: []*directory.Location{noPoint}, place: zip20001, want: geo.NotCovered},
		{name: "radius without locations", area: &directory.ServiceArea{RadiusMeters: 2 * mi}, place: zip20001, want: geo.NotCovered},
		{name: "radius, place without a point", area: &directory.ServiceArea{RadiusMeters: 5000 * 1000}, locs: []*directory.Location{unionStation}, place: geo.Place{ZIP: "20001"}, want: geo.NotCovered},

		{name: "county covers", area: &directory.ServiceArea{Counties: []directory.County{dc, montgomery}}, place: zip20910, want: geo.Covered},
		{name: "county elsewhere", area: &directory.ServiceArea{Counties: []directory.County{montgomery}}, place: zip20001, want: geo.NotCovered},
		{name: "county without FIPS matches by name", area: &directory.ServiceArea{Counties: []directory.County{{Name: "montgomery", State: "md"}}}, place: zip20910, want: geo.Covered},
		{name: "county without FIPS, other state", area: &directory.ServiceArea{Counties: []directory.County{{Name: "Montgomery", State: "PA"}}}, place: zip20910, want: geo.NotCovered},
		{name: "county, place in no county", area: &directory.ServiceArea{Counties: []directory.County{montgomery}}, place: ocean, want: geo.NotCovered},
		{name: "unresolved county, place in no county", area: &directory.ServiceArea{Counties: []directory.County{{}}}, place: ocean, want: geo.NotCovered},

		{name: "ZIP covers", area: &directory.ServiceArea{ZIPs: []string{"20002", "20001"}}, place: zip20001, want: geo.Covered},
		{name: "ZIP+4 in the area", area: &directory.ServiceArea{ZIPs: []string{"20001-1234"}}, place: zip20001, want: geo.Covered},
		{name: "ZIP elsewhere", area: &directory.ServiceArea{ZIPs: []string{"20002"}}, place: zip20001, want: geo.NotCovered},
		{name: "ZIP, place given as lat,lon", area: &directory.ServiceArea{ZIPs: []string{"20001"}}, place: pointDC, want: geo.NotCovered},

		{name: "state covers", area: &directory.ServiceArea{States: []string{"dc"}}, place: pointDC, want: geo.Covered},
		{name: "state elsewhere", area: &directory.ServiceArea{States: []string{"DC", "VA"}}, place: zip20910, want: geo.NotCovered},
		{name: "state, place in no state", area: &directory.ServiceArea{States: []string{"DC"}}, place: ocean, want: geo.NotCovered},

		{name: "polygon covers", area: &directory.ServiceArea{Polygon: square}, place: zip20001, want: geo.Covered},
		{name: "polygon's second part covers", area: &directory.ServiceArea{Polygon: square}, place: baltimore, want: geo.Covered},
		{name: "polygon hole", area: &directory.ServiceArea{Polygon: square}, place: inHole, want: geo.NotCovered},
		{name: "polygon elsewhere", area: &directory.ServiceArea{Polygon: square}, place: zip20910, want: geo.NotCovered},
		{name: "polygon, place without a point", area: &directory.ServiceArea{Polygon: square}, place: geo.Place{ZIP: "20001", State: "DC"}, want: geo.NotCovered},

		{
			name: "one part of several covers",
			area: &directory.ServiceArea{RadiusMeters: 1 * mi, Counties: []directory.County{montgomery}, ZIPs: []string{"20001"}, States: []string{"VA"}},
			locs: []*directory.Location{unionStation}, place: zip20001, want: geo.Covered,
		},
		{
			name: "no part of several covers",
			area: &directory.ServiceArea{RadiusMeters: 1 * mi, Counties: []directory.County{montgomery}, ZIPs: []string{"20002"}, States: []string{"VA"}, Polygon: square},
			locs: []*directory.Location{unionStation}, place: inHole, want: geo.NotCovered,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &directory.Service{ID: "svc", Area: tt.area, Locations: tt.locs}
			if got := geo.Covers(s, tt.place); got != tt.want {
				t.Errorf("Covers(%+v, %+v) = %v, want %v", tt.area, tt.place, got, tt.want)
			}
		})
	}
	if got := geo.Covers(nil, zip20001); got != geo.NoArea {
		t.Errorf("Covers(nil service) = %v, want %v", got, geo.NoArea)
	}
}

func TestCoverageString(t *testing.T) {
	tests := []struct {
		name string
		c    geo.Coverage
		want string
	}{
		{name: "no area", c: geo.NoArea, want: "no area"},
		{name: "covered", c: geo.Covered, want: "covered"},
		{name: "not covered", c: geo.NotCovered, want: "not covered"},
		{name: "out of range", c: geo.Coverage(9), want: "unknown coverage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.c.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAreaSummary(t *testing.T) {
	alexandria := directory.County{FIPS: "51510", Name: "Alexandria city", State: "VA"}
	square := readPolygon(t, "square.geojson")
	tests := []struct {
		name string
		area *directory.ServiceArea
		want string
	}{
		{name: "nil", area: nil, want: ""},
		{name: "empty", area: &directory.ServiceArea{Note: "ignored without a rule"}, want: ""},
		{name: "whole miles", area: &directory.ServiceArea{RadiusMeters: 5 * geo.MetersPerMile}, want: "within 5 mi of its locations"},
		{name: "kilometres shown in miles", area: &directory.ServiceArea{RadiusMeters: 8000}, want: "within 5 mi of its locations"},
		{name: "half a mile", area: &directory.ServiceArea{RadiusMeters: 0.5 * geo.MetersPerMile}, want: "within 0.5 mi of its locations"},
		{name: "one ZIP", area: &directory.ServiceArea{ZIPs: []string{"20001"}}, want: "ZIP 20001"},
		{
			name: "radius, counties and ZIPs",
			area: &directory.ServiceArea{
				RadiusMeters: 5 * geo.MetersPerMile,
				Counties:     []directory.County{montgomery, dc, alexandria},
				ZIPs:         []string{"20001", "20002"},
			},
			want: "within 5 mi of its locations; Montgomery County, MD; District of Columbia; City of Alexandria, VA; ZIPs 20001, 20002",
		},
		{name: "states", area: &directory.ServiceArea{States: []string{"MD", "va", "XX"}}, want: "Maryland; Virginia; XX"},
		{name: "polygon and note", area: &directory.ServiceArea{Polygon: square, Note: " Residents of Ward 8 only "}, want: "a mapped area; Residents of Ward 8 only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.AreaSummary(tt.area); got != tt.want {
				t.Errorf("AreaSummary = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCountyLabel(t *testing.T) {
	tests := []struct {
		name string
		c    directory.County
		want string
	}{
		{name: "county", c: montgomery, want: "Montgomery County, MD"},
		{name: "District of Columbia", c: dc, want: "District of Columbia"},
		{name: "independent city", c: directory.County{FIPS: "51510", Name: "Alexandria city", State: "VA"}, want: "City of Alexandria, VA"},
		{name: "Baltimore city", c: directory.County{FIPS: "24510", Name: "Baltimore city", State: "MD"}, want: "City of Baltimore, MD"},
		{name: "Baltimore County", c: directory.County{FIPS: "24005", Name: "Baltimore", State: "MD"}, want: "Baltimore County, MD"},
		{name: "James City County", c: directory.County{FIPS: "51095", Name: "James City", State: "VA"}, want: "James City County, VA"},
		{name: "Carson City", c: directory.County{FIPS: "32510", Name: "Carson City", State: "NV"}, want: "Carson City, NV"},
		{name: "parish", c: directory.County{FIPS: "22071", Name: "Orleans", State: "LA"}, want: "Orleans Parish, LA"},
		{name: "Alaska borough", c: directory.County{FIPS: "02110", Name: "Juneau", State: "AK"}, want: "Juneau, AK"},
		{name: "Puerto Rico municipio", c: directory.County{FIPS: "72001", Name: "Adjuntas", State: "PR"}, want: "Adjuntas, PR"},
		{name: "Guam", c: directory.County{FIPS: "66010", Name: "Guam", State: "GU"}, want: "Guam"},
		{name: "name already says County", c: directory.County{Name: "Montgomery County", State: "md"}, want: "Montgomery County, MD"},
		{name: "unresolved city", c: directory.County{Name: "Fairfax city", State: "VA"}, want: "City of Fairfax, VA"},
		{name: "no state", c: directory.County{Name: "Montgomery"}, want: "Montgomery County"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.CountyLabel(tt.c); got != tt.want {
				t.Errorf("CountyLabel(%+v) = %q, want %q", tt.c, got, tt.want)
			}
		})
	}
}
