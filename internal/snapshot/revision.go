package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"trellis/internal/listings"
)

// fileSum is what is known of one data file: its size and modification
// time when it was read, its content digest, and when it was read.
type fileSum struct {
	size   int64
	mod    time.Time
	sum    [sha256.Size]byte
	readAt time.Time
}

// racyWindow is how close to the moment a file was read its modification
// time may be for the digest to be trusted again without reading it: a
// file changed twice within the file system's time granularity, keeping
// its size, would otherwise look unchanged (git calls these "racily
// clean").
const racyWindow = 2 * time.Second

// fresh reports whether f still describes a file of info: same size and
// modification time, and a modification time well before the read.
func (f fileSum) fresh(info fs.FileInfo) bool {
	return !f.mod.IsZero() && info.Size() == f.size && info.ModTime().Equal(f.mod) && f.readAt.Sub(f.mod) > racyWindow
}

// Revision returns a short digest over the paths and contents of every
// regular file in fsys, in path order. Files and directories whose names
// start with a dot (.git, editor swap files) are left out: nothing loads
// them.
func Revision(fsys fs.FS) (string, error) {
	rev, _, err := revision(fsys, nil, time.Now)
	return rev, err
}

// revision is Revision reading again only the files prev does not know
// as they are now (see fileSum.fresh); it also returns the digests of
// this revision's files, by path.
func revision(fsys fs.FS, prev map[string]fileSum, now func() time.Time) (string, map[string]fileSum, error) {
	files, err := dataFiles(fsys)
	if err != nil {
		return "", nil, err
	}
	return files.revision(fsys, prev, now, nil)
}

// fileList is the data files of a directory, in path order.
type fileList []fileEntry

// fileEntry is a data file's path and type bits (fs.ModeSymlink for a
// link). Its size and time are looked up when a revision is worked out,
// not kept from the listing: a national directory lists 51k files.
type fileEntry struct {
	path string
	typ  fs.FileMode
}

