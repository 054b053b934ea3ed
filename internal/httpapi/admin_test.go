package httpapi_test

import (
	"bytes"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"trellis/internal/app/apptest"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	dto "github.com/prometheus/client_model/go"
)

// reloadEnv is newEnv serving a data directory the test can change, with
// reloads through the store.
func reloadEnv(t *testing.T) (*env, string) {
	t.Helper()
	dir := fixtureDir(t)
	e := newEnvWith(t, apptest.Options{DataDir: dir, Reload: true})
	return e, dir
}

type reloadAnswer struct {
	Status           string `json:"status"`
	Revision         string `json:"revision"`
	PreviousRevision string `json:"previous_revision"`
	Services         int    `json:"services"`
}

type readyAnswer struct {
	Status   string `json:"status"`
	Snapshot struct {
		Revision string `json:"revision"`
	} `json:"snapshot"`
	Reload *struct {
		Errors   []string `json:"errors"`
		Failures int      `json:"failures"`
	} `json:"reload"`
}

// TestAdminReload edits, breaks and fixes a listing and reloads after each
// step: a good change swaps in and is searchable, a bad one answers 422
// with the error at its line and column, keeps the old data serving and
// shows in /readyz and /metrics, and fixing it recovers.
func TestAdminReload(t *testing.T) {
	e, dir := reloadEnv(t)
	file := filepath.Join(dir, "listings", "dc", "north-shelter.yaml")
	orig, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	first := e.call(coord, "POST", "/api/v1/admin/reload", nil, http.StatusOK, nil)
	var unchanged reloadAnswer
	decodeInto(t, first.body, &unchanged)
	if unchanged.Status != "unchanged" || unchanged.Revision == "" || unchanged.PreviousRevision != "" {
		t.Errorf("reload of unchanged data = %+v", unchanged)
	}
	searchNames := func(q string) string {
		var sb searchBody
		e.call(anon, "GET", "/api/v1/search?"+url.Values{"q": {q}}.Encode(), nil, http.StatusOK, &sb)
		var names []string
		for _, r := range sb.Results {
			names = append(names, r.Service.Name)
		}
		return strings.Join(names, "; ")
	}

	steps := []struct {
		name     string
		data     string
		status   int
		answer   string // in the body
		ready    string
		searchQ  string
		searchOK string // in the names found
	}{
		{"edit", strings.Replace(string(orig), "Overnight shelter for men", "Overnight shelter for men and boys over sixteen", 1),
			http.StatusOK, `"status":"reloaded"`, "ready", "boys sixteen", "Overnight shelter for men and boys over sixteen"},
		{"break", strings.Replace(string(orig), "categories: [housing.emergency-shelter]", "categories: [housing.emergency-shelterr]", 1),
			http.StatusUnprocessableEntity, `listings/dc/north-shelter.yaml:16:18: unknown category \"housing.emergency-shelterr\"`, "degraded",
			"boys sixteen", "Overnight shelter for men and boys over sixteen"},
		{"fix", string(orig), http.StatusOK, `"status":"reloaded"`, "ready", "overnight men", "Overnight shelter for men"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			e.t = t
			if err := os.WriteFile(file, []byte(st.data), 0o644); err != nil {
				t.Fatal(err)
			}
			resp := e.call(admin, "POST", "/api/v1/admin/reload", nil, st.status, nil)
			if !strings.Contains(string(resp.body), st.answer) {
				t.Errorf("reload answer lacks %s: %s", st.answer, resp.body)
			}
			var ready readyAnswer
			e.call(anon, "GET", "/readyz", nil, http.StatusOK, &ready)
			if ready.Status != st.ready {
				t.Errorf("readyz status %q, want %q", ready.Status, st.ready)
			}
			if st.ready == "degraded" && (ready.Reload == nil || len(ready.Reload.Errors) != 1 || !strings.Contains(ready.Reload.Errors[0], "north-shelter.yaml:16:18")) {
				t.Errorf("readyz does not show the error: %+v", ready.Reload)
			}
			if got := searchNames(st.searchQ); !strings.Contains(got, st.searchOK) {
				t.Errorf("search %q found %q, want %q", st.searchQ, got, st.searchOK)
			}
			m := scrape(t, e.base)
			lastOK, dataErrors := 1.0, 0.0
			if st.status != http.StatusOK {
				lastOK, dataErrors = 0, 1
			}
			if got := gauge(m, "trellis_reload_last_ok"); got != lastOK {
				t.Errorf("trellis_reload_last_ok = %v, want %v", got, lastOK)
			}
			if got := gauge(m, "trellis_reload_data_errors"); got != dataErrors {
				t.Errorf("trellis_reload_data_errors = %v, want %v", got, dataErrors)
			}
		})
	}
	e.t = t
	m := scrape(t, e.base)
	// The first load, the unchanged reload and the three steps.
	if got, want := counter(m, "trellis_reload_attempts_total"), 5.0; got != want {
		t.Errorf("trellis_reload_attempts_total = %v, want %v", got, want)
	}
	if got := counter(m, "trellis_reload_failures_total"); got != 1 {
		t.Errorf("trellis_reload_failures_total = %v, want 1", got)
	}
}

