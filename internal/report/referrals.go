package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"

	"trellis/internal/directory"
	"trellis/internal/referral"
)

// The outcome of a referral, for the closed-loop share: closed when the
// agency accepted it (or it was completed after that), not closed when it
// was declined, expired, the peer did not come, or it is still waiting
// for an answer; cancelled referrals (withdrawn by the specialist or the
// peer) are counted apart and left out of the share.
const (
	OutcomeClosed    = "closed"
	OutcomeNotClosed = "not_closed"
	OutcomeCancelled = "cancelled"
)

// Outcomes lists the outcome columns in order.
var Outcomes = []string{OutcomeClosed, OutcomeNotClosed, OutcomeCancelled}

// OutcomeOf returns the outcome column of status st.
func OutcomeOf(st referral.Status) string {
	switch st {
	case referral.StatusAccepted, referral.StatusCompleted:
		return OutcomeClosed
	case referral.StatusCancelled:
		return OutcomeCancelled
	}
	return OutcomeNotClosed
}

// Scope says whose referrals a report counts.
type Scope string

// The scopes.
const (
	ScopeAll  Scope = "all"  // every team's: coordinators and admins
	ScopeTeam Scope = "team" // a specialist's own and their team's
	ScopeOwn  Scope = "own"  // a specialist without a team: their own
)

// Labels name agencies (organization ids) and needs (category ids) for a
// report; a nil function, or "" from one, leaves the id.
type Labels struct {
	Agency func(id string) string
	Need   func(id string) string
}

func (l Labels) agency(id string) string {
	if l.Agency != nil {
		if s := l.Agency(id); s != "" {
			return s
		}
	}
	return id
}

func (l Labels) need(id string) string {
	if l.Need != nil {
		if s := l.Need(id); s != "" {
			return s
		}
	}
	return id
}

// Referrals is the referral outcome report: counts by week and status,
// the closed-loop share, the time from sending to the agency's first
// answer, by agency and by need; every count suppressed (Grid) and every
// time shown only over at least Threshold answers.
type Referrals struct {
	From      string `json:"from"` // a Monday, YYYY-MM-DD
	To        string `json:"to"`   // a Sunday, YYYY-MM-DD
	Weeks     int    `json:"weeks"`
	Scope     Scope  `json:"scope"`
	Threshold int    `json:"threshold"`
	// Statuses are the columns of ByWeek, in lifecycle order.
	Statuses []referral.Status `json:"statuses"`
	ByWeek   []WeekCounts      `json:"by_week"`
	// StatusTotals are the columns' totals, in Statuses order.
	StatusTotals []Cell `json:"status_totals"`
	Total        Cell   `json:"total"`
	// Loop is the closed-loop share over the whole range.
	Loop Loop `json:"closed_loop"`
	// Answer is the time from sending to the first answer over the whole
	// range.
	Answer Waits `json:"time_to_answer"`
	// ByAgency and ByNeed are ordered by referrals, most first.
	ByAgency []Group `json:"by_agency"`
	ByNeed   []Group `json:"by_need"`
}

// WeekCounts is one week of Referrals.ByWeek.
type WeekCounts struct {
	Week string `json:"week"` // its Monday
	// Counts are in the order of Referrals.Statuses.
	Counts []Cell `json:"counts"`
	Total  Cell   `json:"total"`
}

// Loop counts outcomes: Share is Closed / (Closed + NotClosed), null when
// either is hidden or both are zero.
type Loop struct {
	Closed    Cell     `json:"closed"`
	NotClosed Cell     `json:"not_closed"`
	Cancelled Cell     `json:"cancelled"`
	Share     *float64 `json:"share"`
}

// Waits are the median and 90th percentile of the hours from sending a
// referral to the agency's first answer; null when fewer than Threshold
// referrals were answered.
type Waits struct {
	MedianHours *float64 `json:"median_hours"`
	P90Hours    *float64 `json:"p90_hours"`
}

// Group is one agency or need of a Referrals report.
type Group struct {
	ID        string `json:"id"`
	Label     string `json:"label"`
	Referrals Cell   `json:"referrals"`
	Loop
	Waits
}

