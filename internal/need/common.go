package need

import (
	"embed"
	"sort"
	"strings"
	"sync"
)

// The word lists of everyday English and Spanish (words/PROVENANCE.md):
// a word in them is meant as typed, so the reader never corrects it into
// another word ("tiny" is not "tina", "cooling" is not "coming").
//
//go:embed words/en.txt words/es.txt
var wordFiles embed.FS

// dictionary is the embedded lists, folded, sorted and one word a line,
// with the offset of each line for binary search.
type dictionary struct {
	text    string
	offsets []uint32
}

var (
	dictOnce sync.Once
	dict     []dictionary
)

func loadDictionaries() {
	for _, name := range []string{"words/en.txt", "words/es.txt"} {
		b, err := wordFiles.ReadFile(name)
		if err != nil {
			panic("need: embedded word list " + name + ": " + err.Error())
		}
		d := dictionary{text: string(b)}
		for i := 0; i < len(d.text); {
			d.offsets = append(d.offsets, uint32(i))
			j := strings.IndexByte(d.text[i:], '\n')
			if j < 0 {
				break
			}
			i += j + 1
		}
		dict = append(dict, d)
	}
}

// line returns the i-th word.
func (d *dictionary) line(i int) string {
	s := d.text[d.offsets[i]:]
	if j := strings.IndexByte(s, '\n'); j >= 0 {
		return s[:j]
	}
	return s
}

func (d *dictionary) has(w string) bool {
	i := sort.Search(len(d.offsets), func(i int) bool { return d.line(i) >= w })
	return i < len(d.offsets) && d.line(i) == w
}

// Common reports whether w, a folded word, is an everyday English or
// Spanish word. The lists hold words in their dictionary form, so a
// plural of one is one too: "anos" (años, years, typed without the
// tilde) is not a slip for "banos".
func Common(w string) bool {
	dictOnce.Do(loadDictionaries)
	for i := range dict {
		if dict[i].has(w) {
			return true
		}
	}
	if s := Stem(w); s != w {
		return Common(s)
	}
	return false
}
