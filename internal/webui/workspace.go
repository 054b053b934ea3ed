package webui

import (
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
	"trellis/internal/referral"
)

// The specialist workspace (/app) and the coordinators' data page
// (/admin). Sign-in, sessions and CSRF come from the platform's gate; a
// page refused for want of a session sends the visitor to the sign-in page.
// Profiles described on the match page are used for that answer only:
// the form is posted (never in a URL) and nothing of it is kept.
//
// A workspace page keeps the specialist's work: its language travels in
// every link and form (lang), and a page whose state is a posted form
// (the match profile and its answer, a referral being written, its error,
// a link just made) names that form as its StateForm, which the language
// switch re-posts to a route that draws the same state again without
// acting on it.

// workspaceRoutes registers the workspace and the agency's page. They
// need the referral service; without one they answer 503 like the
// referral API.
func (u *UI) workspaceRoutes(e *echo.Echo) {
	srv := u.srv
	// Middleware goes on each route, never on a group without a prefix
	// (see Register).
	ws := func(m ...echo.MiddlewareFunc) []echo.MiddlewareFunc {
		return append([]echo.MiddlewareFunc{u.pageHeaders, sameOrigin}, m...)
	}
	refer := func(next echo.HandlerFunc) echo.HandlerFunc {
		return srv.RequireUser(auth.PermRefer)(func(c echo.Context) error {
			if u.refs == nil {
				return apperr.New(apperr.Unavailable, "referrals are not configured on this server")
			}
			return next(c)
		})
	}
	e.GET("/app/sign-in", u.signInPage, ws(srv.Identify())...)
	e.POST("/app/sign-in", u.signIn, ws()...)
	e.POST("/app/sign-out", u.signOut, ws(srv.RequireUser())...)
	e.GET("/app", u.matchPage, ws(refer)...)
	e.POST("/app", u.matchPage, ws(refer, srv.SearchLimit())...)
	e.GET("/app/refer", u.referGet, ws(refer)...)
	e.POST("/app/refer", u.referPage, ws(refer)...)
	e.POST("/app/referrals", u.createReferral, ws(refer)...)
	e.GET("/app/referrals", u.referralsPage, ws(refer)...)
	e.GET("/app/referrals/:id", u.referralPage, ws(refer)...)
	e.POST("/app/referrals/:id", u.referralPage, ws(refer)...)
	e.POST("/app/referrals/:id/events", u.moveReferral, ws(refer)...)
	e.GET("/app/referrals/:id/link", u.linkPageReloaded, ws(refer)...)
	e.POST("/app/referrals/:id/link", u.agencyLink, ws(refer)...)
	e.POST("/app/referrals/:id/links/:link/revoke", u.revokeLink, ws(refer)...)
	e.POST("/app/referrals/:id/withdraw", u.withdrawConsent, ws(refer)...)
	e.GET("/app/referrals/:id/slip", u.slipPage, ws(refer)...)
	e.POST("/app/settings/answer-mail", u.setAnswerMail, ws(refer)...)
	e.GET("/admin", u.adminPage, ws(srv.RequireUser(auth.PermDirectory))...)
	accounts := srv.RequireUser(auth.PermUsers)
	e.GET("/admin/accounts", u.accountsPage, ws(accounts)...)
	e.GET("/admin/accounts/:id", u.accountPage, ws(accounts)...)
	e.POST("/admin/accounts/:id/:action", u.accountAction, ws(accounts)...)
	e.GET("/agency/:token", u.agencyPage, u.pageHeaders)
	e.POST("/agency/:token", u.agencyPage, u.pageHeaders)
}

// sameOrigin lets workspace pages send their origin with the forms they
// post, which the session's CSRF defence checks; "no-referrer", the rule
// elsewhere, makes browsers send "Origin: null". Other sites still get no
// referrer.
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("Referrer-Policy", "same-origin")
		return next(c)
	}
}

// isWorkspace reports whether a path belongs to the signed-in pages.
func isWorkspace(path string) bool {
	return path == "/app" || strings.HasPrefix(path, "/app/") || path == "/admin" || strings.HasPrefix(path, "/admin/")
}

// appPage returns the page frame for a workspace request, in the language
// the request carries (lang, or setlang from the language switch, which
// also marks the request as showing again what was shown).
func (u *UI) appPage(c echo.Context, title string) (*page, *request, error) {
	snap, err := u.snapshot()
	if err != nil {
		return nil, nil, err
	}
	if err := readForm(c); err != nil {
		return nil, nil, err
	}
	f := c.Request().Form
	if f.Has("setlang") {
		httpserver.Repeat(c)
	}
	lang := i18nMatch(pick(f, "lang", "setlang"), c.Request().Header.Get("Accept-Language"))
	r := &request{c: c, snap: snap, now: u.now(), lang: lang, form: form{Lang: lang, Page: 1}}
	p := u.newPage(r, lang, c.Request().URL.Path)
	p.Form = form{Lang: lang}
	if err := u.workspaceFrame(c, p); err != nil {
		return nil, nil, err
	}
	p.Title = p.T(title)
	return p, r, nil
}

// workspaceFrame makes p a workspace page (its layout, navigation and
// footer) for whoever the request is signed in as, if anyone. It fails
// only when the unread answers cannot be counted.
func (u *UI) workspaceFrame(c echo.Context, p *page) error {
	p.Kiosk, p.Method, p.Reset = false, "get", false
	p.App, p.Workspace = true, true
	p.CSRF = httpserver.CSRFToken(c)
	if usr := httpserver.CurrentUser(c); usr != nil {
		p.User, p.Role = usr.Email, string(usr.Role)
		p.CanRefer, p.CanAdmin = usr.Role.Can(auth.PermRefer), usr.Role.Can(auth.PermDirectory)
		p.CanUsers = usr.Role.Can(auth.PermUsers)
		if p.CanRefer && u.refs != nil {
			n, err := u.refs.UnreadAnswers(c.Request().Context(), viewer(c))
			if err != nil {
				return err
			}
			p.Unread = n
		}
	}
	return nil
}

// viewer is the signed-in specialist as the referral service sees them,
// with their account's email as their work contact.
func viewer(c echo.Context) referral.Viewer {
	usr := httpserver.CurrentUser(c)
	return referral.Viewer{UserID: usr.ID, TeamID: usr.TeamID, Email: usr.Email}
}
