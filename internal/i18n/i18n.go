// Package i18n holds Trellis's message catalogs (web/messages/<lang>.yaml)
// and picks a language for a request. Every string people read, in the API
// and on pages, comes from here, in English and Spanish.
//
// A message is a string with {name} placeholders, or, when it says how
// many of something, a map of CLDR plural forms (zero, one, two, few, many,
// other; "other" is required):
//
//	match.ago.days:
//	  one: "{n} day ago"
//	  other: "{n} days ago"
//
// T chooses the form with the language's plural rules from
// golang.org/x/text/feature/plural, by the message's count: its {count}
// argument, else its {n}.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"

	"trellis/internal/directory"
	"trellis/web"
)

// Catalog is the set of messages in every supported language. It is
// immutable and safe for concurrent use.
type Catalog struct {
	msgs    map[string]map[string]message // lang -> key -> message
	matcher language.Matcher
	langs   []string
	tags    map[string]language.Tag
}

// message is one entry of a catalog: a text, or its plural forms.
type message struct {
	text  string
	forms map[plural.Form]string
}

// pluralForms names the CLDR plural forms a catalog may give.
var pluralForms = map[string]plural.Form{
	"zero": plural.Zero, "one": plural.One, "two": plural.Two,
	"few": plural.Few, "many": plural.Many, "other": plural.Other,
}

// UnmarshalYAML reads a message: a string, or a mapping of plural forms
// that includes "other".
func (m *message) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Decode(&m.text)
	case yaml.MappingNode:
		var raw map[string]string
		if err := n.Decode(&raw); err != nil {
			return err
		}
		m.forms = map[plural.Form]string{}
		for name, text := range raw {
			f, ok := pluralForms[name]
			if !ok {
				return fmt.Errorf("line %d: %q is not a plural form (zero, one, two, few, many, other)", n.Line, name)
			}
			m.forms[f] = text
		}
		if _, ok := m.forms[plural.Other]; !ok {
			return fmt.Errorf("line %d: plural message without \"other\"", n.Line)
		}
		return nil
	}
	return fmt.Errorf("line %d: a message is a string or a map of plural forms", n.Line)
}

// texts returns every text of the message, its forms in a fixed order.
func (m message) texts() []string {
	if m.forms == nil {
		return []string{m.text}
	}
	var out []string
	for _, f := range []plural.Form{plural.Zero, plural.One, plural.Two, plural.Few, plural.Many, plural.Other} {
		if s, ok := m.forms[f]; ok {
			out = append(out, s)
		}
	}
	return out
}

// Default is the catalog embedded from web/messages, loaded at start. A
// broken catalog is a build mistake that tests catch, so loading panics.
var Default = mustLoad(web.FS, "messages")

func mustLoad(fsys fs.FS, dir string) *Catalog {
	c, err := Load(fsys, dir)
	if err != nil {
		panic(err)
	}
	return c
}

// Load reads <dir>/<lang>.yaml for every language in directory.Languages.
// It returns an error naming the file for a missing or malformed catalog.
func Load(fsys fs.FS, dir string) (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]message{}, langs: directory.Languages, tags: map[string]language.Tag{}}
	tags := make([]language.Tag, len(c.langs))
	for i, lang := range c.langs {
		p := path.Join(dir, lang+".yaml")
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]message{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		c.msgs[lang] = m
		tags[i] = language.Make(lang)
		c.tags[lang] = tags[i]
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Languages returns the supported language codes, the fallback first.
func (c *Catalog) Languages() []string { return append([]string(nil), c.langs...) }

// Supported reports whether lang is one of the catalog's languages.
func (c *Catalog) Supported(lang string) bool {
	_, ok := c.msgs[lang]
	return ok
}

// Match picks the language for a request: explicit when supported (a ?lang=
// or a cookie), else the best match for an Accept-Language header, else the
// fallback.
func (c *Catalog) Match(explicit, acceptLanguage string) string {
	if c.Supported(explicit) {
		return explicit
	}
	if acceptLanguage != "" {
		tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err == nil && len(tags) > 0 {
			_, idx, conf := c.matcher.Match(tags...)
			if conf != language.No {
				return c.langs[idx]
			}
		}
	}
	return c.langs[0]
}

// T returns message key in lang with {name} placeholders replaced from
// args, given as name, value pairs. A plural message takes the form that
// lang's plural rules give for its count (the "count" argument, else "n",
// read as a whole number; "other" when neither reads). A key missing in
// lang falls back to the first language; a key missing everywhere returns
// the key itself, which tests catch.
func (c *Catalog) T(lang, key string, args ...string) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		lang = c.langs[0]
		m, ok = c.msgs[lang][key]
		if !ok {
			return key
		}
	}
	s := m.text
	if m.forms != nil {
		s = m.forms[plural.Other]
		if n, ok := count(args); ok {
			if f, ok := m.forms[plural.Cardinal.MatchPlural(c.tags[lang], n, 0, 0, 0, 0)]; ok {
				s = f
			}
		}
	}
	if len(args) == 0 {
		return s
	}
	return fill(s, args)
}

