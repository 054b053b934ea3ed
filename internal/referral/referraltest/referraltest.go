// Package referraltest is the shared test suite every referral.Store
// implementation runs: the sqlite package against a file in a temporary
// directory, the postgres package against a real PostgreSQL.
package referraltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/directory"
	"trellis/internal/referral"
)

// Opener returns a new, empty, migrated store for one test, closed by
// the test's cleanup.
type Opener func(t *testing.T) referral.Store

// TestStore runs the suite against stores made by open. Each subtest
// opens its own store and runs in parallel with the others.
func TestStore(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, referral.Store)
	}{
		{"CreateAndRead", testCreateAndRead},
		{"ContactOnlyWithConsent", testContactOnlyWithConsent},
		{"ListFiltersAndPaging", testList},
		{"Transitions", testTransitions},
		{"ConcurrentMovesOneWins", testConcurrent},
		{"EventsAppendOnlyOrdered", testEvents},
		{"FollowUpsDue", testFollowUps},
		{"Expiry", testExpiry},
		{"AgencyLink", testAgencyLink},
		{"ServiceAuditAndVisibility", testServiceAudit},
		{"ChangeAndAuditOneTransaction", testAuditInTransaction},
		{"SentAtFromFirstLink", testSentAt},
		{"ServiceCatalogAndPart2", testServiceCatalog},
		{"Pseudonyms", testPseudonyms},
		{"LinksEnd", testLinksEnd},
		{"WithdrawConsent", testWithdrawConsent},
		{"Outbox", testOutbox},
		{"Purge", testPurge},
		{"Stats", testStats},
		{"ListByAgencyAndFollowUp", testListAgencyAndOrder},
		{"UnreadAnswers", testUnreadAnswers},
		{"AnswerMail", testAnswerMail},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 is the suite's clock origin; times are microsecond-precise UTC, as
// the stores keep them.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

type opt func(*referral.Draft)

func need(n string) opt        { return func(d *referral.Draft) { d.Need = n } }
func followUp(t time.Time) opt { return func(d *referral.Draft) { d.FollowUp = t } }
func service(k string) opt     { return func(d *referral.Draft) { d.ServiceKey = k } }
func withContact(c referral.Contact) opt {
	return func(d *referral.Draft) { d.Consent.Contact = true; d.Contact = &c }
}

// create stores a new referral made by specialist (in team) at time at.
func create(t *testing.T, s referral.Store, specialist, team string, at time.Time, opts ...opt) *referral.Referral {
	t.Helper()
	d := referral.Draft{Need: "housing.emergency-shelter", ServiceKey: "harbor.shelter", LocationID: "main",
		Notes: "prefers mornings", Consent: referral.Consent{Method: referral.ConsentVerbal}}
	for _, o := range opts {
		o(&d)
	}
	r, ev, err := referral.New(d, specialist, team, at)
	if err != nil {
		t.Fatalf("referral.New: %v", err)
	}
	if err := s.CreateReferral(context.Background(), r, ev, nil); err != nil {
		t.Fatalf("CreateReferral: %v", err)
	}
	return r
}

// move appends a user event moving r to `to` at at and returns the result.
func move(t *testing.T, s referral.Store, r *referral.Referral, to referral.Status, at time.Time) *referral.Referral {
	t.Helper()
	ev, err := referral.NewEvent(r, referral.SystemActor, referral.Change{To: to, Note: "because"}, at)
	if err != nil {
		t.Fatalf("NewEvent %s -> %s: %v", r.Status, to, err)
	}
	out, err := s.AppendEvent(context.Background(), r.ID, ev, r.Status, nil)
	if err != nil {
		t.Fatalf("AppendEvent %s -> %s: %v", r.Status, to, err)
	}
	return out
}

func mustEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func ids(rs []*referral.Referral) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.ID)
	}
	return out
}

func testCreateAndRead(t *testing.T, s referral.Store) {
	ctx := context.Background()
	r := create(t, s, "u-ana", "team-1", t0, followUp(t0.AddDate(0, 0, 7)), withContact(referral.Contact{Phone: "202-555-0100", Email: "jd@example.org"}))
	got, err := s.Referral(ctx, r.ID)
	if err != nil {
		t.Fatalf("Referral: %v", err)
	}
	mustEqual(t, "read back", got, r)
	if got.Status != referral.StatusSent || !got.ClosedAt.IsZero() {
		t.Errorf("status %s closed %v, want sent and open", got.Status, got.ClosedAt)
	}
	evs, err := s.Events(ctx, r.ID)
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(evs) != 1 || evs[0].From != "" || evs[0].To != referral.StatusSent || evs[0].Actor != referral.UserActor("u-ana") || !evs[0].At.Equal(t0.Truncate(time.Microsecond)) {
		t.Errorf("first event = %+v", evs)
	}

	if _, err := s.Referral(ctx, "NOSUCHID"); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("Referral(unknown) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Events(ctx, "NOSUCHID"); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("Events(unknown) error = %v, want ErrNotFound", err)
	}
	ev2 := referral.Event{ID: referral.NewID(), ReferralID: r.ID, At: t0, Actor: referral.UserActor("u-ana"), To: referral.StatusSent}
	if err := s.CreateReferral(ctx, r, ev2, nil); err == nil {
		t.Error("CreateReferral with an existing id succeeded")
	}
	if n, err := s.CountReferrals(ctx, referral.Filter{}); err != nil || n != 1 {
		t.Errorf("CountReferrals after duplicate = %d, %v; want 1", n, err)
	}
}

func testContactOnlyWithConsent(t *testing.T, s referral.Store) {
	ctx := context.Background()
	// The domain refuses contact details without consent.
	d := referral.Draft{PeerRef: "P-JD27K", Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentWritten},
		Contact: &referral.Contact{Phone: "202-555-0100"}}
	if _, _, err := referral.New(d, "u-ana", "", t0); apperr.As(err) == nil || apperr.As(err).Field != "contact" {
		t.Errorf("New with contact but no consent: error %v, want a contact field error", err)
	}
	// A store handed contact details without consent does not keep them.
	r := create(t, s, "u-ana", "", t0)
	r2 := *r
	r2.ID = referral.NewID()
	r2.Contact = &referral.Contact{Phone: "202-555-0100", Email: "jd@example.org"}
	if err := s.CreateReferral(ctx, &r2, referral.Event{ID: referral.NewID(), At: t0, Actor: referral.UserActor("u-ana"), To: referral.StatusSent}, nil); err != nil {
		t.Fatalf("CreateReferral: %v", err)
	}
	for _, id := range []string{r.ID, r2.ID} {
		got, err := s.Referral(ctx, id)
		if err != nil {
			t.Fatalf("Referral: %v", err)
		}
		if got.Contact != nil || got.Consent.Contact {
			t.Errorf("referral %s: contact %+v kept without consent", id, got.Contact)
		}
	}
	// With consent, they are kept.
	r3 := create(t, s, "u-ana", "", t0, withContact(referral.Contact{Email: "jd@example.org"}))
	got, err := s.Referral(ctx, r3.ID)
	if err != nil {
		t.Fatalf("Referral: %v", err)
	}
	if got.Contact == nil || got.Contact.Email != "jd@example.org" || got.Contact.Phone != "" {
		t.Errorf("contact with consent = %+v", got.Contact)
	}
}

func testList(t *testing.T, s referral.Store) {
	ctx := context.Background()
	// Created one minute apart, so newest-first order is r[5], r[4], ...
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	r := []*referral.Referral{
		create(t, s, "u-ana", "team-1", at(0), need("housing")),
		create(t, s, "u-ana", "", at(1), need("housing.emergency-shelter"), followUp(t0.AddDate(0, 0, 1))),
		create(t, s, "u-ben", "team-1", at(2), need("food.pantry")),
		create(t, s, "u-ben", "", at(3), need("food"), followUp(t0.AddDate(0, 0, 3))),
		create(t, s, "u-cal", "team-2", at(4), need("housing-help")),
		create(t, s, "u-ana", "team-1", at(5), need("employment")),
	}
	r[0] = move(t, s, r[0], referral.StatusAccepted, at(6))
	r[2] = move(t, s, r[2], referral.StatusCancelled, at(6))

	tests := []struct {
		name string
		f    referral.Filter
		want []*referral.Referral
	}{
		{"all", referral.Filter{}, []*referral.Referral{r[5], r[4], r[3], r[2], r[1], r[0]}},
		{"specialist", referral.Filter{Specialist: "u-ana"}, []*referral.Referral{r[5], r[1], r[0]}},
		{"team", referral.Filter{Team: "team-1"}, []*referral.Referral{r[5], r[2], r[0]}},
		{"specialist or team", referral.Filter{Specialist: "u-ben", Team: "team-1"}, []*referral.Referral{r[5], r[3], r[2], r[0]}},
		{"status", referral.Filter{Status: []referral.Status{referral.StatusAccepted, referral.StatusCancelled}}, []*referral.Referral{r[2], r[0]}},
		{"need with subcategories", referral.Filter{Need: "housing"}, []*referral.Referral{r[1], r[0]}},
		{"need exact subcategory", referral.Filter{Need: "food.pantry"}, []*referral.Referral{r[2]}},
		{"due before", referral.Filter{DueBefore: t0.AddDate(0, 0, 2)}, []*referral.Referral{r[1]}},
		{"combined", referral.Filter{Specialist: "u-ana", Status: []referral.Status{referral.StatusSent}}, []*referral.Referral{r[5], r[1]}},
		{"none", referral.Filter{Specialist: "u-nobody"}, []*referral.Referral{}},
		{"page 1", referral.Filter{Limit: 2}, []*referral.Referral{r[5], r[4]}},
		{"page 2", referral.Filter{Limit: 2, Offset: 2}, []*referral.Referral{r[3], r[2]}},
		{"page 4 is empty", referral.Filter{Limit: 2, Offset: 6}, []*referral.Referral{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListReferrals(ctx, tc.f)
			if err != nil {
				t.Fatalf("ListReferrals: %v", err)
			}
			mustEqual(t, "ids", ids(got), ids(tc.want))
			mustEqual(t, "referrals", got, tc.want)
			n, err := s.CountReferrals(ctx, tc.f)
			if err != nil {
				t.Fatalf("CountReferrals: %v", err)
			}
			f := tc.f
			f.Limit, f.Offset = 0, 0
			all, err := s.ListReferrals(ctx, f)
			if err != nil {
				t.Fatalf("ListReferrals: %v", err)
			}
			if n != len(all) {
				t.Errorf("CountReferrals = %d, want %d", n, len(all))
			}
		})
	}
}

