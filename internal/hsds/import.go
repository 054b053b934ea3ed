// Package hsds reads Open Referral HSDS 3.0 tabular data packages
// (datapackage.json and CSV files) and turns them into Trellis listing
// files, mapping the source's taxonomies to Trellis categories through the
// reviewable mapping files in data/maps/.
//
// Import writes one listing file per organization under
// <data>/listings/<state>/<id>.yaml. Each listing, location and service
// keeps its source name and HSDS id, so importing a newer package updates
// the same files in place (found by source and id wherever a coordinator
// moved them) and keeps hand edits to fields the source leaves empty.
package hsds

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"trellis/internal/geo"
	"trellis/internal/listings"
)

// ImportOptions configure Import.
type ImportOptions struct {
	// Package is the package directory (holding datapackage.json).
	Package string
	// DataDir is the data directory: taxonomy.yaml, maps/, geo/ and the
	// listings/ tree written to. Default "data".
	DataDir string
	// Source is the source name listings carry. Default: the descriptor's
	// name, unless it is the HSDS template's "human_services_data", in
	// which case the package directory's name.
	Source string
	// MapFile is the mapping file. Default: the file in <DataDir>/maps
	// whose sources list Source.
	MapFile string
	// DryRun computes the report without writing files.
	DryRun bool
	// Now is the current time (dates after it are refused); default
	// time.Now().
	Now time.Time
	// Places resolves county names. Default: the gazetteer in
	// <DataDir>/geo when there is one; without it counties are left out.
	Places Places
	// Progress, when not nil, is told as each of the package's
	// organizations is converted and written: done of total.
	Progress func(done, total int)
}

// templateName is the name in the HSDS template descriptor that packages
// copy without changing.
const templateName = "human_services_data"

// header starts every new listing file the import writes.
const header = "# Imported from HSDS source %q by `trellis import hsds`. A re-import\n" +
	"# replaces the fields the source carries and keeps what it leaves empty,\n" +
	"# so hours, phones or notes added by hand stay.\n"

