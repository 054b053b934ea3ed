package need

import (
	"slices"
	"strings"

	"trellis/internal/directory"
)

// This file reads what words ask of a recovery meeting (AA, NA, Al-Anon
// and the other mutual-aid fellowships): whether they ask for one at all,
// which fellowship, which types (women's, Spanish-speaking, LGBTQ), and
// whether the person wants to join online or in person, or cannot travel,
// and whether they ask for one tonight.
// The words are data/vocabulary.yaml's meetings section.

// MeetingAsk is what a text asks of a recovery meeting.
type MeetingAsk struct {
	// Fellowships are the ids of the fellowships the text names ("aa",
	// "na"), in the order named; none means any fellowship.
	Fellowships []string `json:"fellowships,omitempty"`
	// Types are the meeting types asked for, as Meeting Guide type codes:
	// a meeting fits when it has one code of every group ("women's
	// meeting" is [[W]], "lgbtq spanish meeting" is [[LGBTQ G L BI T NB]
	// [S]]).
	Types [][]string `json:"types,omitempty"`
	// Online is true when the words ask for a meeting joined online or by
	// phone ("zoom"), InPerson for one in a room; NoTransport when they
	// say the person cannot travel ("no car").
	Online      bool `json:"online,omitempty"`
	InPerson    bool `json:"in_person,omitempty"`
	NoTransport bool `json:"no_transport,omitempty"`
	// Tonight is true when the words ask for a meeting tonight ("tonight",
	// "esta noche"), not only soon ("now", "today"): the meetings of the
	// coming night come first.
	Tonight bool `json:"tonight,omitempty"`
}

// meetingMeaning is what a word or phrase of the vocabulary says of a
// meeting.
type meetingMeaning struct {
	// ask is true for a word that asks for a meeting ("meeting") or names
	// a fellowship.
	ask         bool
	fellowships []string
	// types are the type groups the word names, each its codes joined by
	// commas ("W", "LGBTQ,G,L,BI,T,NB").
	types                                  []string
	online, inPerson, noTransport, tonight bool
}

func (m *meetingMeaning) merge(o meetingMeaning) {
	m.ask = m.ask || o.ask
	m.fellowships = union(m.fellowships, o.fellowships)
	m.types = union(m.types, o.types)
	m.online = m.online || o.online
	m.inPerson = m.inPerson || o.inPerson
	m.noTransport = m.noTransport || o.noTransport
	m.tonight = m.tonight || o.tonight
}

// addMeetingWords adds the meeting words of the vocabulary.
func (v *Vocabulary) addMeetingWords(w *directory.MeetingWords) {
	v.fellowships = map[string][]string{}
	for _, word := range w.Ask.All() {
		v.add(Words(word), meaning{meet: meetingMeaning{ask: true}})
	}
	for _, f := range w.Fellowships {
		for _, word := range f.Words.All() {
			ws := Words(word)
			if len(ws) == 0 {
				continue
			}
			v.add(ws, meaning{meet: meetingMeaning{ask: true, fellowships: []string{f.ID}}})
			k := key(ws)
			v.fellowships[k] = union(v.fellowships[k], []string{f.ID})
			v.fellowshipLen = max(v.fellowshipLen, len(ws))
		}
	}
	for _, g := range w.Types {
		group := strings.Join(g.Codes, ",")
		for _, word := range g.Words.All() {
			v.add(Words(word), meaning{meet: meetingMeaning{types: []string{group}}})
		}
	}
	for _, word := range w.Online.All() {
		v.add(Words(word), meaning{meet: meetingMeaning{online: true}})
	}
	for _, word := range w.InPerson.All() {
		v.add(Words(word), meaning{meet: meetingMeaning{inPerson: true}})
	}
	for _, word := range w.NoTransport.All() {
		v.add(Words(word), meaning{meet: meetingMeaning{noTransport: true}})
	}
	for _, word := range w.Tonight.All() {
		v.add(Words(word), meaning{meet: meetingMeaning{tonight: true}})
	}
}

// meetingReading collects what a text's words say of a meeting while it
// is read.
type meetingReading struct {
	said meetingMeaning
	// urgent marks the words inside a phrase that says when ("open
	// now"): they do not name a meeting type there ("open" is not an open
	// meeting).
	urgent map[int]bool
}

// phrase records the meaning m of the phrase of n words at word i.
func (r *meetingReading) phrase(m meaning, i, n int) {
	if m.urgent && n > 1 {
		if r.urgent == nil {
			r.urgent = map[int]bool{}
		}
		for j := i; j < i+n; j++ {
			r.urgent[j] = true
		}
	}
	r.said.merge(m.meet)
}

// word records the meaning m of word i on its own: a word inside a longer
// phrase still asks for a meeting ("reunión de aa" names AA) or for one
// tonight ("a meeting tonight") and, unless the phrase says when, a type.
func (r *meetingReading) word(m meaning, i int) {
	mm := meetingMeaning{ask: m.meet.ask, fellowships: m.meet.fellowships, tonight: m.meet.tonight}
	if !r.urgent[i] {
		mm.types, mm.online = m.meet.types, m.meet.online
	}
	r.said.merge(mm)
}

// ask returns what the words asked of a meeting, or nil when they asked
// for none: type, online and transport words alone ("women", "online")
// do not ask for a meeting.
func (r *meetingReading) ask() *MeetingAsk {
	s := r.said
	if !s.ask {
		return nil
	}
	a := &MeetingAsk{Fellowships: s.fellowships, Online: s.online, InPerson: s.inPerson, NoTransport: s.noTransport, Tonight: s.tonight}
	for _, g := range s.types {
		a.Types = append(a.Types, strings.Split(g, ","))
	}
	// A group that holds another is implied by it: "lgbtq lesbian" asks
	// for [L LGBTQ], not also for any LGBTQ code.
	var keep [][]string
	for _, g := range a.Types {
		if !slices.ContainsFunc(a.Types, func(o []string) bool { return len(o) < len(g) && subset(o, g) }) {
			keep = append(keep, g)
		}
	}
	a.Types = keep
	return a
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// Fellowships returns the ids of the fellowships that text names ("Tuesday
// Night NA" names na, "dc-aa" names aa), each once, in the order named;
// none when it names none. Words are read as typed: nothing is corrected.
func (v *Vocabulary) Fellowships(text string) []string {
	ws := Words(text)
	var out []string
	for i := 0; i < len(ws); {
		n := min(v.fellowshipLen, len(ws)-i)
		found := false
		for ; n >= 1; n-- {
			if ids, ok := v.fellowships[key(ws[i:i+n])]; ok {
				out = union(out, ids)
				found = true
				break
			}
		}
		if found {
			i += n
		} else {
			i++
		}
	}
	return out
}
