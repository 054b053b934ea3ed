// Package search indexes a directory.Catalog with bleve and answers
// searches over it: plain-language and misspelled text in English and
// Spanish, a place with a radius, eligibility and opening-hours filters,
// category facets and paging. The needs matcher reuses its filter rules
// (Filter.Check) and its reading of words (Index.Read).
//
// # Index
//
// One document per service at a location; a service without locations
// (phone, online) gets one document without a point. The index is a bleve
// v2 scorch index with an empty path, which scorch keeps in memory
// (bleve.NewMemOnly would give the older upsidedown index, which has no
// synonym source), scored with BM25. Documents are built in one batch per
// core; an in-memory scorch index never merges segments, so few batches
// keep searches fast.
//
// Fields: the name (boosted) and all text (name, organization name,
// description) analyzed by the trellis analyzer (ASCII folding, words,
// lower case, English possessives, English and Spanish stop words, light
// plural stemming); category ids with their parents; and one list of exact
// filter values (free, languages, genders not served, veterans only, plans
// not taken, walk-in, wheelchair, service-area parts, grid cells of the
// point). Ages are numbers. Nothing is stored and no field keeps doc values:
// what a match needs in Go is found through bleve's internal document
// number in a compact table.
//
// # Text
//
// Text is plain words: it is split into words on anything that is not a
// letter, digit or inner apostrophe, so query syntax (`name:( AND`,
// `7:30`, `+food -pantry`) is never interpreted. The taxonomy's multi-word
// labels and synonyms ("place to sleep", "cupones de alimentos") are found
// first, longest first, and match their categories (or a name holding
// their words); bleve's synonym source only holds single words, one
// equivalence group per category, and expands the remaining words in the
// text field. A word also matches every category whose labels or synonyms
// hold it, which is why category text is not indexed with each document.
// Filler words ("I need help with", "necesito ayuda con") are dropped
// unless nothing else is left. Every word must match; when no document
// matches them all, any word may (Result.Relaxed).
//
// Spelling: a word is corrected only when neither the index nor the
// taxonomy knows it, so a real word such as "dental" is never turned into
// "mental". The correction is the nearest known word (one edit for four or
// five letters, two for longer words, transpositions counting one), most
// frequent first, weighted below exact words; Result.Corrections reports
// it for "Showing results for ...".
//
// # Place and filters
//
// Filters that bleve answers from exact values run in bleve; the rest (the
// exact radius by geo.Distance, service areas by geo.Covers, opening hours,
// populations, active status) run in Go on each bleve match, inside the
// search, so totals and category facets count exactly the documents that
// match. The radius prefilter is the set of grid cells covering the
// circle, not bleve's geo distance query, which reads every candidate's doc
// values; the cut-off and the distance shown come from geo.Distance alone.
// Service-area flags let only documents whose area might cover the place
// reach geo.Covers.
//
// Opening hours: Filter.OpenAt keeps only services known to be open at the
// instant; unknown hours are not open. Every hit carries its open state,
// where unknown is Known false.
//
// # Order
//
// With text and a place, the default order is SortBest: bleve's BM25 score
// times 1/(1 + d/NearnessKm), applied by a custom-score query so that
// sorting, paging and totals stay bleve's. Relevance alone would put the
// best-worded listing 20 miles away above an equally fitting one around
// the corner; distance alone would put a passing mention first. Explicit
// sorts (relevance, distance, name) remain available.
//
// # Confidential locations
//
// The point of a confidential location is replaced, everywhere in this
// package, by the centre of the 0.05-degree grid cell that holds it (about
// 5.5 by 4.4 km in the mid-latitudes): the grid-cell terms, the radius
// filter, the distance sort and the radius of a service area measure from
// that centre, and hits at such a location carry no distance. Results never
// hold an address or a point. Repeated searches from different places can
// learn at most the grid cell.
//
// # Concurrency
//
// An Index is immutable after Build and safe for concurrent use.
package search
