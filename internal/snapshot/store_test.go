package snapshot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
