package geo_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

var (
	gazOnce sync.Once
	gaz     *geo.Gazetteer
	gazErr  error
)

// MustLoad returns the gazetteer built from the repository's data
// directory, loading it once for all tests and benchmarks.
func MustLoad(tb testing.TB) *geo.Gazetteer {
	tb.Helper()
	gazOnce.Do(func() { gaz, gazErr = geo.Load(os.DirFS("../../data")) })
	if gazErr != nil {
		tb.Fatalf("load gazetteer: %v", gazErr)
	}
	return gaz
}

var (
	dc         = directory.County{FIPS: "11001", Name: "District of Columbia", State: "DC"}
	montgomery = directory.County{FIPS: "24031", Name: "Montgomery", State: "MD"}
	arlington  = directory.County{FIPS: "51013", Name: "Arlington", State: "VA"}
)

func TestZIP(t *testing.T) {
	g := MustLoad(t)
	tests := []struct {
		name   string
		in     string
		ok     bool
		zip    string
		county directory.County
		near   orb.Point // the ZCTA's internal point
	}{
		{name: "DC", in: "20001", ok: true, zip: "20001", county: dc, near: orb.Point{-77.017739, 38.910353}},
		{name: "Silver Spring MD", in: "20910", ok: true, zip: "20910", county: montgomery, near: orb.Point{-77.036646, 39.00286}},
		{name: "Arlington VA", in: "22201", ok: true, zip: "22201", county: arlington, near: orb.Point{-77.094992, 38.886804}},
		{name: "Alexandria city VA", in: "22314", ok: true, zip: "22314",
			county: directory.County{FIPS: "51510", Name: "Alexandria city", State: "VA"}, near: orb.Point{-77.056374, 38.806853}},
		{name: "ZIP+4", in: "20001-1234", ok: true, zip: "20001", county: dc, near: orb.Point{-77.017739, 38.910353}},
		{name: "nine digits", in: "200011234", ok: true, zip: "20001", county: dc, near: orb.Point{-77.017739, 38.910353}},
		{name: "spaces around", in: " 20910 ", ok: true, zip: "20910", county: montgomery, near: orb.Point{-77.036646, 39.00286}},
		{name: "leading zero Puerto Rico", in: "00601", ok: true, zip: "00601",
			county: directory.County{FIPS: "72001", Name: "Adjuntas", State: "PR"}, near: orb.Point{-66.749961, 18.180555}},
		{
			// Frenchboro, on an island off Maine: its internal point falls
			// outside the simplified coastline and gets the nearest county.
			name: "island off the simplified coast", in: "04635", ok: true, zip: "04635",
			county: directory.County{FIPS: "23009", Name: "Hancock", State: "ME"}, near: orb.Point{-68.357532, 44.112753},
		},
		{name: "not a ZCTA", in: "99999", ok: false},
		{name: "zeros", in: "00000", ok: false},
		{name: "four digits", in: "2000", ok: false},
		{name: "letters", in: "2000a", ok: false},
		{name: "short plus four", in: "20001-12", ok: false},
		{name: "empty", in: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := g.ZIP(tt.in)
			if ok != tt.ok {
				t.Fatalf("ZIP(%q) ok = %v, want %v", tt.in, ok, tt.ok)
			}
			if !ok {
				if p != (geo.Place{}) {
					t.Errorf("ZIP(%q) = %+v with false, want the zero Place", tt.in, p)
				}
				return
			}
			if p.ZIP != tt.zip || p.Label != "ZIP "+tt.zip {
				t.Errorf("ZIP(%q) ZIP, Label = %q, %q; want %q, %q", tt.in, p.ZIP, p.Label, tt.zip, "ZIP "+tt.zip)
			}
			if p.County != tt.county || p.State != tt.county.State {
				t.Errorf("ZIP(%q) County, State = %+v, %q; want %+v, %q", tt.in, p.County, p.State, tt.county, tt.county.State)
			}
			if p.Point != tt.near {
				t.Errorf("ZIP(%q) Point = %v, want %v", tt.in, p.Point, tt.near)
			}
		})
	}
}

