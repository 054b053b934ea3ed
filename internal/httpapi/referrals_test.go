package httpapi_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/auth"
	"trellis/internal/httpapi"
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
		"peer_ref": "JD-17", "service_id": serviceID, "need": "housing.emergency-shelter",
		"consent": map[string]string{"method": "verbal"}, "follow_up": "2026-11-22",
	}, 201, &r)
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
	if view.PeerRef != "JD-17" || view.Status != "sent" || !slices.Equal(view.Allowed, []string{"accepted", "declined"}) {
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
	if fu.AsOf != "2026-11-22" || len(fu.FollowUps) != 1 || fu.FollowUps[0].ID != r.ID || fu.FollowUps[0].Overdue {
		t.Errorf("follow-ups today: %+v", fu)
	}
	e.call("ana", "GET", "/api/v1/followups?as_of=2026-11-23", nil, 200, &fu)
	if len(fu.FollowUps) != 1 || !fu.FollowUps[0].Overdue {
		t.Errorf("follow-ups tomorrow: %+v", fu)
	}
	e.call("ana", "GET", "/api/v1/followups?as_of=2026-11-21", nil, 200, &fu)
	if len(fu.FollowUps) != 0 {
		t.Errorf("follow-ups yesterday: %+v", fu)
	}

	// The specialist completes it; nothing moves a closed referral.
	e.call("ana", "POST", "/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": "completed", "note": "housed"}, 201, nil)
	resp = e.call(anon, "POST", agencyPath+"/events", map[string]string{"status": "completed"}, 409, nil)
	if ae := decodeError(t, resp.body); !equalAny(ae.Error.Details["allowed"]) {
		t.Errorf("closed referral 409 body %s", resp.body)
	}
	e.call("ana", "GET", "/api/v1/followups", nil, 200, &fu)
	if len(fu.FollowUps) != 0 {
		t.Errorf("closed referral still due: %+v", fu)
	}

	// The coordinator sees counts, not referrals.
	var rep struct {
		Total    int            `json:"total"`
		ByStatus map[string]int `json:"by_status"`
		Rows     []struct {
			ServiceID string `json:"service_id"`
			Count     int    `json:"count"`
		} `json:"rows"`
	}
	resp = e.call(coord, "GET", "/api/v1/reports/referrals?since=2026-11-01", nil, 200, &rep)
	if rep.Total != 1 || rep.ByStatus["completed"] != 1 || len(rep.Rows) != 1 || rep.Rows[0].ServiceID != serviceID {
		t.Errorf("report %s", resp.body)
	}
	if strings.Contains(string(resp.body), "JD-17") || strings.Contains(string(resp.body), r.ID) {
		t.Errorf("report leaks a referral: %s", resp.body)
	}
	e.call(coord, "GET", "/api/v1/reports/referrals?since=2026-12-01", nil, 200, &rep)
	if rep.Total != 0 {
		t.Errorf("report since December: %d", rep.Total)
	}
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
	a := e.newReferral(specA)
	b := e.newReferral(specB, func(d *referralDraft) { d.PeerRef = "BB-2" })
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
		{"A sees A's", specA, "", []string{a.ID}},
		{"B sees B's", specB, "", []string{b.ID}},
		{"teammate sees the team's", teammate, "", []string{a.ID}},
		{"teammate's own only", teammate, "?scope=mine", nil},
		{"status filter", specA, "?status=accepted,declined", nil},
		{"status filter matches", specA, "?status=sent", []string{a.ID}},
		{"need includes subcategories", specA, "?need=housing", []string{a.ID}},
		{"other need", specA, "?need=food", nil},
		{"paging past the end", specA, "?page=2&per_page=1", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			if got := listIDs(tc.who, tc.query); !slices.Equal(got, tc.want) {
				t.Errorf("ids %v, want %v", got, tc.want)
			}
		})
	}
	e.t = t
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
	good := `"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "housing.emergency-shelter", "consent": {"method": "verbal"}`
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
		{"no consent", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "housing"}`, "", 400, "consent", "required"},
		{"no consent method", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "housing", "consent": {}}`, "", 400, "consent.method", "required"},
		{"a name as peer_ref", "/api/v1/referrals", `{"peer_ref": "John Smith", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal"}}`, "", 400, "peer_ref", "pseudonymous"},
		{"unknown service", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "north-shelter.spa", "need": "housing", "consent": {"method": "verbal"}}`, "", 400, "service_id", "no service"},
		{"unknown need", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "castles", "consent": {"method": "verbal"}}`, "", 400, "need", "taxonomy"},
		{"substance use without the Part 2 notice", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "mind-center.counseling", "need": "substance-use", "consent": {"method": "written"}}`, "", 400, "consent.part2_notice", "42 CFR Part 2"},
		{"contact without consent", "/api/v1/referrals", `{` + good + `, "contact": {"phone": "202-555-0100"}}`, "", 400, "contact", "consent.contact"},
		{"bad given_at", "/api/v1/referrals", `{"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "housing", "consent": {"method": "verbal", "given_at": "yesterday"}}`, "", 400, "consent.given_at", "RFC 3339"},
		{"unknown status", "/api/v1/referrals/" + r.ID + "/events", `{"status": "done"}`, "", 400, "status", "one of"},
		{"decline without reason", "/api/v1/referrals/" + r.ID + "/events", `{"status": "declined"}`, "", 400, "note", "reason"},
		{"empty update", "/api/v1/referrals/" + r.ID + "/events", `{}`, "", 400, "status", "note or a follow-up"},
		{"users may not expire", "/api/v1/referrals/" + r.ID + "/events", `{"status": "expired"}`, "", 409, "", "cannot become expired"},
		{"stale expected status", "/api/v1/referrals/" + r.ID + "/events", `{"status": "cancelled", "expected_status": "accepted"}`, "", 409, "", "while you were changing it"},
		{"event unknown field", "/api/v1/referrals/" + r.ID + "/events", `{"state": "accepted"}`, "", 400, "state", "unknown field"},
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
		{"bad scope", specA, "/api/v1/referrals?scope=all", "scope"},
		{"bad due_before", specA, "/api/v1/referrals?due_before=soon", "due_before"},
		{"per_page too big", specA, "/api/v1/referrals?per_page=501", "per_page"},
		{"bad as_of", specA, "/api/v1/followups?as_of=13/01/2026", "as_of"},
		{"bad since", coord, "/api/v1/reports/referrals?since=last+week", "since"},
		{"until before since", coord, "/api/v1/reports/referrals?since=2026-11-01&until=2026-10-01", "until"},
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

	body := map[string]any{"peer_ref": "JD-17", "service_id": "north-shelter.beds", "need": "housing", "consent": map[string]string{"method": "verbal"}}
	csrf := func(tok string) http.Header { return http.Header{httpapi.CSRFHeader: {tok}} }
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
			header: http.Header{httpapi.CSRFHeader: {sess.CSRFToken}, "Origin": {"https://evil.example"}}}, 403},
		{"same origin", request{method: "POST", path: "/api/v1/referrals", body: body,
			header: http.Header{httpapi.CSRFHeader: {sess.CSRFToken}, "Origin": {e.base}}}, 201},
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
	if got := byID(); got[tok.ID] == "laptop," || !strings.HasPrefix(got[tok.ID], "laptop,2026-") {
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
// slowed down.
func TestSignInRateLimit(t *testing.T) {
	e := newEnv(t, func(o *httpapi.Options) { o.SignInRate, o.SignInBurst = 0.001, 3 })
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
		"peer_ref": "QX-93", "service_id": "north-shelter.beds", "need": "housing.emergency-shelter",
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
	for _, secret := range []string{"QX-93", "QX-94", "library", "202-555-0143", "zebra", "aardvark", "badly formed", link.Token, e.tokens[specA], testPassword, "ana@example.org"} {
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
	e := newEnv(t, func(o *httpapi.Options) { o.BaseURL = "https://trellis.example.org/"; o.AgencyPath = "/agency" })
	r := e.newReferral(specA)
	var link struct{ URL, Token string }
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &link)
	if link.URL != "https://trellis.example.org/agency/"+link.Token {
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
				header: http.Header{"Cookie": {cookie}, "Origin": {tc.origin}, httpapi.CSRFHeader: {sess.CSRFToken}}})
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
		u := httpapi.CurrentUser(c)
		if u == nil {
			return c.String(http.StatusOK, "anonymous")
		}
		return c.String(http.StatusOK, u.Email+" csrf="+strconv.FormatBool(httpapi.CSRFToken(c) != ""))
	}
	e.api.Echo().GET("/test/whoami", who, e.api.Identify())
	e.api.Echo().POST("/test/refer", who, e.api.RequireUser(auth.PermRefer))

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
		{"guarded page, cookie with CSRF", request{method: "POST", path: "/test/refer", client: browser, header: http.Header{httpapi.CSRFHeader: {sess.CSRFToken}}}, 200, "ben@example.org"},
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
