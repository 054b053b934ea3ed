// Package webui serves Trellis's web pages: the public directory and kiosk
// at /, rendered on the server from the templates and assets in web/ and
// from the same record views the API uses (package present). Every page
// works without JavaScript; the little script there is only adds "use my
// location", a print button and the kiosk's reset after idle time.
//
// Nothing a visitor searches for is kept: no cookies, no server-side
// sessions, no logs of queries. What a visitor carries from page to page
// (the search, the ticked services) lives in the page itself; a list
// carried away by QR code or text message is kept behind a short code as
// the services' ids alone (package shortlist). Maps are drawn on the
// server (package mapsvg), so no page loads anything from another host
// unless the deployment names its own tile server. In kiosk mode
// the forms are posted, so searches stay out of the browser's history and
// address bar, and a posted form older than the idle time is refused, so
// the next person cannot bring a search back with Back and Resubmit.
package webui

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/geo"
	"trellis/internal/httpserver"
	"trellis/internal/i18n"
	"trellis/internal/referral"
	"trellis/internal/shortlist"
	"trellis/internal/snapshot"
	"trellis/web"
)

// DefaultKioskIdle is how long a kiosk page waits without input before it
// starts over.
const DefaultKioskIdle = 2 * time.Minute

// perPage is how many results a page shows.
const perPage = 10

// Options configure the pages.
type Options struct {
	// Kiosk turns on kiosk mode: large text, a high-contrast switch,
	// posted forms and a reset to the start page after KioskIdle.
	Kiosk bool
	// KioskIdle is the idle time before a kiosk page starts over; 0 means
	// DefaultKioskIdle.
	KioskIdle time.Duration
	// Near is where a kiosk stands (--kiosk-near): searches without a ZIP
	// code are measured from it. nil means the directory's centre orders
	// them, without distances.
	Near *geo.Place
	// Referrals is the referral service for the specialist workspace;
	// when nil, the workspace answers 503.
	Referrals *referral.Service
	// Lists keeps the lists carried away behind short codes; when nil,
	// the QR code and the share links carry the services' ids instead.
	Lists shortlist.Store
	// MapTiles is a tile URL template ("https://tiles.example.org/{z}/{x}/{y}.png")
	// of the deployment's own tile server, drawn under the maps; empty
	// draws the maps from the bundled outlines alone. MapAttribution is
	// the credit the tiles require.
	MapTiles       string
	MapAttribution string
	// Reports reads the reports and keeps the public's problem reports;
	// when nil, the report pages and the problem form answer 503.
	Reports ReportStore
	// Reload rebuilds the directory for the data page's reload button;
	// nil (a server on the embedded data) answers 503.
	Reload func(context.Context) (*snapshot.Snapshot, error)
}

// UI is the set of page handlers. Create it with New and add its routes to
// a server with Register; it also draws the server's error pages
// (ErrorPage).
type UI struct {
	opt    Options
	pages  map[string]*template.Template
	static fs.FS
	refs   *referral.Service
	csp    string
	// reports and reload serve the report pages (reports.go, admin.go)
	// and problemLimit the problem form (problem.go).
	reports      ReportStore
	reload       func(context.Context) (*snapshot.Snapshot, error)
	problemLimit echo.MiddlewareFunc

	// Set by Register.
	srv   *httpserver.Server
	snaps httpserver.Snapshots
	log   *slog.Logger
	now   func() time.Time
}

// pageNames are the templates under web/templates, each rendered inside
// layout.html.
var pageNames = []string{"start", "results", "service", "list", "error",
	"signin", "match", "refer", "referrals", "referral", "admin", "agency", "gone", "slip", "accounts", "account", "reports", "reported"}

// pageParts are the partial templates a page includes beside layout.html.
var pageParts = map[string][]string{
	"service": {"templates/problem.html"},
	"admin":   {"templates/outcomes.html"},
	"reports": {"templates/outcomes.html"},
}

// New parses the templates. It returns an error naming the template when
// one does not parse, which is a build mistake the tests catch.
func New(opt Options) (*UI, error) {
	if opt.KioskIdle <= 0 {
		opt.KioskIdle = DefaultKioskIdle
	}
	u := &UI{opt: opt, pages: map[string]*template.Template{}, refs: opt.Referrals, reports: opt.Reports, reload: opt.Reload,
		problemLimit: newProblemLimit(), log: slog.Default(), now: time.Now}
	for _, name := range pageNames {
		files := append([]string{"templates/layout.html", "templates/meetings.html", "templates/" + name + ".html"}, pageParts[name]...)
		t, err := template.New(name).Funcs(funcs).ParseFS(web.FS, files...)
		if err != nil {
			return nil, fmt.Errorf("webui: parse %s: %w", name, err)
		}
		u.pages[name] = t
	}
	static, err := fs.Sub(web.FS, "static")
	if err != nil {
		return nil, fmt.Errorf("webui: static assets: %w", err)
	}
	u.static = static
	u.csp = csp
	if opt.MapTiles != "" {
		origin, err := TileOrigin(opt.MapTiles)
		if err != nil {
			return nil, err
		}
		u.csp = strings.Replace(csp, "img-src 'self' data:", "img-src 'self' data: "+origin, 1)
	}
	return u, nil
}