// TestAdminReloadAccess checks who may reload: coordinators and admins,
// not specialists or anonymous callers; and that a server without a
// reload function (the embedded data) answers 503.
func TestAdminReloadAccess(t *testing.T) {
	e, _ := reloadEnv(t)
	tests := []struct {
		who  string
		want int
	}{
		{anon, http.StatusUnauthorized},
		{specA, http.StatusForbidden},
		{coord, http.StatusOK},
		{admin, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.who, func(t *testing.T) {
			e.t = t
			e.call(tt.who, "POST", "/api/v1/admin/reload", nil, tt.want, nil)
		})
	}
	e.t = t
	resp := e.call(coord, "POST", "/api/v1/admin/reload?now=1", nil, http.StatusBadRequest, nil)
	if ae := decodeError(t, resp.body); ae.Error.Field != "now" {
		t.Errorf("unknown parameter: %s", resp.body)
	}
	embedded := newEnv(t)
	embedded.call(coord, "POST", "/api/v1/admin/reload", nil, http.StatusServiceUnavailable, nil)
}

// TestStaleReportAPI checks GET /api/v1/reports/stale: never verified
// first, then oldest; the age parameter; its errors; who may see it.
func TestStaleReportAPI(t *testing.T) {
	e := newEnv(t)
	type item struct {
		Service      string  `json:"service"`
		LastVerified *string `json:"last_verified"`
		AgeDays      *int    `json:"age_days"`
		File         string  `json:"file"`
	}
	type report struct {
		AsOf          string `json:"as_of"`
		OlderThanDays int    `json:"older_than_days"`
		Checked       int    `json:"checked"`
		Stale         int    `json:"stale"`
		Never         int    `json:"never_verified"`
		Services      []item `json:"services"`
	}
	var def, month report
	e.call(coord, "GET", "/api/v1/reports/stale", nil, http.StatusOK, &def)
	if def.AsOf != clock.Date("2026-11-22") || def.OlderThanDays != 365 || def.Checked < 2 || def.Stale != def.Checked-1 || def.Never != def.Stale {
		t.Errorf("default report = %+v", def)
	}
	for _, s := range def.Services {
		if s.LastVerified != nil || s.AgeDays != nil || !strings.HasPrefix(s.File, "listings/dc/") {
			t.Errorf("item = %+v", s)
		}
	}
	e.call(admin, "GET", "/api/v1/reports/stale?older_than=30d", nil, http.StatusOK, &month)
	last := month.Services[len(month.Services)-1]
	if month.OlderThanDays != 30 || month.Stale != month.Checked || last.Service != "north-shelter.beds" ||
		last.LastVerified == nil || *last.LastVerified != clock.Date("2026-10-01") || last.AgeDays == nil || *last.AgeDays != 52 ||
		last.File != "listings/dc/north-shelter.yaml" {
		t.Errorf("30-day report = %+v, last %+v", month, last)
	}

	bad := []struct {
		name, query, field string
	}{
		{"hours", "older_than=12h", "older_than"},
		{"zero", "older_than=0d", "older_than"},
		{"twice", "older_than=3d&older_than=4d", "older_than"},
		{"unknown", "since=2020-01-01", "since"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			resp := e.call(coord, "GET", "/api/v1/reports/stale?"+tt.query, nil, http.StatusBadRequest, nil)
			if ae := decodeError(t, resp.body); ae.Error.Field != tt.field {
				t.Errorf("field %q, want %q: %s", ae.Error.Field, tt.field, resp.body)
			}
		})
	}
	e.t = t
	e.call(specA, "GET", "/api/v1/reports/stale", nil, http.StatusForbidden, nil)
	e.call(anon, "GET", "/api/v1/reports/stale", nil, http.StatusUnauthorized, nil)
}

// scrape reads /metrics.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	code, h, b := get(t, base, "/metrics")
	if code != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", code, h.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	m, err := p.TextToMetricFamilies(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, b)
	}
	return m
}

