package geo

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"trellis/internal/directory"
)

// The gazetteer's files, relative to the data directory. PROVENANCE.md
// beside them says where they come from.
const (
	ZIPFile    = "geo/zcta_2021_centroids.csv.gz"
	CountyFile = "geo/us_counties_2017_10m.geojson.gz"
)

// Errors ParsePlace and the API return for places given by people. Check
// them with errors.Is; the wrapping error's message says what was wrong.
var (
	// ErrUnknownZIP: the ZIP code is well formed but not a ZIP Code
	// Tabulation Area (PO-box-only and single-business ZIPs have none).
	ErrUnknownZIP = errors.New("not a known residential ZIP code")
	// ErrBadPlace: the text is neither a ZIP code nor a lat,lon pair, or a
	// coordinate is out of range.
	ErrBadPlace = errors.New("bad place")
)

// nearTolerance is how far outside every county shape a point may fall and
// still be given the nearest county: the shapes are simplified for
// 1:10,000,000 maps, so coastal ZIP centroids and waterfront addresses can
// land off shore: ten kilometres places every ZIP code's internal point in a
// county (the farthest, on Maine's islands, are 5 to 10 km out).
const nearTolerance = 10000.0 // meters

// Gazetteer resolves ZIP codes, coordinates and county names to places.
// It is immutable once loaded and safe for concurrent use.
type Gazetteer struct {
	zips     map[uint32]orb.Point
	counties []countyShape
	byFIPS   map[string]int
	// names maps a state's postal code and a folded county name to the
	// county's index in counties.
	names map[string]map[string]int
	// grid maps a 1-degree cell to the polygons whose bounds touch it.
	grid map[int32][]polyRef
}

type countyShape struct {
	county directory.County
	shape  orb.MultiPolygon
}

// polyRef is one polygon of a county's shape, with its bounds.
type polyRef struct {
	county, poly int32
	bound        orb.Bound
}

// Load reads the gazetteer from fsys, the data directory: the ZIP
// centroids in ZIPFile and the county shapes in CountyFile. It returns an
// error naming the file and the problem when a file is missing or
// malformed.
func Load(fsys fs.FS) (*Gazetteer, error) {
	g := &Gazetteer{}
	zerr := make(chan error, 1)
	go func() { zerr <- g.loadZIPs(fsys) }()
	cerr := g.loadCounties(fsys)
	if err := errors.Join(<-zerr, cerr); err != nil {
		return nil, err
	}
	return g, nil
}

// readGzip returns the decompressed content of the gzip file name in fsys.
func readGzip(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	// Presize the buffer for the typical compression ratio (3 to 1) to
	// spare io.ReadAll's repeated doubling.
	var buf bytes.Buffer
	if st, err := f.Stat(); err == nil {
		buf.Grow(int(min(st.Size()*4, 64<<20)))
	}
	if _, err := buf.ReadFrom(zr); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (g *Gazetteer) loadZIPs(fsys fs.FS) error {
	data, err := readGzip(fsys, ZIPFile)
	if err != nil {
		return fmt.Errorf("geo: load zips: %w", err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.ReuseRecord = true
	r.FieldsPerRecord = 3
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("geo: load zips: %s: %w", ZIPFile, err)
	}
	if head[0] != "zip" || head[1] != "lat" || head[2] != "lon" {
		return fmt.Errorf("geo: load zips: %s: header is %q, want zip,lat,lon", ZIPFile, head)
	}
	g.zips = make(map[uint32]orb.Point, 34000)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("geo: load zips: %s: %w", ZIPFile, err)
		}
		line, _ := r.FieldPos(0)
		key, ok := zipKey(rec[0])
		lat, err1 := strconv.ParseFloat(rec[1], 64)
		lon, err2 := strconv.ParseFloat(rec[2], 64)
		if !ok || err1 != nil || err2 != nil || !validLatLon(lat, lon) {
			return fmt.Errorf("geo: load zips: %s:%d: bad row %q", ZIPFile, line, rec)
		}
		g.zips[key] = orb.Point{lon, lat}
	}
	return nil
}

// countyFeature is a feature of CountyFile. The coordinates are decoded
// straight into orb types (an orb.Point is a [2]float64), which takes half
// the time of orb's generic geojson decoder on the 3,231 county shapes.
type countyFeature struct {
	Properties struct {
		FIPS string `json:"county_fips"`
		Name string `json:"name"`
	} `json:"properties"`
	Geometry struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	} `json:"geometry"`
}