// pathTo lists the moves from sent that reach each status.
var pathTo = map[referral.Status][]referral.Status{
	referral.StatusSent:      {},
	referral.StatusAccepted:  {referral.StatusAccepted},
	referral.StatusDeclined:  {referral.StatusDeclined},
	referral.StatusCompleted: {referral.StatusAccepted, referral.StatusCompleted},
	referral.StatusNoShow:    {referral.StatusAccepted, referral.StatusNoShow},
	referral.StatusCancelled: {referral.StatusCancelled},
	referral.StatusExpired:   {referral.StatusExpired},
}

func testTransitions(t *testing.T, s referral.Store) {
	ctx := context.Background()
	for _, from := range referral.Statuses {
		for _, to := range referral.Statuses {
			if from == to {
				continue
			}
			t.Run(fmt.Sprintf("%s to %s", from, to), func(t *testing.T) {
				r := create(t, s, "u-ana", "", t0)
				at := t0
				for _, st := range pathTo[from] {
					at = at.Add(time.Minute)
					r = move(t, s, r, st, at)
				}
				before, err := s.Events(ctx, r.ID)
				if err != nil {
					t.Fatalf("Events: %v", err)
				}
				ev := referral.Event{ID: referral.NewID(), At: at.Add(time.Minute), Actor: referral.UserActor("u-ana"), From: from, To: to, Note: "reason"}
				got, err := s.AppendEvent(ctx, r.ID, ev, from, nil)
				if referral.CanMove(from, to) {
					if err != nil {
						t.Fatalf("allowed move failed: %v", err)
					}
					if got.Status != to || !got.UpdatedAt.Equal(ev.At) {
						t.Errorf("after move: status %s updated %v", got.Status, got.UpdatedAt)
					}
					if to.Terminal() != !got.ClosedAt.IsZero() {
						t.Errorf("closed_at %v for status %s", got.ClosedAt, to)
					}
					return
				}
				var te *referral.TransitionError
				if !errors.As(err, &te) {
					t.Fatalf("disallowed move: error %v, want *TransitionError", err)
				}
				mustEqual(t, "allowed", te.Allowed, referral.AllowedNext(from))
				if e := apperr.As(err); e == nil || e.Code != apperr.Conflict {
					t.Errorf("disallowed move: apperr %v, want conflict", e)
				}
				after, _ := s.Referral(ctx, r.ID)
				if after.Status != from {
					t.Errorf("status changed to %s by a refused move", after.Status)
				}
				evs, _ := s.Events(ctx, r.ID)
				if len(evs) != len(before) {
					t.Errorf("refused move appended an event: %d -> %d", len(before), len(evs))
				}
			})
		}
	}
	// A wrong expected status is refused as stale.
	r := create(t, s, "u-ana", "", t0)
	ev := referral.Event{ID: referral.NewID(), At: t0, Actor: referral.UserActor("u-ana"), From: referral.StatusAccepted, To: referral.StatusCompleted}
	var te *referral.TransitionError
	if _, err := s.AppendEvent(ctx, r.ID, ev, referral.StatusAccepted, nil); !errors.As(err, &te) || !te.Stale || te.From != referral.StatusSent {
		t.Errorf("stale expected status: error %v, want stale TransitionError from sent", err)
	}
	ev.From, ev.To = referral.StatusSent, referral.StatusAccepted
	if _, err := s.AppendEvent(ctx, "NOSUCHID", ev, referral.StatusSent, nil); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("unknown referral: error %v, want ErrNotFound", err)
	}
}

func testConcurrent(t *testing.T, s referral.Store) {
	ctx := context.Background()
	targets := []referral.Status{referral.StatusAccepted, referral.StatusDeclined, referral.StatusCancelled}
	for round := 0; round < 3; round++ {
		r := create(t, s, "u-ana", "", t0)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ev := referral.Event{ID: referral.NewID(), At: t0.Add(time.Second), Actor: referral.UserActor("u-ana"), From: referral.StatusSent, To: targets[i%len(targets)], Note: "race"}
				_, errs[i] = s.AppendEvent(ctx, r.ID, ev, referral.StatusSent, nil)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			var te *referral.TransitionError
			switch {
			case err == nil:
				wins++
			case errors.As(err, &te) && te.Stale:
			default:
				t.Errorf("round %d: unexpected error %v", round, err)
			}
		}
		if wins != 1 {
			t.Errorf("round %d: %d moves won, want exactly 1", round, wins)
		}
		evs, err := s.Events(ctx, r.ID)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		if len(evs) != 2 {
			t.Errorf("round %d: %d events, want 2", round, len(evs))
		}
		got, _ := s.Referral(ctx, r.ID)
		if len(evs) == 2 && got.Status != evs[1].To {
			t.Errorf("round %d: status %s, last event to %s", round, got.Status, evs[1].To)
		}
	}
}

func testEvents(t *testing.T, s referral.Store) {
	ctx := context.Background()
	r := create(t, s, "u-ana", "", t0)
	other := create(t, s, "u-ana", "", t0)
	// Same timestamps: order must come from append order, not time.
	steps := []referral.Change{
		{Note: "called the shelter", FollowUp: t0.AddDate(0, 0, 2)},
		{To: referral.StatusAccepted, Note: "bed held"},
		{Note: "second note"},
		{To: referral.StatusCompleted},
	}
	var want []referral.Event
	first, _ := s.Events(ctx, r.ID)
	want = append(want, first...)
	cur := r
	for i, c := range steps {
		ev, err := referral.NewEvent(cur, referral.UserActor("u-ana"), c, t0)
		if err != nil {
			t.Fatalf("step %d: NewEvent: %v", i, err)
		}
		if cur, err = s.AppendEvent(ctx, r.ID, ev, cur.Status, nil); err != nil {
			t.Fatalf("step %d: AppendEvent: %v", i, err)
		}
		// Interleave another referral's events, which must not show up.
		move(t, s, other, referral.StatusAccepted, t0)
		other = create(t, s, "u-ana", "", t0)
		ev.ReferralID = r.ID
		want = append(want, ev)
		got, err := s.Events(ctx, r.ID)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		mustEqual(t, fmt.Sprintf("events after step %d", i), got, want)
	}
	if !cur.FollowUp.Equal(referral.DateOf(t0.AddDate(0, 0, 2))) {
		t.Errorf("follow-up after update event = %v", cur.FollowUp)
	}
	// Nothing moves a closed referral, not even a note.
	ev := referral.Event{ID: referral.NewID(), At: t0, Actor: referral.UserActor("u-ana"), From: referral.StatusCompleted, To: referral.StatusCompleted, Note: "late"}
	var te *referral.TransitionError
	if _, err := s.AppendEvent(ctx, r.ID, ev, referral.StatusCompleted, nil); !errors.As(err, &te) {
		t.Errorf("note on closed referral: error %v, want TransitionError", err)
	}
	got, _ := s.Events(ctx, r.ID)
	mustEqual(t, "events after refused note", got, want)
}

func mustRead(t *testing.T, s referral.Store, id string) *referral.Referral {
	t.Helper()
	r, err := s.Referral(context.Background(), id)
	if err != nil {
		t.Fatalf("Referral %s: %v", id, err)
	}
	return r
}

func testFollowUps(t *testing.T, s referral.Store) {
	ctx := context.Background()
	today := time.Date(2025, 3, 20, 18, 30, 0, 0, time.UTC)
	day := func(n int) time.Time { return today.AddDate(0, 0, n) }
	overdue := create(t, s, "u-ana", "", t0, followUp(day(-2)))
	due := create(t, s, "u-ana", "", t0, followUp(day(0)))
	acceptedDue := move(t, s, create(t, s, "u-ana", "", t0, followUp(day(-1))), referral.StatusAccepted, t0)
	create(t, s, "u-ana", "", t0, followUp(day(1)))                                                       // not yet
	create(t, s, "u-ana", "", t0)                                                                         // none
	create(t, s, "u-ben", "", t0, followUp(day(-3)))                                                      // someone else's
	move(t, s, create(t, s, "u-ana", "", t0, followUp(day(-5))), referral.StatusCancelled, t0)            // closed
	move(t, s, move(t, s, create(t, s, "u-ana", "", t0, followUp(day(-5))), referral.StatusAccepted, t0), // closed
		referral.StatusCompleted, t0)

	got, err := s.FollowUpsDue(ctx, "u-ana", today)
	if err != nil {
		t.Fatalf("FollowUpsDue: %v", err)
	}
	mustEqual(t, "due ids", ids(got), ids([]*referral.Referral{overdue, acceptedDue, due}))
	tests := []struct {
		name    string
		r       *referral.Referral
		overdue bool
	}{
		{"two days late", overdue, true},
		{"one day late", acceptedDue, true},
		{"due today", due, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.r.Overdue(today) != tc.overdue {
				t.Errorf("Overdue = %v, want %v", !tc.overdue, tc.overdue)
			}
		})
	}
	// Just after midnight in a zone east of UTC, the day is already the next one.
	tz := time.FixedZone("UTC+3", 3*3600)
	got, err = s.FollowUpsDue(ctx, "u-ana", time.Date(2025, 3, 21, 1, 0, 0, 0, tz))
	if err != nil {
		t.Fatalf("FollowUpsDue: %v", err)
	}
	if len(got) != 4 {
		t.Errorf("due on the 21st (local): %d referrals, want 4", len(got))
	}
	if got, _ := s.FollowUpsDue(ctx, "u-nobody", today); len(got) != 0 {
		t.Errorf("follow-ups of nobody = %v", ids(got))
	}
}

