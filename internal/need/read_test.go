package need_test

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"trellis/internal/listings"
	"trellis/internal/need"
)

// bundled loads the bundled data's vocabulary.
func bundled(t *testing.T) *need.Vocabulary {
	t.Helper()
	cat, errs, err := listings.Load(os.DirFS("../../data"), listings.Options{})
	if err != nil || len(errs) > 0 {
		t.Fatalf("load data: %v %v", err, errs)
	}
	return need.NewVocabulary(cat.Taxonomy, cat.Vocabulary)
}

// fakeSpeller knows a few listing words.
type fakeSpeller map[string]bool

func (f fakeSpeller) Known(w string) bool { return f[w] }
func (f fakeSpeller) Suggest(w string, n int) []string {
	var out []string
	for k := range f {
		if len(out) < n && strings.HasPrefix(k, w[:2]) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func TestRead(t *testing.T) {
	v := bundled(t)
	sp := fakeSpeller{"released": true, "testing": true, "harriet": true, "tubman": true}
	tests := []struct {
		text        string
		cats        []string
		who, crisis []string
		purpose     []string
		urgent      bool
		terms       []string
		corrections map[string]string
	}{
		{text: "detox", cats: []string{"substance-use.detox"}},
		{text: "desintoxicación", cats: []string{"substance-use.detox"}},
		{text: "i relapsed", cats: []string{"substance-use"}},
		{text: "AA meeting", cats: []string{"mental-health.peer-support"}},
		{text: "suicide", cats: []string{"crisis.crisis-line"}, crisis: []string{"suicide"}},
		{text: "i want to kill myself", cats: []string{"crisis.crisis-line"}, crisis: []string{"suicide"}},
		{text: "quiero morir", cats: []string{"crisis.crisis-line"}, crisis: []string{"suicide"}},
		{text: "my boyfriend hits me", cats: []string{"crisis.domestic-violence"}, crisis: []string{"violence"}},
		{text: "a bed tonight", cats: []string{"housing.emergency-shelter"}, urgent: true},
		{text: "shleter", cats: []string{"housing.emergency-shelter"}, corrections: map[string]string{"shleter": "shelter"}},
		{text: "shelter for women", cats: []string{"housing.emergency-shelter"}, who: []string{"female"}},
		{text: "lgbtq", who: []string{"lgbtq"}},
		{text: "lgbtq youth shelter", cats: []string{"housing.emergency-shelter"}, who: []string{"lgbtq", "youth"}},
		{text: "someone to talk to", cats: []string{"mental-health.counseling"}},
		{text: "i need help with drinking", cats: []string{"substance-use"}},
		{text: "methadon clinic", cats: []string{"substance-use.opioid-treatment"}, corrections: map[string]string{"methadon": "methadone"}},
		{text: "Harriet Tubman shelter", cats: []string{"housing.emergency-shelter"}, terms: []string{"harriet", "tubman"}},
		{text: "necesito comida", cats: []string{"food"}},
		{text: "veteran housing", cats: []string{"housing"}, who: []string{"veterans"}},
		{text: "sober living", cats: []string{"housing.transitional-housing"}},
		{text: "narcan", cats: []string{"substance-use.harm-reduction"}},
		{text: "dental emergency", cats: []string{"healthcare.dental"}, urgent: true},
		{text: "emergency", cats: []string{"crisis"}, urgent: true},
		{text: "i feel like giving up", cats: []string{"crisis.crisis-line"}, crisis: []string{"suicide"}},
		// A word only part of longer phrases names the categories that
		// hold it about as often as the one that holds it most: "sleep" is
		// in many ways to ask for a bed and in "cant sleep".
		{text: "sleep", cats: []string{"housing.emergency-shelter"}, terms: []string{"sleep"}},
		// A slip toward a word that names a need wins over one as near
		// that does not ("later" only says when).
		{text: "free lawer", cats: []string{"legal.legal-aid"}, corrections: map[string]string{"lawer": "lawyer"}},
		// An everyday word stays as typed on its own, but not where the
		// word beside it makes it a slip for a phrase of needs.
		{text: "metal health", cats: []string{"mental-health"}, corrections: map[string]string{"metal": "mental"}},
		{text: "mental helth", cats: []string{"mental-health"}, corrections: map[string]string{"helth": "health"}},
		{text: "food panty", cats: []string{"food.pantry"}, corrections: map[string]string{"panty": "pantry"}},
		{text: "metal"},
		// A Spanish infinitive is the same word with a pronoun joined to
		// it ("bañarme" is a synonym) and without; a modal verb ("puedo")
		// names no need on its own.
		{text: "donde me puedo bañar", cats: []string{"basic-needs.showers"}},
		{text: "donde me puedo banar", cats: []string{"basic-needs.showers"}},
		// "seguro" alone is insurance far more often than it is safety: it
		// names the categories that hold it about half as often as the one
		// that holds it most, and no crisis.
		{text: "my son no tiene seguro", cats: []string{"income.health-insurance"}, who: []string{"families"}, terms: []string{"seguro"}},
		{text: "help for my grandma", who: []string{"seniors"}},
		// A phrase is the same phrase with or without an article or a
		// possessive inside it: "ride to the doctor" is a synonym of rides.
		{text: "ride to doctor", cats: []string{"transportation.rides"}},
		// A need named after "to" or "for" another says what that one is
		// for: the person asks for the ride, not the doctor.
		{text: "need a ride to my doctor", cats: []string{"transportation", "healthcare"}, purpose: []string{"healthcare"}},
		{text: "bus pass for work", cats: []string{"transportation.transit-fare", "employment"}, purpose: []string{"employment"}},
		{text: "necesito transporte para el doctor", cats: []string{"transportation", "healthcare"}, purpose: []string{"healthcare"}},
		{text: "transporte a doctor", cats: []string{"transportation", "healthcare"}, purpose: []string{"healthcare"}},
		{text: "food and a ride", cats: []string{"food", "transportation"}},
		{text: "food and clothes for my kids", cats: []string{"food", "basic-needs.clothing"}, who: []string{"families"}},
		{text: "viaje al doctor", cats: []string{"transportation.rides"}},
		{text: "transporte a la cita", cats: []string{"transportation.rides"}},
		{text: "transporte a cita", cats: []string{"transportation.rides"}},
	}
	ages := map[string]int{"17 and got kicked out": 17, "im 17 and homeless": 17, "I'm 19, need a bed": 19,
		"i am 70 need food": 70, "shelter for my son he is 16 years old": 16, "tengo 67 años necesito comida": 67}
	for text, want := range ages {
		if r := v.Read(text, sp); r.Age == nil || *r.Age != want || slices.Contains(r.Terms, strconv.Itoa(want)) {
			t.Errorf("%q: age %v, terms %v; want age %d and no number to look for", text, r.Age, r.Terms, want)
		} else if p := r.With(nil); p == nil || p.Age == nil || *p.Age != want {
			t.Errorf("%q: the person read has age %v, want %d", text, p, want)
		} else if given := 30; *r.With(&need.Person{Age: &given}).Age != 30 {
			t.Errorf("%q: the age the words say replaced the one given", text)
		}
	}
	for _, text := range []string{"bus 17", "shelter 20001", "7 days a week", "room 12 and 13", "i am 5 minutes away"} {
		if r := v.Read(text, sp); r.Age != nil {
			t.Errorf("%q: read age %d", text, *r.Age)
		}
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			r := v.Read(tc.text, sp)
			if !slices.Equal(r.Categories, tc.cats) {
				t.Errorf("categories = %v, want %v (%+v)", r.Categories, tc.cats, r.Words)
			}
			if !slices.Equal(r.Purpose, tc.purpose) {
				t.Errorf("purpose = %v, want %v", r.Purpose, tc.purpose)
			}
			if !slices.Equal(r.Who, tc.who) {
				t.Errorf("who = %v, want %v", r.Who, tc.who)
			}
			if !slices.Equal(r.Crisis, tc.crisis) {
				t.Errorf("crisis = %v, want %v", r.Crisis, tc.crisis)
			}
			if r.Urgent != tc.urgent {
				t.Errorf("urgent = %v, want %v", r.Urgent, tc.urgent)
			}
			if !slices.Equal(r.Terms, tc.terms) {
				t.Errorf("terms = %v, want %v", r.Terms, tc.terms)
			}
			if len(r.Corrections) != len(tc.corrections) {
				t.Errorf("corrections = %v, want %v", r.Corrections, tc.corrections)
			}
			for k, want := range tc.corrections {
				if r.Corrections[k] != want {
					t.Errorf("corrections = %v, want %v", r.Corrections, tc.corrections)
				}
			}
		})
	}
}

