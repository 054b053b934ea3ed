package webui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/httpserver"
	"trellis/internal/match"
	"trellis/internal/need"
	"trellis/internal/present"
)

// profileForm is the match form as the specialist filled it.
type profileForm struct {
	Needs         []string
	Near          string
	Travel        string
	Age           string
	Gender        string
	Veteran       string
	Insurance     []string
	Language      string
	Circumstances []string
	OpenNow       bool
	FreeOnly      bool
	WalkIn        bool
	Wheelchair    bool
	Screening     map[string][]string
	// Shown is set once the form has been sent for an answer: the page
	// then shows one, and shows it again in another language.
	Shown bool
	// AllExcluded lists every service left out, not the first few,
	// excludedPage at a time: ExcludedFrom holds, by need (its place in
	// the answer), the first one listed when that is not the first page.
	AllExcluded  bool
	ExcludedFrom map[int]int
}

// excludedPage is how many services left out one need lists at a time
// once all are asked for: the API's most, so that a page is no longer
// than the API's answer.
const excludedPage = match.MaxExcludedLimit

// setExcludedFrom records that need n's list of those left out starts at
// from, when both are whole numbers in range. It reports whether they were.
func (f *profileForm) setExcludedFrom(n, from string) bool {
	i, err := strconv.Atoi(n)
	if err != nil || i < 0 || i >= match.MaxNeeds {
		return false
	}
	k, err := strconv.Atoi(from)
	if err != nil || k < 0 {
		return false
	}
	if k == 0 {
		delete(f.ExcludedFrom, i)
	} else {
		f.ExcludedFrom[i] = k
	}
	return true
}

// needFields is how many need boxes the form offers.
const needFields = 3

func readProfileForm(v url.Values) profileForm {
	f := profileForm{Near: limit(strings.TrimSpace(v.Get("near")), maxNearLen), Travel: v.Get("travel"), Age: strings.TrimSpace(v.Get("age")),
		Gender: v.Get("gender"), Veteran: v.Get("veteran"), Insurance: v["insurance"], Language: v.Get("language"),
		OpenNow: truthy(v.Get("open_now")), FreeOnly: truthy(v.Get("free_only")),
		WalkIn: truthy(v.Get("walk_in")), Wheelchair: truthy(v.Get("wheelchair")), Screening: map[string][]string{},
		Shown: truthy(v.Get("shown")), ExcludedFrom: map[int]int{}}
	// "excluded" keeps the list of those left out long; "excluded_from.N"
	// keeps where need N's list starts. The buttons that ask for them
	// ("setexcluded") say "all", or "N:FROM" for another page of need N.
	f.AllExcluded = v.Get("excluded") == "all"
	for k, vs := range v {
		if n, ok := strings.CutPrefix(k, "excluded_from."); ok && len(vs) > 0 {
			f.setExcludedFrom(n, vs[0])
		}
	}
	if set := strings.TrimSpace(v.Get("setexcluded")); set == "all" {
		f.AllExcluded = true
	} else if n, from, ok := strings.Cut(set, ":"); ok && f.setExcludedFrom(n, from) {
		f.AllExcluded = true
	}
	// Whether the person is a veteran is asked once, by its own question;
	// the circumstances do not ask it again.
	for _, c := range v["circumstance"] {
		if c == directory.PopulationVeterans {
			if f.Veteran == "" {
				f.Veteran = "yes"
			}
			continue
		}
		f.Circumstances = append(f.Circumstances, c)
	}
	for i := 1; i <= needFields; i++ {
		f.Needs = append(f.Needs, limit(strings.TrimSpace(v.Get("need"+strconv.Itoa(i))), match.MaxNeedLen))
	}
	for k, vs := range v {
		if id, ok := strings.CutPrefix(k, "sq."); ok {
			for _, x := range vs {
				if x != "" {
					f.Screening[id] = append(f.Screening[id], x)
				}
			}
		}
	}
	return f
}

