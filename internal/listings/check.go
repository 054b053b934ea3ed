package listings

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"trellis/internal/directory"
)

// checker validates one decoded file and converts it to domain values. It
// reports each problem at the position the decoder recorded for the value.
type checker struct {
	*decoder
	env *env
	// marks, when not nil, collects where each organization, location and
	// service is written (Options.Positions).
	marks marks
}

// env is what checking a listing needs from the rest of the directory. It
// is shared, read-only, by the goroutines that check files.
type env struct {
	fsys   fs.FS
	places Places
	// tax is nil when taxonomy.yaml could not be read; categories are then
	// not checked.
	tax      *directory.Taxonomy
	catIDs   []string // every category id, for suggestions
	today    time.Time
	polygons *polygonCache
	// positions says whether to record where values are written.
	positions bool
}

// fail reports a problem with the value ptr points to, or at fallback when
// that value was not written.
func (c *checker) fail(ptr, fallback any, format string, args ...any) {
	c.errorf(c.at(ptr, fallback), format, args...)
}

// failErr reports err as a problem with the value ptr points to.
func (c *checker) failErr(ptr any, err error) {
	c.errorf(c.at(ptr, nil), "%s", err.Error())
}

// required reports a missing or empty required string and returns whether
// the value is usable.
func (c *checker) required(p *string, parent any, key string) bool {
	if !c.present(p) {
		c.fail(parent, nil, "missing required key %q", key)
		return false
	}
	if !c.ok(p) {
		return false
	}
	if strings.TrimSpace(*p) == "" {
		c.fail(p, parent, "%q must not be empty", key)
		return false
	}
	return true
}

// check runs fn on an optional string that was written and decoded, and
// reports its error.
func (c *checker) check(p *string, fn func(string) error) bool {
	if !c.ok(p) {
		return false
	}
	if err := fn(*p); err != nil {
		c.failErr(p, err)
		return false
	}
	return true
}

// list checks each item of a string list with fn (which returns the item's
// canonical form), reports items listed twice, and returns the good items.
func (c *checker) list(items []string, fn func(string) (string, error)) []string {
	if len(items) == 0 {
		return nil
	}
	out := make([]string, 0, len(items))
	first := make(map[string]pos, len(items))
	for i := range items {
		p := &items[i]
		if !c.ok(p) {
			continue
		}
		v, err := fn(*p)
		if err != nil {
			c.failErr(p, err)
			continue
		}
		if f, dup := first[v]; dup {
			c.fail(p, nil, "%q is listed twice (first at line %d)", *p, f.line)
			continue
		}
		first[v] = c.at(p, nil)
		out = append(out, v)
	}
	return out
}

// parseRequired parses a required string with parse, reporting a missing,
// empty or unparsable value, and returns the value and whether it is good.
func parseRequired[T any](c *checker, p *string, parent any, key string, parse func(string) (T, error)) (T, bool) {
	var zero T
	if !c.required(p, parent, key) {
		return zero, false
	}
	v, err := parse(*p)
	if err != nil {
		c.failErr(p, err)
		return zero, false
	}
	return v, true
}

// unique records id *p in seen and reports whether it is new; a repeated
// id is reported as a duplicate kind id. An id that is absent, bad or empty
// counts as new: its own error is reported elsewhere.
func (c *checker) unique(seen map[string]pos, p *string, parent any, kind string) bool {
	if !c.ok(p) || *p == "" {
		return true
	}
	if first, dup := seen[*p]; dup {
		c.fail(p, parent, "duplicate %s id %q (first at line %d)", kind, *p, first.line)
		return false
	}
	seen[*p] = c.at(p, parent)
	return true
}

// enum returns a list checker for values from allowed.
func enum(what string, allowed []string) func(string) (string, error) {
	return func(s string) (string, error) { return s, checkEnum(what, s, allowed) }
}

