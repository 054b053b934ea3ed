package listings

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// The JSON Schemas editors use to check data files, beside the data.
const (
	listingSchema   = "../../data/schema/listing.schema.json"
	directorySchema = "../../data/schema/directory.schema.json"
	taxonomySchema  = "../../data/schema/taxonomy.schema.json"
	meetingSchema   = "../../data/schema/meeting.schema.json"
	vocabSchema     = "../../data/schema/vocabulary.schema.json"
)

// readSchema reads a schema file as generic JSON.
func readSchema(t *testing.T, file string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	if s["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("%s: $schema = %v, want draft 2020-12", file, s["$schema"])
	}
	return s
}

// schemaWalker checks that a schema describes a Go type of format.go: every
// struct is a closed object whose properties are exactly the struct's yaml
// keys, lists are arrays, and scalars have the matching JSON type.
type schemaWalker struct {
	t    *testing.T
	root map[string]any
	// allowMissing lists keys a $defs entry may leave out on purpose, by
	// definition name.
	allowMissing map[string][]string
	seen         map[string]bool
}

// resolve follows a local $ref and returns the schema and its $defs name.
func (w *schemaWalker) resolve(s map[string]any) (map[string]any, string) {
	ref, ok := s["$ref"].(string)
	if !ok {
		return s, ""
	}
	name := strings.TrimPrefix(ref, "#/$defs/")
	def, ok := w.root["$defs"].(map[string]any)[name].(map[string]any)
	if !ok {
		w.t.Errorf("$ref %s does not resolve", ref)
		return map[string]any{}, name
	}
	return def, name
}

func (w *schemaWalker) walk(where string, t reflect.Type, s map[string]any) {
	s, def := w.resolve(s)
	if def != "" {
		key := def + " " + t.String()
		if w.seen[key] {
			return
		}
		w.seen[key] = true
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	wantType := map[reflect.Kind]string{
		reflect.Struct: "object", reflect.Map: "object", reflect.Slice: "array",
		reflect.String: "string", reflect.Bool: "boolean", reflect.Int: "integer", reflect.Float64: "number",
	}[t.Kind()]
	if got, ok := s["type"]; ok && got != wantType {
		w.t.Errorf("%s: schema type %v, Go type %s wants %s", where, got, t, wantType)
	}
	if _, ok := s["type"]; !ok {
		// Enumerations may leave out the type; their values must have it.
		enum, isEnum := s["enum"].([]any)
		if !isEnum || wantType != "string" {
			w.t.Errorf("%s: schema for %s has neither type nor a string enum", where, t)
		}
		for _, v := range enum {
			if _, ok := v.(string); !ok {
				w.t.Errorf("%s: enum value %v is not a string", where, v)
			}
		}
	}
	switch t.Kind() {
	case reflect.Slice:
		items, ok := s["items"].(map[string]any)
		if !ok {
			w.t.Errorf("%s: array without items", where)
			return
		}
		w.walk(where+"[]", t.Elem(), items)
	case reflect.Map:
		// Text maps are keyed by language; their values are checked here.
		props, _ := s["properties"].(map[string]any)
		if s["additionalProperties"] != false || len(props) == 0 {
			w.t.Errorf("%s: a language map must list its languages and close additionalProperties", where)
		}
		for lang, p := range props {
			w.walk(where+"."+lang, t.Elem(), p.(map[string]any))
		}
	case reflect.Struct:
		if s["additionalProperties"] != false {
			w.t.Errorf("%s: additionalProperties must be false so unknown keys are errors", where)
		}
		props, _ := s["properties"].(map[string]any)
		var keys []string
		for i := range t.NumField() {
			name := yamlName(t.Field(i))
			if name == "" {
				continue
			}
			keys = append(keys, name)
			p, ok := props[name].(map[string]any)
			if !ok {
				if !slices.Contains(w.allowMissing[def], name) {
					w.t.Errorf("%s: the schema lacks key %q of %s", where, name, t)
				}
				continue
			}
			w.walk(where+"."+name, t.Field(i).Type, p)
		}
		for name := range props {
			if !slices.Contains(keys, name) {
				w.t.Errorf("%s: the schema has key %q that %s lacks", where, name, t)
			}
		}
		req, _ := s["required"].([]any)
		for _, r := range req {
			if !slices.Contains(keys, r.(string)) {
				w.t.Errorf("%s: required key %v is not a property", where, r)
			}
		}
	}
}

// TestSchemaMatchesFormat keeps the schemas in step with format.go.
func TestSchemaMatchesFormat(t *testing.T) {
	tests := []struct {
		name         string
		file         string
		typ          reflect.Type
		allowMissing map[string][]string
	}{
		{name: "listing", file: listingSchema, typ: reflect.TypeFor[File]()},
		{name: "directory", file: directorySchema, typ: reflect.TypeFor[DirectoryFile]()},
		// Subcategories cannot have children: two levels only.
		{name: "taxonomy", file: taxonomySchema, typ: reflect.TypeFor[TaxonomyFile](),
			allowMissing: map[string][]string{"subcategory": {"children"}}},
		{name: "meeting", file: meetingSchema, typ: reflect.TypeFor[MeetingFile]()},
		{name: "vocabulary", file: vocabSchema, typ: reflect.TypeFor[VocabularyFile]()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := readSchema(t, tc.file)
			w := &schemaWalker{t: t, root: root, allowMissing: tc.allowMissing, seen: map[string]bool{}}
			w.walk(tc.name, tc.typ, root)
			// Every definition is used.
			data, _ := os.ReadFile(tc.file)
			defs, _ := root["$defs"].(map[string]any)
			for name := range defs {
				if !strings.Contains(string(data), `"#/$defs/`+name+`"`) {
					t.Errorf("$defs/%s is never used", name)
				}
			}
		})
	}
}

