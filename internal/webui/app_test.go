package webui_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/auth"
)

const testPassword = "correct horse battery staple"

// workspace serves the API and pages, wired as `trellis serve` wires them
// (apptest), with an SQLite store holding a specialist (ana) and a
// coordinator (cora).
func workspace(t *testing.T) string {
	t.Helper()
	return workspaceSite(t).URL
}

func workspaceSite(t *testing.T, adjust ...func(*app.HTTP)) *apptest.Site {
	t.Helper()
	ctx := context.Background()
	st := apptest.Start(t, apptest.Options{DataDir: fixtureDir(t), Now: func() time.Time { return now }, Adjust: func(h *app.HTTP) {
		for _, a := range adjust {
			a(h)
		}
	}})
	for _, u := range []struct {
		email string
		role  auth.Role
	}{{"ana@example.org", auth.RoleSpecialist}, {"cora@example.org", auth.RoleCoordinator}} {
		if _, err := auth.AddUser(ctx, st.DB, u.email, u.role, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// browser is an HTTP client with cookies that does not follow redirects
// and sends the Origin a browser would.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.base)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return page{status: resp.StatusCode, header: resp.Header, body: sb.String()}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func csrf(t *testing.T, p page) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no CSRF token on the page")
	}
	return m[1]
}

func TestWorkspaceNeedsSignIn(t *testing.T) {
	base := workspace(t)
	b := newBrowser(t, base)
	for _, path := range []string{"/app", "/app/referrals", "/app/referrals/XYZ", "/admin"} {
		p := b.do(http.MethodGet, path, nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/app/sign-in" {
			t.Errorf("anonymous GET %s: %d to %q", path, p.status, p.header.Get("Location"))
		}
	}
	if p := b.do(http.MethodPost, "/app", url.Values{"need1": {"food"}}); p.status != http.StatusSeeOther {
		t.Errorf("anonymous POST /app: %d", p.status)
	}
	bad := b.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"ana@example.org"}, "password": {"nope"}})
	if bad.status != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", bad.status)
	}
	bad.has(t, "Wrong email or password.")
	if p := b.do(http.MethodGet, "/api/v1/referrals", nil); p.status != http.StatusUnauthorized {
		t.Errorf("the API still answers 401 to anonymous: %d", p.status)
	}
}

