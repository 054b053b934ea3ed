package match

import (
	"sort"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"

	"trellis/internal/directory"
	"trellis/internal/search"
)

// ReadAs says how a need was read: the categories it was matched against
// and the words that named them, so the specialist can see (and correct)
// the reading.
type ReadAs struct {
	// Categories are the taxonomy categories the need was read as. A
	// top-level category includes its subcategories.
	Categories []string
	// Words are the phrases and words of the need's text that were kept,
	// each with the categories it named (none for words that only count
	// toward matching names).
	Words []ReadWord
	// Corrections maps misspelled words to the words read instead.
	Corrections map[string]string
	// Ignored are words that matched nothing in the directory.
	Ignored []string
	// Widened are parent categories added because the subcategory the
	// need names has fewer than MinResults eligible services in reach
	// ("detox" -> all substance use treatment).
	Widened []string
	// TextSearch is true when no category could be read: the need was
	// matched against the listings' own words instead.
	TextSearch bool
	// Urgent is true when the words ask for now ("tonight", "now",
	// "esta noche"): being open now or opening soon then counts double in
	// the ranking. It never excludes a service whose hours are unknown.
	Urgent bool
}

// ReadWord is one phrase or word of a need and what it named.
type ReadWord struct {
	Text       string
	Categories []string
	// CorrectedTo is the word read instead of a misspelled one.
	CorrectedTo string
	// Phrase is true for a taxonomy phrase ("place to sleep").
	Phrase bool
}

// urgentWords are folded words (or two-word phrases) that ask for help now.
var urgentWords = map[string]bool{
	"tonight": true, "now": true, "today": true, "asap": true, "urgent": true, "urgently": true,
	"immediately": true, "emergency": true, "right now": true, "this evening": true,
	"ahora": true, "hoy": true, "urgente": true, "inmediatamente": true, "esta noche": true,
	"ya mismo": true, "emergencia": true,
}

// headWords are nouns people put after the need itself ("methadone
// clinic", "mental health treatment", "food program"). Each is a synonym
// of some category, but next to a more specific word it names the kind of
// place, not the need: a head word counts for its categories only when
// nothing else in the need names one.
var headWords = map[string]bool{
	"clinic": true, "clinica": true, "treatment": true, "tratamiento": true, "center": true, "centre": true,
	"centro": true, "program": true, "programa": true, "service": true, "services": true, "servicios": true,
	"help": true, "ayuda": true, "office": true, "oficina": true,
}

var folder = asciifolding.New()

// foldWords lowercases s, folds it to ASCII and splits it into words of
// letters and digits.
func foldWords(s string) []string {
	f := strings.ToLower(string(folder.Filter([]byte(s))))
	return strings.FieldsFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// stem makes the light plural form used to compare a need's words with
// service names: "shelters" and "shelter" compare equal.
func stem(w string) string {
	if len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") {
		return w[:len(w)-1]
	}
	return w
}

// isUrgent reports whether text asks for help now.
func isUrgent(text string) bool {
	ws := foldWords(text)
	for i, w := range ws {
		if urgentWords[w] {
			return true
		}
		if i+1 < len(ws) && urgentWords[w+" "+ws[i+1]] {
			return true
		}
	}
	return false
}

