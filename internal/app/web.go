package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"trellis/internal/auth"
	"trellis/internal/buildinfo"
	"trellis/internal/directory"
	"trellis/internal/httpapi"
	"trellis/internal/httpserver"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/snapshot"
	"trellis/internal/webui"
)

// WebConfig configures the web pages `trellis serve` adds to the API.
type WebConfig struct {
	// Kiosk turns on kiosk mode for a shared public screen: large text, a
	// high-contrast switch, posted forms that keep searches out of the
	// browser's history, and a reset to the start page after KioskIdle.
	Kiosk bool
	// KioskIdle is how long a kiosk page waits without input before it
	// starts over.
	KioskIdle time.Duration
	// KioskNear is where the kiosk stands, a ZIP code or "lat,lon":
	// searches without a ZIP code are measured from it.
	KioskNear string
	// MapTiles is a tile URL template with {z}, {x} and {y} of a tile
	// server the deployment runs itself, drawn under the pages' maps;
	// empty (the default) draws them from the bundled outlines alone, so
	// no page loads anything from another host. MapAttribution is the
	// credit the tiles need.
	MapTiles       string
	MapAttribution string
}

// Limits on --kiosk-idle: shorter resets people mid-read, longer leaves a
// search on screen for the next person.
const (
	minKioskIdle = 20 * time.Second
	maxKioskIdle = time.Hour
)

// flags adds --kiosk, --kiosk-idle and --kiosk-near to fs.
func (c *WebConfig) flags(fs *flag.FlagSet) {
	if c.KioskIdle == 0 {
		c.KioskIdle = webui.DefaultKioskIdle
	}
	fs.BoolVar(&c.Kiosk, "kiosk", c.Kiosk, "kiosk mode for a shared public screen: large text, high-contrast switch, no browser history of searches, start over after --kiosk-idle")
	fs.Var(durationValue{&c.KioskIdle}, "kiosk-idle", "in kiosk mode, how long a page waits without input before it starts over (20s to 1h)")
	fs.StringVar(&c.KioskNear, "kiosk-near", c.KioskNear, "where the kiosk stands, a ZIP code or lat,lon: searches without a ZIP code are measured from it, and the kiosk offers no \"use my location\"")
	fs.StringVar(&c.MapTiles, "map-tiles", c.MapTiles, "tile URL template of a tile server you run, e.g. https://tiles.example.org/{z}/{x}/{y}.png, drawn under the maps (default: maps drawn on the server from the bundled outlines, nothing loaded from elsewhere; the tile server learns which area each map shows)")
	fs.StringVar(&c.MapAttribution, "map-attribution", c.MapAttribution, "credit shown under maps drawn on --map-tiles, e.g. \"© OpenStreetMap contributors\"")
}

// check validates the web flags. It returns a usage error naming the
// flag.
func (c *WebConfig) check() error {
	if c.KioskIdle < minKioskIdle || c.KioskIdle > maxKioskIdle {
		return usageError{fmt.Sprintf("--kiosk-idle %s: want between %s and %s", c.KioskIdle, minKioskIdle, maxKioskIdle)}
	}
	if c.MapTiles != "" {
		if _, err := webui.TileOrigin(c.MapTiles); err != nil {
			return usageError{"--map-tiles: " + err.Error()}
		}
	}
	if c.MapAttribution != "" && c.MapTiles == "" {
		return usageError{"--map-attribution needs --map-tiles"}
	}
	return nil
}

// proxiesValue is --trusted-proxies: CIDR ranges or addresses, comma
// separated.
type proxiesValue struct{ p *[]netip.Prefix }

func (v proxiesValue) String() string {
	if v.p == nil {
		return ""
	}
	var parts []string
	for _, p := range *v.p {
		parts = append(parts, p.String())
	}
	return strings.Join(parts, ",")
}

func (v proxiesValue) Set(s string) error {
	ps, err := httpserver.ParseProxies(s)
	if err != nil {
		return err
	}
	*v.p = ps
	return nil
}

