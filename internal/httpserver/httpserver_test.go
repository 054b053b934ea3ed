package httpserver_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
	"trellis/internal/testkit"
)

// clock is the tests' clock: the next Sunday, 21:30 in Washington.
var clock = testkit.Anchor("America/New_York", 21, 30)

const password = "correct horse battery staple"

// start serves the fixture directory (one clinic) wired as `trellis
// serve` wires it, with a specialist, ana@example.org.
func start(t *testing.T, adjust func(*app.HTTP)) *apptest.Site {
	t.Helper()
	site := apptest.Start(t, apptest.Options{DataDir: clock.DataDir(t, os.DirFS("testdata")), Now: clock.Func(), Adjust: adjust})
	if _, err := auth.AddUser(context.Background(), site.DB, "ana@example.org", auth.RoleSpecialist, password); err != nil {
		t.Fatal(err)
	}
	return site
}

// noRedirect is a client that reports redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// send makes a request and returns the status, headers and body.
func send(t *testing.T, method, u, ctype, body string, header http.Header) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

// signInAttempt is one wrong password, through the API or the sign-in
// page, from X-Forwarded-For xff (none when empty).
func signInAttempt(t *testing.T, base string, page bool, email, xff string) (int, http.Header) {
	t.Helper()
	h := http.Header{}
	if xff != "" {
		h.Set("X-Forwarded-For", xff)
	}
	if page {
		code, hdr, _ := send(t, "POST", base+"/app/sign-in", "application/x-www-form-urlencoded",
			url.Values{"email": {email}, "password": {"not the password"}}.Encode(), h)
		return code, hdr
	}
	code, hdr, _ := send(t, "POST", base+"/api/v1/auth/session", "application/json",
		`{"email": "`+email+`", "password": "not the password"}`, h)
	return code, hdr
}

// TestForgedForwardedFor makes 50 wrong sign-ins from one client, half
// through the API and half through the sign-in page, each with another
// X-Forwarded-For and another email. Without trusted proxies the header
// is ignored: the one address gets 429 after the limit, on both forms.
// When the server trusts the client as its proxy, the header names the
// client: every address has its own limit.
func TestForgedForwardedFor(t *testing.T) {
	const burst = 20
	tests := []struct {
		name    string
		proxies string
		// want401 is how many attempts are answered 401 before the rest
		// get 429.
		want401 int
	}{
		{name: "no trusted proxies", want401: burst},
		{name: "trusting loopback", proxies: "127.0.0.1/32", want401: 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site := start(t, func(h *app.HTTP) {
				h.SignIn.AddressRate, h.SignIn.AddressBurst = 0.001, burst
				if tc.proxies != "" {
					ps, err := httpserver.ParseProxies(tc.proxies)
					if err != nil {
						t.Fatal(err)
					}
					h.TrustedProxies = ps
				}
			})
			for i := range 50 {
				code, hdr := signInAttempt(t, site.URL, i%2 == 1, fmt.Sprintf("guess%d@example.org", i), fmt.Sprintf("203.0.113.%d", i+1))
				switch {
				case i < tc.want401 && code != http.StatusUnauthorized:
					t.Fatalf("attempt %d: %d, want 401", i+1, code)
				case i >= tc.want401 && (code != http.StatusTooManyRequests || hdr.Get("Retry-After") == ""):
					t.Fatalf("attempt %d: %d (Retry-After %q), want 429 with Retry-After", i+1, code, hdr.Get("Retry-After"))
				}
			}
			if tc.proxies == "" {
				return
			}
			// Through the proxy, one client's address is still limited.
			for i := range burst {
				if code, _ := signInAttempt(t, site.URL, i%2 == 0, fmt.Sprintf("again%d@example.org", i), "198.51.100.4"); code != http.StatusUnauthorized {
					t.Fatalf("repeat %d from one forwarded address: %d", i+1, code)
				}
			}
			if code, _ := signInAttempt(t, site.URL, false, "last@example.org", "198.51.100.4"); code != http.StatusTooManyRequests {
				t.Errorf("one forwarded address past the limit: %d, want 429", code)
			}
		})
	}
}