func (g *Gazetteer) loadCounties(fsys fs.FS) error {
	data, err := readGzip(fsys, CountyFile)
	if err != nil {
		return fmt.Errorf("geo: load counties: %w", err)
	}
	var fc struct {
		Type     string          `json:"type"`
		Features []countyFeature `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return fmt.Errorf("geo: load counties: %s: %w", CountyFile, err)
	}
	if fc.Type != "FeatureCollection" {
		return fmt.Errorf("geo: load counties: %s: type is %q, want FeatureCollection", CountyFile, fc.Type)
	}
	g.counties = make([]countyShape, 0, len(fc.Features))
	g.byFIPS = make(map[string]int, len(fc.Features))
	g.names = make(map[string]map[string]int, len(states))
	g.grid = make(map[int32][]polyRef, 4096)
	for i, f := range fc.Features {
		fips, name := f.Properties.FIPS, strings.TrimSpace(f.Properties.Name)
		st := stateOfFIPS(fips)
		if len(fips) != 5 || st == "" || name == "" {
			return fmt.Errorf("geo: load counties: %s: feature %d: bad county_fips %q or name %q", CountyFile, i, fips, name)
		}
		if _, dup := g.byFIPS[fips]; dup {
			return fmt.Errorf("geo: load counties: %s: duplicate county %s", CountyFile, fips)
		}
		var shape orb.MultiPolygon
		switch f.Geometry.Type {
		case "Polygon":
			var poly orb.Polygon
			err = json.Unmarshal(f.Geometry.Coordinates, &poly)
			shape = orb.MultiPolygon{poly}
		case "MultiPolygon":
			err = json.Unmarshal(f.Geometry.Coordinates, &shape)
		default:
			err = fmt.Errorf("geometry is %q, want Polygon or MultiPolygon", f.Geometry.Type)
		}
		if err != nil {
			return fmt.Errorf("geo: load counties: %s: county %s: %w", CountyFile, fips, err)
		}
		if independentCity(fips) {
			name += " city"
		}
		idx := len(g.counties)
		g.counties = append(g.counties, countyShape{
			county: directory.County{FIPS: fips, Name: name, State: st},
			shape:  shape,
		})
		g.byFIPS[fips] = idx
		if g.names[st] == nil {
			g.names[st] = map[string]int{}
		}
		g.names[st][foldName(name)] = idx
		for pi, poly := range shape {
			if len(poly) == 0 || len(poly[0]) < 4 {
				continue
			}
			ref := polyRef{county: int32(idx), poly: int32(pi), bound: poly.Bound()}
			x0, y0 := cellXY(ref.bound.Min)
			x1, y1 := cellXY(ref.bound.Max)
			for y := y0; y <= y1; y++ {
				for x := x0; x <= x1; x++ {
					k := y*360 + x
					g.grid[k] = append(g.grid[k], ref)
				}
			}
		}
	}
	if dc, ok := g.byFIPS["11001"]; ok {
		// "Washington, DC" is how most people name the District.
		g.names["DC"]["washington"] = dc
	}
	return nil
}

// cellXY returns the 1-degree grid column and row of p.
func cellXY(p orb.Point) (x, y int32) {
	x = int32(math.Floor(p.Lon() + 180))
	y = int32(math.Floor(p.Lat() + 90))
	return min(max(x, 0), 359), min(max(y, 0), 179)
}

func validLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// zipKey returns the 5-digit ZIP code in s (which may be ZIP+4, "20001-1234"
// or "200011234") as a number, and false when s is not a ZIP code.
func zipKey(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	switch {
	case len(s) == 5:
	case len(s) == 10 && s[5] == '-' && allDigits(s[6:]):
	case len(s) == 9 && allDigits(s[5:]):
	default:
		return 0, false
	}
	if !allDigits(s[:5]) {
		return 0, false
	}
	n, _ := strconv.ParseUint(s[:5], 10, 32)
	return uint32(n), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ZIP returns the place of a ZIP code given as 5 digits or ZIP+4: the ZIP
// Code Tabulation Area's internal point, its county and state, and the label
// "ZIP 20001". It returns false when the text is not a ZIP code or the ZIP
// code is not a ZCTA (PO-box-only and single-business ZIPs are not).
func (g *Gazetteer) ZIP(zip string) (Place, bool) {
	key, ok := zipKey(zip)
	if !ok {
		return Place{}, false
	}
	pt, ok := g.zips[key]
	if !ok {
		return Place{}, false
	}
	code := fmt.Sprintf("%05d", key)
	p := Place{Point: pt, ZIP: code, Label: "ZIP " + code}
	if c, ok := g.locate(pt, nearTolerance); ok {
		p.County, p.State = c, c.State
	}
	return p, true
}

// At returns the place at point p (lon, lat) with the county and state that
// contain it and a "38.90, -77.03" label. Points up to 10 km outside every
// county (off shore) get the nearest county, because the county shapes are
// simplified; points farther from every county (the open ocean, Mexico
// City) and out-of-range points get an empty County and State.
func (g *Gazetteer) At(p orb.Point) Place {
	pl := Place{Point: p, Label: pointLabel(p)}
	if c, ok := g.locate(p, nearTolerance); ok {
		pl.County, pl.State = c, c.State
	}
	return pl
}

func pointLabel(p orb.Point) string {
	return fmt.Sprintf("%.2f, %.2f", p.Lat(), p.Lon())
}

// locate returns the county containing p, else the county whose boundary is
// nearest p within tol meters.
func (g *Gazetteer) locate(p orb.Point, tol float64) (directory.County, bool) {
	if !validLatLon(p.Lat(), p.Lon()) {
		return directory.County{}, false
	}
	x, y := cellXY(p)
	for _, ref := range g.grid[y*360+x] {
		if ref.bound.Contains(p) && planar.PolygonContains(g.counties[ref.county].shape[ref.poly], p) {
			return g.counties[ref.county].county, true
		}
	}
	if tol <= 0 {
		return directory.County{}, false
	}
	// Search the cells around p for the nearest boundary. Distances are
	// measured on an equirectangular projection centred on p, which is
	// accurate to well under a percent at ten kilometres.
	kx := math.Cos(p.Lat()*math.Pi/180) * metersPerDegree
	ky := metersPerDegree
	best, bestIdx := tol, int32(-1)
	seen := map[int32]bool{}
	for dy := int32(-1); dy <= 1; dy++ {
		for dx := int32(-1); dx <= 1; dx++ {
			cx, cy := x+dx, y+dy
			if cy < 0 || cy > 179 {
				continue
			}
			cx = (cx + 360) % 360
			for _, ref := range g.grid[cy*360+cx] {
				key := ref.county<<12 | ref.poly
				if seen[key] || !nearBound(ref.bound, p, best/kx, best/ky) {
					continue
				}
				seen[key] = true
				for _, ring := range g.counties[ref.county].shape[ref.poly] {
					if d := ringDistance(ring, p, kx, ky); d < best {
						best, bestIdx = d, ref.county
					}
				}
			}
		}
	}
	if bestIdx < 0 {
		return directory.County{}, false
	}
	return g.counties[bestIdx].county, true
}

// metersPerDegree is the length of one degree of latitude on the sphere
// Distance uses.
const metersPerDegree = orb.EarthRadius * math.Pi / 180

// nearBound reports whether p is within dx degrees of longitude and dy of
// latitude of b.
func nearBound(b orb.Bound, p orb.Point, dx, dy float64) bool {
	return p.Lon() >= b.Min.Lon()-dx && p.Lon() <= b.Max.Lon()+dx &&
		p.Lat() >= b.Min.Lat()-dy && p.Lat() <= b.Max.Lat()+dy
}

// ringDistance returns the distance in meters from p to the nearest edge of
// r, with longitude scaled by kx and latitude by ky meters per degree.
func ringDistance(r orb.Ring, p orb.Point, kx, ky float64) float64 {
	best := math.Inf(1)
	for i := 0; i+1 < len(r); i++ {
		ax, ay := (r[i].Lon()-p.Lon())*kx, (r[i].Lat()-p.Lat())*ky
		bx, by := (r[i+1].Lon()-p.Lon())*kx, (r[i+1].Lat()-p.Lat())*ky
		// Distance from the origin to segment a-b.
		vx, vy := bx-ax, by-ay
		t := 0.0
		if l2 := vx*vx + vy*vy; l2 > 0 {
			t = min(max(-(ax*vx+ay*vy)/l2, 0), 1)
		}
		cx, cy := ax+t*vx, ay+t*vy
		best = min(best, math.Hypot(cx, cy))
	}
	return best
}

// County returns the county named name in state, both compared without
// regard to case, accents, periods or extra spaces. The name may carry its
// kind ("Montgomery County", "Orleans Parish") and the state may be a postal
// code or a name ("MD", "Maryland"). Virginia's, Maryland's and Missouri's
// independent cities are named "<name> city": "Fairfax" is Fairfax County,
// "Fairfax city" or "City of Fairfax" the city, and "Alexandria" the city
// because no county shares its name. It returns false when no such county
// is known.
func (g *Gazetteer) County(name, state string) (directory.County, bool) {
	st, ok := StateCode(state)
	if !ok {
		return directory.County{}, false
	}
	names := g.names[st]
	n := foldName(name)
	if rest, ok := strings.CutPrefix(n, "city of "); ok {
		n = rest + " city"
	}
	if i, ok := names[n]; ok {
		return g.counties[i].county, true
	}
	for _, suf := range countySuffixes {
		if rest, ok := strings.CutSuffix(n, suf); ok {
			if i, ok := names[rest]; ok {
				return g.counties[i].county, true
			}
		}
	}
	if i, ok := names[n+" city"]; ok {
		return g.counties[i].county, true
	}
	return directory.County{}, false
}

// CountyByFIPS returns the county with the 5-digit FIPS code fips
// ("24031"), or false when there is none.
func (g *Gazetteer) CountyByFIPS(fips string) (directory.County, bool) {
	i, ok := g.byFIPS[strings.TrimSpace(fips)]
	if !ok {
		return directory.County{}, false
	}
	return g.counties[i].county, true
}

// CountyShape returns the (simplified) boundary of the county with FIPS
// code fips in lon/lat, or false when there is none. The shape is shared:
// callers must not modify it.
func (g *Gazetteer) CountyShape(fips string) (orb.MultiPolygon, bool) {
	i, ok := g.byFIPS[strings.TrimSpace(fips)]
	if !ok {
		return nil, false
	}
	return g.counties[i].shape, true
}

// ParsePlace reads a place as people give it: a ZIP code ("20001",
// "20001-1234") or a "lat,lon" pair ("38.9,-77.03"), and resolves it. It
// returns an error wrapping ErrUnknownZIP for a well-formed ZIP code that
// is not a known residential ZIP code, and one wrapping ErrBadPlace for
// empty or unreadable text and coordinates out of range; the messages are
// fit to show to the person who typed the place.
func (g *Gazetteer) ParsePlace(s string) (Place, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Place{}, fmt.Errorf("%w: give a ZIP code (20001) or lat,lon (38.9,-77.03)", ErrBadPlace)
	}
	if latS, lonS, ok := strings.Cut(t, ","); ok {
		lat, err1 := parseCoord(latS)
		lon, err2 := parseCoord(lonS)
		if err1 != nil || err2 != nil {
			return Place{}, fmt.Errorf("%w: %q is not a lat,lon pair such as 38.9,-77.03", ErrBadPlace, s)
		}
		if lat < -90 || lat > 90 {
			return Place{}, fmt.Errorf("%w: latitude %g is out of range [-90, 90]", ErrBadPlace, lat)
		}
		if lon < -180 || lon > 180 {
			return Place{}, fmt.Errorf("%w: longitude %g is out of range [-180, 180]", ErrBadPlace, lon)
		}
		return g.At(orb.Point{lon, lat}), nil
	}
	if _, ok := zipKey(t); ok {
		if p, ok := g.ZIP(t); ok {
			return p, nil
		}
		return Place{}, fmt.Errorf("ZIP %s is %w (PO-box-only and single-business ZIP codes have no area): give a nearby residential ZIP or lat,lon", t[:5], ErrUnknownZIP)
	}
	return Place{}, fmt.Errorf("%w: %q is not a ZIP code (20001) or lat,lon (38.9,-77.03)", ErrBadPlace, s)
}

// parseCoord reads one finite decimal coordinate.
func parseCoord(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("coordinate %q is not finite", s)
	}
	return v, nil
}

// Outline is a county's boundary as a map draws it.
type Outline struct {
	County directory.County
	// Shape is shared with the gazetteer: callers must not modify it.
	Shape orb.MultiPolygon
}

// Outlines returns the counties whose shapes reach into b (lon/lat), each
// once, in the order of the county file. It returns nil for a bound that
// covers more than 40 degrees either way, which no map of Trellis's
// draws county by county.
func (g *Gazetteer) Outlines(b orb.Bound) []Outline {
	if b.Max.Lon()-b.Min.Lon() > 40 || b.Max.Lat()-b.Min.Lat() > 40 {
		return nil
	}
	x0, y0 := cellXY(b.Min)
	x1, y1 := cellXY(b.Max)
	seen := map[int32]bool{}
	var idx []int32
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			for _, ref := range g.grid[y*360+x] {
				if !seen[ref.county] && ref.bound.Intersects(b) {
					seen[ref.county] = true
					idx = append(idx, ref.county)
				}
			}
		}
	}
	slices.Sort(idx)
	out := make([]Outline, len(idx))
	for i, c := range idx {
		out[i] = Outline{County: g.counties[c].county, Shape: g.counties[c].shape}
	}
	return out
}
