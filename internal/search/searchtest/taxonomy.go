// Package searchtest builds catalogs for tests and benchmarks of the search
// and match packages: the repository's taxonomy without its listings, and a
// deterministic synthetic directory of any size.
package searchtest

import (
	"fmt"
	"io/fs"
	"testing/fstest"
	"time"

	"trellis/internal/directory"
	"trellis/internal/listings"
)

// Taxonomy loads the taxonomy.yaml of the data directory dataDir through
// the listings loader, ignoring the directory's listings. It returns an
// error if the file cannot be read or has problems.
func Taxonomy(dataDir fs.FS) (*directory.Taxonomy, error) {
	raw, err := fs.ReadFile(dataDir, listings.TaxonomyPath)
	if err != nil {
		return nil, fmt.Errorf("searchtest: read taxonomy: %w", err)
	}
	fsys := fstest.MapFS{
		listings.DirectoryPath: {Data: []byte("name: test\ntime_zone: America/New_York\n")},
		listings.TaxonomyPath:  {Data: raw},
	}
	cat, errs, err := listings.Load(fsys, listings.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return nil, fmt.Errorf("searchtest: load taxonomy: %w", err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("searchtest: taxonomy has %d problems, first: %v", len(errs), errs[0])
	}
	return cat.Taxonomy, nil
}
