package listings

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// Places resolves county names for the loader. (*geo.Gazetteer) satisfies
// it. Implementations must be safe for concurrent use: Load checks files in
// parallel.
type Places interface {
	// County returns the county named name ("Montgomery", without
	// "County") in the state with two-letter code state, and whether it
	// exists.
	County(name, state string) (directory.County, bool)
}

// area checks and converts a service area. s is the service it belongs to.
func (c *checker) area(a *ServiceArea, s *Service) *directory.ServiceArea {
	out := &directory.ServiceArea{Note: a.Note}
	if c.ok(&a.Radius) {
		m, err := geo.ParseDistance(a.Radius)
		switch {
		case err != nil:
			c.fail(&a.Radius, a, "radius: %v", err)
		case len(s.At) == 0:
			c.fail(&a.Radius, a, "a radius is measured from the service's locations, but the service lists none in \"at\"")
		default:
			out.RadiusMeters = m
		}
	}
	for i := range a.Counties {
		p := &a.Counties[i]
		if !c.ok(p) {
			continue
		}
		if county, ok := c.county(p); ok {
			if containsCounty(out.Counties, county) {
				c.fail(p, a, "%q is listed twice", *p)
				continue
			}
			out.Counties = append(out.Counties, county)
		}
	}
	out.ZIPs = c.list(a.ZIPs, func(z string) (string, error) {
		if !zip5RE.MatchString(z) {
			return "", fmt.Errorf("%q is not a 5-digit ZIP code", z)
		}
		return z, nil
	})
	out.States = c.list(a.States, func(st string) (string, error) { return st, checkState(st) })
	if c.ok(&a.Polygon) {
		mp, err := c.env.polygons.get(a.Polygon)
		if err != nil {
			c.failErr(&a.Polygon, err)
		} else {
			out.Polygon, out.PolygonFile = mp, a.Polygon
		}
	}
	return out
}

func containsCounty(cs []directory.County, c directory.County) bool {
	for _, x := range cs {
		if x.Name == c.Name && x.State == c.State {
			return true
		}
	}
	return false
}

// county reads a service-area county, "Name, ST", and resolves it through
// the Places when the loader has them.
func (c *checker) county(p *string) (directory.County, bool) {
	i := strings.LastIndex(*p, ",")
	if i < 0 {
		c.fail(p, nil, "county %q needs its state: write \"Name, ST\", e.g. \"Montgomery, MD\"", *p)
		return directory.County{}, false
	}
	name, state := strings.TrimSpace((*p)[:i]), strings.TrimSpace((*p)[i+1:])
	if name == "" {
		c.fail(p, nil, "county %q has no name: write \"Name, ST\", e.g. \"Montgomery, MD\"", *p)
		return directory.County{}, false
	}
	if err := checkState(state); err != nil {
		c.fail(p, nil, "county %q: %v", *p, err)
		return directory.County{}, false
	}
	if c.env.places == nil {
		return directory.County{Name: name, State: state}, true
	}
	county, ok := c.env.places.County(name, state)
	if !ok {
		c.fail(p, nil, "unknown county %q: no county of that name in %s", *p, state)
		return directory.County{}, false
	}
	return county, true
}

// polygonCache reads each polygon file once, however many services name it.
type polygonCache struct {
	fsys fs.FS
	mu   sync.Mutex
	m    map[string]*polygonEntry
}

type polygonEntry struct {
	once sync.Once
	mp   orb.MultiPolygon
	err  error
}

func newPolygonCache(fsys fs.FS) *polygonCache {
	return &polygonCache{fsys: fsys, m: map[string]*polygonEntry{}}
}

// get returns the (multi)polygon in the GeoJSON file at name, relative to
// the data directory, or an error naming the problem.
func (pc *polygonCache) get(name string) (orb.MultiPolygon, error) {
	pc.mu.Lock()
	e, ok := pc.m[name]
	if !ok {
		e = &polygonEntry{}
		pc.m[name] = e
	}
	pc.mu.Unlock()
	e.once.Do(func() { e.mp, e.err = readPolygon(pc.fsys, name) })
	return e.mp, e.err
}

// readPolygon reads a GeoJSON Polygon, MultiPolygon, or a Feature or
// FeatureCollection of those from fsys and returns it as one MultiPolygon.
// It returns an error for a path outside the data directory, a missing or
// unreadable file, other geometry types, or rings that are not closed or
// have coordinates out of range.
func readPolygon(fsys fs.FS, name string) (orb.MultiPolygon, error) {
	if !fs.ValidPath(name) || name == "." {
		return nil, fmt.Errorf("polygon %q must be a path relative to the data directory, with forward slashes and no \"..\" parts", name)
	}
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("polygon file %q does not exist (paths are relative to the data directory)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("polygon file %q cannot be read: %v", name, err)
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("polygon file %q is not JSON: %v", name, err)
	}
	var geoms []orb.Geometry
	switch head.Type {
	case "Polygon", "MultiPolygon":
		g, err := geojson.UnmarshalGeometry(data)
		if err != nil {
			return nil, fmt.Errorf("polygon file %q: %v", name, err)
		}
		geoms = append(geoms, g.Geometry())
	case "Feature":
		f, err := geojson.UnmarshalFeature(data)
		if err != nil {
			return nil, fmt.Errorf("polygon file %q: %v", name, err)
		}
		geoms = append(geoms, f.Geometry)
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			return nil, fmt.Errorf("polygon file %q: %v", name, err)
		}
		for _, f := range fc.Features {
			geoms = append(geoms, f.Geometry)
		}
	default:
		return nil, fmt.Errorf("polygon file %q holds GeoJSON type %q: use a Polygon, MultiPolygon, Feature or FeatureCollection", name, head.Type)
	}
	var mp orb.MultiPolygon
	for _, g := range geoms {
		switch g := g.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		case nil:
			return nil, fmt.Errorf("polygon file %q has a feature without a geometry", name)
		default:
			return nil, fmt.Errorf("polygon file %q holds a %s: only polygons and multipolygons describe an area", name, g.GeoJSONType())
		}
	}
	if len(mp) == 0 {
		return nil, fmt.Errorf("polygon file %q holds no polygon", name)
	}
	for _, poly := range mp {
		if len(poly) == 0 {
			return nil, fmt.Errorf("polygon file %q has a polygon without rings", name)
		}
		for _, ring := range poly {
			if len(ring) < 4 || ring[0] != ring[len(ring)-1] {
				return nil, fmt.Errorf("polygon file %q has a ring that is not closed: a ring needs at least 4 positions, the last equal to the first", name)
			}
			for _, pt := range ring {
				if !(pt.Lon() >= -180 && pt.Lon() <= 180 && pt.Lat() >= -90 && pt.Lat() <= 90) {
					return nil, fmt.Errorf("polygon file %q has position [%v, %v] out of range: GeoJSON positions are [longitude, latitude]", name, pt.Lon(), pt.Lat())
				}
			}
		}
	}
	return mp, nil
}
