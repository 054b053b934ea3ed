package i18n_test

import (
	"strings"
	"testing"
	"testing/fstest"

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

// TestPlurals checks that plural messages take the form the language's
// rules give, from the catalogs and from a catalog with a form missing.
func TestPlurals(t *testing.T) {
	tests := []struct {
		name, lang, key string
		args            []string
		want            string
	}{
		{name: "en one", lang: "en", key: "match.ago.days", args: []string{"n", "1"}, want: "1 day ago"},
		{name: "en other", lang: "en", key: "match.ago.days", args: []string{"n", "2"}, want: "2 days ago"},
		{name: "en zero is other", lang: "en", key: "match.ago.days", args: []string{"n", "0"}, want: "0 days ago"},
		{name: "es one", lang: "es", key: "match.ago.days", args: []string{"n", "1"}, want: "hace 1 día"},
		{name: "es other", lang: "es", key: "match.ago.years", args: []string{"n", "8"}, want: "hace 8 años"},
		{name: "count argument", lang: "es", key: "results.count", args: []string{"count", "1"}, want: "1 servicio"},
		{name: "count argument other", lang: "en", key: "results.count", args: []string{"count", "12"}, want: "12 services"},
		{name: "no number is other", lang: "en", key: "results.count", args: []string{"count", "many"}, want: "many services"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := i18n.Default.T(tc.lang, tc.key, tc.args...); got != tc.want {
				t.Errorf("T(%s, %s, %q) = %q, want %q", tc.lang, tc.key, tc.args, got, tc.want)
			}
		})
	}
}

// TestLoadRefusesBadPlurals checks that a plural message without "other"
// or with an unknown form is refused with the file named.
func TestLoadRefusesBadPlurals(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{name: "no other", yaml: "a:\n  one: x\n", want: `without "other"`},
		{name: "unknown form", yaml: "a:\n  plenty: x\n  other: y\n", want: "not a plural form"},
		{name: "list", yaml: "a: [x, y]\n", want: "string or a map"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"m/en.yaml": {Data: []byte(tc.yaml)}, "m/es.yaml": {Data: []byte("a: x\n")}}
			_, err := i18n.Load(fsys, "m")
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "m/en.yaml") {
				t.Errorf("Load = %v, want an error naming m/en.yaml with %q", err, tc.want)
			}
		})
	}
	fsys := fstest.MapFS{"m/en.yaml": {Data: []byte("a:\n  one: \"{n} x\"\n  other: \"{n} xs\"\n")}, "m/es.yaml": {Data: []byte("a: \"{n} x\"\n")}}
	c, err := i18n.Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	if d := c.Check(); len(d) != 1 || !strings.Contains(d[0], "plural in one language") {
		t.Errorf("Check = %q, want the plural mismatch", d)
	}
}
