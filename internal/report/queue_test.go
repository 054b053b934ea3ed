package report

import (
	"testing"
	"time"

	"trellis/internal/directory"
)

// queueCatalog is a directory of six services: a crisis line, a shelter,
// a detox, two pantries and a clinic, verified at various ages.
func queueCatalog(t *testing.T, today time.Time) *directory.Catalog {
	t.Helper()
	ago := func(days int) time.Time { return today.AddDate(0, 0, -days) }
	dc := &directory.Location{ID: "dc", Address: &directory.Address{CountyFIPS: "11001"}}
	md := &directory.Location{ID: "md", Address: &directory.Address{CountyFIPS: "24031"}}
	org := &directory.Organization{ID: "org", Name: "Org", File: "dc/org.yaml", Locations: []*directory.Location{dc, md}}
	other := &directory.Organization{ID: "other", Name: "Other", File: "md/other.yaml", Source: directory.Source{Name: "md-import"}}
	dc.Org, md.Org = org, org
	svc := func(o *directory.Organization, id, cat string, verified time.Time, at ...*directory.Location) *directory.Service {
		s := &directory.Service{ID: id, Name: id, Org: o, Categories: []string{cat}, LastVerified: verified, Locations: at}
		o.Services = append(o.Services, s)
		return s
	}
	svc(org, "pantry-old", "food.pantry", ago(900), dc)
	svc(org, "pantry-never", "food.pantry", time.Time{}, md)
	svc(org, "detox", "substance-use.detox", ago(400), dc)
	svc(org, "shelter", "housing.emergency-shelter", ago(500), dc)
	svc(other, "hotline", "crisis.crisis-line", ago(366))
	svc(other, "clinic", "healthcare.primary-care", ago(10)) // fresh
	cat, err := directory.NewCatalog(directory.Info{StaleAfter: 365 * 24 * time.Hour}, directory.NewTaxonomy(nil), []*directory.Organization{org, other})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func keys(q Queue) []string {
	var out []string
	for _, it := range q.Items {
		out = append(out, it.Service.Key())
	}
	return out
}

func TestQueue(t *testing.T) {
	today := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	now := today.Add(15 * time.Hour)
	cat := queueCatalog(t, today)
	// The fresh clinic was reported twice since its check, and once the
	// day it was checked (answered by that check); the old pantry once.
	problems := []ProblemCount{
		{Day: today.AddDate(0, 0, -2), ServiceKey: "other.clinic", Problem: ProblemPhone, N: 2},
		{Day: today.AddDate(0, 0, -10), ServiceKey: "other.clinic", Problem: ProblemHours, N: 1},
		{Day: today.AddDate(0, 0, -1), ServiceKey: "org.pantry-old", Problem: ProblemClosed, N: 1},
	}
	tests := []struct {
		name string
		f    QueueFilter
		want []string
	}{
		{"all, by what matters", QueueFilter{}, []string{"other.clinic", "org.pantry-old", "other.hotline", "org.shelter", "org.detox", "org.pantry-never"}},
		{"a county", QueueFilter{County: "24031"}, []string{"org.pantry-never"}},
		{"a need and its subcategories", QueueFilter{Need: "food"}, []string{"org.pantry-old", "org.pantry-never"}},
		{"a source", QueueFilter{Source: "md-import"}, []string{"other.clinic", "other.hotline"}},
		{"written by hand", QueueFilter{Source: "-"}, []string{"org.pantry-old", "org.shelter", "org.detox", "org.pantry-never"}},
		{"page 2 of 2", QueueFilter{PerPage: 4, Page: 2}, []string{"org.detox", "org.pantry-never"}},
		{"past the last page", QueueFilter{PerPage: 4, Page: 9}, []string{"org.detox", "org.pantry-never"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := BuildQueue(cat, nil, now, problems, tt.f, nil)
			if got := keys(q); len(got) != len(tt.want) || (len(got) > 0 && !equal(got, tt.want)) {
				t.Errorf("queue %v, want %v", got, tt.want)
			}
			if q.All != 6 || q.Stale != 5 || q.Reported != 2 {
				t.Errorf("all %d stale %d reported %d", q.All, q.Stale, q.Reported)
			}
		})
	}
	q := BuildQueue(cat, nil, now, problems, QueueFilter{PerPage: 4, Page: 2}, nil)
	if q.Total != 6 || q.First != 5 || q.Last != 6 || q.Page != 2 || q.Pages != 2 {
		t.Errorf("paging %d–%d of %d, page %d of %d", q.First, q.Last, q.Total, q.Page, q.Pages)
	}
	q = BuildQueue(cat, nil, now, problems, QueueFilter{}, nil)
	clinic := q.Items[0]
	if clinic.Reported != 2 || clinic.Problems[0] != 2 || clinic.Stale || clinic.Command() != "trellis verify other.clinic" || clinic.File != "listings/md/other.yaml" {
		t.Errorf("clinic %+v", clinic)
	}
	if len(q.Counties) != 2 || q.Counties[0].Value != "11001" || q.Counties[0].Count != 3 {
		t.Errorf("counties %+v", q.Counties)
	}
	if q.Needs[0].Value != "food" || q.Needs[0].Count != 2 {
		t.Errorf("needs %+v", q.Needs)
	}
	if empty := BuildQueue(cat, nil, now, nil, QueueFilter{County: "06037"}, nil); empty.Total != 0 || empty.First != 0 || empty.Pages != 1 {
		t.Errorf("empty %+v", empty)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
