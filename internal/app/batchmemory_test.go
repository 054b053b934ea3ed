package app

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestBatchMemory: an import or export runs at serveGCPercent under
// serveMemoryLimit, and what batchMemory returns puts back what was set
// before, so that a command run in-process leaves the process as it was.
func TestBatchMemory(t *testing.T) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		t.Skip("GOGC or GOMEMLIMIT is set: batchMemory leaves them")
	}
	prevGC := debug.SetGCPercent(123)
	prevLimit := debug.SetMemoryLimit(1 << 40)
	t.Cleanup(func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prevLimit)
	})
	restore := batchMemory()
	if gc := debug.SetGCPercent(-1); gc != serveGCPercent {
		t.Errorf("GC percent %d during a batch command, want %d", gc, serveGCPercent)
	}
	debug.SetGCPercent(serveGCPercent)
	if limit := debug.SetMemoryLimit(-1); limit != serveMemoryLimit {
		t.Errorf("memory limit %d during a batch command, want %d", limit, serveMemoryLimit)
	}
	restore()
	if gc := debug.SetGCPercent(-1); gc != 123 {
		t.Errorf("GC percent %d after, want 123 back", gc)
	}
	debug.SetGCPercent(123)
	if limit := debug.SetMemoryLimit(-1); limit != 1<<40 {
		t.Errorf("memory limit %d after, want %d back", limit, int64(1<<40))
	}
}
