package webui_test

import (
	"image"
	"image/color"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
)

// TestResultsAnswerFirst checks what a results page puts first: the
// one-line search form, each card's number, its Call button (or the help
// line where the listing has no phone), and the details as a link.
func TestResultsAnswerFirst(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/search?q=shelter&near=20002&pick=capitol-pantry.groceries")
	p.has(t, `<div class="oneline">`, `<label class="sr-only" for="q">`,
		`<span class="num">1<span class="sr-only">.</span></span>`,
		`<a class="call" href="tel:2025550101">`, "Call 202-555-0101")
	// The form's fields come before the results, the search box first.
	if i, j := strings.Index(p.body, `id="q"`), strings.Index(p.body, `id="results-h"`); i < 0 || j < i {
		t.Error("the search box is not above the results")
	}
	// A listing without a phone offers the help line.
	women := get(t, s.url+"/search?q=women+shelter&near=20002")
	women.has(t, `<a class="call help" href="tel:211">`, "No phone number is listed. For help reaching them, call 211, the community help line.")
	// Details is a link that carries the search and the list.
	m := regexp.MustCompile(`<a class="button secondary details" href="(/services/[^"]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no details link")
	}
	href := strings.ReplaceAll(m[1], "&amp;", "&")
	u, _ := url.Parse(href)
	if q := u.Query(); q.Get("q") != "shelter" || q.Get("near") != "20002" || q.Get("pick") != "capitol-pantry.groceries" {
		t.Errorf("details link %s does not carry the search and the list", href)
	}
	svc := get(t, s.url+href)
	if svc.status != http.StatusOK {
		t.Fatalf("details link: %d", svc.status)
	}
	svc.has(t, `name="again" value="1"`, "Back to results", "My list (1)")
}

// TestResultsMap checks the map of a results page: one pin per card with
// a place, numbered as the cards, the searched place, a scale bar, the
// same in words with distance and direction, and directions from the
// searched place.
func TestResultsMap(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/search?setcat=housing&near=20002")
	cards := regexp.MustCompile(`<h2 id="card-\d+" class="card-name"><span class="num">(\d+)`).FindAllStringSubmatch(p.body, -1)
	pins := regexp.MustCompile(`<g class="map-pin"><circle [^>]*/><text [^>]*>(\d+)</text>`).FindAllStringSubmatch(p.body, -1)
	private := strings.Count(p.body, "address kept private: call</li>")
	if len(cards) == 0 || len(pins) != len(cards)-private {
		t.Fatalf("%d cards (%d at a private address), %d pins", len(cards), private, len(pins))
	}
	nums := map[string]bool{}
	for _, pn := range pins {
		nums[pn[1]] = true
	}
	if len(nums) != len(pins) {
		t.Errorf("pins %v repeat a number", pins)
	}
	p.has(t, `<svg class="map"`, `role="img" aria-labelledby="map-t"`, "results near 20002</title>", `class="map-origin"`, `class="map-scale"`,
		"The map in words", "directions?from=38.", "geo:38.")
	words := regexp.MustCompile(`<li><span class="num">\d+</span> <span lang="en">[^<]+</span>: ([^<]+)</li>`).FindAllStringSubmatch(p.body, -1)
	if len(words) != len(cards) {
		t.Fatalf("the map in words lists %d of %d results", len(words), len(cards))
	}
	dir := regexp.MustCompile(`^\d+\.\d mi (north|south|east|west|north-east|north-west|south-east|south-west)$|address kept private`)
	for _, w := range words {
		if !dir.MatchString(w[1]) {
			t.Errorf("map in words says %q, want a distance and a direction", w[1])
		}
	}
	es := get(t, s.url+"/search?setcat=housing&near=20002&lang=es")
	es.has(t, "El mapa en palabras", " mi al ")
	// Nothing on the page comes from another host.
	for _, m := range regexp.MustCompile(`(?:src|href)="(https?://[^"]+)"`).FindAllStringSubmatch(p.body, -1) {
		if !strings.HasPrefix(m[1], "https://www.openstreetmap.org/directions") {
			t.Errorf("the page links to %s", m[1])
		}
	}
	if strings.Contains(p.body, "<image") || strings.Contains(p.body, "<iframe") {
		t.Error("the page embeds an image or frame")
	}
}

