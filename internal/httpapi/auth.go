package httpapi

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/referral"
)

// CSRFHeader is the request header that carries the CSRF token on
// state-changing requests of a cookie session; HTML forms send it as the
// CSRFField form field instead.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// Keys under which the middleware stores the caller in echo.Context.
const (
	ctxCaller = "trellis.caller"
)

// caller is who a request comes from.
type caller struct {
	user *auth.User
	// session is set for a cookie session, token for an API token.
	session *auth.Session
	token   *auth.Token
	// failure, when user is nil, says why the credentials sent were refused.
	failure error
}

// CurrentUser returns the user a request is signed in as, or nil for an
// anonymous request. It is set by RequireUser and Identify.
func CurrentUser(c echo.Context) *auth.User {
	if k, ok := c.Get(ctxCaller).(*caller); ok {
		return k.user
	}
	return nil
}

// CurrentSession returns the cookie session a request is signed in with,
// or nil for an anonymous request or one made with an API token. It is
// set by RequireUser and Identify.
func CurrentSession(c echo.Context) *auth.Session {
	if k, ok := c.Get(ctxCaller).(*caller); ok {
		return k.session
	}
	return nil
}

// CSRFToken returns a fresh CSRF token for the request's cookie session,
// to put in a form's CSRFField or a script's CSRFHeader, or "" when the
// request has no session.
func CSRFToken(c echo.Context) string {
	if sess := CurrentSession(c); sess != nil {
		return auth.CSRFToken(sess)
	}
	return ""
}

// initAccounts sets up what the account, referral and agency routes need.
func (s *Server) initAccounts(opt Options) {
	s.accounts = opt.Accounts
	s.sessions = opt.Sessions
	s.baseURL = strings.TrimRight(opt.BaseURL, "/")
	s.agencyPath = opt.AgencyPath
	if s.agencyPath == "" {
		s.agencyPath = "/api/v1/agency/"
	}
	if !strings.HasSuffix(s.agencyPath, "/") {
		s.agencyPath += "/"
	}
	if opt.Referrals != nil {
		s.refs = &referral.Service{Store: opt.Referrals, Now: s.now, LinkTTL: opt.LinkTTL, Catalog: s.catalog}
	}
	r, burst := opt.SignInRate, opt.SignInBurst
	if r <= 0 {
		r = 1
	}
	if burst <= 0 {
		burst = 20
	}
	s.signIn = middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(r), Burst: burst, ExpiresIn: 10 * time.Minute,
		}),
		// The peer address, not X-Forwarded-For, which a client can forge.
		IdentifierExtractor: func(c echo.Context) (string, error) {
			host, _, err := net.SplitHostPort(c.Request().RemoteAddr)
			if err != nil {
				return c.Request().RemoteAddr, nil
			}
			return host, nil
		},
		ErrorHandler: func(c echo.Context, err error) error {
			return apperr.New(apperr.Internal, "internal error")
		},
		DenyHandler: func(c echo.Context, _ string, _ error) error {
			c.Response().Header().Set("Retry-After", "60")
			return apperr.New(apperr.RateLimited, "too many sign-in attempts from this address; wait a minute and try again")
		},
	})
}

// Identify returns middleware that works out who a request comes from
// (an "Authorization: Bearer" API token, or else the session cookie)
// without requiring anyone: bad or stale credentials leave the request
// anonymous. Pages that look different when signed in use it; CurrentUser
// then tells. It fails only when the account store cannot be read.
func (s *Server) Identify() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if _, err := s.identify(c); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// RequireUser returns middleware that lets a request through only when it
// is signed in, by API token ("Authorization: Bearer trl_...") or by
// session cookie, as a user whose role has every permission in perms. A
// cookie-session request with an unsafe method (POST, PUT, PATCH,
// DELETE) must also come from the same origin and carry the session's
// CSRF token in the CSRFHeader header or the CSRFField form field; token
// requests need no CSRF token, since browsers never send them on their
// own. It answers 401 (with the envelope) for an anonymous request or
// refused credentials, 403 for a missing CSRF token or permission, and
// 503 when no account store is configured.
func (s *Server) RequireUser(perms ...auth.Permission) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			k, err := s.identify(c)
			if err != nil {
				return err
			}
			if k.user == nil {
				if k.failure != nil {
					return k.failure
				}
				return apperr.New(apperr.Unauthenticated, "sign in first: send an API token from POST /api/v1/auth/tokens as \"Authorization: Bearer TOKEN\", or sign in for a session")
			}
			if k.session != nil && unsafeMethod(c.Request().Method) {
				if err := s.checkOrigin(c); err != nil {
					return err
				}
				tok := c.Request().Header.Get(CSRFHeader)
				if tok == "" && isForm(c) {
					tok = c.FormValue(CSRFField)
				}
				if !auth.CheckCSRF(k.session, tok) {
					return apperr.New(apperr.Forbidden, "missing or invalid CSRF token: send the session's token in the %s header", CSRFHeader)
				}
			}
			for _, p := range perms {
				if !k.user.Role.Can(p) {
					return apperr.New(apperr.Forbidden, "your role (%s) may not do this", k.user.Role)
				}
			}
			return next(c)
		}
	}
}

