// Package statefile is the binary form of what a load of the data leaves
// for the next start (the digests of the data files and the checked
// listings): a restart of a national directory decodes it instead of
// reading 51k YAML files, and decoding it is most of what a restart waits
// for.
//
// A file is a sequence of parts, each its uvarint length and then its
// bytes, so that a reader finds them all without decoding any and decodes
// them at once, one per core. A part is a table of the distinct strings
// it holds and then its records: numbers as varints, strings as indexes
// into the table. A decoded part keeps its strings in one allocation and
// shares every repeated one (a source name, a town, a category) among the
// records that hold it, which is both faster to decode and smaller in
// memory than a string of its own for each field.
//
// The form has no field names and no types: a reader reads the fields in
// the order the writer wrote them. It is a cache kept by one build of
// Trellis for itself (the caller checks that the build that wrote a file
// is the one reading it) and never an exchange format.
package statefile

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// Writer builds one part in memory. The zero value is not usable; use
// NewWriter.
type Writer struct {
	rec   []byte
	index map[string]uint64
	// strs are the table's strings in order; index 0 is "".
	strs  []string
	bytes int
}

// NewWriter returns an empty part.
func NewWriter() *Writer {
	return &Writer{index: map[string]uint64{"": 0}, strs: []string{""}}
}

// Uint appends v.
func (w *Writer) Uint(v uint64) { w.rec = binary.AppendUvarint(w.rec, v) }

// Int appends v.
func (w *Writer) Int(v int64) { w.rec = binary.AppendVarint(w.rec, v) }

// Bool appends b.
func (w *Writer) Bool(b bool) {
	if b {
		w.rec = append(w.rec, 1)
	} else {
		w.rec = append(w.rec, 0)
	}
}

// Float appends f, exactly.
func (w *Writer) Float(f float64) {
	w.rec = binary.LittleEndian.AppendUint64(w.rec, math.Float64bits(f))
}

// Bytes appends b as it is; the reader says how many to read back.
func (w *Writer) Bytes(b []byte) { w.rec = append(w.rec, b...) }

// String appends s: its index in the part's table, where it is added the
// first time.
func (w *Writer) String(s string) {
	i, ok := w.index[s]
	if !ok {
		i = uint64(len(w.strs))
		w.index[s] = i
		w.strs = append(w.strs, s)
		w.bytes += len(s)
	}
	w.Uint(i)
}

// Strings appends ss, a nil or empty slice as no strings.
func (w *Writer) Strings(ss []string) {
	w.Uint(uint64(len(ss)))
	for _, s := range ss {
		w.String(s)
	}
}

// Time appends t to the nanosecond, without its zone: Reader.Time gives
// it back in UTC. The zero time comes back as the zero time.
func (w *Writer) Time(t time.Time) {
	if t.IsZero() {
		w.Uint(0)
		return
	}
	w.Uint(1)
	w.Int(t.Unix())
	w.Uint(uint64(t.Nanosecond()))
}

// Len returns how many bytes WriteTo will write.
func (w *Writer) Len() int {
	n := w.bodyLen()
	return uvarintLen(uint64(n)) + n
}

func (w *Writer) bodyLen() int {
	n := uvarintLen(uint64(len(w.strs) - 1))
	for _, s := range w.strs[1:] {
		n += uvarintLen(uint64(len(s)))
	}
	return n + w.bytes + len(w.rec)
}

// WriteTo writes the part, its length first.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	head := binary.AppendUvarint(nil, uint64(w.bodyLen()))
	head = binary.AppendUvarint(head, uint64(len(w.strs)-1))
	for _, s := range w.strs[1:] {
		head = binary.AppendUvarint(head, uint64(len(s)))
	}
	n, err := out.Write(head)
	total := int64(n)
	if err != nil {
		return total, err
	}
	for _, s := range w.strs[1:] {
		n, err := io.WriteString(out, s)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	n, err = out.Write(w.rec)
	return total + int64(n), err
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// ErrCorrupt is what a Reader's Err wraps when the bytes are not what a
// Writer wrote: cut short, or with a count or index out of range.
var ErrCorrupt = errors.New("statefile: corrupt")

// A Part is one part of a file, read: its strings, which share one
// allocation of their own, and its records.
type Part struct {
	strs []string
	rec  []byte
}

// Parts splits the bytes of a file into its parts.
func Parts(b []byte) ([]Part, error) { return ReadParts(bytes.NewReader(b)) }

// ReadParts reads the parts of a file from r. Each part's strings are read
// straight into the allocation its records' strings share, and its
// records into one of their own, which can go once they are read: the
// strings are not read once and then copied out.
func ReadParts(r io.Reader) ([]Part, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var parts []Part
	for {
		if _, err := br.Peek(1); err == io.EOF {
			return parts, nil
		}
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return nil, fmt.Errorf("%w: part %d is cut short", ErrCorrupt, len(parts))
		}
		p, err := readPart(&limited{br, n})
		if err != nil {
			return nil, fmt.Errorf("%w (part %d)", err, len(parts))
		}
		parts = append(parts, p)
	}
}

// NewPart reads one part from body, its bytes after its length.
func NewPart(body []byte) (Part, error) {
	return readPart(&limited{bufio.NewReader(bytes.NewReader(body)), uint64(len(body))})
}

