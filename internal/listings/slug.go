package listings

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Slug turns a name into a slug (an organization id, a meeting source or
// area): accents dropped, "&" as "and", apostrophes dropped ("Farmers'
// Market" is farmers-market), every other run of non-alphanumerics a
// hyphen, at most max bytes cut at a hyphen and not ending on a joining
// word. It returns "" when the name has no letters or digits.
func Slug(s string, max int) string {
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