// TestSchemaEnums keeps the schema's fixed lists equal to the domain's and
// its categories equal to data/taxonomy.yaml's.
func TestSchemaEnums(t *testing.T) {
	root := readSchema(t, listingSchema)
	defs := root["$defs"].(map[string]any)
	enumAt := func(p ...string) []string {
		var node any = defs
		for _, k := range p {
			node = node.(map[string]any)[k]
		}
		var out []string
		for _, v := range node.(map[string]any)["enum"].([]any) {
			out = append(out, v.(string))
		}
		return out
	}
	tax := repoTaxonomy(t)
	var cats []string
	for _, c := range tax.All() {
		cats = append(cats, c.ID)
	}
	tests := []struct {
		name string
		got  []string
		want []string
	}{
		{name: "categories", got: enumAt("category"), want: cats},
		{name: "populations", got: enumAt("population"), want: directory.Populations},
		{name: "genders", got: enumAt("eligibility", "properties", "genders", "items"), want: directory.Genders},
		{name: "insurance", got: enumAt("service", "properties", "insurance", "items"), want: directory.InsurancePlans},
		{name: "apply", got: enumAt("service", "properties", "apply", "items"), want: directory.ApplyMethods},
		{name: "status", got: enumAt("service", "properties", "status"), want: stringsOf(directory.Statuses)},
		{name: "cost", got: enumAt("service", "properties", "cost"), want: stringsOf(directory.CostKinds)},
		{name: "phone type", got: enumAt("phone", "properties", "type"), want: directory.PhoneTypes},
		{name: "states", got: enumAt("state"), want: sortedStates()},
		{name: "meeting days", got: meetingEnumAt(t, "meeting", "properties", "days", "items"), want: MeetingDayNames},
		{name: "attendance", got: meetingEnumAt(t, "meeting", "properties", "attendance_option"), want: stringsOf(directory.Attendances)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Clone(tc.got)
			want := slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				j, _ := json.Marshal(tc.want)
				t.Errorf("schema enum = %q\nwant %s", tc.got, j)
			}
		})
	}
}

func sortedStates() []string { return geo.StateCodes() }

