package referral

import (
	"fmt"
	"slices"
	"strings"

	"trellis/internal/apperr"
)

// Status is where a referral stands in its life.
type Status string

// The statuses. A referral starts as sent; declined, completed, no_show,
// cancelled and expired are terminal.
const (
	StatusSent      Status = "sent"      // recorded and passed to the service
	StatusAccepted  Status = "accepted"  // the service agreed to see the peer
	StatusDeclined  Status = "declined"  // the service turned it down; a reason is required
	StatusCompleted Status = "completed" // the peer received the service
	StatusNoShow    Status = "no_show"   // the peer did not come
	StatusCancelled Status = "cancelled" // withdrawn by the specialist or the peer
	StatusExpired   Status = "expired"   // left open past the configured age
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{StatusSent, StatusAccepted, StatusDeclined, StatusCompleted, StatusNoShow, StatusCancelled, StatusExpired}

// OpenStatuses lists the statuses from which a referral can still move.
var OpenStatuses = []Status{StatusSent, StatusAccepted}

// next is the status machine: the moves allowed from each status.
var next = map[Status][]Status{
	StatusSent:     {StatusAccepted, StatusDeclined, StatusCancelled, StatusExpired},
	StatusAccepted: {StatusCompleted, StatusNoShow, StatusCancelled, StatusExpired},
}

// Valid reports whether s is one of Statuses.
func (s Status) Valid() bool { return slices.Contains(Statuses, s) }

// Terminal reports whether no move leaves s.
func (s Status) Terminal() bool { return s.Valid() && len(next[s]) == 0 }

// ParseStatus returns the status named by s, or an Invalid error naming the
// accepted values.
func ParseStatus(s string) (Status, error) {
	st := Status(strings.TrimSpace(s))
	if !st.Valid() {
		return "", apperr.Field("status", "status must be one of %s", joinStatuses(Statuses))
	}
	return st, nil
}

// AllowedNext returns the statuses a referral in s may move to, in a fixed
// order; it returns an empty, non-nil slice for terminal and unknown
// statuses. The caller may modify the result.
func AllowedNext(s Status) []Status {
	return append([]Status{}, next[s]...)
}

// CanMove reports whether the machine allows the move from -> to.
func CanMove(from, to Status) bool { return slices.Contains(next[from], to) }

// CheckMove returns nil when the machine allows from -> to and a
// *TransitionError naming referral id and the allowed moves otherwise.
func CheckMove(id string, from, to Status) error {
	if CanMove(from, to) {
		return nil
	}
	return &TransitionError{ID: id, From: from, To: to, Allowed: AllowedNext(from)}
}

// TransitionError is a status move the machine does not allow, or one that
// lost a race: the referral was no longer in the status the caller read.
// It unwraps to an apperr Conflict (HTTP 409) whose details carry the
// current status ("status") and the allowed next states ("allowed").
type TransitionError struct {
	// ID is the referral's id.
	ID string
	// From is the referral's current status; To is the requested one.
	From, To Status
	// Allowed lists the moves From allows.
	Allowed []Status
	// Stale is true when the move failed because another change reached the
	// referral first; Expected is the status the caller had read.
	Stale    bool
	Expected Status
}

func (e *TransitionError) Error() string {
	if e.Stale {
		return fmt.Sprintf("referral %s: status changed from %s to %s meanwhile; allowed next: %s", e.ID, e.Expected, e.From, joinStatuses(e.Allowed))
	}
	return fmt.Sprintf("referral %s: cannot move from %s to %s; allowed next: %s", e.ID, e.From, e.To, joinStatuses(e.Allowed))
}

// Unwrap returns the apperr Conflict the HTTP layer answers with.
func (e *TransitionError) Unwrap() error {
	msg := fmt.Sprintf("a referral that is %s cannot become %s", e.From, e.To)
	if e.Stale {
		msg = fmt.Sprintf("the referral became %s while you were changing it", e.From)
	}
	allowed := e.Allowed
	if allowed == nil {
		allowed = []Status{}
	}
	return apperr.New(apperr.Conflict, "%s", msg).With("status", e.From).With("allowed", allowed)
}

func joinStatuses(ss []Status) string {
	if len(ss) == 0 {
		return "none"
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, ", ")
}