// dataFiles lists the files a revision covers: every regular file of fsys
// and every link to one, but those whose names, or whose directories'
// names, start with a dot (.git, editor swap files), which nothing loads.
func dataFiles(fsys fs.FS) (fileList, error) {
	var files fileList
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != "." && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if isDataFile(fsys, p, d.Type()) {
			files = append(files, fileEntry{p, d.Type()})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("snapshot: list data files: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	return files, nil
}

// isDataFile reports whether the entry at p, of type typ, is a data file:
// a regular file, or a link to one. A link to a file is the file (the
// loaders follow it); one that leads nowhere, or to a directory, is left
// to them.
func isDataFile(fsys fs.FS, p string, typ fs.FileMode) bool {
	if typ&fs.ModeSymlink != 0 {
		info, err := fs.Stat(fsys, p)
		return err == nil && info.Mode().IsRegular()
	}
	return typ.IsRegular()
}

// changed returns files with the files at paths (slash-separated, in
// fsys) looked at again: in the list when they are data files now, out of
// it when not. It returns false when a path is a directory, or was one,
// or cannot be looked at: then only listing every file again is sure.
func (files fileList) changed(fsys fs.FS, paths []string) (fileList, bool) {
	out := slices.Clone(files)
	for _, p := range paths {
		if slices.ContainsFunc(strings.Split(p, "/"), func(name string) bool { return strings.HasPrefix(name, ".") }) {
			continue // as dataFiles, which leaves dotted names out
		}
		at, listed := slices.BinarySearchFunc(out, p, func(f fileEntry, p string) int { return strings.Compare(f.path, p) })
		info, err := fs.Lstat(fsys, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			// A directory that went (moved away whole, its files
			// without events of their own) had files listed under it.
			if at < len(out) && strings.HasPrefix(out[at].path, p+"/") {
				return nil, false
			}
			if listed {
				out = slices.Delete(out, at, at+1)
			}
			continue
		case err != nil || info.IsDir():
			return nil, false
		}
		isFile := isDataFile(fsys, p, info.Mode().Type())
		switch e := (fileEntry{p, info.Mode().Type()}); {
		case isFile && listed:
			out[at] = e
		case isFile:
			out = slices.Insert(out, at, e)
		case listed:
			out = slices.Delete(out, at, at+1)
		}
	}
	return out, true
}

// revision is the package's revision function over files, listed before.
// only, when not nil, are the files that may have changed since prev was
// read: the others are taken to be as prev has them, without looking.
func (files fileList) revision(fsys fs.FS, prev map[string]fileSum, now func() time.Time, only map[string]bool) (string, map[string]fileSum, error) {
	// Each file is looked at (and read when it may have changed) on one
	// of a few goroutines: a reload of a national directory looks at 51k
	// files, and the calls into the kernel dominate.
	got := make([]fileSum, len(files))
	var g errgroup.Group
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		g.Go(func() error {
			for i := w; i < len(files); i += workers {
				f := files[i]
				if fsum, ok := prev[f.path]; ok && only != nil && !only[f.path] {
					got[i] = fsum
					continue
				}
				var info fs.FileInfo
				var err error
				if f.typ&fs.ModeSymlink != 0 {
					info, err = fs.Stat(fsys, f.path)
				} else {
					info, err = fs.Lstat(fsys, f.path)
				}
				if err != nil {
					return fmt.Errorf("snapshot: read %s: %w", f.path, err)
				}
				fsum, ok := prev[f.path]
				if !ok || !fsum.fresh(info) {
					if fsum, err = digest(fsys, f.path, info, now()); err != nil {
						return err
					}
				}
				got[i] = fsum
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return "", nil, err
	}
	sums := make(map[string]fileSum, len(files))
	h := sha256.New()
	for i, f := range files {
		sums[f.path] = got[i]
		io.WriteString(h, f.path)
		h.Write([]byte{0})
		h.Write(got[i].sum[:])
	}
	return hex.EncodeToString(h.Sum(nil))[:12], sums, nil
}

// digest reads the file at p and returns its fileSum.
func digest(fsys fs.FS, p string, info fs.FileInfo, at time.Time) (fileSum, error) {
	f, err := fsys.Open(p)
	if err != nil {
		return fileSum{}, fmt.Errorf("snapshot: read %s: %w", p, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fileSum{}, fmt.Errorf("snapshot: read %s: %w", p, err)
	}
	out := fileSum{size: info.Size(), mod: info.ModTime(), readAt: at}
	copy(out.sum[:], h.Sum(nil))
	return out, nil
}

// sameFiles reports whether each of paths has the same digest in a and b,
// or is missing from both.
func sameFiles(a, b map[string]fileSum, paths ...string) bool {
	for _, p := range paths {
		x, inA := a[p]
		y, inB := b[p]
		if inA != inB || x.sum != y.sum {
			return false
		}
	}
	return true
}

// isListing reports whether path p is a listing file.
func isListing(p string) bool {
	return strings.HasPrefix(p, listings.ListingsDir+"/") && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml"))
}

// settingsKey is a digest of every file but the listing files (settings,
// taxonomy, gazetteer, polygons, meetings) and of the day:
// what checking a listing file depends on besides its own contents. The
// results of listing files checked under the same key can be reused.
func settingsKey(sums map[string]fileSum, day string) string {
	paths := make([]string, 0, 16)
	for p := range sums {
		if !isListing(p) {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00", day)
	for _, p := range paths {
		s := sums[p].sum
		fmt.Fprintf(h, "%s\x00", p)
		h.Write(s[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// listings returns the digests of the listing files among files, and
// their paths in path order (the files' order).
func (files fileList) listings(sums map[string]fileSum) (map[string][sha256.Size]byte, []string) {
	out := make(map[string][sha256.Size]byte, len(files))
	var paths []string
	for _, f := range files {
		if isListing(f.path) {
			out[f.path] = sums[f.path].sum
			paths = append(paths, f.path)
		}
	}
	return out, paths
}
