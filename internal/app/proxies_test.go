package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"trellis/internal/testkit"
)

// TestTrustedProxiesFlag serves with `--trusted-proxies 127.0.0.1/32`
// and makes 50 wrong sign-ins from this client, each with another
// X-Forwarded-For: the server believes the header, so each address has
// its own limit and none is refused; 40 from one forwarded address (past
// the burst of 20, faster than one a second refills it) are.
// (Without the flag the header is ignored: httpserver's
// TestForgedForwardedFor.)
func TestTrustedProxiesFlag(t *testing.T) {
	base, _ := serveData(t, testkit.DataDir(t), "--trusted-proxies", "127.0.0.1/32")
	attempt := func(xff string, i int) int {
		t.Helper()
		req, err := http.NewRequest("POST", base+"/api/v1/auth/session", strings.NewReader(fmt.Sprintf(`{"email": "guess%d@example.org", "password": "not the password"}`, i)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", xff)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := range 50 {
		if code := attempt(fmt.Sprintf("203.0.113.%d", i+1), i); code != http.StatusUnauthorized {
			t.Fatalf("attempt %d from its own forwarded address: %d, want 401", i+1, code)
		}
	}
	refused := 0
	for i := range 40 {
		if attempt("198.51.100.9", 100+i) == http.StatusTooManyRequests {
			refused++
		}
	}
	if refused == 0 {
		t.Error("40 attempts from one forwarded address: none refused")
	}
}
