//go:build e2e

package e2e_test

import (
	"context"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"trellis/internal/app"
	"trellis/internal/testkit"
)

// meetingServer starts a server on the bundled data with the page tests'
// Meeting Guide feeds imported (internal/webui/testdata/feeds: invented
// meetings around ZIP 20001), with the specialist's account, until the
// test ends; extra are more serve flags (--kiosk). It returns its URL.
func meetingServer(t *testing.T, extra ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	testkit.CopyTree(t, os.DirFS(filepath.Join("..", "data")), ".", dir)
	quiet := app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: os.Stderr, Getenv: func(string) string { return "" }}
	ctx := context.Background()
	for source, feed := range map[string]string{"dc-na": "na.json", "dc-aa": "aa.json"} {
		args := []string{"import", "meetings", filepath.Join("..", "internal", "webui", "testdata", "feeds", feed), "--data", dir, "--source", source}
		if code := app.Run(ctx, args, quiet); code != 0 {
			t.Fatalf("import %s: exit %d", feed, code)
		}
	}
	state := filepath.Join(t.TempDir(), "state")
	addUser := quiet
	addUser.Stdin = strings.NewReader(password + "\n")
	if code := app.Run(ctx, []string{"user", "add", "--state-dir", state, "--role", "specialist", "--password-stdin", specialistEmail}, addUser); code != 0 {
		t.Fatal("trellis user add failed")
	}
	m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	args := append([]string{"--addr", "127.0.0.1:0", "--data", dir, "--state-dir", state, "--log-level", "error"}, extra...)
	if err := m.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	if err := m.Open(runCtx); err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer m.Close()
		if err := m.Run(runCtx); err != nil {
			t.Errorf("server: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
	return m.URL()
}

// TestMeetingPages checks the pages that show recovery meetings with
// axe-core at desktop and phone widths: results in English and Spanish,
// the kiosk with high contrast, the printed list and the page a QR code
// carries, and the answer of a directory that lists no meetings.
func TestMeetingPages(t *testing.T) {
	pub := meetingServer(t)
	kiosk := meetingServer(t, "--kiosk", "--kiosk-idle", kioskIdle.String())
	ctx := tab(t, true)
	q := func(v url.Values) string { return v.Encode() }
	pages := []struct {
		name string
		url  string
		wait string
	}{
		{"meetings-results", pub + "/search?" + q(url.Values{"q": {"NA meeting"}, "near": {"20001"}}), "#meetings-h"},
		{"meetings-results-es", pub + "/search?" + q(url.Values{"q": {"reunión de mujeres"}, "lang": {"es"}}), "#meetings-h"},
		{"meetings-tile", pub + "/search?setq=meetings", "#meetings-h"},
		{"meetings-list", pub + "/list?pick=dc-na/sunday-online&pick=dc-aa/sunday-pride", "svg.qr"},
		{"meetings-saved-es", pub + "/saved?lang=es&s=dc-na/sunday-online,dc-na/mujeres", "ol.printlist"},
		{"meetings-kiosk-hc", kiosk + "/search?" + q(url.Values{"q": {"online meeting"}, "hc": {"1"}}), "#meetings-h"},
		{"meetings-none-listed", publicURL + "/search?" + q(url.Values{"q": {"AA meeting tonight"}}), "#meetings-h"},
	}
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			for _, size := range []struct{ w, h int64 }{{1366, 900}, {390, 844}} {
				run(t, ctx, chromedp.EmulateViewport(size.w, size.h), navigate(pg.url), visible(pg.wait))
				for _, v := range axe(t, ctx) {
					t.Errorf("%dpx: axe %s (%s): %s\n  %s", size.w, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
				}
			}
			shots(t, ctx, pg.name, "")
		})
	}
}

// TestMeetingTileToList walks a visitor from the start page's meetings
// tile to the results, ticks a meeting and carries it to the printed
// list, where it shows when it meets and how to join.
func TestMeetingTileToList(t *testing.T) {
	pub := meetingServer(t)
	ctx := tab(t, true)
	run(t, ctx,
		navigate(pub+"/"),
		visible(`button.tile[name="setq"]`),
		submit(`button.tile[name="setq"]`),
		visible(`#meetings-h`),
	)
	contains(t, "meetings from the tile", bodyText(t, ctx), "Recovery meetings (7)", "Sunday Online Recovery", "Every week:", "Kind:")
	run(t, ctx,
		click(`input[name="pick"][value="dc-na/sunday-online"]`),
		visible(`button.mylist`),
	)
	contains(t, "My list button", text(t, ctx, `button.mylist`), "(1)")
	run(t, ctx, submit(`button.mylist`), visible(`ol.printlist`))
	contains(t, "printed list", bodyText(t, ctx), "Sunday Online Recovery", "Join online at", "https://zoom.example.org/j/1000", "Call in:")
}

// TestWorkspaceMeetings signs the specialist in, matches "NA meeting
// tonight", adds a meeting to the peer's list and opens it; the match
// page with meetings passes axe-core.
func TestWorkspaceMeetings(t *testing.T) {
	pub := meetingServer(t)
	ctx := tab(t, true)
	run(t, ctx,
		navigate(pub+"/app/sign-in"),
		typeIn(`#email`, specialistEmail),
		typeIn(`#password`, password),
		submit(`#signin button[type="submit"]`),
		visible(`#need1`),
		typeIn(`#need1`, "NA meeting tonight"),
		typeIn(`#near`, "20001"),
		submit(`form.profile button[type="submit"]`),
		visible(`section.need section.meetings`),
	)
	contains(t, "match with meetings", bodyText(t, ctx), "Narcotics Anonymous meetings", "Add to the peer's list", "Meetings are anonymous")
	for _, v := range axe(t, ctx) {
		t.Errorf("match page with meetings: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
	run(t, ctx,
		click(`section.meetings input[name="pick"][value="dc-na/sunday-online"]`),
		submit(`section.meetings button[type="submit"]`),
		visible(`ol.printlist`),
	)
	contains(t, "the peer's list", bodyText(t, ctx), "Sunday Online Recovery", "Join online at")
	for _, v := range axe(t, ctx) {
		t.Errorf("the peer's list: axe %s (%s): %s\n  %s", v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}
