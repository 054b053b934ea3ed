//go:build e2e

// Package e2e drives Trellis's pages in a real headless Chromium (Debian's
// /usr/bin/chromium, or $TRELLIS_CHROMIUM) against real servers started in
// process on loopback with the bundled DC data: a public one and a kiosk.
// It checks the flows people use, the pages without JavaScript, axe-core's
// accessibility rules, and writes screenshots at phone and desktop widths.
// Run it with `make e2e`, which installs axe-core with npm first.
package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"trellis/internal/app"
)

// servers and the browser are shared by every test.
var (
	publicURL string
	kioskURL  string
	browser   context.Context
	axeSource string
	shotDir   string
)

// The accounts the tests sign in with, made with `trellis user add`: ben
// is the specialist an administrator (adam) disables.
const (
	specialistEmail  = "ana@example.org"
	coordinatorEmail = "cora@example.org"
	benEmail         = "ben@example.org"
	adminEmail       = "adam@example.org"
	password         = "correct horse battery staple"
)

// organization is the referring organization the public server names
// (--organization).
const organization = "Peer Support Network of DC"

// kioskIdle is the kiosk server's idle time, the shortest allowed, so the
// reset test waits as little as it can.
const kioskIdle = 20 * time.Second

func TestMain(m *testing.M) {
	os.Exit(setup(m))
}

// setup starts the servers and the browser, runs the tests and returns the
// exit code.
func setup(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	b, err := os.ReadFile(filepath.Join("node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: axe-core is missing (run `npm ci` in e2e/, or `make e2e`): %v\n", err)
		return 1
	}
	axeSource = string(b)

	shotDir = os.Getenv("TRELLIS_E2E_SCREENSHOTS")
	if shotDir == "" {
		shotDir = filepath.Join("..", "e2e-screenshots")
	}
	if shotDir, err = filepath.Abs(shotDir); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	if err := os.MkdirAll(shotDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}

	tmp, err := os.MkdirTemp("", "trellis-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)

	// Stop the servers and wait for them before the temporary directory
	// goes.
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	start := func(name string, extra ...string) (string, error) {
		m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
		args := append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join("..", "data"),
			"--state-dir", filepath.Join(tmp, name), "--log-level", "error"}, extra...)
		if err := m.ParseFlags(args); err != nil {
			return "", err
		}
		if err := m.Open(ctx); err != nil {
			return "", err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer m.Close()
			if err := m.Run(ctx); err != nil {
				fmt.Fprintln(os.Stderr, "e2e: server:", err)
			}
		}()
		return m.URL(), nil
	}
	for _, u := range []struct{ email, role string }{{specialistEmail, "specialist"}, {coordinatorEmail, "coordinator"},
		{benEmail, "specialist"}, {adminEmail, "admin"}} {
		io := app.IO{Stdin: strings.NewReader(password + "\n"), Stdout: io.Discard, Stderr: os.Stderr, Getenv: func(string) string { return "" }}
		if code := app.Run(ctx, []string{"user", "add", "--state-dir", filepath.Join(tmp, "public"), "--role", u.role, "--password-stdin", u.email}, io); code != 0 {
			fmt.Fprintln(os.Stderr, "e2e: trellis user add failed")
			return 1
		}
	}
	if publicURL, err = start("public", "--organization", organization); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start public server:", err)
		return 1
	}
	if kioskURL, err = start("kiosk", "--kiosk", "--kiosk-idle", kioskIdle.String(), "--kiosk-near", "20001"); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: start kiosk server:", err)
		return 1
	}

	chromium := os.Getenv("TRELLIS_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(filepath.Join(tmp, "chromium-profile")),
		chromedp.WindowSize(1366, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	var cancelBrowser context.CancelFunc
	browser, cancelBrowser = chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(browser); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: start %s: %v\n", chromium, err)
		return 1
	}

	code := m.Run()
	fmt.Printf("e2e: screenshots in %s\n", shotDir)
	return code
}

// tab opens a new browser tab for a test, with JavaScript on or off, in a
// browser context of its own: no cookies are shared between tabs.
func tab(t *testing.T, js bool) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	if !js {
		if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

// run runs browser steps in order, failing the test on error.
func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// get runs one browser action and returns its value, failing the test on
// error.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// css is a CSS selector for the first matching element.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func navigate(u string) chromedp.Action[chromedp.Void] { return chromedp.Navigate(u) }

func visible(sel string) chromedp.Action[chromedp.Void] { return chromedp.WaitVisible(css(sel)) }

func click(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Click(css(sel), chromedp.NodeVisible)
}

// submitStatus clicks a control that loads a page and checks the page's
// HTTP status.
func submitStatus(sel string, want int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		resp, err := chromedp.RunResponse(ctx, click(sel))
		if err != nil {
			return fmt.Errorf("submit %s: %w", sel, err)
		}
		if resp.Status != want {
			return fmt.Errorf("submit %s: %s answered %d, want %d", sel, resp.URL, resp.Status, want)
		}
		return nil
	})
}

