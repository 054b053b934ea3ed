package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/auth"
	"trellis/internal/needs"
	"trellis/internal/referral"
)

// signedIn returns a browser signed in as ana on site base, and a CSRF
// token of her session.
func signedIn(t *testing.T, base string) (*browser, string) {
	t.Helper()
	b := newBrowser(t, base)
	if p := b.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"ana@example.org"}, "password": {testPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.status)
	}
	return b, csrf(t, b.do(http.MethodGet, "/app", nil))
}

// with returns v with the pairs added.
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// cardNames lists the result names on a match page, in order.
func cardNames(p page) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<h4 id="r-[0-9]+-[0-9]+" class="card-name" lang="en">([^<]+)</h4>`).FindAllStringSubmatch(p.body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestMatchKeepsWorkAcrossLanguages switches the match page's language
// before the profile is sent, after it is answered and after it is
// refused: each time the same profile, answer or error comes back in the
// other language, and the answer is counted once.
func TestMatchKeepsWorkAcrossLanguages(t *testing.T) {
	st := workspaceSite(t)
	b, token := signedIn(t, st.URL)
	profile := url.Values{"csrf_token": {token}, "lang": {"en"}, "need1": {"a bed tonight"}, "near": {"20001"}, "age": {"45"},
		"gender": {"male"}, "veteran": {"yes"}, "circumstance": {"justice-involved"}, "travel": {"5mi"}}

	// Before the profile is sent, the switch shows the form as typed.
	early := b.do(http.MethodPost, "/app", with(profile, "setlang", "es"))
	if early.status != http.StatusOK {
		t.Fatalf("switch before sending: %d", early.status)
	}
	early.has(t, `<html lang="es">`, `value="a bed tonight"`, `value="45"`)
	early.lacks(t, `id="answers-h"`, `class="error"`)

	en := b.do(http.MethodPost, "/app", profile)
	if en.status != http.StatusOK {
		t.Fatalf("match: %d", en.status)
	}
	en.has(t, `<html lang="en">`, "Services for each need", `name="shown" value="1"`)
	names := cardNames(en)
	if len(names) == 0 {
		t.Fatalf("no results:\n%.600s", en.body)
	}
	es := b.do(http.MethodPost, "/app", with(profile, "shown", "1", "setlang", "es"))
	if es.status != http.StatusOK {
		t.Fatalf("switch after the answer: %d", es.status)
	}
	es.has(t, `<html lang="es">`, "Servicios para cada necesidad", `value="a bed tonight"`, `value="45"`,
		`<option value="male" selected>`, `<option value="yes" selected>`, `value="justice-involved" checked`, `<option value="5mi" selected>`,
		`name="lang" value="es"`)
	if got := cardNames(es); strings.Join(got, "|") != strings.Join(names, "|") {
		t.Errorf("results in Spanish %q, in English %q", got, names)
	}
	// The switch back carries Spanish in the form the buttons submit.
	es.has(t, `form="profile-form" formaction="/app" formmethod="post"`)

	// A refused profile keeps its error in the other language.
	bad := with(profile, "age", "x")
	if p := b.do(http.MethodPost, "/app", bad); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Age must be a whole number") {
		t.Errorf("bad age: %d", p.status)
	}
	badEs := b.do(http.MethodPost, "/app", with(bad, "shown", "1", "setlang", "es"))
	if badEs.status != http.StatusUnprocessableEntity {
		t.Errorf("bad age in Spanish: %d", badEs.status)
	}
	badEs.has(t, "La edad debe ser un número entero", `value="x"`, `aria-invalid="true"`)
}

// TestMatchCountedOnce checks that the unmet-needs report counts a match
// once, not again when it is shown in another language or in full.
func TestMatchCountedOnce(t *testing.T) {
	var rec *needs.Async
	st := workspaceSite(t, func(h *app.HTTP) {
		rec = needs.NewAsync(h.DB, needs.AsyncOptions{FlushEvery: time.Hour})
		h.NeedRecorder = rec
	})
	// Closed before the store (registered after it): the counts are
	// written first.
	t.Cleanup(func() { rec.Close(context.Background()) })
	b, token := signedIn(t, st.URL)
	profile := url.Values{"csrf_token": {token}, "need1": {"a bed tonight"}, "near": {"20001"}}
	count := func() int {
		t.Helper()
		if err := rec.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
		day := needs.Date(now.In(clock.Now.Location()))
		rows, err := st.DB.NeedsReport(context.Background(), needs.ReportQuery{From: day.AddDate(0, 0, -1), To: day.AddDate(0, 0, 1), By: needs.ByCategory})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rows {
			n += int(r.Searches)
		}
		return n
	}
	b.do(http.MethodPost, "/app", profile)
	first := count()
	if first == 0 {
		t.Fatal("the match was not counted")
	}
	b.do(http.MethodPost, "/app", with(profile, "shown", "1", "setlang", "es"))
	b.do(http.MethodPost, "/app", with(profile, "shown", "1", "setexcluded", "all"))
	if got := count(); got != first {
		t.Errorf("after a language switch and showing all left out: %d counted, want %d", got, first)
	}
}

// TestReferralFormKeepsWork switches the referral form's language while
// filling it and after a refusal: the form comes back as filled, the
// refusal as a sentence in the other language, and nothing is recorded.
func TestReferralFormKeepsWork(t *testing.T) {
	st := workspaceSite(t)
	b, token := signedIn(t, st.URL)
	picked := url.Values{"csrf_token": {token}, "lang": {"en"}, "service": {"north-shelter.beds"}, "location": {"main"}, "need": {"housing.emergency-shelter"}}
	form := b.do(http.MethodPost, "/app/refer", picked)
	form.has(t, `id="refer-form"`, `maxlength="32"`, `maxlength="4000"`, `maxlength="254"`,
		`form="refer-form" formaction="/app/refer" formmethod="post" formnovalidate`)
	form.lacks(t, `maxlength="40"`)

	filled := with(picked, "peer_ref", "Maria Lopez", "notes", "needs a lower bunk", "consent_method", "verbal",
		"consent_scope", "this-referral", "follow_up", clock.Date("2026-11-29"))
	es := b.do(http.MethodPost, "/app/refer", with(filled, "setlang", "es"))
	if es.status != http.StatusOK {
		t.Fatalf("switch while filling: %d", es.status)
	}
	es.has(t, `<html lang="es">`, `value="Maria Lopez"`, "needs a lower bunk", `id="cm-verbal" name="consent_method" value="verbal" required checked`,
		`value="`+clock.Date("2026-11-29")+`"`)
	es.lacks(t, `class="error"`)

	refused := b.do(http.MethodPost, "/app/referrals", filled)
	if refused.status != http.StatusUnprocessableEntity {
		t.Fatalf("a name as the peer reference: %d", refused.status)
	}
	refused.has(t, "This looks like a name. Trellis never keeps names", `value="Maria Lopez"`, `name="checked" value="1"`, `aria-invalid="true"`,
		`<p class="error" id="peer_ref-error">`)
	refused.lacks(t, "peer_ref:", "peer_ref must")
	again := b.do(http.MethodPost, "/app/refer", with(filled, "checked", "1", "setlang", "es"))
	if again.status != http.StatusUnprocessableEntity {
		t.Errorf("the refused form in Spanish: %d", again.status)
	}
	again.has(t, `<html lang="es">`, "Esto parece un nombre. Trellis nunca guarda nombres", `value="Maria Lopez"`, "needs a lower bunk")

	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no consent method", with(filled, "peer_ref", "P-JD27K", "consent_method", ""), "Say how the person consented"},
		{"contact without a way", with(filled, "peer_ref", "P-JD27K", "contact", "1"), "needs a phone number or an email address"},
		{"a bad phone", with(filled, "peer_ref", "P-JD27K", "contact", "1", "phone", "call me"), "Write the phone number with 7 to 25 digits"},
		{"a bad date", with(filled, "peer_ref", "P-JD27K", "follow_up", "next week"), "Dates look like"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b.t = t
			p := b.do(http.MethodPost, "/app/referrals", tc.form)
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, tc.want) {
				t.Errorf("%d, want 422 saying %q:\n%.300s", p.status, tc.want, p.body[strings.Index(p.body, "<main"):])
			}
		})
	}
	b.t = t
	if n, err := st.DB.CountReferrals(context.Background(), referral.Filter{}); err != nil || n != 0 {
		t.Errorf("%d referrals recorded, want none: %v", n, err)
	}
}

// TestReferralPageKeepsWork switches the language of a referral page that
// shows a new agency link and of one whose move was refused.
func TestReferralPageKeepsWork(t *testing.T) {
	st := workspaceSite(t)
	b, token := signedIn(t, st.URL)
	made := b.do(http.MethodPost, "/app/referrals", url.Values{"csrf_token": {token}, "service": {"north-shelter.beds"}, "location": {"main"},
		"need": {"housing.emergency-shelter"}, "peer_ref": {"P-JD27K"}, "consent_method": {"verbal"}})
	loc, _, _ := strings.Cut(made.header.Get("Location"), "?")
	link := b.do(http.MethodPost, loc+"/link", url.Values{"csrf_token": {token}, "lang": {"en"}})
	m := regexp.MustCompile(`name="link" value="([^"]+)"`).FindStringSubmatch(link.body)
	if m == nil {
		t.Fatalf("the link page keeps no link for the language switch:\n%.600s", link.body)
	}
	es := b.do(http.MethodPost, loc, url.Values{"csrf_token": {token}, "lang": {"en"}, "link": {m[1]}, "setlang": {"es"}})
	es.has(t, `<html lang="es">`, "/agency/"+m[1], "Enviada a la agencia")
	forged := b.do(http.MethodPost, loc, url.Values{"csrf_token": {token}, "link": {strings.Repeat("x", 43)}, "setlang": {"es"}})
	forged.lacks(t, "/agency/"+strings.Repeat("x", 43))

	refused := b.do(http.MethodPost, loc+"/events", url.Values{"csrf_token": {token}, "lang": {"en"}, "to": {"declined"}, "note": {""}})
	if refused.status != http.StatusConflict {
		t.Fatalf("decline without a reason: %d", refused.status)
	}
	refused.has(t, "Say why in the note", `<option value="declined" selected>`, `name="checked" value="1"`)
	back := b.do(http.MethodPost, loc, url.Values{"csrf_token": {token}, "lang": {"en"}, "to": {"declined"}, "note": {"  "},
		"follow_up": {clock.Date("2026-11-30")}, "checked": {"1"}, "setlang": {"es"}})
	back.has(t, `<html lang="es">`, "Explique el motivo en la nota", `<option value="declined" selected>`, `value="`+clock.Date("2026-11-30")+`"`)
	after := b.do(http.MethodGet, loc, nil)
	after.has(t, "<strong>Sent to the agency</strong>")
	after.lacks(t, "→ Declined")
}

