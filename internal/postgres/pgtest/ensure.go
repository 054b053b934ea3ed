package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// StartHint is how to start the local PostgreSQL on Debian, for messages.
const StartHint = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"

// URL returns the test database URL: TRELLIS_TEST_DATABASE_URL, or the
// local "test" database.
func URL() string {
	if dsn := os.Getenv("TRELLIS_TEST_DATABASE_URL"); dsn != "" {
		return dsn
	}
	return defaultURL
}

// Ensure checks that the database at dsn answers. When the server answers
// but the database does not exist, it creates it through the server's
// "postgres" database and returns a message saying so. It returns an
// error of one line that says what is wrong and what to do: the server is
// not reachable (and how to start it), or it refused the connection.
func Ensure(ctx context.Context, dsn string) (created string, err error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return "", fmt.Errorf("TRELLIS_TEST_DATABASE_URL %q is not a PostgreSQL URL: %v", dsn, err)
	}
	where := fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		conn.Close(ctx)
		return "", nil
	}
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "3D000": // invalid_catalog_name: no such database
		admin := cfg.Copy()
		admin.Database = "postgres"
		ac, aerr := pgx.ConnectConfig(ctx, admin)
		if aerr != nil {
			return "", fmt.Errorf("PostgreSQL at %s has no database %q, and connecting to its \"postgres\" database to create it failed: %v", where, cfg.Database, oneLine(aerr))
		}
		defer ac.Close(ctx)
		if _, aerr := ac.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cfg.Database}.Sanitize()); aerr != nil {
			return "", fmt.Errorf("PostgreSQL at %s has no database %q, and creating it failed: %v", where, cfg.Database, oneLine(aerr))
		}
		return fmt.Sprintf("created the missing database %q on PostgreSQL at %s", cfg.Database, where), nil
	case errors.As(err, &pgErr):
		return "", fmt.Errorf("PostgreSQL at %s refused the connection as user %q: %s (SQLSTATE %s); the tests expect trust authentication or a TRELLIS_TEST_DATABASE_URL with a password",
			where, cfg.User, pgErr.Message, pgErr.Code)
	default:
		return "", fmt.Errorf("PostgreSQL is not reachable at %s (%v); start it with `%s`, point TRELLIS_TEST_DATABASE_URL at another server, or set TRELLIS_SKIP_POSTGRES=1 to skip the PostgreSQL tests",
			where, oneLine(rootCause(err)), StartHint)
	}
}

// rootCause returns the network error under pgx's wrapping ("connect:
// connection refused"), or err itself.
func rootCause(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Err
	}
	return err
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

// withDatabase returns dsn naming another database.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}
