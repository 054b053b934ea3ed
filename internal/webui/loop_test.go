package webui_test

import (
	"context"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/auth"
	"trellis/internal/notify"
	"trellis/internal/referral"
	"trellis/internal/referral/referraltest"
)

// The referral loop's pages: referral codes, Part 2 consent, the agency's
// page and links that end, the referral page's withdrawal and revocation,
// the peer's slip, My referrals, email on answers and the accounts pages.

// organization is the referring organization the tests' servers name.
const organization = "Peer Support Network of DC"

// loopSite is a workspace site that names its organization; adjust
// changes its wiring further.
func loopSite(t *testing.T, adjust ...func(*app.HTTP)) *apptest.Site {
	t.Helper()
	return workspaceSite(t, append([]func(*app.HTTP){func(h *app.HTTP) { h.Organization = organization }}, adjust...)...)
}

// today is the tests' day in Washington, as the consent date box writes it.
func today(days int) string {
	return now.In(clock.Now.Location()).AddDate(0, 0, days).Format(time.DateOnly)
}

// shelterForm is the referral form for the men's shelter as a browser
// sends it, with verbal consent given today; kv changes fields.
func shelterForm(token string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}, "lang": {"en"}, "service": {"north-shelter.beds"}, "location": {"main"},
		"need": {"housing.emergency-shelter"}, "consent_method": {"verbal"}, "consent_scope": {"this-referral"},
		"consent_given": {today(0)}, "notes": {"sleeps behind the library, zebra"}}
	return with(v, kv...)
}

// detoxForm is the referral form for the detox program, under 42 CFR
// Part 2, signed on paper with the notice given; kv changes fields.
func detoxForm(token string, kv ...string) url.Values {
	v := url.Values{"csrf_token": {token}, "lang": {"en"}, "service": {"river-recovery.detox"}, "location": {"clinic"},
		"need": {"substance-use.detox"}, "consent_method": {"written"}, "consent_signature": {"paper"}, "part2": {"1"},
		"consent_scope": {"share-with-service"}, "contact": {"1"}, "phone": {"202-555-0199"},
		"consent_given": {today(0)}, "notes": {"prefers mornings, zebra"}}
	return with(v, kv...)
}

// create posts a referral form and returns the referral page's path.
func create(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	p := b.do(http.MethodPost, "/app/referrals", form)
	loc, _, _ := strings.Cut(p.header.Get("Location"), "?")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/app/referrals/") {
		t.Fatalf("create: %d to %q\n%s", p.status, p.header.Get("Location"), mainOf(p))
	}
	return loc
}

// mainOf returns the page's main element, for failure messages.
func mainOf(p page) string {
	if i := strings.Index(p.body, "<main"); i >= 0 {
		return p.body[i:min(len(p.body), i+1500)]
	}
	return p.body
}

var (
	codeRE  = regexp.MustCompile(`id="referral-code">(P-[0-9A-Z]{5})<`)
	linkRE  = regexp.MustCompile(`value="https?://[^"]+/agency/([A-Za-z0-9_-]{43})"`)
	revokeR = regexp.MustCompile(`action="(/app/referrals/[A-Z0-9]+/links/[A-Z0-9]+/revoke)"`)
)

// agencyLink makes a new agency link on the referral page and returns
// its path.
func agencyLink(t *testing.T, b *browser, token, loc string) string {
	t.Helper()
	p := b.do(http.MethodPost, loc+"/link", url.Values{"csrf_token": {token}, "lang": {"en"}})
	m := linkRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no agency link:\n%s", mainOf(p))
	}
	return "/agency/" + m[1]
}

