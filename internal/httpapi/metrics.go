package httpapi

import (
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"trellis/internal/search"
)

// This file is GET /metrics, in the Prometheus text format, from a
// registry of the server's own (never the global one). Nothing in it is
// about a person: requests are counted by route pattern ("/api/v1/
// services/:id", never the URL), method and status; searches only by
// whether they used filters and whether they found anything. It is served
// without authentication, like /healthz; a proxy in front can restrict it.

// metrics holds the server's collectors.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	searches  *prometheus.CounterVec
	noResults *prometheus.CounterVec
}

// newMetrics registers the request, search, snapshot and reload metrics,
// and the Go runtime's and the process's, in a new registry.
func newMetrics(snaps Snapshots, now func() time.Time) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trellis_http_requests_total",
			Help: "HTTP requests answered, by route pattern, method and status code.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trellis_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route pattern and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method"}),
		searches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trellis_searches_total",
			Help: "Directory searches answered, by whether they used filters (category, open now, eligibility, ...).",
		}, []string{"filtered"}),
		noResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trellis_searches_no_results_total",
			Help: "Directory searches that found nothing, by whether they used filters.",
		}, []string{"filtered"}),
	}
	for _, f := range []string{"true", "false"} {
		m.searches.WithLabelValues(f)
		m.noResults.WithLabelValues(f)
	}
	m.reg.MustRegister(m.requests, m.latency, m.searches, m.noResults,
		snapshotCollector{snaps: snaps, now: now},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the registry.
func (m *metrics) handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
}

// knownMethods bounds the method label: any other method a client sends
// is counted as "other", so that it cannot grow the label set.
var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// observe is the outermost middleware: it counts every request, panics
// and errors included, once its status is known.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "(no route)"
		}
		method := c.Request().Method
		if !knownMethods[method] {
			method = "other"
		}
		s.metrics.requests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
		s.metrics.latency.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
		return nil
	}
}

// CountSearch counts one directory search for /metrics: whether it used
// filters and whether it found nothing. The API's search counts itself;
// other front ends (the web pages) call this for theirs. It records
// nothing else about the search.
func (s *Server) CountSearch(filtered, empty bool) {
	f := strconv.FormatBool(filtered)
	s.metrics.searches.WithLabelValues(f).Inc()
	if empty {
		s.metrics.noResults.WithLabelValues(f).Inc()
	}
}

// Metrics returns the server's metric registry, for other packages (the
// web pages) to add their own collectors to. Whatever they add is served
// at /metrics without authentication and must hold no personal data.
func (s *Server) Metrics() prometheus.Registerer { return s.metrics.reg }

// snapshotCollector reads the snapshot store at each scrape: the data's
// age, revision and size, and how reloads went.
type snapshotCollector struct {
	snaps Snapshots
	now   func() time.Time
}

var (
	descAge = prometheus.NewDesc("trellis_snapshot_age_seconds",
		"Seconds since the snapshot being served was loaded.", nil, nil)
	descInfo = prometheus.NewDesc("trellis_snapshot_info",
		"The snapshot being served: 1, labelled with the digest of the data files it was built from.", []string{"revision"}, nil)
	descOrgs = prometheus.NewDesc("trellis_snapshot_organizations",
		"Organizations in the snapshot being served.", nil, nil)
	descServices = prometheus.NewDesc("trellis_snapshot_services",
		"Services in the snapshot being served.", nil, nil)
	descAttempts = prometheus.NewDesc("trellis_reload_attempts_total",
		"Loads and reloads of the data directory (start, file changes, SIGHUP, admin requests), unchanged data included.", nil, nil)
	descFailures = prometheus.NewDesc("trellis_reload_failures_total",
		"Reloads that left the previous snapshot serving: the data had errors or could not be read or indexed.", nil, nil)
	descLastOK = prometheus.NewDesc("trellis_reload_last_ok",
		"1 when the last reload succeeded (or found the data unchanged), 0 when it failed and an older snapshot is serving.", nil, nil)
	descDataErrors = prometheus.NewDesc("trellis_reload_data_errors",
		"Problems in the data files that stopped the last reload; 0 when it succeeded.", nil, nil)
)

func (snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descAge, descInfo, descOrgs, descServices, descAttempts, descFailures, descLastOK, descDataErrors} {
		ch <- d
	}
}

func (sc snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	if sc.snaps == nil {
		return
	}
	if snap := sc.snaps.Current(); snap != nil {
		ch <- prometheus.MustNewConstMetric(descAge, prometheus.GaugeValue, sc.now().Sub(snap.LoadedAt).Seconds())
		ch <- prometheus.MustNewConstMetric(descInfo, prometheus.GaugeValue, 1, snap.Revision)
		ch <- prometheus.MustNewConstMetric(descOrgs, prometheus.GaugeValue, float64(len(snap.Catalog.Organizations)))
		ch <- prometheus.MustNewConstMetric(descServices, prometheus.GaugeValue, float64(snap.Catalog.ServiceCount()))
	}
	st := sc.snaps.Status()
	ok := 0.0
	if st.OK {
		ok = 1
	}
	ch <- prometheus.MustNewConstMetric(descAttempts, prometheus.CounterValue, float64(st.Attempts))
	ch <- prometheus.MustNewConstMetric(descFailures, prometheus.CounterValue, float64(st.Failures))
	if st.Attempts > 0 {
		ch <- prometheus.MustNewConstMetric(descLastOK, prometheus.GaugeValue, ok)
		ch <- prometheus.MustNewConstMetric(descDataErrors, prometheus.GaugeValue, float64(len(st.Errors)))
	}
}

// filtered reports whether a search narrowed its results by anything but
// its words and place: categories, open hours, cost, language or
// eligibility. /metrics counts searches by it.
func filtered(f search.Filter) bool {
	return len(f.Categories) > 0 || f.OpenAt != nil || f.Free || len(f.Languages) > 0 || f.Age != nil ||
		f.Gender != "" || f.Veteran != nil || len(f.Populations) > 0 || len(f.Insurance) > 0 ||
		f.WalkIn || f.Wheelchair || f.InArea
}
