package referral

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"trellis/internal/apperr"
)

// ActorKind says who made a change.
type ActorKind string

// The actor kinds.
const (
	ActorUser   ActorKind = "user"   // a signed-in user; Actor.ID is the user id
	ActorAgency ActorKind = "agency" // the receiving agency through a link; Actor.ID is the link id
	ActorSystem ActorKind = "system" // Trellis itself, e.g. expiry; Actor.ID is empty
)

// Actor is who made a change or a read.
type Actor struct {
	Kind ActorKind `json:"kind"`
	ID   string    `json:"id,omitempty"`
}

// UserActor returns the actor for user id.
func UserActor(id string) Actor { return Actor{Kind: ActorUser, ID: id} }

// AgencyActor returns the actor for the agency holding link linkID.
func AgencyActor(linkID string) Actor { return Actor{Kind: ActorAgency, ID: linkID} }

// SystemActor is Trellis acting on its own.
var SystemActor = Actor{Kind: ActorSystem}

// String returns "user:<id>", "agency:<link id>" or "system".
func (a Actor) String() string {
	if a.ID == "" {
		return string(a.Kind)
	}
	return string(a.Kind) + ":" + a.ID
}

// Valid reports whether a has a known kind, and an id unless it is the
// system.
func (a Actor) Valid() bool {
	switch a.Kind {
	case ActorUser, ActorAgency:
		return a.ID != ""
	case ActorSystem:
		return a.ID == ""
	}
	return false
}

// EventKind says what an event records beyond its status move.
type EventKind string

// The event kinds.
const (
	// EventMove is a status move, or an update of the note or the
	// follow-up date: the default, empty kind.
	EventMove EventKind = ""
	// EventConsentWithdrawn records that the peer withdrew consent: an
	// open referral is cancelled with it, its agency links end and its
	// contact details are erased (Service.WithdrawConsent).
	EventConsentWithdrawn EventKind = "consent_withdrawn"
)

// Event is one change to a referral. Events are append-only: stores offer
// no way to edit or delete one short of purging the whole referral.
type Event struct {
	ID         string `json:"id"`
	ReferralID string `json:"referral_id"`
	// Kind is EventMove (empty) or EventConsentWithdrawn.
	Kind EventKind `json:"kind,omitempty"`
	// At is UTC with microsecond precision.
	At    time.Time `json:"at"`
	Actor Actor     `json:"actor"`
	// From is the status before the event, empty for the event that
	// created the referral; To is the status after it. From == To for an
	// update that changes only the note or the follow-up date.
	From Status `json:"from,omitempty"`
	To   Status `json:"to"`
	// Note is free text: the reason when declined, otherwise optional.
	// Never logged.
	Note string `json:"note,omitempty"`
	// FollowUp, when not zero, is the new follow-up date (00:00 UTC).
	FollowUp time.Time `json:"follow_up,omitzero"`
}

// Change is a requested move or update of a referral.
type Change struct {
	// To is the status to move to; empty or equal to the current status
	// means an update of Note or FollowUp only, allowed while the referral
	// is open.
	To Status
	// Note is the reason (required when To is declined) or a remark.
	Note string
	// FollowUp, when not zero, sets a new follow-up date (DateOf is
	// applied).
	FollowUp time.Time
	// Expected, when set, is the status the caller last saw; if the
	// referral has moved on since, the change fails with a stale
	// *TransitionError instead of applying to a state the caller never saw.
	Expected Status
}

// NewEvent checks change c against referral r (id and current status) and
// returns the event that records it, stamped with now. It returns a
// *TransitionError (409) for a move the machine does not allow or that
// actor's kind may not make (AllowedNextFor), including any change to a
// closed referral, and an Invalid error for a bad status,
// a missing decline reason, an empty update or a note that is too long.
func NewEvent(r *Referral, actor Actor, c Change, now time.Time) (Event, error) {
	if !actor.Valid() {
		return Event{}, fmt.Errorf("referral %s: event: invalid actor %q", r.ID, actor.Kind)
	}
	to := c.To
	if to == "" {
		to = r.Status
	}
	if !to.Valid() {
		return Event{}, apperr.Field("status", "status must be one of %s", joinStatuses(Statuses))
	}
	allowed := AllowedNextFor(actor.Kind, r.Status)
	if c.Expected != "" && c.Expected != r.Status {
		return Event{}, &TransitionError{ID: r.ID, From: r.Status, To: to, Allowed: allowed, Stale: true, Expected: c.Expected}
	}
	note := strings.TrimSpace(c.Note)
	if utf8.RuneCountInString(note) > MaxEventNote {
		return Event{}, apperr.Field("note", "note must be at most %d characters", MaxEventNote)
	}
	if to == r.Status {
		if r.Status.Terminal() {
			return Event{}, &TransitionError{ID: r.ID, From: r.Status, To: to, Allowed: allowed}
		}
		if note == "" && c.FollowUp.IsZero() {
			return Event{}, apperr.Field("status", "give a new status, a note or a follow-up date")
		}
	} else if !slices.Contains(allowed, to) {
		return Event{}, &TransitionError{ID: r.ID, From: r.Status, To: to, Allowed: allowed}
	}
	if to == StatusDeclined && note == "" {
		return Event{}, apperr.Field("note", "a reason is required to decline a referral")
	}
	ev := Event{ID: NewID(), ReferralID: r.ID, At: Timestamp(now), Actor: actor, From: r.Status, To: to, Note: note}
	if !c.FollowUp.IsZero() {
		ev.FollowUp = DateOf(c.FollowUp)
	}
	return ev, nil
}

// Apply returns a copy of r after ev: its status, updated time, follow-up
// date, for a move to a terminal status its closed time and, for the
// agency's event, its answer time.
func Apply(r *Referral, ev Event) *Referral {
	out := *r
	out.Status = ev.To
	out.UpdatedAt = ev.At
	if !ev.FollowUp.IsZero() {
		out.FollowUp = ev.FollowUp
	}
	if ev.To.Terminal() && out.ClosedAt.IsZero() {
		out.ClosedAt = ev.At
	}
	if ev.Actor.Kind == ActorAgency {
		out.AnsweredAt = ev.At
	}
	if r.Contact != nil {
		c := *r.Contact
		out.Contact = &c
	}
	return &out
}
