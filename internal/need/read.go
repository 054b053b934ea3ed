package need

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"trellis/internal/directory"
)

// Speller knows the words of the directory's listings: the search index
// implements it. Words are folded (lower-case ASCII).
type Speller interface {
	// Known reports whether a listing holds the word.
	Known(word string) bool
	// Suggest returns the listing words nearest to word by edits (one
	// for words of four or five letters, two for longer ones), fewest
	// edits first, then the most common; at most n.
	Suggest(word string, n int) []string
}

// Reading is how a text was read.
type Reading struct {
	// Text is the text as given.
	Text string
	// Words are the words and phrases that were kept, in order.
	Words []Word
	// Categories are the taxonomy categories the text names, in taxonomy
	// order but those of Purpose last; a top-level category includes its
	// subcategories, and when a category and one of its subcategories are
	// both named only the subcategory is kept.
	Categories []string
	// Who are the genders and populations the text names ("women",
	// "lgbtq", "veteran"): who the person says they are.
	Who []string
	// Crisis are the kinds of crisis the text reads as (suicide,
	// overdose, violence), in directory.CrisisKinds order.
	Crisis []string
	// Purpose are the categories of Categories the text names only as
	// what another need is for: "doctor" in "a ride to the doctor",
	// "work" in "clothes for work". The need is the ride; the doctor
	// says where to.
	Purpose []string
	// Urgent is true when the text asks for help now ("tonight").
	Urgent bool
	// Free is true when the text asks for services at no cost.
	Free bool
	// Age is the person's age when the text says it ("I'm 17", "17 years
	// old", "tengo 70 años"); nil otherwise.
	Age *int
	// Corrections maps each misspelled word, as typed (folded), to the
	// word read instead.
	Corrections map[string]string
	// Ignored are words nothing knows and nothing could correct.
	Ignored []string
	// Terms are the words left for the listings' own text: not fillers,
	// stop words or words that only said who, when or how ("harriet
	// tubman", "dialysis"). NameWords are the stems of every content word,
	// the category words included, for matching service names.
	Terms     []string
	NameWords []string
	// Meeting is what the text asks of a recovery meeting; nil when it
	// asks for none.
	Meeting *MeetingAsk
}

// Word is one word or phrase of a Reading and what it says.
type Word struct {
	// Text is the word or phrase as typed, folded.
	Text string `json:"text"`
	// CorrectedTo is the word read instead of a misspelled one.
	CorrectedTo string `json:"corrected_to,omitempty"`
	// Phrase is true for a phrase of the vocabulary ("place to sleep").
	Phrase bool `json:"phrase,omitempty"`
	// Categories, Who and Crisis are what the word or phrase names.
	Categories []string `json:"categories,omitempty"`
	Who        []string `json:"who,omitempty"`
	Crisis     []string `json:"crisis,omitempty"`
}

// IsZero reports whether the reading found nothing to go on: no
// category, nobody, no crisis and no words for the listings' text.
func (r *Reading) IsZero() bool {
	return len(r.Categories) == 0 && len(r.Who) == 0 && len(r.Crisis) == 0 && len(r.Terms) == 0
}

// MaxEdits is how many edits a correction may make to a word of n
// letters: none under four, one for four or five, two for longer words.
func MaxEdits(n int) int {
	switch {
	case n < 4:
		return 0
	case n <= 5:
		return 1
	}
	return 2
}

// token is one word of the text while it is read.
type token struct {
	typed, word string
	corrected   bool
	// known is true when the vocabulary or the listings know the word.
	known bool
}

