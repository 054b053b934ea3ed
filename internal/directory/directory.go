// Package directory holds Trellis's domain types: organizations, their
// locations and services, eligibility, hours, service areas and the needs
// taxonomy. It is pure Go with no I/O; the listings package builds a Catalog
// from YAML files and the adapters (search, httpapi, hsds) read it.
//
// A Catalog is immutable once built: every package may share one between
// goroutines without locking.
package directory

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/paulmach/orb"
)

// Info describes the directory as a whole (data/directory.yaml).
type Info struct {
	// Name is shown on pages and in API answers, e.g. "Washington, DC metro".
	Name string
	// TimeZone is the IANA zone in which hours are read unless a location
	// names its own.
	TimeZone *time.Location
	// DefaultNear is the ZIP code or place used when a search gives none.
	DefaultNear string
	// StaleAfter is the age after which a listing's last verification is
	// reported as stale.
	StaleAfter time.Duration
	// Attribution lists the credits the data's licenses require.
	Attribution []string
	// Notice is shown beside results, e.g. that the data is a dated snapshot.
	Notice string
	// HelpLine is the number to call when a listing gives none or nothing
	// fits: 211 in most of the United States.
	HelpLine *Line
	// Crisis is what a search that reads as a crisis is answered with
	// first.
	Crisis *Crisis
	// MeetingsHelp says where to find recovery meetings when the
	// directory lists none that fit; nil when it does not say.
	MeetingsHelp *MeetingsHelp
}

// Source names the record a listing was imported from, so that importing a
// newer copy of the same source updates the listing instead of duplicating it.
type Source struct {
	// Name is the source dataset, e.g. "dc-metro".
	Name string
	// ID is the record's identifier in that source.
	ID string
}

// IsZero reports whether the source is unset.
func (s Source) IsZero() bool { return s.Name == "" && s.ID == "" }

// Phone is a number to call or text.
type Phone struct {
	Number    string
	Extension string
	// Type is one of PhoneTypes; empty means voice.
	Type      string
	Note      string
	Languages []string
}

// PhoneTypes lists the accepted Phone.Type values.
var PhoneTypes = []string{"voice", "fax", "text", "tty", "hotline"}

// Intake is where an organization or a service takes referrals: the email
// address the receiving agency is notified at, and a phone number for
// referrers. At least one is set.
type Intake struct {
	Email string
	Phone string
}

// Organization is one listing file: an agency with its locations and services.
type Organization struct {
	ID            string
	Name          string
	AlternateName string
	Description   string
	Website       string
	Email         string
	Phones        []Phone
	// Referrals is where the organization takes referrals, or nil.
	Referrals *Intake
	Source    Source
	Locations []*Location
	Services  []*Service
	// File is the listing file's path relative to the listings directory,
	// with forward slashes, e.g. "dc/harriet-tubman-shelter.yaml".
	File string
}

// Location returns the organization's location with the given id, or nil.
func (o *Organization) Location(id string) *Location {
	for _, l := range o.Locations {
		if l.ID == id {
			return l
		}
	}
	return nil
}

// Address is a street address. County is the county name as written in the
// listing ("Montgomery"); CountyFIPS is filled by the loader when known.
type Address struct {
	Street     string
	Street2    string
	City       string
	State      string
	ZIP        string
	County     string
	CountyFIPS string
}

// Location is a place where services are delivered.
type Location struct {
	ID          string
	Org         *Organization
	Name        string
	Description string
	Address     *Address
	// Point is the location's coordinates; HasPoint says whether it is known.
	Point    orb.Point
	HasPoint bool
	// Confidential locations (a domestic-violence shelter) never expose
	// their address or point: they are found by area and reached by phone.
	Confidential bool
	// TimeZone is the location's zone; nil means the directory's.
	TimeZone *time.Location
	// Hours are the location's opening hours; nil when not listed.
	Hours *Hours
	// Languages are BCP 47 codes ("en", "es") spoken at the location.
	Languages []string
	// Wheelchair is whether the location is wheelchair accessible; nil when
	// unknown.
	Wheelchair    *bool
	Accessibility string
	Transit       string
	Phones        []Phone
	Source        Source
}

// Status is a service's operating status, using HSDS 3.0's values.
type Status string

// The statuses a service may have.
const (
	StatusActive            Status = "active"
	StatusInactive          Status = "inactive"
	StatusDefunct           Status = "defunct"
	StatusTemporarilyClosed Status = "temporarily closed"
)

// Statuses lists the valid statuses.
var Statuses = []Status{StatusActive, StatusInactive, StatusDefunct, StatusTemporarilyClosed}

// CostKind says how a service is paid for.
type CostKind string

// The cost kinds. The zero value means the listing does not say.
const (
	CostUnknown      CostKind = ""
	CostFree         CostKind = "free"
	CostSlidingScale CostKind = "sliding-scale"
	CostFee          CostKind = "fee"
)