// BuildReferrals counts outcomes (already selected for r and scope) by the
// weeks of r in loc. Referrals created outside r are ignored.
func BuildReferrals(outs []referral.Outcome, r Range, loc *time.Location, scope Scope, l Labels) Referrals {
	rep := Referrals{From: r.From.Format(time.DateOnly), To: r.To.Format(time.DateOnly), Weeks: r.Count(), Scope: scope,
		Threshold: Threshold, Statuses: slices.Clone(referral.Statuses)}
	mondays := r.Mondays()
	week := map[time.Time]int{}
	for i, m := range mondays {
		week[m] = i
	}
	col := map[referral.Status]int{}
	for i, st := range referral.Statuses {
		col[st] = i
	}
	counts := make([][]int64, len(mondays))
	for i := range counts {
		counts[i] = make([]int64, len(referral.Statuses))
	}
	var kept []referral.Outcome
	for _, o := range outs {
		i, ok := week[WeekOf(Day(o.CreatedAt, loc))]
		j, known := col[o.Status]
		if !ok || !known {
			continue
		}
		counts[i][j]++
		kept = append(kept, o)
	}
	weeks := RawGrid(counts, len(referral.Statuses))
	agencies := groups(kept, func(o referral.Outcome) string { org, _, _ := strings.Cut(o.ServiceKey, "."); return org })
	needs := groups(kept, func(o referral.Outcome) string { return o.Need })
	// The three tables count the same referrals: their totals are the
	// same numbers, and the outcome columns are sums of status columns.
	// Those ties are lines too, so that no table shows what another hides.
	lines := append(weeks.Lines(), agencies.grid.Lines()...)
	lines = append(lines, needs.grid.Lines()...)
	st := func(s referral.Status) *Cell { return &weeks.ColTotals[col[s]] }
	a, n := agencies.grid.ColTotals, needs.grid.ColTotals
	lines = append(lines,
		Line{Parts: []*Cell{st(referral.StatusAccepted), st(referral.StatusCompleted)}, Total: &a[0]},
		Line{Parts: []*Cell{st(referral.StatusSent), st(referral.StatusDeclined), st(referral.StatusNoShow), st(referral.StatusExpired)}, Total: &a[1]},
		Line{Parts: []*Cell{st(referral.StatusCancelled)}, Total: &a[2]},
		Line{Parts: []*Cell{&weeks.Total}, Total: &agencies.grid.Total},
		Line{Parts: []*Cell{&weeks.Total}, Total: &needs.grid.Total},
	)
	for j := range a {
		lines = append(lines, Line{Parts: []*Cell{&a[j]}, Total: &n[j]})
	}
	Suppress(lines...)

	for i, m := range mondays {
		rep.ByWeek = append(rep.ByWeek, WeekCounts{Week: m.Format(time.DateOnly), Counts: weeks.Cells[i], Total: weeks.RowTotals[i]})
	}
	rep.StatusTotals, rep.Total = weeks.ColTotals, weeks.Total
	rep.ByAgency, rep.ByNeed = agencies.build(l.agency), needs.build(l.need)
	rep.Loop = loop(a)
	rep.Answer = waits(kept)
	return rep
}

// grouped is a table of outcomes by group, before suppression.
type grouped struct {
	keys []string
	outs [][]referral.Outcome
	grid Grid
}

// groups counts outcomes by key into a table (rows in key order, columns
// in Outcomes order), not yet suppressed.
func groups(outs []referral.Outcome, key func(referral.Outcome) string) *grouped {
	byKey := map[string][]referral.Outcome{}
	for _, o := range outs {
		k := key(o)
		byKey[k] = append(byKey[k], o)
	}
	g := &grouped{}
	for k := range byKey {
		g.keys = append(g.keys, k)
	}
	sort.Strings(g.keys)
	counts := make([][]int64, len(g.keys))
	for i, k := range g.keys {
		g.outs = append(g.outs, byKey[k])
		counts[i] = make([]int64, len(Outcomes))
		for _, o := range byKey[k] {
			counts[i][slices.Index(Outcomes, OutcomeOf(o.Status))]++
		}
	}
	g.grid = RawGrid(counts, len(Outcomes))
	return g
}

