package snapshot

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestReloadBuildsHSDS: a snapshot swapped in starts building its HSDS
// form at once, without anyone asking for it, and HSDS gives the same
// dataset to every caller.
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
	if got, want := len(ds.Services), snap.Catalog.ServiceCount(); got != want {
		t.Errorf("%d HSDS services for %d in the catalog", got, want)
	}
}
