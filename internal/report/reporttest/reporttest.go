// Package reporttest is the shared test suite of report.ProblemStore: the
// sqlite package runs it against a file, the postgres package against a
// real PostgreSQL.
package reporttest

import (
	"context"
	"sort"
	"sync"
	"testing"
	"time"

	"trellis/internal/report"
)

// TestProblemStore counts reports by day, service and problem, from
// several writers at once, and refuses anything but a key and a choice.
func TestProblemStore(t *testing.T, open func(t *testing.T) report.ProblemStore) {
	s := open(t)
	ctx := context.Background()
	d1 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	d2 := d1.AddDate(0, 0, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 12)
	for i := 0; i < 6; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); errs <- s.AddProblem(ctx, d1, "harbor.shelter", report.ProblemPhone) }()
		go func() {
			defer wg.Done()
			errs <- s.AddProblem(ctx, d2.Add(15*time.Hour), "harbor.shelter", report.ProblemHours)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AddProblem: %v", err)
		}
	}
	if err := s.AddProblem(ctx, d2, "north.beds", report.ProblemClosed); err != nil {
		t.Fatal(err)
	}
	got, err := s.ProblemCounts(ctx, d1)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(got, func(i, j int) bool {
		if !got[i].Day.Equal(got[j].Day) {
			return got[i].Day.Before(got[j].Day)
		}
		return got[i].ServiceKey < got[j].ServiceKey
	})
	want := []report.ProblemCount{
		{Day: d1, ServiceKey: "harbor.shelter", Problem: report.ProblemPhone, N: 6},
		{Day: d2, ServiceKey: "harbor.shelter", Problem: report.ProblemHours, N: 6},
		{Day: d2, ServiceKey: "north.beds", Problem: report.ProblemClosed, N: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	for i := range want {
		if !got[i].Day.Equal(want[i].Day) || got[i].ServiceKey != want[i].ServiceKey || got[i].Problem != want[i].Problem || got[i].N != want[i].N {
			t.Errorf("count %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if later, err := s.ProblemCounts(ctx, d1.AddDate(0, 0, 1)); err != nil || len(later) != 2 {
		t.Errorf("since the next day: %+v %v", later, err)
	}
	for _, bad := range []struct {
		key string
		p   report.Problem
	}{{"harbor.shelter", "the number rings a fax"}, {"Call me at 202-555-0100", report.ProblemOther}, {"harbor", report.ProblemPhone}} {
		if err := s.AddProblem(ctx, d1, bad.key, bad.p); err == nil {
			t.Errorf("stored %q %q", bad.key, bad.p)
		}
	}
}
