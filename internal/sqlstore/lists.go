package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"trellis/internal/shortlist"
)

// CreateList implements shortlist.Store.
func (s *Store) CreateList(ctx context.Context, l *shortlist.List) error {
	_, err := s.db.Exec(ctx, `INSERT INTO short_lists (code, ids, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		l.Code, strings.Join(l.IDs, ","), l.CreatedAt, l.ExpiresAt)
	if err != nil && s.d.IsUnique(err) {
		return shortlist.ErrCodeTaken
	}
	if err != nil {
		return fmt.Errorf("%s: save list: %w", s.d.Name, err)
	}
	return nil
}

// List implements shortlist.Store. The error does not repeat the code.
func (s *Store) List(ctx context.Context, code string, now time.Time) (*shortlist.List, error) {
	l := &shortlist.List{Code: code}
	var ids string
	err := s.db.QueryRow(ctx, `SELECT ids, created_at, expires_at FROM short_lists WHERE code = $1 AND expires_at > $2`, code, now).
		Scan(&ids, tm(&l.CreatedAt), tm(&l.ExpiresAt))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shortlist.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%s: read list: %w", s.d.Name, err)
	}
	l.IDs = strings.Split(ids, ",")
	return l, nil
}

// DeleteExpiredLists implements shortlist.Store.
func (s *Store) DeleteExpiredLists(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM short_lists WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("%s: delete expired lists: %w", s.d.Name, err)
	}
	return n, nil
}
