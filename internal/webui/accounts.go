package webui

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
	"trellis/internal/present"
)

// The administrators' account pages (/admin/accounts): every account
// with its state and its API tokens' last use, and on each account's page
// what `trellis user disable|enable|reset-password|revoke` do, posted
// with the session's CSRF token.

// accountRow is an account in the list.
type accountRow struct {
	ID, Email, Role, Team, Created, State string
	Disabled                              bool
	// You marks the administrator's own account, which these pages do not
	// disable, reset or revoke.
	You bool
	// LastUsed is when an API token of the account was last used, and
	// Tokens how many of them still work.
	LastUsed string
	Tokens   int
}

type accountsBody struct {
	Rows []accountRow
}

// tokenRow is an API token on an account's page.
type tokenRow struct {
	Name, Created, LastUsed, Expires, State string
}

// accountBody is one account's page.
type accountBody struct {
	accountRow
	TokenList []tokenRow
	// Done says what was just done, Password is a new password shown
	// this once, and Error why an action was refused.
	Done, Password, Error string
	// Sessions and Tokens count what the action just done ended.
	Sessions, Tokens int
}

// accountActions are the actions an account's page posts, and whether
// each must be confirmed.
var accountActions = map[string]bool{"disable": true, "enable": false, "reset-password": true, "revoke": false}

// accountsPage lists every account.
func (u *UI) accountsPage(c echo.Context) error {
	p, r, err := u.appPage(c, "app.accounts.title")
	if err != nil {
		return err
	}
	store, err := u.srv.Accounts()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	users, err := store.ListUsers(ctx)
	if err != nil {
		return err
	}
	var b accountsBody
	for _, usr := range users {
		row, _, err := u.accountRow(c, r, store, usr)
		if err != nil {
			return err
		}
		b.Rows = append(b.Rows, row)
	}
	p.Body = b
	return u.render(c, http.StatusOK, "accounts", p)
}

// accountRow describes usr, with its tokens.
func (u *UI) accountRow(c echo.Context, r *request, store auth.Store, usr *auth.User) (accountRow, []tokenRow, error) {
	tz := r.tz()
	day := func(t time.Time) string { return present.Date(t.In(tz), r.lang) }
	row := accountRow{ID: usr.ID, Email: usr.Email, Role: i18nT(r.lang, "app.role."+string(usr.Role)), Team: usr.TeamID,
		Created: day(usr.CreatedAt), Disabled: usr.Disabled(), State: i18nT(r.lang, "app.accounts.active"),
		You: httpserver.CurrentUser(c).ID == usr.ID, LastUsed: i18nT(r.lang, "app.accounts.never")}
	if usr.Disabled() {
		row.State = i18nT(r.lang, "app.accounts.disabled_on", "date", day(usr.DisabledAt))
	}
	toks, err := store.ListTokens(c.Request().Context(), usr.ID)
	if err != nil {
		return row, nil, err
	}
	var last time.Time
	var out []tokenRow
	for _, t := range toks {
		tr := tokenRow{Name: t.Name, Created: day(t.CreatedAt), Expires: day(t.ExpiresAt), LastUsed: i18nT(r.lang, "app.accounts.never")}
		if !t.LastUsedAt.IsZero() {
			tr.LastUsed = day(t.LastUsedAt) + " " + present.Clock(t.LastUsedAt.In(tz), r.lang)
		}
		switch {
		case !t.RevokedAt.IsZero():
			tr.State = i18nT(r.lang, "app.accounts.token_revoked", "date", day(t.RevokedAt))
		case t.Expired(r.now):
			tr.State = i18nT(r.lang, "app.accounts.token_expired")
		default:
			tr.State = i18nT(r.lang, "app.accounts.token_works")
			row.Tokens++
		}
		if t.LastUsedAt.After(last) {
			last = t.LastUsedAt
		}
		out = append(out, tr)
	}
	if !last.IsZero() {
		row.LastUsed = day(last)
	}
	return row, out, nil
}

// accountPage shows one account with its tokens and the actions on it.
func (u *UI) accountPage(c echo.Context) error {
	b := accountBody{}
	q := c.QueryParams()
	if done := q.Get("done"); done != "reset-password" {
		if _, ok := accountActions[done]; ok {
			b.Done = done
			b.Sessions, _ = strconv.Atoi(q.Get("sessions"))
			b.Tokens, _ = strconv.Atoi(q.Get("tokens"))
		}
	}
	return u.showAccount(c, b, http.StatusOK)
}

// showAccount draws account :id's page with what b says was done.
func (u *UI) showAccount(c echo.Context, b accountBody, status int) error {
	p, r, err := u.appPage(c, "app.accounts.title")
	if err != nil {
		return err
	}
	store, err := u.srv.Accounts()
	if err != nil {
		return err
	}
	usr, err := store.User(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if b.accountRow, b.TokenList, err = u.accountRow(c, r, store, usr); err != nil {
		return err
	}
	if b.Done != "" && b.Password == "" {
		b.Done = p.T("app.accounts.done."+b.Done, "email", usr.Email,
			"sessions", strconv.Itoa(max(b.Sessions, 0)), "tokens", strconv.Itoa(max(b.Tokens, 0)))
	}
	p.Title = p.T("app.accounts.account") + " " + usr.Email
	p.Action = "/admin/accounts/" + usr.ID
	p.Body = b
	return u.render(c, status, "account", p)
}

// accountAction disables, enables, resets the password of or revokes the
// access of account :id, as the CLI does: disabling and revoking end the
// account's sessions and API tokens at once. A new password is shown this
// once. The administrator's own account is refused, as is an action not
// confirmed.
func (u *UI) accountAction(c echo.Context) error {
	if err := readForm(c); err != nil {
		return err
	}
	action := c.Param("action")
	confirm, ok := accountActions[action]
	if !ok {
		return apperr.New(apperr.NotFound, "no such account action")
	}
	store, err := u.srv.Accounts()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	usr, err := store.User(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	lang := u.lang(c)
	refuse := func(key string) error {
		return u.showAccount(c, accountBody{Error: i18nT(lang, key)}, http.StatusUnprocessableEntity)
	}
	if usr.ID == httpserver.CurrentUser(c).ID {
		return refuse("app.accounts.not_yourself")
	}
	if confirm && !truthy(c.Request().PostForm.Get("confirm")) {
		return refuse("app.accounts.confirm_needed")
	}
	now := u.now()
	var res auth.Revoked
	switch action {
	case "disable":
		res, err = auth.DisableUser(ctx, store, usr.ID, now)
	case "enable":
		err = auth.EnableUser(ctx, store, usr.ID)
	case "revoke":
		res, err = auth.RevokeAccess(ctx, store, usr.ID, now)
	case "reset-password":
		pw := auth.GeneratePassword()
		if err := auth.ChangePassword(ctx, store, usr.ID, pw); err != nil {
			return err
		}
		u.log.Info("account password reset", "user", usr.ID, "by", httpserver.CurrentUser(c).ID)
		return u.showAccount(c, accountBody{Password: pw, Done: i18nT(lang, "app.accounts.done.reset-password", "email", usr.Email)}, http.StatusOK)
	}
	if err != nil {
		return err
	}
	u.log.Info("account "+action, "user", usr.ID, "by", httpserver.CurrentUser(c).ID,
		"sessions", res.Sessions, "tokens", res.Tokens)
	to := "/admin/accounts/" + usr.ID + "?done=" + action + "&sessions=" + strconv.Itoa(res.Sessions) + "&tokens=" + strconv.Itoa(res.Tokens)
	return c.Redirect(http.StatusSeeOther, withLang(to, lang))
}
