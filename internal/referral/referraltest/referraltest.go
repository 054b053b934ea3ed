// Package referraltest is the shared test suite every referral.Store
// implementation runs: the sqlite package against a file in a temporary
// directory, the postgres package against a real PostgreSQL.
package referraltest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/apperr"
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
		{"ServiceCatalogAndPart2", testServiceCatalog},
		{"Purge", testPurge},
		{"Stats", testStats},
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
	d := referral.Draft{PeerRef: "JD-17", Need: "housing.emergency-shelter", ServiceKey: "harbor.shelter", LocationID: "main",
		Notes: "prefers mornings", Consent: referral.Consent{Method: referral.ConsentVerbal}}
	for _, o := range opts {
		o(&d)
	}
	r, ev, err := referral.New(d, specialist, team, at)
	if err != nil {
		t.Fatalf("referral.New: %v", err)
	}
	if err := s.CreateReferral(context.Background(), r, ev); err != nil {
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
	out, err := s.AppendEvent(context.Background(), r.ID, ev, r.Status)
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
	if err := s.CreateReferral(ctx, r, ev2); err == nil {
		t.Error("CreateReferral with an existing id succeeded")
	}
	if n, err := s.CountReferrals(ctx, referral.Filter{}); err != nil || n != 1 {
		t.Errorf("CountReferrals after duplicate = %d, %v; want 1", n, err)
	}
}

func testContactOnlyWithConsent(t *testing.T, s referral.Store) {
	ctx := context.Background()
	// The domain refuses contact details without consent.
	d := referral.Draft{PeerRef: "JD-17", Need: "food", ServiceKey: "harbor.pantry", Consent: referral.Consent{Method: referral.ConsentWritten},
		Contact: &referral.Contact{Phone: "202-555-0100"}}
	if _, _, err := referral.New(d, "u-ana", "", t0); apperr.As(err) == nil || apperr.As(err).Field != "contact" {
		t.Errorf("New with contact but no consent: error %v, want a contact field error", err)
	}
	// A store handed contact details without consent does not keep them.
	r := create(t, s, "u-ana", "", t0)
	r2 := *r
	r2.ID = referral.NewID()
	r2.Contact = &referral.Contact{Phone: "202-555-0100", Email: "jd@example.org"}
	if err := s.CreateReferral(ctx, &r2, referral.Event{ID: referral.NewID(), At: t0, Actor: referral.UserActor("u-ana"), To: referral.StatusSent}); err != nil {
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
				got, err := s.AppendEvent(ctx, r.ID, ev, from)
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
	if _, err := s.AppendEvent(ctx, r.ID, ev, referral.StatusAccepted); !errors.As(err, &te) || !te.Stale || te.From != referral.StatusSent {
		t.Errorf("stale expected status: error %v, want stale TransitionError from sent", err)
	}
	ev.From, ev.To = referral.StatusSent, referral.StatusAccepted
	if _, err := s.AppendEvent(ctx, "NOSUCHID", ev, referral.StatusSent); !errors.Is(err, referral.ErrNotFound) {
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
				_, errs[i] = s.AppendEvent(ctx, r.ID, ev, referral.StatusSent)
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
		if cur, err = s.AppendEvent(ctx, r.ID, ev, cur.Status); err != nil {
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
	if _, err := s.AppendEvent(ctx, r.ID, ev, referral.StatusCompleted); !errors.As(err, &te) {
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

	// Through the service, each expiry is audited as the system's doing.
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
		{"closed", token, referral.Change{To: referral.StatusAccepted}, "", isTransition},
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
	if _, err := referral.OpenAgencyLink(ctx, s, token2, now.Add(47*time.Hour)); err != nil {
		t.Errorf("link before expiry: %v", err)
	}
	if _, err := referral.OpenAgencyLink(ctx, s, token2, now.Add(48*time.Hour)); !errors.Is(err, referral.ErrLinkExpired) {
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
	d := referral.Draft{PeerRef: "KM-3", Need: "food", ServiceKey: "harbor.pantry",
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

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func testServiceAudit(t *testing.T, s referral.Store) {
	ctx := context.Background()
	now := t0
	svc := &referral.Service{Store: s, Now: func() time.Time { return now }}
	ana := referral.Viewer{UserID: "u-ana", TeamID: "team-1"}
	teammate := referral.Viewer{UserID: "u-dee", TeamID: "team-1"}
	ben := referral.Viewer{UserID: "u-ben"}
	secret := "peer disclosed something private"

	r, err := svc.Create(ctx, ana, referral.Draft{PeerRef: "JD-17", Need: "housing", ServiceKey: "harbor.shelter", Notes: secret,
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
		if err != nil && (strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "JD-17")) {
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
	part2 := referral.Consent{Method: referral.ConsentWritten, Part2Notice: true}
	tests := []struct {
		name     string
		d        referral.Draft
		field    string // expected error field, "" for success
		location string
	}{
		{"only location is the default", referral.Draft{PeerRef: "JD-17", Need: "housing", ServiceKey: "harbor.shelter", Consent: verbal}, "", "main"},
		{"location chosen", referral.Draft{PeerRef: "JD-17", Need: "food", ServiceKey: "harbor.pantry", LocationID: "annex", Consent: verbal}, "", "annex"},
		{"two locations, none chosen", referral.Draft{PeerRef: "JD-17", Need: "food", ServiceKey: "harbor.pantry", Consent: verbal}, "", ""},
		{"unknown service", referral.Draft{PeerRef: "JD-17", Need: "food", ServiceKey: "harbor.nothing", Consent: verbal}, "service_id", ""},
		{"location not of the service", referral.Draft{PeerRef: "JD-17", Need: "housing", ServiceKey: "harbor.shelter", LocationID: "annex", Consent: verbal}, "location_id", ""},
		{"unknown need", referral.Draft{PeerRef: "JD-17", Need: "pets", ServiceKey: "harbor.shelter", Consent: verbal}, "need", ""},
		{"part 2 service without notice", referral.Draft{PeerRef: "JD-17", Need: "housing", ServiceKey: "harbor.detox", Consent: verbal}, "consent.part2_notice", ""},
		{"part 2 need without notice", referral.Draft{PeerRef: "JD-17", Need: "substance-use", ServiceKey: "harbor.shelter", Consent: verbal}, "consent.part2_notice", ""},
		{"part 2 with notice", referral.Draft{PeerRef: "JD-17", Need: "substance-use.detox", ServiceKey: "harbor.detox", Consent: part2}, "", "annex"},
		{"name and birth date as peer ref", referral.Draft{PeerRef: "JohnSmith-1990-01-02", Need: "housing", ServiceKey: "harbor.shelter", Consent: verbal}, "peer_ref", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := svc.Create(ctx, ana, tc.d)
			if tc.field != "" {
				if e := apperr.As(err); e == nil || e.Field != tc.field {
					t.Fatalf("error %v, want a %s field error", err, tc.field)
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
		})
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
