package need

import (
	"slices"
	"sort"
	"strings"

	"trellis/internal/directory"
)

// meaning is what a word or phrase of the vocabulary says.
type meaning struct {
	// cats are the categories the word or phrase is a whole label or
	// synonym of; weak the categories whose multi-word labels or
	// synonyms hold the word ("sleep" in "place to sleep"), which count
	// only when nothing else names a category.
	cats, weak []string
	// who are genders and populations ("women", "lgbtq").
	who []string
	// crisis are kinds of crisis ("kill myself").
	crisis                     []string
	urgent, filler, head, free bool
	// meet is what the word or phrase says of a recovery meeting
	// (meetings.go).
	meet meetingMeaning
}

func (m *meaning) merge(o meaning) {
	m.cats = union(m.cats, o.cats)
	m.weak = union(m.weak, o.weak)
	m.who = union(m.who, o.who)
	m.crisis = union(m.crisis, o.crisis)
	m.urgent = m.urgent || o.urgent
	m.filler = m.filler || o.filler
	m.head = m.head || o.head
	m.free = m.free || o.free
	m.meet.merge(o.meet)
}

// Vocabulary is the compiled vocabulary of one directory: the taxonomy's
// labels and synonyms and data/vocabulary.yaml. Build it once per
// directory snapshot with NewVocabulary; it is safe for concurrent use.
type Vocabulary struct {
	tax *directory.Taxonomy
	// phrases maps the stem key of every word and phrase to its meaning;
	// maxLen is the longest phrase in words.
	phrases map[string]meaning
	maxLen  int
	// known holds the stem of every word that appears anywhere in the
	// vocabulary: such words are never corrected. words holds the same
	// words as written, the targets of a correction.
	known map[string]bool
	words []string
	// order is each category's place in the taxonomy.
	order map[string]int
	// fellowships maps the stem key of every word and phrase that names a
	// fellowship to its ids; fellowshipLen is the longest in words.
	fellowships   map[string][]string
	fellowshipLen int
}

// NewVocabulary compiles the taxonomy's words and v (which may be nil).
func NewVocabulary(tax *directory.Taxonomy, v *directory.Vocabulary) *Vocabulary {
	voc := &Vocabulary{tax: tax, phrases: map[string]meaning{}, known: map[string]bool{}, order: map[string]int{}}
	if v == nil {
		v = &directory.Vocabulary{}
	}
	// weakCount counts, for each word of a multi-word label or synonym,
	// the phrases of each category that hold it.
	weakCount := map[string]map[string]int{}
	for i, c := range tax.All() {
		voc.order[c.ID] = i
		var strs []string
		for _, l := range directory.Languages {
			if s := c.Label[l]; s != "" {
				strs = append(strs, s)
			}
		}
		for _, l := range directory.Languages {
			strs = append(strs, c.Synonyms[l]...)
		}
		for _, s := range strs {
			ws := Words(s)
			voc.add(ws, meaning{cats: []string{c.ID}})
			if len(ws) < 2 {
				continue
			}
			for _, w := range ws {
				if !stopWords[w] {
					voc.add([]string{w}, meaning{weak: []string{c.ID}})
					k := key([]string{w})
					if weakCount[k] == nil {
						weakCount[k] = map[string]int{}
					}
					weakCount[k][c.ID]++
				}
			}
		}
	}
	voc.pruneWeak(weakCount)
	for _, w := range v.Protected.All() {
		voc.add(Words(w), meaning{})
	}
	for _, id := range sortedKeys(v.Who) {
		for _, w := range v.Who[id].All() {
			voc.add(Words(w), meaning{who: []string{id}})
		}
	}
	for _, id := range sortedKeys(v.Crisis) {
		for _, w := range v.Crisis[id].All() {
			voc.add(Words(w), meaning{crisis: []string{id}, cats: v.CrisisNeeds[id]})
		}
	}
	for _, w := range v.Urgent.All() {
		voc.add(Words(w), meaning{urgent: true})
	}
	for _, w := range v.Fillers.All() {
		voc.add(Words(w), meaning{filler: true})
	}
	for _, w := range v.Heads.All() {
		voc.add(Words(w), meaning{head: true})
	}
	for _, w := range v.Free.All() {
		voc.add(Words(w), meaning{free: true})
	}
	voc.addMeetingWords(&v.Meetings)
	for w := range stopWords {
		voc.known[Stem(w)] = true
	}
	sort.Strings(voc.words)
	return voc
}

