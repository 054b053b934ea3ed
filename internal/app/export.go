package app

import (
	"context"
	"fmt"
	"time"

	"trellis/internal/geo"
	"trellis/internal/hsds"
	"trellis/internal/listings"
)

// runExport dispatches `trellis export <format>`.
func runExport(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(io.Stderr, "usage: trellis export hsds --out DIR [flags]\n\nformats:\n  hsds   Open Referral HSDS 3.0: NDJSON services and/or the tabular package (CSV + datapackage.json)")
		if len(args) == 0 {
			return usageError{"export needs a format"}
		}
		return nil
	}
	switch args[0] {
	case "hsds":
		return runExportHSDS(ctx, args[1:], io)
	default:
		return usageError{fmt.Sprintf("unknown export format %q: want hsds", args[0])}
	}
}

// runExportHSDS writes the directory as HSDS 3.0 and prints what it
// wrote. Confidential locations are left out.
func runExportHSDS(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("export", io.Stderr, "export hsds --out DIR [--data DIR] [--format json|tabular|both] [--name NAME]")
	dir := fs.String("data", defaultDataDir, "the data directory to export (directory.yaml, taxonomy.yaml, listings/)")
	out := fs.String("out", "", "directory to write into (created if needed): services.ndjson and/or the CSV files and datapackage.json")
	format := fs.String("format", hsds.FormatBoth, "json (services.ndjson, one nested service a line), tabular (CSV files + datapackage.json) or both")
	name := fs.String("name", "", "package name in datapackage.json (default: the directory's name as a slug)")
	if err := parse(fs, args, io); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if *out == "" {
		return usageError{"--out DIR is required"}
	}
	if *format != hsds.FormatJSON && *format != hsds.FormatTabular && *format != hsds.FormatBoth {
		return usageError{fmt.Sprintf("--format %q: want json, tabular or both", *format)}
	}
	src, err := openData(*dir)
	if err != nil {
		return err
	}
	defer batchMemory()()
	start := time.Now()
	gaz, err := geo.Load(src.FS)
	if err != nil {
		return fmt.Errorf("load geography from %s: %w", src.Label(), err)
	}
	cat, errs, err := listings.Load(src.FS, listings.Options{Now: start, Places: gaz})
	if err != nil {
		return fmt.Errorf("load listings from %s: %w", src.Label(), err)
	}
	if len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(io.Stderr, e.Error())
		}
		return fmt.Errorf("the data in %s has %d %s; fix %s (trellis validate) before exporting",
			src.Label(), len(errs), plural(len(errs), "error", "errors"), plural(len(errs), "it", "them"))
	}
	loaded := time.Now()
	ds, err := hsds.Export(cat, hsds.ExportOptions{Name: *name, Created: start})
	if err != nil {
		return err
	}
	files, err := ds.WriteDir(ctx, *out, *format)
	if err != nil {
		return err
	}
	var total int64
	for _, f := range files {
		fmt.Fprintf(io.Stdout, "%-32s %8d rows %12d bytes\n", f.Name, f.Rows, f.Bytes)
		total += f.Bytes
	}
	fmt.Fprintf(io.Stdout, "exported %d organizations, %d services, %d locations to %s (%d bytes) in %s (loading took %s)",
		len(ds.Organizations), len(ds.Services), len(ds.Locations), *out, total,
		time.Since(loaded).Round(time.Millisecond), loaded.Sub(start).Round(time.Millisecond))
	if ds.ConfidentialLeftOut > 0 {
		fmt.Fprintf(io.Stdout, "; %d confidential %s left out", ds.ConfidentialLeftOut, plural(ds.ConfidentialLeftOut, "location", "locations"))
	}
	fmt.Fprintln(io.Stdout)
	return nil
}
