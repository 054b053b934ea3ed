// Package snapshot holds the directory Trellis is serving: one immutable
// Snapshot (catalog, search index, gazetteer) behind an atomic pointer. A
// reload builds a new snapshot beside the old one and swaps it in only when
// the data loads without errors; a bad change leaves the old snapshot
// serving and keeps the errors for /readyz and the admin page.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/hsds"
	"trellis/internal/listings"
	"trellis/internal/match"
	"trellis/internal/search"
)

// Snapshot is one loaded, indexed version of the data directory. It is
// immutable and shared by all requests.
type Snapshot struct {
	Catalog *directory.Catalog
	Index   *search.Index
	Places  *geo.Gazetteer
	// Matcher ranks services for a needs profile over Index.
	Matcher *match.Matcher
	// Revision is a digest of every file the snapshot was built from; two
	// snapshots of the same files have the same revision.
	Revision string
	LoadedAt time.Time
	// BuildTime is how long loading and indexing took; for a snapshot a
	// Store loaded, the whole reload, from looking at the files on.
	BuildTime time.Duration
	// IndexFrom says where the search index came from: IndexReopened
	// from the store's IndexDir, IndexUpdated from the last snapshot's,
	// IndexBuilt, or "" in memory.
	IndexFrom IndexOrigin
	// ListingsRead counts the listing files read and checked for this
	// snapshot; the others were unchanged since the last load and their
	// results were reused.
	ListingsRead int

	hsdsOnce sync.Once
	hsdsData *hsds.Index
	hsdsErr  error
	// hsdsReady is set once the HSDS form is built.
	hsdsReady atomic.Bool
}

// HSDS returns the snapshot's Open Referral HSDS 3.0 form (its ids, from
// which each record is built when asked for), built on the first call and
// shared after. Store.Reload starts building it as soon as
// a snapshot is swapped in, so that no /hsds request waits for it.
func (s *Snapshot) HSDS() (*hsds.Index, error) {
	s.hsdsOnce.Do(func() {
		s.hsdsData, s.hsdsErr = hsds.NewIndex(s.Catalog, hsds.ExportOptions{})
		s.hsdsReady.Store(true)
	})
	return s.hsdsData, s.hsdsErr
}

// Build loads the data directory fsys and indexes it. Problems in the data
// come back as errs with a nil snapshot; err is for failures to read files
// or to build the index.
func Build(ctx context.Context, fsys fs.FS, now time.Time) (*Snapshot, []listings.Error, error) {
	rev, err := Revision(fsys)
	if err != nil {
		return nil, nil, err
	}
	places, err := geo.Load(fsys)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	return build(ctx, fsys, now, rev, places, "", progressHooks{}, nil, nil)
}

// build is Build for data whose revision and gazetteer the caller has
// read, with the search index kept under indexDir when it is set (see
// openIndex).
// cache, when set, keeps the listing files' results between builds.
// prev, when set, is the snapshot being served, whose on-disk index a new
// one is updated from.
func build(ctx context.Context, fsys fs.FS, now time.Time, rev string, places *geo.Gazetteer, indexDir string, progress progressHooks, cache *listings.Cache, prev *Snapshot) (*Snapshot, []listings.Error, error) {
	start := time.Now()
	cat, errs, err := listings.Load(fsys, listings.Options{Now: now, Places: places, Progress: progress.read, Cache: cache})
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	if len(errs) > 0 {
		return nil, errs, nil
	}
	ix, err := search.New(cat)
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	ix.Progress = progress.index
	// The matcher's tables need only the documents: they are built while
	// the index is opened, updated or built.
	matcher := make(chan *match.Matcher, 1)
	var prevMatcher *match.Matcher
	if prev != nil {
		prevMatcher = prev.Matcher
	}
	go func() { matcher <- match.New(ix, places, prevMatcher) }()
	var from IndexOrigin
	if indexDir == "" {
		err = ix.BuildMemory(ctx)
	} else {
		var prevIx *search.Index
		if prev != nil {
			prevIx = prev.Index
		}
		from, err = openIndex(ctx, ix, indexDir, rev, prevIx)
	}
	m := <-matcher
	if err != nil {
		return nil, nil, fmt.Errorf("snapshot: %w", err)
	}
	read := len(cat.Organizations) // one listing file each
	if cache != nil {
		read = cache.Read()
	}
	return &Snapshot{Catalog: cat, Index: ix, Places: places, Matcher: m, Revision: rev, LoadedAt: now,
		BuildTime: time.Since(start), IndexFrom: from, ListingsRead: read}, nil, nil
}

