package listings

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"

	"golang.org/x/sync/errgroup"

	"trellis/internal/directory"
)

// A Cache is written to disk and read back so that a restart on unchanged
// listing files needs none of them read: decoding and checking YAML is
// most of the time a load takes. Encode writes the listing files' results
// after a header, cacheChunk files to a gob value: neither side holds the
// whole encoding in memory, and the decoder does not pay a message's
// overhead for every file. Only results without problems are written: a load with
// problems builds no catalog, and its files are read again anyway.

// cacheChunk is how many files' results one gob value holds.
const cacheChunk = 256

// cacheHeader opens an encoded Cache.
type cacheHeader struct {
	// Files is how many cachedFile values follow.
	Files int
}

// cachedFile is one listing file's result as encoded. The organization is
// written without the pointers that make it a graph (each location's and
// service's Org, a service's locations); they are rebuilt from At.
type cachedFile struct {
	Path   string
	Sum    [32]byte
	IDLine int
	IDCol  int
	Org    *directory.Organization
	// At are, for each service, the indexes of its locations in
	// Org.Locations.
	At [][]int
}

// Encode writes part (from 0) of parts of the results the cache holds to
// enc: the files are split among the parts in path order, and Decode reads
// the parts at once, one per core. The caller keeps what they hold under
// (Key) and the digests they were checked with are written with them.
func (c *Cache) Encode(enc *gob.Encoder, part, parts int) error {
	paths := make([]string, 0, len(c.results))
	for p, r := range c.results {
		if r.r.org != nil && len(r.r.errs) == 0 {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	return c.encodePart(enc, paths[part*len(paths)/parts:(part+1)*len(paths)/parts])
}

// encodePart writes the results of paths to enc: a header, then
// cacheChunk files to a value.
func (c *Cache) encodePart(enc *gob.Encoder, paths []string) error {
	if err := enc.Encode(cacheHeader{Files: len(paths)}); err != nil {
		return err
	}
	chunk := make([]cachedFile, 0, cacheChunk)
	for len(paths) > 0 {
		n := min(cacheChunk, len(paths))
		chunk = chunk[:0]
		for _, p := range paths[:n] {
			chunk = append(chunk, flatten(p, c.results[p]))
		}
		if err := enc.Encode(chunk); err != nil {
			return fmt.Errorf("listings: encode %s to %s: %w", paths[0], paths[n-1], err)
		}
		paths = paths[n:]
	}
	return nil
}

// flatten returns the encoded form of a cached result: shallow copies of
// the organization, its locations and services without their pointers to
// one another.
func flatten(p string, r cachedListing) cachedFile {
	org := *r.r.org
	f := cachedFile{Path: p, Sum: r.sum, IDLine: r.r.idPos.line, IDCol: r.r.idPos.col, Org: &org,
		At: make([][]int, len(org.Services))}
	index := make(map[*directory.Location]int, len(org.Locations))
	org.Locations = make([]*directory.Location, len(r.r.org.Locations))
	for i, l := range r.r.org.Locations {
		index[l] = i
		c := *l
		c.Org = nil
		org.Locations[i] = &c
	}
	org.Services = make([]*directory.Service, len(r.r.org.Services))
	for i, s := range r.r.org.Services {
		c := *s
		c.Org, c.Locations = nil, nil
		for _, l := range s.Locations {
			f.At[i] = append(f.At[i], index[l])
		}
		org.Services[i] = &c
	}
	return f
}

// Decode reads what Encode wrote, every part in order, into the cache, replacing what it held; the
// parts are decoded at once. The results are used only once Trust says
// what they hold under. A read or decode failure leaves the cache empty.
func (c *Cache) Decode(decs ...*gob.Decoder) error {
	c.key, c.results, c.read = "", nil, 0
	parts := make([]map[string]cachedListing, len(decs))
	var g errgroup.Group
	for k, dec := range decs {
		g.Go(func() (err error) {
			parts[k], err = decodePart(dec)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	results := make(map[string]cachedListing, n)
	for _, p := range parts {
		maps.Copy(results, p)
	}
	c.results = results
	return nil
}

// decodePart reads one part Encode wrote. Its strings are shared among
// its files (intern).
func decodePart(dec *gob.Decoder) (map[string]cachedListing, error) {
	var h cacheHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("listings: decode the cache: %w", err)
	}
	if h.Files < 0 {
		return nil, errors.New("listings: decode the cache: a negative count of files")
	}
	results := make(map[string]cachedListing, h.Files)
	seen := map[string]string{}
	for left := h.Files; left > 0; {
		// A new slice each time: gob decodes into the values a slice
		// already points to, which belong to the files before.
		var chunk []cachedFile
		if err := dec.Decode(&chunk); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("listings: decode the cache: %w", err)
		}
		if len(chunk) == 0 || len(chunk) > left {
			return nil, fmt.Errorf("listings: decode the cache: %d files where %d were left", len(chunk), left)
		}
		left -= len(chunk)
		for i := range chunk {
			f := &chunk[i]
			org, err := f.link()
			if err != nil {
				return nil, fmt.Errorf("listings: decode the cache: %s: %w", f.Path, err)
			}
			intern(org, seen)
			results[f.Path] = cachedListing{sum: f.Sum, r: listingResult{org: org, idPos: pos{f.IDLine, f.IDCol}}}
		}
	}
	return results, nil
}

// Trust takes the results the cache holds to hold under key: the caller
// has checked that they were checked under the same settings, on this day
// or an earlier one.
func (c *Cache) Trust(key string) { c.key = key }

// link rebuilds the pointers flatten left out.
func (f *cachedFile) link() (*directory.Organization, error) {
	org := f.Org
	if org == nil || len(f.At) != len(org.Services) {
		return nil, errors.New("the record does not hold together")
	}
	for _, l := range org.Locations {
		if l == nil {
			return nil, errors.New("a location is missing")
		}
		l.Org = org
	}
	for i, s := range org.Services {
		if s == nil {
			return nil, errors.New("a service is missing")
		}
		s.Org = org
		if len(f.At[i]) > 0 {
			s.Locations = make([]*directory.Location, len(f.At[i]))
		}
		for j, k := range f.At[i] {
			if k < 0 || k >= len(org.Locations) {
				return nil, errors.New("a service is at a location the organization does not have")
			}
			s.Locations[j] = org.Locations[k]
		}
	}
	return org, nil
}

// intern makes the strings of org that a national directory repeats
// across tens of thousands of files (source names, towns, categories,
// notes and templated descriptions) share one copy, kept in seen for the
// files decoded after it: the YAML decoder interns every string it reads
// (decode.go), and a catalog decoded from the cache should take no more
// memory than one read from the files. A map is several times faster
// than unique.Make here, which matters on the path a restart waits for.
func intern(org *directory.Organization, seen map[string]string) {
	in := func(p *string) {
		if *p == "" {
			return
		}
		if v, ok := seen[*p]; ok {
			*p = v
		} else {
			seen[*p] = *p
		}
	}
	all := func(ss []string) {
		for i := range ss {
			in(&ss[i])
		}
	}
	phones := func(ps []directory.Phone) {
		for i := range ps {
			in(&ps[i].Type)
			in(&ps[i].Note)
			all(ps[i].Languages)
		}
	}
	hours := func(h *directory.Hours) {
		if h != nil {
			in(&h.Notes)
		}
	}
	in(&org.Description)
	in(&org.Source.Name)
	phones(org.Phones)
	for _, l := range org.Locations {
		in(&l.Name)
		in(&l.Description)
		in(&l.Source.Name)
		if a := l.Address; a != nil {
			in(&a.City)
			in(&a.State)
			in(&a.ZIP)
			in(&a.County)
			in(&a.CountyFIPS)
		}
		all(l.Languages)
		in(&l.Accessibility)
		in(&l.Transit)
		phones(l.Phones)
		hours(l.Hours)
	}
	for _, sv := range org.Services {
		in(&sv.Name)
		in(&sv.Description)
		in(&sv.URL)
		all(sv.Categories)
		e := &sv.Eligibility
		all(e.Genders)
		all(e.Populations)
		all(e.Focus)
		in(&e.Income)
		in(&e.Residency)
		all(e.Documents)
		in(&e.Notes)
		in(&sv.Fees)
		all(sv.Insurance)
		all(sv.Languages)
		all(sv.Apply)
		in(&sv.ApplyNotes)
		in(&sv.Capacity)
		in(&sv.Alert)
		in(&sv.VerifiedBy)
		in(&sv.Source.Name)
		phones(sv.Phones)
		hours(sv.Hours)
	}
}
