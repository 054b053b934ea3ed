package listings

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"trellis/internal/directory"
)

// defaultStaleAfter is DirectoryFile.StaleAfter when it is left out.
const defaultStaleAfter = 365 * 24 * time.Hour

// info checks directory.yaml and converts it. The time zone is UTC when it
// is missing or wrong, so that listings can still be checked.
func (c *checker) info(d *DirectoryFile) directory.Info {
	out := directory.Info{
		Name:        d.Name,
		TimeZone:    time.UTC,
		DefaultNear: d.DefaultNear,
		StaleAfter:  defaultStaleAfter,
		Attribution: d.Attribution,
		Notice:      d.Notice,
	}
	c.required(&d.Name, d, "name")
	if c.required(&d.TimeZone, d, "time_zone") {
		if tz, err := loadZone(d.TimeZone); err != nil {
			c.failErr(&d.TimeZone, err)
		} else {
			out.TimeZone = tz
		}
	}
	c.check(&d.DefaultNear, func(s string) error {
		if !zip5RE.MatchString(s) {
			return fmt.Errorf("default_near %q is not a 5-digit ZIP code", s)
		}
		return nil
	})
	if c.ok(&d.StaleAfter) {
		if dur, err := parseStaleAfter(d.StaleAfter); err != nil {
			c.failErr(&d.StaleAfter, err)
		} else {
			out.StaleAfter = dur
		}
	}
	return out
}

// taxonomy checks taxonomy.yaml and converts it.
func (c *checker) taxonomy(t *TaxonomyFile) *directory.Taxonomy {
	if !c.present(&t.Categories) {
		c.fail(t, nil, "missing required key %q", "categories")
	} else if c.ok(&t.Categories) && len(t.Categories) == 0 {
		c.fail(&t.Categories, t, "%q must list at least one category", "categories")
	}
	seen := map[string]pos{}
	var roots []*directory.Category
	for i := range t.Categories {
		tc := &t.Categories[i]
		if !c.ok(tc) {
			continue
		}
		root := c.category1(tc, nil, seen)
		if root == nil {
			continue
		}
		for j := range tc.Children {
			cc := &tc.Children[j]
			if !c.ok(cc) {
				continue
			}
			if len(cc.Children) > 0 {
				c.fail(&cc.Children, cc, "categories have two levels: subcategory %q cannot have children", cc.ID)
			}
			if child := c.category1(cc, root, seen); child != nil {
				root.Children = append(root.Children, child)
			}
		}
		roots = append(roots, root)
	}
	return directory.NewTaxonomy(roots)
}

// category1 checks and converts one category; parent is nil for a
// top-level one. seen holds the full ids met so far. It returns nil when
// the category has no usable id.
func (c *checker) category1(tc *TaxonomyCategory, parent *directory.Category, seen map[string]pos) *directory.Category {
	c.langMap(&tc.Label, tc, "label", true)
	c.langMap(&tc.Description, tc, "description", false)
	syn := map[string][]string{}
	for lang, words := range tc.Synonyms {
		if !slices.Contains(directory.Languages, lang) {
			c.errorf(c.entryAt(tc.Synonyms, lang, false, tc), "unknown language %q in synonyms (the directory's languages are %s)", lang, strings.Join(directory.Languages, ", "))
			continue
		}
		for k := range words {
			w := &words[k]
			if !c.ok(w) {
				continue
			}
			if strings.TrimSpace(*w) == "" {
				c.fail(w, tc, "a synonym must not be empty")
			} else if strings.ToLower(*w) != *w {
				c.fail(w, tc, "synonym %q must be lowercase", *w)
			}
		}
		syn[lang] = words
	}
	if !c.required(&tc.ID, tc, "id") || !c.check(&tc.ID, checkSlug) {
		return nil
	}
	id := tc.ID
	if parent != nil {
		id = parent.ID + "." + tc.ID
	}
	// The full id is composed here, so the position is the id's own.
	if first, dup := seen[id]; dup {
		c.fail(&tc.ID, tc, "duplicate category id %q (first at line %d)", id, first.line)
		return nil
	}
	seen[id] = c.at(&tc.ID, tc)
	return &directory.Category{
		ID:          id,
		Parent:      parent,
		Label:       directory.Text(tc.Label),
		Description: directory.Text(tc.Description),
		Synonyms:    syn,
	}
}

// langMap checks that the text *p (a label or description) is keyed by the
// directory's languages and, when required, has a non-empty text in each.
func (c *checker) langMap(p *map[string]string, parent *TaxonomyCategory, key string, required bool) {
	if !c.ok(p) {
		if required && !c.present(p) {
			c.fail(parent, nil, "missing required key %q (with %s text)", key, strings.Join(directory.Languages, " and "))
		}
		return
	}
	m := *p
	for lang, text := range m {
		if !slices.Contains(directory.Languages, lang) {
			c.errorf(c.entryAt(m, lang, false, parent), "unknown language %q in %s (the directory's languages are %s)", lang, key, strings.Join(directory.Languages, ", "))
			continue
		}
		if strings.TrimSpace(text) == "" {
			c.errorf(c.entryAt(m, lang, true, parent), "%s in %q must not be empty", key, lang)
		}
	}
	if !required {
		return
	}
	for _, lang := range directory.Languages {
		if _, ok := m[lang]; !ok {
			c.fail(p, parent, "%s needs %q text", key, lang)
		}
	}
}
