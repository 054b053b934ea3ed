package webui

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"trellis/internal/apperr"
	"trellis/internal/report"
)

// "Report a problem with this listing": the service page's short form.
// The visitor picks one of a few fixed problems; there is no text box and
// no contact field. What is kept is one more count for the service, the
// problem and the day; the request log has the route, never the service
// or the address. Reports are limited per address, and the limiter holds
// a keyed hash of the address (the key is random and lives only in
// memory), not the address itself.

// Problem reports a client address may send: problemBurst at once, then
// one every problemEvery.
const (
	problemBurst = 5
	problemEvery = 3 * time.Minute
)

// newProblemLimit returns the middleware that limits problem reports per
// client address.
func newProblemLimit() echo.MiddlewareFunc {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never returns an error
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Every(problemEvery), Burst: problemBurst, ExpiresIn: time.Hour,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) {
			m := hmac.New(sha256.New, key)
			m.Write([]byte(c.RealIP()))
			return hex.EncodeToString(m.Sum(nil)), nil
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return apperr.New(apperr.Internal, "internal error")
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			return apperr.New(apperr.RateLimited, "too many problem reports from this address; try again in a few minutes").With("retry_after", int(problemEvery.Seconds()))
		},
	})
}

// Problems lists the problems the form offers.
func (p *page) Problems() []report.Problem { return report.Problems }

// reportedBody is the page that thanks the visitor for a report.
type reportedBody struct {
	ID, Name string
	Back     string
}

// reportProblem takes a problem report from the public: POST
// /services/:id/problem with problem, one of report.Problems. It answers
// 404 for an unknown service, 400 naming the field for a missing or
// unknown choice, 403 for a form sent from another site, 429 past the
// limit, and otherwise a page that says thank you.
func (u *UI) reportProblem(c echo.Context) error {
	// A browser says where a form came from; another site's form is not
	// the public telling us about a listing.
	if c.Request().Header.Get("Sec-Fetch-Site") == "cross-site" {
		return apperr.New(apperr.Forbidden, "cross-site request refused")
	}
	r, _, err := u.newRequest(c)
	if err != nil {
		return err
	}
	if u.reports == nil {
		return apperr.New(apperr.Unavailable, "problem reports are not configured on this server")
	}
	s := r.snap.Catalog.Service(c.Param("id"))
	if s == nil {
		return apperr.New(apperr.NotFound, "no service with id %q", c.Param("id"))
	}
	pr, err := report.ParseProblem(c.Request().PostForm.Get("problem"))
	if err != nil {
		return apperr.Field("problem", "%s", err.Error())
	}
	day := report.Day(r.now, r.snap.Catalog.Info.TimeZone)
	if err := u.reports.AddProblem(c.Request().Context(), day, s.Key(), pr); err != nil {
		return err
	}
	u.srv.CountProblemReport(string(pr))
	p := u.newPage(r, r.lang, "/services/"+s.Key())
	p.Reset = true
	p.Title = p.T("problem.thanks_title")
	p.Body = reportedBody{ID: s.Key(), Name: s.Name, Back: withLang("/services/"+s.Key(), r.lang)}
	return u.render(c, http.StatusOK, "reported", p)
}
