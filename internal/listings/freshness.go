package listings

import (
	"cmp"
	"slices"
	"time"

	"trellis/internal/directory"
)

// ParseAge reads an age in whole days or weeks, "180d" or "26w", the form
// directory.yaml's stale_after takes. It returns an error naming the
// problem for anything else, and for ages under a day or over 100 years.
func ParseAge(s string) (time.Duration, error) { return parseStaleAfter(s) }

// StaleReport lists the services whose last verification is older than an
// age, for coordinators to check again.
type StaleReport struct {
	// Today is the report's day (a date at 00:00 UTC) in the directory's
	// time zone; ages are counted to it.
	Today time.Time
	// OlderThan is the age beyond which a service is listed.
	OlderThan time.Duration
	// Checked counts the services looked at; Services are the stale ones:
	// never verified first, then the oldest verification first.
	Checked  int
	Services []StaleService
}

// StaleService is one service in a StaleReport.
type StaleService struct {
	Service *directory.Service
	// LastVerified is zero when the service was never verified.
	LastVerified time.Time
	VerifiedBy   string
	// AgeDays is how many days ago it was verified; -1 when never.
	AgeDays int
}

// Never reports whether the service was never verified.
func (s StaleService) Never() bool { return s.LastVerified.IsZero() }

// Today returns now's calendar day in the directory's time zone as a date
// at 00:00 UTC, the form last_verified dates are read into.
func Today(cat *directory.Catalog, now time.Time) time.Time {
	tz := time.UTC
	if cat != nil && cat.Info.TimeZone != nil {
		tz = cat.Info.TimeZone
	}
	y, m, d := now.In(tz).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Stale returns the services of cat not verified within olderThan of now:
// those never verified and those verified more than olderThan (counted in
// whole days) before today. A service verified exactly olderThan ago is
// still fresh. olderThan 0 or less means the directory's stale_after.
func Stale(cat *directory.Catalog, now time.Time, olderThan time.Duration) StaleReport {
	if olderThan <= 0 {
		olderThan = cat.Info.StaleAfter
	}
	rep := StaleReport{Today: Today(cat, now), OlderThan: olderThan}
	limit := int(olderThan / (24 * time.Hour))
	cat.Services(func(s *directory.Service) {
		rep.Checked++
		e := StaleService{Service: s, LastVerified: s.LastVerified, VerifiedBy: s.VerifiedBy, AgeDays: -1}
		if !s.LastVerified.IsZero() {
			e.AgeDays = int(rep.Today.Sub(s.LastVerified).Hours() / 24)
			if e.AgeDays <= limit {
				return
			}
		}
		rep.Services = append(rep.Services, e)
	})
	slices.SortStableFunc(rep.Services, func(a, b StaleService) int {
		// Never verified (zero time) sorts first, then by date; ties keep
		// the catalog's order (organization id, then file order).
		return cmp.Compare(a.LastVerified.Unix(), b.LastVerified.Unix())
	})
	return rep
}

// StaleJSON is the stale report as `trellis stale --format json` and GET
// /api/v1/reports/stale answer it.
type StaleJSON struct {
	// AsOf is the report's day, YYYY-MM-DD.
	AsOf          string `json:"as_of"`
	OlderThanDays int    `json:"older_than_days"`
	// Checked counts the services looked at, Stale those listed, Never
	// those of them never verified.
	Checked  int             `json:"checked"`
	Stale    int             `json:"stale"`
	Never    int             `json:"never_verified"`
	Services []StaleItemJSON `json:"services"`
}

// StaleItemJSON is one service of StaleJSON.
type StaleItemJSON struct {
	// Service is the catalog-wide key, "<organization>.<service>".
	Service          string `json:"service"`
	Name             string `json:"name"`
	Organization     string `json:"organization"`
	OrganizationName string `json:"organization_name"`
	// LastVerified (YYYY-MM-DD) and AgeDays are null when the service was
	// never verified.
	LastVerified *string `json:"last_verified"`
	AgeDays      *int    `json:"age_days"`
	VerifiedBy   string  `json:"verified_by,omitempty"`
	// File is the listing file relative to the data directory, Line where
	// the service (or its last_verified) is written; 0 when unknown.
	File string `json:"file"`
	Line int    `json:"line,omitempty"`
}

// JSON returns the report in its JSON form, with positions from pos (which
// may be nil).
func (r StaleReport) JSON(pos *Positions) StaleJSON {
	out := StaleJSON{
		AsOf:          r.Today.Format(time.DateOnly),
		OlderThanDays: int(r.OlderThan / (24 * time.Hour)),
		Checked:       r.Checked,
		Stale:         len(r.Services),
		Services:      make([]StaleItemJSON, 0, len(r.Services)),
	}
	for _, e := range r.Services {
		s := e.Service
		p := pos.At(s, "last_verified")
		item := StaleItemJSON{
			Service: s.Key(), Name: s.Name, Organization: s.Org.ID, OrganizationName: s.Org.Name,
			VerifiedBy: e.VerifiedBy, File: p.Path, Line: p.Line,
		}
		if e.Never() {
			out.Never++
		} else {
			d, age := e.LastVerified.Format(time.DateOnly), e.AgeDays
			item.LastVerified, item.AgeDays = &d, &age
		}
		out.Services = append(out.Services, item)
	}
	return out
}
