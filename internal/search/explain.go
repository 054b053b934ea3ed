package search

import (
	"trellis/internal/directory"
)

// explain returns the service categories the query matched (through its
// category filter, a phrase or a word in a category's labels and synonyms)
// and the reasons the text matched. It analyzes the hit's own text, so it
// is only called for the hits of one page.
func (ix *Index) explain(d *docRef, q *Query, units []unit) ([]string, []Match) {
	s := d.svc
	matched := map[string]bool{}
	for _, c := range s.Categories {
		for _, fc := range q.Categories {
			if c == fc || directory.IsSubcategory(c, fc) {
				matched[c] = true
			}
		}
	}
	var why []Match
	add := func(m Match) {
		for _, x := range why {
			if x == m {
				return
			}
		}
		why = append(why, m)
	}
	fields := []struct {
		name, text string
		terms      map[string]bool
	}{
		{name: "name", text: joinText(s.Name, s.AlternateName)},
		{name: "organization", text: joinText(s.Org.Name, s.Org.AlternateName)},
		{name: "description", text: s.Description},
	}
	for i := range fields {
		if len(units) == 0 {
			break
		}
		fields[i].terms = map[string]bool{}
		for _, t := range ix.text.analyze(fields[i].text) {
			fields[i].terms[t] = true
		}
	}
	for _, u := range units {
		if len(u.Categories) > 0 {
			for _, c := range s.Categories {
				for _, pc := range u.Categories {
					if c == pc || directory.IsSubcategory(c, pc) {
						matched[c] = true
						add(Match{Field: "category", Term: u.Raw, Category: c})
					}
				}
			}
			for _, f := range fields {
				all := len(u.Terms) > 0
				for _, w := range u.Terms {
					all = all && f.terms[w.Term]
				}
				if all {
					add(Match{Field: f.name, Term: u.Raw})
				}
			}
			continue
		}
		for _, w := range u.Terms {
			for _, f := range fields {
				if f.terms[w.Term] {
					add(Match{Field: f.name, Term: w.Term})
					continue
				}
				for _, r := range ix.text.related[w.Term] {
					if f.terms[r] {
						add(Match{Field: f.name, Term: w.Term, Via: r})
						break
					}
				}
			}
			for _, c := range s.Categories {
				if ix.text.catTerms[c][w.Term] {
					matched[c] = true
					add(Match{Field: "category", Term: w.Term, Category: c})
				} else if root := directory.RootOf(c); root != c && ix.text.catTerms[root][w.Term] {
					matched[c] = true
					add(Match{Field: "category", Term: w.Term, Category: root})
				}
			}
		}
	}
	var cats []string
	for _, c := range s.Categories {
		if matched[c] {
			cats = append(cats, c)
		}
	}
	return cats, why
}
