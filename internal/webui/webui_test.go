package webui_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/testkit"
)

// clock is the tests' clock: the next Sunday, 21:30 in Washington. The
// men's shelter (19:00-07:00) is open, the pantry (Tuesday and Saturday
// mornings) closed. It follows the real date, because the workspace's
// session cookie passes through a cookie jar that reads the real clock;
// the fixture listings' dates move with it (testkit.Clock).
var (
	clock = testkit.Anchor("America/New_York", 21, 30)
	now   = clock.Now
)

// fixtureDir writes a data directory: the repo's directory.yaml,
// taxonomy.yaml and geo/ with this package's test listings.
func fixtureDir(t *testing.T) string {
	t.Helper()
	return clock.DataDir(t, os.DirFS("testdata"))
}

type site struct {
	url  string
	logs *testkit.Buffer
}

// startSite serves the API and the pages over the fixture listings,
// wired as `trellis serve` wires them (apptest).
func startSite(t *testing.T, kiosk bool) site {
	t.Helper()
	st := apptest.Start(t, apptest.Options{DataDir: fixtureDir(t), Now: func() time.Time { return now }, NoDB: true,
		Adjust: func(h *app.HTTP) {
			h.BaseURL = "https://trellis.example.org"
			h.Web = app.WebConfig{Kiosk: kiosk, KioskIdle: 2 * time.Minute}
		}})
	return site{url: st.URL, logs: st.Logs}
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type page struct {
	status int
	header http.Header
	body   string
}

func do(t *testing.T, method, u string, form url.Values, header map[string]string) page {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func get(t *testing.T, u string) page { t.Helper(); return do(t, http.MethodGet, u, nil, nil) }

// mainForm returns the page's main form (id "f"), without the header's
// form that carries the state for the language switch.
func (p page) mainForm(t *testing.T) page {
	t.Helper()
	i := strings.Index(p.body, `<form id="f"`)
	if i < 0 {
		t.Fatal("no main form")
	}
	j := strings.Index(p.body[i:], "</form>")
	if j < 0 {
		t.Fatal("main form not closed")
	}
	p.body = p.body[i : i+j]
	return p
}

func (p page) has(t *testing.T, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(p.body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func (p page) lacks(t *testing.T, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(p.body, w) {
			t.Errorf("page has %q", w)
		}
	}
}

func TestStartPage(t *testing.T) {
	s := startSite(t, false)
	tests := []struct {
		name   string
		path   string
		accept string
		want   []string
	}{
		{name: "english by default", path: "/", want: []string{`<html lang="en">`, "Find help near you", `value="housing"`,
			"Housing", "Substance use treatment", `href="#main"`, `<main id="main"`, `method="get" action="/search"`,
			`name="setlang" value="es" lang="es">Español`, `<label for="q">`, `<label for="near">`, `href="tel:988"`}},
		{name: "spanish from Accept-Language", path: "/", accept: "es-MX,es;q=0.9", want: []string{`<html lang="es">`,
			"Encuentre ayuda cerca de usted", "Vivienda", "Comida", `lang="en">English`}},
		{name: "explicit switch beats the header", path: "/?lang=en&setlang=es", accept: "en-US", want: []string{`<html lang="es">`,
			`<input type="hidden" name="lang" value="es">`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := do(t, http.MethodGet, s.url+tc.path, nil, map[string]string{"Accept-Language": tc.accept})
			if p.status != http.StatusOK {
				t.Fatalf("status %d", p.status)
			}
			p.has(t, tc.want...)
			p.lacks(t, "data-kiosk")
			if cc := p.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP = %q", csp)
			}
			if sc := p.header.Get("Set-Cookie"); sc != "" {
				t.Errorf("a public page set a cookie: %q", sc)
			}
		})
	}
}

func TestResults(t *testing.T) {
	s := startSite(t, false)
	tests := []struct {
		name   string
		query  string
		want   []string
		unwant []string
	}{
		{name: "misspelling is corrected", query: "q=shleter&near=20001",
			want: []string{"Showing results for", "<strong>shelter</strong>", "Overnight shelter for men",
				"Open until 7 AM", "mi away", `href="tel:2025550101"`, "1 N Capitol St NW, Washington, DC 20001",
				"https://www.openstreetmap.org/directions", "Ages 18 and older", "For men", "Last checked"}},
		{name: "confidential location keeps its address", query: "q=domestic+violence",
			want:   []string{"Domestic violence shelter", "The address is private", `href="tel:2025550199"`, "Only for survivors of violence"},
			unwant: []string{"999 Hidden Rd", "38.93", "openstreetmap.org/directions?to=38.93"}},
		{name: "category tile", query: "setcat=food",
			want: []string{"Free groceries", "Closed · opens Tuesday 10 AM", "Free", "Languages: English, Spanish"}},
		{name: "spanish labels", query: "setcat=food&lang=es",
			want: []string{`<html lang="es">`, "para “Comida”", "Gratis", "Idiomas: Inglés, Español", `<h2 id="card-0" class="card-name"><span class="num">1<span class="sr-only">.</span></span> <span lang="en">Free groceries</span></h2>`}},
		{name: "unknown zip is reported and the search still runs", query: "q=shelter&near=99999",
			want: []string{`aria-invalid="true"`, "We do not know the ZIP code 99999", "Overnight shelter for men"}},
		{name: "nothing found helps", query: "q=zzqqxx+yyvvkk&free=1",
			want: []string{"We found no services", `name="clear" value="filters"`, `href="tel:211"`}},
		{name: "filters narrow", query: "q=shelter&open=1&free=1",
			want:   []string{"Overnight shelter for men", "Place and filters <span class=\"count\">(2)</span>"},
			unwant: []string{"Capitol Hill Food Pantry"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := get(t, s.url+"/search?"+tc.query)
			if p.status != http.StatusOK {
				t.Fatalf("status %d: %s", p.status, p.body)
			}
			p.has(t, tc.want...)
			p.lacks(t, tc.unwant...)
		})
	}
}

// TestPicksTravel checks that ticked services ride along in the form: on
// a results page, those not shown are hidden fields and those shown are
// ticked boxes; the service page carries them back.
func TestPicksTravel(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/search?setcat=food&pick=north-shelter.beds&pick=capitol-pantry.groceries&pick=no-such.service")
	p.lacks(t, "no-such.service")
	p = p.mainForm(t)
	p.has(t, `<input type="hidden" name="pick" value="north-shelter.beds">`,
		`name="pick" value="capitol-pantry.groceries" checked data-pick`, "My list (2)")
	p.lacks(t, `<input type="hidden" name="pick" value="capitol-pantry.groceries">`)

	p = get(t, s.url+"/services/capitol-pantry.groceries?setcat=food&pick=north-shelter.beds").mainForm(t)
	p.has(t, `<input type="hidden" name="pick" value="north-shelter.beds">`, `formaction="/search"`, "Back to results",
		`name="pick" value="capitol-pantry.groceries" data-pick`, "Tue: 10 AM – 2 PM", "Sat: 9 AM – 12 PM",
		"Closed "+shortDate(t, "2026-12-24")+" to "+shortDate(t, "2026-12-26"))
}

// shortDate writes a fixture date, moved to the test's week, as the pages
// do in English: "Dec 24, 2026".
func shortDate(t *testing.T, fixture string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, clock.Date(fixture))
	if err != nil {
		t.Fatal(err)
	}
	return d.Format("Jan 2, 2006")
}

func TestServicePage(t *testing.T) {
	s := startSite(t, false)
	tests := []struct {
		name, path string
		status     int
		want       []string
		unwant     []string
	}{
		{name: "overnight hours in plain words", path: "/services/north-shelter.beds", status: 200,
			want: []string{"Overnight shelter for men", "Every day: 7 PM – 7 AM the next morning", "Wheelchair accessible",
				"Walk in", "New search", "Low-barrier emergency shelter"}},
		{name: "confidential", path: "/services/safe-haven.dv-shelter?lang=es", status: 200,
			want:   []string{"La dirección es privada", "línea de ayuda", "Abierto las 24 horas"},
			unwant: []string{"999 Hidden Rd", "directions?to="}},
		{name: "insurance and fee", path: "/services/mind-center.counseling", status: 200,
			want: []string{"Insurance taken: Medicaid, Medicare and private insurance", "There is a fee"}},
		{name: "unknown service is a page, not JSON", path: "/services/nope.nothing?lang=es", status: 404,
			want: []string{`<html lang="es">`, "Página no encontrada", "Ir a la página de inicio"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := get(t, s.url+tc.path)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d", p.status, tc.status)
			}
			p.has(t, tc.want...)
			p.lacks(t, tc.unwant...)
		})
	}
	if p := get(t, s.url+"/api/v1/services/nope.nothing"); !strings.Contains(p.body, `"code":"not_found"`) {
		t.Errorf("API 404 is no longer JSON: %s", p.body)
	}
}

