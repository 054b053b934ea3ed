package listings

// This file is the listing file format: one YAML file per organization under
// data/listings/<area>/<organization-id>.yaml. The struct field order is the
// canonical key order that the importer and `trellis fmt` write. Every field
// is optional unless its comment says "required". Strings are plain text.
//
// Keys are snake_case. Unknown keys are errors. Values that name something
// from a fixed list (categories, genders, populations, insurance, apply,
// status, cost, phone types, language codes) are checked against it.

// File is one listing file: an organization with its locations and services.
type File struct {
	// ID is required: a slug ([a-z0-9] words joined by single hyphens),
	// unique across the directory. By convention the file is named <id>.yaml.
	ID            string  `yaml:"id" json:"id"`
	Name          string  `yaml:"name" json:"name"` // required
	AlternateName string  `yaml:"alternate_name,omitempty" json:"alternate_name,omitempty"`
	Description   string  `yaml:"description,omitempty" json:"description,omitempty"`
	Website       string  `yaml:"website,omitempty" json:"website,omitempty"` // absolute http(s) URL
	Email         string  `yaml:"email,omitempty" json:"email,omitempty"`
	Phones        []Phone `yaml:"phones,omitempty" json:"phones,omitempty"`
	// Referrals is where the organization takes referrals, for services
	// that do not name their own.
	Referrals *Intake `yaml:"referrals,omitempty" json:"referrals,omitempty"`
	// Source names the imported record; hand-written listings leave it out.
	Source    *Source    `yaml:"source,omitempty" json:"source,omitempty"`
	Locations []Location `yaml:"locations,omitempty" json:"locations,omitempty"`
	Services  []Service  `yaml:"services" json:"services"` // required, at least one
}

// Source identifies the record a listing, location or service was imported
// from: the source dataset's name and the record's id in it.
type Source struct {
	Name string `yaml:"name" json:"name"` // required, e.g. "dc-metro"
	ID   string `yaml:"id" json:"id"`     // required
}

