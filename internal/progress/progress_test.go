package progress

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLines: off a terminal, a line every Interval with the count, the
// rate and the time left, and a last line with the time taken; nothing
// for work that ends within the first interval.
func TestLines(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "reading listings", 100)
	clock := r.start
	r.now = func() time.Time { return clock }
	for i := range 100 {
		clock = clock.Add(100 * time.Millisecond) // 10 a second
		r.Add(1)
		if i == 49 {
			if got := buf.String(); !strings.Contains(got, "reading listings: 50 of 100 (10/s, about 5s left)") {
				t.Errorf("after 5 s: %q", got)
			}
		}
	}
	r.Done()
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || lines[1] != "reading listings: 100 of 100 in 10s" {
		t.Errorf("lines: %q", lines)
	}

	buf.Reset()
	quick := New(&buf, "quick", 10)
	quick.Add(10)
	quick.Done()
	if buf.Len() != 0 {
		t.Errorf("short work wrote %q", buf.String())
	}
}

// TestConcurrentAdd: counts from many goroutines all arrive.
func TestConcurrentAdd(t *testing.T) {
	var got []string
	var mu sync.Mutex
	r := NewFunc(func(s string) { mu.Lock(); got = append(got, s); mu.Unlock() }, "x", 8000)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				r.Add(1)
			}
		})
	}
	wg.Wait()
	if r.done != 8000 {
		t.Errorf("done %d", r.done)
	}
	var nilR *Reporter
	nilR.Add(1)
	nilR.Done()
}
