package present

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// The shapes in which directory records leave Trellis: the API encodes them
// as JSON and the web pages render them. Views are the only way records
// leave, so the rule "a confidential location never shows its address,
// point or directions" lives here, in Viewer.Location, for both.

type CategoryView struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type PhoneView struct {
	Number    string   `json:"number"`
	Extension string   `json:"extension,omitempty"`
	Type      string   `json:"type,omitempty"`
	Note      string   `json:"note,omitempty"`
	Languages []string `json:"languages,omitempty"`
}

type AddressView struct {
	Street  string `json:"street"`
	Street2 string `json:"street2,omitempty"`
	City    string `json:"city"`
	State   string `json:"state"`
	ZIP     string `json:"zip,omitempty"`
	County  string `json:"county,omitempty"`
}

type PointView struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type OpenView struct {
	Known         bool       `json:"known"`
	Open          bool       `json:"open"`
	Until         *time.Time `json:"until,omitempty"`
	Next          *time.Time `json:"next,omitempty"`
	ByAppointment bool       `json:"by_appointment,omitempty"`
	Text          string     `json:"text"`
}

type LocationView struct {
	ID           string       `json:"id"`
	Name         string       `json:"name,omitempty"`
	Confidential bool         `json:"confidential,omitempty"`
	Address      *AddressView `json:"address,omitempty"`
	Point        *PointView   `json:"point,omitempty"`
	// DirectionsURL opens the address in a map; none for confidential
	// locations.
	DirectionsURL string      `json:"directions_url,omitempty"`
	Description   string      `json:"description,omitempty"`
	Languages     []string    `json:"languages,omitempty"`
	Wheelchair    *bool       `json:"wheelchair,omitempty"`
	Accessibility string      `json:"accessibility,omitempty"`
	Transit       string      `json:"transit,omitempty"`
	Phones        []PhoneView `json:"phones,omitempty"`
	Hours         *HoursView  `json:"hours,omitempty"`
}

type OrgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type DistanceView struct {
	Meters float64 `json:"meters"`
	Text   string  `json:"text"`
}

// ServiceSummary is a service on a result card.
type ServiceSummary struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	Organization OrgRef           `json:"organization"`
	Categories   []CategoryView   `json:"categories"`
	Description  string           `json:"description,omitempty"`
	Cost         string           `json:"cost,omitempty"`
	Insurance    []string         `json:"insurance,omitempty"`
	Languages    []string         `json:"languages,omitempty"`
	Apply        []string         `json:"apply,omitempty"`
	Phones       []PhoneView      `json:"phones,omitempty"`
	URL          string           `json:"url,omitempty"`
	Status       string           `json:"status"`
	Alert        string           `json:"alert,omitempty"`
	Eligibility  *EligibilityView `json:"eligibility,omitempty"`
	LastVerified string           `json:"last_verified,omitempty"`
}

