//go:build e2e

package e2e_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The referral loop in the browser: a Part 2 referral signed on the
// device, the peer's slip and its print layout, the agency's page and the
// page of a link that ended, My referrals on a phone, the referral form
// without JavaScript, and the accounts pages. Every page is checked with
// axe-core in English and Spanish and photographed at 390x844 and at
// desktop width.

// noViolations fails the test for each axe-core violation on the page.
func noViolations(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	for _, v := range axe(t, ctx) {
		t.Errorf("%s: axe %s (%s): %s\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

// bothWidths runs axe on the page in ctx at phone and desktop widths,
// reloading it (url) at each.
func bothWidths(t *testing.T, ctx context.Context, what, url, wait string) {
	t.Helper()
	for _, size := range []struct{ w, h int64 }{{390, 844}, {1366, 900}} {
		run(t, ctx, chromedp.EmulateViewport(size.w, size.h), navigate(url), visible(wait))
		noViolations(t, ctx, what+" at "+strconv.FormatInt(size.w, 10)+" px")
		if over := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); over {
			t.Errorf("%s at %dpx scrolls sideways: %d wide", what, size.w, eval[int](t, ctx, `document.documentElement.scrollWidth`))
		}
	}
}

// sign draws a signature across the canvas with the mouse.
func sign(t *testing.T, ctx context.Context) {
	t.Helper()
	box := eval[[]float64](t, ctx, `(() => { const c = document.querySelector('canvas.sigpad'); c.scrollIntoView({block: 'center'});
		const r = c.getBoundingClientRect(); return [r.left, r.top, r.width, r.height] })()`)
	x, y, w, h := box[0], box[1], box[2], box[3]
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x+0.1*w, y+0.6*h, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 20; i++ {
		f := float64(i) / 20
		dy := 0.25 * h
		if i%2 == 0 {
			dy = -dy
		}
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x+(0.1+0.8*f)*w, y+0.5*h+dy, chromedp.ButtonLeft))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x+0.9*w, y+0.5*h, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	run(t, ctx, steps...)
}

// inkedPixels counts the dark pixels on the signature canvas.
const inkedPixels = `(() => { const c = document.querySelector('canvas.sigpad'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
	let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 128) n++ } return n })()`

// TestPart2ReferralSlipAndAgency refers a peer to a detox program: the
// form asks for written consent, the peer signs on the screen, the
// signature survives a language switch, a code is issued; the slip
// prints alone; the agency reads the consent, who referred and the Part
// 2 notice, must choose an answer and give a reason to decline, and the
// link then answers 410; the specialist sees the answer as new until
// opening it.
func TestPart2ReferralSlipAndAgency(t *testing.T) {
	ctx := tab(t, true)
	signIn(t, ctx, specialistEmail)
	run(t, ctx,
		visible(`#need1`),
		typeIn(`#need1`, "detox"),
		typeIn(`#near`, "20002"),
		submit(`form.profile button[type="submit"]`),
		visible(`#answers-h`),
		submit(`section.need form[action="/app/refer"] button[type="submit"]`),
		visible(`#part2-rule`),
	)
	contains(t, "Part 2 form", bodyText(t, ctx), "Substance use referral: 42 CFR Part 2", "Verbal consent is not enough", "How did they sign?")
	if eval[bool](t, ctx, `!!document.querySelector('#cm-verbal')`) {
		t.Error("a Part 2 referral offers verbal consent")
	}
	if eval[bool](t, ctx, `!document.querySelector('[data-sig-nojs]').hidden || !document.querySelector('[data-sigpad]').hidden`) {
		t.Error("with JavaScript on, the no-JavaScript note shows or the pad shows before 'on this device' is chosen")
	}
	noViolations(t, ctx, "Part 2 referral form")
	run(t, ctx, click(`#sig-electronic`), visible(`canvas.sigpad`))
	sign(t, ctx)
	if v := eval[string](t, ctx, `document.querySelector('[data-sig-out]').value.slice(0, 22)`); v != "data:image/png;base64," {
		t.Fatalf("the drawn signature is not in the form: %q", v)
	}
	contains(t, "signature status", text(t, ctx, `[data-sig-status]`), "Signed.")
	noViolations(t, ctx, "Part 2 referral form, signed")
	shots(t, ctx, "app-refer-part2", "")

	// The signature comes back in Spanish, drawn again.
	drawn := eval[int](t, ctx, inkedPixels)
	run(t, ctx, submit(`button[name="setlang"][value="es"]`), visible(`html[lang="es"] #part2-rule`), visible(`canvas.sigpad`))
	waitFor(t, ctx, inkedPixels+` > 0`)
	if got := eval[int](t, ctx, inkedPixels); got < drawn/2 {
		t.Errorf("the signature redrawn in Spanish has %d dark pixels, drawn %d", got, drawn)
	}
	contains(t, "Spanish Part 2 form", bodyText(t, ctx), "Derivación por consumo de sustancias: 42 CFR Parte 2", "Firmado.")
	noViolations(t, ctx, "Part 2 referral form in Spanish")
	shots(t, ctx, "app-refer-part2-es", "")
	run(t, ctx,
		submit(`button[name="setlang"][value="en"]`), visible(`html[lang="en"] #part2-rule`),
		click(`#part2`),
		submit(`form[action="/app/referrals"] button[type="submit"]`),
		visible(`#timeline-h`),
	)
	code := text(t, ctx, `#referral-code`)
	contains(t, "referral page", bodyText(t, ctx), "The peer's new referral code: "+code, "Written · On this device", "Part 2 notice given")
	noViolations(t, ctx, "referral page")
	shots(t, ctx, "app-referral-issued", "")
	referralURL := eval[string](t, ctx, "location.origin + location.pathname")

	// The slip, on screen and in print.
	run(t, ctx, submit(`a[href*="/slip"]`), visible(`article.slip`))
	slip := text(t, ctx, `article.slip`)
	contains(t, "slip", slip, "Your referral", "Where to go", "Phone", "Hours", "What to bring", code, "ana@example.org", organization)
	// The service's name says where to go; the need, the consent and the
	// status are not written anywhere.
	for _, secret := range []string{"Substance", "substance", "Part 2", "42 CFR", "Written", "Sent", "Recorded", "consent"} {
		if strings.Contains(slip, secret) {
			t.Errorf("the slip says %q:\n%s", secret, slip)
		}
	}
	slipURL := eval[string](t, ctx, "location.href")
	bothWidths(t, ctx, "slip", slipURL, `article.slip`)
	bothWidths(t, ctx, "slip in Spanish", slipURL+"&setlang=es", `article.slip`)
	run(t, ctx, navigate(slipURL), visible(`article.slip`))
	shots(t, ctx, "slip", "")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	printed := eval[[]string](t, ctx, `['header.site', '.slip-tools', 'footer.site', 'article.slip'].map(s => getComputedStyle(document.querySelector(s)).display)`)
	if printed[0] != "none" || printed[1] != "none" || printed[2] != "none" || printed[3] == "none" {
		t.Errorf("printed, header, tools, footer and slip display %q; want only the slip", printed)
	}
	shots(t, ctx, "slip-print", "")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}

	// The agency's page.
	run(t, ctx, navigate(referralURL), visible(`#timeline-h`), submit(`form[action$="/link"] button`), visible(`#agency-link`))
	link := attr(t, ctx, `#agency-link`, "value")
	agency := tab(t, true)
	run(t, agency, navigate(link), visible(`#agency-form`))
	page := bodyText(t, agency)
	contains(t, "agency page", page, code, "The person agreed to this referral", "Referred by", organization, "ana@example.org",
		"42 CFR Part 2: redisclosure prohibited", "prohibit you from making any other use or disclosure")
	if eval[bool](t, agency, `document.querySelector('#agency-form').checkValidity()`) {
		t.Error("the agency's form can be sent without an answer")
	}
	if n := eval[int](t, agency, `document.querySelectorAll('#agency-form input[name="to"]:checked').length`); n != 0 {
		t.Errorf("%d answers chosen before the agency chose", n)
	}
	bothWidths(t, agency, "agency page", link, `#agency-form`)
	bothWidths(t, agency, "agency page in Spanish", link+"?lang=es", `#agency-form`)
	contains(t, "Spanish agency page", bodyText(t, agency), "42 CFR Parte 2: prohibido volver a divulgar", "Derivada por")
	run(t, agency, navigate(link), visible(`#agency-form`))
	shots(t, agency, "agency", "")
	run(t, agency, click(`#to-declined`))
	if !eval[bool](t, agency, `document.querySelector('#note').required && !document.querySelector('#agency-form').checkValidity()`) {
		t.Error("declining does not ask for the reason")
	}
	run(t, agency, typeIn(`#note`, "No beds until Monday."), submit(`#agency-form button[type="submit"]`))
	contains(t, "declined", bodyText(t, agency), "Saved: Declined.", "The referral is now closed")
	resp, err := chromedp.RunResponse(agency, navigate(link))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 410 {
		t.Errorf("the link of a declined referral answers %d, want 410", resp.Status)
	}
	contains(t, "ended link", bodyText(t, agency), "This referral link no longer works", "The referral is closed.")
	if strings.Contains(bodyText(t, agency), code) {
		t.Error("the ended link's page shows the referral code")
	}
	bothWidths(t, agency, "ended link", link, `h1`)
	bothWidths(t, agency, "ended link in Spanish", link+"?lang=es", `h1`)
	contains(t, "Spanish ended link", bodyText(t, agency), "Este enlace de derivación ya no funciona", "La derivación está cerrada.")
	shots(t, agency, "agency-gone-es", "")

	// The answer is new for the specialist until opened.
	run(t, ctx, navigate(publicURL+"/app/referrals"), visible(`#unread-badge`))
	if n := text(t, ctx, `#unread-badge`); !strings.HasPrefix(n, "1") {
		t.Errorf("unread badge %q", n)
	}
	run(t, ctx, navigate(referralURL), visible(`#timeline-h`))
	contains(t, "answered referral", bodyText(t, ctx), "The agency answered since you last opened this referral.", "No beds until Monday.")
	if eval[bool](t, ctx, `!!document.querySelector('#unread-badge')`) {
		t.Error("the badge still counts the answer after the referral was opened")
	}
}

