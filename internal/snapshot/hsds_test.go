package snapshot

import (
	"context"
	"os"
	"testing"
	"time"

	"trellis/internal/directory"
)

// TestReloadBuildsHSDS: a snapshot swapped in builds its HSDS form
// without anyone asking for it (once its load state is written), and HSDS
// gives the same dataset to every caller.
func TestReloadBuildsHSDS(t *testing.T) {
	s := NewStore(os.DirFS("../../data"), time.Now)
	snap, err := s.Reload(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the HSDS form to be built", snap.hsdsReady.Load)
	ds, err := snap.HSDS()
	if err != nil {
		t.Fatal(err)
	}
	again, _ := snap.HSDS()
	if ds == nil || ds != again {
		t.Fatalf("HSDS gave %p then %p", ds, again)
	}
	n := 0
	snap.Catalog.Services(func(cs *directory.Service) {
		if svc := ds.ServiceOf(cs); svc != nil && ds.Service(svc.ID) != nil {
			n++
		}
	})
	if want := snap.Catalog.ServiceCount(); n != want {
		t.Errorf("%d HSDS services found by id for %d in the catalog", n, want)
	}
}