// submit clicks a control that loads a page (a submit button, a link) and
// waits for the new page to load, so the next step never reads the old
// one; the page must answer 200.
func submit(sel string) chromedp.Action[chromedp.Void] { return submitStatus(sel, 200) }

func typeIn(sel, keys string) chromedp.Action[chromedp.Void] {
	return chromedp.SendKeys(css(sel), keys, chromedp.NodeVisible)
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return strings.TrimSpace(get(t, ctx, chromedp.Text(css(sel), chromedp.NodeVisible)))
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	return get(t, ctx, chromedp.Evaluate[T](js))
}

func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	return get(t, ctx, chromedp.AttributeValue(css(sel), name)).Value
}

// waitFor evaluates js until it is true, across page loads, for up to
// ten seconds.
func waitFor(t *testing.T, ctx context.Context, js string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	t.Fatalf("still not true after 10 s: %s\npage: %.300s", js, bodyText(t, ctx))
}

func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, "document.body ? document.body.innerText : ''")
}

func contains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%.600s", what, w, s)
		}
	}
}

// TestKioskSearchToPrintedList walks the kiosk: search with a typo and a
// ZIP code, tick a result, open another, tick it too, open the list to
// print with its QR code; the address bar never shows the search, and Back
// does not bring it back.
func TestKioskSearchToPrintedList(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx,
		navigate(kioskURL+"/"),
		visible(`#q`),
		typeIn(`#q`, "shleter"),
		typeIn(`#near`, "20002"),
		submit(`button[name="go"]`),
		visible(`#results-h`),
	)
	head := text(t, ctx, `#results-h`)
	contains(t, "results heading", head, "shleter", "20002")
	contains(t, "results page", bodyText(t, ctx), "Showing results for", "shelter", "mi away", "Who can go:")
	if p := eval[string](t, ctx, "location.pathname + location.search"); p != "/" {
		t.Errorf("kiosk address bar shows %q after a search, want /", p)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('ol.cards > li').length`); n < 2 {
		t.Fatalf("%d results for shelter near 20002", n)
	}
	first := eval[string](t, ctx, `document.querySelector('#card-0 span[lang=en]').textContent`)
	second := eval[string](t, ctx, `document.querySelector('#card-1 span[lang=en]').textContent`)

	run(t, ctx,
		click(`#pick-0`),
		visible(`button.mylist`),
	)
	contains(t, "My list button", text(t, ctx, `button.mylist`), "(1)")
	run(t, ctx,
		submit(`ol.cards > li:nth-child(2) button.details`),
		visible(`#svc-h`),
	)
	if got := text(t, ctx, `#svc-h`); got != strings.TrimSpace(second) {
		t.Errorf("service page is %q, want %q", got, second)
	}
	contains(t, "service page", bodyText(t, ctx), "Where and when", "Who can go", "My list (1)")
	run(t, ctx,
		click(`#pick-svc`),
		submit(`button.mylist`),
		visible(`ol.printlist`),
	)
	items := eval[[]string](t, ctx, `[...document.querySelectorAll('ol.printlist > li h2')].map(h => h.textContent.trim())`)
	if len(items) != 2 || items[0] != strings.TrimSpace(first) || items[1] != strings.TrimSpace(second) {
		t.Errorf("printed list = %q, want %q and %q", items, first, second)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('svg.qr path').length`); n != 1 {
		t.Errorf("list page has %d QR drawings", n)
	}
	if !eval[bool](t, ctx, `!document.querySelector('[data-print]').hidden`) {
		t.Error("the print button stays hidden with JavaScript on")
	}
	printHidden := eval[bool](t, ctx, `(() => { const s = [...document.styleSheets].flatMap(ss => [...ss.cssRules]).find(r => r.media && r.media.mediaText === 'print'); return !!s && s.cssText.includes('.noprint') })()`)
	if !printHidden {
		t.Error("no print stylesheet hides the controls")
	}
	// The page people print from, checked at both widths.
	for _, w := range []int64{390, 1366} {
		run(t, ctx, chromedp.EmulateViewport(w, 900))
		for _, v := range axe(t, ctx) {
			t.Errorf("kiosk list at %dpx: axe %s (%s): %s\n  %s", w, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
		}
	}
	shots(t, ctx, "kiosk-list", "")

	// Back must not show the last person's search or service.
	get(t, ctx, chromedp.Evaluate[bool]("history.back(), true"))
	waitFor(t, ctx, `!!document.querySelector('#q') && !document.querySelector('#svc-h') && document.readyState === 'complete'`)
	after := bodyText(t, ctx)
	for _, secret := range []string{"shleter", strings.TrimSpace(second)} {
		if strings.Contains(after, secret) {
			t.Errorf("Back shows %q from the previous visitor:\n%.400s", secret, after)
		}
	}
}

// TestKioskIdleReset checks that a kiosk page warns, then starts over, when
// nobody touches it for the idle time.
func TestKioskIdleReset(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx,
		navigate(kioskURL+"/"),
		visible(`button.tile[value="food"]`),
		submit(`button.tile[value="food"]`),
		visible(`#results-h`),
		visible(`[data-idle-warn]`),
	)
	contains(t, "idle warning", text(t, ctx, `[data-idle-warn]`), "Are you still there?")
	run(t, ctx, visible(`button.tile`))
	if n := eval[int](t, ctx, `document.querySelectorAll('#results-h').length`); n != 0 {
		t.Error("still on the results after the idle time")
	}
	if q := eval[string](t, ctx, `document.querySelector('#q').value`); q != "" {
		t.Errorf("search box after reset = %q", q)
	}
}

