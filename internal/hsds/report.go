package hsds

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// maxSamples is how many example ids a report line keeps.
const maxSamples = 5

// Counts are numbers of organizations, services and locations.
type Counts struct {
	Organizations int
	Services      int
	Locations     int
}

// Group is a number of records, or of problems, that share one reason, with
// a few of them as examples (HSDS ids or file:line positions).
type Group struct {
	// Kind is "organization", "service", "location", "file" or "" (a
	// warning).
	Kind    string
	Reason  string
	Count   int
	Samples []string
}

// Report tells what an import read, wrote and left out. Every record read
// is either imported or counted under Skipped with its reason.
type Report struct {
	Package string // the package directory
	Source  string // the source name listings carry
	MapFile string
	// ListingsDir is where listing files are written.
	ListingsDir string
	DryRun      bool

	Read     Counts
	Imported Counts // records written into listing files (new, updated or unchanged)
	Skipped  Counts

	// Files counts listing files by what the import did to them.
	FilesNew, FilesUpdated, FilesUnchanged int

	// SkipReasons says why records were skipped.
	SkipReasons []Group
	// UnmappedTerms are taxonomy terms no mapping rule covers: Reason is
	// "taxonomy / code / name", Count the services carrying the term.
	UnmappedTerms []Group
	// UnusedRules are mapping rules ("file:line") that matched no service.
	UnusedRules []string
	// Gone are listing files, locations and services that came from this
	// source but whose record is no longer in it. They are kept: review them
	// by hand.
	Gone []Group
	// Warnings are data problems worked around: values dropped or changed.
	Warnings []Group
}

// WriteText writes the report for people, one fact per line.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	mode := ""
	if r.DryRun {
		mode = " (dry run: nothing written)"
	}
	fmt.Fprintf(&b, "HSDS import of %s as source %q%s\n", r.Package, r.Source, mode)
	fmt.Fprintf(&b, "map: %s\n", r.MapFile)
	fmt.Fprintf(&b, "listings: %s\n", r.ListingsDir)
	fmt.Fprintf(&b, "read:     %s\n", r.Read)
	fmt.Fprintf(&b, "imported: %s\n", r.Imported)
	fmt.Fprintf(&b, "skipped:  %s\n", r.Skipped)
	fmt.Fprintf(&b, "files:    %d new, %d updated, %d unchanged\n", r.FilesNew, r.FilesUpdated, r.FilesUnchanged)
	writeGroups(&b, "skipped records", r.SkipReasons)
	writeGroups(&b, "taxonomy terms no map rule covers (services carrying them)", r.UnmappedTerms)
	if len(r.UnusedRules) > 0 {
		fmt.Fprintf(&b, "map rules that matched nothing: %s\n", strings.Join(r.UnusedRules, ", "))
	}
	writeGroups(&b, "gone from the source (kept; review by hand)", r.Gone)
	writeGroups(&b, "warnings", r.Warnings)
	_, err := io.WriteString(w, b.String())
	return err
}

func (c Counts) String() string {
	return fmt.Sprintf("%d organizations, %d services, %d locations", c.Organizations, c.Services, c.Locations)
}

func writeGroups(b *strings.Builder, title string, gs []Group) {
	if len(gs) == 0 {
		return
	}
	fmt.Fprintf(b, "%s:\n", title)
	for _, g := range gs {
		kind := ""
		if g.Kind != "" {
			kind = g.Kind + ": "
		}
		fmt.Fprintf(b, "  %s%s: %d", kind, g.Reason, g.Count)
		if len(g.Samples) > 0 {
			more := ""
			if g.Count > len(g.Samples) {
				more = ", ..."
			}
			fmt.Fprintf(b, " (%s%s)", strings.Join(g.Samples, ", "), more)
		}
		b.WriteByte('\n')
	}
}

// collector gathers groups by kind and reason while an import runs.
type collector struct {
	groups map[string]*Group
	order  []string
}

func newCollector() *collector { return &collector{groups: map[string]*Group{}} }

func (c *collector) add(kind, reason string, n int, sample string) {
	key := kind + "\x00" + reason
	g := c.groups[key]
	if g == nil {
		g = &Group{Kind: kind, Reason: reason}
		c.groups[key] = g
		c.order = append(c.order, key)
	}
	g.Count += n
	if sample != "" && len(g.Samples) < maxSamples {
		g.Samples = append(g.Samples, sample)
	}
}

func (c *collector) warn(reason, sample string)           { c.add("", reason, 1, sample) }
func (c *collector) warnN(reason string, n int, s string) { c.add("", reason, n, s) }

// list returns the groups of the given kinds, largest first, then by
// reason.
func (c *collector) list(kinds ...string) []Group {
	var out []Group
	for _, k := range c.order {
		g := c.groups[k]
		for _, want := range kinds {
			if g.Kind == want {
				out = append(out, *g)
				break
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Reason < out[j].Reason
	})
	return out
}
