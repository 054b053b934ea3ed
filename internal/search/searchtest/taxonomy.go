// Package searchtest builds catalogs for tests and benchmarks of the search
// and match packages: the repository's taxonomy and vocabulary without its
// listings, and a
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

// Words loads the taxonomy.yaml and vocabulary.yaml of the data directory
// dataDir through the listings loader, ignoring the directory's listings:
// the words a directory is searched with. It returns an error if a file
// cannot be read or has problems.
func Words(dataDir fs.FS) (*directory.Taxonomy, *directory.Vocabulary, error) {
	fsys := fstest.MapFS{
		listings.DirectoryPath: {Data: []byte("name: test\ntime_zone: America/New_York\n")},
	}
	for _, name := range []string{listings.TaxonomyPath, listings.VocabularyPath} {
		raw, err := fs.ReadFile(dataDir, name)
		if err != nil {
			return nil, nil, fmt.Errorf("searchtest: read %s: %w", name, err)
		}
		fsys[name] = &fstest.MapFile{Data: raw}
	}
	cat, errs, err := listings.Load(fsys, listings.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		return nil, nil, fmt.Errorf("searchtest: load words: %w", err)
	}
	if len(errs) > 0 {
		return nil, nil, fmt.Errorf("searchtest: words have %d problems, first: %v", len(errs), errs[0])
	}
	return cat.Taxonomy, cat.Vocabulary, nil
}