// TestMyReferralsOnAPhone reads My referrals at 390 px: nothing off
// screen, each referral a card with its status and follow-up; the
// filters go into the address and survive the language switch.
func TestMyReferralsOnAPhone(t *testing.T) {
	ctx := tab(t, true)
	signIn(t, ctx, specialistEmail)
	// A referral of its own, so the list is never empty.
	run(t, ctx,
		visible(`#need1`),
		typeIn(`#need1`, "food"),
		typeIn(`#near`, "20001"),
		submit(`form.profile button[type="submit"]`),
		visible(`#answers-h`),
		submit(`section.need form[action="/app/refer"] button[type="submit"]`),
		visible(`#peer_ref`),
		click(`#cm-verbal`),
		submit(`form[action="/app/referrals"] button[type="submit"]`),
		visible(`#timeline-h`),
	)
	run(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), navigate(publicURL+"/app/referrals"), visible(`#list-table`))
	if over := eval[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); over {
		t.Errorf("My referrals scrolls sideways at 390 px")
	}
	off := eval[[]string](t, ctx, `[...document.querySelectorAll('#list-table td, #list-table th[scope="row"]')].filter(c => {
		const r = c.getBoundingClientRect(); return r.width === 0 || r.right > window.innerWidth + 1 || r.left < -1 }).map(c => c.dataset.label + ': ' + c.textContent.trim())`)
	if len(off) > 0 {
		t.Errorf("cells off screen or hidden at 390 px: %q", off)
	}
	labels := eval[string](t, ctx, `getComputedStyle(document.querySelector('#list-table td[data-label]'), '::before').content`)
	if !strings.Contains(labels, "Service") {
		t.Errorf("a card's cell is not labelled: %q", labels)
	}
	noViolations(t, ctx, "My referrals at 390 px")
	shots(t, ctx, "app-referrals", "")
	run(t, ctx,
		click(`#filter-form summary`),
		chromedp.SetValue(css(`#fstatus`), "open"),
		chromedp.SetValue(css(`#fsort`), "follow_up"),
		submit(`#filter-form button[type="submit"]`),
		visible(`#list-h`),
	)
	if q := eval[string](t, ctx, "location.search"); !strings.Contains(q, "status=open") || !strings.Contains(q, "sort=follow_up") {
		t.Errorf("the filters are not in the address: %s", q)
	}
	run(t, ctx, submit(`button[name="setlang"][value="es"]`), visible(`html[lang="es"] #list-h`))
	if v := eval[string](t, ctx, `document.querySelector('#fstatus').value + ' ' + document.querySelector('#fsort').value`); v != "open follow_up" {
		t.Errorf("after the language switch the filters are %q", v)
	}
	noViolations(t, ctx, "My referrals in Spanish, filtered")
	shots(t, ctx, "app-referrals-es", "")
	bothWidths(t, ctx, "My referrals, due this week", publicURL+"/app/referrals?show=week", `#list-h`)
}

