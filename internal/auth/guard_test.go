package auth_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"trellis/internal/apperr"
	"trellis/internal/auth"
	"trellis/internal/sqlite"
)

const guardPassword = "correct horse battery staple"

// guardStore is an SQLite store with one specialist, ana@example.org.
func guardStore(t *testing.T) auth.Store {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := auth.AddUser(ctx, db, "ana@example.org", auth.RoleSpecialist, guardPassword); err != nil {
		t.Fatal(err)
	}
	return db
}

// retryAfter returns the retry_after detail of a 429, or fails the test
// when err is not one.
func retryAfter(t *testing.T, err error) int {
	t.Helper()
	ae := apperr.As(err)
	if ae == nil || ae.Code != apperr.RateLimited {
		t.Fatalf("error %v, want rate_limited", err)
	}
	n, ok := ae.Details["retry_after"].(int)
	if !ok || n < 1 {
		t.Fatalf("rate_limited without a retry_after of a second or more: %+v", ae.Details)
	}
	return n
}

func TestGuardLimitsAddressesAndAccounts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		cfg  auth.GuardConfig
		// attempts are (address, email) pairs, all with a wrong password;
		// the last one must be refused with 429, the others answered 401.
		attempts [][2]string
	}{
		{name: "one address, many accounts", cfg: auth.GuardConfig{AddressRate: 0.001, AddressBurst: 3},
			attempts: [][2]string{{"198.51.100.7", "a@example.org"}, {"198.51.100.7", "b@example.org"}, {"198.51.100.7", "c@example.org"}, {"198.51.100.7", "d@example.org"}}},
		{name: "one account, many addresses", cfg: auth.GuardConfig{AccountRate: 0.001, AccountBurst: 2},
			attempts: [][2]string{{"198.51.100.1", "ana@example.org"}, {"198.51.100.2", "ana@example.org"}, {"198.51.100.3", " ANA@example.org "}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := guardStore(t)
			g := auth.NewGuard(tc.cfg)
			for i, a := range tc.attempts {
				_, err := g.Authenticate(ctx, s, a[0], a[1], "not the password")
				if i < len(tc.attempts)-1 {
					if !errors.Is(err, auth.ErrBadCredentials) {
						t.Fatalf("attempt %d: error %v, want wrong credentials", i+1, err)
					}
					continue
				}
				retryAfter(t, err)
			}
		})
	}

	// A limited address does not lock out the account from elsewhere.
	s := guardStore(t)
	g := auth.NewGuard(auth.GuardConfig{AddressRate: 0.001, AddressBurst: 1})
	if _, err := g.Authenticate(ctx, s, "203.0.113.9", "ana@example.org", "wrong"); !errors.Is(err, auth.ErrBadCredentials) {
		t.Fatalf("first attempt: %v", err)
	}
	retryAfter(t, func() error {
		_, err := g.Authenticate(ctx, s, "203.0.113.9", "ana@example.org", guardPassword)
		return err
	}())
	if u, err := g.Authenticate(ctx, s, "192.0.2.4", "ana@example.org", guardPassword); err != nil || u.Email != "ana@example.org" {
		t.Errorf("from another address: %v, %v", u, err)
	}
}

// slowStore holds every UserByEmail until release is closed, counting how
// many are in flight at once.
type slowStore struct {
	auth.Store
	release  chan struct{}
	entered  chan struct{}
	inFlight atomic.Int32
	most     atomic.Int32
}

func (s *slowStore) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.most.Load()
		if n <= m || s.most.CompareAndSwap(m, n) {
			break
		}
	}
	s.entered <- struct{}{}
	<-s.release
	return s.Store.UserByEmail(ctx, email)
}

func TestGuardBoundsHashing(t *testing.T) {
	ctx := context.Background()
	s := &slowStore{Store: guardStore(t), release: make(chan struct{}), entered: make(chan struct{}, 64)}
	g := auth.NewGuard(auth.GuardConfig{AddressBurst: 100, AccountBurst: 100, Hashes: 2, Wait: time.Hour})
	if g.Hashes() != 2 {
		t.Fatalf("Hashes() = %d", g.Hashes())
	}
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := g.Authenticate(ctx, s, "198.51.100.7", "ana@example.org", guardPassword)
			errs <- err
		}()
	}
	// Two get in; the rest wait for a slot.
	<-s.entered
	<-s.entered
	select {
	case <-s.entered:
		t.Fatal("a third sign-in got past a guard of two hashes")
	default:
	}
	close(s.release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("waiting sign-in: %v", err)
		}
	}
	if m := s.most.Load(); m != 2 {
		t.Errorf("at most %d sign-ins hashed at once, want 2", m)
	}

	// With no wait, a sign-in that finds every slot taken gets 429.
	busy := &slowStore{Store: s.Store, release: make(chan struct{}), entered: make(chan struct{}, 4)}
	g = auth.NewGuard(auth.GuardConfig{Hashes: 1, Wait: time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := g.Authenticate(ctx, busy, "198.51.100.7", "ana@example.org", guardPassword)
		done <- err
	}()
	<-busy.entered
	_, err := g.Authenticate(ctx, busy, "198.51.100.8", "ana@example.org", guardPassword)
	retryAfter(t, err)
	close(busy.release)
	if err := <-done; err != nil {
		t.Errorf("the sign-in holding the slot: %v", err)
	}
}
