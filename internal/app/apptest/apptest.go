// Package apptest starts Trellis's HTTP server in process for tests,
// wired exactly as `trellis serve` wires it (app.NewHandler: the platform,
// the referral service, the API and the pages), over a test's data
// directory and clock, with an SQLite store on disk, on a real loopback
// server. Tests of the API, the pages and the gate use it, so that they
// exercise the wiring people get.
package apptest

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/buildinfo"
	"trellis/internal/httpserver"
	"trellis/internal/needs"
	"trellis/internal/snapshot"
	"trellis/internal/sqlite"
	"trellis/internal/testkit"
)

// Options say what to start.
type Options struct {
	// DataDir is the data directory served (directory.yaml, taxonomy.yaml,
	// geo/, listings/); it must load without errors.
	DataDir string
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
	// NoDB serves without a referral and account store, as a server
	// whose store is not configured.
	NoDB bool
	// Reload lets POST /api/v1/admin/reload rebuild from DataDir; without
	// it the server acts as one on the embedded data (503).
	Reload bool
	// CountNeeds counts searches for the unmet-needs report into the
	// store (Site.Needs flushes them).
	CountNeeds bool
	// Adjust, when set, changes the wiring's configuration before the
	// server is built: a base URL, trusted proxies, limits, kiosk mode.
	Adjust func(*app.HTTP)
}

// Site is a running server.
type Site struct {
	// URL is the server's base URL, http://127.0.0.1:port.
	URL       string
	Server    *httpserver.Server
	Snapshots *snapshot.Store
	// DB is the SQLite store; nil with Options.NoDB.
	DB *sqlite.DB
	// Needs is the unmet-needs recorder; nil without Options.CountNeeds.
	Needs *needs.Async
	// Logs is everything the server logged, at debug level and up.
	Logs *testkit.Buffer
}

// Start loads opt.DataDir, opens the store and serves until the test
// ends. It fails the test when any of that fails.
func Start(t testing.TB, opt Options) *Site {
	t.Helper()
	ctx := context.Background()
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	store := snapshot.NewStore(os.DirFS(opt.DataDir), now)
	if _, err := store.Reload(ctx); err != nil {
		t.Fatalf("apptest: load %s: %v %v", opt.DataDir, err, store.Status().Errors)
	}
	t.Cleanup(func() {
		if snap := store.Current(); snap != nil {
			snap.Index.Close()
		}
	})
	site := &Site{Snapshots: store, Logs: &testkit.Buffer{}}
	h := app.HTTP{Logger: slog.New(slog.NewTextHandler(site.Logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now: now, Snapshots: store, Build: buildinfo.Info{Version: "test"}}
	if opt.Reload {
		h.Reload = store.Reload
	}
	if !opt.NoDB {
		db, err := sqlite.Open(ctx, t.TempDir())
		if err != nil {
			t.Fatalf("apptest: sqlite.Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		site.DB, h.DB = db, db
		if opt.CountNeeds {
			site.Needs = needs.NewAsync(db, needs.AsyncOptions{FlushEvery: time.Hour})
			t.Cleanup(func() { site.Needs.Close(context.Background()) })
			h.NeedRecorder = site.Needs
		}
	}
	if opt.Adjust != nil {
		opt.Adjust(&h)
	}
	srv, err := app.NewHandler(h)
	if err != nil {
		t.Fatalf("apptest: %v", err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	site.URL, site.Server = hs.URL, srv
	return site
}
