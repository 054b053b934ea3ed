package listings

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// decodeStrict decodes a listing file and fails the test on any problem.
func decodeStrict(t *testing.T, name string, data []byte) File {
	t.Helper()
	var f File
	d := newDecoder(name)
	d.decodeFile(data, &f)
	if len(d.errs) > 0 {
		t.Fatalf("%s does not decode: %v\n%s", name, d.errs, data)
	}
	return f
}

// comments returns the comment lines of a YAML file, sorted.
func comments(t *testing.T, data []byte) []string {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, block := range commentsIn(&doc) {
		for _, line := range strings.Split(block, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, line)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestFormat checks a hand-written file against its golden canonical form,
// that formatting keeps every comment and the data, and that it is
// idempotent.
func TestFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{"testdata/fmt/messy.yaml", "testdata/fmt/messy.golden.yaml"},
		{"testdata/fmt/canonical.yaml", "testdata/fmt/canonical.yaml"},
	}
	for _, tt := range tests {
		t.Run(path.Base(tt.in), func(t *testing.T) {
			in, err := os.ReadFile(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			out, errs, err := Format(tt.in, in)
			if err != nil || len(errs) > 0 {
				t.Fatalf("Format: %v %v", err, errs)
			}
			golden(t, tt.want, string(out))
			if got, want := comments(t, out), comments(t, in); !reflect.DeepEqual(got, want) {
				t.Errorf("comments changed:\n got %q\nwant %q", got, want)
			}
			if a, b := decodeStrict(t, "in", in), decodeStrict(t, "out", out); !reflect.DeepEqual(a, b) {
				t.Errorf("formatting changed the data:\n got %+v\nwant %+v", b, a)
			}
			again, _, err := Format(tt.in, out)
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("formatting twice changed the file (%v):\n%s", err, again)
			}
		})
	}
}

// TestFormatMarshal checks that Marshal's output is already canonical and
// that a file with no comments formats to exactly what Marshal writes.
func TestFormatMarshal(t *testing.T) {
	want, err := Marshal(sampleFile())
	if err != nil {
		t.Fatal(err)
	}
	got, errs, err := Format("sample.yaml", want)
	if err != nil || len(errs) > 0 || !bytes.Equal(got, want) {
		t.Errorf("Format(Marshal(f)) changed it (%v %v):\n%s\nwant:\n%s", err, errs, got, want)
	}
	in, err := os.ReadFile("testdata/fmt/messy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stripped := regexp.MustCompile(`#[^\n]*`).ReplaceAll(in, nil)
	f := decodeStrict(t, "messy", stripped)
	want, err = Marshal(&f)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err = Format("messy.yaml", stripped)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Format of a file without comments is not Marshal's output (%v):\n%s\nwant:\n%s", err, got, want)
	}
}

// TestFormatRefuses checks that files that do not decode as listings come
// back with their positioned problems and no data.
func TestFormatRefuses(t *testing.T) {
	tests := []struct {
		name, data, want string
	}{
		{"syntax", "id: x\nname: [unclosed\n", "f.yaml:1:1: YAML syntax: did not find expected ',' or ']'"},
		{"unknown key", "id: x\nname: X\nwebsite: https://x.example/\nemial: a@b.c\nservices: []\n", `f.yaml:4:1: unknown key "emial" in an organization; did you mean "email"?`},
		{"wrong kind", "id: x\nname: X\nservices:\n  - id: s\n    name: S\n    categories: food.pantry\n", `f.yaml:6:17: "categories" must be a list, not "food.pantry"`},
		{"duplicate key", "id: x\nid: y\nname: X\nservices: []\n", `f.yaml:2:1: duplicate key "id" (first at line 1)`},
		{"empty", "", "f.yaml:1:1: the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, err := Format("f.yaml", []byte(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if out != nil {
				t.Errorf("Format returned data for a broken file:\n%s", out)
			}
			if len(errs) == 0 || !strings.HasPrefix(errs[0].Error(), tt.want) {
				t.Errorf("errors = %v, want first %q", errs, tt.want)
			}
		})
	}
}

// TestFormatFixedPoint checks that the good fixtures and every bundled
// listing keep their data and comments through Format, and that the
// bundled listings (written by the importer) are already canonical.
func TestFormatFixedPoint(t *testing.T) {
	trees := []struct {
		name      string
		dir       string
		canonical bool
	}{
		{"good fixtures", "testdata/good", false},
		{"lint fixtures", "testdata/lint", false},
		{"bundled data", "../../data", true},
	}
	for _, tree := range trees {
		t.Run(tree.name, func(t *testing.T) {
			fsys := os.DirFS(tree.dir)
			files := yamlFiles(t, fsys, ListingsDir)
			if len(files) == 0 {
				t.Fatal("no listing files")
			}
			for _, name := range files {
				in, err := fs.ReadFile(fsys, name)
				if err != nil {
					t.Fatal(err)
				}
				out, errs, err := Format(name, in)
				if err != nil || len(errs) > 0 {
					t.Fatalf("%s: %v %v", name, err, errs)
				}
				if tree.canonical && !bytes.Equal(out, in) {
					t.Errorf("%s is not in canonical form; trellis fmt would write:\n%s", name, out)
				}
				if !reflect.DeepEqual(comments(t, out), comments(t, in)) {
					t.Errorf("%s: comments changed", name)
				}
				if a, b := decodeStrict(t, name, in), decodeStrict(t, name, out); !reflect.DeepEqual(a, b) {
					t.Errorf("%s: formatting changed the data", name)
				}
				if again, _, _ := Format(name, out); !bytes.Equal(again, out) {
					t.Errorf("%s: not idempotent", name)
				}
			}
		})
	}
}
