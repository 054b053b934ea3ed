package webui

import (
	"strconv"

	"github.com/paulmach/orb"

	"trellis/internal/geo"
	"trellis/internal/mapsvg"

	"html/template"
)

// resultsMap draws a page of results on a map, each card's place a pin
// with the card's number, around the searched place from (nil for none,
// labelled placeLabel), and says the same in words. It returns no map
// when no card has a place to show.
func (u *UI) resultsMap(r *request, p *page, cards []card, from *geo.Place, placeLabel string) (template.HTML, []mapItem) {
	var pins []mapsvg.Pin
	var items []mapItem
	for _, c := range cards {
		it := mapItem{Number: c.Number, Name: c.Name}
		switch {
		case c.Place == nil:
			it.Where = p.T("place.none")
		case c.Place.Confidential:
			it.Where = p.T("map.private")
		case c.Place.Point == nil:
			it.Where = p.T("map.no_point")
		default:
			pins = append(pins, mapsvg.Pin{Label: strconv.Itoa(c.Number), Point: orb.Point{c.Place.Point.Lon, c.Place.Point.Lat}})
			it.Where = c.Place.Away
			if it.Where == "" {
				it.Where = joinAddress(c.Place.Address)
			}
		}
		items = append(items, it)
	}
	if len(pins) == 0 {
		return "", nil
	}
	title := p.T("map.results", "count", strconv.Itoa(len(pins)))
	if from != nil {
		title = p.T("map.results_near", "count", strconv.Itoa(len(pins)), "place", placeLabel)
	}
	return u.drawMap(r, "map", title, from, placeLabel, pins), items
}

// drawMap draws pins around from (nil for none) with the directory's
// county outlines. A map that cannot be drawn is left out: the page says
// the same in words.
func (u *UI) drawMap(r *request, id, title string, from *geo.Place, fromLabel string, pins []mapsvg.Pin) template.HTML {
	m := mapsvg.Map{ID: id, Title: title, Pins: pins, Outlines: r.snap.Places.Outlines, Unit: "mi", Tiles: u.opt.MapTiles}
	if from != nil {
		pt := from.Point
		m.Origin, m.OriginLabel = &pt, fromLabel
	}
	svg, err := mapsvg.Draw(m)
	if err != nil {
		u.log.Warn("draw map", "err", err)
		return ""
	}
	return svg
}

// joinAddress writes an address on one line.
func joinAddress(lines []string) string {
	out := ""
	for i, l := range lines {
		if i > 0 {
			out += ", "
		}
		out += l
	}
	return out
}
