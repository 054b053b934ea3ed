package httpapi

// This file is the Open Referral HSDS 3.0 API under /hsds/: the
// directory in HSDS form (the hsds.Index of the snapshot being served,
// built once per snapshot; filters run on the catalog and only the records
// answered are built), with the specification's paging envelope, filters
// that combine with AND, and format=ndjson streaming every result.
// Confidential locations never appear: the export leaves them out.

import (
	"encoding/json"
	"iter"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/hsds"
	"trellis/internal/match"
	"trellis/internal/snapshot"
)

// HSDS paging limits.
const (
	hsdsDefaultPerPage = 50
	hsdsMaxPerPage     = 1000
)

// hsdsPage is the specification's Page schema with its contents.
type hsdsPage struct {
	TotalItems int  `json:"total_items"`
	TotalPages int  `json:"total_pages"`
	PageNumber int  `json:"page_number"`
	Size       int  `json:"size"`
	FirstPage  bool `json:"first_page"`
	LastPage   bool `json:"last_page"`
	Empty      bool `json:"empty"`
	Contents   any  `json:"contents"`
}

func (s *API) hsdsRoutes(e *echo.Echo) {
	g := e.Group(hsds.APIPrefix)
	g.GET("/", s.hsdsBase)
	g.GET("/openapi.json", s.hsdsOpenAPI)
	g.GET("/services", s.hsdsServices)
	g.GET("/services/:id", hsdsByID(s, "/services/{id}", "service", (*hsds.Index).Service, nil))
	g.GET("/organizations", s.hsdsOrganizations)
	g.GET("/organizations/:id", s.hsdsOrganization)
	g.GET("/taxonomies", s.hsdsTaxonomies)
	g.GET("/taxonomies/:id", hsdsByID(s, "/taxonomies/{id}", "taxonomy", (*hsds.Index).Taxonomy, nil))
	g.GET("/taxonomy_terms", s.hsdsTerms)
	g.GET("/taxonomy_terms/:id", hsdsByID(s, "/taxonomy_terms/{id}", "taxonomy_term", (*hsds.Index).TaxonomyTerm, nil))
	g.GET("/service_at_locations", s.hsdsServiceAtLocations)
	g.GET("/service_at_locations/:id", hsdsByID(s, "/service_at_locations/{id}", "service_at_location", (*hsds.Index).ServiceAtLocation,
		nil))
}

// hsdsData returns the snapshot being served and its HSDS form (built
// when the snapshot was swapped in; see snapshot.Snapshot.HSDS).
func (s *API) hsdsData() (*snapshot.Snapshot, *hsds.Index, error) {
	snap, err := s.snapshot()
	if err != nil {
		return nil, nil, err
	}
	ds, err := snap.HSDS()
	if err != nil {
		return nil, nil, err
	}
	return snap, ds, nil
}

// hsdsByID returns the handler of GET <path> (a path with {id}): the
// record lookup finds, as view renders it (nil: as it is), or a 404
// naming kind. Services and service_at_locations come fully nested.
func hsdsByID[T any](s *API, path, kind string, lookup func(*hsds.Index, string) *T, view func(*hsds.Index, *T) any) echo.HandlerFunc {
	return func(c echo.Context) error {
		_, ds, err := s.hsdsData()
		if err != nil {
			return err
		}
		if _, err := hsdsParams(c, path); err != nil {
			return err
		}
		rec := lookup(ds, c.Param("id"))
		if rec == nil {
			return errNotFound(kind, c.Param("id"))
		}
		if view == nil {
			return c.JSON(http.StatusOK, rec)
		}
		return c.JSON(http.StatusOK, view(ds, rec))
	}
}

// hsdsParams reads the query of an /hsds/ route strictly, against the
// parameters hsds.Params lists for its path.
func hsdsParams(c echo.Context, path string) (*params, error) {
	return newParams(c, hsds.Params[path]...)
}