func asIs(s string) (string, error) { return s, nil }

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// organization checks listing file f and converts it. rel is the file's
// path relative to the listings directory.
func (c *checker) organization(f *File, rel string) *directory.Organization {
	o := &directory.Organization{
		ID:            f.ID,
		Name:          f.Name,
		AlternateName: f.AlternateName,
		Description:   f.Description,
		Website:       f.Website,
		Email:         f.Email,
		File:          rel,
	}
	if c.required(&f.ID, f, "id") {
		c.check(&f.ID, checkSlug)
	}
	c.required(&f.Name, f, "name")
	c.check(&f.Website, checkURL)
	c.check(&f.Email, checkEmail)
	o.Phones = c.phones(f.Phones)
	o.Referrals = c.intake(f.Referrals)
	o.Source = c.source(f.Source)
	c.mark(o, f, map[string]any{"id": &f.ID, "name": &f.Name, "phones": &f.Phones})

	locIDs := map[string]pos{}
	for i := range f.Locations {
		l := &f.Locations[i]
		if !c.ok(l) {
			continue
		}
		loc := c.location(l)
		loc.Org = o
		if c.unique(locIDs, &l.ID, l, "location") {
			o.Locations = append(o.Locations, loc)
		}
	}

	if !c.present(&f.Services) {
		c.fail(f, nil, "missing required key %q: an organization lists at least one service", "services")
	} else if c.ok(&f.Services) && len(f.Services) == 0 {
		c.fail(&f.Services, f, "%q must list at least one service", "services")
	}
	svcIDs := map[string]pos{}
	for i := range f.Services {
		s := &f.Services[i]
		if !c.ok(s) {
			continue
		}
		svc := c.service(s, f, o)
		svc.Org = o
		if c.unique(svcIDs, &s.ID, s, "service") {
			o.Services = append(o.Services, svc)
		}
	}
	return o
}

func (c *checker) source(s *Source) directory.Source {
	if s == nil || !c.ok(s) {
		return directory.Source{}
	}
	c.required(&s.Name, s, "name")
	c.required(&s.ID, s, "id")
	return directory.Source{Name: s.Name, ID: s.ID}
}

// intake checks a referrals intake: an email address, a phone number, or
// both, but not neither.
func (c *checker) intake(in *Intake) *directory.Intake {
	if in == nil || !c.ok(in) {
		return nil
	}
	if !c.present(&in.Email) && !c.present(&in.Phone) {
		c.fail(in, nil, "%q needs an email address Trellis can send referrals to, a phone number, or both", "referrals")
		return nil
	}
	emailOK := c.check(&in.Email, checkEmail)
	phoneOK := c.check(&in.Phone, CheckPhone)
	if (c.present(&in.Email) && !emailOK) || (c.present(&in.Phone) && !phoneOK) {
		return nil
	}
	return &directory.Intake{Email: in.Email, Phone: in.Phone}
}

func (c *checker) phones(ps []Phone) []directory.Phone {
	var out []directory.Phone
	for i := range ps {
		p := &ps[i]
		if !c.ok(p) {
			continue
		}
		if c.required(&p.Number, p, "number") {
			c.check(&p.Number, CheckPhone)
		}
		c.check(&p.Type, func(s string) error { return checkEnum("phone type", s, directory.PhoneTypes) })
		out = append(out, directory.Phone{
			Number:    p.Number,
			Extension: p.Ext,
			Type:      p.Type,
			Note:      p.Note,
			Languages: c.list(p.Languages, parseLanguage),
		})
	}
	return out
}

