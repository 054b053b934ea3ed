// Package postgres is Trellis's shared store for several instances:
// referrals, accounts and the audit log in PostgreSQL through pgx v5's
// connection pool. The SQL itself lives in sqlstore, shared with the
// sqlite package; this package connects and applies the embedded
// migrations under an advisory lock, so instances starting together
// migrate once.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"trellis/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrateLock serializes migrators of the same schema across instances
// until their transaction ends.
const migrateLock = `SELECT pg_advisory_xact_lock(hashtext('trellis.migrate.' || current_schema()))`

// DB is an open PostgreSQL connection pool. It implements referral.Store
// and auth.Store (through the embedded *sqlstore.Store).
type DB struct {
	*sqlstore.Store
	pool *pgxpool.Pool
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string; extra parameters such as search_path are sent as run-time
// settings), checks the connection and applies pending migrations. It
// returns an error that does not repeat the DSN's password if it cannot.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, errors.New("postgres: the database URL cannot be parsed")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect to %s:%d database %s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	h := handle{q: pool, pool: pool}
	sub, _ := fs.Sub(migrations, "migrations")
	if _, err := sqlstore.Migrate(ctx, h, sub, migrateLock,
		`CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL)`); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &DB{Store: sqlstore.New(h, sqlstore.Dialect{Name: "postgres", IsUnique: isUnique, LockRows: " FOR UPDATE SKIP LOCKED"}), pool: pool}, nil
}

// Close closes the pool, waiting for connections in use to be returned.
// It always returns nil; the error is there to match sqlite.DB.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Pool returns the underlying pool, for tests and maintenance.
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

func isUnique(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// querier is what *pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// handle adapts pgx to sqlstore.DB; pool is nil inside a transaction.
type handle struct {
	q    querier
	pool *pgxpool.Pool
}

func (h handle) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := h.q.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

func (h handle) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	return h.q.Query(ctx, query, args...)
}

func (h handle) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return h.q.QueryRow(ctx, query, args...)
}

func (h handle) Tx(ctx context.Context, fn func(q sqlstore.Querier) error) error {
	if h.pool == nil {
		return fn(h)
	}
	return pgx.BeginFunc(ctx, h.pool, func(tx pgx.Tx) error { return fn(handle{q: tx}) })
}
