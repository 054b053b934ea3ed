package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
)

// accountRoutes are API tokens and sessions. Password sign-ins (a new
// token, a new session) go through the platform's sign-in guard, shared
// with the sign-in page: too many attempts from one address or for one
// account answer 429.
func (s *API) accountRoutes(v1 *echo.Group) {
	signedIn := s.srv.RequireUser()
	v1.POST("/auth/tokens", s.createToken)
	v1.GET("/auth/tokens", s.listTokens, signedIn)
	v1.DELETE("/auth/tokens/:id", s.revokeToken, signedIn)
	v1.POST("/auth/session", s.createSession)
	v1.GET("/auth/session", s.getSession, signedIn)
	v1.DELETE("/auth/session", s.deleteSession, signedIn)
}

// userView is a user as the API shows it: never the password hash.
type userView struct {
	ID     string    `json:"id"`
	Email  string    `json:"email"`
	Role   auth.Role `json:"role"`
	TeamID string    `json:"team_id,omitempty"`
}

func viewUser(u *auth.User) userView {
	return userView{ID: u.ID, Email: u.Email, Role: u.Role, TeamID: u.TeamID}
}

// credentials is the body of POST /auth/tokens and /auth/session.
type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// Name says what a token is for; tokens only.
	Name string `json:"name,omitempty"`
}

func (cr credentials) check() error {
	if strings.TrimSpace(cr.Email) == "" {
		return apperr.Field("email", "email is required")
	}
	if cr.Password == "" {
		return apperr.Field("password", "password is required")
	}
	return nil
}

// tokenView is an API token as listed: never its secret or hash.
type tokenView struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	ExpiresAt  time.Time `json:"expires_at"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

func viewToken(t *auth.Token) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, ExpiresAt: t.ExpiresAt, RevokedAt: t.RevokedAt}
}

// newTokenView is POST /auth/tokens's answer: the secret, shown once.
type newTokenView struct {
	Token string `json:"token"`
	tokenView
	User userView `json:"user"`
}

// createToken answers POST /api/v1/auth/tokens: email and password in, a
// new API token out (201).
func (s *API) createToken(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	accounts, err := s.srv.Accounts()
	if err != nil {
		return err
	}
	var cr credentials
	if err := decodeJSON(c, &cr); err != nil {
		return err
	}
	if err := cr.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.srv.Authenticate(c, cr.Email, cr.Password)
	if err != nil {
		return err
	}
	name := cr.Name
	if strings.TrimSpace(name) == "" {
		name = "api"
	}
	secret, tok, err := auth.IssueToken(ctx, accounts, u.ID, name, s.now(), 0)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newTokenView{Token: secret, tokenView: viewToken(tok), User: viewUser(u)})
}

// listTokens answers GET /api/v1/auth/tokens: the caller's tokens.
func (s *API) listTokens(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	accounts, err := s.srv.Accounts()
	if err != nil {
		return err
	}
	toks, err := accounts.ListTokens(c.Request().Context(), httpserver.CurrentUser(c).ID)
	if err != nil {
		return err
	}
	out := make([]tokenView, len(toks))
	for i, t := range toks {
		out[i] = viewToken(t)
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": out})
}

// revokeToken answers DELETE /api/v1/auth/tokens/{id}: 204, or 404 when
// the caller has no such token.
func (s *API) revokeToken(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	accounts, err := s.srv.Accounts()
	if err != nil {
		return err
	}
	if err := accounts.RevokeToken(c.Request().Context(), httpserver.CurrentUser(c).ID, c.Param("id"), s.now()); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// sessionView is the answer of the session endpoints.
type sessionView struct {
	User userView `json:"user"`
	// Via is "session" or "token".
	Via       string    `json:"via"`
	CSRFToken string    `json:"csrf_token,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

func (s *API) viewSession(c echo.Context) sessionView {
	v := sessionView{User: viewUser(httpserver.CurrentUser(c)), Via: "token"}
	if sess := httpserver.CurrentSession(c); sess != nil {
		v.Via, v.CSRFToken, v.ExpiresAt = "session", auth.CSRFToken(sess), sess.ExpiresAt
	}
	return v
}

// createSession answers POST /api/v1/auth/session: email and password, as
// JSON or a URL-encoded form, start a cookie session (201 with the user
// and the CSRF token the session's unsafe requests must carry).
func (s *API) createSession(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	var cr credentials
	if isForm(c) {
		f, err := formValues(c, "email", "password", httpserver.CSRFField)
		if err != nil {
			return err
		}
		cr.Email, cr.Password = f["email"], f["password"]
	} else {
		var body struct {
			Email    string `json:"email"`
			Password string `json:"password"`
		}
		if err := decodeJSON(c, &body); err != nil {
			return err
		}
		cr.Email, cr.Password = body.Email, body.Password
	}
	if err := cr.check(); err != nil {
		return err
	}
	if _, _, err := s.srv.SignIn(c, cr.Email, cr.Password); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.viewSession(c))
}

// getSession answers GET /api/v1/auth/session: who the caller is, and for
// a cookie session a fresh CSRF token.
func (s *API) getSession(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewSession(c))
}

// deleteSession answers DELETE /api/v1/auth/session: sign-out (204).
func (s *API) deleteSession(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	if httpserver.CurrentSession(c) == nil {
		return apperr.New(apperr.Invalid, "this request is signed in with an API token, not a session; revoke tokens with DELETE /api/v1/auth/tokens/{id}")
	}
	if err := s.srv.SignOut(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