type AgeView struct {
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

type EligibilityView struct {
	Age         *AgeView `json:"age,omitempty"`
	Genders     []string `json:"genders,omitempty"`
	Populations []string `json:"populations,omitempty"`
	Focus       []string `json:"focus,omitempty"`
	Income      string   `json:"income,omitempty"`
	Residency   string   `json:"residency,omitempty"`
	Documents   []string `json:"documents,omitempty"`
	Notes       string   `json:"notes,omitempty"`
}

type SpanView struct {
	Days  string `json:"days"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

type ClosureView struct {
	From string `json:"from"`
	To   string `json:"to"`
	Note string `json:"note,omitempty"`
}

type SeasonView struct {
	From string `json:"from"` // MM-DD
	To   string `json:"to"`
}

type HoursView struct {
	AlwaysOpen    bool          `json:"always_open,omitempty"`
	Weekly        []SpanView    `json:"weekly,omitempty"`
	ByAppointment bool          `json:"by_appointment,omitempty"`
	Season        *SeasonView   `json:"season,omitempty"`
	Closures      []ClosureView `json:"closures,omitempty"`
	Notes         string        `json:"notes,omitempty"`
	TimeZone      string        `json:"time_zone"`
}

type AreaView struct {
	RadiusMeters float64  `json:"radius_m,omitempty"`
	Counties     []string `json:"counties,omitempty"`
	ZIPs         []string `json:"zips,omitempty"`
	States       []string `json:"states,omitempty"`
	Polygon      bool     `json:"polygon,omitempty"`
	Note         string   `json:"note,omitempty"`
	Summary      string   `json:"summary"`
}

type SourceView struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// ServiceDetail is GET /api/v1/services/{id}.
type ServiceDetail struct {
	ServiceSummary
	AlternateName string         `json:"alternate_name,omitempty"`
	Email         string         `json:"email,omitempty"`
	Locations     []LocationView `json:"locations"`
	// OpenAt says, per location id, whether the service is open now.
	Open        map[string]OpenView `json:"open,omitempty"`
	ServiceArea *AreaView           `json:"service_area,omitempty"`
	Fees        string              `json:"fees,omitempty"`
	HowToApply  string              `json:"how_to_apply,omitempty"`
	Hours       *HoursView          `json:"hours,omitempty"`
	Capacity    string              `json:"capacity,omitempty"`
	VerifiedBy  string              `json:"verified_by,omitempty"`
	Source      *SourceView         `json:"source,omitempty"`
}

// OrganizationDetail is GET /api/v1/organizations/{id}.
type OrganizationDetail struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	AlternateName string           `json:"alternate_name,omitempty"`
	Description   string           `json:"description,omitempty"`
	Website       string           `json:"website,omitempty"`
	Email         string           `json:"email,omitempty"`
	Phones        []PhoneView      `json:"phones,omitempty"`
	Locations     []LocationView   `json:"locations"`
	Services      []ServiceSummary `json:"services"`
	Source        *SourceView      `json:"source,omitempty"`
}

// Viewer renders records for one request: the catalog they come from, the
// language to label them in, the instant their open state is told at and
// the distance unit ("mi" or "km").
type Viewer struct {
	Catalog *directory.Catalog
	Lang    string
	Now     time.Time
	Unit    string
}

// Categories labels category ids in the viewer's language; an unknown id
// is its own label.
func (v Viewer) Categories(ids []string) []CategoryView {
	out := make([]CategoryView, 0, len(ids))
	for _, id := range ids {
		cv := CategoryView{ID: id, Label: id}
		if c := v.Catalog.Taxonomy.Category(id); c != nil {
			cv.Label = c.Label.In(v.Lang)
		}
		out = append(out, cv)
	}
	return out
}

// Phones returns the phone numbers' views, nil for none.
func Phones(ps []directory.Phone) []PhoneView {
	if len(ps) == 0 {
		return nil
	}
	out := make([]PhoneView, len(ps))
	for i, p := range ps {
		out[i] = PhoneView{Number: p.Number, Extension: p.Extension, Type: p.Type, Note: p.Note, Languages: p.Languages}
	}
	return out
}

// Location renders a location; confidential ones lose their address,
// point, directions, description and transit notes.
func (v Viewer) Location(l *directory.Location) LocationView {
	lv := LocationView{
		ID: l.ID, Name: l.Name, Confidential: l.Confidential, Description: l.Description,
		Languages: l.Languages, Wheelchair: l.Wheelchair, Accessibility: l.Accessibility,
		Transit: l.Transit, Phones: Phones(l.Phones), Hours: v.Hours(l.Hours, v.Zone(l)),
	}
	if l.Confidential {
		lv.Description, lv.Transit = "", ""
		return lv
	}
	if a := l.Address; a != nil {
		lv.Address = &AddressView{Street: a.Street, Street2: a.Street2, City: a.City, State: a.State, ZIP: a.ZIP, County: a.County}
	}
	if l.HasPoint {
		lv.Point = &PointView{Lat: l.Point.Lat(), Lon: l.Point.Lon()}
	}
	lv.DirectionsURL = DirectionsURL(l)
	return lv
}

// DirectionsURL links to directions to l in OpenStreetMap, by its point;
// it returns "" for a confidential location or one without a point.
func DirectionsURL(l *directory.Location) string {
	if l.Confidential || !l.HasPoint {
		return ""
	}
	return DirectionsFrom(PointView{Lat: l.Point.Lat(), Lon: l.Point.Lon()}, nil)
}

// DirectionsFrom links to directions in OpenStreetMap to the point to,
// from the point from when given (the place a person searched near, to
// the nearest 100 m or so), else from wherever the map app puts them.
func DirectionsFrom(to PointView, from *PointView) string {
	u := "https://www.openstreetmap.org/directions?"
	if from != nil {
		u += fmt.Sprintf("from=%.4f%%2C%.4f&", from.Lat, from.Lon)
	}
	return u + fmt.Sprintf("to=%.6f%%2C%.6f", to.Lat, to.Lon)
}

// GeoURI is a geo: link (RFC 5870) to the point p, which phones open in
// their maps app, with label as the place's name.
func GeoURI(p PointView, label string) string {
	u := fmt.Sprintf("geo:%.6f,%.6f?q=%.6f,%.6f", p.Lat, p.Lon, p.Lat, p.Lon)
	if label = strings.Map(func(r rune) rune {
		if r == '(' || r == ')' || r < ' ' {
			return -1
		}
		return r
	}, label); label != "" {
		u += "(" + url.PathEscape(label) + ")"
	}
	return u
}

// Zone returns the time zone l's hours are read in: its own, else the
// directory's.
func (v Viewer) Zone(l *directory.Location) *time.Location {
	if l != nil && l.TimeZone != nil {
		return l.TimeZone
	}
	return v.Catalog.Info.TimeZone
}

// OpenState renders whether a place is open at the viewer's instant, with
// the text people read, its times shown in loc.
func (v Viewer) OpenState(st directory.OpenState, loc *time.Location) OpenView {
	ov := OpenView{Known: st.Known, Open: st.Open, ByAppointment: st.ByAppointment, Text: Open(st, v.Now, loc, v.Lang)}
	if !st.Until.IsZero() {
		u := st.Until
		ov.Until = &u
	}
	if !st.Next.IsZero() {
		n := st.Next
		ov.Next = &n
	}
	return ov
}

// Distance renders a distance in meters in the viewer's unit; nil for nil.
func (v Viewer) Distance(m *float64) *DistanceView {
	if m == nil {
		return nil
	}
	return &DistanceView{Meters: *m, Text: geo.FormatDistance(*m, v.Unit)}
}

// Eligibility renders who a service is for; nil when the listing sets no
// rule.
func Eligibility(e directory.Eligibility) *EligibilityView {
	ev := &EligibilityView{Genders: e.Genders, Populations: e.Populations, Focus: e.Focus, Income: e.Income,
		Residency: e.Residency, Documents: e.Documents, Notes: e.Notes}
	if !e.Age.IsZero() {
		ev.Age = &AgeView{Min: e.Age.Min, Max: e.Age.Max}
	}
	if ev.Age == nil && len(ev.Genders)+len(ev.Populations)+len(ev.Focus)+len(ev.Documents) == 0 &&
		ev.Income == "" && ev.Residency == "" && ev.Notes == "" {
		return nil
	}
	return ev
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}

// Summary renders a service as a result card shows it.
func (v Viewer) Summary(s *directory.Service) ServiceSummary {
	return ServiceSummary{
		ID: s.Key(), Name: s.Name, Organization: OrgRef{ID: s.Org.ID, Name: s.Org.Name},
		Categories: v.Categories(s.Categories), Description: s.Description, Cost: string(s.Cost),
		Insurance: s.Insurance, Languages: s.Languages, Apply: s.Apply, Phones: Phones(s.ContactPhones(nil)),
		URL: s.URL, Status: string(s.Status), Alert: s.Alert, Eligibility: Eligibility(s.Eligibility),
		LastVerified: dateString(s.LastVerified),
	}
}

// Detail renders a service with its locations, hours, open state at each
// location, service area and source.
func (v Viewer) Detail(s *directory.Service) ServiceDetail {
	d := ServiceDetail{
		ServiceSummary: v.Summary(s), AlternateName: s.AlternateName, Email: s.Email,
		Locations: make([]LocationView, 0, len(s.Locations)), Open: map[string]OpenView{},
		Fees: s.Fees, HowToApply: s.ApplyNotes, Capacity: s.Capacity, VerifiedBy: s.VerifiedBy,
	}
	for _, l := range s.Locations {
		d.Locations = append(d.Locations, v.Location(l))
		h, loc := s.HoursAt(l, v.Catalog.Info.TimeZone)
		d.Open[l.ID] = v.OpenState(h.At(v.Now, loc), loc)
	}
	if s.Hours != nil {
		zone := v.Catalog.Info.TimeZone
		if len(s.Locations) > 0 {
			zone = v.Zone(s.Locations[0])
		}
		d.Hours = v.Hours(s.Hours, zone)
	}
	if len(s.Locations) == 0 {
		d.Open = nil
	}
	if !s.Area.IsZero() {
		a := s.Area
		av := &AreaView{RadiusMeters: a.RadiusMeters, ZIPs: a.ZIPs, States: a.States, Polygon: len(a.Polygon) > 0,
			Note: a.Note, Summary: geo.AreaSummary(a)}
		for _, c := range a.Counties {
			av.Counties = append(av.Counties, geo.CountyLabel(c))
		}
		d.ServiceArea = av
	}
	if !s.Source.IsZero() {
		d.Source = &SourceView{Name: s.Source.Name, ID: s.Source.ID}
	}
	return d
}

// Organization renders an organization with its locations and services.
func (v Viewer) Organization(o *directory.Organization) OrganizationDetail {
	d := OrganizationDetail{ID: o.ID, Name: o.Name, AlternateName: o.AlternateName, Description: o.Description,
		Website: o.Website, Email: o.Email, Phones: Phones(o.Phones),
		Locations: make([]LocationView, 0, len(o.Locations)), Services: make([]ServiceSummary, 0, len(o.Services))}
	for _, l := range o.Locations {
		d.Locations = append(d.Locations, v.Location(l))
	}
	for _, s := range o.Services {
		d.Services = append(d.Services, v.Summary(s))
	}
	if !o.Source.IsZero() {
		d.Source = &SourceView{Name: o.Source.Name, ID: o.Source.ID}
	}
	return d
}

var dayNames = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// daysString writes a day set the way listings do: "everyday", "weekdays",
// "weekends", else day names and ranges "mon-wed, fri".
func daysString(s directory.DaySet) string {
	switch s {
	case directory.Everyday:
		return "everyday"
	case directory.Weekdays:
		return "weekdays"
	case directory.Weekends:
		return "weekends"
	}
	return DayRuns(s, "-", func(d time.Weekday) string { return dayNames[d] })
}

// DayRuns writes the days of s from Monday to Sunday with name, runs of
// three or more days as first and last joined by dash ("mon-wed, fri").
func DayRuns(s directory.DaySet, dash string, name func(time.Weekday) string) string {
	order := []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	var parts []string
	for i := 0; i < len(order); {
		if !s.Has(order[i]) {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && s.Has(order[j+1]) {
			j++
		}
		if j-i >= 2 {
			parts = append(parts, name(order[i])+dash+name(order[j]))
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, name(order[k]))
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func clockString(c directory.Clock) string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

func dateOf(d directory.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Hours renders opening hours read in loc; nil for nil.
func (v Viewer) Hours(h *directory.Hours, loc *time.Location) *HoursView {
	if h == nil {
		return nil
	}
	hv := &HoursView{AlwaysOpen: h.Always, ByAppointment: h.ByAppointment, Notes: h.Notes, TimeZone: loc.String()}
	for _, s := range h.Weekly {
		hv.Weekly = append(hv.Weekly, SpanView{Days: daysString(s.Days), Open: clockString(s.Open), Close: clockString(s.Close)})
	}
	if s := h.Season; s != nil {
		hv.Season = &SeasonView{From: fmt.Sprintf("%02d-%02d", int(s.FromMonth), s.FromDay), To: fmt.Sprintf("%02d-%02d", int(s.ToMonth), s.ToDay)}
	}
	for _, c := range h.Closures {
		hv.Closures = append(hv.Closures, ClosureView{From: dateOf(c.From), To: dateOf(c.To), Note: c.Note})
	}
	return hv
}

// HitView is one search result: a service at a location, how far it is and
// whether it is open. The phones are those that reach the service at that
// location.
type HitView struct {
	Service  ServiceSummary `json:"service"`
	Location *LocationView  `json:"location,omitempty"`
	Distance *DistanceView  `json:"distance,omitempty"`
	Open     OpenView       `json:"open"`
}

// Hit renders service s at location l (nil for a service without one),
// distance meters away (nil when unknown) with open state st.
func (v Viewer) Hit(s *directory.Service, l *directory.Location, distance *float64, st directory.OpenState) HitView {
	hv := HitView{Service: v.Summary(s), Distance: v.Distance(distance)}
	loc := v.Catalog.Info.TimeZone
	if l != nil {
		hv.Service.Phones = Phones(s.ContactPhones(l))
		lv := v.Location(l)
		hv.Location = &lv
		loc = v.Zone(l)
	}
	hv.Open = v.OpenState(st, loc)
	return hv
}

// LineView is a phone line people can call or text: a crisis line, or the
// directory's help line.
type LineView struct {
	Name string `json:"name"`
	Call string `json:"call"`
	// CallURL and TextURL are tel: and sms: links.
	CallURL string `json:"call_url"`
	Text    string `json:"text,omitempty"`
	TextURL string `json:"text_url,omitempty"`
	Note    string `json:"note,omitempty"`
}

// Lines renders phone lines in the viewer's language.
func (v Viewer) Lines(ls []directory.Line) []LineView {
	out := make([]LineView, 0, len(ls))
	for _, l := range ls {
		lv := LineView{Name: l.Name.In(v.Lang), Call: l.Call, CallURL: "tel:" + Dial(l.Call), Note: l.Note.In(v.Lang)}
		if l.Text != "" {
			lv.Text, lv.TextURL = l.Text, "sms:"+Dial(l.Text)
		}
		out = append(out, lv)
	}
	return out
}

// Dial returns a phone number with only its digits and a leading plus,
// for tel: and sms: links: "800-799-7233" is "8007997233".
func Dial(number string) string {
	var b strings.Builder
	for i, r := range number {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	return b.String()
}