// TestReferralCodes checks that the form asks for no free text: a new
// peer gets a code Trellis issues, shown with what to do with it; a
// returning peer's code is typed back; and the issue's examples of
// personal data are refused beside the box, saying why, in English and
// Spanish, with nothing recorded.
func TestReferralCodes(t *testing.T) {
	st := loopSite(t)
	b, token := signedIn(t, st.URL)
	form := b.do(http.MethodPost, "/app/refer", url.Values{"csrf_token": {token}, "service": {"north-shelter.beds"}, "location": {"main"}})
	form.has(t, "Referral code, for a peer you referred before", "Leave this empty for a new peer", "P-7K3QW")
	form.lacks(t, "JD-17", `minlength=`, `name="peer_ref" type="text" class="code-input" value="" maxlength="32" required`)
	if i := strings.Index(form.body, `id="peer_ref"`); i < 0 || strings.Contains(form.body[i:i+300], "required") {
		t.Error("the referral code box is required")
	}

	for _, tc := range []struct {
		ref, en, es string
	}{
		{"JohnSmith", "This looks like a name.", "Esto parece un nombre."},
		{"John.Smith", "This looks like a name.", "Esto parece un nombre."},
		{"Maria_Garcia_DOB1990", "This looks like a name and a birth date or year.", "Esto parece un nombre y una fecha o un año de nacimiento."},
		{"202.555.0199", "This looks like a phone number.", "Esto parece un número de teléfono."},
		{"Jan-02-1990", "This looks like a date.", "Esto parece una fecha."},
		{"MRN12345", "This looks like a record or case number.", "Esto parece un número de expediente o de caso."},
		{"JD-17", "This is not a code Trellis gave, and Trellis keeps no free text", "Este no es un código que dio Trellis"},
		{"P-7K3QX", "its last letter does not match the others", "su última letra no coincide"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			b.t = t
			en := b.do(http.MethodPost, "/app/referrals", shelterForm(token, "peer_ref", tc.ref))
			if en.status != http.StatusUnprocessableEntity {
				t.Fatalf("%q: %d, want 422", tc.ref, en.status)
			}
			en.has(t, html.EscapeString(tc.en), `<p class="error" id="peer_ref-error">`, `aria-describedby="peer-hint peer_ref-error" aria-invalid="true"`,
				`<a href="#peer_ref">`, html.EscapeString("copy the one on the peer's slip"))
			en.lacks(t, "peer_ref looks like", "peer_ref is not")
			es := b.do(http.MethodPost, "/app/referrals", shelterForm(token, "peer_ref", tc.ref, "lang", "es"))
			if es.status != http.StatusUnprocessableEntity {
				t.Fatalf("%q in Spanish: %d", tc.ref, es.status)
			}
			es.has(t, `<html lang="es">`, tc.es, "Deje el recuadro vacío para un código nuevo")
		})
	}
	b.t = t
	if n, _ := st.DB.CountReferrals(context.Background(), referral.Filter{}); n != 0 {
		t.Fatalf("%d referrals recorded from refused forms", n)
	}

	// A new peer: the code is issued and shown with what to do with it.
	made := b.do(http.MethodPost, "/app/referrals", shelterForm(token))
	if made.status != http.StatusSeeOther || !strings.Contains(made.header.Get("Location"), "issued=1") {
		t.Fatalf("a new peer: %d to %q", made.status, made.header.Get("Location"))
	}
	page1 := b.do(http.MethodGet, made.header.Get("Location"), nil)
	m := codeRE.FindStringSubmatch(page1.body)
	if m == nil || !referral.IsPseudonym(m[1]) {
		t.Fatalf("no issued code on the referral page:\n%s", mainOf(page1))
	}
	code := m[1]
	page1.has(t, html.EscapeString("The peer's new referral code:")+` <span class="code">`+code+`</span>`, "Write it on their slip", html.EscapeString("Print the peer's slip"),
		"<title>Referral "+code+" · Trellis</title>")

	// A returning peer: the code typed back, in lower case.
	again := create(t, b, shelterForm(token, "peer_ref", strings.ToLower(code)))
	page2 := b.do(http.MethodGet, again+"?recorded=1", nil)
	page2.has(t, `Referral recorded for <span class="code">`+code+`</span>`)
	rs, err := st.DB.ListReferrals(context.Background(), referral.Filter{PeerRef: code})
	if err != nil || len(rs) != 2 {
		t.Errorf("referrals with code %s: %d, %v; want 2", code, len(rs), err)
	}
}

