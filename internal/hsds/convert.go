package hsds

// This file maps HSDS records to listing files: one File per organization,
// with the locations its services are delivered at.

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/listings"
)

// Places resolves county names and codes; (*geo.Gazetteer) satisfies it.
type Places interface {
	County(name, state string) (directory.County, bool)
	CountyByFIPS(fips string) (directory.County, bool)
}

// converter holds what converting every organization shares.
type converter struct {
	d      *dataset
	m      *Map
	rep    *collector
	source string
	now    time.Time
	places Places

	phonesBySvc, phonesByLoc, phonesByOrg map[string][]*phoneRec
	// intakeBySvc and intakeByOrg are the contacts that are referral
	// intakes (isIntake), with their phones in intakePhones.
	intakeBySvc, intakeByOrg map[string]*contactRec
	intakePhones             map[string][]*phoneRec
	schedBySvc, schedByLoc   map[string][]*schedRec

	// termUse counts the services carrying each unmapped term.
	termUse map[*termRec]*Group
	// skippedSvc are the services not written, by id.
	skippedSvc map[string]bool
}

func newConverter(d *dataset, m *Map, rep *collector, source string, now time.Time, places Places) *converter {
	c := &converter{d: d, m: m, rep: rep, source: source, now: now, places: places,
		phonesBySvc: map[string][]*phoneRec{}, phonesByLoc: map[string][]*phoneRec{}, phonesByOrg: map[string][]*phoneRec{},
		schedBySvc: map[string][]*schedRec{}, schedByLoc: map[string][]*schedRec{},
		termUse: map[*termRec]*Group{}, skippedSvc: map[string]bool{},
	}
	pos := func(file string, line int) string { return fmt.Sprintf("%s:%d", file, line) }
	c.intakeBySvc, c.intakeByOrg, c.intakePhones = map[string]*contactRec{}, map[string]*contactRec{}, map[string][]*phoneRec{}
	ids := make([]string, 0, len(d.contacts))
	for id := range d.contacts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		ct := d.contacts[id]
		if !isIntake(ct) {
			continue
		}
		svc := ct.SvcID
		if sal := d.salByID[ct.SalID]; sal != nil && svc == "" {
			svc = sal.SvcID
		}
		switch {
		case d.svcByID[svc] != nil && c.intakeBySvc[svc] == nil:
			c.intakeBySvc[svc] = ct
		case svc == "" && d.orgByID[ct.OrgID] != nil && c.intakeByOrg[ct.OrgID] == nil:
			c.intakeByOrg[ct.OrgID] = ct
		}
	}
	// Each phone goes to one place: the most specific thing it is linked
	// to (service, then location, then organization), so a number linked
	// to both a service and its site is listed once.
	for _, p := range d.phones {
		svc, loc, org := p.SvcID, p.LocID, p.OrgID
		if sal := d.salByID[p.SalID]; sal != nil && svc == "" {
			svc = sal.SvcID
		}
		if ct := d.contacts[p.ContactID]; ct != nil {
			if isIntake(ct) {
				c.intakePhones[ct.ID] = append(c.intakePhones[ct.ID], p)
				continue
			}
			if sal := d.salByID[ct.SalID]; sal != nil && svc == "" {
				svc = sal.SvcID
			}
			svc, loc, org = firstNonEmpty(svc, ct.SvcID), firstNonEmpty(loc, ct.LocID), firstNonEmpty(org, ct.OrgID)
		}
		switch {
		case d.svcByID[svc] != nil:
			c.phonesBySvc[svc] = append(c.phonesBySvc[svc], p)
		case d.locByID[loc] != nil:
			c.phonesByLoc[loc] = append(c.phonesByLoc[loc], p)
		case d.orgByID[org] != nil:
			c.phonesByOrg[org] = append(c.phonesByOrg[org], p)
		default:
			rep.warn("phone linked to nothing known (ignored)", pos(d.files["phone"], p.Line))
		}
	}
	for _, s := range d.scheds {
		svc := s.SvcID
		if sal := d.salByID[s.SalID]; sal != nil && svc == "" {
			svc = sal.SvcID
		}
		switch {
		case d.svcByID[svc] != nil:
			c.schedBySvc[svc] = append(c.schedBySvc[svc], s)
		case d.locByID[s.LocID] != nil:
			c.schedByLoc[s.LocID] = append(c.schedByLoc[s.LocID], s)
		default:
			rep.warn("schedule linked to nothing known (ignored)", pos(d.files["schedule"], s.Line))
		}
	}
	return c
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// converted is one organization's listing before it gets its id and path.
type converted struct {
	org  *orgRec
	file *listings.File
	// slug is the id the file would like; the first service's name (less
	// the organization's) and the city help make it unique, the state
	// places the file.
	slug, service, city, state string
	// locIDs are the HSDS ids of the locations in the file.
	locIDs []string
}