// TestSignInPageLimited checks that the sign-in page answers a limited
// attempt with the form, the email kept, a sentence saying to wait, and
// Retry-After.
func TestSignInPageLimited(t *testing.T) {
	site := start(t, func(h *app.HTTP) { h.SignIn.AccountRate, h.SignIn.AccountBurst = 0.001, 2 })
	for range 2 {
		if code, _ := signInAttempt(t, site.URL, true, "ana@example.org", ""); code != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", code)
		}
	}
	code, hdr, body := send(t, "POST", site.URL+"/app/sign-in?lang=es", "application/x-www-form-urlencoded",
		url.Values{"email": {"ana@example.org"}, "password": {password}}.Encode(), nil)
	if code != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Fatalf("third attempt for the account: %d, Retry-After %q", code, hdr.Get("Retry-After"))
	}
	for _, want := range []string{`value="ana@example.org"`, "Demasiados intentos", `id="password"`} {
		if !strings.Contains(body, want) {
			t.Errorf("limited sign-in page lacks %q:\n%.800s", want, body)
		}
	}
}

// rawRequest writes req on a new connection to site, then body in pieces
// with a pause after the first, the way a client that sends its whole
// request before reading does, and returns the response's status line
// and body. Any write or read error fails the test: the client must get
// the answer, not a reset.
func rawRequest(t *testing.T, base, head string, body io.Reader) (string, string) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(60 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatalf("write head: %v", err)
	}
	buf := make([]byte, 64<<10)
	for first := true; ; first = false {
		n, rerr := body.Read(buf)
		if n > 0 {
			if _, err := conn.Write(buf[:n]); err != nil {
				t.Fatalf("write body: %v (the server closed the connection before the client could read its answer)", err)
			}
		}
		if first {
			// Let the server answer while the client is still sending.
			time.Sleep(50 * time.Millisecond)
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			t.Fatal(rerr)
		}
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response body: %v", err)
	}
	return resp.Status, string(b)
}

// zeros is n bytes of "0".
type zeros struct{ n int }

func (z *zeros) Read(p []byte) (int, error) {
	if z.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), z.n)
	for i := range k {
		p[i] = '0'
	}
	z.n -= k
	return k, nil
}

// TestOversizedBodyIsAnswered sends 12 MB to a JSON endpoint and a page,
// with a Content-Length and chunked, writing it all before reading, as
// Python's http.client does: the client reads a 413, never a reset.
func TestOversizedBodyIsAnswered(t *testing.T) {
	site := start(t, nil)
	const size = 12 << 20
	tests := []struct {
		name, path, ctype string
		chunked           bool
	}{
		{name: "JSON with a length", path: "/api/v1/match", ctype: "application/json"},
		{name: "form with a length", path: "/search", ctype: "application/x-www-form-urlencoded"},
		{name: "JSON chunked", path: "/api/v1/match", ctype: "application/json", chunked: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			head := "POST " + tc.path + " HTTP/1.1\r\nHost: " + strings.TrimPrefix(site.URL, "http://") + "\r\nContent-Type: " + tc.ctype + "\r\n"
			// A JSON string that goes on and on: well formed as far as
			// it goes, so only its size is wrong.
			start := `{"needs": ["`
			var body io.Reader = io.MultiReader(strings.NewReader(start), &zeros{size - len(start)})
			if tc.chunked {
				head += "Transfer-Encoding: chunked\r\n\r\n"
				body = io.MultiReader(strings.NewReader(fmt.Sprintf("%x\r\n", size)), body, strings.NewReader("\r\n0\r\n\r\n"))
			} else {
				head += "Content-Length: " + strconv.Itoa(size) + "\r\n\r\n"
			}
			status, b := rawRequest(t, site.URL, head, body)
			if !strings.HasPrefix(status, "413") {
				t.Errorf("status %q, want 413: %.300s", status, b)
			}
		})
	}
	// A client that reads while it sends, as curl does, gets the answer
	// with its length, before it has sent everything, and can stop.
	for _, path := range []string{"/api/v1/match", "/search"} {
		t.Run("read early "+path, func(t *testing.T) {
			u, _ := url.Parse(site.URL)
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if err := conn.SetDeadline(time.Now().Add(60 * time.Second)); err != nil {
				t.Fatal(err)
			}
			head := "POST " + path + " HTTP/1.1\r\nHost: " + u.Host + "\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(size) + "\r\n\r\n"
			if _, err := io.WriteString(conn, head+strings.Repeat("0", 64<<10)); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("read the early answer: %v", err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge || resp.ContentLength <= 0 || len(resp.TransferEncoding) > 0 {
				t.Errorf("early answer: %d, length %d, transfer encoding %v; want 413 with a length", resp.StatusCode, resp.ContentLength, resp.TransferEncoding)
			}
		})
	}
	if strings.Contains(site.Logs.String(), "level=ERROR") {
		t.Errorf("oversized bodies logged errors:\n%s", site.Logs)
	}
}

