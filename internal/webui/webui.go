// Package webui serves Trellis's web pages: the public directory and kiosk
// at /, rendered on the server from the templates and assets in web/ and
// from the same record views the API uses (package present). Every page
// works without JavaScript; the little script there is only adds "use my
// location", a print button and the kiosk's reset after idle time.
//
// Nothing a visitor searches for is kept: no cookies, no server-side
// sessions, no logs of queries. What a visitor carries from page to page
// (the search, the ticked services) lives in the page itself. In kiosk mode
// the forms are posted, so searches stay out of the browser's history and
// address bar, and a posted form older than the idle time is refused, so
// the next person cannot bring a search back with Back and Resubmit.
package webui

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/directory"
	"trellis/internal/httpapi"
	"trellis/internal/i18n"
	"trellis/internal/referral"
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
	// Snapshots is where the directory is read from.
	Snapshots httpapi.Snapshots
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives template failures; nil means slog.Default().
	Logger *slog.Logger
	// Kiosk turns on kiosk mode: large text, a high-contrast switch,
	// posted forms and a reset to the start page after KioskIdle.
	Kiosk bool
	// KioskIdle is the idle time before a kiosk page starts over; 0 means
	// DefaultKioskIdle.
	KioskIdle time.Duration
	// BaseURL is the public address QR codes and agency links start with,
	// e.g. https://trellis.example.org; empty means the scheme and host of
	// the request.
	BaseURL string
	// Referrals keeps referrals for the specialist workspace; when nil,
	// the workspace answers 503. LinkTTL is how long agency links last (0
	// means referral.DefaultLinkTTL).
	Referrals referral.Store
	LinkTTL   time.Duration
}

// UI is the set of page handlers. Create it with New and add its routes to
// the API server with Register.
type UI struct {
	opt    Options
	log    *slog.Logger
	pages  map[string]*template.Template
	static fs.FS
	// api counts searches for the unmet-needs report; set by Register.
	api  *httpapi.Server
	refs *referral.Service
}

// pageNames are the templates under web/templates, each rendered inside
// layout.html.
var pageNames = []string{"start", "results", "service", "list", "error",
	"signin", "match", "refer", "referrals", "referral", "admin", "agency"}

// New parses the templates. It returns an error naming the template when
// one does not parse, which is a build mistake the tests catch.
func New(opt Options) (*UI, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.KioskIdle <= 0 {
		opt.KioskIdle = DefaultKioskIdle
	}
	opt.BaseURL = strings.TrimRight(opt.BaseURL, "/")
	u := &UI{opt: opt, log: opt.Logger, pages: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(web.FS, "templates/layout.html", "templates/"+name+".html")
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
	if opt.Referrals != nil {
		u.refs = &referral.Service{Store: opt.Referrals, Now: opt.Now, LinkTTL: opt.LinkTTL, Catalog: func() *directory.Catalog {
			if snap := opt.Snapshots.Current(); snap != nil {
				return snap.Catalog
			}
			return nil
		}}
	}
	return u, nil
}

// Register adds the page routes to the API server's router and makes
// errors outside /api/ render as pages.
func (u *UI) Register(api *httpapi.Server) {
	u.api = api
	e := api.Echo()
	e.GET("/static/*", echo.WrapHandler(http.StripPrefix("/static/", cacheStatic(http.FileServer(http.FS(u.static))))))
	g := e.Group("", pageHeaders)
	g.GET("/", u.start)
	g.POST("/", u.start)
	g.GET("/search", u.results)
	g.POST("/search", u.results)
	g.GET("/services/:id", u.service)
	g.POST("/services/:id", u.service)
	g.GET("/list", u.list)
	g.POST("/list", u.list)
	g.GET("/saved", u.saved)
	u.appRoutes(api)
	api.SetPageErrors(u.errorPage)
}

// pageHeaders keeps pages, which can show what a person searched for, out
// of every cache, and limits what a page may load to this server.
func pageHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Content-Security-Policy", csp)
		h.Add("Vary", "Accept-Language")
		return next(c)
	}
}

// csp allows the pages' own scripts, styles and images only.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// cacheStatic lets browsers keep the assets for an hour.
func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}

// render executes page name with data and writes it with status. A template
// failure is logged and becomes a plain 500, never half a page.
func (u *UI) render(c echo.Context, status int, name string, p *page) error {
	t := u.pages[name]
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.log.Error("render page", "page", name, "err", err)
		return apperr.New(apperr.Internal, "internal error")
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// request is what a page handler works from.
type request struct {
	c    echo.Context
	snap *snapshot.Snapshot
	now  time.Time
	form form
	lang string
}

// newRequest reads the snapshot and the visitor's state. In kiosk mode, a
// posted form older than the idle time (brought back with Back and
// Resubmit) is refused with ok false: the caller then starts over.
func (u *UI) newRequest(c echo.Context) (r *request, ok bool, err error) {
	if u.opt.Snapshots == nil || u.opt.Snapshots.Current() == nil {
		return nil, false, apperr.New(apperr.Unavailable, "the directory is not loaded yet")
	}
	snap := u.opt.Snapshots.Current()
	if err := c.Request().ParseForm(); err != nil {
		return nil, false, apperr.New(apperr.Invalid, "the form could not be read")
	}
	now := u.opt.Now()
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
	return r, true, nil
}

// startOver sends an expired kiosk form back to the start page.
func startOver(c echo.Context) error {
	return c.Redirect(http.StatusSeeOther, "/")
}

// errorPage renders errors on page routes as pages in the visitor's
// language. It returns an error (falling back to JSON) only if rendering
// fails.
func (u *UI) errorPage(c echo.Context, status int, e httpapi.ErrorDetail) error {
	if status == http.StatusUnauthorized && isWorkspace(c.Request().URL.Path) {
		return c.Redirect(http.StatusSeeOther, "/app/sign-in")
	}
	lang := i18nMatch(c.QueryParam("lang"), c.Request().Header.Get("Accept-Language"))
	p := u.newPage(nil, lang, "")
	key := "error.generic"
	switch status {
	case http.StatusNotFound:
		key = "error.not_found"
	case http.StatusServiceUnavailable:
		key = "error.unavailable"
	case http.StatusBadRequest:
		key = "error.bad_request"
	case http.StatusForbidden:
		key = "error.forbidden"
	}
	p.Title = p.T(key + ".title")
	p.Body = errorBody{Heading: p.T(key + ".title"), Text: p.T(key + ".text")}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	return u.render(c, status, "error", p)
}

type errorBody struct {
	Heading, Text string
}
