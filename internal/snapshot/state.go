package snapshot

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/gob"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
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

// stateFormat is the version of the state file's layout: 8 bytes giving
// where the second part starts (big-endian), then a gob stream of the
// header and the first part of the listings cache, then a gob stream of
// its second part. The parts are decoded at once, one per core.
const stateFormat = 3

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
	Sums     map[string]savedSum
}

// savedSum is a fileSum as written.
type savedSum struct {
	Size   int64
	Mod    time.Time
	Sum    [32]byte
	ReadAt time.Time
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

// savedState is a state file being read: its header, and the decoder
// positioned at the listings cache.
type savedState struct {
	header stateHeader
	sums   map[string]fileSum
	// dec reads the first part of the listings cache, dec2 the second.
	dec, dec2 *gob.Decoder
	f         *os.File
}

// openState opens the state file in dir and reads its header. It returns
// nil when there is none or it is not usable by this binary.
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
	var prefix [8]byte
	fi, err := f.Stat()
	if err == nil {
		_, err = io.ReadFull(f, prefix[:])
	}
	second := int64(binary.BigEndian.Uint64(prefix[:]))
	if err != nil || second < int64(len(prefix)) || second > fi.Size() {
		f.Close()
		return nil
	}
	part := func(from, to int64) *gob.Decoder {
		return gob.NewDecoder(bufio.NewReaderSize(io.NewSectionReader(f, from, to-from), 1<<20))
	}
	st := &savedState{f: f, dec: part(int64(len(prefix)), second), dec2: part(second, fi.Size())}
	if err := st.dec.Decode(&st.header); err != nil || st.header.Format != stateFormat || st.header.Binary != id {
		f.Close()
		return nil
	}
	st.sums = make(map[string]fileSum, len(st.header.Sums))
	for p, s := range st.header.Sums {
		st.sums[p] = fileSum{size: s.Size, mod: s.Mod, sum: s.Sum, readAt: s.ReadAt}
	}
	st.header.Sums = nil
	return st
}

// close closes the file.
func (st *savedState) close() {
	if st != nil {
		st.f.Close()
	}
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
// h, then the two parts encode writes, to a temporary file renamed into
// place.
func writeState(dir string, h stateHeader, encode func(enc *gob.Encoder, part, parts int) error) (err error) {
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
	var prefix [8]byte
	if _, err := tmp.Write(prefix[:]); err != nil {
		return err
	}
	w := bufio.NewWriterSize(tmp, 1<<20)
	enc := gob.NewEncoder(w)
	if err := enc.Encode(h); err != nil {
		return err
	}
	if err := encode(enc, 0, 2); err != nil {
		return err
	}
	// The second part, a gob stream of its own, starts where the first
	// ends.
	if err := w.Flush(); err != nil {
		return err
	}
	second, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if err := encode(gob.NewEncoder(w), 1, 2); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	binary.BigEndian.PutUint64(prefix[:], uint64(second))
	if _, err := tmp.WriteAt(prefix[:], 0); err != nil {
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
