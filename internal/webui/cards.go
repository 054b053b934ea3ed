package webui

import (
	"fmt"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/i18n"
	"trellis/internal/mapsvg"
	"trellis/internal/present"
)

// The page models below are built from the record views in package
// present, which the API encodes as JSON: the pages add wording, never
// data the API would not show. In particular a confidential location comes
// without address, point or directions from present.Viewer.Location, and
// these models have nowhere else to get them from.

// phone is a number to call, with a tel: link.
type phone struct {
	Display string
	Href    template.URL
	Note    string
	Kind    string
	// Type is the listing's phone type ("" for voice).
	Type string
}

// place is where a service is delivered, as a card or the service page
// shows it.
type place struct {
	Name         string
	Confidential bool
	Address      []string
	// Point is where the place is, for maps, directions and geo: links;
	// nil for a confidential place or one without a point.
	Point *present.PointView
	// Directions links to directions, from the searched place when there
	// is one; GeoURL opens the place in a phone's maps app.
	Directions string
	GeoURL     template.URL
	// Away says how far and which way the place is from the searched
	// place: "0.7 mi north-east".
	Away string
	// DirectionsQR, on a kiosk, carries the directions to a phone.
	DirectionsQR template.HTML
	Open         string
	OpenClass    string
	Hours        []string
	HoursNote    string
	Wheelchair   string
	Access       string
	Transit      string
	Phones       []phone
}

// card is a service on a result page or a printed list.
type card struct {
	// Number is the card's number in the results, which its pin on the
	// map carries.
	Number      int
	ID          string
	Name        string
	Org         string
	Categories  []string
	Description string
	Place       *place // nil for a service without locations
	Distance    string
	Phones      []phone
	// Call is the number the card's big button calls: the first voice
	// line; HelpLine is offered instead when the listing has none.
	Call     *phone
	HelpLine *line
	// More are the listing's other numbers, with links.
	More        []phone
	Eligibility []string
	Cost        string
	Languages   string
	Verified    string
	Stale       bool
	Alert       string
	Inactive    string
	Picked      bool
	Website     string
}

// words builds page text in one language.
type words struct {
	lang  string
	now   time.Time
	stale time.Duration
	// from is the searched place (nil without one): directions start there
	// and places say how far and which way they are from it.
	from *geo.Place
	// help is the directory's help line, offered where a listing gives no
	// number to call.
	help *line
}

// newWords returns the wording of a request's pages, from the searched
// place from (nil for none).
func newWords(r *request, from *geo.Place) words {
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter, from: from}
	if hl := r.snap.Catalog.Info.HelpLine; hl != nil {
		v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang}
		w.help = &lines(v.Lines([]directory.Line{*hl}))[0]
	}
	return w
}

// callable chooses the number a card's Call button dials: the first
// voice or hotline number, else any number with a link; nil for none.
func callable(ps []phone) *phone {
	for i, p := range ps {
		if p.Href != "" && (p.Type == "" || p.Type == "voice" || p.Type == "hotline") {
			return &ps[i]
		}
	}
	for i, p := range ps {
		if p.Href != "" && p.Type != "fax" {
			return &ps[i]
		}
	}
	return nil
}

// setCall sets the card's Call button, or the help line when it has no
// number.
func (w words) setCall(c *card) {
	c.Call = callable(c.Phones)
	if c.Call == nil && c.Place != nil {
		c.Call = callable(c.Place.Phones)
	}
	if c.Call == nil {
		c.HelpLine = w.help
		return
	}
	for _, p := range c.Phones {
		if p.Href != "" && p.Href != c.Call.Href {
			c.More = append(c.More, p)
		}
	}
}

// away says how far and which way p is from the searched place: "0.7 mi
// north-east"; "" without a searched place.
func (w words) away(p present.PointView) string {
	if w.from == nil {
		return ""
	}
	pt := orb.Point{p.Lon, p.Lat}
	d := geo.FormatDistance(geo.Distance(w.from.Point, pt), "mi")
	if geo.Distance(w.from.Point, pt) < 100 {
		return w.t("distance.here", "distance", d)
	}
	return w.t("distance.away_dir", "distance", d, "dir", w.t("dir."+mapsvg.Compass(w.from.Point, pt)))
}

func (w words) t(key string, args ...string) string { return i18n.Default.T(w.lang, key, args...) }

// card renders a search hit.
func (w words) card(h present.HitView, s *directory.Service, picked bool) card {
	c := w.summary(h.Service, s)
	c.Picked = picked
	if h.Distance != nil {
		c.Distance = present.Away(h.Distance.Text, w.lang)
	}
	c.Phones = w.phones(h.Service.Phones)
	if h.Location != nil {
		pl := w.place(*h.Location, h.Open, c.Name)
		c.Place = &pl
	}
	w.setCall(&c)
	return c
}

