package needs

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/report"
)

// ByWeek groups a report by week (its Monday).
const ByWeek = "week"

// Report is an unmet-needs report: where people looked, for a run of
// whole weeks, and how often they found nothing. The API, the pages and
// the command line answer with it. Its counts are suppressed as every
// report's are (package report): under 5 is "fewer than 5", and counts
// that would give one back are withheld, across every grouping and
// channel of the same weeks at once, so that asking again by another
// grouping or channel reveals nothing either.
type Report struct {
	From    string `json:"from"` // a Monday, YYYY-MM-DD
	To      string `json:"to"`   // a Sunday, YYYY-MM-DD
	By      string `json:"by"`
	Channel string `json:"channel,omitempty"`
	// Threshold is the smallest count shown.
	Threshold int    `json:"threshold"`
	Total     Line   `json:"total"`
	Rows      []Line `json:"rows"`
}

// Line is one row of a Report, with names for people.
type Line struct {
	// Week is the Monday of the row's week, in reports by week.
	Week     string `json:"week,omitempty"`
	Category string `json:"category,omitempty"`
	// CategoryLabel is the category's English label; "(not told)" for
	// searches that named no category.
	CategoryLabel string `json:"category_label,omitempty"`
	Area          string `json:"area,omitempty"`
	// AreaLabel names the area: a county with its state, "ZIP 200xx", or
	// "(no place given)".
	AreaLabel string      `json:"area_label,omitempty"`
	Searches  report.Cell `json:"searches"`
	Found     report.Cell `json:"found"`
	// Unmet is the searches that found nothing eligible.
	Unmet report.Cell `json:"unmet"`
	// UnmetShare is Unmet / Searches, 0 to 1; null when either is hidden.
	UnmetShare *float64 `json:"unmet_share"`
}

// Labels name categories and areas for a report; nil functions leave the
// labels to the defaults (the id itself).
type Labels struct {
	Category func(id string) string
	// County names a 5-digit FIPS code ("Montgomery County, MD").
	County func(fips string) string
}

// ParseDay reads a YYYY-MM-DD date. It returns an error naming the form
// otherwise.
func ParseDay(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-01", s)
	}
	return t, nil
}

// AllGroupings are the groupings a report can have, the user's and by
// week.
var AllGroupings = []string{ByCategory, ByArea, ByCategoryArea, ByWeek}

// Reports are every grouping and channel of the unmet-needs counts of
// the same weeks, suppressed together. Get one with Get.
type Reports struct {
	r      report.Range
	tables map[tableKey]*table
}

type tableKey struct {
	channel Channel
	by      string
}

// BuildReports reads the counts of the weeks of r from store and builds
// every report of them, suppressed together. It returns an error for a
// range that is not whole weeks or a store failure.
func BuildReports(ctx context.Context, store Store, r report.Range, l Labels) (*Reports, error) {
	if r.From.Weekday() != time.Monday || r.To.Weekday() != time.Sunday || r.To.Before(r.From) {
		return nil, fmt.Errorf("needs: a report counts whole weeks, Monday to Sunday, not %s to %s", r.From.Format(time.DateOnly), r.To.Format(time.DateOnly))
	}
	counts, err := store.NeedCounts(ctx, r.From, r.To)
	if err != nil {
		return nil, err
	}
	rs := &Reports{r: r, tables: map[tableKey]*table{}}
	channels := append([]Channel{""}, Channels...)
	// Row keys are the same in every channel's table, so that the
	// channels' cells line up with the whole's.
	keys := map[string][]string{}
	for _, by := range AllGroupings {
		keys[by] = rowKeys(by, counts, r)
	}
	for _, ch := range channels {
		for _, by := range AllGroupings {
			rs.tables[tableKey{ch, by}] = newTable(by, ch, keys[by], counts, l)
		}
	}
	report.Suppress(rs.lines()...)
	return rs, nil
}

// BuildReport reads q's counts from store and returns the one report q
// asks for, suppressed with all the others of its weeks. It returns an
// error for a bad query (not whole weeks, unknown grouping or channel) or
// a store failure.
func BuildReport(ctx context.Context, store Store, q ReportQuery, l Labels) (Report, error) {
	switch {
	case !slices.Contains(AllGroupings, q.By):
		return Report{}, fmt.Errorf("unknown grouping %q: want %s", q.By, strings.Join(AllGroupings, ", "))
	case q.Channel != "" && !slices.Contains(Channels, q.Channel):
		return Report{}, fmt.Errorf("unknown channel %q: want public, specialist or api", q.Channel)
	}
	rs, err := BuildReports(ctx, store, report.Range{From: Date(q.From), To: Date(q.To)}, l)
	if err != nil {
		return Report{}, err
	}
	return rs.Get(q.Channel, q.By), nil
}

