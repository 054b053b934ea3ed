package snapshot_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trellis/data"
	"trellis/internal/snapshot"
	"trellis/internal/testkit"
)

// bundled returns a copy of the bundled data directory, listings and all.
func bundled(t *testing.T) string {
	t.Helper()
	dir := testkit.DataDir(t)
	testkit.CopyTree(t, data.FS, "listings", filepath.Join(dir, "listings"))
	return dir
}

// indexStore returns a store over a copy of the bundled data whose
// indexes are kept in indexDir.
func indexStore(t *testing.T, dataDir, indexDir string) *snapshot.Store {
	t.Helper()
	s := snapshot.NewStore(os.DirFS(dataDir), time.Now)
	s.IndexDir = indexDir
	s.PruneError = func(err error) { t.Errorf("prune: %v", err) }
	s.StateWritten = func(err error) {
		if err != nil {
			t.Errorf("write the load state: %v", err)
		}
	}
	return s
}

// load reloads s and returns its snapshot once the load state it writes
// is written, closing the index at the end of the test.
func load(t *testing.T, s *snapshot.Store) *snapshot.Snapshot {
	t.Helper()
	snap, err := s.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WaitState(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snap.Index.Close() })
	return snap
}

// hits returns the keys of the documents the words find, best first.
func hits(t *testing.T, snap *snapshot.Snapshot, words ...string) []string {
	t.Helper()
	res, err := snap.Index.Text(context.Background(), words, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, h := range res.Hits {
		out = append(out, snap.Index.Docs()[h.Doc].Key)
	}
	if len(out) == 0 {
		t.Fatalf("%q finds nothing", words)
	}
	return out
}

// writeFile writes data to path, making its directory.
func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// entries returns the names in dir.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

// TestIndexKeptByRevision: the first start builds the index on disk under
// the data's revision, a restart on the same files reopens it and finds
// the same documents, and a change builds the new revision's index.
func TestIndexKeptByRevision(t *testing.T) {
	data, idx := bundled(t), t.TempDir()
	first := load(t, indexStore(t, data, idx))
	if first.IndexFrom != snapshot.IndexBuilt {
		t.Fatal("the first start reopened an index")
	}
	if got := entries(t, idx); !slices.Equal(got, []string{first.Revision}) {
		t.Fatalf("index directory holds %q, want the revision %s", got, first.Revision)
	}
	again := load(t, indexStore(t, data, idx))
	if again.IndexFrom != snapshot.IndexReopened || again.Revision != first.Revision {
		t.Fatalf("restart on the same files: reused %v, revision %s (first %s)", again.IndexFrom, again.Revision, first.Revision)
	}
	for _, q := range [][]string{{"shelter"}, {"food", "pantry"}, {"detox"}} {
		if a, b := hits(t, first, q...), hits(t, again, q...); !slices.Equal(a, b) {
			t.Errorf("%q: built index finds %d, reopened %d", q, len(a), len(b))
		}
	}

	// A new listing: a new revision, a new index, and the old one kept
	// until the next reload (requests may still read it).
	writeFile(t, filepath.Join(data, "listings", "dc", "pantry.yaml"), goodListing)
	s := indexStore(t, data, idx)
	s2 := load(t, s)
	if s2.IndexFrom != snapshot.IndexBuilt || s2.Revision == first.Revision {
		t.Fatalf("changed files: reused %v, revision %s", s2.IndexFrom != snapshot.IndexBuilt, s2.Revision)
	}
	if got := hits(t, s2, "corner", "pantry"); got[0] != "pantry.groceries\x00main" {
		t.Errorf("the new listing is not found first: %q", got)
	}
	if got := entries(t, idx); !slices.Equal(got, []string{s2.Revision}) {
		t.Errorf("after a first load the directory holds %q, want only %s", got, s2.Revision)
	}
}

// TestIndexCutShortIsRebuilt: what a build killed part way leaves (a
// .partial directory) is never opened, and an index that does not open or
// holds other documents is built again; the rebuilt index finds what a
// fresh build finds.
func TestIndexCutShortIsRebuilt(t *testing.T) {
	data := bundled(t)
	want := hits(t, load(t, indexStore(t, data, t.TempDir())), "shelter")
	rev, err := snapshot.Revision(os.DirFS(data))
	if err != nil {
		t.Fatal(err)
	}
	for name, spoil := range map[string]func(t *testing.T, idx string){
		"killed during the build": func(t *testing.T, idx string) {
			writeFile(t, filepath.Join(idx, rev+".partial", "root.bolt"), "half written")
		},
		"unreadable index": func(t *testing.T, idx string) {
			writeFile(t, filepath.Join(idx, rev, "root.bolt"), "not a bolt file")
		},
		"empty index directory": func(t *testing.T, idx string) {
			if err := os.MkdirAll(filepath.Join(idx, rev), 0o700); err != nil {
				t.Fatal(err)
			}
		},
		"index of other listings": func(t *testing.T, idx string) {
			other := testkit.DataDir(t)
			writeFile(t, filepath.Join(other, "listings", "dc", "pantry.yaml"), goodListing)
			snap := load(t, indexStore(t, other, idx))
			snap.Index.Close()
			if err := os.Rename(filepath.Join(idx, snap.Revision), filepath.Join(idx, rev)); err != nil {
				t.Fatal(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			idx := t.TempDir()
			spoil(t, idx)
			snap := load(t, indexStore(t, data, idx))
			if snap.IndexFrom != snapshot.IndexBuilt {
				t.Fatal("a spoilt index was reopened")
			}
			if got := hits(t, snap, "shelter"); !slices.Equal(got, want) {
				t.Errorf("rebuilt index finds %d documents for shelter, a fresh build %d", len(got), len(want))
			}
			if got := entries(t, idx); !slices.Equal(got, []string{rev}) {
				t.Errorf("index directory holds %q, want only %s", got, rev)
			}
		})
	}
}

// TestIndexUpdatedOnReload: a reload after an edit to one listing, a new
// listing and a removed one reads those files alone and updates a copy of
// the served index, which then finds what an index built from scratch on
// the same files finds; the served snapshot's index is left as it was.
func TestIndexUpdatedOnReload(t *testing.T) {
	data, idx := bundled(t), t.TempDir()
	s := indexStore(t, data, idx)
	first := load(t, s)
	before := hits(t, first, "shelter")

	files, err := filepath.Glob(filepath.Join(data, "listings", "dc", "*.yaml"))
	if err != nil || len(files) < 3 {
		t.Fatalf("listing files: %v %v", files, err)
	}
	edited, removed := files[0], files[1]
	b, err := os.ReadFile(edited)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, edited, strings.Replace(string(b), "\nname: ", "\nname: Zebrafinch ", 1))
	if err := os.Remove(removed); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(data, "listings", "dc", "pantry.yaml"), goodListing)

	second := load(t, s)
	if second.IndexFrom != snapshot.IndexUpdated || second.ListingsRead != 2 {
		t.Fatalf("reload: index %q, %d listing files read; want updated, 2 (the edited and the new)", second.IndexFrom, second.ListingsRead)
	}
	fresh := load(t, indexStore(t, data, t.TempDir()))
	if fresh.IndexFrom != snapshot.IndexBuilt || fresh.Revision != second.Revision {
		t.Fatalf("fresh build: %q, revision %s (updated %s)", fresh.IndexFrom, fresh.Revision, second.Revision)
	}
	for _, q := range [][]string{{"shelter"}, {"zebrafinch"}, {"corner", "pantry"}, {"food"}, {"detox"}, {"clinic"}} {
		if a, b := hits(t, second, q...), hits(t, fresh, q...); !slices.Equal(a, b) {
			t.Errorf("%q: the updated index finds %q, a fresh build %q", q, a, b)
		}
	}
	if got := hits(t, first, "shelter"); !slices.Equal(got, before) {
		t.Error("the served snapshot's index changed under it")
	}
}