func TestAt(t *testing.T) {
	g := MustLoad(t)
	tests := []struct {
		name   string
		p      orb.Point
		county directory.County
		label  string
	}{
		{name: "White House, DC", p: orb.Point{-77.0365, 38.8977}, county: dc, label: "38.90, -77.04"},
		{name: "Silver Spring, MD", p: orb.Point{-77.0261, 38.9907}, county: montgomery, label: "38.99, -77.03"},
		{name: "Arlington, VA", p: orb.Point{-77.0910, 38.8816}, county: arlington, label: "38.88, -77.09"},
		{name: "Old Town Alexandria, VA (independent city)", p: orb.Point{-77.0469, 38.8048},
			county: directory.County{FIPS: "51510", Name: "Alexandria city", State: "VA"}, label: "38.80, -77.05"},
		{name: "Fairfax city, VA", p: orb.Point{-77.3064, 38.8462},
			county: directory.County{FIPS: "51600", Name: "Fairfax city", State: "VA"}, label: "38.85, -77.31"},
		{name: "Fairfax County, VA (Tysons)", p: orb.Point{-77.2311, 38.9187},
			county: directory.County{FIPS: "51059", Name: "Fairfax", State: "VA"}, label: "38.92, -77.23"},
		{name: "Baltimore city, MD", p: orb.Point{-76.6122, 39.2904},
			county: directory.County{FIPS: "24510", Name: "Baltimore city", State: "MD"}, label: "39.29, -76.61"},
		{name: "Towson, Baltimore County, MD", p: orb.Point{-76.6019, 39.4015},
			county: directory.County{FIPS: "24005", Name: "Baltimore", State: "MD"}, label: "39.40, -76.60"},
		{name: "Honolulu, HI", p: orb.Point{-157.8583, 21.3069},
			county: directory.County{FIPS: "15003", Name: "Honolulu", State: "HI"}, label: "21.31, -157.86"},
		{name: "Attu, west of the antimeridian", p: orb.Point{173.2, 52.85},
			county: directory.County{FIPS: "02016", Name: "Aleutians West", State: "AK"}, label: "52.85, 173.20"},
		{name: "Adak, east of the antimeridian", p: orb.Point{-176.6, 51.88},
			county: directory.County{FIPS: "02016", Name: "Aleutians West", State: "AK"}, label: "51.88, -176.60"},
		{name: "Guam", p: orb.Point{144.79, 13.44},
			county: directory.County{FIPS: "66010", Name: "Guam", State: "GU"}, label: "13.44, 144.79"},
		{name: "open Atlantic", p: orb.Point{-60, 35}, label: "35.00, -60.00"},
		{name: "Gulf of Mexico", p: orb.Point{-90, 26}, label: "26.00, -90.00"},
		{name: "Mexico City", p: orb.Point{-99.1332, 19.4326}, label: "19.43, -99.13"},
		{name: "out of range", p: orb.Point{200, 100}, label: "100.00, 200.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := g.At(tt.p)
			want := geo.Place{Point: tt.p, County: tt.county, State: tt.county.State, Label: tt.label}
			if got != want {
				t.Errorf("At(%v) = %+v, want %+v", tt.p, got, want)
			}
		})
	}
}

