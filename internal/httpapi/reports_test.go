package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestReferralReportScope counts every team's referrals for a
// coordinator, and a specialist's own and their team's for them.
func TestReferralReportScope(t *testing.T) {
	e := newEnv(t)
	for who, n := range map[string]int{specA: 6, teammate: 7, specB: 8} {
		for i := 0; i < n; i++ {
			e.newReferral(who)
		}
	}
	e.advance(24 * time.Hour)
	total := func(who, query string) (string, string) {
		t.Helper()
		var rep struct {
			Scope string          `json:"scope"`
			Total json.RawMessage `json:"total"`
		}
		e.call(who, "GET", "/api/v1/reports/referrals?from="+clock.Date("2026-11-22")+query, nil, 200, &rep)
		return rep.Scope, string(rep.Total)
	}
	tests := []struct {
		name, who, query, scope, total string
	}{
		{"coordinator", coord, "", "all", "21"},
		{"coordinator, one team", coord, "&team=team-east", "all", "13"},
		{"admin", admin, "", "all", "21"},
		{"specialist in a team", specA, "", "team", "13"},
		{"teammate", teammate, "", "team", "13"},
		{"specialist alone", specB, "", "own", "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if scope, n := total(tt.who, tt.query); scope != tt.scope || n != tt.total {
				t.Errorf("scope %s total %s, want %s %s", scope, n, tt.scope, tt.total)
			}
		})
	}
	resp := e.call(specB, "GET", "/api/v1/reports/referrals?format=csv&from="+clock.Date("2026-11-22"), nil, 200, nil)
	if !strings.Contains(string(resp.body), "\ntotal,8,0,0,0,0,0,0,8\n") {
		t.Errorf("specialist's csv:\n%s", resp.body)
	}
}

// TestOperatorMetrics reads the operators' counters on /metrics after a
// referral is made and accepted, and searches are counted.
func TestOperatorMetrics(t *testing.T) {
	e, rec := needsEnv(t)
	var r struct{ ID string }
	e.call(specA, "POST", "/api/v1/referrals", map[string]any{"service_id": "north-shelter.beds", "need": "housing.emergency-shelter",
		"consent": map[string]string{"method": "verbal"}}, 201, &r)
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": "accepted"}, 201, nil)
	e.call(anon, "GET", "/api/v1/search?q=shelter", nil, 200, nil)
	if err := rec.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp := e.call(anon, "GET", "/metrics", nil, 200, nil)
	body := string(resp.body)
	for _, want := range []string{
		"trellis_referrals_created_total 1\n",
		`trellis_referral_status_changes_total{to="accepted"} 1` + "\n",
		`trellis_referral_status_changes_total{to="expired"} 0` + "\n",
		"trellis_outbox_queued 0\n", "trellis_outbox_failed 0\n", "trellis_outbox_read_ok 1\n",
		`trellis_problem_reports_total{problem="phone"} 0` + "\n",
		"trellis_unmet_needs_recorded_total 1\n", "trellis_unmet_needs_written_total 1\n", "trellis_unmet_needs_queue 0\n",
		`trellis_build_info{goversion=`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
