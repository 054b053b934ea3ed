package webui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"trellis/internal/app"
)

// TestWorkspaceErrorPages draws the workspace's errors (404 for an
// unknown page and an unknown referral, 405, 403 for a role, 429 for too
// many matches) as workspace pages: the workspace's navigation and footer,
// never the public footer, and a way back into the workspace, in the
// page's language. Public errors keep the public footer.
func TestWorkspaceErrorPages(t *testing.T) {
	st := workspaceSite(t, func(h *app.HTTP) { h.SearchRate = 0.001 })
	ana, token := signedIn(t, st.URL)
	cora := newBrowser(t, st.URL)
	cora.signIn("cora@example.org")
	anon := newBrowser(t, st.URL)

	workspacePage := func(t *testing.T, p page, status int, heading, start string) {
		t.Helper()
		if p.status != status {
			t.Fatalf("status %d, want %d:\n%.400s", p.status, status, p.body)
		}
		p.has(t, heading, `href="`+start+`"`)
		p.lacks(t, "No account, no cookies", "Sin cuenta, sin cookies")
		if !strings.Contains(p.body, "Staff workspace") && !strings.Contains(p.body, "Espacio del personal") {
			t.Errorf("no workspace footer:\n%s", p.body[strings.Index(p.body, "<footer"):])
		}
	}
	for _, tc := range []struct {
		name, path   string
		status       int
		heading, nav string
	}{
		{"unknown page", "/app/nosuch", http.StatusNotFound, "Page not found", "Sign out"},
		{"unknown referral", "/app/referrals/NOSUCH", http.StatusNotFound, "Page not found", "Sign out"},
		{"in Spanish", "/app/referrals/NOSUCH?lang=es", http.StatusNotFound, "Página no encontrada", "Cerrar sesión"},
		{"wrong method", "/app/sign-out", http.StatusMethodNotAllowed, "Something went wrong", "Sign out"},
		{"admin page", "/admin/nosuch", http.StatusNotFound, "Page not found", "Sign out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ana.t = t
			defer func() { ana.t = t }()
			p := ana.do(http.MethodGet, tc.path, nil)
			start := "/app?lang=en"
			if strings.Contains(tc.path, "lang=es") {
				start = "/app?lang=es"
			}
			workspacePage(t, p, tc.status, tc.heading, start)
			// Signed in, the page has the workspace's navigation and its
			// sign-out form with the session's token.
			p.has(t, tc.nav, `action="/app/sign-out"`, `href="/app/referrals?lang=`)
			if !csrfField.MatchString(p.body) {
				t.Error("the sign-out form has no CSRF token")
			}
		})
	}
	ana.t = t

	// A coordinator may not open the match page: the refusal is a
	// workspace page that leads to the coordinator's own start page.
	forbidden := cora.do(http.MethodGet, "/app", nil)
	workspacePage(t, forbidden, http.StatusForbidden, "You may not open this page", "/admin?lang=en")
	forbidden.has(t, `href="/admin?lang=en"`, `action="/app/sign-out"`)

	// Signed out, an unknown workspace page is still the workspace's.
	gone := anon.do(http.MethodGet, "/app/nosuch", nil)
	workspacePage(t, gone, http.StatusNotFound, "Page not found", "/app?lang=en")
	gone.lacks(t, `action="/app/sign-out"`)

	// Too many matches from one address: the 429 is a workspace page too,
	// in the language the form carried.
	var limited page
	for i := range 60 {
		limited = ana.do(http.MethodPost, "/app", url.Values{"csrf_token": {token}, "lang": {"es"}})
		if limited.status == http.StatusTooManyRequests {
			break
		}
		if limited.status != http.StatusUnprocessableEntity {
			t.Fatalf("empty profile %d: %d", i+1, limited.status)
		}
	}
	workspacePage(t, limited, http.StatusTooManyRequests, "Demasiadas solicitudes", "/app?lang=es")
	if limited.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}

	// Public pages keep the public footer and the public start page.
	public := anon.do(http.MethodGet, "/nosuch", nil)
	if public.status != http.StatusNotFound {
		t.Fatalf("public unknown page: %d", public.status)
	}
	public.has(t, "No account, no cookies", `class="button primary" href="/"`)
	public.lacks(t, "Staff workspace", `action="/app/sign-out"`)
}

// TestReferFormByGet opens the referral form's address with GET, as Enter
// in the address bar or a bookmark does: the specialist is sent to the
// match page in the page's language, and nothing else of the address
// (such as a peer's details someone typed into it) is carried on.
func TestReferFormByGet(t *testing.T) {
	st := workspaceSite(t)
	ana, _ := signedIn(t, st.URL)
	for path, want := range map[string]string{
		"/app/refer":         "/app?lang=en",
		"/app/refer?lang=es": "/app?lang=es",
		"/app/refer?lang=es&peer_ref=Maria+Lopez&notes=lower+bunk&phone=5551234&service=north-shelter.beds": "/app?lang=es",
	} {
		p := ana.do(http.MethodGet, path, nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != want {
			t.Errorf("GET %s: %d to %q, want 303 to %q", path, p.status, p.header.Get("Location"), want)
		}
	}
	// The match page it leads to is the workspace's start.
	if p := ana.do(http.MethodGet, "/app?lang=es", nil); p.status != http.StatusOK || !strings.Contains(p.body, `id="profile-form"`) {
		t.Errorf("the match page: %d", p.status)
	}
	// Signed out, the address leads to the sign-in page, like every
	// workspace page.
	anon := newBrowser(t, st.URL)
	if p := anon.do(http.MethodGet, "/app/refer?peer_ref=Maria", nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/app/sign-in" {
		t.Errorf("signed out: %d to %q", p.status, p.header.Get("Location"))
	}
}
