package match

import (
	"slices"
	"strings"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/need"
)

// People type where as well as what: "food pantry 20020", "detox in
// silver spring", "clinic arlington va". A need's text is searched for a
// place before it is read: a known ZIP code anywhere, or the name of a
// town the directory has listings in, after "in", "near", "around", "en",
// "cerca de", or followed by its state's code. The place found is where
// results are measured from, and its words are not read as the need.

// placeWords come before a place: "in silver spring", "cerca de
// arlington".
var placeWords = map[string]bool{"in": true, "near": true, "around": true, "by": true, "en": true, "cerca": true}

// maxTownWords is the longest town name looked for, in words.
const maxTownWords = 4

// town is a town the directory has listings in, with the mean of their
// points.
type town struct {
	name, state string
	sum         orb.Point
	n           int
}

// towns maps a town's folded name ("silver spring") to the towns of that
// name, most listings first.
type towns map[string][]*town

// newTowns collects the towns of cat's locations that have a point.
func newTowns(cat *directory.Catalog) towns {
	out := towns{}
	byKey := map[string]*town{}
	// A town's name is read once however many listings are in it.
	names := map[string]string{}
	cat.Services(func(s *directory.Service) {
		for _, l := range s.Locations {
			if l.Address == nil || !l.HasPoint || l.Address.City == "" {
				continue
			}
			name, ok := names[l.Address.City]
			if !ok {
				name = strings.Join(need.Words(l.Address.City), " ")
				names[l.Address.City] = name
			}
			state := strings.ToUpper(strings.TrimSpace(l.Address.State))
			if name == "" {
				continue
			}
			k := name + "|" + state
			t := byKey[k]
			if t == nil {
				t = &town{name: strings.TrimSpace(l.Address.City), state: state}
				byKey[k] = t
				out[name] = append(out[name], t)
			}
			t.sum[0] += l.Point[0]
			t.sum[1] += l.Point[1]
			t.n++
		}
	})
	for _, ts := range out {
		slices.SortFunc(ts, func(a, b *town) int {
			if a.n != b.n {
				return b.n - a.n
			}
			return strings.Compare(a.state, b.state)
		})
	}
	return out
}

// find returns the town named by ws[i:i+n] (n words) and, when the word
// after it is a state code of one of the towns of that name, that state's
// town; want is the state code, or "" for the town with most listings.
func (ts towns) find(name, want string) *town {
	for _, t := range ts[name] {
		if want == "" || strings.EqualFold(t.state, want) {
			return t
		}
	}
	return nil
}

// placeIn finds a place in text. It returns the place and the text
// without the place's words, or nil and text unchanged when the text
// names no place it knows.
func (m *Matcher) placeIn(text string) (*geo.Place, string) {
	if m.places == nil || text == "" {
		return nil, text
	}
	ws := need.Words(text)
	for i, w := range ws {
		if len(w) == 5 && allDigits(w) {
			if p, ok := m.places.ZIP(w); ok {
				return &p, rest(ws, placeStart(ws, i), i+1)
			}
		}
	}
	for i := range ws {
		after := placeStart(ws, i) < i
		for n := min(maxTownWords, len(ws)-i); n >= 1; n-- {
			name := strings.Join(ws[i:i+n], " ")
			if _, ok := m.towns[name]; !ok {
				continue
			}
			end, state := i+n, ""
			if end < len(ws) && len(ws[end]) == 2 && m.towns.find(name, ws[end]) != nil {
				state, end = ws[end], end+1
			}
			if !after && state == "" {
				continue
			}
			t := m.towns.find(name, state)
			pt := orb.Point{t.sum[0] / float64(t.n), t.sum[1] / float64(t.n)}
			p := m.places.At(pt)
			p.Label = t.name
			if t.state != "" {
				p.Label += ", " + t.state
			}
			return &p, rest(ws, placeStart(ws, i), end)
		}
	}
	return nil, text
}

// placeStart returns where the place at ws[i] starts, with the words that
// lead to it ("in", "cerca de").
func placeStart(ws []string, i int) int {
	switch {
	case i >= 2 && ws[i-1] == "de" && ws[i-2] == "cerca":
		return i - 2
	case i >= 1 && placeWords[ws[i-1]]:
		return i - 1
	}
	return i
}

// rest returns the words of ws outside [from, to), joined.
func rest(ws []string, from, to int) string {
	out := append(append([]string(nil), ws[:from]...), ws[to:]...)
	return strings.Join(out, " ")
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