// Register adds the page routes to srv: the public directory, the
// specialist workspace and the agency's page.
func (u *UI) Register(srv *httpserver.Server) {
	u.srv, u.snaps, u.log, u.now = srv, srv.Snapshots(), srv.Logger(), srv.Now
	e := srv.Echo()
	e.GET("/static/*", u.staticFile)
	// Middleware goes on each route, never on a group without a prefix,
	// which would claim every path and turn the API's 405s into 404s.
	search := srv.SearchLimit()
	pageHeaders := u.pageHeaders
	e.GET("/", u.start, pageHeaders)
	e.POST("/", u.start, pageHeaders)
	e.GET("/search", u.results, pageHeaders, search)
	e.POST("/search", u.results, pageHeaders, search)
	e.GET("/services/:id", u.service, pageHeaders)
	e.POST("/services/:id", u.service, pageHeaders)
	// A list page stores a short code for its QR code: limited like a
	// search, so that nobody fills the store.
	e.GET("/list", u.list, pageHeaders, search)
	e.POST("/list", u.list, pageHeaders, search)
	e.GET("/saved", u.saved, pageHeaders)
	e.GET("/l/:code", u.short, pageHeaders, search)
	u.workspaceRoutes(e)
	u.reportRoutes(e)
}

// pageHeaders keeps pages, which can show what a person searched for, out
// of every cache, and limits what a page may load to this server (and
// the deployment's tile server).
func (u *UI) pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", u.csp)
		h.Add("Vary", "Accept-Language")
		return next(c)
	}
}

// TileOrigin checks a --map-tiles URL template and returns its origin
// (scheme and host), which the pages then allow images from. It returns
// an error saying what is wrong with the template.
func TileOrigin(tmpl string) (string, error) {
	u, err := url.Parse(strings.NewReplacer("{z}", "0", "{x}", "0", "{y}", "0").Replace(tmpl))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("map tiles %q: want an http(s) URL such as https://tiles.example.org/{z}/{x}/{y}.png", tmpl)
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(tmpl, p) {
			return "", fmt.Errorf("map tiles %q: the URL must hold {z}, {x} and {y}", tmpl)
		}
	}
	if strings.ContainsAny(tmpl, " '\"<>;") {
		return "", fmt.Errorf("map tiles %q: the URL holds a space, a quote, <, > or ;", tmpl)
	}
	return u.Scheme + "://" + u.Host, nil
}

// csp allows the pages' own scripts, styles and images only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// render executes page name with data and writes it with status. A template
// failure is logged and becomes a plain 500, never half a page.
func (u *UI) render(c echo.Context, status int, name string, p *page) error {
	t := u.pages[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.log.Error("render page", "page", name, "err", err)
		return apperr.New(apperr.Internal, "internal error")
	}
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	return c.HTMLBlob(status, buf.Bytes())
}

// snapshot returns the snapshot to render from, or an Unavailable error
// before the first load.
func (u *UI) snapshot() (*snapshot.Snapshot, error) {
	if u.srv == nil {
		return nil, apperr.New(apperr.Unavailable, "the directory is not loaded yet")
	}
	return u.srv.Snapshot()
}

// request is what a page handler works from.
type request struct {
	c    echo.Context
	snap *snapshot.Snapshot
	now  time.Time
	form form
	lang string
}

// readForm parses the query and a posted form, answering 400 (or 413)
// for a body that cannot be read.
func readForm(c echo.Context) error {
	if err := c.Request().ParseForm(); err != nil {
		return httpserver.BodyError(err)
	}
	return nil
}

// newRequest reads the snapshot and the visitor's state. In kiosk mode, a
// posted form older than the idle time (brought back with Back and
// Resubmit) is refused with ok false: the caller then starts over.
func (u *UI) newRequest(c echo.Context) (r *request, ok bool, err error) {
	snap, err := u.snapshot()
	if err != nil {
		return nil, false, err
	}
	if err := readForm(c); err != nil {
		return nil, false, err
	}
	now := u.now()
	f := parseForm(c.Request().Form, snap.Catalog, i18n.Default.Supported)
	lang := i18nMatch(f.Lang, c.Request().Header.Get("Accept-Language"))
	r = &request{c: c, snap: snap, now: now, form: f, lang: lang}
	if u.opt.Kiosk && c.Request().Method == http.MethodPost {
		age := now.Unix() - f.Issued
		if f.Issued == 0 || age < 0 || time.Duration(age)*time.Second > u.opt.KioskIdle {
			return r, false, nil
		}
	}
	if u.opt.Kiosk {
		r.form.Issued = now.Unix()
	} else {
		r.form.Issued = 0
	}
	// A switch of language or contrast, another page of the results and
	// the way back to them from a service show the same search again:
	// it was counted once already.
	if fv := c.Request().Form; fv.Has("setlang") || fv.Has("sethc") || fv.Has("topage") || fv.Has("again") {
		httpserver.Repeat(c)
	}
	return r, true, nil
}

// startOver sends an expired kiosk form back to the start page.
func startOver(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/")
}