// CostKinds lists the valid cost kinds a listing may give.
var CostKinds = []CostKind{CostFree, CostSlidingScale, CostFee}

// Insurance plans a service may accept and a person may have.
const (
	InsuranceMedicaid = "medicaid"
	InsuranceMedicare = "medicare"
	InsurancePrivate  = "private"
	InsuranceTricare  = "tricare"
	InsuranceVA       = "va"
	// InsuranceNone, on a person, means uninsured. On a service it means the
	// service serves uninsured people (self-pay or charity care).
	InsuranceNone = "none"
)

// InsurancePlans lists the valid insurance values.
var InsurancePlans = []string{InsuranceMedicaid, InsuranceMedicare, InsurancePrivate, InsuranceTricare, InsuranceVA, InsuranceNone}

// Ways to apply for a service.
const (
	ApplyWalkIn      = "walk-in"
	ApplyCall        = "call"
	ApplyReferral    = "referral"
	ApplyAppointment = "appointment"
	ApplyOnline      = "online"
)

// ApplyMethods lists the valid ways to apply.
var ApplyMethods = []string{ApplyWalkIn, ApplyCall, ApplyReferral, ApplyAppointment, ApplyOnline}

// Service is something an organization offers, at one or more of its
// locations.
type Service struct {
	// ID is unique within the organization; Key is unique in the catalog.
	ID            string
	Org           *Organization
	Name          string
	AlternateName string
	Description   string
	URL           string
	Email         string
	// Categories are taxonomy category ids, e.g. "housing.emergency-shelter".
	Categories []string
	// Locations are where the service is delivered. A service with none is
	// delivered by phone or online and found through its service area.
	Locations   []*Location
	Area        *ServiceArea
	Eligibility Eligibility
	Cost        CostKind
	Fees        string
	// Insurance lists the plans the service accepts (InsurancePlans); empty
	// means the listing does not say.
	Insurance []string
	// Languages are BCP 47 codes in which the service is offered.
	Languages []string
	// Apply lists how to get the service (ApplyMethods); ApplyNotes says more.
	Apply      []string
	ApplyNotes string
	// Hours, when set, override the hours of the service's locations.
	Hours        *Hours
	Capacity     string
	Status       Status
	Alert        string
	LastVerified time.Time // a date at 00:00 UTC; zero when never verified
	VerifiedBy   string
	Phones       []Phone
	Source       Source
	// Referrals is where this service takes referrals, or nil for its
	// organization's (ReferralIntake).
	Referrals *Intake

	// key is Key, kept by the first catalog the service is put in. A
	// reload's catalog shares the unchanged listings' services, and
	// with them their keys, rather than making 100k strings anew. A copy
	// of the service given another organization or id does not use it
	// (keyed).
	key string
}

// ReferralIntake returns where the service takes referrals: its own
// intake, else its organization's, else nil.
func (s *Service) ReferralIntake() *Intake {
	if s.Referrals != nil {
		return s.Referrals
	}
	if s.Org != nil {
		return s.Org.Referrals
	}
	return nil
}

// Key returns the service's catalog-wide identifier, "<org>.<service>".
func (s *Service) Key() string {
	if s.keyed() {
		return s.key
	}
	return ServiceKey(s.Org.ID, s.ID)
}

// keyed reports whether the kept key is the service's key.
func (s *Service) keyed() bool {
	k, org := s.key, s.Org.ID
	return len(k) == len(org)+1+len(s.ID) && k[len(org)] == '.' && strings.HasPrefix(k, org) && strings.HasSuffix(k, s.ID)
}

// ServiceKey builds a service's catalog-wide identifier.
func ServiceKey(orgID, serviceID string) string { return orgID + "." + serviceID }

// HasCategory reports whether the service is in category id or in one of its
// subcategories.
func (s *Service) HasCategory(id string) bool {
	for _, c := range s.Categories {
		if c == id || IsSubcategory(c, id) {
			return true
		}
	}
	return false
}

// HoursAt returns the hours that apply to the service at location l (the
// service's own hours, else the location's) and the zone to read them in.
// It returns nil hours when neither is listed.
func (s *Service) HoursAt(l *Location, dir *time.Location) (*Hours, *time.Location) {
	tz := dir
	if l != nil && l.TimeZone != nil {
		tz = l.TimeZone
	}
	if s.Hours != nil {
		return s.Hours, tz
	}
	if l != nil {
		return l.Hours, tz
	}
	return nil, tz
}

// Catalog is a validated, immutable directory snapshot.
type Catalog struct {
	Info     Info
	Taxonomy *Taxonomy
	// Vocabulary is how people say what they need, beyond the taxonomy.
	Vocabulary    *Vocabulary
	Organizations []*Organization // sorted by ID
	// Meetings are the recovery meetings imported from Meeting Guide
	// feeds, sorted by Key; MeetingTypes is the table of their type codes
	// (nil when the data has none). WithMeetings sets both.
	Meetings     []*Meeting
	MeetingTypes *MeetingTypes

	orgs     map[string]*Organization
	services map[string]*Service
	meetings map[string]*Meeting
}

