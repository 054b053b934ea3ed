package webui_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"trellis/internal/app/apptest"
	"trellis/internal/auth"
)

// manyWomensShelters is how many shelters for women the left-out test
// adds to the fixture, so that a man's bed search leaves out more than
// one page of them.
const manyWomensShelters = 72

// leftOutSite serves the workspace over the fixture listings and
// manyWomensShelters more shelters for women near 20002, with ana signed
// up.
func leftOutSite(t *testing.T) string {
	t.Helper()
	extra := fstest.MapFS{}
	for i := range manyWomensShelters {
		extra[fmt.Sprintf("listings/dc/women-%02d.yaml", i)] = &fstest.MapFile{Data: []byte(fmt.Sprintf(`id: women-%02d
name: Women's house %02d
locations:
  - id: main
    address: {street: %d Maryland Ave NE, city: Washington, state: DC, zip: "20002"}
    point: {lat: %.4f, lon: -77.0000}
services:
  - id: beds
    name: Beds for women %02d
    description: Overnight shelter beds for women.
    categories: [housing.emergency-shelter]
    at: [main]
    eligibility:
      genders: [female]
    cost: free
    apply: [walk-in]
`, i, i, 100+i, 38.8950+float64(i)*0.0005, i))}
	}
	st := apptest.Start(t, apptest.Options{DataDir: clock.DataDir(t, os.DirFS("testdata"), extra), Now: func() time.Time { return now }})
	if _, err := auth.AddUser(context.Background(), st.DB, "ana@example.org", auth.RoleSpecialist, testPassword); err != nil {
		t.Fatal(err)
	}
	return st.URL
}

var (
	leftOutItem    = regexp.MustCompile(`<li><span lang="en">([^<]+)</span>: `)
	leftOutSummary = regexp.MustCompile(`<details class="excluded"[^>]*>\s*<summary>([^<]+)</summary>`)
	leftOutButtons = regexp.MustCompile(`name="setexcluded" value="([^"]+)">([^<]+)</button>`)
)

// leftOut returns what a match page says of the first need's services
// left out: the summary, the names listed, and the buttons' values and
// words.
func leftOut(t *testing.T, p page) (summary string, names []string, buttons map[string]string) {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("match page: %d", p.status)
	}
	m := leftOutSummary.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no services left out on the page")
	}
	for _, li := range leftOutItem.FindAllStringSubmatch(p.body, -1) {
		names = append(names, li[1])
	}
	buttons = map[string]string{}
	for _, b := range leftOutButtons.FindAllStringSubmatch(p.body, -1) {
		buttons[b[1]] = b[2]
	}
	return m[1], names, buttons
}

// TestShowAllLeftOut leaves out more services than the API lists at once
// (50) and shows them all: the button says they come 50 at a time, the
// pages list every one of them once with their places ("51 to 73 of 73"),
// each page keeps its place across a language switch, and a page past the
// end shows the last.
func TestShowAllLeftOut(t *testing.T) {
	base := leftOutSite(t)
	b, token := signedIn(t, base)
	profile := url.Values{"csrf_token": {token}, "lang": {"en"}, "need1": {"a bed tonight"}, "near": {"20002"}, "gender": {"male"}, "age": {"45"}}

	summary, first, buttons := leftOut(t, b.do(http.MethodPost, "/app", profile))
	var shown, total int
	if _, err := fmt.Sscanf(summary, "Left out: %d of %d shown", &shown, &total); err != nil {
		t.Fatalf("summary %q", summary)
	}
	if shown != len(first) || total <= 50 || total < manyWomensShelters {
		t.Fatalf("summary %q lists %d; the test needs more than 50 left out", summary, len(first))
	}
	if want := fmt.Sprintf("Show all %d left out, 50 at a time", total); buttons["all"] != want {
		t.Errorf("the button says %q, want %q", buttons["all"], want)
	}

	seen := map[string]int{}
	shownAgain := with(profile, "shown", "1")
	page1 := b.do(http.MethodPost, "/app", with(shownAgain, "setexcluded", "all"))
	summary, names, buttons := leftOut(t, page1)
	if want := fmt.Sprintf("Left out: 1 to 50 of %d", total); summary != want || len(names) != 50 {
		t.Errorf("first page: %q listing %d, want %q listing 50", summary, len(names), want)
	}
	for _, n := range names {
		seen[n]++
	}
	next := fmt.Sprintf("Next %d left out", total-50)
	if buttons["0:50"] != next || len(buttons) != 1 {
		t.Errorf("first page's buttons %q, want only %q", buttons, next)
	}
	page1.has(t, `name="excluded" value="all"`, `<ol start="1">`, `formaction="/app#left-out-0"`)

	page2 := b.do(http.MethodPost, "/app", with(shownAgain, "excluded", "all", "setexcluded", "0:50"))
	summary, names, buttons = leftOut(t, page2)
	if want := fmt.Sprintf("Left out: 51 to %d of %d", total, total); summary != want || len(names) != total-50 {
		t.Errorf("second page: %q listing %d, want %q listing %d", summary, len(names), want, total-50)
	}
	for _, n := range names {
		seen[n]++
	}
	if buttons["0:0"] != "Previous 50 left out" || len(buttons) != 1 {
		t.Errorf("second page's buttons %q, want only Previous", buttons)
	}
	page2.has(t, `name="excluded_from.0" value="50"`, `<ol start="51">`)
	if len(seen) != total {
		t.Errorf("the pages list %d services of the %d left out", len(seen), total)
	}
	for n, k := range seen {
		if k != 1 {
			t.Errorf("%s listed %d times", n, k)
		}
	}
	for i := range manyWomensShelters {
		if n := fmt.Sprintf("Beds for women %02d", i); seen[n] != 1 {
			t.Errorf("%s is not listed", n)
		}
	}

	// The second page in Spanish is the same page.
	es := b.do(http.MethodPost, "/app", with(shownAgain, "excluded", "all", "excluded_from.0", "50", "setlang", "es"))
	summary, esNames, _ := leftOut(t, es)
	if want := fmt.Sprintf("Fuera: del 51 al %d de %d", total, total); summary != want || fmt.Sprint(esNames) != fmt.Sprint(names) {
		t.Errorf("second page in Spanish: %q listing %d, want %q listing the same %d", summary, len(esNames), want, len(names))
	}
	es.has(t, `<html lang="es">`, "Los 50 anteriores que quedan fuera")

	// Sending the profile again is a new answer: its list starts at the
	// first page.
	summary, _, _ = leftOut(t, b.do(http.MethodPost, "/app", with(profile, "excluded", "all", "excluded_from.0", "50")))
	if want := fmt.Sprintf("Left out: 1 to 50 of %d", total); summary != want {
		t.Errorf("a new answer: %q, want %q", summary, want)
	}

	// A page past the end shows the last one; a made-up one is ignored.
	summary, _, _ = leftOut(t, b.do(http.MethodPost, "/app", with(shownAgain, "excluded", "all", "setexcluded", "0:"+strconv.Itoa(10*total))))
	if want := fmt.Sprintf("Left out: 51 to %d of %d", total, total); summary != want {
		t.Errorf("past the end: %q, want %q", summary, want)
	}
	summary, _, _ = leftOut(t, b.do(http.MethodPost, "/app", with(shownAgain, "setexcluded", "x:-3")))
	if summary != fmt.Sprintf("Left out: %d of %d shown", shown, total) {
		t.Errorf("a made-up page: %q", summary)
	}
}
