package needs

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"trellis/internal/directory"
)

// Categorizer tells which needs categories a search text names, for
// counting searches that gave no category filter. It matches the
// categories' labels and synonyms in every language as whole words,
// ignoring case, accents and plurals, longest phrase first, each word of
// the text used by one phrase only ("emergency shelter" is the shelter,
// not also the crisis category's "emergency"); and it keeps the most
// specific categories (a subcategory, not also its parent). It is a best
// effort for counting, not the search itself. It is safe for concurrent
// use.
type Categorizer struct {
	tax     *directory.Taxonomy
	phrases []phrase // longest first
}

type phrase struct {
	words []string // normalized
	cat   string
}

// NewCategorizer prepares the phrases of tax.
func NewCategorizer(tax *directory.Taxonomy) *Categorizer {
	c := &Categorizer{tax: tax}
	for _, cat := range tax.All() {
		var texts []string
		for _, s := range cat.Label {
			texts = append(texts, s)
		}
		for _, syns := range cat.Synonyms {
			texts = append(texts, syns...)
		}
		seen := map[string]bool{}
		for _, t := range texts {
			w := words(t)
			k := strings.Join(w, " ")
			if len(w) == 0 || seen[k] {
				continue
			}
			seen[k] = true
			c.phrases = append(c.phrases, phrase{words: w, cat: cat.ID})
		}
	}
	slices.SortStableFunc(c.phrases, func(a, b phrase) int { return len(b.words) - len(a.words) })
	return c
}

// Taxonomy returns the taxonomy c matches.
func (c *Categorizer) Taxonomy() *directory.Taxonomy { return c.tax }

// Categories returns the ids of the categories text names, most specific
// only, in taxonomy order; nil when it names none.
func (c *Categorizer) Categories(text string) []string {
	t := words(text)
	if len(t) == 0 {
		return nil
	}
	used := make([]bool, len(t))
	hit := map[string]bool{}
	for _, p := range c.phrases {
		for i := 0; i+len(p.words) <= len(t); i++ {
			if !slices.Equal(t[i:i+len(p.words)], p.words) || slices.Contains(used[i:i+len(p.words)], true) {
				continue
			}
			for j := i; j < i+len(p.words); j++ {
				used[j] = true
			}
			hit[p.cat] = true
		}
	}
	var out []string
	for _, cat := range c.tax.All() {
		if !hit[cat.ID] {
			continue
		}
		// A parent named beside one of its children adds nothing.
		if slices.ContainsFunc(cat.Children, func(ch *directory.Category) bool { return hit[ch.ID] }) {
			continue
		}
		out = append(out, cat.ID)
	}
	return out
}

// words lowercases s, drops accents, splits it at every character that is
// not a letter or digit and makes plurals singular ("pantries" is
// "pantry", "shelters" "shelter").
func words(s string) []string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			b.WriteByte(' ')
		}
	}
	out := strings.Fields(b.String())
	for i, w := range out {
		switch {
		case len(w) > 4 && strings.HasSuffix(w, "ies"):
			out[i] = w[:len(w)-3] + "y"
		case len(w) > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
			out[i] = w[:len(w)-1]
		}
	}
	return out
}
