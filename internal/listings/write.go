package listings

// This file writes listing files: Marshal renders a File as canonical YAML,
// Format rewrites a listing file in that canonical form keeping its
// comments (`trellis fmt`), and Update merges a newly imported File into an
// existing listing file without losing the hand edits and comments in it.
// All three build the canonical node tree with buildNode and write it with
// encodeDoc.

import (
	"bytes"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Marshal returns f as canonical listing YAML: keys in the struct field
// order of format.go, two-space indentation, block style, strings quoted
// only where YAML (including YAML 1.1 readers) would read them as something
// else, dates unquoted, and empty optional fields left out. It adds no
// header comment. It returns an error if f is nil or cannot be encoded.
func Marshal(f *File) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("listings: marshal: nil file")
	}
	root := buildNode(reflect.ValueOf(*f))
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}
	return encodeDoc(doc)
}

// Update merges f, a listing freshly imported from a source, into existing,
// the bytes of the listing file already on disk, and returns the new file
// contents. The rules:
//
//   - A field f sets replaces the file's value; a field f leaves empty keeps
//     the file's value, so hand edits to fields the source does not carry
//     (added hours, a phone, wheelchair access, closures) survive.
//   - Nested mappings (address, hours, eligibility, ...) merge key by key by
//     the same rule, except that hours the source gives (weekly spans, 24/7,
//     by appointment, season) replace all of those in the file together;
//     lists other than locations and services are replaced as a whole when
//     f sets them.
//   - Locations and services are matched by source.id. A matched entry is
//     merged; an entry of f with no match is appended; an entry of the file
//     with no source (added by hand) or whose source record is gone is kept.
//   - The ids already in the file (of the organization, its locations and
//     its services) are kept: they are the directory's own names, not the
//     source's. Service "at" lists are rewritten to those ids, and keep the
//     hand-added locations they named.
//   - Comments in the file survive.
//
// Updating a file with the File it was written from changes nothing. Update
// returns an error if existing is not a YAML mapping or f is nil.
func Update(existing []byte, f *File) ([]byte, error) {
	if f == nil {
		return nil, fmt.Errorf("listings: update: nil file")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(existing, &doc); err != nil {
		return nil, fmt.Errorf("listings: update: parse existing file: %w", err)
	}
	if doc.Kind == 0 {
		// An empty file: write f as it is.
		return Marshal(f)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("listings: update: existing file is not a YAML mapping")
	}
	root := doc.Content[0]
	aligned := alignIDs(root, f)
	src := buildNode(reflect.ValueOf(*aligned))
	mergeMapping(root, src, reflect.TypeOf(File{}), mergeFile)
	return encodeDoc(&doc)
}

// Format returns the listing file data, read from path (used in errors),
// in canonical form: the keys, order, quoting and indentation Marshal
// writes, with every comment of the file kept beside the key or item it
// was written at. Formatting formatted data changes nothing.
//
// Data that does not decode as a listing file (a YAML syntax error, an
// unknown or duplicate key, a value of the wrong kind) cannot be
// formatted without guessing: Format then returns those problems and no
// data. Other problems (an unknown category, a dangling "at") do not stop
// it; Load reports them. The error is for data that cannot be encoded.
func Format(path string, data []byte) ([]byte, []Error, error) {
	var f File
	d := newDecoder(path)
	old := d.decodeFile(data, &f)
	if len(d.errs) > 0 {
		sortErrors(d.errs)
		return nil, d.errs, nil
	}
	doc := &yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{buildNode(reflect.ValueOf(f))}}
	var lost []string
	copyComments(old, doc, &lost)
	if len(lost) > 0 {
		// Comments on keys the canonical form leaves out (an empty list,
		// a false flag) go to the end of the file rather than away.
		doc.FootComment = joinComments(append(lost, doc.FootComment)...)
	}
	out, err := encodeDoc(doc)
	if err != nil {
		return nil, nil, fmt.Errorf("listings: format %s: %w", path, err)
	}
	return out, nil, nil
}

