package report

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/referral"
)

var weekRange = Range{From: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)}

// at is a time in the week of Monday 2 November 2026, day d (0 Monday).
func at(week, d, hour int) time.Time {
	return time.Date(2026, 11, 2+7*week+d, hour, 0, 0, 0, time.UTC)
}

func out(created time.Time, svc, need string, st referral.Status, answeredAfter time.Duration) referral.Outcome {
	o := referral.Outcome{CreatedAt: created, ServiceKey: svc, Need: need, Status: st}
	if answeredAfter > 0 {
		o.AnsweredAt = created.Add(answeredAfter)
	}
	return o
}

// TestOneReferral is the case: one detox referral on one day. No
// number in the report gives it back.
func TestOneReferral(t *testing.T) {
	rep := BuildReferrals([]referral.Outcome{out(at(1, 2, 10), "harbor.detox", "substance-use.detox", referral.StatusSent, 0)},
		weekRange, time.UTC, ScopeAll, Labels{})
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`[:\[,]1[,\]}]`).Find(b); m != nil {
		t.Errorf("a count of 1 shows in %s", b)
	}
	if !strings.Contains(string(b), `"fewer than 5"`) {
		t.Errorf("no hidden count in %s", b)
	}
	if rep.Total.Shown() || rep.ByAgency[0].Referrals.Shown() || rep.ByNeed[0].Referrals.Shown() || rep.Loop.Share != nil {
		t.Errorf("a total or share of one referral is shown: %+v", rep)
	}
}

func TestBuildReferrals(t *testing.T) {
	var outs []referral.Outcome
	add := func(n int, o referral.Outcome) {
		for i := 0; i < n; i++ {
			outs = append(outs, o)
		}
	}
	// Week 0: 6 accepted after 2h, 6 declined after 10h, 5 sent, for
	// shelter at harbor; week 1: 8 completed (answered after 4h) and 6
	// expired for food at pantry-org.
	add(6, out(at(0, 1, 9), "harbor.shelter", "housing.emergency-shelter", referral.StatusAccepted, 2*time.Hour))
	add(6, out(at(0, 2, 9), "harbor.shelter", "housing.emergency-shelter", referral.StatusDeclined, 10*time.Hour))
	add(5, out(at(0, 3, 9), "harbor.shelter", "housing.emergency-shelter", referral.StatusSent, 0))
	add(8, out(at(1, 0, 9), "pantry-org.pantry", "food.pantry", referral.StatusCompleted, 4*time.Hour))
	add(6, out(at(1, 4, 9), "pantry-org.pantry", "food.pantry", referral.StatusExpired, 0))
	// Outside the range: ignored.
	add(3, out(at(2, 0, 9), "harbor.shelter", "housing.emergency-shelter", referral.StatusSent, 0))

	rep := BuildReferrals(outs, weekRange, time.UTC, ScopeAll, Labels{Agency: func(id string) string { return strings.ToUpper(id) }})
	if rep.From != "2026-11-02" || rep.To != "2026-11-15" || rep.Weeks != 2 || len(rep.ByWeek) != 2 {
		t.Fatalf("range %s..%s, %d weeks, %d rows", rep.From, rep.To, rep.Weeks, len(rep.ByWeek))
	}
	row := func(w WeekCounts) string {
		var parts []string
		for _, c := range w.Counts {
			parts = append(parts, c.String())
		}
		return strings.Join(parts, " ") + " | " + w.Total.String()
	}
	// Statuses: sent accepted declined completed no_show cancelled expired.
	if got := row(rep.ByWeek[0]); got != "5 6 6 0 0 0 0 | 17" {
		t.Errorf("week 0: %s", got)
	}
	if got := row(rep.ByWeek[1]); got != "0 0 0 8 0 0 6 | 14" {
		t.Errorf("week 1: %s", got)
	}
	if rep.Total.String() != "31" {
		t.Errorf("total %s", rep.Total)
	}
	// Closed: 6 accepted + 8 completed = 14; not closed 6 + 5 + 6 = 17.
	if rep.Loop.Closed.String() != "14" || rep.Loop.NotClosed.String() != "17" || rep.Loop.Share == nil || *rep.Loop.Share != 14.0/31 {
		t.Errorf("loop %+v", rep.Loop)
	}
	// Answered: 6 at 2h, 6 at 10h, 8 at 4h: 20 answers.
	if rep.Answer.MedianHours == nil || *rep.Answer.MedianHours != 4 || *rep.Answer.P90Hours != 10 {
		t.Errorf("waits %v %v", rep.Answer.MedianHours, rep.Answer.P90Hours)
	}
	if len(rep.ByAgency) != 2 || rep.ByAgency[0].ID != "harbor" || rep.ByAgency[0].Label != "HARBOR" || rep.ByAgency[0].Referrals.String() != "17" {
		t.Fatalf("agencies %+v", rep.ByAgency)
	}
	h := rep.ByAgency[0]
	if h.Share == nil || *h.Share != 6.0/17 || h.MedianHours == nil || *h.MedianHours != 2 {
		t.Errorf("harbor: share %v median %v", h.Share, h.MedianHours)
	}
	if len(rep.ByNeed) != 2 || rep.ByNeed[0].ID != "housing.emergency-shelter" || rep.ByNeed[0].Label != "housing.emergency-shelter" {
		t.Errorf("needs %+v", rep.ByNeed)
	}
}

// TestCrossTableTies checks that a small status total is not given back
// by the outcome totals: 3 accepted and 10 completed make 13 closed, which
// with 10 completed shown would reveal the 3.
func TestCrossTableTies(t *testing.T) {
	var outs []referral.Outcome
	for i := 0; i < 3; i++ {
		outs = append(outs, out(at(0, 1, 9), "a.x", "food", referral.StatusAccepted, time.Hour))
	}
	for i := 0; i < 10; i++ {
		outs = append(outs, out(at(0, 1, 9), "a.x", "food", referral.StatusCompleted, time.Hour))
		outs = append(outs, out(at(1, 1, 9), "a.x", "food", referral.StatusExpired, 0))
	}
	rep := BuildReferrals(outs, weekRange, time.UTC, ScopeAll, Labels{})
	completed := rep.StatusTotals[3]
	if completed.Shown() && rep.Loop.Closed.Shown() {
		t.Errorf("completed %s and closed %s both shown beside %s accepted", completed, rep.Loop.Closed, rep.StatusTotals[1])
	}
	if rep.StatusTotals[1].Shown() {
		t.Errorf("3 accepted shown: %s", rep.StatusTotals[1])
	}
}

// TestNoReferrals builds the report of weeks without referrals.
func TestNoReferrals(t *testing.T) {
	rep := BuildReferrals(nil, weekRange, time.UTC, ScopeTeam, Labels{})
	if rep.Total.String() != "0" || len(rep.ByWeek) != 2 || len(rep.ByAgency) != 0 || rep.ByAgency == nil || rep.Loop.Share != nil {
		t.Errorf("empty report %+v", rep)
	}
}