// TestRestartReadsNoListing: a restart on unchanged files takes every
// listing from the load state the last process left, reads none, reopens
// the index and finds what the first process found; a listing changed
// while no process ran is the one file read. A load state that does not
// decode is ignored: every listing is read, and the results are the same.
func TestRestartReadsNoListing(t *testing.T) {
	data, idx := bundled(t), t.TempDir()
	first := load(t, indexStore(t, data, idx))
	if first.ListingsRead == 0 {
		t.Fatal("the first start read no listing")
	}
	again := load(t, indexStore(t, data, idx))
	if again.ListingsRead != 0 || again.IndexFrom != snapshot.IndexReopened || again.Revision != first.Revision {
		t.Fatalf("restart: %d listing files read, index %s, revision %s; want 0, reopened, %s",
			again.ListingsRead, again.IndexFrom, again.Revision, first.Revision)
	}
	if a, b := again.Catalog.ServiceCount(), first.Catalog.ServiceCount(); a != b {
		t.Errorf("restart: %d services, first start %d", a, b)
	}
	for _, q := range [][]string{{"shelter"}, {"food", "pantry"}, {"detox"}} {
		if a, b := hits(t, first, q...), hits(t, again, q...); !slices.Equal(a, b) {
			t.Errorf("%q: first start finds %d, restart %d", q, len(a), len(b))
		}
	}

	files, err := filepath.Glob(filepath.Join(data, "listings", "dc", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("listing files: %v %v", files, err)
	}
	b, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, files[0], strings.Replace(string(b), "\nname: ", "\nname: Zebrafinch ", 1))
	edited := load(t, indexStore(t, data, idx))
	if edited.ListingsRead != 1 {
		t.Errorf("restart after an edit read %d listing files, want 1", edited.ListingsRead)
	}
	if got := hits(t, edited, "zebrafinch"); len(got) == 0 {
		t.Error("the edit made while no process ran is not found")
	}

	writeFile(t, filepath.Join(idx, "load-state"), "not a load state")
	spoilt := load(t, indexStore(t, data, idx))
	if spoilt.ListingsRead != len(edited.Catalog.Organizations) {
		t.Errorf("with a spoilt load state %d listing files were read, want all %d", spoilt.ListingsRead, len(edited.Catalog.Organizations))
	}
	for _, q := range [][]string{{"shelter"}, {"zebrafinch"}} {
		if a, b := hits(t, edited, q...), hits(t, spoilt, q...); !slices.Equal(a, b) {
			t.Errorf("%q: with a spoilt load state %d found, before %d", q, len(b), len(a))
		}
	}
}

