package webui

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/needs"
	"trellis/internal/present"
	"trellis/internal/referral"
	"trellis/internal/report"
	"trellis/internal/report/chart"
)

// The reports people look at: referral outcomes on /admin (every team's)
// and on /app/reports (a specialist's own and their team's), unmet needs
// on /admin, each as a chart drawn on the server with the table beside it
// and a CSV download from the API. Every count goes through the reports'
// small-cell suppression (package report).

// ReportStore is what the report pages read: the outcomes of referrals,
// the unmet-needs counts and the public's problem reports.
type ReportStore interface {
	referral.OutcomeStore
	needs.Store
	report.ProblemStore
}

// reportRoutes registers the specialists' report page, the data page's
// reload button and the public's problem form.
func (u *UI) reportRoutes(e *echo.Echo) {
	srv := u.srv
	ws := []echo.MiddlewareFunc{u.pageHeaders, sameOrigin}
	e.GET("/app/reports", u.reportsPage, append(ws, srv.RequireUser(auth.PermRefer))...)
	e.POST("/admin/reload", u.reloadData, append(ws, srv.RequireUser(auth.PermDirectory))...)
	e.POST("/services/:id/problem", u.reportProblem, u.pageHeaders, u.problemLimit)
}

// weekChoices are the ranges the pages offer, in weeks.
var weekChoices = []int{4, 13, 26, 52}

// reportWeeks reads the weeks parameter: one of weekChoices, default
// report.DefaultWeeks; anything else is a 400 naming it.
func reportWeeks(c echo.Context) (int, error) {
	v := c.Request().Form.Get("weeks")
	if v == "" {
		return report.DefaultWeeks, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(weekChoices, n) {
		return 0, apperr.Field("weeks", "weeks must be one of 4, 13, 26 or 52")
	}
	return n, nil
}

// cellText shows a count as the page says it: the number, "fewer than 5"
// or "withheld".
func cellText(p *page, c report.Cell) string {
	switch c.Hide {
	case report.Small:
		return p.T("report.fewer_than_5")
	case report.Withheld:
		return p.T("report.withheld")
	}
	return strconv.FormatInt(c.N, 10)
}

// cellValue is a count for a chart: NaN when hidden.
func cellValue(c report.Cell) float64 {
	if n, ok := c.Value(); ok {
		return float64(n)
	}
	return math.NaN()
}

func shareText(p *page, f *float64) string {
	if f == nil {
		return "—"
	}
	return strconv.FormatFloat(100**f, 'f', 0, 64) + "%"
}

func hoursText(p *page, f *float64) string {
	if f == nil {
		return "—"
	}
	return p.T("report.hours", "n", strconv.FormatFloat(*f, 'f', 1, 64))
}

// shortDay names a week by its Monday: "Nov 2", "2 nov".
func shortDay(d time.Time, lang string) string {
	if lang == "es" {
		months := [...]string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}
		return fmt.Sprintf("%d %s", d.Day(), months[d.Month()-1])
	}
	return d.Format("Jan 2")
}

// rangeView is a report's weeks and the choice of others.
type rangeView struct {
	From, To string
	Weeks    int
	Choices  []int
}

// tableRow is a row of a report table.
type tableRow struct {
	Label string
	Cells []string
	Total string
}

// groupRow is an agency or need of the outcome report.
type groupRow struct {
	Label                                                       string
	Referrals, Closed, NotClosed, Cancelled, Share, Median, P90 string
}

// outcomesView is the referral outcome report on a page.
type outcomesView struct {
	Range rangeView
	// Scope says whose referrals are counted.
	Scope string
	Empty bool
	// The referrals by week and status.
	WeekChart template.HTML
	Statuses  []string
	WeekRows  []tableRow
	WeekTotal tableRow
	// The closed loop and the time to answer over the range.
	Closed, NotClosed, Cancelled, Share, Median, P90 string
	AgencyChart                                      template.HTML
	Agencies                                         []groupRow
	NeedChart                                        template.HTML
	Needs                                            []groupRow
	Total                                            groupRow
	// CSV downloads, from the API.
	CSVWeeks, CSVAgencies, CSVNeeds string
}