// profile turns the form into a match profile. It returns an error message
// for the specialist, in the page's language, and the field at fault when
// the form cannot be used.
func (f profileForm) profile(r *request) (match.Profile, []match.ScreenedNeed, string, string) {
	p := match.Profile{Now: r.now, Lang: r.lang, Unit: "mi"}
	// All the services left out come back, and the page lists them
	// excludedPage at a time (excludedPageOf).
	p.AllExcluded = f.AllExcluded
	for _, n := range f.Needs {
		if n != "" {
			p.Needs = append(p.Needs, match.Need{Text: n})
		}
	}
	screened, err := match.Screen(f.Screening)
	if err != nil {
		return p, nil, "screening", i18nT(r.lang, "app.match.bad_screening")
	}
	for _, sn := range screened {
		p.Needs = append(p.Needs, match.Need{Categories: []string{sn.Category}})
	}
	if len(p.Needs) == 0 {
		return p, nil, "need1", i18nT(r.lang, "app.match.no_need")
	}
	if f.Near != "" {
		pl, err := r.snap.Places.ParsePlace(f.Near)
		if errors.Is(err, geo.ErrUnknownZIP) {
			return p, nil, "near", i18nT(r.lang, "place.unknown_zip", "zip", f.Near)
		}
		if err != nil {
			return p, nil, "near", i18nT(r.lang, "place.bad", "place", f.Near)
		}
		p.Place = &pl
	}
	if contains(radiusChoices, f.Travel) {
		p.TravelMeters, _ = geo.ParseDistance(f.Travel)
	}
	person := &need.Person{Insurance: f.Insurance, Circumstances: f.Circumstances}
	if f.Age != "" {
		n, err := strconv.Atoi(f.Age)
		if err != nil || n < 0 || n > 130 {
			return p, nil, "age", i18nT(r.lang, "app.match.bad_age")
		}
		person.Age = &n
	}
	if contains(directory.Genders, f.Gender) {
		person.Gender = f.Gender
	}
	switch f.Veteran {
	case "yes", "no":
		b := f.Veteran == "yes"
		person.Veteran = &b
	}
	if validLanguageTag(f.Language) {
		person.Languages = []string{f.Language}
	}
	p.Person = person
	p.Constraints = need.Constraints{OpenNow: f.OpenNow, FreeOnly: f.FreeOnly, WalkIn: f.WalkIn, Wheelchair: f.Wheelchair}
	return p, screened, "", ""
}

// matchBody is the match page: the form and, once posted, the answer.
type matchBody struct {
	Form          profileForm
	Error         string
	ErrorField    string
	Radii         []option
	Genders       []option
	Insurance     []option
	Languages     []option
	Circumstances []option
	Questions     []question
	Screened      []string
	Needs         []needAnswer
	// MaxNeed and MaxNear are the boxes' limits, the matcher's.
	MaxNeed, MaxNear int
	// ExcludedPage is how many services left out a need lists at a time.
	ExcludedPage int
}

type question struct {
	ID, Text string
	Multiple bool
	Options  []option
}

// needAnswer is one need's ranked services and those left out: Excluded
// lists some of them, from the ExcludedFrom-th (counting from 0);
// ExcludedN counts them all.
type needAnswer struct {
	Label        string
	ReadAs       string
	Need         string // the category a referral from here is for
	Reach        string
	Notes        []string
	Results      []rankedCard
	Excluded     []rankedCard
	ExcludedFrom int
	ExcludedN    int
	Considered   int
	// Meetings are the recovery meetings the need asks for (meetings.go).
	Meetings *meetingsBlock
}

// ExcludedAll reports whether Excluded lists every service left out.
func (n needAnswer) ExcludedAll() bool { return len(n.Excluded) >= n.ExcludedN }

// Paged reports whether all the services left out take more than one
// page.
func (n needAnswer) Paged() bool { return n.ExcludedN > excludedPage }

// ExcludedTo is the place of the last service left out listed, counting
// from 1.
func (n needAnswer) ExcludedTo() int { return n.ExcludedFrom + len(n.Excluded) }

