package httpapi_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"

	"trellis/internal/hsds/hsdstest"
)

var (
	hsdsSchemasOnce sync.Once
	hsdsSchemas     *hsdstest.Validator
	hsdsSchemasErr  error
)

// hsdsValidator returns the validator of the official HSDS 3.0 schemas
// (internal/hsds/testdata/hsds-schema).
func hsdsValidator(t *testing.T) *hsdstest.Validator {
	t.Helper()
	hsdsSchemasOnce.Do(func() { hsdsSchemas, hsdsSchemasErr = hsdstest.New("../hsds/testdata/hsds-schema") })
	if hsdsSchemasErr != nil {
		t.Fatal(hsdsSchemasErr)
	}
	return hsdsSchemas
}

// page is the specification's Page envelope.
type page struct {
	TotalItems int               `json:"total_items"`
	TotalPages int               `json:"total_pages"`
	PageNumber int               `json:"page_number"`
	Size       int               `json:"size"`
	FirstPage  bool              `json:"first_page"`
	LastPage   bool              `json:"last_page"`
	Empty      *bool             `json:"empty"`
	Contents   []json.RawMessage `json:"contents"`
}

// getPage fetches an /hsds/ list, checks the envelope's arithmetic and
// validates every item against schema.
func getPage(t *testing.T, base, path, schema string) page {
	t.Helper()
	code, hdr, b := get(t, base, path)
	if code != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		t.Fatalf("%s: %d %s: %s", path, code, hdr.Get("Content-Type"), b)
	}
	var p page
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if p.Empty == nil || p.Contents == nil {
		t.Fatalf("%s: envelope without empty or contents: %s", path, b)
	}
	per := 50
	if u, _ := url.Parse(path); u.Query().Get("per_page") != "" {
		per = atoi(t, u.Query().Get("per_page"))
	}
	if p.Size != len(p.Contents) || *p.Empty != (p.Size == 0) || p.TotalPages != (p.TotalItems+per-1)/per ||
		p.FirstPage != (p.PageNumber == 1) || p.LastPage != (p.PageNumber >= p.TotalPages) {
		t.Errorf("%s: inconsistent envelope %+v", path, p)
	}
	v := hsdsValidator(t)
	for i, c := range p.Contents {
		if schema == "" {
			continue
		}
		if err := v.Validate(schema, c); err != nil {
			t.Errorf("%s contents[%d] against %s: %v\n%s", path, i, schema, err, c)
		}
	}
	return p
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

type item struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Code           string `json:"code"`
	OrganizationID string `json:"organization_id"`
	TaxonomyID     string `json:"taxonomy_id"`
	ParentID       string `json:"parent_id"`
	ServiceID      string `json:"service_id"`
	Service        *item  `json:"service"`
}

