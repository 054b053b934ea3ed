package listings

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"golang.org/x/sync/errgroup"

	"trellis/internal/directory"
	"trellis/internal/statefile"
)

// A Cache is written to disk and read back so that a restart on unchanged
// listing files needs none of them read: decoding and checking YAML is
// most of the time a load takes. Encode writes the listing files' results
// as parts of a state file (see package statefile), and Decode reads the
// parts at once, one per core. Only results without problems are
// written: a load with problems builds no catalog, and its files are read
// again anyway.
//
// Each file's record is its path, the digest it was checked with, where
// its id is written, and its organization without the pointers that make
// it a graph (each location's and service's Org, a service's locations),
// which are rebuilt from the indexes of the service's locations among the
// organization's. The fields are written in the order of the types in
// package directory; TestCacheEveryField fails when a field is added
// there and not here.

// Encode writes the results the cache holds to w as parts of a state
// file, filesPerPart files to a part in path order, and returns how many
// parts it wrote: a writer holds one part in memory, and a reader decodes
// the parts at once. The caller keeps what they hold under (Key); the
// digests they were checked with are written with them.
func (c *Cache) Encode(w io.Writer, filesPerPart int) (parts int, err error) {
	paths := make([]string, 0, len(c.results))
	for p, r := range c.results {
		if r.r.org != nil && len(r.r.errs) == 0 {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	for len(paths) > 0 || parts == 0 {
		n := min(len(paths), max(filesPerPart, 1))
		sw := statefile.NewWriter()
		sw.Uint(uint64(n))
		for _, p := range paths[:n] {
			r := c.results[p]
			sw.String(p)
			sw.Bytes(r.sum[:])
			sw.Int(int64(r.r.idPos.line))
			sw.Int(int64(r.r.idPos.col))
			writeOrg(sw, r.r.org)
		}
		if _, err := sw.WriteTo(w); err != nil {
			return parts, fmt.Errorf("listings: write the cache: %w", err)
		}
		parts++
		paths = paths[n:]
	}
	return parts, nil
}

// Decode reads the parts Encode wrote, all of them and at once, into the
// cache, replacing what it held. The results are used only once Trust
// says what they hold under. A part that does not decode leaves the cache
// empty.
func (c *Cache) Decode(parts ...statefile.Part) error {
	c.key, c.results, c.read = "", nil, 0
	files := make([][]cachedFile, len(parts))
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for k, part := range parts {
		g.Go(func() (err error) {
			files[k], err = decodePart(part)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	n := 0
	for _, fs := range files {
		n += len(fs)
	}
	results := make(map[string]cachedListing, n)
	for _, fs := range files {
		for _, f := range fs {
			results[f.path] = f.cachedListing
		}
	}
	c.results = results
	return nil
}

// cachedFile is one file's record, decoded.
type cachedFile struct {
	path string
	cachedListing
}

// decodePart reads one part Encode wrote.
func decodePart(part statefile.Part) ([]cachedFile, error) {
	r := part.Reader()
	var err error
	files := make([]cachedFile, r.Count())
	for i := range files {
		f := &files[i]
		f.path = r.String()
		r.Bytes(f.sum[:])
		f.r.idPos = pos{int(r.Int()), int(r.Int())}
		if f.r.org, err = readOrg(r); err != nil {
			return nil, fmt.Errorf("listings: decode the cache: %s: %w", f.path, err)
		}
		if r.Err() != nil {
			break
		}
	}
	if r.Err() == nil && !r.Done() {
		return nil, fmt.Errorf("listings: decode the cache: %w: bytes after the last file", statefile.ErrCorrupt)
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("listings: decode the cache: %w", err)
	}
	return files, nil
}

// Trust takes the results the cache holds to hold under key: the caller
// has checked that they were checked under the same settings, on this day
// or an earlier one.
func (c *Cache) Trust(key string) { c.key = key }

func writeOrg(w *statefile.Writer, o *directory.Organization) {
	w.String(o.ID)
	w.String(o.Name)
	w.String(o.AlternateName)
	w.String(o.Description)
	w.String(o.Website)
	w.String(o.Email)
	writePhones(w, o.Phones)
	writeIntake(w, o.Referrals)
	writeSource(w, o.Source)
	w.String(o.File)
	w.Uint(uint64(len(o.Locations)))
	at := make(map[*directory.Location]int, len(o.Locations))
	for i, l := range o.Locations {
		at[l] = i
		writeLocation(w, l)
	}
	w.Uint(uint64(len(o.Services)))
	for _, s := range o.Services {
		w.Uint(uint64(len(s.Locations)))
		for _, l := range s.Locations {
			w.Uint(uint64(at[l]))
		}
		writeService(w, s)
	}
}

// errCorrupt is what readOrg returns for a record that does not hold
// together; the reader's own error says more when it has one.
var errCorrupt = fmt.Errorf("%w: the record does not hold together", statefile.ErrCorrupt)

func readOrg(r *statefile.Reader) (*directory.Organization, error) {
	o := &directory.Organization{
		ID: r.String(), Name: r.String(), AlternateName: r.String(), Description: r.String(),
		Website: r.String(), Email: r.String(), Phones: readPhones(r), Referrals: readIntake(r),
		Source: readSource(r), File: r.String(),
	}
	if n := r.Count(); n > 0 {
		locs := make([]directory.Location, n)
		o.Locations = make([]*directory.Location, n)
		for i := range locs {
			l := &locs[i]
			if err := readLocation(r, l); err != nil {
				return nil, err
			}
			l.Org = o
			o.Locations[i] = l
		}
	}
	if n := r.Count(); n > 0 {
		svcs := make([]directory.Service, n)
		o.Services = make([]*directory.Service, n)
		for i := range svcs {
			s := &svcs[i]
			if k := r.Count(); k > 0 {
				s.Locations = make([]*directory.Location, k)
				for j := range s.Locations {
					at := r.Uint()
					if at >= uint64(len(o.Locations)) {
						return nil, errCorrupt
					}
					s.Locations[j] = o.Locations[at]
				}
			}
			readService(r, s)
			s.Org = o
			o.Services[i] = s
		}
	}
	if r.Err() != nil {
		return nil, r.Err()
	}
	return o, nil
}

func writePhones(w *statefile.Writer, ps []directory.Phone) {
	w.Uint(uint64(len(ps)))
	for _, p := range ps {
		w.String(p.Number)
		w.String(p.Extension)
		w.String(p.Type)
		w.String(p.Note)
		w.Strings(p.Languages)
	}
}

func readPhones(r *statefile.Reader) []directory.Phone {
	n := r.Count()
	if n == 0 {
		return nil
	}
	ps := make([]directory.Phone, n)
	for i := range ps {
		ps[i] = directory.Phone{Number: r.String(), Extension: r.String(), Type: r.String(), Note: r.String(), Languages: r.Strings()}
	}
	return ps
}

func writeIntake(w *statefile.Writer, in *directory.Intake) {
	w.Bool(in != nil)
	if in != nil {
		w.String(in.Email)
		w.String(in.Phone)
	}
}

func readIntake(r *statefile.Reader) *directory.Intake {
	if !r.Bool() {
		return nil
	}
	return &directory.Intake{Email: r.String(), Phone: r.String()}
}

func writeSource(w *statefile.Writer, s directory.Source) {
	w.String(s.Name)
	w.String(s.ID)
}

func readSource(r *statefile.Reader) directory.Source {
	return directory.Source{Name: r.String(), ID: r.String()}
}

func writeLocation(w *statefile.Writer, l *directory.Location) {
	w.String(l.ID)
	w.String(l.Name)
	w.String(l.Description)
	w.Bool(l.Address != nil)
	if a := l.Address; a != nil {
		w.String(a.Street)
		w.String(a.Street2)
		w.String(a.City)
		w.String(a.State)
		w.String(a.ZIP)
		w.String(a.County)
		w.String(a.CountyFIPS)
	}
	w.Float(l.Point[0])
	w.Float(l.Point[1])
	w.Bool(l.HasPoint)
	w.Bool(l.Confidential)
	if l.TimeZone != nil {
		w.String(l.TimeZone.String())
	} else {
		w.String("")
	}
	writeHours(w, l.Hours)
	w.Strings(l.Languages)
	switch {
	case l.Wheelchair == nil:
		w.Uint(0)
	case !*l.Wheelchair:
		w.Uint(1)
	default:
		w.Uint(2)
	}
	w.String(l.Accessibility)
	w.String(l.Transit)
	writePhones(w, l.Phones)
	writeSource(w, l.Source)
}

func readLocation(r *statefile.Reader, l *directory.Location) error {
	l.ID, l.Name, l.Description = r.String(), r.String(), r.String()
	if r.Bool() {
		l.Address = &directory.Address{Street: r.String(), Street2: r.String(), City: r.String(), State: r.String(),
			ZIP: r.String(), County: r.String(), CountyFIPS: r.String()}
	}
	l.Point = orb.Point{r.Float(), r.Float()}
	l.HasPoint, l.Confidential = r.Bool(), r.Bool()
	if name := r.String(); name != "" {
		loc, err := loadZone(name)
		if err != nil {
			return fmt.Errorf("%w: %v", statefile.ErrCorrupt, err)
		}
		l.TimeZone = loc
	}
	l.Hours = readHours(r)
	l.Languages = r.Strings()
	switch r.Uint() {
	case 0:
	case 1:
		l.Wheelchair = new(bool)
	case 2:
		l.Wheelchair = new(true)
	default:
		return errCorrupt
	}
	l.Accessibility, l.Transit = r.String(), r.String()
	l.Phones = readPhones(r)
	l.Source = readSource(r)
	return nil
}

func writeHours(w *statefile.Writer, h *directory.Hours) {
	w.Bool(h != nil)
	if h == nil {
		return
	}
	w.Bool(h.Always)
	w.Uint(uint64(len(h.Weekly)))
	for _, s := range h.Weekly {
		w.Uint(uint64(s.Days))
		w.Int(int64(s.Open))
		w.Int(int64(s.Close))
	}
	w.Bool(h.ByAppointment)
	w.Bool(h.Season != nil)
	if s := h.Season; s != nil {
		w.Int(int64(s.FromMonth))
		w.Int(int64(s.FromDay))
		w.Int(int64(s.ToMonth))
		w.Int(int64(s.ToDay))
	}
	w.Uint(uint64(len(h.Closures)))
	for _, c := range h.Closures {
		writeDate(w, c.From)
		writeDate(w, c.To)
		w.String(c.Note)
	}
	w.String(h.Notes)
}

func readHours(r *statefile.Reader) *directory.Hours {
	if !r.Bool() {
		return nil
	}
	h := &directory.Hours{Always: r.Bool()}
	if n := r.Count(); n > 0 {
		h.Weekly = make([]directory.Span, n)
		for i := range h.Weekly {
			h.Weekly[i] = directory.Span{Days: directory.DaySet(r.Uint()), Open: directory.Clock(r.Int()), Close: directory.Clock(r.Int())}
		}
	}
	h.ByAppointment = r.Bool()
	if r.Bool() {
		h.Season = &directory.Season{FromMonth: time.Month(r.Int()), FromDay: int(r.Int()), ToMonth: time.Month(r.Int()), ToDay: int(r.Int())}
	}
	if n := r.Count(); n > 0 {
		h.Closures = make([]directory.Closure, n)
		for i := range h.Closures {
			h.Closures[i] = directory.Closure{From: readDate(r), To: readDate(r), Note: r.String()}
		}
	}
	h.Notes = r.String()
	return h
}

func writeDate(w *statefile.Writer, d directory.Date) {
	w.Int(int64(d.Year))
	w.Int(int64(d.Month))
	w.Int(int64(d.Day))
}

func readDate(r *statefile.Reader) directory.Date {
	return directory.Date{Year: int(r.Int()), Month: time.Month(r.Int()), Day: int(r.Int())}
}

func writeService(w *statefile.Writer, s *directory.Service) {
	w.String(s.ID)
	w.String(s.Name)
	w.String(s.AlternateName)
	w.String(s.Description)
	w.String(s.URL)
	w.String(s.Email)
	w.Strings(s.Categories)
	writeArea(w, s.Area)
	e := &s.Eligibility
	writeInt(w, e.Age.Min)
	writeInt(w, e.Age.Max)
	w.Strings(e.Genders)
	w.Strings(e.Populations)
	w.Strings(e.Focus)
	w.String(e.Income)
	w.String(e.Residency)
	w.Strings(e.Documents)
	w.String(e.Notes)
	w.String(string(s.Cost))
	w.String(s.Fees)
	w.Strings(s.Insurance)
	w.Strings(s.Languages)
	w.Strings(s.Apply)
	w.String(s.ApplyNotes)
	writeHours(w, s.Hours)
	w.String(s.Capacity)
	w.String(string(s.Status))
	w.String(s.Alert)
	w.Time(s.LastVerified)
	w.String(s.VerifiedBy)
	writePhones(w, s.Phones)
	writeSource(w, s.Source)
	writeIntake(w, s.Referrals)
}

// readService reads a service but for its locations and organization.
func readService(r *statefile.Reader, s *directory.Service) {
	s.ID, s.Name, s.AlternateName, s.Description, s.URL, s.Email = r.String(), r.String(), r.String(), r.String(), r.String(), r.String()
	s.Categories = r.Strings()
	s.Area = readArea(r)
	s.Eligibility = directory.Eligibility{
		Age:     directory.AgeRange{Min: readInt(r), Max: readInt(r)},
		Genders: r.Strings(), Populations: r.Strings(), Focus: r.Strings(),
		Income: r.String(), Residency: r.String(), Documents: r.Strings(), Notes: r.String(),
	}
	s.Cost, s.Fees = directory.CostKind(r.String()), r.String()
	s.Insurance, s.Languages, s.Apply = r.Strings(), r.Strings(), r.Strings()
	s.ApplyNotes = r.String()
	s.Hours = readHours(r)
	s.Capacity, s.Status, s.Alert = r.String(), directory.Status(r.String()), r.String()
	s.LastVerified = r.Time()
	s.VerifiedBy = r.String()
	s.Phones = readPhones(r)
	s.Source = readSource(r)
	s.Referrals = readIntake(r)
}

func writeInt(w *statefile.Writer, p *int) {
	w.Bool(p != nil)
	if p != nil {
		w.Int(int64(*p))
	}
}

func readInt(r *statefile.Reader) *int {
	if !r.Bool() {
		return nil
	}
	return new(int(r.Int()))
}

func writeArea(w *statefile.Writer, a *directory.ServiceArea) {
	w.Bool(a != nil)
	if a == nil {
		return
	}
	w.Float(a.RadiusMeters)
	w.Uint(uint64(len(a.Counties)))
	for _, c := range a.Counties {
		w.String(c.FIPS)
		w.String(c.Name)
		w.String(c.State)
	}
	w.Strings(a.ZIPs)
	w.Strings(a.States)
	w.Uint(uint64(len(a.Polygon)))
	for _, p := range a.Polygon {
		w.Uint(uint64(len(p)))
		for _, ring := range p {
			w.Uint(uint64(len(ring)))
			for _, pt := range ring {
				w.Float(pt[0])
				w.Float(pt[1])
			}
		}
	}
	w.String(a.PolygonFile)
	w.String(a.Note)
}

func readArea(r *statefile.Reader) *directory.ServiceArea {
	if !r.Bool() {
		return nil
	}
	a := &directory.ServiceArea{RadiusMeters: r.Float()}
	if n := r.Count(); n > 0 {
		a.Counties = make([]directory.County, n)
		for i := range a.Counties {
			a.Counties[i] = directory.County{FIPS: r.String(), Name: r.String(), State: r.String()}
		}
	}
	a.ZIPs, a.States = r.Strings(), r.Strings()
	if n := r.Count(); n > 0 {
		a.Polygon = make(orb.MultiPolygon, n)
		for i := range a.Polygon {
			a.Polygon[i] = make(orb.Polygon, r.Count())
			for j := range a.Polygon[i] {
				a.Polygon[i][j] = make(orb.Ring, r.Count())
				for k := range a.Polygon[i][j] {
					a.Polygon[i][j][k] = orb.Point{r.Float(), r.Float()}
				}
			}
		}
	}
	a.PolygonFile, a.Note = r.String(), r.String()
	return a
}
