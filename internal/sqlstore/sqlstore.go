// Package sqlstore implements referral.Store and auth.Store once, in SQL
// that SQLite and PostgreSQL both accept ($1 placeholders, standard
// types through the drivers), over a small database interface that the
// sqlite package (database/sql with modernc.org/sqlite) and the postgres
// package (pgxpool) adapt their handles to. It also applies each
// dialect's embedded migrations.
//
// Errors name ids only, never referral content or secrets.
package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// Querier runs statements; both a database handle and a transaction are
// one.
type Querier interface {
	// Exec runs a statement and returns the number of rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	// Query runs a query; the caller closes the rows.
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	// QueryRow runs a query expected to return at most one row; Scan
	// returns an error wrapping sql.ErrNoRows when there is none.
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// DB is a database handle.
type DB interface {
	Querier
	// Tx runs fn in a transaction that holds the write lock (SQLite) or
	// runs at READ COMMITTED (PostgreSQL), committing if fn returns nil
	// and rolling back otherwise.
	Tx(ctx context.Context, fn func(q Querier) error) error
}

// Rows is a query's result set.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result.
type Row interface {
	Scan(dest ...any) error
}

// Dialect is what differs between the databases at run time.
type Dialect struct {
	// Name is "sqlite" or "postgres", used in error messages.
	Name string
	// IsUnique reports whether err is a unique-constraint violation.
	IsUnique func(err error) bool
	// LockRows ends a subquery that picks rows to claim: " FOR UPDATE
	// SKIP LOCKED" on PostgreSQL, so that concurrent claimers skip each
	// other's rows; empty on SQLite, whose write lock serializes them.
	LockRows string
}

// Store implements referral.Store and auth.Store over a DB.
type Store struct {
	db DB
	d  Dialect
}

// New returns a Store over db. The schema must be migrated (Migrate).
func New(db DB, d Dialect) *Store { return &Store{db: db, d: d} }

// Migrate applies the migrations in fsys (files NNNN_name.sql at its root,
// in name order) that are not yet recorded in schema_migrations, in one
// transaction, recording each. lock, when not empty, is run first in that
// transaction to serialize concurrent migrators (PostgreSQL: an advisory
// transaction lock); SQLite's write lock does the same by itself. table is
// the dialect's CREATE TABLE IF NOT EXISTS schema_migrations statement.
// It returns the versions it applied, or an error naming the migration
// that failed, after which nothing has been applied.
func Migrate(ctx context.Context, db DB, fsys fs.FS, lock, table string) ([]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrate: list: %w", err)
	}
	slices.Sort(names)
	var applied []string
	err = db.Tx(ctx, func(q Querier) error {
		if lock != "" {
			if _, err := q.Exec(ctx, lock); err != nil {
				return fmt.Errorf("migrate: lock: %w", err)
			}
		}
		if _, err := q.Exec(ctx, table); err != nil {
			return fmt.Errorf("migrate: create schema_migrations: %w", err)
		}
		done := map[string]bool{}
		rows, err := q.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("migrate: read schema_migrations: %w", err)
			}
			done[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("migrate: read schema_migrations: %w", err)
		}
		for _, name := range names {
			v := strings.TrimSuffix(path.Base(name), ".sql")
			if done[v] {
				continue
			}
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return fmt.Errorf("migrate %s: %w", v, err)
			}
			if _, err := q.Exec(ctx, string(b)); err != nil {
				return fmt.Errorf("migrate %s: %w", v, err)
			}
			if _, err := q.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`, v, time.Now().UTC()); err != nil {
				return fmt.Errorf("migrate %s: record: %w", v, err)
			}
			applied = append(applied, v)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return applied, nil
}

// Tx runs fn in a transaction of the store's database.
func (s *Store) Tx(ctx context.Context, fn func(q Querier) error) error { return s.db.Tx(ctx, fn) }

// nullTime returns t as a query argument: nil when zero.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// timeDest scans a time stored by either dialect into *T: PostgreSQL
// hands over time.Time, SQLite the microseconds since the epoch that
// the DSN's _time_integer_format=unix_micro writes; NULL gives the zero
// time.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case int64:
		*d.t = time.UnixMicro(v).UTC()
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

// tm returns a scan destination for a time column.
func tm(t *time.Time) timeDest { return timeDest{t} }

// nullString returns s as a query argument: nil when empty.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// strDest scans a nullable text column, NULL giving "".
type strDest struct{ s *string }

func (d strDest) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d.s = ""
	case string:
		*d.s = v
	case []byte:
		*d.s = string(v)
	default:
		return fmt.Errorf("scan string: unexpected %T", src)
	}
	return nil
}
