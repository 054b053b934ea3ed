package referral_test

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/referral"
)

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897123, time.UTC)

func TestAllowedNext(t *testing.T) {
	S := referral.Statuses
	tests := []struct {
		name     string
		from     referral.Status
		want     []referral.Status
		terminal bool
	}{
		{"sent", referral.StatusSent, []referral.Status{referral.StatusAccepted, referral.StatusDeclined, referral.StatusCancelled, referral.StatusExpired}, false},
		{"accepted", referral.StatusAccepted, []referral.Status{referral.StatusCompleted, referral.StatusNoShow, referral.StatusCancelled, referral.StatusExpired}, false},
		{"declined", referral.StatusDeclined, []referral.Status{}, true},
		{"completed", referral.StatusCompleted, []referral.Status{}, true},
		{"no show", referral.StatusNoShow, []referral.Status{}, true},
		{"cancelled", referral.StatusCancelled, []referral.Status{}, true},
		{"expired", referral.StatusExpired, []referral.Status{}, true},
		{"unknown", referral.Status("lost"), []referral.Status{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := referral.AllowedNext(tc.from)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AllowedNext = %v, want %v", got, tc.want)
			}
			if tc.from.Terminal() != tc.terminal {
				t.Errorf("Terminal = %v", !tc.terminal)
			}
			for _, to := range S {
				want := false
				for _, w := range tc.want {
					want = want || w == to
				}
				if referral.CanMove(tc.from, to) != want {
					t.Errorf("CanMove(%s, %s) = %v", tc.from, to, !want)
				}
			}
			// The result is the caller's to modify.
			if len(got) > 0 {
				got[0] = "x"
				if referral.AllowedNext(tc.from)[0] == "x" {
					t.Error("AllowedNext shares its slice")
				}
			}
		})
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in   string
		want referral.Status
		ok   bool
	}{
		{"accepted", referral.StatusAccepted, true},
		{" no_show ", referral.StatusNoShow, true},
		{"Accepted", "", false},
		{"", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := referral.ParseStatus(tc.in)
			if got != tc.want || (err == nil) != tc.ok {
				t.Errorf("ParseStatus = %q, %v", got, err)
			}
			if !tc.ok && apperr.As(err).Field != "status" {
				t.Errorf("error field = %q", apperr.As(err).Field)
			}
		})
	}
}

func TestTransitionErrorIsConflictWithAllowed(t *testing.T) {
	err := referral.CheckMove("R1", referral.StatusCompleted, referral.StatusAccepted)
	e := apperr.As(err)
	if e == nil || e.Code != apperr.Conflict {
		t.Fatalf("apperr = %v, want conflict", e)
	}
	if got := e.Details["allowed"]; !reflect.DeepEqual(got, []referral.Status{}) {
		t.Errorf("allowed = %#v, want empty list", got)
	}
	if got := e.Details["status"]; got != referral.StatusCompleted {
		t.Errorf("status = %v", got)
	}
	err = referral.CheckMove("R1", referral.StatusSent, referral.StatusCompleted)
	if got := apperr.As(err).Details["allowed"]; !reflect.DeepEqual(got, referral.AllowedNext(referral.StatusSent)) {
		t.Errorf("allowed = %v", got)
	}
	if !strings.Contains(err.Error(), "R1") {
		t.Errorf("error %q does not name the referral", err)
	}
	if referral.CheckMove("R1", referral.StatusSent, referral.StatusAccepted) != nil {
		t.Error("allowed move refused")
	}
}

