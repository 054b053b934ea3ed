package hsds

import (
	"strconv"
	"strings"

	"trellis/internal/listings"
)

// maxSlug is the longest slug the importer makes; longer names are cut at
// a word boundary.
const maxSlug = 60

// slug turns a name into a listing id (listings.Slug).
func slug(s string, max int) string { return listings.Slug(s, max) }

// stripPrefix returns name without a leading prefix (compared without
// regard to case) and the separators after it; name itself when it does
// not start with prefix.
func stripPrefix(name, prefix string) string {
	if prefix == "" || len(name) < len(prefix) || !strings.EqualFold(name[:len(prefix)], prefix) {
		return name
	}
	return strings.TrimLeft(name[len(prefix):], " -–—:,/()")
}

// uniqueSlug returns base, or base with the smallest "-N" (N >= 2) not in
// used, and marks it used.
func uniqueSlug(base string, used map[string]bool) string {
	id := base
	for n := 2; used[id]; n++ {
		id = base + "-" + strconv.Itoa(n)
	}
	used[id] = true
	return id
}