// outcomes builds the outcome report of the weeks of rg for f.
func (u *UI) outcomes(c echo.Context, p *page, r *request, rg report.Range, weeks int, f referral.OutcomeFilter, scope report.Scope) (outcomesView, error) {
	loc := r.snap.Catalog.Info.TimeZone
	f.Since, f.Until = rg.Start(loc), rg.End(loc)
	outs, err := u.reports.Outcomes(c.Request().Context(), f)
	if err != nil {
		return outcomesView{}, err
	}
	rep := report.BuildReferrals(outs, rg, loc, scope, report.CatalogLabels(r.snap.Catalog, r.lang))
	v := outcomesView{Range: rangeView{From: present.Date(rg.From, r.lang), To: present.Date(rg.To, r.lang), Weeks: weeks, Choices: weekChoices},
		Scope: p.T("report.scope." + string(scope)), Empty: rep.Total.Shown() && rep.Total.N == 0}
	q := url.Values{"from": {rep.From}, "to": {rep.To}, "format": {"csv"}}
	csv := func(table string) string {
		q.Set("table", table)
		return "/api/v1/reports/referrals?" + q.Encode()
	}
	v.CSVWeeks, v.CSVAgencies, v.CSVNeeds = csv(report.TableWeeks), csv(report.TableAgencies), csv(report.TableNeeds)
	for _, st := range rep.Statuses {
		v.Statuses = append(v.Statuses, p.T("app.status."+string(st)))
	}
	row := func(label string, cs []report.Cell, total report.Cell) tableRow {
		tr := tableRow{Label: label, Total: cellText(p, total)}
		for _, c := range cs {
			tr.Cells = append(tr.Cells, cellText(p, c))
		}
		return tr
	}
	var weekNames []string
	for _, w := range rep.ByWeek {
		d, _ := time.Parse(time.DateOnly, w.Week)
		weekNames = append(weekNames, shortDay(d, r.lang))
		v.WeekRows = append(v.WeekRows, row(present.Date(d, r.lang), w.Counts, w.Total))
	}
	v.WeekTotal = row(p.T("report.total"), rep.StatusTotals, rep.Total)
	v.Closed, v.NotClosed, v.Cancelled = cellText(p, rep.Loop.Closed), cellText(p, rep.Loop.NotClosed), cellText(p, rep.Loop.Cancelled)
	v.Share, v.Median, v.P90 = shareText(p, rep.Loop.Share), hoursText(p, rep.Answer.MedianHours), hoursText(p, rep.Answer.P90Hours)
	group := func(g report.Group) groupRow {
		return groupRow{Label: g.Label, Referrals: cellText(p, g.Referrals), Closed: cellText(p, g.Closed), NotClosed: cellText(p, g.NotClosed),
			Cancelled: cellText(p, g.Cancelled), Share: shareText(p, g.Share), Median: hoursText(p, g.MedianHours), P90: hoursText(p, g.P90Hours)}
	}
	for _, g := range rep.ByAgency {
		v.Agencies = append(v.Agencies, group(g))
	}
	for _, g := range rep.ByNeed {
		v.Needs = append(v.Needs, group(g))
	}
	v.Total = groupRow{Label: p.T("report.total"), Referrals: cellText(p, rep.Total), Closed: v.Closed, NotClosed: v.NotClosed,
		Cancelled: v.Cancelled, Share: v.Share, Median: v.Median, P90: v.P90}
	if v.Empty {
		return v, nil
	}

	// By week and status: the statuses with something to draw.
	var series []chart.Series
	for i, st := range rep.Statuses {
		s := chart.Series{Name: p.T("app.status." + string(st))}
		any := false
		for _, w := range rep.ByWeek {
			x := cellValue(w.Counts[i])
			any = any || x > 0
			s.Values = append(s.Values, x)
		}
		if any {
			series = append(series, s)
		}
	}
	if len(series) > 0 {
		v.WeekChart, err = chart.Bars{Title: p.T("report.chart.weeks"), Desc: p.T("report.chart.weeks_desc"), Categories: weekNames,
			Series: series, Stacked: true, Integers: true, ValueLabel: p.T("report.axis.referrals")}.SVG("chart-weeks")
		if err != nil {
			return v, err
		}
	}
	// Time to answer by agency, where at least 5 were answered.
	var names []string
	med := chart.Series{Name: p.T("report.median")}
	p90 := chart.Series{Name: p.T("report.p90")}
	for _, g := range rep.ByAgency {
		if g.MedianHours == nil {
			continue
		}
		names = append(names, clipLabel(g.Label))
		med.Values = append(med.Values, *g.MedianHours)
		p90.Values = append(p90.Values, *g.P90Hours)
	}
	if len(names) > 0 {
		v.AgencyChart, err = chart.Bars{Title: p.T("report.chart.answer"), Desc: p.T("report.chart.answer_desc"), Categories: names,
			Series: []chart.Series{med, p90}, Horizontal: true, ValueLabel: p.T("report.axis.hours")}.SVG("chart-answer")
		if err != nil {
			return v, err
		}
	}
	// Outcomes by need.
	names = nil
	outcome := []chart.Series{{Name: p.T("report.closed")}, {Name: p.T("report.not_closed")}, {Name: p.T("report.cancelled")}}
	for _, g := range rep.ByNeed {
		vals := []float64{cellValue(g.Closed), cellValue(g.NotClosed), cellValue(g.Cancelled)}
		if !slices.ContainsFunc(vals, func(x float64) bool { return x > 0 }) {
			continue
		}
		names = append(names, clipLabel(g.Label))
		for i := range outcome {
			outcome[i].Values = append(outcome[i].Values, vals[i])
		}
	}
	if len(names) > 0 {
		v.NeedChart, err = chart.Bars{Title: p.T("report.chart.needs"), Desc: p.T("report.chart.needs_desc"), Categories: names,
			Series: outcome, Stacked: true, Horizontal: true, Integers: true, ValueLabel: p.T("report.axis.referrals")}.SVG("chart-needs")
		if err != nil {
			return v, err
		}
	}
	return v, nil
}