// sample returns the metric of family name whose labels include all of
// labels, or nil.
func sample(m map[string]*dto.MetricFamily, name string, labels ...string) *dto.Metric {
	f := m[name]
	if f == nil {
		return nil
	}
	for _, mt := range f.Metric {
		have := map[string]string{}
		for _, l := range mt.Label {
			have[l.GetName()] = l.GetValue()
		}
		ok := true
		for i := 0; i+1 < len(labels); i += 2 {
			ok = ok && have[labels[i]] == labels[i+1]
		}
		if ok {
			return mt
		}
	}
	return nil
}

func gauge(m map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	if s := sample(m, name, labels...); s != nil && s.Gauge != nil {
		return s.Gauge.GetValue()
	}
	return -1
}

func counter(m map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	if s := sample(m, name, labels...); s != nil && s.Counter != nil {
		return s.Counter.GetValue()
	}
	return -1
}

// TestMetrics checks /metrics: requests by route pattern (not URL),
// method and status, latency by route, searches with and without
// results by whether filters were used, the snapshot gauges, and that no
// query text, id or address reaches it.
func TestMetrics(t *testing.T) {
	base := startServer(t)
	for _, p := range []string{
		"/api/v1/search?q=shelter",
		"/api/v1/search?q=zzqxv+wibblewobble",
		"/api/v1/search?q=pantry&category=food&gender=female&near=20001",
		"/api/v1/search?q=zzqxv+wibblewobble&open_now=true",
		"/api/v1/services/north-shelter.beds",
		"/api/v1/services/north-shelter.nothing",
		"/no/such/page",
	} {
		get(t, base, p)
	}
	req, _ := http.NewRequest("BREW", base+"/api/v1/search", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	m := scrape(t, base)
	tests := []struct {
		name   string
		metric string
		labels []string
		want   float64
	}{
		{"searches", "trellis_http_requests_total", []string{"route", "/api/v1/search", "method", "GET", "status", "200"}, 4},
		{"service found", "trellis_http_requests_total", []string{"route", "/api/v1/services/:id", "method", "GET", "status", "200"}, 1},
		{"service not found", "trellis_http_requests_total", []string{"route", "/api/v1/services/:id", "method", "GET", "status", "404"}, 1},
		{"unknown method", "trellis_http_requests_total", []string{"route", "/api/v1/search", "method", "other"}, 1},
		{"no route", "trellis_http_requests_total", []string{"route", "(no route)", "method", "GET", "status", "404"}, 1},
		{"unfiltered searches", "trellis_searches_total", []string{"filtered", "false"}, 2},
		{"filtered searches", "trellis_searches_total", []string{"filtered", "true"}, 2},
		{"unfiltered with nothing", "trellis_searches_no_results_total", []string{"filtered", "false"}, 1},
		{"filtered with nothing", "trellis_searches_no_results_total", []string{"filtered", "true"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := counter(m, tt.metric, tt.labels...); got != tt.want {
				t.Errorf("%s%v = %v, want %v", tt.metric, tt.labels, got, tt.want)
			}
		})
	}
	if s := sample(m, "trellis_build_info", "version", "test"); s == nil || s.Gauge.GetValue() != 1 {
		t.Errorf("trellis_build_info{version=\"test\"} = %v, want 1", s)
	}
	if s := sample(m, "trellis_http_request_duration_seconds", "route", "/api/v1/search", "method", "GET"); s == nil || s.Histogram.GetSampleCount() != 4 {
		t.Errorf("latency histogram for search: %v", s)
	}
	code, _, b := get(t, base, "/readyz")
	if code != 200 {
		t.Fatal(code)
	}
	var ready readyAnswer
	decodeInto(t, b, &ready)
	if gauge(m, "trellis_snapshot_info", "revision", ready.Snapshot.Revision) != 1 {
		t.Errorf("no trellis_snapshot_info for revision %s", ready.Snapshot.Revision)
	}
	if gauge(m, "trellis_snapshot_services") < 1 || gauge(m, "trellis_snapshot_organizations") < 1 {
		t.Error("snapshot size gauges missing")
	}
	if age := gauge(m, "trellis_snapshot_age_seconds"); age < 0 {
		t.Errorf("snapshot age %v", age)
	}
	if m["go_goroutines"] == nil || m["process_cpu_seconds_total"] == nil {
		t.Error("runtime and process metrics missing")
	}
	_, _, raw := get(t, base, "/metrics")
	for _, secret := range []string{"zzqxv", "wibblewobble", "north-shelter", "20001", "female", "pantry", "/no/such/page"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("/metrics holds %q", secret)
		}
	}
}
