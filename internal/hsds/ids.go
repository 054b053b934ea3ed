package hsds

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxSlug is the longest slug the importer makes; longer names are cut at
// a word boundary.
const maxSlug = 60

// slug turns a name into a listing id: accents dropped, "&" as "and",
// apostrophes dropped ("Farmers' Market" is farmers-market), every other
// run of non-alphanumerics a hyphen, at most max bytes cut at a hyphen. It
// returns "" when the name has no letters or digits.
func slug(s string, max int) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '\'', r == '\u2019', r == '\u00ad':
			continue
		case r == '&':
			if b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteString("and")
			dash = true
			continue
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
	}
	out := b.String()
	if len(out) > max {
		cut := strings.LastIndexByte(out[:max+1], '-')
		if cut <= 0 {
			cut = max
		}
		out = strings.Trim(out[:cut], "-")
		// A cut name should not end on a joining word ("family-and").
		for {
			i := strings.LastIndexByte(out, '-')
			if i < 0 || !joiningWords[out[i+1:]] {
				break
			}
			out = out[:i]
		}
	}
	return out
}

var joiningWords = map[string]bool{"a": true, "and": true, "at": true, "for": true, "in": true, "of": true, "on": true, "the": true, "to": true}

// stripPrefix returns name without a leading prefix (compared without
// regard to case) and the separators after it; name itself when it does
// not start with prefix.
func stripPrefix(name, prefix string) string {
	if prefix == "" || len(name) < len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
		return name
	}
	return strings.TrimLeft(name[len(prefix):], " -–—:,/()")
}

// uniqueSlug returns base, or base with the smallest "-N" (N >= 2) not in
// used, and marks it used.
func uniqueSlug(base string, used map[string]bool) string {
	id := base
	for n := 2; used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}
