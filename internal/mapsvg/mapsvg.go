// Package mapsvg draws small maps on the server as inline SVG: county and
// state lines from the bundled outlines, the searched place, numbered pins
// and a scale bar. A page that shows one loads nothing from anywhere else,
// so nothing about where a person searched leaves the server, and the map
// works without JavaScript and on a kiosk.
//
// The projection is Web Mercator, in the pixels of a 256-pixel tile
// pyramid, so that a deployment that runs its own tile server can put its
// tiles (Map.Tiles) under the same drawing.
package mapsvg

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"trellis/internal/geo"
)

// Size of a map's drawing, in its own units: the page scales it to its
// column.
const (
	Width  = 640
	Height = 400
)

// pad keeps pins off the edges, in drawing units.
const pad = 36

// minSpan is the least distance a map shows across, in meters, so that one
// pin, or a pin beside the searched place, is not drawn at street scale
// with nothing around it.
const minSpan = 2500.0

// maxZoom is the closest zoom a map is drawn at; tile servers commonly
// stop at 19.
const maxZoom = 18

// Pin is a numbered place on the map.
type Pin struct {
	// Label is drawn on the pin: the result's number.
	Label string
	Point orb.Point
}

// Outlines returns the county outlines to draw within a lon/lat bound
// (geo.Gazetteer.Outlines).
type Outlines func(orb.Bound) []geo.Outline

// Map is what to draw.
type Map struct {
	// Title names the map for screen readers; the page lists the pins
	// in words beside it.
	Title string
	// ID prefixes the ids inside the SVG, unique on the page.
	ID string
	// Origin is the searched place, drawn as a ring labelled OriginLabel;
	// nil draws none.
	Origin      *orb.Point
	OriginLabel string
	Pins        []Pin
	Outlines    Outlines
	// Unit is the scale bar's unit: "mi" or "km".
	Unit string
	// Tiles, when set, is a tile URL template with {z}, {x} and {y} (a
	// deployment's own tile server); its tiles are drawn under the lines.
	Tiles string
}

// view maps lon/lat to drawing units.
type view struct {
	scale  float64 // drawing units per world pixel at zoom 0
	cx, cy float64 // centre, world pixels at zoom 0
}

func worldXY(p orb.Point) (float64, float64) {
	lat := math.Max(-85.05112878, math.Min(85.05112878, p.Lat()))
	x := (p.Lon() + 180) / 360 * 256
	s := math.Sin(lat * math.Pi / 180)
	y := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * 256
	return x, y
}

func worldLonLat(x, y float64) orb.Point {
	lon := x/256*360 - 180
	n := math.Pi - 2*math.Pi*y/256
	lat := 180 / math.Pi * math.Atan(math.Sinh(n))
	return orb.Point{lon, lat}
}

func (v view) xy(p orb.Point) (float64, float64) {
	x, y := worldXY(p)
	return (x-v.cx)*v.scale + Width/2, (y-v.cy)*v.scale + Height/2
}

// bound returns the lon/lat bound of the drawing, widened by margin
// drawing units on every side.
func (v view) bound(margin float64) orb.Bound {
	x0 := v.cx + (-Width/2-margin)/v.scale
	x1 := v.cx + (Width/2+margin)/v.scale
	y0 := v.cy + (-Height/2-margin)/v.scale
	y1 := v.cy + (Height/2+margin)/v.scale
	nw, se := worldLonLat(x0, y0), worldLonLat(x1, y1)
	return orb.Bound{Min: orb.Point{nw.Lon(), se.Lat()}, Max: orb.Point{se.Lon(), nw.Lat()}}
}

// metersPerUnit is the ground distance of one drawing unit at the
// centre.
func (v view) metersPerUnit() float64 {
	lat := worldLonLat(v.cx, v.cy).Lat()
	return 2 * math.Pi * orb.EarthRadius * math.Cos(lat*math.Pi/180) / (256 * v.scale)
}