// TestLanguageSwitch switches the start page to Spanish, searches in
// Spanish, and switches the results back to English keeping the search.
func TestLanguageSwitch(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx,
		navigate(publicURL+"/"),
		submit(`button[name="setlang"][value="es"]`),
		visible(`html[lang="es"] #q`),
	)
	contains(t, "Spanish start page", bodyText(t, ctx), "Encuentre ayuda cerca de usted", "Vivienda", "Comida", "Buscar")
	run(t, ctx,
		typeIn(`#q`, "comida"),
		submit(`button[name="go"]`),
		visible(`#results-h`),
	)
	contains(t, "Spanish results", bodyText(t, ctx), "para “comida”", "Quién puede ir:", "Añadir a mi lista")
	if lang := eval[string](t, ctx, `document.querySelector('.card-name span[lang]').lang`); lang != "en" {
		t.Errorf("listing names in a Spanish page have lang %q, want en", lang)
	}
	run(t, ctx,
		submit(`button[name="setlang"][value="en"]`),
		visible(`html[lang="en"] #results-h`),
	)
	contains(t, "English results", text(t, ctx, `#results-h`), "for “comida”")
	if q := eval[string](t, ctx, `document.querySelector('#q').value`); q != "comida" {
		t.Errorf("search box after switching = %q", q)
	}
}

// TestPagination pages through a long result list and back.
func TestPagination(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, navigate(publicURL+"/search?setcat=food"), visible(`nav.pager`))
	first := text(t, ctx, `#card-0`)
	status := text(t, ctx, `.pager-status`)
	contains(t, "pager", status, "Page 1 of")
	run(t, ctx, submit(`nav.pager button[name="topage"]`), visible(`nav.pager`))
	contains(t, "pager on page 2", text(t, ctx, `.pager-status`), "Page 2 of")
	if start := attr(t, ctx, `ol.cards`, "start"); start != "11" {
		t.Errorf("page 2 numbers from %s", start)
	}
	if text(t, ctx, `#card-0`) == first {
		t.Error("page 2 shows page 1's first result")
	}
	run(t, ctx, submit(`nav.pager button[name="topage"][value="1"]`), visible(`nav.pager`))
	if got := text(t, ctx, `#card-0`); got != first {
		t.Errorf("back on page 1 the first result is %q, was %q", got, first)
	}
}

// TestQRPage opens the link a list's QR code carries on a phone-sized
// screen: it holds service ids and the language only and shows the list.
func TestQRPage(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx,
		navigate(publicURL+"/search?setcat=food&lang=es"),
		visible(`#pick-0`),
		click(`#pick-0`),
		click(`#pick-2`),
		submit(`button.mylist`),
		visible(`svg.qr`),
	)
	label := eval[string](t, ctx, `document.querySelector('svg.qr').getAttribute('aria-label')`)
	contains(t, "QR label", label, "Código QR")
	link := text(t, ctx, `[data-qr-url]`)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	for k := range u.Query() {
		if k != "lang" {
			t.Errorf("the QR link carries %q: %s", k, link)
		}
	}
	if !shortPath.MatchString(u.Path) {
		t.Errorf("the QR link %s is not a short link /l/CODE", link)
	}
	sms, mail := attr(t, ctx, `.share a[href^="sms:"]`, "href"), attr(t, ctx, `.share a[href^="mailto:"]`, "href")
	for _, share := range []string{sms, mail} {
		if !strings.Contains(share, url.QueryEscape(link)[:30]) && !strings.Contains(share, strings.ReplaceAll(url.QueryEscape(link), "+", "%20")) {
			t.Errorf("share link %s does not carry %s", share, link)
		}
	}
	names := eval[[]string](t, ctx, `[...document.querySelectorAll('ol.printlist > li h2')].map(h => h.textContent.trim())`)

	phone := tab(t, true)
	run(t, phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), navigate(link), visible(`ol.printlist`))
	got := eval[[]string](t, phone, `[...document.querySelectorAll('ol.printlist > li h2')].map(h => h.textContent.trim())`)
	if strings.Join(got, "|") != strings.Join(names, "|") {
		t.Errorf("the phone shows %q, the kiosk list had %q", got, names)
	}
	contains(t, "saved page", bodyText(t, phone), "Servicios guardados", "Buscar más servicios")
	if lang := eval[string](t, phone, `document.documentElement.lang`); lang != "es" {
		t.Errorf("saved page lang = %q", lang)
	}
}

