package search

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/vellum"
	"github.com/blevesearch/vellum/levenshtein"

	"trellis/internal/directory"
)

// textModel turns what a person types into query units. It knows the
// taxonomy's phrases and synonym groups and the index's vocabulary, which
// decides which words are misspelled.
type textModel struct {
	an  analysis.Analyzer
	tax *directory.Taxonomy
	// phrases maps a folded multi-word label or synonym to its categories.
	phrases   map[string][]string
	maxPhrase int
	// groups are the single-word synonyms of each category, as typed
	// (folded); related maps an analyzed term to the analyzed terms it is
	// a synonym of.
	groups  [][]string
	related map[string][]string
	// catTerms holds the analyzed terms naming each category (the words
	// of its labels and its single-word synonyms); termCats maps such a
	// term to the categories it names; taxWords holds every word of the
	// taxonomy's labels and synonyms.
	catTerms map[string]map[string]bool
	termCats map[string][]string
	taxWords map[string]bool
	// vocab counts, per analyzed term, the documents whose text fields
	// hold it (summed over fields); fst holds the same terms for
	// edit-distance search.
	vocab map[string]uint64
	fst   *vellum.FST
	// lev holds automaton builders for one and two edits: a builder
	// matches up to the distance it was made for, whatever BuildDfa is
	// told.
	lev [3]*levenshtein.LevenshteinAutomatonBuilder
}

var folder = asciifolding.New()

// fold lowercases s and folds it to ASCII the way the analyzer does.
func fold(s string) string {
	return strings.ToLower(string(folder.Filter([]byte(s))))
}

func newTextModel(an analysis.Analyzer, tax *directory.Taxonomy) *textModel {
	tm := &textModel{
		an:       an,
		tax:      tax,
		phrases:  map[string][]string{},
		related:  map[string][]string{},
		catTerms: map[string]map[string]bool{},
		termCats: map[string][]string{},
		taxWords: map[string]bool{},
	}
	for _, c := range tax.All() {
		var group []string
		// A category is named by the words of its labels and by its
		// single-word synonyms; the words of a multi-word synonym ("day
		// shelter") name it only together, as a phrase.
		set := map[string]bool{}
		for _, lang := range sortedKeys(c.Label) {
			for _, t := range tm.analyze(c.Label[lang]) {
				set[t] = true
			}
		}
		for _, s := range categoryStrings(c) {
			words := splitWords(fold(s))
			for _, t := range tm.analyze(s) {
				tm.taxWords[t] = true
			}
			switch {
			case len(words) >= 2:
				p := strings.Join(words, " ")
				if !contains(tm.phrases[p], c.ID) {
					tm.phrases[p] = append(tm.phrases[p], c.ID)
				}
				if len(words) > tm.maxPhrase {
					tm.maxPhrase = len(words)
				}
			case len(words) == 1 && len(tm.analyze(words[0])) == 1:
				set[tm.analyze(words[0])[0]] = true
				if !contains(group, words[0]) {
					group = append(group, words[0])
				}
			}
		}
		tm.catTerms[c.ID] = set
		for _, t := range sortedSet(set) {
			tm.termCats[t] = append(tm.termCats[t], c.ID)
		}
		if len(group) >= 2 {
			tm.groups = append(tm.groups, group)
			var ts []string
			for _, w := range group {
				ts = append(ts, tm.analyze(w)...)
			}
			for _, t := range ts {
				for _, u := range ts {
					if u != t && !contains(tm.related[t], u) {
						tm.related[t] = append(tm.related[t], u)
					}
				}
			}
		}
	}
	return tm
}

