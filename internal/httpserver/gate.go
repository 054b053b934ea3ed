package httpserver

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
)

// The gate: who a request comes from (an API token or a session cookie),
// whether it may pass (RequireUser: signed in, with the role's
// permissions, and for a cookie session's unsafe requests the same origin
// and the session's CSRF token), and password sign-in behind one
// auth.Guard for every sign-in form.

// CSRFHeader is the request header that carries the CSRF token on
// state-changing requests of a cookie session; HTML forms send it as the
// CSRFField form field instead.
const (
	CSRFHeader = "X-CSRF-Token"
	CSRFField  = "csrf_token"
)

// ctxCaller is the echo.Context key the gate keeps the caller under.
const ctxCaller = "trellis.caller"

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
// anonymous request. It is set by RequireUser, Identify and SignIn.
func CurrentUser(c echo.Context) *auth.User {
	if k, ok := c.Get(ctxCaller).(*caller); ok {
		return k.user
	}
	return nil
}

// CurrentSession returns the cookie session a request is signed in with,
// or nil for an anonymous request or one made with an API token.
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

// Identify returns middleware that works out who a request comes from
// (an "Authorization: Bearer" API token, or else the session cookie)
// without requiring anyone: bad or stale credentials leave the request
// anonymous. Pages that look different when signed in use it;
// CurrentUser then tells. It fails only when the account store cannot be
// read.
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
// own. It answers 401 for an anonymous request or refused credentials,
// 403 for a missing CSRF token or permission, and 503 when no account
// store is configured.
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
				if err := s.CheckOrigin(c); err != nil {
					return err
				}
				tok := c.Request().Header.Get(CSRFHeader)
				if tok == "" && isForm(c) {
					if err := c.Request().ParseForm(); err != nil {
						return BodyError(err)
					}
					tok = c.Request().PostForm.Get(CSRFField)
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

// Accounts returns the account store, or an Unavailable error (503) when
// the server has none.
func (s *Server) Accounts() (auth.Store, error) {
	if s.accounts == nil {
		return nil, errNoAccounts
	}
	return s.accounts, nil
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// isForm reports whether the request body is a URL-encoded HTML form.
func isForm(c echo.Context) bool {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	mt, _, _ := strings.Cut(ct, ";")
	return strings.EqualFold(strings.TrimSpace(mt), echo.MIMEApplicationForm)
}

// CheckOrigin refuses a request whose Origin (or, without one, Referer)
// header names another site than the one it was sent to (its Host, or the
// host of the configured base URL, which a reverse proxy may not pass
// on). Requests with neither header (curl, older browsers on same-origin
// forms) pass; the CSRF token still guards them. It returns a Forbidden
// error (403) for a cross-site request.
func (s *Server) CheckOrigin(c echo.Context) error {
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
// base URL is https or the request came over TLS (directly or, as a
// trusted proxy says, to the proxy).
func (s *Server) secureCookies(c echo.Context) bool {
	return strings.HasPrefix(s.baseURL, "https://") || s.scheme(c) == "https"
}

// Authenticate checks email and password for a request, behind the
// server's sign-in guard: the request's client address and the account
// are rate limited together with every other sign-in form, and password
// hashing waits for a free slot. It returns the user, ErrBadCredentials
// (401) for a wrong email or password, a RateLimited error (429, with
// retry_after) when a limit is hit, 503 without an account store, or a
// store error.
func (s *Server) Authenticate(c echo.Context, email, password string) (*auth.User, error) {
	if s.accounts == nil {
		return nil, errNoAccounts
	}
	return s.guard.Authenticate(c.Request().Context(), s.accounts, c.RealIP(), email, password)
}

// SignIn checks email and password as Authenticate does and, when they
// match, starts a session, sets its cookie on the response and returns
// the user and the session. It returns Authenticate's errors, and a
// Forbidden error for a cross-site request.
func (s *Server) SignIn(c echo.Context, email, password string) (*auth.User, *auth.Session, error) {
	if err := s.CheckOrigin(c); err != nil {
		return nil, nil, err
	}
	u, err := s.Authenticate(c, email, password)
	if err != nil {
		return nil, nil, err
	}
	id, sess, err := auth.StartSession(c.Request().Context(), s.accounts, u.ID, s.now(), s.sessions)
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