// Get returns the report by grouping by for channel ch ("" for all);
// rows that count nothing are left out, except weeks. Rows are ordered
// most unmet first by what is shown (weeks oldest first).
func (rs *Reports) Get(ch Channel, by string) Report {
	t := rs.tables[tableKey{ch, by}]
	rep := Report{From: rs.r.From.Format(time.DateOnly), To: rs.r.To.Format(time.DateOnly), By: by, Channel: string(ch),
		Threshold: report.Threshold, Rows: []Line{}}
	if t == nil {
		return rep
	}
	g := t.grid
	for i := range t.keys {
		// A row of zeros is left out, unless one of its zeros was
		// withheld: leaving that out would show it.
		if by != ByWeek && g.RowTotals[i].N == 0 && g.RowTotals[i].Shown() && g.Cells[i][0].Shown() && g.Cells[i][1].Shown() {
			continue
		}
		ln := t.labels[i]
		ln.Found, ln.Unmet, ln.Searches = g.Cells[i][0], g.Cells[i][1], g.RowTotals[i]
		ln.UnmetShare = report.ShareOf(ln.Unmet, ln.Found)
		rep.Rows = append(rep.Rows, ln)
	}
	rep.Total = Line{Found: g.ColTotals[0], Unmet: g.ColTotals[1], Searches: g.Total}
	rep.Total.UnmetShare = report.ShareOf(rep.Total.Unmet, rep.Total.Found)
	if by != ByWeek {
		sortLines(rep.Rows)
	}
	return rep
}

// table is one grouping of one channel: rows by key, columns found and
// unmet, searches as the row totals.
type table struct {
	keys   []string
	index  map[string]int
	labels []Line
	grid   report.Grid
}

// rowKey returns the row key of a count in grouping by.
func rowKey(by string, c Count) string {
	switch by {
	case ByCategory:
		return c.Category
	case ByArea:
		return c.Area
	case ByCategoryArea:
		return c.Category + "\x00" + c.Area
	}
	return report.WeekOf(Date(c.Day)).Format(time.DateOnly)
}