func TestCounty(t *testing.T) {
	g := MustLoad(t)
	tests := []struct {
		name, county, state string
		fips                string // "" means not found
	}{
		{name: "plain", county: "Montgomery", state: "MD", fips: "24031"},
		{name: "with County", county: "Montgomery County", state: "MD", fips: "24031"},
		{name: "any case and spaces", county: "  montgomery   COUNTY ", state: " md", fips: "24031"},
		{name: "state by name", county: "Montgomery", state: "Maryland", fips: "24031"},
		{name: "same name other state", county: "Montgomery", state: "PA", fips: "42091"},
		{name: "District of Columbia", county: "District of Columbia", state: "DC", fips: "11001"},
		{name: "Washington DC", county: "Washington", state: "DC", fips: "11001"},
		{name: "apostrophe", county: "Prince George's", state: "MD", fips: "24033"},
		{name: "no apostrophe", county: "Prince Georges County", state: "MD", fips: "24033"},
		{name: "curly apostrophe", county: "Prince George\u2019s", state: "MD", fips: "24033"},
		{name: "St. with period", county: "St. Mary's", state: "MD", fips: "24037"},
		{name: "Saint spelled out", county: "Saint Marys County", state: "MD", fips: "24037"},
		{name: "Fairfax is the county", county: "Fairfax", state: "VA", fips: "51059"},
		{name: "Fairfax County", county: "Fairfax County", state: "VA", fips: "51059"},
		{name: "Fairfax city", county: "Fairfax city", state: "VA", fips: "51600"},
		{name: "City of Fairfax", county: "City of Fairfax", state: "VA", fips: "51600"},
		{name: "Alexandria is the city", county: "Alexandria", state: "VA", fips: "51510"},
		{name: "Alexandria City", county: "Alexandria City", state: "VA", fips: "51510"},
		{name: "Baltimore is the county", county: "Baltimore", state: "MD", fips: "24005"},
		{name: "Baltimore City", county: "Baltimore City", state: "MD", fips: "24510"},
		{name: "St. Louis city", county: "St. Louis City", state: "MO", fips: "29510"},
		{name: "James City County is a county", county: "James City County", state: "VA", fips: "51095"},
		{name: "James City", county: "James City", state: "VA", fips: "51095"},
		{name: "Carson City", county: "Carson City", state: "NV", fips: "32510"},
		{name: "parish", county: "Orleans Parish", state: "LA", fips: "22071"},
		{name: "accent", county: "Doña Ana", state: "NM", fips: "35013"},
		{name: "accent dropped", county: "Dona Ana County", state: "NM", fips: "35013"},
		{name: "city and borough", county: "Juneau City and Borough", state: "AK", fips: "02110"},
		{name: "hyphen as space", county: "Matanuska Susitna Borough", state: "AK", fips: "02170"},
		{name: "unknown county", county: "Nowhere", state: "MD"},
		{name: "unknown state", county: "Montgomery", state: "XX"},
		{name: "county in another state", county: "Arlington", state: "MD"},
		{name: "empty", county: "", state: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := g.County(tt.county, tt.state)
			if tt.fips == "" {
				if ok || c != (directory.County{}) {
					t.Errorf("County(%q, %q) = %+v, %v; want not found", tt.county, tt.state, c, ok)
				}
				return
			}
			if !ok || c.FIPS != tt.fips {
				t.Fatalf("County(%q, %q) = %+v, %v; want FIPS %s", tt.county, tt.state, c, ok, tt.fips)
			}
			byFIPS, ok := g.CountyByFIPS(tt.fips)
			if !ok || byFIPS != c {
				t.Errorf("CountyByFIPS(%q) = %+v, %v; want %+v", tt.fips, byFIPS, ok, c)
			}
		})
	}
}

func TestCountyByFIPSAndShape(t *testing.T) {
	g := MustLoad(t)
	tests := []struct {
		name   string
		fips   string
		want   directory.County
		inside orb.Point // a point the shape must contain
	}{
		{name: "Montgomery MD", fips: "24031", want: montgomery, inside: orb.Point{-77.0261, 38.9907}},
		{name: "DC", fips: "11001", want: dc, inside: orb.Point{-77.0365, 38.8977}},
		{name: "Honolulu, a multipolygon", fips: "15003",
			want: directory.County{FIPS: "15003", Name: "Honolulu", State: "HI"}, inside: orb.Point{-157.8583, 21.3069}},
		{name: "unknown", fips: "99999"},
		{name: "state code only", fips: "24"},
		{name: "empty", fips: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := g.CountyByFIPS(tt.fips)
			shape, sok := g.CountyShape(tt.fips)
			if tt.want.FIPS == "" {
				if ok || sok || shape != nil {
					t.Errorf("CountyByFIPS/CountyShape(%q) found %+v, %v", tt.fips, c, sok)
				}
				return
			}
			if !ok || c != tt.want {
				t.Errorf("CountyByFIPS(%q) = %+v, %v; want %+v", tt.fips, c, ok, tt.want)
			}
			if !sok || !planar.MultiPolygonContains(shape, tt.inside) {
				t.Errorf("CountyShape(%q) = %d polygons, found %v; want one containing %v", tt.fips, len(shape), sok, tt.inside)
			}
		})
	}
}

