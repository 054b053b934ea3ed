package directory

import "strings"

// Languages the directory's own text (taxonomy labels, pages) is written in.
// The first is the fallback.
var Languages = []string{"en", "es"}

// Text is a string in several languages, keyed by BCP 47 code.
type Text map[string]string

// In returns the text in lang, falling back to English, then to any.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok && s != "" {
		return s
	}
	if s, ok := t["en"]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Category is a needs category: a top-level need ("housing") or a
// subcategory ("housing.emergency-shelter").
type Category struct {
	// ID is the top-level slug, or parent and child slugs joined by a dot.
	ID          string
	Parent      *Category
	Children    []*Category
	Label       Text
	Description Text
	// Synonyms are plain-language words and phrases people use for the
	// category, by language: "place to sleep", "albergue".
	Synonyms map[string][]string
	// UsualSeason, when set, is when services of the category usually
	// operate (farmers markets: spring to fall); a listing that gives no
	// season of its own is taken to follow it.
	UsualSeason *Season
	// Also are the categories a search looks in when none of this
	// subcategory's services is near, instead of its parent.
	Also []string
}

// Taxonomy is the two-level tree of needs categories (data/taxonomy.yaml).
type Taxonomy struct {
	// Roots are the top-level categories in file order.
	Roots []*Category
	byID  map[string]*Category
}

// NewTaxonomy indexes the tree under roots. Children must already point to
// their parents.
func NewTaxonomy(roots []*Category) *Taxonomy {
	t := &Taxonomy{Roots: roots, byID: map[string]*Category{}}
	for _, r := range roots {
		t.byID[r.ID] = r
		for _, c := range r.Children {
			t.byID[c.ID] = c
		}
	}
	return t
}

// Category returns the category with the given id, or nil.
func (t *Taxonomy) Category(id string) *Category {
	if t == nil {
		return nil
	}
	return t.byID[id]
}

// All returns every category, each root followed by its children.
func (t *Taxonomy) All() []*Category {
	var out []*Category
	for _, r := range t.Roots {
		out = append(out, r)
		out = append(out, r.Children...)
	}
	return out
}

// IsSubcategory reports whether id is a child of parent ("housing.shelter"
// of "housing").
func IsSubcategory(id, parent string) bool {
	return len(id) > len(parent) && strings.HasPrefix(id, parent) && id[len(parent)] == '.'
}

// RootOf returns the top-level part of a category id.
func RootOf(id string) string {
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return id
}