// summary renders what every card shows of a service.
func (w words) summary(v present.ServiceSummary, s *directory.Service) card {
	c := card{ID: v.ID, Name: v.Name, Org: v.Organization.Name, Alert: v.Alert, Website: webURL(v.URL)}
	if v.Organization.Name == v.Name {
		c.Org = ""
	}
	for _, cv := range v.Categories {
		c.Categories = append(c.Categories, cv.Label)
	}
	c.Description = v.Description
	c.Eligibility = w.eligibility(v.Eligibility)
	c.Cost = w.cost(v.Cost)
	c.Languages = w.languages(v.Languages)
	if v.LastVerified != "" {
		c.Verified = w.t("card.verified", "date", present.Date(s.LastVerified, w.lang))
		c.Stale = w.stale > 0 && w.now.Sub(s.LastVerified) > w.stale
	} else {
		c.Verified = w.t("card.never_verified")
	}
	if v.Status != string(directory.StatusActive) {
		c.Inactive = w.t("status." + strings.ReplaceAll(v.Status, " ", "_"))
	}
	return c
}

// place renders a location of the service named name with its open
// state.
func (w words) place(l present.LocationView, open present.OpenView, name string) place {
	p := place{Name: l.Name, Confidential: l.Confidential, Directions: l.DirectionsURL,
		Open: open.Text, OpenClass: openClass(open), Access: l.Accessibility, Transit: l.Transit}
	if pt := l.Point; pt != nil && !l.Confidential {
		p.Point = pt
		if w.from != nil {
			p.Directions = present.DirectionsFrom(*pt, &present.PointView{Lat: w.from.Point.Lat(), Lon: w.from.Point.Lon()})
		}
		p.GeoURL = template.URL(present.GeoURI(*pt, name))
		p.Away = w.away(*pt)
	}
	if a := l.Address; a != nil {
		p.Address = append(p.Address, a.Street)
		if a.Street2 != "" {
			p.Address = append(p.Address, a.Street2)
		}
		p.Address = append(p.Address, strings.TrimSpace(fmt.Sprintf("%s, %s %s", a.City, a.State, a.ZIP)))
	}
	if l.Wheelchair != nil {
		if *l.Wheelchair {
			p.Wheelchair = w.t("place.wheelchair_yes")
		} else {
			p.Wheelchair = w.t("place.wheelchair_no")
		}
	}
	p.Phones = w.phones(l.Phones)
	return p
}

func openClass(o present.OpenView) string {
	switch {
	case !o.Known:
		return "unknown"
	case o.Open:
		return "open"
	}
	return "closed"
}

// phones renders phone numbers with tel: links; fax numbers get no link.
func (w words) phones(ps []present.PhoneView) []phone {
	var out []phone
	for _, p := range ps {
		ph := phone{Display: p.Number, Note: p.Note, Type: p.Type}
		if p.Extension != "" {
			ph.Display += " " + w.t("phone.ext", "ext", p.Extension)
		}
		switch p.Type {
		case "fax":
			ph.Kind = w.t("phone.fax")
		case "tty":
			ph.Kind = w.t("phone.tty")
		case "text":
			ph.Kind = w.t("phone.text")
		case "hotline":
			ph.Kind = w.t("phone.hotline")
		}
		if p.Type != "fax" {
			ph.Href = telURL(p.Number, p.Extension)
		}
		out = append(out, ph)
	}
	return out
}

// telURL builds a tel: link from a number as listings write it ("(202)
// 555-0100", "311"); it keeps digits and a leading plus only, so nothing
// but a phone number can reach the link.
func telURL(number, ext string) template.URL {
	digits := present.Dial(strings.TrimSpace(number))
	if digits == "" {
		return ""
	}
	u := "tel:" + digits
	if ext != "" {
		if _, err := strconv.Atoi(ext); err == nil {
			u += ";ext=" + ext
		}
	}
	return template.URL(u)
}

// webURL keeps http and https links only.
func webURL(u string) string {
	if strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://") {
		return u
	}
	return ""
}

// eligibility says who a service is for in plain words, one line per rule;
// a listing without rules says so, since unknown is not "no".
func (w words) eligibility(e *present.EligibilityView) []string {
	if e == nil {
		return []string{w.t("elig.none")}
	}
	var out []string
	if a := e.Age; a != nil {
		switch {
		case a.Min != nil && a.Max != nil:
			out = append(out, w.t("elig.age_range", "min", strconv.Itoa(*a.Min), "max", strconv.Itoa(*a.Max)))
		case a.Min != nil:
			out = append(out, w.t("elig.age_min", "min", strconv.Itoa(*a.Min)))
		case a.Max != nil:
			out = append(out, w.t("elig.age_max", "max", strconv.Itoa(*a.Max)))
		}
	}
	if len(e.Genders) > 0 {
		out = append(out, w.t("elig.genders", "list", w.list("gender.", e.Genders)))
	}
	if len(e.Populations) > 0 {
		out = append(out, w.t("elig.only", "list", w.list("population.", e.Populations)))
	}
	if len(e.Focus) > 0 {
		out = append(out, w.t("elig.focus", "list", w.list("population.", e.Focus)))
	}
	if len(e.Documents) > 0 {
		out = append(out, w.t("elig.documents", "list", strings.Join(e.Documents, ", ")))
	}
	if len(out) == 0 {
		out = append(out, w.t("elig.see_notes"))
	}
	return out
}

