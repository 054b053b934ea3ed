package app

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"trellis/internal/listings"
)

// runFmt is `trellis fmt`: it rewrites listing files in canonical form
// (listings.Format) keeping their comments, or with --check lists the files
// that are not and exits 1. Files that do not decode as listings are
// reported as path:line:col and left as they are; they make it exit 1.
func runFmt(_ context.Context, args []string, io IO) error {
	fs := newFlagSet("fmt", io.Stderr, "fmt [--check] [--data DIR] [FILE|DIR ...]")
	dir := fs.String("data", defaultDataDir, "the data directory whose listings/ to format when no files are named")
	check := fs.Bool("check", false, "change nothing: list the files that are not formatted and exit 1 if there are any")
	// Accept files before or after the flags, as gofmt does.
	var paths []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		paths, args = append(paths, args[0]), args[1:]
	}
	if err := parse(fs, args, io); err != nil {
		return err
	}
	paths = append(paths, fs.Args()...)
	files, err := fmtFiles(*dir, paths)
	if err != nil {
		return err
	}

	var broken, changed int
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("fmt: %w", err)
		}
		out, errs, err := listings.Format(name, data)
		if err != nil {
			return fmt.Errorf("fmt: %w", err)
		}
		if len(errs) > 0 {
			broken++
			var fs []finding
			for _, e := range errs {
				fs = append(fs, errorFinding("", e))
			}
			if err := writeFindings(io.Stderr, formatText, fs); err != nil {
				return err
			}
			continue
		}
		if string(out) == string(data) {
			continue
		}
		changed++
		if *check {
			fmt.Fprintln(io.Stdout, name)
			continue
		}
		if err := writeFileAtomic(name, out); err != nil {
			return fmt.Errorf("fmt: %w", err)
		}
		fmt.Fprintln(io.Stdout, "formatted", name)
	}

	switch {
	case *check && changed > 0:
		fmt.Fprintf(io.Stderr, "%d of %d files %s not formatted: run trellis fmt\n", changed, len(files), plural(changed, "is", "are"))
	case *check:
		fmt.Fprintf(io.Stderr, "%d %s formatted\n", len(files), plural(len(files), "file is", "files are all"))
	default:
		fmt.Fprintf(io.Stderr, "formatted %d of %d %s\n", changed, len(files), plural(len(files), "file", "files"))
	}
	if broken > 0 {
		fmt.Fprintf(io.Stderr, "%d %s not formatted because of the errors above\n", broken, plural(broken, "file was", "files were"))
	}
	if broken > 0 || *check && changed > 0 {
		return exitError{1}
	}
	return nil
}

// fmtFiles returns the listing files to format: those named (a directory
// names the *.yaml and *.yml files below it, dot-names skipped), else
// every listing file of the data directory dir.
func fmtFiles(dir string, paths []string) ([]string, error) {
	if len(paths) == 0 {
		if !dirExists(dir) {
			return nil, fmt.Errorf("data directory %s does not exist", dir)
		}
		rel, err := listings.ListingFiles(os.DirFS(dir))
		if err != nil {
			return nil, err
		}
		out := make([]string, len(rel))
		for i, p := range rel {
			out[i] = underDir(dir, p)
		}
		return out, nil
	}
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, usageError{fmt.Sprintf("%s: no such file or directory", p)}
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && name != p {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if ext := filepath.Ext(name); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
				out = append(out, name)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("fmt: list %s: %w", p, err)
		}
	}
	return out, nil
}

// writeFileAtomic replaces the file name with data by writing a hidden
// temporary file beside it and renaming it over, so that a server
// watching the directory never reads half a file. The file keeps its
// permissions.
func writeFileAtomic(name string, data []byte) error {
	fi, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(fi.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
