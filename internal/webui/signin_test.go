package webui_test

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"trellis/internal/app"
	"trellis/internal/httpserver"
)

// TestSignInWaitPlural refuses sign-ins for an account and checks the
// sign-in page says how long to wait with the language's plural rules:
// "1 second" and "1 segundo", "10 seconds" and "10 segundos".
func TestSignInWaitPlural(t *testing.T) {
	for _, tc := range []struct {
		name string
		// rate is the account's attempts a second: after the one attempt
		// allowed, the wait is under 1/rate seconds, rounded up.
		rate   float64
		en, es *regexp.Regexp
		one    bool
	}{
		{"one second", 1, regexp.MustCompile(`Wait (1) second, then try again\.`), regexp.MustCompile(`Espere (1) segundo y vuelva`), true},
		{"seconds", 0.1, regexp.MustCompile(`Wait (\d+) seconds, then try again\.`), regexp.MustCompile(`Espere (\d+) segundos y vuelva`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := workspaceSite(t, func(h *app.HTTP) { h.SignIn.AccountRate, h.SignIn.AccountBurst = tc.rate, 1 })
			b := newBrowser(t, st.URL)
			wrong := url.Values{"email": {"ana@example.org"}, "password": {"not the password"}}
			for lang, want := range map[string]*regexp.Regexp{"en": tc.en, "es": tc.es} {
				// A slow machine may let the bucket fill again between
				// attempts (a 401); the next attempt is then refused.
				var p page
				for range 5 {
					if p = b.do(http.MethodPost, "/app/sign-in", with(wrong, "lang", lang)); p.status == http.StatusTooManyRequests {
						break
					}
				}
				if p.status != http.StatusTooManyRequests {
					t.Fatalf("%s: %d, want 429", lang, p.status)
				}
				m := want.FindStringSubmatch(p.body)
				if m == nil {
					i := strings.Index(p.body, `class="error"`)
					t.Fatalf("%s: no %q in %.200s", lang, want, p.body[max(i, 0):])
				}
				if n, _ := strconv.Atoi(m[1]); tc.one != (n == 1) {
					t.Errorf("%s: %q", lang, m[0])
				}
				p.lacks(t, "{count}", "{seconds}")
			}
		})
	}
}

// TestSignInOneLimiterPerAccount guesses one account's password through
// the sign-in page and both API sign-ins in turn, each guess from another
// address (the server trusts the client as its proxy, so the address
// limit does not come into it): the guesses share the account's one
// limit, so alternating between the forms gets no more guesses than one
// form alone, and another account is not held back.
func TestSignInOneLimiterPerAccount(t *testing.T) {
	const burst = 4
	st := workspaceSite(t, func(h *app.HTTP) {
		h.SignIn.AccountRate, h.SignIn.AccountBurst = 0.001, burst
		ps, err := httpserver.ParseProxies("127.0.0.1/32")
		if err != nil {
			t.Fatal(err)
		}
		h.TrustedProxies = ps
	})
	n := 0
	guess := func(via, email string) int {
		t.Helper()
		n++
		hdr := map[string]string{"X-Forwarded-For": fmt.Sprintf("203.0.113.%d", n)}
		var p page
		switch via {
		case "page":
			p = do(t, http.MethodPost, st.URL+"/app/sign-in", url.Values{"email": {email}, "password": {"not the password"}}, hdr)
		default:
			p = postJSON(t, st.URL+"/api/v1/auth/"+via, `{"email": "`+email+`", "password": "not the password"}`, hdr)
		}
		if p.status == http.StatusTooManyRequests && p.header.Get("Retry-After") == "" {
			t.Errorf("%s: 429 without Retry-After", via)
		}
		return p.status
	}
	forms := []string{"page", "tokens", "page", "session"}
	for i, via := range forms {
		if code := guess(via, "ana@example.org"); code != http.StatusUnauthorized {
			t.Fatalf("guess %d through %s: %d, want 401", i+1, via, code)
		}
	}
	// The account's guesses are spent, through whichever form; the
	// account is the same however its address is typed.
	for _, g := range []struct{ via, email string }{{"page", "ana@example.org"}, {"tokens", "ana@example.org"},
		{"session", " ANA@example.org"}, {"page", "Ana@Example.org"}} {
		if code := guess(g.via, g.email); code != http.StatusTooManyRequests {
			t.Errorf("guess past the limit through %s as %q: %d, want 429", g.via, g.email, code)
		}
	}
	if code := guess("session", "cora@example.org"); code != http.StatusUnauthorized {
		t.Errorf("another account: %d, want 401", code)
	}
}

// postJSON posts a JSON body with the headers in header.
func postJSON(t *testing.T, u, body string, header map[string]string) page {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
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
