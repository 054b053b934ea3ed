package httpapi

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/i18n"
	"trellis/internal/match"
	"trellis/internal/need"
	"trellis/internal/present"
	"trellis/internal/snapshot"
)

// matchRoutes registers the needs-matching endpoints, which anybody may
// call: like search, they keep nothing about the person.
func (s *API) matchRoutes(v1 *echo.Group) {
	v1.POST("/match", s.match, s.srv.SearchLimit())
	v1.GET("/screening", s.screening)
}

// matchRequest is POST /api/v1/match's body. Only needs is required.
type matchRequest struct {
	// Needs are plain words or category ids, one string per need.
	Needs []string `json:"needs"`
	// Screening maps AHC screening question ids to the chosen options;
	// the needs it finds are added after Needs.
	Screening map[string][]string `json:"screening"`
	// Near is a ZIP code or "lat,lon"; Travel a distance such as "5mi".
	Near   string `json:"near"`
	Travel string `json:"travel"`
	Person *struct {
		Age           *int     `json:"age"`
		Gender        string   `json:"gender"`
		Veteran       *bool    `json:"veteran"`
		Insurance     []string `json:"insurance"`
		Languages     []string `json:"languages"`
		Circumstances []string `json:"circumstances"`
	} `json:"person"`
	Constraints *struct {
		OpenNow    bool   `json:"open_now"`
		OpenAt     string `json:"open_at"`
		FreeOnly   bool   `json:"free_only"`
		WalkIn     bool   `json:"walk_in"`
		Wheelchair bool   `json:"wheelchair"`
	} `json:"constraints"`
	// Time is the time of the request (RFC 3339 or local date and time);
	// empty means now.
	Time          string `json:"time"`
	Lang          string `json:"lang"`
	Units         string `json:"units"`
	Limit         int    `json:"limit"`
	ExcludedLimit int    `json:"excluded_limit"`
}

// matchResponse is the answer: one entry per need, in order.
type matchResponse struct {
	Needs     []needView         `json:"needs"`
	Screening []screenedNeedView `json:"screening,omitempty"`
	Near      *placeView         `json:"near,omitempty"`
	Time      time.Time          `json:"time"`
	Lang      string             `json:"lang"`
	Notice    string             `json:"notice,omitempty"`
	Credits   []string           `json:"attribution,omitempty"`
}

type needView struct {
	Need   string     `json:"need"`
	ReadAs readAsView `json:"read_as"`
	// Crisis lists the crisis lines to show first when the need reads as
	// a crisis; Widened says how the need was widened.
	Crisis         []present.LineView `json:"crisis,omitempty"`
	Widened        *widenedView       `json:"widened,omitempty"`
	Reach          *reachView         `json:"reach,omitempty"`
	Considered     int                `json:"considered"`
	Results        []rankedView       `json:"results"`
	Excluded       []excludedView     `json:"excluded"`
	ExcludedTotal  int                `json:"excluded_total"`
	ExcludedCounts map[string]int     `json:"excluded_counts"`
	// Meetings are the recovery meetings found when the need asks for
	// one (meetings.go).
	Meetings *meetingsView `json:"meetings,omitempty"`
}

// readAsView says how words were read; search and match give the same.
type readAsView struct {
	Categories  []present.CategoryView `json:"categories"`
	Words       []need.Word            `json:"words,omitempty"`
	Who         []string               `json:"who,omitempty"`
	Crisis      []string               `json:"crisis,omitempty"`
	Corrections map[string]string      `json:"corrections,omitempty"`
	Ignored     []string               `json:"ignored,omitempty"`
	Widened     []present.CategoryView `json:"widened,omitempty"`
	Purpose     []present.CategoryView `json:"purpose,omitempty"`
	TextSearch  bool                   `json:"text_search,omitempty"`
	Urgent      bool                   `json:"urgent,omitempty"`
	Free        bool                   `json:"free,omitempty"`
	Age         *int                   `json:"age,omitempty"`
}

// readAsViewOf renders a reading.
func readAsViewOf(v present.Viewer, ra match.ReadAs) readAsView {
	out := readAsView{Categories: v.Categories(ra.Categories), Words: ra.Words, Who: ra.Who, Crisis: ra.Crisis,
		Corrections: ra.Corrections, Ignored: ra.Ignored, TextSearch: ra.TextSearch, Urgent: ra.Urgent, Free: ra.Free, Age: ra.Age}
	if len(ra.Widened) > 0 {
		out.Widened = v.Categories(ra.Widened)
	}
	if len(ra.Purpose) > 0 {
		out.Purpose = v.Categories(ra.Purpose)
	}
	return out
}