// Intake is where referrals go: the email address Trellis sends the
// receiving agency's link to when a specialist refers someone, and a phone
// number for referrers. At least one is required.
type Intake struct {
	Email string `yaml:"email,omitempty" json:"email,omitempty"`
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// Phone is a number to call. Type is one of voice (the default), fax, text,
// tty, hotline.
type Phone struct {
	Number    string   `yaml:"number" json:"number"` // required
	Ext       string   `yaml:"ext,omitempty" json:"ext,omitempty"`
	Type      string   `yaml:"type,omitempty" json:"type,omitempty"`
	Note      string   `yaml:"note,omitempty" json:"note,omitempty"`
	Languages []string `yaml:"languages,omitempty" json:"languages,omitempty"`
}

// Location is a place where services are delivered.
type Location struct {
	// ID is required: a slug unique within the file, e.g. "main".
	ID          string   `yaml:"id" json:"id"`
	Name        string   `yaml:"name,omitempty" json:"name,omitempty"`
	Description string   `yaml:"description,omitempty" json:"description,omitempty"`
	Address     *Address `yaml:"address,omitempty" json:"address,omitempty"`
	Point       *Point   `yaml:"point,omitempty" json:"point,omitempty"`
	// Confidential hides the address and point everywhere (domestic violence
	// shelters): the location is found by area and reached by phone.
	Confidential bool `yaml:"confidential,omitempty" json:"confidential,omitempty"`
	// TimeZone is an IANA zone, only when it differs from the directory's.
	TimeZone      string   `yaml:"time_zone,omitempty" json:"time_zone,omitempty"`
	Hours         *Hours   `yaml:"hours,omitempty" json:"hours,omitempty"`
	Languages     []string `yaml:"languages,omitempty" json:"languages,omitempty"` // BCP 47: en, es, am, ...
	Wheelchair    *bool    `yaml:"wheelchair,omitempty" json:"wheelchair,omitempty"`
	Accessibility string   `yaml:"accessibility,omitempty" json:"accessibility,omitempty"`
	Transit       string   `yaml:"transit,omitempty" json:"transit,omitempty"`
	Phones        []Phone  `yaml:"phones,omitempty" json:"phones,omitempty"`
	Source        *Source  `yaml:"source,omitempty" json:"source,omitempty"`
}

// Address is a US street address. State is the two-letter code; ZIP is 5
// digits or ZIP+4; County is the county name without "County".
type Address struct {
	Street  string `yaml:"street" json:"street"` // required
	Street2 string `yaml:"street2,omitempty" json:"street2,omitempty"`
	City    string `yaml:"city" json:"city"`   // required
	State   string `yaml:"state" json:"state"` // required
	ZIP     string `yaml:"zip,omitempty" json:"zip,omitempty"`
	County  string `yaml:"county,omitempty" json:"county,omitempty"`
}

// Point is a WGS84 coordinate: lat in [-90, 90], lon in [-180, 180].
type Point struct {
	Lat float64 `yaml:"lat" json:"lat"`
	Lon float64 `yaml:"lon" json:"lon"`
}

// Service is something the organization offers.
type Service struct {
	// ID is required: a slug unique within the file.
	ID            string `yaml:"id" json:"id"`
	Name          string `yaml:"name" json:"name"` // required
	AlternateName string `yaml:"alternate_name,omitempty" json:"alternate_name,omitempty"`
	Description   string `yaml:"description,omitempty" json:"description,omitempty"`
	URL           string `yaml:"url,omitempty" json:"url,omitempty"`
	Email         string `yaml:"email,omitempty" json:"email,omitempty"`
	// Categories are ids from data/taxonomy.yaml; required, at least one.
	Categories []string `yaml:"categories" json:"categories"`
	// At lists the ids of this file's locations the service is delivered
	// from; empty for phone or online services.
	At          []string     `yaml:"at,omitempty" json:"at,omitempty"`
	ServiceArea *ServiceArea `yaml:"service_area,omitempty" json:"service_area,omitempty"`
	Eligibility *Eligibility `yaml:"eligibility,omitempty" json:"eligibility,omitempty"`
	// Cost is free, sliding-scale or fee; Fees says more.
	Cost string `yaml:"cost,omitempty" json:"cost,omitempty"`
	Fees string `yaml:"fees,omitempty" json:"fees,omitempty"`
	// Insurance accepted: medicaid, medicare, private, tricare, va, none
	// (serves uninsured people).
	Insurance []string `yaml:"insurance,omitempty" json:"insurance,omitempty"`
	Languages []string `yaml:"languages,omitempty" json:"languages,omitempty"`
	// Apply: walk-in, call, referral, appointment, online.
	Apply      []string `yaml:"apply,omitempty" json:"apply,omitempty"`
	HowToApply string   `yaml:"how_to_apply,omitempty" json:"how_to_apply,omitempty"`
	// Referrals is where this service takes referrals; without it, the
	// organization's.
	Referrals *Intake `yaml:"referrals,omitempty" json:"referrals,omitempty"`
	// Hours, when given, replace the hours of the locations in At.
	Hours    *Hours `yaml:"hours,omitempty" json:"hours,omitempty"`
	Capacity string `yaml:"capacity,omitempty" json:"capacity,omitempty"`
	// Status: active (the default), inactive, defunct, temporarily closed.
	Status string `yaml:"status,omitempty" json:"status,omitempty"`
	Alert  string `yaml:"alert,omitempty" json:"alert,omitempty"`
	// LastVerified is a date, YYYY-MM-DD, not in the future.
	LastVerified string  `yaml:"last_verified,omitempty" json:"last_verified,omitempty"`
	VerifiedBy   string  `yaml:"verified_by,omitempty" json:"verified_by,omitempty"`
	Phones       []Phone `yaml:"phones,omitempty" json:"phones,omitempty"`
	Source       *Source `yaml:"source,omitempty" json:"source,omitempty"`
}

// ServiceArea is where clients must live or be; any one part covering a
// place is enough.
type ServiceArea struct {
	// Radius around each location the service is delivered from, with its
	// unit: "5mi", "10 km".
	Radius string `yaml:"radius,omitempty" json:"radius,omitempty"`
	// Counties as "Name, ST": "Montgomery, MD", "District of Columbia, DC".
	Counties []string `yaml:"counties,omitempty" json:"counties,omitempty"`
	ZIPs     []string `yaml:"zips,omitempty" json:"zips,omitempty"`
	States   []string `yaml:"states,omitempty" json:"states,omitempty"`
	// Polygon is a GeoJSON file (Polygon, MultiPolygon, Feature or
	// FeatureCollection of those) relative to the data directory.
	Polygon string `yaml:"polygon,omitempty" json:"polygon,omitempty"`
	Note    string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Eligibility says who the service is for. Leave out what the listing does
// not know: unknown is never a reason to turn anybody away.
type Eligibility struct {
	Age *AgeRange `yaml:"age,omitempty" json:"age,omitempty"`
	// Genders served, when only some are: female, male, nonbinary.
	Genders []string `yaml:"genders,omitempty" json:"genders,omitempty"`
	// Populations the service is restricted to (at least one must apply):
	// veterans, families, pregnant, youth, seniors, lgbtq, justice-involved,
	// moud, disability, dv-survivors, immigrants, homeless.
	Populations []string `yaml:"populations,omitempty" json:"populations,omitempty"`
	// Focus: populations the service is made for, without turning others away.
	Focus     []string `yaml:"focus,omitempty" json:"focus,omitempty"`
	Income    string   `yaml:"income,omitempty" json:"income,omitempty"`
	Residency string   `yaml:"residency,omitempty" json:"residency,omitempty"`
	Documents []string `yaml:"documents,omitempty" json:"documents,omitempty"`
	Notes     string   `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// AgeRange bounds are whole years, inclusive; at least one is required.
type AgeRange struct {
	Min *int `yaml:"min,omitempty" json:"min,omitempty"`
	Max *int `yaml:"max,omitempty" json:"max,omitempty"`
}

// Hours are read in the location's time zone, else the directory's.
type Hours struct {
	// AlwaysOpen is open 24 hours, 7 days (closures still apply); it cannot
	// be combined with Weekly.
	AlwaysOpen    bool   `yaml:"always_open,omitempty" json:"always_open,omitempty"`
	Weekly        []Span `yaml:"weekly,omitempty" json:"weekly,omitempty"`
	ByAppointment bool   `yaml:"by_appointment,omitempty" json:"by_appointment,omitempty"`
	// Season limits Weekly to a yearly window of "MM-DD" dates.
	Season   *Season   `yaml:"season,omitempty" json:"season,omitempty"`
	Closures []Closure `yaml:"closures,omitempty" json:"closures,omitempty"`
	Notes    string    `yaml:"notes,omitempty" json:"notes,omitempty"`
}

// Span is a weekly opening. Days is "mon-fri", "sat, sun", "everyday",
// "weekdays" or "weekends" (day names: mon tue wed thu fri sat sun).
// Open and Close are "HH:MM" on a 24-hour clock; "24:00" ends the day; a
// Close not after Open runs overnight into the next day ("19:00"-"07:00").
type Span struct {
	Days  string `yaml:"days" json:"days"`
	Open  string `yaml:"open" json:"open"`
	Close string `yaml:"close" json:"close"`
}

// Season is a yearly window, "MM-DD" to "MM-DD"; it may wrap the new year.
type Season struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to" json:"to"`
}

// Closure closes whole days From through To (YYYY-MM-DD; To defaults to From).
type Closure struct {
	From string `yaml:"from" json:"from"`
	To   string `yaml:"to,omitempty" json:"to,omitempty"`
	Note string `yaml:"note,omitempty" json:"note,omitempty"`
}

// DirectoryFile is data/directory.yaml: settings for the whole directory.
type DirectoryFile struct {
	Name     string `yaml:"name" json:"name"`           // required
	TimeZone string `yaml:"time_zone" json:"time_zone"` // required, IANA
	// DefaultNear is a ZIP code searches use when they give no place.
	DefaultNear string `yaml:"default_near,omitempty" json:"default_near,omitempty"`
	// StaleAfter is a duration such as "365d" or "26w"; default 365d.
	StaleAfter  string   `yaml:"stale_after,omitempty" json:"stale_after,omitempty"`
	Attribution []string `yaml:"attribution,omitempty" json:"attribution,omitempty"`
	Notice      string   `yaml:"notice,omitempty" json:"notice,omitempty"`
	// HelpLine is the number offered when a listing gives none or nothing
	// fits (211 in most of the United States).
	HelpLine *Line `yaml:"help_line,omitempty" json:"help_line,omitempty"`
	// Crisis is what a search that reads as a crisis is answered with.
	Crisis *Crisis `yaml:"crisis,omitempty" json:"crisis,omitempty"`
	// MeetingsHelp says where to find recovery meetings when none listed
	// fit a search: the fellowships' own meeting finders.
	MeetingsHelp *MeetingsHelp `yaml:"meetings_help,omitempty" json:"meetings_help,omitempty"`
}

// MeetingsHelp is a note (en and es) and the links to meeting finders.
type MeetingsHelp struct {
	Note  map[string]string `yaml:"note,omitempty" json:"note,omitempty"`
	Links []MeetingsLink    `yaml:"links" json:"links"`
}

// MeetingsLink is a fellowship's meeting finder: its name (en and es), a
// web address or a phone number or both, and the fellowship (an id of
// vocabulary.yaml's meetings.fellowships) whose meetings it finds, or none
// for a finder of every fellowship's meetings.
type MeetingsLink struct {
	Fellowship string            `yaml:"fellowship,omitempty" json:"fellowship,omitempty"`
	Name       map[string]string `yaml:"name" json:"name"`
	URL        string            `yaml:"url,omitempty" json:"url,omitempty"`
	Call       string            `yaml:"call,omitempty" json:"call,omitempty"`
}

// Line is a phone line: what it is (en and es), the number to call and,
// when it takes texts, the number to text.
type Line struct {
	ID   string            `yaml:"id,omitempty" json:"id,omitempty"`
	Name map[string]string `yaml:"name" json:"name"`
	Call string            `yaml:"call" json:"call"`
	Text string            `yaml:"text,omitempty" json:"text,omitempty"`
	Note map[string]string `yaml:"note,omitempty" json:"note,omitempty"`
}

// Crisis lists the crisis lines (each with an id) and which answer each
// kind of crisis (suicide, overdose, violence, or any), first line first.
type Crisis struct {
	Lines   []Line              `yaml:"lines" json:"lines"`
	Answers map[string][]string `yaml:"answers" json:"answers"`
}

// VocabularyFile is data/vocabulary.yaml: how people say what they need
// beyond the taxonomy's labels and synonyms. Every list is keyed by
// language (en, es); words are lowercase.
type VocabularyFile struct {
	// Protected are words spelling correction never rewrites.
	Protected map[string][]string `yaml:"protected,omitempty" json:"protected,omitempty"`
	// Who are the words that say who the person is: id is a gender or a
	// population.
	Who []WordGroup `yaml:"who,omitempty" json:"who,omitempty"`
	// Crisis are the words of a crisis: id is suicide, overdose or
	// violence.
	Crisis []WordGroup `yaml:"crisis,omitempty" json:"crisis,omitempty"`
	// Urgent words ask for help now; fillers wrap a request; heads are
	// nouns that name a kind of place.
	Urgent  map[string][]string `yaml:"urgent,omitempty" json:"urgent,omitempty"`
	Fillers map[string][]string `yaml:"fillers,omitempty" json:"fillers,omitempty"`
	Heads   map[string][]string `yaml:"heads,omitempty" json:"heads,omitempty"`
	// Free words ask for services at no cost.
	Free map[string][]string `yaml:"free,omitempty" json:"free,omitempty"`
	// Meetings are the words that ask for recovery meetings.
	Meetings *MeetingVocabulary `yaml:"meetings,omitempty" json:"meetings,omitempty"`
}

// MeetingVocabulary is the words that ask for recovery meetings: words
// that ask for a meeting, the fellowships and the words naming them, words
// naming meeting types (Meeting Guide type codes), words asking for a
// meeting online, in person, or for someone who cannot travel, and words
// asking for one tonight.
type MeetingVocabulary struct {
	Words       map[string][]string `yaml:"words,omitempty" json:"words,omitempty"`
	Fellowships []FellowshipWords   `yaml:"fellowships,omitempty" json:"fellowships,omitempty"`
	Types       []MeetingTypeWords  `yaml:"types,omitempty" json:"types,omitempty"`
	Online      map[string][]string `yaml:"online,omitempty" json:"online,omitempty"`
	InPerson    map[string][]string `yaml:"in_person,omitempty" json:"in_person,omitempty"`
	NoTransport map[string][]string `yaml:"no_transport,omitempty" json:"no_transport,omitempty"`
	Tonight     map[string][]string `yaml:"tonight,omitempty" json:"tonight,omitempty"`
}

// FellowshipWords is a fellowship: its id (a slug), its name (en and es)
// and the words that name it.
type FellowshipWords struct {
	ID    string              `yaml:"id" json:"id"`
	Name  map[string]string   `yaml:"name" json:"name"`
	Words map[string][]string `yaml:"words" json:"words"`
}

// MeetingTypeWords are words asking for meetings with one of codes.
type MeetingTypeWords struct {
	Codes []string            `yaml:"codes" json:"codes"`
	Words map[string][]string `yaml:"words" json:"words"`
}

// WordGroup is the words, by language, that name one thing, and the
// categories those words also ask for (a crisis group: "my friend
// overdosed" asks for crisis lines and harm reduction).
type WordGroup struct {
	ID    string              `yaml:"id" json:"id"`
	Words map[string][]string `yaml:"words" json:"words"`
	Needs []string            `yaml:"needs,omitempty" json:"needs,omitempty"`
}

// TaxonomyFile is data/taxonomy.yaml: the needs categories.
type TaxonomyFile struct {
	Categories []TaxonomyCategory `yaml:"categories" json:"categories"`
}

// TaxonomyCategory is a top-level category with its subcategories. A
// subcategory's ID is its own slug; its full id is "<parent>.<slug>".
type TaxonomyCategory struct {
	ID          string              `yaml:"id" json:"id"`
	Label       map[string]string   `yaml:"label" json:"label"` // required: en and es
	Description map[string]string   `yaml:"description,omitempty" json:"description,omitempty"`
	Synonyms    map[string][]string `yaml:"synonyms,omitempty" json:"synonyms,omitempty"`
	// UsualSeason is when the category's services usually operate, for
	// listings that give no season (farmers markets).
	UsualSeason *Season `yaml:"usual_season,omitempty" json:"usual_season,omitempty"`
	// Also, for a subcategory, are the categories to look in when none
	// of its services is near, instead of its parent (health insurance
	// enrollment: the community health centers that enroll people, not
	// every income and benefits office).
	Also     []string           `yaml:"also,omitempty" json:"also,omitempty"`
	Children []TaxonomyCategory `yaml:"children,omitempty" json:"children,omitempty"`
}
