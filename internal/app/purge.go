package app

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"trellis/internal/referral"
)

// retentionValue is a flag.Value for retention periods: anything
// ParseDuration reads, or whole years ("2y", 365 days each).
type retentionValue struct{ d *time.Duration }

func (v retentionValue) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	return v.d.String()
}

func (v retentionValue) Set(s string) error {
	d, err := parseRetention(s)
	if err != nil {
		return err
	}
	*v.d = d
	return nil
}

// parseRetention reads "2y" (years of 365 days), "26w", "90d" or a Go
// duration. It returns an error for malformed or negative values.
func parseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "y"); ok {
		k, err := strconv.Atoi(n)
		if err != nil || k < 0 || k > 100 {
			return 0, fmt.Errorf("retention %q: want a whole number of years, like 2y", s)
		}
		return time.Duration(k) * 365 * 24 * time.Hour, nil
	}
	return ParseDuration(s)
}

// runPurge is `trellis purge`: it deletes referrals closed longer ago
// than the retention period, with their events and agency links, and
// logs how many rows went (never what they held). The audit log is kept.
func runPurge(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("purge", io.Stderr, "purge --older-than PERIOD [--state-dir DIR | --database-url URL]")
	var sc StoreConfig
	sc.storeFlags(fs)
	var older time.Duration
	fs.Var(retentionValue{&older}, "older-than", "delete referrals closed longer ago than this: 2y, 18w, 400d (required)")
	pos, err := parseWithArgs(fs, args, io)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", pos[0])}
	}
	if older <= 0 {
		return usageError{"--older-than is required and must be positive, e.g. --older-than 2y"}
	}
	db, err := openStore(ctx, sc)
	if err != nil {
		return err
	}
	defer db.Close()
	now := time.Now()
	svc := referral.Service{Store: db, Now: func() time.Time { return now }}
	n, err := svc.Purge(ctx, older)
	if err != nil {
		return friendly(err)
	}
	log := slog.New(slog.NewTextHandler(io.Stderr, nil))
	log.Info("purged closed referrals", "store", sc.Label(), "closed_before", now.Add(-older).UTC().Format(time.DateOnly),
		"referrals", n.Referrals, "events", n.Events, "agency_links", n.AgencyLinks)
	return nil
}
