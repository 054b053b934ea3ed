package match

import (
	"context"
	"testing"
)

// TestPlaceInWords finds the place people type with their need: a ZIP code
// anywhere, a town after "in", "near" or "cerca de", or a town with its
// state's code; the rest is read as the need.
func TestPlaceInWords(t *testing.T) {
	_, m := dc(t)
	tests := []struct {
		text, label, state, rest string
	}{
		{text: "food pantry 20020", label: "ZIP 20020", state: "DC", rest: "food pantry"},
		{text: "food pantry near 20020", label: "ZIP 20020", state: "DC", rest: "food pantry"},
		{text: "detox in Silver Spring", label: "Silver Spring, MD", state: "MD", rest: "detox"},
		{text: "clinic arlington va", label: "Arlington, VA", state: "VA", rest: "clinic"},
		{text: "comida cerca de Alexandria", label: "Alexandria, VA", state: "VA", rest: "comida"},
		{text: "shelter in washington", label: "Washington, DC", state: "DC", rest: "shelter"},
		// A town name without "in" or its state is not taken for a place.
		{text: "columbia heights shelter"},
		{text: "food pantry 99999"},
		{text: "shelter in winter"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			p, rest := m.placeIn(tc.text)
			if tc.label == "" {
				if p != nil || rest != tc.text {
					t.Errorf("place %+v, rest %q", p, rest)
				}
				return
			}
			if p == nil {
				t.Fatalf("no place in %q", tc.text)
			}
			if p.Label != tc.label || p.State != tc.state || rest != tc.rest {
				t.Errorf("place %q (%s), rest %q; want %q (%s), %q", p.Label, p.State, rest, tc.label, tc.state, tc.rest)
			}
		})
	}
}

// TestSearchMeasuresFromTheTypedPlace searches for "food pantry 20020"
// with no place given: results are measured from ZIP 20020 (not the
// directory's centre), and the ZIP code is not an ignored word.
func TestSearchMeasuresFromTheTypedPlace(t *testing.T) {
	_, m := dc(t)
	res, err := m.Search(context.Background(), SearchRequest{Text: "food pantry 20020", Now: dcNow})
	if err != nil {
		t.Fatal(err)
	}
	if res.Centered || res.Place == nil || res.Place.ZIP != "20020" {
		t.Fatalf("place %+v, centered %v", res.Place, res.Centered)
	}
	if len(res.ReadAs.Ignored) > 0 || len(res.Hits) == 0 || res.Hits[0].Distance == nil {
		t.Fatalf("ignored %v, %d hits", res.ReadAs.Ignored, len(res.Hits))
	}
	if !contains(res.Hits[0].Service.Categories, "food.pantry") {
		t.Errorf("first hit %s in %v", res.Hits[0].Service.Key(), res.Hits[0].Service.Categories)
	}
	if *res.Hits[0].Distance > 5000 {
		t.Errorf("first pantry %.0f m from ZIP 20020", *res.Hits[0].Distance)
	}
}
