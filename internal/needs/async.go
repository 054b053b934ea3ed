package needs

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Adder is the write side of a Store.
type Adder interface {
	AddNeeds(ctx context.Context, counts []Count) error
}

// AsyncOptions configure an Async recorder.
type AsyncOptions struct {
	// Queue is how many needs may wait to be counted; when it is full,
	// Record drops the need and counts the drop. 0 means 4096.
	Queue int
	// FlushEvery is how often the counts are written; 0 means 5 s.
	FlushEvery time.Duration
	// MaxKeys bounds the distinct (day, category, area, channel, found)
	// keys held while the store cannot be written; beyond it the counts
	// are dropped (and counted). 0 means 10000.
	MaxKeys int
	// Now is the clock for needs without a day; nil means time.Now.
	Now func() time.Time
	// Logger reports write failures and drops; nil means slog.Default.
	Logger *slog.Logger
}

// Stats are an Async recorder's counters since it started.
type Stats struct {
	// Recorded counts the needs taken.
	Recorded int64 `json:"recorded"`
	// Dropped counts the needs lost: queue full, invalid, or held too
	// long while the store failed.
	Dropped int64 `json:"dropped"`
	// Written counts the needs written to the store.
	Written int64 `json:"written"`
	// WriteErrors counts failed writes (their counts are retried).
	WriteErrors int64 `json:"write_errors"`
	// Queued is how many needs wait in the queue now, not yet summed.
	Queued int64 `json:"queued"`
}

type key struct {
	day      time.Time
	category string
	area     string
	channel  Channel
	found    bool
}

// Async is a Recorder that never blocks: Record puts the need on a
// bounded queue, and one goroutine sums the queue into counts and adds
// them to the store every FlushEvery (and on Close). When the queue is
// full the need is dropped and counted in Stats. Create it with NewAsync;
// its methods are safe for concurrent use.
type Async struct {
	store    Adder
	queue    chan Need
	every    time.Duration
	maxKeys  int
	now      func() time.Time
	log      *slog.Logger
	stop     chan struct{}
	done     chan struct{}
	closing  sync.Once
	flushReq chan chan error

	recorded, dropped, written, writeErrors atomic.Int64
	// lastErr is the last write's outcome; only run writes it, Close
	// reads it after run ends.
	lastErr error
}

// NewAsync starts a recorder writing to store. Close it to write what is
// pending.
func NewAsync(store Adder, opt AsyncOptions) *Async {
	if opt.Queue <= 0 {
		opt.Queue = 4096
	}
	if opt.FlushEvery <= 0 {
		opt.FlushEvery = 5 * time.Second
	}
	if opt.MaxKeys <= 0 {
		opt.MaxKeys = 10000
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	a := &Async{store: store, queue: make(chan Need, opt.Queue), every: opt.FlushEvery, maxKeys: opt.MaxKeys,
		now: opt.Now, log: opt.Logger, stop: make(chan struct{}), done: make(chan struct{}),
		flushReq: make(chan chan error)}
	go a.run()
	return a
}

// Record queues n, or drops it when the queue is full, the recorder is
// closed, or n fails Check. It never blocks.
func (a *Async) Record(_ context.Context, n Need) {
	if n.Check() != nil {
		a.dropped.Add(1)
		return
	}
	if n.Day.IsZero() {
		n.Day = a.now().UTC()
	}
	n.Day = Date(n.Day)
	select {
	case <-a.stop:
		a.dropped.Add(1)
		return
	default:
	}
	select {
	case a.queue <- n:
		a.recorded.Add(1)
	default:
		a.dropped.Add(1)
	}
}

// Stats returns the counters.
func (a *Async) Stats() Stats {
	return Stats{Recorded: a.recorded.Load(), Dropped: a.dropped.Load(), Written: a.written.Load(), WriteErrors: a.writeErrors.Load(),
		Queued: int64(len(a.queue))}
}

// Flush writes everything queued so far and returns the store's error. It
// returns an error if the recorder is closed or ctx ends first.
func (a *Async) Flush(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case a.flushReq <- reply:
	case <-a.done:
		return errors.New("needs: recorder closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops taking needs, writes what is pending and returns the last
// write's error. It waits at most until ctx ends.
func (a *Async) Close(ctx context.Context) error {
	a.closing.Do(func() { close(a.stop) })
	select {
	case <-a.done:
		return a.lastErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *Async) run() {
	defer close(a.done)
	pending := map[key]int64{}
	tick := time.NewTicker(a.every)
	defer tick.Stop()
	var loggedDrops int64
	take := func(n Need) {
		k := key{n.Day, n.Category, n.Area, n.Channel, n.Found}
		if _, ok := pending[k]; !ok && len(pending) >= a.maxKeys {
			a.dropped.Add(1)
			return
		}
		pending[k]++
	}
	drain := func() {
		for {
			select {
			case n := <-a.queue:
				take(n)
			default:
				return
			}
		}
	}
	for {
		select {
		case n := <-a.queue:
			take(n)
		case <-tick.C:
			a.lastErr = a.write(pending)
			if d := a.dropped.Load(); d > loggedDrops {
				a.log.Warn("unmet needs: searches not counted (queue full, store failing or invalid)", "since_last", d-loggedDrops, "total", d)
				loggedDrops = d
			}
		case reply := <-a.flushReq:
			drain()
			err := a.write(pending)
			a.lastErr = err
			reply <- err
		case <-a.stop:
			drain()
			a.lastErr = a.write(pending)
			return
		}
	}
}

// write adds the pending counts to the store and clears them; on failure
// they stay pending for the next write.
func (a *Async) write(pending map[key]int64) error {
	if len(pending) == 0 {
		return nil
	}
	counts := make([]Count, 0, len(pending))
	var total int64
	for k, n := range pending {
		counts = append(counts, Count{Day: k.day, Category: k.category, Area: k.area, Channel: k.channel, Found: k.found, N: n})
		total += n
	}
	// A fixed order keeps concurrent writers from deadlocking each other
	// on PostgreSQL row locks.
	sort.Slice(counts, func(i, j int) bool { return less(counts[i], counts[j]) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := a.store.AddNeeds(ctx, counts); err != nil {
		a.writeErrors.Add(1)
		a.log.Warn("unmet needs: counts not written; kept for the next try", "keys", len(counts), "searches", total, "err", err)
		return err
	}
	a.written.Add(total)
	clear(pending)
	return nil
}

func less(a, b Count) bool {
	switch {
	case !a.Day.Equal(b.Day):
		return a.Day.Before(b.Day)
	case a.Category != b.Category:
		return a.Category < b.Category
	case a.Area != b.Area:
		return a.Area < b.Area
	case a.Channel != b.Channel:
		return a.Channel < b.Channel
	}
	return !a.Found && b.Found
}