// TestMalformedBodies sends a malformed chunked body, and malformed forms
// and JSON, to every kind of POST: each answers 400, and nothing is logged
// as an error.
func TestMalformedBodies(t *testing.T) {
	site := start(t, nil)
	ctx := context.Background()
	u, err := site.DB.UserByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.IssueToken(ctx, site.DB, u.ID, "tests", clock.Now, 0)
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(site.URL, "http://")
	tests := []struct {
		name, path, ctype, extra string
	}{
		{name: "match", path: "/api/v1/match", ctype: "application/json"},
		{name: "session sign-in", path: "/api/v1/auth/session", ctype: "application/json"},
		{name: "token sign-in", path: "/api/v1/auth/tokens", ctype: "application/json"},
		{name: "referral, signed in", path: "/api/v1/referrals", ctype: "application/json", extra: "Authorization: Bearer " + token + "\r\n"},
		{name: "agency move", path: "/api/v1/agency/" + strings.Repeat("x", 43) + "/events", ctype: "application/json"},
		{name: "page search", path: "/search", ctype: "application/x-www-form-urlencoded"},
		{name: "sign-in page", path: "/app/sign-in", ctype: "application/x-www-form-urlencoded"},
		{name: "start page", path: "/", ctype: "application/x-www-form-urlencoded"},
	}
	for _, tc := range tests {
		t.Run(tc.name+", malformed chunks", func(t *testing.T) {
			head := "POST " + tc.path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + tc.ctype + "\r\n" + tc.extra +
				"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
			status, b := rawRequest(t, site.URL, head, strings.NewReader("zz\r\n{}\r\n0\r\n\r\n"))
			if !strings.HasPrefix(status, "400") {
				t.Errorf("status %q, want 400: %.300s", status, b)
			}
		})
	}
	// Malformed content in a well-formed body.
	for _, tc := range []struct{ name, path, ctype, body string }{
		{"JSON cut short", "/api/v1/match", "application/json", `{"needs": ["food"`},
		{"form with a bad escape", "/search", "application/x-www-form-urlencoded", "q=%zz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, b := send(t, "POST", site.URL+tc.path, tc.ctype, tc.body, nil); code != http.StatusBadRequest {
				t.Errorf("%d, want 400: %.300s", code, b)
			}
		})
	}
	if strings.Contains(site.Logs.String(), "level=ERROR") {
		t.Errorf("malformed bodies logged errors:\n%s", site.Logs)
	}
}

// TestSecurityHeaders checks HSTS with an https base URL (and not without
// one) and that /static/ serves files but never lists a directory.
func TestSecurityHeaders(t *testing.T) {
	for _, tc := range []struct {
		base, want string
	}{
		{"https://trellis.example.org", "max-age=31536000"},
		{"", ""},
		{"http://trellis.example.org", ""},
	} {
		site := start(t, func(h *app.HTTP) { h.BaseURL = tc.base })
		for _, p := range []string{"/", "/api/v1/search?q=clinic", "/healthz"} {
			if _, h, _ := send(t, "GET", site.URL+p, "", "", nil); h.Get("Strict-Transport-Security") != tc.want {
				t.Errorf("base URL %q, %s: HSTS %q, want %q", tc.base, p, h.Get("Strict-Transport-Security"), tc.want)
			}
		}
	}
	site := start(t, nil)
	for _, tc := range []struct {
		path string
		code int
	}{
		{"/static/site.css", 200},
		{"/static/", 404},
		{"/static", 404},
		{"/static/../static/site.css", 404},
		{"/static/nothing.css", 404},
	} {
		code, _, body := send(t, "GET", site.URL+tc.path, "", "", nil)
		if code != tc.code || strings.Contains(body, `<a href="site.css">`) {
			t.Errorf("GET %s: %d, want %d: %.200s", tc.path, code, tc.code, body)
		}
	}
}

