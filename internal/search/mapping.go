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
	analyzerName  = "trellis"
	stopMapName   = "trellis_stop_words"
	stopName      = "trellis_stop"
	synonymSource = "taxonomy"
	synonymColl   = "taxonomy"
)

// Document fields. Text fields are analyzed with the trellis analyzer;
// list fields hold exact values, space-separated. No field keeps doc values
// or stored values: sorting, facets and the checks bleve cannot do read the
// Go-side document (hotDoc, docRef) instead, found by bleve's internal
// document number.
const (
	fName = "name" // service name and alternate name (text)
	fText = "text" // service name, organization name and description (text)

	fCat = "cat" // category ids and their parents (list)
	// fFlag holds every exact filter value of a document as "kind:value"
	// (flag): one field instead of one per filter keeps documents small.
	fFlag   = "flag"
	fAgeMin = "age_min" // lowest age served, when bounded (number)
	fAgeMax = "age_max" // highest age served, when bounded (number)
)

// Flag kinds and values (fFlag).
const (
	flagCost = "cost"      // "free"
	flagLang = "lang"      // primary language subtags offered
	flagVets = "vets-only" // "T" when only veterans are served
	// flagNotGender and flagNotIns name the genders a service does not
	// serve and the plans it does not take, when it restricts them.
	flagNotGender = "not-gender"
	flagNotIns    = "not-insurance"
	flagApply     = "apply"      // "walk-in"
	flagWheel     = "wheelchair" // "T" when accessible or without a location
	flagNoGeo     = "no-point"   // "T" when the document has no point
	// flagCell+level is the grid cell of the document's search point at
	// that level (cellSizes), "x:y".
	flagCell = "cell"

	valTrue = "T"
)

// flag returns the fFlag term for a kind and value. Spaces in the value
// become underscores: the field's values are joined by spaces.
func flag(kind, value string) string { return kind + ":" + strings.ReplaceAll(value, " ", "_") }

// Text fields and the boosts of their matches. All of a document's text is
// in fText, which expands query words to their synonyms through the
// synonym source; the name is also in fName, without synonyms, so a word
// in the name counts again. One field for all the text, rather than one per
// part with synonyms in each, keeps the postings a query walks few: a
// query's cost grows with them. A word among a category's labels and
// synonyms matches the category's documents through fCat (see
// categoryBoost), so that text is not indexed with every document.
var textFields = []struct {
	name     string
	boost    float64
	synonyms bool
}{
	{fText, 1.0, true},
	{fName, 2.0, false},
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
	if err := m.AddSynonymSource(synonymSource, map[string]interface{}{
		"collection": synonymColl,
		"analyzer":   analyzerName,
	}); err != nil {
		return nil, fmt.Errorf("search: synonym source: %w", err)
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
		if f.synonyms {
			tf.SynonymSource = synonymSource
		}
		dm.AddFieldMappingsAt(f.name, tf)
	}
	if err := m.AddCustomAnalyzer(listName, map[string]interface{}{
		"type":      custom.Name,
		"tokenizer": listName,
	}); err != nil {
		return nil, fmt.Errorf("search: list analyzer: %w", err)
	}
	for _, name := range []string{fCat, fFlag} {
		kf := bleve.NewTextFieldMapping()
		kf.Analyzer = listName
		kf.IncludeInAll = false
		kf.IncludeTermVectors = false
		kf.Store = false
		kf.DocValues = false
		kf.SkipFreqNorm = name != fCat
		dm.AddFieldMappingsAt(name, kf)
	}
	for _, name := range []string{fAgeMin, fAgeMax} {
		nf := bleve.NewNumericFieldMapping()
		nf.IncludeInAll = false
		nf.Store = false
		nf.DocValues = false
		dm.AddFieldMappingsAt(name, nf)
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
