package httpserver

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"trellis/internal/buildinfo"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/report"
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
	problems  *prometheus.CounterVec
}

// newMetrics registers the request, search, snapshot and reload metrics,
// the operators' (referrals, outbox, problem reports, unmet-needs queue),
// and the Go runtime's and the process's, in a new registry.
func newMetrics(snaps Snapshots, now func() time.Time, build buildinfo.Info, opt Options) *metrics {
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
			Help: "Directory searches from the API, the pages and the kiosk, by whether they used filters (category, open now, eligibility, ...); each counted once, not again for its further pages or when shown in another language.",
		}, []string{"filtered"}),
		noResults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trellis_searches_no_results_total",
			Help: "Directory searches that found nothing, by whether they used filters.",
		}, []string{"filtered"}),
		problems: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trellis_problem_reports_total",
			Help: "Problems the public reported with listings since start, by problem (phone, moved, closed, hours, eligibility, other).",
		}, []string{"problem"}),
	}
	for _, p := range report.Problems {
		m.problems.WithLabelValues(string(p))
	}
	for _, f := range []string{"true", "false"} {
		m.searches.WithLabelValues(f)
		m.noResults.WithLabelValues(f)
	}
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "trellis_build_info",
		Help: "The running build: always 1, labelled with the version and the git revision.",
	}, []string{"version", "revision", "goversion"})
	info.WithLabelValues(build.Version, build.Revision, build.Go).Set(1)
	oc := operatorCollector{outbox: opt.Outbox}
	if ns, ok := opt.NeedRecorder.(NeedStats); ok {
		oc.needs = ns
	}
	if opt.Referrals != nil {
		m.reg.MustRegister(opt.Referrals)
	}
	m.reg.MustRegister(m.requests, m.latency, m.searches, m.noResults, m.problems, info, oc,
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

// Metrics returns the server's metric registry, for the front ends to
// add their own collectors to. Whatever they add is served at /metrics
// without authentication and must hold no personal data.
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

// Operators' metrics of the reports (issue 15): referrals created and
// their status changes, the notification outbox, the public's problem
// reports and the unmet-needs queue. Counts only; nothing about a person,
// a referral or a listing is a label.

var (
	descOutboxQueued = prometheus.NewDesc("trellis_outbox_queued",
		"Emails to agencies waiting in the outbox: not yet sent, given up or cancelled.", nil, nil)
	descOutboxRetrying = prometheus.NewDesc("trellis_outbox_retrying",
		"Queued emails whose last attempt failed and that will be tried again.", nil, nil)
	descOutboxFailed = prometheus.NewDesc("trellis_outbox_failed",
		"Emails given up for good after their attempts failed (kept until their referral is purged).", nil, nil)
	descOutboxUp = prometheus.NewDesc("trellis_outbox_read_ok",
		"1 when the outbox could be read for this scrape, 0 when the database failed.", nil, nil)
	descNeedsRecorded = prometheus.NewDesc("trellis_unmet_needs_recorded_total",
		"Searches taken by the unmet-needs counter since start.", nil, nil)
	descNeedsDropped = prometheus.NewDesc("trellis_unmet_needs_dropped_total",
		"Searches the unmet-needs counter lost: its queue was full, the search was invalid, or the store failed too long.", nil, nil)
	descNeedsWritten = prometheus.NewDesc("trellis_unmet_needs_written_total",
		"Searches written to the unmet-needs counts since start.", nil, nil)
	descNeedsWriteErrors = prometheus.NewDesc("trellis_unmet_needs_write_errors_total",
		"Failed writes of the unmet-needs counts (their counts are kept and retried).", nil, nil)
	descNeedsQueue = prometheus.NewDesc("trellis_unmet_needs_queue",
		"Searches waiting in the unmet-needs counter's queue.", nil, nil)
)

// OutboxDepth reads the notification outbox for /metrics; sqlstore
// implements it.
type OutboxDepth interface {
	// OutboxDepth counts queued, retrying and given-up emails. It returns
	// an error when the database fails.
	OutboxDepth(ctx context.Context) (queued, retrying, failed int64, err error)
}

// NeedStats is the unmet-needs recorder's counters (needs.Async).
type NeedStats interface {
	Stats() needs.Stats
}

// operatorCollector reads the outbox and the unmet-needs counter at each
// scrape.
type operatorCollector struct {
	outbox OutboxDepth
	needs  NeedStats
}

func (operatorCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descOutboxQueued, descOutboxRetrying, descOutboxFailed, descOutboxUp,
		descNeedsRecorded, descNeedsDropped, descNeedsWritten, descNeedsWriteErrors, descNeedsQueue} {
		ch <- d
	}
}

