package hsds

// This file loads the tables of a package into memory, keeping only the
// columns the importer maps and indexing rows by the ids that link them.

import (
	"context"
	"fmt"
	"strings"
)

type orgRec struct {
	ID, Name, Alt, Desc, Email, Website string
	Line                                int
}

type svcRec struct {
	ID, OrgID, Name, Alt, Desc, URL, Email, Status, Interp, Apply string
	FeesDesc, Fees, WaitTime, EligDesc, MinAge, MaxAge            string
	Assured, LastMod, Alert                                       string
	Line                                                          int
}

type locRec struct {
	ID, Type, OrgID, Name, Alt, Desc, Transit, Lat, Lon string
	Line                                                int
}

type addrRec struct {
	Street, Street2, City, Region, State, ZIP, Country, Type string
	Line                                                     int
}

type phoneRec struct {
	ID, LocID, SvcID, OrgID, ContactID, SalID, Number, Ext, Type, Desc string
	Line                                                               int
}

type schedRec struct {
	SvcID, LocID, SalID                                  string
	ValidFrom, ValidTo, Until, Count, Freq, Interval     string
	ByDay, ByWeekNo, ByMonthDay, ByYearDay, Opens, Close string
	Desc, Notes, Attending                               string
	Line                                                 int
}

type salRec struct{ ID, SvcID, LocID string }

type langRec struct {
	Name, Code, Note string
	Line             int
}

type accRec struct{ Desc, Details string }

type costRec struct {
	Option, Currency, Amount, AmountDesc, ValidFrom, ValidTo string
	Line                                                     int
}

type areaRec struct {
	Name, Desc, Extent, ExtentType, URI string
	Line                                int
}

type contactRec struct{ ID, OrgID, SvcID, SalID, LocID, Name, Title, Department, Email string }

type termRec struct {
	ID, Code, Name, Taxonomy string
}

// dataset is a package's rows, indexed.
type dataset struct {
	orgs     []*orgRec
	orgByID  map[string]*orgRec
	svcs     []*svcRec
	svcByID  map[string]*svcRec
	svcByOrg map[string][]*svcRec
	locByID  map[string]*locRec
	locByOrg map[string][]*locRec
	addrs    map[string][]*addrRec // by location id

	phones []*phoneRec

	scheds      []*schedRec
	salBySvc    map[string][]*salRec
	salByID     map[string]*salRec
	langBySvc   map[string][]*langRec
	langByLoc   map[string][]*langRec
	langByPhone map[string][]*langRec
	accByLoc    map[string][]*accRec
	costBySvc   map[string][]*costRec
	docsBySvc   map[string][]string
	areasBySvc  map[string][]*areaRec
	contacts    map[string]*contactRec

	terms    map[string]*termRec
	attrs    map[string][]*termRec // by linked entity id
	rowCount map[string]int        // rows read per resource
	files    map[string]string     // resource name -> file of its last row, for messages
}

// tablesMapped are the resources the importer reads.
var tablesMapped = map[string]bool{
	"organization": true, "service": true, "location": true, "service_at_location": true,
	"address": true, "phone": true, "schedule": true, "language": true, "accessibility": true,
	"cost_option": true, "required_document": true, "service_area": true, "contact": true,
	"attribute": true, "taxonomy_term": true, "taxonomy": true,
}

