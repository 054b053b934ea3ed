package httpapi_test

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/auth"
)

// walkRoles are the callers every route is tried as, in this order.
var walkRoles = []string{anon, specA, specB, coord, admin}

// answers gives the expected status for each of walkRoles.
type answers [5]int

func all(code int) answers { return answers{code, code, code, code, code} }

// variant is one way of calling a route.
type variant struct {
	name string
	// req returns the path (ids substituted) and body for a call as role;
	// it may set up fresh state for the call.
	req  func(e *env, role string) (string, any)
	want answers
}

// walkTable is the expected answer of every registered route for each
// role. TestRouteWalk fails for a route that is missing here, so a new
// route cannot be added without saying who may call it.
func walkTable(e *env, aRef string) map[string][]variant {
	fixed := func(p string) func(*env, string) (string, any) {
		return func(*env, string) (string, any) { return p, nil }
	}
	creds := func(e *env, role string) any {
		if role == anon {
			return map[string]string{"email": "nobody@example.org", "password": testPassword}
		}
		return map[string]string{"email": e.emails[role], "password": testPassword}
	}
	newRef := map[string]any{"service_id": "north-shelter.beds", "need": "housing.emergency-shelter",
		"consent": map[string]string{"method": "verbal"}}
	//                          anon  A    B    coord admin
	refer := func(ok int) answers { return answers{401, ok, ok, 403, 403} }
	onlyA := func(ok int) answers { return answers{401, ok, 404, 403, 403} }
	return map[string][]variant{
		"GET /healthz":             {{"", fixed("/healthz"), all(200)}},
		"GET /readyz":              {{"", fixed("/readyz"), all(200)}},
		"GET /api/v1/openapi.json": {{"", fixed("/api/v1/openapi.json"), all(200)}},
		"GET /api/v1/search":       {{"", fixed("/api/v1/search?q=shelter"), all(200)}},
		"GET /api/v1/services/:id": {
			{"known", fixed("/api/v1/services/north-shelter.beds"), all(200)},
			{"unknown", fixed("/api/v1/services/north-shelter.nothing"), all(404)},
		},
		"GET /api/v1/organizations/:id": {{"", fixed("/api/v1/organizations/north-shelter"), all(200)}},
		"GET /api/v1/taxonomy":          {{"", fixed("/api/v1/taxonomy"), all(200)}},
		"GET /api/v1/screening":         {{"", fixed("/api/v1/screening"), all(200)}},
		"POST /api/v1/match": {{"a need near a ZIP", func(*env, string) (string, any) {
			return "/api/v1/match", map[string]any{"needs": []string{"shelter"}, "near": "20001"}
		}, all(200)}},

		"POST /api/v1/auth/tokens": {{"own credentials", func(e *env, role string) (string, any) {
			return "/api/v1/auth/tokens", creds(e, role)
		}, answers{401, 201, 201, 201, 201}}},
		"GET /api/v1/auth/tokens": {{"", fixed("/api/v1/auth/tokens"), answers{401, 200, 200, 200, 200}}},
		"DELETE /api/v1/auth/tokens/:id": {{"A's token", func(e *env, role string) (string, any) {
			_, tok, err := auth.IssueToken(context.Background(), e.db, e.users[specA].ID, "walk", now, 0)
			if err != nil {
				e.t.Fatal(err)
			}
			return "/api/v1/auth/tokens/" + tok.ID, nil
		}, answers{401, 204, 404, 404, 404}}},
		"POST /api/v1/auth/session": {{"own credentials", func(e *env, role string) (string, any) {
			return "/api/v1/auth/session", creds(e, role)
		}, answers{401, 201, 201, 201, 201}}},
		"GET /api/v1/auth/session": {{"", fixed("/api/v1/auth/session"), answers{401, 200, 200, 200, 200}}},
		// Signing out ends a cookie session; a token request has none.
		"DELETE /api/v1/auth/session": {{"with a token", fixed("/api/v1/auth/session"), answers{401, 400, 400, 400, 400}}},

		"POST /api/v1/referrals": {{"", func(*env, string) (string, any) { return "/api/v1/referrals", newRef }, refer(201)}},
		"GET /api/v1/referrals":  {{"", fixed("/api/v1/referrals"), refer(200)}},
		"GET /api/v1/referrals/:id": {
			{"A's referral", fixed("/api/v1/referrals/" + aRef), onlyA(200)},
			{"no such referral", fixed("/api/v1/referrals/NOSUCHREFERRAL"), refer(404)},
		},
		"POST /api/v1/referrals/:id/events": {{"accept A's referral", func(e *env, role string) (string, any) {
			return "/api/v1/referrals/" + e.newReferral(specA).ID + "/events", map[string]string{"status": "accepted"}
		}, onlyA(201)}},
		"POST /api/v1/referrals/:id/agency-link": {{"A's referral", fixed("/api/v1/referrals/" + aRef + "/agency-link"), onlyA(201)}},
		"GET /api/v1/referrals/:id/agency-links": {{"A's referral", fixed("/api/v1/referrals/" + aRef + "/agency-links"), onlyA(200)}},
		"DELETE /api/v1/referrals/:id/agency-links/:link": {
			{"A's link", func(e *env, role string) (string, any) {
				r := e.newReferral(specA)
				e.agencyToken(specA, r.ID)
				ls, err := e.db.AgencyLinks(context.Background(), r.ID)
				if err != nil || len(ls) != 1 {
					e.t.Fatalf("links: %v, %v", ls, err)
				}
				return "/api/v1/referrals/" + r.ID + "/agency-links/" + ls[0].ID, nil
			}, onlyA(204)},
			{"no such link", fixed("/api/v1/referrals/" + aRef + "/agency-links/NOSUCHLINK"), onlyA(404)},
		},
		"GET /api/v1/followups":           {{"", fixed("/api/v1/followups"), refer(200)}},
		"GET /api/v1/reports/referrals":   {{"", fixed("/api/v1/reports/referrals"), answers{401, 200, 200, 200, 200}}},
		"GET /api/v1/reports/stale":       {{"", fixed("/api/v1/reports/stale"), answers{401, 403, 403, 200, 200}}},
		"GET /api/v1/reports/unmet-needs": {{"", fixed("/api/v1/reports/unmet-needs"), answers{401, 403, 403, 200, 200}}},
		// The HSDS API is public.
		"GET /hsds/":                         {{"", fixed("/hsds/"), all(200)}},
		"GET /hsds/openapi.json":             {{"", fixed("/hsds/openapi.json"), all(200)}},
		"GET /hsds/services":                 {{"", fixed("/hsds/services"), all(200)}},
		"GET /hsds/services/:id":             hsdsByID("/hsds/services"),
		"GET /hsds/organizations":            {{"", fixed("/hsds/organizations"), all(200)}},
		"GET /hsds/organizations/:id":        hsdsByID("/hsds/organizations"),
		"GET /hsds/service_at_locations":     {{"", fixed("/hsds/service_at_locations"), all(200)}},
		"GET /hsds/service_at_locations/:id": hsdsByID("/hsds/service_at_locations"),
		"GET /hsds/taxonomies":               {{"", fixed("/hsds/taxonomies"), all(200)}},
		"GET /hsds/taxonomies/:id":           hsdsByID("/hsds/taxonomies"),
		"GET /hsds/taxonomy_terms":           {{"", fixed("/hsds/taxonomy_terms"), all(200)}},
		"GET /hsds/taxonomy_terms/:id":       hsdsByID("/hsds/taxonomy_terms"),
		// This env has no reload function: a server on the embedded data.
		"POST /api/v1/admin/reload": {{"", fixed("/api/v1/admin/reload"), answers{401, 403, 403, 503, 503}}},
		"GET /metrics":              {{"", fixed("/metrics"), all(200)}},

		"GET /api/v1/agency/:token": {
			{"valid token", func(e *env, _ string) (string, any) {
				return "/api/v1/agency/" + e.agencyToken(specA, aRef), nil
			}, all(200)},
			{"unknown token", fixed("/api/v1/agency/" + strings.Repeat("x", 43)), all(404)},
		},
		"POST /api/v1/agency/:token/events": {
			{"valid token", func(e *env, _ string) (string, any) {
				return "/api/v1/agency/" + e.agencyToken(specA, e.newReferral(specA).ID) + "/events", map[string]string{"status": "accepted"}
			}, all(201)},
			{"unknown token", func(e *env, _ string) (string, any) {
				return "/api/v1/agency/" + strings.Repeat("x", 43) + "/events", map[string]string{"status": "accepted"}
			}, all(404)},
		},
	}
}

