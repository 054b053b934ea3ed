package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/referral"
)

// The agency routes need no account: the long random token in the path,
// handed to the receiving agency by the specialist, is the credential.
// It never reaches the logs, which name the route pattern only, and
// Referrer-Policy keeps it out of other sites' logs.
func (s *API) agencyRoutes(v1 *echo.Group) {
	v1.GET("/agency/:token", s.agencyReferral)
	v1.POST("/agency/:token/events", s.agencyMove)
}

// agencyReferral answers GET /api/v1/agency/{token}: what the agency may
// see of the referral and the moves it may make, with the 42 CFR Part 2
// redisclosure notice in the request's language (lang or
// Accept-Language) when it applies; 404 for an unknown or expired link,
// 410 for one that was revoked or replaced, or whose referral was
// cancelled, closed or had its consent withdrawn.
func (s *API) agencyReferral(c echo.Context) error {
	p, err := newParams(c, "lang")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	v, err := refs.AgencyReferral(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	v.InLanguage(lang)
	return c.JSON(http.StatusOK, v)
}

// agencyEventBody is POST /api/v1/agency/{token}/events's body.
type agencyEventBody struct {
	// Status is accepted, declined or completed.
	Status string `json:"status"`
	// Note is the reason, required to decline.
	Note string `json:"note,omitempty"`
}

// agencyMove answers POST /api/v1/agency/{token}/events: the agency
// accepts, declines (with a reason) or completes the referral; 201 with
// the event, 409 with the allowed moves when the referral cannot make
// this one, and 404 or 410 as GET answers for a link that does not work.
func (s *API) agencyMove(c echo.Context) error {
	p, err := newParams(c, "lang")
	if err != nil {
		return err
	}
	lang := s.lang(c, p)
	if err := p.check(); err != nil {
		return err
	}
	refs, err := s.referrals()
	if err != nil {
		return err
	}
	var b agencyEventBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ch := referral.Change{Note: b.Note}
	if b.Status != "" {
		st, err := referral.ParseStatus(b.Status)
		if err != nil {
			return apperr.Field("status", "status must be accepted, declined or completed")
		}
		ch.To = st
	}
	v, ev, err := refs.AgencyMove(c.Request().Context(), c.Param("token"), ch)
	if err != nil {
		return err
	}
	v.InLanguage(lang)
	return c.JSON(http.StatusCreated, moveAnswer{Event: ev, Referral: v})
}
