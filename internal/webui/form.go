package webui

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"trellis/internal/directory"
	"trellis/internal/match"
	"trellis/internal/need"
)

// form is the state a visitor carries from page to page: what they search
// for, where, the filters, the page of results and the services they ticked.
// It lives only in the page (hidden fields and, outside kiosk mode, the
// URL): nothing about it is kept on the server or in cookies.
//
// Buttons that change one part of the state submit an override field beside
// the hidden one, so a page can carry the state and offer changes in the
// same form: setlang for lang, sethc for hc, setcat for category, go for
// page (the search button: a new search, on page 1) and topage for page
// (the pager: the same search, on another page).
type form struct {
	Q        string
	Near     string // a ZIP code typed by the visitor
	Here     string // "lat,lon" from the browser's location, rounded
	Category string
	Open     bool
	Free     bool
	Language string
	Radius   string // "1mi" ... "25mi", or "" for any distance
	// Who the results are for: an age as typed (AgeText, kept to show it
	// again) and read (Age, nil when empty or not a whole number from 0
	// to 130, which AgeBad reports), a gender, veteran, and a family with
	// children.
	AgeText string
	Age     *int
	AgeBad  bool
	Gender  string
	Veteran bool
	Family  bool
	Page    int
	Picks   []string
	Lang    string
	HC      bool  // high contrast
	Issued  int64 // kiosk: when the page holding the form was made, Unix seconds
}

// Limits on what a form carries.
const (
	maxPicks   = 20
	maxNearLen = 40
)

// radiusChoices are the distances offered in the filter.
var radiusChoices = []string{"1mi", "3mi", "5mi", "10mi", "25mi"}

// parseForm reads the state from a request's query and form values. It is
// lenient, as a page must be: unknown fields are ignored, bad values are
// dropped, and only services and categories that exist survive.
func parseForm(v url.Values, cat *directory.Catalog, langOK func(string) bool) form {
	f := form{
		Q:        limit(pick(v, "q", "setq"), match.MaxTextLen),
		Near:     limit(strings.TrimSpace(v.Get("near")), maxNearLen),
		Here:     limit(strings.TrimSpace(v.Get("here")), maxNearLen),
		Category: pick(v, "category", "setcat"),
		Open:     truthy(v.Get("open")),
		Free:     truthy(v.Get("free")),
		Language: strings.ToLower(strings.TrimSpace(v.Get("language"))),
		Radius:   v.Get("radius"),
		AgeText:  limit(strings.TrimSpace(v.Get("age")), 3),
		Gender:   strings.TrimSpace(v.Get("gender")),
		Veteran:  truthy(v.Get("veteran")),
		Family:   truthy(v.Get("family")),
		Lang:     pick(v, "lang", "setlang"),
		HC:       truthy(pick(v, "hc", "sethc")),
	}
	if f.Category != "" && cat.Taxonomy.Category(f.Category) == nil {
		f.Category = ""
	}
	if !langOK(f.Lang) {
		f.Lang = ""
	}
	if !validLanguageTag(f.Language) {
		f.Language = ""
	}
	if !contains(radiusChoices, f.Radius) {
		f.Radius = ""
	}
	if !contains(directory.Genders, f.Gender) {
		f.Gender = ""
	}
	if f.AgeText != "" {
		if n, err := strconv.Atoi(f.AgeText); err == nil && n >= 0 && n <= 130 {
			f.Age = &n
		} else {
			f.AgeBad = true
		}
	}
	page := pick(v, "page", "topage")
	if v.Has("go") {
		page = v.Get("go")
	}
	if n, err := strconv.Atoi(page); err == nil && n >= 1 && n <= match.MaxWindow/perPage {
		f.Page = n
	} else {
		f.Page = 1
	}
	if n, err := strconv.ParseInt(v.Get("t"), 10, 64); err == nil {
		f.Issued = n
	}
	if v.Get("clear") == "filters" {
		f.Category, f.Open, f.Free, f.Language, f.Radius = "", false, false, "", ""
		f.AgeText, f.Age, f.AgeBad, f.Gender, f.Veteran, f.Family = "", nil, false, "", false, false
	}
	if (v.Has("setcat") || v.Has("setq") || v.Has("clear")) && !v.Has("go") {
		f.Page = 1
	}
	var picks []string
	for _, raw := range v["pick"] {
		for _, id := range strings.Split(raw, ",") {
			picks = append(picks, strings.TrimSpace(id))
		}
	}
	for _, id := range strings.Split(v.Get("s"), ",") {
		picks = append(picks, strings.TrimSpace(id))
	}
	f.Picks = cleanPicks(picks, cat)
	return f
}