// TestMapTiles serves maps over a deployment's own tile server: the
// tiles are drawn under the map and the page allows images from it.
func TestMapTiles(t *testing.T) {
	st := apptest.Start(t, apptest.Options{DataDir: fixtureDir(t), Now: func() time.Time { return now }, NoDB: true,
		Adjust: func(h *app.HTTP) {
			h.Web = app.WebConfig{KioskIdle: 2 * time.Minute, MapTiles: "https://tiles.example.org/{z}/{x}/{y}.png", MapAttribution: "© OpenStreetMap contributors"}
		}})
	p := get(t, st.URL+"/search?setcat=housing&near=20002")
	p.has(t, `<image href="https://tiles.example.org/`, "© OpenStreetMap contributors")
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://tiles.example.org;") {
		t.Errorf("CSP %q does not allow the tiles", csp)
	}
	plain := get(t, startSite(t, false).url+"/search?setcat=housing&near=20002")
	if csp := plain.header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
		t.Errorf("CSP without tiles %q", csp)
	}
}

// TestWhoFilters checks the "who is it for" group: a man is not shown the
// women's shelter, and the page says why it was left out; a bad age is
// refused beside its box.
func TestWhoFilters(t *testing.T) {
	s := startSite(t, false)
	all := get(t, s.url+"/search?q=shelter&near=20002")
	all.has(t, "Emergency shelter for women")
	man := get(t, s.url+"/search?q=shelter&near=20002&gender=male")
	man.has(t, "Overnight shelter for men", `<option value="male" selected>`, "left out: see why", "Emergency shelter for women</span>: ")
	if i := strings.Index(man.body, `<details class="excluded">`); i < 0 || !strings.Contains(man.body[i:], "Emergency shelter for women") {
		t.Error("the women's shelter is not listed as left out")
	}
	if strings.Contains(man.body[:strings.Index(man.body, `<details class="excluded">`)], "Emergency shelter for women") {
		t.Error("the women's shelter is shown to a man")
	}
	vet := get(t, s.url+"/search?q=housing&near=20002&veteran=1&age=45&family=1")
	vet.has(t, `id="veteran" name="veteran" value="1" checked`, `value="45"`, `id="family" name="family" value="1" checked`, `<span class="count">(3)</span>`)
	bad := get(t, s.url+"/search?q=shelter&age=old")
	bad.has(t, `id="age-error"`, "Type the age as a whole number from 0 to 130", `aria-invalid="true"`, "Overnight shelter for men")
}

// TestStartPageCrisisFirst checks that the crisis lines come before
// anything else on the start page, from the directory's settings.
func TestStartPageCrisisFirst(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/")
	i, j := strings.Index(p.body, `class="crisis crisis-bar"`), strings.Index(p.body, "<h1")
	if i < 0 || j < i {
		t.Fatal("the crisis block is not above the heading")
	}
	p.has(t, `href="tel:988"`, `href="sms:988"`, `href="tel:911"`, `href="tel:8007997233"`, "National Domestic Violence Hotline")
}