// fit chooses the view that shows every point with room around it: the
// closest zoom that fits (a whole zoom when tiles are drawn, which come
// at whole zooms only).
func fit(pts []orb.Point, wholeZoom bool) view {
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		x, y := worldXY(p)
		minX, maxX = math.Min(minX, x), math.Max(maxX, x)
		minY, maxY = math.Min(minY, y), math.Max(maxY, y)
	}
	cx, cy := (minX+maxX)/2, (minY+maxY)/2
	// The least span, in world pixels at the centre's latitude.
	lat := worldLonLat(cx, cy).Lat()
	span := minSpan / (2 * math.Pi * orb.EarthRadius * math.Cos(lat*math.Pi/180) / 256)
	dx, dy := math.Max(maxX-minX, span), math.Max(maxY-minY, span*Height/Width)
	scale := math.Min((Width-2*pad)/dx, (Height-2*pad)/dy)
	zoom := math.Min(math.Log2(scale), maxZoom)
	if wholeZoom {
		zoom = math.Floor(zoom)
	}
	return view{scale: math.Pow(2, zoom), cx: cx, cy: cy}
}

// Draw returns the map as an inline SVG element. It returns an error when
// there is nothing to draw (no pin and no origin).
func Draw(m Map) (template.HTML, error) {
	var pts []orb.Point
	if m.Origin != nil {
		pts = append(pts, *m.Origin)
	}
	for _, p := range m.Pins {
		pts = append(pts, p.Point)
	}
	if len(pts) == 0 {
		return "", fmt.Errorf("mapsvg: nothing to draw")
	}
	v := fit(pts, m.Tiles != "")
	var b strings.Builder
	id := template.HTMLEscapeString(m.ID)
	fmt.Fprintf(&b, `<svg class="map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t"`, Width, Height, id)
	if m.Title == "" {
		m.Title = "Map"
	}
	b.WriteString(`><title id="` + id + `-t">` + template.HTMLEscapeString(m.Title) + `</title>`)
	b.WriteString(`<rect class="map-bg" width="100%" height="100%"/>`)
	if m.Tiles != "" {
		drawTiles(&b, v, m.Tiles)
	}
	if m.Outlines != nil {
		outlines := m.Outlines(v.bound(20))
		drawOutlines(&b, v, outlines)
		drawNames(&b, v, outlines)
	}
	drawScale(&b, v, m.Unit)
	if m.Origin != nil {
		drawOrigin(&b, v, *m.Origin, m.OriginLabel)
	}
	drawPins(&b, v, m.Pins)
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), nil
}

// num writes a drawing coordinate with one decimal at most.
func num(f float64) string {
	return strconv.FormatFloat(math.Round(f*10)/10, 'f', -1, 64)
}

// drawTiles draws the tiles under the view at its zoom.
func drawTiles(b *strings.Builder, v view, tmpl string) {
	z := int(math.Round(math.Log2(v.scale)))
	n := 1 << z
	// World pixels at zoom z of the drawing's corners.
	left := (v.cx*v.scale - Width/2)
	top := (v.cy*v.scale - Height/2)
	for ty := int(math.Floor(top / 256)); ty <= int(math.Floor((top+Height)/256)); ty++ {
		if ty < 0 || ty >= n {
			continue
		}
		for tx := int(math.Floor(left / 256)); tx <= int(math.Floor((left+Width)/256)); tx++ {
			u := strings.NewReplacer("{z}", strconv.Itoa(z), "{x}", strconv.Itoa((tx%n+n)%n), "{y}", strconv.Itoa(ty)).Replace(tmpl)
			fmt.Fprintf(b, `<image href="%s" x="%s" y="%s" width="256" height="256"/>`,
				template.HTMLEscapeString(u), num(float64(tx*256)-left), num(float64(ty*256)-top))
		}
	}
}

// segment is an edge of a county outline, its ends as in the outline
// file, which gives the edge two counties share the same coordinates in
// both.
type segment struct{ a, b orb.Point }

func key(a, b orb.Point) segment {
	if b[0] < a[0] || (b[0] == a[0] && b[1] < a[1]) {
		a, b = b, a
	}
	return segment{a, b}
}

