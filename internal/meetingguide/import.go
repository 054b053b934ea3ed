package meetingguide

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"trellis/internal/listings"
)

// ImportOptions configure Import.
type ImportOptions struct {
	// Feed is the feed's file path or http(s) URL.
	Feed string
	// Source names the feed in the data: the meeting files go to
	// meetings/<Source>/. Default: the URL's host name, or the file's name
	// without its extension, as a slug.
	Source string
	// DataDir is the data directory, holding meetingguide/ (the type
	// table) and meetings/. Default "data".
	DataDir string
	// DryRun computes the report without writing.
	DryRun bool
	// SkipInvalid imports the meetings of a feed that have no problem and
	// reports the others, instead of refusing the feed.
	SkipInvalid bool
	// Fetch bounds reading the feed.
	Fetch FetchOptions
}

// maxSource is the longest default source name.
const maxSource = 40

// DefaultSource returns the source name a feed is imported as without
// --source: its URL's host without "www." ("aa-example-org"), or its file
// name without the extension, as a slug; "" when neither gives one.
func DefaultSource(feed string) string {
	if IsURL(feed) {
		if u, err := url.Parse(feed); err == nil {
			return listings.Slug(strings.TrimPrefix(u.Hostname(), "www."), maxSource)
		}
		return ""
	}
	base := filepath.Base(feed)
	return listings.Slug(strings.TrimSuffix(base, filepath.Ext(base)), maxSource)
}

// header starts every meeting file the import writes.
const header = "# yaml-language-server: $schema=../../schema/meeting.schema.json\n" +
	"# Meetings of source %q, written by `trellis import meetings`.\n" +
	"# Each re-import rewrites this file from the feed: correct a meeting\n" +
	"# in the feed, not here. Keep meetings of your own under another\n" +
	"# source, in a file of their own.\n"

// Import reads the feed, checks it whole and, unless opt.DryRun, replaces
// the source's meeting files with its meetings, grouped by area. Nothing
// is written unless the whole feed is good (or, with opt.SkipInvalid, its
// good meetings); files are written to temporary files and renamed into
// place only once all are ready. It returns the report, and an error for
// a feed it refuses (a *FeedError listing every problem, or a fetch error:
// too big, too slow, unreachable), a data directory without the meeting
// type table, or existing meeting files of the source it cannot read.
func Import(ctx context.Context, opt ImportOptions) (Report, error) {
	if opt.DataDir == "" {
		opt.DataDir = "data"
	}
	rep := Report{Feed: opt.Feed, DryRun: opt.DryRun}
	if opt.Source == "" {
		opt.Source = DefaultSource(opt.Feed)
		if opt.Source == "" {
			return rep, fmt.Errorf("cannot name a source after %s: give --source", opt.Feed)
		}
	}
	if listings.Slug(opt.Source, 200) != opt.Source {
		return rep, fmt.Errorf("source %q must be a slug: lowercase letters and digits joined by hyphens, e.g. %q", opt.Source, listings.Slug(opt.Source, maxSource))
	}
	rep.Source = opt.Source
	rel := path.Join(listings.MeetingsDir, opt.Source)
	rep.Dir = filepath.Join(opt.DataDir, filepath.FromSlash(rel))

	types, typeErrs, err := listings.LoadMeetingTypes(os.DirFS(opt.DataDir))
	if err != nil {
		return rep, err
	}
	if len(typeErrs) > 0 {
		return rep, fmt.Errorf("the meeting type table in %s has errors, first %s: run trellis validate", opt.DataDir, typeErrs[0])
	}
	if types == nil {
		return rep, fmt.Errorf("%s has no meeting type table (%s): copy data/meetingguide from Trellis", opt.DataDir, listings.MeetingTypesPath)
	}

	old, err := readExisting(opt.DataDir, opt.Source)
	if err != nil {
		return rep, err
	}

	data, err := Fetch(ctx, opt.Feed, opt.Fetch)
	if err != nil {
		return rep, err
	}
	feed := Parse(data, types)
	rep.Read = len(feed.Entries)
	rep.UnknownFields, rep.UnknownTypes = feed.UnknownFields, feed.UnknownTypes
	var entries []Entry
	for _, e := range feed.Entries {
		if len(e.Problems) == 0 {
			entries = append(entries, e)
		}
	}
	whole := len(feed.Problems) > 0 && feed.Problems[0].Meeting == 0
	if whole || len(feed.Problems) > 0 && !opt.SkipInvalid || len(entries) == 0 {
		if len(feed.Problems) == 0 {
			feed.Problems = []Problem{{Msg: "no meeting of the feed can be imported"}}
		}
		return rep, &FeedError{Feed: opt.Feed, Problems: feed.Problems, Skippable: !whole && len(entries) > 0}
	}
	rep.Skipped = feed.Problems
	for _, e := range feed.Entries {
		if len(e.Problems) > 0 {
			rep.SkippedMeetings++
		}
	}

	feedURL := ""
	if IsURL(opt.Feed) {
		feedURL = opt.Feed
	}
	files, err := buildFiles(entries, old, rel, opt.Source, feedURL)
	if err != nil {
		return rep, err
	}
	rep.Imported = len(entries)
	rep.compare(old, entries, files)
	if opt.DryRun {
		return rep, nil
	}
	return rep, writeFiles(opt.DataDir, files, old, &rep)
}

