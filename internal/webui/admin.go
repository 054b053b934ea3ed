package webui

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/present"
	"trellis/internal/referral"
	"trellis/internal/report"
	"trellis/internal/snapshot"
)

// adminBody is the coordinators' data page: the directory in service
// with its reload button, the referral outcomes and unmet needs of every
// team, and the queue of listings to check.
type adminBody struct {
	Revision, LoadedAt, BuildTime, Attempted string
	Organizations, Services, Locations       int
	OK                                       bool
	Errors                                   []string
	Failure                                  string
	Failures                                 int
	// CanReload is whether the server reads a data directory it can
	// reload; Reloaded says how the reload just asked for went.
	CanReload  bool
	Reloaded   string
	StaleAfter string
	Queue      queueView
	// Reports is false when the server has no database for them.
	Reports  bool
	Outcomes outcomesView
	Unmet    unmetView
}

// queueView is a page of the stale-listing queue.
type queueView struct {
	Rows                            []queueRow
	Total, First, Last, Page, Pages int
	All, Stale, Reported, Never     int
	County, Need, Source            string
	Counties, Needs, Sources        []report.Option
	Prev, Next                      string
	// Filtered is whether a filter is set.
	Filtered bool
}

// queueRow is one listing of the queue.
type queueRow struct {
	Key, Name, Org, Tier, Verified, File, Command string
	Stale                                         bool
	Problems                                      []string
}

// adminPage shows the snapshot being served, the last reload, the
// reports of every team and the listings to check next.
func (u *UI) adminPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.admin.title")
	if err != nil {
		return err
	}
	weeks, err := reportWeeks(c)
	if err != nil {
		return err
	}
	f, err := queueFilter(c)
	if err != nil {
		return err
	}
	snap, st := r.snap, u.snaps.Status()
	tz := snap.Catalog.Info.TimeZone
	when := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return present.Date(t, r.lang) + " " + present.Clock(t.In(tz), r.lang)
	}
	b := adminBody{Revision: snap.Revision, LoadedAt: when(snap.LoadedAt), BuildTime: snap.BuildTime.Round(time.Millisecond).String(),
		Attempted: when(st.Attempted), OK: st.OK, Errors: st.Errors, Failure: st.Failure, Failures: st.Failures,
		Organizations: len(snap.Catalog.Organizations), Services: snap.Catalog.ServiceCount(), CanReload: u.reload != nil,
		Reloaded: c.Request().Form.Get("reloaded"), Reports: u.reports != nil}
	for _, o := range snap.Catalog.Organizations {
		b.Locations += len(o.Locations)
	}
	b.StaleAfter = strconv.Itoa(int(snap.Catalog.Info.StaleAfter.Hours() / 24))

	var problems []report.ProblemCount
	if u.reports != nil {
		// Reports older than the oldest verification that could still
		// leave a listing fresh do not move anything.
		since := report.Day(r.now, tz).Add(-snap.Catalog.Info.StaleAfter).AddDate(-1, 0, 0)
		if problems, err = u.reports.ProblemCounts(c.Request().Context(), since); err != nil {
			return err
		}
		rg := report.LastWeeks(report.Day(r.now, tz), weeks)
		if b.Outcomes, err = u.outcomes(c, p, r, rg, weeks, referral.OutcomeFilter{}, report.ScopeAll); err != nil {
			return err
		}
		if b.Unmet, err = u.unmet(c, p, r, rg); err != nil {
			return err
		}
	}
	q := report.BuildQueue(snap.Catalog, snap.Places, r.now, problems, f, func(id string) string {
		if cat := snap.Catalog.Taxonomy.Category(id); cat != nil {
			return cat.Label.In(r.lang)
		}
		return ""
	})
	b.Queue = u.queueView(p, r, q, f, weeks)
	p.Body = b
	return u.render(c, http.StatusOK, "admin", p)
}

var fipsRE = regexp.MustCompile(`^\d{5}$`)

// queueFilter reads the queue's filter and page from the request. It
// returns a 400 naming a malformed parameter.
func queueFilter(c echo.Context) (report.QueueFilter, error) {
	form := c.Request().Form
	f := report.QueueFilter{County: form.Get("county"), Need: form.Get("need"), Source: form.Get("source"), Page: 1}
	if f.County != "" && !fipsRE.MatchString(f.County) {
		return f, apperr.Field("county", "county must be a 5-digit FIPS code such as 11001")
	}
	if len(f.Need) > 64 || len(f.Source) > 64 {
		return f, apperr.Field("need", "need and source are ids of at most 64 characters")
	}
	if v := form.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return f, apperr.Field("page", "page must be a whole number from 1")
		}
		f.Page = n
	}
	return f, nil
}