type reachView struct {
	Meters  float64 `json:"meters"`
	Text    string  `json:"text"`
	Widened bool    `json:"widened,omitempty"`
}

type rankedView struct {
	present.HitView
	Score   float64        `json:"score"`
	Parts   match.Parts    `json:"score_parts"`
	Reasons []match.Reason `json:"reasons"`
}

type excludedView struct {
	present.HitView
	Reasons []match.Reason `json:"reasons"`
}

type screenedNeedView struct {
	Domain   string   `json:"domain"`
	Category string   `json:"category"`
	Because  []string `json:"because"`
}

// profile turns a request into a match profile. It returns an Invalid
// error naming the field for a malformed value, and an Unprocessable one
// for a well-formed place the gazetteer does not know.
func (s *API) profile(c echo.Context, req *matchRequest, snap *snapshot.Snapshot) (match.Profile, []match.ScreenedNeed, error) {
	p := match.Profile{Now: s.now(), Limit: req.Limit, ExcludedLimit: req.ExcludedLimit}
	for _, n := range req.Needs {
		p.Needs = append(p.Needs, match.Need{Text: n})
	}
	screened, err := match.Screen(req.Screening)
	if err != nil {
		return p, nil, err
	}
	for _, sn := range screened {
		p.Needs = append(p.Needs, match.Need{Categories: []string{sn.Category}})
	}
	if len(p.Needs) == 0 {
		return p, nil, apperr.Field("needs", "give at least one need, as words (\"a bed tonight\") or category ids, or screening answers that find one")
	}
	tz := snap.Catalog.Info.TimeZone
	if req.Time != "" {
		t, ok := parseInstant(req.Time, tz)
		if !ok {
			return p, nil, apperr.Field("time", "time must be a date and time like 2026-11-22T19:00 (directory time) or RFC 3339, not %q", req.Time)
		}
		p.Now = t
	}
	if req.Near != "" {
		pl, err := snap.Places.ParsePlace(req.Near)
		if err != nil {
			e := apperr.Field("near", "%s", err.Error())
			if errors.Is(err, geo.ErrUnknownZIP) {
				e.Code = apperr.Unprocessable
			}
			return p, nil, e
		}
		p.Place = &pl
	}
	if req.Travel != "" {
		m, err := geo.ParseDistance(req.Travel)
		if err != nil {
			return p, nil, apperr.Field("travel", "%s", err.Error())
		}
		p.TravelMeters = m
	}
	if pr := req.Person; pr != nil {
		p.Person = &need.Person{Age: pr.Age, Gender: pr.Gender, Veteran: pr.Veteran, Insurance: pr.Insurance,
			Languages: pr.Languages, Circumstances: pr.Circumstances}
	}
	if cs := req.Constraints; cs != nil {
		p.Constraints = need.Constraints{OpenNow: cs.OpenNow, FreeOnly: cs.FreeOnly, WalkIn: cs.WalkIn, Wheelchair: cs.Wheelchair}
		if cs.OpenAt != "" {
			t, ok := parseInstant(cs.OpenAt, tz)
			if !ok {
				return p, nil, apperr.Field("constraints.open_at", "open_at must be a date and time like 2026-11-22T19:00 (directory time) or RFC 3339, not %q", cs.OpenAt)
			}
			p.Constraints.OpenAt = &t
		}
	}
	switch req.Lang {
	case "":
		p.Lang = i18n.Default.Match("", c.Request().Header.Get("Accept-Language"))
	default:
		if !i18n.Default.Supported(req.Lang) {
			return p, nil, apperr.Field("lang", "lang must be one of %s, not %q", strings.Join(i18n.Default.Languages(), ", "), req.Lang)
		}
		p.Lang = req.Lang
	}
	switch req.Units {
	case "", "mi", "km":
		p.Unit = present.Unit(req.Units)
	default:
		return p, nil, apperr.Field("units", "units must be mi or km, not %q", req.Units)
	}
	return p, screened, nil
}