func testExpiry(t *testing.T, s referral.Store) {
	ctx := context.Background()
	now := t0.AddDate(0, 0, 60)
	oldSent := create(t, s, "u-ana", "", t0)
	oldAccepted := move(t, s, create(t, s, "u-ana", "", t0), referral.StatusAccepted, t0.AddDate(0, 0, 1))
	recentActivity := move(t, s, create(t, s, "u-ana", "", t0), referral.StatusAccepted, now.AddDate(0, 0, -5))
	fresh := create(t, s, "u-ana", "", now.AddDate(0, 0, -1))
	closed := move(t, s, create(t, s, "u-ana", "", t0), referral.StatusCancelled, t0)

	got, err := s.ExpireOlderThan(ctx, 30*24*time.Hour, now)
	if err != nil {
		t.Fatalf("ExpireOlderThan: %v", err)
	}
	slices.Sort(got)
	want := []string{oldSent.ID, oldAccepted.ID}
	slices.Sort(want)
	mustEqual(t, "expired ids", got, want)
	for _, r := range []*referral.Referral{oldSent, oldAccepted} {
		after := mustRead(t, s, r.ID)
		if after.Status != referral.StatusExpired || !after.ClosedAt.Equal(now.Truncate(time.Microsecond)) {
			t.Errorf("%s: status %s closed %v", r.ID, after.Status, after.ClosedAt)
		}
		evs, _ := s.Events(ctx, r.ID)
		last := evs[len(evs)-1]
		if last.To != referral.StatusExpired || last.From != r.Status || last.Actor != referral.SystemActor {
			t.Errorf("%s: expiry event %+v", r.ID, last)
		}
	}
	for _, r := range []*referral.Referral{recentActivity, fresh, closed} {
		if after := mustRead(t, s, r.ID); after.Status != r.Status {
			t.Errorf("%s: status %s, want %s untouched", r.ID, after.Status, r.Status)
		}
	}
	again, err := s.ExpireOlderThan(ctx, 30*24*time.Hour, now)
	if err != nil || len(again) != 0 {
		t.Errorf("second expiry = %v, %v; want nothing", again, err)
	}

	// Through the store or the service, each expiry is audited as the
	// system's doing.
	svc := &referral.Service{Store: s, Now: func() time.Time { return now.AddDate(0, 0, 30) }}
	if _, err := svc.Expire(ctx, 0); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("Expire(0): error %v, want invalid", err)
	}
	got, err = svc.Expire(ctx, 30*24*time.Hour)
	if err != nil {
		t.Fatalf("Service.Expire: %v", err)
	}
	slices.Sort(got)
	want = []string{recentActivity.ID, fresh.ID}
	slices.Sort(want)
	mustEqual(t, "expired by service", got, want)
	log, err := s.AuditLog(ctx, referral.AuditFilter{Actor: referral.SystemActor})
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	var audited []string
	for _, e := range log {
		if e.Action == referral.ActionExpire {
			audited = append(audited, e.ReferralID)
		}
	}
	slices.Sort(audited)
	want = append(want, oldSent.ID, oldAccepted.ID)
	slices.Sort(want)
	mustEqual(t, "audited expiries", audited, want)
}

func testAgencyLink(t *testing.T, s referral.Store) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	svc := &referral.Service{Store: s, Now: func() time.Time { return now }, LinkTTL: 48 * time.Hour}
	ana := referral.Viewer{UserID: "u-ana"}
	r1 := create(t, s, "u-ana", "", t0, withContact(referral.Contact{Phone: "202-555-0100"}))
	r2 := create(t, s, "u-ana", "", t0)

	token, link, err := svc.CreateAgencyLink(ctx, ana, r1.ID)
	if err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	if len(token) < 43 {
		t.Errorf("token has %d characters, want at least 43", len(token))
	}
	stored, err := s.AgencyLink(ctx, referral.HashToken(token))
	if err != nil {
		t.Fatalf("AgencyLink: %v", err)
	}
	mustEqual(t, "stored link", stored, link)
	if string(stored.TokenHash) == token || len(stored.TokenHash) != 32 {
		t.Errorf("stored token hash is not a SHA-256 hash")
	}
	if _, err := s.AgencyLink(ctx, []byte(token)); !errors.Is(err, referral.ErrLinkNotFound) {
		t.Errorf("lookup by the raw token: error %v, want ErrLinkNotFound", err)
	}

	// The agency sees the referral, without notes; contact only with
	// share-with-service consent (this one is this-referral).
	view, err := svc.AgencyReferral(ctx, token)
	if err != nil {
		t.Fatalf("AgencyReferral: %v", err)
	}
	if view.ID != r1.ID || view.Contact != nil || view.Status != referral.StatusSent {
		t.Errorf("agency view = %+v", view)
	}
	mustEqual(t, "agency allowed", view.Allowed, []referral.Status{referral.StatusAccepted, referral.StatusDeclined})

	tests := []struct {
		name   string
		token  string
		change referral.Change
		want   referral.Status
		err    func(error) bool
	}{
		{"not an agency move", token, referral.Change{To: referral.StatusCancelled}, "", isTransition},
		{"decline needs a reason", token, referral.Change{To: referral.StatusDeclined}, "", isInvalid},
		{"wrong token", token[:len(token)-2] + "xx", referral.Change{To: referral.StatusAccepted}, "", is(referral.ErrLinkNotFound)},
		{"accept", token, referral.Change{To: referral.StatusAccepted, Note: "intake Tuesday"}, referral.StatusAccepted, nil},
		{"no show is not the agency's", token, referral.Change{To: referral.StatusNoShow}, "", isTransition},
		{"complete", token, referral.Change{To: referral.StatusCompleted}, referral.StatusCompleted, nil},
		{"closed: the link is gone", token, referral.Change{To: referral.StatusAccepted}, "", isGone(referral.ErrLinkClosed)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ev, err := svc.AgencyMove(ctx, tc.token, tc.change)
			if tc.err != nil {
				if !tc.err(err) {
					t.Errorf("error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("AgencyMove: %v", err)
			}
			if v.Status != tc.want || ev.Actor != referral.AgencyActor(link.ID) {
				t.Errorf("status %s actor %v", v.Status, ev.Actor)
			}
		})
	}
	evs, _ := s.Events(ctx, r1.ID)
	if len(evs) != 3 || evs[1].Actor.Kind != referral.ActorAgency || evs[1].Note != "intake Tuesday" {
		t.Errorf("timeline = %+v", evs)
	}
	// The link reaches one referral only.
	if got := mustRead(t, s, r2.ID); got.Status != referral.StatusSent {
		t.Errorf("other referral moved to %s", got.Status)
	}

	// Expiry is enforced.
	token2, _, err := svc.CreateAgencyLink(ctx, ana, r2.ID)
	if err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	if _, _, err := referral.OpenAgencyLink(ctx, s, token2, now.Add(47*time.Hour)); err != nil {
		t.Errorf("link before expiry: %v", err)
	}
	if _, _, err := referral.OpenAgencyLink(ctx, s, token2, now.Add(48*time.Hour)); !errors.Is(err, referral.ErrLinkExpired) {
		t.Errorf("link at expiry: error %v, want ErrLinkExpired", err)
	}
	now = now.Add(49 * time.Hour)
	if _, _, err := svc.AgencyMove(ctx, token2, referral.Change{To: referral.StatusAccepted}); !errors.Is(err, referral.ErrLinkExpired) {
		t.Errorf("move through expired link: error %v, want ErrLinkExpired", err)
	}
	// Links need an existing, open referral the specialist can see.
	l, _ := referral.NewAgencyLink("NOSUCHID", "u-ana", time.Hour, now)
	if err := s.CreateAgencyLink(ctx, l); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("link to unknown referral: error %v, want ErrNotFound", err)
	}
	if _, _, err := svc.CreateAgencyLink(ctx, ana, r1.ID); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("link to closed referral: error %v, want conflict", err)
	}
	if _, _, err := svc.CreateAgencyLink(ctx, referral.Viewer{UserID: "u-ben"}, r2.ID); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("link by another specialist: error %v, want ErrNotFound", err)
	}

	// With share-with-service consent the agency sees the contact details.
	d := referral.Draft{PeerRef: "P-KM327", Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentWritten, Scope: referral.ScopeShareWithService, Contact: true},
		Contact: &referral.Contact{Phone: "202-555-0101"}}
	r3, err := svc.Create(ctx, ana, d)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	token3, _, err := svc.CreateAgencyLink(ctx, ana, r3.ID)
	if err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	v3, err := svc.AgencyReferral(ctx, token3)
	if err != nil {
		t.Fatalf("AgencyReferral: %v", err)
	}
	if v3.Contact == nil || v3.Contact.Phone != "202-555-0101" {
		t.Errorf("agency contact with share consent = %+v", v3.Contact)
	}
}

func isTransition(err error) bool {
	var te *referral.TransitionError
	return errors.As(err, &te) && apperr.CodeOf(err) == apperr.Conflict
}

func isInvalid(err error) bool { return apperr.CodeOf(err) == apperr.Invalid }

