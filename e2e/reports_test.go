//go:build e2e

package e2e_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"trellis/internal/app"
	"trellis/internal/auth"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/sqlite"
)

// The report pages (issue 15) run on a server of the test's own, whose
// database is seeded with referrals and searches made in the last week
// that has ended (seven days ago is always in it), so that the charts
// have something to draw.

// reportsServer starts the seeded server for a test and stops it when the
// test ends.
func reportsServer(t *testing.T) string {
	t.Helper()
	state := filepath.Join(t.TempDir(), "reports")
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); wg.Wait() })
	u, err := startReports(ctx, state, &wg)
	if err != nil {
		t.Fatalf("reports server: %v", err)
	}
	return u
}

func startReports(ctx context.Context, state string, wg *sync.WaitGroup) (string, error) {
	db, err := sqlite.Open(ctx, state)
	if err != nil {
		return "", err
	}
	defer db.Close()
	ids := map[string]string{}
	for _, u := range []struct {
		email, team string
		role        auth.Role
	}{
		{specialistEmail, "east", auth.RoleSpecialist}, {"tia@example.org", "east", auth.RoleSpecialist}, {coordinatorEmail, "", auth.RoleCoordinator},
	} {
		usr, err := auth.AddUser(ctx, db, u.email, u.role, password)
		if err != nil {
			return "", err
		}
		if u.team != "" {
			if err := db.SetUserTeam(ctx, usr.ID, u.team); err != nil {
				return "", err
			}
		}
		ids[u.email] = usr.ID
	}
	week := time.Now().AddDate(0, 0, -7)
	seed := []struct {
		who, need, service string
		n, accepted        int
		part2              bool
	}{
		{specialistEmail, "housing.emergency-shelter", "central-union-mission-ministry-resource-center-and-shelter.ministry-resource-center-and-shelter", 9, 6, false},
		{"tia@example.org", "food.pantry", "new-hope-ministries.center-for-creative-non-violence-ccnv", 7, 5, false},
		{specialistEmail, "substance-use.detox", "central-union-mission-ministry-resource-center-and-shelter.ministry-resource-center-and-shelter", 1, 0, true},
	}
	for _, s := range seed {
		for i := 0; i < s.n; i++ {
			c := referral.Consent{Method: referral.ConsentVerbal}
			if s.part2 {
				c = referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true}
			}
			at := week.Add(time.Duration(i) * time.Minute)
			r, first, err := referral.New(referral.Draft{Need: s.need, ServiceKey: s.service, Consent: c}, ids[s.who], "east", at)
			if err != nil {
				return "", err
			}
			if err := db.CreateReferral(ctx, r, first, nil); err != nil {
				return "", err
			}
			if i < s.accepted {
				ev, err := referral.NewEvent(r, referral.AgencyActor("seed"), referral.Change{To: referral.StatusAccepted}, at.Add(time.Duration(2+i)*time.Hour))
				if err != nil {
					return "", err
				}
				if _, err := db.AppendEvent(ctx, r.ID, ev, referral.StatusSent, nil); err != nil {
					return "", err
				}
			}
		}
	}
	if err := db.AddNeeds(ctx, []needs.Count{
		{Day: needs.Date(week), Category: "housing.emergency-shelter", Area: "county:11001", Channel: needs.ChannelPublic, N: 14},
		{Day: needs.Date(week), Category: "housing.emergency-shelter", Area: "county:11001", Channel: needs.ChannelPublic, Found: true, N: 40},
		{Day: needs.Date(week.AddDate(0, 0, -7)), Category: "legal", Area: "county:11001", Channel: needs.ChannelPublic, N: 9},
		{Day: needs.Date(week.AddDate(0, 0, -7)), Category: "food.pantry", Area: "county:24031", Channel: needs.ChannelPublic, Found: true, N: 25},
	}); err != nil {
		return "", err
	}
	if err := db.Close(); err != nil {
		return "", err
	}

	m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }})
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join("..", "data"), "--state-dir", state,
		"--log-level", "error", "--watch=false"}); err != nil {
		return "", err
	}
	if err := m.Open(ctx); err != nil {
		return "", err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer m.Close()
		_ = m.Run(ctx)
	}()
	return m.URL(), nil
}

// signInAt signs a user in on the server at base.
func signInAt(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	run(t, ctx,
		navigate(base+"/app/sign-in"),
		typeIn(`#email`, email),
		typeIn(`#password`, password),
		submit(`#signin button[type="submit"]`),
	)
}

