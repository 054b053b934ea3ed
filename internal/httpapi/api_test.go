package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"

	"trellis/internal/app"
	"trellis/internal/app/apptest"
	"trellis/internal/snapshot"
	"trellis/internal/testkit"
)

// clock is these tests' clock: the next Sunday, 21:30 in Washington (the
// men's shelter, open 19:00-07:00, is open; the pantry, open Tuesday and
// Saturday mornings, is closed). It follows the real date, because session
// cookies pass through a cookie jar that reads the real clock; the fixture
// listings' dates move with it (testkit.Clock).
var (
	clock = testkit.Anchor("America/New_York", 21, 30)
	now   = clock.Now
)

// fixtureDir writes a data directory into a temp dir: the repo's
// directory.yaml, taxonomy.yaml and geo/ with this package's test listings.
func fixtureDir(t *testing.T) string {
	t.Helper()
	return clock.DataDir(t, os.DirFS("testdata"))
}

// startServer loads the fixture directory and serves the API on loopback.
func startServer(t *testing.T) string {
	t.Helper()
	base, _ := startServerLog(t)
	return base
}

// startServerLog is startServer that also returns the server's log. The
// server is wired as `trellis serve` wires it (apptest), without a
// referral store.
func startServerLog(t *testing.T) (string, *testkit.Buffer) {
	t.Helper()
	site := apptest.Start(t, apptest.Options{DataDir: fixtureDir(t), Now: func() time.Time { return now }, NoDB: true})
	return site.URL, site.Logs
}

// TestLogsHoldNoQuery checks that request logs name the route and status
// but never what a person searched for or where they are.
func TestLogsHoldNoQuery(t *testing.T) {
	base, logs := startServerLog(t)
	search(t, base, url.Values{"q": {"methadone pregnant"}, "near": {"20002"}, "age": {"34"}})
	get(t, base, "/api/v1/search?q=xyzzy-secret&near=99999")
	out := logs.String()
	if !strings.Contains(out, "route=/api/v1/search") || !strings.Contains(out, "status=400") {
		t.Fatalf("log lacks the requests: %s", out)
	}
	for _, secret := range []string{"methadone", "pregnant", "20002", "xyzzy", "99999", "age="} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %q:\n%s", secret, out)
		}
	}
}