// limited reads at most n more bytes of r: a part's.
type limited struct {
	r *bufio.Reader
	n uint64
}

func (l *limited) ReadByte() (byte, error) {
	if l.n == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	b, err := l.r.ReadByte()
	if err == nil {
		l.n--
	}
	return b, err
}

// count reads a uvarint that counts things still to be read, each at
// least a byte: one larger than what is left is corrupt.
func (l *limited) count() (int, error) {
	v, err := binary.ReadUvarint(l)
	if err != nil || v > l.n {
		return 0, fmt.Errorf("%w: a count is cut short or larger than what is left", ErrCorrupt)
	}
	return int(v), nil
}

// readPart reads the part l holds: its string table, then its records.
func readPart(l *limited) (Part, error) {
	n, err := l.count()
	if err != nil {
		return Part{}, err
	}
	lens := make([]int, n)
	var total uint64
	for i := range lens {
		if lens[i], err = l.count(); err != nil {
			return Part{}, err
		}
		total += uint64(lens[i])
	}
	if total > l.n {
		return Part{}, fmt.Errorf("%w: the strings are cut short", ErrCorrupt)
	}
	var all strings.Builder
	all.Grow(int(total))
	if _, err := io.CopyN(&all, l.r, int64(total)); err != nil {
		return Part{}, fmt.Errorf("%w: the strings are cut short", ErrCorrupt)
	}
	l.n -= total
	p := Part{strs: make([]string, n+1), rec: make([]byte, l.n)}
	rest := all.String()
	for i, ln := range lens {
		p.strs[i+1], rest = rest[:ln], rest[ln:]
	}
	if _, err := io.ReadFull(l.r, p.rec); err != nil {
		return Part{}, fmt.Errorf("%w: the records are cut short", ErrCorrupt)
	}
	return p, nil
}

// Reader reads the records of one part. Its methods return zero values
// once anything is wrong; Err says what.
type Reader struct {
	b    []byte
	strs []string
	err  error
}

// Reader returns a reader at p's first record.
func (p Part) Reader() *Reader { return &Reader{b: p.rec, strs: p.strs} }

func (r *Reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrCorrupt, what)
	}
	r.b = nil
}

// Err returns what went wrong reading, or nil.
func (r *Reader) Err() error { return r.err }

// Done reports whether every record was read.
func (r *Reader) Done() bool { return len(r.b) == 0 }

// Uint reads what Writer.Uint wrote.
func (r *Reader) Uint() uint64 {
	v, k := binary.Uvarint(r.b)
	if k <= 0 {
		r.fail("a number is cut short")
		return 0
	}
	r.b = r.b[k:]
	return v
}

// Int reads what Writer.Int wrote.
func (r *Reader) Int() int64 {
	v, k := binary.Varint(r.b)
	if k <= 0 {
		r.fail("a number is cut short")
		return 0
	}
	r.b = r.b[k:]
	return v
}

// count reads a Uint that counts things still to be read, each at least
// a byte: one larger than what is left is corrupt, and never allocates.
func (r *Reader) count() int {
	v := r.Uint()
	if v > uint64(len(r.b)) {
		r.fail("a count is larger than what is left")
		return 0
	}
	return int(v)
}

// Count reads a Uint written as how many records follow; see count.
func (r *Reader) Count() int { return r.count() }

// Bool reads what Writer.Bool wrote.
func (r *Reader) Bool() bool {
	if len(r.b) == 0 {
		r.fail("a flag is cut short")
		return false
	}
	v := r.b[0]
	r.b = r.b[1:]
	if v > 1 {
		r.fail("a flag is neither 0 nor 1")
	}
	return v == 1
}

// Float reads what Writer.Float wrote.
func (r *Reader) Float() float64 {
	if len(r.b) < 8 {
		r.fail("a number is cut short")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(r.b))
	r.b = r.b[8:]
	return v
}

// Bytes fills b with what Writer.Bytes wrote.
func (r *Reader) Bytes(b []byte) {
	if len(r.b) < len(b) {
		r.fail("bytes are cut short")
		clear(b)
		return
	}
	copy(b, r.b)
	r.b = r.b[len(b):]
}

// String reads what Writer.String wrote.
func (r *Reader) String() string {
	i := r.Uint()
	if i >= uint64(len(r.strs)) {
		r.fail("a string is not in the table")
		return ""
	}
	return r.strs[i]
}

// Strings reads what Writer.Strings wrote; no strings come back as nil.
func (r *Reader) Strings() []string {
	n := r.count()
	if n == 0 {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		ss[i] = r.String()
	}
	return ss
}

// Time reads what Writer.Time wrote, in UTC.
func (r *Reader) Time() time.Time {
	switch r.Uint() {
	case 0:
		return time.Time{}
	case 1:
		sec := r.Int()
		nsec := r.Uint()
		if nsec >= 1e9 {
			r.fail("a time's nanoseconds are out of range")
			return time.Time{}
		}
		return time.Unix(sec, int64(nsec)).UTC()
	default:
		r.fail("a time is neither zero nor set")
		return time.Time{}
	}
}
