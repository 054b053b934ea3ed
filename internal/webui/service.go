package webui

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/paulmach/orb"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/mapsvg"
	"trellis/internal/present"
)

// serviceBody is the service page.
type serviceBody struct {
	card
	Places      []place
	Hours       []string
	HoursNote   string
	Area        string
	Insurance   string
	Apply       []string
	ApplyNotes  string
	Fees        string
	Capacity    string
	Email       string
	Income      string
	Residency   string
	EligNotes   string
	VerifiedBy  string
	BackToList  bool
	HasSearch   bool
	OtherPicks  []string
	PickedCount int
	// Map shows the service's places (numbered as listed) and the
	// searched place.
	Map template.HTML
	// From names the searched place the distances are measured from.
	From string
}

// service renders one service with everything the listing says.
func (u *UI) service(c echo.Context) error {
	r, ok, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if !ok {
		return startOver(c)
	}
	s := r.snap.Catalog.Service(c.Param("id"))
	if s == nil {
		return apperr.New(apperr.NotFound, "no service with id %q", c.Param("id"))
	}
	p := u.newPage(r, r.lang, "/services/"+s.Key())
	p.Reset, p.ShowNotice = true, true
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: r.now, Unit: "mi"}
	from, fromLabel := u.place(r, &filters{}, p)
	if from == nil && u.opt.Near != nil {
		from, fromLabel = u.opt.Near, p.T("place.kiosk")
	}
	w := newWords(r, from)
	b := detailBody(v, w, s, r.form.picked(s.Key()))
	b.HasSearch = r.form.hasSearch()
	b.OtherPicks = r.form.picksOtherThan(map[string]bool{s.Key(): true})
	b.PickedCount = len(r.form.Picks)
	if from != nil {
		b.From = fromLabel
	}
	var pins []mapsvg.Pin
	for i := range b.Places {
		pl := &b.Places[i]
		if pl.Point == nil {
			continue
		}
		pins = append(pins, mapsvg.Pin{Label: strconv.Itoa(i + 1), Point: orb.Point{pl.Point.Lon, pl.Point.Lat}})
		if u.opt.Kiosk && from != nil {
			// A kiosk cannot open directions: a phone can, from a QR code.
			to := present.PointView{Lat: pl.Point.Lat, Lon: pl.Point.Lon}
			link := present.DirectionsFrom(to, &present.PointView{Lat: from.Point.Lat(), Lon: from.Point.Lon()})
			if qr, err := qrSVG(link, p.T("place.directions_qr_alt")); err == nil {
				pl.DirectionsQR = qr
			}
		}
	}
	if len(pins) > 0 {
		title := p.T("map.service", "name", s.Name)
		b.Map = u.drawMap(r, "map", title, from, fromLabel, pins)
	}
	p.Title = s.Name
	p.Body = b
	return u.render(c, http.StatusOK, "service", p)
}

// detailBody renders a service's detail view for a page.
func detailBody(v present.Viewer, w words, s *directory.Service, picked bool) serviceBody {
	d := v.Detail(s)
	b := serviceBody{card: w.summary(d.ServiceSummary, s)}
	b.Picked = picked
	b.Phones = w.phones(d.Phones)
	for i, lv := range d.Locations {
		pl := w.place(lv, d.Open[lv.ID], s.Name)
		if s.Hours == nil {
			h, _ := s.HoursAt(s.Locations[i], v.Catalog.Info.TimeZone)
			pl.Hours = w.hoursLines(h)
			if h != nil {
				pl.HoursNote = h.Notes
			}
		}
		b.Places = append(b.Places, pl)
	}
	if s.Hours != nil {
		b.Hours = w.hoursLines(s.Hours)
		b.HoursNote = s.Hours.Notes
	}
	if d.ServiceArea != nil {
		b.Area = d.ServiceArea.Summary
	}
	if len(d.Insurance) > 0 {
		b.Insurance = w.list("insurance.", d.Insurance)
	}
	for _, a := range d.Apply {
		b.Apply = append(b.Apply, w.t("apply."+a))
	}
	b.ApplyNotes, b.Fees, b.Capacity, b.Email, b.VerifiedBy = d.HowToApply, d.Fees, d.Capacity, d.Email, d.VerifiedBy
	if len(b.Places) == 1 {
		b.Place = &b.Places[0]
	}
	w.setCall(&b.card)
	if e := d.Eligibility; e != nil {
		b.Income, b.Residency, b.EligNotes = e.Income, e.Residency, e.Notes
	}
	return b
}

// Summary returns what a result card shows of the service, for the
// templates the card and the service page share.
func (b serviceBody) Summary() card { return b.card }
