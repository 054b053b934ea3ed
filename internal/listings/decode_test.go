package listings

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// decodeString decodes src into a fresh T and returns it with the errors as
// "line:col: message" strings.
func decodeString[T any](src string) (*T, *decoder, []string) {
	var out T
	d := newDecoder("f.yaml")
	d.decodeFile([]byte(src), &out)
	var errs []string
	for _, e := range d.errs {
		errs = append(errs, strings.TrimPrefix(e.Error(), "f.yaml:"))
	}
	return &out, d, errs
}

func TestDecodeAliases(t *testing.T) {
	src := `id: a
name: A
locations:
  - id: main
    hours: &hours
      weekly: [{days: mon-fri, open: "09:00", close: "17:00"}]
services:
  - id: s
    name: S
    categories: [food]
    hours: *hours
`
	f, _, errs := decodeString[File](src)
	if len(errs) > 0 {
		t.Fatalf("errors: %q", errs)
	}
	if !reflect.DeepEqual(f.Services[0].Hours, f.Locations[0].Hours) || f.Services[0].Hours.Weekly[0].Close != "17:00" {
		t.Errorf("alias not followed: %+v", f.Services[0].Hours)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "merge key",
			src:  "base: &b {name: x}\n",
			want: []string{`1:1: unknown key "base" in an organization (allowed: id, name, alternate_name, description, website, email, phones, referrals, source, locations, services)`},
		},
		{
			name: "merge key inside a service",
			src:  "id: a\nservices:\n  - <<: {name: x}\n    id: s\n",
			want: []string{"3:5: merge keys (<<) are not supported: write the keys out"},
		},
		{
			name: "root is a list",
			src:  "- id: a\n",
			want: []string{"1:1: the file must be a mapping of keys, not a list"},
		},
		{
			name: "root is a string",
			src:  "hello\n",
			want: []string{`1:1: the file must be a mapping of keys, not "hello"`},
		},
		{
			name: "null document",
			src:  "~\n",
			want: []string{"1:1: the file has no value: give one or remove the key"},
		},
		{
			name: "key that is a list",
			src:  "[a, b]: c\n",
			want: []string{"1:1: a key must be a plain name, not a list"},
		},
		{
			name: "null list item",
			src:  "services:\n  -\n",
			want: []string{`2:4: each item of "services" has no value: give one or remove the key`},
		},
		{
			name: "nested list item kind",
			src:  "services:\n  - categories: [[food]]\n",
			want: []string{`2:18: each item of "categories" must be a string, not a list`},
		},
		{
			name: "bool and int strings",
			src:  "name: true\nid: 12\n",
			want: []string{`1:7: "name" must be a string: put it in quotes, "true"`, `2:5: "id" must be a string: put it in quotes, "12"`},
		},
		{
			name: "syntax error line",
			src:  "id: a\nname: b\nservices\nx: 1\n",
			want: []string{"3:1: YAML syntax: could not find expected ':'"},
		},
		{
			name: "syntax error in a second document",
			src:  "id: a\n---\nx: [\n",
			want: []string{"3:1: YAML syntax: did not find expected node content"},
		},
		{
			name: "tabs for indentation",
			src:  "id: a\nlocations:\n\t- id: b\n",
			want: []string{"3:1: YAML syntax: found character that cannot start any token"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, errs := decodeString[File](tc.src)
			if !reflect.DeepEqual(errs, tc.want) {
				t.Errorf("errors:\n got %q\nwant %q", errs, tc.want)
			}
		})
	}
}

// TestDecodePositions checks the positions recorded for validation: a
// scalar at its value, a mapping or list under a key at the key, a list
// item at the item.
func TestDecodePositions(t *testing.T) {
	src := `id: a
services:
  - id: s
    categories:
      - food
      - crisis
    hours:
      weekly:
        - {days: mon, open: "09:00", close: "17:00"}
`
	f, d, errs := decodeString[File](src)
	if len(errs) > 0 {
		t.Fatalf("errors: %q", errs)
	}
	s := &f.Services[0]
	tests := []struct {
		name string
		ptr  any
		want pos
	}{
		{name: "root", ptr: f, want: pos{1, 1}},
		{name: "scalar", ptr: &f.ID, want: pos{1, 5}},
		{name: "list under key", ptr: &f.Services, want: pos{2, 1}},
		{name: "list item", ptr: s, want: pos{3, 5}},
		{name: "list element", ptr: &s.Categories[1], want: pos{6, 9}},
		{name: "pointer field", ptr: &s.Hours, want: pos{7, 5}},
		{name: "pointed-to struct", ptr: s.Hours, want: pos{8, 7}},
		{name: "flow item", ptr: &s.Hours.Weekly[0], want: pos{9, 11}},
		{name: "flow scalar", ptr: &s.Hours.Weekly[0].Close, want: pos{9, 45}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := d.at(tc.ptr, nil); got != tc.want || !d.ok(tc.ptr) {
				t.Errorf("at = %v (ok %v), want %v", got, d.ok(tc.ptr), tc.want)
			}
		})
	}
	if d.present(&s.Name) {
		t.Error("absent key reported present")
	}
}

// TestDecodeAliasBudget checks that a document of nested aliases stops
// expanding at the decoder's limit instead of exhausting memory.
func TestDecodeAliasBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("x:\n  - &c0 {id: leaf}\n")
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "  - &c%d {id: c%d, children: [", i, i)
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*c%d", i-1)
		}
		b.WriteString("]}\n")
	}
	b.WriteString("categories: [*c7]\n")
	var tax TaxonomyFile
	d := newDecoder("f.yaml")
	d.limit = 10_000 // the document expands to over 10 million values
	d.decodeFile([]byte(b.String()), &tax)
	// The anchors sit under an unknown key, reported once; its value is
	// skipped but its anchors still count where they are used.
	if len(d.errs) != 2 || d.errs[1].Msg != "the file expands to more than 10000 values through aliases" || d.nodes > 20_000 {
		t.Errorf("errors = %v after %d values", d.errs, d.nodes)
	}
}

func TestSuggest(t *testing.T) {
	keys := []string{"id", "name", "address", "last_verified", "service_area", "at"}
	tests := []struct {
		name, in, want string
	}{
		{name: "transposition", in: "nmae", want: "name"},
		{name: "missing letter", in: "adress", want: "address"},
		{name: "hyphen for underscore", in: "last-verified", want: "last_verified"},
		{name: "camel case", in: "serviceArea", want: "service_area"},
		{name: "upper case", in: "ID", want: "id"},
		{name: "too far", in: "telephone", want: ""},
		{name: "short and different", in: "xy", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := suggest(tc.in, keys); got != tc.want {
				t.Errorf("suggest(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
