// Package listings reads the directory's data files (directory.yaml,
// taxonomy.yaml, one YAML file per organization under listings/, and the
// recovery meetings under meetings/ with their type table in
// meetingguide/), checks every field and cross-reference, and builds a
// directory.Catalog. Every
// problem is reported with its file, line and column, all of them in one
// run.
package listings

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"trellis/internal/directory"
)

// The data directory's well-known files.
const (
	DirectoryPath  = "directory.yaml"
	TaxonomyPath   = "taxonomy.yaml"
	VocabularyPath = "vocabulary.yaml"
	ListingsDir    = "listings"
)

// Options configure Load.
type Options struct {
	// Now is the current time; a last_verified date after Now's date in the
	// directory's time zone is an error. Zero means time.Now().
	Now time.Time
	// Places resolves county names to counties with FIPS codes. When nil,
	// counties are checked only for their "Name, ST" form and state code,
	// and carry no FIPS code.
	Places Places
	// Positions, when not nil, is filled with where each organization,
	// location and service of the catalog is written (see Positions). It
	// is filled only when the data loads without errors.
	Positions *Positions
	// Progress, when not nil, is told when the listing files to read are
	// found (Progress(0, total); total leaves out those Cache gives) and
	// as each is read and checked; it may be called from several
	// goroutines at once.
	Progress func(done, total int)
	// Cache, when not nil, keeps what checking each listing file gave,
	// so that a later Load with the same Cache reads again only the files
	// that changed (see Cache). Load fills it with this load's results.
	Cache *Cache
}

// Cache keeps the results of checking listing files between loads of one
// data directory: a reload after an edit to one listing of tens of
// thousands reads and checks that one. A result is reused only for a file
// whose content digest is the one it was checked with, and only while
// everything else a listing's check depends on is unchanged (Key: the
// settings, taxonomy, gazetteer and polygon files, and the day). The
// organizations it holds are shared by the catalogs built from them,
// which never change them. It is not safe for concurrent loads.
type Cache struct {
	// Key says what the results hold under; a load with another key
	// checks every file again.
	Key string
	// Sums are the content digests of the listing files now, by path;
	// a file without one is read again.
	Sums map[string][32]byte
	// Files are the listing files, in lexical order, when the caller has
	// listed them already (with Sums); when nil, Load lists listings/.
	Files []string

	key     string
	results map[string]cachedListing
	read    int
}

type cachedListing struct {
	sum [32]byte
	r   listingResult
}

// Read returns how many listing files the last load read and checked;
// the others it took from the cache.
func (c *Cache) Read() int { return c.read }