func items(t *testing.T, p page) []item {
	t.Helper()
	out := make([]item, len(p.Contents))
	for i, c := range p.Contents {
		if err := json.Unmarshal(c, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func names(its []item) []string {
	var out []string
	for _, it := range its {
		if it.Service != nil {
			out = append(out, it.Service.Name)
		} else {
			out = append(out, it.Name)
		}
	}
	sort.Strings(out)
	return out
}

// TestHSDSListsValidate fetches every /hsds/ list, plain and full, and
// every record by id, and validates each against the specification's
// schemas.
func TestHSDSListsValidate(t *testing.T) {
	base := startServer(t)
	lists := []struct {
		path, schema string
	}{
		{"/hsds/services", "compiled/service_list.json"},
		{"/hsds/services?full=true", "service.json"},
		{"/hsds/organizations", "compiled/organization_list.json"},
		{"/hsds/organizations?full=true&full_service=true", "organization.json"},
		{"/hsds/service_at_locations", "compiled/service_at_location_list.json"},
		{"/hsds/service_at_locations?full=true", "service_at_location.json"},
		{"/hsds/taxonomies", "taxonomy.json"},
		{"/hsds/taxonomy_terms?per_page=1000", "taxonomy_term.json"},
	}
	for _, l := range lists {
		t.Run(l.path, func(t *testing.T) {
			p := getPage(t, base, l.path, l.schema)
			if p.TotalItems == 0 {
				t.Fatal("empty list")
			}
		})
	}
	byID := []struct {
		list, schema string
	}{
		{"/hsds/services", "service.json"},
		{"/hsds/services", "compiled/service_with_definitions.json"},
		{"/hsds/organizations", "organization.json"},
		{"/hsds/service_at_locations", "service_at_location.json"},
		{"/hsds/taxonomies", "taxonomy.json"},
		{"/hsds/taxonomy_terms", "taxonomy_term.json"},
	}
	v := hsdsValidator(t)
	for _, b := range byID {
		t.Run(b.list+"/{id} "+b.schema, func(t *testing.T) {
			for _, it := range items(t, getPage(t, base, b.list+"?per_page=1000", "")) {
				code, _, body := get(t, base, b.list+"/"+it.ID)
				if code != 200 {
					t.Fatalf("%s/%s: %d %s", b.list, it.ID, code, body)
				}
				if err := v.Validate(b.schema, json.RawMessage(body)); err != nil {
					t.Errorf("%s/%s: %v", b.list, it.ID, err)
				}
			}
		})
	}
}

// TestHSDSBase checks the base object and the API document.
func TestHSDSBase(t *testing.T) {
	base := startServer(t)
	code, _, b := get(t, base, "/hsds/")
	var info struct {
		Version    string `json:"version"`
		Profile    string `json:"profile"`
		OpenAPIURL string `json:"openapi_url"`
	}
	if err := json.Unmarshal(b, &info); err != nil || code != 200 {
		t.Fatalf("/hsds/: %d %v %s", code, err, b)
	}
	if info.Version != "3.0" || info.OpenAPIURL != base+"/hsds/openapi.json" || !strings.HasPrefix(info.Profile, "https://") {
		t.Errorf("/hsds/ = %s", b)
	}
	code, _, b = get(t, base, "/hsds/openapi.json")
	var doc struct {
		OpenAPI string
		Servers []struct{ URL string }
	}
	if err := json.Unmarshal(b, &doc); err != nil || code != 200 || !strings.HasPrefix(doc.OpenAPI, "3.1") ||
		len(doc.Servers) != 1 || doc.Servers[0].URL != "/hsds" {
		t.Errorf("/hsds/openapi.json: %d %v %+v", code, err, doc)
	}
}

// TestHSDSOpenAPIMatchesRoutes checks that /hsds/openapi.json documents
// exactly the /hsds/ routes, and every query parameter each takes.
func TestHSDSOpenAPIMatchesRoutes(t *testing.T) {
	base := startServer(t)
	_, _, b := get(t, base, "/hsds/openapi.json")
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]struct{ Name string } `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var documented, routed []string
	for p, ops := range doc.Paths {
		for m, raw := range ops {
			if m == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(m)+" /hsds"+p)
			var op struct {
				Parameters []struct {
					Ref  string `json:"$ref"`
					Name string `json:"name"`
				} `json:"parameters"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			// Every documented parameter is accepted: none answers 400
			// as unknown.
			for _, prm := range op.Parameters {
				name := prm.Name
				if prm.Ref != "" {
					name = doc.Components.Parameters[strings.TrimPrefix(prm.Ref, "#/components/parameters/")].Name
				}
				code, _, body := get(t, base, "/hsds"+strings.ReplaceAll(p, "{id}", "x")+"?"+name+"=")
				if code == 400 && strings.Contains(string(body), "unknown parameter") {
					t.Errorf("%s documents %s, which it refuses: %s", p, name, body)
				}
			}
		}
	}
	for _, r := range routes(t) {
		if strings.HasPrefix(r.Path, "/hsds/") {
			routed = append(routed, r.Method+" "+strings.ReplaceAll(r.Path, ":id", "{id}"))
		}
	}
	sort.Strings(documented)
	sort.Strings(routed)
	if strings.Join(documented, "\n") != strings.Join(routed, "\n") {
		t.Errorf("documented:\n%s\nrouted:\n%s", strings.Join(documented, "\n"), strings.Join(routed, "\n"))
	}
}