// organization converts one organization. It returns nil when none of its
// services can be written; the reasons are in the report.
func (c *converter) organization(o *orgRec) *converted {
	if o.Name == "" {
		for _, s := range c.d.svcByOrg[o.ID] {
			c.skipService(s, "its organization has no name")
		}
		return nil
	}
	type keptSvc struct {
		rec *svcRec
		out outcome
	}
	var kept []keptSvc
	for _, s := range c.d.svcByOrg[o.ID] {
		if s.Name == "" {
			c.skipService(s, "no name")
			continue
		}
		terms := c.termsOf(s)
		out := c.m.apply(s, o, terms)
		out.Categories = termOrder(out.Categories, terms)
		for _, t := range out.unmapped {
			g := c.termUse[t]
			if g == nil {
				g = &Group{Kind: "term", Reason: fmt.Sprintf("%s / %s / %s", t.Taxonomy, t.Code, t.Name)}
				c.termUse[t] = g
			}
			g.Count++
			if len(g.Samples) < maxSamples {
				g.Samples = append(g.Samples, s.ID)
			}
		}
		if len(out.Categories) == 0 {
			switch {
			case len(terms) == 0:
				c.skipService(s, "no category: it has no taxonomy terms and no text rule gave one")
			case len(out.unmapped) == len(terms):
				c.skipService(s, "no category: no map rule covers its taxonomy terms")
			default:
				c.skipService(s, "no category: its taxonomy terms map to none")
			}
			continue
		}
		kept = append(kept, keptSvc{s, out})
	}
	if len(kept) == 0 {
		return nil
	}

	// Locations: the organization's own, and any other its services are
	// delivered at; not those whose services were all skipped.
	used := map[string]bool{}
	for _, k := range kept {
		for _, sal := range c.d.salBySvc[k.rec.ID] {
			used[sal.LocID] = true
		}
	}
	atAny := func(lid string) bool {
		for _, s := range c.d.svcByOrg[o.ID] {
			for _, sal := range c.d.salBySvc[s.ID] {
				if sal.LocID == lid {
					return true
				}
			}
		}
		return false
	}
	var locs []*locRec
	for _, l := range c.d.locByOrg[o.ID] {
		if used[l.ID] || !atAny(l.ID) {
			locs = append(locs, l)
		}
	}
	for _, k := range kept {
		for _, sal := range c.d.salBySvc[k.rec.ID] {
			if l := c.d.locByID[sal.LocID]; l != nil && l.OrgID != o.ID && !slices.Contains(locs, l) {
				locs = append(locs, l)
			}
		}
	}

	f := &listings.File{
		Name:          o.Name,
		AlternateName: o.Alt,
		Description:   o.Desc,
		Website:       c.url(o.Website, "organization website", o.ID),
		Email:         c.email(o.Email, "organization email", o.ID),
		Phones:        c.phones(c.phonesByOrg[o.ID]),
		Referrals:     c.intake(c.intakeByOrg[o.ID]),
		Source:        &listings.Source{Name: c.source, ID: o.ID},
	}
	// HSDS requires an organization description; one that only repeats
	// the name (as Trellis exports write when they have none) says
	// nothing.
	if strings.EqualFold(strings.TrimSpace(o.Desc), strings.TrimSpace(o.Name)) {
		f.Description = ""
	}
	cv := &converted{org: o, file: f, slug: slug(o.Name, maxSlug)}
	if cv.slug == "" {
		cv.slug = "organization"
	}

	usedLoc := map[string]bool{}
	locID := map[string]string{} // HSDS id -> listing id
	for _, l := range locs {
		loc, state := c.location(l, o, len(locs) == 1, usedLoc)
		locID[l.ID] = loc.ID
		f.Locations = append(f.Locations, loc)
		cv.locIDs = append(cv.locIDs, l.ID)
		if cv.state == "" {
			cv.state = state
			if loc.Address != nil {
				cv.city = loc.Address.City
			}
		}
	}
	if rest := stripPrefix(kept[0].rec.Name, o.Name); slug(rest, maxSlug) != cv.slug {
		cv.service = rest
	}
	usedSvc := map[string]bool{}
	for _, k := range kept {
		f.Services = append(f.Services, c.service(k.rec, o, k.out, locID, usedSvc))
	}
	return cv
}