func noAxe(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	for _, v := range axe(t, ctx) {
		t.Errorf("%s: axe %s (%s): %s\n  %s", what, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n  "))
	}
}

// TestProblemReportToQueue reports a wrong phone number from a service
// page as the public, and finds the listing at the top of the
// coordinators' queue with the report.
func TestProblemReportToQueue(t *testing.T) {
	base := reportsServer(t)
	pub := tab(t, true)
	run(t, pub, navigate(base+"/search?q=shelter"), visible(`#pick-0`))
	id := attr(t, pub, `#pick-0`, "value")
	run(t, pub, navigate(base+"/services/"+id), visible(`#svc-h`), click(`details.problem summary`), visible(`#problem-phone`))
	noAxe(t, pub, "service page with the problem form open")
	shots(t, pub, "service-problem-form", "")
	run(t, pub, click(`label[for="problem-phone"]`), submit(`details.problem button[type="submit"]`), visible(`h1`))
	contains(t, "thanks page", bodyText(t, pub), "Thank you for telling us about", "Nothing about you was kept.")
	noAxe(t, pub, "thanks page")

	ctx := tab(t, true)
	signInAt(t, ctx, base, coordinatorEmail)
	run(t, ctx, navigate(base+"/admin#queue-h"), visible(`#queue-h`))
	first := attr(t, ctx, `table.queue tbody tr:first-child a`, "href")
	if first != "/services/"+id {
		t.Errorf("the queue starts with %s, want the reported /services/%s", first, id)
	}
	contains(t, "first row", text(t, ctx, `table.queue tbody tr:first-child`), "The phone number is wrong: 1", "trellis verify "+id)
}

// TestCoordinatorReports reads /admin: the charts, their tables, a CSV
// with the same numbers, the queue paged and filtered, the reload button;
// axe-core finds nothing at desktop and phone widths.
func TestCoordinatorReports(t *testing.T) {
	base := reportsServer(t)
	ctx := tab(t, true)
	signInAt(t, ctx, base, coordinatorEmail)
	run(t, ctx, navigate(base+"/admin"), visible(`#outcomes-h`))
	// The seeded referrals draw outcomes by week and the agencies' answer
	// times (by need every outcome count is under 5 or its complement, so
	// nothing is drawn); the seeded searches draw unmet needs by week, need
	// and county.
	for _, id := range []string{"chart-weeks", "chart-answer", "chart-unmet", "chart-unmet-needs", "chart-unmet-counties"} {
		if !eval[bool](t, ctx, `!!document.querySelector('svg.chart#`+id+`')`) {
			t.Errorf("no %s chart on /admin", id)
		}
	}
	body := bodyText(t, ctx)
	contains(t, "/admin", body, "Referral outcomes", "fewer than 5", "Closing the loop", "Unmet needs", "Searches by county", "Download")
	if regexp.MustCompile(`\t1\t|\t1\n`).MatchString(body) {
		t.Error("a count of 1 shows on /admin")
	}
	// The CSV has the table's total.
	total := text(t, ctx, `#weeks-cap ~ tfoot td:last-child`)
	csv := download(t, ctx, attr(t, ctx, `a[href*="table=weeks"]`, "href"))
	if !strings.Contains(csv, "\ntotal,") || !strings.HasSuffix(strings.TrimSpace(csv), ","+total) {
		t.Errorf("CSV does not end with the table's total %s:\n%s", total, csv)
	}
	for _, size := range []struct{ w, h int64 }{{1366, 900}, {390, 844}} {
		run(t, ctx, chromedp.EmulateViewport(size.w, size.h), navigate(base+"/admin"), visible(`#outcomes-h`))
		noAxe(t, ctx, "/admin")
	}
	shots(t, ctx, "admin-reports", base+"/admin")

	// The queue: 50 a page, the next page, a filter.
	run(t, ctx, chromedp.EmulateViewport(1366, 900), navigate(base+"/admin#queue-h"), visible(`#queue-h`))
	status := text(t, ctx, `#queue-h ~ p.pager-status`)
	m := regexp.MustCompile(`^1–50 of (\d+)$`).FindStringSubmatch(status)
	if m == nil {
		t.Fatalf("queue status %q", status)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('table.queue tbody tr').length`); n != 50 {
		t.Errorf("%d rows on the first page", n)
	}
	run(t, ctx, submit(`nav.pager a.button:last-child`), visible(`#queue-h`))
	if got := text(t, ctx, `#queue-h ~ p.pager-status`); got != "51–100 of "+m[1] {
		t.Errorf("page 2 says %q", got)
	}
	noAxe(t, ctx, "/admin page 2")
	run(t, ctx, chromedp.SetValue(css(`#q-need`), "crisis"), submit(`.filters-form button[type="submit"]`), visible(`#queue-h`))
	filtered := text(t, ctx, `#queue-h ~ p.pager-status`)
	if !regexp.MustCompile(`^1–\d+ of \d+$`).MatchString(filtered) || filtered == status {
		t.Errorf("filtered by crisis: %q", filtered)
	}
	contains(t, "crisis rows", text(t, ctx, `table.queue tbody`), "Crisis")

	// The reload button, with the session's CSRF token.
	run(t, ctx, navigate(base+"/admin"), visible(`#reload-h`), submit(`#reload-h ~ form button`), visible(`#reload-h`))
	contains(t, "after reload", bodyText(t, ctx), "The data files have not changed since they were loaded.")
}

// TestSpecialistReports reads /app/reports: the specialist's and their
// team's numbers.
func TestSpecialistReports(t *testing.T) {
	base := reportsServer(t)
	ctx := tab(t, true)
	signInAt(t, ctx, base, specialistEmail)
	run(t, ctx, navigate(base+"/app/reports"), visible(`#outcomes-h`))
	contains(t, "/app/reports", bodyText(t, ctx), "Your referrals and your team's.", "Referrals by week and status")
	if n := eval[int](t, ctx, `document.querySelectorAll('svg.chart').length`); n < 1 {
		t.Error("no chart on /app/reports")
	}
	noAxe(t, ctx, "/app/reports")
	run(t, ctx, navigate(base+"/app/reports?lang=es"), visible(`#outcomes-h`))
	contains(t, "/app/reports in Spanish", bodyText(t, ctx), "Sus derivaciones y las de su equipo.")
	noAxe(t, ctx, "/app/reports in Spanish")
	shots(t, ctx, "specialist-reports", "")
}

// download fetches path from the server the tab is on, with the tab's
// cookies (the pages' Content Security Policy allows no fetch from the
// page itself), and returns the body of a 200 answer.
func download(t *testing.T, ctx context.Context, path string) string {
	t.Helper()
	here := eval[string](t, ctx, "location.origin")
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{here}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodGet, here+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v %s", path, resp.StatusCode, err, b)
	}
	return string(b)
}