// meetingEnumAt returns the enum at the path of $defs in the meeting
// schema.
func meetingEnumAt(t *testing.T, p ...string) []string {
	var node any = readSchema(t, meetingSchema)["$defs"]
	for _, k := range p {
		node = node.(map[string]any)[k]
	}
	var out []string
	for _, v := range node.(map[string]any)["enum"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

// repoTaxonomy decodes and checks data/taxonomy.yaml.
func repoTaxonomy(t *testing.T) *directory.Taxonomy {
	t.Helper()
	data, err := os.ReadFile("../../data/taxonomy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f TaxonomyFile
	d := newDecoder("taxonomy.yaml")
	d.decodeFile(data, &f)
	c := &checker{decoder: d, env: &env{}}
	tax := c.taxonomy(&f)
	if len(c.errs) > 0 {
		t.Fatalf("taxonomy errors: %v", c.errs)
	}
	return tax
}

// yamlToJSON reads a YAML file as the generic JSON value a schema
// validates, the way YAML 1.2 editors see it: dates are strings.
func yamlToJSON(t *testing.T, fsys fs.FS, name string) any {
	t.Helper()
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return nodeToJSON(&doc)
}

// nodeToJSON converts a YAML node to the values jsonschema validates
// (json.Number for numbers). A float JSON cannot hold (.inf) stays a
// string, so a schema rejects it as the wrong type.
func nodeToJSON(n *yaml.Node) any {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil
		}
		return nodeToJSON(n.Content[0])
	case yaml.AliasNode:
		return nodeToJSON(n.Alias)
	case yaml.MappingNode:
		m := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = nodeToJSON(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := []any{}
		for _, c := range n.Content {
			l = append(l, nodeToJSON(c))
		}
		return l
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		return strings.ToLower(n.Value) == "true"
	case "!!int", "!!float":
		if _, err := strconv.ParseFloat(n.Value, 64); err == nil {
			return json.Number(n.Value)
		}
	}
	return n.Value
}

func compileSchema(t *testing.T, file string) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	s, err := c.Compile(file)
	if err != nil {
		t.Fatalf("compile %s: %v", file, err)
	}
	return s
}

// yamlFiles lists the *.yaml and *.yml files under dir in fsys.
func yamlFiles(t *testing.T, fsys fs.FS, dir string) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := path.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			out = append(out, p)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return out
}

// TestSchemaValidates checks that the schemas accept the good fixtures and
// the repository's data files, and reject broken fixtures.
func TestSchemaValidates(t *testing.T) {
	listing := compileSchema(t, listingSchema)
	dir := compileSchema(t, directorySchema)
	tax := compileSchema(t, taxonomySchema)
	meeting := compileSchema(t, meetingSchema)
	voc := compileSchema(t, vocabSchema)
	good := os.DirFS("testdata/good")
	repo := os.DirFS("../../data")
	broken := os.DirFS("testdata/broken")

	type fileCase struct {
		name   string
		schema *jsonschema.Schema
		fsys   fs.FS
		file   string
		valid  bool
	}
	cases := []fileCase{
		{name: "good directory", schema: dir, fsys: good, file: "directory.yaml", valid: true},
		{name: "good taxonomy", schema: tax, fsys: good, file: "taxonomy.yaml", valid: true},
		{name: "repo directory", schema: dir, fsys: repo, file: "directory.yaml", valid: true},
		{name: "repo taxonomy", schema: tax, fsys: repo, file: "taxonomy.yaml", valid: true},
		{name: "repo vocabulary", schema: voc, fsys: repo, file: "vocabulary.yaml", valid: true},
		{name: "bad directory", schema: dir, fsys: os.DirFS("testdata/badsettings"), file: "directory.yaml"},
		{name: "bad taxonomy", schema: tax, fsys: os.DirFS("testdata/badsettings"), file: "taxonomy.yaml"},
	}
	for _, f := range yamlFiles(t, good, "listings") {
		cases = append(cases, fileCase{name: "good " + f, schema: listing, fsys: good, file: f, valid: true})
	}
	for _, f := range yamlFiles(t, repo, "listings") {
		cases = append(cases, fileCase{name: "repo " + f, schema: listing, fsys: repo, file: f, valid: true})
	}
	for _, tree := range []string{"good", "lint"} {
		fsys := os.DirFS("testdata/meetings/" + tree)
		for _, f := range yamlFiles(t, fsys, "meetings") {
			cases = append(cases, fileCase{name: "meetings " + tree + " " + f, schema: meeting, fsys: fsys, file: f, valid: true})
		}
	}
	for _, f := range yamlFiles(t, repo, "meetings") {
		cases = append(cases, fileCase{name: "repo " + f, schema: meeting, fsys: repo, file: f, valid: true})
	}
	for _, f := range []string{"errors", "empty"} {
		cases = append(cases, fileCase{name: "meetings broken " + f, schema: meeting, fsys: os.DirFS("testdata/meetings/broken"), file: "meetings/test-aa/" + f + ".yaml"})
	}
	// Broken fixtures whose mistakes a schema can see.
	for _, f := range []string{"unknown-key", "wrong-kind", "bad-scalar", "required", "slugs", "categories",
		"dates", "hours", "point", "enums", "contact", "address", "age", "multi"} {
		cases = append(cases, fileCase{name: "broken " + f, schema: listing, fsys: broken, file: "listings/" + f + ".yaml"})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.schema.Validate(yamlToJSON(t, tc.fsys, tc.file))
			if tc.valid && err != nil {
				t.Errorf("%s is rejected: %v", tc.file, err)
			}
			if !tc.valid && err == nil {
				t.Errorf("%s is accepted", tc.file)
			}
		})
	}
}