// hsdsBase answers GET /hsds/: the API's version, profile and document.
func (s *API) hsdsBase(c echo.Context) error {
	if _, err := hsdsParams(c, "/"); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{
		"version":     hsds.Version,
		"profile":     "https://docs.openreferral.org/en/v3.0/",
		"openapi_url": s.absURL(c, hsds.APIPrefix+"/openapi.json"),
	})
}

// absURL returns path on the server's base URL, else on the request's
// scheme and host.
func (s *API) absURL(c echo.Context, path string) string {
	return s.srv.BaseURL(c) + path
}

var (
	hsdsDocOnce sync.Once
	hsdsDoc     []byte
	hsdsDocErr  error
)

// hsdsOpenAPI answers GET /hsds/openapi.json: the specification's API
// document adjusted to what Trellis serves (hsds.APIDocument).
func (s *API) hsdsOpenAPI(c echo.Context) error {
	if _, err := hsdsParams(c, "/openapi.json"); err != nil {
		return err
	}
	hsdsDocOnce.Do(func() { hsdsDoc, hsdsDocErr = hsds.APIDocument("1") })
	if hsdsDocErr != nil {
		return hsdsDocErr
	}
	return c.Blob(http.StatusOK, "application/json", hsdsDoc)
}

// paging reads page, per_page and format; with format=ndjson paging does
// not apply and giving it is a mistake.
type paging struct {
	page, perPage int
	ndjson        bool
}

func (p *params) paging() paging {
	pg := paging{page: p.intIn("page", 1, math.MaxInt32, 1), perPage: p.intIn("per_page", 1, hsdsMaxPerPage, hsdsDefaultPerPage)}
	pg.ndjson = p.oneOf("format", "json", "ndjson") == "ndjson"
	if pg.ndjson {
		for _, name := range []string{"page", "per_page"} {
			if p.has(name) {
				p.fail(name, "format=ndjson streams every result; %s does not apply", name)
			}
		}
	}
	return pg
}

// writeList answers with items: one page in the envelope, or with
// ndjson every item, one JSON object a line.
func writeList[T any](c echo.Context, pg paging, items []T, view func(T) any) error {
	if pg.ndjson {
		w := c.Response()
		w.Header().Set(echo.HeaderContentType, "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		for i, it := range items {
			if err := enc.Encode(view(it)); err != nil {
				return nil // the client went away; the status is sent
			}
			if i%256 == 255 {
				w.Flush()
			}
		}
		return nil
	}
	total := len(items)
	out := hsdsPage{TotalItems: total, TotalPages: (total + pg.perPage - 1) / pg.perPage, PageNumber: pg.page}
	from := min((pg.page-1)*pg.perPage, total)
	to := min(from+pg.perPage, total)
	contents := make([]any, 0, to-from)
	for _, it := range items[from:to] {
		contents = append(contents, view(it))
	}
	out.Contents, out.Size = contents, len(contents)
	out.FirstPage = pg.page == 1
	out.LastPage = pg.page >= out.TotalPages
	out.Empty = len(contents) == 0
	return c.JSON(http.StatusOK, out)
}

// serviceFilter is the filters of /hsds/services and
// /hsds/service_at_locations, combined with AND.
type serviceFilter struct {
	text          string
	terms         map[string]bool // taxonomy_term_id and its descendants
	taxonomy      string
	org           string
	modifiedAfter *time.Time
	place         *geo.Place
	proximity     float64
	full          bool
}

