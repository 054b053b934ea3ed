package directory

import "testing"

// TestServiceKeyKept: a catalog keeps each service's key on the service,
// so a later catalog sharing it, and Key, make no new string; a copy of
// the service given another organization or id has its own key.
func TestServiceKeyKept(t *testing.T) {
	org := &Organization{ID: "food-bank"}
	s := &Service{ID: "pantry", Org: org}
	org.Services = []*Service{s}
	tax := NewTaxonomy(nil)
	if _, err := NewCatalog(Info{}, tax, []*Organization{org}); err != nil {
		t.Fatal(err)
	}
	if got := s.Key(); got != "food-bank.pantry" {
		t.Fatalf("key %q", got)
	}
	if n := testing.AllocsPerRun(10, func() { _ = s.Key() }); n != 0 {
		t.Errorf("Key of a catalogued service allocates %v times", n)
	}
	again, err := NewCatalog(Info{}, tax, []*Organization{org})
	if err != nil {
		t.Fatal(err)
	}
	if again.Service("food-bank.pantry") != s {
		t.Error("the second catalog does not find the shared service by its key")
	}

	moved := *s
	moved.Org = &Organization{ID: "food-bank-2"}
	if got := moved.Key(); got != "food-bank-2.pantry" {
		t.Errorf("a copy under another organization has key %q", got)
	}
	renamed := *s
	renamed.ID = "pantry2"
	if got := renamed.Key(); got != "food-bank.pantry2" {
		t.Errorf("a copy with another id has key %q", got)
	}
	// Same lengths, other letters: the kept key is not taken for it.
	other := *s
	other.Org = &Organization{ID: "food-bonk"}
	if got := other.Key(); got != "food-bonk.pantry" {
		t.Errorf("a copy under an organization of the same length has key %q", got)
	}
}
