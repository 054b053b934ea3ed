package needs

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Report is an unmet-needs report: where people looked, for a date range,
// and how often they found nothing. The API and the command line answer
// with it.
type Report struct {
	From    string `json:"from"` // YYYY-MM-DD, included
	To      string `json:"to"`   // YYYY-MM-DD, included
	By      string `json:"by"`
	Channel string `json:"channel,omitempty"`
	Total   Line   `json:"total"`
	Rows    []Line `json:"rows"`
}

// Line is one row of a Report, with names for people.
type Line struct {
	Category string `json:"category,omitempty"`
	// CategoryLabel is the category's English label; "(not told)" for
	// searches that named no category.
	CategoryLabel string `json:"category_label,omitempty"`
	Area          string `json:"area,omitempty"`
	// AreaLabel names the area: a county with its state, "ZIP 200xx", or
	// "(no place given)".
	AreaLabel string `json:"area_label,omitempty"`
	Searches  int64  `json:"searches"`
	Found     int64  `json:"found"`
	Unmet     int64  `json:"unmet"`
	// UnmetShare is Unmet / Searches, 0 to 1.
	UnmetShare float64 `json:"unmet_share"`
}

// Labels name categories and areas for a report; nil functions leave the
// labels to the defaults (the id itself).
type Labels struct {
	Category func(id string) string
	// County names a 5-digit FIPS code ("Montgomery County, MD").
	County func(fips string) string
}

// ParseDay reads a YYYY-MM-DD date. It returns an error naming the form
// otherwise.
func ParseDay(s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date like 2026-11-01", s)
	}
	return t, nil
}

// BuildReport reads q's counts from store and labels them. It returns an
// error for a bad query (To before From, unknown grouping or channel) or
// a store failure.
func BuildReport(ctx context.Context, store Store, q ReportQuery, l Labels) (Report, error) {
	q.From, q.To = Date(q.From), Date(q.To)
	switch {
	case q.To.Before(q.From):
		return Report{}, fmt.Errorf("the range ends (%s) before it starts (%s)", q.To.Format(time.DateOnly), q.From.Format(time.DateOnly))
	case !slices.Contains(Groupings, q.By):
		return Report{}, fmt.Errorf("unknown grouping %q: want %s", q.By, strings.Join(Groupings, ", "))
	case q.Channel != "" && !slices.Contains(Channels, q.Channel):
		return Report{}, fmt.Errorf("unknown channel %q: want public, specialist or api", q.Channel)
	}
	rows, err := store.NeedsReport(ctx, q)
	if err != nil {
		return Report{}, err
	}
	r := Report{From: q.From.Format(time.DateOnly), To: q.To.Format(time.DateOnly), By: q.By, Channel: string(q.Channel),
		Rows: make([]Line, 0, len(rows))}
	for _, row := range rows {
		ln := Line{Searches: row.Searches, Found: row.Found, Unmet: row.Unmet}
		if q.By != ByArea {
			ln.Category, ln.CategoryLabel = row.Category, categoryLabel(row.Category, l)
		}
		if q.By != ByCategory {
			ln.Area, ln.AreaLabel = row.Area, areaLabel(row.Area, l)
		}
		ln.UnmetShare = share(ln.Unmet, ln.Searches)
		r.Rows = append(r.Rows, ln)
		r.Total.Searches += row.Searches
		r.Total.Found += row.Found
		r.Total.Unmet += row.Unmet
	}
	r.Total.UnmetShare = share(r.Total.Unmet, r.Total.Searches)
	return r, nil
}

func share(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func categoryLabel(id string, l Labels) string {
	if id == "" {
		return "(not told)"
	}
	if l.Category != nil {
		if s := l.Category(id); s != "" {
			return s
		}
	}
	return id
}

func areaLabel(area string, l Labels) string {
	kind, code, _ := strings.Cut(area, ":")
	switch kind {
	case "":
		return "(no place given)"
	case "county":
		if l.County != nil {
			if s := l.County(code); s != "" {
				return s
			}
		}
		return "county " + code
	case "zip3":
		return "ZIP " + code + "xx"
	}
	return area
}