// TestSearchLimit checks that searches from one address past the limit
// get 429 with Retry-After on the API, the match API and the pages, and
// that other addresses (through a trusted proxy) are not held back.
func TestSearchLimit(t *testing.T) {
	site := start(t, func(h *app.HTTP) {
		h.SearchRate = 0.001
		h.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	from := func(addr string) http.Header { return http.Header{"X-Forwarded-For": {addr}} }
	search := func(addr string) int {
		code, _, _ := send(t, "GET", site.URL+"/api/v1/search?q=clinic", "", "", from(addr))
		return code
	}
	for i := range 50 {
		if code := search("203.0.113.7"); code != http.StatusOK {
			t.Fatalf("search %d within the burst: %d", i+1, code)
		}
	}
	for _, tc := range []struct{ name, method, path, ctype, body string }{
		{"API search", "GET", "/api/v1/search?q=clinic", "", ""},
		{"API match", "POST", "/api/v1/match", "application/json", `{"needs": ["clinic"]}`},
		{"page search", "GET", "/search?q=clinic", "", ""},
	} {
		code, h, body := send(t, tc.method, site.URL+tc.path, tc.ctype, tc.body, from("203.0.113.7"))
		if code != http.StatusTooManyRequests || h.Get("Retry-After") == "" {
			t.Errorf("%s past the limit: %d, Retry-After %q: %.200s", tc.name, code, h.Get("Retry-After"), body)
		}
	}
	if code := search("203.0.113.8"); code != http.StatusOK {
		t.Errorf("another address: %d", code)
	}
}

var searchesRE = regexp.MustCompile(`(?m)^trellis_searches_total\{filtered="(true|false)"\} (\d+)$`)

// searches returns trellis_searches_total, both labels summed.
func searches(t *testing.T, base string) int {
	t.Helper()
	_, _, body := send(t, "GET", base+"/metrics", "", "", nil)
	n := 0
	ms := searchesRE.FindAllStringSubmatch(body, -1)
	if len(ms) != 2 {
		t.Fatalf("/metrics has %d trellis_searches_total lines:\n%s", len(ms), body)
	}
	for _, m := range ms {
		k, _ := strconv.Atoi(m[2])
		n += k
	}
	return n
}

// TestSearchesCounted checks that trellis_searches_total counts a search
// on the public pages, the kiosk and the API once each, and not again for
// its second page or for the same results shown in another language.
func TestSearchesCounted(t *testing.T) {
	public := start(t, nil)
	kiosk := start(t, func(h *app.HTTP) { h.Web = app.WebConfig{Kiosk: true, KioskIdle: 2 * time.Minute} })
	issued := strconv.FormatInt(clock.Now.Unix(), 10)
	steps := []struct {
		name   string
		base   string
		method string
		path   string
		form   url.Values
		add    int
	}{
		{"page search", public.URL, "GET", "/search?q=clinic", nil, 1},
		{"the same in Spanish", public.URL, "GET", "/search?q=clinic&setlang=es", nil, 0},
		{"its second page", public.URL, "GET", "/search?q=clinic&page=2", nil, 0},
		{"page search by need", public.URL, "GET", "/search?setcat=healthcare", nil, 1},
		{"API search", public.URL, "GET", "/api/v1/search?q=clinic", nil, 1},
		{"kiosk search", kiosk.URL, "POST", "/search", url.Values{"q": {"clinic"}, "t": {issued}}, 1},
		{"kiosk, high contrast", kiosk.URL, "POST", "/search", url.Values{"q": {"clinic"}, "t": {issued}, "sethc": {"1"}}, 0},
		{"kiosk start page", kiosk.URL, "GET", "/", nil, 0},
	}
	for _, st := range steps {
		before := searches(t, st.base)
		ctype, body := "", ""
		if st.form != nil {
			ctype, body = "application/x-www-form-urlencoded", st.form.Encode()
		}
		if code, _, b := send(t, st.method, st.base+st.path, ctype, body, nil); code != http.StatusOK {
			t.Fatalf("%s: %d %.300s", st.name, code, b)
		}
		if got := searches(t, st.base) - before; got != st.add {
			t.Errorf("%s: trellis_searches_total went up by %d, want %d", st.name, got, st.add)
		}
	}
}
