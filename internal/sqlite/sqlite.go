// Package sqlite is Trellis's embedded store: referrals, accounts and the
// audit log in one SQLite file under the state directory, through the
// pure-Go modernc.org/sqlite driver. The SQL itself lives in sqlstore,
// shared with the postgres package; this package opens the file with the
// right pragmas and applies the embedded migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"trellis/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file's name inside the state directory.
const FileName = "trellis.db"

// DefaultDir is the state directory used when none is given.
const DefaultDir = "./var"

// dsnQuery sets, on every connection: a busy timeout first (so the rest
// wait for locks), write-ahead logging, full fsync on commit (an
// acknowledged referral survives power loss), foreign keys (cascading
// deletes), BEGIN IMMEDIATE for transactions (writers queue on the busy
// timeout instead of failing to upgrade a read lock), and time.Time
// arguments written as microseconds since the epoch.
const dsnQuery = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)" +
	"&_txlock=immediate&_time_integer_format=unix_micro"

// DB is an open SQLite database. It implements referral.Store and
// auth.Store (through the embedded *sqlstore.Store).
type DB struct {
	*sqlstore.Store
	// Path is the database file.
	Path string
	db   *sql.DB
}

// Open opens (creating it, mode 0600, in a directory created with mode
// 0700, if needed) the database file FileName in dir (DefaultDir if
// empty), and applies pending migrations. It returns an error naming the
// file if it cannot be opened or migrated.
func Open(ctx context.Context, dir string) (*DB, error) {
	if dir == "" {
		dir = DefaultDir
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: state dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: state dir %q: '?' and '#' are not allowed in the path", dir)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	f.Close()
	sdb, err := sql.Open("sqlite", path+"?"+dsnQuery)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	h := handle{q: sdb, db: sdb}
	sub, _ := fs.Sub(migrations, "migrations")
	if _, err := sqlstore.Migrate(ctx, h, sub, "",
		`CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	return &DB{Store: sqlstore.New(h, sqlstore.Dialect{Name: "sqlite", IsUnique: isUnique}), Path: path, db: sdb}, nil
}

// Close closes the database. It returns the driver's error, if any.
func (db *DB) Close() error {
	if err := db.db.Close(); err != nil {
		return fmt.Errorf("sqlite: close %s: %w", db.Path, err)
	}
	return nil
}

// SQL returns the underlying database/sql handle, for tests and
// maintenance.
func (db *DB) SQL() *sql.DB { return db.db }

func isUnique(err error) bool {
	var e *sqlite.Error
	return errors.As(err, &e) && (e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// handle adapts database/sql to sqlstore.DB; db is nil inside a
// transaction.
type handle struct {
	q  querier
	db *sql.DB
}

func (h handle) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := h.q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (h handle) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := h.q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

func (h handle) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	return h.q.QueryRowContext(ctx, query, args...)
}

func (h handle) Tx(ctx context.Context, fn func(q sqlstore.Querier) error) error {
	if h.db == nil {
		return fn(h)
	}
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(handle{q: tx}); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sqlRows drops the error of (*sql.Rows).Close, which Err reports too.
type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { _ = r.Rows.Close() }
