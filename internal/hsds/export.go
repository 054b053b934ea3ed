package hsds

// This file turns a Trellis catalog into the HSDS 3.0 object model
// (model.go). WriteNDJSON and WriteTabular (tabular.go) serialize it; the
// /hsds/ API serves it.
//
// What goes where:
//
//   - Every organization, service and non-confidential location. A
//     confidential location (a domestic-violence shelter) is left out
//     entirely: no location, address, point, description, hours or
//     service_at_location. Its phone numbers, the way people reach it, go
//     on the services delivered there. Its services stay, found by their
//     service areas.
//   - Ids are UUIDs: a listing's source id when it is one (an imported
//     HSDS record keeps its id, so a package round-trips), else a UUIDv5
//     of the Trellis id, the same on every export.
//   - Categories are attributes with terms of the "Trellis needs"
//     taxonomy; genders, populations, focus, insurance, ways to apply, cost
//     and capacity are attributes with terms of "Trellis eligibility and
//     access" (trellis.go).
//   - Hours are RRULE-style weekly schedules (freq WEEKLY, byday, opens_at,
//     closes_at) in the directory's local time without a UTC offset: a
//     fixed offset cannot follow daylight saving time, and HSDS's
//     timezone field is one. The zone is in the package descriptor. 24/7
//     is 00:00-23:59 every day (HSDS field guidance); "24:00" closes at
//     23:59. Seasons, by-appointment and closures follow conventions.go.

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/paulmach/orb/geojson"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"trellis/internal/directory"
	"trellis/internal/geo"
)

// Version is the HSDS version Trellis exports and serves.
const Version = "3.0"

// idSpace is the UUIDv5 namespace of the ids Trellis derives. It never
// changes, so the same listing gets the same id on every export.
var idSpace = uuid.MustParse("c49cba6e-8981-431e-a9b2-36d1f1ca13c7")

// ExportOptions configure Export.
type ExportOptions struct {
	// Name is the package name (datapackage.json "name"); default: the
	// directory's name as a slug, else "trellis".
	Name string
	// Created, when set, is written as the descriptor's "created".
	Created time.Time
}

// Index is a catalog in HSDS 3.0 form, built a record at a time: it holds
// the package's description, its taxonomies and the id of every
// organization, service, location and service_at_location, and builds a
// record, fully nested, when asked for it. Serving a national directory
// keeps only the ids in memory, not a second copy of every listing. It is
// immutable once built and safe to share between goroutines.
type Index struct {
	// Name, Title and Description describe the package.
	Name, Title, Description string
	// TimeZone is the IANA zone of every opens_at and closes_at.
	TimeZone    string
	Attribution []string
	Created     time.Time

	Taxonomies    []*Taxonomy
	TaxonomyTerms []*TaxonomyTerm

	// ConfidentialLeftOut counts the confidential locations not exported.
	ConfidentialLeftOut int

	cat      *directory.Catalog
	termByID map[string]*TaxonomyTerm
	taxByID  map[string]*Taxonomy
	termCat  map[string]*TaxonomyTerm // needs term by category id
	facts    map[string]*TaxonomyTerm // facts term by code
	// renamed holds the ids of the organizations, services and locations
	// (by pointer) that could not take their natural id (naturalID); the
	// others' ids are worked out when needed, not kept for each of a
	// national directory's records.
	renamed map[any]uuid.UUID
	// The catalog's records by id.
	orgs map[uuid.UUID]*directory.Organization
	svcs map[uuid.UUID]*directory.Service
	sals map[uuid.UUID]SALRef
}

// orgID, svcID and locID return the ids of the catalog's records (see
// idPass.id).
func (ix *Index) orgID(o *directory.Organization) uuid.UUID {
	return ix.recordID(o, o.Source, "organization", o.ID)
}

func (ix *Index) svcID(s *directory.Service) uuid.UUID {
	return ix.recordID(s, s.Source, "service", s.Key())
}

// locID is the id of location l of organization o.
func (ix *Index) locID(o *directory.Organization, l *directory.Location) uuid.UUID {
	return ix.recordID(l, l.Source, "location", o.ID+"/"+l.ID)
}