// copyComments copies the comments of the parsed tree old onto the
// canonical tree canon of the same data: node by node, matching mapping
// entries by key and list items by position. The comments of entries that
// canon leaves out are appended to lost.
func copyComments(old, canon *yaml.Node, lost *[]string) {
	if old.Kind == yaml.AliasNode {
		// An alias's comments belong to where it is written; its target's
		// were copied where the target is written.
		canon.HeadComment, canon.LineComment, canon.FootComment = old.HeadComment, old.LineComment, old.FootComment
		return
	}
	canon.HeadComment, canon.LineComment, canon.FootComment = old.HeadComment, old.LineComment, old.FootComment
	switch old.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range old.Content {
			if i < len(canon.Content) {
				copyComments(c, canon.Content[i], lost)
			} else {
				*lost = append(*lost, commentsIn(c)...)
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(old.Content); i += 2 {
			k, v := old.Content[i], old.Content[i+1]
			j := mapGet(canon, k.Value)
			if j < 0 {
				*lost = append(*lost, commentsIn(k)...)
				*lost = append(*lost, commentsIn(v)...)
				continue
			}
			ck, cv := canon.Content[j-1], canon.Content[j]
			copyComments(k, ck, lost)
			copyComments(v, cv, lost)
			// A comment after a flow list or mapping ("at: [main] # why")
			// would land after the block form's last line, beside the
			// next key: put it on this key's line instead.
			if cv.LineComment != "" && isBlock(cv) {
				ck.LineComment = joinComments(ck.LineComment, cv.LineComment)
				cv.LineComment = ""
			}
		}
	}
	if old.Kind == yaml.SequenceNode {
		// The same for a flow item of a list ("- {days: mon} # why"):
		// its comment goes on the line of its first key.
		for _, item := range canon.Content {
			if item.LineComment != "" && item.Kind == yaml.MappingNode && isBlock(item) {
				first := item.Content[0]
				first.LineComment = joinComments(first.LineComment, item.LineComment)
				item.LineComment = ""
			}
		}
	}
}

// isBlock reports whether n is a list or mapping written in block style.
func isBlock(n *yaml.Node) bool {
	return (n.Kind == yaml.SequenceNode || n.Kind == yaml.MappingNode) && len(n.Content) > 0 && n.Style&yaml.FlowStyle == 0
}

// commentsIn returns every comment in the tree under n, in order.
func commentsIn(n *yaml.Node) []string {
	var out []string
	for _, c := range []string{n.HeadComment, n.LineComment} {
		if c != "" {
			out = append(out, c)
		}
	}
	if n.Kind != yaml.AliasNode {
		for _, c := range n.Content {
			out = append(out, commentsIn(c)...)
		}
	}
	if n.FootComment != "" {
		out = append(out, n.FootComment)
	}
	return out
}

// joinComments joins comment blocks with newlines, skipping empty ones.
func joinComments(cs ...string) string {
	var keep []string
	for _, c := range cs {
		if c != "" {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, "\n")
}

func encodeDoc(doc *yaml.Node) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("listings: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("listings: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// --- building nodes ---------------------------------------------------------

var (
	// dateRE matches a YYYY-MM-DD date, written unquoted.
	dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	// base60RE matches what YAML 1.1 reads as a base-60 number ("19:00").
	base60RE = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`)
)

// yaml11Bools are the words YAML 1.1 reads as booleans.
var yaml11Bools = map[string]bool{
	"y": true, "yes": true, "on": true, "true": true,
	"n": true, "no": true, "off": true, "false": true,
}

// yamlField is one struct field with its YAML key.
type yamlField struct {
	index     int
	key       string
	omitEmpty bool
}

// fieldsOf returns the YAML fields of struct type t in declaration order.
func fieldsOf(t reflect.Type) []yamlField {
	var out []yamlField
	for i := range t.NumField() {
		sf := t.Field(i)
		name := yamlName(sf)
		if name == "" {
			continue
		}
		_, opts, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		out = append(out, yamlField{index: i, key: name, omitEmpty: strings.Contains(","+opts+",", ",omitempty,")})
	}
	return out
}

// buildNode returns the canonical node for v, or nil when v is a nil
// pointer.
func buildNode(v reflect.Value) *yaml.Node {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return buildNode(v.Elem())
	case reflect.Struct:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, fd := range fieldsOf(v.Type()) {
			fv := v.Field(fd.index)
			if fd.omitEmpty && isEmptyValue(fv) {
				continue
			}
			child := buildNode(fv)
			if child == nil {
				continue
			}
			if fd.omitEmpty && child.Kind == yaml.MappingNode && len(child.Content) == 0 {
				continue
			}
			n.Content = append(n.Content, strNode(fd.key), child)
		}
		return n
	case reflect.Slice, reflect.Array:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := 0; i < v.Len(); i++ {
			if c := buildNode(v.Index(i)); c != nil {
				n.Content = append(n.Content, c)
			}
		}
		if len(n.Content) == 0 {
			n.Style = yaml.FlowStyle // "[]"
		}
		return n
	case reflect.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		strs := make([]string, len(keys))
		for i, k := range keys {
			strs[i] = fmt.Sprint(k.Interface())
		}
		order := make([]int, len(keys))
		for i := range order {
			order[i] = i
		}
		sort.Slice(order, func(a, b int) bool { return strs[order[a]] < strs[order[b]] })
		for _, i := range order {
			if c := buildNode(v.MapIndex(keys[i])); c != nil {
				n.Content = append(n.Content, strNode(strs[i]), c)
			}
		}
		return n
	case reflect.String:
		return strNode(v.String())
	case reflect.Bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v.Bool())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(v.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}
	case reflect.Float32, reflect.Float64:
		s := strconv.FormatFloat(v.Float(), 'f', -1, 64)
		if !strings.ContainsAny(s, ".eEnN") {
			s += ".0"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: s}
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: fmt.Sprint(v.Interface())}
}

// strNode returns a string scalar that reads back as the same string: dates
// are left plain (they decode into string fields unchanged), and values a
// YAML 1.1 reader would take for a boolean or a base-60 number are quoted.
func strNode(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case dateRE.MatchString(s):
		if _, err := time.Parse(time.DateOnly, s); err == nil {
			n.Tag = "!!timestamp"
		} else {
			n.Style = yaml.DoubleQuotedStyle // not a real date: keep it a string everywhere
		}
	case yaml11Bools[strings.ToLower(s)] || base60RE.MatchString(s):
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// isEmptyValue reports whether v is the zero value omitempty leaves out.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Slice, reflect.Map, reflect.String, reflect.Array:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Struct:
		return v.IsZero()
	}
	return false
}

// --- merging ----------------------------------------------------------------

// mergeKind says which special rules apply to a mapping being merged.
type mergeKind int

const (
	mergePlain mergeKind = iota
	mergeFile
	mergeLocation
	mergeService
)

// mapGet returns the index of key's value in mapping n, or -1.
func mapGet(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return i + 1
		}
	}
	return -1
}

// keyRank returns each YAML key of struct type t with its canonical
// position.
func keyRank(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i, f := range fieldsOf(t) {
		m[f.key] = i
	}
	return m
}

// structType returns the struct type behind t (through pointers), or nil.
func structType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// fieldType returns the type of the field of struct t with YAML key key.
func fieldType(t reflect.Type, key string) reflect.Type {
	for _, f := range fieldsOf(t) {
		if f.key == key {
			return t.Field(f.index).Type
		}
	}
	return nil
}

// scheduleKeys are the keys of Hours that together say when a place is
// open: a source that gives any of them replaces all of them, since mixing
// its hours with the file's (always_open with hand-written weekly spans)
// would say something neither meant. Closures and notes merge as usual.
var scheduleKeys = []string{"always_open", "weekly", "by_appointment", "season"}

// mergeMapping merges src into dst, both mappings of struct type t.
func mergeMapping(dst, src *yaml.Node, t reflect.Type, kind mergeKind) {
	rank := keyRank(t)
	if t == reflect.TypeOf(Hours{}) {
		givesSchedule := false
		for _, k := range scheduleKeys {
			givesSchedule = givesSchedule || mapGet(src, k) >= 0
		}
		if givesSchedule {
			for _, k := range scheduleKeys {
				if mapGet(src, k) < 0 {
					deleteKey(dst, k)
				}
			}
		}
	}
	for i := 0; i+1 < len(src.Content); i += 2 {
		key, sval := src.Content[i].Value, src.Content[i+1]
		di := mapGet(dst, key)
		if di < 0 {
			insertKey(dst, src.Content[i], sval, rank)
			continue
		}
		dval := dst.Content[di]
		ft := fieldType(t, key)
		switch {
		case key == "id" && kind != mergePlain:
			// The directory's own id stays.
		case kind == mergeFile && (key == "locations" || key == "services") && dval.Kind == yaml.SequenceNode:
			mergeBySource(dval, sval, structType(ft.Elem()), key)
		case kind == mergeService && key == "at":
			replaceValue(dval, sval)
		case dval.Kind == yaml.MappingNode && sval.Kind == yaml.MappingNode && structType(ft) != nil:
			mergeMapping(dval, sval, structType(ft), mergePlain)
		default:
			replaceValue(dval, sval)
		}
	}
}

// deleteKey removes key and its value from mapping n.
func deleteKey(n *yaml.Node, key string) {
	if i := mapGet(n, key); i >= 0 {
		n.Content = append(n.Content[:i-1], n.Content[i+1:]...)
	}
}

// insertKey adds key: val to mapping dst before the first key that comes
// after it in canonical order (keys unknown to the format are passed over).
func insertKey(dst, key, val *yaml.Node, rank map[string]int) {
	r, ok := rank[key.Value]
	at := len(dst.Content)
	if ok {
		for i := 0; i+1 < len(dst.Content); i += 2 {
			if dr, known := rank[dst.Content[i].Value]; known && dr > r {
				at = i
				break
			}
		}
	}
	dst.Content = append(dst.Content, nil, nil)
	copy(dst.Content[at+2:], dst.Content[at:])
	dst.Content[at], dst.Content[at+1] = key, val
}

// replaceValue puts src's value into dst, keeping dst's comments and, for
// lists and mappings, its block or flow style.
func replaceValue(dst, src *yaml.Node) {
	head, line, foot := dst.HeadComment, dst.LineComment, dst.FootComment
	style := dst.Style
	keepStyle := dst.Kind == src.Kind && (src.Kind == yaml.SequenceNode || src.Kind == yaml.MappingNode) && len(src.Content) > 0
	*dst = *src
	dst.HeadComment, dst.LineComment, dst.FootComment = head, line, foot
	if keepStyle {
		dst.Style = style
	}
}

// sourceID returns the source.id of a location or service mapping, or "".
func sourceID(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	si := mapGet(n, "source")
	if si < 0 || n.Content[si].Kind != yaml.MappingNode {
		return ""
	}
	ii := mapGet(n.Content[si], "id")
	if ii < 0 {
		return ""
	}
	return n.Content[si].Content[ii].Value
}

// scalarAt returns the scalar value of key in mapping n, or "".
func scalarAt(n *yaml.Node, key string) string {
	if n == nil || n.Kind != yaml.MappingNode {
		return ""
	}
	if i := mapGet(n, key); i >= 0 && n.Content[i].Kind == yaml.ScalarNode {
		return n.Content[i].Value
	}
	return ""
}

// mergeBySource merges the src list of locations or services into dst,
// matching entries by source.id.
func mergeBySource(dst, src *yaml.Node, t reflect.Type, key string) {
	kind := mergeLocation
	if key == "services" {
		kind = mergeService
	}
	byID := map[string]*yaml.Node{}
	for _, d := range dst.Content {
		if id := sourceID(d); id != "" {
			byID[id] = d
		}
	}
	for _, s := range src.Content {
		id := sourceID(s)
		if d, ok := byID[id]; ok && id != "" {
			mergeMapping(d, s, t, kind)
			continue
		}
		dst.Content = append(dst.Content, s)
	}
	if len(dst.Content) > 0 && dst.Style == yaml.FlowStyle {
		dst.Style = 0
	}
}

// alignIDs returns a copy of f whose location and service ids are the ones
// the existing file root uses for the same source records, whose new ids do
// not collide with ids already in the file, and whose services' "at" lists
// use those ids and keep the hand-added locations the file's services name.
func alignIDs(root *yaml.Node, f *File) *File {
	g := *f
	if id := scalarAt(root, "id"); id != "" {
		g.ID = id
	}
	locs := seqAt(root, "locations")
	svcs := seqAt(root, "services")

	// Locations.
	existingLoc := map[string]string{} // source id -> id
	usedLoc := map[string]bool{}
	handLoc := map[string]bool{} // ids of locations without a source
	for _, n := range locs {
		id := scalarAt(n, "id")
		usedLoc[id] = true
		if sid := sourceID(n); sid != "" {
			existingLoc[sid] = id
		} else {
			handLoc[id] = true
		}
	}
	rename := map[string]string{}
	g.Locations = make([]Location, len(f.Locations))
	for i, l := range f.Locations {
		newID := l.ID
		if l.Source != nil && existingLoc[l.Source.ID] != "" {
			newID = existingLoc[l.Source.ID]
		} else {
			newID = uniqueID(newID, usedLoc)
		}
		usedLoc[newID] = true
		rename[l.ID] = newID
		l.ID = newID
		g.Locations[i] = l
	}

	// Services.
	existingSvc := map[string]*yaml.Node{}
	usedSvc := map[string]bool{}
	for _, n := range svcs {
		usedSvc[scalarAt(n, "id")] = true
		if sid := sourceID(n); sid != "" {
			existingSvc[sid] = n
		}
	}
	g.Services = make([]Service, len(f.Services))
	for i, s := range f.Services {
		var old *yaml.Node
		if s.Source != nil {
			old = existingSvc[s.Source.ID]
		}
		if old != nil && scalarAt(old, "id") != "" {
			s.ID = scalarAt(old, "id")
		} else {
			s.ID = uniqueID(s.ID, usedSvc)
		}
		usedSvc[s.ID] = true
		at := make([]string, 0, len(s.At))
		for _, a := range s.At {
			if r, ok := rename[a]; ok {
				a = r
			}
			at = append(at, a)
		}
		if old != nil {
			for _, a := range seqAt(old, "at") {
				if a.Kind == yaml.ScalarNode && handLoc[a.Value] && !containsString(at, a.Value) {
					at = append(at, a.Value)
				}
			}
		}
		if len(at) == 0 {
			at = nil
		}
		s.At = at
		g.Services[i] = s
	}
	return &g
}

// seqAt returns the items of the sequence under key in mapping n.
func seqAt(n *yaml.Node, key string) []*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	i := mapGet(n, key)
	if i < 0 || n.Content[i].Kind != yaml.SequenceNode {
		return nil
	}
	return n.Content[i].Content
}

// uniqueID returns id, or id with the smallest "-N" suffix (N >= 2) that is
// not in used.
func uniqueID(id string, used map[string]bool) string {
	if !used[id] {
		return id
	}
	for n := 2; ; n++ {
		c := id + "-" + strconv.Itoa(n)
		if !used[c] {
			return c
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
