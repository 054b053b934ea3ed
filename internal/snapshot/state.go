package snapshot

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"trellis/internal/listings"
	"trellis/internal/statefile"
)

// A store with an IndexDir also keeps there what its last load knew of
// the data files (their digests, as revision reads them, and what checking
// each listing file gave, as listings.Cache holds it), so that a restart
// on unchanged files reads none of them again: it looks at each file's
// size and time, as a reload does, reuses the checked listings and reopens
// the index. Reading and checking the YAML of a national directory is most
// of the time a start takes.
//
// The file is only ever a cache. It is written beside the indexes after
// each load that swapped a snapshot in, to a temporary name first and
// renamed over the last one, so a crash leaves the old file or the new
// one. It is not used when it was written by another build of Trellis
// (the types it holds may have changed), under other settings, taxonomy
// or gazetteer files, or on a later day than today; a file that does not
// decode is ignored, and the data is read as on a first start.
const stateName = "load-state"

// stateFormat is the version of the state file's layout: a state file
// (package statefile) whose first part is the header (stateHeader, written
// by writeHeader) and whose other parts are the listings cache
// (listings.Cache.Encode).
const stateFormat = 4

// stateFilesPerPart is how many listing files' results a part of the
// state file holds: the writer holds a part in memory, and the reader
// decodes the parts at once, one per core.
const stateFilesPerPart = 4096

// stateHeader opens the state file; the listings cache follows it.
type stateHeader struct {
	Format int
	// Binary says which build of Trellis wrote the file.
	Binary string
	// Revision is the data's revision when it was written.
	Revision string
	// Settings is the settings key without the day (settingsKey(sums,
	// "")); Day is the day, in the directory's zone, the listings were
	// checked on. A listing valid on one day is valid on every later day.
	Settings string
	Day      string
	// Sums are the data files' digests, by path.
	Sums map[string]fileSum
}

func (h *stateHeader) write(w *statefile.Writer) {
	w.Uint(uint64(h.Format))
	w.String(h.Binary)
	w.String(h.Revision)
	w.String(h.Settings)
	w.String(h.Day)
	paths := slices.Sorted(maps.Keys(h.Sums))
	w.Uint(uint64(len(paths)))
	for _, p := range paths {
		s := h.Sums[p]
		w.String(p)
		w.Int(s.size)
		w.Time(s.mod)
		w.Time(s.readAt)
		w.Bytes(s.sum[:])
	}
}

// readHeader reads what write wrote; its Sums only when the header is of
// this format and binary.
func readHeader(part statefile.Part, binary string) (stateHeader, error) {
	r := part.Reader()
	h := stateHeader{Format: int(r.Uint()), Binary: r.String()}
	if h.Format != stateFormat || h.Binary != binary {
		return h, errors.New("written by another build of Trellis")
	}
	h.Revision, h.Settings, h.Day = r.String(), r.String(), r.String()
	n := r.Count()
	h.Sums = make(map[string]fileSum, n)
	for range n {
		p := r.String()
		s := fileSum{size: r.Int(), mod: r.Time(), readAt: r.Time()}
		r.Bytes(s.sum[:])
		h.Sums[p] = s
	}
	if r.Err() == nil && !r.Done() {
		return h, errors.New("bytes after the header")
	}
	return h, r.Err()
}

// binaryID names the running executable by its path, size and time: a
// rebuilt binary has another. It is "" when the executable cannot be
// found, and then no state is read or written.
var binaryID = sync.OnceValue(func() string {
	exe, err := os.Executable()
	if err != nil {
		return ""
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s|%d|%d", exe, fi.Size(), fi.ModTime().UnixNano())
})

// savedState is a state file read: its header, and the parts of the
// listings cache still to decode.
type savedState struct {
	header stateHeader
	cache  []statefile.Part
}

// openState reads the state file in dir and decodes its header. It
// returns nil when there is none or it is not usable by this binary.
func openState(dir string) *savedState {
	// A write cut short (a crash, kill -9) leaves its temporary file.
	if stale, _ := filepath.Glob(filepath.Join(dir, stateName+".*.partial")); len(stale) > 0 {
		for _, p := range stale {
			os.Remove(p)
		}
	}
	id := binaryID()
	if id == "" {
		return nil
	}
	f, err := os.Open(filepath.Join(dir, stateName))
	if err != nil {
		return nil
	}
	defer f.Close()
	parts, err := statefile.ReadParts(f)
	if err != nil || len(parts) < 2 {
		return nil
	}
	h, err := readHeader(parts[0], id)
	if err != nil {
		return nil
	}
	return &savedState{header: h, cache: parts[1:]}
}

// stateWriter writes state files one at a time, the latest asked for
// last: a burst of reloads writes the first and the last.
type stateWriter struct {
	mu      sync.Mutex
	pending func()
	// idle is closed when no write is running; nil before the first.
	idle chan struct{}
}

// write runs w now or, when a write is running, after it, replacing any
// write still waiting.
func (sw *stateWriter) write(w func()) {
	sw.mu.Lock()
	defer sw.mu.Unlock()
	sw.pending = w
	if sw.idle != nil {
		select {
		case <-sw.idle:
		default:
			return // the running loop takes it
		}
	}
	idle := make(chan struct{})
	sw.idle = idle
	go func() {
		for {
			sw.mu.Lock()
			w := sw.pending
			sw.pending = nil
			if w == nil {
				close(idle)
				sw.mu.Unlock()
				return
			}
			sw.mu.Unlock()
			w()
		}
	}()
}

// wait returns when no write is running or waiting, or with ctx's error
// when ctx ends first.
func (sw *stateWriter) wait(ctx context.Context) error {
	sw.mu.Lock()
	idle := sw.idle
	sw.mu.Unlock()
	if idle == nil {
		return nil
	}
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeState writes the state file into dir (see stateFormat): header
// h, then the listings cache c, to a temporary file renamed into place.
func writeState(dir string, h stateHeader, c *listings.Cache) (err error) {
	tmp, err := os.CreateTemp(dir, stateName+".*.partial")
	if err != nil {
		return fmt.Errorf("snapshot: write the load state: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("snapshot: write the load state: %w", err)
		}
	}()
	w := bufio.NewWriterSize(tmp, 1<<20)
	hw := statefile.NewWriter()
	h.write(hw)
	if _, err := hw.WriteTo(w); err != nil {
		return err
	}
	if _, err := c.Encode(w, stateFilesPerPart); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, stateName))
}