// readServiceFilter reads the service filters of p; lookups resolve
// taxonomy_term_id to the term and its children.
func readServiceFilter(p *params, snap *snapshot.Snapshot, ds *hsds.Index) serviceFilter {
	f := serviceFilter{text: p.str("search"), taxonomy: p.str("taxonomy_id"), org: p.str("organization_id"), full: p.boolean("full")}
	if len([]rune(f.text)) > match.MaxTextLen {
		p.fail("search", "search is longer than %d characters", match.MaxTextLen)
	}
	if id := p.str("taxonomy_term_id"); id != "" {
		f.terms = termAndChildren(ds, id)
	}
	if s := p.str("modified_after"); s != "" {
		t, err := parseWhen(s)
		if err != nil {
			p.fail("modified_after", "modified_after must be a date-time like 2026-01-31T00:00:00Z or a date, not %q", s)
		}
		f.modifiedAfter = &t
	}
	if z := p.str("postcode"); z != "" {
		pl, ok := snap.Places.ZIP(z)
		if !ok {
			p.fail("postcode", "postcode %q is not a known US ZIP code", z)
		}
		f.place = &pl
	}
	if s := p.str("proximity"); s != "" {
		m, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil || math.IsNaN(m) || m <= 0 || m > 5000*geo.MetersPerKm:
			p.fail("proximity", "proximity must be a distance in meters, more than 0 and at most 5000000, not %q", s)
		case f.place == nil && !p.has("postcode"):
			p.fail("proximity", "proximity is measured from a postcode: give postcode too")
		}
		f.proximity = m
	}
	return f
}

// parseWhen reads an RFC 3339 date-time or a date (midnight UTC).
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse(time.DateOnly, s)
}

// termAndChildren returns the term with id id and its descendants.
func termAndChildren(ds *hsds.Index, id string) map[string]bool {
	out := map[string]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, t := range ds.TaxonomyTerms {
			if !out[t.ID] && out[t.ParentID] {
				out[t.ID] = true
				changed = true
			}
		}
	}
	return out
}

// keep reports whether catalog service cs passes the filters other than
// search and proximity, as its HSDS record would: its organization's id,
// its attributes' terms, its last_modified and its service area.
func (f *serviceFilter) keep(ix *hsds.Index, cs *directory.Service) bool {
	if f.org != "" && ix.OrganizationID(cs.Org) != f.org {
		return false
	}
	if f.terms != nil || f.taxonomy != "" {
		terms := ix.Terms(cs)
		if f.terms != nil && !slices.ContainsFunc(terms, func(t *hsds.TaxonomyTerm) bool { return f.terms[t.ID] }) {
			return false
		}
		if f.taxonomy != "" && !slices.ContainsFunc(terms, func(t *hsds.TaxonomyTerm) bool { return t.TaxonomyID == f.taxonomy }) {
			return false
		}
	}
	if f.modifiedAfter != nil {
		if t, ok := hsds.LastModified(cs); !ok || t.Before(*f.modifiedAfter) {
			return false
		}
	}
	if f.place != nil && geo.Covers(cs, *f.place) == geo.NotCovered {
		return false
	}
	return true
}

// near reports whether exported location l is within the proximity of
// the postcode.
func (f *serviceFilter) near(l *directory.Location) bool {
	if f.proximity <= 0 {
		return true
	}
	return l.HasPoint && geo.Distance(f.place.Point, l.Point) <= f.proximity
}

// serviceNear reports whether service cs is within the proximity of the
// postcode: one of its exported locations is, or it has none (then its
// service area decides, which keep checks).
func (f *serviceFilter) serviceNear(cs *directory.Service) bool {
	if f.proximity <= 0 {
		return true
	}
	located := false
	for l := range exported(cs) {
		if f.near(l) {
			return true
		}
		located = true
	}
	return !located
}

// exported yields the locations of cs that HSDS shows (not the
// confidential ones).
func exported(cs *directory.Service) iter.Seq[*directory.Location] {
	return func(yield func(*directory.Location) bool) {
		for _, l := range cs.Locations {
			if !l.Confidential && !yield(l) {
				return
			}
		}
	}
}

// matches returns the documents the search text names, read as every
// search reads it, best first; nil without text.
func (s *API) matches(c echo.Context, snap *snapshot.Snapshot, text string) ([]match.Ref, error) {
	return snap.Matcher.Find(c.Request().Context(), text)
}

