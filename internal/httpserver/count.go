package httpserver

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/geo"
	"trellis/internal/match"
	"trellis/internal/needs"
	"trellis/internal/snapshot"
)

// Searches and matches, from every front end (the API, the pages, the
// kiosk), run through Search and Match here, which count each one once:
// in trellis_searches_total on /metrics, and in the unmet-needs report.
// Paging through the results of one search, or showing them again in
// another language (Repeat), is not another search.

// ctxRepeat marks a request that shows again a search already counted.
const ctxRepeat = "trellis.repeat"

// Repeat marks the request as showing again a search or match already
// counted (the same form in another language or contrast): Search and
// Match then do not count it.
func Repeat(c echo.Context) { c.Set(ctxRepeat, true) }

func repeated(c echo.Context) bool {
	r, _ := c.Get(ctxRepeat).(bool)
	return r
}

// Search runs q through snap's matcher and counts it. It returns the
// matcher's error (an Invalid one for a search it cannot run) uncounted.
func (s *Server) Search(c echo.Context, snap *snapshot.Snapshot, q match.SearchRequest) (*match.SearchResult, error) {
	res, err := snap.Matcher.Search(c.Request().Context(), q)
	if err != nil {
		return nil, err
	}
	if q.Page <= 1 && !repeated(c) {
		f := strconv.FormatBool(filtered(q))
		s.metrics.searches.WithLabelValues(f).Inc()
		if res.Total == 0 {
			s.metrics.noResults.WithLabelValues(f).Inc()
		}
		s.recordSearch(c.Request().Context(), snap, s.channel(c), q, res)
	}
	return res, nil
}

// Match runs the needs matcher for p and counts each need in the
// unmet-needs report. It returns the matcher's error uncounted.
func (s *Server) Match(c echo.Context, snap *snapshot.Snapshot, p match.Profile) (*match.Result, error) {
	res, err := snap.Matcher.Match(c.Request().Context(), p)
	if err != nil {
		return nil, err
	}
	if !repeated(c) {
		s.recordMatch(c.Request().Context(), snap, s.channel(c), p.Place, res)
	}
	return res, nil
}

// filtered reports whether a search narrowed its results by anything but
// its words and place: categories, open hours, cost, language or
// eligibility. /metrics counts searches by it.
func filtered(q match.SearchRequest) bool {
	return len(q.Categories) > 0 || !q.Constraints.IsZero() || !q.Person.IsZero()
}

// channel tells where a search came from: a signed-in specialist,
// another signed-in client, or the public. Credentials that do not check
// out (or an account store that cannot be read) count as public: counting
// never fails a search.
func (s *Server) channel(c echo.Context) needs.Channel {
	k, err := s.identify(c)
	if err != nil || k.user == nil {
		return needs.ChannelPublic
	}
	if k.user.Role.Can(auth.PermRefer) {
		return needs.ChannelSpecialist
	}
	return needs.ChannelAPI
}

// recordSearch counts a finished search for the unmet-needs report: once
// per category it was read as (the category filter and the categories its
// words name, less the parents it was widened to), found when the results
// hold a service in that category; a search that names no category counts
// once, found when anything was. The place is kept as a county or ZIP3,
// never finer; the text is not kept. It does nothing when counting is off,
// and never blocks.
func (s *Server) recordSearch(ctx context.Context, snap *snapshot.Snapshot, ch needs.Channel, q match.SearchRequest, res *match.SearchResult) {
	if s.needs == nil || snap == nil || res == nil {
		return
	}
	// The place searched from: the one given, or one typed with the need;
	// never the directory's centre.
	area := ""
	if pl := res.Place; pl != nil && !res.Centered {
		area = needs.Area(pl.ZIP, pl.County.FIPS)
	}
	day := needs.Date(s.now().In(snap.Catalog.Info.TimeZone))
	counted := false
	for _, cat := range res.ReadAs.Categories {
		if slices.Contains(res.ReadAs.Widened, cat) {
			continue
		}
		s.needs.Record(ctx, needs.Need{Day: day, Category: cat, Area: area, Channel: ch, Found: facetCount(res.Facets, cat) > 0})
		counted = true
	}
	if !counted {
		s.needs.Record(ctx, needs.Need{Day: day, Area: area, Channel: ch, Found: res.Total > 0})
	}
}

// recordMatch counts each need of a match like a search: once per
// category it was read as (less the parents the matcher widened to),
// found when it has an eligible result.
func (s *Server) recordMatch(ctx context.Context, snap *snapshot.Snapshot, ch needs.Channel, place *geo.Place, res *match.Result) {
	if s.needs == nil || res == nil {
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
			s.needs.Record(ctx, needs.Need{Day: day, Category: cat, Area: area, Channel: ch, Found: found})
			counted = true
		}
		if !counted {
			s.needs.Record(ctx, needs.Need{Day: day, Area: area, Channel: ch, Found: found})
		}
	}
}

// facetCount returns the count of category id among the facets (top
// level or inside), 0 when absent.
func facetCount(fs []match.CategoryCount, id string) int {
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

// SearchLimit returns middleware that limits searches and matches per
// client address, generously: a person, even a kiosk's stream of people,
// stays far below it; a script filling the unmet-needs report does not.
// Past the limit it answers 429 with Retry-After.
func (s *Server) SearchLimit() echo.MiddlewareFunc { return s.search }

// searchLimiter builds SearchLimit's middleware (see Options.SearchRate).
func (s *Server) searchLimiter(perSecond float64, burst int) echo.MiddlewareFunc {
	if perSecond < 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	if perSecond == 0 {
		perSecond = 5
	}
	if burst <= 0 {
		burst = 50
		if perSecond > 5 {
			burst = int(10 * perSecond)
		}
	}
	retry := max(1, int(math.Ceil(1/perSecond)))
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(perSecond), Burst: burst, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler: func(c echo.Context, err error) error {
			return apperr.New(apperr.Internal, "internal error")
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return apperr.New(apperr.RateLimited, "too many searches from this address; try again in %s", seconds(retry)).With("retry_after", retry)
		},
	})
}

// seconds says a whole number of seconds: "1 second", "6 seconds".
func seconds(n int) string {
	if n == 1 {
		return "1 second"
	}
	return strconv.Itoa(n) + " seconds"
}
