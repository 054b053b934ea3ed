package webui_test

import (
	"context"
	"io"
	"log/slog"
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
	"trellis/internal/snapshot"
)

// startBundledSite serves the pages over the repository's bundled DC data.
func startBundledSite(t *testing.T) string {
	t.Helper()
	return apptest.Start(t, apptest.Options{DataDir: "../../data", Now: func() time.Time { return now }, NoDB: true}).URL
}

// TestCrisisAboveResults searches for suicide in both languages: the
// crisis lines, 988 first, come before the first result.
func TestCrisisAboveResults(t *testing.T) {
	base := startBundledSite(t)
	for _, tc := range []struct{ lang, q, heading string }{
		{"en", "suicide", "Help right now, any time:"},
		{"es", "quiero morir", "Ayuda ahora mismo, a cualquier hora:"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			p := get(t, base+"/search?lang="+tc.lang+"&near=20001&q="+strings.ReplaceAll(tc.q, " ", "+"))
			p.has(t, tc.heading, `href="tel:988"`, `href="sms:988"`)
			crisis := strings.Index(p.body, `href="tel:988"`)
			first := strings.Index(p.body, `class="card"`)
			if first < 0 || crisis < 0 || crisis > first {
				t.Errorf("988 at %d, first result at %d", crisis, first)
			}
		})
	}
	t.Run("widening is said on the page", func(t *testing.T) {
		p := get(t, base+"/search?near=20002&q=detox")
		p.has(t, "No detox listed within 10 mi. Showing substance use treatment nearby")
	})
	t.Run("nothing fits: the help line", func(t *testing.T) {
		p := get(t, base+"/search?q=zzqqxx+yyvvkk")
		p.has(t, `href="tel:211"`, "211, the community help line")
	})
}

// TestKioskNear serves a kiosk that stands at ZIP 20001 (--kiosk-near): a
// search without a ZIP code is measured from the kiosk, and the heading
// says so; a ZIP code typed still wins.
func TestKioskNear(t *testing.T) {
	st := apptest.Start(t, apptest.Options{DataDir: "../../data", Now: func() time.Time { return now }, NoDB: true,
		Adjust: func(h *app.HTTP) { h.Web = app.WebConfig{Kiosk: true, KioskIdle: 2 * time.Minute, KioskNear: "20001"} }})
	issued := strconv.FormatInt(now.Unix(), 10)
	p := do(t, http.MethodPost, st.URL+"/search", url.Values{"q": {"shelter"}, "t": {issued}, "go": {"1"}}, nil)
	p.has(t, "near this kiosk</h1>", " mi</", "Leave it empty to search near this kiosk.")
	p.lacks(t, "data-locate", `name="here"`)
	p.lacks(t, "No place given")
	typed := do(t, http.MethodPost, st.URL+"/search", url.Values{"q": {"shelter"}, "near": {"20002"}, "t": {issued}, "go": {"1"}}, nil)
	typed.has(t, "near 20002")
	typed.lacks(t, "near this kiosk</h1>")
	// A kiosk cannot open directions; its service pages carry them to a
	// phone by QR code, from the kiosk.
	m := regexp.MustCompile(`<input type="checkbox" id="pick-0" name="pick" value="([^"]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no result to open")
	}
	svc := do(t, http.MethodPost, st.URL+"/services/"+m[1], url.Values{"t": {issued}}, nil)
	svc.has(t, `<div class="directions-qr"><svg class="qr"`, "Scan with your phone for directions from this kiosk.", " of this kiosk</p>")
	svc.lacks(t, "Open in maps app", ">Directions</a>")
}

// TestKioskNearUnknown refuses to start a kiosk placed at a ZIP code the
// directory does not know, naming the flag.
func TestKioskNearUnknown(t *testing.T) {
	store := snapshot.NewStore(os.DirFS("../../data"), func() time.Time { return now })
	if _, err := store.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Current().Index.Close() })
	_, err := app.NewHandler(app.HTTP{Snapshots: store, Now: func() time.Time { return now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Web: app.WebConfig{KioskIdle: time.Minute, KioskNear: "99999"}})
	if err == nil || !strings.Contains(err.Error(), `--kiosk-near "99999"`) {
		t.Errorf("err = %v", err)
	}
}

// TestPlaceTypedWithTheNeed searches for "food pantry 20020" without a
// ZIP code in its box: the heading says the results are near 20020.
func TestPlaceTypedWithTheNeed(t *testing.T) {
	base := startBundledSite(t)
	p := get(t, base+"/search?q=food+pantry+20020")
	p.has(t, "near ZIP 20020")
	p.lacks(t, "No place given")
}