// TestReferFormWithoutJavaScript fills a Part 2 referral with JavaScript
// off: the page says to sign on paper, and a signature "on this device"
// that cannot be drawn is refused with that advice.
func TestReferFormWithoutJavaScript(t *testing.T) {
	ctx := tab(t, false)
	signIn(t, ctx, specialistEmail)
	run(t, ctx,
		visible(`#need1`),
		typeIn(`#need1`, "detox"),
		typeIn(`#near`, "20002"),
		submit(`form.profile button[type="submit"]`),
		visible(`#answers-h`),
		submit(`section.need form[action="/app/refer"] button[type="submit"]`),
		visible(`#part2-rule`),
	)
	contains(t, "no-JS Part 2 form", text(t, ctx, `[data-sig-nojs]`), "needs JavaScript", "paper consent form")
	if eval[bool](t, ctx, `getComputedStyle(document.querySelector('[data-sigpad]')).display !== 'none'`) {
		t.Error("the signature pad shows without JavaScript")
	}
	run(t, ctx, click(`#sig-electronic`), click(`#part2`), submitStatus(`form[action="/app/referrals"] button[type="submit"]`, 422), visible(`#refer-error`))
	contains(t, "no-JS refusal", text(t, ctx, `#consent_signature-error`), "Have the person sign in the box, or choose the paper form")
	run(t, ctx, click(`#sig-paper`), submit(`form[action="/app/referrals"] button[type="submit"]`), visible(`#timeline-h`))
	contains(t, "no-JS referral", bodyText(t, ctx), "Written · On a paper form, kept on file")
}