// clipLabel shortens a chart's category name; the table has it whole.
func clipLabel(s string) string {
	r := []rune(s)
	if len(r) <= 34 {
		return s
	}
	return strings.TrimSpace(string(r[:33])) + "…"
}

// needRow is a row of an unmet-needs table.
type needRow struct {
	Label, Searches, Found, Unmet, Share string
}

// unmetView is the unmet-needs report on a page.
type unmetView struct {
	// Chart is by week; NeedChart and CountyChart draw the same counts by
	// need and by county (areas with fewer than 5 searches drawn as none).
	Chart, NeedChart, CountyChart   template.HTML
	Weeks, Needs, Counties          []needRow
	Total                           needRow
	CSVWeeks, CSVNeeds, CSVCounties string
	Empty                           bool
}

// unmet builds the unmet-needs report of rg.
func (u *UI) unmet(c echo.Context, p *page, r *request, rg report.Range) (unmetView, error) {
	rs, err := needs.BuildReports(c.Request().Context(), u.reports, rg, needs.CatalogLabels(r.snap.Catalog, r.snap.Places, r.lang))
	if err != nil {
		return unmetView{}, err
	}
	var v unmetView
	q := url.Values{"from": {rg.From.Format(time.DateOnly)}, "to": {rg.To.Format(time.DateOnly)}, "format": {"csv"}}
	csv := func(by string) string {
		q.Set("by", by)
		return "/api/v1/reports/unmet-needs?" + q.Encode()
	}
	v.CSVWeeks, v.CSVNeeds, v.CSVCounties = csv(needs.ByWeek), csv(needs.ByCategory), csv(needs.ByArea)
	line := func(label string, l needs.Line) needRow {
		return needRow{Label: label, Searches: cellText(p, l.Searches), Found: cellText(p, l.Found), Unmet: cellText(p, l.Unmet), Share: shareText(p, l.UnmetShare)}
	}
	weeks := rs.Get("", needs.ByWeek)
	v.Total = line(p.T("report.total"), weeks.Total)
	v.Empty = weeks.Total.Searches.Shown() && weeks.Total.Searches.N == 0
	found := chart.Series{Name: p.T("report.found")}
	unmet := chart.Series{Name: p.T("report.unmet")}
	var names []string
	for _, l := range weeks.Rows {
		d, _ := time.Parse(time.DateOnly, l.Week)
		names = append(names, shortDay(d, r.lang))
		v.Weeks = append(v.Weeks, line(present.Date(d, r.lang), l))
		unmet.Values = append(unmet.Values, cellValue(l.Unmet))
		found.Values = append(found.Values, cellValue(l.Found))
	}
	// By need and by county: the same stacked bars laid down, for the rows
	// with a count to draw (a row of suppressed cells draws nothing).
	byNeed, byCounty := unmetBars{}, unmetBars{}
	for _, l := range rs.Get("", needs.ByCategory).Rows {
		label := l.CategoryLabel
		if l.Category == "" {
			label = p.T("report.not_told")
		}
		v.Needs = append(v.Needs, line(label, l))
		byNeed.add(label, l)
	}
	for _, l := range rs.Get("", needs.ByArea).Rows {
		label := l.AreaLabel
		if l.Area == "" {
			label = p.T("report.no_place")
		} else if strings.HasPrefix(l.Area, "zip3:") {
			label = p.T("report.zip3", "zip", strings.TrimPrefix(l.Area, "zip3:"))
		}
		v.Counties = append(v.Counties, line(label, l))
		byCounty.add(label, l)
	}
	if v.Empty {
		return v, nil
	}
	if v.Chart, err = (chart.Bars{Title: p.T("report.chart.unmet"), Desc: p.T("report.chart.unmet_desc"), Categories: names,
		Series: []chart.Series{unmet, found}, Stacked: true, Integers: true, ValueLabel: p.T("report.axis.searches")}).SVG("chart-unmet"); err != nil {
		return v, err
	}
	if v.NeedChart, err = byNeed.svg(p, "chart-unmet-needs", "report.table.unmet_needs", "report.chart.unmet_needs_desc"); err != nil {
		return v, err
	}
	if v.CountyChart, err = byCounty.svg(p, "chart-unmet-counties", "report.table.unmet_counties", "report.chart.unmet_counties_desc"); err != nil {
		return v, err
	}
	return v, nil
}

