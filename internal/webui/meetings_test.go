package webui_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/auth"
	"trellis/internal/testkit"
)

// meetingNow is the meeting tests' clock: the next Sunday at 17:00 in
// Washington, when the test feeds' online meeting (16:45-18:00) is in
// progress and the 19:00 meeting starts in two hours.
var meetingNow = testkit.Anchor("America/New_York", 17, 0)

// meetingSite serves the fixture listings with the test feeds imported
// (testdata/feeds, with `trellis import meetings`), at meetingNow, as a
// kiosk or not; with a store holding ana, a specialist, unless kiosk.
func meetingSite(t *testing.T, kiosk bool) string {
	t.Helper()
	dir := meetingNow.DataDir(t, os.DirFS("testdata"))
	for source, feed := range map[string]string{"dc-na": "na.json", "dc-aa": "aa.json"} {
		var out bytes.Buffer
		args := []string{"import", "meetings", filepath.Join("testdata", "feeds", feed), "--data", dir, "--source", source}
		if code := app.Run(context.Background(), args, app.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out}); code != 0 {
			t.Fatalf("import %s: exit %d\n%s", feed, code, out.String())
		}
	}
	st := apptest.Start(t, apptest.Options{DataDir: dir, Now: meetingNow.Func(), NoDB: kiosk, Adjust: func(h *app.HTTP) {
		h.BaseURL = "https://trellis.example.org"
		h.Web = app.WebConfig{Kiosk: kiosk, KioskIdle: 2 * time.Minute}
	}})
	if !kiosk {
		if _, err := auth.AddUser(context.Background(), st.DB, "ana@example.org", auth.RoleSpecialist, testPassword); err != nil {
			t.Fatal(err)
		}
	}
	return st.URL
}

// TestMeetingsOnResults: a search for a meeting shows the meetings above
// the services, with their next time, type names in the page's language,
// the join link and the number to call for an online meeting.
func TestMeetingsOnResults(t *testing.T) {
	base := meetingSite(t, false)
	p := get(t, base+"/search?"+url.Values{"q": {"NA meeting tonight"}, "near": {"20001"}}.Encode())
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	p.has(t, `<h2 id="meetings-h">Narcotics Anonymous meetings (`,
		"Sunday Online Recovery", "In progress · until 6 PM", "Today 7 PM, in 2 h", "Open · Discussion",
		`<a href="https://zoom.example.org/j/1000" rel="noreferrer noopener">Join online`, "(Password: hope)",
		`<a class="tel" href="tel:&#43;12025550123,,1000%23">&#43;12025550123,,1000#</a>`,
		`name="pick" value="dc-na/sunday-basics"`, "1 Test Street NW", "mi away")
	p.lacks(t, "Sunday Pride", "Night Owls")
	// Meetings come before the services.
	if i, j := strings.Index(p.body, `id="meetings-h"`), strings.Index(p.body, `<ol class="cards" start=`); i < 0 || (j >= 0 && j < i) {
		t.Errorf("meetings at %d, services at %d", i, j)
	}

	es := get(t, base+"/search?"+url.Values{"q": {"reunión de NA esta noche"}, "near": {"20001"}, "lang": {"es"}}.Encode())
	es.has(t, "Reuniones de Narcóticos Anónimos (", "En curso · hasta las 18:00", "Hoy a las 19:00, dentro de 2 h",
		"Abierta · Discusión", "Unirse en línea", "Llame para unirse:", "Añadir a mi lista")

	// A ticked meeting stays ticked and goes to the list.
	ticked := get(t, base+"/search?"+url.Values{"q": {"NA meeting"}, "pick": {"dc-na/mujeres"}}.Encode())
	ticked.has(t, `value="dc-na/mujeres" checked`, "My list (1)")
}

// TestMeetingsKiosk: the kiosk shows where to join online as text, not a
// link it cannot follow, and no directions or meeting pages.
func TestMeetingsKiosk(t *testing.T) {
	base := meetingSite(t, true)
	p := get(t, base+"/search?"+url.Values{"q": {"online meeting now"}}.Encode())
	p.has(t, "Sunday Online Recovery", "Join online at", `<span class="url">https://zoom.example.org/j/1000</span>`, "tel:&#43;12025550123")
	p.lacks(t, `href="https://zoom.example.org`, "openstreetmap.org")
}

// TestMeetingsTile: the start page has a meetings tile, in the page's
// language, which searches for meetings.
func TestMeetingsTile(t *testing.T) {
	base := meetingSite(t, false)
	get(t, base+"/").has(t, `name="setq" value="meetings"`, "Recovery meetings", "AA, NA, Al-Anon and more")
	get(t, base+"/?lang=es").has(t, `name="setq" value="reuniones"`, "Reuniones de recuperación")
	p := get(t, base+"/search?setq=reuniones&lang=es")
	p.has(t, `id="meetings-h">Reuniones de recuperación (7)`, "Sunday Pride", "Mujeres en Recuperación", `value="reuniones"`)
}

