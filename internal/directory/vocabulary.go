package directory

// Words are plain words and phrases by language ("en", "es").
type Words map[string][]string

// All returns every word and phrase, in language order (Languages), then
// the file's order.
func (w Words) All() []string {
	var out []string
	for _, l := range Languages {
		out = append(out, w[l]...)
	}
	return out
}

// Vocabulary is how people say what they need beyond the taxonomy's
// labels and synonyms (data/vocabulary.yaml): the words of recovery and of
// the street that spelling correction must never rewrite, the words that
// say who the person is, the words of a crisis, the words that ask for
// help now, the filler words a request is wrapped in, and the head nouns
// that name a kind of place rather than a need. The words that name a need
// are the taxonomy's synonyms; every word is kept in one place.
type Vocabulary struct {
	// Protected words are never corrected, and never a correction's
	// target's victim: "aa", "sponsor", "narcan", "988".
	Protected Words
	// Who maps a gender (Genders) or a population (Populations) to the
	// words that name it: "women", "lgbtq", "veterano".
	Who map[string]Words
	// Crisis maps a kind of crisis (CrisisKinds) to the words that read as
	// it: "kill myself", "overdose", "me pega". CrisisNeeds are the
	// categories each kind also asks for.
	Crisis      map[string]Words
	CrisisNeeds map[string][]string
	// Urgent words ask for help now: "tonight", "ahora".
	Urgent Words
	// Fillers wrap a request: "i need", "please", "necesito".
	Fillers Words
	// Heads are nouns after a need that name the kind of place ("clinic",
	// "program"): they name a need only when nothing else does.
	Heads Words
	// Free words ask for services at no cost: "free", "gratis".
	Free Words
	// Meetings are the words that ask for recovery meetings.
	Meetings MeetingWords
}

// The kinds of crisis a search can read.
const (
	CrisisSuicide  = "suicide"
	CrisisOverdose = "overdose"
	CrisisViolence = "violence"
)

// CrisisKinds lists the kinds of crisis, in the order they are answered.
var CrisisKinds = []string{CrisisSuicide, CrisisOverdose, CrisisViolence}

// Line is a phone line people can call or text.
type Line struct {
	// ID names the line in settings ("988", "dv").
	ID string
	// Name is what the line is, by language: "988 Suicide and Crisis
	// Lifeline".
	Name Text
	// Call is the number to call; Text, when set, the number to text.
	Call string
	Text string
	// Note says when and how, by language: "call or text, any time".
	Note Text
}

// Crisis is what a directory answers a crisis with: the lines, and which
// of them answer each kind of crisis, first line first.
type Crisis struct {
	Lines []Line
	// Answers maps a kind (CrisisKinds) and "any" to line ids.
	Answers map[string][]string
}

// CrisisAny is the Crisis.Answers key for lines that answer every crisis,
// and the crisis tile.
const CrisisAny = "any"

// LinesFor returns the lines that answer the kinds, each once, in the
// order the kinds' answers give them, then those answering "any".
func (c *Crisis) LinesFor(kinds []string) []Line {
	if c == nil {
		return nil
	}
	byID := map[string]Line{}
	for _, l := range c.Lines {
		byID[l.ID] = l
	}
	var out []Line
	seen := map[string]bool{}
	for _, k := range append(append([]string(nil), kinds...), CrisisAny) {
		for _, id := range c.Answers[k] {
			if l, ok := byID[id]; ok && !seen[id] {
				seen[id] = true
				out = append(out, l)
			}
		}
	}
	return out
}

// MeetingWords are the words that ask for a recovery meeting and say
// which one (data/vocabulary.yaml's meetings section): a search whose
// words ask for a meeting is answered with meetings beside services.
type MeetingWords struct {
	// Ask are words that ask for a meeting: "meeting", "reunión".
	Ask Words
	// Fellowships are the fellowships whose meetings people ask for by
	// name: "aa", "narcotics anonymous". A word that names a fellowship
	// also asks for a meeting.
	Fellowships []Fellowship
	// Types are words that ask for meetings of a type: "women's" (W),
	// "spanish speaking" (S), "lgbtq" (LGBTQ, G, L, BI, T or NB).
	Types []MeetingTypeWords
	// Online words ask for a meeting joined online or by phone ("zoom"),
	// InPerson words for one in a room, NoTransport words say the person
	// cannot travel to one ("no car").
	Online, InPerson, NoTransport Words
	// Tonight words ask for a meeting this evening or tonight ("tonight",
	// "esta noche"), not merely soon: package match ranks the meetings of
	// the coming night first (see urgentWindow there).
	Tonight Words
}

// Fellowship is a mutual-aid fellowship: Alcoholics Anonymous, Narcotics
// Anonymous, Al-Anon. The Meeting Guide specification has no field for a
// meeting's fellowship; Trellis reads it from the names a feed gives (see
// FellowshipOf in package match).
type Fellowship struct {
	// ID is a slug: "aa", "na", "al-anon".
	ID string
	// Name is the fellowship's name by language: "Alcoholics Anonymous".
	Name Text
	// Words name the fellowship: "aa", "alcoholics anonymous".
	Words Words
}

// MeetingTypeWords are words that ask for meetings with one of Codes
// (Meeting Guide type codes).
type MeetingTypeWords struct {
	Codes []string
	Words Words
}

// Fellowship returns the fellowship with id, or nil.
func (w *MeetingWords) Fellowship(id string) *Fellowship {
	if w == nil {
		return nil
	}
	for i := range w.Fellowships {
		if w.Fellowships[i].ID == id {
			return &w.Fellowships[i]
		}
	}
	return nil
}