// unmetBars gathers the rows of an unmet-needs table for a chart of
// searches that found nothing and searches that found something.
type unmetBars struct {
	names        []string
	unmet, found []float64
}

func (b *unmetBars) add(label string, l needs.Line) {
	u, f := cellValue(l.Unmet), cellValue(l.Found)
	if u == 0 && f == 0 {
		return
	}
	b.names = append(b.names, clipLabel(label))
	b.unmet, b.found = append(b.unmet, u), append(b.found, f)
}

// svg draws the bars laid down (long names down the side), or nothing
// when no row has a count that may be drawn.
func (b *unmetBars) svg(p *page, id, title, desc string) (template.HTML, error) {
	if len(b.names) == 0 {
		return "", nil
	}
	return chart.Bars{Title: p.T(title), Desc: p.T(desc), Categories: b.names,
		Series:  []chart.Series{{Name: p.T("report.unmet"), Values: b.unmet}, {Name: p.T("report.found"), Values: b.found}},
		Stacked: true, Horizontal: true, Integers: true, ValueLabel: p.T("report.axis.searches")}.SVG(id)
}

// reportsBody is the specialists' report page.
type reportsBody struct {
	Outcomes outcomesView
}

// reportsPage shows a specialist the outcomes of their own and their
// team's referrals.
func (u *UI) reportsPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.reports.title")
	if err != nil {
		return err
	}
	if u.reports == nil {
		return apperr.New(apperr.Unavailable, "reports are not configured on this server")
	}
	weeks, err := reportWeeks(c)
	if err != nil {
		return err
	}
	usr := viewer(c)
	scope := report.ScopeTeam
	if usr.TeamID == "" {
		scope = report.ScopeOwn
	}
	rg := report.LastWeeks(report.Day(r.now, r.snap.Catalog.Info.TimeZone), weeks)
	o, err := u.outcomes(c, p, r, rg, weeks, referral.OutcomeFilter{Specialist: usr.UserID, Team: usr.TeamID}, scope)
	if err != nil {
		return err
	}
	p.Body = reportsBody{Outcomes: o}
	return u.render(c, http.StatusOK, "reports", p)
}

// groupsArgs is what the groups table template renders.
type groupsArgs struct {
	P                  *page
	Rows               []groupRow
	Total              groupRow
	ID, Caption, First string
}

// Groups bundles an agency or need table for the groups template.
func (p *page) Groups(rows []groupRow, total groupRow, id, caption, first string) groupsArgs {
	return groupsArgs{P: p, Rows: rows, Total: total, ID: id, Caption: caption, First: first}
}

// needTableArgs is what the needtable template renders.
type needTableArgs struct {
	P                  *page
	Rows               []needRow
	Total              needRow
	ID, Caption, First string
}

// NeedTable bundles an unmet-needs table for the needtable template.
func (p *page) NeedTable(rows []needRow, total needRow, id, caption, first string) needTableArgs {
	return needTableArgs{P: p, Rows: rows, Total: total, ID: id, Caption: caption, First: first}
}
