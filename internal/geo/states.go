package geo

import "strings"

// state is a US state, the District of Columbia or a territory, with its
// two-digit Census FIPS code, USPS postal code and name.
type state struct {
	fips, code, name string
}

// states lists every state and county-equivalent-holding territory that the
// county boundaries cover, keyed by their Census FIPS codes (public ANSI
// INCITS 38 codes).
var states = []state{
	{"01", "AL", "Alabama"},
	{"02", "AK", "Alaska"},
	{"04", "AZ", "Arizona"},
	{"05", "AR", "Arkansas"},
	{"06", "CA", "California"},
	{"08", "CO", "Colorado"},
	{"09", "CT", "Connecticut"},
	{"10", "DE", "Delaware"},
	{"11", "DC", "District of Columbia"},
	{"12", "FL", "Florida"},
	{"13", "GA", "Georgia"},
	{"15", "HI", "Hawaii"},
	{"16", "ID", "Idaho"},
	{"17", "IL", "Illinois"},
	{"18", "IN", "Indiana"},
	{"19", "IA", "Iowa"},
	{"20", "KS", "Kansas"},
	{"21", "KY", "Kentucky"},
	{"22", "LA", "Louisiana"},
	{"23", "ME", "Maine"},
	{"24", "MD", "Maryland"},
	{"25", "MA", "Massachusetts"},
	{"26", "MI", "Michigan"},
	{"27", "MN", "Minnesota"},
	{"28", "MS", "Mississippi"},
	{"29", "MO", "Missouri"},
	{"30", "MT", "Montana"},
	{"31", "NE", "Nebraska"},
	{"32", "NV", "Nevada"},
	{"33", "NH", "New Hampshire"},
	{"34", "NJ", "New Jersey"},
	{"35", "NM", "New Mexico"},
	{"36", "NY", "New York"},
	{"37", "NC", "North Carolina"},
	{"38", "ND", "North Dakota"},
	{"39", "OH", "Ohio"},
	{"40", "OK", "Oklahoma"},
	{"41", "OR", "Oregon"},
	{"42", "PA", "Pennsylvania"},
	{"44", "RI", "Rhode Island"},
	{"45", "SC", "South Carolina"},
	{"46", "SD", "South Dakota"},
	{"47", "TN", "Tennessee"},
	{"48", "TX", "Texas"},
	{"49", "UT", "Utah"},
	{"50", "VT", "Vermont"},
	{"51", "VA", "Virginia"},
	{"53", "WA", "Washington"},
	{"54", "WV", "West Virginia"},
	{"55", "WI", "Wisconsin"},
	{"56", "WY", "Wyoming"},
	{"60", "AS", "American Samoa"},
	{"66", "GU", "Guam"},
	{"69", "MP", "Northern Mariana Islands"},
	{"72", "PR", "Puerto Rico"},
	{"78", "VI", "U.S. Virgin Islands"},
}

var (
	stateByFIPS = map[string]*state{}
	stateByCode = map[string]*state{}
	stateByName = map[string]*state{}
)

func init() {
	for i := range states {
		s := &states[i]
		stateByFIPS[s.fips] = s
		stateByCode[s.code] = s
		stateByName[foldName(s.name)] = s
	}
}

// StateCode returns the two-letter postal code for a state given as a postal
// code in any case ("md") or a full name ("Maryland", "district of
// columbia"). It returns "" and false when s names no state, the District of
// Columbia or a territory Trellis knows.
func StateCode(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if st, ok := stateByCode[strings.ToUpper(t)]; ok {
		return st.code, true
	}
	if st, ok := stateByName[foldName(t)]; ok {
		return st.code, true
	}
	return "", false
}

// StateCodes returns the two-letter postal codes of every state, DC and
// territory Trellis knows, in FIPS order.
func StateCodes() []string {
	out := make([]string, len(states))
	for i, st := range states {
		out[i] = st.code
	}
	return out
}

// StateName returns the name of the state with postal code code ("MD" gives
// "Maryland"; any case). It returns "" and false for an unknown code.
func StateName(code string) (string, bool) {
	st, ok := stateByCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return "", false
	}
	return st.name, true
}

// stateOfFIPS returns the postal code of the state a county FIPS code
// ("24031") or state FIPS code ("24") belongs to, or "" when unknown.
func stateOfFIPS(fips string) string {
	if len(fips) < 2 {
		return ""
	}
	if st, ok := stateByFIPS[fips[:2]]; ok {
		return st.code
	}
	return ""
}

// StateFIPS returns the two-digit Census FIPS code of the state with postal
// code code ("MD" gives "24"; any case), or "" and false for an unknown
// code.
func StateFIPS(code string) (string, bool) {
	st, ok := stateByCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return "", false
	}
	return st.fips, true
}

// StateOfFIPS returns the postal code of the state with two-digit Census
// FIPS code fips ("24" gives "MD"), or "" and false for an unknown code.
func StateOfFIPS(fips string) (string, bool) {
	if len(fips) != 2 {
		return "", false
	}
	code := stateOfFIPS(fips)
	return code, code != ""
}
