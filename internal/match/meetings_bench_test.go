package match

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"trellis/internal/directory"
	"trellis/internal/geo"
	"trellis/internal/search"
)

// BenchmarkSearchMeetings runs "NA meeting tonight" searches from places
// around Washington over the bundled DC directory with 10,000 synthetic
// weekly meetings (a large area's feeds together), and reports the 50th
// and 99th percentile latencies of the whole search, services included,
// beside the same search without the meetings ("peer support tonight").
// Building the index and the matcher is not timed.
//
//	go test -run '^$' -bench SearchMeetings -benchtime 500x ./internal/match
func BenchmarkSearchMeetings(b *testing.B) {
	snap, _ := dc(b)
	r := rand.New(rand.NewSource(16))
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	sources := []string{"dc-aa", "dc-na", "metro-intergroup", "md-al-anon"}
	var meetings []*directory.Meeting
	for i := range 10000 {
		mt := &directory.Meeting{Source: sources[i%len(sources)], Slug: fmt.Sprint(i), Name: fmt.Sprintf("Meeting %d", i),
			Days: directory.DaySet(1 << r.Intn(7)), Start: directory.Clock(6*60 + 30*r.Intn(32)), HasStart: true, TimeZone: ny,
			Types: []string{"O", "D"}, Address: "1 Test St", City: "Washington", State: "DC",
			Point: orb.Point{-77.03 + r.NormFloat64()*0.2, 38.9 + r.NormFloat64()*0.2}, HasPoint: true}
		if i%5 == 0 {
			mt.Attendance, mt.ConferenceURL = directory.AttendanceHybrid, "https://zoom.example.org/j/1"
		}
		meetings = append(meetings, mt)
	}
	cat, err := snap.Catalog.WithMeetings(snap.Catalog.MeetingTypes, meetings)
	if err != nil {
		b.Fatal(err)
	}
	ix, err := search.Build(context.Background(), cat)
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	m := New(ix, snap.Places, nil)
	now := time.Date(2026, 3, 1, 17, 0, 0, 0, ny)
	places := make([]*geo.Place, 64)
	for i := range places {
		places[i] = &geo.Place{Point: orb.Point{-77.03 + r.NormFloat64()*0.1, 38.9 + r.NormFloat64()*0.1}}
	}
	// The same need without the word that asks for a meeting measures the
	// services alone: the difference is the meetings' cost.
	for _, text := range []string{"NA meeting tonight", "peer support tonight"} {
		b.Run(text, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			hits := 0
			for i := 0; i < b.N; i++ {
				start := time.Now()
				res, err := m.Search(context.Background(), SearchRequest{Text: text, Place: places[i%len(places)], Now: now})
				lat = append(lat, time.Since(start))
				if err != nil {
					b.Fatal(err)
				}
				if res.Meetings != nil {
					hits += len(res.Meetings.Hits)
				}
			}
			b.StopTimer()
			if (hits == 0) == (text == "NA meeting tonight") {
				b.Fatalf("%q found %d meetings", text, hits)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(pct(0.5), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
		})
	}
}
