package app_test

import (
	"regexp"
	"strconv"
	"testing"

	"trellis/internal/testkit"
)

// TestServeMemoryLimit: once the directory is loaded and its background
// work done, the server logs the live heap it measured and serves under a
// memory limit of 320 MiB, or the live heap plus 64 MiB when that is more.
func TestServeMemoryLimit(t *testing.T) {
	_, logs := serveData(t, testkit.DataDir(t))
	re := regexp.MustCompile(`msg="serving under a memory limit" live_mib=(\d+) limit_mib=(\d+)`)
	var m []string
	eventually(t, "the memory limit to be logged", func() bool {
		m = re.FindStringSubmatch(logs.String())
		return m != nil
	})
	live, _ := strconv.Atoi(m[1])
	limit, _ := strconv.Atoi(m[2])
	if want := max(320, live+64); limit != want {
		t.Errorf("limit %d MiB with %d MiB live, want %d", limit, live, want)
	}
	if live <= 0 || live >= limit {
		t.Errorf("live heap %d MiB under a limit of %d MiB: not measured", live, limit)
	}
}