// oldMeeting is a meeting of the source already in the data.
type oldMeeting struct {
	file    string // relative to the data directory
	meeting listings.Meeting
}

// existing is the source's meeting files before the import.
type existing struct {
	files    map[string][]byte     // path relative to the data directory to contents
	order    map[string][]string   // path to the slugs in it, in order
	meetings map[string]oldMeeting // slug
}

// readExisting reads every meeting file of the data directory that belongs
// to source. It returns an error for a file of the source that does not
// validate (the import could lose or duplicate its meetings), for a file
// of the source outside meetings/<source>/, and for a file under
// meetings/<source>/ of another source.
func readExisting(dataDir, source string) (*existing, error) {
	ex := &existing{files: map[string][]byte{}, order: map[string][]string{}, meetings: map[string]oldMeeting{}}
	fsys := os.DirFS(dataDir)
	names, err := listings.MeetingFiles(fsys)
	if err != nil {
		return nil, err
	}
	dir := path.Join(listings.MeetingsDir, source) + "/"
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		f, _, errs := listings.ReadMeetingFile(name, data)
		inDir := strings.HasPrefix(name, dir)
		ours := f != nil && f.Source == source
		switch {
		case !ours && !inDir:
			continue
		case !ours:
			return nil, fmt.Errorf("%s is in the directory of source %q but is not its file (source %q): move it or fix its source", filepath.Join(dataDir, name), source, sourceOf(f))
		case !inDir:
			return nil, fmt.Errorf("%s holds meetings of source %q outside %s: the import replaces the files under %s only; move it there or delete it", filepath.Join(dataDir, name), source, dir, dir)
		case len(errs) > 0:
			return nil, fmt.Errorf("%s has errors, first %s: fix them (trellis validate) before importing, or the import could lose or duplicate meetings", filepath.Join(dataDir, name), errs[0])
		}
		ex.files[name] = data
		for _, m := range f.Meetings {
			if m.Entity == nil {
				m.Entity = f.Entity
			}
			ex.order[name] = append(ex.order[name], m.Slug)
			ex.meetings[m.Slug] = oldMeeting{file: name, meeting: m}
		}
	}
	return ex, nil
}

func sourceOf(f *listings.MeetingFile) string {
	if f == nil {
		return "unreadable"
	}
	return f.Source
}

// newFile is a meeting file the import writes.
type newFile struct {
	path string // relative to the data directory
	file listings.MeetingFile
	data []byte
}