// TestPagerCountsOnce checks that paging through a search and coming
// back to it from a service count the search once.
func TestPagerCountsOnce(t *testing.T) {
	s := startSite(t, false)
	searches := func() int {
		body := get(t, s.url+"/metrics").body
		n := 0
		for _, m := range regexp.MustCompile(`(?m)^trellis_searches_total\{filtered="(?:true|false)"\} (\d+)$`).FindAllStringSubmatch(body, -1) {
			k, _ := strconv.Atoi(m[1])
			n += k
		}
		return n
	}
	steps := []struct {
		name, path string
		add        int
	}{
		{"search", "/search?setcat=housing&go=1", 1},
		{"next page", "/search?setcat=housing&page=1&topage=2", 0},
		{"back to page 1", "/search?setcat=housing&page=2&topage=1", 0},
		{"back from a service", "/search?setcat=housing&again=1", 0},
		{"search again", "/search?setcat=housing&go=1", 1},
	}
	for _, st := range steps {
		before := searches()
		if p := get(t, s.url+st.path); p.status != http.StatusOK {
			t.Fatalf("%s: %d", st.name, p.status)
		}
		if got := searches() - before; got != st.add {
			t.Errorf("%s: counted %d searches, want %d", st.name, got, st.add)
		}
	}
}

// TestServicePageAnswers checks the service page: the Call button, the
// map of its place and the searched place, how far and which way, listing
// text marked as English on a Spanish page, and phone numbers in it made
// links.
func TestServicePageAnswers(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/services/north-shelter.beds?near=20002")
	p.has(t, `<a class="call" href="tel:2025550101">`, `<svg class="map"`, `class="map-origin"`, " of 20002</p>",
		"directions?from=38.", "geo:38.")
	if n := strings.Count(p.body, `<g class="map-pin">`); n != 1 {
		t.Errorf("%d pins for one place", n)
	}
	es := get(t, s.url+"/services/womens-shelter.beds?lang=es")
	es.has(t, `<span lang="en">Overnight shelter beds for women, with showers.</span> <span class="in-en">(en inglés)</span>`,
		"No hay número de teléfono.", "Llame al 211, la línea de ayuda comunitaria para que le ayuden", `href="tel:211"`)
	en := get(t, s.url+"/services/womens-shelter.beds")
	en.lacks(t, "(in English)")
}

// TestKioskChoices checks the kiosk's start over, which keeps high
// contrast and the language, its logo, which keeps the list, and its idle
// warning, which counts down.
func TestKioskChoices(t *testing.T) {
	s := startSite(t, true)
	issued := strconv.FormatInt(now.Unix(), 10)
	p := do(t, http.MethodPost, s.url+"/search", url.Values{"q": {"shelter"}, "t": {issued}, "hc": {"1"}, "lang": {"es"}, "pick": {"north-shelter.beds"}}, nil)
	p.has(t, `<a class="switch" href="/?lang=es&amp;hc=1">Empezar de nuevo</a>`,
		`<a class="brand" href="/?lang=es&amp;hc=1&amp;pick=north-shelter.beds">`,
		`role="timer"`, "Se empieza de nuevo en 20 segundos.", "Se empieza de nuevo en 1 segundo.\n")
	p.lacks(t, "data-locate")
	start := do(t, http.MethodPost, s.url+"/", url.Values{"t": {issued}, "hc": {"1"}}, nil)
	start.has(t, `class="kiosk hc"`)
}

// TestListShortCode saves a list behind a short code: the QR code and the
// share links carry /l/CODE, which opens the list on another device with
// only the services' ids; an unknown code is a 404.
func TestListShortCode(t *testing.T) {
	st := workspaceSite(t)
	ids := []string{"north-shelter.beds", "capitol-pantry.groceries"}
	p := get(t, st.URL+"/list?lang=es&q=shelter&near=20002&pick="+ids[0]+"&pick="+ids[1])
	m := regexp.MustCompile(`data-qr-url>([^<]+)<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no QR link")
	}
	link := m[1]
	code := regexp.MustCompile(`/l/([0-9A-Z]{12})\?lang=es$`).FindStringSubmatch(link)
	if code == nil {
		t.Fatalf("QR link %q is not a short link", link)
	}
	p.has(t, `href="sms:?&amp;body=Servicios%20que%20encontr%C3%A9%20en%20Trellis%3A%20`+url.QueryEscape(link)[:20],
		`href="mailto:?subject=Servicios%20de%20Trellis&amp;body=`, "El código funciona hasta el")
	var n int
	if err := st.DB.SQL().QueryRow(`SELECT count(*) FROM short_lists WHERE code = ? AND ids = ?`, code[1], strings.Join(ids, ",")).Scan(&n); err != nil || n != 1 {
		t.Fatalf("stored list: %d, %v", n, err)
	}
	// The phone opens the short link: the list, each item a link.
	phone := get(t, st.URL+"/l/"+strings.ToLower(code[1])+"?lang=es")
	if phone.status != http.StatusOK {
		t.Fatalf("short link: %d", phone.status)
	}
	phone.has(t, "Servicios guardados", "Overnight shelter for men", "Free groceries",
		`<a href="/services/north-shelter.beds?lang=es&amp;pick=north-shelter.beds&amp;pick=capitol-pantry.groceries">`)
	phone.lacks(t, "20002", "shelter&amp;", `name="q"`)
	if miss := get(t, st.URL+"/l/0000000000ZZ"); miss.status != http.StatusNotFound {
		t.Errorf("unknown code: %d", miss.status)
	}
	if bad := get(t, st.URL+"/l/nope"); bad.status != http.StatusNotFound {
		t.Errorf("malformed code: %d", bad.status)
	}
}

