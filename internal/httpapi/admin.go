package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/listings"
	"trellis/internal/snapshot"
)

// adminRoutes are the coordinators' directory routes: reloading the data
// and the freshness report.
func (s *API) adminRoutes(v1 *echo.Group) {
	dir := s.srv.RequireUser(auth.PermDirectory)
	v1.POST("/admin/reload", s.adminReload, dir)
	v1.GET("/reports/stale", s.staleReport, dir)
}

// reloadBody is POST /api/v1/admin/reload's answer when the data loaded.
type reloadBody struct {
	// Status is "reloaded" when a new snapshot was swapped in and
	// "unchanged" when the files are the ones already serving.
	Status           string    `json:"status"`
	Revision         string    `json:"revision"`
	PreviousRevision string    `json:"previous_revision,omitempty"`
	LoadedAt         time.Time `json:"loaded_at"`
	Organizations    int       `json:"organizations"`
	Services         int       `json:"services"`
	BuildMillis      int64     `json:"build_ms"`
}

// adminReload answers POST /api/v1/admin/reload: it rebuilds the snapshot
// from the data files and swaps it in. When the data has errors the
// previous snapshot keeps serving and the answer is 422 with the errors
// (as path:line:col: message) in details.errors.
func (s *API) adminReload(c echo.Context) error {
	if _, err := newParams(c); err != nil {
		return err
	}
	if s.reload == nil {
		return apperr.New(apperr.Unavailable, "this server cannot reload its data: it serves the copy built into the binary")
	}
	prev := ""
	if s.snaps != nil {
		if cur := s.snaps.Current(); cur != nil {
			prev = cur.Revision
		}
	}
	snap, err := s.reload(c.Request().Context())
	if errors.Is(err, snapshot.ErrDataInvalid) {
		st := s.snaps.Status()
		return apperr.New(apperr.Unprocessable, "the data has %d %s; the previous snapshot keeps serving until they are fixed", len(st.Errors), pluralize(len(st.Errors), "error", "errors")).
			With("errors", st.Errors).With("serving_revision", prev)
	}
	if err != nil {
		return err
	}
	body := reloadBody{
		Status: "reloaded", Revision: snap.Revision, PreviousRevision: prev, LoadedAt: snap.LoadedAt,
		Organizations: len(snap.Catalog.Organizations), Services: snap.Catalog.ServiceCount(), BuildMillis: snap.BuildTime.Milliseconds(),
	}
	if snap.Revision == prev {
		body.Status, body.PreviousRevision = "unchanged", ""
	}
	return c.JSON(http.StatusOK, body)
}

// staleReport answers GET /api/v1/reports/stale: the services not
// verified within older_than (days or weeks, "180d"; default the
// directory's stale_after), never verified first, then oldest first.
func (s *API) staleReport(c echo.Context) error {
	p, err := newParams(c, "older_than")
	if err != nil {
		return err
	}
	var age time.Duration
	if v := p.str("older_than"); v != "" {
		if age, err = listings.ParseAge(v); err != nil {
			p.fail("older_than", "%s", err.Error())
		}
	}
	if err := p.check(); err != nil {
		return err
	}
	snap, err := s.snapshot()
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listings.Stale(snap.Catalog, s.now(), age).JSON(nil))
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