// PrevExcluded is where the previous page of those left out starts, or -1
// on the first page.
func (n needAnswer) PrevExcluded() int {
	if n.ExcludedFrom == 0 {
		return -1
	}
	return max(0, n.ExcludedFrom-excludedPage)
}

// NextExcluded is where the next page of those left out starts, or -1 on
// the last page; NextExcludedN is how many it lists.
func (n needAnswer) NextExcluded() int {
	if n.ExcludedTo() >= n.ExcludedN {
		return -1
	}
	return n.ExcludedTo()
}

func (n needAnswer) NextExcludedN() int { return min(excludedPage, n.ExcludedN-n.ExcludedTo()) }

// excludedPageOf returns the page of a need's services left out that the
// form asks for, when the matcher returned all of them: excludedPage of
// them from a multiple of excludedPage (the last page when the form asks
// for one past the end), and where it starts.
func excludedPageOf(all []match.Excluded, asked int) ([]match.Excluded, int) {
	if len(all) == 0 {
		return all, 0
	}
	from := asked / excludedPage * excludedPage
	if from >= len(all) {
		from = (len(all) - 1) / excludedPage * excludedPage
	}
	return all[from:min(from+excludedPage, len(all))], from
}

type rankedCard struct {
	card
	Location string
	Reasons  []string
}

// matchPage shows the needs profile and screening form and, once the form
// is sent, the matcher's answer for each need. The language switch and
// "show all left out" post the same form again: the answer comes back
// (counted once, when it was first asked for), or, before the form was
// sent, the form alone with what was typed.
func (u *UI) matchPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.match.title")
	if err != nil {
		return err
	}
	p.StateForm, p.Action = "profile-form", "/app"
	f := c.Request().PostForm
	again := f.Has("setlang") || f.Has("setexcluded")
	if f.Has("setexcluded") {
		// The same answer, longer: not another search.
		httpserver.Repeat(c)
	}
	pf := readProfileForm(f)
	if !again {
		// A new answer lists those left out from the first.
		clear(pf.ExcludedFrom)
	}
	b := matchBody{Form: pf, MaxNeed: match.MaxNeedLen, MaxNear: maxNearLen, ExcludedPage: excludedPage}
	u.matchChoices(&b, r, p)
	if c.Request().Method == http.MethodPost && (!again || pf.Shown) {
		b.Form.Shown = true
		prof, screened, field, msg := pf.profile(r)
		if msg != "" {
			b.Error, b.ErrorField = msg, field
		} else {
			res, err := u.srv.Match(c, r.snap, prof)
			if ae := apperr.As(err); ae != nil && ae.Code != apperr.Internal {
				b.Error, b.ErrorField = p.T("app.match.failed"), ae.Field
			} else if err != nil {
				return err
			} else {
				for _, sn := range screened {
					if cat := r.snap.Catalog.Taxonomy.Category(sn.Category); cat != nil {
						b.Screened = append(b.Screened, cat.Label.In(r.lang))
					}
				}
				b.Needs = u.needAnswers(r, prof, res, pf)
			}
		}
	}
	p.Body = b
	status := http.StatusOK
	if b.Error != "" {
		status = http.StatusUnprocessableEntity
	}
	return u.render(c, status, "match", p)
}

