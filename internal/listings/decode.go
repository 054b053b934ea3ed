package listings

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unique"

	"go.yaml.in/yaml/v3"
)

// This file is a strict YAML decoder over yaml.Node. It decodes a document
// into the structs of format.go following their yaml tags, reports every
// unknown key, duplicate key, wrong kind of value and unreadable scalar with
// its line and column, and keeps going after each so that one run reports
// them all. It records where each decoded value came from, keyed by a typed
// pointer to the value (&svc.Name, &svc.Categories[2], &svc), so that the
// validation that follows can point at the right line and column.

// pos is a 1-based line and column in a file.
type pos struct{ line, col int }

func posOf(n *yaml.Node) pos { return pos{n.Line, n.Column} }

// mapEntry names one entry of a decoded map. A map's values are not
// addressable, so their positions are keyed by the map's identity and the
// entry's key; val tells the value's position from the key's.
type mapEntry struct {
	m   uintptr
	key string
	val bool
}

// maxNodes bounds how many nodes one document may expand to through
// aliases, so that a file of nested aliases cannot exhaust memory.
const maxNodes = 1_000_000

// decoder decodes one file and collects its errors and positions.
type decoder struct {
	file string
	errs []Error
	// pos maps a pointer to each decoded value (or a mapEntry) to where the
	// value is written: a scalar's own position, the key's position for a
	// mapping or list under a key, and a list item's position for the item.
	pos map[any]pos
	// bad holds the pointers of values that were present but could not be
	// decoded, so validation neither reports them as missing nor checks
	// their zero value again.
	bad map[any]bool
	// nodes counts the values decoded, limit bounds them (maxNodes).
	nodes, limit int
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, pos: map[any]pos{}, bad: map[any]bool{}, limit: maxNodes}
}

func (d *decoder) errorf(p pos, format string, args ...any) {
	d.errs = append(d.errs, Error{Path: d.file, Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)})
}

// present reports whether the value ptr points to was written in the file.
func (d *decoder) present(ptr any) bool {
	_, ok := d.pos[ptr]
	return ok
}

// ok reports whether the value ptr points to was written in the file and
// decoded; validation checks only such values.
func (d *decoder) ok(ptr any) bool { return d.present(ptr) && !d.bad[ptr] }

// at returns where the value ptr points to was written, or fallback's
// position when it was not.
func (d *decoder) at(ptr, fallback any) pos {
	if p, ok := d.pos[ptr]; ok {
		return p
	}
	if p, ok := d.pos[fallback]; ok {
		return p
	}
	return pos{1, 1}
}

// entryAt returns the position of map m's entry key (its key, or with val
// its value), or fallback's position when it is not recorded.
func (d *decoder) entryAt(m any, key string, val bool, fallback any) pos {
	if p, ok := d.pos[mapEntry{reflect.ValueOf(m).Pointer(), key, val}]; ok {
		return p
	}
	return d.at(fallback, nil)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError turns a go-yaml parse error into an Error. go-yaml reports
// the line but not the column of a syntax error, so the column is 1.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		d.errorf(pos{line, 1}, "YAML syntax: %s", m[2])
		return
	}
	d.errorf(pos{1, 1}, "YAML syntax: %s", strings.TrimPrefix(msg, "yaml: "))
}

// decodeFile parses data as one YAML document and decodes it into out, a
// pointer to a struct. Problems are in d.errs; out holds whatever could be
// decoded. It returns the parsed document, or nil when the file is empty
// or does not parse.
func (d *decoder) decodeFile(data []byte, out any) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(pos{1, 1}, "the file is empty")
		} else {
			d.syntaxError(err)
		}
		return nil
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		d.errorf(posOf(&extra), "the file holds more than one YAML document (a line of ---): keep one")
	case !errors.Is(err, io.EOF):
		d.syntaxError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			d.errorf(pos{1, 1}, "the file is empty")
			return nil
		}
		root = root.Content[0]
	}
	v := reflect.ValueOf(out).Elem()
	d.value(root, v, posOf(root), "the file")
	return &doc
}

// value decodes node n into v (addressable) and records position p for it.
// what names the value in messages: `"lat"`, `each item of "categories"`.
func (d *decoder) value(n *yaml.Node, v reflect.Value, p pos, what string) {
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			d.errorf(p, "%s refers to an unknown anchor", what)
			return
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes > d.limit {
		if d.nodes == d.limit+1 {
			d.errorf(p, "the file expands to more than %d values through aliases", d.limit)
		}
		return
	}
	ptr := v.Addr().Interface()
	d.pos[ptr] = p
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		d.bad[ptr] = true
		d.errorf(p, "%s has no value: give one or remove the key", what)
		return
	}
	if !d.set(n, v, what) {
		d.bad[ptr] = true
	}
}

