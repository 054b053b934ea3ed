package app

import (
	"context"
	"fmt"
	"time"

	"trellis/internal/hsds"
)

// runImport dispatches `trellis import <format>`.
func runImport(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(io.Stderr, "usage: trellis import hsds <package-dir> [flags]\n\nformats:\n  hsds   an Open Referral HSDS 3.0 tabular package (datapackage.json + CSV)")
		if len(args) == 0 {
			return usageError{"import needs a format"}
		}
		return nil
	}
	switch args[0] {
	case "hsds":
		return runImportHSDS(ctx, args[1:], io)
	default:
		return usageError{fmt.Sprintf("unknown import format %q: want hsds", args[0])}
	}
}

// runImportHSDS imports an HSDS 3.0 tabular package into listing files and
// prints the report.
func runImportHSDS(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("import", io.Stderr, "import hsds <package-dir> [--data DIR] [--source NAME] [--map FILE] [--within LAT,LON,RADIUS] [--dry-run]")
	dir := fs.String("data", defaultDataDir, "the data directory to write listings/ into (taxonomy.yaml, maps/ and geo/ are read from it)")
	source := fs.String("source", "", "source name the listings carry (default: the package's name)")
	mapFile := fs.String("map", "", "mapping file from the source's taxonomy to ours (default: the one in <data>/maps naming the source)")
	dry := fs.Bool("dry-run", false, "report what would change without writing")
	within := fs.String("within", "", "import only organizations with a location within RADIUS of LAT,LON, e.g. 41.88,-87.63,20km (their files are written whole)")
	// Accept the package directory before or after the flags.
	var pkg string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		pkg, args = args[0], args[1:]
	}
	if err := parse(fs, args, io); err != nil {
		return err
	}
	if pkg == "" && fs.NArg() > 0 {
		pkg = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if pkg == "" {
		return usageError{"import hsds needs the package directory"}
	}
	if !dirExists(*dir) {
		return fmt.Errorf("data directory %s does not exist", *dir)
	}
	opt := hsds.ImportOptions{Package: pkg, DataDir: *dir, Source: *source, MapFile: *mapFile, DryRun: *dry, Now: time.Now()}
	if *within != "" {
		r, err := parseWithin(*within)
		if err != nil {
			return usageError{err.Error()}
		}
		return importWithin(ctx, opt, r, io.Stdout)
	}
	rep, err := hsds.Import(ctx, opt)
	if err != nil {
		return err
	}
	return rep.WriteText(io.Stdout)
}