// drawOutlines draws county lines thin and state lines (and shores, where
// a county meets no other) thicker. An edge two counties of one state share
// is a county line; one that counties of two states share is a state line.
func drawOutlines(b *strings.Builder, v view, outlines []geo.Outline) {
	type use struct {
		state  string
		n      int
		border bool
	}
	uses := map[segment]*use{}
	var order []segment
	for _, o := range outlines {
		for _, poly := range o.Shape {
			for _, ring := range poly {
				for i := 0; i+1 < len(ring); i++ {
					k := key(ring[i], ring[i+1])
					u := uses[k]
					if u == nil {
						u = &use{state: o.County.State}
						uses[k] = u
						order = append(order, k)
					} else if u.state != o.County.State {
						u.border = true
					}
					u.n++
				}
			}
		}
	}
	var county, state strings.Builder
	var lastC, lastS [2]float64
	visible := func(x0, y0, x1, y1 float64) bool {
		return math.Max(x0, x1) >= -2 && math.Min(x0, x1) <= Width+2 && math.Max(y0, y1) >= -2 && math.Min(y0, y1) <= Height+2
	}
	for _, k := range order {
		u := uses[k]
		x0, y0 := v.xy(k.a)
		x1, y1 := v.xy(k.b)
		if !visible(x0, y0, x1, y1) {
			continue
		}
		w, last := &county, &lastC
		if u.border || u.n == 1 {
			w, last = &state, &lastS
		}
		// Edges come in ring order, so most continue the last one.
		p0 := [2]float64{math.Round(x0*10) / 10, math.Round(y0*10) / 10}
		p1 := [2]float64{math.Round(x1*10) / 10, math.Round(y1*10) / 10}
		switch {
		case w.Len() > 0 && *last == p0:
		case w.Len() > 0 && *last == p1:
			p0, p1 = p1, p0
		default:
			w.WriteString("M" + num(p0[0]) + " " + num(p0[1]))
		}
		if p1 != p0 {
			w.WriteString("L" + num(p1[0]) + " " + num(p1[1]))
		}
		*last = p1
	}
	if county.Len() > 0 {
		b.WriteString(`<path class="map-county" d="` + county.String() + `"/>`)
	}
	if state.Len() > 0 {
		b.WriteString(`<path class="map-state" d="` + state.String() + `"/>`)
	}
}

// maxNames is how many counties a map names.
const maxNames = 6

// drawNames names the counties the map shows most of, each at the middle
// of its part of the map when that lies inside it, so that a map of a few
// streets says where it is.
func drawNames(b *strings.Builder, v view, outlines []geo.Outline) {
	vb := v.bound(-pad)
	type name struct {
		text string
		x, y float64
		area float64
	}
	var names []name
	for _, o := range outlines {
		cb := o.Shape.Bound()
		in := orb.Bound{Min: orb.Point{math.Max(cb.Min.Lon(), vb.Min.Lon()), math.Max(cb.Min.Lat(), vb.Min.Lat())},
			Max: orb.Point{math.Min(cb.Max.Lon(), vb.Max.Lon()), math.Min(cb.Max.Lat(), vb.Max.Lat())}}
		if in.Min.Lon() >= in.Max.Lon() || in.Min.Lat() >= in.Max.Lat() {
			continue
		}
		c := in.Center()
		if !planar.MultiPolygonContains(o.Shape, c) {
			continue
		}
		x, y := v.xy(c)
		x0, y0 := v.xy(in.Min)
		x1, y1 := v.xy(in.Max)
		names = append(names, name{text: o.County.Name, x: x, y: y, area: math.Abs((x1 - x0) * (y1 - y0))})
	}
	sort.Slice(names, func(i, j int) bool { return names[i].area > names[j].area })
	if len(names) > maxNames {
		names = names[:maxNames]
	}
	for _, n := range names {
		fmt.Fprintf(b, `<text class="map-name" x="%s" y="%s" text-anchor="middle">%s</text>`, num(n.x), num(n.y), template.HTMLEscapeString(n.text))
	}
}

// niceSteps are the scale bar's lengths, in its unit.
var niceSteps = []float64{0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000}

