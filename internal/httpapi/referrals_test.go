package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/app"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
	"trellis/internal/referral"
	"trellis/internal/referral/referraltest"
)

// referralJSON is a referral as the API answers it.
type referralJSON struct {
	ID          string   `json:"id"`
	PeerRef     string   `json:"peer_ref"`
	Need        string   `json:"need"`
	ServiceID   string   `json:"service_id"`
	LocationID  string   `json:"location_id"`
	Notes       string   `json:"notes"`
	Status      string   `json:"status"`
	AllowedNext []string `json:"allowed_next"`
	Overdue     bool     `json:"overdue"`
	Consent     struct {
		Method     string `json:"method"`
		Scope      string `json:"scope"`
		RecordedBy string `json:"recorded_by"`
	} `json:"consent"`
	Timeline []eventJSON `json:"timeline"`
}

type eventJSON struct {
	From  string `json:"from"`
	To    string `json:"to"`
	Note  string `json:"note"`
	Actor struct {
		Kind string `json:"kind"`
		ID   string `json:"id"`
	} `json:"actor"`
}

// TestReferralFlow walks the scripted path of the issue: sign in for a
// token, search, refer, make an agency link, the agency accepts, the
// specialist sees the agency's event; then a refused move, follow-ups and
// the coordinator's counts.
func TestReferralFlow(t *testing.T) {
	e := newEnv(t)

	var tok struct {
		Token string `json:"token"`
		ID    string `json:"id"`
		User  struct{ Email, Role string }
	}
	e.call(anon, "POST", "/api/v1/auth/tokens", map[string]string{"email": "ana@example.org", "password": testPassword}, 201, &tok)
	if !strings.HasPrefix(tok.Token, auth.TokenPrefix) || tok.ID == "" || tok.User.Role != "specialist" {
		t.Fatalf("token answer %+v", tok)
	}
	e.tokens["ana"] = tok.Token

	sb := search(t, e.base, url.Values{"q": {"shelter for men"}, "near": {"20001"}})
	if len(sb.Results) == 0 || sb.Results[0].Service.ID != "north-shelter.beds" {
		t.Fatalf("search: %v", ids(sb))
	}
	serviceID := sb.Results[0].Service.ID

	var r referralJSON
	resp := e.call("ana", "POST", "/api/v1/referrals", map[string]any{
		"service_id": serviceID, "need": "housing.emergency-shelter",
		"consent": map[string]string{"method": "verbal"}, "follow_up": clock.Date("2026-11-22"),
	}, 201, &r)
	if !referral.IsPseudonym(r.PeerRef) {
		t.Errorf("issued peer_ref %q is not a pseudonym", r.PeerRef)
	}
	if r.ID == "" || r.Status != "sent" || r.LocationID != "main" || r.Consent.Scope != "this-referral" || r.Consent.RecordedBy != e.users[specA].ID {
		t.Fatalf("created %+v", r)
	}
	if loc := resp.header.Get("Location"); loc != "/api/v1/referrals/"+r.ID {
		t.Errorf("Location %q", loc)
	}
	if !slices.Equal(r.AllowedNext, []string{"accepted", "declined", "cancelled"}) {
		t.Errorf("allowed_next %v", r.AllowedNext)
	}

	var link struct {
		URL, Token string
		ExpiresAt  time.Time `json:"expires_at"`
	}
	e.call("ana", "POST", "/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &link)
	if link.URL != e.base+"/api/v1/agency/"+link.Token || len(link.Token) < 40 || !link.ExpiresAt.Equal(now.Add(14*24*time.Hour).Truncate(time.Microsecond)) {
		t.Fatalf("link %+v", link)
	}
	agencyPath := strings.TrimPrefix(link.URL, e.base)

	var view struct {
		PeerRef string   `json:"peer_ref"`
		Status  string   `json:"status"`
		Allowed []string `json:"allowed"`
	}
	resp = e.call(anon, "GET", agencyPath, nil, 200, &view)
	if view.PeerRef != r.PeerRef || view.Status != "sent" || !slices.Equal(view.Allowed, []string{"accepted", "declined"}) {
		t.Errorf("agency view %s", resp.body)
	}
	var moved struct {
		Event    eventJSON `json:"event"`
		Referral struct{ Status string }
	}
	e.call(anon, "POST", agencyPath+"/events", map[string]string{"status": "accepted", "note": "intake Monday 9am"}, 201, &moved)
	if moved.Event.Actor.Kind != "agency" || moved.Event.To != "accepted" || moved.Referral.Status != "accepted" {
		t.Errorf("agency move %+v", moved)
	}

	var got referralJSON
	e.call("ana", "GET", "/api/v1/referrals/"+r.ID, nil, 200, &got)
	if got.Status != "accepted" || len(got.Timeline) != 2 {
		t.Fatalf("referral after the agency's move: %+v", got)
	}
	if ev := got.Timeline[1]; ev.Actor.Kind != "agency" || ev.From != "sent" || ev.To != "accepted" || ev.Note != "intake Monday 9am" {
		t.Errorf("timeline event %+v, want the agency's acceptance", ev)
	}

	// A move the machine refuses: 409 with the allowed next states.
	resp = e.call("ana", "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": "declined", "note": "x"}, 409, nil)
	ae := decodeError(t, resp.body)
	if ae.Error.Code != "conflict" || ae.Error.Details["status"] != "accepted" || !equalAny(ae.Error.Details["allowed"], "completed", "no_show", "cancelled") {
		t.Errorf("409 body %s", resp.body)
	}
	// Agencies may not mark no-shows; their 409 lists their own moves.
	resp = e.call(anon, "POST", agencyPath+"/events", map[string]string{"status": "no_show"}, 409, nil)
	if ae := decodeError(t, resp.body); !equalAny(ae.Error.Details["allowed"], "completed") {
		t.Errorf("agency 409 body %s", resp.body)
	}

	// Follow-ups: due today (the directory's Sunday 22 November), overdue a day later.
	var fu struct {
		AsOf      string         `json:"as_of"`
		FollowUps []referralJSON `json:"followups"`
	}
	e.call("ana", "GET", "/api/v1/followups", nil, 200, &fu)
	if fu.AsOf != clock.Date("2026-11-22") || len(fu.FollowUps) != 1 || fu.FollowUps[0].ID != r.ID || fu.FollowUps[0].Overdue {
		t.Errorf("follow-ups today: %+v", fu)
	}
	e.call("ana", "GET", "/api/v1/followups?as_of="+clock.Date("2026-11-23"), nil, 200, &fu)
	if len(fu.FollowUps) != 1 || !fu.FollowUps[0].Overdue {
		t.Errorf("follow-ups tomorrow: %+v", fu)
	}
	e.call("ana", "GET", "/api/v1/followups?as_of="+clock.Date("2026-11-21"), nil, 200, &fu)
	if len(fu.FollowUps) != 0 {
		t.Errorf("follow-ups yesterday: %+v", fu)
	}

	// The specialist completes it; the agency link ends with it, and
	// nothing moves a closed referral.
	e.call("ana", "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": "completed", "note": "housed"}, 201, nil)
	resp = e.call(anon, "POST", agencyPath+"/events", map[string]string{"status": "completed"}, 410, nil)
	if ae := decodeError(t, resp.body); ae.Error.Code != "gone" || ae.Error.Details["reason"] != "closed" || !strings.Contains(ae.Error.Message, "closed") {
		t.Errorf("closed referral's link: %s", resp.body)
	}
	e.call("ana", "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": "accepted"}, 409, nil)
	e.call("ana", "GET", "/api/v1/followups", nil, 200, &fu)
	if len(fu.FollowUps) != 0 {
		t.Errorf("closed referral still due: %+v", fu)
	}

	// The coordinator sees counts, not referrals, once the week has
	// ended; the one referral is "fewer than 5" wherever it is counted.
	e.advance(24 * time.Hour)
	var rep struct {
		From, To string
		Total    json.RawMessage `json:"total"`
		ByWeek   []struct {
			Week   string            `json:"week"`
			Counts []json.RawMessage `json:"counts"`
		} `json:"by_week"`
		ByAgency []struct {
			ID        string          `json:"id"`
			Referrals json.RawMessage `json:"referrals"`
		} `json:"by_agency"`
	}
	resp = e.call(coord, "GET", "/api/v1/reports/referrals?from="+clock.Date("2026-11-22")+"&to="+clock.Date("2026-11-22"), nil, 200, &rep)
	few := `"fewer than 5"`
	if rep.From != clock.Date("2026-11-16") || rep.To != clock.Date("2026-11-22") || string(rep.Total) != few ||
		len(rep.ByWeek) != 1 || string(rep.ByWeek[0].Counts[3]) != few || len(rep.ByAgency) != 1 ||
		rep.ByAgency[0].ID != strings.SplitN(serviceID, ".", 2)[0] || string(rep.ByAgency[0].Referrals) != few {
		t.Errorf("report %s", resp.body)
	}
	if strings.Contains(string(resp.body), r.PeerRef) || strings.Contains(string(resp.body), r.ID) || regexp.MustCompile(`[\[,]1[,\]]`).Match(resp.body) {
		t.Errorf("report leaks a referral: %s", resp.body)
	}
	resp = e.call(coord, "GET", "/api/v1/reports/referrals?format=csv&table=needs&from="+clock.Date("2026-11-22"), nil, 200, nil)
	if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(string(resp.body), "total,,fewer than 5,") {
		t.Errorf("csv %s: %s", ct, resp.body)
	}
	e.call(coord, "GET", "/api/v1/reports/referrals?from="+clock.Date("2026-11-23"), nil, 400, nil)
}

