package webui_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/auth"
	"trellis/internal/needs"
	"trellis/internal/referral"
)

// signIn signs b in as email and fails the test otherwise.
func (b *browser) signIn(email string) {
	b.t.Helper()
	p := b.do(http.MethodPost, "/app/sign-in", url.Values{"email": {email}, "password": {testPassword}})
	if p.status != http.StatusSeeOther {
		b.t.Fatalf("sign-in %s: %d", email, p.status)
	}
}

// TestProblemReport reports a wrong phone number from the service page:
// a count is kept and nothing else, the log does not name the listing or
// the address, and the listing tops the coordinators' queue.
func TestProblemReport(t *testing.T) {
	st := workspaceSite(t)
	pub := newBrowser(t, st.URL)
	svc := pub.do(http.MethodGet, "/services/north-shelter.beds", nil)
	svc.has(t, "Report a problem with this listing", `action="/services/north-shelter.beds/problem"`,
		`name="problem" id="problem-phone" value="phone" required`, "The hours are wrong", "Nothing about you is kept")
	if strings.Contains(svc.body, `type="text"`) && strings.Contains(svc.body[strings.Index(svc.body, "problem"):], `type="text"`) {
		t.Error("the problem form has a text box")
	}

	done := pub.do(http.MethodPost, "/services/north-shelter.beds/problem", url.Values{"problem": {"phone"}})
	if done.status != http.StatusOK {
		t.Fatalf("report: %d %s", done.status, done.body)
	}
	done.has(t, "Thank you for telling us about", "Nothing about you was kept.", `href="/services/north-shelter.beds?lang=en"`)

	bad := []struct {
		name, path string
		form       url.Values
		header     string
		status     int
	}{
		{"no choice", "/services/north-shelter.beds/problem", url.Values{}, "", http.StatusBadRequest},
		{"free text", "/services/north-shelter.beds/problem", url.Values{"problem": {"call me on 202-555-0100"}}, "", http.StatusBadRequest},
		{"unknown listing", "/services/nowhere.beds/problem", url.Values{"problem": {"phone"}}, "", http.StatusNotFound},
		{"another site's form", "/services/north-shelter.beds/problem", url.Values{"problem": {"phone"}}, "cross-site", http.StatusForbidden},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			p := do(t, http.MethodPost, st.URL+b.path, b.form, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": b.header})
			if p.status != b.status {
				t.Errorf("%d, want %d", p.status, b.status)
			}
		})
	}

	if m := pub.do(http.MethodGet, "/metrics", nil); !strings.Contains(m.body, `trellis_problem_reports_total{problem="phone"} 1`) {
		t.Error("/metrics does not count the report")
	}

	// What the database holds: a count, for a day, a listing and a choice.
	rows, err := st.DB.SQL().Query("SELECT * FROM problem_reports")
	if err != nil {
		t.Fatal(err)
	}
	cols, _ := rows.Columns()
	var day, n int64
	var key, kind string
	for rows.Next() {
		if err := rows.Scan(&day, &key, &kind, &n); err != nil {
			t.Fatal(err)
		}
	}
	rows.Close()
	if strings.Join(cols, ",") != "day,service_key,kind,n" || key != "north-shelter.beds" || kind != "phone" || n != 1 {
		t.Errorf("problem_reports: %v %s %s %d", cols, key, kind, n)
	}
	for _, secret := range []string{"north-shelter", "127.0.0.1", "problem=phone"} {
		if strings.Contains(st.Logs.String(), secret) {
			t.Errorf("the log holds %q:\n%s", secret, st.Logs.String())
		}
	}

	// The coordinators' queue: the reported listing first, with its count.
	cora := newBrowser(t, st.URL)
	cora.signIn("cora@example.org")
	admin := cora.do(http.MethodGet, "/admin", nil)
	if admin.status != http.StatusOK {
		t.Fatalf("/admin: %d", admin.status)
	}
	queue := admin.body[strings.Index(admin.body, `id="stale-cap"`):]
	first := regexp.MustCompile(`<tbody><tr>\s*<td><a href="/services/([^"]+)"`).FindStringSubmatch(queue)
	if first == nil || first[1] != "north-shelter.beds" || !strings.Contains(queue, "The phone number is wrong: 1") ||
		!strings.Contains(queue, "trellis verify north-shelter.beds") || !strings.Contains(queue, "listings/dc/north-shelter.yaml") {
		t.Errorf("queue does not start with the reported listing: %v\n%.1500s", first, queue)
	}

	// Past the limit, the address is refused for a while.
	limited := 0
	for i := 0; i < 6; i++ {
		if p := pub.do(http.MethodPost, "/services/north-shelter.beds/problem", url.Values{"problem": {"hours"}}); p.status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Error("10 reports from one address in a row were all taken")
	}
}