// list joins the labels of message keys prefix+item: "women and
// nonbinary people".
func (w words) list(prefix string, items []string) string {
	labels := make([]string, len(items))
	for i, it := range items {
		labels[i] = w.t(prefix + it)
	}
	switch len(labels) {
	case 1:
		return labels[0]
	case 2:
		return w.t("list.two", "a", labels[0], "b", labels[1])
	}
	return w.t("list.many", "items", strings.Join(labels[:len(labels)-1], ", "), "last", labels[len(labels)-1])
}

func (w words) cost(c string) string {
	if c == "" {
		return ""
	}
	return w.t("cost." + c)
}

// languages names the languages a service is offered in.
func (w words) languages(codes []string) string {
	if len(codes) == 0 {
		return ""
	}
	names := make([]string, len(codes))
	for i, c := range codes {
		names[i] = languageName(c, w.lang)
	}
	return w.t("card.languages", "list", strings.Join(names, ", "))
}

// hoursLines says a location's or service's hours for people, one line per
// rule: "Mon–Fri: 9 AM – 5 PM", "Open 24 hours, every day".
func (w words) hoursLines(h *directory.Hours) []string {
	if h == nil {
		return nil
	}
	var out []string
	if h.Always {
		out = append(out, w.t("hours.always"))
	}
	for _, s := range h.Weekly {
		open, close := w.clock(s.Open), w.clock(s.Close)
		key := "hours.span"
		if s.Overnight() {
			key = "hours.span_overnight"
		}
		out = append(out, w.t(key, "days", w.days(s.Days), "open", open, "close", close))
	}
	if h.ByAppointment {
		out = append(out, w.t("hours.appointment"))
	}
	if s := h.Season; s != nil {
		out = append(out, w.t("hours.season", "from", w.monthDay(s.FromMonth, s.FromDay), "to", w.monthDay(s.ToMonth, s.ToDay)))
	}
	for _, c := range h.Closures {
		from := time.Date(c.From.Year, c.From.Month, c.From.Day, 0, 0, 0, 0, time.UTC)
		to := time.Date(c.To.Year, c.To.Month, c.To.Day, 0, 0, 0, 0, time.UTC)
		if to.Before(w.now.AddDate(0, 0, -1)) {
			continue
		}
		if from.Equal(to) {
			out = append(out, w.t("hours.closed_on", "date", present.Date(from, w.lang)))
		} else {
			out = append(out, w.t("hours.closed_from", "from", present.Date(from, w.lang), "to", present.Date(to, w.lang)))
		}
	}
	return out
}

func (w words) clock(c directory.Clock) string {
	return present.Clock(time.Date(2000, 1, 1, int(c)/60%24, int(c)%60, 0, 0, time.UTC), w.lang)
}

func (w words) monthDay(m time.Month, d int) string {
	return w.t("date.month_day", "month", w.t(fmt.Sprintf("month.%d", int(m))), "day", strconv.Itoa(d))
}

// days names a set of days: "Every day", "Mon–Fri", "Mon–Wed, Fri".
func (w words) days(s directory.DaySet) string {
	switch s {
	case directory.Everyday:
		return w.t("days.everyday")
	case directory.Weekdays:
		return w.t("days.weekdays")
	case directory.Weekends:
		return w.t("days.weekends")
	}
	return present.DayRuns(s, "–", func(d time.Weekday) string { return w.t(fmt.Sprintf("day.short.%d", int(d))) })
}

// line is a phone line to call or text now: a crisis line or the help
// line, with its links made safe for the template (only digits reach
// them).
type line struct {
	Name, Call, Note string
	CallURL, TextURL template.URL
}

// lines renders phone lines for the pages.
func lines(ls []present.LineView) []line {
	out := make([]line, 0, len(ls))
	for _, l := range ls {
		ln := line{Name: l.Name, Call: l.Call, Note: l.Note, CallURL: template.URL("tel:" + present.Dial(l.Call))}
		if l.Text != "" {
			ln.TextURL = template.URL("sms:" + present.Dial(l.Text))
		}
		out = append(out, ln)
	}
	return out
}

// phoneInText finds phone numbers in listing text: ten-digit North
// American numbers written with separators ("(202) 555-0100",
// "800-799-7233", "1-800-662-4357") and the three-digit service codes
// people call (211, 311, 911, 988).
var phoneInText = regexp.MustCompile(`(?:\b1[-. ])?(?:\(\d{3}\)\s?|\b\d{3}[-. ])\d{3}[-. ]\d{4}\b|\b(?:211|311|511|711|911|988)\b`)

// linkPhones escapes text for HTML and makes each phone number in it a
// tel: link.
func linkPhones(text string) string {
	var b strings.Builder
	last := 0
	for _, m := range phoneInText.FindAllStringIndex(text, -1) {
		b.WriteString(template.HTMLEscapeString(text[last:m[0]]))
		num := text[m[0]:m[1]]
		b.WriteString(`<a class="tel" href="` + string(telURL(num, "")) + `">` + template.HTMLEscapeString(num) + `</a>`)
		last = m[1]
	}
	b.WriteString(template.HTMLEscapeString(text[last:]))
	return b.String()
}