// isGone reports whether an error is the 410 target.
func isGone(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) && apperr.CodeOf(err) == apperr.Gone }
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func testServiceAudit(t *testing.T, s referral.Store) {
	ctx := context.Background()
	now := t0
	svc := &referral.Service{Store: s, Now: func() time.Time { return now }}
	ana := referral.Viewer{UserID: "u-ana", TeamID: "team-1"}
	teammate := referral.Viewer{UserID: "u-dee", TeamID: "team-1"}
	ben := referral.Viewer{UserID: "u-ben"}
	secret := "peer disclosed something private"

	r, err := svc.Create(ctx, ana, referral.Draft{Need: "housing", ServiceKey: "harbor.shelter", Notes: secret,
		Consent: referral.Consent{Method: referral.ConsentVerbal}})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if r.TeamID != "team-1" || r.SpecialistID != "u-ana" || r.Consent.RecordedBy != "u-ana" || r.Consent.Scope != referral.ScopeThisReferral {
		t.Errorf("created = %+v", r)
	}
	if _, _, err := svc.Get(ctx, ana, r.ID); err != nil {
		t.Errorf("owner Get: %v", err)
	}
	if _, evs, err := svc.Get(ctx, teammate, r.ID); err != nil || len(evs) != 1 {
		t.Errorf("teammate Get: %v, %d events", err, len(evs))
	}
	if _, _, err := svc.Get(ctx, ben, r.ID); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("outsider Get: error %v, want ErrNotFound", err)
	}
	if _, _, err := svc.Move(ctx, ben, r.ID, referral.Change{To: referral.StatusCancelled}); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("outsider Move: error %v, want ErrNotFound", err)
	}
	list, n, err := svc.List(ctx, ana, referral.Filter{})
	if err != nil || n != 1 || len(list) != 1 {
		t.Errorf("List = %d of %d, %v", len(list), n, err)
	}
	if list, _, _ := svc.List(ctx, ben, referral.Filter{}); len(list) != 0 {
		t.Errorf("outsider List = %v", ids(list))
	}
	_, _, err = svc.Move(ctx, ana, r.ID, referral.Change{To: referral.StatusExpired})
	if te := (*referral.TransitionError)(nil); !errors.As(err, &te) || slices.Contains(te.Allowed, referral.StatusExpired) {
		t.Errorf("user expiring: error %v, want TransitionError without expired in allowed", err)
	}
	if _, _, err := svc.Move(ctx, ana, r.ID, referral.Change{To: referral.StatusCancelled, Note: secret, Expected: referral.StatusSent}); err != nil {
		t.Errorf("owner Move: %v", err)
	}
	if _, _, err := svc.Move(ctx, ana, r.ID, referral.Change{To: referral.StatusAccepted, Expected: referral.StatusSent}); !isTransition(err) {
		t.Errorf("stale Move: error %v, want TransitionError", err)
	}

	log, err := s.AuditLog(ctx, referral.AuditFilter{ReferralID: r.ID})
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	type row struct {
		actor  string
		action referral.Action
	}
	var got []row
	for i, e := range log {
		got = append(got, row{e.Actor.String(), e.Action})
		if e.ReferralID != r.ID || !e.At.Equal(now) {
			t.Errorf("entry %d = %+v", i, e)
		}
		if i > 0 && e.Seq <= log[i-1].Seq {
			t.Errorf("entry %d: seq %d not after %d", i, e.Seq, log[i-1].Seq)
		}
	}
	want := []row{
		{"user:u-ana", referral.ActionCreate},
		{"user:u-ana", referral.ActionRead},
		{"user:u-dee", referral.ActionRead},
		{"user:u-ben", referral.ActionDeniedRead},
		{"user:u-ben", referral.ActionDeniedWrite},
		{"user:u-ana", referral.ActionList},
		{"user:u-ana", referral.ActionMove},
	}
	mustEqual(t, "audit rows", got, want)
	if byBen, _ := s.AuditLog(ctx, referral.AuditFilter{Actor: referral.UserActor("u-ben")}); len(byBen) != 2 {
		t.Errorf("audit rows by u-ben = %d, want 2", len(byBen))
	}
	if since, _ := s.AuditLog(ctx, referral.AuditFilter{Since: now.Add(time.Second)}); len(since) != 0 {
		t.Errorf("audit rows after now = %d", len(since))
	}
	if limited, _ := s.AuditLog(ctx, referral.AuditFilter{Limit: 3}); len(limited) != 3 {
		t.Errorf("audit rows with limit 3 = %d", len(limited))
	}
	// Errors name ids, never the peer's details.
	for _, err := range []error{err, referral.ErrNotFound} {
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), r.PeerRef)) {
			t.Errorf("error leaks referral content: %v", err)
		}
	}
}

// catalog is a small directory: a shelter, a pantry and a detox program.
func catalog(t *testing.T) *directory.Catalog {
	t.Helper()
	cat := func(id string, parent *directory.Category) *directory.Category {
		c := &directory.Category{ID: id, Parent: parent, Label: directory.Text{"en": id}}
		if parent != nil {
			parent.Children = append(parent.Children, c)
		}
		return c
	}
	housing, food, su := cat("housing", nil), cat("food", nil), cat("substance-use", nil)
	cat("housing.emergency-shelter", housing)
	cat("food.pantry", food)
	cat("substance-use.detox", su)
	tax := directory.NewTaxonomy([]*directory.Category{housing, food, su})
	org := &directory.Organization{ID: "harbor", Name: "Harbor"}
	main := &directory.Location{ID: "main", Org: org}
	annex := &directory.Location{ID: "annex", Org: org}
	org.Locations = []*directory.Location{main, annex}
	org.Services = []*directory.Service{
		{ID: "shelter", Org: org, Categories: []string{"housing.emergency-shelter"}, Locations: []*directory.Location{main}},
		{ID: "pantry", Org: org, Categories: []string{"food.pantry"}, Locations: []*directory.Location{main, annex}},
		{ID: "detox", Org: org, Categories: []string{"substance-use.detox"}, Locations: []*directory.Location{annex}},
	}
	c, err := directory.NewCatalog(directory.Info{}, tax, []*directory.Organization{org})
	if err != nil {
		t.Fatalf("NewCatalog: %v", err)
	}
	return c
}

func testServiceCatalog(t *testing.T, s referral.Store) {
	ctx := context.Background()
	c := catalog(t)
	svc := &referral.Service{Store: s, Catalog: func() *directory.Catalog { return c }, Now: func() time.Time { return t0 }}
	ana := referral.Viewer{UserID: "u-ana"}
	verbal := referral.Consent{Method: referral.ConsentVerbal}
	paper := referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignaturePaper, Part2Notice: true}
	signed := referral.Consent{Method: referral.ConsentWritten, Signature: referral.SignatureElectronic, SignatureImage: SignaturePNG(t), Part2Notice: true}
	with := func(c referral.Consent, edit func(*referral.Consent)) referral.Consent { edit(&c); return c }
	tests := []struct {
		name     string
		d        referral.Draft
		field    string // expected error field, "" for success
		code     apperr.Code
		location string
	}{
		{"only location is the default", referral.Draft{Need: "housing", ServiceKey: "harbor.shelter", Consent: verbal}, "", "", "main"},
		{"location chosen", referral.Draft{Need: "food", ServiceKey: "harbor.pantry", LocationID: "annex", Consent: verbal}, "", "", "annex"},
		{"two locations, none chosen", referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: verbal}, "", "", ""},
		{"unknown service", referral.Draft{Need: "food", ServiceKey: "harbor.nothing", Consent: verbal}, "service_id", apperr.Invalid, ""},
		{"location not of the service", referral.Draft{Need: "housing", ServiceKey: "harbor.shelter", LocationID: "annex", Consent: verbal}, "location_id", apperr.Invalid, ""},
		{"unknown need", referral.Draft{Need: "pets", ServiceKey: "harbor.shelter", Consent: verbal}, "need", apperr.Invalid, ""},
		{"part 2 service, verbal", referral.Draft{Need: "housing", ServiceKey: "harbor.detox", Consent: verbal}, "consent.method", apperr.Unprocessable, ""},
		{"part 2 need, verbal with the notice", referral.Draft{Need: "substance-use", ServiceKey: "harbor.shelter",
			Consent: with(verbal, func(c *referral.Consent) { c.Part2Notice = true })}, "consent.method", apperr.Unprocessable, ""},
		{"part 2, written but not signed", referral.Draft{Need: "substance-use", ServiceKey: "harbor.detox",
			Consent: with(paper, func(c *referral.Consent) { c.Signature = "" })}, "consent.signature", apperr.Unprocessable, ""},
		{"part 2, signed without the notice", referral.Draft{Need: "substance-use", ServiceKey: "harbor.detox",
			Consent: with(paper, func(c *referral.Consent) { c.Part2Notice = false })}, "consent.part2_notice", apperr.Unprocessable, ""},
		{"part 2, consent given in 1999", referral.Draft{Need: "substance-use", ServiceKey: "harbor.detox",
			Consent: with(paper, func(c *referral.Consent) { c.GivenAt = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) })}, "consent.given_at", apperr.Unprocessable, ""},
		{"part 2, consent given tomorrow", referral.Draft{Need: "substance-use", ServiceKey: "harbor.detox",
			Consent: with(paper, func(c *referral.Consent) { c.GivenAt = t0.Add(24 * time.Hour) })}, "consent.given_at", apperr.Unprocessable, ""},
		{"part 2, paper on file", referral.Draft{Need: "substance-use.detox", ServiceKey: "harbor.detox", Consent: paper}, "", "", "annex"},
		{"part 2, signed on the device", referral.Draft{Need: "substance-use.detox", ServiceKey: "harbor.detox", Consent: signed}, "", "", "annex"},
		{"name and birth date as peer ref", referral.Draft{PeerRef: "JohnSmith-1990-01-02", Need: "housing", ServiceKey: "harbor.shelter", Consent: verbal}, "peer_ref", apperr.Unprocessable, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := s.CountReferrals(ctx, referral.Filter{})
			r, err := svc.Create(ctx, ana, tc.d)
			if tc.field != "" {
				if e := apperr.As(err); e == nil || e.Field != tc.field || e.Code != tc.code {
					t.Fatalf("error %v, want a %s %s error", err, tc.code, tc.field)
				}
				if after, _ := s.CountReferrals(ctx, referral.Filter{}); after != before {
					t.Errorf("a refused referral was stored")
				}
				return
			}
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			got := mustRead(t, s, r.ID)
			if got.LocationID != tc.location || got.Consent.Part2Notice != tc.d.Consent.Part2Notice {
				t.Errorf("stored location %q part2 %v", got.LocationID, got.Consent.Part2Notice)
			}
			if got.Consent.Signature != tc.d.Consent.Signature || !bytes.Equal(got.Consent.SignatureImage, tc.d.Consent.SignatureImage) {
				t.Errorf("stored signature %q with %d image bytes, want %q with %d", got.Consent.Signature, len(got.Consent.SignatureImage),
					tc.d.Consent.Signature, len(tc.d.Consent.SignatureImage))
			}
		})
	}
}

