package app

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"trellis/internal/listings"
)

// runStale is `trellis stale`: the services not verified within an age,
// never verified first, then the oldest verification first, with who
// verified them and where each is written.
func runStale(_ context.Context, args []string, io IO) error {
	fs := newFlagSet("stale", io.Stderr, "stale [--older-than AGE] [--data DIR] [--format text|json]")
	dir := fs.String("data", defaultDataDir, "the data directory (directory.yaml, taxonomy.yaml, listings/)")
	olderThan := ageFlag(fs, "older-than", "list services last verified longer ago than this, e.g. 180d or 26w (default: stale_after in directory.yaml, else 365d)")
	format := fs.String("format", formatText, "output: text (a table) or json")
	if err := parse(fs, args, io); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *format != formatText && *format != formatJSON {
		return usageError{fmt.Sprintf("--format %q: want text or json", *format)}
	}
	src, err := openData(*dir)
	if err != nil {
		return err
	}
	now := time.Now()
	pos := listings.NewPositions()
	cat, _, errs, err := loadCatalog(src, now, pos)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return fmt.Errorf("the data in %s has %d %s; trellis validate --data %s lists them", src.Label(), len(errs), plural(len(errs), "error", "errors"), *dir)
	}
	rep := listings.Stale(cat, now, *olderThan).JSON(pos)
	for i := range rep.Services {
		if src.Dir != "" {
			rep.Services[i].File = underDir(*dir, rep.Services[i].File)
		}
	}
	if *format == formatJSON {
		enc := json.NewEncoder(io.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	} else if err := writeStaleText(io, rep); err != nil {
		return err
	}
	fmt.Fprintf(io.Stderr, "%d of %d services not verified within %d days (as of %s): %d never verified, %d verified earlier\n",
		rep.Stale, rep.Checked, rep.OlderThanDays, rep.AsOf, rep.Never, rep.Stale-rep.Never)
	return nil
}

// writeStaleText writes the report as an aligned table.
func writeStaleText(io IO, rep listings.StaleJSON) error {
	tw := tabwriter.NewWriter(io.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LAST VERIFIED\tDAYS\tVERIFIED BY\tSERVICE\tWHERE")
	for _, s := range rep.Services {
		last, days, by := "never", "-", s.VerifiedBy
		if s.LastVerified != nil {
			last, days = *s.LastVerified, fmt.Sprint(*s.AgeDays)
		}
		if by == "" {
			by = "-"
		}
		where := s.File
		if s.Line > 0 {
			where = fmt.Sprintf("%s:%d", s.File, s.Line)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", last, days, clip(by, 28), clip(s.Name, 40), where)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// clip shortens s to at most n runes, ending it with "…" when cut.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
