package app

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"trellis/internal/referral"
)

// checkReferrals validates the referral and session settings of c.
func (c *ServeConfig) checkReferrals() error {
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
			strings.Trim(u.Path, "/") != "" {
			return usageError{fmt.Sprintf("--base-url %q: want the server's public address, like https://trellis.example.org", c.BaseURL)}
		}
		c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	}
	if c.ReferralExpiry != 0 && c.ReferralExpiry < 24*time.Hour {
		return usageError{fmt.Sprintf("--referral-expiry %v: give at least a day (e.g. 30d), or 0 to turn expiry off", c.ReferralExpiry)}
	}
	positive := []struct {
		name string
		d    time.Duration
	}{
		{"--maintenance-every", c.MaintenanceEvery}, {"--agency-link-ttl", c.LinkTTL},
		{"--session-max-age", c.SessionMaxAge}, {"--session-idle", c.SessionIdle},
	}
	for _, p := range positive {
		if p.d <= 0 {
			return usageError{fmt.Sprintf("%s must be positive", p.name)}
		}
	}
	if c.Store.StateDir == "" && c.Store.DatabaseURL == "" {
		return usageError{"give --state-dir or --database-url"}
	}
	return nil
}

// DB returns the referral and account store Open opened, nil before.
func (m *Main) DB() Store { return m.db }

// maintain runs the periodic work until ctx ends: expiring referrals left
// open past Config.ReferralExpiry (each gets a system event), removing
// ended web sessions and expired short lists. It runs once at once, then every
// Config.MaintenanceEvery. Only counts are logged.
func (m *Main) maintain(ctx context.Context) {
	t := time.NewTicker(m.Config.MaintenanceEvery)
	defer t.Stop()
	for {
		m.maintainOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// maintainOnce runs one round of maintenance, logging failures.
func (m *Main) maintainOnce(ctx context.Context) {
	if m.Config.ReferralExpiry > 0 {
		var st referral.Store = m.db
		if m.referrals != nil {
			st = m.referrals.Store(m.db)
		}
		svc := referral.Service{Store: st}
		ids, err := svc.Expire(ctx, m.Config.ReferralExpiry)
		switch {
		case err != nil && ctx.Err() == nil:
			m.log.Error("expire referrals", "err", err, "expired", len(ids))
		case len(ids) > 0:
			m.log.Info("expired referrals left open", "count", len(ids), "older_than", m.Config.ReferralExpiry.String())
		}
	}
	n, err := m.db.DeleteExpiredSessions(ctx, time.Now(), m.Config.SessionIdle)
	switch {
	case err != nil && ctx.Err() == nil:
		m.log.Error("remove ended sessions", "err", err)
	case n > 0:
		m.log.Debug("removed ended sessions", "count", n)
	}
	lists, err := m.db.DeleteExpiredLists(ctx, time.Now())
	switch {
	case err != nil && ctx.Err() == nil:
		m.log.Error("remove expired short lists", "err", err)
	case lists > 0:
		m.log.Debug("removed expired short lists", "count", lists)
	}
}