// progressHooks are the Store's progress hooks, for build: reading the
// listing files, and building the search index.
type progressHooks struct{ read, index func(done, total int) }

// IndexOrigin says where a snapshot's search index came from.
type IndexOrigin string

// The origins of an on-disk search index.
const (
	IndexReopened IndexOrigin = "reopened"
	IndexUpdated  IndexOrigin = "updated"
	IndexBuilt    IndexOrigin = "built"
)

// openIndex makes ix, New's index of a catalog, the one kept in dir/rev: reopened
// when a finished index of the same revision is there, else updated from
// prev (the index being served, when it is on disk) or built. An index
// that does not open, or does not hold exactly cat's documents, is
// removed first. search writes beside dir/rev and renames only a complete
// index into place, so a build cut short (a crash, kill -9) is never
// served.
func openIndex(ctx context.Context, ix *search.Index, dir, rev string, prev *search.Index) (IndexOrigin, error) {
	final := filepath.Join(dir, rev)
	if _, err := os.Stat(final); err == nil {
		if err := ix.Open(ctx, final); err == nil {
			return IndexReopened, nil
		}
		if err := os.RemoveAll(final); err != nil {
			return "", fmt.Errorf("remove the unusable index %s: %w", final, err)
		}
	}
	if prev != nil {
		// A previous index that cannot be updated is no reason not to
		// build a new one.
		if err := ix.UpdateDir(ctx, prev, final); err == nil {
			return IndexUpdated, nil
		}
	}
	return IndexBuilt, ix.BuildDir(ctx, final)
}

