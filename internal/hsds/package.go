package hsds

// This file reads an HSDS 3.0 Tabular Data Package: datapackage.json and
// the CSV files its resources name, streaming one row at a time.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Package is an opened HSDS tabular data package.
type Package struct {
	// Dir is the package directory.
	Dir string
	// Name is the descriptor's "name".
	Name      string
	resources map[string]*resource
}

type resource struct {
	Name        string          `json:"name"`
	RawPath     json.RawMessage `json:"path"`
	Format      string          `json:"format"`
	Compression string          `json:"compression"`
	Encoding    string          `json:"encoding"`
	Schema      struct {
		Fields []struct {
			Name        string `json:"name"`
			Constraints struct {
				Required bool `json:"required"`
			} `json:"constraints"`
		} `json:"fields"`
	} `json:"schema"`

	paths []string
}

// OpenPackage reads dir/datapackage.json. It returns an error naming the
// file (and line, for a JSON syntax error) when the descriptor is missing or
// malformed, or when a resource's path leaves the package directory.
func OpenPackage(dir string) (*Package, error) {
	name := filepath.Join(dir, "datapackage.json")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("hsds: %w", err)
	}
	var d struct {
		Name      string      `json:"name"`
		Resources []*resource `json:"resources"`
	}
	if err := json.Unmarshal(data, &d); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("hsds: %s:%d: %v", name, lineOf(data, se.Offset), err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("hsds: %s:%d: %v", name, lineOf(data, te.Offset), err)
		}
		return nil, fmt.Errorf("hsds: %s: %w", name, err)
	}
	p := &Package{Dir: dir, Name: d.Name, resources: map[string]*resource{}}
	for i, r := range d.Resources {
		if r == nil || r.Name == "" {
			return nil, fmt.Errorf("hsds: %s: resource %d has no name", name, i+1)
		}
		paths, err := r.parsePaths()
		if err != nil {
			return nil, fmt.Errorf("hsds: %s: resource %q: %w", name, r.Name, err)
		}
		r.paths = paths
		if enc := strings.ToLower(r.Encoding); enc != "" && enc != "utf-8" && enc != "utf8" {
			return nil, fmt.Errorf("hsds: %s: resource %q: encoding %q is not supported (only UTF-8)", name, r.Name, r.Encoding)
		}
		if c := strings.ToLower(r.Compression); c != "" && c != "gz" && c != "gzip" && c != "no" {
			return nil, fmt.Errorf("hsds: %s: resource %q: compression %q is not supported (only gz)", name, r.Name, r.Compression)
		}
		if _, dup := p.resources[r.Name]; dup {
			return nil, fmt.Errorf("hsds: %s: resource %q is listed twice", name, r.Name)
		}
		p.resources[r.Name] = r
	}
	return p, nil
}

// parsePaths reads the resource's path: one relative path or a list of
// them (a multipart resource).
func (r *resource) parsePaths() ([]string, error) {
	var paths []string
	var one string
	if len(r.RawPath) == 0 {
		return nil, fmt.Errorf("no path (inline data is not supported)")
	}
	if err := json.Unmarshal(r.RawPath, &one); err == nil {
		paths = []string{one}
	} else if err := json.Unmarshal(r.RawPath, &paths); err != nil {
		return nil, fmt.Errorf("path must be a string or a list of strings")
	}
	for _, s := range paths {
		if s == "" || strings.Contains(s, "://") || filepath.IsAbs(s) || !filepath.IsLocal(filepath.FromSlash(s)) {
			return nil, fmt.Errorf("path %q must be a relative path inside the package", s)
		}
	}
	return paths, nil
}

func lineOf(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

// Has reports whether the package lists resource name.
func (p *Package) Has(name string) bool { return p.resources[name] != nil }

// Resources returns the names of the package's resources.
func (p *Package) Resources() []string {
	out := make([]string, 0, len(p.resources))
	for n := range p.resources {
		out = append(out, n)
	}
	return out
}

// Row is one CSV record of a resource. Its fields are valid only during the
// callback that receives it: copy what you keep (strings.Clone) when the
// record is large and only a little of it is kept.
type Row struct {
	File string
	Line int
	cols map[string]int
	rec  []string
}

// Get returns the trimmed value of column col, or "" when the file has no
// such column.
func (r *Row) Get(col string) string {
	i, ok := r.cols[col]
	if !ok || i >= len(r.rec) {
		return ""
	}
	return strings.TrimSpace(r.rec[i])
}

// Pos returns "file:line" for messages.
func (r *Row) Pos() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// Each calls fn for every row of resource name, in file order. A package
// without the resource has no rows. It returns an error naming file and
// line when a file is missing, its header does not match the descriptor
// (a column the descriptor does not define, a column twice, a required
// column missing) or a record is malformed CSV; and fn's error, wrapped.
func (p *Package) Each(ctx context.Context, name string, fn func(*Row) error) error {
	r := p.resources[name]
	if r == nil {
		return nil
	}
	for _, rel := range r.paths {
		if err := p.eachFile(ctx, r, rel, fn); err != nil {
			return err
		}
	}
	return nil
}

func (p *Package) eachFile(ctx context.Context, r *resource, rel string, fn func(*Row) error) error {
	path := filepath.Join(p.Dir, filepath.FromSlash(rel))
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("hsds: resource %q: %w", r.Name, err)
	}
	defer f.Close()
	var in io.Reader = f
	c := strings.ToLower(r.Compression)
	if c == "gz" || c == "gzip" || (c == "" && strings.HasSuffix(strings.ToLower(rel), ".gz")) {
		gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<16))
		if err != nil {
			return fmt.Errorf("hsds: %s: gzip: %w", path, err)
		}
		defer gz.Close()
		in = gz
	}
	br := bufio.NewReaderSize(in, 1<<16)
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return fmt.Errorf("hsds: %s:1: empty file: the header row is missing", path)
	}
	if err != nil {
		return csvError(path, err)
	}
	cols, err := checkHeader(r, header)
	if err != nil {
		return fmt.Errorf("hsds: %s:1: %w", path, err)
	}
	cr.FieldsPerRecord = len(header)
	row := &Row{File: path, cols: cols}
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(path, err)
		}
		row.Line, _ = cr.FieldPos(0)
		row.rec = rec
		if err := fn(row); err != nil {
			return err
		}
	}
}

func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("hsds: %s:%d:%d: %v", path, pe.Line, pe.Column, pe.Err)
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("hsds: %s: %w", path, err)
	}
	return fmt.Errorf("hsds: %s: %w", path, err)
}

// checkHeader matches a CSV header against the resource's schema and
// returns the column index of each field.
func checkHeader(r *resource, header []string) (map[string]int, error) {
	known := map[string]bool{}
	for _, f := range r.Schema.Fields {
		known[f.Name] = true
	}
	cols := make(map[string]int, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if len(known) > 0 && !known[h] {
			return nil, fmt.Errorf("column %d %q is not a field of resource %q in datapackage.json", i+1, h, r.Name)
		}
		if _, dup := cols[h]; dup {
			return nil, fmt.Errorf("column %q appears twice", h)
		}
		cols[h] = i
	}
	var missing []string
	for _, f := range r.Schema.Fields {
		if _, ok := cols[f.Name]; !ok && f.Constraints.Required {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("required column(s) %s of resource %q missing from the header", strings.Join(missing, ", "), r.Name)
	}
	if _, ok := cols["id"]; !ok && len(known) == 0 {
		return nil, fmt.Errorf("resource %q has no id column", r.Name)
	}
	return cols, nil
}