// TestPart2Consent refers to a detox program: the form asks for written
// consent only, signed on paper or on the device, and the notice; each
// missing or wrong part is refused beside its field, the consent date
// must be within the last 30 days, and a signature drawn on the device is
// kept with the referral and survives a language switch.
func TestPart2Consent(t *testing.T) {
	st := loopSite(t)
	b, token := signedIn(t, st.URL)
	form := b.do(http.MethodPost, "/app/refer", url.Values{"csrf_token": {token}, "service": {"river-recovery.detox"}, "need": {"substance-use.detox"}})
	form.has(t, "Substance use referral: 42 CFR Part 2", "Verbal consent is not enough", `<input type="hidden" name="consent_method" value="written">`,
		`id="sig-paper" name="consent_signature" value="paper" required`, `id="sig-electronic"`, `data-sigpad hidden`, "Signing on this device needs JavaScript",
		`<canvas class="sigpad"`, `id="part2" name="part2" value="1" required`,
		`min="`+today(-30)+`" max="`+today(0)+`"`, `/static/workspace.js`)
	form.lacks(t, `id="cm-verbal"`)

	png := referraltest.SignaturePNG(t)
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
	for _, tc := range []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"no signature", detoxForm(token, "consent_signature", ""), "consent_signature", "Say how the person signed"},
		{"signed on the device, but no signature", detoxForm(token, "consent_signature", "electronic"), "consent_signature", "Have the person sign in the box"},
		{"a signature that is no image", detoxForm(token, "consent_signature", "electronic", "signature_image", "data:image/png;base64,AAAA"), "consent_signature", "The signature could not be read"},
		{"no notice", detoxForm(token, "part2", ""), "part2", "A substance use referral needs the 42 CFR Part 2 notice"},
		{"consent tomorrow", detoxForm(token, "consent_given", today(1)), "consent_given", "Consent cannot be given on a later day than today"},
		{"consent 31 days ago", detoxForm(token, "consent_given", today(-31)), "consent_given", "Consent given more than 30 days ago is too old"},
		{"consent in 1999", detoxForm(token, "consent_given", "1999-01-01"), "consent_given", "Consent given more than 30 days ago is too old"},
		{"a consent date that is no date", detoxForm(token, "consent_given", "last week"), "consent_given", "Dates look like"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			p := b.do(http.MethodPost, "/app/referrals", tc.form)
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("%d, want 422\n%s", p.status, mainOf(p))
			}
			p.has(t, `id="`+tc.field+`-error">`+html.EscapeString(tc.want))
		})
	}
	b.t = t
	if n, _ := st.DB.CountReferrals(context.Background(), referral.Filter{}); n != 0 {
		t.Fatalf("%d referrals recorded from refused forms", n)
	}

	// The drawn signature comes back in the other language, and again
	// after a refusal.
	signed := detoxForm(token, "consent_signature", "electronic", "signature_image", dataURL)
	es := b.do(http.MethodPost, "/app/refer", with(signed, "setlang", "es"))
	// html/template writes + as &#43; in attributes: compare the start.
	kept := `value="` + dataURL[:60]
	es.has(t, `<html lang="es">`, kept, "Derivación por consumo de sustancias: 42 CFR Parte 2", "Firmado.")
	refused := b.do(http.MethodPost, "/app/referrals", with(signed, "part2", ""))
	refused.has(t, kept)

	// Consent given exactly 30 days ago still counts.
	create(t, b, detoxForm(token, "consent_given", today(-30)))
	loc := create(t, b, signed)
	r, err := st.DB.Referral(context.Background(), strings.TrimPrefix(loc, "/app/referrals/"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Consent.Method != referral.ConsentWritten || r.Consent.Signature != referral.SignatureElectronic || string(r.Consent.SignatureImage) != string(png) || !r.Consent.Part2Notice {
		t.Errorf("recorded consent: %+v (image %d bytes)", r.Consent, len(r.Consent.SignatureImage))
	}
	page := b.do(http.MethodGet, loc, nil)
	page.has(t, "Written · On this device · Also share contact details with the service · Part 2 notice given<br>Given ")
	page.lacks(t, "base64")
}

// TestAgencyPage opens a Part 2 referral's link as the agency: it sees
// the consent's scope, who referred and how to reach them, and the
// redisclosure notice in its language, must choose an answer (none is
// preselected) and give a reason to decline. Links that ended answer 410
// with a plain page in both languages: replaced by a newer link, stopped
// by the specialist, closed by the answer, withdrawn with consent; an
// expired one 404.
func TestAgencyPage(t *testing.T) {
	var offset atomic.Int64
	st := loopSite(t, func(h *app.HTTP) { h.Now = func() time.Time { return now.Add(time.Duration(offset.Load())) } })
	b, token := signedIn(t, st.URL)
	loc := create(t, b, detoxForm(token))
	first := agencyLink(t, b, token, loc)
	anon := newBrowser(t, st.URL)
	ag := anon.do(http.MethodGet, first, nil)
	if ag.status != http.StatusOK {
		t.Fatalf("agency page: %d", ag.status)
	}
	ag.has(t, "Medically supervised withdrawal", "River Recovery Center",
		"The person agreed to this referral and to their contact details being shared with you", "202-555-0199",
		"Written consent, given ", organization, `<a href="mailto:ana@example.org">ana@example.org</a>`,
		"42 CFR Part 2: redisclosure prohibited", "prohibit you from making any other use or disclosure of this record",
		`id="to-accepted" name="to" value="accepted" required data-answer>`, `id="to-declined" name="to" value="declined" required data-answer>`,
		"Required when you decline")
	ag.lacks(t, "zebra", "prefers mornings", " checked data-answer")
	es := anon.do(http.MethodGet, first+"?lang=es", nil)
	es.has(t, `<html lang="es">`, "42 CFR Parte 2: prohibido volver a divulgar", "le prohíben hacer cualquier otro uso o divulgación",
		"La persona aceptó esta derivación y que sus datos de contacto se compartan", "Derivada por")

	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no answer chosen", url.Values{"note": {"?"}}, "Choose what happened."},
		{"decline without a reason", url.Values{"to": {"declined"}, "note": {" "}}, "Say why in the note: declining needs a reason"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			anon.t = t
			p := anon.do(http.MethodPost, first, tc.form)
			if p.status != http.StatusConflict {
				t.Fatalf("%d, want 409", p.status)
			}
			p.has(t, `id="agency-error" role="alert">`+tc.want)
		})
	}
	anon.t = t

	// A newer link replaces it.
	second := agencyLink(t, b, token, loc)
	for _, lang := range []struct{ q, want string }{
		{"", "The referring specialist stopped this link, or sent a newer one."},
		{"?lang=es", "El especialista que la hizo anuló este enlace o envió uno más nuevo."},
	} {
		gone := anon.do(http.MethodGet, first+lang.q, nil)
		if gone.status != http.StatusGone {
			t.Errorf("replaced link%s: %d, want 410", lang.q, gone.status)
		}
		gone.has(t, lang.want)
		gone.lacks(t, "Medically supervised", "P-", "202-555-0199")
	}
	// The specialist stops it from the referral page.
	page := b.do(http.MethodGet, loc, nil)
	page.has(t, "ended ", "a newer link replaced it", "Stop this link", "Agency link ended: a newer link replaced it")
	m := revokeR.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no way to stop the working link:\n%s", mainOf(page))
	}
	if p := b.do(http.MethodPost, m[1], url.Values{"lang": {"en"}}); p.status != http.StatusForbidden {
		t.Errorf("stopping a link without the CSRF token: %d, want 403", p.status)
	}
	if p := b.do(http.MethodPost, m[1], url.Values{"csrf_token": {token}, "lang": {"en"}}); p.status != http.StatusSeeOther {
		t.Fatalf("stop the link: %d", p.status)
	}
	if p := anon.do(http.MethodGet, second, nil); p.status != http.StatusGone {
		t.Errorf("stopped link: %d, want 410", p.status)
	}
	b.do(http.MethodGet, loc, nil).has(t, "Agency link ended: you stopped it")

	// The agency's decline closes the referral: the page says so, and the
	// link then answers 410.
	third := agencyLink(t, b, token, loc)
	done := anon.do(http.MethodPost, third, url.Values{"to": {"declined"}, "note": {"no beds until Monday"}})
	if done.status != http.StatusOK {
		t.Fatalf("decline: %d\n%s", done.status, mainOf(done))
	}
	done.has(t, "Saved: Declined.", "The referral is now closed")
	done.lacks(t, `name="to"`)
	closed := anon.do(http.MethodGet, third, nil)
	if closed.status != http.StatusGone {
		t.Errorf("the link of a declined referral: %d, want 410", closed.status)
	}
	closed.has(t, "The referral is closed.")
	b.do(http.MethodGet, loc, nil).has(t, "Sent to the agency → Declined", "no beds until Monday", "The agency answered since you last opened")

	// An expired link.
	loc2 := create(t, b, shelterForm(token))
	old := agencyLink(t, b, token, loc2)
	offset.Store(int64(15 * 24 * time.Hour))
	exp := anon.do(http.MethodGet, old, nil)
	if exp.status != http.StatusNotFound {
		t.Errorf("expired link: %d, want 404", exp.status)
	}
	exp.has(t, "This link has expired.")
}

