package app

import (
	"context"
	"flag"
	"fmt"

	"trellis/internal/auth"
	"trellis/internal/needs"
	"trellis/internal/notify"
	"trellis/internal/postgres"
	"trellis/internal/referral"
	"trellis/internal/report"
	"trellis/internal/shortlist"
	"trellis/internal/sqlite"
)

// Store is the database behind referrals and accounts: SQLite under the
// state directory, or PostgreSQL shared by several instances.
type Store interface {
	referral.Store
	referral.OutcomeStore
	report.ProblemStore
	// OutboxDepth counts the outbox's emails for /metrics.
	OutboxDepth(ctx context.Context) (queued, retrying, failed int64, err error)
	auth.Store
	needs.Store
	// notify.Outbox is the delivery side of the referrals' email outbox.
	notify.Outbox
	// shortlist.Store keeps the lists people carry away behind short
	// codes.
	shortlist.Store
	Close() error
}

// StoreConfig says which database to open.
type StoreConfig struct {
	// StateDir holds the SQLite database (trellis.db) when DatabaseURL is
	// empty.
	StateDir string
	// DatabaseURL, when set, is a PostgreSQL URL (postgres://...) or
	// key=value string; it wins over StateDir.
	DatabaseURL string
}

// defaultStateDir is where the SQLite database goes unless --state-dir
// says otherwise.
const defaultStateDir = sqlite.DefaultDir

// storeFlags adds --state-dir and --database-url to fs.
func (c *StoreConfig) storeFlags(fs *flag.FlagSet) {
	if c.StateDir == "" {
		c.StateDir = defaultStateDir
	}
	fs.StringVar(&c.StateDir, "state-dir", c.StateDir, "directory of the SQLite database (trellis.db) holding referrals and accounts")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (postgres://user@host:5432/db) to use instead of SQLite, for several instances sharing one database")
}

// Label names the store for logs and messages, without any password.
func (c StoreConfig) Label() string {
	if c.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite " + c.StateDir
}

// openStore opens and migrates the configured database. It returns an
// error naming the database (never the URL's password) when it cannot.
func openStore(ctx context.Context, c StoreConfig) (Store, error) {
	if c.DatabaseURL != "" {
		db, err := postgres.Open(ctx, c.DatabaseURL)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, c.StateDir)
	if err != nil {
		return nil, fmt.Errorf("%w (set --state-dir or --database-url)", err)
	}
	return db, nil
}
