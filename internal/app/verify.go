package app

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"trellis/internal/listings"
	"trellis/internal/needs"
	"trellis/internal/report"
)

// runVerify is `trellis verify ID`: it sets last_verified (and, with
// --by, verified_by) of the service ID ("organization.service") in its
// listing file, changing nothing else in the file, so that the check goes
// through git like every other edit.
func runVerify(_ context.Context, args []string, io IO) error {
	fs := newFlagSet("verify", io.Stderr, "verify ORGANIZATION.SERVICE [--by NAME] [--date YYYY-MM-DD] [--data DIR]")
	dir := fs.String("data", defaultDataDir, "the data directory whose listing file to change")
	by := fs.String("by", "", "who checked it, written as verified_by (default: verified_by stays as it is)")
	date := fs.String("date", "", "the day it was checked, YYYY-MM-DD (default: today in the directory's time zone)")
	// Accept the id before or after the flags.
	var ids []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		ids, args = append(ids, args[0]), args[1:]
	}
	if err := parse(fs, args, io); err != nil {
		return err
	}
	ids = append(ids, fs.Args()...)
	if len(ids) != 1 {
		return usageError{"give one service id, organization.service (trellis stale lists them)"}
	}
	id := ids[0]
	org, svc, ok := strings.Cut(id, ".")
	if !ok || org == "" || svc == "" {
		return usageError{fmt.Sprintf("%q is not a service id: want organization.service, as trellis stale and /admin show them", id)}
	}
	src, err := openData(*dir)
	if err != nil {
		return err
	}
	if src.Dir == "" {
		return usageError{fmt.Sprintf("there is no data directory %s to change: give --data", *dir)}
	}
	now := time.Now()
	cat, _, _, err := loadCatalog(src, now, nil)
	if err != nil {
		return err
	}
	s := cat.Service(id)
	if s == nil {
		return fmt.Errorf("no service %s in %s (if its file has errors, trellis validate --data %s shows them)", id, src.Label(), *dir)
	}
	day := report.Day(now, cat.Info.TimeZone)
	if *date != "" {
		d, err := needs.ParseDay(*date)
		if err != nil {
			return usageError{"--date: " + err.Error()}
		}
		if d.After(day) {
			return usageError{fmt.Sprintf("--date %s is in the future (today is %s)", *date, day.Format(time.DateOnly))}
		}
		day = d
	}
	file := path.Join(listings.ListingsDir, s.Org.File)
	name := filepath.Join(src.Dir, filepath.FromSlash(file))
	data, err := os.ReadFile(name)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	out, err := listings.Verify(data, svc, day, *by)
	if err != nil {
		return fmt.Errorf("%s: %w", underDir(*dir, file), err)
	}
	if string(out) == string(data) {
		fmt.Fprintf(io.Stdout, "%s already says last_verified %s in %s\n", id, day.Format(time.DateOnly), underDir(*dir, file))
		return nil
	}
	if err := writeFileAtomic(name, out); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Fprintf(io.Stdout, "verified %s: last_verified %s in %s\n", id, day.Format(time.DateOnly), underDir(*dir, file))
	return nil
}
