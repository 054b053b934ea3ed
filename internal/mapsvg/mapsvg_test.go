package mapsvg_test

import (
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/paulmach/orb"

	"trellis/internal/geo"
	"trellis/internal/mapsvg"
)

var (
	gazOnce sync.Once
	gaz     *geo.Gazetteer
	gazErr  error
)

func outlines(t *testing.T) mapsvg.Outlines {
	t.Helper()
	gazOnce.Do(func() { gaz, gazErr = geo.Load(os.DirFS("../../data")) })
	if gazErr != nil {
		t.Fatal(gazErr)
	}
	return gaz.Outlines
}

var (
	zip20001   = orb.Point{-77.0179, 38.9102}
	capitol    = orb.Point{-77.0091, 38.8899}
	arlington  = orb.Point{-77.1068, 38.8816}
	sameAsCap  = orb.Point{-77.0091, 38.8899}
	anacostia  = orb.Point{-76.9860, 38.8620}
	silverSpr  = orb.Point{-77.0261, 38.9907}
	numberRing = regexp.MustCompile(`<g class="map-pin"><circle cx="([-0-9.]+)" cy="([-0-9.]+)" r="12"/><text[^>]*>(\d+)</text></g>`)
)

// TestDraw draws results around a ZIP code and checks the drawing: well
// formed, one pin per result with its number, the searched place, county
// and state lines, a scale bar, and nothing from another host.
func TestDraw(t *testing.T) {
	svg, err := mapsvg.Draw(mapsvg.Map{Title: "Map of 5 results near ZIP 20001", ID: "m", Origin: &zip20001, OriginLabel: "ZIP 20001",
		Pins:     []mapsvg.Pin{{"1", capitol}, {"2", arlington}, {"3", sameAsCap}, {"4", anacostia}, {"5", silverSpr}},
		Outlines: outlines(t), Unit: "mi"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if err := xml.Unmarshal([]byte(s), new(struct{})); err != nil {
		t.Fatalf("not well-formed XML: %v", err)
	}
	pins := numberRing.FindAllStringSubmatch(s, -1)
	if len(pins) != 5 {
		t.Fatalf("%d pins, want 5", len(pins))
	}
	seen := map[string][2]string{}
	for _, p := range pins {
		seen[p[3]] = [2]string{p[1], p[2]}
	}
	for _, n := range []string{"1", "2", "3", "4", "5"} {
		if _, ok := seen[n]; !ok {
			t.Errorf("no pin %s", n)
		}
	}
	if seen["1"] == seen["3"] {
		t.Error("pins 1 and 3, at one place, are drawn on top of each other")
	}
	for _, want := range []string{`role="img"`, `<title id="m-t">Map of 5 results near ZIP 20001</title>`, `class="map-origin"`, ">ZIP 20001</text>",
		`class="map-county"`, `class="map-state"`, `class="map-scale"`, " mi</text>",
		`class="map-name"`, ">District of Columbia</text>"} {
		if !strings.Contains(s, want) {
			t.Errorf("map lacks %s", want)
		}
	}
	if strings.Contains(s, "http") && strings.Count(s, "http") != strings.Count(s, "http://www.w3.org/2000/svg") {
		t.Error("the map names another host")
	}
	if len(s) > 24000 {
		t.Errorf("the map is %d bytes", len(s))
	}
	// Every pin lies within the drawing.
	for n, p := range seen {
		for _, c := range p {
			if strings.HasPrefix(c, "-") {
				t.Errorf("pin %s is off the map at %v", n, p)
			}
		}
	}
}

func TestDrawTiles(t *testing.T) {
	svg, err := mapsvg.Draw(mapsvg.Map{ID: "m", Pins: []mapsvg.Pin{{"1", capitol}}, Unit: "km", Tiles: "https://tiles.example.org/{z}/{x}/{y}.png"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	tiles := regexp.MustCompile(`<image href="https://tiles\.example\.org/(\d+)/(\d+)/(\d+)\.png"`).FindAllStringSubmatch(s, -1)
	if len(tiles) < 4 {
		t.Fatalf("%d tiles under a 640x400 map", len(tiles))
	}
	if z := tiles[0][1]; z < "10" || len(z) != 2 {
		t.Errorf("zoom %s for one pin in a city", z)
	}
	if !strings.Contains(s, " km</text>") {
		t.Error("no km scale")
	}
}

func TestDrawNothing(t *testing.T) {
	if _, err := mapsvg.Draw(mapsvg.Map{}); err == nil {
		t.Error("an empty map drew")
	}
}

func TestCompass(t *testing.T) {
	tests := []struct {
		name string
		to   orb.Point
		want string
	}{
		{"north", orb.Point{-77.0179, 38.95}, "n"},
		{"west to Arlington", arlington, "w"},
		{"south-west", orb.Point{-77.06, 38.87}, "sw"},
		{"south to the Capitol", capitol, "s"},
		{"east", orb.Point{-76.95, 38.9102}, "e"},
		{"north-east", orb.Point{-76.98, 38.94}, "ne"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mapsvg.Compass(zip20001, tc.to); got != tc.want {
				t.Errorf("Compass = %s, want %s", got, tc.want)
			}
		})
	}
}