// pruneIndexes removes from dir every index but those of the revisions
// in keep. The load state and its temporary files stay.
func pruneIndexes(dir string, keep ...string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !slices.Contains(keep, e.Name()) && !strings.HasPrefix(e.Name(), stateName) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// saveState has the load state written to IndexDir: the digests sums and
// the listings cache as this load left them, checked on day. The cache is
// copied as it is: the next load replaces its results rather than changing
// them.
func (s *Store) saveState(rev string, sums map[string]fileSum, day string) {
	id := binaryID()
	if id == "" {
		return
	}
	s.savedRev = rev
	c := s.listings
	dir, written := s.IndexDir, s.StateWritten
	s.state.write(func() {
		h := stateHeader{Format: stateFormat, Binary: id, Revision: rev, Settings: settingsKey(sums, ""), Day: day, Sums: sums}
		err := writeState(dir, h, &c)
		if written != nil {
			written(err)
		}
	})
}

// WaitState returns once the load state (see stateName) asked for by the
// last reload is written, or with ctx's error when ctx ends first: a
// graceful stop waits for it, so that the next start finds it.
func (s *Store) WaitState(ctx context.Context) error { return s.state.wait(ctx) }

// Status describes the last reload, for /readyz and the admin page.
type Status struct {
	// Attempted is when the last reload started; zero before the first.
	Attempted time.Time
	// OK is whether it swapped a new snapshot in (or found the data
	// unchanged).
	OK bool
	// Errors are the data problems that kept it from swapping, as
	// "path:line:col: message".
	Errors []string
	// Failure is a read or index failure, if that is what stopped it.
	Failure string
	// Failures counts reloads that did not swap since the process started.
	Failures int
	// Attempts counts reloads since the process started, the first load
	// included.
	Attempts int
}

// Store holds the current snapshot and reloads it from a data directory.
// Its methods are safe for concurrent use.
type Store struct {
	fsys fs.FS
	now  func() time.Time

	cur atomic.Pointer[Snapshot]

	mu     sync.Mutex // serializes reloads and guards status and invalidRev
	status Status
	// invalidRev is the revision of the last files that failed
	// validation, so that reloading them again does not rebuild them.
	invalidRev string
	// sums are the data files' digests as last read, so that a reload
	// reads again only the files whose size or time changed; listings
	// keeps what checking each listing file gave, so that it checks again
	// only the files whose digest changed.
	sums     map[string]fileSum
	listings listings.Cache
	// files are the data files as last listed, with the changes reported
	// to ReloadChanged since.
	files fileList
	// state writes what the last load knew to IndexDir (see stateName);
	// savedRev is the revision it last wrote or read there.
	state    stateWriter
	savedRev string

	// Progress, when set before the first Reload, is told how reading the
	// listing files gets on (see listings.Options.Progress), and
	// IndexProgress how a build of the search index does (see
	// search.Index.Progress): a first start on a national directory
	// spends seconds on each.
	Progress      func(done, total int)
	IndexProgress func(done, total int)
	// IndexDir, when set before the first Reload, is the directory the
	// search indexes are kept in, one per data revision, so that a
	// restart on unchanged data reopens the index instead of building it.
	// Without it indexes are built in memory.
	IndexDir string
	// PruneError, when set, is told when indexes of old revisions could
	// not be removed from IndexDir.
	PruneError func(error)
	// StateWritten, when set before the first Reload, is told how each
	// write of the load state to IndexDir went; the writes run after the
	// reload that asked for them returns.
	StateWritten func(error)
}

// NewStore returns a store over the data directory fsys with no snapshot
// loaded yet.
func NewStore(fsys fs.FS, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{fsys: fsys, now: now}
}

// Current returns the snapshot being served, or nil before the first
// successful load.
func (s *Store) Current() *Snapshot { return s.cur.Load() }

// ErrDataInvalid is returned by Reload when the data has problems; the
// problems are in Status().Errors.
var ErrDataInvalid = errors.New("snapshot: the data has errors; the previous snapshot keeps serving")

// Reload builds a snapshot from the data directory and swaps it in. When
// the data's revision equals the current snapshot's, it keeps the current
// one. It returns ErrDataInvalid when the data has problems and a wrapped
// error when reading or indexing fails; in both cases the current snapshot
// keeps serving.
func (s *Store) Reload(ctx context.Context) (*Snapshot, error) { return s.ReloadChanged(ctx, nil) }

// ReloadChanged is Reload when paths (slash-separated, in the data
// directory) are every file that may have changed since the last reload,
// as a watcher reports them: it looks at those files only, not at the
// other 51,000 of a national directory. nil paths (not known), or a path
// that is or was a directory, has it list every file again, as Reload
// does.
func (s *Store) ReloadChanged(ctx context.Context, paths []string) (*Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	start := time.Now()
	now := s.now()
	s.status.Attempted = now
	s.status.Attempts++
	// A first load with an IndexDir starts from what the last process
	// knew of the files, when it left that behind.
	// On a first load the gazetteer is read, and the listings the last
	// process checked decoded, while the files are looked at; a reload
	// keeps the gazetteer it has unless its files changed.
	type gazetteer struct {
		g   *geo.Gazetteer
		err error
	}
	var gaz chan gazetteer
	loadGazetteer := func() {
		gaz = make(chan gazetteer, 1)
		go func() {
			g, err := geo.Load(s.fsys)
			gaz <- gazetteer{g, err}
		}()
	}
	prevSums := s.sums
	if s.cur.Load() == nil {
		loadGazetteer()
	}
	// The files are listed while the load state's header is read: the
	// listing does not need the digests it holds.
	type listed struct {
		files fileList
		err   error
	}
	list := make(chan listed, 1)
	var only map[string]bool
	if paths != nil && s.files != nil && s.sums != nil {
		if files, ok := s.files.changed(s.fsys, paths); ok {
			only = make(map[string]bool, len(paths))
			for _, p := range paths {
				only[p] = true
			}
			list <- listed{files, nil}
		}
	}
	if only == nil {
		go func() {
			files, err := dataFiles(s.fsys)
			list <- listed{files, err}
		}()
	}
	var saved *savedState
	var decoded chan error
	if s.cur.Load() == nil && s.sums == nil && s.IndexDir != "" {
		if saved = openState(s.IndexDir); saved != nil {
			s.sums, s.savedRev = saved.header.Sums, saved.header.Revision
			decoded = make(chan error, 1)
			// The parts hold the whole file: once decoded, it can go.
			cache := saved.cache
			saved.cache = nil
			go func() { decoded <- s.listings.Decode(cache...) }()
		}
	}
	l := <-list
	rev, sums, err := "", map[string]fileSum(nil), l.err
	if err == nil {
		rev, sums, err = l.files.revision(s.fsys, s.sums, time.Now, only)
	}
	if decoded != nil {
		if derr := <-decoded; derr != nil {
			saved, s.savedRev = nil, ""
		}
	}
	var g gazetteer
	if cur := s.cur.Load(); gaz == nil && err == nil {
		if sameFiles(prevSums, sums, geo.ZIPFile, geo.CountyFile) {
			g.g = cur.Places
		} else {
			loadGazetteer()
		}
	}
	if gaz != nil {
		g = <-gaz
	}
	if err == nil && g.err != nil {
		err = fmt.Errorf("snapshot: %w", g.err)
	}
	if err != nil {
		// The files this reload was to look at were not all looked at:
		// the next lists and looks at every file.
		s.files = nil
		s.status.OK, s.status.Errors, s.status.Failure = false, nil, err.Error()
		s.status.Failures++
		return s.cur.Load(), err
	}
	s.sums, s.files = sums, l.files
	if cur := s.cur.Load(); cur != nil && rev == cur.Revision {
		s.status.OK, s.status.Errors, s.status.Failure = true, nil, ""
		return cur, nil
	}
	if rev == s.invalidRev {
		// The same files already failed validation: their errors stand.
		s.status.Failures++
		return s.cur.Load(), ErrDataInvalid
	}
	// A listing's check depends on the other files and on the day in the
	// directory's zone (dates in the future are errors); before the
	// first load, the zone directory.yaml names.
	var zone *time.Location
	if cur := s.cur.Load(); cur != nil && cur.Catalog.Info.TimeZone != nil {
		zone = cur.Catalog.Info.TimeZone
	} else {
		zone = listings.DirectoryZone(s.fsys)
	}
	day := now.In(zone).Format(time.DateOnly)
	s.listings.Key = settingsKey(sums, day)
	s.listings.Sums, s.listings.Files = l.files.listings(sums)
	if saved != nil && saved.header.Settings == settingsKey(sums, "") && saved.header.Day <= day {
		// A listing checked without problems on an earlier day has none
		// today.
		s.listings.Trust(s.listings.Key)
	}
	snap, errs, err := build(ctx, s.fsys, now, rev, g.g, s.IndexDir, progressHooks{s.Progress, s.IndexProgress}, &s.listings, s.cur.Load())
	switch {
	case err != nil:
		s.status.OK, s.status.Errors, s.status.Failure = false, nil, err.Error()
		s.status.Failures++
		return s.cur.Load(), err
	case len(errs) > 0:
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Error()
		}
		s.status.OK, s.status.Errors, s.status.Failure = false, msgs, ""
		s.status.Failures++
		s.invalidRev = rev
		return s.cur.Load(), ErrDataInvalid
	}
	snap.BuildTime = time.Since(start)
	old := s.cur.Swap(snap)
	s.status.OK, s.status.Errors, s.status.Failure = true, nil, ""
	if s.IndexDir != "" {
		// The old snapshot's index stays until the next reload: requests
		// may still be reading it.
		keep := []string{rev}
		if old != nil {
			keep = append(keep, old.Revision)
		}
		if err := pruneIndexes(s.IndexDir, keep...); err != nil && s.PruneError != nil {
			s.PruneError(err)
		}
		if rev != s.savedRev {
			s.saveState(rev, sums, day)
		}
	}
	go func() {
		// The HSDS form is built once the load state is written: each
		// holds working memory in proportion to the directory for a
		// moment, and one after the other they do not add up.
		_ = s.WaitState(context.Background())
		_, _ = snap.HSDS()
	}()
	if old != nil {
		// Searches still running on the old index hold their own reader;
		// closing only stops new ones, and nothing takes the old pointer
		// any more. Give in-flight requests time to finish first. Only the
		// open bleve index is held meanwhile: the rest of the old snapshot
		// (its matcher, its document table, its catalog) goes as soon as
		// its last request.
		closeOld := old.Index.Closer()
		go func() {
			time.Sleep(30 * time.Second)
			_ = closeOld()
		}()
	}
	return snap, nil
}

// Status returns the outcome of the last reload.
func (s *Store) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	st.Errors = append([]string(nil), st.Errors...)
	return st
}
