package httpserver

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
)

// ErrorBody is the one JSON error envelope every endpoint answers with:
// {"error": {"code": "invalid", "message": "...", "field": "near"}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of the envelope.
type ErrorDetail struct {
	Code    apperr.Code    `json:"code"`
	Message string         `json:"message"`
	Field   string         `json:"field,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// ErrorPages draws errors as pages, for requests that want a page rather
// than the JSON envelope.
type ErrorPages interface {
	// ErrorPage writes the page for an error with status and detail. It
	// returns an error when it cannot, and the envelope goes out as JSON
	// instead.
	ErrorPage(c echo.Context, status int, e ErrorDetail) error
}

var statusOf = map[apperr.Code]int{
	apperr.Invalid:         http.StatusBadRequest,
	apperr.Unprocessable:   http.StatusUnprocessableEntity,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
	apperr.Gone:            http.StatusGone,
	apperr.TooLarge:        http.StatusRequestEntityTooLarge,
	apperr.RateLimited:     http.StatusTooManyRequests,
	apperr.Unavailable:     http.StatusServiceUnavailable,
	apperr.Internal:        http.StatusInternalServerError,
}

var codeOfStatus = map[int]apperr.Code{}

func init() {
	for c, s := range statusOf {
		codeOfStatus[s] = c
	}
	codeOfStatus[http.StatusMethodNotAllowed] = apperr.Invalid
}

// StatusOf returns the HTTP status for an error code.
func StatusOf(c apperr.Code) int {
	if s, ok := statusOf[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// RetryAfter returns the whole seconds a rate-limited error (429) asks
// the client to wait, and false for any other error.
func RetryAfter(err error) (int, bool) {
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.RateLimited {
		return 0, false
	}
	n, ok := ae.Details["retry_after"].(int)
	return n, ok && n > 0
}

// SetRetryAfter sets the Retry-After header when err is a rate-limited
// error that says how long to wait.
func SetRetryAfter(c echo.Context, err error) {
	if n, ok := RetryAfter(err); ok {
		c.Response().Header().Set("Retry-After", strconv.Itoa(n))
	}
}

// errorEnvelope turns any error into a status and the JSON envelope. Errors
// that are neither *apperr.Error nor *echo.HTTPError are internal: the
// caller gets a generic message, the log gets the cause.
func errorEnvelope(err error) (int, ErrorBody, bool) {
	if e := apperr.As(err); e != nil {
		return StatusOf(e.Code), ErrorBody{ErrorDetail{Code: e.Code, Message: e.Message, Field: e.Field, Details: e.Details}}, e.Code == apperr.Internal
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		code, ok := codeOfStatus[he.Code]
		if !ok {
			code = apperr.Invalid
			if he.Code >= 500 {
				code = apperr.Internal
			}
		}
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			msg = m
		}
		switch he.Code {
		case http.StatusNotFound:
			msg = "no such page or endpoint"
		case http.StatusMethodNotAllowed:
			msg = "method not allowed on this endpoint"
		case http.StatusRequestEntityTooLarge:
			msg = "request body too large"
		}
		status := he.Code
		if status >= 500 {
			msg = "internal error"
		}
		return status, ErrorBody{ErrorDetail{Code: code, Message: msg}}, he.Code >= 500
	}
	return http.StatusInternalServerError, ErrorBody{ErrorDetail{Code: apperr.Internal, Message: "internal error"}}, true
}

// handleError is Echo's HTTPErrorHandler, the one way every failure
// leaves: as a page for a browser's request outside the APIs (when the
// server has ErrorPages), as the JSON envelope otherwise. Internal errors
// are logged with the route but never with the query or body, which may
// hold personal data.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body, internal := errorEnvelope(err)
	if internal {
		s.log.Error("request failed", "method", c.Request().Method, "route", c.Path(), "err", err)
	}
	SetRetryAfter(c, err)
	if s.pages != nil && !isAPI(c.Request().URL.Path) {
		if perr := s.pages.ErrorPage(c, status, body.Error); perr == nil {
			return
		} else if !c.Response().Committed {
			s.log.Error("drawing an error page failed; answering with JSON", "route", c.Path(), "err", perr)
		}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="trellis"`)
	}
	// The envelope goes out with its length, so that a client can read
	// it while the server still drains what it sends (limitBody).
	b, err := json.Marshal(body)
	if err != nil {
		s.log.Error("encoding error response", "err", err)
		b = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	b = append(b, '\n')
	c.Response().Header().Set(echo.HeaderContentLength, strconv.Itoa(len(b)))
	if werr := c.Blob(status, echo.MIMEApplicationJSON, b); werr != nil {
		s.log.Warn("writing error response", "err", werr)
	}
}
