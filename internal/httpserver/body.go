package httpserver

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
)

// Body limits. No Trellis request needs more than MaxBody; handlers may
// read less (the JSON endpoints take 64 KiB).
const (
	// MaxBody bounds every request body.
	MaxBody = 1 << 20
	// drainMax and drainTime bound how much of a refused body, and for
	// how long, the server reads and throws away after answering, so that
	// a client still sending reads the answer instead of a reset.
	drainMax  = 32 << 20
	drainTime = 10 * time.Second
)

// BodyError returns the error to answer when reading the request body
// failed with err: TooLarge (413) for a body past a limit, Invalid (400)
// for anything else (a malformed chunked encoding, a client that stopped
// sending). A body that cannot be read is the client's doing, so it is
// never an internal error, and it returns nil for nil.
func BodyError(err error) error {
	if err == nil {
		return nil
	}
	if ae := apperr.As(err); ae != nil {
		return ae
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apperr.New(apperr.TooLarge, "request body too large: at most %s", sizeText(tooBig.Limit))
	}
	return apperr.New(apperr.Invalid, "the request body could not be read: it ended early or its encoding is malformed")
}

// sizeText says a byte count in KiB or MiB.
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}

// limitedBody is a request body cut off at a limit, which remembers how
// it ended.
type limitedBody struct {
	r    io.ReadCloser
	left int64
	// read is set once a handler reads; eof once the body has ended.
	read, eof bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	b.read = true
	if b.left <= 0 {
		return 0, &http.MaxBytesError{Limit: MaxBody}
	}
	if int64(len(p)) > b.left {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	if int64(n) > b.left {
		n = int(b.left)
		b.left = 0
		return n, &http.MaxBytesError{Limit: MaxBody}
	}
	b.left -= int64(n)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

// limitBody bounds request bodies at MaxBody (413 for more) and, after
// the answer is written and sent, reads and drops what the client still
// sends, up to drainMax. Go's server would otherwise close the connection
// on a client that sends its whole request before reading the answer
// (Python's http.client does), which then sees "connection reset" instead
// of the 413.
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
			return next(c)
		}
		rc := http.NewResponseController(c.Response())
		// The handler's answer goes out before the rest of the body is
		// read, here, instead of the server discarding it first.
		_ = rc.EnableFullDuplex()
		body := &limitedBody{r: r.Body, left: MaxBody}
		r.Body = body
		var err error
		if r.ContentLength > MaxBody {
			err = apperr.New(apperr.TooLarge, "request body too large: at most %s", sizeText(MaxBody))
		} else {
			err = next(c)
		}
		if err != nil {
			c.Error(err)
		}
		if body.eof {
			return nil
		}
		// A client that asked to be told to continue, and was not, sends
		// nothing more: there is nothing to drain.
		if strings.EqualFold(r.Header.Get("Expect"), "100-continue") && !body.read {
			return nil
		}
		// An answer whose length is known goes out now: a client that
		// reads while it sends (curl) sees it, stops sending and closes,
		// which ends the draining. Any other answer goes out when the
		// handler returns, so that it gets a length rather than a chunked
		// body whose end would wait for the draining.
		if c.Response().Header().Get(echo.HeaderContentLength) != "" {
			_ = rc.Flush()
		}
		_ = rc.SetReadDeadline(time.Now().Add(drainTime))
		_, _ = io.CopyN(io.Discard, body.r, drainMax)
		_ = rc.SetReadDeadline(time.Time{})
		return nil
	}
}
