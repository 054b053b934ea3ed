//go:build e2e

package e2e_test

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// shortPath is the path of a list's short link.
var shortPath = regexp.MustCompile(`^/l/[0-9A-Z]{12}$`)

// phone sets a 390×844 phone screen.
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch)
}

// box is an element's place on the page, in CSS pixels from the top of
// the document.
type box struct {
	Top, Bottom float64
	Found       bool
}

// boxOf returns where the first element matching sel lies.
func boxOf(t *testing.T, ctx context.Context, sel string) box {
	t.Helper()
	return eval[box](t, ctx, `(() => { const e = document.querySelector(`+jsString(sel)+`);
		if (!e) { return {Found: false} }
		const r = e.getBoundingClientRect();
		return {Found: true, Top: r.top + scrollY, Bottom: r.bottom + scrollY} })()`)
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// firstScreen checks that the first result's heading and its call link
// (tel:, the listing's number or the help line) lie within the first 844
// pixels of the page.
func firstScreen(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	if y := eval[float64](t, ctx, "scrollY"); y != 0 {
		t.Fatalf("%s: the page is scrolled to %v", what, y)
	}
	head := boxOf(t, ctx, `#card-0`)
	call := boxOf(t, ctx, `ol.cards > li:first-child a.call[href^="tel:"]`)
	if !head.Found || !call.Found {
		t.Fatalf("%s: first result heading found %v, call link found %v\n%.400s", what, head.Found, call.Found, bodyText(t, ctx))
	}
	if head.Bottom > 844 || call.Bottom > 844 {
		t.Errorf("%s: the first result's heading ends at %.0f px and its call link at %.0f px: below the first screen (844 px)", what, head.Bottom, call.Bottom)
	}
	t.Logf("%s: first heading ends at %.0f px, call link at %.0f px", what, head.Bottom, call.Bottom)
}

// screen writes what the first screen shows, as <name>.png.
func screen(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(shotDir, name+".png"), get(t, ctx, chromedp.CaptureScreenshot()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFirstScreenAnswers searches "shelter" near 20001 on a phone, and
// taps a need on the kiosk: the first result and a number to call are on
// the first screen.
func TestFirstScreenAnswers(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, phone(), navigate(publicURL+"/"), visible(`#q`),
		typeIn(`#q`, "shelter"), typeIn(`#near`, "20001"), submit(`button[name="go"]`), visible(`#results-h`))
	firstScreen(t, ctx, "shelter near 20001")
	screen(t, ctx, "first-screen-shelter-844")
	shots(t, ctx, "first-screen-shelter", "")

	kiosk := tab(t, true)
	run(t, kiosk, phone(), navigate(kioskURL+"/"), visible(`button.tile[value="housing"]`),
		submit(`button.tile[value="housing"]`), visible(`#results-h`))
	contains(t, "kiosk results", text(t, kiosk, `#results-h`), "near this kiosk")
	firstScreen(t, kiosk, "the kiosk's housing tile")
	screen(t, kiosk, "first-screen-kiosk-housing-844")
	if n := eval[int](t, kiosk, `document.querySelectorAll('[data-locate]').length`); n != 0 {
		t.Error("the kiosk offers 'use my location'")
	}
	shots(t, kiosk, "first-screen-kiosk-housing", "")
}

// TestCrisisFirst checks that the crisis lines come before everything on
// the start page's first screen, and before the first result of a search
// for "suicide".
func TestCrisisFirst(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, phone(), navigate(publicURL+"/"), visible(`#q`))
	screen(t, ctx, "first-screen-start-844")
	for _, sel := range []string{`.crisis-bar a[href="tel:988"]`, `.crisis-bar a[href="sms:988"]`, `.crisis-bar a[href="tel:911"]`} {
		if b := boxOf(t, ctx, sel); !b.Found || b.Bottom > 844 {
			t.Errorf("start page: %s found %v, ends at %.0f px", sel, b.Found, b.Bottom)
		}
	}
	run(t, ctx, typeIn(`#q`, "suicide"), submit(`button[name="go"]`), visible(`#results-h`))
	line, first := boxOf(t, ctx, `.crisis-now a[href="tel:988"]`), boxOf(t, ctx, `#card-0`)
	if !line.Found {
		t.Fatal("no 988 on the results for suicide")
	}
	if first.Found && line.Bottom > first.Top {
		t.Errorf("988 ends at %.0f px, below the first result at %.0f px", line.Bottom, first.Top)
	}
	if line.Bottom > 844 {
		t.Errorf("988 ends at %.0f px, below the first screen", line.Bottom)
	}
	shots(t, ctx, "crisis-suicide", "")
}

// TestMapStaysHome checks the maps of the results and of a service: an
// inline SVG with one pin per result that has a place, the text
// alternative, and not one request to another host while the pages load.
func TestMapStaysHome(t *testing.T) {
	ctx := tab(t, true)
	var mu sync.Mutex
	var requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requests = append(requests, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, navigate(publicURL+"/search?q=shelter&near=20001"), visible(`svg.map`))
	pins := eval[int](t, ctx, `document.querySelectorAll('svg.map .map-pin').length`)
	placed := eval[int](t, ctx, `[...document.querySelectorAll('ol.cards > li')].filter(li => !li.querySelector('.confidential') && li.querySelector('.address a')).length`)
	cards := eval[int](t, ctx, `document.querySelectorAll('ol.cards > li').length`)
	if pins == 0 || pins != placed {
		t.Errorf("%d pins for %d results with a place (%d results)", pins, placed, cards)
	}
	words := eval[[]string](t, ctx, `[...document.querySelectorAll('.map-words li')].map(li => li.textContent)`)
	if len(words) != cards {
		t.Errorf("the map in words lists %d of %d results", len(words), cards)
	}
	for _, w := range words {
		if !regexp.MustCompile(` mi (north|south|east|west)|kept private|right here`).MatchString(w) {
			t.Errorf("map in words: %q lacks a distance and direction", w)
		}
	}
	if name := eval[string](t, ctx, `document.querySelector('svg.map title').textContent`); !strings.Contains(name, "near 20001") {
		t.Errorf("map title %q", name)
	}
	shots(t, ctx, "results-map", "")
	run(t, ctx, submit(`ol.cards > li:first-child a.details`), visible(`svg.map`))
	if n := eval[int](t, ctx, `document.querySelectorAll('svg.map .map-pin').length`); n < 1 {
		t.Error("the service page's map has no pin")
	}
	contains(t, "service page", bodyText(t, ctx), " of 20001")
	from := attr(t, ctx, `.place .address a[href*="directions"]`, "href")
	if !strings.Contains(from, "from=38.9") {
		t.Errorf("directions %s do not start at 20001", from)
	}
	if geo := attr(t, ctx, `.place .address a[href^="geo:"]`, "href"); !strings.HasPrefix(geo, "geo:38.") {
		t.Errorf("geo link %q", geo)
	}
	shots(t, ctx, "service-map", "")

	base, _ := url.Parse(publicURL)
	mu.Lock()
	defer mu.Unlock()
	if len(requests) < 4 {
		t.Fatalf("saw only %d requests", len(requests))
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil || (u.Scheme != "data" && u.Host != base.Host) {
			t.Errorf("a request left for another host: %s", r)
		}
	}
}

// TestPrintedQRDecodes lists ten services, renders the list page as it
// prints (print media) at 150 dots per inch, and decodes the QR code from
// that picture: it holds the list's short link, which opens the list on a
// phone.
func TestPrintedQRDecodes(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, navigate(publicURL+"/search?q=food&near=20001"), visible(`#pick-9`))
	ids := eval[[]string](t, ctx, `[...document.querySelectorAll('input[name="pick"][data-pick]')].map(i => i.value)`)
	if len(ids) != 10 {
		t.Fatalf("%d results to list", len(ids))
	}
	q := url.Values{"pick": ids}
	run(t, ctx, navigate(publicURL+"/list?"+q.Encode()), visible(`svg.qr`))
	link := text(t, ctx, `[data-qr-url]`)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	// An A4 page's width in CSS pixels, at 150 device pixels to the inch.
	run(t, ctx, chromedp.EmulateViewport(794, 1123, chromedp.EmulateScale(150.0/96)))
	shot := get(t, ctx, chromedp.FullScreenshot(100))
	width := eval[float64](t, ctx, `document.querySelector('svg.qr').getBoundingClientRect().width`)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shotDir, "list-print-150dpi.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("printed QR code: %.0f CSS px wide, %.1f cm; page picture %dx%d", width, width/96*2.54, img.Bounds().Dx(), img.Bounds().Dy())
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("the QR code does not decode from the 150 dpi print render: %v", err)
	}
	if res.GetText() != link {
		t.Errorf("the QR code holds %q, the page says %q", res.GetText(), link)
	}
	u, err := url.Parse(res.GetText())
	if err != nil || !shortPath.MatchString(u.Path) {
		t.Fatalf("the QR code holds %q, not a short link", res.GetText())
	}
	// Another device opens it: the ten services, nothing of the search.
	other := tab(t, true)
	run(t, other, phone(), navigate(res.GetText()), visible(`ol.printlist`))
	if n := eval[int](t, other, `document.querySelectorAll('ol.printlist > li').length`); n != 10 {
		t.Errorf("the short link opens %d services", n)
	}
	if n := eval[int](t, other, `document.querySelectorAll('ol.printlist > li h2 a[href^="/services/"]').length`); n != 10 {
		t.Errorf("%d of the 10 items link to their pages", n)
	}
	if n := eval[int](t, other, `[...document.querySelectorAll('a[href]')].filter(a => !a.getAttribute('href').startsWith('geo:') && /[?&](q|near|here)=/.test(a.getAttribute('href'))).length`); n > 0 {
		t.Errorf("%d links of the carried list hold the search", n)
	}
	shots(t, other, "saved-short", "")
	// The logo keeps the list.
	run(t, other, submit(`a.brand`), visible(`#q`))
	if n := eval[int](t, other, `document.querySelectorAll('#f input[type=hidden][name="pick"]').length`); n != 10 {
		t.Errorf("after the logo, the start page carries %d of the 10 services", n)
	}
}

// TestKioskStartOverKeepsContrast turns high contrast on at the kiosk,
// searches, and starts over: the start page is empty and still in high
// contrast; the idle warning counts down.
func TestKioskStartOverKeepsContrast(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, navigate(kioskURL+"/"), visible(`#q`),
		submit(`button[name="sethc"]`), visible(`body.hc #q`),
		typeIn(`#q`, "food"), submit(`button[name="go"]`), visible(`#results-h`),
		submit(`a.switch[href^="/?"]`), visible(`#q`))
	if !eval[bool](t, ctx, `document.body.classList.contains('hc')`) {
		t.Error("start over turned high contrast off")
	}
	if q := eval[string](t, ctx, `document.querySelector('#q').value`); q != "" {
		t.Errorf("start over kept the search %q", q)
	}
	run(t, ctx, typeIn(`#q`, "food"), submit(`button[name="go"]`), visible(`#results-h`), visible(`[data-idle-warn]`))
	first := text(t, ctx, `[data-countdown]`)
	waitFor(t, ctx, `document.querySelector('[data-countdown]').textContent !== `+jsString(first))
	contains(t, "countdown", text(t, ctx, `[data-countdown]`), "Starting over in")
	shots(t, ctx, "kiosk-idle-countdown", "")
}
