// Package testkit has the helpers several packages' tests share: data
// directories built from the bundled settings with a test's own listings,
// and a log buffer safe for a server's goroutines.
package testkit

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"trellis/data"
)

// DataDir writes a data directory into a temp dir: the bundled
// directory.yaml, taxonomy.yaml, vocabulary.yaml, geo/ and the meeting
// type table (meetingguide/), plus each tree in trees copied over it (a
// tree holds listings/ and any polygon files). It returns the directory; a
// failure to write ends the test.
func DataDir(tb testing.TB, trees ...fs.FS) string {
	tb.Helper()
	dir := tb.TempDir()
	for _, f := range []string{"directory.yaml", "taxonomy.yaml", "vocabulary.yaml", "geo", "meetingguide"} {
		CopyTree(tb, data.FS, f, filepath.Join(dir, f))
	}
	for _, t := range trees {
		CopyTree(tb, t, ".", dir)
	}
	return dir
}

// CopyTree copies the file or tree at root of src to the path to.
func CopyTree(tb testing.TB, src fs.FS, root, to string) {
	tb.Helper()
	err := fs.WalkDir(src, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := fs.ReadFile(src, p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		tb.Fatalf("testkit: copy %s: %v", root, err)
	}
}

// Buffer is a bytes.Buffer safe for concurrent writers, for a server's
// log or a process's output.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