func get(t *testing.T, base, path string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

type errBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

type searchBody struct {
	Query struct {
		Showing     string            `json:"showing"`
		Corrections map[string]string `json:"corrections"`
	} `json:"query"`
	Total   int `json:"total"`
	Results []struct {
		Service struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"service"`
		Location *struct {
			ID           string          `json:"id"`
			Confidential bool            `json:"confidential"`
			Address      json.RawMessage `json:"address"`
			Point        json.RawMessage `json:"point"`
			Directions   string          `json:"directions_url"`
		} `json:"location"`
		Distance *struct {
			Meters float64 `json:"meters"`
			Text   string  `json:"text"`
		} `json:"distance"`
		Open struct {
			Known bool   `json:"known"`
			Open  bool   `json:"open"`
			Text  string `json:"text"`
		} `json:"open"`
	} `json:"results"`
	Facets []struct {
		ID    string `json:"id"`
		Label string `json:"label"`
		Count int    `json:"count"`
	} `json:"facets"`
}

func search(t *testing.T, base string, q url.Values) searchBody {
	t.Helper()
	code, _, b := get(t, base, "/api/v1/search?"+q.Encode())
	if code != http.StatusOK {
		t.Fatalf("search %s: status %d: %s", q.Encode(), code, b)
	}
	var sb searchBody
	if err := json.Unmarshal(b, &sb); err != nil {
		t.Fatalf("search %s: %v: %s", q.Encode(), err, b)
	}
	return sb
}

func ids(sb searchBody) []string {
	out := make([]string, len(sb.Results))
	for i, r := range sb.Results {
		out[i] = r.Service.ID
	}
	return out
}

func TestBadRequestsGetTheEnvelope(t *testing.T) {
	base := startServer(t)
	tests := []struct {
		name   string
		path   string
		status int
		code   string
		field  string
		msg    string
	}{
		{"unknown ZIP", "/api/v1/search?near=99999", 400, "invalid", "near", "not a known residential ZIP"},
		{"lat out of range", "/api/v1/search?lat=200&lon=-77", 400, "invalid", "lat", "-90 to 90"},
		{"lon without lat", "/api/v1/search?lon=-77", 400, "invalid", "lat", "go together"},
		{"negative radius", "/api/v1/search?near=20001&radius=-1mi", 400, "invalid", "radius", "greater than zero"},
		{"radius without unit", "/api/v1/search?near=20001&radius=5", 400, "invalid", "radius", "unit"},
		{"radius without place", "/api/v1/search?radius=5mi", 400, "invalid", "radius", "needs a place"},
		{"per_page too big", "/api/v1/search?per_page=10000", 400, "invalid", "per_page", "between 1 and 100"},
		{"page zero", "/api/v1/search?page=0", 400, "invalid", "page", "between"},
		{"page not a number", "/api/v1/search?page=two", 400, "invalid", "page", "whole number"},
		{"unknown parameter", "/api/v1/search?radus=5mi", 400, "invalid", "radus", "unknown parameter"},
		{"repeated parameter", "/api/v1/search?q=a&q=b", 400, "invalid", "q", "given 2 times"},
		{"bad boolean", "/api/v1/search?free=maybe", 400, "invalid", "free", "true or false"},
		{"unknown category", "/api/v1/search?category=housing.castles", 400, "invalid", "category", "unknown category"},
		{"unknown gender", "/api/v1/search?gender=robot", 400, "invalid", "gender", "one of"},
		{"unknown insurance", "/api/v1/search?insurance=gold", 400, "invalid", "insurance", "insurance must be"},
		{"age out of range", "/api/v1/search?age=200", 400, "invalid", "age", "between 0 and 130"},
		{"bad open_at", "/api/v1/search?open_at=tonight", 400, "invalid", "open_at", "date and time"},
		{"open_now and open_at", "/api/v1/search?open_now=true&open_at=2026-11-22T19:00", 400, "invalid", "open_at", "not both"},
		{"bad sort", "/api/v1/search?sort=random", 400, "invalid", "sort", "one of"},
		{"bad lang", "/api/v1/search?lang=fr", 400, "invalid", "lang", "one of"},
		{"in_area without place", "/api/v1/search?in_area=true", 400, "invalid", "in_area", "needs a place"},
		{"too long text", "/api/v1/search?q=" + strings.Repeat("a", 600), 400, "invalid", "q", ""},
		{"unknown service", "/api/v1/services/nope.nothing", 404, "not_found", "", "no service"},
		{"unknown organization", "/api/v1/organizations/nope", 404, "not_found", "", "no organization"},
		{"unknown route", "/api/v1/nothing", 404, "not_found", "", "no such"},
		{"service with unknown param", "/api/v1/services/north-shelter.beds?x=1", 400, "invalid", "x", "unknown parameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, b := get(t, base, tt.path)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %s", code, tt.status, b)
			}
			if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON", ct)
			}
			var eb errBody
			if err := json.Unmarshal(b, &eb); err != nil {
				t.Fatalf("not the error envelope: %v: %s", err, b)
			}
			if eb.Error.Code != tt.code || eb.Error.Field != tt.field || !strings.Contains(eb.Error.Message, tt.msg) || eb.Error.Message == "" {
				t.Errorf("error %+v, want code %q field %q message containing %q", eb.Error, tt.code, tt.field, tt.msg)
			}
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	base := startServer(t)
	resp, err := http.Post(base+"/api/v1/search", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var eb errBody
	if err := json.NewDecoder(resp.Body).Decode(&eb); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusMethodNotAllowed || eb.Error.Code != "invalid" {
		t.Fatalf("POST /api/v1/search: %d %+v", resp.StatusCode, eb)
	}
}

func TestSearchMisspelledShelterNearZIP(t *testing.T) {
	base := startServer(t)
	sb := search(t, base, url.Values{"q": {"shleter"}, "near": {"20001"}, "radius": {"5mi"}})
	if sb.Query.Corrections["shleter"] != "shelter" {
		t.Errorf("corrections %v, want shleter -> shelter", sb.Query.Corrections)
	}
	got := ids(sb)
	for _, want := range []string{"north-shelter.beds", "womens-shelter.beds"} {
		if !contains(got, want) {
			t.Errorf("results %v lack %s", got, want)
		}
	}
	for _, r := range sb.Results {
		if r.Location != nil && r.Location.Confidential {
			if r.Distance != nil || len(r.Location.Address) > 0 || len(r.Location.Point) > 0 || r.Location.Directions != "" {
				t.Errorf("confidential location leaks: %+v %+v", r.Location, r.Distance)
			}
			continue
		}
		if r.Distance == nil || r.Distance.Meters <= 0 || r.Distance.Meters > 5*1609.344 || !strings.HasSuffix(r.Distance.Text, " mi") {
			t.Errorf("%s: distance %+v, want within 5 mi with text", r.Service.ID, r.Distance)
		}
	}
}

func TestSearchGenderDropsWomenOnlyShelter(t *testing.T) {
	base := startServer(t)
	sb := search(t, base, url.Values{"q": {"shelter"}, "near": {"20001"}, "gender": {"male"}})
	got := ids(sb)
	if contains(got, "womens-shelter.beds") {
		t.Errorf("gender=male returned the women's shelter: %v", got)
	}
	if !contains(got, "north-shelter.beds") {
		t.Errorf("gender=male lost the men's shelter: %v", got)
	}
	sb = search(t, base, url.Values{"q": {"shelter"}, "near": {"20001"}, "gender": {"female"}})
	if got := ids(sb); contains(got, "north-shelter.beds") || !contains(got, "womens-shelter.beds") {
		t.Errorf("gender=female: %v", got)
	}
}

func TestSearchSpanishAndFilters(t *testing.T) {
	base := startServer(t)
	tests := []struct {
		name    string
		q       url.Values
		want    []string
		without []string
	}{
		{"comida finds the pantry", url.Values{"q": {"comida"}, "near": {"20001"}}, []string{"capitol-pantry.groceries"}, nil},
		{"albergue finds shelters", url.Values{"q": {"albergue"}}, []string{"north-shelter.beds"}, nil},
		{"dental is not mental", url.Values{"q": {"dental"}}, []string{"smile-dental.dental"}, []string{"mind-center.counseling"}},
		{"open now keeps the overnight shelter", url.Values{"open_now": {"true"}}, []string{"north-shelter.beds"}, []string{"capitol-pantry.groceries"}},
		{"open at a pantry hour", url.Values{"open_at": {clock.Date("2026-11-24") + "T11:00"}}, []string{"capitol-pantry.groceries"}, []string{"north-shelter.beds"}},
		// Every filter drops what is known to fail it and keeps what the
		// listing does not say: unknown is not exclusion.
		{"free drops fees", url.Values{"free": {"true"}}, []string{"capitol-pantry.groceries", "smile-dental.dental"}, []string{"mind-center.counseling"}},
		{"spanish spoken keeps listings naming no language", url.Values{"language": {"es"}}, []string{"capitol-pantry.groceries", "north-shelter.beds"}, nil},
		{"category includes children", url.Values{"category": {"housing"}}, []string{"north-shelter.beds", "vets-house.housing"}, []string{"capitol-pantry.groceries"}},
		{"non-veteran loses veterans-only", url.Values{"veteran": {"false"}, "category": {"housing"}}, []string{"north-shelter.beds"}, []string{"vets-house.housing"}},
		{"uninsured", url.Values{"insurance": {"none"}, "category": {"healthcare,mental-health"}}, []string{"smile-dental.dental"}, []string{"mind-center.counseling"}},
		{"walk in", url.Values{"walk_in": {"true"}}, []string{"north-shelter.beds", "mind-center.counseling"}, []string{"safe-haven.dv-shelter"}},
		{"wheelchair", url.Values{"wheelchair": {"true"}}, []string{"north-shelter.beds", "capitol-pantry.groceries"}, []string{"womens-shelter.beds"}},
		{"special characters are words", url.Values{"q": {"name:( AND"}}, nil, nil},
		{"AA meeting 7:30", url.Values{"q": {"AA meeting 7:30"}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(search(t, base, tt.q))
			for _, w := range tt.want {
				if !contains(got, w) {
					t.Errorf("results %v lack %s", got, w)
				}
			}
			for _, w := range tt.without {
				if contains(got, w) {
					t.Errorf("results %v include %s", got, w)
				}
			}
		})
	}
}

func TestSearchDistanceSortAndPaging(t *testing.T) {
	base := startServer(t)
	all := search(t, base, url.Values{"near": {"20001"}, "per_page": {"100"}, "sort": {"distance"}})
	if all.Total < 6 {
		t.Fatalf("total %d, want every fixture service", all.Total)
	}
	last := -1.0
	for _, r := range all.Results {
		if r.Distance == nil {
			continue
		}
		if r.Distance.Meters < last {
			t.Errorf("not sorted by distance: %v after %v", r.Distance.Meters, last)
		}
		last = r.Distance.Meters
	}
	var paged []string
	for page := 1; page <= 4; page++ {
		sb := search(t, base, url.Values{"near": {"20001"}, "per_page": {"2"}, "page": {string(rune('0' + page))}, "sort": {"distance"}})
		if sb.Total != all.Total {
			t.Errorf("page %d total %d, want %d", page, sb.Total, all.Total)
		}
		paged = append(paged, ids(sb)...)
	}
	if strings.Join(paged, ",") != strings.Join(ids(all)[:len(paged)], ",") {
		t.Errorf("pages %v do not continue the full list %v", paged, ids(all))
	}
}

func TestOpenStateText(t *testing.T) {
	base := startServer(t)
	sb := search(t, base, url.Values{"q": {"shelter for men"}})
	for _, r := range sb.Results {
		if r.Service.ID == "north-shelter.beds" {
			if !r.Open.Known || !r.Open.Open || r.Open.Text != "Open until 7 AM" {
				t.Errorf("open %+v, want open until 7 AM", r.Open)
			}
			return
		}
	}
	t.Fatalf("men's shelter missing from %v", ids(sb))
}

func TestServiceOrganizationTaxonomy(t *testing.T) {
	base := startServer(t)

	code, _, b := get(t, base, "/api/v1/services/safe-haven.dv-shelter")
	if code != 200 {
		t.Fatalf("service: %d %s", code, b)
	}
	if s := string(b); strings.Contains(s, "Hidden Rd") || strings.Contains(s, "38.93") || strings.Contains(s, "-76.97") {
		t.Errorf("confidential service detail leaks its place: %s", s)
	}
	if !strings.Contains(string(b), "202-555-0199") {
		t.Errorf("confidential service must still give its phone: %s", b)
	}

	code, _, b = get(t, base, "/api/v1/services/north-shelter.beds?lang=es")
	var svc struct {
		Name       string `json:"name"`
		Categories []struct{ ID, Label string }
		Locations  []struct {
			Address struct{ Street string } `json:"address"`
			Hours   struct {
				Weekly []struct{ Days, Open, Close string } `json:"weekly"`
			} `json:"hours"`
		} `json:"locations"`
		Open map[string]struct{ Text string } `json:"open"`
	}
	if code != 200 || json.Unmarshal(b, &svc) != nil {
		t.Fatalf("service: %d %s", code, b)
	}
	if svc.Categories[0].Label != "Albergue de emergencia" {
		t.Errorf("Spanish label %q", svc.Categories[0].Label)
	}
	if svc.Open["main"].Text != "Abierto hasta las 07:00" {
		t.Errorf("Spanish open text %q", svc.Open["main"].Text)
	}
	if w := svc.Locations[0].Hours.Weekly; len(w) != 1 || w[0].Days != "everyday" || w[0].Open != "19:00" || w[0].Close != "07:00" {
		t.Errorf("hours %+v", w)
	}

	code, _, b = get(t, base, "/api/v1/organizations/safe-haven")
	if code != 200 || strings.Contains(string(b), "Hidden Rd") {
		t.Fatalf("organization: %d %s", code, b)
	}

	code, _, b = get(t, base, "/api/v1/taxonomy")
	var tax struct {
		Categories []struct {
			ID       string
			Labels   map[string]string
			Children []struct{ ID string }
		}
	}
	if code != 200 || json.Unmarshal(b, &tax) != nil || len(tax.Categories) < 12 {
		t.Fatalf("taxonomy: %d %s", code, b)
	}
	for _, c := range tax.Categories {
		if c.Labels["en"] == "" || c.Labels["es"] == "" || len(c.Children) == 0 {
			t.Errorf("category %s: labels %v, %d children", c.ID, c.Labels, len(c.Children))
		}
	}
}

func TestHealthAndReadiness(t *testing.T) {
	base := startServer(t)
	for _, p := range []string{"/healthz", "/readyz"} {
		code, h, b := get(t, base, p)
		if code != 200 || !strings.Contains(string(b), `"status"`) {
			t.Errorf("%s: %d %s", p, code, b)
		}
		if h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: missing security headers: %v", p, h)
		}
	}
	if _, _, b := get(t, base, "/healthz"); !strings.Contains(string(b), `"version":"test"`) {
		t.Errorf("/healthz does not name the build: %s", b)
	}

	// A server whose data has not loaded yet.
	api, err := app.NewHandler(app.HTTP{Snapshots: snapshot.NewStore(os.DirFS(t.TempDir()), nil), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api)
	defer srv.Close()
	if code, _, b := get(t, srv.URL, "/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz before load: %d %s", code, b)
	}
	if code, _, b := get(t, srv.URL, "/api/v1/search"); code != http.StatusServiceUnavailable || !strings.Contains(string(b), "unavailable") {
		t.Errorf("search before load: %d %s", code, b)
	}
}

// TestOpenAPIMatchesRoutes checks that the OpenAPI document and the router
// name the same paths and methods, and that the document is valid JSON
// with its references resolving.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	base := startServer(t)
	code, _, b := get(t, base, "/api/v1/openapi.json")
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	var documented []string
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(m)+" "+p)
		}
	}
	var routed []string
	for _, r := range routes(t) {
		// The /hsds/ routes have their own document, /hsds/openapi.json,
		// which TestHSDSOpenAPIMatchesRoutes checks.
		if strings.HasPrefix(r.Path, "/hsds/") {
			continue
		}
		p := r.Path
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, ":") {
				p = strings.Replace(p, seg, "{"+seg[1:]+"}", 1)
			}
		}
		routed = append(routed, r.Method+" "+p)
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if strings.Join(documented, "\n") != strings.Join(routed, "\n") {
		t.Errorf("OpenAPI paths and routes differ:\ndocumented:\n%s\nrouted:\n%s", strings.Join(documented, "\n"), strings.Join(routed, "\n"))
	}
	refs := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if k == "$ref" {
					refs[y.(string)] = true
				}
				walk(y)
			}
		case []any:
			for _, y := range x {
				walk(y)
			}
		}
	}
	var full map[string]any
	if err := yaml.Unmarshal(b, &full); err != nil {
		t.Fatal(err)
	}
	walk(full)
	for ref := range refs {
		node := any(full)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, ok := node.(map[string]any)
			if !ok || m[part] == nil {
				t.Errorf("dangling $ref %s", ref)
				break
			}
			node = m[part]
		}
	}
}

// routes returns the routes of the JSON APIs and the platform as
// `trellis serve` registers them, leaving out the pages.
func routes(t *testing.T) []*echo.Route {
	t.Helper()
	srv, err := app.NewHandler(app.HTTP{})
	if err != nil {
		t.Fatal(err)
	}
	var out []*echo.Route
	for _, r := range srv.Echo().Routes() {
		switch {
		case r.Method == "echo_route_not_found":
		case strings.HasPrefix(r.Path, "/api/"), strings.HasPrefix(r.Path, "/hsds/"),
			r.Path == "/healthz", r.Path == "/readyz", r.Path == "/metrics":
			out = append(out, r)
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
