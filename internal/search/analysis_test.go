package search

import (
	"reflect"
	"testing"
)

func TestAnalyzer(t *testing.T) {
	ix := fixtureIndex(t)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"possessive and plural", "Women's Shelters", []string{"women", "shelter"}},
		{"query syntax is separators", `name:( AND title:{a TO z}`, []string{"name", "title", "z"}},
		{"times", "AA meeting 7:30", []string{"aa", "meeting", "7", "30"}},
		{"accents folded", "Atención médica, niños", []string{"atencion", "medica", "nino"}},
		{"quotes trimmed", `'quoted' "words"`, []string{"quoted", "word"}},
		{"hyphen splits", "drop-in center", []string{"drop", "center"}},
		{"ies plural", "Food pantries", []string{"food", "pantry"}},
		{"spanish stop words", "ayuda con la renta", []string{"ayuda", "renta"}},
		{"curly apostrophe", "Children’s clinic", []string{"children", "clinic"}},
		{"empty", " ?! ", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ix.text.analyze(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("analyze(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"place to sleep", []string{"place", "to", "sleep"}},
		{"+food -pantry^2", []string{"food", "pantry", "2"}},
		{"'bed' tonight!", []string{"bed", "tonight"}},
		{"don't", []string{"don't"}},
		{"", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := splitWords(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("splitWords(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
