package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"syscall"
	"time"

	"trellis/internal/auth"
	"trellis/internal/buildinfo"
	"trellis/internal/httpserver"
	"trellis/internal/needs"
	"trellis/internal/notify"
	"trellis/internal/referral"
	"trellis/internal/snapshot"
)

// ServeConfig is `trellis serve`'s configuration, from flags and TRELLIS_*
// variables, validated once by ParseFlags.
type ServeConfig struct {
	// Addr is the listen address, host:port; port 0 picks a free port.
	Addr string
	// DataDir is the data directory; the default falls back to the copy
	// embedded in the binary when ./data does not exist.
	DataDir string
	// LogLevel is debug, info, warn or error; LogFormat text or json.
	LogLevel  string
	LogFormat string
	// ShutdownTimeout bounds a graceful stop.
	ShutdownTimeout time.Duration
	// Watch reloads the data when its files change, for a data directory
	// on disk (the embedded copy never changes).
	Watch bool
	// Web configures the pages (kiosk mode).
	Web WebConfig

	// Store is the referral and account database: SQLite under
	// Store.StateDir unless Store.DatabaseURL names a PostgreSQL.
	Store StoreConfig
	// BaseURL is the public address agency links start with; empty means
	// the address each request came to.
	BaseURL string
	// ReferralExpiry is how long a referral may stay open without a
	// change before Trellis expires it; 0 turns expiry off.
	ReferralExpiry time.Duration
	// MaintenanceEvery is how often expiry and session clean-up run.
	MaintenanceEvery time.Duration
	// LinkTTL is how long agency links last.
	LinkTTL time.Duration
	// SessionMaxAge and SessionIdle bound web sessions.
	SessionMaxAge, SessionIdle time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For (the
	// client's address) and X-Forwarded-Proto are believed; without them
	// the client address is the connection's peer.
	TrustedProxies []netip.Prefix
	// SearchRate limits searches and matches per client address, a
	// second on average; 0 turns the limit off.
	SearchRate float64
	// Mail configures email to receiving agencies; off without SMTP.
	Mail MailConfig
	// PeerRefPattern, when set, is the pattern of the deployment's own
	// client ids, accepted as peer references beside issued pseudonyms;
	// ParseFlags compiles it into peerRefs.
	PeerRefPattern string
	peerRefs       *regexp.Regexp
	// DebugAddr, when set, is a loopback host:port serving Go's profiler
	// (net/http/pprof) for operators measuring the server under load.
	DebugAddr string
}

// Main is the server process: parse flags, open (load data, listen), run
// until the context ends, close. End-to-end tests drive the same type.
type Main struct {
	Config ServeConfig
	IO     IO

	log *slog.Logger
	// reloadMu keeps one reload at a time under its memory limit.
	reloadMu sync.Mutex
	// servingLimit is the memory limit set after the last load (see
	// servingMemoryLimit); 0 before the first.
	servingLimit int64
	data         dataSource
	store        *snapshot.Store
	watcher      *snapshot.Watcher
	handler      *httpserver.Server
	ln           net.Listener
	srv          *http.Server
	// debugLn and debugSrv serve the profiler on Config.DebugAddr.
	debugLn  net.Listener
	debugSrv *http.Server
	db       Store
	// needs counts searches for the unmet-needs report into db.
	needs *needs.Async
	// mailer sends the outbox's emails when Config.Mail has an SMTP
	// server.
	mailer *notify.Worker
	// referrals counts referrals created and their status changes, by
	// the handlers and by expiry, for /metrics.
	referrals *httpserver.ReferralMetrics
}

// NewMain returns a Main with default configuration writing to io.
func NewMain(io IO) *Main {
	return &Main{IO: io, Config: ServeConfig{
		Addr: "localhost:8080", DataDir: defaultDataDir, LogLevel: "info", LogFormat: "text",
		ShutdownTimeout: 10 * time.Second, Watch: true,
		Store:          StoreConfig{StateDir: defaultStateDir},
		ReferralExpiry: 30 * 24 * time.Hour, MaintenanceEvery: time.Hour,
		LinkTTL: referral.DefaultLinkTTL, SessionMaxAge: 12 * time.Hour, SessionIdle: 30 * time.Minute,
		SearchRate: defaultSearchRate,
	}}
}

// defaultSearchRate is --search-rate's default: 5 searches a second per
// client address after a burst of 50, far above what people at a kiosk
// or a desk do.
const defaultSearchRate = 5

// ParseFlags reads the configuration from args and the environment. It
// returns an error for a bad flag or value.
func (m *Main) ParseFlags(args []string) error {
	c := &m.Config
	fs := newFlagSet("serve", m.IO.Stderr, "serve [--addr HOST:PORT] [--data DIR]")
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address, host:port")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory (directory.yaml, taxonomy.yaml, listings/); when the default ./data is missing, the copy embedded in the binary")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json")
	fs.Var(durationValue{&c.ShutdownTimeout}, "shutdown-timeout", "how long a graceful stop waits for requests in flight")
	fs.BoolVar(&c.Watch, "watch", c.Watch, "reload the data when files in the data directory change (SIGHUP and POST /api/v1/admin/reload always do)")
	c.Web.flags(fs)
	c.Store.storeFlags(fs)
	fs.StringVar(&c.BaseURL, "base-url", c.BaseURL, "public address of this server, e.g. https://trellis.example.org, that agency links start with (default: the address each request came to)")
	fs.Var(durationValue{&c.ReferralExpiry}, "referral-expiry", "expire referrals left open this long without a change (0 turns expiry off)")
	fs.Var(durationValue{&c.MaintenanceEvery}, "maintenance-every", "how often to expire old referrals and remove ended sessions")
	fs.Var(durationValue{&c.LinkTTL}, "agency-link-ttl", "how long an agency link works")
	fs.Var(durationValue{&c.SessionMaxAge}, "session-max-age", "how long a web session lasts from sign-in")
	fs.Var(durationValue{&c.SessionIdle}, "session-idle", "how long a web session survives without a request")
	fs.Var(proxiesValue{&c.TrustedProxies}, "trusted-proxies", "reverse proxies (CIDR ranges or addresses, comma separated, e.g. 127.0.0.1/32) whose X-Forwarded-For names the client; without them the client is the connection's peer and the header is ignored")
	fs.Float64Var(&c.SearchRate, "search-rate", c.SearchRate, "searches and matches a client address may make a second, on average after a burst of ten times as many (0 turns the limit off)")
	fs.StringVar(&c.DebugAddr, "debug-addr", c.DebugAddr, "loopback host:port serving Go's profiler (/debug/pprof/), e.g. 127.0.0.1:6060; off when empty")
	fs.StringVar(&c.PeerRefPattern, "peer-ref-pattern", c.PeerRefPattern, "a regular expression (RE2, matched whole) for this organization's own client ids, accepted as peer references beside the pseudonyms Trellis issues, e.g. C-[0-9]{5}; refused at start if it would accept a name, date, phone or record number")
	c.Mail.flags(fs)
	if err := parse(fs, args, m.IO); err != nil {
		return err
	}
	if err := c.checkReferrals(); err != nil {
		return err
	}
	if c.PeerRefPattern != "" {
		re, err := referral.ParsePeerRefPattern(c.PeerRefPattern)
		if err != nil {
			return usageError{"--peer-ref-pattern: " + err.Error()}
		}
		c.peerRefs = re
	}
	if err := c.Mail.check(c.BaseURL); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if err := c.Web.check(); err != nil {
		return err
	}
	if c.SearchRate < 0 {
		return usageError{fmt.Sprintf("--search-rate %v: want 0 (no limit) or more", c.SearchRate)}
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return usageError{fmt.Sprintf("--addr %q is not host:port", c.Addr)}
	}
	if c.DebugAddr != "" {
		if err := checkLoopback(c.DebugAddr); err != nil {
			return usageError{"--debug-addr: " + err.Error()}
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return usageError{err.Error()}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return usageError{fmt.Sprintf("--log-format %q: want text or json", c.LogFormat)}
	}
	return nil
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// Open loads the directory and starts listening. It returns an error when
// the data has problems (printed as path:line:col) or the address is taken.
func (m *Main) Open(ctx context.Context) error {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	level, _ := parseLevel(m.Config.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if m.Config.LogFormat == "json" {
		m.log = slog.New(slog.NewJSONHandler(m.IO.Stderr, opts))
	} else {
		m.log = slog.New(slog.NewTextHandler(m.IO.Stderr, opts))
	}
	if m.Config.DebugAddr != "" {
		// The profiler listens from the start, so that a slow or large
		// load can be profiled while it runs.
		ln, err := net.Listen("tcp", m.Config.DebugAddr)
		if err != nil {
			return fmt.Errorf("listen on --debug-addr %s: %w", m.Config.DebugAddr, err)
		}
		m.debugLn = ln
		m.debugSrv = &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = m.debugSrv.Serve(ln) }()
		m.log.Info("profiler listening", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
	}

	src, err := openData(m.Config.DataDir)
	if err != nil {
		return err
	}
	m.data = src
	m.store = snapshot.NewStore(src.FS, time.Now)
	m.store.Progress = logProgress(m.log, "loading the directory", "listing files read")
	m.store.IndexProgress = logProgress(m.log, "building the search index", "documents indexed")
	if m.Config.Store.StateDir != "" {
		// The search index is kept on disk, one per data revision: a
		// restart on unchanged listings reopens it.
		m.store.IndexDir = filepath.Join(m.Config.Store.StateDir, "index")
		m.store.PruneError = func(err error) { m.log.Warn("could not remove old search indexes", "err", err) }
		m.store.StateWritten = func(err error) {
			if err != nil {
				m.log.Warn("could not keep the load state for the next start; it will read every listing", "err", err)
			}
		}
	}
	// The directory loads while the referral store opens and the pages
	// are set up: a restart waits for the longer of the two, not both.
	type load struct {
		snap *snapshot.Snapshot
		err  error
	}
	loading := make(chan load, 1)
	go func() {
		done := m.loading()
		if src.Dir != "" && m.Config.Watch {
			// Watched from before the files are looked at, so that a
			// change during the load is reloaded after it. Without a
			// watcher the server still reloads on SIGHUP and admin
			// requests, so a watcher that cannot start is no reason not
			// to serve.
			var err error
			if m.watcher, err = snapshot.NewWatcher(src.Dir, 0, m.log); err != nil {
				m.log.Warn("not watching the data directory; reload with SIGHUP or POST /api/v1/admin/reload", "err", err)
			}
		}
		snap, err := m.store.Reload(ctx)
		done()
		loading <- load{snap, err}
	}()
	waitLoad := sync.OnceValue(func() error {
		l := <-loading
		return m.loaded(src, l.snap, l.err)
	})
	// Whatever stops the start, it returns after the load has.
	defer func() { _ = waitLoad() }()
	var reload func(context.Context) (*snapshot.Snapshot, error)
	if src.Dir != "" {
		reload = func(ctx context.Context) (*snapshot.Snapshot, error) { return m.reload(ctx, "admin request", nil) }
	}
	if m.Config.Web.KioskNear != "" {
		// The kiosk's place is read with the directory's gazetteer.
		if err := waitLoad(); err != nil {
			return err
		}
	}

	db, err := openStore(ctx, m.Config.Store)
	if err != nil {
		return err
	}
	m.db = db
	m.log.Info("referral store open", "store", m.Config.Store.Label())

	m.needs = needs.NewAsync(db, needs.AsyncOptions{Logger: m.log})

	searchRate := m.Config.SearchRate
	if searchRate == 0 {
		searchRate = -1 // no limit
	}
	notifyOpt, err := m.openMail(db)
	if err != nil {
		return err
	}
	m.referrals = httpserver.NewReferralMetrics()
	m.handler, err = NewHandler(HTTP{Logger: m.log, ReferralMetrics: m.referrals, Snapshots: m.store, Build: buildinfo.Read(), Reload: reload,
		DB: db, NeedRecorder: m.needs, BaseURL: m.Config.BaseURL, TrustedProxies: m.Config.TrustedProxies,
		LinkTTL:    m.Config.LinkTTL,
		Sessions:   auth.SessionConfig{MaxAge: m.Config.SessionMaxAge, Idle: m.Config.SessionIdle},
		SearchRate: searchRate, Web: m.Config.Web, PeerRefPattern: m.Config.peerRefs, Notify: notifyOpt,
		Organization: m.Config.Mail.Organization})
	if err != nil {
		return err
	}
	if err := waitLoad(); err != nil {
		return err
	}
	if m.Config.Web.Kiosk {
		m.log.Info("kiosk mode", "idle", m.Config.Web.KioskIdle, "near", m.Config.Web.KioskNear != "")
	}
	if len(m.Config.TrustedProxies) > 0 {
		m.log.Info("believing X-Forwarded-For from trusted proxies", "proxies", proxiesValue{&m.Config.TrustedProxies}.String())
	}

	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	m.srv = &http.Server{
		Handler:           m.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// loaded reports how the first load of src went (snap and err, as
// Reload returned them): data errors printed as path:line:col and an
// error, or the directory logged.
func (m *Main) loaded(src dataSource, snap *snapshot.Snapshot, err error) error {
	if err != nil && m.watcher != nil {
		_ = m.watcher.Close()
		m.watcher = nil
	}
	if errors.Is(err, snapshot.ErrDataInvalid) {
		for _, e := range m.store.Status().Errors {
			fmt.Fprintln(m.IO.Stderr, e)
		}
		return fmt.Errorf("the data in %s has errors; fix them (trellis validate --data %s) and start again", src.Label(), m.Config.DataDir)
	}
	if err != nil {
		return err
	}
	m.log.Info("directory loaded", "data", src.Label(), "revision", snap.Revision,
		"organizations", len(snap.Catalog.Organizations), "services", snap.Catalog.ServiceCount(),
		"documents", snap.Index.DocCount(), "index", snap.IndexFrom, "took", snap.BuildTime.Round(time.Millisecond))
	return nil
}

// URL returns the server's base URL, e.g. http://127.0.0.1:8080.
func (m *Main) URL() string {
	if m.ln == nil {
		return ""
	}
	addr := m.ln.Addr().(*net.TCPAddr)
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return fmt.Sprintf("http://%s:%d", host, addr.Port)
}

// Store returns the snapshot store (for tests and reload triggers).
func (m *Main) Store() *snapshot.Store { return m.store }

// Run serves until ctx ends, reloading the data on SIGHUP and (with
// Config.Watch) when its files change, then stops gracefully. It returns
// an error if serving fails.
func (m *Main) Run(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	errc := make(chan error, 1)
	go func() { errc <- m.srv.Serve(m.ln) }()
	mctx, stopMaintenance := context.WithCancel(ctx)
	maintained := make(chan struct{})
	go func() { defer close(maintained); m.maintain(mctx) }()
	defer func() { stopMaintenance(); <-maintained }()
	if m.mailer != nil {
		sctx, stopSending := context.WithCancel(ctx)
		sent := make(chan struct{})
		go func() { defer close(sent); _ = m.mailer.Run(sctx) }()
		defer func() { stopSending(); <-sent }()
	}
	if w := m.watcher; w != nil {
		wctx, stopWatching := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			err := w.Run(wctx, func(ctx context.Context, changed []string) { _, _ = m.reload(ctx, "file change", changed) })
			if err != nil {
				m.log.Error("stopped watching the data directory; reload with SIGHUP or POST /api/v1/admin/reload", "err", err)
			}
		}()
		defer func() { stopWatching(); <-watched }()
		m.watcher = nil // Run closes it
		m.log.Info("watching the data directory for changes", "data", m.data.Label())
	}
	m.log.Info("serving", "url", m.URL())
	for {
		select {
		case err := <-errc:
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("serve: %w", err)
		case <-hup:
			_, _ = m.reload(ctx, "SIGHUP", nil)
		case <-ctx.Done():
			return m.shutdown()
		}
	}
}

// loading sets the memory limit and the collector's target a load runs
// under (reloadMemoryLimit, loadGCPercent), unless GOMEMLIMIT or GOGC say
// otherwise, and returns what puts them back. The limit holds until what
// a load starts after the swap (the load state written, the HSDS form
// built) is done. Loads take turns in the store anyway; this keeps the
// limit of one from being lifted while another runs.
func (m *Main) loading() (done func()) {
	limit, gc := os.Getenv("GOMEMLIMIT") == "", os.Getenv("GOGC") == ""
	if !limit {
		return func() {}
	}
	m.reloadMu.Lock()
	debug.SetMemoryLimit(max(reloadMemoryLimit, m.servingLimit))
	if gc {
		debug.SetGCPercent(loadGCPercent)
	}
	return func() {
		if gc {
			debug.SetGCPercent(serveGCPercent)
		}
		go func() {
			defer m.reloadMu.Unlock()
			_ = m.store.WaitState(context.Background())
			if snap := m.store.Current(); snap != nil {
				_, _ = snap.HSDS()
			}
			live := liveHeap()
			m.servingLimit = servingMemoryLimit(live)
			debug.SetMemoryLimit(m.servingLimit)
			m.log.Info("serving under a memory limit", "live_mib", live>>20, "limit_mib", m.servingLimit>>20)
		}()
	}
}

// liveHeap collects the garbage a load left and returns the size of the
// live heap.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}

// reload rebuilds the snapshot, logs the outcome and returns what
// snapshot.Store.ReloadChanged returns for the files that changed (nil:
// not known, every file is looked at); a failure leaves the old snapshot
// serving.
func (m *Main) reload(ctx context.Context, why string, changed []string) (*snapshot.Snapshot, error) {
	before := m.store.Current()
	defer m.loading()()
	snap, err := m.store.ReloadChanged(ctx, changed)
	switch {
	case errors.Is(err, snapshot.ErrDataInvalid):
		st := m.store.Status()
		m.log.Warn("reload refused: the data has errors; the previous snapshot keeps serving", "trigger", why, "errors", len(st.Errors), "first", st.Errors[0])
	case err != nil:
		m.log.Error("reload failed; the previous snapshot keeps serving", "trigger", why, "err", err)
	case snap == before:
		m.log.Info("data unchanged", "trigger", why, "revision", snap.Revision)
	default:
		m.log.Info("reloaded", "trigger", why, "revision", snap.Revision, "services", snap.Catalog.ServiceCount(), "listings_read", snap.ListingsRead, "index", snap.IndexFrom,
			"took", snap.BuildTime.Round(time.Millisecond))
	}
	return snap, err
}

func (m *Main) shutdown() error {
	ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
	defer cancel()
	m.log.Info("shutting down")
	if err := m.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := m.store.WaitState(ctx); err != nil {
		m.log.Warn("stopped before the load state was written; the next start reads every listing", "err", err)
	}
	return nil
}

// Close releases what Open acquired. It is safe to call more than once.
func (m *Main) Close() error {
	var errs []error
	if m.srv != nil {
		errs = append(errs, m.srv.Close())
	} else if m.ln != nil {
		errs = append(errs, m.ln.Close())
	}
	if m.debugSrv != nil {
		errs = append(errs, m.debugSrv.Close())
	} else if m.debugLn != nil {
		errs = append(errs, m.debugLn.Close())
	}
	if m.store != nil {
		if snap := m.store.Current(); snap != nil {
			errs = append(errs, snap.Index.Close())
		}
	}
	if m.needs != nil {
		// The counts still queued are written before the store closes.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.needs.Close(ctx))
		cancel()
		m.needs = nil
	}
	if m.db != nil {
		errs = append(errs, m.db.Close())
	}
	if m.watcher != nil {
		errs = append(errs, m.watcher.Close())
	}
	m.srv, m.ln, m.db, m.watcher, m.debugSrv, m.debugLn = nil, nil, nil, nil, nil, nil
	return errors.Join(errs...)
}

// runServe is `trellis serve`.
func runServe(ctx context.Context, args []string, io IO) error {
	m := NewMain(io)
	if err := m.ParseFlags(args); err != nil {
		return err
	}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	return m.Run(ctx)
}

// serveGCPercent is the garbage collector's target the server runs with
// unless GOGC is set: the heap may grow by half its live size between
// collections, not by all of it (Go's default, 100). The catalog of a
// national directory is most of the live heap and never changes, so the
// default would hold about as much garbage again as there are listings.
// Measured on the national directory (51k services) under 8 clients: peak
// RSS 507 MB at 100, 349 MB at 50, for 10-15% fewer requests a second.
const serveGCPercent = 50

// serveMemoryLimit is the soft memory limit the server serves under,
// unless GOMEMLIMIT is set: what the Go runtime holds (the heap with its
// garbage, stacks and the collector's own), not the binary or the mapped
// index files, which add about 45 MB. Half its live size of garbage
// (serveGCPercent) stays under it for the national directory (51k
// services, about 150 MiB live), which it therefore does not slow; the
// 100k synthetic directory (236 MiB live) reaches it under load and is
// collected more often. Measured under 8 clients: on the 100k directory,
// peak RSS 460 MB at 1,527 requests a second without the limit, 366 MB at
// 1,252 with it; on the national one, 5,100-5,200 requests a second and
// 345 MB either way.
const serveMemoryLimit = 320 << 20

// serveHeadroom is the least room for garbage past the live heap that the
// serving limit leaves (see servingMemoryLimit).
const serveHeadroom = 64 << 20

// servingMemoryLimit is the memory limit the server serves under after a
// load that left live bytes live: serveMemoryLimit, or live plus
// serveHeadroom when that is more. Below the limit the collector runs each
// time the heap grows by half its live size (serveGCPercent), near it more
// often; a directory whose live heap alone nears the limit gets the
// headroom past it, so that the collector does not run without end.
func servingMemoryLimit(live int64) int64 { return max(serveMemoryLimit, live+serveHeadroom) }

// batchMemory sets the collector's target and the soft memory limit an
// import or export runs under, serveGCPercent and serveMemoryLimit,
// unless GOGC or GOMEMLIMIT say otherwise, and returns what puts the
// previous ones back. Either holds a whole directory in memory, and
// makes garbage as fast as it reads and writes: at Go's default target
// an import of the 100k synthetic package held 270 MB live and peaked at
// 629 MB resident.
func batchMemory() (restore func()) {
	gc, limit := -1, int64(-1)
	if os.Getenv("GOGC") == "" {
		gc = debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		limit = debug.SetMemoryLimit(serveMemoryLimit)
	}
	return func() {
		if gc != -1 {
			debug.SetGCPercent(gc)
		}
		if limit != -1 {
			debug.SetMemoryLimit(limit)
		}
	}
}

// reloadMemoryLimit is the soft memory limit the server sets while it
// loads, unless GOMEMLIMIT is set, or the serving limit when that is
// higher: near it the garbage collector runs more often than
// serveGCPercent asks. A reload holds the old snapshot and the new one
// while it builds; without a limit, five reloads of the national
// directory 3 s apart peaked at 470 MB resident. Once the load's work is
// done the serving limit takes over (see servingMemoryLimit): this one, held while
// serving, cost a fifth of the national directory's requests a second
// under 8 clients and raised p99 from 36 to 52 ms.
const reloadMemoryLimit = 280 << 20

// loadGCPercent is the collector's target while a load runs under
// reloadMemoryLimit: the limit bounds the heap, so the collector need not
// also run each time the heap grows by half. A restart decodes the whole
// catalog (150 MB live for the national directory) from the load state,
// and at serveGCPercent it collected a dozen times on the way, a fifth of
// the CPU the restart took.
const loadGCPercent = 400