var qrURL = regexp.MustCompile(`data-qr-url>([^<]+)<`)

// TestListAndQR checks the printable list and that its QR code's link
// carries the services' ids and the language only.
func TestListAndQR(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/list?q=food+near+my+house&near=20002&lang=es&pick=capitol-pantry.groceries&pick=safe-haven.dv-shelter")
	p.has(t, "Mi lista", "Free groceries", "Domestic violence shelter", `<svg class="qr"`, `aria-label="Código QR`,
		"Imprimir esta lista", "Mantener en mi lista")
	p.lacks(t, "999 Hidden Rd")
	m := qrURL.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no QR link on the page")
	}
	link := strings.ReplaceAll(m[1], "&amp;", "&")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme+"://"+u.Host+u.Path != "https://trellis.example.org/saved" {
		t.Errorf("QR link %q does not open the saved list on the public address", link)
	}
	for k := range u.Query() {
		if k != "s" && k != "lang" {
			t.Errorf("QR link carries %q: %s", k, link)
		}
	}
	if got := u.Query().Get("s"); got != "capitol-pantry.groceries,safe-haven.dv-shelter" {
		t.Errorf("QR link ids = %q", got)
	}
	if strings.Contains(link, "food") || strings.Contains(link, "20002") {
		t.Errorf("QR link leaks the search: %s", link)
	}

	saved := get(t, s.url+"/saved?"+u.RawQuery)
	saved.has(t, "Servicios guardados", "Free groceries", "Domestic violence shelter", "Buscar más servicios")
	saved.lacks(t, `<svg class="qr"`, `type="checkbox"`, "999 Hidden Rd")

	empty := get(t, s.url+"/list")
	empty.has(t, "Your list is empty")
}