func TestValidatePeerRef(t *testing.T) {
	tests := []struct {
		ref string
		ok  bool
	}{
		{"JD-17", true},
		{"peer_42", true},
		{"A.B", true},
		{"K#3", true},
		{"2025-x", true},
		{"J", false},
		{"", false},
		{"John Smith", false},
		{"jd@example.org", false},
		{"JohnSmith-1990-01-02", false},
		{"01.02.90", false},
		{"1-2-1990", false},
		{"JS010290", false},
		{"2025551234", false},
		{"José", false},
		{strings.Repeat("a", 32), true},
		{strings.Repeat("a", 33), false},
	}
	for _, tc := range tests {
		t.Run(tc.ref, func(t *testing.T) {
			err := referral.ValidatePeerRef(tc.ref)
			if (err == nil) != tc.ok {
				t.Fatalf("ValidatePeerRef = %v, want ok %v", err, tc.ok)
			}
			if err != nil {
				if e := apperr.As(err); e == nil || e.Field != "peer_ref" || e.Code != apperr.Invalid {
					t.Errorf("error %v, want invalid peer_ref", err)
				}
				if len(tc.ref) > 3 && strings.Contains(err.Error(), tc.ref) {
					t.Errorf("error repeats the value: %v", err)
				}
			}
		})
	}
}

func TestRequiresPart2(t *testing.T) {
	tests := []struct {
		name     string
		need     string
		services []string
		want     bool
	}{
		{"need is substance use", "substance-use", nil, true},
		{"need is a subcategory", "substance-use.detox", []string{"healthcare.primary-care"}, true},
		{"service is substance use", "mental-health", []string{"mental-health.counseling", "substance-use.outpatient"}, true},
		{"neither", "housing", []string{"housing.emergency-shelter"}, false},
		{"lookalike prefix", "substance-user", []string{"substance-use-adjacent"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referral.RequiresPart2(tc.need, tc.services); got != tc.want {
				t.Errorf("RequiresPart2 = %v", got)
			}
		})
	}
}

func draft() referral.Draft {
	return referral.Draft{PeerRef: "JD-17", Need: "housing", ServiceKey: "harbor.shelter", LocationID: "main",
		Notes: "secret note", Consent: referral.Consent{Method: referral.ConsentVerbal}}
}

func TestNew(t *testing.T) {
	r, ev, err := referral.New(draft(), "u-ana", "team-1", t0)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	now := t0.Truncate(time.Microsecond)
	want := &referral.Referral{ID: r.ID, PeerRef: "JD-17", Need: "housing", ServiceKey: "harbor.shelter", LocationID: "main",
		SpecialistID: "u-ana", TeamID: "team-1", Notes: "secret note", Status: referral.StatusSent, CreatedAt: now, UpdatedAt: now,
		Consent: referral.Consent{Method: referral.ConsentVerbal, Scope: referral.ScopeThisReferral, GivenAt: now, RecordedBy: "u-ana"}}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("New =\n %+v\nwant\n %+v", r, want)
	}
	wantEv := referral.Event{ID: ev.ID, ReferralID: r.ID, At: now, Actor: referral.UserActor("u-ana"), To: referral.StatusSent}
	if !reflect.DeepEqual(ev, wantEv) {
		t.Errorf("first event = %+v", ev)
	}
	if !regexp.MustCompile(`^[A-Z2-7]{26}$`).MatchString(r.ID) || r.ID == ev.ID {
		t.Errorf("ids %q, %q", r.ID, ev.ID)
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*referral.Draft)
		field string
	}{
		{"peer ref", func(d *referral.Draft) { d.PeerRef = "Jane Doe 01/02/1990" }, "peer_ref"},
		{"need", func(d *referral.Draft) { d.Need = "Housing!" }, "need"},
		{"service", func(d *referral.Draft) { d.ServiceKey = "shelter" }, "service_id"},
		{"location", func(d *referral.Draft) { d.LocationID = "Main St" }, "location_id"},
		{"notes", func(d *referral.Draft) { d.Notes = strings.Repeat("x", referral.MaxNotes+1) }, "notes"},
		{"no consent method", func(d *referral.Draft) { d.Consent.Method = "" }, "consent.method"},
		{"bad consent method", func(d *referral.Draft) { d.Consent.Method = "implied" }, "consent.method"},
		{"bad scope", func(d *referral.Draft) { d.Consent.Scope = "everyone" }, "consent.scope"},
		{"consent in the future", func(d *referral.Draft) { d.Consent.GivenAt = t0.Add(time.Hour) }, "consent.given_at"},
		{"contact without consent", func(d *referral.Draft) { d.Contact = &referral.Contact{Phone: "202-555-0100"} }, "contact"},
		{"consent without contact", func(d *referral.Draft) { d.Consent.Contact = true }, "contact"},
		{"bad phone", func(d *referral.Draft) {
			d.Consent.Contact = true
			d.Contact = &referral.Contact{Phone: "call me"}
		}, "contact.phone"},
		{"bad email", func(d *referral.Draft) {
			d.Consent.Contact = true
			d.Contact = &referral.Contact{Email: "Jane <jd@example.org>"}
		}, "contact.email"},
		{"part 2 need", func(d *referral.Draft) { d.Need = "substance-use.detox" }, "consent.part2_notice"},
		{"part 2 service", func(d *referral.Draft) { d.ServiceCategories = []string{"substance-use.outpatient"} }, "consent.part2_notice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := draft()
			tc.edit(&d)
			_, _, err := referral.New(d, "u-ana", "", t0)
			e := apperr.As(err)
			if e == nil || e.Code != apperr.Invalid || e.Field != tc.field {
				t.Fatalf("error %v, want invalid %s", err, tc.field)
			}
			for _, v := range []string{d.PeerRef, d.Notes, "202-555-0100", "jd@example.org", "call me"} {
				if len(v) > 3 && strings.Contains(err.Error(), v) && tc.field != "need" {
					t.Errorf("error repeats a value: %v", err)
				}
			}
		})
	}
	if _, _, err := referral.New(draft(), "", "", t0); err == nil {
		t.Error("New without a specialist succeeded")
	}
}

