package httpserver

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers 200 while the process serves requests, with the build.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"status": "ok", "version": s.build.Version, "revision": s.build.Revision})
}

// readyBody is /readyz's answer.
type readyBody struct {
	Status string `json:"status"` // "ready", "degraded" or "unavailable"
	// Snapshot describes the data being served.
	Snapshot *snapshotInfo `json:"snapshot,omitempty"`
	// Reload is the outcome of the last reload when it failed: the old
	// snapshot keeps serving.
	Reload *reloadInfo `json:"reload,omitempty"`
}

type snapshotInfo struct {
	Revision      string    `json:"revision"`
	LoadedAt      time.Time `json:"loaded_at"`
	Organizations int       `json:"organizations"`
	Services      int       `json:"services"`
	Documents     int       `json:"documents"`
	BuildMillis   int64     `json:"build_ms"`
}

type reloadInfo struct {
	Attempted time.Time `json:"attempted"`
	Errors    []string  `json:"errors,omitempty"`
	Failure   string    `json:"failure,omitempty"`
	Failures  int       `json:"failures"`
}

// readyz answers 200 when a snapshot is serving ("degraded" with the
// errors when the last reload failed and an older snapshot still serves)
// and 503 before the first load.
func (s *Server) readyz(c echo.Context) error {
	body := readyBody{Status: "unavailable"}
	code := http.StatusServiceUnavailable
	if s.snaps != nil {
		if snap := s.snaps.Current(); snap != nil {
			body.Status, code = "ready", http.StatusOK
			body.Snapshot = &snapshotInfo{
				Revision: snap.Revision, LoadedAt: snap.LoadedAt,
				Organizations: len(snap.Catalog.Organizations), Services: snap.Catalog.ServiceCount(),
				Documents: snap.Index.DocCount(), BuildMillis: snap.BuildTime.Milliseconds(),
			}
		}
		if st := s.snaps.Status(); !st.Attempted.IsZero() && !st.OK {
			if body.Status == "ready" {
				body.Status = "degraded"
			}
			body.Reload = &reloadInfo{Attempted: st.Attempted, Errors: st.Errors, Failure: st.Failure, Failures: st.Failures}
		}
	}
	return c.JSON(code, body)
}
