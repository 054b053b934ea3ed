package hsds

// This file reads the mapping files of data/maps/: rules that turn a
// source's taxonomy terms (and, where a fact lives only in text, a
// service's text) into Trellis categories, eligibility, ways to apply,
// cost and insurance.
//
// A mapping file:
//
//	sources: [dc-metro, us-public-facilities]  # the source names it serves
//	rules:
//	  - when: {taxonomy: DC DHS shelter type, code: SUBTYPE=Women}
//	    set: {genders: [female]}
//	  - when: {field: eligibility_description, match: 'Target population: Families\b'}
//	    set: {populations: [families]}
//	  - when: {taxonomy: AJC services, code: fax_machines}
//	    ignore: true   # a known term that says nothing Trellis can use
//
// A rule's conditions must all hold. taxonomy, code and term (a term id)
// match one of the service's taxonomy terms (taxonomy alone matches any term
// of it); field and match test a service text field against a regular
// expression (RE2 syntax). Every taxonomy term a service carries should be
// covered by some rule; the import reports the ones that are not.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"trellis/internal/directory"
	"trellis/internal/listings"
)

// Map is a parsed mapping file.
type Map struct {
	File    string
	Sources []string
	Rules   []*Rule
}

// Rule is one mapping rule.
type Rule struct {
	Line int
	// Term conditions; empty means "any".
	Taxonomy, Code, TermID string
	// Text condition.
	Field string
	Match *regexp.Regexp
	// Ignore marks the terms the rule matches as known and meaningless.
	Ignore bool
	Set    Effects

	matched int
}

// Effects are what a matching rule adds to a service.
type Effects struct {
	Categories  []string
	Genders     []string
	Populations []string
	Focus       []string
	Apply       []string
	Insurance   []string
	AgeMin      *int
	AgeMax      *int
	Cost        string
}

func (r *Rule) hasTermCond() bool { return r.Taxonomy != "" || r.Code != "" || r.TermID != "" }

// matchesTerm reports whether term t meets the rule's term conditions.
func (r *Rule) matchesTerm(t *termRec) bool {
	if r.TermID != "" && r.TermID != t.ID {
		return false
	}
	if r.Taxonomy != "" && !strings.EqualFold(r.Taxonomy, t.Taxonomy) {
		return false
	}
	if r.Code != "" && !strings.EqualFold(r.Code, t.Code) {
		return false
	}
	return true
}

// textFields are the service text fields rules may test, with the HSDS
// column (or organization column) each reads.
var textFields = map[string]func(s *svcRec, o *orgRec) string{
	"name":                     func(s *svcRec, _ *orgRec) string { return s.Name },
	"alternate_name":           func(s *svcRec, _ *orgRec) string { return s.Alt },
	"description":              func(s *svcRec, _ *orgRec) string { return s.Desc },
	"eligibility_description":  func(s *svcRec, _ *orgRec) string { return s.EligDesc },
	"application_process":      func(s *svcRec, _ *orgRec) string { return s.Apply },
	"fees_description":         func(s *svcRec, _ *orgRec) string { return s.FeesDesc },
	"interpretation_services":  func(s *svcRec, _ *orgRec) string { return s.Interp },
	"wait_time":                func(s *svcRec, _ *orgRec) string { return s.WaitTime },
	"alert":                    func(s *svcRec, _ *orgRec) string { return s.Alert },
	"organization_name":        func(_ *svcRec, o *orgRec) string { return o.Name },
	"organization_description": func(_ *svcRec, o *orgRec) string { return o.Desc },
}

// mapErrors collects every problem in a mapping file.
type mapErrors struct {
	file string
	msgs []string
}

func (e *mapErrors) add(n *yaml.Node, format string, args ...any) {
	line, col := 0, 0
	if n != nil {
		line, col = n.Line, n.Column
	}
	e.msgs = append(e.msgs, fmt.Sprintf("%s:%d:%d: %s", e.file, line, col, fmt.Sprintf(format, args...)))
}

func (e *mapErrors) err() error {
	if len(e.msgs) == 0 {
		return nil
	}
	return errors.New("hsds: bad mapping file:\n" + strings.Join(e.msgs, "\n"))
}

// LoadMap reads and checks the mapping file at path. categories are the
// valid category ids (from taxonomy.yaml). It returns an error listing
// every problem as file:line:col: unknown keys, unknown categories or other
// values, bad regular expressions, rules without conditions.
func LoadMap(path string, categories map[string]bool) (*Map, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hsds: read mapping file: %w", err)
	}
	return parseMap(path, data, categories)
}

