// Package report is what Trellis's reports share: small-cell suppression
// (a count under Threshold is never shown, and complementary counts are
// withheld so that a total cannot give it back), whole weeks as the
// smallest time slice, the referral outcome report built from the stores'
// rows, and CSV. The JSON API, the pages and the command line all build
// their reports here, so one rule holds everywhere.
package report

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// Threshold is the smallest count shown: counts from 1 to Threshold-1 are
// shown as FewerThan instead. Zero is shown: it describes nobody.
const Threshold = 5

// The words a hidden count is shown as, in the API, CSV and the command
// line (the pages translate them).
const (
	// FewerThan stands for a count from 1 to Threshold-1.
	FewerThan = "fewer than 5"
	// WithheldText stands for a count withheld so that a total or a
	// neighbouring count cannot reveal a small one.
	WithheldText = "withheld"
)

// Hidden says why a cell is not shown.
type Hidden uint8

// The reasons a cell is hidden.
const (
	// Shown: the count is shown.
	Shown Hidden = iota
	// Small: the count is from 1 to Threshold-1.
	Small
	// Withheld: the count is large enough, but showing it would let a
	// reader work out a small one from a total (complementary
	// suppression).
	Withheld
)

// Cell is one count of a report, hidden or not. Its JSON and String forms
// are the number, FewerThan or WithheldText; N must never be shown when
// Hide is not Shown.
type Cell struct {
	N    int64
	Hide Hidden
}

// Count returns the cell for n, hidden as Small when n is from 1 to
// Threshold-1.
func Count(n int64) Cell {
	if n > 0 && n < Threshold {
		return Cell{N: n, Hide: Small}
	}
	return Cell{N: n}
}

// Shown reports whether the count may be shown.
func (c Cell) Shown() bool { return c.Hide == Shown }

// String returns the count, FewerThan or WithheldText.
func (c Cell) String() string {
	switch c.Hide {
	case Small:
		return FewerThan
	case Withheld:
		return WithheldText
	}
	return strconv.FormatInt(c.N, 10)
}

// Value returns the count and true when it may be shown, else 0 and false.
func (c Cell) Value() (int64, bool) {
	if c.Hide != Shown {
		return 0, false
	}
	return c.N, true
}

// MarshalJSON writes the count as a number, or FewerThan or WithheldText
// as a string.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.Hide == Shown {
		return strconv.AppendInt(nil, c.N, 10), nil
	}
	return json.Marshal(c.String())
}

// UnmarshalJSON reads what MarshalJSON writes (the count of a hidden cell
// is not known, so it reads as 0). It returns an error for anything else.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var n int64
	if err := json.Unmarshal(b, &n); err == nil {
		*c = Cell{N: n}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("report: a count is a number, %q or %q", FewerThan, WithheldText)
	}
	switch s {
	case FewerThan:
		*c = Cell{Hide: Small}
	case WithheldText:
		*c = Cell{Hide: Withheld}
	default:
		return fmt.Errorf("report: a count is a number, %q or %q, not %q", FewerThan, WithheldText, s)
	}
	return nil
}

// Grid is a table of counts with the total of each row, of each column
// and of the whole, suppressed together: every count from 1 to
// Threshold-1 is hidden (Small), and then, line by line (each row with
// its total, each column with its total, the row totals with the grand
// total, the column totals with the grand total), wherever exactly one
// number of a line is hidden, a second one is withheld, so that the line's
// sum cannot give the first back. Withholding repeats until no line has
// exactly one hidden number. The second number is the smallest positive
// count of the line, else its total, else a zero.
//
// This defends a single published table. It does not defend against
// differencing two tables over overlapping ranges; reports keep their
// slices to whole weeks that have ended to make that harder.
type Grid struct {
	Cells     [][]Cell // [row][column]
	RowTotals []Cell
	ColTotals []Cell
	Total     Cell
}