// fill replaces each {name} in s with the value args (name, value pairs)
// gives it, the first pair of a name winning; other braces stay as they
// are, and values are not read again. Every search result goes through
// here several times, so it allocates only the result (a strings.Replacer
// built per call allocated a few kilobytes).
func fill(s string, args []string) string {
	var b strings.Builder
	b.Grow(len(s) + 16)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			break
		}
		j := strings.IndexAny(s[i+1:], "{}")
		if j < 0 {
			break
		}
		j += i + 1
		if s[j] == '{' {
			// "{a{b}": the name starts at the inner brace.
			b.WriteString(s[:j])
			s = s[j:]
			continue
		}
		v, ok := argValue(args, s[i+1:j])
		if !ok {
			b.WriteString(s[:j+1])
		} else {
			b.WriteString(s[:i])
			b.WriteString(v)
		}
		s = s[j+1:]
	}
	b.WriteString(s)
	return b.String()
}

// argValue returns the value of the first name, value pair of args with
// name.
func argValue(args []string, name string) (string, bool) {
	for i := 0; i+1 < len(args); i += 2 {
		if args[i] == name {
			return args[i+1], true
		}
	}
	return "", false
}

// count returns the whole number a plural message is chosen by: the
// "count" argument, else "n".
func count(args []string) (int, bool) {
	for _, name := range []string{"count", "n"} {
		for i := 0; i+1 < len(args); i += 2 {
			if args[i] == name {
				n, err := strconv.Atoi(strings.TrimSpace(args[i+1]))
				if err != nil || n < 0 {
					return 0, false
				}
				return n, true
			}
		}
	}
	return 0, false
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// Check returns the differences between the languages: keys present in one
// and missing in another, keys whose placeholders differ (in any plural
// form), and plural messages in one language that are plain text in
// another. Tests keep it empty.
func (c *Catalog) Check() []string {
	var out []string
	base := c.msgs[c.langs[0]]
	for _, lang := range c.langs[1:] {
		m := c.msgs[lang]
		for k, v := range base {
			w, ok := m[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s: missing %q", lang, k))
				continue
			}
			if (v.forms == nil) != (w.forms == nil) {
				out = append(out, fmt.Sprintf("%s: %q is plural in one language and not in the other", lang, k))
				continue
			}
			if a, b := placeholders(v), placeholders(w); a != b {
				out = append(out, fmt.Sprintf("%s: %q has placeholders %s, %s has %s", lang, k, b, c.langs[0], a))
			}
		}
		for k := range m {
			if _, ok := base[k]; !ok {
				out = append(out, fmt.Sprintf("%s: %q is not in %s", lang, k, c.langs[0]))
			}
		}
	}
	sort.Strings(out)
	return out
}

// placeholders lists the distinct placeholders of all a message's texts,
// sorted and joined: a plural form may leave its count out ("one: a day
// ago") as long as another form has it.
func placeholders(m message) string {
	seen := map[string]bool{}
	for _, text := range m.texts() {
		for _, p := range placeholder.FindAllString(text, -1) {
			seen[p] = true
		}
	}
	var ps []string
	for p := range seen {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return "[" + strings.Join(ps, ",") + "]"
}
