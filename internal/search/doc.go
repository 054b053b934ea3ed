// Package search is the text index of a directory.Catalog: the table of
// its documents (one per service at a location) and a bleve index of their
// words, which package match, the one engine behind every search and
// match, reads words, spelling and text scores from. Reading a need,
// eligibility, distance and ranking live in match and need; this package
// executes text queries.
//
// # Index
//
// One document per service at a location; a service without locations
// (phone, online) gets one document without a point. The table is in
// service key then location id order; bleve's document ids are the keys,
// so that an index can be updated document by document. The index is a bleve v2 scorch index scored with BM25,
// built one of two ways:
//
//   - Build keeps it in memory (bleve.NewMemOnly would give the older
//     upsidedown index, which has no synonym source): one batch per core,
//     since an in-memory scorch index never merges segments and few
//     segments keep searches fast. Tests and small directories use it.
//   - BuildDir writes it to a directory in batches of a few thousand
//     documents, so that memory holds the analysis of one batch rather
//     than of the whole directory, then merges the segments into one.
//     UpdateDir copies the directory of the index being served and applies
//     only what changed: documents whose service or location is not the
//     very one indexed before (a reload shares unchanged listings), and
//     those gone. Both write beside the directory, rename only a complete
//     index into place and open it. Open reopens such a directory,
//     memory-mapped, without analysing anything, and refuses one that does
//     not hold exactly the catalog's documents (a digest of the document
//     keys is kept in the index). package snapshot keeps one per data
//     revision under the state directory.
//
// Fields: the name (boosted) and all text (name, organization name,
// description) analyzed by the trellis analyzer (ASCII folding, words,
// lower case, English possessives, English and Spanish stop words, light
// plural stemming). Nothing is stored and no field keeps doc values: what
// a match needs in Go is found through bleve's internal document number in
// a compact table.
//
// # Text
//
// Text is plain words: it is split into words on anything that is not a
// letter, digit or inner apostrophe, so query syntax (`name:( AND`,
// `7:30`, `+food -pantry`) is never interpreted. Every word must match;
// when no document matches them all, any word may (TextResult.Relaxed).
// Known and Suggest answer spelling questions from the index's vocabulary:
// a word is corrected only when nothing knows it, toward the nearest known
// word (one edit for four or five letters, two for longer words,
// transpositions counting one), most frequent first.
//
// # Confidential locations
//
// The point of a confidential location is replaced, everywhere a point is
// read from a document, by the centre of the 0.05-degree grid cell that
// holds it (about 5.5 by 4.4 km in the mid-latitudes; LocationPoint), and
// service areas measure from that centre (AreaService). Repeated searches
// from different places can learn at most the grid cell.
//
// # Concurrency
//
// An Index is immutable after it is built or opened and safe for
// concurrent use.
package search