func TestNewAccepts(t *testing.T) {
	given := t0.Add(-time.Hour)
	tests := []struct {
		name  string
		edit  func(*referral.Draft)
		check func(*referral.Referral) bool
	}{
		{"contact with consent", func(d *referral.Draft) {
			d.Consent.Contact = true
			d.Contact = &referral.Contact{Phone: " +1 (202) 555-0100 ", Email: "jd@example.org"}
		}, func(r *referral.Referral) bool {
			return r.Contact != nil && r.Contact.Phone == "+1 (202) 555-0100" && r.Contact.Email == "jd@example.org"
		}},
		{"empty contact without consent", func(d *referral.Draft) { d.Contact = &referral.Contact{} }, func(r *referral.Referral) bool { return r.Contact == nil }},
		{"part 2 with notice", func(d *referral.Draft) {
			d.Need = "substance-use"
			d.Consent.Part2Notice = true
		}, func(r *referral.Referral) bool { return r.Consent.Part2Notice }},
		{"written, shared, earlier, by another", func(d *referral.Draft) {
			d.Consent = referral.Consent{Method: referral.ConsentWritten, Scope: referral.ScopeShareWithService, GivenAt: given, RecordedBy: "u-dee"}
		}, func(r *referral.Referral) bool {
			return r.Consent.Scope == referral.ScopeShareWithService && r.Consent.GivenAt.Equal(given.Truncate(time.Microsecond)) && r.Consent.RecordedBy == "u-dee"
		}},
		{"follow-up is a date", func(d *referral.Draft) {
			d.FollowUp = time.Date(2025, 3, 21, 23, 30, 0, 0, time.FixedZone("EST", -5*3600))
		}, func(r *referral.Referral) bool { return r.FollowUp.Equal(time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)) }},
		{"spaces trimmed", func(d *referral.Draft) { d.PeerRef, d.Need = " JD-17 ", " housing " }, func(r *referral.Referral) bool {
			return r.PeerRef == "JD-17" && r.Need == "housing"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := draft()
			tc.edit(&d)
			r, _, err := referral.New(d, "u-ana", "", t0)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if !tc.check(r) {
				t.Errorf("referral = %+v", r)
			}
		})
	}
}