// Read reads text. sp may be nil (no listing words: only the vocabulary's
// are known). It never fails: text that names nothing gives a Reading
// whose IsZero is true, with the unknown words in Ignored.
func (v *Vocabulary) Read(text string, sp Speller) Reading {
	r := Reading{Text: text}
	ws := Words(text)
	toks := make([]token, len(ws))
	for i, w := range ws {
		toks[i] = v.spell(w, sp)
	}
	for i := range toks {
		if !toks[i].known {
			if c := v.inPhrase(toks, i); c != "" {
				toks[i].word, toks[i].corrected, toks[i].known = c, true, true
			}
		}
		if toks[i].corrected {
			if r.Corrections == nil {
				r.Corrections = map[string]string{}
			}
			r.Corrections[toks[i].typed] = toks[i].word
		}
	}
	var strong, weak, heads, purpose, needs []string
	// lastEnd is where the last phrase ended; named is true once a phrase
	// has named a need.
	lastEnd, named := 0, false
	var meet meetingReading
	var parts []struct {
		m     meaning
		words []string
	}
	for i := 0; i < len(toks); {
		n := min(v.maxLen, len(toks)-i)
		var m meaning
		found := false
		for ; n >= 1; n-- {
			words := make([]string, n)
			for j := range words {
				words[j] = toks[i+j].word
			}
			if mm, ok := v.phrases[key(words)]; ok {
				m, found = mm, true
				break
			}
		}
		if !found {
			t := toks[i]
			i++
			switch {
			case stopWords[t.word]:
			case !t.known:
				r.Ignored = append(r.Ignored, t.typed)
			default:
				r.Terms = append(r.Terms, t.word)
				r.NameWords = appendStem(r.NameWords, t.word)
				r.Words = append(r.Words, Word{Text: t.typed, CorrectedTo: correctedTo(t)})
			}
			continue
		}
		span := toks[i : i+n]
		meet.phrase(m, i, n)
		if len(m.cats) > 0 && !m.head && !m.urgent {
			if named && purposeBefore(toks[lastEnd:i]) {
				purpose = append(purpose, m.cats...)
			} else {
				needs = append(needs, m.cats...)
			}
			named = true
		}
		i += n
		lastEnd = i
		w := Word{Phrase: n > 1, Categories: v.ordered(m.cats), Who: m.who, Crisis: m.crisis}
		typed := make([]string, n)
		for j, t := range span {
			typed[j] = t.typed
			if t.corrected {
				w.CorrectedTo = joinWords(span)
			}
		}
		w.Text = strings.Join(typed, " ")
		parts = append(parts, struct {
			m     meaning
			words []string
		}{m, typed})
		corrected := slices.ContainsFunc(span, func(t token) bool { return t.corrected })
		// A word that says when as well as what ("emergency") names its
		// need only when nothing else does, like a head word: a "dental
		// emergency" is dental care, soon.
		switch {
		case len(m.cats) > 0 && !m.head && !m.urgent:
			strong = append(strong, m.cats...)
		case m.head || m.urgent:
			heads = append(heads, m.cats...)
		}
		// A word names a need weakly (as part of the phrases it is in) only
		// when it means nothing else: a head or filler word ("center",
		// "program") is part of too many phrases, and a word that says who
		// or when ("senior", "tonight", "free") says that.
		if len(m.cats) == 0 && !corrected && !m.head && !m.filler && len(m.who) == 0 && len(m.crisis) == 0 && !m.urgent && !m.free {
			weak = append(weak, m.weak...)
		}
		// A word that names no need, nobody and no time on its own ("clinic",
		// "atención") is also looked for in the listings' own words.
		if len(m.cats) == 0 || m.head {
			if !m.filler && !m.urgent && !m.free && len(m.who) == 0 && len(m.crisis) == 0 && !m.meet.ask {
				for _, t := range span {
					if !stopWords[t.word] && !slices.Contains(r.Terms, t.word) {
						r.Terms = append(r.Terms, t.word)
					}
				}
			}
		}
		r.Who = union(r.Who, m.who)
		r.Crisis = union(r.Crisis, m.crisis)
		r.Urgent = r.Urgent || m.urgent
		r.Free = r.Free || m.free
		if len(m.cats) > 0 || len(m.weak) > 0 {
			for _, t := range span {
				if !stopWords[t.word] {
					r.NameWords = appendStem(r.NameWords, t.word)
				}
			}
		}
		if w.Phrase || len(w.Categories) > 0 || len(w.Who) > 0 || len(w.Crisis) > 0 || w.CorrectedTo != "" {
			r.Words = append(r.Words, w)
		}
	}
	// Words that say who or when count inside longer phrases too: "a bed
	// tonight" is urgent, "lgbtq youth" names youth.
	for i, t := range toks {
		if m, ok := v.phrases[key([]string{t.word})]; ok {
			r.Urgent = r.Urgent || m.urgent
			r.Who = union(r.Who, m.who)
			meet.word(m, i)
		}
	}
	r.Meeting = meet.ask()
	cats := strong
	if len(cats) == 0 {
		cats = heads
	}
	if len(cats) == 0 {
		cats = weak
		// The words that only named a category weakly now name it.
		for i := range r.Words {
			for _, p := range parts {
				if strings.Join(p.words, " ") == r.Words[i].Text && len(r.Words[i].Categories) == 0 {
					r.Words[i].Categories = v.ordered(p.m.weak)
				}
			}
		}
	}
	r.Categories = v.Collapse(cats)
	for _, c := range r.Categories {
		if slices.Contains(purpose, c) && !slices.Contains(needs, c) {
			r.Purpose = append(r.Purpose, c)
		}
	}
	r.Categories = PurposeLast(r.Categories, r.Purpose)
	if age, num, ok := ageIn(ws); ok {
		// The number says who, not what to look for in the listings.
		r.Age = &age
		r.Terms = slices.DeleteFunc(r.Terms, func(t string) bool { return t == num })
		r.NameWords = slices.DeleteFunc(r.NameWords, func(t string) bool { return t == num })
		r.Ignored = slices.DeleteFunc(r.Ignored, func(t string) bool { return t == num })
	}
	crisis := r.Crisis
	r.Crisis = nil
	for _, k := range directory.CrisisKinds {
		if slices.Contains(crisis, k) {
			r.Crisis = append(r.Crisis, k)
		}
	}
	return r
}