// rowKeys returns the rows of grouping by: every week of r, or the keys
// the counts have.
func rowKeys(by string, counts []Count, r report.Range) []string {
	var out []string
	if by == ByWeek {
		for _, m := range r.Mondays() {
			out = append(out, m.Format(time.DateOnly))
		}
		return out
	}
	seen := map[string]bool{}
	for _, c := range counts {
		if k := rowKey(by, c); !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// newTable counts the counts of channel ch ("" for all) into rows keys.
func newTable(by string, ch Channel, keys []string, counts []Count, l Labels) *table {
	t := &table{keys: keys, index: map[string]int{}}
	cells := make([][]int64, len(keys))
	for i, k := range keys {
		t.index[k] = i
		cells[i] = make([]int64, 2)
		var ln Line
		switch by {
		case ByWeek:
			ln.Week = k
		case ByCategory:
			ln.Category, ln.CategoryLabel = k, categoryLabel(k, l)
		case ByArea:
			ln.Area, ln.AreaLabel = k, areaLabel(k, l)
		case ByCategoryArea:
			cat, area, _ := strings.Cut(k, "\x00")
			ln.Category, ln.CategoryLabel, ln.Area, ln.AreaLabel = cat, categoryLabel(cat, l), area, areaLabel(area, l)
		}
		t.labels = append(t.labels, ln)
	}
	for _, c := range counts {
		if ch != "" && c.Channel != ch {
			continue
		}
		i, ok := t.index[rowKey(by, c)]
		if !ok {
			continue
		}
		if c.Found {
			cells[i][0] += c.N
		} else {
			cells[i][1] += c.N
		}
	}
	t.grid = report.RawGrid(cells, 2)
	return t
}

// lines returns every sum a reader of the reports could check: each
// table's own, the same totals in every grouping of a channel, the
// categories and areas as sums of their category-and-area rows, and the
// whole as the sum of the channels.
func (rs *Reports) lines() []report.Line {
	var ls []report.Line
	channels := append([]Channel{""}, Channels...)
	// column j of row i of a table: found (0), unmet (1) or searches (2).
	cell := func(t *table, i, j int) *report.Cell {
		if j == 2 {
			return &t.grid.RowTotals[i]
		}
		return &t.grid.Cells[i][j]
	}
	total := func(t *table, j int) *report.Cell {
		if j == 2 {
			return &t.grid.Total
		}
		return &t.grid.ColTotals[j]
	}
	for _, ch := range channels {
		first := rs.tables[tableKey{ch, ByCategory}]
		for _, by := range AllGroupings {
			t := rs.tables[tableKey{ch, by}]
			ls = append(ls, t.grid.Lines()...)
			if t != first {
				for j := 0; j < 3; j++ {
					ls = append(ls, report.Line{Parts: []*report.Cell{total(first, j)}, Total: total(t, j)})
				}
			}
		}
		pairs := rs.tables[tableKey{ch, ByCategoryArea}]
		for _, by := range []string{ByCategory, ByArea} {
			t := rs.tables[tableKey{ch, by}]
			for i, k := range t.keys {
				for j := 0; j < 3; j++ {
					l := report.Line{Total: cell(t, i, j)}
					for pi, pk := range pairs.keys {
						cat, area, _ := strings.Cut(pk, "\x00")
						if (by == ByCategory && cat == k) || (by == ByArea && area == k) {
							l.Parts = append(l.Parts, cell(pairs, pi, j))
						}
					}
					ls = append(ls, l)
				}
			}
		}
	}
	for _, by := range AllGroupings {
		whole := rs.tables[tableKey{"", by}]
		for j := 0; j < 3; j++ {
			for i := range whole.keys {
				l := report.Line{Total: cell(whole, i, j)}
				for _, ch := range Channels {
					l.Parts = append(l.Parts, cell(rs.tables[tableKey{ch, by}], i, j))
				}
				ls = append(ls, l)
			}
			l := report.Line{Total: total(whole, j)}
			for _, ch := range Channels {
				l.Parts = append(l.Parts, total(rs.tables[tableKey{ch, by}], j))
			}
			ls = append(ls, l)
		}
	}
	return ls
}

// sortLines orders rows most unmet first, then most searched, by what is
// shown (hidden counts as none, so their order tells nothing), then by
// labels.
func sortLines(rows []Line) {
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		au, _ := a.Unmet.Value()
		bu, _ := b.Unmet.Value()
		if au != bu {
			return au > bu
		}
		as, _ := a.Searches.Value()
		bs, _ := b.Searches.Value()
		if as != bs {
			return as > bs
		}
		if a.CategoryLabel != b.CategoryLabel {
			return a.CategoryLabel < b.CategoryLabel
		}
		return a.AreaLabel < b.AreaLabel
	})
}

func categoryLabel(id string, l Labels) string {
	if id == "" {
		return "(not told)"
	}
	if l.Category != nil {
		if s := l.Category(id); s != "" {
			return s
		}
	}
	return id
}

func areaLabel(area string, l Labels) string {
	kind, code, _ := strings.Cut(area, ":")
	switch kind {
	case "":
		return "(no place given)"
	case "county":
		if l.County != nil {
			if s := l.County(code); s != "" {
				return s
			}
		}
		return "county " + code
	case "zip3":
		return "ZIP " + code + "xx"
	}
	return area
}

// WriteCSV writes the report as CSV: a header row, then one row per line
// and a last row for the total, with hidden counts written as the report
// shows them ("fewer than 5", "withheld"). It returns the writer's error.
func (rep Report) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	share := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', 4, 64)
	}
	cw.Write([]string{"from", "to", "channel", "week", "category", "category_label", "area", "area_label", "searches", "found", "unmet", "unmet_share"})
	row := func(l Line) []string {
		return []string{rep.From, rep.To, rep.Channel, l.Week, l.Category, l.CategoryLabel, l.Area, l.AreaLabel,
			l.Searches.String(), l.Found.String(), l.Unmet.String(), share(l.UnmetShare)}
	}
	for _, l := range rep.Rows {
		cw.Write(row(l))
	}
	total := row(rep.Total)
	total[3] = "total"
	cw.Write(total)
	cw.Flush()
	return cw.Error()
}

// CatalogLabels names categories from cat's taxonomy in lang, and
// counties from places ("Montgomery County, MD"); either may be nil.
func CatalogLabels(cat *directory.Catalog, places *geo.Gazetteer, lang string) Labels {
	var l Labels
	if cat != nil {
		l.Category = func(id string) string {
			if c := cat.Taxonomy.Category(id); c != nil {
				return c.Label.In(lang)
			}
			return ""
		}
	}
	if places != nil {
		l.County = func(fips string) string {
			if c, ok := places.CountyByFIPS(fips); ok {
				return geo.CountyLabel(c)
			}
			return ""
		}
	}
	return l
}
