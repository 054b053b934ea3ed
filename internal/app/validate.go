package app

import (
	"context"
	"fmt"
	"path/filepath"
	"time"
)

// runValidate checks the data directory and prints every problem as
// path:line:col: message, paths as given in --data. It exits 1 when there is
// any problem.
func runValidate(_ context.Context, args []string, io IO) error {
	fs := newFlagSet("validate", io.Stderr, "validate [--data DIR]")
	dir := fs.String("data", defaultDataDir, "the data directory to check (directory.yaml, taxonomy.yaml, listings/)")
	if err := parse(fs, args, io); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q: validate checks the whole --data directory", fs.Arg(0))}
	}
	if !dirExists(*dir) {
		return fmt.Errorf("data directory %s does not exist", *dir)
	}
	src, err := openData(*dir)
	if err != nil {
		return err
	}
	cat, _, errs, err := loadCatalog(src, time.Now())
	if err != nil {
		return err
	}
	files := map[string]bool{}
	for _, e := range errs {
		e.Path = filepath.ToSlash(filepath.Join(*dir, filepath.FromSlash(e.Path)))
		files[e.Path] = true
		fmt.Fprintln(io.Stdout, e.Error())
	}
	if len(errs) > 0 {
		fmt.Fprintf(io.Stderr, "%d %s in %d %s\n", len(errs), plural(len(errs), "problem", "problems"), len(files), plural(len(files), "file", "files"))
		return exitError{1}
	}
	fmt.Fprintf(io.Stderr, "ok: %d organizations, %d services\n", len(cat.Organizations), cat.ServiceCount())
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