// build returns the groups, suppressed, labelled and ordered: most
// referrals first by what is shown (hidden counts do not order among
// themselves, so their order tells nothing), then by label.
func (g *grouped) build(label func(string) string) []Group {
	out := []Group{}
	for i, k := range g.keys {
		out = append(out, Group{ID: k, Label: label(k), Referrals: g.grid.RowTotals[i], Loop: loop(g.grid.Cells[i]), Waits: waits(g.outs[i])})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, _ := out[i].Referrals.Value()
		b, _ := out[j].Referrals.Value()
		if a != b {
			return a > b
		}
		return out[i].Label < out[j].Label
	})
	return out
}

// loop reads the outcome columns (in Outcomes order) into a Loop.
func loop(c []Cell) Loop {
	if len(c) != len(Outcomes) {
		return Loop{}
	}
	return Loop{Closed: c[0], NotClosed: c[1], Cancelled: c[2], Share: ShareOf(c[0], c[1])}
}

// waits returns the median and 90th percentile of the answered outcomes'
// waits, in hours, when at least Threshold were answered.
func waits(outs []referral.Outcome) Waits {
	var hours []float64
	for _, o := range outs {
		if o.Answered() {
			hours = append(hours, o.Waited().Hours())
		}
	}
	if len(hours) < Threshold {
		return Waits{}
	}
	sort.Float64s(hours)
	med := stat.Quantile(0.5, stat.Empirical, hours, nil)
	p90 := stat.Quantile(0.9, stat.Empirical, hours, nil)
	return Waits{MedianHours: &med, P90Hours: &p90}
}

// The tables of a Referrals report, for CSV.
const (
	TableWeeks    = "weeks"
	TableAgencies = "agencies"
	TableNeeds    = "needs"
)

// Tables lists the tables of a Referrals report.
var Tables = []string{TableWeeks, TableAgencies, TableNeeds}

// WriteCSV writes one table of the report as CSV (TableWeeks,
// TableAgencies or TableNeeds): a header row, a row per week or group and
// a last row for the total, hidden counts written as the report shows
// them. Hours have one decimal; shares four. It returns an error for an
// unknown table or the writer's error.
func (rep Referrals) WriteCSV(w io.Writer, table string) error {
	cw := csv.NewWriter(w)
	switch table {
	case TableWeeks:
		head := []string{"week"}
		for _, st := range rep.Statuses {
			head = append(head, string(st))
		}
		cw.Write(append(head, "total"))
		for _, wk := range rep.ByWeek {
			cw.Write(append(append([]string{wk.Week}, cells(wk.Counts)...), wk.Total.String()))
		}
		cw.Write(append(append([]string{"total"}, cells(rep.StatusTotals)...), rep.Total.String()))
	case TableAgencies, TableNeeds:
		gs := rep.ByAgency
		if table == TableNeeds {
			gs = rep.ByNeed
		}
		cw.Write([]string{"id", "label", "referrals", "closed", "not_closed", "cancelled", "closed_loop_share", "median_hours_to_answer", "p90_hours_to_answer"})
		for _, g := range gs {
			cw.Write(groupRow(g.ID, g.Label, g.Referrals, g.Loop, g.Waits))
		}
		cw.Write(groupRow("total", "", rep.Total, rep.Loop, rep.Answer))
	default:
		return fmt.Errorf("report: unknown table %q: want %s", table, strings.Join(Tables, ", "))
	}
	cw.Flush()
	return cw.Error()
}

func cells(cs []Cell) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.String()
	}
	return out
}

func groupRow(id, label string, n Cell, l Loop, w Waits) []string {
	return []string{id, label, n.String(), l.Closed.String(), l.NotClosed.String(), l.Cancelled.String(),
		decimal(l.Share, 4), decimal(w.MedianHours, 1), decimal(w.P90Hours, 1)}
}

// decimal formats f with prec decimals, "" for nil.
func decimal(f *float64, prec int) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', prec, 64)
}

// CatalogLabels names agencies by their organization's name in cat and
// needs by their category's label in lang; cat may be nil.
func CatalogLabels(cat *directory.Catalog, lang string) Labels {
	if cat == nil {
		return Labels{}
	}
	return Labels{
		Agency: func(id string) string {
			if o := cat.Organization(id); o != nil {
				return o.Name
			}
			return ""
		},
		Need: func(id string) string {
			if c := cat.Taxonomy.Category(id); c != nil {
				return c.Label.In(lang)
			}
			return ""
		},
	}
}