// set decodes n into v by v's kind and reports whether it could.
func (d *decoder) set(n *yaml.Node, v reflect.Value, what string) bool {
	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		v.Set(e)
		d.value(n, e.Elem(), posOf(n), what)
		return !d.bad[e.Interface()]
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return d.wrongKind(n, what, "a mapping of keys")
		}
		d.structFields(n, v)
		return true
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return d.wrongKind(n, what, "a list")
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		item := "each item of " + strings.TrimPrefix(what, "each item of ")
		for i, c := range n.Content {
			d.value(c, s.Index(i), posOf(c), item)
		}
		v.Set(s)
		return true
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return d.wrongKind(n, what, "a mapping of keys")
		}
		d.mapEntries(n, v, what)
		return true
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return d.wrongKind(n, what, "a string")
		}
		switch n.ShortTag() {
		case "!!str", "!!timestamp":
			// Interned: a national directory repeats the same source
			// names, notes, towns and templated descriptions across tens
			// of thousands of files, and the catalog keeps them all.
			v.SetString(unique.Make(n.Value).Value())
			return true
		case "!!int", "!!float", "!!bool":
			d.errorf(posOf(n), "%s must be a string: put it in quotes, %q", what, n.Value)
			return false
		}
		d.errorf(posOf(n), "%s must be a string, not %s", what, describe(n))
		return false
	case reflect.Bool:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
			b, err := strconv.ParseBool(strings.ToLower(n.Value))
			if err == nil {
				v.SetBool(b)
				return true
			}
		}
		d.errorf(posOf(n), "%s must be true or false, not %s", what, describe(n))
		return false
	case reflect.Int:
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
			i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, strconv.IntSize)
			if err == nil {
				v.SetInt(i)
				return true
			}
		}
		d.errorf(posOf(n), "%s must be a whole number, not %s", what, describe(n))
		return false
	case reflect.Float64:
		if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
			f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
			if err == nil {
				v.SetFloat(f)
				return true
			}
			if n.ShortTag() == "!!float" { // .inf, .nan, 1e400
				d.errorf(posOf(n), "%s must be a finite number, not %s", what, n.Value)
				return false
			}
		}
		d.errorf(posOf(n), "%s must be a number, not %s", what, describe(n))
		return false
	}
	// The format's structs use only the kinds above.
	d.errorf(posOf(n), "%s cannot be decoded (Go kind %s)", what, v.Kind())
	return false
}

func (d *decoder) wrongKind(n *yaml.Node, what, want string) bool {
	d.errorf(posOf(n), "%s must be %s, not %s", what, want, describe(n))
	return false
}

// describe names what node n is, for "must be X, not Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		v := n.Value
		if len(v) > 40 {
			v = v[:37] + "..."
		}
		switch n.ShortTag() {
		case "!!int", "!!float":
			return "the number " + v
		case "!!bool":
			return v
		case "!!null":
			return "nothing"
		case "!!timestamp":
			return "the date " + v
		}
		return strconv.Quote(v)
	}
	return "this"
}

// keyName checks that a mapping key is a plain string and returns it.
func (d *decoder) keyName(k *yaml.Node) (string, bool) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		d.errorf(posOf(k), "a key must be a plain name, not %s", describe(k))
		return "", false
	}
	if k.ShortTag() == "!!merge" {
		d.errorf(posOf(k), "merge keys (<<) are not supported: write the keys out")
		return "", false
	}
	return k.Value, true
}

// valuePos is where a value under key k is reported: at the value for a
// scalar, at the key for a mapping or list, whose own position is the line
// after the key.
func valuePos(k, v *yaml.Node) pos {
	if v.Kind == yaml.ScalarNode || v.Kind == yaml.AliasNode {
		return posOf(v)
	}
	return posOf(k)
}

// structFields decodes mapping n into struct v field by field.
func (d *decoder) structFields(n *yaml.Node, v reflect.Value) {
	info := structInfoOf(v.Type())
	seen := make(map[string]pos, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.keyName(k)
		if !ok {
			continue
		}
		if first, dup := seen[name]; dup {
			d.errorf(posOf(k), "duplicate key %q (first at line %d)", name, first.line)
			continue
		}
		seen[name] = posOf(k)
		idx, known := info.byName[name]
		if !known {
			d.unknownKey(k, name, info)
			continue
		}
		d.value(val, v.Field(idx), valuePos(k, val), strconv.Quote(name))
	}
}

