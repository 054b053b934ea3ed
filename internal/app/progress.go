package app

import (
	"log/slog"
	"sync"

	"trellis/internal/progress"
)

// logProgress returns a progress hook of the server's snapshot store:
// while long work runs, a log line msg every progress.Interval says how
// many of its units (label, e.g. "listing files read") are done, at what
// rate and how long is left. The hook is told (0, total) first, then how
// many are done so far, from any goroutine.
func logProgress(log *slog.Logger, msg, label string) func(done, total int) {
	var mu sync.Mutex
	var r *progress.Reporter
	last := 0
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case done == 0:
			r, last = progress.NewFunc(func(s string) { log.Info(msg, "progress", s) }, label, total), 0
		case r != nil:
			if done > last {
				r.Add(done - last)
				last = done
			}
			if done >= total {
				r.Done()
				r = nil
			}
		}
	}
}
