package httpapi

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/httpserver"
)

// maxJSONBody bounds the JSON bodies of the account, referral and agency
// endpoints; the largest legitimate one (a referral with full notes) is
// well under it.
const maxJSONBody = 64 << 10

// decodeJSON reads the request body into v strictly: the body must be one
// JSON object (Content-Type application/json, or none), member names must
// match v's json tags exactly and appear once, and values must have the
// right types. It returns a TooLarge error (413) for a body over
// maxJSONBody and an Invalid error (400) naming the member at fault
// ("consent.method") for anything else; it never returns an internal
// error for bad input.
func decodeJSON(c echo.Context, v any) error {
	r := c.Request()
	if ct := r.Header.Get(echo.HeaderContentType); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != echo.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
			return apperr.New(apperr.Invalid, "send the body as JSON, with Content-Type: application/json")
		}
	}
	body := http.MaxBytesReader(c.Response(), r.Body, maxJSONBody)
	return jsonError(json.UnmarshalRead(body, v, json.RejectUnknownMembers(true)))
}

// decodeOptionalJSON is decodeJSON for endpoints whose body may be left
// out: an empty body leaves v as it is.
func decodeOptionalJSON(c echo.Context, v any) error {
	r := c.Request()
	if r.ContentLength == 0 || r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	return decodeJSON(c, v)
}

// jsonError maps a decoding error to the error the caller sees.
func jsonError(err error) error {
	if err == nil {
		return nil
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return httpserver.BodyError(err)
	}
	var se *json.SemanticError
	if errors.As(err, &se) {
		field := pointerField(se.JSONPointer)
		if errors.Is(se.Err, json.ErrUnknownName) {
			return apperr.Field(field, "unknown field %q", field)
		}
		if field == "" {
			return apperr.New(apperr.Invalid, "the body must be a JSON object")
		}
		var fe fieldError
		if errors.As(se.Err, &fe) {
			return apperr.Field(field, "%s %s", field, fe.msg)
		}
		want := kindName(se.GoType)
		if se.JSONKind == '0' && (want == "a whole number" || want == "a number") {
			return apperr.Field(field, "%s must be %s within range", field, want)
		}
		return apperr.Field(field, "%s must be %s, not %s", field, want, jsonKind(se.JSONKind))
	}
	var sy *jsontext.SyntacticError
	if errors.As(err, &sy) {
		field := pointerField(sy.JSONPointer)
		switch {
		case errors.Is(sy.Err, io.ErrUnexpectedEOF) && sy.ByteOffset == 0:
			return apperr.New(apperr.Invalid, "the body is empty; send a JSON object")
		case errors.Is(sy.Err, io.ErrUnexpectedEOF):
			return apperr.New(apperr.Invalid, "the body ends before the JSON object does")
		case strings.Contains(sy.Err.Error(), "duplicate"):
			return apperr.Field(field, "field %q is given twice", field)
		}
		if field != "" {
			return apperr.Field(field, "the body is not valid JSON near %s (byte %d)", field, sy.ByteOffset)
		}
		return apperr.New(apperr.Invalid, "the body is not valid JSON (byte %d)", sy.ByteOffset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return apperr.New(apperr.Invalid, "the body is empty; send a JSON object")
	}
	// Anything else is the body failing to arrive (a malformed chunked
	// encoding, a client that stopped sending): the client's doing.
	return httpserver.BodyError(err)
}

// pointerField turns a JSON pointer ("/consent/method") into the dotted
// field name the error envelope uses ("consent.method").
func pointerField(p jsontext.Pointer) string {
	s := strings.TrimPrefix(string(p), "/")
	s = strings.NewReplacer("~1", "/", "~0", "~").Replace(strings.ReplaceAll(s, "/", "."))
	return s
}

// kindName says what a Go type wants, in JSON's words.
func kindName(t reflect.Type) string {
	if t == nil {
		return "a value of another kind"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean (true or false)"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// jsonKind names the JSON value that was sent.
func jsonKind(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return "that"
}

// fieldError is a value that decodes as JSON but not as its field: its
// message follows the field's name.
type fieldError struct{ msg string }

func (e fieldError) Error() string { return e.msg }

// date is a calendar date in a JSON body or query: "2026-12-01" (or an
// RFC 3339 time, whose date is taken). The zero date means none.
type date struct{ time.Time }

// UnmarshalJSON reads a date string; null or "" leave it zero.
func (d *date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fieldError{"must be a date string such as 2026-12-01"}
	}
	t, err := parseDate(s)
	if err != nil {
		return fieldError{err.Error()}
	}
	d.Time = t
	return nil
}

// parseDate reads "2026-12-01" as 00:00 UTC of that day, or an RFC 3339
// time as its own calendar day; "" is the zero time.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, errors.New("must be a date such as 2026-12-01")
}

// instantValue is a point in time in a JSON body: RFC 3339.
type instantValue struct{ time.Time }

// UnmarshalJSON reads an RFC 3339 string; null or "" leave it zero.
func (v *instantValue) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil || s == "" {
		if err == nil {
			return nil
		}
		return fieldError{"must be a time string such as 2026-11-22T19:00:00-05:00"}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return fieldError{"must be an RFC 3339 time such as 2026-11-22T19:00:00-05:00"}
	}
	v.Time = t
	return nil
}

// isForm reports whether the request body is a URL-encoded HTML form.
func isForm(c echo.Context) bool {
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	return mt == echo.MIMEApplicationForm
}

// formValues returns the fields of a URL-encoded form body (never the
// query string), with an Invalid error naming a field that is not in
// allowed or is repeated, and a TooLarge error for a body over
// maxJSONBody.
func formValues(c echo.Context, allowed ...string) (map[string]string, error) {
	r := c.Request()
	r.Body = http.MaxBytesReader(c.Response(), r.Body, maxJSONBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, httpserver.BodyError(err)
		}
		return nil, apperr.New(apperr.Invalid, "the form body cannot be read: it ended early or is not URL-encoded")
	}
	out := map[string]string{}
	for k, vs := range r.PostForm {
		if !contains(allowed, k) {
			return nil, apperr.Field(k, "unknown field %q; this form takes: %s", k, strings.Join(allowed, ", "))
		}
		if len(vs) > 1 {
			return nil, apperr.Field(k, "field %q is given %d times", k, len(vs))
		}
		out[k] = vs[0]
	}
	return out, nil
}
