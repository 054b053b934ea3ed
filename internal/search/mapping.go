package search

import (
	"fmt"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/es"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/stop"
	"github.com/blevesearch/bleve/v2/analysis/tokenmap"
	"github.com/blevesearch/bleve/v2/mapping"
)

// Names of the analysis components and the synonym source in the mapping.
const (
	analyzerName = "trellis"
	stopMapName  = "trellis_stop_words"
	stopName     = "trellis_stop"
)

// Document fields, both analyzed with the trellis analyzer. Nothing is
// stored and no field keeps doc values: what a match needs in Go is found
// through bleve's internal document number in the Go-side table (Doc).
const (
	fName = "name" // service name and alternate name
	fText = "text" // service name, organization name and description
)

// textField is a text field searches score, with its boost.
type textField struct {
	name  string
	boost float64
}

// Text fields and the boosts of their matches. All of a document's text is
// in fText; the name is also in fName, so a word in the name counts again.
// One field for all the text, rather than one per part, keeps the postings
// a query walks few: a query's cost grows with them. Category words are
// not searched here: the reading of a need (package need) turns them into
// categories, whose documents the matcher finds without the index.
var textFields = []textField{
	{fText, 1.0},
	{fName, 2.0},
}

// newMapping returns the index mapping: BM25 scoring, one static document
// mapping with the fields above, and the trellis analyzer: ASCII folding
// ("atención" -> "atencion"), words (wordTokenizer), lower case, English
// possessives, English and Spanish stop words, and the light English plural
// stemmer ("shelters" -> "shelter", "comidas" -> "comida"). A light stemmer
// keeps index terms close to the words people type, so spelling
// corrections can be shown as words.
func newMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	m.ScoringModel = "bm25"
	m.DefaultAnalyzer = analyzerName
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false

	if err := m.AddCustomTokenMap(stopMapName, map[string]interface{}{
		"type":   tokenmap.Name,
		"tokens": stopWords(),
	}); err != nil {
		return nil, fmt.Errorf("search: stop words: %w", err)
	}
	if err := m.AddCustomTokenFilter(stopName, map[string]interface{}{
		"type":           stop.Name,
		"stop_token_map": stopMapName,
	}); err != nil {
		return nil, fmt.Errorf("search: stop filter: %w", err)
	}
	if err := m.AddCustomAnalyzer(analyzerName, map[string]interface{}{
		"type":          custom.Name,
		"char_filters":  []string{foldName},
		"tokenizer":     wordsName,
		"token_filters": []string{en.PossessiveName, lowercase.Name, stopName, en.PluralStemmerName},
	}); err != nil {
		return nil, fmt.Errorf("search: analyzer: %w", err)
	}

	dm := bleve.NewDocumentStaticMapping()
	for _, f := range textFields {
		tf := bleve.NewTextFieldMapping()
		tf.Analyzer = analyzerName
		tf.IncludeInAll = false
		tf.DocValues = false
		tf.Store = false
		// No positions: no query needs them (see unitQuery).
		tf.IncludeTermVectors = false
		dm.AddFieldMappingsAt(f.name, tf)
	}
	m.DefaultMapping = dm
	return m, nil
}

// stopWords returns bleve's English and Spanish stop word lists, folded to
// ASCII the way the analyzer folds text before it reaches the stop filter.
func stopWords() []interface{} {
	tm := analysis.NewTokenMap()
	// LoadBytes only fails on a reader error, which a byte slice never gives.
	_ = tm.LoadBytes(en.EnglishStopWords)
	_ = tm.LoadBytes(es.SpanishStopWords)
	fold := asciifolding.New()
	seen := map[string]bool{}
	var out []interface{}
	for w := range tm {
		f := strings.ToLower(string(fold.Filter([]byte(w))))
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