// termOrder puts the categories that are "Trellis needs" terms of the
// service in the order the service lists those terms (a Trellis export
// lists the primary category first), ahead of the others, which keep
// their order.
func termOrder(cats []string, terms []*termRec) []string {
	rank := func(cat string) int {
		for i, t := range terms {
			if t.Code == cat && strings.EqualFold(t.Taxonomy, NeedsTaxonomy) {
				return i
			}
		}
		return len(terms)
	}
	out := slices.Clone(cats)
	slices.SortStableFunc(out, func(a, b string) int { return rank(a) - rank(b) })
	return out
}

func (c *converter) skipService(s *svcRec, reason string) {
	c.skippedSvc[s.ID] = true
	c.rep.add("service", reason, 1, s.ID)
}

// termsOf returns the taxonomy terms that apply to a service: its own and
// those of its organization, its service_at_location rows and the
// locations it is delivered at.
func (c *converter) termsOf(s *svcRec) []*termRec {
	var out []*termRec
	add := func(ts []*termRec) {
		for _, t := range ts {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	add(c.d.attrs[s.ID])
	add(c.d.attrs[s.OrgID])
	for _, sal := range c.d.salBySvc[s.ID] {
		if sal.ID != "" {
			add(c.d.attrs[sal.ID])
		}
		add(c.d.attrs[sal.LocID])
	}
	return out
}

var addressAsListedRE = regexp.MustCompile(`(?:^|\s)Address as listed \([^)]*\): ([^\n]+?)\.?\s*$`)

// location converts a location. only says it is the file's only location
// (its id is then "main"). It returns the location and the two-letter
// state it is in, when known.
func (c *converter) location(l *locRec, o *orgRec, only bool, used map[string]bool) (listings.Location, string) {
	loc := listings.Location{
		Description: l.Desc,
		Transit:     l.Transit,
		Languages:   c.languages(c.d.langByLoc[l.ID]),
		Phones:      c.phones(c.phonesByLoc[l.ID]),
		Source:      &listings.Source{Name: c.source, ID: l.ID},
	}
	if !strings.EqualFold(l.Name, o.Name) {
		loc.Name = l.Name
	}
	// The only location, or the one named like the organization, is
	// "main"; others are named by what their name adds ("Annex").
	base := "main"
	if !only {
		if rest := stripPrefix(l.Name, o.Name); rest != "" {
			base = slug(rest, 40)
		}
	}
	state := ""
	loc.Address, state = c.address(l)
	if loc.Address == nil {
		// Some converters put an address they could not split into the
		// description: "Address as listed (...): 9705 Liberia Ave,
		// Manassas, VA." Take it when it has a street, city and state.
		if m := addressAsListedRE.FindStringSubmatchIndex(l.Desc); m != nil {
			a, st := parseListedAddress(l.Desc[m[2]:m[3]])
			state = st
			if a != nil {
				loc.Address = a
				loc.Description = strings.TrimSpace(l.Desc[:m[0]])
				c.rep.warn("address taken from the location description", l.ID)
			}
		}
	}
	if base == "" && loc.Address != nil {
		base = slug(loc.Address.Street, 40)
	}
	if base == "" {
		base = "location"
	}
	loc.ID = uniqueSlug(base, used)
	loc.Point = c.point(l)
	if acc := c.d.accByLoc[l.ID]; len(acc) > 0 {
		var parts []string
		for _, a := range acc {
			for _, s := range []string{a.Desc, a.Details} {
				if s != "" && !slices.Contains(parts, s) {
					parts = append(parts, s)
				}
			}
		}
		loc.Accessibility = strings.Join(parts, " ")
		loc.Wheelchair = wheelchair(loc.Accessibility)
	}
	if h, why := buildHours(c.schedByLoc[l.ID]); h != nil || why != "" {
		loc.Hours = h
		if why != "" {
			c.rep.warn("location hours kept as notes only: "+why, l.ID)
		}
	}
	return loc, state
}

var (
	wheelchairRE = regexp.MustCompile(`(?i)\bwheel\s?chair`)
	negationRE   = regexp.MustCompile(`(?i)\b(no|not|isn't|inaccessible|without|cannot|can't)\b`)
)

// wheelchair reads wheelchair access from accessibility text: true when
// the text mentions wheelchairs and no negation; nil (unknown) otherwise.
func wheelchair(text string) *bool {
	if !wheelchairRE.MatchString(text) || negationRE.MatchString(text) {
		return nil
	}
	t := true
	return &t
}

var (
	zipRE    = regexp.MustCompile(`^\d{5}(-\d{4})?$`)
	usRegion = map[string]bool{"": true, "US": true, "USA": true, "PR": true, "VI": true, "GU": true, "AS": true, "MP": true}
)

// address converts a location's address: the physical one, else the first.
func (c *converter) address(l *locRec) (*listings.Address, string) {
	as := c.d.addrs[l.ID]
	if len(as) == 0 {
		return nil, ""
	}
	a := as[0]
	for _, x := range as {
		if strings.EqualFold(x.Type, "physical") {
			a = x
			break
		}
	}
	pos := fmt.Sprintf("%s:%d", c.d.files["address"], a.Line)
	if !usRegion[strings.ToUpper(a.Country)] {
		c.rep.warn("address outside the US (dropped)", pos)
		return nil, ""
	}
	st, ok := geo.StateCode(a.State)
	if !ok {
		c.rep.warn("address state is not a US state (address dropped)", pos)
		return nil, ""
	}
	if a.Street == "" || a.City == "" {
		c.rep.warn("address without street or city (dropped)", pos)
		return nil, st
	}
	out := &listings.Address{Street: a.Street, Street2: a.Street2, City: a.City, State: st, ZIP: a.ZIP}
	if out.ZIP != "" && !zipRE.MatchString(out.ZIP) {
		c.rep.warn("malformed ZIP code (dropped)", pos)
		out.ZIP = ""
	}
	if a.Region != "" {
		switch {
		case c.places == nil:
			// Without the gazetteer a county name cannot be checked, and
			// the loader refuses unknown ones: leave it out.
		default:
			if county, ok := c.places.County(a.Region, st); ok {
				out.County = county.Name
			} else {
				c.rep.warn("unknown county (dropped)", pos)
			}
		}
	}
	return out, st
}

// parseListedAddress reads "street, city, ST[, ZIP]". It returns the
// address, or nil when it lacks a street; and the state when one is given.
func parseListedAddress(s string) (*listings.Address, string) {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	zip := ""
	if n := len(parts); n > 0 && zipRE.MatchString(parts[n-1]) {
		zip, parts = parts[n-1], parts[:n-1]
	}
	n := len(parts)
	if n < 2 {
		return nil, ""
	}
	st, ok := geo.StateCode(parts[n-1])
	if !ok || len(parts[n-1]) != 2 {
		return nil, ""
	}
	if n < 3 {
		return nil, st
	}
	city := parts[n-2]
	street := strings.Join(parts[:n-2], ", ")
	if _, isState := geo.StateCode(city); (isState && len(city) == 2) || city == "" || street == "" || !strings.ContainsAny(street, "0123456789") && !strings.Contains(strings.ToUpper(street), " AND ") && !strings.Contains(street, "&") {
		return nil, st
	}
	return &listings.Address{Street: street, City: city, State: st, ZIP: zip}, st
}

// point returns a location's coordinates, or nil (reported) when they are
// missing, not numbers, out of range or 0,0.
func (c *converter) point(l *locRec) *listings.Point {
	if l.Lat == "" && l.Lon == "" {
		return nil
	}
	pos := fmt.Sprintf("%s:%d", c.d.files["location"], l.Line)
	lat, err1 := strconv.ParseFloat(l.Lat, 64)
	lon, err2 := strconv.ParseFloat(l.Lon, 64)
	switch {
	case err1 != nil || err2 != nil:
		c.rep.warn("latitude/longitude not numbers (point dropped)", pos)
		return nil
	case lat < -90 || lat > 90 || lon < -180 || lon > 180:
		c.rep.warn("latitude/longitude out of range (point dropped)", pos)
		return nil
	case lat == 0 && lon == 0:
		c.rep.warn("latitude/longitude 0,0 (point dropped)", pos)
		return nil
	}
	return &listings.Point{Lat: lat, Lon: lon}
}

// phoneTypes maps HSDS phone types to the listing format's.
var phoneTypes = map[string]string{
	"": "", "voice": "", "cell": "", "text": "text", "fax": "fax", "textphone": "tty", "tty": "tty",
	"hotline": "hotline",
}

// phones converts phone rows, dropping (and reporting) numbers the listing
// format refuses and listing each number and extension once.
// intakeRE recognises a contact that takes referrals by its title, name
// or department: Trellis writes IntakeTitle; other publishers write
// "Referrals", "Intake coordinator" and the like.
var intakeRE = regexp.MustCompile(`(?i)\b(referrals?|intake)\b`)

// isIntake reports whether contact ct is a referral intake.
func isIntake(ct *contactRec) bool {
	return intakeRE.MatchString(ct.Title) || intakeRE.MatchString(ct.Name) || intakeRE.MatchString(ct.Department)
}

// intake converts a referral intake contact into the listing's referrals
// key: its email and its first good phone; nil for no contact, or one
// with neither.
func (c *converter) intake(ct *contactRec) *listings.Intake {
	if ct == nil {
		return nil
	}
	in := &listings.Intake{Email: c.email(ct.Email, "referral intake email", ct.ID)}
	if ps := c.phones(c.intakePhones[ct.ID]); len(ps) > 0 {
		in.Phone = ps[0].Number
	}
	if in.Email == "" && in.Phone == "" {
		c.rep.warn("referral intake contact with neither an email nor a phone (dropped)", ct.ID)
		return nil
	}
	return in
}

func (c *converter) phones(ps []*phoneRec) []listings.Phone {
	var out []listings.Phone
	for _, p := range ps {
		pos := fmt.Sprintf("%s:%d", c.d.files["phone"], p.Line)
		num := strings.Trim(p.Number, "\"' \t")
		if listings.CheckPhone(num) != nil {
			c.rep.warn("phone number with letters or too few digits (dropped)", pos)
			continue
		}
		t, ok := phoneTypes[strings.ToLower(p.Type)]
		if !ok {
			c.rep.warn("phone type "+strings.ToLower(p.Type)+" has no listing equivalent (written as voice)", pos)
		}
		ph := listings.Phone{Number: num, Ext: strings.TrimSpace(strings.TrimPrefix(strings.ToLower(p.Ext), "x")), Type: t,
			Note: p.Desc, Languages: c.languages(c.d.langByPhone[p.ID])}
		if ext, rest, ok := parseExtensionNote(p.Desc); ok && ph.Ext == "" {
			ph.Ext, ph.Note = ext, rest
		}
		dup := false
		for _, q := range out {
			if q.Number == ph.Number && q.Ext == ph.Ext {
				dup = true
			}
		}
		if !dup {
			out = append(out, ph)
		}
	}
	return out
}

// languages returns the BCP 47 codes of ls in canonical form, dropping
// (and reporting) rows without a valid code.
func (c *converter) languages(ls []*langRec) []string {
	var out []string
	for _, l := range ls {
		tag, err := language.Parse(l.Code)
		if l.Code == "" || err != nil || tag == language.Und {
			c.rep.warn("language without a BCP 47 code (dropped)", fmt.Sprintf("%s:%d", c.d.files["language"], l.Line))
			continue
		}
		if s := tag.String(); !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// url returns s when it is an absolute http(s) URL, else "" (reported).
func (c *converter) url(s, what, id string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\n") {
		c.rep.warn(what+" is not an absolute http(s) URL (dropped)", id)
		return ""
	}
	return s
}

// email returns s when it is a bare email address, else "" (reported).
func (c *converter) email(s, what, id string) string {
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		c.rep.warn(what+" is not an email address (dropped)", id)
		return ""
	}
	return s
}

var (
	freeRE    = regexp.MustCompile(`(?i)^\s*(free|no (cost|charge|fee)s?)\b`)
	slidingRE = regexp.MustCompile(`(?i)\bsliding[- ]?(fee|scale)`)
)

// service converts a service whose rules gave out.
func (c *converter) service(s *svcRec, o *orgRec, out outcome, locID map[string]string, used map[string]bool) listings.Service {
	svc := listings.Service{
		Name:          s.Name,
		AlternateName: s.Alt,
		Description:   s.Desc,
		URL:           c.url(s.URL, "service url", s.ID),
		Email:         c.email(s.Email, "service email", s.ID),
		Categories:    out.Categories,
		Insurance:     out.Insurance,
		Languages:     c.languages(c.d.langBySvc[s.ID]),
		Apply:         out.Apply,
		HowToApply:    s.Apply,
		Alert:         s.Alert,
		Phones:        c.phones(c.phonesBySvc[s.ID]),
		Referrals:     c.intake(c.intakeBySvc[s.ID]),
		Source:        &listings.Source{Name: c.source, ID: s.ID},
	}
	if s.Interp != "" {
		svc.Description = strings.TrimSpace(svc.Description + "\n\nInterpretation: " + s.Interp)
	}
	if s.WaitTime != "" {
		svc.Capacity = "Wait time: " + s.WaitTime
	}
	base := slug(stripPrefix(s.Name, o.Name), 40)
	if base == "" || base == slug(o.Name, 40) {
		cat := out.Categories[0]
		base = cat[strings.LastIndexByte(cat, '.')+1:]
	}
	svc.ID = uniqueSlug(base, used)
	for _, sal := range c.d.salBySvc[s.ID] {
		if id, ok := locID[sal.LocID]; ok && !slices.Contains(svc.At, id) {
			svc.At = append(svc.At, id)
		}
	}

	switch st := strings.ToLower(s.Status); {
	case st == "":
	case slices.Contains(directory.Statuses, directory.Status(st)):
		svc.Status = st
	default:
		c.rep.warn("unknown service status (left out)", s.ID)
	}

	// Eligibility.
	el := &listings.Eligibility{
		Genders: out.Genders, Populations: out.Populations, Focus: out.Focus,
		Documents: c.d.docsBySvc[s.ID], Notes: s.EligDesc,
	}
	min, max := c.age(s.MinAge, s.ID), c.age(s.MaxAge, s.ID)
	if min != nil && max != nil && *min > *max {
		c.rep.warn("minimum_age above maximum_age (ages dropped)", s.ID)
		min, max = nil, nil
	}
	if min == nil && max == nil {
		min, max = out.AgeMin, out.AgeMax
	}
	if min != nil || max != nil {
		el.Age = &listings.AgeRange{Min: min, Max: max}
	}
	if el.Age != nil || len(el.Genders)+len(el.Populations)+len(el.Focus)+len(el.Documents) > 0 || el.Notes != "" {
		svc.Eligibility = el
	}

	// Cost.
	var fees []string
	if s.FeesDesc != "" {
		fees = append(fees, s.FeesDesc)
	}
	if s.Fees != "" && s.Fees != s.FeesDesc {
		fees = append(fees, s.Fees)
	}
	anyFee, allFree := false, true
	for _, co := range c.d.costBySvc[s.ID] {
		amt, err := strconv.ParseFloat(co.Amount, 64)
		if co.Amount != "" && err == nil {
			if amt > 0 {
				anyFee = true
				allFree = false
			}
		} else {
			allFree = false
		}
		// An option that only says "free" is carried by cost.
		if !isFreeOption(co) {
			fees = append(fees, costText(co))
		}
	}
	switch {
	case anyFee:
		svc.Cost = string(directory.CostFee)
	case len(c.d.costBySvc[s.ID]) > 0 && allFree:
		svc.Cost = string(directory.CostFree)
	case freeRE.MatchString(s.FeesDesc):
		svc.Cost = string(directory.CostFree)
	case slidingRE.MatchString(s.FeesDesc):
		svc.Cost = string(directory.CostSlidingScale)
	default:
		svc.Cost = out.Cost
	}
	svc.Fees = strings.Join(fees, "\n")

	svc.ServiceArea = c.area(c.d.areasBySvc[s.ID], s.ID, len(svc.At) > 0)

	if h, why := buildHours(c.schedBySvc[s.ID]); h != nil || why != "" {
		svc.Hours = h
		if why != "" {
			c.rep.warn("service hours kept as notes only: "+why, s.ID)
		}
	}

	if d, ok := c.verified(s); ok {
		svc.LastVerified = d
		svc.VerifiedBy = c.source + " (imported)"
	}
	return svc
}

// age reads an HSDS age, or returns nil (reported when s is not a whole
// number of years from 0 to 130).
func (c *converter) age(s, id string) *int {
	if s == "" {
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 130 || f != float64(int(f)) {
		c.rep.warn("age is not a whole number of years from 0 to 130 (dropped)", id)
		return nil
	}
	n := int(f)
	return &n
}

// costText writes a cost option for people: "Under 18s: 35 GBP per
// session (valid 2020-01-01 to 2022-12-31)".
func costText(co *costRec) string {
	var b strings.Builder
	if co.Option != "" {
		b.WriteString(co.Option)
		b.WriteString(": ")
	}
	if co.Amount != "" {
		b.WriteString(co.Amount)
		if co.Currency != "" {
			b.WriteString(" " + strings.ToUpper(co.Currency))
		}
	}
	if co.AmountDesc != "" {
		if co.Amount != "" {
			b.WriteByte(' ')
		}
		b.WriteString(co.AmountDesc)
	}
	if co.ValidFrom != "" || co.ValidTo != "" {
		fmt.Fprintf(&b, " (valid %s to %s)", firstNonEmpty(co.ValidFrom, "?"), firstNonEmpty(co.ValidTo, "?"))
	}
	return strings.TrimSuffix(strings.TrimSpace(b.String()), ":")
}

var zip5ListRE = regexp.MustCompile(`^\d{5}(\s*[,;\s]\s*\d{5})*$`)

// area converts service areas. HSDS areas are free text or GeoJSON/KML
// extents. Rules come from a text extent that is a list of ZIP codes, and
// from the rows Trellis exports (conventions.go): a county or state named
// by its Census URI, a radius (only for a service delivered at locations,
// since it is measured from them). The rest is kept as the area's note:
// the names and descriptions of the other rows, and of ZIP rows.
func (c *converter) area(as []*areaRec, id string, hasLocations bool) *listings.ServiceArea {
	if len(as) == 0 {
		return nil
	}
	sa := &listings.ServiceArea{}
	var notes []string
	note := func(a *areaRec) {
		for _, s := range []string{a.Name, a.Desc} {
			if s != "" && !slices.Contains(notes, s) {
				notes = append(notes, s)
			}
		}
	}
	for _, a := range as {
		if c.structuredArea(a, sa, id, hasLocations) {
			continue
		}
		note(a)
		ext := strings.TrimSpace(a.Extent)
		switch {
		case ext == "":
		case zip5ListRE.MatchString(ext):
			for _, z := range regexp.MustCompile(`\d{5}`).FindAllString(ext, -1) {
				if !slices.Contains(sa.ZIPs, z) {
					sa.ZIPs = append(sa.ZIPs, z)
				}
			}
		default:
			c.rep.warn("service area extent ("+firstNonEmpty(a.ExtentType, "untyped")+") not imported; its name and description kept as a note", id)
		}
	}
	sa.Note = strings.Join(notes, "\n")
	if sa.Note == "" && len(sa.ZIPs)+len(sa.Counties)+len(sa.States) == 0 && sa.Radius == "" {
		return nil
	}
	return sa
}

// structuredArea adds a county, state or radius row written by a Trellis
// export to sa and reports whether it did.
func (c *converter) structuredArea(a *areaRec, sa *listings.ServiceArea, id string, hasLocations bool) bool {
	if kind, fips, ok := parseCensusURI(a.URI); ok {
		switch kind {
		case "county":
			if c.places == nil {
				return false
			}
			county, ok := c.places.CountyByFIPS(fips)
			if !ok {
				c.rep.warn("service area names an unknown county FIPS code (kept as a note)", id)
				return false
			}
			if s := county.Name + ", " + county.State; !slices.Contains(sa.Counties, s) {
				sa.Counties = append(sa.Counties, s)
			}
			return true
		case "state":
			st, ok := geo.StateOfFIPS(fips)
			if !ok {
				c.rep.warn("service area names an unknown state FIPS code (kept as a note)", id)
				return false
			}
			if !slices.Contains(sa.States, st) {
				sa.States = append(sa.States, st)
			}
			return true
		}
	}
	if r, ok := parseRadiusExtent(a.Extent); ok && strings.EqualFold(a.ExtentType, "text") {
		if !hasLocations {
			c.rep.warn("service area radius for a service with no location (kept as a note)", id)
			return false
		}
		sa.Radius = r
		return true
	}
	return false
}

// verified returns the date a service was last checked: assured_date, else
// the date of last_modified; not a date in the future.
func (c *converter) verified(s *svcRec) (string, bool) {
	for _, v := range []string{s.Assured, s.LastMod} {
		if len(v) < 10 {
			continue
		}
		d, err := time.Parse(time.DateOnly, v[:10])
		if err != nil {
			c.rep.warn("assured_date/last_modified is not a date (ignored)", s.ID)
			continue
		}
		if d.After(c.now) {
			c.rep.warn("assured_date/last_modified in the future (ignored)", s.ID)
			continue
		}
		return d.Format(time.DateOnly), true
	}
	return "", false
}