// NewCatalog builds a catalog from validated organizations. It sorts them by
// id and indexes them; it returns an error if two organizations or two
// services share an id, or a service lacks its organization back-pointer
// (both mean the caller skipped validation).
func NewCatalog(info Info, tax *Taxonomy, orgs []*Organization) (*Catalog, error) {
	c := &Catalog{
		Info:          info,
		Taxonomy:      tax,
		Organizations: append([]*Organization(nil), orgs...),
		orgs:          make(map[string]*Organization, len(orgs)),
		services:      make(map[string]*Service, len(orgs)),
	}
	if c.Info.TimeZone == nil {
		c.Info.TimeZone = time.UTC
	}
	sort.Slice(c.Organizations, func(i, j int) bool { return c.Organizations[i].ID < c.Organizations[j].ID })
	for _, o := range c.Organizations {
		if _, dup := c.orgs[o.ID]; dup {
			return nil, fmt.Errorf("directory: duplicate organization id %q", o.ID)
		}
		c.orgs[o.ID] = o
		for _, s := range o.Services {
			if s.Org != o {
				return nil, fmt.Errorf("directory: service %q of %q has no organization back-pointer", s.ID, o.ID)
			}
			// The key is kept on the service the first time: a service
			// is not shared until a catalog holding it is, and then it
			// has its key (see Service.key).
			if !s.keyed() {
				s.key = ServiceKey(o.ID, s.ID)
			}
			key := s.key
			if _, dup := c.services[key]; dup {
				return nil, fmt.Errorf("directory: duplicate service id %q", key)
			}
			c.services[key] = s
		}
	}
	return c, nil
}

// WithMeetings returns a copy of the catalog that also holds meetings,
// sorted by key, and the meeting type table types. The catalog itself is
// not changed. It returns an error when two meetings share a key (the same
// source and slug), which means the caller skipped validation.
func (c *Catalog) WithMeetings(types *MeetingTypes, meetings []*Meeting) (*Catalog, error) {
	out := *c
	out.MeetingTypes = types
	out.Meetings = append([]*Meeting(nil), meetings...)
	sort.Slice(out.Meetings, func(i, j int) bool { return out.Meetings[i].Key() < out.Meetings[j].Key() })
	out.meetings = make(map[string]*Meeting, len(meetings))
	for _, m := range out.Meetings {
		if _, dup := out.meetings[m.Key()]; dup {
			return nil, fmt.Errorf("directory: duplicate meeting %q", m.Key())
		}
		out.meetings[m.Key()] = m
	}
	return &out, nil
}

// Meeting returns the meeting with the given key ("<source>/<slug>"), or
// nil.
func (c *Catalog) Meeting(key string) *Meeting { return c.meetings[key] }

// Organization returns the organization with the given id, or nil.
func (c *Catalog) Organization(id string) *Organization { return c.orgs[id] }

// Service returns the service with the given key ("<org>.<service>"), or nil.
func (c *Catalog) Service(key string) *Service { return c.services[key] }

// ServiceCount returns how many services the catalog holds.
func (c *Catalog) ServiceCount() int { return len(c.services) }

// Services calls fn for every service in organization-id, then file, order.
func (c *Catalog) Services(fn func(*Service)) {
	for _, o := range c.Organizations {
		for _, s := range o.Services {
			fn(s)
		}
	}
}

// ContactPhones returns the numbers to reach service s at location l (nil
// for any location): the service's own, then the location's, then the
// organization's, without repeating a number.
func (s *Service) ContactPhones(l *Location) []Phone {
	var out []Phone
	seen := map[string]bool{}
	add := func(ps []Phone) {
		for _, p := range ps {
			k := p.Number + "x" + p.Extension
			if !seen[k] {
				seen[k] = true
				out = append(out, p)
			}
		}
	}
	add(s.Phones)
	if l != nil {
		add(l.Phones)
	} else {
		for _, loc := range s.Locations {
			add(loc.Phones)
		}
	}
	add(s.Org.Phones)
	return out
}

// SeasonAt returns the season service s follows at location l: the one its
// hours give, else the usual season of one of its categories (a farmers
// market that lists none follows farmers markets' usual season), else nil.
// usual reports that the season is the category's, not the listing's own.
func (s *Service) SeasonAt(l *Location, tax *Taxonomy) (season *Season, usual bool) {
	if h, _ := s.HoursAt(l, nil); h != nil && h.Season != nil {
		return h.Season, false
	}
	if tax == nil {
		return nil, false
	}
	for _, id := range s.Categories {
		if c := tax.Category(id); c != nil && c.UsualSeason != nil {
			return c.UsualSeason, true
		}
	}
	return nil, false
}