// TestHSDSFilters checks each filter and that they combine with AND.
func TestHSDSFilters(t *testing.T) {
	base := startServer(t)
	terms := items(t, getPage(t, base, "/hsds/taxonomy_terms?per_page=1000", "taxonomy_term.json"))
	term := map[string]item{}
	for _, it := range terms {
		term[it.Code] = it
	}
	orgs := items(t, getPage(t, base, "/hsds/organizations?search=north+capitol", "compiled/organization_list.json"))
	if len(orgs) != 1 {
		t.Fatalf("organizations matching north capitol: %v", names(orgs))
	}
	list := "compiled/service_list.json"
	tests := []struct {
		name, path string
		want       []string
	}{
		{"term", "/hsds/services?taxonomy_term_id=" + term["food.pantry"].ID, []string{"Free groceries"}},
		{"parent term includes children", "/hsds/services?taxonomy_term_id=" + term["housing"].ID,
			[]string{"Domestic violence shelter", "Emergency shelter for women", "Overnight shelter for men", "Transitional housing for veterans"}},
		{"fact term", "/hsds/services?taxonomy_term_id=" + term["gender:male"].ID, []string{"Overnight shelter for men"}},
		{"AND", "/hsds/services?taxonomy_term_id=" + term["housing"].ID + "&taxonomy_term_id_unused=1", nil},
		{"organization", "/hsds/services?organization_id=" + orgs[0].ID, []string{"Overnight shelter for men"}},
		{"term AND organization", "/hsds/services?taxonomy_term_id=" + term["food.pantry"].ID + "&organization_id=" + orgs[0].ID, []string{}},
		// Searched as every search reads words: shelters, and "women"
		// leaves the men's shelter out.
		{"search", "/hsds/services?search=shelter+women", []string{"Domestic violence shelter", "Emergency shelter for women"}},
		{"search AND term", "/hsds/services?search=shelter&taxonomy_term_id=" + term["gender:male"].ID, []string{"Overnight shelter for men"}},
		{"modified after", "/hsds/services?modified_after=" + clock.Date("2026-09-15") + "T00:00:00Z", []string{"Overnight shelter for men"}},
		// From ZIP 20001's centre the men's shelter is 1.3 km away, the
		// women's 1.8 km, the veterans' 2.1 km; the confidential shelter
		// has no location to measure, and no area that leaves 20001 out.
		{"postcode and proximity", "/hsds/services?postcode=20001&proximity=1500&taxonomy_term_id=" + term["housing"].ID,
			[]string{"Domestic violence shelter", "Overnight shelter for men"}},
		{"service at locations near", "/hsds/service_at_locations?postcode=20001&proximity=1500", []string{"Dental clinic", "Mental health counseling", "Overnight shelter for men"}},
		{"service at locations by term", "/hsds/service_at_locations?taxonomy_term_id=" + term["food.pantry"].ID, []string{"Free groceries"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == nil {
				code, _, b := get(t, base, tt.path)
				if code != 400 || decodeError(t, b).Error.Field != "taxonomy_term_id_unused" {
					t.Errorf("unknown parameter: %d %s", code, b)
				}
				return
			}
			schema := list
			if strings.HasPrefix(tt.path, "/hsds/service_at_locations") {
				schema = "compiled/service_at_location_list.json"
			}
			got := names(items(t, getPage(t, base, tt.path, schema)))
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestHSDSPagingAndNDJSON pages through the services and streams them.
func TestHSDSPagingAndNDJSON(t *testing.T) {
	base := startServer(t)
	all := getPage(t, base, "/hsds/services", "compiled/service_list.json")
	var seen []string
	for n := 1; ; n++ {
		p := getPage(t, base, "/hsds/services?per_page=2&page="+itoa(n), "compiled/service_list.json")
		for _, it := range items(t, p) {
			seen = append(seen, it.ID)
		}
		if p.LastPage {
			break
		}
		if n > all.TotalItems {
			t.Fatal("never reached the last page")
		}
	}
	if len(seen) != all.TotalItems {
		t.Errorf("paged %d services, want %d", len(seen), all.TotalItems)
	}
	beyond := getPage(t, base, "/hsds/services?per_page=2&page=99", "compiled/service_list.json")
	if !*beyond.Empty || beyond.Size != 0 || beyond.FirstPage || !beyond.LastPage {
		t.Errorf("page beyond the end: %+v", beyond)
	}

	code, hdr, b := get(t, base, "/hsds/services?format=ndjson&full=true")
	if code != 200 || hdr.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("ndjson: %d %s", code, hdr.Get("Content-Type"))
	}
	v := hsdsValidator(t)
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	lines := 0
	for sc.Scan() {
		lines++
		if err := v.Validate("service.json", json.RawMessage(sc.Bytes())); err != nil {
			t.Errorf("ndjson line %d: %v", lines, err)
		}
	}
	if lines != all.TotalItems {
		t.Errorf("%d ndjson lines, want %d", lines, all.TotalItems)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestHSDSBadRequests checks that malformed parameters are a 400 in the
// error envelope naming the parameter, and unknown ids a 404.
func TestHSDSBadRequests(t *testing.T) {
	base := startServer(t)
	tests := []struct {
		path, field string
		status      int
	}{
		{"/hsds/services?page=0", "page", 400},
		{"/hsds/services?per_page=5000", "per_page", 400},
		{"/hsds/services?format=xml", "format", 400},
		{"/hsds/services?format=ndjson&page=2", "page", 400},
		{"/hsds/services?modified_after=yesterday", "modified_after", 400},
		{"/hsds/services?postcode=00000", "postcode", 400},
		{"/hsds/services?proximity=500", "proximity", 400},
		{"/hsds/services?postcode=20001&proximity=-1", "proximity", 400},
		{"/hsds/services?minimal=true", "minimal", 400},
		{"/hsds/taxonomy_terms?top_only=maybe", "top_only", 400},
		{"/hsds/services?search=" + strings.Repeat("a", 501), "search", 400},
		{"/hsds/services/nope", "", 404},
		{"/hsds/organizations/nope", "", 404},
		{"/hsds/service_at_locations/nope", "", 404},
		{"/hsds/taxonomies/nope", "", 404},
		{"/hsds/taxonomy_terms/nope", "", 404},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			code, _, b := get(t, base, tt.path)
			if code != tt.status {
				t.Fatalf("status %d, want %d: %s", code, tt.status, b)
			}
			if e := decodeError(t, b); e.Error.Field != tt.field {
				t.Errorf("field %q, want %q: %s", e.Error.Field, tt.field, b)
			}
		})
	}
}

// TestHSDSHidesConfidentialLocations checks that no /hsds/ answer holds
// the confidential shelter's address or point, while its service is
// listed with its hotline.
func TestHSDSHidesConfidentialLocations(t *testing.T) {
	base := startServer(t)
	for _, path := range []string{
		"/hsds/services?full=true&format=ndjson", "/hsds/service_at_locations?full=true&format=ndjson",
		"/hsds/organizations?full=true&full_service=true&format=ndjson",
	} {
		_, _, b := get(t, base, path)
		for _, secret := range []string{"999 Hidden Rd", "20018", "38.93", "-76.97"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("%s holds %q", path, secret)
			}
		}
		if path == "/hsds/services?full=true&format=ndjson" && !strings.Contains(string(b), "202-555-0199") {
			t.Errorf("the shelter's hotline is missing: %s", b)
		}
	}
}

// hsdsByID is the walk's variants for GET <list>/{id}: the list's first
// record, and an unknown id.
func hsdsByID(list string) []variant {
	known := func(e *env, _ string) (string, any) {
		resp := e.do(request{method: "GET", path: list})
		var p page
		if err := json.Unmarshal(resp.body, &p); err != nil || len(p.Contents) == 0 {
			e.t.Fatalf("%s: %v %s", list, err, resp.body)
		}
		var it item
		if err := json.Unmarshal(p.Contents[0], &it); err != nil {
			e.t.Fatal(err)
		}
		return list + "/" + it.ID, nil
	}
	return []variant{
		{"known", known, all(200)},
		{"unknown", func(*env, string) (string, any) { return list + "/no-such-id", nil }, all(404)},
	}
}