// drawScale draws a scale bar in the lower left, about a quarter of the
// width long, in unit ("mi" unless "km").
func drawScale(b *strings.Builder, v view, unit string) {
	per := geo.MetersPerMile
	if unit != "km" {
		unit = "mi"
	} else {
		per = geo.MetersPerKm
	}
	mpu := v.metersPerUnit()
	target := Width / 4 * mpu / per
	step := niceSteps[0]
	for _, s := range niceSteps {
		if s <= target {
			step = s
		}
	}
	length := step * per / mpu
	x, y := 14.0, float64(Height-16)
	label := strconv.FormatFloat(step, 'f', -1, 64) + " " + unit
	fmt.Fprintf(b, `<g class="map-scale"><rect x="%s" y="%s" width="%s" height="26" rx="3"/><path d="M%s %sv6h%sv-6"/><text x="%s" y="%s">%s</text></g>`,
		num(x-6), num(y-20), num(length+12+float64(len(label))*8), num(x), num(y-6), num(length), num(x+length+6), num(y), label)
}

// drawOrigin draws the searched place: a ring with its label.
func drawOrigin(b *strings.Builder, v view, p orb.Point, label string) {
	x, y := v.xy(p)
	fmt.Fprintf(b, `<g class="map-origin"><circle cx="%s" cy="%s" r="9"/><circle class="map-origin-dot" cx="%s" cy="%s" r="3"/>`, num(x), num(y), num(x), num(y))
	if label != "" {
		anchor, tx := "start", x+14
		if x > Width*0.6 {
			anchor, tx = "end", x-14
		}
		fmt.Fprintf(b, `<text x="%s" y="%s" text-anchor="%s">%s</text>`, num(tx), num(y+5), anchor, template.HTMLEscapeString(label))
	}
	b.WriteString(`</g>`)
}

// pinRadius is a pin's radius in drawing units.
const pinRadius = 12

// drawPins draws the pins, the first on top; a pin that would cover one
// already placed moves aside, around it, and keeps a line to its place.
func drawPins(b *strings.Builder, v view, pins []Pin) {
	type placed struct{ x, y, px, py float64 }
	pos := make([]placed, len(pins))
	for i, p := range pins {
		x, y := v.xy(p.Point)
		px, py := x, y
		for try := 0; try < 24; try++ {
			clear := true
			for j := 0; j < i; j++ {
				if math.Hypot(pos[j].x-px, pos[j].y-py) < 2*pinRadius-2 {
					clear = false
					break
				}
			}
			if clear {
				break
			}
			a := float64(try) * math.Pi / 3
			r := 2 * pinRadius * (1 + float64(try/6))
			px, py = x+r*math.Cos(a), y+r*math.Sin(a)
		}
		pos[i] = placed{px, py, x, y}
	}
	b.WriteString(`<g class="map-pins">`)
	for i := len(pins) - 1; i >= 0; i-- {
		p := pos[i]
		if p.x != p.px || p.y != p.py {
			fmt.Fprintf(b, `<path class="map-leader" d="M%s %sL%s %s"/><circle class="map-spot" cx="%s" cy="%s" r="3"/>`,
				num(p.px), num(p.py), num(p.x), num(p.y), num(p.px), num(p.py))
		}
		fmt.Fprintf(b, `<g class="map-pin"><circle cx="%s" cy="%s" r="%d"/><text x="%s" y="%s">%s</text></g>`,
			num(p.x), num(p.y), pinRadius, num(p.x), num(p.y+4.5), template.HTMLEscapeString(pins[i].Label))
	}
	b.WriteString(`</g>`)
}

// Compass returns the direction from a to b as one of eight points:
// "n", "ne", "e", "se", "s", "sw", "w", "nw" (pages name them in their
// language).
func Compass(a, b orb.Point) string {
	// Equirectangular at the mean latitude: exact enough for a direction
	// across a city.
	lat := (a.Lat() + b.Lat()) / 2 * math.Pi / 180
	dx := (b.Lon() - a.Lon()) * math.Cos(lat)
	dy := b.Lat() - a.Lat()
	deg := math.Atan2(dx, dy) * 180 / math.Pi
	if deg < 0 {
		deg += 360
	}
	return [...]string{"n", "ne", "e", "se", "s", "sw", "w", "nw"}[int(math.Round(deg/45))%8]
}
