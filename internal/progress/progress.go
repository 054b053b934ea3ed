// Package progress shows how long work is getting on: a progress bar on a
// terminal, and on anything else (a log, CI, systemd) a plain line every
// few seconds with the count, the rate and the time left.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Interval is how often a Reporter not on a terminal writes a line.
const Interval = 5 * time.Second

// Reporter counts work done out of a total. Its methods may be called
// from several goroutines. The zero of *Reporter (nil) reports nothing.
type Reporter struct {
	mu    sync.Mutex
	label string
	total int
	done  int
	start time.Time
	last  time.Time
	// bar draws on a terminal; without one, line writes to w.
	bar  *progressbar.ProgressBar
	w    io.Writer
	line func(string)
	now  func() time.Time
}

// New returns a Reporter of total units of work named label ("writing
// listings"), drawing a bar when w is a terminal and writing a line to w
// every Interval otherwise.
func New(w io.Writer, label string, total int) *Reporter {
	r := &Reporter{label: label, total: total, w: w, now: time.Now}
	r.start = r.now()
	r.last = r.start
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		r.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("files"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
	}
	return r
}

// NewFunc returns a Reporter that hands each periodic line to line instead
// of writing it (a server logs it).
func NewFunc(line func(string), label string, total int) *Reporter {
	r := &Reporter{label: label, total: total, line: line, now: time.Now}
	r.start = r.now()
	r.last = r.start
	return r
}

// Add counts n more units done.
func (r *Reporter) Add(n int) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done += n
	if r.bar != nil {
		_ = r.bar.Add(n)
		return
	}
	if now := r.now(); now.Sub(r.last) >= Interval && r.done < r.total {
		r.last = now
		r.emit(r.status(now))
	}
}

// Done ends the report: a terminal's bar is cleared; elsewhere a last line
// says how long the work took.
func (r *Reporter) Done() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.bar != nil {
		_ = r.bar.Finish()
		return
	}
	// A line only when lines were written: short work says nothing.
	if r.last != r.start {
		r.emit(fmt.Sprintf("%s: %d of %d in %s", r.label, r.done, r.total, r.now().Sub(r.start).Round(100*time.Millisecond)))
	}
}

// status is the periodic line: "reading listings: 12000 of 50966 (2400/s,
// about 16s left)".
func (r *Reporter) status(now time.Time) string {
	took := now.Sub(r.start)
	rate := float64(r.done) / took.Seconds()
	s := fmt.Sprintf("%s: %d of %d (%.0f/s", r.label, r.done, r.total, rate)
	if rate > 0 && r.total > r.done {
		left := time.Duration(float64(r.total-r.done) / rate * float64(time.Second))
		s += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return s + ")"
}

func (r *Reporter) emit(s string) {
	if r.line != nil {
		r.line(s)
		return
	}
	fmt.Fprintln(r.w, s)
}