// identify resolves and caches the request's caller. It returns an error
// only when the account store fails or is missing while credentials were
// sent.
func (s *Server) identify(c echo.Context) (*caller, error) {
	if k, ok := c.Get(ctxCaller).(*caller); ok {
		return k, nil
	}
	k := &caller{}
	ctx := c.Request().Context()
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		scheme, secret, _ := strings.Cut(strings.TrimSpace(h), " ")
		secret = strings.TrimSpace(secret)
		if !strings.EqualFold(scheme, "Bearer") || secret == "" {
			k.failure = apperr.New(apperr.Unauthenticated, "the Authorization header must be \"Bearer TOKEN\" with an API token")
		} else if s.accounts == nil {
			return nil, errNoAccounts
		} else {
			u, tok, err := auth.AuthenticateToken(ctx, s.accounts, secret, s.now())
			switch {
			case errors.Is(err, auth.ErrBadToken):
				k.failure = err
			case err != nil:
				return nil, err
			default:
				k.user, k.token = u, tok
			}
		}
	} else if ck, err := c.Cookie(auth.SessionCookieName); err == nil && ck.Value != "" {
		if s.accounts == nil {
			return nil, errNoAccounts
		}
		sess, u, err := auth.ResumeSession(ctx, s.accounts, ck.Value, s.now(), s.sessions)
		switch {
		case errors.Is(err, auth.ErrNoSession):
			k.failure = err
			c.SetCookie(auth.ClearSessionCookie(s.secureCookies(c)))
		case err != nil:
			return nil, err
		default:
			k.user, k.session = u, sess
		}
	}
	c.Set(ctxCaller, k)
	return k, nil
}

var errNoAccounts = apperr.New(apperr.Unavailable, "accounts are not configured on this server")

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// checkOrigin refuses a request whose Origin (or, without one, Referer)
// header names another site than the one it was sent to (its Host, or the
// host of the configured base URL, which a reverse proxy may not pass
// on). Requests with neither header (curl, older browsers on same-origin
// forms) pass; the CSRF token still guards them.
func (s *Server) checkOrigin(c echo.Context) error {
	r := c.Request()
	src := r.Header.Get("Origin")
	if src == "" {
		src = r.Header.Get("Referer")
	}
	if src == "" {
		return nil
	}
	u, err := url.Parse(src)
	if err == nil && u.Host != "" {
		if strings.EqualFold(u.Host, r.Host) {
			return nil
		}
		if b, err := url.Parse(s.baseURL); err == nil && b.Host != "" && strings.EqualFold(u.Host, b.Host) {
			return nil
		}
	}
	return apperr.New(apperr.Forbidden, "cross-site request refused")
}

// secureCookies reports whether cookies must be marked Secure: when the
// base URL is https or the request came over TLS (directly or as told by
// a proxy's X-Forwarded-Proto).
func (s *Server) secureCookies(c echo.Context) bool {
	return strings.HasPrefix(s.baseURL, "https://") || c.Scheme() == "https"
}

