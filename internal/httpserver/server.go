// Package httpserver is the HTTP platform Trellis's front ends share: the
// Echo server and the middleware every response goes through (recovery,
// request logs without personal data, security headers, body limits, the
// client address), the one error envelope (JSON for the API, a page for
// browsers), the gate (API tokens, sessions, CSRF, who is signed in, the
// sign-in guard), rate limits, /healthz, /readyz and /metrics, and the
// counting of searches. The JSON API (package httpapi) and the web pages
// (package webui) are siblings that register their routes on a Server;
// neither imports the other.
package httpserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/buildinfo"
	"trellis/internal/needs"
	"trellis/internal/snapshot"
)

// Snapshots is what the server and the front ends read the directory
// from.
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
	// Build is the running build, reported by /healthz and as the
	// trellis_build_info metric.
	Build buildinfo.Info
	// RequestTimeout bounds each request's context; 0 means 30 s.
	RequestTimeout time.Duration
	// BaseURL is the public address of the server, e.g.
	// https://trellis.example.org, that links made for other people
	// (agency links, QR codes) start with; empty means the scheme and Host
	// of each request. An https base URL also marks cookies Secure and
	// turns on HSTS.
	BaseURL string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto headers are believed. Without them the client
	// address is the connection's peer, which no header can change.
	TrustedProxies []netip.Prefix

	// Accounts keeps users, API tokens and sessions; when nil, every route
	// that needs a signed-in user answers 503.
	Accounts auth.Store
	// Sessions bounds web sessions (lifetime and idle timeout).
	Sessions auth.SessionConfig
	// SignIn limits password sign-ins per address and account and bounds
	// concurrent password hashing, for every sign-in form at once.
	SignIn auth.GuardConfig
	// SearchRate and SearchBurst limit searches and matches per client
	// address (SearchLimit): SearchRate a second on average after a burst
	// of SearchBurst. 0 means 5 a second after a burst of 50; a negative
	// SearchRate turns the limit off.
	SearchRate  float64
	SearchBurst int

	// NeedRecorder counts searches for the unmet-needs report (an
	// asynchronous needs.Async); nil counts nothing.
	NeedRecorder needs.Recorder
	// Pages draws errors as pages for requests outside the API; nil
	// answers every error as JSON.
	Pages ErrorPages
	// Referrals counts referrals created and their status changes on
	// /metrics; nil leaves them out.
	Referrals *ReferralMetrics
	// Outbox is read for the outbox's depth on /metrics; nil leaves it
	// out.
	Outbox OutboxDepth
}

// Server is the platform. Create it with New, register the front ends'
// routes on Echo(), and serve it (it is an http.Handler).
type Server struct {
	e     *echo.Echo
	log   *slog.Logger
	snaps Snapshots
	now   func() time.Time
	build buildinfo.Info

	baseURL string
	proxies []netip.Prefix
	pages   ErrorPages
	metrics *metrics

	accounts auth.Store
	sessions auth.SessionConfig
	guard    *auth.Guard
	search   echo.MiddlewareFunc
	needs    needs.Recorder
}

// New returns a server with the platform's middleware and routes
// (/healthz, /readyz, /metrics) and no front end yet.
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
	s := &Server{e: echo.New(), log: opt.Logger, snaps: opt.Snapshots, now: opt.Now, build: opt.Build,
		baseURL: strings.TrimRight(opt.BaseURL, "/"), proxies: opt.TrustedProxies, pages: opt.Pages,
		metrics:  newMetrics(opt.Snapshots, opt.Now, opt.Build, opt),
		accounts: opt.Accounts, sessions: opt.Sessions, guard: auth.NewGuard(opt.SignIn), needs: opt.NeedRecorder}
	s.search = s.searchLimiter(opt.SearchRate, opt.SearchBurst)
	e := s.e
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.handleError
	e.IPExtractor = ipExtractor(opt.TrustedProxies)
	e.Use(s.observe)
	e.Use(s.logRequests)
	e.Use(s.securityHeaders)
	e.Use(s.limitBody)
	e.Use(s.recoverPanics)
	e.Use(noStoreAPI)
	e.Use(timeout(opt.RequestTimeout))
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/metrics", s.metrics.handler())
	return s
}