// HTTP is what the HTTP side of `trellis serve` is built from: Main.Open
// fills it from the configuration, and the tests' harness (apptest) from
// theirs, so that both serve the same wiring.
type HTTP struct {
	Logger    *slog.Logger
	Now       func() time.Time
	Snapshots httpserver.Snapshots
	Build     buildinfo.Info
	// Reload rebuilds the directory for POST /api/v1/admin/reload; nil
	// answers 503 (a server on the embedded data).
	Reload func(context.Context) (*snapshot.Snapshot, error)
	// DB keeps referrals, accounts and the unmet-needs counts; nil serves
	// the directory alone (the workspace and the referral API answer 503).
	DB Store
	// NeedRecorder counts searches into DB's unmet-needs report; nil
	// counts nothing.
	NeedRecorder needs.Recorder

	BaseURL        string
	TrustedProxies []netip.Prefix
	LinkTTL        time.Duration
	Sessions       auth.SessionConfig
	SignIn         auth.GuardConfig
	// SearchRate limits searches per client address a second (see
	// httpserver.Options.SearchRate); negative turns the limit off.
	SearchRate float64
	Web        WebConfig
	// PeerRefPattern is the deployment's pattern for its own client ids,
	// accepted as peer references beside the pseudonyms Trellis issues;
	// nil accepts issued pseudonyms only.
	PeerRefPattern *regexp.Regexp
	// Notify, when set, emails the receiving agency each new referral's
	// link through the store's outbox; nil sends no email.
	Notify *referral.Notify
	// Organization is the referring organization, named to agencies on
	// their referral page and on the peer's slip.
	Organization string
	// ReferralMetrics counts referrals created and their status changes
	// on /metrics; nil makes new counters.
	ReferralMetrics *httpserver.ReferralMetrics
}

// NewHandler builds the server every request goes through: the HTTP
// platform, the referral service (once, for both front ends), the JSON
// API and the pages beside it. It returns an error when the embedded
// templates do not parse.
func NewHandler(h HTTP) (*httpserver.Server, error) {
	var refs *referral.Service
	rm := h.ReferralMetrics
	if rm == nil {
		rm = httpserver.NewReferralMetrics()
	}
	if h.DB != nil {
		refs = &referral.Service{Store: rm.Store(h.DB), Now: h.Now, LinkTTL: h.LinkTTL, Catalog: catalogOf(h.Snapshots),
			PeerRefPattern: h.PeerRefPattern, Notify: h.Notify, Organization: h.Organization, WorkContact: workContact(h.DB)}
	}
	uiOpt := webui.Options{Kiosk: h.Web.Kiosk, KioskIdle: h.Web.KioskIdle, Referrals: refs, Reload: h.Reload,
		MapTiles: h.Web.MapTiles, MapAttribution: h.Web.MapAttribution}
	if h.DB != nil {
		uiOpt.Lists = h.DB
	}
	if near := h.Web.KioskNear; near != "" {
		var snap *snapshot.Snapshot
		if h.Snapshots != nil {
			snap = h.Snapshots.Current()
		}
		if snap == nil {
			return nil, fmt.Errorf("--kiosk-near %s: the directory is not loaded", near)
		}
		pl, err := snap.Places.ParsePlace(near)
		if err != nil {
			return nil, usageError{fmt.Sprintf("--kiosk-near %q: %v", near, err)}
		}
		uiOpt.Near = &pl
	}
	if h.DB != nil {
		uiOpt.Reports = h.DB
	}
	ui, err := webui.New(uiOpt)
	if err != nil {
		return nil, err
	}
	opt := httpserver.Options{Logger: h.Logger, Snapshots: h.Snapshots, Now: h.Now, Build: h.Build,
		BaseURL: h.BaseURL, TrustedProxies: h.TrustedProxies, Sessions: h.Sessions, SignIn: h.SignIn,
		SearchRate: h.SearchRate, NeedRecorder: h.NeedRecorder, Pages: ui, Referrals: rm}
	apiOpt := httpapi.Options{Reload: h.Reload, Referrals: refs}
	if h.DB != nil {
		opt.Accounts, opt.Outbox = h.DB, h.DB
		apiOpt.NeedStore, apiOpt.Outcomes = h.DB, h.DB
	}
	srv := httpserver.New(opt)
	httpapi.New(apiOpt).Register(srv)
	ui.Register(srv)
	return srv, nil
}

// workContact returns the work email the agency's page gives for a
// specialist: their account's email, none for an account disabled (the
// person has left) or unknown.
func workContact(db auth.Store) func(context.Context, string) (string, error) {
	return func(ctx context.Context, id string) (string, error) {
		u, err := db.User(ctx, id)
		switch {
		case errors.Is(err, auth.ErrNotFound):
			return "", nil
		case err != nil:
			return "", err
		case u.Disabled():
			return "", nil
		}
		return u.Email, nil
	}
}

// catalogOf returns the catalog the referral service checks referrals
// against: the snapshot being served.
func catalogOf(snaps httpserver.Snapshots) func() *directory.Catalog {
	return func() *directory.Catalog {
		if snaps == nil {
			return nil
		}
		if snap := snaps.Current(); snap != nil {
			return snap.Catalog
		}
		return nil
	}
}
