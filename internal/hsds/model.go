package hsds

// This file is the HSDS 3.0 object model that Export builds and the
// /hsds/ API serves: one Go type per HSDS object, with the JSON names and
// nesting of the specification's schemas (schema/*.json). Child records
// carry the ids that link them to their parent, as the tabular package
// needs; the nested JSON keeps them too, which the schemas allow.
//
// Fields the schemas require are written even when empty; every other
// field is left out when empty.

// Organization is an HSDS organization.
type Organization struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AlternateName string `json:"alternate_name,omitempty"`
	Description   string `json:"description"`
	Email         string `json:"email,omitempty"`
	Website       string `json:"website,omitempty"`
	// Contacts, Phones and Locations are only in the full (nested)
	// organization.
	Contacts  []*Contact  `json:"contacts,omitempty"`
	Phones    []*Phone    `json:"phones,omitempty"`
	Locations []*Location `json:"locations,omitempty"`
	// Services is only in GET /hsds/organizations/{id}.
	Services []*Service `json:"services,omitempty"`
}

// Service is an HSDS service, fully nested.
type Service struct {
	ID                     string   `json:"id"`
	OrganizationID         string   `json:"organization_id,omitempty"`
	Name                   string   `json:"name"`
	AlternateName          string   `json:"alternate_name,omitempty"`
	Description            string   `json:"description,omitempty"`
	URL                    string   `json:"url,omitempty"`
	Email                  string   `json:"email,omitempty"`
	Status                 string   `json:"status"`
	ApplicationProcess     string   `json:"application_process,omitempty"`
	FeesDescription        string   `json:"fees_description,omitempty"`
	WaitTime               string   `json:"wait_time,omitempty"`
	EligibilityDescription string   `json:"eligibility_description,omitempty"`
	MinimumAge             *float64 `json:"minimum_age,omitempty"`
	MaximumAge             *float64 `json:"maximum_age,omitempty"`
	AssuredDate            string   `json:"assured_date,omitempty"`
	Alert                  string   `json:"alert,omitempty"`
	LastModified           string   `json:"last_modified,omitempty"`

	Organization       *Organization        `json:"organization,omitempty"`
	Phones             []*Phone             `json:"phones,omitempty"`
	Schedules          []*Schedule          `json:"schedules,omitempty"`
	ServiceAreas       []*ServiceArea       `json:"service_areas,omitempty"`
	ServiceAtLocations []*ServiceAtLocation `json:"service_at_locations,omitempty"`
	Languages          []*Language          `json:"languages,omitempty"`
	CostOptions        []*CostOption        `json:"cost_options,omitempty"`
	RequiredDocuments  []*RequiredDocument  `json:"required_documents,omitempty"`
	Contacts           []*Contact           `json:"contacts,omitempty"`
	Attributes         []*Attribute         `json:"attributes,omitempty"`
}

// Contact is an HSDS contact. Trellis writes one for a listing's referral
// intake (title IntakeTitle), with the intake's email and phone.
type Contact struct {
	ID             string   `json:"id"`
	OrganizationID string   `json:"organization_id,omitempty"`
	ServiceID      string   `json:"service_id,omitempty"`
	Title          string   `json:"title,omitempty"`
	Department     string   `json:"department,omitempty"`
	Email          string   `json:"email,omitempty"`
	Phones         []*Phone `json:"phones,omitempty"`
}

// IntakeTitle is the title of the contact that carries a listing's
// referral intake (listing key "referrals"). The importer reads a contact
// as an intake when its title, name or department speaks of referrals or
// intake.
const IntakeTitle = "Referral intake"

// Location is an HSDS location. Confidential Trellis locations are never
// one.
type Location struct {
	ID             string   `json:"id"`
	LocationType   string   `json:"location_type"`
	OrganizationID string   `json:"organization_id,omitempty"`
	Name           string   `json:"name,omitempty"`
	AlternateName  string   `json:"alternate_name,omitempty"`
	Description    string   `json:"description,omitempty"`
	Transportation string   `json:"transportation,omitempty"`
	Latitude       *float64 `json:"latitude,omitempty"`
	Longitude      *float64 `json:"longitude,omitempty"`

	Languages     []*Language      `json:"languages,omitempty"`
	Addresses     []*Address       `json:"addresses,omitempty"`
	Accessibility []*Accessibility `json:"accessibility,omitempty"`
	Phones        []*Phone         `json:"phones,omitempty"`
	Schedules     []*Schedule      `json:"schedules,omitempty"`
}

// ServiceAtLocation links a service to a location where it is delivered.
type ServiceAtLocation struct {
	ID          string    `json:"id"`
	ServiceID   string    `json:"service_id,omitempty"`
	LocationID  string    `json:"location_id,omitempty"`
	Description string    `json:"description,omitempty"`
	Location    *Location `json:"location,omitempty"`
	// Service is only in the /hsds/service_at_locations answers.
	Service *Service `json:"service,omitempty"`
}

