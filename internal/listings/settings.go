package listings

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

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
	if hl := d.HelpLine; hl != nil && c.ok(hl) {
		if l, ok := c.line(hl, false); ok {
			out.HelpLine = &l
		}
	}
	if cr := d.Crisis; cr != nil && c.ok(cr) {
		out.Crisis = c.crisis(cr)
	}
	if mh := d.MeetingsHelp; mh != nil && c.ok(mh) {
		out.MeetingsHelp = c.meetingsHelp(mh)
	}
	return out
}

// line checks a phone line; withID requires its id (a crisis line, which
// the answers name).
func (c *checker) line(l *Line, withID bool) (directory.Line, bool) {
	c.langMap(&l.Name, l, "name", true)
	good := c.required(&l.Call, l, "call") && c.check(&l.Call, CheckPhone)
	if c.ok(&l.Text) {
		good = c.check(&l.Text, CheckPhone) && good
	}
	c.langMap(&l.Note, l, "note", false)
	if withID {
		good = c.required(&l.ID, l, "id") && good
	}
	return directory.Line{ID: l.ID, Name: directory.Text(l.Name), Call: l.Call, Text: l.Text, Note: directory.Text(l.Note)}, good
}

// crisis checks the crisis lines and which kinds of crisis they answer.
func (c *checker) crisis(cf *Crisis) *directory.Crisis {
	out := &directory.Crisis{Answers: map[string][]string{}}
	seen := map[string]pos{}
	for i := range cf.Lines {
		l := &cf.Lines[i]
		if !c.ok(l) || !c.unique(seen, &l.ID, l, "crisis line") {
			continue
		}
		if line, ok := c.line(l, true); ok {
			out.Lines = append(out.Lines, line)
		}
	}
	if !c.present(&cf.Lines) || len(cf.Lines) == 0 {
		c.fail(&cf.Lines, cf, "crisis needs at least one line under %q", "lines")
	}
	if !c.present(&cf.Answers) {
		c.fail(cf, nil, "missing required key %q: which lines answer %s", "answers", strings.Join(append(append([]string(nil), directory.CrisisKinds...), directory.CrisisAny), ", "))
		return out
	}
	for kind, ids := range cf.Answers {
		if kind != directory.CrisisAny && !slices.Contains(directory.CrisisKinds, kind) {
			c.errorf(c.entryAt(cf.Answers, kind, false, cf), "unknown kind of crisis %q: answers are given for %s", kind, strings.Join(append(append([]string(nil), directory.CrisisKinds...), directory.CrisisAny), ", "))
			continue
		}
		for j := range ids {
			id := &ids[j]
			if _, ok := seen[*id]; c.ok(id) && !ok {
				c.fail(id, cf, "%q answers %s but is not among the crisis lines", *id, kind)
			}
		}
		out.Answers[kind] = ids
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
	// The subcategories that name others in also, checked once every id
	// is known.
	type alsoOf struct {
		tc  *TaxonomyCategory
		cat *directory.Category
	}
	var withAlso []alsoOf
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
				if len(cc.Also) > 0 {
					withAlso = append(withAlso, alsoOf{cc, child})
				}
			}
		}
		if len(tc.Also) > 0 {
			c.fail(&tc.Also, tc, "also is for subcategories (where to look when none is near, instead of the parent); %q is a top-level category", tc.ID)
		}
		roots = append(roots, root)
	}
	for _, a := range withAlso {
		for k := range a.tc.Also {
			id := &a.tc.Also[k]
			switch _, known := seen[*id]; {
			case !c.ok(id):
			case !known:
				c.fail(id, a.tc, "also: unknown category %q (give full ids, e.g. healthcare.primary-care)", *id)
			case *id == a.cat.ID:
				c.fail(id, a.tc, "also: %q names the category itself", *id)
			default:
				a.cat.Also = append(a.cat.Also, *id)
			}
		}
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
	var season *directory.Season
	if us := tc.UsualSeason; us != nil && c.ok(us) {
		season = c.season(us)
	}
	return &directory.Category{
		ID:          id,
		Parent:      parent,
		Label:       directory.Text(tc.Label),
		Description: directory.Text(tc.Description),
		Synonyms:    syn,
		UsualSeason: season,
	}
}

