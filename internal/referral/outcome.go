package referral

import (
	"context"
	"time"
)

// Outcome is one referral reduced to what the outcome report counts: when
// it was made and sent, for which need and service, where it stands, and
// when the agency first answered. It holds nothing about the peer, and
// the report only ever shows counts of outcomes.
type Outcome struct {
	CreatedAt  time.Time
	Need       string
	ServiceKey string
	Status     Status
	// SentAt is when the first agency link was made; zero when none was.
	SentAt time.Time
	// AnsweredAt is when the referral first moved from sent to accepted
	// or declined (by the agency through its link, or by the specialist
	// recording the agency's answer); zero while unanswered.
	AnsweredAt time.Time
}

// OutcomeFilter selects the referrals of an outcome report: created in
// [Since, Until), and, like Filter, made by Specialist or within Team
// (either or both; neither selects every team's).
type OutcomeFilter struct {
	Since, Until     time.Time
	Specialist, Team string
}

// OutcomeStore reads outcomes; the sqlite and postgres stores implement
// it beside Store.
type OutcomeStore interface {
	// Outcomes returns the outcomes of the referrals f selects, in no set
	// order (empty, not an error, when none match). It returns an error
	// naming the store when the query fails.
	Outcomes(ctx context.Context, f OutcomeFilter) ([]Outcome, error)
}

// Answered reports whether the agency has answered, and Waited how long
// it took from when the referral was sent (its first agency link, else its
// creation) to that answer.
func (o Outcome) Answered() bool { return !o.AnsweredAt.IsZero() }

// Waited returns the time from sending to the first answer; 0 when
// unanswered.
func (o Outcome) Waited() time.Duration {
	if !o.Answered() {
		return 0
	}
	from := o.CreatedAt
	if !o.SentAt.IsZero() && !o.SentAt.After(o.AnsweredAt) {
		from = o.SentAt
	}
	if d := o.AnsweredAt.Sub(from); d > 0 {
		return d
	}
	return 0
}