// SignaturePNG returns a small PNG image: a line drawn on white, as a
// signature pad on the specialist's device would capture it.
func SignaturePNG(tb testing.TB) []byte {
	tb.Helper()
	img := image.NewGray(image.Rect(0, 0, 300, 100))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 20; x < 280; x++ {
		img.SetGray(x, 50+(x%20)-10, color.Gray{})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// The examples of peer references the issue found stored: each must be
// refused with a reason, and nothing kept.
var badPeerRefs = []struct{ ref, why string }{
	{"JohnSmith", "a name"},
	{"John.Smith", "a name"},
	{"Maria_Garcia_DOB1990", "a birth date"},
	{"202.555.0199", "a phone number"},
	{"Jan-02-1990", "a date"},
	{"MRN12345", "a record or case number"},
}

func testPseudonyms(t *testing.T, s referral.Store) {
	ctx := context.Background()
	pattern, err := referral.ParsePeerRefPattern(`C-[0-9]{5}`)
	if err != nil {
		t.Fatal(err)
	}
	svc := &referral.Service{Store: s, Now: func() time.Time { return t0 }}
	withPattern := &referral.Service{Store: s, Now: func() time.Time { return t0 }, PeerRefPattern: pattern}
	ana := referral.Viewer{UserID: "u-ana"}
	draft := func(ref string) referral.Draft {
		return referral.Draft{PeerRef: ref, Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}}
	}
	// Without a peer reference, Trellis issues a new pseudonym each time.
	issued := map[string]bool{}
	for range 20 {
		r, err := svc.Create(ctx, ana, draft(""))
		if err != nil {
			t.Fatalf("Create: %v", err)
		}
		if !referral.IsPseudonym(r.PeerRef) || issued[r.PeerRef] {
			t.Fatalf("issued %q: not a pseudonym, or issued twice", r.PeerRef)
		}
		issued[r.PeerRef] = true
	}
	// An issued pseudonym comes back for the same peer's next referral,
	// and finds both.
	var first string
	for p := range issued {
		first = p
		break
	}
	again, err := svc.Create(ctx, ana, draft(strings.ToLower(first)))
	if err != nil || again.PeerRef != first {
		t.Fatalf("referral with an issued pseudonym: %v, %v", again, err)
	}
	if n, err := s.CountReferrals(ctx, referral.Filter{PeerRef: first}); err != nil || n != 2 {
		t.Errorf("referrals of %s = %d, %v; want 2", first, n, err)
	}
	list, _, err := svc.List(ctx, ana, referral.Filter{PeerRef: first})
	if err != nil || len(list) != 2 {
		t.Errorf("List by pseudonym = %d, %v; want 2", len(list), err)
	}
	// A deployment's client ids are accepted where it configured them.
	if _, err := svc.Create(ctx, ana, draft("C-10293")); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("client id without a pattern: error %v, want unprocessable", err)
	}
	if r, err := withPattern.Create(ctx, ana, draft("C-10293")); err != nil || r.PeerRef != "C-10293" {
		t.Errorf("client id with a pattern: %v, %v", r, err)
	}
	before, _ := s.CountReferrals(ctx, referral.Filter{})
	for _, bad := range badPeerRefs {
		for _, sv := range []*referral.Service{svc, withPattern} {
			_, err := sv.Create(ctx, ana, draft(bad.ref))
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Unprocessable || e.Field != "peer_ref" || !strings.Contains(e.Message, bad.why) {
				t.Errorf("%s: error %v, want unprocessable peer_ref saying it looks like %s", bad.ref, err, bad.why)
			}
		}
	}
	if after, _ := s.CountReferrals(ctx, referral.Filter{}); after != before {
		t.Errorf("refused peer references stored %d referrals", after-before)
	}
}

// Every way a link ends: the agency gets a 410 saying why, on reading and
// on moving, from the next request on.
func testLinksEnd(t *testing.T, s referral.Store) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	svc := &referral.Service{Store: s, Now: func() time.Time { return now }}
	ana := referral.Viewer{UserID: "u-ana"}
	link := func(t *testing.T, id string) (string, *referral.AgencyLink) {
		t.Helper()
		now = now.Add(time.Second)
		tok, l, err := svc.CreateAgencyLink(ctx, ana, id)
		if err != nil {
			t.Fatalf("CreateAgencyLink: %v", err)
		}
		if _, err := svc.AgencyReferral(ctx, tok); err != nil {
			t.Fatalf("fresh link: %v", err)
		}
		return tok, l
	}
	tests := []struct {
		name string
		// end ends the links of referral r and returns the reason each
		// stored link should carry.
		end  func(t *testing.T, r *referral.Referral, links []*referral.AgencyLink) referral.LinkEnd
		want error
	}{
		{"cancelled", func(t *testing.T, r *referral.Referral, _ []*referral.AgencyLink) referral.LinkEnd {
			if _, _, err := svc.Move(ctx, ana, r.ID, referral.Change{To: referral.StatusCancelled}); err != nil {
				t.Fatalf("cancel: %v", err)
			}
			return referral.LinkEndCancelled
		}, referral.ErrLinkWithdrawn},
		{"consent withdrawn", func(t *testing.T, r *referral.Referral, _ []*referral.AgencyLink) referral.LinkEnd {
			if _, _, err := svc.WithdrawConsent(ctx, ana, r.ID, "peer called"); err != nil {
				t.Fatalf("withdraw: %v", err)
			}
			return referral.LinkEndConsentWithdrawn
		}, referral.ErrLinkWithdrawn},
		{"declined by the agency", func(t *testing.T, r *referral.Referral, _ []*referral.AgencyLink) referral.LinkEnd {
			move(t, s, r, referral.StatusDeclined, now)
			return referral.LinkEndClosed
		}, referral.ErrLinkClosed},
		{"revoked by the specialist", func(t *testing.T, r *referral.Referral, links []*referral.AgencyLink) referral.LinkEnd {
			for _, l := range links {
				if err := svc.RevokeAgencyLink(ctx, ana, r.ID, l.ID); err != nil {
					t.Fatalf("revoke: %v", err)
				}
			}
			return referral.LinkEndRevoked
		}, referral.ErrLinkRevoked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := create(t, s, "u-ana", "", t0)
			// Only the newest of two links works: it replaced the first.
			tok1, l1 := link(t, r.ID)
			tok2, l2 := link(t, r.ID)
			if _, err := svc.AgencyReferral(ctx, tok1); !isGone(referral.ErrLinkRevoked)(err) {
				t.Errorf("replaced link: error %v, want 410 revoked", err)
			}
			why := tc.end(t, r, []*referral.AgencyLink{l2})
			for _, tok := range []string{tok1, tok2} {
				if _, err := svc.AgencyReferral(ctx, tok); !isGone(tc.want)(err) {
					t.Errorf("read through an ended link: error %v, want 410 %v", err, tc.want)
				}
				if _, _, err := svc.AgencyMove(ctx, tok, referral.Change{To: referral.StatusAccepted}); !isGone(tc.want)(err) {
					t.Errorf("move through an ended link: error %v, want 410 %v", err, tc.want)
				}
			}
			links, err := svc.AgencyLinks(ctx, ana, r.ID)
			if err != nil {
				t.Fatalf("AgencyLinks: %v", err)
			}
			mustEqual(t, "link ids, newest first", []string{links[0].ID, links[1].ID}, []string{l2.ID, l1.ID})
			mustEqual(t, "reasons", []referral.LinkEnd{links[0].RevokedReason, links[1].RevokedReason}, []referral.LinkEnd{why, referral.LinkEndReplaced})
			for _, l := range links {
				if !l.Revoked() || !l.RevokedAt.Equal(now) {
					t.Errorf("link %s revoked at %v, want %v", l.ID, l.RevokedAt, now)
				}
			}
		})
	}
	// Revoking needs the referral's own link and a specialist who sees it.
	r := create(t, s, "u-ana", "", t0)
	other := create(t, s, "u-ana", "", t0)
	_, l := link(t, r.ID)
	if err := svc.RevokeAgencyLink(ctx, ana, other.ID, l.ID); !errors.Is(err, referral.ErrLinkNotFound) {
		t.Errorf("revoking through another referral: error %v, want ErrLinkNotFound", err)
	}
	if err := svc.RevokeAgencyLink(ctx, referral.Viewer{UserID: "u-ben"}, r.ID, l.ID); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("revoking someone else's link: error %v, want ErrNotFound", err)
	}
	if _, err := svc.AgencyLinks(ctx, referral.Viewer{UserID: "u-ben"}, r.ID); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("listing someone else's links: error %v, want ErrNotFound", err)
	}
	// Revoking twice keeps the first end.
	if err := svc.RevokeAgencyLink(ctx, ana, r.ID, l.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	if err := svc.RevokeAgencyLink(ctx, ana, r.ID, l.ID); err != nil {
		t.Errorf("revoking twice: %v", err)
	}
	if ls, _ := s.AgencyLinks(ctx, r.ID); len(ls) != 1 || !ls[0].RevokedAt.Equal(now.Add(-time.Hour)) {
		t.Errorf("after revoking twice: %+v", ls)
	}
	log, _ := s.AuditLog(ctx, referral.AuditFilter{ReferralID: r.ID})
	revokes := 0
	for _, e := range log {
		if e.Action == referral.ActionLinkRevoke {
			revokes++
		}
	}
	if revokes != 2 {
		t.Errorf("%d link revocations audited, want 2", revokes)
	}
}

// outbox is the delivery side of a store's outbox (package notify's
// Outbox), which both stores implement.
type outbox interface {
	ClaimMail(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*referral.Mail, error)
	MarkMailSent(ctx context.Context, id, owner string, at time.Time) error
	MarkMailFailed(ctx context.Context, id, owner string, at, retryAt time.Time, reason string) error
}

