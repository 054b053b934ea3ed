package listings

import (
	"fmt"
	"strings"

	"trellis/internal/directory"
)

// This file checks the settings that recovery meetings are searched with:
// vocabulary.yaml's meetings section (the words that ask for a meeting,
// the fellowships, the words for meeting types) and directory.yaml's
// meetings_help (where to find meetings when none listed fit).

// meetingWords checks vocabulary.yaml's meetings section and converts it:
// word lists keyed by the directory's languages, fellowships with a slug
// id given once, a name in each language and words, and type words whose
// codes are in the Meeting Guide type table types (not checked when the
// data has no table).
func (c *checker) meetingWords(m *MeetingVocabulary, types *directory.MeetingTypes) directory.MeetingWords {
	out := directory.MeetingWords{
		Ask:         c.words(&m.Words, m, "meetings.words"),
		Online:      c.words(&m.Online, m, "meetings.online"),
		InPerson:    c.words(&m.InPerson, m, "meetings.in_person"),
		NoTransport: c.words(&m.NoTransport, m, "meetings.no_transport"),
		Tonight:     c.words(&m.Tonight, m, "meetings.tonight"),
	}
	seen := map[string]pos{}
	for i := range m.Fellowships {
		f := &m.Fellowships[i]
		if !c.ok(f) || !c.required(&f.ID, f, "id") || !c.check(&f.ID, checkSlug) || !c.unique(seen, &f.ID, f, "fellowship") {
			continue
		}
		c.langMap(&f.Name, f, "name", true)
		if !c.present(&f.Words) {
			c.fail(f, nil, "missing required key %q: the words that name the fellowship", "words")
			continue
		}
		out.Fellowships = append(out.Fellowships, directory.Fellowship{ID: f.ID, Name: directory.Text(f.Name), Words: c.words(&f.Words, f, "words")})
	}
	for i := range m.Types {
		g := &m.Types[i]
		if !c.ok(g) {
			continue
		}
		if !c.present(&g.Codes) || len(g.Codes) == 0 {
			c.fail(&g.Codes, g, "%q needs at least one Meeting Guide type code", "codes")
			continue
		}
		codes := c.list(g.Codes, func(s string) (string, error) {
			switch {
			case strings.TrimSpace(s) == "" || strings.ContainsAny(s, " \t"):
				return s, fmt.Errorf("%q is not a Meeting Guide type code: codes have no spaces (O, W, LGBTQ)", s)
			case types != nil && types.Type(s) == nil:
				return s, fmt.Errorf("%q is not a Meeting Guide type code (the codes are the keys of %s)", s, MeetingTypesPath)
			}
			return s, nil
		})
		if !c.present(&g.Words) {
			c.fail(g, nil, "missing required key %q", "words")
			continue
		}
		if len(codes) > 0 {
			out.Types = append(out.Types, directory.MeetingTypeWords{Codes: codes, Words: c.words(&g.Words, g, "words")})
		}
	}
	return out
}

// meetingsHelp checks directory.yaml's meetings_help and converts it: a
// note in the directory's languages, and at least one link, each with a
// name in every language, a web address or a phone number (or both), and
// a fellowship slug, which meetingsHelpFellowships checks against the
// vocabulary. Links with problems are left out.
func (c *checker) meetingsHelp(h *MeetingsHelp) *directory.MeetingsHelp {
	out := &directory.MeetingsHelp{}
	c.langMap(&h.Note, h, "note", false)
	out.Note = directory.Text(h.Note)
	if !c.present(&h.Links) || len(h.Links) == 0 {
		c.fail(&h.Links, h, "meetings_help needs at least one link under %q: a fellowship's meeting finder", "links")
	}
	for i := range h.Links {
		l := &h.Links[i]
		if !c.ok(l) {
			continue
		}
		c.langMap(&l.Name, l, "name", true)
		good := c.present(&l.Name)
		if c.present(&l.URL) {
			good = c.check(&l.URL, checkURL) && good
		}
		if c.present(&l.Call) {
			good = c.check(&l.Call, CheckPhone) && good
		}
		if !c.present(&l.URL) && !c.present(&l.Call) {
			c.fail(l, nil, "a meetings link needs %q (a web address) or %q (a phone number)", "url", "call")
			good = false
		}
		if c.present(&l.Fellowship) {
			good = c.check(&l.Fellowship, checkSlug) && good
		}
		if good {
			out.Links = append(out.Links, directory.MeetingsLink{Fellowship: l.Fellowship, Name: directory.Text(l.Name), URL: l.URL, Call: l.Call})
		}
	}
	return out
}

// meetingsHelpFellowships reports the meetings_help links that name a
// fellowship the vocabulary does not know.
func (c *checker) meetingsHelpFellowships(h *MeetingsHelp, words *directory.MeetingWords) {
	var ids []string
	for _, f := range words.Fellowships {
		ids = append(ids, f.ID)
	}
	for i := range h.Links {
		l := &h.Links[i]
		if c.ok(&l.Fellowship) && checkSlug(l.Fellowship) == nil && words.Fellowship(l.Fellowship) == nil {
			known := "vocabulary.yaml names none"
			if len(ids) > 0 {
				known = "vocabulary.yaml names " + strings.Join(ids, ", ")
			}
			c.fail(&l.Fellowship, l, "unknown fellowship %q (%s under meetings.fellowships)", l.Fellowship, known)
		}
	}
}
