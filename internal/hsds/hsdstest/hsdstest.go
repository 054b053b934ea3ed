// Package hsdstest validates JSON against the official HSDS 3.0 JSON
// Schemas, for the tests of the export (internal/hsds) and of the /hsds/
// API (internal/httpapi). The schemas are the copy in
// internal/hsds/testdata/hsds-schema, with their license and provenance.
package hsdstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaBase is where the specification publishes its schemas; its
// openapi.json refers to them under it.
const SchemaBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

// Validator compiles the schemas of one directory on demand. It is safe
// for concurrent use.
type Validator struct {
	mu sync.Mutex
	c  *jsonschema.Compiler
	m  map[string]*jsonschema.Schema
}

// New registers every *.json file under dir (the schema directory) under
// SchemaBase, as JSON Schema draft 2020-12 with format assertions on. The
// modular schemas refer to each other by file name; compiled/tabular.json
// refers to them as if it sat beside them, so it is registered as
// "tabular.json". It returns an error if a file cannot be read or parsed.
func New(dir string) (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		rel = filepath.ToSlash(rel)
		if rel == "compiled/tabular.json" {
			rel = "tabular.json"
		}
		return c.AddResource(SchemaBase+rel, doc)
	})
	if err != nil {
		return nil, fmt.Errorf("hsdstest: load schemas from %s: %w", dir, err)
	}
	return &Validator{c: c, m: map[string]*jsonschema.Schema{}}, nil
}

// Validate checks v (encoded as JSON first; json.RawMessage is taken as
// it is) against the schema registered as name ("service.json",
// "compiled/service_list.json", "tabular.json"). It returns the
// validation error, or an error if the schema does not compile.
func (v *Validator) Validate(name string, doc any) error {
	sch, err := v.schema(name)
	if err != nil {
		return err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("hsdstest: encode: %w", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("hsdstest: decode: %w", err)
	}
	return sch.Validate(inst)
}

func (v *Validator) schema(name string) (*jsonschema.Schema, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if sch, ok := v.m[name]; ok {
		return sch, nil
	}
	sch, err := v.c.Compile(SchemaBase + name)
	if err != nil {
		return nil, fmt.Errorf("hsdstest: compile %s: %w", name, err)
	}
	v.m[name] = sch
	return sch, nil
}
