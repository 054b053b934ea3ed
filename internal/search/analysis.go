package search

import (
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/registry"
)

// Two analysis components of the trellis analyzer, registered with bleve.
// Profiles of the 100k build showed bleve's ASCII folding char filter and
// Unicode word segmenter as most of the analysis time; listing text is
// almost all ASCII words, which these handle with a fast path and the same
// results.
const (
	foldName  = "trellis_fold"
	wordsName = "trellis_words"
)

func init() {
	must := func(err error) {
		if err != nil {
			panic(err) // only on a name clash at program start
		}
	}
	must(registry.RegisterCharFilter(foldName, func(map[string]interface{}, *registry.Cache) (analysis.CharFilter, error) {
		return foldFilter{asciifolding.New()}, nil
	}))
	must(registry.RegisterTokenizer(wordsName, func(map[string]interface{}, *registry.Cache) (analysis.Tokenizer, error) {
		return wordTokenizer{}, nil
	}))
}

// foldFilter is bleve's ASCII folding ("atención" -> "atencion"), skipped
// for input that is already ASCII.
type foldFilter struct {
	inner *asciifolding.AsciiFoldingFilter
}

func (f foldFilter) Filter(in []byte) []byte {
	for _, b := range in {
		if b >= utf8.RuneSelf {
			return f.inner.Filter(in)
		}
	}
	return in
}

// wordTokenizer splits text into words: runs of letters, digits, combining
// marks and apostrophes, with apostrophes trimmed from both ends. Anything
// else separates words, so every character bleve's query-string syntax
// treats specially is a separator.
type wordTokenizer struct{}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || isApostrophe(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' }

func (wordTokenizer) Tokenize(in []byte) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in)/6+1)
	// The tokens live in one slab: one allocation instead of one each.
	slab := make([]analysis.Token, 0, cap(out))
	pos := 0
	emit := func(start, end int) {
		// Trim apostrophes from both ends.
		for start < end {
			r, n := utf8.DecodeRune(in[start:end])
			if !isApostrophe(r) {
				break
			}
			start += n
		}
		for start < end {
			r, n := utf8.DecodeLastRune(in[start:end])
			if !isApostrophe(r) {
				break
			}
			end -= n
		}
		if start < end {
			pos++
			slab = append(slab, analysis.Token{Term: in[start:end], Start: start, End: end, Position: pos, Type: analysis.AlphaNumeric})
			out = append(out, &slab[len(slab)-1])
		}
	}
	start := -1
	for i := 0; i < len(in); {
		r, n := rune(in[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(in[i:])
		}
		if isWordRune(r) {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			emit(start, i)
			start = -1
		}
		i += n
	}
	if start >= 0 {
		emit(start, len(in))
	}
	return out
}

// splitWords splits text into words as the analyzer's tokenizer does.
func splitWords(s string) []string {
	ts := wordTokenizer{}.Tokenize([]byte(s))
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t.Term)
	}
	return out
}