// load reads every table the importer maps. Problems with single rows
// (duplicate ids, links to missing rows) go to rep as warnings; malformed
// files are errors.
func load(ctx context.Context, p *Package, rep *collector) (*dataset, error) {
	d := &dataset{
		orgByID: map[string]*orgRec{}, svcByID: map[string]*svcRec{}, svcByOrg: map[string][]*svcRec{},
		locByID: map[string]*locRec{}, locByOrg: map[string][]*locRec{}, addrs: map[string][]*addrRec{},
		salBySvc: map[string][]*salRec{}, salByID: map[string]*salRec{},
		langBySvc: map[string][]*langRec{}, langByLoc: map[string][]*langRec{}, langByPhone: map[string][]*langRec{},
		accByLoc: map[string][]*accRec{}, costBySvc: map[string][]*costRec{}, docsBySvc: map[string][]string{},
		areasBySvc: map[string][]*areaRec{}, contacts: map[string]*contactRec{},
		terms: map[string]*termRec{}, attrs: map[string][]*termRec{}, rowCount: map[string]int{},
		files: map[string]string{},
	}
	each := func(name string, fn func(r *Row) error) error {
		return p.Each(ctx, name, func(r *Row) error {
			d.rowCount[name]++
			d.files[name] = r.File
			return fn(r)
		})
	}

	if !p.Has("organization") || !p.Has("service") {
		return nil, fmt.Errorf("hsds: %s/datapackage.json: the package must list the organization and service resources", p.Dir)
	}
	err := each("organization", func(r *Row) error {
		o := &orgRec{ID: r.Get("id"), Name: r.Get("name"), Alt: r.Get("alternate_name"), Desc: r.Get("description"),
			Email: r.Get("email"), Website: r.Get("website"), Line: r.Line}
		if !addByID(rep, r, "organization", d.orgByID, o.ID, o) {
			return nil
		}
		d.orgs = append(d.orgs, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("service", func(r *Row) error {
		s := &svcRec{ID: r.Get("id"), OrgID: r.Get("organization_id"), Name: r.Get("name"), Alt: r.Get("alternate_name"),
			Desc: r.Get("description"), URL: r.Get("url"), Email: r.Get("email"), Status: r.Get("status"),
			Interp: r.Get("interpretation_services"), Apply: r.Get("application_process"),
			FeesDesc: r.Get("fees_description"), Fees: r.Get("fees"), WaitTime: r.Get("wait_time"),
			EligDesc: r.Get("eligibility_description"), MinAge: r.Get("minimum_age"), MaxAge: r.Get("maximum_age"),
			Assured: r.Get("assured_date"), LastMod: r.Get("last_modified"), Alert: r.Get("alert"), Line: r.Line}
		if !addByID(rep, r, "service", d.svcByID, s.ID, s) {
			return nil
		}
		d.svcs = append(d.svcs, s)
		d.svcByOrg[s.OrgID] = append(d.svcByOrg[s.OrgID], s)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("location", func(r *Row) error {
		l := &locRec{ID: r.Get("id"), Type: r.Get("location_type"), OrgID: r.Get("organization_id"), Name: r.Get("name"),
			Alt: r.Get("alternate_name"), Desc: r.Get("description"), Transit: r.Get("transportation"),
			Lat: r.Get("latitude"), Lon: r.Get("longitude"), Line: r.Line}
		if !addByID(rep, r, "location", d.locByID, l.ID, l) {
			return nil
		}
		d.locByOrg[l.OrgID] = append(d.locByOrg[l.OrgID], l)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("address", func(r *Row) error {
		a := &addrRec{Street: r.Get("address_1"), Street2: r.Get("address_2"), City: r.Get("city"), Region: r.Get("region"),
			State: r.Get("state_province"), ZIP: r.Get("postal_code"), Country: r.Get("country"), Type: r.Get("address_type"), Line: r.Line}
		lid := strings.Clone(r.Get("location_id"))
		if d.locByID[lid] == nil {
			rep.warn("address of an unknown location (ignored)", r.Pos())
			return nil
		}
		d.addrs[lid] = append(d.addrs[lid], a)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("service_at_location", func(r *Row) error {
		s := &salRec{ID: strings.Clone(r.Get("id")), SvcID: strings.Clone(r.Get("service_id")), LocID: strings.Clone(r.Get("location_id"))}
		if d.svcByID[s.SvcID] == nil || d.locByID[s.LocID] == nil {
			rep.warn("service_at_location linking an unknown service or location (ignored)", r.Pos())
			return nil
		}
		d.salBySvc[s.SvcID] = append(d.salBySvc[s.SvcID], s)
		if s.ID != "" {
			d.salByID[s.ID] = s
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("contact", func(r *Row) error {
		d.contacts[strings.Clone(r.Get("id"))] = &contactRec{ID: strings.Clone(r.Get("id")), OrgID: strings.Clone(r.Get("organization_id")),
			SvcID: strings.Clone(r.Get("service_id")), SalID: strings.Clone(r.Get("service_at_location_id")),
			LocID: strings.Clone(r.Get("location_id")), Name: strings.Clone(r.Get("name")), Title: strings.Clone(r.Get("title")),
			Department: strings.Clone(r.Get("department")), Email: strings.Clone(r.Get("email"))}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("phone", func(r *Row) error {
		d.phones = append(d.phones, &phoneRec{ID: r.Get("id"), LocID: r.Get("location_id"), SvcID: r.Get("service_id"),
			OrgID: r.Get("organization_id"), ContactID: r.Get("contact_id"), SalID: r.Get("service_at_location_id"),
			Number: r.Get("number"), Ext: r.Get("extension"), Type: r.Get("type"), Desc: r.Get("description"), Line: r.Line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("schedule", func(r *Row) error {
		d.scheds = append(d.scheds, &schedRec{SvcID: r.Get("service_id"), LocID: r.Get("location_id"),
			SalID: r.Get("service_at_location_id"), ValidFrom: r.Get("valid_from"), ValidTo: r.Get("valid_to"),
			Until: r.Get("until"), Count: r.Get("count"), Freq: r.Get("freq"), Interval: r.Get("interval"),
			ByDay: r.Get("byday"), ByWeekNo: r.Get("byweekno"), ByMonthDay: r.Get("bymonthday"), ByYearDay: r.Get("byyearday"),
			Opens: r.Get("opens_at"), Close: r.Get("closes_at"), Desc: r.Get("description"), Notes: r.Get("notes"),
			Attending: r.Get("attending_type"), Line: r.Line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("language", func(r *Row) error {
		l := &langRec{Name: r.Get("name"), Code: r.Get("code"), Note: r.Get("note"), Line: r.Line}
		linked := false
		if id := r.Get("service_id"); id != "" {
			d.langBySvc[strings.Clone(id)] = append(d.langBySvc[strings.Clone(id)], l)
			linked = true
		}
		if id := r.Get("location_id"); id != "" {
			d.langByLoc[strings.Clone(id)] = append(d.langByLoc[strings.Clone(id)], l)
			linked = true
		}
		if id := r.Get("phone_id"); id != "" {
			d.langByPhone[strings.Clone(id)] = append(d.langByPhone[strings.Clone(id)], l)
			linked = true
		}
		if !linked {
			rep.warn("language linked to nothing (ignored)", r.Pos())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("accessibility", func(r *Row) error {
		lid := strings.Clone(r.Get("location_id"))
		d.accByLoc[lid] = append(d.accByLoc[lid], &accRec{Desc: r.Get("description"), Details: r.Get("details")})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("cost_option", func(r *Row) error {
		sid := strings.Clone(r.Get("service_id"))
		d.costBySvc[sid] = append(d.costBySvc[sid], &costRec{Option: r.Get("option"), Currency: r.Get("currency"),
			Amount: r.Get("amount"), AmountDesc: r.Get("amount_description"), ValidFrom: r.Get("valid_from"),
			ValidTo: r.Get("valid_to"), Line: r.Line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("required_document", func(r *Row) error {
		if doc := r.Get("document"); doc != "" {
			sid := strings.Clone(r.Get("service_id"))
			d.docsBySvc[sid] = append(d.docsBySvc[sid], doc)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("service_area", func(r *Row) error {
		sid := strings.Clone(r.Get("service_id"))
		d.areasBySvc[sid] = append(d.areasBySvc[sid], &areaRec{Name: r.Get("name"), Desc: r.Get("description"),
			Extent: r.Get("extent"), ExtentType: r.Get("extent_type"), URI: r.Get("uri"), Line: r.Line})
		return nil
	})
	if err != nil {
		return nil, err
	}
	taxonomies := map[string]string{}
	err = each("taxonomy", func(r *Row) error {
		taxonomies[r.Get("id")] = r.Get("name")
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("taxonomy_term", func(r *Row) error {
		t := &termRec{ID: r.Get("id"), Code: r.Get("code"), Name: r.Get("name"), Taxonomy: taxonomies[r.Get("taxonomy_id")]}
		if t.Taxonomy == "" {
			t.Taxonomy = r.Get("taxonomy")
		}
		d.terms[t.ID] = t
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each("attribute", func(r *Row) error {
		t := d.terms[r.Get("taxonomy_term_id")]
		if t == nil {
			if r.Get("taxonomy_term_id") != "" {
				rep.warn("attribute naming an unknown taxonomy term (ignored)", r.Pos())
			}
			return nil
		}
		link := r.Get("link_id")
		if d.svcByID[link] == nil && d.orgByID[link] == nil && d.locByID[link] == nil && d.salByID[link] == nil {
			rep.warn("attribute linked to no service, organization, location or service_at_location (ignored)", r.Pos())
			return nil
		}
		link = strings.Clone(link)
		d.attrs[link] = append(d.attrs[link], t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, name := range p.Resources() {
		if !tablesMapped[name] {
			if err := each(name, func(*Row) error { return nil }); err != nil {
				return nil, err
			}
			if n := d.rowCount[name]; n > 0 {
				rep.warnN(fmt.Sprintf("table %q is not imported (Trellis listings have no place for it)", name), n, d.files[name])
			}
		}
	}
	return d, nil
}

// addByID records v under id in m and returns true; it warns and returns
// false for a row without id or with an id already seen.
func addByID[T any](rep *collector, r *Row, table string, m map[string]T, id string, v T) bool {
	if id == "" {
		rep.warn(table+" row without id (ignored)", r.Pos())
		return false
	}
	if _, dup := m[id]; dup {
		rep.warn("duplicate "+table+" id (later row ignored)", r.Pos())
		return false
	}
	m[id] = v
	return true
}

// usesTrellisTaxonomy reports whether any taxonomy term of the package
// belongs to a Trellis taxonomy.
func (d *dataset) usesTrellisTaxonomy() bool {
	for _, t := range d.terms {
		if isTrellisTaxonomy(t.Taxonomy) {
			return true
		}
	}
	return false
}