func TestNewEvent(t *testing.T) {
	mk := func(s referral.Status) *referral.Referral {
		return &referral.Referral{ID: "R1", Status: s}
	}
	user, agency := referral.UserActor("u-ana"), referral.AgencyActor("L1")
	tests := []struct {
		name    string
		r       *referral.Referral
		actor   referral.Actor
		change  referral.Change
		to      referral.Status
		field   string   // invalid field expected
		allowed []string // TransitionError expected with these allowed moves
		stale   bool
	}{
		{"accept", mk(referral.StatusSent), user, referral.Change{To: referral.StatusAccepted}, referral.StatusAccepted, "", nil, false},
		{"note only", mk(referral.StatusAccepted), user, referral.Change{Note: "left a message"}, referral.StatusAccepted, "", nil, false},
		{"follow-up only", mk(referral.StatusSent), user, referral.Change{FollowUp: t0}, referral.StatusSent, "", nil, false},
		{"empty update", mk(referral.StatusSent), user, referral.Change{Note: "   "}, "", "status", nil, false},
		{"decline without reason", mk(referral.StatusSent), user, referral.Change{To: referral.StatusDeclined}, "", "note", nil, false},
		{"decline with reason", mk(referral.StatusSent), agency, referral.Change{To: referral.StatusDeclined, Note: "full"}, referral.StatusDeclined, "", nil, false},
		{"unknown status", mk(referral.StatusSent), user, referral.Change{To: "lost"}, "", "status", nil, false},
		{"note too long", mk(referral.StatusSent), user, referral.Change{Note: strings.Repeat("x", referral.MaxEventNote+1)}, "", "note", nil, false},
		{"skip ahead", mk(referral.StatusSent), user, referral.Change{To: referral.StatusCompleted}, "", "", []string{"accepted", "declined", "cancelled"}, false},
		{"user may not expire", mk(referral.StatusAccepted), user, referral.Change{To: referral.StatusExpired}, "", "", []string{"completed", "no_show", "cancelled"}, false},
		{"system may expire", mk(referral.StatusAccepted), referral.SystemActor, referral.Change{To: referral.StatusExpired}, referral.StatusExpired, "", nil, false},
		{"agency may not cancel", mk(referral.StatusSent), agency, referral.Change{To: referral.StatusCancelled}, "", "", []string{"accepted", "declined"}, false},
		{"note on closed", mk(referral.StatusCompleted), user, referral.Change{Note: "late"}, "", "", []string{}, false},
		{"stale", mk(referral.StatusAccepted), user, referral.Change{To: referral.StatusAccepted, Expected: referral.StatusSent}, "", "", []string{"completed", "no_show", "cancelled"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := referral.NewEvent(tc.r, tc.actor, tc.change, t0)
			var te *referral.TransitionError
			switch {
			case tc.field != "":
				if e := apperr.As(err); e == nil || e.Field != tc.field {
					t.Errorf("error %v, want invalid %s", err, tc.field)
				}
			case tc.allowed != nil:
				if !errors.As(err, &te) {
					t.Fatalf("error %v, want TransitionError", err)
				}
				got := []string{}
				for _, s := range te.Allowed {
					got = append(got, string(s))
				}
				if !reflect.DeepEqual(got, tc.allowed) || te.Stale != tc.stale {
					t.Errorf("allowed %v stale %v", got, te.Stale)
				}
			default:
				if err != nil {
					t.Fatalf("NewEvent: %v", err)
				}
				if ev.From != tc.r.Status || ev.To != tc.to || ev.ReferralID != "R1" || ev.Actor != tc.actor || !ev.At.Equal(t0.Truncate(time.Microsecond)) {
					t.Errorf("event = %+v", ev)
				}
			}
		})
	}
}

func TestApply(t *testing.T) {
	r := &referral.Referral{ID: "R1", Status: referral.StatusAccepted, Contact: &referral.Contact{Phone: "1"}}
	ev := referral.Event{At: t0, From: referral.StatusAccepted, To: referral.StatusCompleted, FollowUp: referral.DateOf(t0)}
	got := referral.Apply(r, ev)
	if got.Status != referral.StatusCompleted || !got.ClosedAt.Equal(t0) || !got.UpdatedAt.Equal(t0) || !got.FollowUp.Equal(referral.DateOf(t0)) {
		t.Errorf("Apply = %+v", got)
	}
	got.Contact.Phone = "2"
	if r.Status != referral.StatusAccepted || r.Contact.Phone != "1" {
		t.Error("Apply changed its input")
	}
}

