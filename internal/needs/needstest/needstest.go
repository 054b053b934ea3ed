// Package needstest is the shared test suite every needs.Store runs: the
// sqlite package against a file in a temporary directory, the postgres
// package against a real PostgreSQL.
package needstest

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"trellis/internal/needs"
	suppress "trellis/internal/report"
)

// Opener returns a new, empty, migrated store for one test, closed by the
// test's cleanup.
type Opener func(t *testing.T) needs.Store

// TestStore runs the suite against stores made by open, each subtest on
// its own store, in parallel.
func TestStore(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, needs.Store)
	}{
		{"AddSumsByKey", testAddSums},
		{"ReportGroupsAndRanges", testReport},
		{"ReportChannel", testReportChannel},
		{"ConcurrentAdds", testConcurrent},
		{"AsyncRecorder", testAsync},
		{"UnknownGrouping", testUnknownGrouping},
		{"WeeklySuppressedReports", testReports},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func day(d int) time.Time { return time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC) }

func count(d int, cat, area string, ch needs.Channel, found bool, n int64) needs.Count {
	return needs.Count{Day: day(d), Category: cat, Area: area, Channel: ch, Found: found, N: n}
}

func mustAdd(t *testing.T, s needs.Store, cs ...needs.Count) {
	t.Helper()
	if err := s.AddNeeds(context.Background(), cs); err != nil {
		t.Fatalf("AddNeeds: %v", err)
	}
}

func report(t *testing.T, s needs.Store, q needs.ReportQuery) []needs.ReportRow {
	t.Helper()
	rows, err := s.NeedsReport(context.Background(), q)
	if err != nil {
		t.Fatalf("NeedsReport(%+v): %v", q, err)
	}
	return rows
}

func testAddSums(t *testing.T, s needs.Store) {
	mustAdd(t, s, count(1, "food.pantry", "county:11001", needs.ChannelPublic, false, 2))
	mustAdd(t, s, count(1, "food.pantry", "county:11001", needs.ChannelPublic, false, 3),
		count(1, "food.pantry", "county:11001", needs.ChannelPublic, true, 1),
		// A time of day on the same date counts on that date.
		needs.Count{Day: day(1).Add(15 * time.Hour), Category: "food.pantry", Area: "county:11001", Channel: needs.ChannelPublic, N: 4})
	got := report(t, s, needs.ReportQuery{From: day(1), To: day(1), By: needs.ByCategory})
	want := []needs.ReportRow{{Category: "food.pantry", Searches: 10, Found: 1, Unmet: 9}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report %+v, want %+v", got, want)
	}
}