// ageIn finds an age the person says in words ws (folded): a number
// from 10 to 99 after "i'm", "i am", "age", "aged" or "tengo", before
// "years", "yrs", "yo" or "años", or opening the text before "and" or "y"
// ("17 and got kicked out"). It returns the age and the number as typed.
func ageIn(ws []string) (int, string, bool) {
	for i, w := range ws {
		n, err := strconv.Atoi(w)
		if err != nil || len(w) != 2 || n < 10 {
			continue
		}
		prev, next := "", ""
		if i > 0 {
			prev = ws[i-1]
		}
		if i+1 < len(ws) {
			next = ws[i+1]
		}
		switch {
		case slices.Contains([]string{"im", "age", "aged", "tengo"}, prev), // "I'm" is folded to "im"
			prev == "am" && i > 1 && ws[i-2] == "i",
			slices.Contains([]string{"years", "year", "yrs", "yr", "yo", "anos", "ano"}, next),
			i == 0 && (next == "and" || next == "y"):
			return n, w, true
		}
	}
	return 0, "", false
}

// spell returns the token for word w: known as typed, corrected to the
// nearest word of the vocabulary (first) or of the listings, or unknown.
func (v *Vocabulary) spell(w string, sp Speller) token {
	t := token{typed: w, word: w}
	if v.Knows(w) || stopWords[w] || (sp != nil && sp.Known(w)) {
		t.known = true
		return t
	}
	// An everyday word is meant as typed, even when the directory does not
	// hold it: "tiny home" is not "tina home".
	if strings.ContainsAny(w, "0123456789") || Common(w) {
		return t
	}
	maxd := MaxEdits(utf8.RuneCountInString(w))
	if maxd == 0 {
		return t
	}
	// The nearest vocabulary word; among words as near, one that names a
	// need on its own ("lawyer" over "later", which only says when), then
	// one the listings also hold (the directory's own spelling,
	// "methadone" over "metadona"), then the first in lexical order.
	best, bestD := v.nearest(w, maxd, func(c string) (int, bool) {
		rank := 0
		if len(v.phrases[Stem(c)].cats) > 0 {
			rank += 2
		}
		if sp != nil && sp.Known(c) {
			rank++
		}
		return rank, true
	})
	if sp != nil {
		// The nearest plausible listing word, nearest first.
		for _, sug := range sp.Suggest(w, 5) {
			if d := editDistance(w, sug, maxd); d < bestD && plausible(w, sug, d) {
				best, bestD = sug, d
			}
		}
	}
	if best == "" {
		return t
	}
	t.word, t.corrected, t.known = best, true, true
	return t
}

