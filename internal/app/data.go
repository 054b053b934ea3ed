package app

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"trellis/data"
	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/listings"
)

// defaultDataDir is where commands look for the data directory when
// --data is not given.
const defaultDataDir = "./data"

// dataSource is an opened data directory.
type dataSource struct {
	FS fs.FS
	// Dir is the directory on disk, or "" for the copy embedded in the
	// binary.
	Dir string
}

// Label names the source for logs and messages.
func (d dataSource) Label() string {
	if d.Dir == "" {
		return "embedded data"
	}
	return d.Dir
}

// openData opens the data directory at dir. When dir is the default and
// does not exist, it falls back to the copy embedded in the binary, so the
// binary runs anywhere; a directory named explicitly must exist.
func openData(dir string) (dataSource, error) {
	if dirExists(dir) {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return dataSource{}, fmt.Errorf("data directory %s: %w", dir, err)
		}
		return dataSource{FS: os.DirFS(abs), Dir: abs}, nil
	}
	if dir == defaultDataDir {
		return dataSource{FS: data.FS}, nil
	}
	return dataSource{}, fmt.Errorf("data directory %s does not exist", dir)
}

// loadCatalog loads the gazetteer and the listings of src, recording
// where each value is written in pos when it is not nil. Data problems
// come back as errs (the catalog is then nil); err is for failures to read.
func loadCatalog(src dataSource, now time.Time, pos *listings.Positions) (*directory.Catalog, *geo.Gazetteer, []listings.Error, error) {
	gaz, err := geo.Load(src.FS)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load geography from %s: %w", src.Label(), err)
	}
	cat, errs, err := listings.Load(src.FS, listings.Options{Now: now, Places: gaz, Positions: pos})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load listings from %s: %w", src.Label(), err)
	}
	return cat, gaz, errs, nil
}
