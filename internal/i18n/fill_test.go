package i18n

import (
	"strings"
	"testing"
)

// TestFill: placeholders are replaced as strings.Replacer would: the first
// pair of a name wins, unknown names and stray braces stay, and values are
// not read again.
func TestFill(t *testing.T) {
	for _, tc := range []struct {
		s    string
		args []string
		want string
	}{
		{"{n} mi away", []string{"n", "2.5"}, "2.5 mi away"},
		{"{a} and {b}, {a}", []string{"a", "x", "b", "y"}, "x and y, x"},
		{"{a}", []string{"a", "first", "a", "second"}, "first"},
		{"{unknown} stays", []string{"a", "x"}, "{unknown} stays"},
		{"{a{b}}", []string{"b", "y"}, "{ay}"},
		{"open { brace and {a}", []string{"a", "x"}, "open { brace and x"},
		{"trailing {", []string{"a", "x"}, "trailing {"},
		{"} first {a}", []string{"a", "x"}, "} first x"},
		{"{a}", []string{"a", "{b}", "b", "no"}, "{b}"},
		{"{a}", []string{"a"}, "{a}"},
	} {
		var pairs []string
		for i := 0; i+1 < len(tc.args); i += 2 {
			pairs = append(pairs, "{"+tc.args[i]+"}", tc.args[i+1])
		}
		if got := fill(tc.s, tc.args); got != tc.want {
			t.Errorf("fill(%q, %q) = %q, want %q", tc.s, tc.args, got, tc.want)
		}
		if ref := strings.NewReplacer(pairs...).Replace(tc.s); ref != tc.want {
			t.Errorf("case %q: strings.Replacer gives %q; the case is wrong", tc.s, ref)
		}
	}
}
