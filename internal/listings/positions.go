package listings

import (
	"fmt"
	"path"

	"trellis/internal/directory"
)

// Pos is a place in a data file.
type Pos struct {
	// Path is relative to the data directory, with forward slashes:
	// "listings/dc/foo.yaml".
	Path string
	// Line and Col are 1-based; both are 0 when only the file is known.
	Line, Col int
}

// String returns "path:line:col", or "path" when the line is unknown.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.Path
	}
	return fmt.Sprintf("%s:%d:%d", p.Path, p.Line, p.Col)
}

// Positions records where Load read each organization, location, service
// and meeting, so that reports about the catalog (Lint's warnings, the stale
// report) can point into the files. Fill one by passing it in
// Options.Positions. A nil *Positions knows no positions.
type Positions struct {
	m map[posKey]Pos
}

// posKey names a domain value (an *directory.Organization,
// *directory.Location or *directory.Service) or one of its keys.
type posKey struct {
	v   any
	key string
}

// NewPositions returns an empty position record for Options.Positions.
func NewPositions() *Positions { return &Positions{m: map[posKey]Pos{}} }

// Of returns where v, an *directory.Organization, *directory.Location,
// *directory.Service or *directory.Meeting of the loaded catalog, is written: the start of its
// mapping. It returns false for a value Load did not record.
func (p *Positions) Of(v any) (Pos, bool) { return p.Field(v, "") }

// Field returns where key (a YAML key such as "name" or "last_verified")
// of v is written: a scalar's value, or the key of a mapping or list. It
// returns false when the key was not written in the file or v was not
// recorded.
func (p *Positions) Field(v any, key string) (Pos, bool) {
	if p == nil || p.m == nil {
		return Pos{}, false
	}
	pos, ok := p.m[posKey{v, key}]
	return pos, ok
}

// At returns the position of key of v when it was written, else that of
// v, else a Pos naming only the file of v's organization (listings/<File>)
// or meeting (meetings/<File>). v is an *directory.Organization,
// *directory.Location, *directory.Service or *directory.Meeting.
func (p *Positions) At(v any, key string) Pos {
	if key != "" {
		if pos, ok := p.Field(v, key); ok {
			return pos
		}
	}
	if pos, ok := p.Of(v); ok {
		return pos
	}
	var org *directory.Organization
	switch x := v.(type) {
	case *directory.Organization:
		org = x
	case *directory.Location:
		org = x.Org
	case *directory.Service:
		org = x.Org
	case *directory.Meeting:
		return Pos{Path: meetingFileOf(x)}
	}
	if org == nil {
		return Pos{}
	}
	return Pos{Path: path.Join(ListingsDir, org.File)}
}

// marks collects the positions of one file's values while it is checked.
type marks map[posKey]Pos

// mark records where v (a domain value) and the given keys of it are
// written. item is the decoded struct v came from and fields maps YAML
// keys to pointers to its fields; keys not written in the file are left
// out.
func (c *checker) mark(v, item any, fields map[string]any) {
	if c.marks == nil {
		return
	}
	if c.present(item) {
		p := c.at(item, nil)
		c.marks[posKey{v, ""}] = Pos{Path: c.file, Line: p.line, Col: p.col}
	}
	for key, ptr := range fields {
		if c.present(ptr) {
			p := c.at(ptr, nil)
			c.marks[posKey{v, key}] = Pos{Path: c.file, Line: p.line, Col: p.col}
		}
	}
}