// buildFiles groups the entries by area into meeting files under dir,
// keeping the order of meetings already in a file and adding the others in
// feed order, and renders and checks each file.
func buildFiles(entries []Entry, old *existing, dir, source, feedURL string) ([]*newFile, error) {
	byPath := map[string]*newFile{}
	var paths []string
	slugsIn := map[string]map[string]Entry{}
	for _, e := range entries {
		p := path.Join(dir, e.Area+".yaml")
		if byPath[p] == nil {
			byPath[p] = &newFile{path: p, file: listings.MeetingFile{Source: source, Feed: feedURL}}
			paths = append(paths, p)
			slugsIn[p] = map[string]Entry{}
		}
		slugsIn[p][e.Meeting.Slug] = e
	}
	sort.Strings(paths)
	out := make([]*newFile, 0, len(paths))
	for _, p := range paths {
		nf := byPath[p]
		placed := map[string]bool{}
		for _, slug := range old.order[p] {
			if e, ok := slugsIn[p][slug]; ok {
				nf.file.Meetings = append(nf.file.Meetings, e.Meeting)
				placed[slug] = true
			}
		}
		for _, e := range entries {
			if _, here := slugsIn[p][e.Meeting.Slug]; here && !placed[e.Meeting.Slug] {
				nf.file.Meetings = append(nf.file.Meetings, e.Meeting)
				placed[e.Meeting.Slug] = true
			}
		}
		hoistEntity(&nf.file)
		body, err := listings.MarshalMeetings(&nf.file)
		if err != nil {
			return nil, err
		}
		nf.data = append([]byte(fmt.Sprintf(header, source)), body...)
		// The feed was checked value by value; the file must also pass the
		// loader's checks, or serving it would fail.
		if _, _, errs := listings.ReadMeetingFile(p, nf.data); len(errs) > 0 {
			return nil, fmt.Errorf("the meetings converted from the feed do not validate (a gap between the import's and the loader's checks), first %s", errs[0])
		}
		out = append(out, nf)
	}
	return out, nil
}

// hoistEntity gives the entity most of f's meetings share once, for the
// file, when every meeting names one: those meetings then leave it out,
// and the others keep their own. A meeting without an entity would take
// the file's, so with one of those nothing moves.
func hoistEntity(f *listings.MeetingFile) {
	count := map[listings.MeetingEntity]int{}
	var best listings.MeetingEntity
	for _, m := range f.Meetings {
		if m.Entity == nil {
			return
		}
		count[*m.Entity]++
		if n := count[*m.Entity]; n > count[best] || n == count[best] && m.Entity.Name < best.Name {
			best = *m.Entity
		}
	}
	if len(f.Meetings) == 0 {
		return
	}
	f.Entity = &best
	for i := range f.Meetings {
		if *f.Meetings[i].Entity == best {
			f.Meetings[i].Entity = nil
		}
	}
}

// writeFiles puts the new files in place and removes the source's files
// that are no longer needed: every file is first written beside its place
// under a temporary name, and renamed only when all are written.
func writeFiles(dataDir string, files []*newFile, old *existing, rep *Report) error {
	type pending struct{ tmp, dst string }
	var ready []pending
	cleanup := func() {
		for _, p := range ready {
			os.Remove(p.tmp)
		}
	}
	keep := map[string]bool{}
	for _, nf := range files {
		keep[nf.path] = true
		if bytes.Equal(old.files[nf.path], nf.data) {
			continue
		}
		dst := filepath.Join(dataDir, filepath.FromSlash(nf.path))
		tmp, err := writeTemp(dst, nf.data)
		if err != nil {
			cleanup()
			return fmt.Errorf("write %s (nothing changed): %w", dst, err)
		}
		ready = append(ready, pending{tmp, dst})
	}
	for i, p := range ready {
		if err := os.Rename(p.tmp, p.dst); err != nil {
			for _, q := range ready[i:] {
				os.Remove(q.tmp)
			}
			return fmt.Errorf("put %s in place after %d of %d files: %w", p.dst, i, len(ready), err)
		}
	}
	var gone []string
	for name := range old.files {
		if !keep[name] {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	for _, name := range gone {
		if err := os.Remove(filepath.Join(dataDir, filepath.FromSlash(name))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s, whose meetings all left the feed: %w", name, err)
		}
	}
	return nil
}

// writeTemp writes data to a new temporary file beside dst (a name
// starting with a dot, which loaders skip) and returns its name.
func writeTemp(dst string, data []byte) (string, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(filepath.Dir(dst), ".import-*.tmp")
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr, os.Chmod(f.Name(), 0o644)); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// changedFields returns the keys whose values differ between a and b, in
// the format's order.
func changedFields(a, b listings.Meeting) []string {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	t := va.Type()
	var out []string
	for i := range t.NumField() {
		if !reflect.DeepEqual(va.Field(i).Interface(), vb.Field(i).Interface()) {
			key, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			out = append(out, key)
		}
	}
	return out
}
