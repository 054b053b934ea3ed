package need

import (
	"cmp"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// foldSpecial are letters that do not decompose into an ASCII letter and
// a mark.
var foldSpecial = strings.NewReplacer("ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "đ", "d", "ł", "l", "’", "'", "‘", "'")

// Fold lowercases s and folds it to ASCII letters where it can: "Atención"
// becomes "atencion", "Niño" "nino". Characters with no ASCII form are
// kept.
func Fold(s string) string {
	s = foldSpecial.Replace(strings.ToLower(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
			out, _, err := transform.String(t, s)
			if err != nil {
				return s
			}
			return out
		}
	}
	return s
}

// Words returns the words of s, folded: runs of letters and digits.
// Apostrophes inside a word are dropped ("don't" -> "dont", "i'm" ->
// "im"); anything else separates words, so no character is ever read as
// query syntax.
func Words(s string) []string {
	s = Fold(s)
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		case r == '\'' && b.Len() > 0:
			// Dropped: "don't" is read as "dont".
		default:
			flush()
		}
	}
	flush()
	return out
}

// Stem returns the light plural stem of a folded word, the same for
// English and Spanish plurals people type: "shelters" and "shelter",
// "pantries" and "pantry", "clases" and "clase", "albergues" and
// "albergue". A Spanish infinitive with a pronoun joined to it is its
// infinitive: "bañarme", "bañarse" and "bañar" are one word to a reader
// ("donde me puedo bañar"). It is only used to compare words with words,
// so it need not be a real word.
func Stem(w string) string {
	if inf, ok := infinitive(w); ok {
		return inf
	}
	n := len(w)
	switch {
	case n <= 3:
		return w
	case n > 4 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case strings.HasSuffix(w, "sses") || strings.HasSuffix(w, "ches") || strings.HasSuffix(w, "shes") || strings.HasSuffix(w, "xes"):
		return w[:n-2]
	case strings.HasSuffix(w, "ss") || strings.HasSuffix(w, "us") || strings.HasSuffix(w, "is"):
		return w
	case strings.HasSuffix(w, "s"):
		return w[:n-1]
	}
	return w
}

// infinitive returns w without the pronoun (me, te, se, nos) a Spanish
// infinitive carries joined to it: "ducharme" is "duchar", "quedarnos"
// "quedar". The infinitive must keep three letters before its -ar, -er
// or -ir, so short English words ending the same way ("coarse", "sparse")
// are left alone.
func infinitive(w string) (string, bool) {
	for _, p := range [...]string{"me", "te", "se", "nos"} {
		base, ok := strings.CutSuffix(w, p)
		if !ok || len(base) < 5 {
			continue
		}
		switch base[len(base)-2:] {
		case "ar", "er", "ir":
			return base, true
		}
	}
	return "", false
}

// key joins the stems of words into the key phrases are found by. An
// article or possessive inside a phrase is left out, so "ride to doctor",
// "ride to the doctor" and "ride to my doctor" are one phrase, as are
// "viaje al doctor" and "viaje a mi doctor" (al and del are a and de with
// the article); at either end it stays, so "the" alone is not a phrase of
// nothing.
func key(words []string) string {
	stems := make([]string, 0, len(words))
	for i, w := range words {
		if i > 0 && i < len(words)-1 {
			if determiners[w] {
				continue
			}
			w = cmp.Or(contractions[w], w)
		}
		stems = append(stems, Stem(w))
	}
	return strings.Join(stems, " ")
}

// determiners are the articles and possessives a phrase may hold or not.
var determiners = map[string]bool{}

func init() {
	for _, w := range strings.Fields("a an the my your his her our their some el la los las un una unos unas mi mis tu tus su sus") {
		determiners[w] = true
	}
}

// contractions are Spanish's preposition and article in one word.
var contractions = map[string]string{"al": "a", "del": "de"}