// TestWorkspaceAsksOnceAndSaysWhere checks the match form asks whether
// the person is a veteran once and labels the place box as a ZIP code,
// and that signed-in pages carry the workspace's footer, not the public
// one.
func TestWorkspaceAsksOnceAndSaysWhere(t *testing.T) {
	st := workspaceSite(t)
	b, _ := signedIn(t, st.URL)
	form := b.do(http.MethodGet, "/app", nil)
	if n := strings.Count(form.body, `name="veteran"`); n != 1 {
		t.Errorf("the veteran question is asked %d times", n)
	}
	form.lacks(t, `value="veterans"`, "lat,lon", "No account, no cookies")
	form.has(t, `<label for="near">ZIP code</label>`, "Staff workspace")
	for _, path := range []string{"/app/referrals", "/app/sign-in"} {
		p := b.do(http.MethodGet, path, nil)
		p.lacks(t, "No account, no cookies")
	}
	anon := newBrowser(t, st.URL)
	signin := anon.do(http.MethodGet, "/app/sign-in?lang=es", nil)
	signin.has(t, "Espacio del personal")
	typed := anon.do(http.MethodPost, "/app/sign-in", url.Values{"email": {"ana@example.org"}, "setlang": {"en"}, "lang": {"es"}})
	if typed.status != http.StatusOK {
		t.Errorf("sign-in page language switch: %d", typed.status)
	}
	typed.has(t, `<html lang="en">`, `value="ana@example.org"`)
	typed.lacks(t, "Wrong email or password")
}

// TestSessionIdleExact signs in with a 20-second idle timeout and makes a
// request every 15 seconds for a minute: the session lives; 20 quiet
// seconds end it.
func TestSessionIdleExact(t *testing.T) {
	var offset atomic.Int64
	clockNow := func() time.Time { return now.Add(time.Duration(offset.Load())) }
	st := workspaceSite(t, func(h *app.HTTP) {
		h.Now = clockNow
		h.Sessions = auth.SessionConfig{MaxAge: time.Hour, Idle: 20 * time.Second}
	})
	b, _ := signedIn(t, st.URL)
	for i := 1; i <= 4; i++ {
		offset.Store(int64(time.Duration(i) * 15 * time.Second))
		if p := b.do(http.MethodGet, "/app", nil); p.status != http.StatusOK {
			t.Fatalf("request at +%ds, 15 s after the last: %d", i*15, p.status)
		}
	}
	offset.Add(int64(20 * time.Second))
	if p := b.do(http.MethodGet, "/app", nil); p.status != http.StatusSeeOther {
		t.Errorf("after 20 quiet seconds: %d, want 303 to the sign-in page", p.status)
	}
}
