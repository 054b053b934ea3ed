package report

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// show renders a grid as strings: cells, then row totals, column totals
// and the total.
func show(g Grid) (cells [][]string, rows, cols []string, total string) {
	for _, r := range g.Cells {
		var line []string
		for _, c := range r {
			line = append(line, c.String())
		}
		cells = append(cells, line)
	}
	for _, c := range g.RowTotals {
		rows = append(rows, c.String())
	}
	for _, c := range g.ColTotals {
		cols = append(cols, c.String())
	}
	return cells, rows, cols, g.Total.String()
}

const (
	few = FewerThan
	wh  = WithheldText
)

func TestGrid(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int64
		cells  [][]string
		rows   []string
		cols   []string
		total  string
	}{
		{
			name:   "nothing small",
			counts: [][]int64{{10, 0}, {6, 7}},
			cells:  [][]string{{"10", "0"}, {"6", "7"}},
			rows:   []string{"10", "13"}, cols: []string{"16", "7"}, total: "23",
		},
		{
			// A single referral on one day: the 1 and every number that
			// would give it back are hidden.
			name:   "one referral",
			counts: [][]int64{{1}},
			cells:  [][]string{{few}},
			rows:   []string{few}, cols: []string{few}, total: few,
		},
		{
			// 3 hidden in row 0; its row total 13 would give it back from
			// 10, so the smallest other count of the row (10) is withheld;
			// column 0 then has 3 and nothing else hidden: 6 is withheld;
			// row 1 now has 6 hidden: 7 is withheld; column 1 has 10 and 7
			// hidden, fine.
			name:   "complementary",
			counts: [][]int64{{3, 10}, {6, 7}},
			cells:  [][]string{{few, wh}, {wh, wh}},
			rows:   []string{"13", "13"}, cols: []string{"9", "17"}, total: "26",
		},
		{
			// A zero beside a small count: the zero is not withheld while
			// a positive count can be; the line total goes when nothing else
			// is left.
			name:   "one line",
			counts: [][]int64{{2}, {0}, {8}},
			cells:  [][]string{{few}, {"0"}, {wh}},
			rows:   []string{few, "0", wh}, cols: []string{"10"}, total: "10",
		},
		{
			name:   "total small",
			counts: [][]int64{{0, 0}, {2, 1}},
			cells:  [][]string{{"0", "0"}, {few, few}},
			rows:   []string{"0", few}, cols: []string{few, few}, total: few,
		},
		{
			name:   "empty",
			counts: nil,
			cells:  nil, rows: nil, cols: nil, total: "0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewGrid(tt.counts)
			cells, rows, cols, total := show(g)
			if !reflect.DeepEqual(cells, tt.cells) || !reflect.DeepEqual(rows, tt.rows) || !reflect.DeepEqual(cols, tt.cols) || total != tt.total {
				t.Errorf("grid\n got %q rows %q cols %q total %q\nwant %q rows %q cols %q total %q",
					cells, rows, cols, total, tt.cells, tt.rows, tt.cols, tt.total)
			}
			checkNoLineGivesBack(t, g)
		})
	}
}

// checkNoLineGivesBack fails when a line of g has exactly one hidden
// number (which its total or its parts would reveal).
func checkNoLineGivesBack(t *testing.T, g Grid) {
	t.Helper()
	for i, l := range g.Lines() {
		if l.hidden() == 1 {
			t.Errorf("line %d has one hidden number, which its sum gives back", i)
		}
	}
}

// TestGridRandom checks the invariant on many small tables.
func TestGridRandom(t *testing.T) {
	seed := uint64(7)
	next := func() int64 {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int64(seed>>33) % 12
	}
	for n := 0; n < 300; n++ {
		rows, cols := 1+int(next()%5), 1+int(next()%5)
		counts := make([][]int64, rows)
		for i := range counts {
			counts[i] = make([]int64, cols)
			for j := range counts[i] {
				counts[i][j] = next()
			}
		}
		g := NewGrid(counts)
		checkNoLineGivesBack(t, g)
		for i := range counts {
			for j, n := range counts[i] {
				if c := g.Cells[i][j]; n > 0 && n < Threshold && c.Shown() {
					t.Fatalf("table %v: small count %d shown at %d,%d", counts, n, i, j)
				}
			}
		}
	}
}

func TestCellJSON(t *testing.T) {
	tests := []struct {
		name string
		c    Cell
		json string
	}{
		{"shown", Count(12), `12`},
		{"zero", Count(0), `0`},
		{"small", Count(1), `"fewer than 5"`},
		{"withheld", Cell{N: 40, Hide: Withheld}, `"withheld"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.c)
			if err != nil || string(b) != tt.json {
				t.Fatalf("Marshal = %s, %v; want %s", b, err, tt.json)
			}
			var back Cell
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if back.Hide != tt.c.Hide || (tt.c.Shown() && back.N != tt.c.N) {
				t.Errorf("read back %+v from %s", back, b)
			}
		})
	}
	var c Cell
	if err := json.Unmarshal([]byte(`"three"`), &c); err == nil {
		t.Error(`"three" read as a count`)
	}
}

func TestShareOf(t *testing.T) {
	if s := ShareOf(Count(6), Count(18)); s == nil || *s != 0.25 {
		t.Errorf("ShareOf(6, 18) = %v, want 0.25", s)
	}
	if s := ShareOf(Count(6), Count(3)); s != nil {
		t.Errorf("a share beside a small count: %v", *s)
	}
	if s := ShareOf(Count(0), Count(0)); s != nil {
		t.Errorf("a share of nothing: %v", *s)
	}
}

func TestWeeks(t *testing.T) {
	d := func(s string) time.Time {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	// 2026-11-22 is a Sunday, 2026-11-23 a Monday.
	tests := []struct {
		name           string
		from, to       string
		today          string
		from2, to2     string
		wantErrOnField string
	}{
		{name: "default on a Sunday: the week still running is left out", today: "2026-11-22", from2: "2026-11-02", to2: "2026-11-15"},
		{name: "default on a Monday", today: "2026-11-23", from2: "2026-11-09", to2: "2026-11-22"},
		{name: "one day grows to its week", from: "2026-10-14", to: "2026-10-14", today: "2026-11-22", from2: "2026-10-12", to2: "2026-10-18"},
		{name: "cut at the last ended week", from: "2026-11-01", to: "2026-11-30", today: "2026-11-25", from2: "2026-10-26", to2: "2026-11-22"},
		{name: "this week only", from: "2026-11-23", to: "2026-11-24", today: "2026-11-25", wantErrOnField: "from"},
		{name: "backwards", from: "2026-11-10", to: "2026-11-01", today: "2026-11-25", wantErrOnField: "to"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var from, to time.Time
			if tt.from != "" {
				from = d(tt.from)
			}
			if tt.to != "" {
				to = d(tt.to)
			}
			r, err := Weeks(from, to, d(tt.today), 2)
			if tt.wantErrOnField != "" {
				re, ok := err.(*RangeError)
				if !ok || re.Field != tt.wantErrOnField {
					t.Fatalf("err %v, want a RangeError on %s", err, tt.wantErrOnField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := r.From.Format(time.DateOnly) + " " + r.To.Format(time.DateOnly); got != tt.from2+" "+tt.to2 {
				t.Errorf("range %s, want %s %s", got, tt.from2, tt.to2)
			}
			if r.From.Weekday() != time.Monday || r.To.Weekday() != time.Sunday || r.Count() != len(r.Mondays()) {
				t.Errorf("range %v is not whole weeks (%d, %d)", r, r.Count(), len(r.Mondays()))
			}
		})
	}
}
