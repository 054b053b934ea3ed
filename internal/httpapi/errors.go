package httpapi

import (
	"errors"
	"log/slog"
	"net/http"

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

var statusOf = map[apperr.Code]int{
	apperr.Invalid:         http.StatusBadRequest,
	apperr.Unprocessable:   http.StatusUnprocessableEntity,
	apperr.NotFound:        http.StatusNotFound,
	apperr.Conflict:        http.StatusConflict,
	apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.Forbidden:       http.StatusForbidden,
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

// errorHandler is Echo's HTTPErrorHandler: every failure leaves as the JSON
// envelope (or, for HTML pages, through the page error hook), internal ones
// are logged with the route but never with the query or body, which may
// hold personal data.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	status, body, internal := errorEnvelope(err)
	if internal {
		s.log.Error("request failed", "method", c.Request().Method, "route", c.Path(), "err", err)
	}
	if s.pageErrors != nil && wantsHTML(c) {
		if herr := s.pageErrors(c, status, body.Error); herr == nil {
			return
		}
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	if status == http.StatusUnauthorized {
		c.Response().Header().Set("WWW-Authenticate", `Bearer realm="trellis"`)
	}
	if werr := c.JSON(status, body); werr != nil {
		s.log.Warn("writing error response", "err", werr)
	}
}

// wantsHTML reports whether the request is for a page rather than the API.
func wantsHTML(c echo.Context) bool {
	p := c.Request().URL.Path
	if len(p) >= 5 && p[:5] == "/api/" || len(p) >= 6 && p[:6] == "/hsds/" {
		return false
	}
	return true
}

// logAttrs is the safe part of a request for logs.
func logAttrs(c echo.Context) []any {
	return []any{slog.String("method", c.Request().Method), slog.String("route", c.Path())}
}
