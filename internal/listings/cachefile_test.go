package listings

import (
	"bytes"
	"encoding/gob"
	"os"
	"reflect"
	"slices"
	"testing"
	"unsafe"

	"trellis/internal/geo"
)

// TestCacheEncodeDecode writes the cache of a load of the bundled data,
// and of the test data with its own time zones and service areas, and
// reads it back into an empty one: a load from it reads no file and
// builds a catalog equal to the first, field by field.
func TestCacheEncodeDecode(t *testing.T) {
	gaz, err := geo.Load(os.DirFS("../../data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("bundled", func(t *testing.T) { testCacheEncodeDecode(t, "../../data", Options{Places: gaz}) })
	t.Run("good", func(t *testing.T) {
		testCacheEncodeDecode(t, "testdata/good", Options{Now: testNow, Places: testPlaces})
	})
}

func testCacheEncodeDecode(t *testing.T, dir string, opt Options) {
	fsys := os.DirFS(dir)
	with := func(c *Cache) Options {
		o := opt
		o.Cache = c
		return o
	}
	files, err := ListingFiles(fsys)
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string][32]byte{}
	for i, f := range files {
		sums[f] = [32]byte{byte(i), byte(i >> 8)}
	}
	first := &Cache{Key: "k", Sums: sums}
	want, errs, err := Load(fsys, with(first))
	if err != nil || len(errs) > 0 {
		t.Fatalf("load: %v %v", err, errs)
	}
	// In two parts, as a store writes it, decoded at once.
	var a, b bytes.Buffer
	if err := first.Encode(gob.NewEncoder(&a), 0, 2); err != nil {
		t.Fatal(err)
	}
	if err := first.Encode(gob.NewEncoder(&b), 1, 2); err != nil {
		t.Fatal(err)
	}
	size := a.Len() + b.Len()
	second := &Cache{Key: "k", Sums: sums}
	if err := second.Decode(gob.NewDecoder(&a), gob.NewDecoder(&b)); err != nil {
		t.Fatal(err)
	}
	second.Trust("k")
	got, errs, err := Load(fsys, with(second))
	if err != nil || len(errs) > 0 {
		t.Fatalf("load from the decoded cache: %v %v", err, errs)
	}
	if second.Read() != 0 {
		t.Errorf("the load from the decoded cache read %d files, want 0", second.Read())
	}
	if len(got.Organizations) != len(want.Organizations) || len(want.Organizations) == 0 {
		t.Fatalf("%d organizations, want %d", len(got.Organizations), len(want.Organizations))
	}
	for i, o := range want.Organizations {
		if !reflect.DeepEqual(got.Organizations[i], o) {
			t.Errorf("organization %s differs after the cache was written and read", o.ID)
		}
	}
	t.Logf("%d files in %d bytes", len(files), size)
	// Strings the listings repeat are shared, as the YAML decoder shares
	// them: one copy in each part.
	shared := map[string][]*byte{}
	for _, o := range got.Organizations {
		for _, sv := range o.Services {
			for _, c := range sv.Categories {
				if p := unsafe.StringData(c); !slices.Contains(shared[c], p) {
					shared[c] = append(shared[c], p)
				}
				if len(shared[c]) > 2 {
					t.Fatalf("category %q of %s is a copy of its own", c, sv.Key())
				}
			}
		}
	}

	// A cache that is cut short holds nothing.
	var short bytes.Buffer
	if err := first.Encode(gob.NewEncoder(&short), 0, 1); err != nil {
		t.Fatal(err)
	}
	cut := &Cache{Key: "k", Sums: sums}
	if err := cut.Decode(gob.NewDecoder(bytes.NewReader(short.Bytes()[:short.Len()/2]))); err == nil {
		t.Error("a cache cut in half decoded without an error")
	}
	cut.Trust("k")
	if _, _, err := Load(fsys, with(cut)); err != nil || cut.Read() != len(files) {
		t.Errorf("after a failed decode a load read %d of %d files (%v)", cut.Read(), len(files), err)
	}
}
