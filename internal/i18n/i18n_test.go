package i18n_test

import (
	"testing"

	"trellis/internal/i18n"
)

// TestCatalogsInStep checks that English and Spanish have the same keys
// and the same {placeholders} for each key.
func TestCatalogsInStep(t *testing.T) {
	if diffs := i18n.Default.Check(); len(diffs) > 0 {
		for _, d := range diffs {
			t.Error(d)
		}
	}
}

func TestMatchAndT(t *testing.T) {
	tests := []struct {
		name, explicit, accept, want string
	}{
		{name: "explicit wins", explicit: "es", accept: "en-US", want: "es"},
		{name: "unsupported explicit falls to header", explicit: "fr", accept: "es-MX,es;q=0.9", want: "es"},
		{name: "header region variant", accept: "es-419", want: "es"},
		{name: "no match is English", accept: "de-DE", want: "en"},
		{name: "nothing is English", want: "en"},
		{name: "malformed header is English", accept: ";;;q=x", want: "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := i18n.Default.Match(tc.explicit, tc.accept); got != tc.want {
				t.Errorf("Match(%q, %q) = %q, want %q", tc.explicit, tc.accept, got, tc.want)
			}
		})
	}
	if got := i18n.Default.T("es", "open.until", "time", "19:00"); got != "Abierto hasta las 19:00" {
		t.Errorf("T es open.until = %q", got)
	}
	if got := i18n.Default.T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key = %q, want the key itself", got)
	}
}