func (ix *Index) recordID(rec any, src directory.Source, kind, key string) uuid.UUID {
	if id, ok := ix.renamed[rec]; ok {
		return id
	}
	return naturalID(src, kind, key)
}

// naturalID is the id a record of kind with key takes unless an earlier
// record took it: its source id when that is a UUID, else the UUIDv5 of
// kind and key (childID).
func naturalID(src directory.Source, kind, key string) uuid.UUID {
	if u, err := uuid.Parse(src.ID); err == nil && len(src.ID) == 36 {
		return u
	}
	return childID(kind, key)
}

// SALRef is a service at one of its (non-confidential) locations.
type SALRef struct {
	Service  *directory.Service
	Location *directory.Location
}

// Dataset is a whole catalog in HSDS 3.0 form, every record built: what
// WriteNDJSON and WriteTabular write.
type Dataset struct {
	*Index
	// Organizations carry their phones and locations.
	Organizations []*Organization
	// Services are fully nested, in catalog order.
	Services []*Service
	// Locations are every exported location, in catalog order.
	Locations []*Location
	// ServiceAtLocations carry their location (not their service).
	ServiceAtLocations []*ServiceAtLocation
}

// byID parses a record id as the index writes them (a lower-case UUID).
func byID(id string) (uuid.UUID, bool) {
	u, err := uuid.Parse(id)
	return u, err == nil && len(id) == 36 && u.String() == id
}

// Organization returns the organization with HSDS id id, with its phones,
// contacts and locations, or nil.
func (ix *Index) Organization(id string) *Organization {
	if o := ix.OrganizationRecord(id); o != nil {
		return ix.OrganizationOf(o)
	}
	return nil
}

// OrganizationOf returns catalog organization o in HSDS form, with its
// phones, contacts and locations.
func (ix *Index) OrganizationOf(o *directory.Organization) *Organization {
	return ix.build(o).Organizations[0]
}

// Service returns the service with HSDS id id, fully nested, or nil.
func (ix *Index) Service(id string) *Service {
	u, ok := byID(id)
	if s := ix.svcs[u]; ok && s != nil {
		return ix.ServiceOf(s)
	}
	return nil
}

// ServiceOf returns catalog service s in HSDS form, fully nested.
func (ix *Index) ServiceOf(s *directory.Service) *Service {
	id := ix.svcID(s).String()
	for _, svc := range ix.build(s.Org).Services {
		if svc.ID == id {
			return svc
		}
	}
	return nil
}

// ServicesOf returns the services of organization o, fully nested, in
// catalog order.
func (ix *Index) ServicesOf(o *directory.Organization) []*Service {
	return ix.build(o).Services
}

// OrganizationRecord returns the catalog organization with HSDS id id, or
// nil.
func (ix *Index) OrganizationRecord(id string) *directory.Organization {
	u, ok := byID(id)
	if !ok {
		return nil
	}
	return ix.orgs[u]
}

// OrganizationID returns the HSDS id of catalog organization o.
func (ix *Index) OrganizationID(o *directory.Organization) string { return ix.orgID(o).String() }

// ServiceAtLocation returns the service_at_location with HSDS id id, with
// its location and its service fully nested, or nil.
func (ix *Index) ServiceAtLocation(id string) *ServiceAtLocation {
	u, ok := byID(id)
	ref, found := ix.sals[u]
	if !ok || !found {
		return nil
	}
	return ix.ServiceAtLocationOf(ref.Service, ref.Location)
}

// ServiceAtLocationOf returns catalog service s at its location l, with
// the location and the service fully nested (built once), or nil when l
// is confidential (never exported) or not one of s's.
func (ix *Index) ServiceAtLocationOf(s *directory.Service, l *directory.Location) *ServiceAtLocation {
	if l == nil || l.Confidential || !slices.Contains(s.Locations, l) {
		return nil
	}
	id := salID(s.Key(), l.ID).String()
	d := ix.build(s.Org)
	for _, svc := range d.Services {
		for _, sal := range svc.ServiceAtLocations {
			if sal.ID == id {
				out := *sal
				out.Service = svc
				return &out
			}
		}
	}
	return nil
}

