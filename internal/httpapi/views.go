package httpapi

import (
	"fmt"
	"strings"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/present"
)

// The JSON shapes of directory records. Views are the only way records
// leave the API, so the rule "a confidential location never shows its
// address or point" lives here, in locationOf.

type categoryView struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

type phoneView struct {
	Number    string   `json:"number"`
	Extension string   `json:"extension,omitempty"`
	Type      string   `json:"type,omitempty"`
	Note      string   `json:"note,omitempty"`
	Languages []string `json:"languages,omitempty"`
}

type addressView struct {
	Street  string `json:"street"`
	Street2 string `json:"street2,omitempty"`
	City    string `json:"city"`
	State   string `json:"state"`
	ZIP     string `json:"zip,omitempty"`
	County  string `json:"county,omitempty"`
}

type pointView struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

type openView struct {
	Known         bool       `json:"known"`
	Open          bool       `json:"open"`
	Until         *time.Time `json:"until,omitempty"`
	Next          *time.Time `json:"next,omitempty"`
	ByAppointment bool       `json:"by_appointment,omitempty"`
	Text          string     `json:"text"`
}

type locationView struct {
	ID           string       `json:"id"`
	Name         string       `json:"name,omitempty"`
	Confidential bool         `json:"confidential,omitempty"`
	Address      *addressView `json:"address,omitempty"`
	Point        *pointView   `json:"point,omitempty"`
	// DirectionsURL opens the address in a map; none for confidential
	// locations.
	DirectionsURL string      `json:"directions_url,omitempty"`
	Description   string      `json:"description,omitempty"`
	Languages     []string    `json:"languages,omitempty"`
	Wheelchair    *bool       `json:"wheelchair,omitempty"`
	Accessibility string      `json:"accessibility,omitempty"`
	Transit       string      `json:"transit,omitempty"`
	Phones        []phoneView `json:"phones,omitempty"`
	Hours         *hoursView  `json:"hours,omitempty"`
}

type orgRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type distanceView struct {
	Meters float64 `json:"meters"`
	Text   string  `json:"text"`
}

// serviceSummary is a service on a result card.
type serviceSummary struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Organization orgRef         `json:"organization"`
	Categories   []categoryView `json:"categories"`
	Description  string         `json:"description,omitempty"`
	Cost         string         `json:"cost,omitempty"`
	Insurance    []string       `json:"insurance,omitempty"`
	Languages    []string       `json:"languages,omitempty"`
	Apply        []string       `json:"apply,omitempty"`
	Phones       []phoneView    `json:"phones,omitempty"`
	URL          string         `json:"url,omitempty"`
	Status       string         `json:"status"`
	Alert        string         `json:"alert,omitempty"`
	Eligibility  *eligView      `json:"eligibility,omitempty"`
	LastVerified string         `json:"last_verified,omitempty"`
}

type ageView struct {
	Min *int `json:"min,omitempty"`
	Max *int `json:"max,omitempty"`
}

type eligView struct {
	Age         *ageView `json:"age,omitempty"`
	Genders     []string `json:"genders,omitempty"`
	Populations []string `json:"populations,omitempty"`
	Focus       []string `json:"focus,omitempty"`
	Income      string   `json:"income,omitempty"`
	Residency   string   `json:"residency,omitempty"`
	Documents   []string `json:"documents,omitempty"`
	Notes       string   `json:"notes,omitempty"`
}