// TestWithdrawConsent records, from the referral page, that the peer
// withdrew consent: it must be confirmed, then the referral is
// cancelled, its agency link ends at once, the contact details go, and
// the timeline shows it as its own event.
func TestWithdrawConsent(t *testing.T) {
	st := loopSite(t)
	b, token := signedIn(t, st.URL)
	loc := create(t, b, detoxForm(token))
	link := agencyLink(t, b, token, loc)
	page := b.do(http.MethodGet, loc, nil)
	page.has(t, "202-555-0199", "every agency link stops working at once", `name="confirm" value="1" required`)

	unconfirmed := b.do(http.MethodPost, loc+"/withdraw", url.Values{"csrf_token": {token}, "lang": {"en"}, "note": {"called to say no"}})
	if unconfirmed.status != http.StatusUnprocessableEntity {
		t.Fatalf("withdrawal without the confirmation: %d", unconfirmed.status)
	}
	unconfirmed.has(t, "Tick the box to confirm", "called to say no")
	if p := b.do(http.MethodPost, loc+"/withdraw", url.Values{"confirm": {"1"}}); p.status != http.StatusForbidden {
		t.Errorf("withdrawal without the CSRF token: %d, want 403", p.status)
	}
	if p := b.do(http.MethodPost, loc+"/withdraw", url.Values{"csrf_token": {token}, "lang": {"es"}, "confirm": {"1"}, "note": {"called to say no"}}); p.status != http.StatusSeeOther || !strings.HasSuffix(p.header.Get("Location"), "lang=es") {
		t.Fatalf("withdraw: %d to %q", p.status, p.header.Get("Location"))
	}
	if p := newBrowser(t, st.URL).do(http.MethodGet, link, nil); p.status != http.StatusGone || !strings.Contains(p.body, "the person withdrew their consent") {
		t.Errorf("the link after the withdrawal: %d", p.status)
	}
	after := b.do(http.MethodGet, loc, nil)
	after.has(t, "Consent withdrawn · Sent to the agency → Cancelled", "called to say no", "Agency link ended: consent was withdrawn",
		"Consent withdrawn ", "<strong>Cancelled</strong>")
	after.lacks(t, "202-555-0199", `action="`+loc+`/withdraw"`, "Make a new link", html.EscapeString("Print the peer's slip"))
	again := b.do(http.MethodPost, loc+"/withdraw", url.Values{"csrf_token": {token}, "lang": {"en"}, "confirm": {"1"}})
	if again.status != http.StatusConflict {
		t.Errorf("a second withdrawal: %d, want 409", again.status)
	}
}

