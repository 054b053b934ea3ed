// Package notify delivers the emails the referral store's outbox holds:
// a Worker claims due mail with a lease, sends it through a Sender (SMTP,
// smtp.go) and records the outcome, retrying failures with exponential
// backoff; several workers (one per instance) share one PostgreSQL
// without sending an email twice. Templates (templates.go) compose the
// emails in English and Spanish for referral.Service.
//
// Privacy: logs name mail, referral and event ids and the SMTP error,
// never recipients, subjects or bodies.
package notify

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"sync"
	"time"

	"trellis/internal/referral"
)

// Outbox is the store side of delivery; sqlstore.Store implements it.
type Outbox interface {
	// ClaimMail leases to owner, until now+lease, up to n due emails no
	// live lease holds, counting an attempt on each, and returns them.
	ClaimMail(ctx context.Context, owner string, now time.Time, lease time.Duration, n int) ([]*referral.Mail, error)
	// MarkMailSent records the email sent; referral.ErrLeaseLost when
	// owner no longer holds it.
	MarkMailSent(ctx context.Context, id, owner string, at time.Time) error
	// MarkMailFailed records a failed attempt: retried at retryAt, or
	// given up when retryAt is zero; referral.ErrLeaseLost when owner no
	// longer holds it.
	MarkMailFailed(ctx context.Context, id, owner string, at, retryAt time.Time, reason string) error
}

// Sender sends one email.
type Sender interface {
	// Send delivers m. It returns a *PermanentError when the server
	// refused the message for good (a 5xx reply), and any other error for
	// a failure worth retrying (connection refused, a 4xx reply, a
	// timeout).
	Send(ctx context.Context, m *referral.Mail) error
}

// PermanentError is a refusal that retrying will not change.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return "permanent: " + e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Worker defaults.
const (
	DefaultPoll        = 5 * time.Second
	DefaultLease       = 5 * time.Minute
	DefaultBackoff     = 30 * time.Second
	DefaultMaxBackoff  = time.Hour
	DefaultMaxAttempts = 12
	DefaultBatch       = 10
)

// Worker sends the outbox's emails. The zero values of its tunables mean
// their defaults. Several workers, in one process or in several instances
// on one database, may run at once: each email is claimed by one of them
// at a time, under a lease that outlasts any send (Sender timeouts must
// stay below Lease), so it goes out once. The one gap is the outbox
// pattern's own: a worker killed after the server accepted an email and
// before it recorded so sends it again when the lease runs out; the
// email's Message-ID, made from its outbox id, lets the receiving side
// see the duplicate.
type Worker struct {
	Outbox Outbox
	Sender Sender
	Logger *slog.Logger
	// Owner names this worker in leases; empty means a random name.
	Owner string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Poll is how often to look for due mail when there was none.
	Poll time.Duration
	// Lease is how long a claim lasts before another worker may retry the
	// mail.
	Lease time.Duration
	// Backoff is the wait after a first failed attempt; each further
	// failure doubles it, up to MaxBackoff, with up to a tenth added at
	// random so that instances do not retry in step.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts is how many failed attempts make a failure final.
	MaxAttempts int
	// Batch is how many emails one claim takes.
	Batch int

	kick chan struct{}
	once sync.Once
}

// Kick wakes Run to look for due mail now rather than after Poll; the
// referral service calls it when it queues an email. It never blocks.
func (w *Worker) Kick() {
	w.once.Do(func() { w.kick = make(chan struct{}, 1) })
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *Worker) defaults() {
	w.once.Do(func() { w.kick = make(chan struct{}, 1) })
	if w.Owner == "" {
		w.Owner = "worker-" + rand.Text()[:10]
	}
	if w.Logger == nil {
		w.Logger = slog.Default()
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	w.Poll = cmpOr(w.Poll, DefaultPoll)
	w.Lease = cmpOr(w.Lease, DefaultLease)
	w.Backoff = cmpOr(w.Backoff, DefaultBackoff)
	w.MaxBackoff = cmpOr(w.MaxBackoff, DefaultMaxBackoff)
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = DefaultMaxAttempts
	}
	if w.Batch <= 0 {
		w.Batch = DefaultBatch
	}
}

func cmpOr(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Run sends due mail until ctx ends: a batch at a time, at once again
// while batches come back full, else after Poll. It returns nil when ctx
// ends; store errors are logged and retried after Poll.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("notify: outbox", "err", err)
		}
		if n == w.Batch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce claims one batch of due mail, sends it and records each outcome.
// It returns how many emails it claimed, and the first store error.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	ms, err := w.Outbox.ClaimMail(ctx, w.Owner, w.Now(), w.Lease, w.Batch)
	if err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	var first error
	for _, m := range ms {
		if err := w.deliver(ctx, m); err != nil && first == nil {
			first = err
		}
	}
	return len(ms), first
}

// deliver sends m and records the outcome.
func (w *Worker) deliver(ctx context.Context, m *referral.Mail) error {
	sendCtx, cancel := context.WithTimeout(ctx, w.Lease/2)
	err := w.Sender.Send(sendCtx, m)
	cancel()
	now := w.Now()
	log := w.Logger.With("mail", m.ID, "referral", m.ReferralID, "kind", string(m.Kind), "attempt", m.Attempts)
	var rec error
	var perm *PermanentError
	switch {
	case err == nil:
		rec = w.Outbox.MarkMailSent(ctx, m.ID, w.Owner, now)
		if rec == nil {
			log.Info("notify: sent")
		}
	case errors.As(err, &perm) || m.Attempts >= w.MaxAttempts:
		rec = w.Outbox.MarkMailFailed(ctx, m.ID, w.Owner, now, time.Time{}, err.Error())
		log.Error("notify: gave up", "err", err)
	default:
		retry := now.Add(w.delay(m.Attempts))
		rec = w.Outbox.MarkMailFailed(ctx, m.ID, w.Owner, now, retry, err.Error())
		log.Warn("notify: will retry", "err", err, "retry_in", retry.Sub(now).Round(time.Millisecond))
	}
	if errors.Is(rec, referral.ErrLeaseLost) {
		log.Warn("notify: the lease ran out before the outcome was recorded; another worker took the mail")
		return nil
	}
	if rec != nil {
		return fmt.Errorf("notify: record mail %s: %w", m.ID, rec)
	}
	return nil
}

// delay is the wait after the attempt-th failed attempt: Backoff doubled
// attempt-1 times, at most MaxBackoff, plus up to a tenth at random.
func (w *Worker) delay(attempt int) time.Duration {
	d := w.Backoff
	for i := 1; i < attempt && d < w.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, w.MaxBackoff)
	if tenth := int64(d / 10); tenth > 0 {
		j, _ := rand.Int(rand.Reader, big.NewInt(tenth))
		d += time.Duration(j.Int64())
	}
	return d
}