func (c *checker) location(l *Location) *directory.Location {
	loc := &directory.Location{
		ID:            l.ID,
		Name:          l.Name,
		Description:   l.Description,
		Confidential:  l.Confidential,
		Languages:     c.list(l.Languages, parseLanguage),
		Wheelchair:    l.Wheelchair,
		Accessibility: l.Accessibility,
		Transit:       l.Transit,
		Phones:        c.phones(l.Phones),
		Source:        c.source(l.Source),
	}
	if c.required(&l.ID, l, "id") {
		c.check(&l.ID, checkSlug)
	}
	c.mark(loc, l, map[string]any{"id": &l.ID, "address": &l.Address, "point": &l.Point})
	if l.Address != nil && c.ok(l.Address) {
		loc.Address = c.address(l.Address)
	}
	if p := l.Point; p != nil && c.ok(p) {
		good := true
		if !c.present(&p.Lat) {
			c.fail(p, nil, "missing required key %q", "lat")
			good = false
		} else if c.ok(&p.Lat) && !(p.Lat >= -90 && p.Lat <= 90) {
			c.fail(&p.Lat, p, "latitude %v is out of range: it must be between -90 and 90", p.Lat)
			good = false
		}
		if !c.present(&p.Lon) {
			c.fail(p, nil, "missing required key %q", "lon")
			good = false
		} else if c.ok(&p.Lon) && !(p.Lon >= -180 && p.Lon <= 180) {
			c.fail(&p.Lon, p, "longitude %v is out of range: it must be between -180 and 180", p.Lon)
			good = false
		}
		if good && c.ok(&p.Lat) && c.ok(&p.Lon) {
			loc.Point = [2]float64{p.Lon, p.Lat}
			loc.HasPoint = true
		}
	}
	if c.ok(&l.TimeZone) {
		tz, err := loadZone(l.TimeZone)
		if err != nil {
			c.failErr(&l.TimeZone, err)
		}
		loc.TimeZone = tz
	}
	if l.Hours != nil && c.ok(l.Hours) {
		loc.Hours = c.hours(l.Hours)
	}
	return loc
}

func (c *checker) address(a *Address) *directory.Address {
	out := &directory.Address{
		Street:  a.Street,
		Street2: a.Street2,
		City:    a.City,
		State:   a.State,
		ZIP:     a.ZIP,
		County:  a.County,
	}
	c.required(&a.Street, a, "street")
	c.required(&a.City, a, "city")
	stateOK := c.required(&a.State, a, "state") && c.check(&a.State, checkState)
	c.check(&a.ZIP, func(s string) error {
		if !zipRE.MatchString(s) {
			return fmt.Errorf("%q is not a ZIP code: write 5 digits or ZIP+4, e.g. 20001 or 20001-1234", s)
		}
		return nil
	})
	if c.ok(&a.County) && stateOK && c.env.places != nil {
		if county, found := c.env.places.County(a.County, a.State); found {
			out.CountyFIPS = county.FIPS
		} else {
			c.fail(&a.County, a, "unknown county %q: no county of that name in %s", a.County, a.State)
		}
	}
	return out
}

func (c *checker) service(s *Service, f *File, o *directory.Organization) *directory.Service {
	svc := &directory.Service{
		ID:            s.ID,
		Name:          s.Name,
		AlternateName: s.AlternateName,
		Description:   s.Description,
		URL:           s.URL,
		Email:         s.Email,
		Fees:          s.Fees,
		ApplyNotes:    s.HowToApply,
		Capacity:      s.Capacity,
		Alert:         s.Alert,
		VerifiedBy:    s.VerifiedBy,
		Status:        directory.StatusActive,
		Insurance:     c.list(s.Insurance, enum("insurance", directory.InsurancePlans)),
		Languages:     c.list(s.Languages, parseLanguage),
		Apply:         c.list(s.Apply, enum("way to apply", directory.ApplyMethods)),
		Phones:        c.phones(s.Phones),
		Referrals:     c.intake(s.Referrals),
		Source:        c.source(s.Source),
	}
	if c.required(&s.ID, s, "id") {
		c.check(&s.ID, checkSlug)
	}
	c.required(&s.Name, s, "name")
	c.check(&s.URL, checkURL)
	c.check(&s.Email, checkEmail)
	c.mark(svc, s, map[string]any{"id": &s.ID, "name": &s.Name, "last_verified": &s.LastVerified, "verified_by": &s.VerifiedBy})

	if !c.present(&s.Categories) {
		c.fail(s, nil, "missing required key %q: a service is in at least one category", "categories")
	} else if c.ok(&s.Categories) && len(s.Categories) == 0 {
		c.fail(&s.Categories, s, "%q must list at least one category", "categories")
	}
	svc.Categories = c.list(s.Categories, c.category)

	for _, id := range c.list(s.At, asIs) {
		if l := o.Location(id); l != nil {
			svc.Locations = append(svc.Locations, l)
			continue
		}
		i := slices.Index(s.At, id)
		if len(f.Locations) == 0 {
			c.fail(&s.At[i], s, "\"at\" names location %q, but this file has no locations", id)
			continue
		}
		ids := make([]string, 0, len(f.Locations))
		for _, l := range f.Locations {
			ids = append(ids, l.ID)
		}
		msg := fmt.Sprintf("\"at\" names location %q, which is not in this file", id)
		if g := suggest(id, ids); g != "" {
			msg += fmt.Sprintf("; did you mean %q?", g)
		}
		c.fail(&s.At[i], s, "%s (locations: %s)", msg, strings.Join(ids, ", "))
	}
	c.confidentialReach(s, f, svc, o)

	if s.ServiceArea != nil && c.ok(s.ServiceArea) {
		svc.Area = c.area(s.ServiceArea, s)
	}
	if s.Eligibility != nil && c.ok(s.Eligibility) {
		svc.Eligibility = c.eligibility(s.Eligibility)
	}
	if c.check(&s.Cost, func(v string) error { return checkEnum("cost", v, stringsOf(directory.CostKinds)) }) {
		svc.Cost = directory.CostKind(s.Cost)
	}
	if c.check(&s.Status, func(v string) error { return checkEnum("status", v, stringsOf(directory.Statuses)) }) {
		svc.Status = directory.Status(s.Status)
	}
	if s.Hours != nil && c.ok(s.Hours) {
		svc.Hours = c.hours(s.Hours)
	}
	if c.ok(&s.LastVerified) {
		if d, err := parseDate(s.LastVerified); err != nil {
			c.failErr(&s.LastVerified, err)
		} else if d.After(c.env.today) {
			c.fail(&s.LastVerified, s, "last_verified %s is in the future (today is %s)", s.LastVerified, c.env.today.Format(time.DateOnly))
		} else {
			svc.LastVerified = d
		}
	}
	return svc
}