// SignIn checks email and password and, when they match, starts a
// session, sets its cookie on the response and returns the user and the
// session. It returns ErrBadCredentials (401) for a wrong email or
// password, 503 without an account store, or a store error. The web
// pages' sign-in form calls it.
func (s *Server) SignIn(c echo.Context, email, password string) (*auth.User, *auth.Session, error) {
	if s.accounts == nil {
		return nil, nil, errNoAccounts
	}
	if err := s.checkOrigin(c); err != nil {
		return nil, nil, err
	}
	ctx := c.Request().Context()
	u, err := auth.Authenticate(ctx, s.accounts, email, password)
	if err != nil {
		return nil, nil, err
	}
	id, sess, err := auth.StartSession(ctx, s.accounts, u.ID, s.now(), s.sessions)
	if err != nil {
		return nil, nil, err
	}
	c.SetCookie(auth.SessionCookie(id, sess.ExpiresAt, s.secureCookies(c)))
	c.Set(ctxCaller, &caller{user: u, session: sess})
	return u, sess, nil
}

// SignOut ends the request's cookie session, if any, and clears the
// cookie. It returns a store error on failure.
func (s *Server) SignOut(c echo.Context) error {
	c.SetCookie(auth.ClearSessionCookie(s.secureCookies(c)))
	ck, err := c.Cookie(auth.SessionCookieName)
	if err != nil || ck.Value == "" || s.accounts == nil {
		return nil
	}
	if err := auth.EndSession(c.Request().Context(), s.accounts, ck.Value); err != nil {
		return err
	}
	c.Set(ctxCaller, &caller{})
	return nil
}

func (s *Server) accountRoutes(v1 *echo.Group) {
	signedIn := s.RequireUser()
	v1.POST("/auth/tokens", s.createToken, s.signIn)
	v1.GET("/auth/tokens", s.listTokens, signedIn)
	v1.DELETE("/auth/tokens/:id", s.revokeToken, signedIn)
	v1.POST("/auth/session", s.createSession, s.signIn)
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
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

func viewToken(t *auth.Token) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt, LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// newTokenView is POST /auth/tokens's answer: the secret, shown once.
type newTokenView struct {
	Token string `json:"token"`
	tokenView
	User userView `json:"user"`
}

// createToken answers POST /api/v1/auth/tokens: email and password in, a
// new API token out (201).
func (s *Server) createToken(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	if s.accounts == nil {
		return errNoAccounts
	}
	var cr credentials
	if err := decodeJSON(c, &cr); err != nil {
		return err
	}
	if err := cr.check(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := auth.Authenticate(ctx, s.accounts, cr.Email, cr.Password)
	if err != nil {
		return err
	}
	name := cr.Name
	if strings.TrimSpace(name) == "" {
		name = "api"
	}
	secret, tok, err := auth.IssueToken(ctx, s.accounts, u.ID, name, s.now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, newTokenView{Token: secret, tokenView: viewToken(tok), User: viewUser(u)})
}

// listTokens answers GET /api/v1/auth/tokens: the caller's tokens.
func (s *Server) listTokens(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	toks, err := s.accounts.ListTokens(c.Request().Context(), CurrentUser(c).ID)
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
func (s *Server) revokeToken(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	if err := s.accounts.RevokeToken(c.Request().Context(), CurrentUser(c).ID, c.Param("id"), s.now()); err != nil {
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

func (s *Server) viewSession(c echo.Context) sessionView {
	v := sessionView{User: viewUser(CurrentUser(c)), Via: "token"}
	if sess := CurrentSession(c); sess != nil {
		v.Via, v.CSRFToken, v.ExpiresAt = "session", auth.CSRFToken(sess), sess.ExpiresAt
	}
	return v
}

// createSession answers POST /api/v1/auth/session: email and password, as
// JSON or a URL-encoded form, start a cookie session (201 with the user
// and the CSRF token the session's unsafe requests must carry).
func (s *Server) createSession(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	var cr credentials
	if isForm(c) {
		f, err := formValues(c, "email", "password", CSRFField)
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
	if _, _, err := s.SignIn(c, cr.Email, cr.Password); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.viewSession(c))
}

// getSession answers GET /api/v1/auth/session: who the caller is, and for
// a cookie session a fresh CSRF token.
func (s *Server) getSession(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, s.viewSession(c))
}

// deleteSession answers DELETE /api/v1/auth/session: sign-out (204).
func (s *Server) deleteSession(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	if CurrentSession(c) == nil {
		return apperr.New(apperr.Invalid, "this request is signed in with an API token, not a session; revoke tokens with DELETE /api/v1/auth/tokens/{id}")
	}
	if err := s.SignOut(c); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
