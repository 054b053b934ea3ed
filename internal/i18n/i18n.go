// Package i18n holds Trellis's message catalogs (web/messages/<lang>.yaml)
// and picks a language for a request. Every string people read, in the API
// and on pages, comes from here, in English and Spanish.
package i18n

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"

	"trellis/internal/directory"
	"trellis/web"
)

// Catalog is the set of messages in every supported language. It is
// immutable and safe for concurrent use.
type Catalog struct {
	msgs    map[string]map[string]string // lang -> key -> text
	matcher language.Matcher
	langs   []string
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
	c := &Catalog{msgs: map[string]map[string]string{}, langs: directory.Languages}
	tags := make([]language.Tag, len(c.langs))
	for i, lang := range c.langs {
		p := path.Join(dir, lang+".yaml")
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("i18n: %w", err)
		}
		m := map[string]string{}
		if err := yaml.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: %s: %w", p, err)
		}
		c.msgs[lang] = m
		tags[i] = language.Make(lang)
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
// args, given as name, value pairs. A key missing in lang falls back to the
// first language; a key missing everywhere returns the key itself, which
// tests catch.
func (c *Catalog) T(lang, key string, args ...string) string {
	s, ok := c.msgs[lang][key]
	if !ok {
		s, ok = c.msgs[c.langs[0]][key]
		if !ok {
			return key
		}
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

// Check returns the differences between the languages: keys present in one
// and missing in another, and keys whose placeholders differ. Tests keep it
// empty.
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
			a, b := placeholder.FindAllString(v, -1), placeholder.FindAllString(w, -1)
			sort.Strings(a)
			sort.Strings(b)
			if strings.Join(a, ",") != strings.Join(b, ",") {
				out = append(out, fmt.Sprintf("%s: %q has placeholders %v, %s has %v", lang, k, b, c.langs[0], a))
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
