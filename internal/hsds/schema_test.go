package hsds

// This file loads the official HSDS 3.0 JSON Schemas (testdata/hsds-schema)
// for the tests that check Trellis's HSDS output against them.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaBase is where the specification publishes its schemas; the spec's
// openapi.json refers to them under it.
const schemaBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

// hsdsSchemas compiles schemas from testdata/hsds-schema by file name
// ("service.json", "compiled/tabular.json"), with format assertions on.
type hsdsSchemas struct {
	mu sync.Mutex
	c  *jsonschema.Compiler
	m  map[string]*jsonschema.Schema
}

var (
	schemasOnce sync.Once
	schemas     *hsdsSchemas
	schemasErr  error
)

// loadSchemas registers every schema file under its published URL.
func loadSchemas(tb testing.TB) *hsdsSchemas {
	tb.Helper()
	schemasOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		root := "testdata/hsds-schema"
		schemasErr = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			// compiled/tabular.json refers to the modular schemas by
			// file name, as if it sat beside them.
			if rel == "compiled/tabular.json" {
				rel = "tabular.json"
			}
			return c.AddResource(schemaBase+rel, doc)
		})
		schemas = &hsdsSchemas{c: c, m: map[string]*jsonschema.Schema{}}
	})
	if schemasErr != nil {
		tb.Fatalf("load HSDS schemas: %v", schemasErr)
	}
	return schemas
}

// schema returns the compiled schema of file name.
func (s *hsdsSchemas) schema(tb testing.TB, name string) *jsonschema.Schema {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if sch, ok := s.m[name]; ok {
		return sch
	}
	sch, err := s.c.Compile(schemaBase + name)
	if err != nil {
		tb.Fatalf("compile %s: %v", name, err)
	}
	s.m[name] = sch
	return sch
}

// validate checks v (any Go value, encoded as JSON first) against schema
// file name and returns the validation error, or nil.
func (s *hsdsSchemas) validate(tb testing.TB, name string, v any) error {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return s.schema(tb, name).Validate(doc)
}