func parseMap(path string, data []byte, categories map[string]bool) (*Map, error) {
	e := &mapErrors{file: path}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("hsds: %s: %w", path, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("hsds: %s:1:1: a mapping file is a YAML mapping with sources and rules", path)
	}
	m := &Map{File: path}
	root := doc.Content[0]
	eachKey(e, root, []string{"sources", "rules"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "sources":
			m.Sources = stringList(e, v)
		case "rules":
			if v.Kind != yaml.SequenceNode {
				e.add(v, "rules must be a list")
				return
			}
			for _, rn := range v.Content {
				if r := parseRule(e, rn, categories); r != nil {
					m.Rules = append(m.Rules, r)
				}
			}
		}
	})
	if mapGetNode(root, "sources") == nil {
		e.add(root, "missing key %q: list the source names this map serves", "sources")
	}
	if mapGetNode(root, "rules") == nil {
		e.add(root, "missing key %q", "rules")
	}
	if err := e.err(); err != nil {
		return nil, err
	}
	return m, nil
}

func mapGetNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// eachKey calls fn for each key of mapping n, reporting keys not in
// allowed and keys given twice.
func eachKey(e *mapErrors, n *yaml.Node, allowed []string, fn func(key string, k, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		e.add(n, "expected a mapping with keys %s", strings.Join(allowed, ", "))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			e.add(k, "unknown key %q (allowed: %s)", k.Value, strings.Join(allowed, ", "))
			continue
		}
		if seen[k.Value] {
			e.add(k, "key %q given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		fn(k.Value, k, v)
	}
}

func scalar(e *mapErrors, n *yaml.Node, what string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		e.add(n, "%s must be a single value", what)
		return "", false
	}
	return n.Value, true
}

func stringList(e *mapErrors, n *yaml.Node) []string {
	if n.Kind != yaml.SequenceNode {
		e.add(n, "expected a list")
		return nil
	}
	var out []string
	for _, c := range n.Content {
		if s, ok := scalar(e, c, "a list item"); ok {
			out = append(out, s)
		}
	}
	return out
}

