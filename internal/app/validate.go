package app

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"time"

	"trellis/internal/listings"
)

// runValidate checks the data directory and reports every error and, when
// the data loads, every warning (likely duplicates, stale or never
// verified services, services nobody can reach, meetings that break the
// Meeting Guide specification's rules: last names, unknown type codes,
// ...), each at path:line:col,
// paths as given in --data. It exits 0 when there are no errors (warnings
// allowed), 1 when there are errors (or warnings with --strict), 2 for a
// usage mistake.
func runValidate(_ context.Context, args []string, io IO) error {
	fs := newFlagSet("validate", io.Stderr, "validate [--data DIR] [--format text|json|github] [--stale-after AGE] [--strict]")
	dir := fs.String("data", defaultDataDir, "the data directory to check (directory.yaml, taxonomy.yaml, listings/, meetings/)")
	format := fs.String("format", formatText, "output: text (path:line:col: error|warning: message), json (an array of findings) or github (workflow annotations)")
	staleAfter := ageFlag(fs, "stale-after", "warn about services last verified longer ago than this, e.g. 180d or 26w (default: stale_after in directory.yaml, else 365d)")
	strict := fs.Bool("strict", false, "exit 1 on warnings too, not only on errors")
	if err := parse(fs, args, io); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q: validate checks the whole --data directory", fs.Arg(0))}
	}
	if err := checkFormat(*format); err != nil {
		return err
	}
	if !dirExists(*dir) {
		return fmt.Errorf("data directory %s does not exist", *dir)
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
	var out []finding
	for _, e := range errs {
		out = append(out, errorFinding(*dir, e))
	}
	for _, w := range listings.Lint(cat, listings.LintOptions{Now: now, StaleAfter: *staleAfter, Positions: pos}) {
		out = append(out, warningFinding(*dir, w))
	}
	if err := writeFindings(io.Stdout, *format, out); err != nil {
		return err
	}
	if cat != nil {
		fmt.Fprintf(io.Stderr, "%d organizations, %d services, %d meetings: %s\n", len(cat.Organizations), cat.ServiceCount(), len(cat.Meetings), summary(out))
	} else {
		fmt.Fprintln(io.Stderr, summary(out)+"; warnings are checked once the data loads without errors")
	}
	if len(errs) > 0 || *strict && len(out) > 0 {
		return exitError{1}
	}
	return nil
}

// checkFormat returns a usage error unless format is one of the report
// formats.
func checkFormat(format string) error {
	if !slices.Contains([]string{formatText, formatJSON, formatGitHub}, format) {
		return usageError{fmt.Sprintf("--format %q: want text, json or github", format)}
	}
	return nil
}

// ageFlag defines a flag for an age such as "180d" or "26w" (or any
// duration ParseDuration reads) with no default: the value stays 0 unless
// given.
func ageFlag(fs *flag.FlagSet, name, usage string) *time.Duration {
	var d time.Duration
	fs.Func(name, usage, func(s string) error {
		v, err := ParseDuration(s)
		if err != nil {
			return err
		}
		if v <= 0 {
			return fmt.Errorf("%s must be longer than zero", name)
		}
		d = v
		return nil
	})
	return &d
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