// Echo returns the router the front ends add their routes to.
func (s *Server) Echo() *echo.Echo { return s.e }

// ServeHTTP serves a request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.e.ServeHTTP(w, r) }

// Now returns the server's clock reading.
func (s *Server) Now() time.Time { return s.now() }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// Snapshot returns the snapshot to answer from, or an Unavailable error
// (503) before the first load.
func (s *Server) Snapshot() (*snapshot.Snapshot, error) {
	if s.snaps == nil {
		return nil, errNotLoaded
	}
	snap := s.snaps.Current()
	if snap == nil {
		return nil, errNotLoaded
	}
	return snap, nil
}

var errNotLoaded = apperr.New(apperr.Unavailable, "the directory is not loaded yet")

// Snapshots returns where the server reads the directory from; nil when
// it has none.
func (s *Server) Snapshots() Snapshots { return s.snaps }

// BaseURL returns the address links for other people start with: the
// configured base URL, or else the scheme and Host the request came to
// (the scheme a trusted proxy reports, when it came through one).
func (s *Server) BaseURL(c echo.Context) string {
	if s.baseURL != "" {
		return s.baseURL
	}
	return s.scheme(c) + "://" + c.Request().Host
}

// scheme is "https" when the request came over TLS, directly or (as
// X-Forwarded-Proto says) to a trusted proxy, and "http" otherwise. A
// client's own X-Forwarded-Proto is not believed.
func (s *Server) scheme(c echo.Context) string {
	r := c.Request()
	if r.TLS != nil {
		return "https"
	}
	if s.fromProxy(r) {
		if p := strings.ToLower(strings.TrimSpace(strings.Split(r.Header.Get(echo.HeaderXForwardedProto), ",")[0])); p == "https" || p == "http" {
			return p
		}
	}
	return "http"
}

// fromProxy reports whether the connection's peer is a trusted proxy.
func (s *Server) fromProxy(r *http.Request) bool {
	if len(s.proxies) == 0 {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range s.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ipExtractor reads the client address from the connection, or, through
// the trusted proxies only, from X-Forwarded-For: the rightmost address
// not itself a trusted proxy. Loopback, link-local and private networks
// are not trusted unless listed.
func ipExtractor(proxies []netip.Prefix) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		p = p.Masked()
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ParseProxies reads a comma-separated list of CIDR ranges or single
// addresses ("10.0.0.0/8, 192.0.2.7"). It returns an error naming the
// entry that is neither.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR range such as 10.0.0.0/8", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
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

// hstsMaxAge is how long browsers keep to https for the site: a year.
const hstsMaxAge = "max-age=31536000"

// securityHeaders sets headers every response carries. Referrer-Policy
// keeps search URLs (which can describe a person) from leaking to the
// sites people follow links to. With an https base URL, HSTS tells
// browsers to use nothing else.
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	hsts := strings.HasPrefix(s.baseURL, "https://")
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if hsts {
			h.Set("Strict-Transport-Security", hstsMaxAge)
		}
		return next(c)
	}
}

// noStoreAPI keeps API answers, which may reflect a person's
// circumstances, out of shared and browser caches.
func noStoreAPI(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if isAPI(c.Request().URL.Path) {
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

// isAPI reports whether a path belongs to the JSON APIs rather than the
// pages.
func isAPI(p string) bool {
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/hsds/")
}

// logAttrs is the safe part of a request for logs.
func logAttrs(c echo.Context) []any {
	return []any{slog.String("method", c.Request().Method), slog.String("route", c.Path())}
}
