package search

import "trellis/internal/directory"

// Reading is how the index reads a short plain-language text, such as a
// need a person describes ("a bed tonight", "necesito trabajo",
// "methadon"): the taxonomy phrases and words it holds, the categories
// each names, and the spelling corrections made. The needs matcher uses it
// to turn words into categories and to show how they were read.
type Reading struct {
	// Parts are the phrases and words that were kept, in the order of the
	// text. Fillers ("I need help with") and stop words are left out.
	Parts []ReadPart
	// Corrections maps each misspelled word to the word read instead.
	Corrections map[string]string
	// Ignored are words the index does not know and could not correct.
	Ignored []string
}

// ReadPart is one phrase or word of a Reading.
type ReadPart struct {
	// Text is the phrase or word as typed, lower-cased and folded to ASCII.
	Text string
	// Term is the index term the word was read as: the word itself, or its
	// correction when it was misspelled; empty for a phrase.
	Term string
	// Phrase is true for a taxonomy phrase ("place to sleep").
	Phrase bool
	// Corrected is true when Term is a spelling correction of Text.
	Corrected bool
	// Categories are the taxonomy categories whose labels or synonyms hold
	// the phrase or word, in taxonomy order; empty when none does.
	Categories []string
}

// Read breaks text into taxonomy phrases and words the way Search does
// (longest phrase first, fillers and stop words dropped, misspelled words
// corrected against the index's vocabulary) and says which categories each
// names. It never fails: text that names nothing gives a Reading without
// categories.
func (ix *Index) Read(text string) Reading {
	p := ix.text.parse(text)
	r := Reading{Corrections: p.Corrections, Ignored: p.Ignored}
	for _, u := range p.Units {
		if len(u.Categories) > 0 {
			r.Parts = append(r.Parts, ReadPart{Text: u.Raw, Phrase: true, Categories: ix.ordered(u.Categories)})
			continue
		}
		if len(u.Terms) == 0 {
			continue
		}
		// The first term is the word as typed, or its best correction;
		// further corrections stand in only when it names no category.
		part := ReadPart{Text: u.Raw, Term: u.Terms[0].Term, Corrected: u.Terms[0].Weight < 1}
		for _, w := range u.Terms {
			if cats := ix.text.termCats[w.Term]; len(cats) > 0 {
				part.Term, part.Categories = w.Term, ix.ordered(cats)
				break
			}
		}
		r.Parts = append(r.Parts, part)
	}
	return r
}

// ordered returns the category ids in taxonomy order, without repeats.
func (ix *Index) ordered(ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, c := range ix.catIDs {
		if contains(ids, c) {
			out = append(out, c)
		}
	}
	return out
}

// Terms returns the index terms of text as the search analyzer makes them
// (folded to ASCII, lower-cased, stop words dropped, plurals stemmed), so
// that other packages can compare words the way the index does.
func (ix *Index) Terms(text string) []string { return ix.text.analyze(text) }

// AreaService returns the service to test service areas with: s itself,
// or for a service with a radius area and a confidential location a copy
// measuring from the location's coarse point (LocationPoint), so that a
// service area never reveals a confidential point. The matcher uses it to
// apply the search's area rule.
func AreaService(s *directory.Service) *directory.Service { return areaService(s) }
