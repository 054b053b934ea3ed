// Package httpapi is Trellis's JSON API: the routes under /api/v1, the
// Open Referral HSDS API under /hsds/ and the OpenAPI document. It
// registers its routes on the shared HTTP platform (package httpserver),
// which answers errors with the JSON envelope, guards the routes that need
// a signed-in user and counts searches; the web pages are a sibling on the
// same platform.
package httpapi

import (
	"context"
	"strings"
	"time"

	"trellis/internal/httpserver"
	"trellis/internal/needs"
	"trellis/internal/referral"
	"trellis/internal/snapshot"
)

// Options configure the API.
type Options struct {
	// Reload rebuilds the directory from its files and swaps it in, as
	// snapshot.Store.Reload does, for POST /api/v1/admin/reload; nil (a
	// server on the embedded data) answers 503.
	Reload func(context.Context) (*snapshot.Snapshot, error)
	// Referrals is the referral service; when nil, the referral and agency
	// routes answer 503.
	Referrals *referral.Service
	// AgencyPath is the path, below the server's base URL, of the page
	// the agency opens, followed by the token; empty means the API's
	// /api/v1/agency/.
	AgencyPath string
	// NeedStore answers GET /api/v1/reports/unmet-needs; nil answers 503.
	NeedStore needs.Store
	// Outcomes answers GET /api/v1/reports/referrals; nil answers 503.
	Outcomes referral.OutcomeStore
}

// API is the set of API handlers. Create it with New and add its routes
// to a server with Register.
type API struct {
	srv        *httpserver.Server
	snaps      httpserver.Snapshots
	now        func() time.Time
	reload     func(context.Context) (*snapshot.Snapshot, error)
	refs       *referral.Service
	agencyPath string
	needStore  needs.Store
	outcomes   referral.OutcomeStore
}

// New returns the API for opt.
func New(opt Options) *API {
	s := &API{reload: opt.Reload, refs: opt.Referrals, agencyPath: opt.AgencyPath, needStore: opt.NeedStore, outcomes: opt.Outcomes}
	if s.agencyPath == "" {
		s.agencyPath = "/api/v1/agency/"
	}
	if !strings.HasSuffix(s.agencyPath, "/") {
		s.agencyPath += "/"
	}
	return s
}

// Register adds the API's routes to srv.
func (s *API) Register(srv *httpserver.Server) {
	s.srv, s.snaps, s.now = srv, srv.Snapshots(), srv.Now
	v1 := srv.Echo().Group("/api/v1")
	v1.GET("/openapi.json", s.openAPI)
	v1.GET("/search", s.search, srv.SearchLimit())
	v1.GET("/services/:id", s.service)
	v1.GET("/organizations/:id", s.organization)
	v1.GET("/taxonomy", s.taxonomy)
	s.matchRoutes(v1)
	s.accountRoutes(v1)
	s.referralRoutes(v1)
	s.agencyRoutes(v1)
	s.reportRoutes(v1)
	s.hsdsRoutes(srv.Echo())
	s.adminRoutes(v1)
}

// snapshot returns the snapshot to answer from, or an Unavailable error
// before the first load.
func (s *API) snapshot() (*snapshot.Snapshot, error) { return s.srv.Snapshot() }