// langMap checks that the text *p (a label or description) is keyed by the
// directory's languages and, when required, has a non-empty text in each.
func (c *checker) langMap(p *map[string]string, parent any, key string, required bool) {
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

// vocabulary checks vocabulary.yaml and converts it: every list keyed by
// the directory's languages, words lowercase and not empty, who ids a
// gender or a population, crisis ids a kind of crisis.
func (c *checker) vocabulary(v *VocabularyFile, tax *directory.Taxonomy, types *directory.MeetingTypes) *directory.Vocabulary {
	cn := map[string][]string{}
	out := &directory.Vocabulary{
		Protected: c.words(&v.Protected, v, "protected"),
		Who:       c.groups(v.Who, "who", append(append([]string(nil), directory.Genders...), directory.Populations...), nil),
		Crisis:    c.groups(v.Crisis, "crisis", directory.CrisisKinds, &cn),
		Urgent:    c.words(&v.Urgent, v, "urgent"),
		Fillers:   c.words(&v.Fillers, v, "fillers"),
		Heads:     c.words(&v.Heads, v, "heads"),
		Free:      c.words(&v.Free, v, "free"),
	}
	out.CrisisNeeds = cn
	if m := v.Meetings; m != nil && c.ok(m) {
		out.Meetings = c.meetingWords(m, types)
	}
	for i := range v.Who {
		if g := &v.Who[i]; len(g.Needs) > 0 {
			c.fail(&g.Needs, g, "who words name people, not needs: remove %q", "needs")
		}
	}
	for i := range v.Crisis {
		g := &v.Crisis[i]
		for j := range g.Needs {
			if n := &g.Needs[j]; c.ok(n) && tax != nil && tax.Category(*n) == nil {
				c.fail(n, g, "unknown category %q (categories are the ids in taxonomy.yaml)", *n)
			}
		}
	}
	return out
}

// groups checks a list of word groups whose ids must be among ids; needs,
// when not nil, collects each group's categories.
func (c *checker) groups(gs []WordGroup, key string, ids []string, needs *map[string][]string) map[string]directory.Words {
	out := map[string]directory.Words{}
	seen := map[string]pos{}
	for i := range gs {
		g := &gs[i]
		if !c.ok(g) || !c.required(&g.ID, g, "id") || !c.unique(seen, &g.ID, g, key) {
			continue
		}
		if !slices.Contains(ids, g.ID) {
			c.fail(&g.ID, g, "unknown %s id %q; use one of %s", key, g.ID, strings.Join(ids, ", "))
			continue
		}
		if !c.present(&g.Words) {
			c.fail(g, nil, "missing required key %q", "words")
			continue
		}
		out[g.ID] = c.words(&g.Words, g, "words")
		if needs != nil && len(g.Needs) > 0 {
			(*needs)[g.ID] = g.Needs
		}
	}
	return out
}

// words checks a list of words keyed by language.
func (c *checker) words(p *map[string][]string, parent any, key string) directory.Words {
	if !c.ok(p) {
		return nil
	}
	out := directory.Words{}
	for lang, words := range *p {
		if !slices.Contains(directory.Languages, lang) {
			c.errorf(c.entryAt(*p, lang, false, parent), "unknown language %q in %s (the directory's languages are %s)", lang, key, strings.Join(directory.Languages, ", "))
			continue
		}
		for k := range words {
			w := &words[k]
			if !c.ok(w) {
				continue
			}
			if strings.TrimSpace(*w) == "" {
				c.fail(w, parent, "a word in %s must not be empty", key)
			} else if strings.ToLower(*w) != *w {
				c.fail(w, parent, "%q in %s must be lowercase", *w, key)
			}
		}
		out[lang] = words
	}
	return out
}

// DirectoryZone returns the time zone directory.yaml in fsys names, or
// UTC when the file is missing or names none that loads (Load reports
// why). A reload uses it to tell which day it is in the directory before
// the directory is loaded.
func DirectoryZone(fsys fs.FS) *time.Location {
	b, err := fs.ReadFile(fsys, DirectoryPath)
	if err != nil {
		return time.UTC
	}
	var f struct {
		TimeZone string `yaml:"time_zone"`
	}
	if yaml.Unmarshal(b, &f) != nil {
		return time.UTC
	}
	tz, err := loadZone(f.TimeZone)
	if err != nil {
		return time.UTC
	}
	return tz
}