// weakShare is how many of a word's phrases a category must hold, as a
// share of the category holding most, to be among the word's weak
// meanings.
const weakShare = 0.5

// pruneWeak keeps, among the categories a word names weakly, those whose
// phrases hold it nearly as often as the category that holds it most:
// "sleep" is in ten ways of asking for a shelter and in "can't sleep",
// and alone it asks for a bed, not for mental health care.
func (v *Vocabulary) pruneWeak(counts map[string]map[string]int) {
	for k, byCat := range counts {
		most := 0
		for _, n := range byCat {
			most = max(most, n)
		}
		m := v.phrases[k]
		m.weak = slices.DeleteFunc(m.weak, func(c string) bool {
			return float64(byCat[c]) < weakShare*float64(most)
		})
		v.phrases[k] = m
	}
}

// add records the meaning of a word or phrase.
func (v *Vocabulary) add(ws []string, m meaning) {
	if len(ws) == 0 {
		return
	}
	k := key(ws)
	cur := v.phrases[k]
	cur.merge(m)
	v.phrases[k] = cur
	v.maxLen = max(v.maxLen, len(ws))
	for _, w := range ws {
		if s := Stem(w); !v.known[s] {
			v.known[s] = true
			v.words = append(v.words, w)
		}
	}
}

// Knows reports whether word (folded) is in the vocabulary.
func (v *Vocabulary) Knows(word string) bool { return v.known[Stem(word)] }

// Words returns every word of the vocabulary, folded, in lexical order,
// for a speller that should know them too.
func (v *Vocabulary) Words() []string { return v.words }

// ordered returns category ids in taxonomy order, without repeats.
func (v *Vocabulary) ordered(ids []string) []string {
	out := union(nil, ids)
	sort.SliceStable(out, func(i, j int) bool { return v.order[out[i]] < v.order[out[j]] })
	return out
}

// Collapse orders category ids as the taxonomy does, drops repeats and
// drops a category when one of its subcategories is also named.
func (v *Vocabulary) Collapse(ids []string) []string {
	var out []string
	for _, c := range v.ordered(ids) {
		narrower := false
		for _, o := range ids {
			if directory.IsSubcategory(o, c) {
				narrower = true
			}
		}
		if !narrower {
			out = append(out, c)
		}
	}
	return out
}

// stopWords are the small words of English and Spanish that carry no
// need: they never name a category alone and are never corrected.
var stopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		a an the and or but of to in on at by for with from into onto about as is are am was were be been being
		it its this that these those there here i me my mine we us our you your he him his she her they them
		their what which who whom where when why how do does did doing have has had can could will would should
		may might must shall not no nor so if then than too very just any some all each every more most other
		such only own same up down out off over under again once im ive id youre hes shes its were theyre dont
		cant wont isnt arent wasnt didnt doesnt
		el la los las un una unos unas y o u de del al a en con por para sin sobre entre es son soy estoy esta
		estan fue ser estar mi mis tu tus su sus nuestro nuestra yo me te se nos le les lo que quien donde cuando
		como muy mas pero si no ni ya este esta estos estas ese esa esos esas aqui alli hay tengo tiene tienen
		puedo puede pueden podemos podria he ha han habia era eran hago hace hacen`) {
		stopWords[w] = true
	}
}

func union(a, b []string) []string {
	out := a
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
