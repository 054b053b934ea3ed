package httpapi_test

import (
	"os"
	"testing"

	"go.yaml.in/yaml/v3"

	"trellis/internal/match"
)

// TestOpenAPIMatchLimits checks that the limits the OpenAPI document
// gives for a match request are the matcher's: how many results and how
// many excluded services a need lists at most, and by default.
func TestOpenAPIMatchLimits(t *testing.T) {
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type bound struct {
		Minimum *int `yaml:"minimum"`
		Maximum *int `yaml:"maximum"`
		Default *int `yaml:"default"`
	}
	var doc struct {
		Components struct {
			Schemas struct {
				MatchRequest struct {
					Properties struct {
						Limit         bound `yaml:"limit"`
						ExcludedLimit bound `yaml:"excluded_limit"`
					} `yaml:"properties"`
				} `yaml:"MatchRequest"`
			} `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	props := doc.Components.Schemas.MatchRequest.Properties
	for _, tc := range []struct {
		name string
		got  bound
		want [3]int
	}{
		{"limit", props.Limit, [3]int{1, match.MaxLimit, match.DefaultLimit}},
		{"excluded_limit", props.ExcludedLimit, [3]int{0, match.MaxExcludedLimit, match.DefaultExcludedLimit}},
	} {
		name, got, want := tc.name, tc.got, tc.want
		if got.Minimum == nil || got.Maximum == nil || got.Default == nil {
			t.Errorf("MatchRequest.%s: minimum, maximum and default not all documented", name)
			continue
		}
		if [3]int{*got.Minimum, *got.Maximum, *got.Default} != want {
			t.Errorf("MatchRequest.%s documents minimum %d, maximum %d, default %d; the matcher's are %d, %d, %d",
				name, *got.Minimum, *got.Maximum, *got.Default, want[0], want[1], want[2])
		}
	}
}