// TestAdminReports seeds referrals and searches in the last ended week
// and reads them on /admin and /app/reports: charts, tables, CSV links,
// small counts hidden; bad parameters are 400; the reload button needs
// its CSRF token.
func TestAdminReports(t *testing.T) {
	st := workspaceSite(t, func(h *app.HTTP) {})
	ctx := context.Background()
	ana, err := auth.AddUser(ctx, st.DB, "tia@example.org", auth.RoleSpecialist, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DB.SetUserTeam(ctx, ana.ID, "east"); err != nil {
		t.Fatal(err)
	}
	lastWeek := now.AddDate(0, 0, -9) // the Friday of the last week that has ended
	for i := 0; i < 14; i++ {
		r, first, err := referral.New(referral.Draft{Need: "housing.emergency-shelter", ServiceKey: "north-shelter.beds", LocationID: "main",
			Consent: referral.Consent{Method: referral.ConsentVerbal}}, ana.ID, "east", lastWeek)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB.CreateReferral(ctx, r, first, nil); err != nil {
			t.Fatal(err)
		}
		if i < 9 {
			ev, err := referral.NewEvent(r, referral.AgencyActor("link"), referral.Change{To: referral.StatusAccepted}, lastWeek.Add(time.Duration(i+1)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB.AppendEvent(ctx, r.ID, ev, referral.StatusSent, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := 0; i < 6; i++ {
		r, first, err := referral.New(referral.Draft{Need: "substance-use.detox", ServiceKey: "north-shelter.beds", LocationID: "main",
			Consent: referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true}}, ana.ID, "east", lastWeek)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.DB.CreateReferral(ctx, r, first, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.DB.AddNeeds(ctx, []needs.Count{
		{Day: needs.Date(lastWeek), Category: "food.pantry", Area: "county:11001", Channel: needs.ChannelPublic, N: 30},
		{Day: needs.Date(lastWeek), Category: "food.pantry", Area: "county:11001", Channel: needs.ChannelPublic, Found: true, N: 12},
		{Day: needs.Date(lastWeek), Category: "legal", Area: "", Channel: needs.ChannelPublic, N: 2},
	}); err != nil {
		t.Fatal(err)
	}

	cora := newBrowser(t, st.URL)
	cora.signIn("cora@example.org")
	admin := cora.do(http.MethodGet, "/admin", nil)
	if admin.status != http.StatusOK {
		t.Fatalf("/admin: %d\n%s", admin.status, admin.body)
	}
	admin.has(t, "Referral outcomes", `<svg class="chart" id="chart-weeks" role="img"`, `id="chart-needs"`, `id="chart-answer"`, `id="chart-unmet"`, `id="chart-unmet-needs"`, `id="chart-unmet-counties"`,
		"Every team&#39;s referrals.", "fewer than 5", "Found nothing", "Food pantry", "District of Columbia",
		`href="/api/v1/reports/referrals?format=csv`, `href="/api/v1/reports/unmet-needs?by=week`,
		"<th scope=\"row\">Total</th><td>20</td>")
	if regexp.MustCompile(`<td>1</td>`).MatchString(admin.body) {
		t.Error("a count of 1 shows on /admin")
	}
	if regexp.MustCompile(`\sstyle=`).MatchString(admin.body) {
		t.Error("/admin carries a style attribute, which its CSP refuses")
	}
	// The CSV link answers with the table's numbers.
	link := regexp.MustCompile(`href="(/api/v1/reports/referrals\?[^"]*table=weeks[^"]*)"`).FindStringSubmatch(admin.body)
	if link == nil {
		t.Fatal("no CSV link for the weeks")
	}
	csv := cora.do(http.MethodGet, strings.ReplaceAll(link[1], "&amp;", "&"), nil)
	if csv.status != http.StatusOK || !strings.Contains(csv.body, "total,11,9,0,0,0,0,0,20") {
		t.Errorf("csv %d:\n%s", csv.status, csv.body)
	}

	for _, q := range []string{"weeks=7", "county=abc", "page=0"} {
		if p := cora.do(http.MethodGet, "/admin?"+q, nil); p.status != http.StatusBadRequest {
			t.Errorf("/admin?%s: %d", q, p.status)
		}
	}
	if p := cora.do(http.MethodGet, "/admin?weeks=4&need=food", nil); p.status != http.StatusOK || !strings.Contains(p.body, "the last 4 weeks") {
		t.Errorf("/admin?weeks=4&need=food: %d", p.status)
	}

	// Reload: the token is needed; without a data directory to reload
	// from (this harness), the button is not shown and the route is 503.
	if p := cora.do(http.MethodPost, "/admin/reload", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("reload without the CSRF token: %d", p.status)
	}
	if p := cora.do(http.MethodPost, "/admin/reload", url.Values{"csrf_token": {csrf(t, admin)}}); p.status != http.StatusServiceUnavailable && p.status != http.StatusSeeOther {
		t.Errorf("reload: %d", p.status)
	}

	// The specialist sees their team's numbers; the coordinator has no
	// workspace report of their own.
	tia := newBrowser(t, st.URL)
	tia.signIn("tia@example.org")
	mine := tia.do(http.MethodGet, "/app/reports", nil)
	if mine.status != http.StatusOK {
		t.Fatalf("/app/reports: %d", mine.status)
	}
	mine.has(t, "Your referrals and your team&#39;s.", `id="chart-weeks"`, `href="/app/reports?lang=en"`)
	if p := cora.do(http.MethodGet, "/app/reports", nil); p.status != http.StatusForbidden {
		t.Errorf("coordinator /app/reports: %d", p.status)
	}
	if p := tia.do(http.MethodGet, "/admin", nil); p.status != http.StatusForbidden {
		t.Errorf("specialist /admin: %d", p.status)
	}
}
