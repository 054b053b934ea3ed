package sqlstore

import (
	"context"
	"fmt"
	"time"

	"trellis/internal/needs"
)

// AddNeeds implements needs.Store: each count is added to its key's
// stored count (inserted when new), all in one transaction.
func (s *Store) AddNeeds(ctx context.Context, counts []needs.Count) error {
	err := s.db.Tx(ctx, func(q Querier) error {
		for _, c := range counts {
			if c.N <= 0 {
				continue
			}
			_, err := q.Exec(ctx, `INSERT INTO need_counts (day, category, area, channel, found, n)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (day, category, area, channel, found) DO UPDATE SET n = need_counts.n + excluded.n`,
				needs.Date(c.Day), c.Category, c.Area, string(c.Channel), c.Found, c.N)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: add need counts: %w", s.d.Name, err)
	}
	return nil
}

// NeedsReport implements needs.Store.
func (s *Store) NeedsReport(ctx context.Context, q needs.ReportQuery) ([]needs.ReportRow, error) {
	var cols string
	switch q.By {
	case needs.ByCategory:
		cols = "category, ''"
	case needs.ByArea:
		cols = "'', area"
	case needs.ByCategoryArea:
		cols = "category, area"
	default:
		return nil, fmt.Errorf("%s: needs report: unknown grouping %q", s.d.Name, q.By)
	}
	var a args
	query := `SELECT ` + cols + `, CAST(SUM(n) AS bigint), CAST(SUM(CASE WHEN found THEN n ELSE 0 END) AS bigint)
		FROM need_counts WHERE day >= ` + a.add(needs.Date(q.From)) + ` AND day <= ` + a.add(needs.Date(q.To))
	if q.Channel != "" {
		query += ` AND channel = ` + a.add(string(q.Channel))
	}
	query += ` GROUP BY 1, 2`
	rows, err := s.db.Query(ctx, query, a...)
	if err != nil {
		return nil, fmt.Errorf("%s: needs report: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []needs.ReportRow{}
	for rows.Next() {
		var r needs.ReportRow
		if err := rows.Scan(&r.Category, &r.Area, &r.Searches, &r.Found); err != nil {
			return nil, fmt.Errorf("%s: needs report: %w", s.d.Name, err)
		}
		r.Unmet = r.Searches - r.Found
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: needs report: %w", s.d.Name, err)
	}
	needs.SortReport(out)
	return out, nil
}

// NeedCounts implements needs.Store.
func (s *Store) NeedCounts(ctx context.Context, from, to time.Time) ([]needs.Count, error) {
	rows, err := s.db.Query(ctx, `SELECT day, category, area, channel, found, n FROM need_counts WHERE day >= $1 AND day <= $2`,
		needs.Date(from), needs.Date(to))
	if err != nil {
		return nil, fmt.Errorf("%s: need counts: %w", s.d.Name, err)
	}
	defer rows.Close()
	out := []needs.Count{}
	for rows.Next() {
		var c needs.Count
		if err := rows.Scan(tm(&c.Day), &c.Category, &c.Area, &c.Channel, &c.Found, &c.N); err != nil {
			return nil, fmt.Errorf("%s: need counts: %w", s.d.Name, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: need counts: %w", s.d.Name, err)
	}
	return out, nil
}
