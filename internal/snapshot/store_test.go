package snapshot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"trellis/internal/snapshot"
	"trellis/internal/testkit"
)

const goodListing = `id: pantry
name: Corner Pantry
locations:
  - id: main
    address: {street: 300 A St SE, city: Washington, state: DC, zip: "20003"}
    point: {lat: 38.888, lon: -77.001}
services:
  - id: groceries
    name: Free groceries
    categories: [food.pantry]
    at: [main]
`

// TestStoreReload walks a store through a first load, an unchanged
// reload, a broken edit (twice) and its fix: the snapshot serving only
// ever changes to data that loads cleanly.
func TestStoreReload(t *testing.T) {
	ctx := context.Background()
	dir := testkit.DataDir(t)
	file := filepath.Join(dir, "listings", "dc", "pantry.yaml")
	write := func(s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(goodListing)
	store := snapshot.NewStore(os.DirFS(dir), func() time.Time { return time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC) })
	if store.Current() != nil {
		t.Fatal("a new store serves a snapshot before loading")
	}

	first, err := store.Reload(ctx)
	if err != nil || first == nil || first.Catalog.ServiceCount() != 1 || first.Matcher == nil {
		t.Fatalf("first load: %v %+v", err, first)
	}
	t.Cleanup(func() { store.Current().Index.Close() })

	again, err := store.Reload(ctx)
	if err != nil || again != first {
		t.Fatalf("reload of unchanged files gave a new snapshot (%v)", err)
	}

	write(strings.Replace(goodListing, "food.pantry", "food.pantri", 1))
	for i := 1; i <= 2; i++ {
		snap, err := store.Reload(ctx)
		if !errors.Is(err, snapshot.ErrDataInvalid) || snap != first || store.Current() != first {
			t.Fatalf("broken reload %d: %v; serving %p, want the first snapshot %p", i, err, store.Current(), first)
		}
		st := store.Status()
		if st.OK || st.Failures != i || len(st.Errors) != 1 || !strings.Contains(st.Errors[0], "listings/dc/pantry.yaml:") ||
			!strings.Contains(st.Errors[0], `unknown category "food.pantri"`) {
			t.Fatalf("broken reload %d: status %+v", i, st)
		}
	}

	write(strings.Replace(goodListing, "Corner Pantry", "Corner Food Pantry", 1))
	fixed, err := store.Reload(ctx)
	if err != nil || fixed == first || fixed.Revision == first.Revision || !store.Status().OK {
		t.Fatalf("fixed reload: %v, status %+v", err, store.Status())
	}
	if got := fixed.Catalog.Organization("pantry").Name; got != "Corner Food Pantry" {
		t.Errorf("serving %q after the fix", got)
	}
}

// TestReloadChanged: a reload told which files changed (as the watcher
// reports them) comes to the snapshot a reload looking at every file
// comes to, for each kind of change; a directory that came or went has it
// look at every file.
func TestReloadChanged(t *testing.T) {
	ctx := context.Background()
	dir := testkit.DataDir(t)
	listing := func(id, name string) string {
		return strings.Replace(strings.Replace(goodListing, "id: pantry", "id: "+id, 1), "Corner Pantry", name, 1)
	}
	at := func(rel string) string { return filepath.Join(dir, filepath.FromSlash(rel)) }
	put := func(rel, text string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(at(rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(at(rel), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	move := func(from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}
	put("listings/dc/pantry.yaml", listing("pantry", "Corner Pantry"))
	store := snapshot.NewStore(os.DirFS(dir), time.Now)
	if _, err := store.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Current().Index.Close() })
	outside := t.TempDir()
	steps := []struct {
		name    string
		change  func()
		changed []string
		names   []string // the services' organizations, sorted
	}{
		{"edit", func() { put("listings/dc/pantry.yaml", listing("pantry", "Edited Pantry")) },
			[]string{"listings/dc/pantry.yaml"}, []string{"Edited Pantry"}},
		{"new file", func() { put("listings/dc/second.yaml", listing("second", "Second Pantry")) },
			[]string{"listings/dc/second.yaml"}, []string{"Edited Pantry", "Second Pantry"}},
		{"backup and swap files", func() {
			put("listings/dc/second.yaml~", "old")
			put("listings/dc/.second.yaml.swp", "swap")
		}, []string{"listings/dc/.second.yaml.swp", "listings/dc/second.yaml~"}, []string{"Edited Pantry", "Second Pantry"}},
		{"removal", func() {
			if err := os.Remove(at("listings/dc/second.yaml")); err != nil {
				t.Fatal(err)
			}
		}, []string{"listings/dc/second.yaml"}, []string{"Edited Pantry"}},
		{"a directory moved in", func() {
			if err := os.MkdirAll(filepath.Join(outside, "md"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(outside, "md", "third.yaml"), []byte(listing("third", "Third Pantry")), 0o644); err != nil {
				t.Fatal(err)
			}
			move(filepath.Join(outside, "md"), at("listings/md"))
		}, []string{"listings/md"}, []string{"Edited Pantry", "Third Pantry"}},
		{"a directory moved away", func() { move(at("listings/md"), filepath.Join(outside, "md")) },
			[]string{"listings/md"}, []string{"Edited Pantry"}},
		{"nothing", func() {}, []string{}, []string{"Edited Pantry"}},
	}
	for _, st := range steps {
		st.change()
		snap, err := store.ReloadChanged(ctx, st.changed)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		want, err := snapshot.Revision(os.DirFS(dir))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range snap.Catalog.Organizations {
			names = append(names, o.Name)
		}
		slices.Sort(names)
		if snap.Revision != want || !slices.Equal(names, st.names) {
			t.Errorf("%s: revision %s, organizations %q; want %s, %q", st.name, snap.Revision, names, want, st.names)
		}
	}
}
