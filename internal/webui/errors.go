package webui

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/httpserver"
)

// errorPageWait bounds what drawing a workspace error page reads (who is
// signed in, their unread answers).
const errorPageWait = 3 * time.Second

type errorBody struct {
	Heading, Text string
	// Start is where "Go to the start page" leads: the public start page,
	// or the workspace's for a workspace page.
	Start string
}

// ErrorPage draws an error on a page route as a page in the visitor's
// language; the server calls it for every request outside the APIs. A
// workspace page refused for want of a session sends the visitor to the
// sign-in page instead. It returns an error (and the server answers with
// JSON) only if drawing fails.
func (u *UI) ErrorPage(c echo.Context, status int, e httpserver.ErrorDetail) error {
	explicit := c.QueryParam("lang")
	if f := c.Request().Form; f != nil && f.Get("lang") != "" {
		// A workspace form carries its page's language; its body is
		// read only if it was already read.
		explicit = f.Get("lang")
	}
	lang := i18nMatch(explicit, c.Request().Header.Get("Accept-Language"))
	if status == http.StatusUnauthorized && isWorkspace(c.Request().URL.Path) {
		to := "/app/sign-in"
		if explicit != "" {
			to += "?" + url.Values{"lang": {lang}}.Encode()
		}
		return c.Redirect(http.StatusSeeOther, to)
	}
	p := u.newPage(nil, lang, "")
	start := p.StartURL()
	if isWorkspace(c.Request().URL.Path) {
		// A signed-in page's error is a workspace page: its navigation,
		// its footer and a way back to the workspace. A route that did not
		// match has not asked who is signed in yet; when that cannot be
		// told, the page is drawn as for someone signed out. The server
		// draws errors once the request's own context has ended, so the
		// session and the unread answers are read under a short one of
		// the page's own.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request().Context()), errorPageWait)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		_ = u.srv.Identify()(func(echo.Context) error { return nil })(c)
		_ = u.workspaceFrame(c, p)
		start = p.Href("/app")
		if usr := httpserver.CurrentUser(c); usr != nil {
			start = p.Href(homeOf(usr))
		}
	}
	key := "error.generic"
	switch status {
	case http.StatusNotFound:
		key = "error.not_found"
	case http.StatusServiceUnavailable:
		key = "error.unavailable"
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		key = "error.bad_request"
	case http.StatusForbidden:
		key = "error.forbidden"
	case http.StatusTooManyRequests:
		key = "error.too_many"
	}
	p.Title = p.T(key + ".title")
	p.Body = errorBody{Heading: p.T(key + ".title"), Text: p.T(key + ".text"), Start: start}
	h := c.Response().Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", csp)
	return u.render(c, status, "error", p)
}
