package shortlist_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"trellis/internal/shortlist"
)

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c, err := shortlist.NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if len(c) != shortlist.CodeLen || strings.Trim(c, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != "" {
			t.Fatalf("code %q", c)
		}
		if seen[c] {
			t.Fatalf("code %q drawn twice in 1000", c)
		}
		seen[c] = true
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{name: "as printed", in: "ABCD2345EFGH", want: "ABCD2345EFGH", ok: true},
		{name: "lower case with dashes", in: "abcd-2345-efgh", want: "ABCD2345EFGH", ok: true},
		{name: "O and I misread", in: "ABCDO345EFGI", want: "ABCD0345EFG1", ok: true},
		{name: "too short", in: "ABCD", ok: false},
		{name: "U is not in the alphabet", in: "ABCDU345EFGH", ok: false},
		{name: "not ASCII", in: "ABCDÉ345EFGH", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := shortlist.NormalizeCode(tc.in)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("NormalizeCode(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// refuse is a store that must not be reached.
type refuse struct{ shortlist.Store }

func (refuse) CreateList(context.Context, *shortlist.List) error { panic("reached the store") }

func TestSaveRefusesBadLists(t *testing.T) {
	many := make([]string, shortlist.MaxIDs+1)
	for i := range many {
		many[i] = "a.b"
	}
	for _, tc := range []struct {
		name string
		ids  []string
	}{
		{"empty", nil}, {"too many", many}, {"comma", []string{"a.b,c.d"}}, {"blank", []string{""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := shortlist.Save(context.Background(), refuse{}, tc.ids, time.Unix(0, 0)); err == nil {
				t.Error("saved")
			}
		})
	}
}
