package snapshot

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"trellis/internal/listings"
)

// BenchmarkReload measures what a coordinator waits for: a reload after
// an edit to one listing (reload-one-ms: the revision, reading and
// checking the one file, updating a copy of the index, the matcher), and
// the first load on an empty state directory (cold-s) and a restart that
// reopens the index and reads no listing file (warm-s). The data is the bundled directory, or the
// one TRELLIS_BENCH_DATA names (for example an imported copy of the
// national package), copied into a temporary directory so that the edits
// never touch it. It asserts nothing about time: `make
// bench` prints the numbers.
func BenchmarkReload(b *testing.B) {
	src := "../../data"
	if dir := os.Getenv("TRELLIS_BENCH_DATA"); dir != "" {
		src = dir
	}
	data := filepath.Join(b.TempDir(), "data")
	if err := os.CopyFS(data, os.DirFS(src)); err != nil {
		b.Fatal(err)
	}
	// Files as a data directory has them, last changed well before a
	// reload: fresh copies would all be read again as "racily clean".
	old := time.Now().Add(-time.Hour)
	err := filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			err = os.Chtimes(p, old, old)
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	files, err := listings.ListingFiles(os.DirFS(data))
	if err != nil || len(files) == 0 {
		b.Fatalf("no listing files in %s: %v", src, err)
	}
	edited := filepath.Join(data, filepath.FromSlash(files[len(files)/2]))
	orig, err := os.ReadFile(edited)
	if err != nil {
		b.Fatal(err)
	}
	idx := filepath.Join(b.TempDir(), "index")
	ctx := context.Background()

	t0 := time.Now()
	s := NewStore(os.DirFS(data), time.Now)
	s.IndexDir = idx
	if _, err := s.Reload(ctx); err != nil {
		b.Fatal(err)
	}
	cold := time.Since(t0)
	// The restart finds the load state the first load leaves.
	if err := s.WaitState(ctx); err != nil {
		b.Fatal(err)
	}
	t0 = time.Now()
	warm := NewStore(os.DirFS(data), time.Now)
	warm.IndexDir = idx
	snap, err := warm.Reload(ctx)
	if err != nil {
		b.Fatal(err)
	}
	warmTime := time.Since(t0)
	if snap.IndexFrom != IndexReopened || snap.ListingsRead != 0 {
		b.Fatalf("restart: index %s, %d listing files read; want reopened, 0", snap.IndexFrom, snap.ListingsRead)
	}

	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		// An edit comes after a quiet spell: what the last reload left
		// to do in the background (the load state, the HSDS model, the
		// old index's close) is not part of the next one.
		if err := s.WaitState(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Current().HSDS(); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		text := strings.Replace(string(orig), "\nname: ", fmt.Sprintf("\nname: Edit %d ", i), 1)
		if err := os.WriteFile(edited, []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		// As the watcher asks for it, naming the file that changed.
		snap, err := s.ReloadChanged(ctx, []string{files[len(files)/2]})
		if err != nil {
			b.Fatal(err)
		}
		if snap.ListingsRead != 1 || snap.IndexFrom != IndexUpdated {
			b.Fatalf("reload %d: %d listing files read, index %s; want 1, updated", i, snap.ListingsRead, snap.IndexFrom)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "reload-one-ms")
	b.ReportMetric(cold.Seconds(), "cold-s")
	b.ReportMetric(warmTime.Seconds(), "warm-s")
	b.ReportMetric(float64(snap.Catalog.ServiceCount()), "services")
}
