// Package shortlist keeps the lists people carry away from a kiosk or a
// page behind short codes: a QR code or a text message then holds
// /l/CODE instead of every service id. A list is the ids of the services
// on it and nothing else (no search, no place, nothing about the person),
// kept for TTL and then removed. The codes are random, from a
// cryptographic source, so they cannot be guessed or enumerated.
package shortlist

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"time"
)

// TTL is how long a list is kept.
const TTL = 30 * 24 * time.Hour

// MaxIDs is how many services a list may hold.
const MaxIDs = 20

// CodeLen is the length of a code: 12 characters of a 32-letter
// alphabet, 60 random bits.
const CodeLen = 12

// alphabet is Crockford's base 32: digits and capital letters without I,
// L, O and U, so a code read aloud or typed is not misread, and a QR code
// stores it in its compact alphanumeric mode.
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// List is a saved list of services.
type List struct {
	Code string
	// IDs are the services' keys, in the order they were ticked.
	IDs       []string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Errors of a Store. Check them with errors.Is.
var (
	// ErrNotFound: no list has the code, or it has expired.
	ErrNotFound = errors.New("shortlist: no such list")
	// ErrCodeTaken: a list with the code exists already.
	ErrCodeTaken = errors.New("shortlist: code taken")
)

// Store keeps lists. The sqlite and postgres packages implement it; every
// implementation passes shortlisttest.TestStore.
type Store interface {
	// CreateList stores l. It returns ErrCodeTaken when l.Code is in use.
	CreateList(ctx context.Context, l *List) error
	// List returns the list with code, or ErrNotFound when there is none
	// or it expired at or before now.
	List(ctx context.Context, code string, now time.Time) (*List, error)
	// DeleteExpiredLists removes the lists expired at or before now and
	// returns how many.
	DeleteExpiredLists(ctx context.Context, now time.Time) (int64, error)
}

// NewCode returns a random code of CodeLen characters. It returns an
// error only when the system's random source fails.
func NewCode() (string, error) {
	b := make([]byte, CodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("shortlist: random code: %w", err)
	}
	for i := range b {
		b[i] = alphabet[b[i]&31]
	}
	return string(b), nil
}

// NormalizeCode reads a code as a person may type it: in any case, with
// O for 0 and I or L for 1, with spaces or dashes. It returns false when
// the text cannot be a code.
func NormalizeCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch r {
		case ' ', '-':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || !strings.ContainsRune(alphabet, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != CodeLen {
		return "", false
	}
	return b.String(), true
}

// Save stores ids as a new list made at now, expiring after TTL, under a
// new code (drawn again in the unlikely case it is taken). It returns an
// error for an empty list, one longer than MaxIDs or an id with a comma,
// and the store's error.
func Save(ctx context.Context, s Store, ids []string, now time.Time) (*List, error) {
	if len(ids) == 0 || len(ids) > MaxIDs {
		return nil, fmt.Errorf("shortlist: a list holds 1 to %d services, not %d", MaxIDs, len(ids))
	}
	for _, id := range ids {
		if id == "" || strings.ContainsAny(id, ", ") {
			return nil, fmt.Errorf("shortlist: bad service id %q", id)
		}
	}
	for range 3 {
		code, err := NewCode()
		if err != nil {
			return nil, err
		}
		l := &List{Code: code, IDs: append([]string(nil), ids...), CreatedAt: now, ExpiresAt: now.Add(TTL)}
		err = s.CreateList(ctx, l)
		if errors.Is(err, ErrCodeTaken) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return l, nil
	}
	return nil, fmt.Errorf("shortlist: no free code after 3 draws")
}