// Load reads the data directory fsys (directory.yaml, taxonomy.yaml,
// vocabulary.yaml when present, every
// *.yaml and *.yml file under listings/, recursively, and the polygon files
// they name; every *.yaml and *.yml file under meetings/ and the meeting
// type table under meetingguide/), checks it and builds the catalog, its
// meetings included.
//
// Problems in the data are returned as errs, all of them, sorted by path,
// line and column; the catalog is nil whenever errs is not empty. A missing
// directory.yaml or taxonomy.yaml is such a problem; a missing listings/
// directory is an empty directory, and so is a missing meetings/ directory;
// meeting files without the type table are a problem. The error is for
// failures to read files that exist, and the catalog and errs are then nil.
func Load(fsys fs.FS, opt Options) (*directory.Catalog, []Error, error) {
	var errs []Error

	var dirFile DirectoryFile
	dirDec, err := decodeData(fsys, DirectoryPath, &dirFile)
	if err != nil {
		return nil, nil, err
	}
	info := directory.Info{TimeZone: time.UTC, StaleAfter: defaultStaleAfter}
	// dirCheck checks directory.yaml; it checks meetings_help's fellowships
	// again once vocabulary.yaml is read.
	var dirCheck *checker
	if dirDec != nil {
		dirCheck = &checker{decoder: dirDec, env: &env{}}
		if dirDec.ok(&dirFile) {
			info = dirCheck.info(&dirFile)
		}
		errs = append(errs, dirCheck.errs...)
	} else {
		errs = append(errs, Error{Path: DirectoryPath, Msg: "missing: the data directory needs a directory.yaml with at least name and time_zone"})
	}

	var taxFile TaxonomyFile
	taxDec, err := decodeData(fsys, TaxonomyPath, &taxFile)
	if err != nil {
		return nil, nil, err
	}
	var tax *directory.Taxonomy
	if taxDec != nil {
		c := &checker{decoder: taxDec, env: &env{}}
		if taxDec.ok(&taxFile) {
			tax = c.taxonomy(&taxFile)
		}
		errs = append(errs, c.errs...)
	} else {
		errs = append(errs, Error{Path: TaxonomyPath, Msg: "missing: the data directory needs a taxonomy.yaml of categories"})
	}

	// vocabulary.yaml is optional: without it, searches read the
	// taxonomy's words only.
	vocab := &directory.Vocabulary{}
	var vocFile VocabularyFile
	vocDec, err := decodeData(fsys, VocabularyPath, &vocFile)
	if err != nil {
		return nil, nil, err
	}
	if vocDec != nil {
		// Meeting type words name codes of the type table; its own problems
		// are reported with the meetings.
		types, _, err := loadMeetingTypes(fsys)
		if err != nil {
			return nil, nil, err
		}
		c := &checker{decoder: vocDec, env: &env{}}
		if vocDec.ok(&vocFile) {
			vocab = c.vocabulary(&vocFile, tax, types)
		}
		errs = append(errs, c.errs...)
	}
	// Without vocabulary.yaml no fellowship is known, and the links'
	// fellowships are not checked.
	if mh := dirFile.MeetingsHelp; dirCheck != nil && vocDec != nil && mh != nil && dirDec.ok(mh) {
		n := len(dirCheck.errs)
		dirCheck.meetingsHelpFellowships(mh, &vocab.Meetings)
		errs = append(errs, dirCheck.errs[n:]...)
	}

	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	y, m, d := now.In(info.TimeZone).Date()
	e := &env{
		fsys:      fsys,
		positions: opt.Positions != nil,
		places:    opt.Places,
		tax:       tax,
		today:     time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
		polygons:  newPolygonCache(fsys),
	}
	if tax != nil && len(tax.Roots) > 0 {
		for _, cat := range tax.All() {
			e.catIDs = append(e.catIDs, cat.ID)
		}
	} else {
		// With no usable taxonomy every category would be reported unknown;
		// the taxonomy's own errors say what is wrong.
		e.tax = nil
	}

	var files []string
	if opt.Cache != nil && opt.Cache.Files != nil {
		files = opt.Cache.Files
	} else if files, err = listingFiles(fsys); err != nil {
		return nil, nil, err
	}
	var cached func(name string) (listingResult, bool)
	if c := opt.Cache; c != nil && opt.Positions == nil && c.key == c.Key && c.key != "" {
		cached = func(name string) (listingResult, bool) {
			sum, ok := c.Sums[name]
			if !ok {
				return listingResult{}, false
			}
			got, ok := c.results[name]
			return got.r, ok && got.sum == sum
		}
	}
	results, read, err := loadListings(e, files, cached, opt.Progress)
	if err != nil {
		return nil, nil, err
	}
	if c := opt.Cache; c != nil && opt.Positions == nil {
		c.key, c.read = c.Key, read
		c.results = make(map[string]cachedListing, len(files))
		for i, name := range files {
			if sum, ok := c.Sums[name]; ok {
				c.results[name] = cachedListing{sum: sum, r: results[i]}
			}
		}
	}
	orgs := make([]*directory.Organization, 0, len(results))
	firstOrg := map[string]Error{}
	for i, r := range results {
		errs = append(errs, r.errs...)
		if r.org == nil {
			continue
		}
		if r.org.ID != "" {
			if first, dup := firstOrg[r.org.ID]; dup {
				errs = append(errs, Error{Path: files[i], Line: r.idPos.line, Col: r.idPos.col,
					Msg: fmt.Sprintf("duplicate organization id %q (first in %s:%d)", r.org.ID, first.Path, first.Line)})
				continue
			}
			firstOrg[r.org.ID] = Error{Path: files[i], Line: r.idPos.line}
		}
		orgs = append(orgs, r.org)
	}
	meetingTypes, meetings, meetingErrs, meetingMarks, err := loadMeetings(e)
	if err != nil {
		return nil, nil, err
	}
	errs = append(errs, meetingErrs...)
	if len(errs) > 0 {
		sortErrors(errs)
		return nil, errs, nil
	}
	cat, err := directory.NewCatalog(info, tax, orgs)
	if err != nil {
		return nil, nil, fmt.Errorf("listings: build catalog: %w", err)
	}
	if cat, err = cat.WithMeetings(meetingTypes, meetings); err != nil {
		return nil, nil, fmt.Errorf("listings: build catalog: %w", err)
	}
	cat.Vocabulary = vocab
	if opt.Positions != nil {
		if opt.Positions.m == nil {
			opt.Positions.m = map[posKey]Pos{}
		}
		for _, r := range results {
			for k, p := range r.marks {
				opt.Positions.m[k] = p
			}
		}
		for k, p := range meetingMarks {
			opt.Positions.m[k] = p
		}
	}
	return cat, nil, nil
}