// qrPath reads the QR code's modules from the page's SVG: one path of
// "Mx yhNv1h-Nz" runs, in a square viewBox.
var (
	qrViewBox = regexp.MustCompile(`<svg class="qr"[^>]*viewBox="0 0 (\d+) (\d+)"`)
	qrRun     = regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-\d+z`)
)

// TestListQRDecodesFromPrint draws a 10-item list's QR code as the print
// stylesheet prints it (4 cm wide) at 150 dots per inch, and decodes it.
func TestListQRDecodesFromPrint(t *testing.T) {
	st := apptest.Start(t, apptest.Options{DataDir: "../../data", Now: func() time.Time { return now }})
	var ids []string
	for _, m := range regexp.MustCompile(`name="pick" value="([^"]+)"`).FindAllStringSubmatch(get(t, st.URL+"/search?q=food&near=20001").body, -1) {
		ids = append(ids, m[1])
	}
	if len(ids) != 10 {
		t.Fatalf("%d results to list, want 10", len(ids))
	}
	q := url.Values{"pick": ids}
	p := get(t, st.URL+"/list?"+q.Encode())
	link := regexp.MustCompile(`data-qr-url>([^<]+)<`).FindStringSubmatch(p.body)
	if link == nil {
		t.Fatalf("no QR link on the list of %d", len(ids))
	}
	vb := qrViewBox.FindStringSubmatch(p.body)
	if vb == nil {
		t.Fatal("no QR code")
	}
	modules, _ := strconv.Atoi(vb[1])
	if !strings.Contains(link[1], "/l/") {
		t.Errorf("the QR code holds %s, not a short link", link[1])
	}
	if modules > 41 {
		t.Errorf("the QR code is %d modules wide, want at most 41 (version 4 and its quiet zone)", modules)
	}
	// About 4 cm at 150 dpi (236 px), in whole pixels per module as a
	// printer's raster lays them: with fractional modules the decoder
	// misjudges the symbol's size for some codes (one run in 36 failed).
	// The e2e test decodes Chromium's own print render.
	px := modules * max(1, (236+modules/2)/modules)
	img := image.NewGray(image.Rect(0, 0, px, px))
	dark := make([][]bool, modules)
	for i := range dark {
		dark[i] = make([]bool, modules)
	}
	for _, m := range qrRun.FindAllStringSubmatch(p.body, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		for i := 0; i < n; i++ {
			dark[y][x+i] = true
		}
	}
	for y := 0; y < px; y++ {
		for x := 0; x < px; x++ {
			c := color.Gray{Y: 255}
			if dark[(y*modules+modules/2)/px][(x*modules+modules/2)/px] {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("the printed QR code does not decode: %v", err)
	}
	if res.GetText() != link[1] {
		t.Errorf("decoded %q, the page says %q", res.GetText(), link[1])
	}
}