// TestWithoutJavaScript runs the public search, a filter, the list and
// the service page with JavaScript turned off.
func TestWithoutJavaScript(t *testing.T) {
	ctx := tab(t, false)
	run(t, ctx,
		navigate(publicURL+"/"),
		visible(`#q`),
		typeIn(`#q`, "shelter"),
		typeIn(`#near`, "20002"),
		submit(`button[name="go"]`),
		visible(`#results-h`),
	)
	shown := func(sel string) bool {
		return eval[bool](t, ctx, `(() => { const e = document.querySelector('`+sel+`'); return !!e && getComputedStyle(e).display !== 'none' })()`)
	}
	if shown(`[data-locate]`) {
		t.Error("'use my location' shows without JavaScript")
	}
	total := eval[int](t, ctx, `document.querySelectorAll('ol.cards > li').length`)
	run(t, ctx,
		click(`details.filters summary`),
		chromedp.SetValue(css(`#radius`), "1mi"),
		submit(`button[name="go"]`),
		visible(`#results-h`),
	)
	contains(t, "no-JS results", bodyText(t, ctx), "for “shelter” near 20002", "Who can go:", "Place and filters\n(1)")
	if eval[bool](t, ctx, `document.querySelector('details.filters').open`) {
		t.Error("the filters stay unfolded above the results: the search form should fold to one line")
	}
	far := eval[[]string](t, ctx, `[...document.querySelectorAll('.facts li')].map(l => l.textContent).filter(s => / mi away$/.test(s) && parseFloat(s) > 1)`)
	if len(far) > 0 {
		t.Errorf("within 1 mi shows %q", far)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('ol.cards > li').length`); n == 0 || n > total {
		t.Errorf("within 1 mi: %d results, %d without the filter", n, total)
	}
	run(t, ctx,
		click(`#pick-0`),
		submit(`button.mylist`),
		visible(`ol.printlist`),
	)
	contains(t, "no-JS list", bodyText(t, ctx), "To print, use your browser's Print command.")
	if shown(`[data-print]`) {
		t.Error("the print button shows without JavaScript")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('ol.printlist > li').length`); n != 1 {
		t.Errorf("no-JS list has %d items", n)
	}
	run(t, ctx,
		submit(`button[formaction="/search"]`),
		visible(`#results-h`),
		submit(`ol.cards > li:nth-child(1) a.details`),
		visible(`#svc-h`),
	)
	contains(t, "no-JS service page", bodyText(t, ctx), "Where and when", "My list (1)")
}

// signIn signs a user in through the sign-in page.
func signIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	run(t, ctx,
		navigate(publicURL+"/app/sign-in"),
		typeIn(`#email`, email),
		typeIn(`#password`, password),
		submit(`#signin button[type="submit"]`),
	)
}

// TestAnonymousCannotReachWorkspace checks that /app and /admin send an
// anonymous visitor to the sign-in page, and a specialist away from /admin.
func TestAnonymousCannotReachWorkspace(t *testing.T) {
	ctx := tab(t, true)
	for _, path := range []string{"/app", "/app/referrals", "/admin"} {
		run(t, ctx, navigate(publicURL+path), visible(`#password`))
		if loc := eval[string](t, ctx, "location.pathname"); loc != "/app/sign-in" {
			t.Errorf("anonymous %s ends at %s", path, loc)
		}
	}
	run(t, ctx, typeIn(`#email`, specialistEmail), typeIn(`#password`, "wrong password"),
		submitStatus(`#signin button[type="submit"]`, 401))
	contains(t, "wrong password", bodyText(t, ctx), "Wrong email or password.")
}

