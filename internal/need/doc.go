// Package need is the one understanding of a need that every surface of
// Trellis shares: the search API, the needs matcher, the public pages, the
// kiosk and the specialist workspace.
//
// It reads what a person types ("i relapsed", "a bed tonight", "necesito
// comida", "lgbtq youth shelter", "i want to kill myself") into the
// taxonomy categories it names, who the person says they are, whether it
// is a crisis, whether it is urgent, the spelling corrections made and the
// words that were left over (Reading), and it holds the eligibility rules:
// who may go to a service, and why a service is left out (Rules). It
// imports no adapter: the search index only supplies the listings'
// vocabulary through the Speller interface, and texts for people are
// written elsewhere.
//
// # Reading
//
// Words are folded to lower-case ASCII and lightly stemmed ("Albergues" ->
// "albergue"). The vocabulary is the taxonomy's labels and synonyms (the
// words that name a need) and data/vocabulary.yaml (protected words of
// recovery and the street, who-words, crisis words, urgent words, fillers
// and head nouns). Phrases are found longest first. A word the vocabulary
// and the listings both do not know may be corrected, to the nearest word
// of the vocabulary first, else of the listings; a known word is never
// corrected, and nothing is corrected toward a word nobody wrote.
//
// # Eligibility
//
// Unknown is never exclusion: a listing that does not say who it serves,
// when it is open or what it costs is kept, and a person who does not say
// something is never excluded for it.
package need