// TestMeetingsOnTheList: the printed list and the page a QR code carries
// hold the meetings ticked, at their next time, with how to join.
func TestMeetingsOnTheList(t *testing.T) {
	base := meetingSite(t, false)
	p := get(t, base+"/list?"+url.Values{"pick": {"dc-na/sunday-online", "dc-aa/sunday-pride", "nobody/nothing"}}.Encode())
	p.has(t, "Sunday Online Recovery", "Sunday Pride", "In progress · until 6 PM", "Every week:", "Sun · 6:30 PM–7:30 PM",
		"https://zoom.example.org/j/1000", `value="dc-aa/sunday-pride" checked`, "svg")
	p.lacks(t, "nobody/nothing")
	// The QR code carries the list behind a short code; the phone that
	// scans it gets the meetings with how to join.
	m := regexp.MustCompile(`data-qr-url>https://trellis\.example\.org(/l/[0-9A-Z]{12})<`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("the QR code carries no short link")
	}
	saved := get(t, base+m[1])
	saved.has(t, "Sunday Online Recovery", "Sunday Pride", `<a class="url" href="https://zoom.example.org/j/1000"`)
	saved.lacks(t, "nobody/nothing")
	// The long form of the link, as printed by earlier versions, still opens.
	get(t, base+"/saved?s=dc-na/sunday-online,dc-aa/sunday-pride").has(t, "Sunday Online Recovery", "Sunday Pride")
}

// TestNoMeetingsListedPages: with no meetings imported, a search for one
// says where to find them.
func TestNoMeetingsListedPages(t *testing.T) {
	s := startSite(t, false)
	p := get(t, s.url+"/search?"+url.Values{"q": {"AA meeting tonight"}}.Encode())
	p.has(t, "This directory does not list recovery meetings.",
		`<a href="https://www.aa.org/find-aa" rel="noreferrer noopener">Alcoholics Anonymous: find A.A. near you</a>`,
		`href="tel:211"`)
	// Only the finder of the fellowship asked for; every finder for a
	// meeting of any fellowship.
	p.lacks(t, "na.org/meetingsearch")
	get(t, s.url+"/search?q=meeting").has(t, "aa.org/find-aa", "na.org/meetingsearch", "al-anon.org", "smartrecovery.org")
	get(t, s.url+"/search?q=food").lacks(t, "meetings-h")
	// Celebrate Recovery has its official site; for a fellowship without a
	// link the page says so, and does not say the sites list meetings.
	get(t, s.url+"/search?"+url.Values{"q": {"celebrate recovery meeting"}}.Encode()).has(t,
		`<a href="https://www.celebraterecovery.com/" rel="noreferrer noopener">Celebrate Recovery: official site</a>`,
		"The fellowships&#39; own sites list their meetings")
	ga := get(t, s.url+"/search?"+url.Values{"q": {"gamblers anonymous meeting"}}.Encode())
	ga.has(t, "This directory has no meeting finder to offer for Gamblers Anonymous.", `href="tel:211"`)
	ga.lacks(t, "sites list their meetings", "aa.org")
	get(t, s.url+"/search?"+url.Values{"q": {"reunión de jugadores anónimos"}, "lang": {"es"}}.Encode()).has(t,
		"Este directorio no tiene un buscador de reuniones que ofrecer para Jugadores Anónimos.")
}

// TestWorkspaceAddsMeetingToList: the workspace shows a need's meetings
// with a box to add each to the peer's list and a button that opens the
// list: nothing is referred.
func TestWorkspaceAddsMeetingToList(t *testing.T) {
	base := meetingSite(t, false)
	b, token := signedIn(t, base)
	p := b.do(http.MethodPost, "/app", url.Values{"csrf_token": {token}, "need1": {"NA meeting tonight"}, "near": {"20001"}})
	if p.status != http.StatusOK {
		t.Fatalf("match: %d", p.status)
	}
	p.has(t, "Narcotics Anonymous meetings (", `<form method="get" action="/list">`, `name="pick" value="dc-na/sunday-online"`,
		"Add to the peer&#39;s list", "Open the peer&#39;s list to print or carry", "Meetings are anonymous: nothing is referred.")
	if strings.Contains(p.body, `name="service" value="dc-na/`) {
		t.Error("a meeting can be referred to")
	}
	list := b.do(http.MethodGet, "/list?lang=en&pick=dc-na/sunday-online", nil)
	list.has(t, "Sunday Online Recovery", "Join online at")
}