func (oc operatorCollector) Collect(ch chan<- prometheus.Metric) {
	if oc.outbox != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		q, r, f, err := oc.outbox.OutboxDepth(ctx)
		cancel()
		up := 0.0
		if err == nil {
			up = 1
			ch <- prometheus.MustNewConstMetric(descOutboxQueued, prometheus.GaugeValue, float64(q))
			ch <- prometheus.MustNewConstMetric(descOutboxRetrying, prometheus.GaugeValue, float64(r))
			ch <- prometheus.MustNewConstMetric(descOutboxFailed, prometheus.GaugeValue, float64(f))
		}
		ch <- prometheus.MustNewConstMetric(descOutboxUp, prometheus.GaugeValue, up)
	}
	if oc.needs != nil {
		st := oc.needs.Stats()
		ch <- prometheus.MustNewConstMetric(descNeedsRecorded, prometheus.CounterValue, float64(st.Recorded))
		ch <- prometheus.MustNewConstMetric(descNeedsDropped, prometheus.CounterValue, float64(st.Dropped))
		ch <- prometheus.MustNewConstMetric(descNeedsWritten, prometheus.CounterValue, float64(st.Written))
		ch <- prometheus.MustNewConstMetric(descNeedsWriteErrors, prometheus.CounterValue, float64(st.WriteErrors))
		ch <- prometheus.MustNewConstMetric(descNeedsQueue, prometheus.GaugeValue, float64(st.Queued))
	}
}

// CountProblemReport counts one problem report from the public, by
// problem (one of report.Problems; anything else is not counted).
func (s *Server) CountProblemReport(problem string) {
	if slices.Contains(report.Problems, report.Problem(problem)) {
		s.metrics.problems.WithLabelValues(problem).Inc()
	}
}

// ReferralMetrics counts referrals created and their status changes, for
// /metrics: wrap the store the referral service writes through with
// Store, and give it to the server in Options.Referrals. One value serves
// the HTTP handlers and the maintenance that expires referrals.
type ReferralMetrics struct {
	created prometheus.Counter
	changes *prometheus.CounterVec
}

// NewReferralMetrics returns referral counters at zero.
func NewReferralMetrics() *ReferralMetrics {
	m := &ReferralMetrics{
		created: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "trellis_referrals_created_total",
			Help: "Referrals recorded since start.",
		}),
		changes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trellis_referral_status_changes_total",
			Help: "Referral status changes since start, by the status moved to (by specialists, agencies, expiry and withdrawn consent).",
		}, []string{"to"}),
	}
	for _, st := range referral.Statuses {
		if st != referral.StatusSent {
			m.changes.WithLabelValues(string(st))
		}
	}
	return m
}

// Describe and Collect make the counters one prometheus.Collector.
func (m *ReferralMetrics) Describe(ch chan<- *prometheus.Desc) {
	m.created.Describe(ch)
	m.changes.Describe(ch)
}

// Collect sends the counters.
func (m *ReferralMetrics) Collect(ch chan<- prometheus.Metric) {
	m.created.Collect(ch)
	m.changes.Collect(ch)
}

// Store returns s counting, on success, each referral created and each
// status change.
func (m *ReferralMetrics) Store(s referral.Store) referral.Store { return countingStore{s, m} }

// countingStore is a referral.Store that counts what it changes.
type countingStore struct {
	referral.Store
	m *ReferralMetrics
}

func (c countingStore) change(from, to referral.Status) {
	if from != to && to.Valid() {
		c.m.changes.WithLabelValues(string(to)).Inc()
	}
}

func (c countingStore) CreateReferral(ctx context.Context, r *referral.Referral, first referral.Event, out *referral.Outgoing, audit ...referral.AuditEntry) error {
	err := c.Store.CreateReferral(ctx, r, first, out, audit...)
	if err == nil {
		c.m.created.Inc()
	}
	return err
}

func (c countingStore) AppendEvent(ctx context.Context, id string, ev referral.Event, expected referral.Status, mail []*referral.Mail, audit ...referral.AuditEntry) (*referral.Referral, error) {
	r, err := c.Store.AppendEvent(ctx, id, ev, expected, mail, audit...)
	if err == nil {
		c.change(expected, ev.To)
	}
	return r, err
}

func (c countingStore) WithdrawConsent(ctx context.Context, id string, ev referral.Event, expected referral.Status, audit ...referral.AuditEntry) (*referral.Referral, error) {
	r, err := c.Store.WithdrawConsent(ctx, id, ev, expected, audit...)
	if err == nil {
		c.change(expected, ev.To)
	}
	return r, err
}

func (c countingStore) ExpireOlderThan(ctx context.Context, age time.Duration, now time.Time) ([]string, error) {
	ids, err := c.Store.ExpireOlderThan(ctx, age, now)
	if n := len(ids); n > 0 {
		c.m.changes.WithLabelValues(string(referral.StatusExpired)).Add(float64(n))
	}
	return ids, err
}
