package sqlstore

import (
	"context"
	"fmt"
	"time"

	"trellis/internal/report"
)

// AddProblem implements report.ProblemStore: one more report of the
// problem on the day.
func (s *Store) AddProblem(ctx context.Context, day time.Time, key string, p report.Problem) error {
	if err := report.CheckProblem(key, p); err != nil {
		return fmt.Errorf("%s: add problem report: %w", s.d.Name, err)
	}
	_, err := s.db.Exec(ctx, `INSERT INTO problem_reports (day, service_key, kind, n) VALUES ($1, $2, $3, 1)
		ON CONFLICT (day, service_key, kind) DO UPDATE SET n = problem_reports.n + 1`,
		report.Day(day, time.UTC), key, string(p))
	if err != nil {
		return fmt.Errorf("%s: add problem report: %w", s.d.Name, err)
	}
	return nil
}

// ProblemCounts implements report.ProblemStore.
func (s *Store) ProblemCounts(ctx context.Context, since time.Time) ([]report.ProblemCount, error) {
	rows, err := s.db.Query(ctx, `SELECT day, service_key, kind, n FROM problem_reports WHERE day >= $1`, report.Day(since, time.UTC))
	if err != nil {
		return nil, fmt.Errorf("%s: problem reports: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []report.ProblemCount{}
	for rows.Next() {
		var c report.ProblemCount
		if err := rows.Scan(tm(&c.Day), &c.ServiceKey, &c.Problem, &c.N); err != nil {
			return nil, fmt.Errorf("%s: problem reports: %w", s.d.Name, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: problem reports: %w", s.d.Name, err)
	}
	return out, nil
}