// read turns a need into the categories it names. Category ids given as
// such are taken as they are; words go through the index's reading
// (taxonomy phrases, synonyms, spelling corrections). A word counts for the
// categories of which it is a whole label or synonym ("comida" for food);
// a word that only appears inside a category's phrases ("noche" in
// "dormir esta noche") counts only when nothing else in the need names a
// category, and never after a spelling correction. When a category and one
// of its subcategories are both named ("drug detox"), the subcategory wins.
// It also returns the need's content words, for matching service names.
func (m *Matcher) read(n Need) (ReadAs, []string) {
	ra := ReadAs{Urgent: isUrgent(n.Text)}
	var strong, weak []string
	strong = append(strong, n.Categories...)
	var words []string
	if n.Text != "" {
		if m.tax.Category(strings.ToLower(n.Text)) != nil {
			strong = append(strong, strings.ToLower(n.Text))
		} else {
			r := m.ix.Read(n.Text)
			ra.Corrections, ra.Ignored = r.Corrections, r.Ignored
			if len(r.Corrections) > 0 {
				// Read the corrected words again, so that a misspelled
				// word still completes a phrase ("methadon clinic").
				words := foldWords(n.Text)
				for i, w := range words {
					if c, ok := r.Corrections[w]; ok {
						words[i] = c
					}
				}
				if again := m.ix.Read(strings.Join(words, " ")); len(again.Parts) < len(r.Parts) {
					r.Parts = again.Parts
					for i := range r.Parts {
						for typed, c := range r.Corrections {
							if r.Parts[i].Text == c || strings.Contains(" "+r.Parts[i].Text+" ", " "+c+" ") {
								r.Parts[i].Text = strings.Replace(r.Parts[i].Text, c, typed, 1)
								r.Parts[i].Corrected = true
							}
						}
					}
				}
			}
			for _, p := range r.Parts {
				rw := ReadWord{Text: p.Text, Phrase: p.Phrase}
				if p.Corrected {
					rw.CorrectedTo = p.Term
				}
				switch {
				case p.Phrase:
					rw.Categories = p.Categories
					strong = append(strong, p.Categories...)
				case headWords[p.Text] || headWords[p.Term]:
					weak = append(weak, m.exact[p.Term]...)
				case len(m.exact[p.Term]) > 0:
					rw.Categories = m.exact[p.Term]
					strong = append(strong, rw.Categories...)
				case !p.Corrected:
					weak = append(weak, p.Categories...)
				}
				ra.Words = append(ra.Words, rw)
				if p.Phrase {
					words = append(words, foldWords(p.Text)...)
				} else {
					words = append(words, p.Term)
				}
			}
			if len(strong) == 0 && len(weak) > 0 {
				for i, p := range r.Parts {
					switch {
					case p.Phrase:
					case headWords[p.Text] || headWords[p.Term]:
						ra.Words[i].Categories = m.exact[p.Term]
					case !p.Corrected:
						ra.Words[i].Categories = p.Categories
					}
				}
				strong = weak
			}
		}
	}
	ra.Categories = m.collapse(strong)
	var content []string
	for _, w := range words {
		if w = stem(w); len(w) > 2 && !contains(content, w) {
			content = append(content, w)
		}
	}
	return ra, content
}

// collapse orders category ids as the taxonomy does, drops repeats and
// drops a category when one of its subcategories is also named.
func (m *Matcher) collapse(ids []string) []string {
	var out []string
	for _, c := range m.tax.All() {
		if !contains(ids, c.ID) {
			continue
		}
		narrower := false
		for _, o := range ids {
			if directory.IsSubcategory(o, c.ID) {
				narrower = true
			}
		}
		if !narrower {
			out = append(out, c.ID)
		}
	}
	return out
}

// exactTerms maps each index term that is a whole single-word label or
// synonym of a category to those categories, in taxonomy order.
func exactTerms(ix *search.Index, tax *directory.Taxonomy) map[string][]string {
	out := map[string][]string{}
	for _, c := range tax.All() {
		var strs []string
		for _, l := range c.Label {
			strs = append(strs, l)
		}
		for _, ss := range c.Synonyms {
			strs = append(strs, ss...)
		}
		sort.Strings(strs)
		for _, s := range strs {
			ts := ix.Terms(s)
			if len(ts) != 1 || len(foldWords(s)) != 1 {
				continue
			}
			if !contains(out[ts[0]], c.ID) {
				out[ts[0]] = append(out[ts[0]], c.ID)
			}
		}
	}
	return out
}