// tierKeys name the queue's tiers.
var tierKeys = []string{"report.tier.crisis", "report.tier.shelter", "report.tier.treatment", "report.tier.other"}

// queueView draws a page of the queue.
func (u *UI) queueView(p *page, r *request, q report.Queue, f report.QueueFilter, weeks int) queueView {
	v := queueView{Total: q.Total, First: q.First, Last: q.Last, Page: q.Page, Pages: q.Pages, All: q.All, Stale: q.Stale,
		Reported: q.Reported, County: f.County, Need: f.Need, Source: f.Source, Counties: q.Counties, Needs: q.Needs,
		Sources: q.Sources, Filtered: f.County != "" || f.Need != "" || f.Source != ""}
	for i := range v.Sources {
		if v.Sources[i].Value == "-" {
			v.Sources[i].Label = p.T("report.queue.by_hand")
		}
	}
	link := func(page int) string {
		q := url.Values{"lang": {p.Lang}}
		for k, val := range map[string]string{"county": f.County, "need": f.Need, "source": f.Source} {
			if val != "" {
				q.Set(k, val)
			}
		}
		if weeks != report.DefaultWeeks {
			q.Set("weeks", strconv.Itoa(weeks))
		}
		q.Set("page", strconv.Itoa(page))
		return "/admin?" + q.Encode() + "#queue-h"
	}
	if q.Page > 1 {
		v.Prev = link(q.Page - 1)
	}
	if q.Page < q.Pages {
		v.Next = link(q.Page + 1)
	}
	for _, it := range q.Items {
		row := queueRow{Key: it.Service.Key(), Name: it.Service.Name, Org: orgName(it.Service), Tier: p.T(tierKeys[it.Tier]),
			File: it.File, Command: it.Command(), Stale: it.Stale, Verified: p.T("card.never_verified")}
		if !it.LastVerified.IsZero() {
			row.Verified = present.Date(it.LastVerified, r.lang)
		}
		for i, n := range it.Problems {
			if n > 0 {
				row.Problems = append(row.Problems, p.T("report.queue.problem", "what", p.T("problem."+string(report.Problems[i])), "count", strconv.FormatInt(n, 10)))
			}
		}
		v.Rows = append(v.Rows, row)
	}
	for _, it := range q.Items {
		if it.LastVerified.IsZero() {
			v.Never++
		}
	}
	return v
}

func orgName(s *directory.Service) string {
	if s.Org == nil {
		return ""
	}
	return s.Org.Name
}

// reloadData is the data page's reload button: POST /admin/reload (with
// the session's CSRF token) rebuilds the directory from its files and
// goes back to the data page, which shows how it went. Without a data
// directory on disk it answers 503.
func (u *UI) reloadData(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	if u.reload == nil {
		return apperr.New(apperr.Unavailable, "this server cannot reload its data: it serves the copy built into the binary")
	}
	lang := i18nMatch(c.Request().Form.Get("lang"), c.Request().Header.Get("Accept-Language"))
	prev := ""
	if cur := u.snaps.Current(); cur != nil {
		prev = cur.Revision
	}
	snap, err := u.reload(c.Request().Context())
	outcome := "ok"
	switch {
	case errors.Is(err, snapshot.ErrDataInvalid):
		outcome = "refused"
	case err != nil:
		return err
	case snap.Revision == prev:
		outcome = "unchanged"
	}
	return c.Redirect(http.StatusSeeOther, withLang("/admin?reloaded="+outcome, lang)+"#reload-h")
}

// reloadedKey names the message for the outcome of a reload.
func reloadedKey(outcome string) string {
	switch outcome {
	case "ok", "refused", "unchanged":
		return "report.reloaded." + outcome
	}
	return ""
}

// ReloadedText says how the reload just asked for went, or "".
func (b adminBody) ReloadedText(p *page) string {
	if k := reloadedKey(b.Reloaded); k != "" {
		return p.T(k)
	}
	return ""
}