// parseInstant reads RFC 3339 or a local date and time in loc.
func parseInstant(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// match answers POST /api/v1/match: for each need, the services most worth
// calling, with reasons, and the services left out, with why. The profile
// is used for this answer only: it is not stored, and the request log
// holds only the route and status.
func (s *API) match(c echo.Context) error {
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	if _, err := newParams(c); err != nil {
		return err
	}
	var req matchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, screened, err := s.profile(c, &req, snap)
	if err != nil {
		return err
	}
	res, err := s.srv.Match(c, snap, p)
	if err != nil {
		return err
	}
	v := present.Viewer{Catalog: snap.Catalog, Lang: p.Lang, Now: p.Now, Unit: p.Unit}
	out := matchResponse{Needs: make([]needView, 0, len(res.Needs)), Time: p.Now, Lang: p.Lang,
		Notice: snap.Catalog.Info.Notice, Credits: snap.Catalog.Info.Attribution}
	for _, sn := range screened {
		out.Screening = append(out.Screening, screenedNeedView{Domain: sn.Domain, Category: sn.Category, Because: sn.Because})
	}
	if pl := p.Place; pl != nil {
		out.Near = newPlaceView(pl)
	}
	for _, nr := range res.Needs {
		out.Needs = append(out.Needs, needResultView(v, nr))
	}
	return c.JSON(http.StatusOK, out)
}

// newPlaceView renders the person's place.
func newPlaceView(pl *geo.Place) *placeView {
	pv := &placeView{Label: pl.Label, Lat: pl.Point.Lat(), Lon: pl.Point.Lon(), ZIP: pl.ZIP, State: pl.State}
	if pl.County.FIPS != "" {
		pv.County = geo.CountyLabel(pl.County)
	}
	return pv
}

// needResultView renders one need's answer.
func needResultView(v present.Viewer, nr match.NeedResult) needView {
	nv := needView{
		Need: nr.Need.Label(), Considered: nr.Considered, ReadAs: readAsViewOf(v, nr.ReadAs),
		Widened: newWidenedView(v, nr.Widening),
		Results: make([]rankedView, 0, len(nr.Results)), Excluded: make([]excludedView, 0, len(nr.Excluded)),
		ExcludedTotal: nr.ExcludedTotal, ExcludedCounts: nr.ExcludedCounts, Meetings: meetingsViewOf(v, nr.Meetings),
	}
	if len(nr.Crisis) > 0 {
		nv.Crisis = v.Lines(nr.Crisis)
	}
	if nr.ReachMeters > 0 && !math.IsInf(nr.ReachMeters, 1) {
		nv.Reach = &reachView{Meters: nr.ReachMeters, Text: geo.FormatDistance(nr.ReachMeters, v.Unit), Widened: nr.ReachWidened}
	}
	for _, r := range nr.Results {
		nv.Results = append(nv.Results, rankedView{HitView: v.Hit(r.Service, r.Location, r.Distance, r.Open),
			Score: r.Score, Parts: r.Parts, Reasons: r.Reasons})
	}
	for _, x := range nr.Excluded {
		nv.Excluded = append(nv.Excluded, excludedView{HitView: v.Hit(x.Service, x.Location, x.Distance, x.Open), Reasons: x.Reasons})
	}
	return nv
}

// screening answers GET /api/v1/screening: the AHC screening questions,
// with their wording in the request's language and in every language, for
// forms to render. Answers go in POST /api/v1/match's "screening".
func (s *API) screening(c echo.Context) error {
	p, err := newParams(c, "lang")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	type optionView struct {
		ID    string         `json:"id"`
		Label string         `json:"label"`
		Text  directory.Text `json:"text"`
		Score int            `json:"score,omitempty"`
	}
	type questionView struct {
		ID       string         `json:"id"`
		Domain   string         `json:"domain"`
		Label    string         `json:"label"`
		Text     directory.Text `json:"text"`
		Multiple bool           `json:"multiple,omitempty"`
		Options  []optionView   `json:"options"`
	}
	out := struct {
		Lang      string         `json:"lang"`
		Source    string         `json:"source"`
		Questions []questionView `json:"questions"`
	}{Lang: lang, Source: "CMS Accountable Health Communities Health-Related Social Needs Screening Tool (core questions); Spanish wording by Trellis"}
	for _, q := range match.Questions() {
		qv := questionView{ID: q.ID, Domain: q.Domain, Label: q.Text.In(lang), Text: q.Text, Multiple: q.Multiple}
		for _, o := range q.Options {
			qv.Options = append(qv.Options, optionView{ID: o.ID, Label: o.Text.In(lang), Text: o.Text, Score: o.Score})
		}
		out.Questions = append(out.Questions, qv)
	}
	return c.JSON(http.StatusOK, out)
}