// TestSlip prints the peer's slip: where to go, the phone, the hours,
// what to bring, the referral code and the specialist's work contact,
// and nothing else; in Spanish too; none for a closed referral.
func TestSlip(t *testing.T) {
	st := loopSite(t)
	b, token := signedIn(t, st.URL)
	loc := create(t, b, detoxForm(token))
	code := codeRE.FindStringSubmatch(b.do(http.MethodGet, loc, nil).body)[1]
	slip := b.do(http.MethodGet, loc+"/slip", nil)
	if slip.status != http.StatusOK {
		t.Fatalf("slip: %d", slip.status)
	}
	slip.has(t, "Your referral", "Where to go", "Medically supervised withdrawal", "River Recovery Center", "1500 Benning Rd NE, Washington, DC 20002",
		`href="tel:2025550177"`, "Mon–Fri: 8 AM – 4 PM", "What to bring", "Photo ID", "Insurance card if you have one",
		`<p class="code big-code">`+code+`</p>`, "Your peer support specialist", organization, "ana@example.org", `data-print hidden`,
		`href="/static/workspace.css"`)
	article := slip.body[strings.Index(slip.body, `<article class="slip"`):strings.Index(slip.body, `</article>`)]
	for _, secret := range []string{"zebra", "mornings", "202-555-0199", "Detox", "substance", "Part 2", "Recorded", "Sent", "consent", "Consent"} {
		if strings.Contains(article, secret) {
			t.Errorf("the slip holds %q:\n%s", secret, article)
		}
	}
	es := b.do(http.MethodGet, loc+"/slip?lang=es", nil)
	es.has(t, `<html lang="es">`, "Su derivación", "Adónde ir", "Qué llevar", "Código de la persona", code)

	css := b.do(http.MethodGet, "/static/workspace.css", nil)
	css.has(t, "@media print", ".slip")

	if p := b.do(http.MethodPost, loc+"/events", url.Values{"csrf_token": {token}, "to": {"cancelled"}}); p.status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.status)
	}
	gone := b.do(http.MethodGet, loc+"/slip", nil)
	gone.has(t, "there is no slip to print")
	gone.lacks(t, "Photo ID")
	if p := newBrowser(t, st.URL).do(http.MethodGet, loc+"/slip", nil); p.status != http.StatusSeeOther {
		t.Errorf("the slip without signing in: %d, want 303 to the sign-in page", p.status)
	}
}

// seed records referrals for user u directly in the store, at now minus
// the minutes given, and returns them.
type seedSpec struct {
	service, need string
	follow        int // days from today; 0 for none
	minutes       int
}

