package app

import (
	"testing"

	"trellis/internal/geo"
)

func TestParseWithin(t *testing.T) {
	tests := []struct {
		in     string
		ok     bool
		lat    float64
		meters float64
	}{
		{"41.88,-87.63,20km", true, 41.88, 20000},
		{" 38.9 , -77.03 , 2 mi", true, 38.9, 2 * geo.MetersPerMile},
		{"41.88,-87.63", false, 0, 0},
		{"41.88,-87.63,20", false, 0, 0},
		{"91,-87.63,20km", false, 0, 0},
		{"north,-87.63,20km", false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := parseWithin(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok %v", err, tt.ok)
			}
			if tt.ok && (r.center.Lat() != tt.lat || r.meters != tt.meters) {
				t.Errorf("got %+v", r)
			}
		})
	}
}