// TestRouteWalk calls every registered route as anonymous, two
// specialists, a coordinator and an admin, and checks each answer against
// walkTable. Anonymous callers get 401 on every account and referral
// route; specialist B cannot see or touch A's referral (404); the
// coordinator and the admin get aggregates but no referral; the agency
// routes work with a valid link token only.
func TestRouteWalk(t *testing.T) {
	e := newEnv(t)
	aRef := e.newReferral(specA, func(d *referralDraft) { d.Notes = "walk secret note" })
	table := walkTable(e, aRef.ID)

	seen := map[string]bool{}
	var routed []string
	for _, r := range routes(t) {
		key := r.Method + " " + r.Path
		if !seen[key] {
			seen[key] = true
			routed = append(routed, key)
		}
	}
	sort.Strings(routed)
	for key := range table {
		if !seen[key] {
			t.Errorf("walk table has %q, which is not a registered route", key)
		}
	}
	for _, key := range routed {
		variants, ok := table[key]
		if !ok {
			t.Errorf("route %s has no expected answers in walkTable: add them", key)
			continue
		}
		method := strings.Fields(key)[0]
		for _, v := range variants {
			for i, role := range walkRoles {
				name := key
				if v.name != "" {
					name += " (" + v.name + ")"
				}
				t.Run(name+" as "+role, func(t *testing.T) {
					e.t = t
					path, body := v.req(e, role)
					resp := e.do(request{method: method, path: path, token: e.tokens[role], body: body})
					if resp.status != v.want[i] {
						t.Errorf("status %d, want %d: %s", resp.status, v.want[i], resp.body)
					}
					if resp.status >= 400 {
						ae := decodeError(t, resp.body)
						if resp.status == http.StatusUnauthorized && (ae.Error.Code != "unauthenticated" || resp.header.Get("WWW-Authenticate") == "") {
							t.Errorf("401 without the unauthenticated envelope and WWW-Authenticate: %v %s", resp.header, resp.body)
						}
					}
					// Nobody but A sees A's referral's content.
					if role != specA && !strings.Contains(key, "/agency/") {
						for _, secret := range []string{aRef.PeerRef, "walk secret note"} {
							if strings.Contains(string(resp.body), secret) {
								t.Errorf("answer to %s leaks %q: %s", role, secret, resp.body)
							}
						}
					}
				})
			}
		}
	}
	e.t = t
	// The agency sees the peer reference but never the notes.
	resp := e.do(request{method: "GET", path: "/api/v1/agency/" + e.agencyToken(specA, aRef.ID)})
	if !strings.Contains(string(resp.body), aRef.PeerRef) || strings.Contains(string(resp.body), "walk secret note") {
		t.Errorf("agency view: %s", resp.body)
	}
}

// TestExpiredAgencyLink checks that a link past its time answers 404 and
// moves nothing.
func TestExpiredAgencyLink(t *testing.T) {
	later := now
	e := newEnv(t, func(h *app.HTTP) {
		h.Now = func() time.Time { return later }
		h.LinkTTL = time.Hour
	})
	r := e.newReferral(specA)
	var link struct{ URL, Token string }
	e.call(specA, "POST", "/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &link)
	e.call(anon, "GET", "/api/v1/agency/"+link.Token, nil, 200, nil)
	later = now.Add(time.Hour)
	resp := e.call(anon, "POST", "/api/v1/agency/"+link.Token+"/events", map[string]string{"status": "accepted"}, 404, nil)
	if ae := decodeError(t, resp.body); !strings.Contains(ae.Error.Message, "expired") {
		t.Errorf("message %q, want it to say the link expired", ae.Error.Message)
	}
	var got struct{ Status string }
	e.call(specA, "GET", "/api/v1/referrals/"+r.ID, nil, 200, &got)
	if got.Status != "sent" {
		t.Errorf("status %q after an expired link's move, want sent", got.Status)
	}
}