// cleanPicks keeps the ids of services and recovery meetings that exist,
// once each, in order, at most maxPicks.
func cleanPicks(ids []string, cat *directory.Catalog) []string {
	var out []string
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] || (cat.Service(id) == nil && cat.Meeting(id) == nil) {
			continue
		}
		seen[id] = true
		out = append(out, id)
		if len(out) == maxPicks {
			break
		}
	}
	return out
}

// pick returns the override field's value when given, else the base
// field's.
func pick(v url.Values, base, override string) string {
	if o := strings.TrimSpace(v.Get(override)); o != "" || v.Has(override) {
		return o
	}
	return strings.TrimSpace(v.Get(base))
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

func limit(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// validLanguageTag accepts the BCP 47 primary tags listings use ("es",
// "zh", "asl" is not one, but "sgn" is): two or three letters.
func validLanguageTag(s string) bool {
	if len(s) < 2 || len(s) > 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// person returns who the results are for, nil when the visitor said
// nothing: the who-filters and the language filter.
func (f form) person() *need.Person {
	p := &need.Person{Age: f.Age, Gender: f.Gender}
	if f.Veteran {
		t := true
		p.Veteran = &t
		p.Circumstances = append(p.Circumstances, directory.PopulationVeterans)
	}
	if f.Family {
		p.Circumstances = append(p.Circumstances, directory.PopulationFamilies)
	}
	if f.Language != "" {
		p.Languages = []string{f.Language}
	}
	if p.IsZero() {
		return nil
	}
	return p
}

// hasSearch reports whether the state describes a search to show results
// for.
func (f form) hasSearch() bool {
	return f.Q != "" || f.Category != "" || f.Near != "" || f.Here != ""
}

// values returns the state as form values, leaving out the names in skip
// and empty values.
func (f form) values(skip ...string) url.Values {
	v := url.Values{}
	set := func(name, val string) {
		if val != "" && !contains(skip, name) {
			v.Set(name, val)
		}
	}
	flag := func(b bool) string {
		if b {
			return "1"
		}
		return ""
	}
	set("q", f.Q)
	set("near", f.Near)
	set("here", f.Here)
	set("category", f.Category)
	set("open", flag(f.Open))
	set("free", flag(f.Free))
	set("language", f.Language)
	set("radius", f.Radius)
	set("age", f.AgeText)
	set("gender", f.Gender)
	set("veteran", flag(f.Veteran))
	set("family", flag(f.Family))
	if f.Page > 1 {
		set("page", strconv.Itoa(f.Page))
	}
	set("lang", f.Lang)
	set("hc", flag(f.HC))
	if f.Issued > 0 {
		set("t", strconv.FormatInt(f.Issued, 10))
	}
	if !contains(skip, "pick") {
		for _, id := range f.Picks {
			v.Add("pick", id)
		}
	}
	return v
}

// hidden renders the state as hidden inputs, leaving out the names in
// skip (fields the page shows as visible inputs).
func (f form) hidden(skip ...string) template.HTML {
	v := f.values(skip...)
	var b strings.Builder
	for _, name := range formFields {
		for _, val := range v[name] {
			b.WriteString(`<input type="hidden" name="`)
			b.WriteString(name)
			b.WriteString(`" value="`)
			b.WriteString(template.HTMLEscapeString(val))
			b.WriteString(`">`)
		}
	}
	return template.HTML(b.String())
}

// formFields are the names of the state's fields, in the order hidden
// inputs and links carry them.
var formFields = []string{"q", "near", "here", "category", "open", "free", "language", "radius",
	"age", "gender", "veteran", "family", "page", "lang", "hc", "t", "pick"}

// query returns the state as a query string for a link ("" for none),
// leaving out the names in skip.
func (f form) query(skip ...string) string {
	v := f.values(skip...)
	var b strings.Builder
	for _, name := range formFields {
		for _, val := range v[name] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(name + "=" + url.QueryEscape(val))
		}
	}
	return b.String()
}

// picked reports whether service id is on the visitor's list.
func (f form) picked(id string) bool { return contains(f.Picks, id) }

// without returns picks other than ids.
func (f form) picksOtherThan(ids map[string]bool) []string {
	var out []string
	for _, id := range f.Picks {
		if !ids[id] {
			out = append(out, id)
		}
	}
	return out
}