func testReport(t *testing.T, s needs.Store) {
	mustAdd(t, s,
		count(1, "housing.emergency-shelter", "county:11001", needs.ChannelPublic, false, 5),
		count(1, "housing.emergency-shelter", "county:24033", needs.ChannelSpecialist, false, 2),
		count(2, "housing.emergency-shelter", "county:11001", needs.ChannelPublic, true, 3),
		count(2, "food.pantry", "county:24033", needs.ChannelPublic, false, 1),
		count(2, "food.pantry", "zip3:200", needs.ChannelPublic, true, 6),
		count(3, "", "", needs.ChannelAPI, false, 4),
		count(9, "food.pantry", "county:11001", needs.ChannelPublic, false, 50), // outside the range
	)
	tests := []struct {
		name string
		q    needs.ReportQuery
		want []needs.ReportRow
	}{
		{"by category", needs.ReportQuery{From: day(1), To: day(3), By: needs.ByCategory}, []needs.ReportRow{
			{Category: "housing.emergency-shelter", Searches: 10, Found: 3, Unmet: 7},
			{Category: "", Searches: 4, Found: 0, Unmet: 4},
			{Category: "food.pantry", Searches: 7, Found: 6, Unmet: 1},
		}},
		{"by area", needs.ReportQuery{From: day(1), To: day(3), By: needs.ByArea}, []needs.ReportRow{
			{Area: "county:11001", Searches: 8, Found: 3, Unmet: 5},
			{Area: "", Searches: 4, Found: 0, Unmet: 4},
			{Area: "county:24033", Searches: 3, Found: 0, Unmet: 3},
			{Area: "zip3:200", Searches: 6, Found: 6, Unmet: 0},
		}},
		{"by category and area, one day", needs.ReportQuery{From: day(2), To: day(2), By: needs.ByCategoryArea}, []needs.ReportRow{
			{Category: "food.pantry", Area: "county:24033", Searches: 1, Found: 0, Unmet: 1},
			{Category: "food.pantry", Area: "zip3:200", Searches: 6, Found: 6, Unmet: 0},
			{Category: "housing.emergency-shelter", Area: "county:11001", Searches: 3, Found: 3, Unmet: 0},
		}},
		{"empty range", needs.ReportQuery{From: day(4), To: day(8), By: needs.ByCategory}, []needs.ReportRow{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := report(t, s, tt.q); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("report\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func testReportChannel(t *testing.T, s needs.Store) {
	mustAdd(t, s,
		count(1, "crisis", "county:11001", needs.ChannelPublic, false, 5),
		count(1, "crisis", "county:11001", needs.ChannelSpecialist, false, 2),
		count(1, "crisis", "county:11001", needs.ChannelSpecialist, true, 1),
	)
	got := report(t, s, needs.ReportQuery{From: day(1), To: day(1), By: needs.ByCategory, Channel: needs.ChannelSpecialist})
	want := []needs.ReportRow{{Category: "crisis", Searches: 3, Found: 1, Unmet: 2}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("specialist report %+v, want %+v", got, want)
	}
}

// testConcurrent adds to the same keys from several goroutines (as
// several server instances do) and loses nothing.
func testConcurrent(t *testing.T, s needs.Store) {
	const workers, adds = 4, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*adds)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < adds; i++ {
				errs <- s.AddNeeds(context.Background(), []needs.Count{
					count(1, "food", "county:11001", needs.ChannelPublic, false, 1),
					count(1, "housing", "county:11001", needs.ChannelPublic, true, 2),
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AddNeeds: %v", err)
		}
	}
	got := report(t, s, needs.ReportQuery{From: day(1), To: day(1), By: needs.ByCategory})
	want := []needs.ReportRow{
		{Category: "food", Searches: workers * adds, Found: 0, Unmet: workers * adds},
		{Category: "housing", Searches: 2 * workers * adds, Found: 2 * workers * adds, Unmet: 0},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report %+v, want %+v", got, want)
	}
}

// testAsync records through the asynchronous recorder and reads the
// counts back once it is flushed.
func testAsync(t *testing.T, s needs.Store) {
	a := needs.NewAsync(s, needs.AsyncOptions{FlushEvery: time.Hour})
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		a.Record(ctx, needs.Need{Day: day(5).Add(time.Duration(i) * time.Minute), Category: "legal", Area: "zip3:208",
			Channel: needs.ChannelSpecialist, Found: i%3 == 0})
	}
	a.Record(ctx, needs.Need{Day: day(5), Category: "free text, not an id", Channel: needs.ChannelPublic})
	if err := a.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	a.Record(ctx, needs.Need{Day: day(5), Category: "legal", Area: "zip3:208", Channel: needs.ChannelSpecialist})
	if err := a.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	got := report(t, s, needs.ReportQuery{From: day(5), To: day(5), By: needs.ByCategoryArea})
	want := []needs.ReportRow{{Category: "legal", Area: "zip3:208", Searches: 31, Found: 10, Unmet: 21}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report %+v, want %+v", got, want)
	}
	st := a.Stats()
	if st.Recorded != 31 || st.Written != 31 || st.Dropped != 1 || st.WriteErrors != 0 {
		t.Errorf("stats %+v, want 31 recorded and written, 1 dropped (the invalid category)", st)
	}
}

func testUnknownGrouping(t *testing.T, s needs.Store) {
	if _, err := s.NeedsReport(context.Background(), needs.ReportQuery{From: day(1), To: day(2), By: "text"}); err == nil {
		t.Error("a report grouped by an unknown column succeeded")
	}
}

// testReports builds the reports people read: whole weeks, small counts
// hidden in every grouping and channel, and nothing a second grouping or
// channel would give back.
func testReports(t *testing.T, s needs.Store) {
	ctx := context.Background()
	// Monday 2 to Sunday 15 November 2026.
	r := suppress.Range{From: day(2), To: day(15)}
	mustAdd(t, s,
		// Week 1: 20 shelter searches in DC, 12 unmet; one legal search
		// by a specialist, unmet.
		count(2, "housing.emergency-shelter", "county:11001", needs.ChannelPublic, false, 12),
		count(3, "housing.emergency-shelter", "county:11001", needs.ChannelPublic, true, 8),
		count(4, "legal", "county:11001", needs.ChannelSpecialist, false, 1),
		// Week 2: 9 food searches, all found, in Montgomery.
		count(10, "food.pantry", "county:24031", needs.ChannelPublic, true, 9),
		// Outside the range.
		count(16, "legal", "county:11001", needs.ChannelPublic, false, 40),
	)
	rs, err := needs.BuildReports(ctx, s, r, needs.Labels{})
	if err != nil {
		t.Fatalf("BuildReports: %v", err)
	}
	line := func(l needs.Line) string {
		return l.Searches.String() + "/" + l.Found.String() + "/" + l.Unmet.String()
	}
	weeks := rs.Get("", needs.ByWeek)
	if len(weeks.Rows) != 2 || weeks.Rows[0].Week != "2026-11-02" || weeks.Rows[1].Week != "2026-11-09" {
		t.Fatalf("weeks %+v", weeks.Rows)
	}
	// Week 1 has 21 searches, 8 found, 13 unmet; the one legal search is
	// inside those and shows nowhere.
	if got := line(weeks.Rows[0]); got != "21/8/13" {
		t.Errorf("week 1: %s", got)
	}
	cats := rs.Get("", needs.ByCategory)
	got := map[string]string{}
	for _, l := range cats.Rows {
		got[l.Category] = line(l)
	}
	if got["legal"] != suppress.FewerThan+"/0/"+suppress.FewerThan {
		t.Errorf("legal: %q, want the one search hidden", got["legal"])
	}
	for _, l := range cats.Rows {
		if l.Category == "legal" && l.UnmetShare != nil {
			t.Errorf("legal's unmet share %v gives the count back", *l.UnmetShare)
		}
	}
	// The shelter row would give the legal search back from the unmet
	// total unless something else in the line is withheld.
	if cats.Total.Unmet.Shown() && got["housing.emergency-shelter"] != "" && strings.HasSuffix(got["housing.emergency-shelter"], "/12") {
		t.Errorf("the unmet total %s and shelter's 12 both show: 1 legal search is their difference", cats.Total.Unmet)
	}
	spec := rs.Get(needs.ChannelSpecialist, needs.ByCategory)
	if len(spec.Rows) != 1 || spec.Rows[0].Searches.Shown() || spec.Total.Searches.Shown() {
		t.Errorf("the specialist channel shows its one search: %+v", spec)
	}
	// Asking for the same weeks through BuildReport gives the same table.
	one, err := needs.BuildReport(ctx, s, needs.ReportQuery{From: day(2), To: day(15), By: needs.ByCategory}, needs.Labels{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, cats) {
		t.Errorf("BuildReport\n%+v\nBuildReports\n%+v", one, cats)
	}
	if _, err := needs.BuildReport(ctx, s, needs.ReportQuery{From: day(3), To: day(15), By: needs.ByCategory}, needs.Labels{}); err == nil {
		t.Error("a report starting on a Tuesday was built")
	}
}