// decodeData reads and decodes the file at name in fsys into out. It
// returns a nil decoder when the file does not exist, and an error when it
// exists but cannot be read.
func decodeData(fsys fs.FS, name string, out any) (*decoder, error) {
	data, err := fs.ReadFile(fsys, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listings: read %s: %w", name, err)
	}
	d := newDecoder(name)
	d.decodeFile(data, out)
	return d, nil
}

// ListingFiles returns the paths of the listing files Load reads from the
// data directory fsys (every *.yaml and *.yml file under listings/,
// recursively, names starting with a dot skipped), in lexical order, with
// forward slashes. A missing listings/ directory has none. It returns an
// error when a directory cannot be read.
func ListingFiles(fsys fs.FS) ([]string, error) { return listingFiles(fsys) }

// listingFiles returns the paths of the listing files under listings/ in
// lexical order.
func listingFiles(fsys fs.FS) ([]string, error) { return yamlTree(fsys, ListingsDir) }

// yamlTree returns the paths of the *.yaml and *.yml files under dir in
// lexical order; none when dir does not exist. Files and directories whose
// names start with a dot (editor backups, .git) are skipped.
func yamlTree(fsys fs.FS, dir string) ([]string, error) {
	var files []string
	err := fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ext := path.Ext(p); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listings: list %s: %w", dir, err)
	}
	return files, nil
}

// listingResult is what checking one listing file gives.
type listingResult struct {
	org   *directory.Organization
	idPos pos
	errs  []Error
	marks marks
}

// loadListings decodes, checks and converts the listing files in parallel,
// taking the result of a file cached gives one for instead (cached may be
// nil). Results are in the order of files, with how many files were read.
// It returns the first read failure in that order.
func loadListings(e *env, files []string, cached func(string) (listingResult, bool), progress func(done, total int)) ([]listingResult, int, error) {
	results := make([]listingResult, len(files))
	ioErrs := make([]error, len(files))
	var todo []int
	for i, name := range files {
		if cached != nil {
			if r, ok := cached(name); ok {
				results[i] = r
				continue
			}
		}
		todo = append(todo, i)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	var done atomic.Int64
	if progress != nil {
		progress(0, len(todo))
	}
	for range min(runtime.GOMAXPROCS(0), max(1, len(todo))) {
		wg.Go(func() {
			for i := range next {
				results[i], ioErrs[i] = loadListing(e, files[i])
				if progress != nil {
					progress(int(done.Add(1)), len(todo))
				}
			}
		})
	}
	for _, i := range todo {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range ioErrs {
		if err != nil {
			return nil, 0, err
		}
	}
	return results, len(todo), nil
}

// loadListing decodes, checks and converts one listing file. It returns an
// error only when the file cannot be read.
func loadListing(e *env, name string) (listingResult, error) {
	data, err := fs.ReadFile(e.fsys, name)
	if err != nil {
		return listingResult{}, fmt.Errorf("listings: read %s: %w", name, err)
	}
	var f File
	d := newDecoder(name)
	d.decodeFile(data, &f)
	if !d.ok(&f) {
		return listingResult{errs: d.errs}, nil
	}
	c := &checker{decoder: d, env: e}
	if e.positions {
		c.marks = marks{}
	}
	org := c.organization(&f, strings.TrimPrefix(name, ListingsDir+"/"))
	r := listingResult{org: org, idPos: c.at(&f.ID, &f), errs: c.errs, marks: c.marks}
	if !c.ok(&f.ID) || checkSlug(f.ID) != nil {
		r.org = nil
	}
	return r, nil
}