func testOutbox(t *testing.T, s referral.Store) {
	ctx := context.Background()
	ob, ok := s.(outbox)
	if !ok {
		t.Fatalf("%T has no outbox", s)
	}
	queue := func(at time.Time) (*referral.Referral, *referral.Mail, *referral.AgencyLink) {
		t.Helper()
		r, first, err := referral.New(referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", at)
		if err != nil {
			t.Fatal(err)
		}
		l, _ := referral.NewAgencyLink(r.ID, "u-ana", time.Hour, at)
		m := &referral.Mail{ID: referral.NewID(), Kind: referral.MailAgencyReferral, ReferralID: r.ID, EventID: first.ID,
			To: "intake@example.org", ReplyTo: "ana@example.org", Subject: "New referral", Text: "the link", CreatedAt: r.CreatedAt, NextAttemptAt: r.CreatedAt}
		if err := s.CreateReferral(ctx, r, first, &referral.Outgoing{Link: l, Mail: []*referral.Mail{m}}); err != nil {
			t.Fatalf("CreateReferral with mail: %v", err)
		}
		return r, m, l
	}
	r1, m1, l1 := queue(t0)
	r2, m2, _ := queue(t0.Add(time.Second))
	got, err := s.Mail(ctx, r1.ID)
	if err != nil || len(got) != 1 {
		t.Fatalf("Mail = %v, %v", got, err)
	}
	want := *m1
	mustEqual(t, "stored mail", got[0], &want)
	if links, _ := s.AgencyLinks(ctx, r1.ID); len(links) != 1 || links[0].ID != l1.ID {
		t.Errorf("the link stored with the referral: %+v", links)
	}
	if ms, _ := s.Mail(ctx, "NOSUCHID"); len(ms) != 0 {
		t.Errorf("mail of an unknown referral: %+v", ms)
	}
	// One email of a kind per event.
	dup := *m1
	dup.ID = referral.NewID()
	r3, first3, _ := referral.New(referral.Draft{Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", t0)
	first3.ID = m1.EventID
	if err := s.CreateReferral(ctx, r3, first3, &referral.Outgoing{Mail: []*referral.Mail{&dup}}); err == nil {
		t.Error("a second email of the same kind for one event was stored")
	}
	if _, err := s.Referral(ctx, r3.ID); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("the referral of a refused email was stored: %v", err)
	}

	// Claims: due ones only, oldest first, never while a lease runs.
	now := t0.Add(time.Minute)
	if ms, _ := ob.ClaimMail(ctx, "w1", t0.Add(-time.Second), time.Minute, 10); len(ms) != 0 {
		t.Errorf("mail claimed before it was due: %+v", ms)
	}
	ms, err := ob.ClaimMail(ctx, "w1", now, time.Minute, 1)
	if err != nil || len(ms) != 1 || ms[0].ID != m1.ID || ms[0].Attempts != 1 || ms[0].Text != "the link" {
		t.Fatalf("first claim = %+v, %v", ms, err)
	}
	ms2, err := ob.ClaimMail(ctx, "w2", now, time.Minute, 10)
	if err != nil || len(ms2) != 1 || ms2[0].ID != m2.ID {
		t.Fatalf("second claim = %+v, %v; want only the other mail", ms2, err)
	}
	if err := ob.MarkMailFailed(ctx, m2.ID, "w1", now, now.Add(time.Hour), "451 later"); !errors.Is(err, referral.ErrLeaseLost) {
		t.Errorf("a report by a worker without the lease: %v", err)
	}
	if err := ob.MarkMailFailed(ctx, m2.ID, "w2", now, now.Add(time.Hour), "451 try again later"); err != nil {
		t.Fatal(err)
	}
	if err := ob.MarkMailSent(ctx, m1.ID, "w1", now); err != nil {
		t.Fatal(err)
	}
	if ms, _ := ob.ClaimMail(ctx, "w2", now.Add(30*time.Minute), time.Minute, 10); len(ms) != 0 {
		t.Errorf("mail claimed before its retry time, or after it was sent: %+v", ms)
	}
	got, _ = s.Mail(ctx, r1.ID)
	if got[0].SentAt.IsZero() || got[0].Text != "" || got[0].Attempts != 1 {
		t.Errorf("sent mail = %+v, want sent with its body erased", got[0])
	}
	got, _ = s.Mail(ctx, r2.ID)
	if !got[0].SentAt.IsZero() || got[0].LastError != "451 try again later" || !got[0].NextAttemptAt.Equal(now.Add(time.Hour)) || got[0].Text == "" {
		t.Errorf("failed mail = %+v", got[0])
	}
	// Closing the referral cancels the unsent mail and erases it.
	move(t, s, r2, referral.StatusCancelled, now)
	got, _ = s.Mail(ctx, r2.ID)
	if got[0].CancelledAt.IsZero() || got[0].Text != "" {
		t.Errorf("mail of a cancelled referral = %+v", got[0])
	}
	if ms, _ := ob.ClaimMail(ctx, "w2", now.Add(2*time.Hour), time.Minute, 10); len(ms) != 0 {
		t.Errorf("cancelled mail claimed: %+v", ms)
	}
	// A final failure erases the body; purging the referral deletes the mail.
	r4, m4, _ := queue(t0)
	if ms, _ := ob.ClaimMail(ctx, "w3", now, time.Minute, 10); len(ms) != 1 || ms[0].ID != m4.ID {
		t.Fatalf("claim = %+v", ms)
	}
	if err := ob.MarkMailFailed(ctx, m4.ID, "w3", now, time.Time{}, "550 no such mailbox"); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Mail(ctx, r4.ID)
	if got[0].FailedAt.IsZero() || got[0].Text != "" {
		t.Errorf("failed mail = %+v", got[0])
	}
	if _, err := s.Purge(ctx, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if ms, _ := s.Mail(ctx, r2.ID); len(ms) != 0 {
		t.Errorf("mail of a purged referral kept: %+v", ms)
	}
}

func testWithdrawConsent(t *testing.T, s referral.Store) {
	ctx := context.Background()
	now := t0.Add(time.Hour)
	svc := &referral.Service{Store: s, Now: func() time.Time { return now }}
	ana := referral.Viewer{UserID: "u-ana"}
	r, err := svc.Create(ctx, ana, referral.Draft{Need: "food", ServiceKey: "harbor.pantry",
		Consent: referral.Consent{Method: referral.ConsentWritten, Scope: referral.ScopeShareWithService, Contact: true},
		Contact: &referral.Contact{Phone: "202-555-0101", Email: "peer@example.org"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.WithdrawConsent(ctx, referral.Viewer{UserID: "u-ben"}, r.ID, ""); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("outsider withdrawing: error %v, want ErrNotFound", err)
	}
	if _, _, err := svc.WithdrawConsent(ctx, ana, r.ID, strings.Repeat("x", referral.MaxEventNote+1)); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("overlong note: error %v, want invalid", err)
	}
	got, ev, err := svc.WithdrawConsent(ctx, ana, r.ID, "peer asked us to stop")
	if err != nil {
		t.Fatalf("WithdrawConsent: %v", err)
	}
	if got.Status != referral.StatusCancelled || !got.Consent.WithdrawnAt.Equal(now) || !got.ClosedAt.Equal(now) || got.Contact != nil {
		t.Errorf("after withdrawal: status %s withdrawn %v closed %v contact %+v", got.Status, got.Consent.WithdrawnAt, got.ClosedAt, got.Contact)
	}
	mustEqual(t, "read back", mustRead(t, s, r.ID), got)
	evs, _ := s.Events(ctx, r.ID)
	if len(evs) != 2 || evs[1] != ev || ev.Kind != referral.EventConsentWithdrawn || ev.From != referral.StatusSent ||
		ev.To != referral.StatusCancelled || ev.Note != "peer asked us to stop" {
		t.Errorf("events = %+v", evs)
	}
	if _, _, err := svc.WithdrawConsent(ctx, ana, r.ID, ""); !errors.Is(err, referral.ErrConsentWithdrawn) || apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("withdrawing twice: error %v, want ErrConsentWithdrawn (409)", err)
	}
	// A closed referral keeps its status; its contact details go.
	done := create(t, s, "u-ana", "", t0, withContact(referral.Contact{Phone: "202-555-0102"}))
	done = move(t, s, move(t, s, done, referral.StatusAccepted, t0), referral.StatusCompleted, t0)
	got, ev, err = svc.WithdrawConsent(ctx, ana, done.ID, "")
	if err != nil {
		t.Fatalf("WithdrawConsent of a closed referral: %v", err)
	}
	if got.Status != referral.StatusCompleted || !got.ClosedAt.Equal(done.ClosedAt) || got.Contact != nil || !got.Consent.Withdrawn() ||
		ev.From != referral.StatusCompleted || ev.To != referral.StatusCompleted {
		t.Errorf("closed referral after withdrawal: %+v, event %+v", got, ev)
	}
	// The store refuses a withdrawal from a status that is no longer
	// current, or one that moves a closed referral.
	open := create(t, s, "u-ana", "", t0)
	stale := referral.Event{ID: referral.NewID(), Kind: referral.EventConsentWithdrawn, At: now, Actor: referral.UserActor("u-ana"),
		From: referral.StatusAccepted, To: referral.StatusCancelled}
	var te *referral.TransitionError
	if _, err := s.WithdrawConsent(ctx, open.ID, stale, referral.StatusAccepted); !errors.As(err, &te) || !te.Stale {
		t.Errorf("stale withdrawal: error %v, want a stale TransitionError", err)
	}
	if _, err := s.WithdrawConsent(ctx, "NOSUCHID", stale, referral.StatusAccepted); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("unknown referral: error %v, want ErrNotFound", err)
	}
	reopen := referral.Event{ID: referral.NewID(), Kind: referral.EventConsentWithdrawn, At: now, Actor: referral.UserActor("u-ana"),
		From: referral.StatusCompleted, To: referral.StatusSent}
	if _, err := s.WithdrawConsent(ctx, done.ID, reopen, referral.StatusCompleted); err == nil {
		t.Error("a withdrawal that reopens a closed referral was stored")
	}
	log, _ := s.AuditLog(ctx, referral.AuditFilter{Actor: referral.UserActor("u-ana")})
	n := 0
	for _, e := range log {
		if e.Action == referral.ActionWithdraw {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d withdrawals audited, want 2", n)
	}
}

func testPurge(t *testing.T, s referral.Store) {
	ctx := context.Background()
	cutoff := t0.AddDate(0, 0, 30)
	svc := &referral.Service{Store: s, Now: func() time.Time { return t0 }}
	ana := referral.Viewer{UserID: "u-ana"}
	oldDeclined := move(t, s, create(t, s, "u-ana", "", t0), referral.StatusDeclined, t0.Add(time.Hour)) // 2 events
	oldCompleted := create(t, s, "u-ana", "", t0)
	if _, _, err := svc.CreateAgencyLink(ctx, ana, oldCompleted.ID); err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	if _, _, err := svc.CreateAgencyLink(ctx, ana, oldCompleted.ID); err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	oldCompleted = move(t, s, move(t, s, oldCompleted, referral.StatusAccepted, t0.Add(time.Hour)), referral.StatusCompleted, t0.Add(2*time.Hour)) // 3 events, 2 links
	recentClosed := move(t, s, create(t, s, "u-ana", "", t0), referral.StatusCancelled, cutoff.Add(time.Hour))
	oldOpen := create(t, s, "u-ana", "", t0)
	if _, _, err := svc.CreateAgencyLink(ctx, ana, oldOpen.ID); err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	auditBefore, _ := s.AuditLog(ctx, referral.AuditFilter{})

	got, err := s.Purge(ctx, cutoff)
	if err != nil {
		t.Fatalf("Purge: %v", err)
	}
	mustEqual(t, "counts", got, referral.PurgeCounts{Referrals: 2, Events: 5, AgencyLinks: 2})
	for _, r := range []*referral.Referral{oldDeclined, oldCompleted} {
		if _, err := s.Referral(ctx, r.ID); !errors.Is(err, referral.ErrNotFound) {
			t.Errorf("purged %s: Referral error %v", r.ID, err)
		}
		if _, err := s.Events(ctx, r.ID); !errors.Is(err, referral.ErrNotFound) {
			t.Errorf("purged %s: Events error %v", r.ID, err)
		}
	}
	for _, r := range []*referral.Referral{recentClosed, oldOpen} {
		if _, err := s.Referral(ctx, r.ID); err != nil {
			t.Errorf("kept %s: %v", r.ID, err)
		}
	}
	auditAfter, _ := s.AuditLog(ctx, referral.AuditFilter{})
	mustEqual(t, "audit log after purge", auditAfter, auditBefore)
	if again, err := s.Purge(ctx, cutoff); err != nil || again != (referral.PurgeCounts{}) {
		t.Errorf("second purge = %+v, %v", again, err)
	}
	if got, err := svc.Purge(ctx, 0); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("purge with no retention = %+v, %v; want invalid", got, err)
	}
}

func testStats(t *testing.T, s referral.Store) {
	ctx := context.Background()
	create(t, s, "u-ana", "", t0, need("housing"))
	create(t, s, "u-ben", "", t0, need("housing"))
	move(t, s, create(t, s, "u-ana", "", t0, need("housing")), referral.StatusAccepted, t0)
	create(t, s, "u-ana", "", t0.AddDate(0, 0, 2), need("food"), service("harbor.pantry"))
	got, err := s.Stats(ctx, referral.StatsFilter{})
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	mustEqual(t, "stats", got, []referral.Stat{
		{ServiceKey: "harbor.pantry", Need: "food", Status: referral.StatusSent, Count: 1},
		{ServiceKey: "harbor.shelter", Need: "housing", Status: referral.StatusAccepted, Count: 1},
		{ServiceKey: "harbor.shelter", Need: "housing", Status: referral.StatusSent, Count: 2},
	})
	got, err = s.Stats(ctx, referral.StatsFilter{Since: t0.AddDate(0, 0, 1), Until: t0.AddDate(0, 0, 3)})
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	mustEqual(t, "stats in range", got, []referral.Stat{{ServiceKey: "harbor.pantry", Need: "food", Status: referral.StatusSent, Count: 1}})
}

// testAuditInTransaction checks that a change and the audit entry that
// records it are written together or not at all: a refused change leaves
// no entry, and a made one always has its entry.
func testAuditInTransaction(t *testing.T, s referral.Store) {
	ctx := context.Background()
	entry := func(act referral.Action, id string) referral.AuditEntry {
		return referral.AuditEntry{At: t0, Actor: referral.UserActor("u-ana"), Action: act, ReferralID: id}
	}
	actions := func(id string) []referral.Action {
		t.Helper()
		log, err := s.AuditLog(ctx, referral.AuditFilter{ReferralID: id})
		if err != nil {
			t.Fatalf("AuditLog: %v", err)
		}
		out := []referral.Action{}
		for _, e := range log {
			out = append(out, e.Action)
		}
		return out
	}

	r, first, err := referral.New(referral.Draft{PeerRef: "P-JD27K", Need: "housing", ServiceKey: "harbor.shelter",
		Consent: referral.Consent{Method: referral.ConsentVerbal}}, "u-ana", "", t0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateReferral(ctx, r, first, nil, entry(referral.ActionCreate, r.ID)); err != nil {
		t.Fatalf("CreateReferral: %v", err)
	}
	// The same referral again is refused, and so is its entry.
	if err := s.CreateReferral(ctx, r, referral.Event{ID: referral.NewID(), At: t0, Actor: referral.UserActor("u-ana"), To: referral.StatusSent}, nil,
		entry(referral.ActionCreate, r.ID)); err == nil {
		t.Fatal("CreateReferral twice: no error")
	}
	mustEqual(t, "entries after a refused second create", actions(r.ID), []referral.Action{referral.ActionCreate})

	// A stale move is refused with its entry; a good one keeps its entry.
	ev, err := referral.NewEvent(r, referral.UserActor("u-ana"), referral.Change{To: referral.StatusAccepted}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendEvent(ctx, r.ID, ev, referral.StatusAccepted, nil, entry(referral.ActionMove, r.ID)); err == nil {
		t.Fatal("stale AppendEvent: no error")
	}
	mustEqual(t, "entries after a refused move", actions(r.ID), []referral.Action{referral.ActionCreate})
	if _, err := s.AppendEvent(ctx, r.ID, ev, referral.StatusSent, nil, entry(referral.ActionMove, r.ID)); err != nil {
		t.Fatalf("AppendEvent: %v", err)
	}
	mustEqual(t, "entries after a move", actions(r.ID), []referral.Action{referral.ActionCreate, referral.ActionMove})

	// A link to a referral that does not exist leaves no entry either.
	l, _ := referral.NewAgencyLink("NOSUCHREFERRAL", "u-ana", time.Hour, t0)
	if err := s.CreateAgencyLink(ctx, l, entry(referral.ActionLinkCreate, "NOSUCHREFERRAL")); !errors.Is(err, referral.ErrNotFound) {
		t.Fatalf("link to no referral: error %v, want ErrNotFound", err)
	}
	mustEqual(t, "entries for no referral", actions("NOSUCHREFERRAL"), []referral.Action{})
	l, _ = referral.NewAgencyLink(r.ID, "u-ana", time.Hour, t0)
	if err := s.CreateAgencyLink(ctx, l, entry(referral.ActionLinkCreate, r.ID)); err != nil {
		t.Fatalf("CreateAgencyLink: %v", err)
	}
	mustEqual(t, "entries after a link", actions(r.ID), []referral.Action{referral.ActionCreate, referral.ActionMove, referral.ActionLinkCreate})

	// Expiry audits what it expires, as the system, in the same step.
	old := create(t, s, "u-ana", "", t0.AddDate(0, 0, -60))
	expired, err := s.ExpireOlderThan(ctx, 30*24*time.Hour, t0)
	if err != nil || !slices.Contains(expired, old.ID) {
		t.Fatalf("ExpireOlderThan = %v, %v; want %s among them", expired, err, old.ID)
	}
	log, err := s.AuditLog(ctx, referral.AuditFilter{ReferralID: old.ID})
	if err != nil || len(log) != 1 || log[0].Action != referral.ActionExpire || log[0].Actor != referral.SystemActor {
		t.Errorf("audit of the expired referral = %+v, %v; want one system expire", log, err)
	}
}

// testSentAt checks that a referral reads as sent to the agency from its
// first agency link on, alone and in lists.
func testSentAt(t *testing.T, s referral.Store) {
	ctx := context.Background()
	r := create(t, s, "u-ana", "", t0)
	if got := mustRead(t, s, r.ID); !got.SentAt.IsZero() {
		t.Fatalf("a new referral has SentAt %v", got.SentAt)
	}
	first, _ := referral.NewAgencyLink(r.ID, "u-ana", time.Hour, t0.Add(time.Minute))
	second, _ := referral.NewAgencyLink(r.ID, "u-ana", time.Hour, t0.Add(time.Hour))
	for _, l := range []*referral.AgencyLink{first, second} {
		if err := s.CreateAgencyLink(ctx, l); err != nil {
			t.Fatalf("CreateAgencyLink: %v", err)
		}
	}
	if got := mustRead(t, s, r.ID); !got.SentAt.Equal(first.CreatedAt) {
		t.Errorf("SentAt = %v, want the first link's %v", got.SentAt, first.CreatedAt)
	}
	list, err := s.ListReferrals(ctx, referral.Filter{Specialist: "u-ana"})
	if err != nil || len(list) != 1 || !list[0].SentAt.Equal(first.CreatedAt) {
		t.Errorf("listed = %+v, %v; want SentAt %v", list, err, first.CreatedAt)
	}
}

// testListAgencyAndOrder checks the filter by receiving organization,
// the order by follow-up date and the services a filter's referrals go to.
func testListAgencyAndOrder(t *testing.T, s referral.Store) {
	ctx := context.Background()
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	r := []*referral.Referral{
		create(t, s, "u-ana", "", at(0), service("harbor.shelter"), followUp(t0.AddDate(0, 0, 5))),
		create(t, s, "u-ana", "", at(1), service("harbor.pantry")),
		create(t, s, "u-ana", "", at(2), service("harbor-two.shelter"), followUp(t0.AddDate(0, 0, 1))),
		create(t, s, "u-ana", "", at(3), service("clinic.detox"), followUp(t0.AddDate(0, 0, 5))),
		create(t, s, "u-ben", "", at(4), service("clinic.detox")),
	}
	tests := []struct {
		name string
		f    referral.Filter
		want []*referral.Referral
	}{
		{"organization, not one whose id starts the same", referral.Filter{Organization: "harbor"}, []*referral.Referral{r[1], r[0]}},
		{"organization and specialist", referral.Filter{Organization: "clinic", Specialist: "u-ana"}, []*referral.Referral{r[3]}},
		{"unknown organization", referral.Filter{Organization: "nowhere"}, []*referral.Referral{}},
		{"by follow-up, soonest first, none last, then newest", referral.Filter{Specialist: "u-ana", Order: referral.OrderFollowUp},
			[]*referral.Referral{r[2], r[3], r[0], r[1]}},
		{"by follow-up, a page", referral.Filter{Specialist: "u-ana", Order: referral.OrderFollowUp, Limit: 2, Offset: 1},
			[]*referral.Referral{r[3], r[0]}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.ListReferrals(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			mustEqual(t, "ids", ids(got), ids(tc.want))
		})
	}
	keys, err := s.ReferralServices(ctx, referral.Filter{Specialist: "u-ana"})
	if err != nil {
		t.Fatal(err)
	}
	mustEqual(t, "services of ana's referrals", keys, []string{"clinic.detox", "harbor-two.shelter", "harbor.pantry", "harbor.shelter"})
	if keys, err := s.ReferralServices(ctx, referral.Filter{Specialist: "u-nobody"}); err != nil || len(keys) != 0 || keys == nil {
		t.Errorf("services of nobody's referrals = %#v, %v; want empty", keys, err)
	}
}

// testUnreadAnswers checks that an agency's event makes a referral unread
// for the specialist who made it, until they open it, and that the
// specialist's own moves do not.
func testUnreadAnswers(t *testing.T, s referral.Store) {
	ctx := context.Background()
	c := catalog(t)
	now := t0
	svc := &referral.Service{Store: s, Catalog: func() *directory.Catalog { return c }, Now: func() time.Time { return now }}
	ana := referral.Viewer{UserID: "u-ana", TeamID: "team-1"}
	ben := referral.Viewer{UserID: "u-ben", TeamID: "team-1"}
	mk := func() *referral.Referral {
		t.Helper()
		r, err := svc.Create(ctx, ana, referral.Draft{Need: "housing", ServiceKey: "harbor.shelter", Consent: referral.Consent{Method: referral.ConsentVerbal}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1, r2 := mk(), mk()
	token, _, err := svc.CreateAgencyLink(ctx, ana, r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	unread := func(v referral.Viewer) int {
		t.Helper()
		n, err := svc.UnreadAnswers(ctx, v)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := unread(ana); n != 0 {
		t.Fatalf("unread before any answer: %d", n)
	}
	// The specialist's own note is no answer.
	now = now.Add(time.Minute)
	if _, _, err := svc.Move(ctx, ana, r2.ID, referral.Change{Note: "called them"}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Minute)
	if _, _, err := svc.AgencyMove(ctx, token, referral.Change{To: referral.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	if n, m := unread(ana), unread(ben); n != 1 || m != 0 {
		t.Errorf("after the agency's answer: ana has %d unread, ben (her teammate) %d; want 1 and 0", n, m)
	}
	got := mustRead(t, s, r1.ID)
	if !got.Unread() || !got.AnsweredAt.Equal(now) {
		t.Errorf("answered referral: unread %v, answered at %v, want %v", got.Unread(), got.AnsweredAt, now)
	}
	list, err := s.ListReferrals(ctx, referral.Filter{Specialist: "u-ana", Team: "team-1", Unread: true})
	if err != nil || len(list) != 1 || list[0].ID != r1.ID {
		t.Errorf("unread list = %v, %v", ids(list), err)
	}
	// A teammate opening it leaves it unread; the specialist opening it
	// reads it.
	now = now.Add(time.Minute)
	if _, _, err := svc.Get(ctx, ben, r1.ID); err != nil {
		t.Fatal(err)
	}
	if n := unread(ana); n != 1 {
		t.Errorf("after ben opened it, ana has %d unread", n)
	}
	opened, _, err := svc.Get(ctx, ana, r1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !opened.Unread() {
		t.Error("the referral Get returns is not marked unread, though it was when opened")
	}
	if n := unread(ana); n != 0 {
		t.Errorf("after ana opened it, %d unread", n)
	}
	if got := mustRead(t, s, r1.ID); got.Unread() || !got.AnswerSeenAt.Equal(now) {
		t.Errorf("opened referral: unread %v, seen at %v", got.Unread(), got.AnswerSeenAt)
	}
	// A later answer is unread again.
	now = now.Add(time.Minute)
	if _, _, err := svc.AgencyMove(ctx, token, referral.Change{To: referral.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
	if n := unread(ana); n != 1 {
		t.Errorf("after a second answer, %d unread", n)
	}
	if err := s.MarkAnswerSeen(ctx, "NOSUCHID", now); !errors.Is(err, referral.ErrNotFound) {
		t.Errorf("MarkAnswerSeen of an unknown referral: %v", err)
	}
}

// userMaker is the account side of a store, which the answer-mail
// choices belong to.
type userMaker interface {
	CreateUser(ctx context.Context, u *auth.User) error
}

// fakeMailer composes emails that say what they were composed from.
type fakeMailer struct{}

func (fakeMailer) AgencyReferral(n referral.AgencyNotice) (string, string, error) {
	return "referral", n.LinkURL, nil
}

func (fakeMailer) AgencyAnswer(n referral.AnswerNotice) (string, string, error) {
	return "answer " + string(n.Status), n.Lang + " " + n.PeerRef + " " + n.Service + " " + n.Agency + " " + n.ReferralURL, nil
}

// testAnswerMail checks the specialists' choice of an email on each
// agency answer, and that the answer's email is queued with the answer.
func testAnswerMail(t *testing.T, s referral.Store) {
	ctx := context.Background()
	um, ok := s.(userMaker)
	if !ok {
		t.Fatalf("%T keeps no users", s)
	}
	for _, id := range []string{"u-ana", "u-ben"} {
		if err := um.CreateUser(ctx, &auth.User{ID: id, Email: id + "@example.org", Role: auth.RoleSpecialist, PasswordHash: "x", CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	if m, err := s.AnswerMail(ctx, "u-ana"); err != nil || m != (referral.AnswerMail{}) {
		t.Fatalf("AnswerMail before any choice = %+v, %v", m, err)
	}
	c := catalog(t)
	svc := &referral.Service{Store: s, Catalog: func() *directory.Catalog { return c }, Now: func() time.Time { return t0 }}
	ana := referral.Viewer{UserID: "u-ana", Email: "ana@example.org"}
	if err := svc.SetAnswerMail(ctx, ana, true, "es"); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("turning answer mail on without email: %v, want 422", err)
	}
	queued := 0
	svc.Notify = &referral.Notify{Mailer: fakeMailer{}, LinkURL: func(tok string) string { return "https://x/agency/" + tok },
		ReferralURL: func(id string) string { return "https://x/app/referrals/" + id }, Queued: func() { queued++ }}
	if err := svc.SetAnswerMail(ctx, referral.Viewer{UserID: "u-ben"}, true, "en"); apperr.CodeOf(err) != apperr.Unprocessable {
		t.Errorf("turning answer mail on for a viewer without an email: %v, want 422", err)
	}
	if err := svc.SetAnswerMail(ctx, ana, true, "es"); err != nil {
		t.Fatal(err)
	}
	if m, err := svc.AnswerMail(ctx, ana); err != nil || m != (referral.AnswerMail{On: true, Email: "ana@example.org", Lang: "es"}) {
		t.Errorf("AnswerMail = %+v, %v", m, err)
	}
	if err := svc.SetAnswerMail(ctx, ana, true, "fr"); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.AnswerMail(ctx, "u-ana"); m.Lang != "en" {
		t.Errorf("a language without templates is stored as %q, want en", m.Lang)
	}
	answer := func(v referral.Viewer, to referral.Status) (*referral.Referral, []*referral.Mail) {
		t.Helper()
		r, err := svc.Create(ctx, v, referral.Draft{Need: "housing", ServiceKey: "harbor.shelter", Notes: "secret note",
			Consent: referral.Consent{Method: referral.ConsentVerbal}})
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := svc.CreateAgencyLink(ctx, v, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		ch := referral.Change{To: to}
		if to == referral.StatusDeclined {
			ch.Note = "no beds, secret reason"
		}
		if _, _, err := svc.AgencyMove(ctx, token, ch); err != nil {
			t.Fatal(err)
		}
		ms, err := s.Mail(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		return r, ms
	}
	// A decline closes the referral; the answer's email still goes.
	r, ms := answer(ana, referral.StatusDeclined)
	if len(ms) != 1 {
		t.Fatalf("mail after an answer = %+v", ms)
	}
	m := ms[0]
	if m.Kind != referral.MailAgencyAnswer || m.To != "ana@example.org" || m.Subject != "answer declined" || !m.CancelledAt.IsZero() ||
		m.Text != "en "+r.PeerRef+" harbor.shelter Harbor https://x/app/referrals/"+r.ID {
		t.Errorf("answer mail = %+v", m)
	}
	if strings.Contains(m.Text, "secret") {
		t.Errorf("the answer mail holds a note: %q", m.Text)
	}
	if queued != 1 {
		t.Errorf("the worker was woken %d times, want 1", queued)
	}
	// Off: no email; the choice forgets the address.
	if err := svc.SetAnswerMail(ctx, ana, false, ""); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.AnswerMail(ctx, "u-ana"); m != (referral.AnswerMail{}) {
		t.Errorf("after turning it off: %+v", m)
	}
	if _, ms := answer(ana, referral.StatusAccepted); len(ms) != 0 {
		t.Errorf("mail with answer mail off: %+v", ms)
	}
}
