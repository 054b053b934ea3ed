// Package shortlisttest is the shared test suite every shortlist.Store
// runs: the sqlite package against a file in a temporary directory, the
// postgres package against a real PostgreSQL.
package shortlisttest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"trellis/internal/shortlist"
)

// Opener returns a new, empty, migrated store for one test, closed by the
// test's cleanup.
type Opener func(t *testing.T) shortlist.Store

// TestStore runs the suite against stores made by open, each subtest on
// its own store, in parallel.
func TestStore(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, shortlist.Store)
	}{
		{"SaveAndRead", testSaveAndRead},
		{"Expiry", testExpiry},
		{"CodeTaken", testCodeTaken},
		{"DeleteExpired", testDeleteExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

// t0 is a fixed instant: lists are read with an explicit now, so nothing
// here reaches a real clock.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func testSaveAndRead(t *testing.T, s shortlist.Store) {
	ctx := context.Background()
	ids := []string{"b-org.shelter", "a-org.pantry", "c-org.clinic"}
	l, err := shortlist.Save(ctx, s, ids, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Code) != shortlist.CodeLen {
		t.Errorf("code %q", l.Code)
	}
	got, err := s.List(ctx, l.Code, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.IDs, ids) {
		t.Errorf("ids = %q, want %q in order", got.IDs, ids)
	}
	if !got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(shortlist.TTL)) {
		t.Errorf("times = %v, %v", got.CreatedAt, got.ExpiresAt)
	}
	other, err := shortlist.Save(ctx, s, ids[:1], t0)
	if err != nil {
		t.Fatal(err)
	}
	if other.Code == l.Code {
		t.Error("two lists share a code")
	}
	if _, err := s.List(ctx, "0000000000ZZ", t0); !errors.Is(err, shortlist.ErrNotFound) {
		t.Errorf("unknown code: %v, want ErrNotFound", err)
	}
}

func testExpiry(t *testing.T, s shortlist.Store) {
	ctx := context.Background()
	l, err := shortlist.Save(ctx, s, []string{"a.b"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(ctx, l.Code, t0.Add(shortlist.TTL-time.Second)); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	if _, err := s.List(ctx, l.Code, t0.Add(shortlist.TTL)); !errors.Is(err, shortlist.ErrNotFound) {
		t.Errorf("at expiry: %v, want ErrNotFound", err)
	}
}

func testCodeTaken(t *testing.T, s shortlist.Store) {
	ctx := context.Background()
	l := &shortlist.List{Code: "ABCDEFGHJK23", IDs: []string{"a.b"}, CreatedAt: t0, ExpiresAt: t0.Add(shortlist.TTL)}
	if err := s.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	again := *l
	again.IDs = []string{"c.d"}
	if err := s.CreateList(ctx, &again); !errors.Is(err, shortlist.ErrCodeTaken) {
		t.Errorf("second list with the code: %v, want ErrCodeTaken", err)
	}
	got, err := s.List(ctx, l.Code, t0)
	if err != nil || !reflect.DeepEqual(got.IDs, []string{"a.b"}) {
		t.Errorf("the first list after a refused second: %v, %v", got, err)
	}
}

func testDeleteExpired(t *testing.T, s shortlist.Store) {
	ctx := context.Background()
	old, err := shortlist.Save(ctx, s, []string{"a.b"}, t0)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := shortlist.Save(ctx, s, []string{"c.d"}, t0.Add(10*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredLists(ctx, t0.Add(shortlist.TTL+time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("DeleteExpiredLists = %d, %v; want 1", n, err)
	}
	if _, err := s.List(ctx, old.Code, t0); !errors.Is(err, shortlist.ErrNotFound) {
		t.Errorf("deleted list still read: %v", err)
	}
	if _, err := s.List(ctx, fresh.Code, t0.Add(shortlist.TTL+time.Hour)); err != nil {
		t.Errorf("fresh list: %v", err)
	}
}
