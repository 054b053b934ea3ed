package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/paulmach/orb"

	"trellis/internal/geo"
	"trellis/internal/hsds"
	"trellis/internal/listings"
)

// region is a circle: the --within filter of `trellis import hsds`.
type region struct {
	center orb.Point
	meters float64
}

// parseWithin reads "LAT,LON,RADIUS" ("41.88,-87.63,20km"). It returns an
// error naming the problem for anything else.
func parseWithin(s string) (region, error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return region{}, fmt.Errorf("--within %q: want LAT,LON,RADIUS such as 41.88,-87.63,20km", s)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return region{}, fmt.Errorf("--within %q: latitude and longitude must be numbers in range", s)
	}
	m, err := geo.ParseDistance(parts[2])
	if err != nil {
		return region{}, fmt.Errorf("--within %q: %w", s, err)
	}
	return region{center: orb.Point{lon, lat}, meters: m}, nil
}

// importWithin imports the package into a scratch copy of the data
// directory, then copies into dataDir/listings only the files of
// organizations with a location within r (by geo.Distance). Files are
// written whole: a re-import without --within is the way to update them
// keeping hand edits. It prints the import report and how many files were
// kept.
func importWithin(ctx context.Context, opt hsds.ImportOptions, r region, out io.Writer) error {
	scratch, err := os.MkdirTemp("", "trellis-import-")
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer os.RemoveAll(scratch)
	abs, err := filepath.Abs(opt.DataDir)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, name := range []string{listings.DirectoryPath, listings.TaxonomyPath, "maps", "geo"} {
		if _, err := os.Stat(filepath.Join(abs, name)); err == nil {
			if err := os.Symlink(filepath.Join(abs, name), filepath.Join(scratch, name)); err != nil {
				return fmt.Errorf("import: %w", err)
			}
		}
	}
	if err := os.Mkdir(filepath.Join(scratch, "listings"), 0o755); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	dry := opt.DryRun
	opt.DataDir, opt.DryRun = scratch, false
	if opt.MapFile != "" {
		if opt.MapFile, err = filepath.Abs(opt.MapFile); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	rep, err := hsds.Import(ctx, opt)
	if err != nil {
		return err
	}
	if err := rep.WriteText(out); err != nil {
		return err
	}
	cat, errs, err := listings.Load(os.DirFS(scratch), listings.Options{Now: opt.Now})
	if err != nil {
		return fmt.Errorf("import: read the imported listings: %w", err)
	}
	if len(errs) > 0 {
		return fmt.Errorf("import: the imported listings have %d problems, first: %v", len(errs), errs[0])
	}
	kept := 0
	for _, o := range cat.Organizations {
		in := false
		for _, l := range o.Locations {
			in = in || (l.HasPoint && geo.Distance(r.center, l.Point) <= r.meters)
		}
		if !in {
			continue
		}
		kept++
		if dry {
			continue
		}
		b, err := os.ReadFile(filepath.Join(scratch, "listings", filepath.FromSlash(o.File)))
		if err != nil {
			return fmt.Errorf("import: %w", err)
		}
		dst := filepath.Join(abs, "listings", filepath.FromSlash(o.File))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return fmt.Errorf("import: %w", err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	verb := "written"
	if dry {
		verb = "would be written"
	}
	_, err = fmt.Fprintf(out, "within:   %d of %d organizations have a location within %s of %.4f,%.4f; their files %s to %s\n",
		kept, len(cat.Organizations), geo.FormatDistance(r.meters, "km"), r.center.Lat(), r.center.Lon(), verb, filepath.Join(abs, "listings"))
	return err
}