// TestImplausibleCorrections keeps words that are more likely meant as
// typed than slips: corrections to words under four letters, and
// corrections that change the first letter and something else.
func TestImplausibleCorrections(t *testing.T) {
	v := bundled(t)
	sp := fakeSpeller{"hex": true, "hexes": true, "clases": true, "her": true, "he": true}
	tests := []struct{ text, want string }{
		{text: "hexx", want: "hex"},       // one slip
		{text: "hrr", want: ""},           // too short to correct at all
		{text: "herr", want: "hear"},      // a vocabulary word, not "her", which says nothing
		{text: "hexxes", want: "hexes"},   // one slip, same first letter
		{text: "klassez", want: ""},       // first letter and another edit: not "clases"
		{text: "klases", want: "clases"},  // a first-letter slip alone is corrected
		{text: "clasess", want: "clases"}, // two slips after the first letter
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			r := v.Read(tc.text, sp)
			if got := r.Corrections[tc.text]; got != tc.want {
				t.Errorf("corrected to %q, want %q (%v)", got, tc.want, r.Corrections)
			}
		})
	}
}

// TestEverydayWordsAreMeantAsTyped reads words of everyday English and
// Spanish that the listings do not hold but hold a word one slip away:
// none is corrected, and a head word alone names no need.
func TestEverydayWordsAreMeantAsTyped(t *testing.T) {
	v := bundled(t)
	sp := fakeSpeller{"tina": true, "coming": true, "user": true, "tell": true}
	tests := []struct {
		text string
		cats []string
	}{
		{text: "tiny home", cats: []string{"housing"}},
		{text: "cooling", cats: []string{"basic-needs.day-center"}},
		{text: "cell"},
		{text: "senior center"},
		// A plural of an everyday word is one too: "años" typed without
		// its tilde is not a slip for "baños".
		{text: "mi hijo de 17 anos"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			r := v.Read(tc.text, sp)
			if len(r.Corrections) > 0 {
				t.Errorf("corrected %v", r.Corrections)
			}
			if !slices.Equal(r.Categories, tc.cats) {
				t.Errorf("categories = %v, want %v", r.Categories, tc.cats)
			}
		})
	}
	for _, w := range []string{"shleter", "methadon", "conseling", "docter"} {
		if need.Common(w) {
			t.Errorf("%q is in the everyday word lists: it would never be corrected", w)
		}
	}
}

// TestKnownWordsAreNeverCorrected reads every protected and vocabulary
// word alone: none may be corrected.
func TestKnownWordsAreNeverCorrected(t *testing.T) {
	v := bundled(t)
	sp := fakeSpeller{"released": true, "testing": true, "sobel": true, "meting": true}
	for _, w := range v.Words() {
		if r := v.Read(w, sp); len(r.Corrections) > 0 {
			t.Errorf("%q was corrected to %v", w, r.Corrections)
		}
	}
}