func (d *decoder) unknownKey(k *yaml.Node, name string, info *structInfo) {
	msg := fmt.Sprintf("unknown key %q in %s", name, info.label)
	if s := suggest(name, info.names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	d.errorf(posOf(k), "%s (allowed: %s)", msg, strings.Join(info.names, ", "))
}

// mapEntries decodes mapping n into map v, keyed by string.
func (d *decoder) mapEntries(n *yaml.Node, v reflect.Value, what string) {
	m := reflect.MakeMapWithSize(v.Type(), len(n.Content)/2)
	v.Set(m)
	id := m.Pointer()
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		name, ok := d.keyName(k)
		if !ok {
			continue
		}
		kp := mapEntry{id, name, false}
		if first, dup := d.pos[kp]; dup {
			d.errorf(posOf(k), "duplicate key %q (first at line %d)", name, first.line)
			continue
		}
		d.pos[kp] = posOf(k)
		e := reflect.New(v.Type().Elem()).Elem()
		vp := valuePos(k, val)
		d.value(val, e, vp, fmt.Sprintf("%q in %s", name, what))
		d.pos[mapEntry{id, name, true}] = vp
		m.SetMapIndex(reflect.ValueOf(name), e)
	}
}

// structInfo is what the decoder needs to know about a struct type.
type structInfo struct {
	label  string         // "a service", for messages
	names  []string       // yaml keys in field order
	byName map[string]int // yaml key to field index
}

var structInfos sync.Map // reflect.Type to *structInfo

// typeLabels name the format's structs in messages.
var typeLabels = map[reflect.Type]string{
	reflect.TypeFor[File]():             "an organization",
	reflect.TypeFor[Source]():           "a source",
	reflect.TypeFor[Phone]():            "a phone",
	reflect.TypeFor[Location]():         "a location",
	reflect.TypeFor[Address]():          "an address",
	reflect.TypeFor[Point]():            "a point",
	reflect.TypeFor[Service]():          "a service",
	reflect.TypeFor[ServiceArea]():      "a service area",
	reflect.TypeFor[Eligibility]():      "eligibility",
	reflect.TypeFor[AgeRange]():         "an age range",
	reflect.TypeFor[Hours]():            "hours",
	reflect.TypeFor[Span]():             "a weekly span",
	reflect.TypeFor[Season]():           "a season",
	reflect.TypeFor[Closure]():          "a closure",
	reflect.TypeFor[DirectoryFile]():    "directory settings",
	reflect.TypeFor[TaxonomyFile]():     "the taxonomy",
	reflect.TypeFor[TaxonomyCategory](): "a category",
	reflect.TypeFor[MeetingFile]():      "a meeting file",
	reflect.TypeFor[Meeting]():          "a meeting",
	reflect.TypeFor[MeetingEntity]():    "an entity",
	reflect.TypeFor[MeetingContact]():   "a contact",

	// The meeting settings of vocabulary.yaml and directory.yaml.
	reflect.TypeFor[MeetingsHelp]():      "meetings_help",
	reflect.TypeFor[MeetingsLink]():      "a meetings link",
	reflect.TypeFor[MeetingVocabulary](): "the meeting words",
	reflect.TypeFor[FellowshipWords]():   "a fellowship",
	reflect.TypeFor[MeetingTypeWords]():  "meeting type words",
}

func structInfoOf(t reflect.Type) *structInfo {
	if si, ok := structInfos.Load(t); ok {
		return si.(*structInfo)
	}
	si := &structInfo{label: typeLabels[t], byName: map[string]int{}}
	if si.label == "" {
		si.label = strings.ToLower(t.Name())
	}
	for i := range t.NumField() {
		name := yamlName(t.Field(i))
		if name == "" {
			continue
		}
		si.names = append(si.names, name)
		si.byName[name] = i
	}
	structInfos.Store(t, si)
	return si
}

// yamlName returns the key a struct field is written under, or "" for a
// field the format does not carry.
func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	tag := f.Tag.Get("yaml")
	if tag == "-" {
		return ""
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name
}

// suggest returns the candidate closest to s when it is close enough to be
// a likely typo, or "".
func suggest(s string, candidates []string) string {
	norm := func(x string) string {
		return strings.NewReplacer("_", "", "-", "", " ", "", ".", "").Replace(strings.ToLower(x))
	}
	ns := norm(s)
	best, bestD := "", math.MaxInt
	for _, c := range candidates {
		if norm(c) == ns {
			return c
		}
		if dist := editDistance(strings.ToLower(s), c); dist < bestD {
			best, bestD = c, dist
		}
	}
	limit := max(1, min(3, len(s)/3))
	if bestD <= limit {
		return best
	}
	return ""
}

// editDistance returns the optimal string alignment distance between a and
// b in runes: insertions, deletions, substitutions and swaps of two
// neighbouring runes ("nmae" is one edit from "name").
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// d[i][j] is the distance between ra[:i] and rb[:j]; three rows suffice.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
