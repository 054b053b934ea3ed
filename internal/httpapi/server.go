// Package httpapi is Trellis's HTTP API on Echo: the routes under /api/v1,
// health checks, the OpenAPI document, and the middleware every response
// goes through (recovery, request logs without personal data, security
// headers, body limits, the JSON error envelope).
package httpapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/snapshot"
)

// Snapshots is what the handlers read the directory from.
type Snapshots interface {
	// Current returns the snapshot being served, nil before the first load.
	Current() *snapshot.Snapshot
	// Status returns the outcome of the last reload.
	Status() snapshot.Status
}

// Options configure a Server.
type Options struct {
	Logger    *slog.Logger
	Snapshots Snapshots
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Version is reported by /healthz.
	Version string
	// RequestTimeout bounds each request's context; 0 means 30 s.
	RequestTimeout time.Duration
	// Reload rebuilds the directory from its files and swaps it in, as
	// snapshot.Store.Reload does, for POST /api/v1/admin/reload; nil (a
	// server on the embedded data) answers 503.
	Reload func(context.Context) (*snapshot.Snapshot, error)

	// Accounts keeps users, API tokens and sessions; when nil, every route
	// that needs a signed-in user answers 503.
	Accounts auth.Store
	// Referrals keeps referrals, their events, agency links and the audit
	// log; when nil, the referral and agency routes answer 503.
	Referrals referral.Store
	// Sessions bounds web sessions (lifetime and idle timeout).
	Sessions auth.SessionConfig
	// BaseURL is the public address agency links start with, e.g.
	// https://trellis.example.org; empty means the scheme and Host of the
	// request that makes the link. Set it whenever Trellis is reachable
	// under a known name. An https base URL also marks cookies Secure.
	BaseURL string
	// AgencyPath is the path, below BaseURL, of the page the agency opens,
	// followed by the token; empty means the API's /api/v1/agency/. The
	// web pages set their own.
	AgencyPath string
	// LinkTTL is how long agency links last; 0 means
	// referral.DefaultLinkTTL.
	LinkTTL time.Duration
	// SignInRate and SignInBurst limit password sign-ins per client
	// address: SignInRate attempts a second on average after a burst of
	// SignInBurst; 0 means 1 a second and a burst of 20.
	SignInRate  float64
	SignInBurst int

	// NeedRecorder counts searches for the unmet-needs report (an
	// asynchronous needs.Async); nil counts nothing.
	NeedRecorder needs.Recorder
	// NeedStore answers GET /api/v1/reports/unmet-needs; nil answers 503.
	NeedStore needs.Store
}

// Server is the HTTP API. Create it with New; other packages (the web
// pages) add their routes to Echo().
type Server struct {
	e       *echo.Echo
	log     *slog.Logger
	snaps   Snapshots
	now     func() time.Time
	version string

	reload  func(context.Context) (*snapshot.Snapshot, error)
	metrics *metrics

	// pageErrors, when set by the web pages, renders errors for requests
	// outside /api/ as HTML.
	pageErrors func(c echo.Context, status int, e ErrorDetail) error

	accounts   auth.Store
	refs       *referral.Service
	sessions   auth.SessionConfig
	baseURL    string
	agencyPath string
	signIn     echo.MiddlewareFunc

	needs     needsState
	hsdsCache hsdsState
}

// maxBody bounds request bodies; no Trellis request needs more.
const maxBody = "1M"

// New returns a server with the API routes registered.
func New(opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.RequestTimeout == 0 {
		opt.RequestTimeout = 30 * time.Second
	}
	s := &Server{e: echo.New(), log: opt.Logger, snaps: opt.Snapshots, now: opt.Now, version: opt.Version,
		reload: opt.Reload, metrics: newMetrics(opt.Snapshots, opt.Now)}
	s.initAccounts(opt)
	s.initNeeds(opt)
	e := s.e
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	e.Use(s.observe)
	e.Use(s.recoverPanics)
	e.Use(s.logRequests)
	e.Use(securityHeaders)
	e.Use(noStoreAPI)
	e.Use(middleware.BodyLimit(maxBody))
	e.Use(timeout(opt.RequestTimeout))
	s.routes()
	return s
}

// Echo returns the underlying router so other packages can add routes.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// SetPageErrors makes errors on requests outside /api/ render through fn
// (HTML pages); fn returns an error to fall back to JSON.
func (s *Server) SetPageErrors(fn func(c echo.Context, status int, e ErrorDetail) error) {
	s.pageErrors = fn
}

func (s *Server) routes() {
	s.e.GET("/healthz", s.healthz)
	s.e.GET("/readyz", s.readyz)
	s.e.GET("/metrics", s.metrics.handler())
	v1 := s.e.Group("/api/v1")
	v1.GET("/openapi.json", s.openAPI)
	v1.GET("/search", s.search)
	v1.GET("/services/:id", s.service)
	v1.GET("/organizations/:id", s.organization)
	v1.GET("/taxonomy", s.taxonomy)
	s.matchRoutes(v1)
	s.accountRoutes(v1)
	s.referralRoutes(v1)
	s.agencyRoutes(v1)
	s.needsRoutes(v1)
	s.hsdsRoutes()
	s.adminRoutes(v1)
}

// snapshot returns the snapshot to answer from, or an Unavailable error
// before the first load.
func (s *Server) snapshot() (*snapshot.Snapshot, error) {
	if s.snaps == nil {
		return nil, apperr.New(apperr.Unavailable, "the directory is not loaded yet")
	}
	snap := s.snaps.Current()
	if snap == nil {
		return nil, apperr.New(apperr.Unavailable, "the directory is not loaded yet")
	}
	return snap, nil
}

// recoverPanics turns a panic in a handler into a logged internal error.
func (s *Server) recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				s.log.Error("panic in handler", append(logAttrs(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))...)
				err = apperr.New(apperr.Internal, "internal error")
			}
		}()
		return next(c)
	}
}

// logRequests logs each request by route pattern, status and duration.
// Query strings, bodies and client addresses are never logged: searches and
// referrals are about people.
func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		status := c.Response().Status
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		route := c.Path()
		if route == "" {
			route = "(no route)"
		}
		s.log.LogAttrs(c.Request().Context(), level, "request",
			slog.String("method", c.Request().Method), slog.String("route", route),
			slog.Int("status", status), slog.Duration("took", time.Since(start)))
		return nil
	}
}

// securityHeaders sets headers every response carries. Referrer-Policy
// keeps search URLs (which can describe a person) from leaking to the
// sites people follow links to.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		return next(c)
	}
}

// noStoreAPI keeps API answers, which may reflect a person's
// circumstances, out of shared and browser caches.
func noStoreAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}

// timeout bounds each request's context.
func timeout(d time.Duration) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ctx, cancel := context.WithTimeout(c.Request().Context(), d)
			defer cancel()
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}
