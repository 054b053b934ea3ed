package snapshot

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// waitFor polls cond until it holds or ten seconds pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// watching starts a Watcher on a fresh directory and returns the directory
// and the number of reloads so far.
func watching(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "listings", "dc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := NewWatcher(dir, 50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(context.Context, []string) { n.Add(1) }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return dir, &n
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestWatcherReloads checks the changes that must lead to a reload: each
// case waits for one more reload than before.
func TestWatcherReloads(t *testing.T) {
	dir, n := watching(t)
	listing := filepath.Join(dir, "listings", "dc", "a.yaml")
	steps := []struct {
		name   string
		change func(t *testing.T)
	}{
		{"new file", func(t *testing.T) { write(t, listing, "id: a\n") }},
		{"edit in place", func(t *testing.T) { write(t, listing, "id: a\nname: A\n") }},
		{"editor save by rename", func(t *testing.T) {
			tmp := filepath.Join(dir, "listings", "dc", ".a.yaml.swp")
			write(t, tmp, "id: a\nname: B\n")
			if err := os.Rename(tmp, listing); err != nil {
				t.Fatal(err)
			}
		}},
		{"top-level file", func(t *testing.T) { write(t, filepath.Join(dir, "directory.yaml"), "name: X\n") }},
		{"new subdirectory", func(t *testing.T) {
			if err := os.Mkdir(filepath.Join(dir, "listings", "md"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"file in the new subdirectory", func(t *testing.T) { write(t, filepath.Join(dir, "listings", "md", "b.yaml"), "id: b\n") }},
		{"removal", func(t *testing.T) {
			if err := os.Remove(listing); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			before := n.Load()
			st.change(t)
			waitFor(t, "a reload after: "+st.name, func() bool { return n.Load() > before })
		})
	}
}

// TestWatcherDebounces checks that a burst of writes leads to fewer
// reloads than writes: the watcher waits for the directory to go quiet.
func TestWatcherDebounces(t *testing.T) {
	dir, n := watching(t)
	const writes = 30
	for i := range writes {
		write(t, filepath.Join(dir, "listings", "dc", "burst.yaml"), "id: burst\n# "+string(rune('a'+i%26))+"\n")
	}
	waitFor(t, "the reload after the burst", func() bool { return n.Load() > 0 })
	if got := n.Load(); got >= writes {
		t.Errorf("%d reloads for %d writes: not debounced", got, writes)
	}
}

func TestIgnored(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"listings/dc/a.yaml", false},
		{"directory.yaml", false},
		{"listings/dc/.a.yaml.swp", true},
		{"listings/dc/.a.yaml.123.tmp", true},
		{"listings/dc/a.yaml~", true},
		{"listings/dc/#a.yaml#", true},
		{"listings/dc/.#a.yaml", true},
		{"listings/dc/4913", true},
		{"listings/dc/a.yaml___jb_tmp___", true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := ignored(tt.path); got != tt.want {
				t.Errorf("ignored(%q) = %v, want %v", tt.path, got, tt.want)
			}
		})
	}
}

func TestRevisionSkipsDotFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.yaml"), "a")
	before, err := Revision(os.DirFS(dir))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".a.yaml.swp"), "swap")
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, ".git", "HEAD"), "ref")
	after, err := Revision(os.DirFS(dir))
	if err != nil || after != before {
		t.Errorf("dot files changed the revision: %s -> %s (%v)", before, after, err)
	}
	write(t, filepath.Join(dir, "a.yaml"), "b")
	if changed, _ := Revision(os.DirFS(dir)); changed == before {
		t.Error("a changed file kept the revision")
	}
}

// TestWatcherReportsChanges: the watcher tells which files changed since
// its last reload, ignored ones included (a backup~ is a data file to the
// revision), so that the reload looks at those alone.
func TestWatcherReportsChanges(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "listings", "dc"), 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := NewWatcher(dir, 50*time.Millisecond, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []string, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx, func(_ context.Context, changed []string) { got <- changed }) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	write(t, filepath.Join(dir, "listings", "dc", "a.yaml~"), "old")
	write(t, filepath.Join(dir, "listings", "dc", "a.yaml"), "id: a\n")
	write(t, filepath.Join(dir, "directory.yaml"), "name: X\n")
	want := []string{"directory.yaml", "listings/dc/a.yaml", "listings/dc/a.yaml~"}
	var seen []string
	waitFor(t, "the changes reported", func() bool {
		for {
			select {
			case c := <-got:
				if c == nil {
					t.Fatal("the watcher reported the changes unknown")
				}
				seen = append(seen, c...)
				slices.Sort(seen)
				seen = slices.Compact(seen)
			default:
				return slices.Equal(seen, want)
			}
		}
	})
}
