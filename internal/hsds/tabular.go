package hsds

// This file writes a Dataset as HSDS 3.0 JSON (NDJSON, one fully nested
// service per line) and as the tabular data package: one CSV file per
// table, with the columns, in order, of the specification's
// datapackage.json, and a datapackage.json holding the specification's
// resource descriptors for the tables written.

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SpecDataPackage is the HSDS 3.0 Tabular Data Package descriptor of the
// specification (spec/datapackage.json, CC BY-SA 4.0).
//
//go:embed spec/datapackage.json
var SpecDataPackage []byte

// SpecOpenAPI is the HSDS 3.0 API document of the specification
// (spec/openapi.json, CC BY-SA 4.0).
//
//go:embed spec/openapi.json
var SpecOpenAPI []byte

// specResource is one resource of the specification's descriptor.
type specResource struct {
	Name   string `json:"name"`
	Path   string `json:"path"`
	Schema struct {
		Fields []struct {
			Name string `json:"name"`
		} `json:"fields"`
	} `json:"schema"`
	raw json.RawMessage
}

// specResources parses SpecDataPackage once.
var specResources = func() map[string]*specResource {
	var d struct {
		Resources []json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(SpecDataPackage, &d); err != nil {
		panic(fmt.Sprintf("hsds: embedded datapackage.json: %v", err))
	}
	out := map[string]*specResource{}
	for _, raw := range d.Resources {
		r := &specResource{raw: raw}
		if err := json.Unmarshal(raw, r); err != nil {
			panic(fmt.Sprintf("hsds: embedded datapackage.json: %v", err))
		}
		out[r.Name] = r
	}
	return out
}()

// Tables lists the tables (HSDS resource names) the tabular package holds,
// in the specification's order. Each is written, with its header, even
// when it has no rows.
var Tables = []string{
	"organization", "service", "attribute", "service_at_location", "location", "phone", "address",
	"schedule", "service_area", "required_document", "language", "accessibility", "taxonomy_term",
	"cost_option", "taxonomy", "contact",
}

// Rows calls fn for every record of table, in a stable order: each record
// once, as the object whose JSON fields are the table's columns. It
// returns fn's first error, or an error for a table not in Tables.
func (d *Dataset) Rows(table string, fn func(v any) error) error {
	each := func(n int, at func(i int) any) error {
		for i := 0; i < n; i++ {
			if err := fn(at(i)); err != nil {
				return err
			}
		}
		return nil
	}
	var phones []*Phone
	if table == "phone" || table == "language" {
		for _, o := range d.Organizations {
			phones = append(phones, o.Phones...)
		}
		for _, l := range d.Locations {
			phones = append(phones, l.Phones...)
		}
		for _, s := range d.Services {
			phones = append(phones, s.Phones...)
		}
		for _, c := range d.contacts() {
			phones = append(phones, c.Phones...)
		}
	}
	switch table {
	case "organization":
		return each(len(d.Organizations), func(i int) any { return d.Organizations[i].Flat() })
	case "service":
		return each(len(d.Services), func(i int) any { return d.Services[i].Flat() })
	case "location":
		return each(len(d.Locations), func(i int) any { return d.Locations[i].Flat() })
	case "service_at_location":
		return each(len(d.ServiceAtLocations), func(i int) any { return d.ServiceAtLocations[i] })
	case "taxonomy":
		return each(len(d.Taxonomies), func(i int) any { return d.Taxonomies[i] })
	case "taxonomy_term":
		return each(len(d.TaxonomyTerms), func(i int) any { return d.TaxonomyTerms[i] })
	case "phone":
		return each(len(phones), func(i int) any { return phones[i] })
	case "contact":
		cs := d.contacts()
		return each(len(cs), func(i int) any { c := *cs[i]; c.Phones = nil; return &c })
	}
	var rows []any
	switch table {
	case "address":
		for _, l := range d.Locations {
			rows = appendAll(rows, l.Addresses)
		}
	case "accessibility":
		for _, l := range d.Locations {
			rows = appendAll(rows, l.Accessibility)
		}
	case "schedule":
		for _, l := range d.Locations {
			rows = appendAll(rows, l.Schedules)
		}
		for _, s := range d.Services {
			rows = appendAll(rows, s.Schedules)
		}
	case "language":
		for _, l := range d.Locations {
			rows = appendAll(rows, l.Languages)
		}
		for _, s := range d.Services {
			rows = appendAll(rows, s.Languages)
		}
		for _, p := range phones {
			rows = appendAll(rows, p.Languages)
		}
	case "service_area":
		for _, s := range d.Services {
			rows = appendAll(rows, s.ServiceAreas)
		}
	case "required_document":
		for _, s := range d.Services {
			rows = appendAll(rows, s.RequiredDocuments)
		}
	case "cost_option":
		for _, s := range d.Services {
			rows = appendAll(rows, s.CostOptions)
		}
	case "attribute":
		for _, s := range d.Services {
			for _, a := range s.Attributes {
				c := *a
				c.TaxonomyTerm = nil
				rows = append(rows, &c)
			}
		}
	default:
		return fmt.Errorf("hsds: no table %q", table)
	}
	return each(len(rows), func(i int) any { return rows[i] })
}

// contacts returns the contacts of the organizations, then of the
// services.
func (d *Dataset) contacts() []*Contact {
	var out []*Contact
	for _, o := range d.Organizations {
		out = append(out, o.Contacts...)
	}
	for _, s := range d.Services {
		out = append(out, s.Contacts...)
	}
	return out
}

func appendAll[T any](rows []any, items []T) []any {
	for _, it := range items {
		rows = append(rows, it)
	}
	return rows
}

// WriteNDJSON writes every service, fully nested, one JSON object per
// line. It returns the first write error.
func (d *Dataset) WriteNDJSON(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, s := range d.Services {
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("hsds: write NDJSON: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("hsds: write NDJSON: %w", err)
	}
	return nil
}

// Descriptor returns the package's datapackage.json: the package's name,
// title, description, time zone and sources, and the specification's
// resource descriptors for Tables. It returns an error only if encoding
// fails.
func (d *Dataset) Descriptor() ([]byte, error) {
	type source struct {
		Title string `json:"title"`
	}
	desc := struct {
		Profile     string            `json:"profile"`
		Name        string            `json:"name"`
		Title       string            `json:"title,omitempty"`
		Description string            `json:"description,omitempty"`
		Version     string            `json:"version"`
		Homepage    string            `json:"homepage"`
		Created     string            `json:"created,omitempty"`
		TimeZone    string            `json:"time_zone"`
		Sources     []source          `json:"sources,omitempty"`
		Resources   []json.RawMessage `json:"resources"`
	}{
		Profile: "tabular-data-package", Name: d.Name, Title: d.Title, Description: d.Description,
		Version: "3.0.0", Homepage: "https://docs.openreferral.org/en/v3.0/", TimeZone: d.TimeZone,
	}
	if !d.Created.IsZero() {
		desc.Created = d.Created.UTC().Format(time.RFC3339)
	}
	for _, a := range d.Attribution {
		desc.Sources = append(desc.Sources, source{Title: a})
	}
	for _, t := range Tables {
		desc.Resources = append(desc.Resources, specResources[t].raw)
	}
	b, err := json.MarshalIndent(desc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("hsds: datapackage.json: %w", err)
	}
	return append(b, '\n'), nil
}

// Columns returns the column names of table, from the specification.
func Columns(table string) []string {
	r := specResources[table]
	if r == nil {
		return nil
	}
	out := make([]string, len(r.Schema.Fields))
	for i, f := range r.Schema.Fields {
		out[i] = f.Name
	}
	return out
}

// TablePath returns the CSV file name of table, from the specification.
func TablePath(table string) string {
	if r := specResources[table]; r != nil {
		return r.Path
	}
	return ""
}

// WriteTable writes table as CSV with the specification's header. It
// returns the first write or encoding error.
func (d *Dataset) WriteTable(w io.Writer, table string) error {
	cols := Columns(table)
	if cols == nil {
		return fmt.Errorf("hsds: no table %q in the specification", table)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return fmt.Errorf("hsds: write %s: %w", table, err)
	}
	rec := make([]string, len(cols))
	err := d.Rows(table, func(v any) error {
		cells(v, cols, rec)
		return cw.Write(rec)
	})
	if err != nil {
		return fmt.Errorf("hsds: write %s: %w", table, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("hsds: write %s: %w", table, err)
	}
	return nil
}

// cells fills rec with the CSV cells of record v (a pointer to a model
// struct) for cols: each column is the struct field with that JSON name;
// strings as they are, numbers in their shortest form, absent values and
// columns the struct does not have empty.
func cells(v any, cols []string, rec []string) {
	rv := reflect.ValueOf(v).Elem()
	plan := columnPlan(rv.Type(), cols)
	for i, fi := range plan {
		rec[i] = ""
		if fi < 0 {
			continue
		}
		switch f := rv.Field(fi); f.Kind() {
		case reflect.String:
			rec[i] = f.String()
		case reflect.Pointer:
			if !f.IsNil() && f.Elem().Kind() == reflect.Float64 {
				rec[i] = strconv.FormatFloat(f.Elem().Float(), 'f', -1, 64)
			}
		}
	}
}

// plans caches, by struct type and column list, the field index of each
// column (-1 for none).
var plans sync.Map

func columnPlan(t reflect.Type, cols []string) []int {
	key := t.String() + "\x00" + strings.Join(cols, ",")
	if p, ok := plans.Load(key); ok {
		return p.([]int)
	}
	byName := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		byName[name] = i
	}
	plan := make([]int, len(cols))
	for i, c := range cols {
		plan[i] = -1
		if fi, ok := byName[c]; ok {
			plan[i] = fi
		}
	}
	plans.Store(key, plan)
	return plan
}

// Formats of `trellis export hsds`.
const (
	FormatJSON    = "json"
	FormatTabular = "tabular"
	FormatBoth    = "both"
)

// NDJSONFile is the file name of the NDJSON services.
const NDJSONFile = "services.ndjson"

// WrittenFile is one file an export wrote.
type WrittenFile struct {
	Name  string
	Bytes int64
	// Rows is the number of records (services for NDJSON, CSV rows).
	Rows int
}

// WriteDir writes the dataset into dir (created if needed) in format
// FormatJSON (services.ndjson), FormatTabular (the CSV files and
// datapackage.json) or FormatBoth. Each file is written to a temporary
// name and renamed, so a reader never sees half a file. It returns the
// files written, or an error for an unknown format or a failed write.
func (d *Dataset) WriteDir(ctx context.Context, dir, format string) ([]WrittenFile, error) {
	if format != FormatJSON && format != FormatTabular && format != FormatBoth {
		return nil, fmt.Errorf("hsds: unknown export format %q: want json, tabular or both", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("hsds: %w", err)
	}
	var out []WrittenFile
	write := func(name string, rows int, fn func(w io.Writer) error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := writeFile(filepath.Join(dir, name), fn)
		if err != nil {
			return err
		}
		out = append(out, WrittenFile{Name: name, Bytes: n, Rows: rows})
		return nil
	}
	if format == FormatJSON || format == FormatBoth {
		if err := write(NDJSONFile, len(d.Services), d.WriteNDJSON); err != nil {
			return out, err
		}
	}
	if format == FormatTabular || format == FormatBoth {
		for _, t := range Tables {
			n := 0
			_ = d.Rows(t, func(any) error { n++; return nil })
			if err := write(TablePath(t), n, func(w io.Writer) error { return d.WriteTable(w, t) }); err != nil {
				return out, err
			}
		}
		desc, err := d.Descriptor()
		if err != nil {
			return out, err
		}
		if err := write("datapackage.json", len(Tables), func(w io.Writer) error {
			_, err := w.Write(desc)
			return err
		}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// writeFile writes path through a temporary file in the same directory
// and returns the bytes written.
func writeFile(path string, fn func(w io.Writer) error) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".export-*.tmp")
	if err != nil {
		return 0, fmt.Errorf("hsds: %w", err)
	}
	cw := &countWriter{w: tmp}
	bw := bufio.NewWriterSize(cw, 1<<16)
	err = fn(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return 0, fmt.Errorf("hsds: write %s: %w", path, err)
	}
	return cw.n, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
