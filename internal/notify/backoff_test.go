package notify

import (
	"testing"
	"time"
)

// TestBackoff checks the waits between attempts: doubling from Backoff,
// capped at MaxBackoff, each with at most a tenth added.
func TestBackoff(t *testing.T) {
	w := &Worker{Backoff: 30 * time.Second, MaxBackoff: 10 * time.Minute}
	w.defaults()
	tests := []struct {
		attempt int
		base    time.Duration
	}{
		{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {4, 4 * time.Minute}, {5, 8 * time.Minute},
		{6, 10 * time.Minute}, {50, 10 * time.Minute},
	}
	for _, tc := range tests {
		for range 20 {
			if d := w.delay(tc.attempt); d < tc.base || d > tc.base+tc.base/10 {
				t.Errorf("delay after attempt %d = %v, want %v plus at most a tenth", tc.attempt, d, tc.base)
			}
		}
	}
}
