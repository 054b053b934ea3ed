// Package apperr is Trellis's one error type for failures a caller should
// see: a code the HTTP layer maps to a status, a message that is safe to
// show, and the request field at fault. Any other error reaching the HTTP
// layer is internal: it is logged and answered with a generic message.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the caller.
type Code string

// The error codes and the HTTP statuses they stand for.
const (
	Invalid         Code = "invalid"         // 400: malformed request or parameter
	Unprocessable   Code = "unprocessable"   // 422: well formed but not acceptable
	NotFound        Code = "not_found"       // 404
	Conflict        Code = "conflict"        // 409: e.g. a status move the machine forbids
	Unauthenticated Code = "unauthenticated" // 401: no or bad credentials
	Forbidden       Code = "forbidden"       // 403: signed in, not allowed
	Gone            Code = "gone"            // 410: existed, ended for good (a revoked link)
	TooLarge        Code = "too_large"       // 413
	RateLimited     Code = "rate_limited"    // 429
	Unavailable     Code = "unavailable"     // 503: e.g. data not loaded yet
	Internal        Code = "internal"        // 500: never carries details
)

// Error is a failure with a code, a message safe to show to the caller, and
// optionally the field at fault and extra details (e.g. allowed next
// states).
type Error struct {
	Code    Code
	Message string
	Field   string
	Details map[string]any
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// New returns an error with code and message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error about a request field.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e carrying a detail.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// CodeOf returns the code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
