package needs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

func TestArea(t *testing.T) {
	tests := []struct {
		name, zip, fips, want string
	}{
		{"county wins", "20001", "11001", "county:11001"},
		{"ZIP without county", "20001-1234", "", "zip3:200"},
		{"point with county", "", "24031", "county:24031"},
		{"nothing", "", "", ""},
		{"malformed", "2000", "110", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Area(tt.zip, tt.fips); got != tt.want {
				t.Errorf("Area(%q, %q) = %q, want %q", tt.zip, tt.fips, got, tt.want)
			}
		})
	}
}

func TestNeedCheck(t *testing.T) {
	tests := []struct {
		name string
		n    Need
		ok   bool
	}{
		{"full", Need{Category: "housing.emergency-shelter", Area: "county:11001", Channel: ChannelPublic}, true},
		{"unknown category and area", Need{Channel: ChannelAPI}, true},
		{"free text category", Need{Category: "beds for my son", Channel: ChannelPublic}, false},
		{"full ZIP", Need{Area: "zip3:20001", Channel: ChannelPublic}, false},
		{"coordinates", Need{Area: "38.9,-77.0", Channel: ChannelPublic}, false},
		{"no channel", Need{Category: "food"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.n.Check(); (err == nil) != tt.ok {
				t.Errorf("Check(%+v) = %v, want ok %v", tt.n, err, tt.ok)
			}
		})
	}
}

// blockingStore holds every write until released, or fails them.
type blockingStore struct {
	mu      sync.Mutex
	release chan struct{}
	fail    bool
	got     []Count
}

func (s *blockingStore) AddNeeds(ctx context.Context, cs []Count) error {
	if s.release != nil {
		<-s.release
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("database down")
	}
	s.got = append(s.got, cs...)
	return nil
}

func (s *blockingStore) total() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, c := range s.got {
		n += c.N
	}
	return n
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestAsyncDropsWhenFull fills the queue while the store is stuck and
// checks that Record neither blocks nor loses count of what it dropped.
func TestAsyncDropsWhenFull(t *testing.T) {
	st := &blockingStore{release: make(chan struct{})}
	a := NewAsync(st, AsyncOptions{Queue: 4, FlushEvery: time.Hour, Logger: quiet})
	ctx := context.Background()
	n := Need{Day: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), Category: "food", Channel: ChannelPublic}
	// The first flush takes what is queued and blocks in the store; the
	// queue then fills.
	a.Record(ctx, n)
	flushed := make(chan error, 1)
	go func() { flushed <- a.Flush(ctx) }()
	deadline := time.After(10 * time.Second)
	for a.Stats().Dropped == 0 {
		a.Record(ctx, n)
		select {
		case <-deadline:
			t.Fatal("the queue never filled")
		default:
		}
	}
	close(st.release)
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	if err := a.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s := a.Stats()
	if s.Recorded+s.Dropped < 2 || s.Written != s.Recorded || st.total() != s.Recorded {
		t.Errorf("stats %+v, store got %d", s, st.total())
	}
	// A closed recorder drops.
	a.Record(ctx, n)
	if got := a.Stats().Dropped; got != s.Dropped+1 {
		t.Errorf("dropped %d after close, want %d", got, s.Dropped+1)
	}
}

// TestAsyncKeepsCountsWhileStoreFails writes while the store fails and
// checks the counts are written once it works again.
func TestAsyncKeepsCountsWhileStoreFails(t *testing.T) {
	st := &blockingStore{fail: true}
	a := NewAsync(st, AsyncOptions{FlushEvery: time.Hour, Logger: quiet,
		Now: func() time.Time { return time.Date(2026, 3, 4, 23, 30, 0, 0, time.UTC) }})
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		a.Record(ctx, Need{Category: "legal", Channel: ChannelSpecialist})
	}
	if err := a.Flush(ctx); err == nil {
		t.Fatal("Flush succeeded on a failing store")
	}
	st.mu.Lock()
	st.fail = false
	st.mu.Unlock()
	if err := a.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if st.total() != 5 || a.Stats().WriteErrors != 1 {
		t.Fatalf("store got %d, stats %+v; want 5 after one failed write", st.total(), a.Stats())
	}
	if d := st.got[0].Day; !d.Equal(time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("day %v, want the clock's date", d)
	}
}