// Address is an HSDS address. Every field but Address2 and Region is
// required by the schema.
type Address struct {
	ID            string `json:"id"`
	LocationID    string `json:"location_id,omitempty"`
	Address1      string `json:"address_1"`
	Address2      string `json:"address_2,omitempty"`
	City          string `json:"city"`
	Region        string `json:"region,omitempty"`
	StateProvince string `json:"state_province"`
	PostalCode    string `json:"postal_code"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
}

// Phone is an HSDS phone.
type Phone struct {
	ID             string      `json:"id"`
	LocationID     string      `json:"location_id,omitempty"`
	ServiceID      string      `json:"service_id,omitempty"`
	OrganizationID string      `json:"organization_id,omitempty"`
	ContactID      string      `json:"contact_id,omitempty"`
	Number         string      `json:"number"`
	Extension      *float64    `json:"extension,omitempty"`
	Type           string      `json:"type,omitempty"`
	Description    string      `json:"description,omitempty"`
	Languages      []*Language `json:"languages,omitempty"`
}

// Schedule is an HSDS schedule: an RRULE-style weekly opening, or (with
// ValidFrom and ValidTo and no times) a dated closure, or only notes.
type Schedule struct {
	ID            string `json:"id"`
	ServiceID     string `json:"service_id,omitempty"`
	LocationID    string `json:"location_id,omitempty"`
	ValidFrom     string `json:"valid_from,omitempty"`
	ValidTo       string `json:"valid_to,omitempty"`
	Freq          string `json:"freq,omitempty"`
	ByDay         string `json:"byday,omitempty"`
	Description   string `json:"description,omitempty"`
	OpensAt       string `json:"opens_at,omitempty"`
	ClosesAt      string `json:"closes_at,omitempty"`
	AttendingType string `json:"attending_type,omitempty"`
	Notes         string `json:"notes,omitempty"`
}

// Language is a language spoken at a location, in a service or on a
// phone line.
type Language struct {
	ID         string `json:"id"`
	ServiceID  string `json:"service_id,omitempty"`
	LocationID string `json:"location_id,omitempty"`
	PhoneID    string `json:"phone_id,omitempty"`
	Name       string `json:"name,omitempty"`
	Code       string `json:"code,omitempty"`
}

// Accessibility describes a location's access arrangements.
type Accessibility struct {
	ID          string `json:"id"`
	LocationID  string `json:"location_id,omitempty"`
	Description string `json:"description,omitempty"`
}

// CostOption is a price of a service.
type CostOption struct {
	ID                string   `json:"id"`
	ServiceID         string   `json:"service_id"`
	Option            string   `json:"option,omitempty"`
	Currency          string   `json:"currency,omitempty"`
	Amount            *float64 `json:"amount,omitempty"`
	AmountDescription string   `json:"amount_description,omitempty"`
}

// RequiredDocument is a document a person needs to bring.
type RequiredDocument struct {
	ID        string `json:"id"`
	ServiceID string `json:"service_id,omitempty"`
	Document  string `json:"document,omitempty"`
}

// ServiceArea is where a service is available.
type ServiceArea struct {
	ID          string `json:"id"`
	ServiceID   string `json:"service_id,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	Extent      string `json:"extent,omitempty"`
	ExtentType  string `json:"extent_type,omitempty"`
	URI         string `json:"uri,omitempty"`
}

// Attribute links a service to a taxonomy term, optionally with a value.
type Attribute struct {
	ID             string        `json:"id"`
	LinkID         string        `json:"link_id"`
	TaxonomyTermID string        `json:"taxonomy_term_id"`
	LinkType       string        `json:"link_type,omitempty"`
	LinkEntity     string        `json:"link_entity"`
	Value          string        `json:"value,omitempty"`
	TaxonomyTerm   *TaxonomyTerm `json:"taxonomy_term,omitempty"`
}

// TaxonomyTerm is a term of a taxonomy.
type TaxonomyTerm struct {
	ID             string    `json:"id"`
	Code           string    `json:"code,omitempty"`
	Name           string    `json:"name"`
	Description    string    `json:"description"`
	ParentID       string    `json:"parent_id,omitempty"`
	Taxonomy       string    `json:"taxonomy,omitempty"`
	TaxonomyDetail *Taxonomy `json:"taxonomy_detail,omitempty"`
	Language       string    `json:"language,omitempty"`
	TaxonomyID     string    `json:"taxonomy_id,omitempty"`
}

// Taxonomy is a classification the terms belong to.
type Taxonomy struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	URI         string `json:"uri,omitempty"`
	Version     string `json:"version,omitempty"`
}

// Flat returns the organization without its nested arrays: the shape of
// organization_list.json and of a service's organization.
func (o *Organization) Flat() *Organization {
	if o == nil {
		return nil
	}
	c := *o
	c.Contacts, c.Phones, c.Locations, c.Services = nil, nil, nil, nil
	return &c
}

// Flat returns the service with its organization's direct fields and
// nothing else nested: the shape of service_list.json.
func (s *Service) Flat() *Service {
	return &Service{
		ID: s.ID, OrganizationID: s.OrganizationID, Name: s.Name, AlternateName: s.AlternateName,
		Description: s.Description, URL: s.URL, Email: s.Email, Status: s.Status,
		ApplicationProcess: s.ApplicationProcess, FeesDescription: s.FeesDescription, WaitTime: s.WaitTime,
		EligibilityDescription: s.EligibilityDescription, MinimumAge: s.MinimumAge, MaximumAge: s.MaximumAge,
		AssuredDate: s.AssuredDate, Alert: s.Alert, LastModified: s.LastModified,
		Organization: s.Organization.Flat(),
	}
}

// Flat returns the location without its nested arrays.
func (l *Location) Flat() *Location {
	c := *l
	c.Languages, c.Addresses, c.Accessibility, c.Phones, c.Schedules = nil, nil, nil, nil, nil
	return &c
}