// TestSpecialistMatchReferFollowUp signs a specialist in, matches a
// profile with two needs, refers the person to the first shelter through
// the consent step, makes the agency link, and finds the referral among
// the follow-ups due; the agency then accepts it from the link and the
// timeline shows it.
func TestSpecialistMatchReferFollowUp(t *testing.T) {
	ctx := tab(t, true)
	signIn(t, ctx, specialistEmail)
	run(t, ctx, visible(`#need1`))
	if loc := eval[string](t, ctx, "location.pathname"); loc != "/app" {
		t.Fatalf("after sign-in: %s", loc)
	}
	run(t, ctx,
		typeIn(`#need1`, "a bed tonight"),
		typeIn(`#need2`, "help with drinking"),
		typeIn(`#near`, "20002"),
		typeIn(`#age`, "45"),
		chromedp.SetValue(css(`#gender`), "male"),
		chromedp.SetValue(css(`#veteran`), "yes"),
		click(`input[name="insurance"][value="medicaid"]`),
		submit(`form.profile button[type="submit"]`),
		visible(`#answers-h`),
	)
	answers := bodyText(t, ctx)
	contains(t, "match answer", answers, "a bed tonight", "help with drinking", "Read as", "Emergency shelter", "Refer")
	if n := eval[int](t, ctx, `document.querySelectorAll('section.need').length`); n != 2 {
		t.Errorf("%d needs answered, want 2", n)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('section.need:first-of-type .reasons li').length`); n == 0 {
		t.Error("the first need's results carry no reasons")
	}
	if v := eval[string](t, ctx, `document.querySelector('#age').value`); v != "45" {
		t.Errorf("the profile form lost the age: %q", v)
	}
	for _, v := range axe(t, ctx) {
		t.Errorf("match page: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
	shots(t, ctx, "app-match", "")
	service := text(t, ctx, `section.need .card-name`)

	run(t, ctx, submit(`section.need form[action="/app/refer"] button[type="submit"]`), visible(`#peer_ref`))
	contains(t, "referral form", bodyText(t, ctx), service, "Consent", "How did they consent?")
	today := eval[string](t, ctx, `new Date().toISOString().slice(0, 10)`)
	run(t, ctx,
		typeIn(`#peer_ref`, "P-JD27K"),
		chromedp.SetValue(css(`#follow_up`), today),
		click(`#cm-verbal`),
	)
	shots(t, ctx, "app-refer", "")
	run(t, ctx, submit(`form[action="/app/referrals"] button[type="submit"]`), visible(`#timeline-h`))
	contains(t, "referral page", bodyText(t, ctx), "Referral P-JD27K", service, "Recorded")

	run(t, ctx, submit(`form[action$="/link"] button`), visible(`#agency-link`))
	link := attr(t, ctx, `#agency-link`, "value")
	if !strings.Contains(link, "/agency/") {
		t.Fatalf("agency link %q", link)
	}
	shots(t, ctx, "app-referral", "")

	run(t, ctx, navigate(publicURL+"/app/referrals?show=week"), visible(`#list-h`))
	due := text(t, ctx, `section[aria-labelledby="list-h"]`)
	contains(t, "follow-ups due this week", due, "Follow-ups due this week", "P-JD27K", service)
	for _, v := range axe(t, ctx) {
		t.Errorf("referrals page: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
	shots(t, ctx, "app-referrals", "")

	agency := tab(t, true)
	run(t, agency, navigate(link), visible(`#to-accepted`), click(`#to-accepted`), submit(`#agency-form button[type="submit"]`))
	contains(t, "agency page", bodyText(t, agency), "Saved: Accepted.")
	for _, v := range axe(t, agency) {
		t.Errorf("agency page: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}

	run(t, ctx, navigate(publicURL+"/app/referrals?q=P-JD27K"), visible(`#list-h`), submit(`#list-table a.code`), visible(`#timeline-h`))
	contains(t, "timeline after the agency", text(t, ctx, `ol.timeline`), "Agency", "Sent to the agency → Accepted")
	for _, v := range axe(t, ctx) {
		t.Errorf("referral page: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

// TestWorkspaceKeepsWorkAcrossLanguages switches the language on the
// match results, on the referral form while it is filled, and on the
// form after a refusal: each time the same profile, results, fields and
// error come back in the other language, on the same page. It also sees
// every service left out, and reloads the page that showed an agency
// link.
func TestWorkspaceKeepsWorkAcrossLanguages(t *testing.T) {
	ctx := tab(t, true)
	signIn(t, ctx, specialistEmail)
	run(t, ctx,
		visible(`#need1`),
		typeIn(`#need1`, "a bed tonight"),
		typeIn(`#near`, "20002"),
		typeIn(`#age`, "45"),
		chromedp.SetValue(css(`#gender`), "male"),
		submit(`form.profile button[type="submit"]`),
		visible(`#answers-h`),
	)
	names := func() []string {
		return eval[[]string](t, ctx, `[...document.querySelectorAll('section.need .card-name')].map(h => h.textContent.trim())`)
	}
	english := names()
	if len(english) == 0 {
		t.Fatal("no results for a bed tonight near 20002")
	}

	// The match results, in Spanish.
	run(t, ctx, submit(`button[name="setlang"][value="es"]`), visible(`html[lang="es"] #answers-h`))
	contains(t, "Spanish match page", bodyText(t, ctx), "Servicios para cada necesidad", "Perfil")
	if got := names(); strings.Join(got, "|") != strings.Join(english, "|") {
		t.Errorf("results after switching: %q, before: %q", got, english)
	}
	for sel, want := range map[string]string{`#need1`: "a bed tonight", `#near`: "20002", `#age`: "45", `#gender`: "male"} {
		if v := eval[string](t, ctx, `document.querySelector('`+sel+`').value`); v != want {
			t.Errorf("%s after switching = %q, want %q", sel, v, want)
		}
	}
	if p := eval[string](t, ctx, "location.pathname"); p != "/app" {
		t.Errorf("switching language went to %s", p)
	}
	shots(t, ctx, "app-match-es", "")

	// Counts and lists agree: every service left out can be listed.
	summary := text(t, ctx, `section.need details.excluded summary`)
	if eval[bool](t, ctx, `!!document.querySelector('section.need details.excluded button[name="setexcluded"]')`) {
		var shown, total int
		if _, err := fmt.Sscanf(strings.TrimPrefix(summary, "Fuera: se muestran "), "%d de %d", &shown, &total); err != nil || shown >= total {
			t.Fatalf("left-out summary %q: want \"Fuera: se muestran N de M\"", summary)
		}
		run(t, ctx, click(`section.need details.excluded summary`), submit(`section.need details.excluded button[name="setexcluded"]`), visible(`#answers-h`))
		if n := eval[int](t, ctx, `document.querySelectorAll('section.need:first-of-type details.excluded li').length`); n != min(total, 50) {
			t.Errorf("after showing all %d left out, %d are listed", total, n)
		}
		if got := names(); strings.Join(got, "|") != strings.Join(english, "|") {
			t.Errorf("results after showing all left out: %q", got)
		}
	} else {
		listed := eval[int](t, ctx, `document.querySelectorAll('section.need:first-of-type details.excluded li').length`)
		if want := fmt.Sprintf("(%d)", listed); !strings.Contains(summary, want) {
			t.Errorf("left-out summary %q lists %d", summary, listed)
		}
	}

	// The referral form, filled, in English.
	run(t, ctx,
		submit(`button[name="setlang"][value="en"]`), visible(`html[lang="en"] #answers-h`),
		submit(`section.need form[action="/app/refer"] button[type="submit"]`), visible(`#peer_ref`),
		typeIn(`#peer_ref`, "Maria Lopez"),
		typeIn(`#notes`, "needs a lower bunk"),
		click(`#cm-verbal`),
		submit(`button[name="setlang"][value="es"]`),
		visible(`html[lang="es"] #peer_ref`),
	)
	if p := eval[string](t, ctx, "location.pathname"); p != "/app/refer" {
		t.Errorf("switching the referral form's language went to %s", p)
	}
	formValues := func() string {
		return eval[string](t, ctx, `[document.querySelector('#peer_ref').value, document.querySelector('#notes').value, document.querySelector('#cm-verbal').checked].join('|')`)
	}
	if v := formValues(); v != "Maria Lopez|needs a lower bunk|true" {
		t.Errorf("the referral form in Spanish holds %q", v)
	}
	contains(t, "Spanish referral form", bodyText(t, ctx), "Código de la persona, si ya derivó a esta persona")

	// A refusal, and its language switch.
	run(t, ctx, submitStatus(`form[action="/app/referrals"] button[type="submit"]`, 422), visible(`#refer-error`))
	contains(t, "refusal in Spanish", text(t, ctx, `#refer-error`), "Esto parece un nombre.", "Deje el recuadro vacío para un código nuevo")
	contains(t, "refusal beside the box", text(t, ctx, `#peer_ref-error`), "Esto parece un nombre.")
	if inv := attr(t, ctx, `#peer_ref`, "aria-invalid"); inv != "true" {
		t.Errorf("the peer reference box is not marked invalid: %q", inv)
	}
	shots(t, ctx, "app-refer-error-es", "")
	run(t, ctx, submitStatus(`button[name="setlang"][value="en"]`, 422), visible(`html[lang="en"] #refer-error`))
	contains(t, "refusal in English", text(t, ctx, `#refer-error`), "This looks like a name.", "Leave the box empty for a new code")
	if v := formValues(); v != "Maria Lopez|needs a lower bunk|true" {
		t.Errorf("the refused form in English holds %q", v)
	}
	for _, v := range axe(t, ctx) {
		t.Errorf("refused referral form: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}

	// Corrected (the box left empty: a new peer gets a code), recorded,
	// sent; the link page survives a reload.
	get(t, ctx, chromedp.Evaluate[bool](`(document.querySelector('#peer_ref').value = '', true)`))
	run(t, ctx,
		submit(`form[action="/app/referrals"] button[type="submit"]`),
		visible(`#timeline-h`),
	)
	contains(t, "new referral", text(t, ctx, `dl.facts-list`), "Recorded")
	code := text(t, ctx, `#referral-code`)
	contains(t, "issued code", text(t, ctx, `.callout`), "The peer's new referral code: "+code, "Write it on their slip")
	run(t, ctx, submit(`form[action$="/link"] button`), visible(`#agency-link`))
	contains(t, "referral with a link", text(t, ctx, `dl.facts-list`), "Sent to the agency")
	linkPage, link := eval[string](t, ctx, "location.href"), attr(t, ctx, `#agency-link`, "value")
	if !strings.HasSuffix(linkPage, "/link") {
		t.Fatalf("the link page is at %s", linkPage)
	}
	run(t, ctx, submit(`button[name="setlang"][value="es"]`), visible(`html[lang="es"] #agency-link`))
	if got := attr(t, ctx, `#agency-link`, "value"); got != link {
		t.Errorf("the link in Spanish is %q, was %q", got, link)
	}
	run(t, ctx, navigate(linkPage), visible(`#timeline-h`))
	contains(t, "the link page reloaded", bodyText(t, ctx), "Sent to the agency on", "Make a new link")
}

// TestCoordinatorDataStatus signs a coordinator in to the data page.
func TestCoordinatorDataStatus(t *testing.T) {
	ctx := tab(t, true)
	signIn(t, ctx, coordinatorEmail)
	run(t, ctx, visible(`#snap-h`))
	contains(t, "data status", bodyText(t, ctx), "Revision", "691 services", "Last reload", "Listings to check again")
	for _, v := range axe(t, ctx) {
		t.Errorf("admin page: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
	shots(t, ctx, "admin", "")
	run(t, ctx, navigate(publicURL+"/app"), visible(`h1`))
	contains(t, "coordinator on /app", bodyText(t, ctx), "You may not open this page")
}

// violation is one axe-core finding.
type violation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// axe runs axe-core (every rule: WCAG 2.0/2.1 A and AA and best
// practices) in the page and returns its violations.
func axe(t *testing.T, ctx context.Context) []violation {
	t.Helper()
	get(t, ctx, chromedp.Evaluate[bool](axeSource+";true"))
	js := `axe.run(document).then(r => {
		if (r.passes.length < 20) { throw new Error('axe checked only ' + r.passes.length + ' rules') }
		return JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.html.slice(0, 160))})))
	})`
	s := get(t, ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	var vs []violation
	if err := json.Unmarshal([]byte(s), &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestAccessibility checks every public page with axe-core, in both
// languages, at phone and desktop widths, in kiosk mode and with high
// contrast.
func TestAccessibility(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, navigate(publicURL+"/search?q=shelter"), visible(`#pick-0`))
	pick := attr(t, ctx, `#pick-0`, "value")
	run(t, ctx, navigate(publicURL+"/list?pick="+pick), visible(`[data-qr-url]`))
	short, err := url.Parse(text(t, ctx, `[data-qr-url]`))
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		name string
		url  string
		wait string
		post bool
	}{
		{name: "start", url: publicURL + "/", wait: "#q"},
		{name: "results", url: publicURL + "/search?q=shleter&near=20002", wait: "#results-h"},
		{name: "results-filters", url: publicURL + "/search?setcat=food&open=1", wait: "#results-h"},
		{name: "results-empty", url: publicURL + "/search?q=zzqqxx&near=99999&free=1", wait: "#results-h"},
		{name: "service", url: publicURL + "/services/" + pick + "?q=shelter", wait: "#svc-h"},
		{name: "list", url: publicURL + "/list?pick=" + pick, wait: "svg.qr"},
		{name: "saved", url: publicURL + "/saved?s=" + pick, wait: "ol.printlist"},
		{name: "saved-short", url: publicURL + short.Path, wait: "ol.printlist"},
		{name: "results-who", url: publicURL + "/search?q=shelter&near=20001&gender=male&age=40&veteran=1", wait: "#results-h"},
		{name: "results-crisis", url: publicURL + "/search?q=suicide", wait: "#results-h"},
		{name: "results-page-2", url: publicURL + "/search?setcat=food&near=20001&page=2", wait: "svg.map"},
		{name: "not-found", url: publicURL + "/nowhere", wait: "h1"},
		{name: "kiosk-start", url: kioskURL + "/", wait: "#q"},
		{name: "kiosk-results-hc", url: kioskURL + "/search?q=food&hc=1", wait: "#results-h"},
		{name: "kiosk-service", url: kioskURL + "/services/" + pick, wait: "#svc-h"},
		{name: "kiosk-results-tile", url: kioskURL + "/search?setcat=housing", wait: "#results-h"},
	}
	for _, pg := range pages {
		for _, lang := range []string{"en", "es"} {
			t.Run(pg.name+"-"+lang, func(t *testing.T) {
				ctx := tab(t, true)
				u := pg.url
				if lang == "es" {
					sep := "?"
					if strings.Contains(u, "?") {
						sep = "&"
					}
					u += sep + "lang=es"
				}
				for _, size := range []struct{ w, h int64 }{{1366, 900}, {390, 844}} {
					run(t, ctx, chromedp.EmulateViewport(size.w, size.h), navigate(u), visible(pg.wait))
					if got := eval[string](t, ctx, "document.documentElement.lang"); got != lang {
						t.Errorf("%s is in %q", u, got)
					}
					// What folds away is checked open: "left out: see
					// why", the map in words, the filters.
					eval[bool](t, ctx, `(document.querySelectorAll('details').forEach(d => d.open = true), true)`)
					for _, v := range axe(t, ctx) {
						t.Errorf("%dpx: axe %s (%s): %s\n  %s", size.w, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
					}
				}
			})
		}
	}
}

// TestScreenshots writes each main page at phone and desktop widths.
func TestScreenshots(t *testing.T) {
	ctx := tab(t, true)
	run(t, ctx, navigate(publicURL+"/search?q=shelter&near=20002"), visible(`#pick-1`))
	pick1, pick2 := attr(t, ctx, `#pick-0`, "value"), attr(t, ctx, `#pick-1`, "value")
	pages := []struct{ name, url, wait string }{
		{"start", publicURL + "/", "#q"},
		{"start-es", publicURL + "/?lang=es", "#q"},
		{"results", publicURL + "/search?q=shleter&near=20002&pick=" + pick1, "#results-h"},
		{"results-empty", publicURL + "/search?q=zzqqxx&free=1", "#results-h"},
		{"service", publicURL + "/services/" + pick1 + "?q=shelter&near=20002", "#svc-h"},
		{"list", publicURL + "/list?q=shelter&pick=" + pick1 + "&pick=" + pick2, "svg.qr"},
		{"saved", publicURL + "/saved?lang=es&s=" + pick1 + "," + pick2, "ol.printlist"},
		{"kiosk-start", kioskURL + "/", "#q"},
		{"kiosk-results-hc", kioskURL + "/search?q=food&near=20001&hc=1", "#results-h"},
		{"results-es", publicURL + "/search?q=comida&near=20001&lang=es", "#results-h"},
		{"results-who", publicURL + "/search?q=shelter&near=20001&gender=male&age=40", "#results-h"},
		{"service-es", publicURL + "/services/" + pick1 + "?near=20002&lang=es", "#svc-h"},
		{"kiosk-service", kioskURL + "/services/" + pick1, "#svc-h"},
	}
	for _, pg := range pages {
		run(t, ctx, navigate(pg.url), visible(pg.wait))
		shots(t, ctx, pg.name, pg.url)
	}
	t.Logf("screenshots in %s", shotDir)
}

// shots writes the page in ctx at phone and desktop widths as
// <name>-phone.png and <name>-desktop.png; url, when set, is reloaded at
// each size.
func shots(t *testing.T, ctx context.Context, name, u string) {
	t.Helper()
	for _, size := range []struct {
		label string
		w, h  int64
		opts  []chromedp.EmulateViewportOption
	}{
		{"phone", 390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}},
		{"desktop", 1366, 900, nil},
	} {
		steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(size.w, size.h, size.opts...)}
		if u != "" {
			steps = append(steps, navigate(u), chromedp.WaitReady(css("body")))
		}
		run(t, ctx, steps...)
		// No page scrolls sideways on a phone: a cut-off button is a
		// button a person cannot press.
		if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > int(size.w) {
			t.Errorf("%s at %dpx scrolls sideways: %d px wide", name, size.w, w)
		}
		buf := get(t, ctx, chromedp.FullScreenshot(100))
		if !bytes.HasPrefix(buf, []byte("\x89PNG")) {
			t.Fatalf("%s: screenshot is not a PNG", name)
		}
		file := filepath.Join(shotDir, name+"-"+size.label+".png")
		if err := os.WriteFile(file, buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