// Import reads the package, converts it and writes (or, with DryRun,
// only plans) the listing files. It returns the report, and an error naming
// file and line for bad input: a missing or malformed datapackage.json, a
// CSV whose header does not match the descriptor or that is not valid CSV,
// a broken mapping file, or an existing listing file that cannot be read.
func Import(ctx context.Context, opt ImportOptions) (Report, error) {
	if opt.DataDir == "" {
		opt.DataDir = "data"
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	var rep Report
	pkg, err := OpenPackage(opt.Package)
	if err != nil {
		return rep, err
	}
	if opt.Source == "" {
		opt.Source = pkg.Name
		if opt.Source == "" || opt.Source == templateName {
			opt.Source = slug(filepath.Base(filepath.Clean(opt.Package)), maxSlug)
		}
	}
	rep.Package, rep.Source, rep.DryRun = opt.Package, opt.Source, opt.DryRun
	rep.ListingsDir = filepath.Join(opt.DataDir, "listings")

	cats, err := categoryIDs(filepath.Join(opt.DataDir, "taxonomy.yaml"))
	if err != nil {
		return rep, err
	}
	if opt.Places == nil {
		if st, err := os.Stat(filepath.Join(opt.DataDir, "geo")); err == nil && st.IsDir() {
			g, err := geo.Load(os.DirFS(opt.DataDir))
			if err != nil {
				return rep, fmt.Errorf("hsds: load gazetteer for county names: %w", err)
			}
			opt.Places = g
		}
	}

	col := newCollector()
	if opt.Places == nil {
		col.warn("no gazetteer in the data directory: county names left out", "")
	}
	d, err := load(ctx, pkg, col)
	if err != nil {
		return rep, err
	}
	m, err := chooseMap(opt, d, cats)
	if err != nil {
		return rep, err
	}
	rep.MapFile = m.File
	rep.Read = Counts{Organizations: len(d.orgs), Services: len(d.svcs), Locations: len(d.locByID)}

	idx, err := indexListings(rep.ListingsDir)
	if err != nil {
		return rep, err
	}

	conv := newConverter(d, m, col, opt.Source, opt.Now, opt.Places)
	for _, s := range d.svcs {
		if d.orgByID[s.OrgID] == nil {
			conv.skipService(s, "its organization_id names no organization")
		}
	}
	w := &writer{opt: opt, idx: idx, rep: &rep, col: col, written: map[string]bool{}}
	importedLoc := map[string]bool{}
	skippedOrg := map[string]string{}
	for i, o := range d.orgs {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
		}
		if opt.Progress != nil {
			opt.Progress(i+1, len(d.orgs))
		}
		cv := conv.organization(o)
		if cv == nil {
			reason := "no service with a category"
			switch {
			case o.Name == "":
				reason = "no name"
			case len(d.svcByOrg[o.ID]) == 0:
				reason = "no services"
			}
			skippedOrg[o.ID] = reason
			col.add("organization", reason, 1, o.ID)
			continue
		}
		if err := w.write(cv); err != nil {
			return rep, err
		}
		rep.Imported.Organizations++
		rep.Imported.Services += len(cv.file.Services)
		for _, id := range cv.locIDs {
			importedLoc[id] = true
		}
	}
	rep.Imported.Locations = len(importedLoc)

	// Every location not written is accounted for.
	for _, l := range sortedLocs(d) {
		if importedLoc[l.ID] {
			continue
		}
		switch {
		case d.orgByID[l.OrgID] == nil:
			col.add("location", "its organization_id names no organization and no written service is delivered there", 1, l.ID)
		case skippedOrg[l.OrgID] != "":
			col.add("location", "its organization was skipped ("+skippedOrg[l.OrgID]+")", 1, l.ID)
		default:
			col.add("location", "only skipped services are delivered there", 1, l.ID)
		}
	}
	rep.Skipped = Counts{
		Organizations: len(skippedOrg),
		Services:      len(conv.skippedSvc),
		Locations:     rep.Read.Locations - rep.Imported.Locations,
	}
	w.reportGone()

	rep.SkipReasons = col.list("organization", "service", "location")
	rep.Gone = col.list("file", "gone-location", "gone-service")
	rep.Warnings = col.list("")
	for _, g := range conv.termUse {
		rep.UnmappedTerms = append(rep.UnmappedTerms, *g)
	}
	sort.Slice(rep.UnmappedTerms, func(i, j int) bool {
		a, b := rep.UnmappedTerms[i], rep.UnmappedTerms[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		return a.Reason < b.Reason
	})
	for _, r := range m.Rules {
		if r.matched == 0 && r.Line > 0 {
			rep.UnusedRules = append(rep.UnusedRules, fmt.Sprintf("%s:%d", m.File, r.Line))
		}
	}
	return rep, nil
}

// builtinMap names the map of a package that only uses the Trellis
// taxonomies.
const builtinMap = "(built in: the Trellis taxonomies)"

// chooseMap returns the mapping rules for the import: the file named by
// opt.MapFile, else the one in <DataDir>/maps listing the source, each
// followed by the rules for the Trellis taxonomies (trellisRules). A
// package with no map file of its own whose terms include a Trellis
// taxonomy (a Trellis export) gets the Trellis rules alone. It returns an
// error for a broken mapping file, or when no file lists the source and
// the package does not use the Trellis taxonomies.
func chooseMap(opt ImportOptions, d *dataset, cats map[string]bool) (*Map, error) {
	var m *Map
	var err error
	if opt.MapFile != "" {
		m, err = LoadMap(opt.MapFile, cats)
	} else {
		m, err = findMap(filepath.Join(opt.DataDir, "maps"), opt.Source, cats)
		if errors.Is(err, errNoMap) && d.usesTrellisTaxonomy() {
			m, err = &Map{File: builtinMap, Sources: []string{opt.Source}}, nil
		}
	}
	if err != nil {
		return nil, err
	}
	m.Rules = append(m.Rules, trellisRules(cats)...)
	return m, nil
}

func sortedLocs(d *dataset) []*locRec {
	out := make([]*locRec, 0, len(d.locByID))
	for _, l := range d.locByID {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

// existing is what the import needs to know of a listing file already in
// the tree.
type existing struct {
	path      string
	id        string
	source    listings.Source
	locations []listings.Source // sources of its locations
	services  []listings.Source
}

// listingIndex is the listing tree before the import.
type listingIndex struct {
	bySource map[string]*existing // source name + "\x00" + id
	ids      map[string]bool      // every organization id in the tree
	files    []*existing
}

func sourceKey(name, id string) string { return name + "\x00" + id }

// indexListings reads every listing file under dir. It returns an error for
// a file that is not YAML, since it might be an imported listing the
// import would otherwise duplicate.
func indexListings(dir string) (*listingIndex, error) {
	idx := &listingIndex{bySource: map[string]*existing{}, ids: map[string]bool{}}
	err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == dir {
				return fs.SkipDir
			}
			return err
		}
		if de.IsDir() || (!strings.HasSuffix(path, ".yaml") && !strings.HasSuffix(path, ".yml")) {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var h struct {
			ID        string           `yaml:"id"`
			Source    *listings.Source `yaml:"source"`
			Locations []struct {
				Source *listings.Source `yaml:"source"`
			} `yaml:"locations"`
			Services []struct {
				Source *listings.Source `yaml:"source"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(data, &h); err != nil {
			return fmt.Errorf("hsds: existing listing %s cannot be read (fix it first, or the import could duplicate it): %w", path, err)
		}
		e := &existing{path: path, id: h.ID}
		if h.Source != nil {
			e.source = *h.Source
		}
		for _, l := range h.Locations {
			if l.Source != nil {
				e.locations = append(e.locations, *l.Source)
			}
		}
		for _, s := range h.Services {
			if s.Source != nil {
				e.services = append(e.services, *s.Source)
			}
		}
		idx.files = append(idx.files, e)
		if h.ID != "" {
			idx.ids[h.ID] = true
		}
		if e.source.Name != "" && e.source.ID != "" {
			k := sourceKey(e.source.Name, e.source.ID)
			if first, dup := idx.bySource[k]; dup {
				return fmt.Errorf("hsds: listings %s and %s both come from source %q record %q: merge or delete one", first.path, path, e.source.Name, e.source.ID)
			}
			idx.bySource[k] = e
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("hsds: read listings: %w", err)
	}
	return idx, nil
}

// writer places converted listings in the tree.
type writer struct {
	opt     ImportOptions
	idx     *listingIndex
	rep     *Report
	col     *collector
	written map[string]bool // source keys written (or planned)
}

func (w *writer) write(cv *converted) error {
	f := cv.file
	key := sourceKey(w.opt.Source, cv.org.ID)
	w.written[key] = true
	if ex := w.idx.bySource[key]; ex != nil {
		f.ID = ex.id
		if f.ID == "" {
			f.ID = cv.slug
		}
		old, err := os.ReadFile(ex.path)
		if err != nil {
			return fmt.Errorf("hsds: %w", err)
		}
		out, err := listings.Update(old, f)
		if err != nil {
			return fmt.Errorf("hsds: update %s: %w", ex.path, err)
		}
		w.noteGoneParts(ex, f)
		if bytes.Equal(old, out) {
			w.rep.FilesUnchanged++
			return nil
		}
		w.rep.FilesUpdated++
		return w.save(ex.path, out)
	}

	state := strings.ToLower(cv.state)
	if state == "" {
		state = "other"
	}
	dir := filepath.Join(w.rep.ListingsDir, state)
	// The organization's name; when that is taken (several sites of one
	// provider), with its first service's name, then with its city; then
	// numbered.
	cands := []string{cv.slug}
	if cv.service != "" {
		cands = append(cands, slug(cv.slug+" "+cv.service, maxSlug))
	}
	if cv.city != "" && !strings.HasSuffix(cv.slug, slug(cv.city, maxSlug)) {
		cands = append(cands, slug(cv.slug+" "+cv.city, maxSlug))
	}
	id := ""
	for _, c := range cands {
		if c != "" && !w.taken(c, dir) {
			id = c
			break
		}
	}
	if id == "" {
		base := cands[min(1, len(cands)-1)]
		id = base + "-2"
		for n := 3; w.taken(id, dir); n++ {
			id = fmt.Sprintf("%s-%d", base, n)
		}
	}
	w.idx.ids[id] = true
	f.ID = id
	body, err := listings.Marshal(f)
	if err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	out := append([]byte(fmt.Sprintf(header, w.opt.Source)), body...)
	w.rep.FilesNew++
	return w.save(filepath.Join(dir, id+".yaml"), out)
}

// taken reports whether id is used by a listing or its file name is.
func (w *writer) taken(id, dir string) bool {
	if w.idx.ids[id] {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, id+".yaml"))
	return err == nil
}

// save writes data to path through a temporary file, unless dry run.
func (w *writer) save(path string, data []byte) error {
	if w.opt.DryRun {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".import-*.tmp")
	if err != nil {
		return fmt.Errorf("hsds: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("hsds: write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("hsds: write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("hsds: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("hsds: write %s: %w", path, err)
	}
	return nil
}

// noteGoneParts reports the locations and services of an existing file
// that came from this source but are no longer in it.
func (w *writer) noteGoneParts(ex *existing, f *listings.File) {
	has := func(list []listings.Source, id string) bool {
		for _, s := range list {
			if s.ID == id {
				return true
			}
		}
		return false
	}
	var newLocs, newSvcs []listings.Source
	for _, l := range f.Locations {
		newLocs = append(newLocs, *l.Source)
	}
	for _, s := range f.Services {
		newSvcs = append(newSvcs, *s.Source)
	}
	for _, l := range ex.locations {
		if l.Name == w.opt.Source && !has(newLocs, l.ID) {
			w.col.add("gone-location", "location no longer in the source, or skipped", 1, ex.path+" "+l.ID)
		}
	}
	for _, s := range ex.services {
		if s.Name == w.opt.Source && !has(newSvcs, s.ID) {
			w.col.add("gone-service", "service no longer in the source, or skipped", 1, ex.path+" "+s.ID)
		}
	}
}

// reportGone reports listing files of this source whose organization was
// not written this time.
func (w *writer) reportGone() {
	for _, ex := range w.idx.files {
		if ex.source.Name == w.opt.Source && !w.written[sourceKey(ex.source.Name, ex.source.ID)] {
			w.col.add("file", "organization no longer in the source, or skipped", 1, ex.path)
		}
	}
}
