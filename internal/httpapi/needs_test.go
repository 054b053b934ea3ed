package httpapi_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"trellis/internal/app/apptest"
	"trellis/internal/needs"
)

// needsEnv is an env that counts searches into its SQLite store.
func needsEnv(t *testing.T) (*env, *needs.Async) {
	t.Helper()
	e := newEnvWith(t, apptest.Options{CountNeeds: true})
	return e, e.site.Needs
}

type needsReport struct {
	From, To, By string
	Total        needs.Line
	Rows         []needs.Line
}

// TestUnmetNeedsCounting searches as the public, a specialist and a
// coordinator and reads the counts back from the report.
func TestUnmetNeedsCounting(t *testing.T) {
	e, rec := needsEnv(t)
	searches := []struct {
		who string
		q   url.Values
	}{
		// Text naming a category, at a ZIP code: counted in its county.
		{anon, url.Values{"q": {"shelter tonight"}, "near": {"20001"}}},
		// A category filter nothing serves.
		{anon, url.Values{"category": {"legal"}, "near": {"20001"}}},
		// Words that name no category and match nothing, no place.
		{specA, url.Values{"q": {"xyzzy plugh"}}},
		// A category at a point: counted in the point's county.
		{coord, url.Values{"category": {"food.pantry"}, "lat": {"38.889"}, "lon": {"-77.0"}}},
		{anon, url.Values{"category": {"food.pantry,legal"}, "near": {"20002"}}},
	}
	for _, s := range searches {
		e.call(s.who, "GET", "/api/v1/search?"+s.q.Encode(), nil, 200, nil)
	}
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	day := now.In(mustZone(t, "America/New_York")).Format("2006-01-02")
	// Reports count weeks that have ended: the searches' week ends
	// tonight.
	e.call(coord, "GET", "/api/v1/reports/unmet-needs?from="+day+"&to="+day, nil, 400, nil)
	e.advance(24 * time.Hour)
	var r needsReport
	e.call(coord, "GET", "/api/v1/reports/unmet-needs?by=category,area&from="+day+"&to="+day, nil, 200, &r)
	got := map[string]string{}
	for _, row := range r.Rows {
		got[row.Category+"@"+row.Area] = fmt.Sprintf("%s/%s/%s %s %s", row.Searches, row.Found, row.Unmet, row.CategoryLabel, row.AreaLabel)
	}
	// Every count is under 5: each shows as "fewer than 5", zeros as 0.
	want := map[string]string{
		"housing.emergency-shelter@county:11001": "fewer than 5/fewer than 5/0 Emergency shelter District of Columbia",
		"legal@county:11001":                     "fewer than 5/0/fewer than 5 Legal help District of Columbia",
		"@":                                      "fewer than 5/0/fewer than 5 (not told) (no place given)",
		"food.pantry@county:11001":               "fewer than 5/fewer than 5/0 Food pantry District of Columbia",
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %q, want %q", k, got[k], w)
		}
	}
	// 6 searches, 3 unmet: the total shows, and so the unmet total is
	// hidden too, since 6 minus the found would give it back.
	if r.Total.Searches.String() != "6" || r.Total.Unmet.Shown() || r.Total.Found.Shown() || r.Total.UnmetShare != nil {
		t.Errorf("total %+v", r.Total)
	}

	// By channel: the specialist's search, the coordinator's.
	r = needsReport{}
	e.call(coord, "GET", "/api/v1/reports/unmet-needs?channel=specialist&from="+day+"&to="+day, nil, 200, &r)
	if len(r.Rows) != 1 || r.Rows[0].Category != "" || r.Rows[0].Unmet.String() != "fewer than 5" {
		t.Errorf("specialist rows %+v", r.Rows)
	}
	r = needsReport{}
	e.call(coord, "GET", "/api/v1/reports/unmet-needs?channel=api&by=area&from="+day+"&to="+day, nil, 200, &r)
	if len(r.Rows) != 1 || r.Rows[0].Area != "county:11001" || r.Rows[0].Found.String() != "fewer than 5" {
		t.Errorf("api rows %+v", r.Rows)
	}
	resp := e.call(coord, "GET", "/api/v1/reports/unmet-needs?by=week&format=csv&from="+day, nil, 200, nil)
	if !strings.Contains(string(resp.body), ",6,fewer than 5,fewer than 5,") || !strings.Contains(resp.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("csv by week: %s", resp.body)
	}

	// Nothing the people typed or where exactly they were is stored.
	rows, err := e.db.SQL().Query("SELECT day, category, area, channel, found, n FROM need_counts")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all []string
	for rows.Next() {
		var day, n int64
		var cat, area, ch string
		var found bool
		if err := rows.Scan(&day, &cat, &area, &ch, &found, &n); err != nil {
			t.Fatal(err)
		}
		all = append(all, strings.Join([]string{cat, area, ch}, " "))
	}
	for _, secret := range []string{"xyzzy", "tonight", "20001", "20002", "38.889", "-77"} {
		if strings.Contains(strings.Join(all, "\n"), secret) {
			t.Errorf("need_counts holds %q: %v", secret, all)
		}
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestUnmetNeedsReportParams checks the report's defaults, permissions
// and bad parameters.
func TestUnmetNeedsReportParams(t *testing.T) {
	e, _ := needsEnv(t)
	var r needsReport
	e.call(admin, "GET", "/api/v1/reports/unmet-needs", nil, 200, &r)
	// Sunday: the last week that has ended is the one before.
	if r.By != "category" || r.To != clock.Date("2026-11-15") || r.From != clock.Date("2026-08-17") || len(r.Rows) != 0 {
		t.Errorf("defaults: %+v", r)
	}
	e.call(anon, "GET", "/api/v1/reports/unmet-needs", nil, 401, nil)
	e.call(specA, "GET", "/api/v1/reports/unmet-needs", nil, 403, nil)
	bad := []struct{ query, field string }{
		{"from=2026-13-01", "from"},
		{"from=2026-11-10&to=2026-11-01", "to"},
		{"from=" + clock.Date("2026-11-22"), "from"},
		{"format=xml", "format"},
		{"by=zip", "by"},
		{"channel=kiosk", "channel"},
		{"q=shelter", "q"},
	}
	for _, b := range bad {
		t.Run(b.query, func(t *testing.T) {
			resp := e.call(coord, "GET", "/api/v1/reports/unmet-needs?"+b.query, nil, 400, nil)
			if f := decodeError(t, resp.body).Error.Field; f != b.field {
				t.Errorf("field %q, want %q", f, b.field)
			}
		})
	}
}

// TestUnmetNeedsFromMatch counts each need of a match, and does not count
// a second page of a search again.
func TestUnmetNeedsFromMatch(t *testing.T) {
	e, rec := needsEnv(t)
	e.call(specA, "POST", "/api/v1/match", map[string]any{"needs": []string{"food.pantry", "legal"}, "near": "20002"}, 200, nil)
	e.call(anon, "GET", "/api/v1/search?category=food.pantry&page=2&per_page=1", nil, 200, nil)
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.advance(24 * time.Hour)
	var r needsReport
	e.call(coord, "GET", "/api/v1/reports/unmet-needs?from="+clock.Date("2026-11-22")+"&to="+clock.Date("2026-11-22"), nil, 200, &r)
	got := map[string]string{}
	for _, row := range r.Rows {
		got[row.Category] = fmt.Sprintf("%s/%s", row.Searches, row.Found)
	}
	if len(got) != 2 || got["food.pantry"] != "fewer than 5/fewer than 5" || got["legal"] != "fewer than 5/0" {
		t.Errorf("rows %v, want the pantry found and legal help not, once each", got)
	}
}