func TestParsePlace(t *testing.T) {
	g := MustLoad(t)
	tests := []struct {
		name    string
		in      string
		want    geo.Place
		wantIs  error  // the sentinel the error wraps
		wantMsg string // substring of the error
	}{
		{name: "ZIP", in: "20001", want: geo.Place{Point: orb.Point{-77.017739, 38.910353}, ZIP: "20001", County: dc, State: "DC", Label: "ZIP 20001"}},
		{name: "ZIP+4", in: "20910-1234", want: geo.Place{Point: orb.Point{-77.036646, 39.00286}, ZIP: "20910", County: montgomery, State: "MD", Label: "ZIP 20910"}},
		{name: "lat,lon", in: "38.9,-77.03", want: geo.Place{Point: orb.Point{-77.03, 38.9}, County: dc, State: "DC", Label: "38.90, -77.03"}},
		{name: "lat, lon with spaces", in: " 38.8816 , -77.0910 ", want: geo.Place{Point: orb.Point{-77.0910, 38.8816}, County: arlington, State: "VA", Label: "38.88, -77.09"}},
		{name: "lat,lon in the ocean", in: "35,-60", want: geo.Place{Point: orb.Point{-60, 35}, Label: "35.00, -60.00"}},
		{name: "edges of the range", in: "-90,180", want: geo.Place{Point: orb.Point{180, -90}, Label: "-90.00, 180.00"}},
		{name: "unknown ZIP", in: "99999", wantIs: geo.ErrUnknownZIP, wantMsg: "ZIP 99999 is not a known residential ZIP code"},
		{name: "unknown ZIP+4", in: "00000-1234", wantIs: geo.ErrUnknownZIP, wantMsg: "ZIP 00000 is not a known residential ZIP code"},
		{name: "empty", in: "  ", wantIs: geo.ErrBadPlace, wantMsg: "give a ZIP code"},
		{name: "garbage", in: "downtown", wantIs: geo.ErrBadPlace, wantMsg: `"downtown" is not a ZIP code`},
		{name: "four digits", in: "2000", wantIs: geo.ErrBadPlace, wantMsg: "is not a ZIP code"},
		{name: "one number", in: "38.9", wantIs: geo.ErrBadPlace, wantMsg: "is not a ZIP code"},
		{name: "latitude too big", in: "91,0", wantIs: geo.ErrBadPlace, wantMsg: "latitude 91 is out of range [-90, 90]"},
		{name: "latitude too small", in: "-90.5,0", wantIs: geo.ErrBadPlace, wantMsg: "latitude -90.5 is out of range"},
		{name: "longitude too big", in: "0,181", wantIs: geo.ErrBadPlace, wantMsg: "longitude 181 is out of range [-180, 180]"},
		{name: "longitude too small", in: "0,-200", wantIs: geo.ErrBadPlace, wantMsg: "longitude -200 is out of range"},
		{name: "lat not a number", in: "north,-77", wantIs: geo.ErrBadPlace, wantMsg: "is not a lat,lon pair"},
		{name: "lon missing", in: "38.9,", wantIs: geo.ErrBadPlace, wantMsg: "is not a lat,lon pair"},
		{name: "three numbers", in: "38.9,-77.03,5", wantIs: geo.ErrBadPlace, wantMsg: "is not a lat,lon pair"},
		{name: "NaN", in: "NaN,0", wantIs: geo.ErrBadPlace, wantMsg: "is not a lat,lon pair"},
		{name: "infinite", in: "1e999,0", wantIs: geo.ErrBadPlace, wantMsg: "is not a lat,lon pair"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := g.ParsePlace(tt.in)
			if tt.wantIs != nil {
				if !errors.Is(err, tt.wantIs) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("ParsePlace(%q) = %+v, %v; want error wrapping %v containing %q", tt.in, got, err, tt.wantIs, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePlace(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePlace(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// gz returns s gzip-compressed.
func gz(tb testing.TB, s string) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func TestLoadErrors(t *testing.T) {
	const goodZIPs = "zip,lat,lon\n20001,38.910353,-77.017739\n"
	const square = `[[[-77.1,38.8],[-76.9,38.8],[-76.9,39.0],[-77.1,39.0],[-77.1,38.8]]]`
	county := func(fips, name, geom string) string {
		return `{"type":"Feature","id":"` + fips + `","properties":{"county_fips":"` + fips + `","name":"` + name + `"},"geometry":` + geom + `}`
	}
	collection := func(features ...string) string {
		return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
	}
	goodCounties := collection(county("11001", "District of Columbia", `{"type":"Polygon","coordinates":`+square+`}`))
	tests := []struct {
		name     string
		zips     []byte // nil: file missing
		counties []byte
		wantErr  string // "" means Load succeeds
	}{
		{name: "minimal good files", zips: gz(t, goodZIPs), counties: gz(t, goodCounties)},
		{name: "ZIP file missing", counties: gz(t, goodCounties), wantErr: "geo: load zips: open geo/zcta_2021_centroids.csv.gz"},
		{name: "county file missing", zips: gz(t, goodZIPs), wantErr: "geo: load counties: open geo/us_counties_2017_10m.geojson.gz"},
		{name: "ZIP file not gzip", zips: []byte(goodZIPs), counties: gz(t, goodCounties), wantErr: "geo: load zips: gzip: invalid header"},
		{name: "wrong ZIP header", zips: gz(t, "zcta,y,x\n20001,38.9,-77.0\n"), counties: gz(t, goodCounties), wantErr: "header is"},
		{name: "bad ZIP row", zips: gz(t, goodZIPs+"2000x,38.9,-77.0\n"), counties: gz(t, goodCounties), wantErr: ".csv.gz:3: bad row"},
		{name: "ZIP latitude out of range", zips: gz(t, goodZIPs+"20002,98.9,-77.0\n"), counties: gz(t, goodCounties), wantErr: ":3: bad row"},
		{name: "short ZIP row", zips: gz(t, goodZIPs+"20002,38.9\n"), counties: gz(t, goodCounties), wantErr: "wrong number of fields"},
		{name: "county file not JSON", zips: gz(t, goodZIPs), counties: gz(t, "{"), wantErr: "geo: load counties"},
		{name: "not a feature collection", zips: gz(t, goodZIPs), counties: gz(t, `{"type":"Feature","features":[]}`), wantErr: "want FeatureCollection"},
		{name: "point geometry", zips: gz(t, goodZIPs),
			counties: gz(t, collection(county("11001", "DC", `{"type":"Point","coordinates":[-77,38.9]}`))), wantErr: `county 11001: geometry is "Point"`},
		{name: "unknown state FIPS", zips: gz(t, goodZIPs),
			counties: gz(t, collection(county("99001", "Nowhere", `{"type":"Polygon","coordinates":`+square+`}`))), wantErr: `bad county_fips "99001"`},
		{name: "missing name", zips: gz(t, goodZIPs),
			counties: gz(t, collection(county("11001", "", `{"type":"Polygon","coordinates":`+square+`}`))), wantErr: `or name ""`},
		{name: "duplicate county", zips: gz(t, goodZIPs),
			counties: gz(t, collection(
				county("11001", "District of Columbia", `{"type":"Polygon","coordinates":`+square+`}`),
				county("11001", "District of Columbia", `{"type":"Polygon","coordinates":`+square+`}`))), wantErr: "duplicate county 11001"},
		{name: "bad coordinates", zips: gz(t, goodZIPs),
			counties: gz(t, collection(county("11001", "DC", `{"type":"Polygon","coordinates":[[["a","b"]]]}`))), wantErr: "county 11001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			if tt.zips != nil {
				fsys[geo.ZIPFile] = &fstest.MapFile{Data: tt.zips}
			}
			if tt.counties != nil {
				fsys[geo.CountyFile] = &fstest.MapFile{Data: tt.counties}
			}
			g, err := geo.Load(fsys)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v; want error containing %q", err, tt.wantErr)
				}
				if g != nil {
					t.Errorf("Load returned a gazetteer with an error")
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			p, ok := g.ZIP("20001")
			if !ok || p.County.FIPS != "11001" {
				t.Errorf("ZIP(20001) on the minimal gazetteer = %+v, %v; want county 11001", p, ok)
			}
		})
	}
}

// TestConcurrentUse runs lookups from several goroutines; `go test -race`
// checks that the gazetteer is safe for concurrent use.
func TestConcurrentUse(t *testing.T) {
	g := MustLoad(t)
	zips := []string{"20001", "20910", "22201", "04635", "99999"}
	var wg sync.WaitGroup
	errs := make(chan string, 8*len(zips))
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, z := range zips {
				p, zok := g.ZIP(z)
				q := g.At(p.Point)
				if zok && q.County != p.County {
					errs <- z + ": ZIP and At disagree on the county"
				}
				if _, ok := g.County("Montgomery", "MD"); !ok {
					errs <- "County(Montgomery, MD) not found"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestOutlines(t *testing.T) {
	g := MustLoad(t)
	// Around the White House: the District and its neighbours.
	b := orb.Bound{Min: orb.Point{-77.10, 38.85}, Max: orb.Point{-76.95, 38.95}}
	var fips []string
	for _, o := range g.Outlines(b) {
		fips = append(fips, o.County.FIPS)
		if len(o.Shape) == 0 {
			t.Errorf("%s has no shape", o.County.FIPS)
		}
	}
	for _, want := range []string{"11001", "51013", "24033"} { // DC, Arlington, Prince George's
		if !slices.Contains(fips, want) {
			t.Errorf("outlines around DC = %v, lack %s", fips, want)
		}
	}
	if slices.Contains(fips, "06075") {
		t.Error("outlines around DC include San Francisco")
	}
	if o := g.Outlines(orb.Bound{Min: orb.Point{-130, 20}, Max: orb.Point{-60, 50}}); o != nil {
		t.Errorf("a continent-wide bound gave %d outlines", len(o))
	}
}