// matchChoices fills the form's choices.
func (u *UI) matchChoices(b *matchBody, r *request, p *page) {
	f := b.Form
	b.Radii = append(b.Radii, option{Value: "", Label: p.T("app.match.any_travel")})
	for _, rc := range radiusChoices {
		b.Radii = append(b.Radii, option{Value: rc, Label: p.T("filter.within", "distance", strings.TrimSuffix(rc, "mi")+" mi"), Selected: rc == f.Travel})
	}
	b.Genders = append(b.Genders, option{Value: "", Label: p.T("app.match.not_said")})
	for _, g := range directory.Genders {
		b.Genders = append(b.Genders, option{Value: g, Label: p.T("app.gender." + g), Selected: g == f.Gender})
	}
	for _, ins := range directory.InsurancePlans {
		b.Insurance = append(b.Insurance, option{Value: ins, Label: capitalize(p.T("insurance." + ins)), Selected: contains(f.Insurance, ins)})
	}
	b.Languages = append(b.Languages, option{Value: "", Label: p.T("app.match.not_said")})
	langs := catalogLanguages(r.snap.Catalog)
	for _, l := range []string{"es", "en"} {
		if !contains(langs, l) {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	for _, l := range langs {
		b.Languages = append(b.Languages, option{Value: l, Label: languageName(l, r.lang), Selected: l == f.Language})
	}
	for _, pop := range directory.Populations {
		if pop == directory.PopulationVeterans {
			continue // the veteran question asks it
		}
		b.Circumstances = append(b.Circumstances, option{Value: pop, Label: capitalize(p.T("population." + pop)), Selected: slices.Contains(f.Circumstances, pop)})
	}
	for _, q := range match.Questions() {
		qq := question{ID: q.ID, Text: q.Text.In(r.lang), Multiple: q.Multiple}
		for _, o := range q.Options {
			qq.Options = append(qq.Options, option{Value: o.ID, Label: o.Text.In(r.lang), Selected: contains(f.Screening[q.ID], o.ID)})
		}
		b.Questions = append(b.Questions, qq)
	}
}

// needAnswers renders the matcher's answer through the same views as the
// API's POST /api/v1/match.
func (u *UI) needAnswers(r *request, prof match.Profile, res *match.Result, pf profileForm) []needAnswer {
	v := present.Viewer{Catalog: r.snap.Catalog, Lang: r.lang, Now: prof.Now, Unit: prof.Unit}
	w := words{lang: r.lang, now: r.now, stale: r.snap.Catalog.Info.StaleAfter}
	var out []needAnswer
	for i, nr := range res.Needs {
		na := needAnswer{Label: nr.Need.Label(), ExcludedN: nr.ExcludedTotal, Considered: nr.Considered}
		if len(nr.Need.Categories) > 0 && nr.Need.Text == "" {
			na.Label = strings.Join(labels(v.Categories(nr.Need.Categories)), ", ")
		}
		na.ReadAs = strings.Join(labels(v.Categories(nr.ReadAs.Categories)), ", ")
		if len(nr.ReadAs.Categories) > 0 {
			na.Need = nr.ReadAs.Categories[0]
		}
		for from, to := range nr.ReadAs.Corrections {
			na.Notes = append(na.Notes, i18nT(r.lang, "app.match.corrected", "from", from, "to", to))
		}
		sort.Strings(na.Notes)
		if nr.ReachMeters > 0 && !isInf(nr.ReachMeters) {
			key := "app.match.reach"
			if nr.ReachWidened {
				key = "app.match.reach_widened"
			}
			na.Reach = i18nT(r.lang, key, "distance", geo.FormatDistance(nr.ReachMeters, prof.Unit))
		}
		for _, x := range nr.Results {
			na.Results = append(na.Results, rankedOf(w, v.Hit(x.Service, x.Location, x.Distance, x.Open), x.Service, x.Location, x.Reasons))
		}
		excluded := nr.Excluded
		if prof.AllExcluded {
			excluded, na.ExcludedFrom = excludedPageOf(excluded, pf.ExcludedFrom[i])
		}
		for _, x := range excluded {
			na.Excluded = append(na.Excluded, rankedOf(w, v.Hit(x.Service, x.Location, x.Distance, x.Open), x.Service, x.Location, x.Reasons))
		}
		na.Meetings = u.meetingsBlock(v, w, nr.Meetings, form{}, nil)
		out = append(out, na)
	}
	return out
}

func isInf(f float64) bool { return f > 1e300 }

func labels(cs []present.CategoryView) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Label
	}
	return out
}

func rankedOf(w words, h present.HitView, s *directory.Service, l *directory.Location, reasons []match.Reason) rankedCard {
	rc := rankedCard{card: w.card(h, s, false)}
	if l != nil {
		rc.Location = l.ID
	}
	for _, r := range reasons {
		rc.Reasons = append(rc.Reasons, r.Text)
	}
	return rc
}
