package app

import (
	"log/slog"
	"sync"

	"trellis/internal/progress"
)

// loadProgress returns the progress hook of the server's snapshot store:
// while a large directory loads, a log line every progress.Interval says
// how many listing files are read and how long is left.
func loadProgress(log *slog.Logger) func(done, total int) {
	var mu sync.Mutex
	var r *progress.Reporter
	return func(done, total int) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case done == 0:
			r = progress.NewFunc(func(s string) { log.Info("loading the directory", "progress", s) }, "listing files read", total)
		case r != nil:
			r.Add(1)
			if done == total {
				r.Done()
				r = nil
			}
		}
	}
}
