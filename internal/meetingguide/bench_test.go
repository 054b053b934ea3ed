package meetingguide

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"trellis/internal/listings"
)

// BenchmarkParse reads and checks a feed of 10,000 meetings (about 5 MB,
// a large region's), every value of every meeting.
func BenchmarkParse(b *testing.B) {
	types, errs, err := listings.LoadMeetingTypes(os.DirFS("../../data"))
	if err != nil || len(errs) > 0 {
		b.Fatal(err, errs)
	}
	var buf bytes.Buffer
	buf.WriteString("[\n")
	for i := range 10000 {
		if i > 0 {
			buf.WriteString(",\n")
		}
		fmt.Fprintf(&buf, `{"name": "Meeting %d", "slug": "meeting-%d", "day": [%d, %d], "time": "19:00", "end_time": "20:00",
 "timezone": "America/Chicago", "types": ["O", "D", "W", "S", "X"], "location": "Alano Club", "address": "%d Main St",
 "city": "Springfield", "state": "IL", "postal_code": "62701", "country": "US", "latitude": 39.8, "longitude": -89.6,
 "conference_url": "https://zoom.us/j/%d", "conference_phone": "+13125550100,,%d#", "attendance_option": "hybrid",
 "notes": "Ring the buzzer. Meeting is on the 2nd floor; enter through the side door.", "updated": "2024-05-31 14:32:23",
 "url": "https://intergroup.example.org/meetings/%d", "entity": "Springfield Intergroup", "entity_email": "office@intergroup.example.org"}`,
			i, i, i%7, (i+3)%7, i, i, i, i)
	}
	buf.WriteString("\n]\n")
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		f := Parse(data, types)
		if len(f.Problems) > 0 || len(f.Entries) != 10000 {
			b.Fatalf("%d entries, problems %v", len(f.Entries), f.Problems[:min(3, len(f.Problems))])
		}
	}
}
