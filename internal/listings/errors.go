package listings

import (
	"cmp"
	"fmt"
	"slices"
)

// Error is one problem in the data, at a place in a file.
type Error struct {
	// Path is the file's path relative to the data directory, with forward
	// slashes: "listings/dc/foo.yaml".
	Path string
	// Line and Col are 1-based; both are 0 for a problem with the file as a
	// whole (a missing file).
	Line, Col int
	Msg       string
}

// Error returns "path:line:col: msg", or "path: msg" when the problem has no
// position.
func (e Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", e.Path, e.Line, e.Col, e.Msg)
}

// sortErrors orders errors by path, line, column and message, the order
// Load returns them in.
func sortErrors(errs []Error) {
	slices.SortFunc(errs, func(a, b Error) int {
		return cmp.Or(
			cmp.Compare(a.Path, b.Path),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Col, b.Col),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
}
