// Package needs counts what people search for and whether they find it,
// without personal data, so coordinators can see where the directory
// fails them: by category and area, for a date range.
//
// A search is reduced to a Need: the day (a date), a needs category, a
// coarse area (county FIPS code or the first three digits of a ZIP code,
// never a full ZIP code or coordinates), the channel it came through and
// whether anything eligible was found. Needs are only ever stored as
// counts per (day, category, area, channel, found); no row describes one
// search, and no search text is kept. Recorders write asynchronously
// (Async) so a search never waits on the database.
package needs

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"time"
)

// Channel is where a search came from.
type Channel string

// The channels.
const (
	// ChannelPublic is an anonymous search: the kiosk, a phone, an
	// unauthenticated API client.
	ChannelPublic Channel = "public"
	// ChannelSpecialist is a signed-in peer support specialist.
	ChannelSpecialist Channel = "specialist"
	// ChannelAPI is any other signed-in client (coordinators, admins,
	// integrations with tokens).
	ChannelAPI Channel = "api"
)

// Channels lists every channel.
var Channels = []Channel{ChannelPublic, ChannelSpecialist, ChannelAPI}

// Need is one search, reduced to what is counted.
type Need struct {
	// Day is the date of the search (its time of day is ignored); zero
	// means the recorder's today, in UTC.
	Day time.Time
	// Category is a taxonomy category id, or "" when the search named
	// none that could be told.
	Category string
	// Area is "county:<5-digit FIPS>", "zip3:<3 digits>" or "" (no place
	// given); see Area.
	Area    string
	Channel Channel
	// Found is whether the search found at least one eligible service.
	Found bool
}

// Recorder takes needs. Record must not block on I/O: callers are
// handling a person's search.
type Recorder interface {
	Record(ctx context.Context, n Need)
}

// Count is the number of searches with the same day, category, area,
// channel and outcome.
type Count struct {
	Day      time.Time // 00:00 UTC of the day
	Category string
	Area     string
	Channel  Channel
	Found    bool
	N        int64
}

// Groupings of a report.
const (
	ByCategory     = "category"
	ByArea         = "area"
	ByCategoryArea = "category,area"
)

// Groupings lists the accepted report groupings.
var Groupings = []string{ByCategory, ByArea, ByCategoryArea}

// ReportQuery selects and groups counts.
type ReportQuery struct {
	// From and To are dates, both included (00:00 UTC of each day).
	From, To time.Time
	// By is ByCategory, ByArea or ByCategoryArea.
	By string
	// Channel, when set, counts only that channel.
	Channel Channel
}

// ReportRow is one group of a report. Category or Area is empty when the
// report is not grouped by it, or for searches without one.
type ReportRow struct {
	Category string `json:"category"`
	Area     string `json:"area"`
	Searches int64  `json:"searches"`
	Found    int64  `json:"found"`
	// Unmet is the searches that found nothing eligible.
	Unmet int64 `json:"unmet"`
}

// Store keeps the counts; sqlstore implements it on SQLite and
// PostgreSQL.
type Store interface {
	// AddNeeds adds each count to the stored count of its key, in one
	// transaction. It returns an error, having added nothing, when the
	// database fails.
	AddNeeds(ctx context.Context, counts []Count) error
	// NeedsReport sums the counts of q's days by q.By, most unmet first.
	// It returns an error for an unknown grouping or a database failure.
	NeedsReport(ctx context.Context, q ReportQuery) ([]ReportRow, error)
	// NeedCounts returns the stored counts of the days from through to
	// (dates, both included), one per key, in no set order. It returns an
	// error when the database fails.
	NeedCounts(ctx context.Context, from, to time.Time) ([]Count, error)
}

// Date returns the date of t in its location as 00:00 UTC, the form days
// are stored in.
func Date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var (
	categoryRE = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)
	areaRE     = regexp.MustCompile(`^(county:\d{5}|zip3:\d{3})$`)
	fipsRE     = regexp.MustCompile(`^\d{5}$`)
	zipRE      = regexp.MustCompile(`^\d{5}`)
)

// Area returns the coarse area of a place: its county when the county is
// known (from a ZIP code's centre or a point), else the first three
// digits of its ZIP code, else "". A full ZIP code or coordinates never
// come out.
func Area(zip, countyFIPS string) string {
	switch {
	case fipsRE.MatchString(countyFIPS):
		return "county:" + countyFIPS
	case zipRE.MatchString(zip):
		return "zip3:" + zip[:3]
	}
	return ""
}

// Check returns an error when n holds anything but the counted facts: a
// category that is not an id, an area that is not a county or ZIP3, an
// unknown channel. Recorders drop such needs, so free text can never be
// stored by mistake.
func (n Need) Check() error {
	switch {
	case n.Category != "" && !categoryRE.MatchString(n.Category):
		return fmt.Errorf("needs: category %q is not a category id", n.Category)
	case n.Area != "" && !areaRE.MatchString(n.Area):
		return fmt.Errorf("needs: area %q is not county:<FIPS> or zip3:<digits>", n.Area)
	case n.Channel != ChannelPublic && n.Channel != ChannelSpecialist && n.Channel != ChannelAPI:
		return fmt.Errorf("needs: unknown channel %q", n.Channel)
	}
	return nil
}

// SortReport orders rows most unmet first, then most searched, then by
// category and area.
func SortReport(rows []ReportRow) {
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		switch {
		case a.Unmet != b.Unmet:
			return a.Unmet > b.Unmet
		case a.Searches != b.Searches:
			return a.Searches > b.Searches
		case a.Category != b.Category:
			return a.Category < b.Category
		}
		return a.Area < b.Area
	})
}