// inPhrase returns the vocabulary word toks[i], a word nothing knows as
// typed, is a slip for when the word beside it says so: the nearest word
// (as spell measures) that makes a phrase of the vocabulary with the word
// before or after it. "metal" is an everyday word and stays as typed on
// its own, but "metal health" is "mental health". It returns "" when no
// such word is near.
func (v *Vocabulary) inPhrase(toks []token, i int) string {
	w := toks[i].typed
	maxd := MaxEdits(utf8.RuneCountInString(w))
	if maxd == 0 || strings.ContainsAny(w, "0123456789") {
		return ""
	}
	best, _ := v.nearest(w, maxd, func(c string) (int, bool) {
		_, before := v.phrases[key([]string{toks[max(i-1, 0)].word, c})]
		_, after := v.phrases[key([]string{c, toks[min(i+1, len(toks)-1)].word})]
		return 0, (i > 0 && before) || (i+1 < len(toks) && after)
	})
	return best
}

// nearest returns the vocabulary word nearest to w within maxd edits that
// is a plausible slip for it and that accept takes, with its distance;
// among words as near, the one accept ranks highest, then the first in
// lexical order. It returns "" when none is.
func (v *Vocabulary) nearest(w string, maxd int, accept func(c string) (rank int, ok bool)) (string, int) {
	best, bestD, bestRank := "", maxd+1, -1
	for _, c := range v.words {
		d := editDistance(w, c, bestD)
		if d > bestD || d > maxd || !plausible(w, c, d) {
			continue
		}
		rank, ok := accept(c)
		if ok && (d < bestD || rank > bestRank) {
			best, bestD, bestRank = c, d, rank
		}
	}
	return best, bestD
}

// plausible reports whether correcting typed to c, d edits away, is a
// likely slip rather than another word: the correction is a word of three
// letters or more that says something (not "her" for "hex"), and it keeps
// the first letter unless it is one edit away (people seldom get the first
// letter wrong: "glasses" is not "clases").
func plausible(typed, c string, d int) bool {
	if utf8.RuneCountInString(c) < 3 || stopWords[c] {
		return false
	}
	t0, _ := utf8.DecodeRuneInString(typed)
	c0, _ := utf8.DecodeRuneInString(c)
	return t0 == c0 || d <= 1
}

func correctedTo(t token) string {
	if t.corrected {
		return t.word
	}
	return ""
}

func joinWords(ts []token) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.word
	}
	return strings.Join(out, " ")
}

func appendStem(list []string, w string) []string {
	s := Stem(w)
	if len(s) < 3 || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// editDistance returns the optimal string alignment distance between a
// and b (insertions, deletions, substitutions and transpositions of
// neighbours each count one), or limit+1 as soon as it must exceed limit.
func editDistance(a, b string, limit int) int {
	if limit < 0 {
		return 0
	}
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// purposeWords join a need to what it is for: "a ride to the doctor",
// "clothes for work", "transporte para la cita".
var purposeWords = map[string]bool{"to": true, "for": true, "para": true, "a": true, "al": true}

// purposeBefore reports whether between, the words between two phrases
// that name needs, end in a word that makes the second what the first is
// for (an article or possessive may follow it).
func purposeBefore(between []token) bool {
	for j := len(between) - 1; j >= 0; j-- {
		w := between[j].word
		// "a" is Spanish's "to" right after the need ("transporte a la
		// cita") and otherwise English's article ("food and a ride").
		if w == "a" && j == 0 {
			return true
		}
		switch {
		case determiners[w]:
			continue
		case purposeWords[w]:
			return true
		}
		return false
	}
	return false
}

// PurposeLast returns cats with those in purpose moved to the end, the
// order of each part kept: the need comes before what it is for.
func PurposeLast(cats, purpose []string) []string {
	if len(purpose) == 0 {
		return cats
	}
	out := make([]string, 0, len(cats))
	for _, c := range cats {
		if !slices.Contains(purpose, c) {
			out = append(out, c)
		}
	}
	for _, c := range cats {
		if slices.Contains(purpose, c) {
			out = append(out, c)
		}
	}
	return out
}
