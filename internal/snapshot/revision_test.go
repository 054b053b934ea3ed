package snapshot

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRevisionRereadsOnlyWhatMayHaveChanged: a revision taken with the
// previous digests reads again a file whose size or time changed, and a
// file changed so soon after it was read that its time may not show it
// (same size, within racyWindow); a file older than that, unchanged, is
// not read again.
func TestRevisionRereadsOnlyWhatMayHaveChanged(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.yaml"), filepath.Join(dir, "b.yaml")
	write(t, a, "name: one")
	write(t, b, "name: two")
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{a, b} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	fsys := os.DirFS(dir)
	rev1, sums, err := revision(fsys, nil, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if full, _ := Revision(fsys); full != rev1 {
		t.Fatalf("Revision %s, revision %s", full, rev1)
	}

	// Unchanged and old: taken from the digests (a wrong digest planted
	// for a shows it was not read).
	planted := sums["a.yaml"]
	planted.sum[0] ^= 0xff
	sums["a.yaml"] = planted
	rev2, sums2, err := revision(fsys, sums, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if rev2 == rev1 || sums2["a.yaml"].sum != planted.sum {
		t.Fatal("an old unchanged file was read again")
	}

	// Same size, rewritten just now: read again.
	write(t, a, "name: uno")
	_, sums3, err := revision(fsys, sums2, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	rev4, sums4, err := revision(fsys, sums3, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := Revision(fsys); rev4 != want || sums4["a.yaml"].sum == sums["a.yaml"].sum {
		t.Errorf("a file rewritten at its size within the racy window: revision %s, want %s", rev4, want)
	}
}