// NewGrid returns the suppressed grid of counts (rows of equal length;
// rows may be empty). Negative counts are a caller's mistake and are
// treated as zero.
func NewGrid(counts [][]int64) Grid {
	cols := 0
	if len(counts) > 0 {
		cols = len(counts[0])
	}
	g := RawGrid(counts, cols)
	Suppress(g.Lines()...)
	return g
}

// RawGrid returns the grid of counts with cols columns (rows may be
// shorter; missing counts are zero) and its totals, small counts hidden
// but nothing withheld yet: for reports whose tables share totals, which
// Suppress then withholds together with the lines that tie the tables.
func RawGrid(counts [][]int64, cols int) Grid {
	g := Grid{Cells: make([][]Cell, len(counts)), RowTotals: make([]Cell, len(counts)), ColTotals: make([]Cell, cols)}
	var total int64
	colSums := make([]int64, cols)
	for i, row := range counts {
		g.Cells[i] = make([]Cell, cols)
		var sum int64
		for j := 0; j < cols; j++ {
			var n int64
			if j < len(row) && row[j] > 0 {
				n = row[j]
			}
			g.Cells[i][j] = Count(n)
			sum += n
			colSums[j] += n
		}
		g.RowTotals[i] = Count(sum)
		total += sum
	}
	for j, n := range colSums {
		g.ColTotals[j] = Count(n)
	}
	g.Total = Count(total)
	return g
}

// Line is a sum a reader can check: Total is the sum of Parts. A line
// with exactly one hidden number gives it back.
type Line struct {
	Parts []*Cell
	Total *Cell
}

// Lines returns the grid's sums: each row with its total, each column
// with its total, the row totals and the column totals with the grand
// total.
func (g *Grid) Lines() []Line {
	var ls []Line
	for i := range g.Cells {
		l := Line{Total: &g.RowTotals[i]}
		for j := range g.Cells[i] {
			l.Parts = append(l.Parts, &g.Cells[i][j])
		}
		ls = append(ls, l)
	}
	for j := range g.ColTotals {
		l := Line{Total: &g.ColTotals[j]}
		for i := range g.Cells {
			l.Parts = append(l.Parts, &g.Cells[i][j])
		}
		ls = append(ls, l)
	}
	rt := Line{Total: &g.Total}
	for i := range g.RowTotals {
		rt.Parts = append(rt.Parts, &g.RowTotals[i])
	}
	ct := Line{Total: &g.Total}
	for j := range g.ColTotals {
		ct.Parts = append(ct.Parts, &g.ColTotals[j])
	}
	return append(ls, rt, ct)
}

// Suppress withholds complementary numbers until no line has exactly one
// hidden number: in such a line it withholds the smallest positive shown
// part, else the total, else a shown zero. Lines may share cells, across
// tables too.
func Suppress(ls ...Line) {
	for changed := true; changed; {
		changed = false
		for _, l := range ls {
			if l.hidden() != 1 {
				continue
			}
			if c := l.complement(); c != nil {
				c.Hide = Withheld
				changed = true
			}
		}
	}
}

// hidden counts the line's hidden numbers.
func (l Line) hidden() int {
	n := 0
	if !l.Total.Shown() {
		n++
	}
	for _, p := range l.Parts {
		if !p.Shown() {
			n++
		}
	}
	return n
}

// complement picks the number of a line to withhold beside its one
// hidden number; nil when the line has nothing else.
func (l Line) complement() *Cell {
	var best *Cell
	for _, p := range l.Parts {
		if p.Shown() && p.N > 0 && (best == nil || p.N < best.N) {
			best = p
		}
	}
	if best != nil {
		return best
	}
	if l.Total.Shown() {
		return l.Total
	}
	for _, p := range l.Parts {
		if p.Shown() {
			return p
		}
	}
	return nil
}

// ShareOf returns a/(a+b) when both a and b may be shown and are not both
// zero, and nil otherwise: a share beside a shown count would give a
// hidden one back.
func ShareOf(a, b Cell) *float64 {
	x, ok1 := a.Value()
	y, ok2 := b.Value()
	if !ok1 || !ok2 || x+y == 0 {
		return nil
	}
	f := float64(x) / float64(x+y)
	return &f
}