// serviceQuery is what GET /hsds/services and /hsds/service_at_locations
// share: the data, the filter and paging read from the parameters, and the
// text search's matches (hits is nil, and searched false, without text).
type serviceQuery struct {
	snap     *snapshot.Snapshot
	ix       *hsds.Index
	f        serviceFilter
	pg       paging
	hits     []match.Ref
	searched bool
}

// readServiceQuery reads a services query on path. It returns an Invalid
// error naming a bad parameter, or the search's error.
func (s *API) readServiceQuery(c echo.Context, path string) (*serviceQuery, error) {
	snap, ix, err := s.hsdsData()
	if err != nil {
		return nil, err
	}
	p, err := hsdsParams(c, path)
	if err != nil {
		return nil, err
	}
	q := &serviceQuery{snap: snap, ix: ix, f: readServiceFilter(p, snap, ix), pg: p.paging()}
	if err := p.check(); err != nil {
		return nil, err
	}
	if q.f.text != "" {
		q.searched = true
		if q.hits, err = s.matches(c, snap, q.f.text); err != nil {
			return nil, err
		}
	}
	return q, nil
}

// hsdsServices answers GET /hsds/services.
func (s *API) hsdsServices(c echo.Context) error {
	q, err := s.readServiceQuery(c, "/services")
	if err != nil {
		return err
	}
	var out []*directory.Service
	consider := func(cs *directory.Service) {
		if q.f.keep(q.ix, cs) && q.f.serviceNear(cs) {
			out = append(out, cs)
		}
	}
	if q.searched {
		seen := map[*directory.Service]bool{}
		for _, h := range q.hits {
			if cs := q.snap.Catalog.Service(h.ServiceKey); cs != nil && !seen[cs] {
				seen[cs] = true
				consider(cs)
			}
		}
	} else {
		q.snap.Catalog.Services(consider)
	}
	return writeList(c, q.pg, out, func(cs *directory.Service) any {
		svc := q.ix.ServiceOf(cs)
		if q.f.full {
			return svc
		}
		return svc.Flat()
	})
}

// hsdsServiceAtLocations answers GET /hsds/service_at_locations.
func (s *API) hsdsServiceAtLocations(c echo.Context) error {
	q, err := s.readServiceQuery(c, "/service_at_locations")
	if err != nil {
		return err
	}
	var out []hsds.SALRef
	consider := func(cs *directory.Service, l *directory.Location) {
		if q.f.keep(q.ix, cs) && q.f.near(l) {
			out = append(out, hsds.SALRef{Service: cs, Location: l})
		}
	}
	if q.searched {
		for _, h := range q.hits {
			if cs := q.snap.Catalog.Service(h.ServiceKey); cs != nil {
				for l := range exported(cs) {
					if l.ID == h.LocationID {
						consider(cs, l)
					}
				}
			}
		}
	} else {
		q.snap.Catalog.Services(func(cs *directory.Service) {
			for l := range exported(cs) {
				consider(cs, l)
			}
		})
	}
	return writeList(c, q.pg, out, func(ref hsds.SALRef) any {
		sal := q.ix.ServiceAtLocationOf(ref.Service, ref.Location)
		if !q.f.full {
			sal.Location, sal.Service = sal.Location.Flat(), sal.Service.Flat()
		}
		return sal
	})
}

// textHas reports whether any of fields contains the search words, each
// word somewhere, ignoring case.
func textHas(query string, fields ...string) bool {
	words := strings.Fields(strings.ToLower(query))
	hay := strings.ToLower(strings.Join(fields, "\n"))
	for _, w := range words {
		if !strings.Contains(hay, w) {
			return false
		}
	}
	return true
}

