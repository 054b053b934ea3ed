package webui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
)

type signInBody struct {
	Email, Error string
}

// signInPage shows the sign-in form, or sends a signed-in user on.
func (u *UI) signInPage(c echo.Context) error {
	p, _, err := u.appPage(c, "app.signin.title")
	if err != nil {
		return err
	}
	if usr := httpserver.CurrentUser(c); usr != nil {
		return c.Redirect(http.StatusSeeOther, p.Href(homeOf(usr)))
	}
	p.StateForm, p.Action = "signin", "/app/sign-in"
	p.Body = signInBody{}
	return u.render(c, http.StatusOK, "signin", p)
}

func homeOf(usr *auth.User) string {
	if usr.Role.Can(auth.PermRefer) {
		return "/app"
	}
	return "/admin"
}

// signIn checks the form's email and password and starts a session. A
// wrong password (401) or too many attempts (429, with Retry-After)
// draws the form again with the email kept and a sentence saying what
// happened.
func (u *UI) signIn(c echo.Context) error {
	p, _, err := u.appPage(c, "app.signin.title")
	if err != nil {
		return err
	}
	p.StateForm, p.Action = "signin", "/app/sign-in"
	form := c.Request().PostForm
	email := strings.TrimSpace(form.Get("email"))
	if form.Has("setlang") {
		// The language switch: the form again, with the email typed, and
		// no sign-in attempt.
		p.Body = signInBody{Email: email}
		return u.render(c, http.StatusOK, "signin", p)
	}
	usr, _, err := u.srv.SignIn(c, email, form.Get("password"))
	switch apperr.CodeOf(err) {
	case "":
		return c.Redirect(http.StatusSeeOther, p.Href(homeOf(usr)))
	case apperr.Unauthenticated:
		p.Body = signInBody{Email: email, Error: p.T("app.signin.wrong")}
		return u.render(c, http.StatusUnauthorized, "signin", p)
	case apperr.RateLimited:
		wait, _ := httpserver.RetryAfter(err)
		httpserver.SetRetryAfter(c, err)
		p.Body = signInBody{Email: email, Error: p.T("app.signin.too_many", "count", strconv.Itoa(max(wait, 1)))}
		return u.render(c, http.StatusTooManyRequests, "signin", p)
	}
	return err
}

// signOut ends the session.
func (u *UI) signOut(c echo.Context) error {
	p, _, err := u.appPage(c, "app.signin.title")
	if err != nil {
		return err
	}
	if err := u.srv.SignOut(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, p.Href("/app/sign-in"))
}