// TestLinkedListing: a listing file that is a symbolic link to a file
// elsewhere is loaded like any other, and a change to the file it leads
// to is a new revision that reloads it.
func TestLinkedListing(t *testing.T) {
	data, outside := bundled(t), t.TempDir()
	target := filepath.Join(outside, "pantry.yaml")
	writeFile(t, target, goodListing)
	if err := os.Symlink(target, filepath.Join(data, "listings", "dc", "pantry.yaml")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	s := indexStore(t, data, t.TempDir())
	first := load(t, s)
	if got := hits(t, first, "corner", "pantry"); len(got) == 0 {
		t.Fatal("the linked listing is not loaded")
	}
	writeFile(t, target, strings.Replace(goodListing, "\nname: ", "\nname: Zebrafinch ", 1))
	// The change must not fall within the racy window of the first read.
	old := time.Now().Add(-time.Minute)
	if err := os.Chtimes(target, old, old); err != nil {
		t.Fatal(err)
	}
	second := load(t, s)
	if second.Revision == first.Revision || second.ListingsRead != 1 {
		t.Fatalf("after the linked file changed: revision %s (was %s), %d listing files read; want a new revision, 1", second.Revision, first.Revision, second.ListingsRead)
	}
	if got := hits(t, second, "zebrafinch"); len(got) == 0 {
		t.Error("the change to the linked file is not found")
	}
}