func TestAllowedNextFor(t *testing.T) {
	tests := []struct {
		name string
		kind referral.ActorKind
		from referral.Status
		want []referral.Status
	}{
		{"user from sent", referral.ActorUser, referral.StatusSent, []referral.Status{referral.StatusAccepted, referral.StatusDeclined, referral.StatusCancelled}},
		{"agency from sent", referral.ActorAgency, referral.StatusSent, []referral.Status{referral.StatusAccepted, referral.StatusDeclined}},
		{"agency from accepted", referral.ActorAgency, referral.StatusAccepted, []referral.Status{referral.StatusCompleted}},
		{"system from accepted", referral.ActorSystem, referral.StatusAccepted, referral.AllowedNext(referral.StatusAccepted)},
		{"unknown actor", referral.ActorKind("x"), referral.StatusSent, []referral.Status{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referral.AllowedNextFor(tc.kind, tc.from); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("AllowedNextFor = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAgencyLinkToken(t *testing.T) {
	l, token := referral.NewAgencyLink("R1", "u-ana", time.Hour, t0)
	l2, token2 := referral.NewAgencyLink("R1", "u-ana", time.Hour, t0)
	if token == token2 || l.ID == l2.ID {
		t.Error("two links share a token or id")
	}
	if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
		t.Errorf("token %q is not 43 base64url characters", token)
	}
	if !reflect.DeepEqual(l.TokenHash, referral.HashToken(token)) || len(l.TokenHash) != 32 {
		t.Error("link does not hold the token's SHA-256")
	}
	if l.Expired(t0.Add(59*time.Minute)) || !l.Expired(t0.Add(time.Hour)) {
		t.Error("expiry is not at created + ttl")
	}
}

func TestViewerCanSee(t *testing.T) {
	r := &referral.Referral{SpecialistID: "u-ana", TeamID: "team-1"}
	solo := &referral.Referral{SpecialistID: "u-ana"}
	tests := []struct {
		name string
		v    referral.Viewer
		r    *referral.Referral
		want bool
	}{
		{"owner", referral.Viewer{UserID: "u-ana"}, r, true},
		{"teammate", referral.Viewer{UserID: "u-dee", TeamID: "team-1"}, r, true},
		{"other team", referral.Viewer{UserID: "u-dee", TeamID: "team-2"}, r, false},
		{"no team matches no team", referral.Viewer{UserID: "u-dee"}, solo, false},
		{"anonymous", referral.Viewer{}, &referral.Referral{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.CanSee(tc.r); got != tc.want {
				t.Errorf("CanSee = %v", got)
			}
		})
	}
}

func TestDateOf(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"utc", time.Date(2025, 3, 14, 23, 59, 0, 0, time.UTC), time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)},
		{"east of utc, after midnight", time.Date(2025, 3, 15, 1, 0, 0, 0, time.FixedZone("+3", 3*3600)), time.Date(2025, 3, 15, 0, 0, 0, 0, time.UTC)},
		{"west of utc, late evening", time.Date(2025, 3, 14, 22, 0, 0, 0, time.FixedZone("-5", -5*3600)), time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := referral.DateOf(tc.in); !got.Equal(tc.want) || got.Location() != time.UTC {
				t.Errorf("DateOf = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestFilterPageSize(t *testing.T) {
	tests := []struct {
		limit, want int
	}{
		{0, referral.DefaultPageSize}, {-3, referral.DefaultPageSize}, {10, 10}, {referral.MaxPageSize + 1, referral.MaxPageSize},
	}
	for _, tc := range tests {
		t.Run("", func(t *testing.T) {
			if got := (referral.Filter{Limit: tc.limit}).PageSize(); got != tc.want {
				t.Errorf("PageSize(%d) = %d, want %d", tc.limit, got, tc.want)
			}
		})
	}
}
