package meetingguide

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Change is one meeting an import added, changed or removed.
type Change struct {
	Slug string
	Name string
	// File is the meeting's file relative to the data directory: where it
	// is now, or where it was for a removed meeting. From is where it was
	// when it moved to another area's file.
	File string
	From string
	// Fields are the keys whose values changed, in the format's order.
	Fields []string
}

// Report tells what an import read and what it changed (or, in a dry run,
// would change).
type Report struct {
	Feed   string
	Source string
	// Dir is the source's directory of meeting files.
	Dir    string
	DryRun bool

	// Read counts the feed's meetings; Imported those written.
	Read, Imported int
	// SkippedMeetings counts the meetings left out for their problems
	// (SkipInvalid), and Skipped lists the problems.
	SkippedMeetings int
	Skipped         []Problem

	Added, Changed, Removed []Change
	Unchanged               int
	// Files lists the source's meeting files by what the import did.
	FilesNew, FilesUpdated, FilesUnchanged, FilesRemoved []string

	// UnknownTypes are type codes not in the specification's table, kept
	// in the files (`trellis validate` warns about them); UnknownFields
	// are fields the specification does not define, not kept.
	UnknownTypes  map[string]*Tally
	UnknownFields map[string]*Tally
}

// compare fills the meeting and file changes of the report.
func (r *Report) compare(old *existing, entries []Entry, files []*newFile) {
	fileOf := map[string]string{}
	for _, nf := range files {
		for _, m := range nf.file.Meetings {
			fileOf[m.Slug] = nf.path
		}
	}
	seen := map[string]bool{}
	for _, e := range entries {
		m := e.Meeting
		seen[m.Slug] = true
		c := Change{Slug: m.Slug, Name: m.Name, File: fileOf[m.Slug]}
		was, ok := old.meetings[m.Slug]
		if !ok {
			r.Added = append(r.Added, c)
			continue
		}
		c.Fields = changedFields(was.meeting, m)
		if was.file != c.File {
			c.From = was.file
		}
		if len(c.Fields) == 0 && c.From == "" {
			r.Unchanged++
			continue
		}
		r.Changed = append(r.Changed, c)
	}
	for slug, was := range old.meetings {
		if !seen[slug] {
			r.Removed = append(r.Removed, Change{Slug: slug, Name: was.meeting.Name, File: was.file})
		}
	}
	sort.Slice(r.Removed, func(i, j int) bool { return r.Removed[i].Slug < r.Removed[j].Slug })

	keep := map[string]bool{}
	for _, nf := range files {
		keep[nf.path] = true
		prev, had := old.files[nf.path]
		switch {
		case !had:
			r.FilesNew = append(r.FilesNew, nf.path)
		case bytes.Equal(prev, nf.data):
			r.FilesUnchanged = append(r.FilesUnchanged, nf.path)
		default:
			r.FilesUpdated = append(r.FilesUpdated, nf.path)
		}
	}
	for p := range old.files {
		if !keep[p] {
			r.FilesRemoved = append(r.FilesRemoved, p)
		}
	}
	sort.Strings(r.FilesRemoved)
}

// WriteText writes the report for people, one fact per line, with every
// added, changed and removed meeting.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	mode := ""
	if r.DryRun {
		mode = " (dry run: nothing written)"
	}
	fmt.Fprintf(&b, "Meeting Guide import of %s as source %q%s\n", r.Feed, r.Source, mode)
	fmt.Fprintf(&b, "meetings: %s\n", r.Dir)
	fmt.Fprintf(&b, "read:      %d %s\n", r.Read, plural(r.Read, "meeting", "meetings"))
	if r.SkippedMeetings > 0 {
		fmt.Fprintf(&b, "skipped:   %d %s with problems (--skip-invalid):\n", r.SkippedMeetings, plural(r.SkippedMeetings, "meeting", "meetings"))
		for _, p := range r.Skipped {
			fmt.Fprintf(&b, "  %s:%s\n", r.Feed, p)
		}
	}
	fmt.Fprintf(&b, "added:     %d\n", len(r.Added))
	for _, c := range r.Added {
		fmt.Fprintf(&b, "  + %s %q in %s\n", c.Slug, c.Name, c.File)
	}
	fmt.Fprintf(&b, "changed:   %d\n", len(r.Changed))
	for _, c := range r.Changed {
		var what []string
		if len(c.Fields) > 0 {
			what = append(what, strings.Join(c.Fields, ", "))
		}
		if c.From != "" {
			what = append(what, "moved from "+c.From+" to "+c.File)
		}
		fmt.Fprintf(&b, "  ~ %s %q: %s\n", c.Slug, c.Name, strings.Join(what, "; "))
	}
	fmt.Fprintf(&b, "removed:   %d (no longer in the feed)\n", len(r.Removed))
	for _, c := range r.Removed {
		fmt.Fprintf(&b, "  - %s %q from %s\n", c.Slug, c.Name, c.File)
	}
	fmt.Fprintf(&b, "unchanged: %d\n", r.Unchanged)
	fmt.Fprintf(&b, "files:     %d new, %d updated, %d unchanged, %d removed\n",
		len(r.FilesNew), len(r.FilesUpdated), len(r.FilesUnchanged), len(r.FilesRemoved))
	writeTallies(&b, "type codes not in the specification (kept; trellis validate warns)", r.UnknownTypes)
	writeTallies(&b, "fields not in the specification (not kept)", r.UnknownFields)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeTallies(b *strings.Builder, title string, m map[string]*Tally) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]].Count != m[keys[j]].Count {
			return m[keys[i]].Count > m[keys[j]].Count
		}
		return keys[i] < keys[j]
	})
	fmt.Fprintf(b, "%s:\n", title)
	for _, k := range keys {
		t := m[k]
		more := ""
		if t.Count > len(t.Samples) {
			more = ", ..."
		}
		fmt.Fprintf(b, "  %s: %d %s (%s%s)\n", k, t.Count, plural(t.Count, "meeting", "meetings"), strings.Join(t.Samples, ", "), more)
	}
}
