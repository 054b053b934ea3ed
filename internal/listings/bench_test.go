package listings

import (
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// syntheticData returns a data directory of n listing files, each a copy of
// the good fixture harbor-house with its own id, in 50 area folders.
func syntheticData(tb testing.TB, n int) fstest.MapFS {
	tb.Helper()
	good := os.DirFS("testdata/good")
	m := fstest.MapFS{}
	for _, f := range []string{"directory.yaml", "taxonomy.yaml", "areas/ward8.geojson"} {
		data, err := fs.ReadFile(good, f)
		if err != nil {
			tb.Fatal(err)
		}
		m[f] = &fstest.MapFile{Data: data}
	}
	tmpl, err := fs.ReadFile(good, "listings/dc/harbor-house.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	for i := range n {
		id := fmt.Sprintf("org-%d", i)
		data := strings.Replace(string(tmpl), "id: harbor-house", "id: "+id, 1)
		m[fmt.Sprintf("listings/area-%d/%s.yaml", i%50, id)] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{700, 10_000, 50_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			fsys := syntheticData(b, n)
			b.ResetTimer()
			for b.Loop() {
				cat, errs, err := Load(fsys, Options{Now: testNow, Places: testPlaces})
				if err != nil || len(errs) > 0 || len(cat.Organizations) != n {
					b.Fatalf("Load: %v %v", errs[:min(3, len(errs))], err)
				}
			}
		})
	}
}

// TestLoadDeterministic loads the broken tree, whose files are checked in
// parallel, several times and expects the same errors in the same order.
func TestLoadDeterministic(t *testing.T) {
	var first []Error
	for i := range 5 {
		_, errs, err := Load(os.DirFS("testdata/broken"), Options{Now: testNow, Places: testPlaces})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = errs
			continue
		}
		if fmt.Sprint(errs) != fmt.Sprint(first) {
			t.Fatalf("run %d gave different errors", i)
		}
	}
}

// TestLoadSynthetic loads a few hundred generated files: every one becomes
// an organization, in id order.
func TestLoadSynthetic(t *testing.T) {
	fsys := syntheticData(t, 300)
	got, errs, err := Load(fsys, Options{Now: testNow, Places: testPlaces})
	if err != nil || len(errs) > 0 {
		t.Fatalf("Load: %v %v", errs, err)
	}
	if len(got.Organizations) != 300 || got.ServiceCount() != 600 {
		t.Errorf("organizations, services = %d, %d", len(got.Organizations), got.ServiceCount())
	}
	for i := 1; i < len(got.Organizations); i++ {
		if got.Organizations[i-1].ID >= got.Organizations[i].ID {
			t.Fatalf("organizations not sorted at %d", i)
		}
	}
}

// TestLoadProgress: Progress hears of the listing files first, then of
// every one of them once.
func TestLoadProgress(t *testing.T) {
	fsys := syntheticData(t, 120)
	var mu sync.Mutex
	var calls, total, last int
	_, errs, err := Load(fsys, Options{Now: testNow, Places: testPlaces, Progress: func(done, n int) {
		mu.Lock()
		defer mu.Unlock()
		if calls == 0 && done != 0 {
			t.Errorf("first call done=%d, want 0", done)
		}
		calls++
		total, last = n, max(last, done)
	}})
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	if total != 120 || last != 120 || calls != 121 {
		t.Errorf("total %d, last %d, calls %d", total, last, calls)
	}
}
