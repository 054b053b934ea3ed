package app

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"trellis/internal/hsds"
	"trellis/internal/meetingguide"
	"trellis/internal/progress"
)

// runImport dispatches `trellis import <format>`.
func runImport(ctx context.Context, args []string, io IO) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(io.Stderr, "usage: trellis import hsds <package-dir> [flags]\n       trellis import meetings <feed-file-or-url> [flags]\n\n"+
			"formats:\n  hsds       an Open Referral HSDS 3.0 tabular package (datapackage.json + CSV)\n"+
			"  meetings   a Meeting Guide JSON feed of recovery meetings (AA, NA, Al-Anon, ...)")
		if len(args) == 0 {
			return usageError{"import needs a format"}
		}
		return nil
	}
	switch args[0] {
	case "hsds":
		return runImportHSDS(ctx, args[1:], io)
	case "meetings":
		return runImportMeetings(ctx, args[1:], io)
	default:
		return usageError{fmt.Sprintf("unknown import format %q: want hsds or meetings", args[0])}
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
	defer batchMemory()()
	opt := hsds.ImportOptions{Package: pkg, DataDir: *dir, Source: *source, MapFile: *mapFile, DryRun: *dry, Now: time.Now()}
	if *within != "" {
		r, err := parseWithin(*within)
		if err != nil {
			return usageError{err.Error()}
		}
		return importWithin(ctx, opt, r, io.Stdout)
	}
	var bar *progress.Reporter
	opt.Progress = func(done, total int) {
		if bar == nil {
			bar = progress.New(io.Stderr, "writing listings", total)
		}
		bar.Add(1)
	}
	rep, err := hsds.Import(ctx, opt)
	bar.Done()
	if err != nil {
		return err
	}
	return rep.WriteText(io.Stdout)
}

// runImportMeetings imports a Meeting Guide feed into meeting files and
// prints the report. A refused feed prints every problem and exits 1 with
// the data directory unchanged.
func runImportMeetings(ctx context.Context, args []string, io IO) error {
	fs := newFlagSet("import", io.Stderr, "import meetings <feed-file-or-url> [--data DIR] [--source NAME] [--dry-run] [--skip-invalid] [--max-size SIZE] [--timeout DURATION]")
	dir := fs.String("data", defaultDataDir, "the data directory: meeting files go to <data>/meetings/<source>/, the type table is read from <data>/meetingguide")
	source := fs.String("source", "", "source name of the feed, a slug (default: the URL's host name, or the file's name)")
	dry := fs.Bool("dry-run", false, "report what would change without writing")
	skip := fs.Bool("skip-invalid", false, "import the feed's good meetings and report the others, instead of refusing the feed")
	maxSize := fs.String("max-size", "20MiB", "refuse a feed larger than this, e.g. 20MiB or 512KiB")
	timeout := fs.String("timeout", "60s", "refuse a feed URL that has not answered whole within this, e.g. 60s or 2m")
	var feed string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		feed, args = args[0], args[1:]
	}
	if err := parse(fs, args, io); err != nil {
		return err
	}
	if feed == "" && fs.NArg() > 0 {
		feed = fs.Arg(0)
	} else if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))}
	}
	if feed == "" {
		return usageError{"import meetings needs the feed: a file or an http(s) URL"}
	}
	size, err := parseSize(*maxSize)
	if err != nil {
		return usageError{"--max-size: " + err.Error()}
	}
	limit, err := ParseDuration(*timeout)
	if err != nil || limit <= 0 {
		return usageError{fmt.Sprintf("--timeout %q: want a duration such as 60s or 2m", *timeout)}
	}
	if !dirExists(*dir) {
		return fmt.Errorf("data directory %s does not exist", *dir)
	}
	rep, err := meetingguide.Import(ctx, meetingguide.ImportOptions{
		Feed: feed, Source: *source, DataDir: *dir, DryRun: *dry, SkipInvalid: *skip,
		Fetch: meetingguide.FetchOptions{MaxBytes: size, Timeout: limit},
	})
	// --skip-invalid is suggested only where it helps: when some of the
	// feed's meetings are good and only meetings have problems, not for
	// a feed refused as a whole (not JSON, not a list) or with no good
	// meeting.
	var fe *meetingguide.FeedError
	if errors.As(err, &fe) && !*skip && fe.Skippable {
		return fmt.Errorf("%w\n(--skip-invalid imports the good meetings and reports the others)", err)
	}
	if err != nil {
		return err
	}
	return rep.WriteText(io.Stdout)
}

var sizeRE = regexp.MustCompile(`^([0-9]+)\s*(B|KB|KiB|MB|MiB|GB|GiB)?$`)

// parseSize reads a size: bytes, or a number with KiB, MiB, GiB (powers of
// 1024) or KB, MB, GB (powers of 1000).
func parseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a size: write e.g. 20MiB, 512KiB or 1000000", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	mult := map[string]int64{"": 1, "B": 1, "KB": 1e3, "KiB": 1 << 10, "MB": 1e6, "MiB": 1 << 20, "GB": 1e9, "GiB": 1 << 30}[m[2]]
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q must be more than 0 and less than 1 TiB", s)
	}
	return n * mult, nil
}
