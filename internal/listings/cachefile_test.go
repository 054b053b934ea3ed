package listings

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"
	"unsafe"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/statefile"
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
	// In parts, as a store writes it, decoded at once.
	var buf bytes.Buffer
	n, err := first.Encode(&buf, (len(files)+1)/2)
	if err != nil {
		t.Fatal(err)
	}
	size := buf.Len()
	parts, err := statefile.Parts(buf.Bytes())
	if err != nil || len(parts) != n || n != 2 {
		t.Fatalf("%d parts written, %d read (%v); want 2", n, len(parts), err)
	}
	second := &Cache{Key: "k", Sums: sums}
	if err := second.Decode(parts...); err != nil {
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

	// A cache that is cut short, or changed, holds nothing.
	var whole bytes.Buffer
	if _, err := first.Encode(&whole, len(files)); err != nil {
		t.Fatal(err)
	}
	if _, err := statefile.Parts(whole.Bytes()[:whole.Len()/2]); err == nil {
		t.Error("a state file cut in half split into parts")
	}
	one, err := statefile.Parts(whole.Bytes())
	if err != nil || len(one) != 1 {
		t.Fatalf("%d parts (%v), want 1", len(one), err)
	}
	body := partBody(t, whole.Bytes())
	cut := &Cache{Key: "k", Sums: sums}
	if half, err := statefile.NewPart(body[:len(body)/2]); err == nil && cut.Decode(half) == nil {
		t.Error("a part cut in half decoded without an error")
	}
	if more, err := statefile.NewPart(append(slices.Clone(body), 0)); err != nil || cut.Decode(more) == nil {
		t.Errorf("a part with a byte more decoded without an error (%v)", err)
	}
	cut.Trust("k")
	if _, _, err := Load(fsys, with(cut)); err != nil || cut.Read() != len(files) {
		t.Errorf("after a failed decode a load read %d of %d files (%v)", cut.Read(), len(files), err)
	}
}

// TestCacheEveryField writes an organization with every field of every
// type it holds set, and reads it back equal: a field added to package
// directory and not to the cache's encoding fails here.
func TestCacheEveryField(t *testing.T) {
	n := 0
	var fill func(v reflect.Value, path string)
	fill = func(v reflect.Value, path string) {
		n++
		switch v.Type() {
		case reflect.TypeFor[*directory.Organization]():
			return // a back-pointer, set below
		case reflect.TypeFor[time.Time]():
			v.Set(reflect.ValueOf(time.Date(2020, 1, 2+n%20, 0, 0, 0, 0, time.UTC)))
			return
		case reflect.TypeFor[*time.Location]():
			loc, err := time.LoadLocation("America/Chicago")
			if err != nil {
				t.Fatal(err)
			}
			v.Set(reflect.ValueOf(loc))
			return
		}
		switch v.Kind() {
		case reflect.String:
			v.SetString(fmt.Sprintf("%s-%d", path, n))
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n))
		case reflect.Uint8:
			v.SetUint(uint64(n % 128))
		case reflect.Float64:
			v.SetFloat(float64(n) + 0.25)
		case reflect.Pointer:
			v.Set(reflect.New(v.Type().Elem()))
			fill(v.Elem(), path)
		case reflect.Slice:
			v.Set(reflect.MakeSlice(v.Type(), 2, 2))
			for i := range 2 {
				fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Array:
			for i := range v.Len() {
				fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					fill(v.Field(i), path+"."+f.Name)
				}
			}
		default:
			t.Fatalf("%s: no way to fill a %s", path, v.Type())
		}
	}
	org := &directory.Organization{}
	fill(reflect.ValueOf(org).Elem(), "org")
	for _, l := range org.Locations {
		l.Org = org
	}
	for _, s := range org.Services {
		s.Org = org
		s.Locations = []*directory.Location{org.Locations[1], org.Locations[0]}
	}
	no := false
	org.Locations[1].Wheelchair = &no

	c := &Cache{results: map[string]cachedListing{
		"listings/every.yaml": {sum: [32]byte{7}, r: listingResult{org: org, idPos: pos{3, 5}}},
	}}
	var buf bytes.Buffer
	if _, err := c.Encode(&buf, 10); err != nil {
		t.Fatal(err)
	}
	parts, err := statefile.Parts(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	back := &Cache{}
	if err := back.Decode(parts...); err != nil {
		t.Fatal(err)
	}
	got := back.results["listings/every.yaml"]
	if got.sum != [32]byte{7} || got.r.idPos != (pos{3, 5}) {
		t.Errorf("digest %x, id at %v; want 07..., {3 5}", got.sum[:1], got.r.idPos)
	}
	if !reflect.DeepEqual(got.r.org, org) {
		t.Errorf("the organization differs after it was written and read:\n got %+v\nwant %+v", got.r.org, org)
		for i := range org.Services {
			if !reflect.DeepEqual(got.r.org.Services[i], org.Services[i]) {
				t.Errorf("service %d:\n got %+v\nwant %+v", i, *got.r.org.Services[i], *org.Services[i])
			}
		}
		for i := range org.Locations {
			if !reflect.DeepEqual(got.r.org.Locations[i], org.Locations[i]) {
				t.Errorf("location %d:\n got %+v\nwant %+v", i, *got.r.org.Locations[i], *org.Locations[i])
			}
		}
	}
	if got.r.org.Services[0].Locations[0] != got.r.org.Locations[1] || got.r.org.Locations[0].Org != got.r.org {
		t.Error("the pointers among the organization's records were not rebuilt")
	}

	// Whatever a corrupt part holds, reading and decoding it fails or
	// succeeds; it never panics.
	whole := partBody(t, buf.Bytes())
	for cut := range len(whole) {
		if p, err := statefile.NewPart(whole[:cut]); err == nil {
			_, _ = decodePart(p)
		}
	}
	for i := range whole {
		bad := slices.Clone(whole)
		bad[i] ^= 0xff
		if p, err := statefile.NewPart(bad); err == nil {
			_, _ = decodePart(p)
		}
	}
}

// partBody returns the bytes of the only part of file, after its length.
func partBody(t *testing.T, file []byte) []byte {
	t.Helper()
	n, k := binary.Uvarint(file)
	if k <= 0 || int(n) != len(file)-k {
		t.Fatalf("the file is not one part: length %d, %d bytes after it", n, len(file)-k)
	}
	return file[k:]
}
