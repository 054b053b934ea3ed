package auth

import (
	"context"
	"math"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"trellis/internal/apperr"
)

// Guard stands in front of password sign-in, wherever it is offered (the
// API's tokens and sessions, the sign-in page): it limits attempts per
// client address and per account, so that guessing is slow from one place
// and slow against one account from many, and it bounds how many password
// hashes run at once, so that a burst of sign-ins (each argon2id hash takes
// 19 MiB and some tens of milliseconds) neither exhausts memory nor starves
// searches of CPU. One Guard serves every sign-in form of a server.
type Guard struct {
	cfg      GuardConfig
	address  *keyedLimiter
	account  *keyedLimiter
	hashSlot chan struct{}
}

// GuardConfig tunes a Guard. Zero fields take the defaults.
type GuardConfig struct {
	// AddressRate and AddressBurst limit attempts per client address:
	// AddressRate a second on average after a burst of AddressBurst;
	// defaults 1 and 20.
	AddressRate  float64
	AddressBurst int
	// AccountRate and AccountBurst limit attempts per account (email),
	// from any address; defaults 1 every 6 seconds and 10.
	AccountRate  float64
	AccountBurst int
	// Hashes is how many password hashes may run at once; 0 means half the
	// CPUs Go may use (at least 1), leaving the rest to searches.
	Hashes int
	// Wait is how long an attempt may wait for a hashing slot before it
	// is refused with 429; 0 means 3 seconds.
	Wait time.Duration
}

// NewGuard returns a Guard with the limits in c.
func NewGuard(c GuardConfig) *Guard {
	if c.AddressRate <= 0 {
		c.AddressRate = 1
	}
	if c.AddressBurst <= 0 {
		c.AddressBurst = 20
	}
	if c.AccountRate <= 0 {
		c.AccountRate = 1.0 / 6
	}
	if c.AccountBurst <= 0 {
		c.AccountBurst = 10
	}
	if c.Hashes <= 0 {
		c.Hashes = max(1, runtime.GOMAXPROCS(0)/2)
	}
	if c.Wait <= 0 {
		c.Wait = 3 * time.Second
	}
	return &Guard{cfg: c,
		address:  newKeyedLimiter(rate.Limit(c.AddressRate), c.AddressBurst),
		account:  newKeyedLimiter(rate.Limit(c.AccountRate), c.AccountBurst),
		hashSlot: make(chan struct{}, c.Hashes)}
}

// Hashes returns how many password hashes the guard lets run at once.
func (g *Guard) Hashes() int { return g.cfg.Hashes }

// Authenticate is Authenticate behind the guard, for an attempt from
// client address addr. It returns a RateLimited error (429) carrying
// "retry_after" (whole seconds) in its details when addr or the account
// has made too many attempts, or when no hashing slot frees up within the
// guard's wait; otherwise what Authenticate returns.
func (g *Guard) Authenticate(ctx context.Context, s Store, addr, email, password string) (*User, error) {
	if wait := g.address.reserve(addr); wait > 0 {
		return nil, tooMany("too many sign-in attempts from this address", wait)
	}
	// The account is keyed by the address as typed, normalized, so that
	// case and spaces do not make new accounts to guess against.
	if wait := g.account.reserve(strings.ToLower(strings.TrimSpace(email))); wait > 0 {
		return nil, tooMany("too many sign-in attempts for this account", wait)
	}
	if err := g.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-g.hashSlot }()
	return Authenticate(ctx, s, email, password)
}

// acquire takes a hashing slot, waiting up to the guard's wait.
func (g *Guard) acquire(ctx context.Context) error {
	select {
	case g.hashSlot <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(g.cfg.Wait)
	defer t.Stop()
	select {
	case g.hashSlot <- struct{}{}:
		return nil
	case <-t.C:
		return tooMany("the server is busy with other sign-ins", time.Second)
	case <-ctx.Done():
		return tooMany("the server is busy with other sign-ins", time.Second)
	}
}

// tooMany is the 429 the guard answers with: what was refused, when to
// try again, and, in details, retry_after in whole seconds.
func tooMany(what string, wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	if secs < 1 {
		secs = 1
	}
	unit := "seconds"
	if secs == 1 {
		unit = "second"
	}
	return apperr.New(apperr.RateLimited, "%s; try again in %d %s", what, secs, unit).With("retry_after", secs)
}

// keyedLimiter is a token bucket per key (a client address, an account),
// forgetting keys idle long enough for their bucket to be full again, so
// that memory stays bounded by the keys seen in that time.
type keyedLimiter struct {
	limit rate.Limit
	burst int
	// forget is how long a key must be idle before its bucket is full and
	// can be dropped.
	forget time.Duration

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newKeyedLimiter(l rate.Limit, burst int) *keyedLimiter {
	full := time.Duration(float64(burst) / float64(l) * float64(time.Second))
	return &keyedLimiter{limit: l, burst: burst, forget: full + time.Minute, buckets: map[string]*bucket{}}
}

// reserve takes one token for key and returns 0, or leaves the bucket as
// it was and returns how long until a token is due.
func (k *keyedLimiter) reserve(key string) time.Duration {
	now := time.Now()
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.swept) > k.forget {
		for key, b := range k.buckets {
			if now.Sub(b.seen) > k.forget {
				delete(k.buckets, key)
			}
		}
		k.swept = now
	}
	b := k.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}
