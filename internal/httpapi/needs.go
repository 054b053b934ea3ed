package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/match"
	"trellis/internal/needs"
	"trellis/internal/search"
	"trellis/internal/snapshot"
)

// needsState is what counting searches for the unmet-needs report needs.
type needsState struct {
	rec   needs.Recorder
	store needs.Store
}

// initNeeds takes the recorder and store from the options.
func (s *Server) initNeeds(opt Options) {
	s.needs.rec, s.needs.store = opt.NeedRecorder, opt.NeedStore
}

func (s *Server) needsRoutes(v1 *echo.Group) {
	v1.GET("/reports/unmet-needs", s.unmetNeedsReport, s.RequireUser(auth.PermStats))
}

// NeedRecorder returns the recorder searches are counted with, or nil when
// counting is off; the web pages count theirs with it.
func (s *Server) NeedRecorder() needs.Recorder { return s.needs.rec }

// textCategories returns the categories a search text names, read the
// way the search reads it (search.Index.Read: phrases, synonyms, spelling
// corrections). A word that names several categories ("shelter": the
// emergency shelter, the day shelter) counts for those the results hold,
// or for all of them when the results hold none. Only the most specific
// are kept: a parent named beside one of its children adds nothing. It
// returns nil when the text names no category.
func textCategories(snap *snapshot.Snapshot, text string, facets []search.CategoryCount) []string {
	hit := map[string]bool{}
	for _, p := range snap.Index.Read(text).Parts {
		var found []string
		for _, c := range p.Categories {
			if facetCount(facets, c) > 0 {
				found = append(found, c)
			}
		}
		if len(found) == 0 {
			found = p.Categories
		}
		for _, c := range found {
			hit[c] = true
		}
	}
	var out []string
	for _, c := range snap.Catalog.Taxonomy.All() {
		if hit[c.ID] && !slices.ContainsFunc(c.Children, func(ch *directory.Category) bool { return hit[ch.ID] }) {
			out = append(out, c.ID)
		}
	}
	return out
}

// SearchChannel tells where a search came from: a signed-in specialist,
// another signed-in client, or the public. Credentials that do not check
// out (or an account store that cannot be read) count as public: counting
// never fails a search.
func (s *Server) SearchChannel(c echo.Context) needs.Channel {
	k, err := s.identify(c)
	if err != nil || k.user == nil {
		return needs.ChannelPublic
	}
	if k.user.Role.Can(auth.PermRefer) {
		return needs.ChannelSpecialist
	}
	return needs.ChannelAPI
}

// RecordSearch counts a finished search for the unmet-needs report: once
// per category it asked for (the category filter, else the categories its
// text names, see textCategories, else none), found when the results hold
// a service in that category (or, for no category, any result). The place is kept as a
// county or ZIP3, never finer; the text is not kept. It does nothing when
// counting is off, and never blocks.
func (s *Server) RecordSearch(ctx context.Context, snap *snapshot.Snapshot, ch needs.Channel, q search.Query, res *search.Result) {
	// Paging through the results of one search is still one search.
	if s.needs.rec == nil || snap == nil || res == nil || q.Page > 1 {
		return
	}
	cats := q.Categories
	if len(cats) == 0 && strings.TrimSpace(q.Text) != "" {
		cats = textCategories(snap, q.Text, res.Facets)
	}
	area := ""
	if pl := q.Place; pl != nil {
		area = needs.Area(pl.ZIP, pl.County.FIPS)
	}
	day := needs.Date(s.now().In(snap.Catalog.Info.TimeZone))
	if len(cats) == 0 {
		s.needs.rec.Record(ctx, needs.Need{Day: day, Area: area, Channel: ch, Found: res.Total > 0})
		return
	}
	for _, cat := range cats {
		s.needs.rec.Record(ctx, needs.Need{Day: day, Category: cat, Area: area, Channel: ch, Found: facetCount(res.Facets, cat) > 0})
	}
}

// recordMatch counts each need of a match (POST /api/v1/match) like a
// search: once per category it was read as (less the parents the matcher
// widened to), found when it has an eligible result.
func (s *Server) recordMatch(ctx context.Context, snap *snapshot.Snapshot, ch needs.Channel, place *geo.Place, res *match.Result) {
	if s.needs.rec == nil || res == nil {
		return
	}
	area := ""
	if place != nil {
		area = needs.Area(place.ZIP, place.County.FIPS)
	}
	day := needs.Date(s.now().In(snap.Catalog.Info.TimeZone))
	for _, nr := range res.Needs {
		found := len(nr.Results) > 0
		counted := false
		for _, cat := range nr.ReadAs.Categories {
			if slices.Contains(nr.ReadAs.Widened, cat) {
				continue
			}
			s.needs.rec.Record(ctx, needs.Need{Day: day, Category: cat, Area: area, Channel: ch, Found: found})
			counted = true
		}
		if !counted {
			s.needs.rec.Record(ctx, needs.Need{Day: day, Area: area, Channel: ch, Found: found})
		}
	}
}

// facetCount returns the count of category id among the facets (top
// level or inside), 0 when absent.
func facetCount(fs []search.CategoryCount, id string) int {
	for _, f := range fs {
		if f.ID == id {
			return f.Count
		}
		if n := facetCount(f.Children, id); n > 0 {
			return n
		}
	}
	return 0
}

// unmetNeedsReport answers GET /api/v1/reports/unmet-needs: searches and
// how many found nothing, by category, area or both, for the days from
// through to (default: the last 30 days).
func (s *Server) unmetNeedsReport(c echo.Context) error {
	p, err := newParams(c, "from", "to", "by", "channel")
	if err != nil {
		return err
	}
	if s.needs.store == nil {
		return apperr.New(apperr.Unavailable, "counting unmet needs is not configured on this server")
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	today := needs.Date(s.now().In(snap.Catalog.Info.TimeZone))
	q := needs.ReportQuery{To: today, By: needs.ByCategory}
	for _, name := range []string{"from", "to"} {
		v := p.str(name)
		if v == "" {
			continue
		}
		d, err := needs.ParseDay(v)
		if err != nil {
			p.fail(name, "%s: %v", name, err)
		} else if name == "from" {
			q.From = d
		} else {
			q.To = d
		}
	}
	if q.From.IsZero() {
		q.From = q.To.AddDate(0, 0, -29)
	}
	if by := p.str("by"); by != "" {
		q.By = p.oneOf("by", needs.Groupings...)
	}
	q.Channel = needs.Channel(p.oneOf("channel", string(needs.ChannelPublic), string(needs.ChannelSpecialist), string(needs.ChannelAPI)))
	if err := p.check(); err != nil {
		return err
	}
	if q.To.Before(q.From) {
		return apperr.Field("to", "to (%s) is before from (%s)", q.To.Format(time.DateOnly), q.From.Format(time.DateOnly))
	}
	rep, err := needs.BuildReport(c.Request().Context(), s.needs.store, q, reportLabels(snap))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

// reportLabels names categories and counties from the snapshot.
func reportLabels(snap *snapshot.Snapshot) needs.Labels {
	return needs.Labels{
		Category: func(id string) string {
			if c := snap.Catalog.Taxonomy.Category(id); c != nil {
				return c.Label.In("en")
			}
			return ""
		},
		County: func(fips string) string {
			if c, ok := snap.Places.CountyByFIPS(fips); ok {
				return geo.CountyLabel(c)
			}
			return ""
		},
	}
}
