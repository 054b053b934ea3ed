package httpapi

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/report"
	"trellis/internal/snapshot"
)

// The reports count whole weeks that have ended, and show no count under
// 5 (package report): in JSON a hidden count is the string "fewer than 5"
// or "withheld", and so it is in CSV.

func (s *API) reportRoutes(v1 *echo.Group) {
	v1.GET("/reports/unmet-needs", s.unmetNeedsReport, s.srv.RequireUser(auth.PermStats))
	// Specialists see their own and their team's numbers; the handler
	// chooses the scope by role.
	v1.GET("/reports/referrals", s.referralReport, s.srv.RequireUser())
}

// weeks reads the from and to parameters into the whole weeks they
// cover, cut at the last week that has ended, recording a problem in p.
func (s *API) weeks(p *params, snap *snapshot.Snapshot) report.Range {
	var from, to time.Time
	for _, name := range []string{"from", "to"} {
		v := p.str(name)
		if v == "" {
			continue
		}
		d, err := needs.ParseDay(v)
		if err != nil {
			p.fail(name, "%s: %v", name, err)
		} else if name == "from" {
			from = d
		} else {
			to = d
		}
	}
	if p.err != nil {
		return report.Range{}
	}
	r, err := report.Weeks(from, to, report.Day(s.now(), snap.Catalog.Info.TimeZone), report.DefaultWeeks)
	var re *report.RangeError
	if errors.As(err, &re) {
		p.fail(re.Field, "%s", re.Msg)
	}
	return r
}

// format reads the format parameter: json (the default) or csv.
func format(p *params) string {
	if p.str("format") == "" {
		return "json"
	}
	return p.oneOf("format", "json", "csv")
}

// sendCSV answers with CSV from write, as a download named name.
func sendCSV(c echo.Context, name string, write func(*bytes.Buffer) error) error {
	var buf bytes.Buffer
	if err := write(&buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
}

// unmetNeedsReport answers GET /api/v1/reports/unmet-needs: searches and
// how many found nothing, by category, area, both or week, for the whole
// weeks from through to (default: the last 13 that have ended).
func (s *API) unmetNeedsReport(c echo.Context) error {
	p, err := newParams(c, "from", "to", "by", "channel", "format")
	if err != nil {
		return err
	}
	if s.needStore == nil {
		return apperr.New(apperr.Unavailable, "counting unmet needs is not configured on this server")
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	r := s.weeks(p, snap)
	q := needs.ReportQuery{From: r.From, To: r.To, By: needs.ByCategory}
	if by := p.str("by"); by != "" {
		q.By = p.oneOf("by", needs.AllGroupings...)
	}
	q.Channel = needs.Channel(p.oneOf("channel", string(needs.ChannelPublic), string(needs.ChannelSpecialist), string(needs.ChannelAPI)))
	f := format(p)
	if err := p.check(); err != nil {
		return err
	}
	rep, err := needs.BuildReport(c.Request().Context(), s.needStore, q, needs.CatalogLabels(snap.Catalog, snap.Places, "en"))
	if err != nil {
		return err
	}
	if f == "csv" {
		return sendCSV(c, "unmet-needs-"+strings.ReplaceAll(q.By, ",", "-")+"-"+rep.From+"-"+rep.To+".csv",
			func(b *bytes.Buffer) error { return rep.WriteCSV(b) })
	}
	return c.JSON(http.StatusOK, rep)
}

// referralReport answers GET /api/v1/reports/referrals: referral outcomes
// by week and status, the closed-loop share and the time to the agency's
// first answer, by agency and need, for the whole weeks from through to.
// Coordinators and admins see every team's referrals (or one team's, with
// team); a specialist sees their own and their team's.
func (s *API) referralReport(c echo.Context) error {
	p, err := newParams(c, "from", "to", "team", "format", "table")
	if err != nil {
		return err
	}
	if s.outcomes == nil {
		return apperr.New(apperr.Unavailable, "referrals are not configured on this server")
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	u := httpserver.CurrentUser(c)
	var f referral.OutcomeFilter
	scope := report.ScopeAll
	switch {
	case u.Role.Can(auth.PermStats):
		f.Team = p.str("team")
	case u.Role.Can(auth.PermRefer):
		if p.has("team") {
			p.fail("team", "team is for coordinators: a specialist's report counts their own and their team's referrals")
		}
		f.Specialist, f.Team, scope = u.ID, u.TeamID, report.ScopeTeam
		if u.TeamID == "" {
			scope = report.ScopeOwn
		}
	default:
		return apperr.New(apperr.Forbidden, "your role (%s) may not do this", u.Role)
	}
	r := s.weeks(p, snap)
	fm := format(p)
	table := report.TableWeeks
	if p.has("table") {
		table = p.oneOf("table", report.Tables...)
		if fm != "csv" {
			p.fail("table", "table chooses the table of a CSV download: add format=csv")
		}
	}
	if err := p.check(); err != nil {
		return err
	}
	loc := snap.Catalog.Info.TimeZone
	f.Since, f.Until = r.Start(loc), r.End(loc)
	outs, err := s.outcomes.Outcomes(c.Request().Context(), f)
	if err != nil {
		return err
	}
	rep := report.BuildReferrals(outs, r, loc, scope, report.CatalogLabels(snap.Catalog, "en"))
	if fm == "csv" {
		return sendCSV(c, "referrals-"+table+"-"+rep.From+"-"+rep.To+".csv", func(b *bytes.Buffer) error { return rep.WriteCSV(b, table) })
	}
	return c.JSON(http.StatusOK, rep)
}