// TestWorkspaceReferral signs in, matches, refers with consent, moves the
// referral, and checks CSRF and the roles.
func TestWorkspaceReferral(t *testing.T) {
	base := workspace(t)
	b := newBrowser(t, base)
	p := b.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"ana@example.org"}, "password": {testPassword}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/app?lang=en" {
		t.Fatalf("sign-in: %d to %q", p.status, p.header.Get("Location"))
	}
	form := b.do(http.MethodGet, "/app", nil)
	form.has(t, "Match needs", `name="need1"`, "Screening questions")
	token := csrf(t, form)

	if p := b.do(http.MethodPost, "/app", url.Values{"need1": {"shelter"}}); p.status != http.StatusForbidden {
		t.Errorf("POST without the CSRF token: %d, want 403", p.status)
	}
	res := b.do(http.MethodPost, "/app", url.Values{"csrf_token": {token}, "need1": {"a bed tonight"}, "near": {"20001"},
		"age": {"45"}, "gender": {"male"}})
	if res.status != http.StatusOK {
		t.Fatalf("match: %d", res.status)
	}
	res.has(t, "Services for each need", "a bed tonight", "Overnight shelter for men", "Left out", `value="north-shelter.beds"`)
	excluded := res.body[strings.Index(res.body, `class="excluded"`):]
	if !strings.Contains(excluded, "Women") && !strings.Contains(excluded, "women") {
		t.Errorf("the women's shelter is not listed as left out with its reason:\n%.800s", excluded)
	}
	if bad := b.do(http.MethodPost, "/app", url.Values{"csrf_token": {token}, "age": {"x"}, "need1": {"food"}}); bad.status != http.StatusUnprocessableEntity {
		t.Errorf("bad age: %d", bad.status)
	}

	refer := b.do(http.MethodPost, "/app/refer", url.Values{"csrf_token": {token}, "service": {"north-shelter.beds"}, "location": {"main"},
		"need": {"housing.emergency-shelter"}})
	refer.has(t, "Overnight shelter for men", "Referral code, for a peer you referred before", "How did they consent?")
	refer.lacks(t, "JD-17")
	refer.lacks(t, "42 CFR Part 2")
	missing := b.do(http.MethodPost, "/app/referrals", url.Values{"csrf_token": {token}, "service": {"north-shelter.beds"},
		"location": {"main"}, "need": {"housing.emergency-shelter"}, "peer_ref": {"P-JD27K"}})
	if missing.status != http.StatusUnprocessableEntity {
		t.Errorf("referral without consent: %d", missing.status)
	}
	made := b.do(http.MethodPost, "/app/referrals", url.Values{"csrf_token": {token}, "service": {"north-shelter.beds"},
		"location": {"main"}, "need": {"housing.emergency-shelter"}, "peer_ref": {"P-JD27K"}, "consent_method": {"verbal"},
		"consent_scope": {"this-referral"}, "follow_up": {clock.Date("2026-11-20")}, "notes": {"prefers mornings"}})
	loc, _, _ := strings.Cut(made.header.Get("Location"), "?")
	if made.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/referrals/") || made.header.Get("Location") != loc+"?recorded=1&lang=en" {
		t.Fatalf("create: %d to %q\n%.600s", made.status, made.header.Get("Location"), made.body)
	}
	detail := b.do(http.MethodGet, loc, nil)
	detail.has(t, "Referral P-JD27K", "Overnight shelter for men", "<strong>Recorded</strong>", "prefers mornings", "overdue", "Make a link for the agency")
	detail.lacks(t, "Sent to the agency")

	list := b.do(http.MethodGet, "/app/referrals?show=week", nil)
	list.has(t, "Follow-ups due this week", "Due this week (1)", "(1 overdue)", "P-JD27K", `<strong class="overdue">overdue</strong>`)

	link := b.do(http.MethodPost, loc+"/link", url.Values{"csrf_token": {token}})
	m := regexp.MustCompile(`value="(http[^"]+/agency/[^"]+)"`).FindStringSubmatch(link.body)
	if m == nil {
		t.Fatalf("no agency link:\n%.600s", link.body)
	}
	agencyPath := strings.TrimPrefix(m[1], base)
	link.has(t, "<strong>Sent to the agency</strong>")
	// Reloading the page that showed the link leads to the referral,
	// which says it was sent; the link itself is not shown again.
	reload := b.do(http.MethodGet, loc+"/link", nil)
	if reload.status != http.StatusSeeOther || reload.header.Get("Location") != loc+"?lang=en" {
		t.Errorf("reload of the link page: %d to %q", reload.status, reload.header.Get("Location"))
	}
	again := b.do(http.MethodGet, loc, nil)
	again.has(t, "<strong>Sent to the agency</strong>", "Sent to the agency on", "Make a new link")
	again.lacks(t, m[1])
	anon := newBrowser(t, base)
	ag := anon.do(http.MethodGet, agencyPath, nil)
	ag.has(t, "P-JD27K", "Overnight shelter for men", "Accepted", "<strong>Sent to the agency</strong>", "No account, no cookies")
	ag.lacks(t, "prefers mornings")
	if p := anon.do(http.MethodPost, agencyPath, url.Values{"to": {"declined"}}); p.status != http.StatusConflict {
		t.Errorf("decline without a reason: %d, want 409", p.status)
	}
	if p := anon.do(http.MethodPost, agencyPath, url.Values{"to": {"accepted"}}); p.status != http.StatusOK || !strings.Contains(p.body, "Saved: Accepted.") {
		t.Errorf("agency accept: %d", p.status)
	}

	moved := b.do(http.MethodPost, loc+"/events", url.Values{"csrf_token": {token}, "to": {"completed"}, "note": {"got a bed"}})
	if moved.status != http.StatusSeeOther {
		t.Fatalf("move: %d\n%.600s", moved.status, moved.body)
	}
	after := b.do(http.MethodGet, loc, nil)
	after.has(t, "Sent to the agency → Accepted", "Accepted → Completed", "got a bed", "Agency", "Recorded")
	if p := b.do(http.MethodPost, loc+"/events", url.Values{"csrf_token": {token}, "to": {"sent"}}); p.status != http.StatusConflict {
		t.Errorf("a move the machine forbids: %d, want 409", p.status)
	}

	if p := b.do(http.MethodGet, "/admin", nil); p.status != http.StatusForbidden {
		t.Errorf("specialist on /admin: %d, want 403", p.status)
	}
	if p := b.do(http.MethodPost, "/app/sign-out", url.Values{"csrf_token": {token}}); p.status != http.StatusSeeOther {
		t.Errorf("sign-out: %d", p.status)
	}
	if p := b.do(http.MethodGet, "/app", nil); p.status != http.StatusSeeOther {
		t.Errorf("after sign-out /app: %d", p.status)
	}

	cora := newBrowser(t, base)
	if p := cora.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"cora@example.org"}, "password": {testPassword}}); p.header.Get("Location") != "/admin?lang=en" {
		t.Errorf("coordinator lands on %q", p.header.Get("Location"))
	}
	adm := cora.do(http.MethodGet, "/admin", nil)
	adm.has(t, "Data status", "Revision", "7 services", "Listings to check again", "Never checked")
	if p := cora.do(http.MethodGet, "/app", nil); p.status != http.StatusForbidden {
		t.Errorf("coordinator on /app: %d, want 403", p.status)
	}
}
