package listings

import (
	"crypto/sha256"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"trellis/internal/directory"
)

// sumsOf returns the digests of the listing files of fsys.
func sumsOf(t *testing.T, fsys fstest.MapFS) map[string][32]byte {
	t.Helper()
	out := map[string][32]byte{}
	for name, f := range fsys {
		if strings.HasPrefix(name, ListingsDir+"/") {
			out[name] = sha256.Sum256(f.Data)
		}
	}
	return out
}

// TestCacheRereadsOnlyChangedFiles: with a Cache, a load reads again only
// the listing files whose digest changed, shares the others'
// organizations, keeps a broken file's errors, and reads everything again
// under another key.
func TestCacheRereadsOnlyChangedFiles(t *testing.T) {
	fsys := syntheticData(t, 30)
	c := &Cache{Key: "settings-1"}
	load := func(wantRead int) (*directory.Catalog, []Error) {
		t.Helper()
		c.Sums = sumsOf(t, fsys)
		cat, errs, err := Load(fsys, Options{Now: testNow, Places: testPlaces, Cache: c})
		if err != nil {
			t.Fatal(err)
		}
		if c.Read() != wantRead {
			t.Fatalf("read %d files, want %d", c.Read(), wantRead)
		}
		return cat, errs
	}
	first, errs := load(30)
	if len(errs) > 0 || len(first.Organizations) != 30 {
		t.Fatalf("first load: %d organizations, %v", len(first.Organizations), errs)
	}

	again, _ := load(0)
	if again.Organization("org-4") != first.Organization("org-4") {
		t.Error("an unchanged file's organization was built again")
	}

	edited := "listings/area-3/org-3.yaml"
	fsys[edited].Data = []byte(strings.Replace(string(fsys[edited].Data), "name: Harbor House", "name: Harbor House East", 1))
	third, errs := load(1)
	if len(errs) > 0 || third.Organization("org-3").Name != "Harbor House East" || third.Organization("org-3") == first.Organization("org-3") {
		t.Errorf("the edited file: name %q, errors %v", third.Organization("org-3").Name, errs)
	}
	if third.Organization("org-5") != first.Organization("org-5") {
		t.Error("an unchanged file's organization was built again after another file's edit")
	}

	broken := "listings/area-5/org-5.yaml"
	fsys[broken].Data = []byte(strings.Replace(string(fsys[broken].Data), "id: org-5", "id: Org 5!", 1))
	_, errs = load(1)
	_, errsAgain := load(0)
	if len(errs) == 0 || !slices.Equal(errs, errsAgain) || !strings.HasPrefix(errs[0].Path, broken) {
		t.Errorf("a broken file: errors %v, then from the cache %v", errs, errsAgain)
	}

	c.Key = "settings-2"
	load(30)
}
