package referraltest

import (
	"context"
	"sort"
	"testing"
	"time"

	"trellis/internal/referral"
)

// OutcomeStore is a store that also reads outcomes.
type OutcomeStore interface {
	referral.Store
	referral.OutcomeStore
}

// TestOutcomes runs the outcome report's store tests against stores made
// by open.
func TestOutcomes(t *testing.T, open func(t *testing.T) OutcomeStore) {
	t.Run("FirstLinkAndFirstAnswer", func(t *testing.T) {
		t.Parallel()
		testOutcomeTimes(t, open(t))
	})
	t.Run("RangeAndVisibility", func(t *testing.T) {
		t.Parallel()
		testOutcomeFilter(t, open(t))
	})
}

// testOutcomeTimes reads each referral's first link and first answer:
// a later move (accepted to completed) is not the answer, expiry is not
// an answer, and a referral never sent has no link.
func testOutcomeTimes(t *testing.T, s OutcomeStore) {
	ctx := context.Background()
	linked := create(t, s, "u-ana", "", t0)
	l1, _ := referral.NewAgencyLink(linked.ID, "u-ana", time.Hour, t0.Add(time.Hour))
	l2, _ := referral.NewAgencyLink(linked.ID, "u-ana", time.Hour, t0.Add(2*time.Hour))
	for _, l := range []*referral.AgencyLink{l1, l2} {
		if err := s.CreateAgencyLink(ctx, l); err != nil {
			t.Fatalf("CreateAgencyLink: %v", err)
		}
	}
	accepted := move(t, s, linked, referral.StatusAccepted, t0.Add(26*time.Hour))
	move(t, s, accepted, referral.StatusCompleted, t0.Add(72*time.Hour))

	declined := create(t, s, "u-ana", "", t0.Add(time.Minute), need("food"), service("harbor.pantry"))
	move(t, s, declined, referral.StatusDeclined, t0.Add(5*time.Hour))

	expired := create(t, s, "u-ana", "", t0.Add(2*time.Minute))
	move(t, s, expired, referral.StatusExpired, t0.Add(40*24*time.Hour))

	got, err := s.Outcomes(ctx, referral.OutcomeFilter{})
	if err != nil {
		t.Fatalf("Outcomes: %v", err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].CreatedAt.Before(got[j].CreatedAt) })
	mustEqual(t, "outcomes", got, []referral.Outcome{
		{CreatedAt: t0, Need: "housing.emergency-shelter", ServiceKey: "harbor.shelter", Status: referral.StatusCompleted,
			SentAt: t0.Add(time.Hour), AnsweredAt: t0.Add(26 * time.Hour)},
		{CreatedAt: t0.Add(time.Minute), Need: "food", ServiceKey: "harbor.pantry", Status: referral.StatusDeclined,
			AnsweredAt: t0.Add(5 * time.Hour)},
		{CreatedAt: t0.Add(2 * time.Minute), Need: "housing.emergency-shelter", ServiceKey: "harbor.shelter", Status: referral.StatusExpired},
	})
	if len(got) == 3 {
		if w := got[0].Waited(); w != 25*time.Hour {
			t.Errorf("waited %v from the first link to the answer, want 25h", w)
		}
		if w := got[1].Waited(); w != 5*time.Hour-time.Minute {
			t.Errorf("waited %v from creation to the answer without a link, want 4h59m", w)
		}
		if got[2].Answered() || got[2].Waited() != 0 {
			t.Errorf("an expired referral counts as answered: %+v", got[2])
		}
	}
}

// testOutcomeFilter selects by creation time, half-open, and by
// specialist or team.
func testOutcomeFilter(t *testing.T, s OutcomeStore) {
	ctx := context.Background()
	create(t, s, "u-ana", "team-1", t0)
	create(t, s, "u-ben", "team-1", t0.Add(time.Hour))
	create(t, s, "u-cal", "team-2", t0.Add(2*time.Hour))
	create(t, s, "u-ana", "", t0.Add(3*time.Hour))
	tests := []struct {
		name string
		f    referral.OutcomeFilter
		want int
	}{
		{"all", referral.OutcomeFilter{}, 4},
		{"half-open range", referral.OutcomeFilter{Since: t0.Add(time.Hour), Until: t0.Add(3 * time.Hour)}, 2},
		{"specialist", referral.OutcomeFilter{Specialist: "u-ana"}, 2},
		{"team", referral.OutcomeFilter{Team: "team-1"}, 2},
		{"specialist or team", referral.OutcomeFilter{Specialist: "u-ana", Team: "team-1"}, 3},
		{"another team", referral.OutcomeFilter{Specialist: "u-cal", Team: "team-2"}, 1},
		{"none", referral.OutcomeFilter{Team: "team-9"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Outcomes(ctx, tt.f)
			if err != nil {
				t.Fatalf("Outcomes: %v", err)
			}
			if got == nil || len(got) != tt.want {
				t.Errorf("%d outcomes (nil %v), want %d", len(got), got == nil, tt.want)
			}
		})
	}
}
