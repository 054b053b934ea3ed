package search

import (
	"math"
	"strconv"

	"github.com/paulmach/orb"
)

// The radius prefilter. Every document with a point carries, at each level,
// the id of the square grid cell (cellSizes degrees on a side) holding its
// search point. A radius search asks bleve for the cells that cover the
// circle's bounding box at the finest level needing at most maxCells terms;
// the exact cut-off is then geo.Distance, in Go. This costs a handful of
// term lookups and no doc values, where bleve's geo distance query reads
// every candidate's doc values.

// cellSizes are the grid levels, finest first, in degrees.
var cellSizes = [...]float64{0.1, 0.5, 2.5, 12.5}

// maxCells bounds the terms of a prefilter.
const maxCells = 64

// earthRadius is the sphere geo.Distance measures on (orb's haversine).
const earthRadius = 6378137.0

// cellTerm returns the flag term of the cell holding p at level.
func cellTerm(level int, x, y int) string {
	return flag(flagCell+strconv.Itoa(level), strconv.Itoa(x)+":"+strconv.Itoa(y))
}

func cellOf(level int, p orb.Point) (x, y int) {
	s := cellSizes[level]
	return int(math.Floor(p.Lon() / s)), int(math.Floor(p.Lat() / s))
}

// pointCells returns the cell terms of p at every level.
func pointCells(p orb.Point) []string {
	out := make([]string, len(cellSizes))
	for l := range cellSizes {
		x, y := cellOf(l, p)
		out[l] = cellTerm(l, x, y)
	}
	return out
}

// circleCells returns the cell terms covering the circle of radius meters
// around c, at the finest level that needs at most maxCells, and false when
// no level does or the circle reaches a pole or the antimeridian: the
// caller then searches without a geographic prefilter.
func circleCells(c orb.Point, meters float64) ([]string, bool) {
	// On a sphere, the points within angle a of a center at latitude phi
	// span a in latitude and asin(sin a / cos phi) in longitude; one
	// percent more covers rounding.
	a := meters / earthRadius * 1.01
	if a >= math.Pi/4 {
		return nil, false
	}
	dLat := a * 180 / math.Pi
	lat0, lat1 := c.Lat()-dLat, c.Lat()+dLat
	if lat0 < -85 || lat1 > 85 {
		return nil, false
	}
	sinLon := math.Sin(a) / math.Cos(c.Lat()*math.Pi/180)
	if sinLon >= 1 {
		return nil, false
	}
	dLon := math.Asin(sinLon) * 180 / math.Pi
	lon0, lon1 := c.Lon()-dLon, c.Lon()+dLon
	if lon0 < -180 || lon1 > 180 {
		return nil, false
	}
	for l := range cellSizes {
		x0, y0 := cellOf(l, orb.Point{lon0, lat0})
		x1, y1 := cellOf(l, orb.Point{lon1, lat1})
		if (x1-x0+1)*(y1-y0+1) > maxCells {
			continue
		}
		var out []string
		for x := x0; x <= x1; x++ {
			for y := y0; y <= y1; y++ {
				out = append(out, cellTerm(l, x, y))
			}
		}
		return out, true
	}
	return nil, false
}