// TaxonomyTerm returns the term with id id, or nil.
func (ix *Index) TaxonomyTerm(id string) *TaxonomyTerm { return ix.termByID[id] }

// Taxonomy returns the taxonomy with id id, or nil.
func (ix *Index) Taxonomy(id string) *Taxonomy { return ix.taxByID[id] }

// CategoryTerm returns the "Trellis needs" term of category id, or nil.
func (ix *Index) CategoryTerm(id string) *TaxonomyTerm { return ix.termCat[id] }

// Terms returns the terms service s is linked to by its attributes: its
// categories, then its facts (see attributes).
func (ix *Index) Terms(s *directory.Service) []*TaxonomyTerm {
	var out []*TaxonomyTerm
	ix.eachTerm(s, func(t *TaxonomyTerm, _ string) { out = append(out, t) })
	return out
}

// LastModified returns service s's last_modified as exported (its last
// verification, to the second), and false when it has none.
func LastModified(s *directory.Service) (time.Time, bool) {
	if s.LastVerified.IsZero() {
		return time.Time{}, false
	}
	return s.LastVerified.UTC().Truncate(time.Second), true
}

// build returns the records of organization o: the organization, its
// exported locations, its services and their service_at_locations.
func (ix *Index) build(o *directory.Organization) *Dataset {
	d := &Dataset{Index: ix}
	x := &exporter{ix: ix, ds: d, locOf: map[*directory.Location]*Location{}}
	x.organization(o)
	return d
}

// exporter builds the records of one or more organizations into ds.
type exporter struct {
	ix *Index
	ds *Dataset
	// locOf maps catalog locations to their export (nil: confidential).
	locOf map[*directory.Location]*Location
}

// idPass assigns the ids of records and taxonomies.
type idPass struct {
	ix   *Index
	used map[uuid.UUID]bool
}