func seed(t *testing.T, st *apptest.Site, u *auth.User, specs ...seedSpec) []*referral.Referral {
	t.Helper()
	var out []*referral.Referral
	for _, s := range specs {
		d := referral.Draft{Need: s.need, ServiceKey: s.service, Consent: referral.Consent{Method: referral.ConsentVerbal}}
		if s.follow != 0 {
			d.FollowUp = referral.DateOf(now.In(clock.Now.Location()).AddDate(0, 0, s.follow))
		}
		at := now.Add(-time.Duration(s.minutes) * time.Minute)
		d.Consent.GivenAt = at
		r, ev, err := referral.New(d, u.ID, u.TeamID, at)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB.CreateReferral(context.Background(), r, ev, nil); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// wrongCheck returns code with its check letter replaced by another letter
// of the alphabet: a code mistyped in its last letter. (A fixed letter
// would be the right one for one code in 23.)
func wrongCheck(code string) string {
	last := code[len(code)-1:]
	for _, c := range referral.PseudonymAlphabet {
		if string(c) != last {
			return code[:len(code)-1] + string(c)
		}
	}
	panic("one-letter alphabet")
}

// order returns the referral codes on a list page, in order.
func order(p page) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a class="code" href="[^"]+">(P-[0-9A-Z]{5})</a>`).FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestMyReferrals filters the list by status, need and agency, searches
// it by code, sorts it by follow-up date, shows what is due this week and
// the new answers (counted in the navigation until opened), pages it,
// and keeps its state across a language switch.
func TestMyReferrals(t *testing.T) {
	st := loopSite(t)
	ctx := context.Background()
	ana, err := st.DB.UserByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	rs := seed(t, st, ana,
		seedSpec{"north-shelter.beds", "housing.emergency-shelter", -2, 50}, // overdue
		seedSpec{"capitol-pantry.groceries", "food.pantry", 3, 40},          // due this week
		seedSpec{"north-shelter.beds", "housing", 20, 30},                   // later
		seedSpec{"mind-center.counseling", "mental-health", 0, 20},          // no follow-up
	)
	svc := &referral.Service{Store: st.DB, Now: func() time.Time { return now }}
	tok, _, err := svc.CreateAgencyLink(ctx, referral.Viewer{UserID: ana.ID}, rs[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.AgencyMove(ctx, tok, referral.Change{To: referral.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Move(ctx, referral.Viewer{UserID: ana.ID}, rs[3].ID, referral.Change{To: referral.StatusCancelled}); err != nil {
		t.Fatal(err)
	}
	b, _ := signedIn(t, st.URL)
	all := b.do(http.MethodGet, "/app/referrals", nil)
	all.has(t, `id="unread-badge">1<span class="sr-only"> new answers from agencies`, "Due this week (2)", "(1 overdue)", "New answers (1)",
		"4 referrals", `<option value="capitol-pantry">Capitol Hill Food Pantry</option>`, `<table class="refs cards"`, `data-label="Follow-up"`,
		`form="filter-form" formaction="/app/referrals" formmethod="get"`, `<tr class="unread">`)
	if got, want := order(all), []string{rs[3].PeerRef, rs[2].PeerRef, rs[1].PeerRef, rs[0].PeerRef}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("newest first: %v, want %v", got, want)
	}
	for _, tc := range []struct {
		name, query string
		want        []*referral.Referral
		says        string
	}{
		{"status", "?status=accepted", []*referral.Referral{rs[1]}, "1 referrals match"},
		{"open", "?status=open", []*referral.Referral{rs[2], rs[1], rs[0]}, ""},
		{"closed", "?status=closed", []*referral.Referral{rs[3]}, ""},
		{"need with its subcategories", "?need=housing", []*referral.Referral{rs[2], rs[0]}, ""},
		{"agency", "?agency=capitol-pantry", []*referral.Referral{rs[1]}, `<option value="capitol-pantry" selected>`},
		{"code", "?q=" + strings.ToLower(rs[2].PeerRef), []*referral.Referral{rs[2]}, `value="` + strings.ToLower(rs[2].PeerRef) + `"`},
		{"by follow-up date", "?sort=follow_up", []*referral.Referral{rs[0], rs[1], rs[2], rs[3]}, ""},
		{"due this week, most overdue first", "?show=week", []*referral.Referral{rs[0], rs[1]}, "Follow-ups due this week"},
		{"due this week and closed", "?show=week&status=closed", nil, "No referral matches."},
		{"new answers", "?show=unread", []*referral.Referral{rs[1]}, "New answers from agencies"},
		{"an unknown filter value is dropped", "?status=lost&need=castles&agency=nowhere", []*referral.Referral{rs[3], rs[2], rs[1], rs[0]}, "4 referrals"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			p := b.do(http.MethodGet, "/app/referrals"+tc.query, nil)
			if p.status != http.StatusOK {
				t.Fatalf("%d", p.status)
			}
			var want []string
			for _, r := range tc.want {
				want = append(want, r.PeerRef)
			}
			if got := order(p); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("codes %v, want %v", got, want)
			}
			if tc.says != "" {
				p.has(t, tc.says)
			}
		})
	}
	b.t = t
	for _, tc := range []struct{ q, want string }{
		{"John Smith", "Search by a referral code such as P-7K3QW."},
		{wrongCheck(rs[0].PeerRef), "That code&#39;s last letter does not match"},
	} {
		p := b.do(http.MethodGet, "/app/referrals?q="+url.QueryEscape(tc.q), nil)
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("search %q: %d, want 422", tc.q, p.status)
		}
		p.has(t, `id="fq-error">`+tc.want, `aria-invalid="true"`)
		if len(order(p)) != 0 {
			t.Errorf("search %q lists referrals", tc.q)
		}
	}
	es := b.do(http.MethodGet, "/app/referrals?show=week&need=housing&setlang=es", nil)
	es.has(t, `<html lang="es">`, "Seguimientos que vencen esta semana", `<input type="hidden" name="show" value="week">`, `<option value="housing" selected>`)

	// Opening the answered referral reads the answer.
	opened := b.do(http.MethodGet, "/app/referrals/"+rs[1].ID, nil)
	opened.has(t, "The agency answered since you last opened this referral.", `<li class="new">`)
	opened.lacks(t, `id="unread-badge"`)
	later := b.do(http.MethodGet, "/app/referrals", nil)
	later.has(t, "New answers (0)")
	later.lacks(t, `id="unread-badge"`, `<tr class="unread">`)

	// Pages of 25.
	var more []seedSpec
	for i := range 25 {
		more = append(more, seedSpec{"capitol-pantry.groceries", "food", 0, 60 + i})
	}
	seed(t, st, ana, more...)
	p1 := b.do(http.MethodGet, "/app/referrals?need=food", nil)
	p1.has(t, "26 referrals match · page 1 of 2", `rel="next"`)
	p1.lacks(t, `rel="prev"`)
	if n := len(order(p1)); n != 25 {
		t.Errorf("page 1 lists %d", n)
	}
	p2 := b.do(http.MethodGet, "/app/referrals?need=food&page=2", nil)
	p2.has(t, "page 2 of 2", `rel="prev"`)
	if got := order(p2); len(got) != 1 || slices.Contains(order(p1), got[0]) {
		t.Errorf("page 2 lists %v, want one not on page 1", got)
	}
}

// TestAnswerMailAndAgencyEmail serves with email on: the referral form
// offers the agency's email with the listing's intake address, the
// referral page follows the emails, and a specialist who asks for it
// gets the agency's answer by email. Without email the form offers none
// and refuses one.
func TestAnswerMailAndAgencyEmail(t *testing.T) {
	tpl, err := notify.NewTemplates()
	if err != nil {
		t.Fatal(err)
	}
	st := loopSite(t, func(h *app.HTTP) {
		h.Notify = &referral.Notify{Mailer: tpl, Organization: organization,
			LinkURL:     func(token string) string { return "https://trellis.example.org/agency/" + token },
			ReferralURL: func(id string) string { return "https://trellis.example.org/app/referrals/" + id }}
	})
	ctx := context.Background()
	b, token := signedIn(t, st.URL)
	form := b.do(http.MethodPost, "/app/refer", url.Values{"csrf_token": {token}, "service": {"river-recovery.detox"}, "need": {"substance-use.detox"}})
	form.has(t, "Agency&#39;s email (optional)", "intake@river-recovery.example.org")
	bad := b.do(http.MethodPost, "/app/referrals", detoxForm(token, "agency_email", "intake at river"))
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad agency email: %d", bad.status)
	}
	bad.has(t, `id="agency_email-error">The agency&#39;s email is not complete`)

	loc := create(t, b, detoxForm(token))
	id := strings.TrimPrefix(loc, "/app/referrals/")
	page := b.do(http.MethodGet, loc, nil)
	page.has(t, "intake@river-recovery.example.org: Link to the agency: waiting to be sent", "<strong>Sent to the agency</strong>")

	list := b.do(http.MethodGet, "/app/referrals", nil)
	list.has(t, "Email me at ana@example.org when an agency answers")
	list.lacks(t, `id="answer_mail" name="answer_mail" value="1" checked`)
	if p := b.do(http.MethodPost, "/app/settings/answer-mail", url.Values{"csrf_token": {token}, "lang": {"es"}, "answer_mail": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("turn answer mail on: %d", p.status)
	}
	b.do(http.MethodGet, "/app/referrals?saved=1", nil).has(t, `id="answer_mail" name="answer_mail" value="1" checked`, "Saved.")
	ms, err := st.DB.Mail(ctx, id)
	if err != nil || len(ms) != 1 {
		t.Fatalf("mail before the answer: %v, %v", ms, err)
	}
	link := regexp.MustCompile(`/agency/([A-Za-z0-9_-]{43})`).FindStringSubmatch(ms[0].Text)
	if link == nil {
		t.Fatalf("no link in the agency's email:\n%s", ms[0].Text)
	}
	if p := newBrowser(t, st.URL).do(http.MethodPost, "/agency/"+link[1], url.Values{"to": {"accepted"}}); p.status != http.StatusOK {
		t.Fatalf("the agency accepts: %d", p.status)
	}
	ms, _ = st.DB.Mail(ctx, id)
	answers := slices.DeleteFunc(ms, func(m *referral.Mail) bool { return m.Kind != referral.MailAgencyAnswer })
	if len(answers) != 1 || answers[0].To != "ana@example.org" || !strings.Contains(answers[0].Text, "aceptada") ||
		!strings.Contains(answers[0].Text, "https://trellis.example.org/app/referrals/"+id) {
		t.Errorf("the answer's emails: %+v", answers)
	}

	// Without email: nothing offered, and a posted address is refused.
	plain := loopSite(t)
	pb, ptoken := signedIn(t, plain.URL)
	pb.do(http.MethodPost, "/app/refer", url.Values{"csrf_token": {ptoken}, "service": {"river-recovery.detox"}}).lacks(t, "agency_email")
	pb.do(http.MethodGet, "/app/referrals", nil).lacks(t, "answer_mail")
	refused := pb.do(http.MethodPost, "/app/referrals", detoxForm(ptoken, "agency_email", "intake@river-recovery.example.org"))
	if refused.status != http.StatusUnprocessableEntity {
		t.Fatalf("an agency email on a server without email: %d", refused.status)
	}
	refused.has(t, "This server sends no email.")
}

// TestAccounts lets an administrator list the accounts, disable one (its
// session and token fail on their next request), enable it, reset its
// password (shown once, and it signs in) and end its access; all posted
// with the CSRF token, never on the administrator's own account, and
// closed to other roles.
func TestAccounts(t *testing.T) {
	st := loopSite(t)
	ctx := context.Background()
	if _, err := auth.AddUser(ctx, st.DB, "adam@example.org", auth.RoleAdmin, testPassword); err != nil {
		t.Fatal(err)
	}
	ana, _ := st.DB.UserByEmail(ctx, "ana@example.org")
	secret, _, err := auth.IssueToken(ctx, st.DB, ana.ID, "laptop", now, 0)
	if err != nil {
		t.Fatal(err)
	}
	api := func() int {
		req, _ := http.NewRequest(http.MethodGet, st.URL+"/api/v1/referrals", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := api(); c != http.StatusOK {
		t.Fatalf("ana's token: %d", c)
	}
	spec, _ := signedIn(t, st.URL)
	if p := spec.do(http.MethodGet, "/admin/accounts", nil); p.status != http.StatusForbidden {
		t.Errorf("a specialist on the accounts: %d, want 403", p.status)
	}
	cora := newBrowser(t, st.URL)
	cora.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"cora@example.org"}, "password": {testPassword}})
	if p := cora.do(http.MethodGet, "/admin/accounts", nil); p.status != http.StatusForbidden {
		t.Errorf("a coordinator on the accounts: %d, want 403", p.status)
	}
	cora.do(http.MethodGet, "/admin", nil).lacks(t, "/admin/accounts")

	adm := newBrowser(t, st.URL)
	if p := adm.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"adam@example.org"}, "password": {testPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", p.status)
	}
	list := adm.do(http.MethodGet, "/admin/accounts", nil)
	list.has(t, "ana@example.org", "cora@example.org", "adam@example.org</a> <span class=\"small\">(you)</span>", "Specialist", "Coordinator",
		"Administrator", "Active", `href="/admin/accounts?lang=en"`, "Last API token use", shownDate(now))
	acct := "/admin/accounts/" + ana.ID
	page := adm.do(http.MethodGet, acct, nil)
	atok := csrf(t, page)
	page.has(t, "laptop", "works", "Disable the account", "Reset the password", "End sessions and API tokens")

	if p := adm.do(http.MethodPost, acct+"/disable", url.Values{"confirm": {"1"}}); p.status != http.StatusForbidden {
		t.Errorf("disable without the CSRF token: %d, want 403", p.status)
	}
	if p := adm.do(http.MethodPost, acct+"/disable", url.Values{"csrf_token": {atok}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Tick the box to confirm.") {
		t.Errorf("disable without confirming: %d", p.status)
	}
	dis := adm.do(http.MethodPost, acct+"/disable", url.Values{"csrf_token": {atok}, "confirm": {"1"}, "lang": {"en"}})
	if dis.status != http.StatusSeeOther {
		t.Fatalf("disable: %d\n%s", dis.status, mainOf(dis))
	}
	adm.do(http.MethodGet, dis.header.Get("Location"), nil).has(t, "ana@example.org is disabled. Sessions ended: 1. API tokens revoked: 1.", "Disabled ", "Enable the account")
	if p := spec.do(http.MethodGet, "/app/referrals", nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/app/sign-in" {
		t.Errorf("the disabled specialist's next request: %d to %q, want the sign-in page", p.status, p.header.Get("Location"))
	}
	if c := api(); c != http.StatusUnauthorized {
		t.Errorf("the disabled specialist's token: %d, want 401", c)
	}
	if p := newBrowser(t, st.URL).do(http.MethodPost, "/app/sign-in", url.Values{"email": {"ana@example.org"}, "password": {testPassword}}); p.status != http.StatusUnauthorized {
		t.Errorf("a disabled account signs in: %d", p.status)
	}

	if p := adm.do(http.MethodPost, acct+"/enable", url.Values{"csrf_token": {atok}, "lang": {"en"}}); p.status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.status)
	}
	reset := adm.do(http.MethodPost, acct+"/reset-password", url.Values{"csrf_token": {atok}, "confirm": {"1"}, "lang": {"en"}})
	m := regexp.MustCompile(`id="new-password">([a-z0-9-]{23})<`).FindStringSubmatch(reset.body)
	if reset.status != http.StatusOK || m == nil {
		t.Fatalf("reset: %d\n%s", reset.status, mainOf(reset))
	}
	reset.has(t, "shown this once")
	if reset.header.Get("Cache-Control") != "no-store" {
		t.Errorf("the page with a new password is cacheable: %q", reset.header.Get("Cache-Control"))
	}
	back := newBrowser(t, st.URL)
	if p := back.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"ana@example.org"}, "password": {m[1]}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in with the new password: %d", p.status)
	}
	if p := adm.do(http.MethodPost, acct+"/revoke", url.Values{"csrf_token": {atok}, "lang": {"en"}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.status)
	}
	if p := back.do(http.MethodGet, "/app", nil); p.status != http.StatusSeeOther {
		t.Errorf("after revoke, the session: %d, want 303", p.status)
	}

	adam, _ := st.DB.UserByEmail(ctx, "adam@example.org")
	self := adm.do(http.MethodPost, "/admin/accounts/"+adam.ID+"/disable", url.Values{"csrf_token": {atok}, "confirm": {"1"}})
	if self.status != http.StatusUnprocessableEntity || !strings.Contains(self.body, "does not change your own account") {
		t.Errorf("disabling oneself: %d", self.status)
	}
	if p := adm.do(http.MethodPost, acct+"/delete", url.Values{"csrf_token": {atok}}); p.status != http.StatusNotFound {
		t.Errorf("an unknown action: %d, want 404", p.status)
	}
	if p := adm.do(http.MethodGet, "/admin/accounts/NOSUCHUSER", nil); p.status != http.StatusNotFound {
		t.Errorf("an unknown account: %d, want 404", p.status)
	}
}

// shownDate writes t as the pages write dates in English.
func shownDate(t time.Time) string {
	return t.In(clock.Now.Location()).Format("Jan 2, 2006")
}
