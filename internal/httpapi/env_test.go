package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/auth"
	"trellis/internal/httpserver"
	"trellis/internal/referral"
	"trellis/internal/sqlite"
	"trellis/internal/testkit"
)

// testPassword is every test user's password.
const testPassword = "correct horse battery staple"

// The test users, by the name the tests use for them.
const (
	anon     = "anonymous"
	specA    = "specialist A"
	specB    = "specialist B"
	teammate = "A's teammate"
	coord    = "coordinator"
	admin    = "admin"
)

var userSpecs = []struct {
	name, email string
	role        auth.Role
	team        string
}{
	{specA, "ana@example.org", auth.RoleSpecialist, "team-east"},
	{specB, "ben@example.org", auth.RoleSpecialist, ""},
	{teammate, "tia@example.org", auth.RoleSpecialist, "team-east"},
	{coord, "cora@example.org", auth.RoleCoordinator, ""},
	{admin, "adam@example.org", auth.RoleAdmin, ""},
}

// env is a real server on loopback, wired as `trellis serve` wires it
// (apptest), with an SQLite store, the fixture directory and one user per
// role, each with an API token.
type env struct {
	t      *testing.T
	srv    *httpserver.Server
	site   *apptest.Site
	base   string
	db     *sqlite.DB
	logs   *testkit.Buffer
	users  map[string]*auth.User
	tokens map[string]string
	emails map[string]string
	// shift moves the server's clock on from now (advance).
	shift *atomic.Int64
}

// advance moves the server's clock on by d.
func (e *env) advance(d time.Duration) { e.shift.Add(int64(d)) }

// newEnv starts a server; adjust, when given, changes its wiring.
func newEnv(t *testing.T, adjust ...func(*app.HTTP)) *env {
	t.Helper()
	return newEnvWith(t, apptest.Options{}, adjust...)
}

// newEnvWith is newEnv with harness options (a data directory, reloads,
// counting needs).
func newEnvWith(t *testing.T, opt apptest.Options, adjust ...func(*app.HTTP)) *env {
	t.Helper()
	ctx := context.Background()
	if opt.DataDir == "" {
		opt.DataDir = fixtureDir(t)
	}
	shift := &atomic.Int64{}
	opt.Now = func() time.Time { return now.Add(time.Duration(shift.Load())) }
	opt.Adjust = func(h *app.HTTP) {
		for _, a := range adjust {
			a(h)
		}
	}
	site := apptest.Start(t, opt)
	db := site.DB
	e := &env{t: t, srv: site.Server, site: site, base: site.URL, db: db, logs: site.Logs, users: map[string]*auth.User{}, tokens: map[string]string{}, emails: map[string]string{}, shift: shift}
	for _, us := range userSpecs {
		u, err := auth.AddUser(ctx, db, us.email, us.role, testPassword)
		if err != nil {
			t.Fatalf("AddUser %s: %v", us.email, err)
		}
		if us.team != "" {
			if err := db.SetUserTeam(ctx, u.ID, us.team); err != nil {
				t.Fatal(err)
			}
			u.TeamID = us.team
		}
		secret, _, err := auth.IssueToken(ctx, db, u.ID, "tests", now, 0)
		if err != nil {
			t.Fatal(err)
		}
		e.users[us.name], e.tokens[us.name], e.emails[us.name] = u, secret, us.email
	}
	return e
}

// request is one API call.
type request struct {
	method, path string
	// token is sent as a bearer token when not empty.
	token string
	// body is sent as is when a string or []byte, as JSON otherwise; nil
	// sends none.
	body any
	// header adds request headers.
	header http.Header
	// client, when set, sends the request (e.g. with a cookie jar).
	client *http.Client
}

// response is what came back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends r and returns the response.
func (e *env) do(r request) response {
	e.t.Helper()
	var body io.Reader
	ctype := ""
	switch b := r.body.(type) {
	case nil:
	case string:
		body, ctype = strings.NewReader(b), "application/json"
	case []byte:
		body, ctype = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body, ctype = bytes.NewReader(j), "application/json"
	}
	req, err := http.NewRequest(r.method, e.base+r.path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	client := r.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// call sends r as user who (anon for none), checks the status and decodes
// the body into out when out is not nil.
func (e *env) call(who, method, path string, body any, want int, out any) response {
	e.t.Helper()
	resp := e.do(request{method: method, path: path, token: e.tokens[who], body: body})
	if resp.status != want {
		e.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, who, resp.status, want, resp.body)
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			e.t.Fatalf("%s %s: decode %T: %v: %s", method, path, out, err, resp.body)
		}
	}
	return resp
}

// newReferral stores a referral by user who directly in the store and
// returns it.
func (e *env) newReferral(who string, opts ...func(*referral.Draft)) *referral.Referral {
	e.t.Helper()
	d := referral.Draft{Need: "housing.emergency-shelter", ServiceKey: "north-shelter.beds", LocationID: "main",
		Notes: "prefers the lower bunk", Consent: referral.Consent{Method: referral.ConsentVerbal}}
	for _, o := range opts {
		o(&d)
	}
	u := e.users[who]
	r, first, err := referral.New(d, u.ID, u.TeamID, now)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.CreateReferral(context.Background(), r, first, nil); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// agencyToken makes an agency link for referral id on behalf of who and
// returns its token.
func (e *env) agencyToken(who, id string) string {
	e.t.Helper()
	svc := referral.Service{Store: e.db, Now: func() time.Time { return now }}
	u := e.users[who]
	tok, _, err := svc.CreateAgencyLink(context.Background(), referral.Viewer{UserID: u.ID, TeamID: u.TeamID}, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// apiError is the error envelope with details.
type apiError struct {
	Error struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Field   string         `json:"field"`
		Details map[string]any `json:"details"`
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) apiError {
	t.Helper()
	var ae apiError
	if err := json.Unmarshal(b, &ae); err != nil || ae.Error.Code == "" {
		t.Fatalf("not the error envelope: %v: %s", err, b)
	}
	return ae
}

// referralDraft is a draft that newReferral's options adjust.
type referralDraft = referral.Draft

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