// NewIndex builds the HSDS index of cat. It returns an error when cat has
// no taxonomy or two records would get the same id (which only a catalog
// that skipped validation can cause).
func NewIndex(cat *directory.Catalog, opt ExportOptions) (*Index, error) {
	if cat == nil || cat.Taxonomy == nil {
		return nil, fmt.Errorf("hsds: export: the catalog has no taxonomy")
	}
	name := opt.Name
	if name == "" {
		name = slug(cat.Info.Name, maxSlug)
	}
	if name == "" {
		name = "trellis"
	}
	tz := "UTC"
	if cat.Info.TimeZone != nil {
		tz = cat.Info.TimeZone.String()
	}
	n := cat.ServiceCount()
	ix := &Index{
		Name: name, Title: cat.Info.Name, TimeZone: tz, Attribution: cat.Info.Attribution, Created: opt.Created,
		Description: strings.TrimSpace("Community resource directory exported by Trellis as Open Referral HSDS " + Version +
			". Opening times are local time in " + tz + ". " + cat.Info.Notice),
		cat: cat, termByID: map[string]*TaxonomyTerm{}, taxByID: map[string]*Taxonomy{},
		termCat: map[string]*TaxonomyTerm{}, facts: map[string]*TaxonomyTerm{},
		renamed: map[any]uuid.UUID{}, orgs: make(map[uuid.UUID]*directory.Organization, len(cat.Organizations)),
		svcs: make(map[uuid.UUID]*directory.Service, n), sals: map[uuid.UUID]SALRef{},
	}
	records := len(cat.Organizations) + 2*n
	for _, o := range cat.Organizations {
		records += len(o.Locations)
	}
	p := &idPass{ix: ix, used: make(map[uuid.UUID]bool, records)}
	ix.taxonomies(p)
	for _, o := range cat.Organizations {
		if err := p.organization(o); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// Export builds the whole HSDS form of cat (see NewIndex for its errors).
func Export(cat *directory.Catalog, opt ExportOptions) (*Dataset, error) {
	ix, err := NewIndex(cat, opt)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Index: ix}
	x := &exporter{ix: ix, ds: d, locOf: map[*directory.Location]*Location{}}
	for _, o := range cat.Organizations {
		x.organization(o)
	}
	return d, nil
}

// organization assigns the ids of o, its locations, its services and
// their service_at_locations, in the order the records are exported.
func (p *idPass) organization(o *directory.Organization) error {
	ix := p.ix
	id, err := p.id(o, o.Source, "organization", o.ID)
	if err != nil {
		return err
	}
	ix.orgs[id] = o
	for _, l := range o.Locations {
		if l.Confidential {
			ix.ConfidentialLeftOut++
			continue
		}
		if _, err = p.id(l, l.Source, "location", o.ID+"/"+l.ID); err != nil {
			return err
		}
	}
	for _, s := range o.Services {
		key := s.Key()
		if id, err = p.id(s, s.Source, "service", key); err != nil {
			return err
		}
		ix.svcs[id] = s
		for _, l := range s.Locations {
			if !l.Confidential {
				sal := salID(key, l.ID)
				p.used[sal] = true
				ix.sals[sal] = SALRef{Service: s, Location: l}
			}
		}
	}
	return nil
}

// id returns the id of record rec: its natural id (naturalID) when no
// earlier record took it, else the UUIDv5 of kind and key, noted in
// Index.renamed. It returns an error if that is taken too.
func (p *idPass) id(rec any, src directory.Source, kind, key string) (uuid.UUID, error) {
	id := naturalID(src, kind, key)
	if p.used[id] {
		child := childID(kind, key)
		if id == child || p.used[child] {
			return child, fmt.Errorf("hsds: export: %s %q would get id %s twice", kind, key, child)
		}
		id = child
		p.ix.renamed[rec] = id
	}
	p.used[id] = true
	return id, nil
}

// childID is the id of a record that only Trellis's structure names (a
// phone, a schedule row): the UUIDv5 of kind and key, which callers make
// unique.
func childID(kind, key string) uuid.UUID {
	return uuid.NewSHA1(idSpace, []byte(kind+":"+key))
}

// salID is the id of service key's service_at_location at location locID.
func salID(key, locID string) uuid.UUID { return childID("service_at_location", key+"@"+locID) }

// child returns childID as a string.
func (x *exporter) child(kind, key string) string { return childID(kind, key).String() }

func (ds *Index) taxonomies(p *idPass) {
	child := func(kind, key string) string {
		id := childID(kind, key)
		p.used[id] = true
		return id.String()
	}
	needs := &Taxonomy{ID: child("taxonomy", NeedsTaxonomy), Name: NeedsTaxonomy,
		Description: "The needs categories of the Trellis directory (taxonomy.yaml): top-level needs and their subcategories. Term codes are the category ids."}
	facts := &Taxonomy{ID: child("taxonomy", FactsTaxonomy), Name: FactsTaxonomy,
		Description: "Facts about a service that HSDS 3.0 has no field for: the genders and populations it is restricted to, the populations it is made for, insurance accepted, ways to apply, cost and capacity. Codes are <kind>:<value>."}
	ds.Taxonomies = []*Taxonomy{needs, facts}
	ds.taxByID[needs.ID], ds.taxByID[facts.ID] = needs, facts
	add := func(t *TaxonomyTerm) {
		ds.TaxonomyTerms = append(ds.TaxonomyTerms, t)
		ds.termByID[t.ID] = t
	}
	for _, c := range ds.cat.Taxonomy.All() {
		t := &TaxonomyTerm{ID: child("term", NeedsTaxonomy+"/"+c.ID), Code: c.ID, Name: c.Label.In("en"),
			Description: c.Description.In("en"), Taxonomy: NeedsTaxonomy, TaxonomyDetail: needs,
			TaxonomyID: needs.ID, Language: "en"}
		if t.Description == "" {
			t.Description = t.Name
		}
		if c.Parent != nil {
			t.ParentID = ds.termCat[c.Parent.ID].ID
		}
		ds.termCat[c.ID] = t
		add(t)
	}
	for _, f := range factTerms() {
		t := &TaxonomyTerm{ID: child("term", FactsTaxonomy+"/"+f.Code), Code: f.Code, Name: f.Name,
			Description: f.Description, Taxonomy: FactsTaxonomy, TaxonomyDetail: facts, TaxonomyID: facts.ID, Language: "en"}
		ds.facts[f.Code] = t
		add(t)
	}
}

func (x *exporter) organization(o *directory.Organization) {
	ds := x.ds
	id := x.ix.orgID(o).String()
	org := &Organization{ID: id, Name: o.Name, AlternateName: o.AlternateName, Description: o.Description,
		Email: o.Email, Website: o.Website}
	// HSDS requires a description; the importer drops one that only
	// repeats the name.
	if strings.TrimSpace(org.Description) == "" {
		org.Description = o.Name
	}
	org.Phones = x.phones(o.Phones, "organization/"+o.ID, func(p *Phone) { p.OrganizationID = id })
	org.Contacts = x.intake(o.Referrals, "organization/"+o.ID, func(c *Contact) { c.OrganizationID = id })
	ds.Organizations = append(ds.Organizations, org)
	for _, l := range o.Locations {
		if l.Confidential {
			continue
		}
		loc := x.location(o, l, org)
		org.Locations = append(org.Locations, loc)
		ds.Locations = append(ds.Locations, loc)
		x.locOf[l] = loc
	}
	for _, s := range o.Services {
		x.service(s, org)
	}
}

func (x *exporter) location(o *directory.Organization, l *directory.Location, org *Organization) *Location {
	key := o.ID + "/" + l.ID
	id := x.ix.locID(o, l).String()
	loc := &Location{ID: id, LocationType: "physical", OrganizationID: org.ID, Name: cmp.Or(l.Name, o.Name),
		Description: l.Description, Transportation: l.Transit}
	if l.HasPoint {
		lat, lon := l.Point.Lat(), l.Point.Lon()
		loc.Latitude, loc.Longitude = &lat, &lon
	}
	if a := l.Address; a != nil {
		if a.ZIP != "" {
			loc.Addresses = []*Address{{ID: x.child("address", key), LocationID: id, Address1: a.Street, Address2: a.Street2,
				City: a.City, Region: a.County, StateProvince: a.State, PostalCode: a.ZIP, Country: "US", AddressType: "physical"}}
		} else {
			street := a.Street
			if a.Street2 != "" {
				street += ", " + a.Street2
			}
			loc.Description = strings.TrimSpace(loc.Description + " " + listedAddress(street, a.City, a.State))
		}
	}
	loc.Languages = x.languages(l.Languages, "location/"+key, func(g *Language) { g.LocationID = id })
	if acc := accessibilityText(l); acc != "" {
		loc.Accessibility = []*Accessibility{{ID: x.child("accessibility", key), LocationID: id, Description: acc}}
	}
	loc.Phones = x.phones(l.Phones, "location/"+key, func(p *Phone) { p.LocationID = id })
	loc.Schedules = x.schedules(l.Hours, "location/"+key, func(s *Schedule) { s.LocationID = id })
	return loc
}

// accessibilityText is a location's accessibility notes, followed, when
// the location says whether wheelchairs can get in and the notes do not
// mention wheelchairs, by a sentence saying so (which the importer reads
// back).
func accessibilityText(l *directory.Location) string {
	text := l.Accessibility
	if l.Wheelchair == nil || wheelchairRE.MatchString(text) {
		return text
	}
	s := "Not wheelchair accessible."
	if *l.Wheelchair {
		s = "Wheelchair accessible."
	}
	return strings.TrimSpace(text + " " + s)
}

func (x *exporter) service(s *directory.Service, org *Organization) {
	ds := x.ds
	key := s.Key()
	id := x.ix.svcID(s).String()
	svc := &Service{ID: id, OrganizationID: org.ID, Name: s.Name, AlternateName: s.AlternateName,
		Description: s.Description, URL: s.URL, Email: s.Email, Status: cmp.Or(string(s.Status), string(directory.StatusActive)),
		ApplicationProcess: s.ApplyNotes, FeesDescription: s.Fees, Alert: s.Alert,
		EligibilityDescription: eligibilityText(s.Eligibility)}
	svc.Organization = org.Flat()
	svc.Organization.Phones = org.Phones
	if rest, ok := strings.CutPrefix(s.Capacity, "Wait time: "); ok {
		svc.WaitTime = rest
	}
	if a := s.Eligibility.Age; a.Min != nil {
		v := float64(*a.Min)
		svc.MinimumAge = &v
	}
	if a := s.Eligibility.Age; a.Max != nil {
		v := float64(*a.Max)
		svc.MaximumAge = &v
	}
	if !s.LastVerified.IsZero() {
		svc.AssuredDate = s.LastVerified.UTC().Format(time.DateOnly)
		svc.LastModified = s.LastVerified.UTC().Format(time.RFC3339)
	}
	link := func(p *Phone) { p.ServiceID = id }
	svc.Phones = x.phones(s.Phones, "service/"+key, link)
	// A confidential location is reached by phone: its numbers go on the
	// service.
	for _, l := range s.Locations {
		if !l.Confidential {
			continue
		}
		for _, p := range x.phones(l.Phones, "service/"+key+"/confidential/"+l.ID, link) {
			if !slices.ContainsFunc(svc.Phones, func(q *Phone) bool { return q.Number == p.Number && samePtr(q.Extension, p.Extension) }) {
				svc.Phones = append(svc.Phones, p)
			}
		}
	}
	svc.Schedules = x.schedules(s.Hours, "service/"+key, func(sc *Schedule) { sc.ServiceID = id })
	svc.ServiceAreas = x.areas(s, id, key)
	for _, l := range s.Locations {
		loc := x.locOf[l]
		if loc == nil {
			continue
		}
		sal := &ServiceAtLocation{ID: salID(key, l.ID).String(), ServiceID: id, LocationID: loc.ID, Location: loc}
		svc.ServiceAtLocations = append(svc.ServiceAtLocations, sal)
		ds.ServiceAtLocations = append(ds.ServiceAtLocations, sal)
	}
	svc.Languages = x.languages(s.Languages, "service/"+key, func(g *Language) { g.ServiceID = id })
	if s.Cost == directory.CostFree {
		zero := 0.0
		svc.CostOptions = []*CostOption{{ID: x.child("cost_option", key), ServiceID: id, Option: freeOption, Currency: "USD", Amount: &zero}}
	}
	for i, doc := range s.Eligibility.Documents {
		svc.RequiredDocuments = append(svc.RequiredDocuments, &RequiredDocument{
			ID: x.child("required_document", key+"#"+strconv.Itoa(i)), ServiceID: id, Document: doc})
	}
	svc.Contacts = x.intake(s.Referrals, "service/"+key, func(c *Contact) { c.ServiceID = id })
	svc.Attributes = x.attributes(s, id, key)
	ds.Services = append(ds.Services, svc)
}

func samePtr(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// eligibilityText is a service's eligibility notes, then its income and
// residency rules, one per line.
func eligibilityText(e directory.Eligibility) string {
	var parts []string
	if e.Notes != "" {
		parts = append(parts, e.Notes)
	}
	if e.Income != "" {
		parts = append(parts, "Income: "+e.Income)
	}
	if e.Residency != "" {
		parts = append(parts, "Residency: "+e.Residency)
	}
	return strings.Join(parts, "\n")
}

// phones exports phone numbers; owner makes their ids unique and link
// sets the parent id. An extension that is not a whole number goes into
// the description, since HSDS extensions are numbers.
func (x *exporter) phones(ps []directory.Phone, owner string, link func(*Phone)) []*Phone {
	var out []*Phone
	for i, p := range ps {
		ph := &Phone{ID: x.child("phone", owner+"#"+strconv.Itoa(i)), Number: p.Number, Description: p.Note}
		link(ph)
		switch p.Type {
		case "", "voice":
			ph.Type = "voice"
		case "tty":
			ph.Type = "textphone"
		default:
			ph.Type = p.Type
		}
		if p.Extension != "" {
			// HSDS extensions are numbers: one with a leading zero, too
			// long or not a number is written into the description
			// (extensionNote), which the importer reads back.
			if v, err := strconv.ParseUint(p.Extension, 10, 32); err == nil && strconv.FormatUint(v, 10) == p.Extension {
				f := float64(v)
				ph.Extension = &f
			} else {
				ph.Description = extensionNote(p.Extension, ph.Description)
			}
		}
		ph.Languages = x.languages(p.Languages, "phone/"+owner+"#"+strconv.Itoa(i), func(g *Language) { g.PhoneID = ph.ID })
		out = append(out, ph)
	}
	return out
}

// intake exports a referral intake as a contact titled IntakeTitle, its
// phone linked to the contact only (so that the importer does not take it
// for one of the owner's own numbers); nil for no intake.
func (x *exporter) intake(in *directory.Intake, owner string, link func(*Contact)) []*Contact {
	if in == nil {
		return nil
	}
	c := &Contact{ID: x.child("contact", owner+"#referrals"), Title: IntakeTitle, Email: in.Email}
	link(c)
	if in.Phone != "" {
		c.Phones = []*Phone{{ID: x.child("phone", owner+"#referrals"), ContactID: c.ID, Number: in.Phone, Type: "voice"}}
	}
	return []*Contact{c}
}

// languages exports BCP 47 codes with their English names.
func (x *exporter) languages(codes []string, owner string, link func(*Language)) []*Language {
	var out []*Language
	for _, code := range codes {
		g := &Language{ID: x.child("language", owner+"#"+code), Code: code}
		if tag, err := language.Parse(code); err == nil {
			g.Name = display.English.Tags().Name(tag)
		}
		link(g)
		out = append(out, g)
	}
	return out
}

// rruleDay are the RRULE day codes by time.Weekday, and rruleOrder the
// order they are written in (Monday first).
var (
	rruleDay   = [...]string{"SU", "MO", "TU", "WE", "TH", "FR", "SA"}
	rruleOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
)

func byday(d directory.DaySet) string {
	var parts []string
	for _, wd := range rruleOrder {
		if d.Has(wd) {
			parts = append(parts, rruleDay[wd])
		}
	}
	return strings.Join(parts, ",")
}

// hsdsClock writes a time of day for opens_at/closes_at; the end of the
// day (24:00) is 23:59, as HSDS guidance says.
func hsdsClock(c directory.Clock) string {
	if c >= 24*60 {
		c = 23*60 + 59
	}
	return fmt.Sprintf("%02d:%02d:00", int(c)/60, int(c)%60)
}

// schedules exports hours as schedule rows (see the file comment).
func (x *exporter) schedules(h *directory.Hours, owner string, link func(*Schedule)) []*Schedule {
	if h == nil {
		return nil
	}
	var out []*Schedule
	n := 0
	add := func(s *Schedule) {
		s.ID = x.child("schedule", owner+"#"+strconv.Itoa(n))
		n++
		link(s)
		out = append(out, s)
	}
	attending := ""
	if h.ByAppointment {
		attending = byAppointment
	}
	season := ""
	if s := h.Season; s != nil {
		season = seasonDescription(s.FromMonth, s.FromDay, s.ToMonth, s.ToDay)
	}
	spans := h.Weekly
	if h.Always {
		spans = []directory.Span{{Days: directory.Everyday, Open: 0, Close: 24 * 60}}
	}
	for _, sp := range spans {
		add(&Schedule{Freq: "WEEKLY", ByDay: byday(sp.Days), OpensAt: hsdsClock(sp.Open), ClosesAt: hsdsClock(sp.Close),
			Description: season, AttendingType: attending, Notes: h.Notes})
	}
	if len(spans) == 0 && (h.ByAppointment || h.Notes != "") {
		add(&Schedule{AttendingType: attending, Notes: h.Notes})
	}
	for _, c := range h.Closures {
		add(&Schedule{ValidFrom: dateText(c.From), ValidTo: dateText(c.To), Description: closureDescription(c.Note)})
	}
	return out
}

func dateText(d directory.Date) string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// areas exports a service area: a row per county and state (named by
// Census URI), one for the ZIP codes, one for the radius, one for a
// polygon (GeoJSON extent) and one for the note.
func (x *exporter) areas(s *directory.Service, id, key string) []*ServiceArea {
	a := s.Area
	if a == nil {
		return nil
	}
	var out []*ServiceArea
	add := func(sa *ServiceArea) {
		sa.ID = x.child("service_area", key+"#"+strconv.Itoa(len(out)))
		sa.ServiceID = id
		out = append(out, sa)
	}
	if a.RadiusMeters > 0 {
		d := strings.Replace(geo.FormatDistance(a.RadiusMeters, "mi"), ".0 ", " ", 1)
		name := "Within " + d + " of where the service is delivered"
		sa := &ServiceArea{Name: name}
		// Without an exported location the radius has nothing to be
		// measured from; only its text goes out.
		if slices.ContainsFunc(s.Locations, func(l *directory.Location) bool { return x.locOf[l] != nil }) {
			sa.Extent, sa.ExtentType = radiusExtent(a.RadiusMeters), "text"
		}
		add(sa)
	}
	for _, c := range a.Counties {
		add(&ServiceArea{Name: geo.CountyLabel(c), URI: censusCountyURI + c.FIPS})
	}
	for _, st := range a.States {
		name, _ := geo.StateName(st)
		sa := &ServiceArea{Name: cmp.Or(name, st)}
		if fips, ok := geo.StateFIPS(st); ok {
			sa.URI = censusStateURI + fips
		}
		add(sa)
	}
	if len(a.ZIPs) > 0 {
		add(&ServiceArea{Extent: strings.Join(a.ZIPs, ", "), ExtentType: "text"})
	}
	if len(a.Polygon) > 0 {
		if gj, err := polygonJSON(a); err == nil {
			add(&ServiceArea{Name: "Mapped service area", Extent: gj, ExtentType: "geojson"})
		}
	}
	if n := strings.TrimSpace(a.Note); n != "" {
		add(&ServiceArea{Name: n})
	}
	return out
}

// attributes links the service to its categories and facts.
func (x *exporter) attributes(s *directory.Service, id, key string) []*Attribute {
	var out []*Attribute
	x.ix.eachTerm(s, func(t *TaxonomyTerm, value string) {
		out = append(out, &Attribute{ID: x.child("attribute", key+"#"+t.ID), LinkID: id, TaxonomyTermID: t.ID,
			LinkEntity: "service", Value: value, TaxonomyTerm: t})
	})
	return out
}

// eachTerm calls fn with each term service s is linked to, and the
// attribute's value: its categories, then its genders, populations,
// focus, insurance, ways to apply, cost and capacity.
func (ix *Index) eachTerm(s *directory.Service, fn func(t *TaxonomyTerm, value string)) {
	add := func(t *TaxonomyTerm, value string) {
		if t != nil {
			fn(t, value)
		}
	}
	for _, c := range s.Categories {
		add(ix.termCat[c], "")
	}
	fact := func(kind string, vals []string) {
		for _, v := range vals {
			add(ix.facts[kind+":"+v], "")
		}
	}
	fact("gender", s.Eligibility.Genders)
	fact("population", s.Eligibility.Populations)
	fact("focus", s.Eligibility.Focus)
	fact("insurance", s.Insurance)
	fact("apply", s.Apply)
	if s.Cost != directory.CostUnknown {
		fact("cost", []string{string(s.Cost)})
	}
	if s.Capacity != "" && !strings.HasPrefix(s.Capacity, "Wait time: ") {
		add(ix.facts[capacityCode], s.Capacity)
	}
}

// polygonJSON writes a service area's polygon as a GeoJSON geometry.
func polygonJSON(a *directory.ServiceArea) (string, error) {
	b, err := geojson.NewGeometry(a.Polygon).MarshalJSON()
	if err != nil {
		return "", fmt.Errorf("hsds: export polygon: %w", err)
	}
	return string(b), nil
}