// enumList reads a list whose items must be in allowed.
func enumList(e *mapErrors, n *yaml.Node, what string, ok func(string) bool, allowedText string) []string {
	if n.Kind != yaml.SequenceNode {
		e.add(n, "%s must be a list", what)
		return nil
	}
	var out []string
	for _, c := range n.Content {
		s, good := scalar(e, c, what)
		if !good {
			continue
		}
		if !ok(s) {
			e.add(c, "unknown %s %q (%s)", what, s, allowedText)
			continue
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func inList(list []string) func(string) bool {
	return func(s string) bool { return slices.Contains(list, s) }
}

func parseRule(e *mapErrors, n *yaml.Node, categories map[string]bool) *Rule {
	r := &Rule{Line: n.Line}
	hasSet := false
	eachKey(e, n, []string{"when", "set", "ignore"}, func(key string, k, v *yaml.Node) {
		switch key {
		case "when":
			parseWhen(e, r, v)
		case "set":
			hasSet = true
			parseSet(e, r, v, categories)
		case "ignore":
			if v.Kind != yaml.ScalarNode || (v.Value != "true" && v.Value != "false") {
				e.add(v, "ignore must be true or false")
				return
			}
			r.Ignore = v.Value == "true"
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	if mapGetNode(n, "when") == nil {
		e.add(n, "rule has no %q conditions", "when")
	}
	switch {
	case r.Ignore && hasSet:
		e.add(n, "a rule either sets values or is ignore: true, not both")
	case !r.Ignore && !hasSet:
		e.add(n, "rule sets nothing: add set: {...}, or ignore: true for a term that means nothing here")
	}
	return r
}

func parseWhen(e *mapErrors, r *Rule, n *yaml.Node) {
	var matchNode *yaml.Node
	eachKey(e, n, []string{"taxonomy", "code", "term", "field", "match"}, func(key string, k, v *yaml.Node) {
		s, ok := scalar(e, v, key)
		if !ok {
			return
		}
		if strings.TrimSpace(s) == "" {
			e.add(v, "%s is empty", key)
			return
		}
		switch key {
		case "taxonomy":
			r.Taxonomy = s
		case "code":
			r.Code = s
		case "term":
			r.TermID = s
		case "field":
			if textFields[s] == nil {
				names := make([]string, 0, len(textFields))
				for f := range textFields {
					names = append(names, f)
				}
				sort.Strings(names)
				e.add(v, "unknown text field %q (fields: %s)", s, strings.Join(names, ", "))
				return
			}
			r.Field = s
		case "match":
			matchNode = v
			re, err := regexp.Compile(s)
			if err != nil {
				e.add(v, "bad regular expression: %v", err)
				return
			}
			r.Match = re
		}
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	if (mapGetNode(n, "field") == nil) != (matchNode == nil) {
		e.add(n, "field and match go together: name the service text field and the regular expression")
	}
	if len(n.Content) == 0 {
		e.add(n, "when is empty: give taxonomy/code/term or field/match")
	}
}

func parseSet(e *mapErrors, r *Rule, n *yaml.Node, categories map[string]bool) {
	keys := []string{"categories", "genders", "populations", "focus", "age", "apply", "cost", "insurance"}
	eachKey(e, n, keys, func(key string, k, v *yaml.Node) {
		switch key {
		case "categories":
			r.Set.Categories = enumList(e, v, "category", func(s string) bool { return categories[s] },
				"categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter")
		case "genders":
			r.Set.Genders = enumList(e, v, "gender", inList(directory.Genders), "allowed: "+strings.Join(directory.Genders, ", "))
		case "populations":
			r.Set.Populations = enumList(e, v, "population", inList(directory.Populations), "allowed: "+strings.Join(directory.Populations, ", "))
		case "focus":
			r.Set.Focus = enumList(e, v, "population", inList(directory.Populations), "allowed: "+strings.Join(directory.Populations, ", "))
		case "apply":
			r.Set.Apply = enumList(e, v, "way to apply", inList(directory.ApplyMethods), "allowed: "+strings.Join(directory.ApplyMethods, ", "))
		case "insurance":
			r.Set.Insurance = enumList(e, v, "insurance", inList(directory.InsurancePlans), "allowed: "+strings.Join(directory.InsurancePlans, ", "))
		case "cost":
			s, ok := scalar(e, v, "cost")
			if !ok {
				return
			}
			kinds := make([]string, len(directory.CostKinds))
			for i, c := range directory.CostKinds {
				kinds[i] = string(c)
			}
			if !slices.Contains(kinds, s) {
				e.add(v, "unknown cost %q (allowed: %s)", s, strings.Join(kinds, ", "))
				return
			}
			r.Set.Cost = s
		case "age":
			eachKey(e, v, []string{"min", "max"}, func(key string, k, v *yaml.Node) {
				s, ok := scalar(e, v, "age "+key)
				if !ok {
					return
				}
				a, err := strconv.Atoi(s)
				if err != nil || a < 0 || a > 130 {
					e.add(v, "age %s must be a whole number of years from 0 to 130", key)
					return
				}
				if key == "min" {
					r.Set.AgeMin = &a
				} else {
					r.Set.AgeMax = &a
				}
			})
		}
	})
}

// categoryIDs reads the category ids of taxonomy.yaml: each top-level id
// and each "<parent>.<child>".
func categoryIDs(path string) (map[string]bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("hsds: read taxonomy: %w", err)
	}
	var tf listings.TaxonomyFile
	if err := yaml.Unmarshal(data, &tf); err != nil {
		return nil, fmt.Errorf("hsds: %s: %w", path, err)
	}
	ids := map[string]bool{}
	for _, c := range tf.Categories {
		ids[c.ID] = true
		for _, ch := range c.Children {
			ids[c.ID+"."+ch.ID] = true
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("hsds: %s: no categories", path)
	}
	return ids, nil
}

// errNoMap is wrapped by findMap's error when no file lists the source.
var errNoMap = errors.New("hsds")

// findMap returns the mapping file in dir whose sources list source. It
// returns an error wrapping errNoMap when none does.
func findMap(dir, source string, categories map[string]bool) (*Map, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("hsds: find mapping file: %w", err)
	}
	sort.Strings(names)
	var found []*Map
	for _, name := range names {
		m, err := LoadMap(name, categories)
		if err != nil {
			return nil, err
		}
		if slices.Contains(m.Sources, source) {
			found = append(found, m)
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: no mapping file in %s lists source %q: pass --map FILE, or add %q to the sources of a map", errNoMap, dir, source, source)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("hsds: mapping files %s and %s both list source %q: pass --map FILE", found[0].File, found[1].File, source)
}

// outcome is what the rules decided for one service.
type outcome struct {
	Effects
	// unmapped are the service's terms no rule covers.
	unmapped []*termRec
}

// apply runs every rule against a service with terms and returns the
// combined effects. Lists are unions in rule order; the first rule that
// sets cost or an age bound wins.
func (m *Map) apply(s *svcRec, o *orgRec, terms []*termRec) outcome {
	var out outcome
	covered := make([]bool, len(terms))
	for _, r := range m.Rules {
		ok := true
		if r.hasTermCond() {
			ok = false
			for i, t := range terms {
				if r.matchesTerm(t) {
					covered[i] = true
					ok = true
				}
			}
		}
		if ok && r.Match != nil {
			ok = r.Match.MatchString(textFields[r.Field](s, o))
		}
		if !ok {
			continue
		}
		r.matched++
		if r.Ignore {
			continue
		}
		e := &out.Effects
		e.Categories = union(e.Categories, r.Set.Categories)
		e.Genders = union(e.Genders, r.Set.Genders)
		e.Populations = union(e.Populations, r.Set.Populations)
		e.Focus = union(e.Focus, r.Set.Focus)
		e.Apply = union(e.Apply, r.Set.Apply)
		e.Insurance = union(e.Insurance, r.Set.Insurance)
		if e.Cost == "" {
			e.Cost = r.Set.Cost
		}
		if e.AgeMin == nil {
			e.AgeMin = r.Set.AgeMin
		}
		if e.AgeMax == nil {
			e.AgeMax = r.Set.AgeMax
		}
	}
	for i, t := range terms {
		if !covered[i] {
			out.unmapped = append(out.unmapped, t)
		}
	}
	return out
}

// union appends the items of b missing from a.
func union(a, b []string) []string {
	for _, s := range b {
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