// TestKiosk checks kiosk mode: posted forms, large text, the contrast
// switch, the idle reset with its no-script fallback, and that an old form
// brought back with Back and Resubmit starts over instead of showing the
// last person's search.
func TestKiosk(t *testing.T) {
	s := startSite(t, true)
	start := get(t, s.url+"/")
	start.has(t, `class="kiosk"`, `data-kiosk data-idle="120"`, `method="post" action="/search"`, "High contrast", "Start over")
	start.lacks(t, "<noscript><meta")
	issued := strconv.FormatInt(now.Unix(), 10)

	tests := []struct {
		name     string
		form     url.Values
		status   int
		want     []string
		unwanted []string
	}{
		{name: "fresh form", form: url.Values{"q": {"shelter"}, "t": {issued}, "go": {"1"}}, status: 200,
			want: []string{"Overnight shelter for men", `<noscript><meta http-equiv="refresh" content="120; url=/"></noscript>`,
				`formaction="/services/north-shelter.beds"`, `name="t" value="` + issued + `"`}},
		{name: "high contrast", form: url.Values{"q": {"shelter"}, "t": {issued}, "sethc": {"1"}}, status: 200,
			want: []string{`class="kiosk hc"`, `aria-pressed="true"`}},
		{name: "no issue time", form: url.Values{"q": {"shelter"}}, status: http.StatusSeeOther},
		{name: "older than the idle time", form: url.Values{"q": {"shelter"}, "t": {strconv.FormatInt(now.Add(-3*time.Minute).Unix(), 10)}},
			status: http.StatusSeeOther},
		{name: "from the future", form: url.Values{"q": {"shelter"}, "t": {strconv.FormatInt(now.Add(time.Hour).Unix(), 10)}},
			status: http.StatusSeeOther},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := do(t, http.MethodPost, s.url+"/search", tc.form, nil)
			if p.status != tc.status {
				t.Fatalf("status %d, want %d", p.status, tc.status)
			}
			if tc.status == http.StatusSeeOther {
				if loc := p.header.Get("Location"); loc != "/" {
					t.Errorf("Location = %q, want /", loc)
				}
				if strings.Contains(p.body, "shelter") {
					t.Errorf("the refusal shows the search")
				}
				return
			}
			p.has(t, tc.want...)
		})
	}

	// A phone that scanned the kiosk's QR code gets a plain page.
	saved := get(t, s.url+"/saved?s=north-shelter.beds")
	saved.has(t, "Overnight shelter for men")
	saved.lacks(t, "data-kiosk", "<noscript><meta")
}

// TestLogsHoldNoSearch checks that page requests are logged by route only.
func TestLogsHoldNoSearch(t *testing.T) {
	s := startSite(t, false)
	get(t, s.url+"/search?q=methadone+clinic&near=20002")
	get(t, s.url+"/services/north-shelter.beds?q=methadone+clinic")
	logs := s.logs.String()
	for _, secret := range []string{"methadone", "20002", "north-shelter"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs hold %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "route=/search") {
		t.Errorf("logs lack the route:\n%s", logs)
	}
}

func TestStaticAssets(t *testing.T) {
	s := startSite(t, false)
	for _, path := range []string{"/static/site.css", "/static/app.js"} {
		p := get(t, s.url+path)
		if p.status != 200 || len(p.body) < 100 {
			t.Errorf("%s: status %d, %d bytes", path, p.status, len(p.body))
		}
	}
	if p := get(t, s.url+"/static/nope.css"); p.status != 404 {
		t.Errorf("missing asset: status %d", p.status)
	}
}
