package geo

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// foldName turns a place name into a lookup key: accents dropped ("Doña
// Ana" as "dona ana"), lower case, periods and apostrophes dropped ("St.
// Mary's" as "st marys"), hyphens and runs of spaces as one space, and a
// leading or inner "saint" as "st".
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r), r == '.', r == '\'', r == '\u2019':
			continue
		case unicode.IsSpace(r), r == '-', r == ',':
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	words := strings.Fields(b.String())
	for i, w := range words {
		if w == "saint" {
			words[i] = "st"
		}
	}
	return strings.Join(words, " ")
}

// countySuffixes are the words that may follow a county-equivalent's name
// ("Montgomery County", "Orleans Parish", "Juneau City and Borough"); the
// lookup drops them. Longer suffixes come first.
var countySuffixes = []string{
	" city and borough", " census area", " municipality", " municipio",
	" borough", " county", " parish",
}

// independentCity reports whether a county FIPS code is an independent city
// that shares its state with a county of the same name or that people name
// with "city": every Virginia county equivalent numbered 510 and up, Baltimore
// city (24510) and St. Louis city (29510). Carson City (32510) already says
// "City" in its name.
func independentCity(fips string) bool {
	if len(fips) != 5 || fips[2:] < "510" {
		return false
	}
	switch fips[:2] {
	case "51", "24", "29":
		return true
	}
	return false
}
