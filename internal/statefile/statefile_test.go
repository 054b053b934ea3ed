package statefile

import (
	"bytes"
	"errors"
	"math"
	"testing"
	"time"
)

// TestRoundTrip writes every kind of value into two parts and reads them
// back, with the repeated string stored once.
func TestRoundTrip(t *testing.T) {
	when := time.Date(2026, 12, 6, 12, 30, 1, 999, time.FixedZone("x", 3600))
	var file bytes.Buffer
	for part := range 2 {
		w := NewWriter()
		w.Uint(uint64(part))
		w.Uint(math.MaxUint64)
		w.Int(-5)
		w.Bool(true)
		w.Bool(false)
		w.Float(-0.125)
		w.Bytes([]byte{1, 2, 3})
		w.String("")
		w.String("Washington")
		w.String("Washington")
		w.Strings(nil)
		w.Strings([]string{"a", "Washington"})
		w.Time(time.Time{})
		w.Time(when)
		n, err := w.WriteTo(&file)
		if err != nil || int(n) != w.Len() {
			t.Fatalf("wrote %d bytes (%v), Len says %d", n, err, w.Len())
		}
	}
	parts, err := Parts(file.Bytes())
	if err != nil || len(parts) != 2 {
		t.Fatalf("%d parts (%v), want 2", len(parts), err)
	}
	if got := bytes.Count(file.Bytes(), []byte("Washington")); got != 2 {
		t.Errorf("the parts hold the repeated string %d times, want once each", got)
	}
	for k, part := range parts {
		r := part.Reader()
		if r.Uint() != uint64(k) || r.Uint() != math.MaxUint64 || r.Int() != -5 || !r.Bool() || r.Bool() || r.Float() != -0.125 {
			t.Errorf("part %d: the numbers and flags differ", k)
		}
		var b [3]byte
		r.Bytes(b[:])
		if b != [3]byte{1, 2, 3} {
			t.Errorf("bytes %v", b)
		}
		if r.String() != "" || r.String() != "Washington" || r.String() != "Washington" {
			t.Error("the strings differ")
		}
		if ss := r.Strings(); ss != nil {
			t.Errorf("no strings came back as %#v", ss)
		}
		if ss := r.Strings(); len(ss) != 2 || ss[0] != "a" || ss[1] != "Washington" {
			t.Errorf("strings %q", ss)
		}
		if got := r.Time(); !got.IsZero() {
			t.Errorf("the zero time came back as %v", got)
		}
		if got := r.Time(); !got.Equal(when) || got.Location() != time.UTC {
			t.Errorf("time %v, want %v in UTC", got, when)
		}
		if r.Err() != nil || !r.Done() {
			t.Errorf("after the last record: %v, done %v", r.Err(), r.Done())
		}
		// Reading past the end is an error, not a panic.
		if r.Uint(); !errors.Is(r.Err(), ErrCorrupt) {
			t.Errorf("reading past the end: %v", r.Err())
		}
	}
}

// TestCorrupt: bytes that are not what a Writer wrote give ErrCorrupt.
func TestCorrupt(t *testing.T) {
	w := NewWriter()
	w.String("only")
	w.Uint(3)
	var file bytes.Buffer
	if _, err := w.WriteTo(&file); err != nil {
		t.Fatal(err)
	}
	b := file.Bytes()
	if _, err := Parts(b[:len(b)-1]); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a part cut short: %v", err)
	}
	parts, err := Parts(b)
	if err != nil {
		t.Fatal(err)
	}
	r := parts[0].Reader()
	// The 3 is read as a string index, and the table has one string.
	_ = r.String()
	if s := r.String(); s != "" || !errors.Is(r.Err(), ErrCorrupt) {
		t.Errorf("an index out of the table: %q, %v", s, r.Err())
	}
	// A table longer than the part.
	if _, err := NewPart([]byte{1, 100, 'x'}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a string longer than the part: %v", err)
	}
	// Counts larger than what is left are refused before anything is
	// allocated, in the table and in the records.
	if _, err := NewPart([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("a huge string count: %v", err)
	}
	p, err := NewPart([]byte{0, 0xff, 0xff, 0xff, 0xff, 0x0f})
	if err != nil {
		t.Fatal(err)
	}
	r = p.Reader()
	if n := r.Count(); n != 0 || !errors.Is(r.Err(), ErrCorrupt) {
		t.Errorf("a huge count: %d, %v", n, r.Err())
	}
}