type spanView struct {
	Days  string `json:"days"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

type closureView struct {
	From string `json:"from"`
	To   string `json:"to"`
	Note string `json:"note,omitempty"`
}

type seasonView struct {
	From string `json:"from"` // MM-DD
	To   string `json:"to"`
}

type hoursView struct {
	AlwaysOpen    bool          `json:"always_open,omitempty"`
	Weekly        []spanView    `json:"weekly,omitempty"`
	ByAppointment bool          `json:"by_appointment,omitempty"`
	Season        *seasonView   `json:"season,omitempty"`
	Closures      []closureView `json:"closures,omitempty"`
	Notes         string        `json:"notes,omitempty"`
	TimeZone      string        `json:"time_zone"`
}

type areaView struct {
	RadiusMeters float64  `json:"radius_m,omitempty"`
	Counties     []string `json:"counties,omitempty"`
	ZIPs         []string `json:"zips,omitempty"`
	States       []string `json:"states,omitempty"`
	Polygon      bool     `json:"polygon,omitempty"`
	Note         string   `json:"note,omitempty"`
	Summary      string   `json:"summary"`
}

type sourceView struct {
	Name string `json:"name"`
	ID   string `json:"id"`
}

// serviceDetail is GET /api/v1/services/{id}.
type serviceDetail struct {
	serviceSummary
	AlternateName string         `json:"alternate_name,omitempty"`
	Email         string         `json:"email,omitempty"`
	Locations     []locationView `json:"locations"`
	// OpenAt says, per location id, whether the service is open now.
	Open        map[string]openView `json:"open,omitempty"`
	ServiceArea *areaView           `json:"service_area,omitempty"`
	Fees        string              `json:"fees,omitempty"`
	HowToApply  string              `json:"how_to_apply,omitempty"`
	Hours       *hoursView          `json:"hours,omitempty"`
	Capacity    string              `json:"capacity,omitempty"`
	VerifiedBy  string              `json:"verified_by,omitempty"`
	Source      *sourceView         `json:"source,omitempty"`
}

// organizationDetail is GET /api/v1/organizations/{id}.
type organizationDetail struct {
	ID            string           `json:"id"`
	Name          string           `json:"name"`
	AlternateName string           `json:"alternate_name,omitempty"`
	Description   string           `json:"description,omitempty"`
	Website       string           `json:"website,omitempty"`
	Email         string           `json:"email,omitempty"`
	Phones        []phoneView      `json:"phones,omitempty"`
	Locations     []locationView   `json:"locations"`
	Services      []serviceSummary `json:"services"`
	Source        *sourceView      `json:"source,omitempty"`
}

// viewer renders records for one request: its language and clock.
type viewer struct {
	cat  *directory.Catalog
	lang string
	now  time.Time
	unit string
}

func (v viewer) categories(ids []string) []categoryView {
	out := make([]categoryView, 0, len(ids))
	for _, id := range ids {
		cv := categoryView{ID: id, Label: id}
		if c := v.cat.Taxonomy.Category(id); c != nil {
			cv.Label = c.Label.In(v.lang)
		}
		out = append(out, cv)
	}
	return out
}

func phonesOf(ps []directory.Phone) []phoneView {
	if len(ps) == 0 {
		return nil
	}
	out := make([]phoneView, len(ps))
	for i, p := range ps {
		out[i] = phoneView{Number: p.Number, Extension: p.Extension, Type: p.Type, Note: p.Note, Languages: p.Languages}
	}
	return out
}

// locationOf renders a location; confidential ones lose their address,
// point and directions.
func (v viewer) locationOf(l *directory.Location) locationView {
	lv := locationView{
		ID: l.ID, Name: l.Name, Confidential: l.Confidential, Description: l.Description,
		Languages: l.Languages, Wheelchair: l.Wheelchair, Accessibility: l.Accessibility,
		Transit: l.Transit, Phones: phonesOf(l.Phones), Hours: v.hoursOf(l.Hours, v.zone(l)),
	}
	if l.Confidential {
		lv.Description, lv.Transit = "", ""
		return lv
	}
	if a := l.Address; a != nil {
		lv.Address = &addressView{Street: a.Street, Street2: a.Street2, City: a.City, State: a.State, ZIP: a.ZIP, County: a.County}
	}
	if l.HasPoint {
		lv.Point = &pointView{Lat: l.Point.Lat(), Lon: l.Point.Lon()}
	}
	lv.DirectionsURL = directionsURL(l)
	return lv
}

// directionsURL links to directions in OpenStreetMap, by address when
// there is one, else by point.
func directionsURL(l *directory.Location) string {
	if l.Confidential {
		return ""
	}
	if l.HasPoint {
		return fmt.Sprintf("https://www.openstreetmap.org/directions?to=%.6f%%2C%.6f", l.Point.Lat(), l.Point.Lon())
	}
	return ""
}

func (v viewer) zone(l *directory.Location) *time.Location {
	if l != nil && l.TimeZone != nil {
		return l.TimeZone
	}
	return v.cat.Info.TimeZone
}

func (v viewer) openOf(st directory.OpenState, loc *time.Location) openView {
	ov := openView{Known: st.Known, Open: st.Open, ByAppointment: st.ByAppointment, Text: present.Open(st, v.now, loc, v.lang)}
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

func (v viewer) distanceOf(m *float64) *distanceView {
	if m == nil {
		return nil
	}
	return &distanceView{Meters: *m, Text: geo.FormatDistance(*m, v.unit)}
}

func eligibilityOf(e directory.Eligibility) *eligView {
	ev := &eligView{Genders: e.Genders, Populations: e.Populations, Focus: e.Focus, Income: e.Income,
		Residency: e.Residency, Documents: e.Documents, Notes: e.Notes}
	if !e.Age.IsZero() {
		ev.Age = &ageView{Min: e.Age.Min, Max: e.Age.Max}
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

func (v viewer) summaryOf(s *directory.Service) serviceSummary {
	return serviceSummary{
		ID: s.Key(), Name: s.Name, Organization: orgRef{ID: s.Org.ID, Name: s.Org.Name},
		Categories: v.categories(s.Categories), Description: s.Description, Cost: string(s.Cost),
		Insurance: s.Insurance, Languages: s.Languages, Apply: s.Apply, Phones: phonesOf(s.ContactPhones(nil)),
		URL: s.URL, Status: string(s.Status), Alert: s.Alert, Eligibility: eligibilityOf(s.Eligibility),
		LastVerified: dateString(s.LastVerified),
	}
}

func (v viewer) detailOf(s *directory.Service) serviceDetail {
	d := serviceDetail{
		serviceSummary: v.summaryOf(s), AlternateName: s.AlternateName, Email: s.Email,
		Locations: make([]locationView, 0, len(s.Locations)), Open: map[string]openView{},
		Fees: s.Fees, HowToApply: s.ApplyNotes, Capacity: s.Capacity, VerifiedBy: s.VerifiedBy,
	}
	for _, l := range s.Locations {
		d.Locations = append(d.Locations, v.locationOf(l))
		h, loc := s.HoursAt(l, v.cat.Info.TimeZone)
		d.Open[l.ID] = v.openOf(h.At(v.now, loc), loc)
	}
	if s.Hours != nil {
		zone := v.cat.Info.TimeZone
		if len(s.Locations) > 0 {
			zone = v.zone(s.Locations[0])
		}
		d.Hours = v.hoursOf(s.Hours, zone)
	}
	if len(s.Locations) == 0 {
		d.Open = nil
	}
	if !s.Area.IsZero() {
		a := s.Area
		av := &areaView{RadiusMeters: a.RadiusMeters, ZIPs: a.ZIPs, States: a.States, Polygon: len(a.Polygon) > 0,
			Note: a.Note, Summary: geo.AreaSummary(a)}
		for _, c := range a.Counties {
			av.Counties = append(av.Counties, geo.CountyLabel(c))
		}
		d.ServiceArea = av
	}
	if !s.Source.IsZero() {
		d.Source = &sourceView{Name: s.Source.Name, ID: s.Source.ID}
	}
	return d
}

func (v viewer) organizationOf(o *directory.Organization) organizationDetail {
	d := organizationDetail{ID: o.ID, Name: o.Name, AlternateName: o.AlternateName, Description: o.Description,
		Website: o.Website, Email: o.Email, Phones: phonesOf(o.Phones),
		Locations: make([]locationView, 0, len(o.Locations)), Services: make([]serviceSummary, 0, len(o.Services))}
	for _, l := range o.Locations {
		d.Locations = append(d.Locations, v.locationOf(l))
	}
	for _, s := range o.Services {
		d.Services = append(d.Services, v.summaryOf(s))
	}
	if !o.Source.IsZero() {
		d.Source = &sourceView{Name: o.Source.Name, ID: o.Source.ID}
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
			parts = append(parts, dayNames[order[i]]+"-"+dayNames[order[j]])
		} else {
			for k := i; k <= j; k++ {
				parts = append(parts, dayNames[order[k]])
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

func (v viewer) hoursOf(h *directory.Hours, loc *time.Location) *hoursView {
	if h == nil {
		return nil
	}
	hv := &hoursView{AlwaysOpen: h.Always, ByAppointment: h.ByAppointment, Notes: h.Notes, TimeZone: loc.String()}
	for _, s := range h.Weekly {
		hv.Weekly = append(hv.Weekly, spanView{Days: daysString(s.Days), Open: clockString(s.Open), Close: clockString(s.Close)})
	}
	if s := h.Season; s != nil {
		hv.Season = &seasonView{From: fmt.Sprintf("%02d-%02d", int(s.FromMonth), s.FromDay), To: fmt.Sprintf("%02d-%02d", int(s.ToMonth), s.ToDay)}
	}
	for _, c := range h.Closures {
		hv.Closures = append(hv.Closures, closureView{From: dateOf(c.From), To: dateOf(c.To), Note: c.Note})
	}
	return hv
}