// hsdsOrganizations answers GET /hsds/organizations.
func (s *API) hsdsOrganizations(c echo.Context) error {
	snap, ix, err := s.hsdsData()
	if err != nil {
		return err
	}
	p, err := hsdsParams(c, "/organizations")
	if err != nil {
		return err
	}
	q := p.str("search")
	full, fullService := p.boolean("full"), p.boolean("full_service")
	pg := p.paging()
	if err := p.check(); err != nil {
		return err
	}
	var out []*directory.Organization
	for _, o := range snap.Catalog.Organizations {
		// The description as exported: HSDS requires one, and the name
		// stands in for a missing one.
		desc := o.Description
		if strings.TrimSpace(desc) == "" {
			desc = o.Name
		}
		if q == "" || textHas(q, o.Name, o.AlternateName, desc) {
			out = append(out, o)
		}
	}
	return writeList(c, pg, out, func(o *directory.Organization) any { return orgView(ix, o, full, fullService) })
}

// orgView is an organization: its direct fields; with full its phones
// and locations; with fullService its services, fully nested.
func orgView(ix *hsds.Index, o *directory.Organization, full, fullService bool) *hsds.Organization {
	rec := ix.OrganizationOf(o)
	out := rec.Flat()
	if full {
		out.Phones, out.Locations = rec.Phones, rec.Locations
	}
	if fullService {
		out.Services = ix.ServicesOf(o)
	}
	return out
}

// hsdsOrganization answers GET /hsds/organizations/{id}: the organization
// fully nested, with its services' direct fields (or, with full_service,
// its services fully nested).
func (s *API) hsdsOrganization(c echo.Context) error {
	_, ix, err := s.hsdsData()
	if err != nil {
		return err
	}
	p, err := hsdsParams(c, "/organizations/{id}")
	if err != nil {
		return err
	}
	fullService := p.boolean("full_service")
	if err := p.check(); err != nil {
		return err
	}
	o := ix.OrganizationRecord(c.Param("id"))
	if o == nil {
		return errNotFound("organization", c.Param("id"))
	}
	out := orgView(ix, o, true, fullService)
	if !fullService {
		for _, svc := range ix.ServicesOf(o) {
			flat := svc.Flat()
			flat.Organization = nil
			out.Services = append(out.Services, flat)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// hsdsTaxonomies answers GET /hsds/taxonomies.
func (s *API) hsdsTaxonomies(c echo.Context) error {
	_, ds, err := s.hsdsData()
	if err != nil {
		return err
	}
	p, err := hsdsParams(c, "/taxonomies")
	if err != nil {
		return err
	}
	q := p.str("search")
	pg := p.paging()
	if err := p.check(); err != nil {
		return err
	}
	var out []*hsds.Taxonomy
	for _, t := range ds.Taxonomies {
		if q == "" || textHas(q, t.Name, t.Description) {
			out = append(out, t)
		}
	}
	return writeList(c, pg, out, func(t *hsds.Taxonomy) any { return t })
}

// hsdsTerms answers GET /hsds/taxonomy_terms.
func (s *API) hsdsTerms(c echo.Context) error {
	_, ds, err := s.hsdsData()
	if err != nil {
		return err
	}
	p, err := hsdsParams(c, "/taxonomy_terms")
	if err != nil {
		return err
	}
	q, tax, parent := p.str("search"), p.str("taxonomy_id"), p.str("parent_id")
	top := p.boolean("top_only")
	pg := p.paging()
	if err := p.check(); err != nil {
		return err
	}
	var out []*hsds.TaxonomyTerm
	for _, t := range ds.TaxonomyTerms {
		switch {
		case tax != "" && t.TaxonomyID != tax,
			parent != "" && t.ParentID != parent,
			top && t.ParentID != "",
			q != "" && !textHas(q, t.Code, t.Name, t.Description):
			continue
		}
		out = append(out, t)
	}
	return writeList(c, pg, out, func(t *hsds.TaxonomyTerm) any { return t })
}
