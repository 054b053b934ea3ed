// Package meetingguide reads Meeting Guide JSON feeds, the open format in
// which AA intergroups and other recovery fellowships publish their weekly
// meetings, and imports them into the data tree as meeting files
// (data/meetings/<source>/<area>.yaml, the format of internal/listings).
//
// A feed is read whole, from a file or an http(s) URL, within a size and a
// time limit, and checked whole before anything is written: a feed that is
// not JSON, has a value of the wrong type, is too big or too slow is
// refused with the reason, and the data tree stays as it was. A good feed
// replaces the source's meeting files: meetings are matched by slug, so a
// re-import reports what was added, changed and removed.
package meetingguide

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"trellis/internal/buildinfo"
)

// Limits of reading a feed.
const (
	// DefaultMaxBytes is the largest feed read: 20 MiB holds tens of
	// thousands of meetings.
	DefaultMaxBytes = 20 << 20
	// DefaultTimeout bounds fetching a feed from a URL, the whole answer
	// included.
	DefaultTimeout = 60 * time.Second
)

// FetchOptions bound reading a feed.
type FetchOptions struct {
	// MaxBytes is the largest feed accepted; 0 means DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds fetching from a URL, answer included; 0 means
	// DefaultTimeout.
	Timeout time.Duration
}

func (o FetchOptions) withDefaults() FetchOptions {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return o
}

// IsURL reports whether feed names an http or https URL rather than a
// file.
func IsURL(feed string) bool {
	return strings.HasPrefix(feed, "http://") || strings.HasPrefix(feed, "https://")
}

// Fetch reads the feed at feed, a file path or an http(s) URL, whole. It
// returns an error that says what went wrong when the file cannot be read,
// the URL is not http(s), the server does not answer 200 OK, the feed is
// larger than opt.MaxBytes, or fetching it takes longer than opt.Timeout.
func Fetch(ctx context.Context, feed string, opt FetchOptions) ([]byte, error) {
	opt = opt.withDefaults()
	if strings.Contains(feed, "://") && !IsURL(feed) {
		return nil, fmt.Errorf("feed %s: only http and https URLs can be fetched (or give a file)", feed)
	}
	if IsURL(feed) {
		return fetchURL(ctx, feed, opt)
	}
	f, err := os.Open(feed)
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", feed, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > opt.MaxBytes {
		return nil, tooBig(feed, st.Size(), opt.MaxBytes)
	}
	return readLimited(feed, f, opt.MaxBytes)
}

func fetchURL(ctx context.Context, feed string, opt FetchOptions) ([]byte, error) {
	u, err := url.Parse(feed)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("feed %s is not a URL", feed)
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, feed, nil)
	if err != nil {
		return nil, fmt.Errorf("feed %s: %w", feed, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "trellis/"+buildinfo.Read().Version+" (trellis import meetings)")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fetchError(ctx, feed, opt, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("feed %s answered %s: expected 200 OK with the feed", feed, resp.Status)
	}
	if resp.ContentLength > opt.MaxBytes {
		return nil, tooBig(feed, resp.ContentLength, opt.MaxBytes)
	}
	data, err := readLimited(feed, resp.Body, opt.MaxBytes)
	if err != nil {
		return nil, fetchError(ctx, feed, opt, err)
	}
	return data, nil
}

// fetchError names a timeout as one, and wraps other failures.
func fetchError(ctx context.Context, feed string, opt FetchOptions, err error) error {
	var big sizeError
	if errors.As(err, &big) {
		return err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("feed %s did not arrive whole within %s: the server is too slow or stalled (--timeout sets the limit)", feed, opt.Timeout)
	}
	return fmt.Errorf("feed %s: %w", feed, err)
}

// sizeError is a feed over the size limit.
type sizeError struct{ msg string }

func (e sizeError) Error() string { return e.msg }

func tooBig(feed string, size, max int64) error {
	return sizeError{fmt.Sprintf("feed %s is %s; the limit is %s (--max-size sets it)", feed, bytesText(size), bytesText(max))}
}

// readLimited reads r whole, or returns a sizeError once it passes max
// bytes.
func readLimited(feed string, r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, sizeError{fmt.Sprintf("feed %s is larger than the limit of %s (--max-size sets it)", feed, bytesText(max))}
	}
	return data, nil
}

// bytesText writes a size for people: 20 MiB, 512 KiB, 300 bytes.
func bytesText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