// categoryStrings returns a category's labels and synonyms in every
// language, in a stable order.
func categoryStrings(c *directory.Category) []string {
	var out []string
	for _, lang := range sortedKeys(c.Label) {
		out = append(out, c.Label[lang])
	}
	langs := make([]string, 0, len(c.Synonyms))
	for l := range c.Synonyms {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		out = append(out, c.Synonyms[l]...)
	}
	return out
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(t directory.Text) []string {
	ks := make([]string, 0, len(t))
	for k := range t {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// analyze returns the analyzed terms of s.
func (tm *textModel) analyze(s string) []string {
	ts := tm.an.Analyze([]byte(s))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, string(t.Term))
	}
	return out
}

// synonymGroups returns the synonym definitions for bleve's synonym
// source: each category's single-word labels and synonyms, as one
// equivalence group. Multi-word ones are matched as phrases instead.
func (tm *textModel) synonymGroups() [][]string { return tm.groups }

// loadVocabulary reads every term of the index's text fields and the
// taxonomy's words into vocab and builds the edit-distance automaton over
// them. It returns an error if the index's dictionaries cannot be read.
func (tm *textModel) loadVocabulary(bi bleve.Index) error {
	tm.vocab = map[string]uint64{}
	for _, f := range textFields {
		d, err := bi.FieldDict(f.name)
		if err != nil {
			return fmt.Errorf("search: build: read %s terms: %w", f.name, err)
		}
		for {
			e, err := d.Next()
			if err != nil {
				_ = d.Close()
				return fmt.Errorf("search: build: read %s terms: %w", f.name, err)
			}
			if e == nil {
				break
			}
			tm.vocab[e.Term] += e.Count
		}
		if err := d.Close(); err != nil {
			return fmt.Errorf("search: build: read %s terms: %w", f.name, err)
		}
	}
	for t := range tm.taxWords {
		if _, ok := tm.vocab[t]; !ok {
			tm.vocab[t] = 0
		}
	}
	keys := make([]string, 0, len(tm.vocab))
	for k := range tm.vocab {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	b, err := vellum.New(&buf, nil)
	if err != nil {
		return fmt.Errorf("search: build: vocabulary: %w", err)
	}
	for _, k := range keys {
		if err := b.Insert([]byte(k), tm.vocab[k]); err != nil {
			return fmt.Errorf("search: build: vocabulary: %w", err)
		}
	}
	if err := b.Close(); err != nil {
		return fmt.Errorf("search: build: vocabulary: %w", err)
	}
	if tm.fst, err = vellum.Load(buf.Bytes()); err != nil {
		return fmt.Errorf("search: build: vocabulary: %w", err)
	}
	if tm.lev, err = levenshteinBuilders(); err != nil {
		return fmt.Errorf("search: build: vocabulary: %w", err)
	}
	return nil
}

// levenshteinBuilders returns the automaton builders for one and two edits
// with transpositions. They take milliseconds to make and are safe for
// concurrent use, so every index shares one pair.
var levenshteinBuilders = sync.OnceValues(func() ([3]*levenshtein.LevenshteinAutomatonBuilder, error) {
	var lev [3]*levenshtein.LevenshteinAutomatonBuilder
	for d := uint8(1); d <= 2; d++ {
		b, err := levenshtein.NewLevenshteinAutomatonBuilder(d, true)
		if err != nil {
			return lev, err
		}
		lev[d] = b
	}
	return lev, nil
})

// fillers are words people wrap a request in ("I need help with ...",
// "necesito ayuda con ..."). They are dropped from a query unless nothing
// else is left. Words the stop lists already drop are not repeated here.
var fillers = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		need needs needed needing want wanted wanting looking look find finding get getting
		help helping please pls thanks thank someone something somewhere anywhere near nearby
		around close closest today tonight now right asap also like info information
		necesito necesita necesitamos necesitan busco buscando buscar quiero queremos ayuda
		ayudar ayudame favor cerca aqui hoy ahora alguien gracias informacion`) {
		fillers[w] = true
	}
}

// unit is one part of a query that a document must match: a word (with
// its spelling corrections) or a taxonomy phrase.
type unit struct {
	// Raw is the word or phrase as folded from the query.
	Raw string
	// Categories are a phrase's categories.
	Categories []string
	// Terms are analyzed terms to look up, with their weights (1 for the
	// word as typed, less for corrections).
	Terms []weighted
}

type weighted struct {
	Term   string
	Weight float64
}

// parsed is a query's text broken into units.
type parsed struct {
	Units       []unit
	Corrections map[string]string
	// Ignored are words that match nothing in the index and have no
	// correction.
	Ignored []string
	// Showing is the query with corrections applied, when there are any.
	Showing string
}

// parse breaks text into units: taxonomy phrases first (longest match),
// then the remaining words less fillers and stop words, each looked up
// as typed when the index knows it, else replaced by its nearest known
// words.
func (tm *textModel) parse(text string) parsed {
	var p parsed
	words := splitWords(fold(text))
	var rest []string
	var phraseUnits []unit
	for i := 0; i < len(words); {
		n := min(tm.maxPhrase, len(words)-i)
		for ; n >= 2; n-- {
			ph := strings.Join(words[i:i+n], " ")
			if cats, ok := tm.phrases[ph]; ok {
				phraseUnits = append(phraseUnits, unit{Raw: ph, Categories: cats, Terms: tm.weightAll(tm.analyze(ph))})
				break
			}
		}
		if n >= 2 {
			i += n
			continue
		}
		rest = append(rest, words[i])
		i++
	}
	kept := rest[:0:0]
	for _, w := range rest {
		if !fillers[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 && len(phraseUnits) == 0 {
		kept = rest
	}
	p.Units = phraseUnits
	seen := map[string]bool{}
	for _, u := range phraseUnits {
		seen[u.Raw] = true
	}
	var showing []string
	showing = append(showing, words...)
	for _, w := range kept {
		for _, t := range tm.analyze(w) {
			if seen[t] {
				continue
			}
			seen[t] = true
			if _, ok := tm.vocab[t]; ok || !fuzzable(t) {
				if ok {
					p.Units = append(p.Units, unit{Raw: w, Terms: []weighted{{t, 1}}})
				} else {
					p.Ignored = append(p.Ignored, w)
				}
				continue
			}
			alts := tm.corrections(t)
			if len(alts) == 0 {
				p.Ignored = append(p.Ignored, w)
				continue
			}
			if p.Corrections == nil {
				p.Corrections = map[string]string{}
			}
			p.Corrections[w] = alts[0].Term
			for i, sw := range showing {
				if sw == w {
					showing[i] = alts[0].Term
				}
			}
			p.Units = append(p.Units, unit{Raw: w, Terms: alts})
		}
	}
	if p.Corrections != nil {
		p.Showing = strings.Join(showing, " ")
	}
	return p
}

func (tm *textModel) weightAll(ts []string) []weighted {
	out := make([]weighted, len(ts))
	for i, t := range ts {
		out[i] = weighted{t, 1}
	}
	return out
}

// fuzzable reports whether a term absent from the index may be corrected:
// words of four letters or more without digits.
func fuzzable(t string) bool {
	if utf8.RuneCountInString(t) < 4 {
		return false
	}
	return !strings.ContainsAny(t, "0123456789")
}

// maxEdits is how many edits (insertions, deletions, substitutions or
// transpositions of neighbours) a correction may make: one for words of
// four or five letters, two for longer ones.
func maxEdits(t string) uint8 {
	if utf8.RuneCountInString(t) <= 5 {
		return 1
	}
	return 2
}

// maxAlternatives is how many corrections a word is expanded into.
const maxAlternatives = 3

// correctionWeight weighs a corrected word against a word as typed: a
// correction is a guess, so when a search falls back to matching any word
// (Result.Relaxed), documents with the words as typed come first, and when
// every word must match, the words as typed decide the order.
const correctionWeight = 0.1

// corrections returns the known terms nearest to t: those at the smallest
// edit distance found, most frequent first, at most maxAlternatives, each
// weighted correctionWeight/distance.
func (tm *textModel) corrections(t string) []weighted {
	d := maxEdits(t)
	dfa, err := tm.lev[d].BuildDfa(t, d)
	if err != nil {
		return nil
	}
	it, err := tm.fst.Search(dfa, nil, nil)
	type cand struct {
		term string
		dist uint8
		df   uint64
	}
	var cs []cand
	for err == nil {
		k, v := it.Current()
		cs = append(cs, cand{string(k), it.EditDistance(), v})
		err = it.Next()
	}
	if !errors.Is(err, vellum.ErrIteratorDone) || len(cs) == 0 {
		return nil
	}
	sort.Slice(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		if a.df != b.df {
			return a.df > b.df
		}
		return a.term < b.term
	})
	var out []weighted
	for _, c := range cs {
		if c.dist != cs[0].dist || len(out) == maxAlternatives {
			break
		}
		out = append(out, weighted{c.term, correctionWeight / float64(c.dist)})
	}
	return out
}