// category checks a category id against the taxonomy.
func (c *checker) category(id string) (string, error) {
	if c.env.tax == nil || c.env.tax.Category(id) != nil {
		return id, nil
	}
	msg := fmt.Sprintf("unknown category %q", id)
	if g := suggest(id, c.env.catIDs); g != "" {
		msg += fmt.Sprintf("; did you mean %q?", g)
	}
	return "", fmt.Errorf("%s (categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter)", msg)
}

// confidentialReach reports a service delivered only at confidential
// locations that gives no phone to reach it by: its address is never shown,
// so a phone is the only way in.
func (c *checker) confidentialReach(s *Service, f *File, svc *directory.Service, o *directory.Organization) {
	if len(svc.Locations) == 0 || len(s.Phones) > 0 || len(f.Phones) > 0 {
		return
	}
	for _, l := range svc.Locations {
		if !l.Confidential || len(l.Phones) > 0 {
			return
		}
	}
	c.fail(&s.At, s, "service %q is delivered only at confidential locations, whose address is never shown, and lists no phone: add a phone to the service, its location or the organization", s.ID)
}

func (c *checker) eligibility(e *Eligibility) directory.Eligibility {
	out := directory.Eligibility{
		Genders:     c.list(e.Genders, enum("gender", directory.Genders)),
		Populations: c.list(e.Populations, enum("population", directory.Populations)),
		Focus:       c.list(e.Focus, enum("population", directory.Populations)),
		Income:      e.Income,
		Residency:   e.Residency,
		Documents:   e.Documents,
		Notes:       e.Notes,
	}
	if a := e.Age; a != nil && c.ok(a) {
		good := true
		for _, b := range []*int{a.Min, a.Max} {
			if b != nil && c.ok(b) && (*b < 0 || *b > 130) {
				c.fail(b, a, "age %d is out of range: ages are whole years from 0 to 130", *b)
				good = false
			}
		}
		switch {
		case !c.present(&a.Min) && !c.present(&a.Max):
			c.fail(a, nil, "an age range needs min, max or both")
		case a.Min != nil && a.Max != nil && c.ok(a.Min) && c.ok(a.Max) && *a.Min > *a.Max:
			c.fail(a.Max, a, "age max %d is below min %d", *a.Max, *a.Min)
		case good:
			out.Age = directory.AgeRange{Min: okInt(c, a.Min), Max: okInt(c, a.Max)}
		}
	}
	return out
}

func okInt(c *checker, p *int) *int {
	if p == nil || !c.ok(p) {
		return nil
	}
	v := *p
	return &v
}