func equalAny(v any, want ...string) bool {
	list, ok := v.([]any)
	if !ok || len(list) != len(want) {
		return false
	}
	for i, x := range list {
		if x != want[i] {
			return false
		}
	}
	return true
}

// TestReferralVisibility checks who sees which referral: its specialist
// and their team; nobody else, in the list or by id.
func TestReferralVisibility(t *testing.T) {
	e := newEnv(t)
	a := e.newReferral(specA, func(d *referralDraft) { d.FollowUp = now.AddDate(0, 0, 9) })
	b := e.newReferral(specB, func(d *referralDraft) { d.PeerRef = "P-CC22D" })
	pantry := e.newReferral(specA, func(d *referralDraft) {
		d.Need, d.ServiceKey, d.LocationID, d.FollowUp = "food", "capitol-pantry.groceries", "", now.AddDate(0, 0, 2)
	})
	if _, _, err := (&referral.Service{Store: e.db, Now: func() time.Time { return now }}).AgencyMove(context.Background(),
		e.agencyToken(specA, pantry.ID), referral.Change{To: referral.StatusAccepted}); err != nil {
		t.Fatal(err)
	}
	listIDs := func(who, query string) []string {
		var page struct {
			Total     int
			Referrals []referralJSON
		}
		e.call(who, "GET", "/api/v1/referrals"+query, nil, 200, &page)
		var out []string
		for _, r := range page.Referrals {
			out = append(out, r.ID)
		}
		if page.Total != len(out) && !strings.Contains(query, "page=") {
			t.Errorf("%s%s: total %d for %d referrals", who, query, page.Total, len(out))
		}
		return out
	}
	tests := []struct {
		name, who, query string
		want             []string
	}{
		{"A sees A's", specA, "", []string{pantry.ID, a.ID}},
		{"B sees B's", specB, "", []string{b.ID}},
		{"teammate sees the team's", teammate, "", []string{pantry.ID, a.ID}},
		{"teammate's own only", teammate, "?scope=mine", nil},
		{"status filter", specA, "?status=completed,declined", nil},
		{"status filter matches", specA, "?status=sent", []string{a.ID}},
		{"need includes subcategories", specA, "?need=housing", []string{a.ID}},
		{"by pseudonym", specA, "?peer_ref=" + a.PeerRef, []string{a.ID}},
		{"by pseudonym, lowercase", specA, "?peer_ref=" + strings.ToLower(a.PeerRef), []string{a.ID}},
		{"by another's pseudonym", specA, "?peer_ref=P-CC22D", nil},
		{"other need", specA, "?need=healthcare", nil},
		{"by agency", specA, "?agency=capitol-pantry", []string{pantry.ID}},
		{"unread answers", specA, "?unread=true", []string{pantry.ID}},
		{"unread answers are the referrer's, not the team's", teammate, "?unread=1", nil},
		{"by follow-up date", specA, "?sort=follow_up", []string{pantry.ID, a.ID}},
		{"paging past the end", specA, "?page=3&per_page=1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			got := listIDs(tc.who, tc.query)
			if !strings.Contains(tc.query, "sort=") {
				// Referrals made in the same instant come in no set order.
				got, tc.want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.want))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
	e.t = t
	// Opening it as its specialist reads the answer; as a teammate not.
	var got struct {
		AnsweredAt string `json:"answered_at"`
	}
	e.call(teammate, "GET", "/api/v1/referrals/"+pantry.ID, nil, 200, &got)
	if got.AnsweredAt == "" || !slices.Equal(listIDs(specA, "?unread=true"), []string{pantry.ID}) {
		t.Errorf("after the teammate opened it: answered_at %q, unread %v", got.AnsweredAt, listIDs(specA, "?unread=true"))
	}
	e.call(specA, "GET", "/api/v1/referrals/"+pantry.ID, nil, 200, nil)
	if ids := listIDs(specA, "?unread=true"); ids != nil {
		t.Errorf("unread after the specialist opened it: %v", ids)
	}
	e.call(teammate, "GET", "/api/v1/referrals/"+a.ID, nil, 200, nil)
	e.call(specB, "GET", "/api/v1/referrals/"+a.ID, nil, 404, nil)
	e.call(specB, "POST", "/api/v1/referrals/"+a.ID+"/events", map[string]string{"status": "cancelled"}, 404, nil)
	e.call(specA, "GET", "/api/v1/referrals/"+b.ID, nil, 404, nil)
}

// TestStrictBodies sends malformed bodies and checks each gets a 4xx
// naming the field, never a 500.
func TestStrictBodies(t *testing.T) {
	e := newEnv(t)
	r := e.newReferral(specA)
	good := `"peer_ref": "P-7K3QW", "service_id": "north-shelter.beds", "need": "housing.emergency-shelter", "consent": {"method": "verbal"}`
	tests := []struct {
		name, path, body string
		ctype            string
		status           int
		field, msg       string
	}{
		{"unknown field", "/api/v1/referrals", `{` + good + `, "peer_reff": "x"}`, "", 400, "peer_reff", "unknown field"},
		{"unknown nested field", "/api/v1/referrals", `{` + good[:len(good)-1] + `, "foo": 1}}`, "", 400, "consent.foo", "unknown field"},
		{"field names are case-sensitive", "/api/v1/referrals", `{"PEER_REF": "JD-17"}`, "", 400, "PEER_REF", "unknown field"},
		{"wrong type", "/api/v1/referrals", `{"peer_ref": 17}`, "", 400, "peer_ref", "must be a string"},
		{"wrong nested type", "/api/v1/referrals", `{` + good[:len(good)-1] + `, "contact": "yes"}}`, "", 400, "consent.contact", "boolean"},
		{"consent not an object", "/api/v1/referrals", `{"consent": "verbal"}`, "", 400, "consent", "must be an object"},
		{"bad date", "/api/v1/referrals", `{` + good + `, "follow_up": "tomorrow"}`, "", 400, "follow_up", "date"},
		{"date not a string", "/api/v1/referrals", `{` + good + `, "follow_up": 20261201}`, "", 400, "follow_up", "date"},
		{"duplicate field", "/api/v1/referrals", `{` + good + `, "need": "food"}`, "", 400, "need", "twice"},
		{"not JSON", "/api/v1/referrals", `peer_ref=JD-17`, "", 400, "", "not valid JSON"},
		{"empty body", "/api/v1/referrals", ``, "", 400, "", "empty"},
		{"cut short", "/api/v1/referrals", `{"peer_ref": "JD`, "", 400, "", "ends before"},
		{"a list", "/api/v1/referrals", `[1, 2]`, "", 400, "", "JSON object"},
		{"trailing data", "/api/v1/referrals", `{` + good + `} {}`, "", 400, "", "not valid JSON"},
		{"form content type", "/api/v1/referrals", `{` + good + `}`, "application/x-www-form-urlencoded", 400, "", "Content-Type: application/json"},
		{"too large", "/api/v1/referrals", `{` + good + `, "notes": "` + strings.Repeat("a", 70<<10) + `"}`, "", 413, "", "too large"},
		{"far too large", "/api/v1/referrals", `{"notes": "` + strings.Repeat("a", 2<<20) + `"}`, "", 413, "", "too large"},
		{"no consent", "/api/v1/referrals", `{"service_id": "north-shelter.beds", "need": "housing"}`, "", 400, "consent", "required"},
		{"no consent method", "/api/v1/referrals", `{"service_id": "north-shelter.beds", "need": "housing", "consent": {}}`, "", 400, "consent.method", "required"},
		{"a name as peer_ref", "/api/v1/referrals", `{"peer_ref": "John Smith", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "looks like a name"},
		{"free text as peer_ref", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "not a pseudonym Trellis issued"},
		{"JohnSmith", "/api/v1/referrals", `{"peer_ref": "JohnSmith", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "looks like a name"},
		{"John.Smith", "/api/v1/referrals", `{"peer_ref": "John.Smith", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "looks like a name"},
		{"Maria_Garcia_DOB1990", "/api/v1/referrals", `{"peer_ref": "Maria_Garcia_DOB1990", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "a name and a birth date"},
		{"202.555.0199", "/api/v1/referrals", `{"peer_ref": "202.555.0199", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "looks like a phone number"},
		{"Jan-02-1990", "/api/v1/referrals", `{"peer_ref": "Jan-02-1990", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "looks like a date"},
		{"MRN12345", "/api/v1/referrals", `{"peer_ref": "MRN12345", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "looks like a record or case number"},
		{"a pseudonym with a typo", "/api/v1/referrals", `{"peer_ref": "P-7K3QX", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 422, "peer_ref", "mistyped"},
		{"unknown service", "/api/v1/referrals", `{"service_id": "north-shelter.spa", "need": "housing", "consent": {"method": "verbal"}}`, "", 400, "service_id", "no service"},
		{"unknown need", "/api/v1/referrals", `{"service_id": "north-shelter.beds", "need": "castles", "consent": {"method": "verbal"}}`, "", 400, "need", "taxonomy"},
		{"substance use, verbal consent", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "verbal", "part2_notice": true}}`, "", 422, "consent.method", "need written consent"},
		{"substance use, written but not signed", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "part2_notice": true}}`, "", 422, "consent.signature", "42 CFR Part 2"},
		{"substance use without the Part 2 notice", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "signature": "paper"}}`, "", 422, "consent.part2_notice", "42 CFR Part 2"},
		{"substance use, consent given in 1999", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "signature": "paper", "part2_notice": true, "given_at": "1999-01-01T00:00:00Z"}}`, "", 422, "consent.given_at", "more than 30 days ago"},
		{"substance use, consent given in the future", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "signature": "paper", "part2_notice": true, "given_at": "` + now.Add(48*time.Hour).Format(time.RFC3339) + `"}}`, "", 422, "consent.given_at", "future"},
		{"electronic signature without the image", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "signature": "electronic", "part2_notice": true}}`, "", 422, "consent.signature_image", "captured on the device"},
		{"signature image not base64", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "signature": "electronic", "signature_image": "data:image/png;base64,???", "part2_notice": true}}`, "", 400, "consent.signature_image", "PNG"},
		{"signature image not a PNG", "/api/v1/referrals", `{"service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written", "signature": "electronic", "signature_image": "R0lGODlhAQABAAAAACw=", "part2_notice": true}}`, "", 400, "consent.signature_image", "PNG"},
		{"unknown signature", "/api/v1/referrals", `{` + good[:len(good)-1] + `, "signature": "thumb"}}`, "", 400, "consent.signature", "paper"},
		{"contact without consent", "/api/v1/referrals", `{` + good + `, "contact": {"phone": "202-555-0100"}}`, "", 400, "contact", "consent.contact"},
		{"bad given_at", "/api/v1/referrals", `{"service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal", "given_at": "yesterday"}}`, "", 400, "consent.given_at", "RFC 3339"},
		{"unknown status", "/api/v1/referrals/" + r.ID + "/events", `{"status": "done"}`, "", 400, "status", "one of"},
		{"decline without reason", "/api/v1/referrals/" + r.ID + "/events", `{"status": "declined"}`, "", 400, "note", "reason"},
		{"empty update", "/api/v1/referrals/" + r.ID + "/events", `{}`, "", 400, "status", "note or a follow-up"},
		{"users may not expire", "/api/v1/referrals/" + r.ID + "/events", `{"status": "expired"}`, "", 409, "", "cannot become expired"},
		{"stale expected status", "/api/v1/referrals/" + r.ID + "/events", `{"status": "cancelled", "expected_status": "accepted"}`, "", 409, "", "while you were changing it"},
		{"event unknown field", "/api/v1/referrals/" + r.ID + "/events", `{"state": "accepted"}`, "", 400, "state", "unknown field"},
		{"event unknown kind", "/api/v1/referrals/" + r.ID + "/events", `{"kind": "erased"}`, "", 400, "kind", "consent_withdrawn"},
		{"withdrawal with a status", "/api/v1/referrals/" + r.ID + "/events", `{"kind": "consent_withdrawn", "status": "cancelled"}`, "", 400, "kind", "note only"},
		{"agency link with a body", "/api/v1/referrals/" + r.ID + "/agency-link", `{"ttl": 5}`, "", 400, "ttl", "unknown field"},
		{"token without password", "/api/v1/auth/tokens", `{"email": "ana@example.org"}`, "", 400, "password", "required"},
		{"token email not a string", "/api/v1/auth/tokens", `{"email": 5, "password": "x"}`, "", 400, "email", "must be a string"},
		{"token unknown field", "/api/v1/auth/tokens", `{"email": "ana@example.org", "password": "x", "role": "admin"}`, "", 400, "role", "unknown field"},
		{"token wrong password", "/api/v1/auth/tokens", `{"email": "ana@example.org", "password": "wrong password!!"}`, "", 401, "", "wrong email or password"},
		{"token unknown user", "/api/v1/auth/tokens", `{"email": "zed@example.org", "password": "` + testPassword + `"}`, "", 401, "", "wrong email or password"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			h := http.Header{}
			if tc.ctype != "" {
				h.Set("Content-Type", tc.ctype)
			}
			token := e.tokens[specA]
			if strings.HasPrefix(tc.path, "/api/v1/auth/") {
				token = ""
			}
			resp := e.do(request{method: "POST", path: tc.path, token: token, body: tc.body, header: h})
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d: %.300s", resp.status, tc.status, resp.body)
			}
			ae := decodeError(t, resp.body)
			t.Logf("%d %s: %s", resp.status, ae.Error.Field, ae.Error.Message)
			if ae.Error.Field != tc.field || !strings.Contains(ae.Error.Message, tc.msg) {
				t.Errorf("error %+v, want field %q and a message containing %q", ae.Error, tc.field, tc.msg)
			}
		})
	}
	e.t = t
	var got referralJSON
	e.call(specA, "GET", "/api/v1/referrals/"+r.ID, nil, 200, &got)
	if got.Status != "sent" || len(got.Timeline) != 1 {
		t.Errorf("refused requests changed the referral: %+v", got)
	}
}

// TestBadQueryParameters checks the referral routes' query strictness.
func TestBadQueryParameters(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, who, path, field string
	}{
		{"unknown", specA, "/api/v1/referrals?sort=new", "sort"},
		{"bad status", specA, "/api/v1/referrals?status=sent,lost", "status"},
		{"unknown need", specA, "/api/v1/referrals?need=castles", "need"},
		{"unknown agency", specA, "/api/v1/referrals?agency=castles", "agency"},
		{"bad unread", specA, "/api/v1/referrals?unread=maybe", "unread"},
		{"bad scope", specA, "/api/v1/referrals?scope=all", "scope"},
		{"bad due_before", specA, "/api/v1/referrals?due_before=soon", "due_before"},
		{"per_page too big", specA, "/api/v1/referrals?per_page=501", "per_page"},
		{"bad as_of", specA, "/api/v1/followups?as_of=13/01/2026", "as_of"},
		{"bad from", coord, "/api/v1/reports/referrals?from=last+week", "from"},
		{"to before from", coord, "/api/v1/reports/referrals?from=2026-11-01&to=2026-10-01", "to"},
		{"old names", coord, "/api/v1/reports/referrals?since=2026-11-01", "since"},
		{"table without csv", coord, "/api/v1/reports/referrals?table=needs", "table"},
		{"team for a specialist", specA, "/api/v1/reports/referrals?team=team-east", "team"},
		{"params on a referral", specA, "/api/v1/referrals/X?full=1", "full"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			resp := e.call(tc.who, "GET", tc.path, nil, 400, nil)
			if ae := decodeError(t, resp.body); ae.Error.Field != tc.field {
				t.Errorf("field %q, want %q: %s", ae.Error.Field, tc.field, resp.body)
			}
		})
	}
}

// TestSessionsAndCSRF signs in with a cookie, as the web pages will, and
// checks that unsafe requests need the session's CSRF token and the same
// origin, while bearer-token requests need neither.
func TestSessionsAndCSRF(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}

	var sess struct {
		User      struct{ Email string }
		Via       string
		CSRFToken string `json:"csrf_token"`
	}
	resp := e.do(request{method: "POST", path: "/api/v1/auth/session", client: browser,
		body: map[string]string{"email": "ana@example.org", "password": testPassword}})
	if resp.status != 201 {
		t.Fatalf("sign in: %d %s", resp.status, resp.body)
	}
	decodeInto(t, resp.body, &sess)
	cookie := resp.header.Get("Set-Cookie")
	for _, want := range []string{auth.SessionCookieName + "=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("cookie %q is Secure over plain HTTP without an https base URL", cookie)
	}
	if sess.Via != "session" || sess.CSRFToken == "" || sess.User.Email != "ana@example.org" {
		t.Fatalf("session answer %s", resp.body)
	}

	body := map[string]any{"service_id": "north-shelter.beds", "need": "housing", "consent": map[string]string{"method": "verbal"}}
	csrf := func(tok string) http.Header { return http.Header{httpserver.CSRFHeader: {tok}} }
	tests := []struct {
		name   string
		req    request
		status int
	}{
		{"safe request without CSRF", request{method: "GET", path: "/api/v1/referrals"}, 200},
		{"unsafe request without CSRF", request{method: "POST", path: "/api/v1/referrals", body: body}, 403},
		{"unsafe request with a bad CSRF token", request{method: "POST", path: "/api/v1/referrals", body: body, header: csrf("forged")}, 403},
		{"unsafe request with CSRF", request{method: "POST", path: "/api/v1/referrals", body: body, header: csrf(sess.CSRFToken)}, 201},
		{"cross-site origin", request{method: "POST", path: "/api/v1/referrals", body: body,
			header: http.Header{httpserver.CSRFHeader: {sess.CSRFToken}, "Origin": {"https://evil.example"}}}, 403},
		{"same origin", request{method: "POST", path: "/api/v1/referrals", body: body,
			header: http.Header{httpserver.CSRFHeader: {sess.CSRFToken}, "Origin": {e.base}}}, 201},
		{"who am I", request{method: "GET", path: "/api/v1/auth/session"}, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			tc.req.client = browser
			if resp := e.do(tc.req); resp.status != tc.status {
				t.Errorf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
		})
	}
	e.t = t
	// A bearer token needs no CSRF token.
	e.call(specB, "POST", "/api/v1/referrals", body, 201, nil)

	// Sign-out needs the CSRF token too, then the cookie no longer works.
	if resp := e.do(request{method: "DELETE", path: "/api/v1/auth/session", client: browser}); resp.status != 403 {
		t.Errorf("sign-out without CSRF: %d", resp.status)
	}
	if resp := e.do(request{method: "DELETE", path: "/api/v1/auth/session", client: browser, header: csrf(sess.CSRFToken)}); resp.status != 204 {
		t.Errorf("sign-out: %d %s", resp.status, resp.body)
	}
	if resp := e.do(request{method: "GET", path: "/api/v1/referrals", client: browser}); resp.status != 401 {
		t.Errorf("after sign-out: %d %s", resp.status, resp.body)
	}

	// Forms sign in too; a stolen cookie value is useless after sign-out.
	form := url.Values{"email": {"ben@example.org"}, "password": {testPassword}}
	req, _ := http.NewRequest("POST", e.base+"/api/v1/auth/session", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 201 || len(res.Cookies()) != 1 {
		t.Fatalf("form sign-in: %d %v", res.StatusCode, res.Cookies())
	}
	form.Set("remember", "yes")
	req, _ = http.NewRequest("POST", e.base+"/api/v1/auth/session", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Errorf("form with an unknown field: %d", res.StatusCode)
	}
}

// TestTokensRevoke lists and revokes tokens; a revoked token is refused.
func TestTokensRevoke(t *testing.T) {
	e := newEnv(t)
	var tok struct{ Token, ID string }
	e.call(anon, "POST", "/api/v1/auth/tokens", map[string]string{"email": "ana@example.org", "password": testPassword, "name": "laptop"}, 201, &tok)
	e.tokens["laptop"] = tok.Token
	var list struct {
		Tokens []struct {
			ID, Name  string
			RevokedAt string `json:"revoked_at"`
		}
	}
	resp := e.call("laptop", "GET", "/api/v1/auth/tokens", nil, 200, &list)
	byID := func() map[string]string {
		m := map[string]string{}
		for _, x := range list.Tokens {
			m[x.ID] = x.Name + "," + x.RevokedAt
		}
		return m
	}
	if got := byID(); len(got) != 2 || got[tok.ID] != "laptop," || strings.Contains(string(resp.body), tok.Token) {
		t.Errorf("tokens %s", resp.body)
	}
	e.call(specA, "DELETE", "/api/v1/auth/tokens/"+tok.ID, nil, 204, nil)
	resp = e.call("laptop", "GET", "/api/v1/referrals", nil, 401, nil)
	if ae := decodeError(t, resp.body); !strings.Contains(ae.Error.Message, "not valid") {
		t.Errorf("revoked token: %s", resp.body)
	}
	e.call(specA, "GET", "/api/v1/auth/tokens", nil, 200, &list)
	if got := byID(); got[tok.ID] == "laptop," || !strings.HasPrefix(got[tok.ID], "laptop,"+now.UTC().Format("2006-")) {
		t.Errorf("revoked token listed as valid: %+v", list)
	}
	for _, h := range []string{"Basic YW5hOnB3", "Bearer", "Bearer not-a-token", "trl_abc"} {
		resp := e.do(request{method: "GET", path: "/api/v1/referrals", header: http.Header{"Authorization": {h}}})
		if resp.status != 401 {
			t.Errorf("Authorization %q: %d", h, resp.status)
		}
	}
}

// TestSignInRateLimit checks that password guessing from one address is
// slowed down, across the token and session sign-ins.
func TestSignInRateLimit(t *testing.T) {
	e := newEnv(t, func(h *app.HTTP) { h.SignIn.AddressRate, h.SignIn.AddressBurst = 0.001, 3 })
	bad := map[string]string{"email": "ana@example.org", "password": "not the password"}
	for i := range 3 {
		if resp := e.do(request{method: "POST", path: "/api/v1/auth/tokens", body: bad}); resp.status != 401 {
			t.Fatalf("attempt %d: %d", i+1, resp.status)
		}
	}
	resp := e.do(request{method: "POST", path: "/api/v1/auth/session", body: bad})
	if resp.status != 429 || resp.header.Get("Retry-After") == "" {
		t.Errorf("fourth attempt: %d %v", resp.status, resp.header)
	}
	// Token requests are not sign-ins and are not limited.
	e.call(specA, "GET", "/api/v1/referrals", nil, 200, nil)
}

// TestNoPersonalDataInLogs records referrals with distinctive peer
// references, notes, reasons and contact details and checks that none of
// them, nor any token, reaches the server's log.
func TestNoPersonalDataInLogs(t *testing.T) {
	e := newEnv(t)
	var r referralJSON
	e.call(specA, "POST", "/api/v1/referrals", map[string]any{
		"peer_ref": "P-QX93N", "service_id": "north-shelter.beds", "need": "housing.emergency-shelter",
		"notes": "sleeps behind the library on Fifth", "contact": map[string]string{"phone": "202-555-0143"},
		"consent": map[string]any{"method": "verbal", "contact": true, "scope": "share-with-service"},
	}, 201, &r)
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"note": "called, left a voicemail zebra"}, 201, nil)
	var link struct{ Token string }
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &link)
	var view struct{ Contact struct{ Phone string } }
	e.call(anon, "GET", "/api/v1/agency/"+link.Token, nil, 200, &view)
	if view.Contact.Phone != "202-555-0143" {
		t.Errorf("agency view lacks the contact the peer agreed to share: %+v", view)
	}
	e.call(anon, "POST", "/api/v1/agency/"+link.Token+"/events", map[string]string{"status": "declined", "note": "no beds tonight aardvark"}, 201, nil)
	e.call(specA, "POST", "/api/v1/referrals", `{"peer_ref": "QX-94 secret", "notes": "badly formed"`, 400, nil)
	e.call(specB, "GET", "/api/v1/referrals/"+r.ID, nil, 404, nil)

	out := e.logs.String()
	if !strings.Contains(out, "route=/api/v1/referrals") || !strings.Contains(out, "route=/api/v1/agency/:token/events") {
		t.Fatalf("log lacks the requests:\n%s", out)
	}
	for _, secret := range []string{"P-QX93N", "QX-94", "library", "202-555-0143", "zebra", "aardvark", "badly formed", link.Token, e.tokens[specA], testPassword, "ana@example.org"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := jsonUnmarshal(b, v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, b)
	}
}

// TestBaseURL checks what an explicit public address changes: agency
// links start with it, cookies are Secure, and requests whose Origin is
// that address pass the origin check behind a proxy that rewrites Host.
func TestBaseURL(t *testing.T) {
	e := newEnv(t, func(h *app.HTTP) { h.BaseURL = "https://trellis.example.org/" })
	r := e.newReferral(specA)
	var link struct{ URL, Token string }
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &link)
	if link.URL != "https://trellis.example.org/api/v1/agency/"+link.Token {
		t.Errorf("link %q", link.URL)
	}
	resp := e.do(request{method: "POST", path: "/api/v1/auth/session", body: map[string]string{"email": "ana@example.org", "password": testPassword},
		header: http.Header{"Origin": {"https://trellis.example.org"}}})
	if resp.status != 201 || !strings.Contains(resp.header.Get("Set-Cookie"), "Secure") {
		t.Fatalf("sign-in from the public origin: %d %v", resp.status, resp.header)
	}
	var sess struct {
		CSRFToken string `json:"csrf_token"`
	}
	decodeInto(t, resp.body, &sess)
	cookie := strings.Split(resp.header.Get("Set-Cookie"), ";")[0]
	tests := []struct {
		origin string
		status int
	}{
		{"https://trellis.example.org", 201},
		{"https://trellis.example.org.evil.example", 403},
		{"null", 403},
	}
	for _, tc := range tests {
		t.Run(tc.origin, func(t *testing.T) {
			e.t = t
			resp := e.do(request{method: "POST", path: "/api/v1/referrals/" + r.ID + "/events", body: map[string]string{"note": "called"},
				header: http.Header{"Cookie": {cookie}, "Origin": {tc.origin}, httpserver.CSRFHeader: {sess.CSRFToken}}})
			if resp.status != tc.status {
				t.Errorf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
		})
	}
	e.t = t
	resp = e.do(request{method: "POST", path: "/api/v1/auth/session", body: map[string]string{"email": "ana@example.org", "password": testPassword},
		header: http.Header{"Origin": {"https://evil.example"}}})
	if resp.status != 403 {
		t.Errorf("sign-in from another site: %d", resp.status)
	}
}

// TestIdentifyForPages checks the middleware the web pages reuse: Identify
// tells who is signed in without requiring anyone, and RequireUser on a
// page route guards it like an API route.
func TestIdentifyForPages(t *testing.T) {
	e := newEnv(t)
	who := func(c echo.Context) error {
		u := httpserver.CurrentUser(c)
		if u == nil {
			return c.String(http.StatusOK, "anonymous")
		}
		return c.String(http.StatusOK, u.Email+" csrf="+strconv.FormatBool(httpserver.CSRFToken(c) != ""))
	}
	e.srv.Echo().GET("/test/whoami", who, e.srv.Identify())
	e.srv.Echo().POST("/test/refer", who, e.srv.RequireUser(auth.PermRefer))

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp := e.do(request{method: "POST", path: "/api/v1/auth/session", client: browser, body: map[string]string{"email": "ben@example.org", "password": testPassword}})
	var sess struct {
		CSRFToken string `json:"csrf_token"`
	}
	decodeInto(t, resp.body, &sess)
	tests := []struct {
		name   string
		req    request
		status int
		body   string
	}{
		{"anonymous", request{method: "GET", path: "/test/whoami"}, 200, "anonymous"},
		{"bad token stays anonymous", request{method: "GET", path: "/test/whoami", token: "trl_nope"}, 200, "anonymous"},
		{"token", request{method: "GET", path: "/test/whoami", token: e.tokens[specA]}, 200, "ana@example.org csrf=false"},
		{"cookie", request{method: "GET", path: "/test/whoami", client: browser}, 200, "ben@example.org csrf=true"},
		{"guarded page, anonymous", request{method: "POST", path: "/test/refer"}, 401, ""},
		{"guarded page, coordinator", request{method: "POST", path: "/test/refer", token: e.tokens[coord]}, 403, ""},
		{"guarded page, cookie without CSRF", request{method: "POST", path: "/test/refer", client: browser}, 403, ""},
		{"guarded page, cookie with CSRF", request{method: "POST", path: "/test/refer", client: browser, header: http.Header{httpserver.CSRFHeader: {sess.CSRFToken}}}, 200, "ben@example.org"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			resp := e.do(tc.req)
			if resp.status != tc.status || !strings.Contains(string(resp.body), tc.body) {
				t.Errorf("%d %s, want %d %q", resp.status, resp.body, tc.status, tc.body)
			}
		})
	}
}

// TestAgencyLinksEnd checks, through the API, every way an agency link
// stops working: the next request after a cancellation, a newer link, a
// revocation or a withdrawal of consent gets 410 with the reason.
func TestAgencyLinksEnd(t *testing.T) {
	// A clock that ticks a second a call, so that links are made one
	// after the other.
	tick := now
	e := newEnv(t, func(o *app.HTTP) {
		var mu sync.Mutex
		o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); tick = tick.Add(time.Second); return tick }
	})
	link := func(id string) (path, linkID string) {
		var l struct {
			URL    string `json:"url"`
			LinkID string `json:"link_id"`
		}
		e.call(specA, "POST", "/api/v1/referrals/"+id+"/agency-link", nil, 201, &l)
		path = strings.TrimPrefix(l.URL, e.base)
		e.call(anon, "GET", path, nil, 200, nil)
		return path, l.LinkID
	}
	gone := func(path, reason string) {
		t.Helper()
		for _, req := range []request{{method: "GET", path: path}, {method: "POST", path: path + "/events", body: map[string]string{"status": "accepted"}}} {
			resp := e.do(req)
			if resp.status != http.StatusGone {
				t.Errorf("%s %s: %d, want 410: %s", req.method, path, resp.status, resp.body)
				continue
			}
			if ae := decodeError(t, resp.body); ae.Error.Code != "gone" || ae.Error.Details["reason"] != reason {
				t.Errorf("%s %s: %s, want reason %s", req.method, path, resp.body, reason)
			}
		}
	}

	// Cancelling ends every link of the referral, the replaced one too.
	r := e.newReferral(specA)
	old, _ := link(r.ID)
	cur, _ := link(r.ID)
	gone(old, "revoked")
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": "cancelled"}, 201, nil)
	gone(cur, "withdrawn")
	gone(old, "withdrawn")
	var links struct {
		Links []struct {
			ID      string `json:"id"`
			Reason  string `json:"revoked_reason"`
			Works   bool   `json:"works"`
			Revoked string `json:"revoked_at"`
		} `json:"links"`
	}
	e.call(specA, "GET", "/api/v1/referrals/"+r.ID+"/agency-links", nil, 200, &links)
	if len(links.Links) != 2 || links.Links[0].Reason != "cancelled" || links.Links[1].Reason != "replaced" || links.Links[0].Works || links.Links[0].Revoked == "" {
		t.Errorf("links after cancelling: %+v", links)
	}
	e.call(specB, "GET", "/api/v1/referrals/"+r.ID+"/agency-links", nil, 404, nil)

	// The specialist revokes a link.
	r2 := e.newReferral(specA)
	path, id := link(r2.ID)
	e.call(specB, "DELETE", "/api/v1/referrals/"+r2.ID+"/agency-links/"+id, nil, 404, nil)
	e.call(anon, "GET", path, nil, 200, nil)
	e.call(specA, "DELETE", "/api/v1/referrals/"+r2.ID+"/agency-links/"+id, nil, 204, nil)
	gone(path, "revoked")
	e.call(specA, "DELETE", "/api/v1/referrals/"+r2.ID+"/agency-links/NOSUCHLINK", nil, 404, nil)

	// Withdrawn consent ends the links and erases the contact details.
	var r3 referralJSON
	e.call(specA, "POST", "/api/v1/referrals", map[string]any{"service_id": "north-shelter.beds", "need": "housing",
		"contact": map[string]string{"phone": "202-555-0177"}, "consent": map[string]any{"method": "verbal", "contact": true, "scope": "share-with-service"}}, 201, &r3)
	path, _ = link(r3.ID)
	var moved struct {
		Event struct {
			Kind string `json:"kind"`
			To   string `json:"to"`
		} `json:"event"`
		Referral struct {
			Status  string         `json:"status"`
			Contact map[string]any `json:"contact"`
			Consent struct {
				WithdrawnAt string `json:"withdrawn_at"`
			} `json:"consent"`
		} `json:"referral"`
	}
	e.call(specA, "POST", "/api/v1/referrals/"+r3.ID+"/events", map[string]string{"kind": "consent_withdrawn", "note": "called to withdraw"}, 201, &moved)
	if moved.Event.Kind != "consent_withdrawn" || moved.Event.To != "cancelled" || moved.Referral.Status != "cancelled" ||
		moved.Referral.Contact != nil || moved.Referral.Consent.WithdrawnAt == "" {
		t.Errorf("withdrawal answer: %+v", moved)
	}
	gone(path, "withdrawn")
	resp := e.call(specA, "POST", "/api/v1/referrals/"+r3.ID+"/events", map[string]string{"kind": "consent_withdrawn"}, 409, nil)
	if ae := decodeError(t, resp.body); !strings.Contains(ae.Error.Message, "already withdrawn") {
		t.Errorf("second withdrawal: %s", resp.body)
	}
	var got referralJSON
	e.call(specA, "GET", "/api/v1/referrals/"+r3.ID, nil, 200, &got)
	if n := len(got.Timeline); n != 2 || got.Timeline[1].Note != "called to withdraw" {
		t.Errorf("timeline after withdrawal: %+v", got.Timeline)
	}
}

// TestAgencyPart2Notice checks that a substance use referral, made with
// written consent signed on the device, reaches the agency with the
// redisclosure notice in the language asked for, and that the agency
// never sees the signature.
func TestAgencyPart2Notice(t *testing.T) {
	e := newEnv(t)
	sig := referraltest.SignaturePNG(t)
	var r referralJSON
	resp := e.call(specA, "POST", "/api/v1/referrals", map[string]any{"service_id": "mind-center.counseling", "need": "substance-use",
		"consent": map[string]any{"method": "written", "signature": "electronic", "signature_image": "data:image/png;base64," + base64.StdEncoding.EncodeToString(sig),
			"part2_notice": true}}, 201, &r)
	if strings.Contains(string(resp.body), base64.StdEncoding.EncodeToString(sig)[:40]) {
		t.Errorf("the answer echoes the signature image")
	}
	var l struct{ Token string }
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &l)
	tests := []struct {
		name, query, lang, want string
	}{
		{"English by default", "", "", "prohibit you from making any other use or disclosure"},
		{"Spanish by parameter", "?lang=es", "", "le prohíben hacer cualquier otro uso o divulgación"},
		{"Spanish by header", "", "es-US,es;q=0.9", "42 CFR parte 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			h := http.Header{}
			if tc.lang != "" {
				h.Set("Accept-Language", tc.lang)
			}
			resp := e.do(request{method: "GET", path: "/api/v1/agency/" + l.Token + tc.query, header: h})
			var v struct {
				Part2      bool   `json:"part2"`
				Notice     string `json:"redisclosure_notice"`
				ReferredBy struct {
					Email string `json:"email"`
				} `json:"referred_by"`
			}
			decodeInto(t, resp.body, &v)
			if resp.status != 200 || !v.Part2 || !strings.Contains(v.Notice, tc.want) {
				t.Errorf("%d part2 %v notice %.120q, want it to contain %q", resp.status, v.Part2, v.Notice, tc.want)
			}
			if v.ReferredBy.Email != e.emails[specA] {
				t.Errorf("referred_by.email %q, want the specialist's work email %q", v.ReferredBy.Email, e.emails[specA])
			}
			if strings.Contains(string(resp.body), "signature") {
				t.Errorf("the agency sees the signature: %s", resp.body)
			}
		})
	}
	e.t = t
	// A housing referral carries no notice.
	h := e.newReferral(specA)
	resp = e.do(request{method: "GET", path: "/api/v1/agency/" + e.agencyToken(specA, h.ID)})
	if strings.Contains(string(resp.body), "redisclosure") || !strings.Contains(string(resp.body), `"part2":false`) {
		t.Errorf("housing referral's agency view: %s", resp.body)
	}
}

// TestDisabledUserRefused checks, on a real server, that disabling an
// account (as trellis user disable does) refuses its token and its
// session cookie from the very next request, that its password no longer
// signs in, and that trellis user revoke ends another user's session
// and tokens while leaving the account usable.
func TestDisabledUserRefused(t *testing.T) {
	e := newEnv(t)
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	e.do(request{method: "POST", path: "/api/v1/auth/session", client: browser, body: map[string]string{"email": "ana@example.org", "password": testPassword}})
	if resp := e.do(request{method: "GET", path: "/api/v1/referrals", client: browser}); resp.status != 200 {
		t.Fatalf("session before disabling: %d %s", resp.status, resp.body)
	}
	e.call(specA, "GET", "/api/v1/referrals", nil, 200, nil)

	if _, err := auth.DisableUser(t.Context(), e.db, e.users[specA].ID, now); err != nil {
		t.Fatal(err)
	}
	resp := e.call(specA, "GET", "/api/v1/referrals", nil, 401, nil)
	if ae := decodeError(t, resp.body); ae.Error.Code != "unauthenticated" {
		t.Errorf("token after disabling: %s", resp.body)
	}
	if resp := e.do(request{method: "GET", path: "/api/v1/referrals", client: browser}); resp.status != 401 {
		t.Errorf("session after disabling: %d %s", resp.status, resp.body)
	}
	resp = e.call(anon, "POST", "/api/v1/auth/tokens", map[string]string{"email": "ana@example.org", "password": testPassword}, 401, nil)
	if ae := decodeError(t, resp.body); !strings.Contains(ae.Error.Message, "disabled") {
		t.Errorf("sign-in of a disabled account: %s", resp.body)
	}
	// The teammate is untouched.
	e.call(teammate, "GET", "/api/v1/referrals", nil, 200, nil)

	// Revoking ends B's token and session; B signs in again.
	jarB, _ := cookiejar.New(nil)
	browserB := &http.Client{Jar: jarB}
	e.do(request{method: "POST", path: "/api/v1/auth/session", client: browserB, body: map[string]string{"email": e.emails[specB], "password": testPassword}})
	if _, err := auth.RevokeAccess(t.Context(), e.db, e.users[specB].ID, now); err != nil {
		t.Fatal(err)
	}
	e.call(specB, "GET", "/api/v1/referrals", nil, 401, nil)
	if resp := e.do(request{method: "GET", path: "/api/v1/referrals", client: browserB}); resp.status != 401 {
		t.Errorf("session after revoking: %d", resp.status)
	}
	e.call(anon, "POST", "/api/v1/auth/tokens", map[string]string{"email": e.emails[specB], "password": testPassword}, 201, nil)

	// Tokens list their expiry and last use.
	var list struct {
		Tokens []struct {
			LastUsedAt time.Time `json:"last_used_at"`
			ExpiresAt  time.Time `json:"expires_at"`
		} `json:"tokens"`
	}
	e.call(teammate, "GET", "/api/v1/auth/tokens", nil, 200, &list)
	if len(list.Tokens) != 1 || !list.Tokens[0].ExpiresAt.Equal(now.Add(auth.DefaultTokenTTL).Truncate(time.Microsecond)) || list.Tokens[0].LastUsedAt.IsZero() {
		t.Errorf("token list: %+v", list)
	}
}
