package match

import (
	"context"
	"maps"
	"testing"

	"trellis/internal/need"
)

// TestAllExcluded checks that a profile asking for every excluded service
// gets them all, nearest first as the first few are, whatever its
// ExcludedLimit, while ExcludedLimit itself stays within the API's bound.
func TestAllExcluded(t *testing.T) {
	snap, m := dc(t)
	// A child looking for a shelter: most of them are for adults.
	p := veteranProfile(t, snap, "en", "shelter")
	p.Person = &need.Person{Age: ptr(8)}
	p.ExcludedLimit = 2
	few, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	total := few.Needs[0].ExcludedTotal
	if total <= 2 || len(few.Needs[0].Excluded) != 2 {
		t.Fatalf("%d excluded listed of %d; the test needs more than 2", len(few.Needs[0].Excluded), total)
	}
	p.AllExcluded = true
	all, err := m.Match(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	got := all.Needs[0].Excluded
	if len(got) != total || all.Needs[0].ExcludedTotal != total {
		t.Fatalf("AllExcluded listed %d of %d (total %d)", len(got), total, all.Needs[0].ExcludedTotal)
	}
	// Past 2*limit+listSlack excluded the list is cut back as it
	// grows: the first few must still be the nearest, and the counts of
	// every one.
	if total <= 2*2+listSlack {
		t.Fatalf("%d excluded; the test needs more than %d", total, 2*2+listSlack)
	}
	if !maps.Equal(few.Needs[0].ExcludedCounts, all.Needs[0].ExcludedCounts) {
		t.Errorf("excluded counts: %v with the first two, %v with all", few.Needs[0].ExcludedCounts, all.Needs[0].ExcludedCounts)
	}
	for i, x := range few.Needs[0].Excluded {
		if got[i].Service.Key() != x.Service.Key() {
			t.Errorf("excluded %d: %s with all, %s with the first two", i, got[i].Service.Key(), x.Service.Key())
		}
	}
	p.AllExcluded, p.ExcludedLimit = false, MaxExcludedLimit+1
	if _, err := m.Match(context.Background(), p); err == nil {
		t.Errorf("excluded_limit %d accepted", MaxExcludedLimit+1)
	}
}