// TestAccountsPage lets an administrator disable a specialist's account
// on /admin/accounts: the specialist's very next request is sent to the
// sign-in page.
func TestAccountsPage(t *testing.T) {
	ben := tab(t, true)
	signIn(t, ben, benEmail)
	run(t, ben, visible(`#need1`))

	adm := tab(t, true)
	signIn(t, adm, adminEmail)
	run(t, adm, visible(`#snap-h`), submit(`a[href^="/admin/accounts"]`), visible(`#accounts-table`))
	contains(t, "accounts", text(t, adm, `#accounts-table`), benEmail, specialistEmail, coordinatorEmail, adminEmail, "(you)", "Active")
	bothWidths(t, adm, "accounts", publicURL+"/admin/accounts", `#accounts-table`)
	bothWidths(t, adm, "accounts in Spanish", publicURL+"/admin/accounts?lang=es", `#accounts-table`)
	run(t, adm, navigate(publicURL+"/admin/accounts"), visible(`#accounts-table`))
	shots(t, adm, "accounts", "")
	account := eval[string](t, adm, `[...document.querySelectorAll('#accounts-table a')].find(a => a.textContent === '`+benEmail+`').href`)
	run(t, adm, navigate(account), visible(`#actions-h`))
	if who := text(t, adm, `h1`); who != benEmail {
		t.Fatalf("the account page is %q's", who)
	}
	noViolations(t, adm, "account page")
	shots(t, adm, "account", "")
	run(t, adm, click(`#confirm-disable`), submit(`form[action$="/disable"] button[type="submit"]`), visible(`.callout`))
	contains(t, "disabled", text(t, adm, `.callout`), benEmail+" is disabled. Sessions ended: 1.")
	run(t, ben, navigate(publicURL+"/app/referrals"), visible(`#password`))
	if loc := eval[string](t, ben, "location.pathname"); loc != "/app/sign-in" {
		t.Errorf("the disabled specialist's next page is %s, want the sign-in page", loc)
	}
}
