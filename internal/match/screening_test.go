package match

import (
	"strings"
	"testing"

	"trellis/internal/apperr"
)

func TestScreen(t *testing.T) {
	tests := []struct {
		name    string
		answers map[string][]string
		want    []string // categories found, in order
		field   string   // the field of the expected error
	}{
		{name: "nothing", answers: nil},
		{name: "all well", answers: map[string][]string{"living-situation": {"steady"}, "housing-problems": {"none"},
			"food-worry": {"never"}, "food-ran-out": {"never"}, "transportation": {"no"}, "utilities": {"no"},
			"safety-hurt": {"never"}, "safety-insult": {"never"}, "safety-threaten": {"never"}, "safety-scream": {"never"}}},
		{name: "no steady place", answers: map[string][]string{"living-situation": {"not-steady"}}, want: []string{"housing.emergency-shelter"}},
		{name: "worried about losing it", answers: map[string][]string{"living-situation": {"worried"}}, want: []string{"housing.rent-assistance"}},
		{name: "mold and no heat", answers: map[string][]string{"housing-problems": {"mold", "heat"}}, want: []string{"legal.legal-aid", "housing.utilities"}},
		{name: "food sometimes", answers: map[string][]string{"food-worry": {"sometimes"}, "food-ran-out": {"often"}}, want: []string{"food"}},
		{name: "transportation and shut-off", answers: map[string][]string{"transportation": {"yes"}, "utilities": {"already-shut-off"}},
			want: []string{"transportation", "housing.utilities"}},
		{name: "safety at the threshold", answers: map[string][]string{"safety-hurt": {"sometimes"}, "safety-insult": {"sometimes"},
			"safety-threaten": {"rarely"}, "safety-scream": {"sometimes"}}, want: []string{"crisis.domestic-violence"}},
		{name: "safety below the threshold", answers: map[string][]string{"safety-hurt": {"rarely"}, "safety-insult": {"sometimes"},
			"safety-threaten": {"rarely"}, "safety-scream": {"sometimes"}}},
		{name: "unknown question", answers: map[string][]string{"income": {"yes"}}, field: "screening.income"},
		{name: "unknown answer", answers: map[string][]string{"transportation": {"maybe"}}, field: "screening.transportation"},
		{name: "two answers to one", answers: map[string][]string{"transportation": {"yes", "no"}}, field: "screening.transportation"},
		{name: "none with a problem", answers: map[string][]string{"housing-problems": {"none", "mold"}}, field: "screening.housing-problems"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Screen(tt.answers)
			if tt.field != "" {
				if e := apperr.As(err); e == nil || e.Field != tt.field {
					t.Fatalf("error %v, want one on %s", err, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var cats []string
			for _, n := range got {
				cats = append(cats, n.Category)
			}
			if strings.Join(cats, ",") != strings.Join(tt.want, ",") {
				t.Errorf("needs %v, want %v", cats, tt.want)
			}
		})
	}
}

// TestQuestionsAreComplete checks the encoding of the tool: ten questions
// in five domains, each question and option worded in English and
// Spanish.
func TestQuestionsAreComplete(t *testing.T) {
	qs := Questions()
	if len(qs) != 10 {
		t.Fatalf("%d questions, want 10", len(qs))
	}
	domains := map[string]int{}
	for _, q := range qs {
		domains[q.Domain]++
		for _, lang := range []string{"en", "es"} {
			if q.Text[lang] == "" {
				t.Errorf("%s has no %s wording", q.ID, lang)
			}
			for _, o := range q.Options {
				if o.Text[lang] == "" {
					t.Errorf("%s/%s has no %s wording", q.ID, o.ID, lang)
				}
			}
		}
	}
	want := map[string]int{DomainHousing: 2, DomainFood: 2, DomainTransportation: 1, DomainUtilities: 1, DomainSafety: 4}
	for d, n := range want {
		if domains[d] != n {
			t.Errorf("%s has %d questions, want %d", d, domains[d], n)
		}
	}
}
