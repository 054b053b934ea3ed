package geo_test

import (
	"math"
	"strings"
	"testing"

	"github.com/paulmach/orb"

	"trellis/internal/geo"
)

func TestDistance(t *testing.T) {
	tests := []struct {
		name string
		a, b orb.Point
		want float64 // meters
		tol  float64 // relative
	}{
		{
			// Published great-circle distance between the city halls:
			// 3,936 km (mean-radius sphere); orb's sphere is 0.1% larger.
			name: "New York City Hall to Los Angeles City Hall",
			a:    orb.Point{-74.0060, 40.7128}, b: orb.Point{-118.2437, 34.0522},
			want: 3936e3, tol: 0.005,
		},
		{
			// Union Station's front door to the Capitol's west front is
			// about 0.86 km (0.53 mi) as the crow flies.
			name: "DC Union Station to the US Capitol",
			a:    orb.Point{-77.0063, 38.8973}, b: orb.Point{-77.0091, 38.8899},
			want: 860, tol: 0.02,
		},
		{
			name: "one degree of longitude on the equator",
			a:    orb.Point{0, 0}, b: orb.Point{1, 0},
			want: orb.EarthRadius * math.Pi / 180, tol: 1e-9,
		},
		{
			name: "across the antimeridian",
			a:    orb.Point{179.5, 0}, b: orb.Point{-179.5, 0},
			want: orb.EarthRadius * math.Pi / 180, tol: 1e-9,
		},
		{
			name: "pole to pole",
			a:    orb.Point{0, 90}, b: orb.Point{0, -90},
			want: orb.EarthRadius * math.Pi, tol: 1e-9,
		},
		{
			name: "same point",
			a:    orb.Point{-77.03, 38.9}, b: orb.Point{-77.03, 38.9},
			want: 0, tol: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := geo.Distance(tt.a, tt.b)
			if math.Abs(got-tt.want) > tt.tol*tt.want {
				t.Errorf("Distance = %.1f m, want %.1f m within %.2f%%", got, tt.want, tt.tol*100)
			}
			if back := geo.Distance(tt.b, tt.a); math.Abs(back-got) > 1e-6 {
				t.Errorf("Distance is not symmetric: %.3f and %.3f", got, back)
			}
		})
	}
}

func TestParseDistance(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    float64
		wantErr string // substring of the error; "" means no error
	}{
		{name: "miles", in: "5mi", want: 5 * geo.MetersPerMile},
		{name: "miles with a space", in: "5 mi", want: 5 * geo.MetersPerMile},
		{name: "miles spelled out", in: "2.5 miles", want: 2.5 * geo.MetersPerMile},
		{name: "one mile", in: "1 mile", want: geo.MetersPerMile},
		{name: "kilometres", in: "8km", want: 8000},
		{name: "kilometres upper case and spaces", in: "  10 KM ", want: 10000},
		{name: "kilometres spelled out", in: "3 kilometres", want: 3000},
		{name: "meters", in: "1500m", want: 1500},
		{name: "fraction", in: "0.5mi", want: 0.5 * geo.MetersPerMile},
		{name: "largest allowed", in: "5000km", want: 5e6},
		{name: "empty", in: "", wantErr: "needs a unit"},
		{name: "bare number", in: "5", wantErr: "needs a unit"},
		{name: "unit only", in: "mi", wantErr: "not a number"},
		{name: "unknown unit", in: "5 furlongs", wantErr: `unknown unit "furlongs"`},
		{name: "trailing words", in: "5 mi 3", wantErr: "unknown unit"},
		{name: "negative", in: "-5mi", wantErr: "greater than zero"},
		{name: "zero", in: "0km", wantErr: "greater than zero"},
		{name: "too large", in: "5001km", wantErr: "too large"},
		{name: "not a number", in: "NaNmi", wantErr: "not a number"},
		{name: "infinite", in: "1e999mi", wantErr: "unknown unit"},
		{name: "two numbers", in: "5.5.5mi", wantErr: "not a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := geo.ParseDistance(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseDistance(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDistance(%q): %v", tt.in, err)
			}
			if math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("ParseDistance(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatDistance(t *testing.T) {
	tests := []struct {
		name   string
		meters float64
		unit   string
		want   string
	}{
		{name: "zero", meters: 0, unit: "mi", want: "0.0 mi"},
		{name: "under a mile", meters: 0.4 * geo.MetersPerMile, unit: "mi", want: "0.4 mi"},
		{name: "rounds to one decimal", meters: 1.26 * geo.MetersPerMile, unit: "mi", want: "1.3 mi"},
		{name: "just under ten", meters: 9.94 * geo.MetersPerMile, unit: "mi", want: "9.9 mi"},
		{name: "rounds up to ten", meters: 9.96 * geo.MetersPerMile, unit: "mi", want: "10 mi"},
		{name: "whole miles", meters: 12.4 * geo.MetersPerMile, unit: "mi", want: "12 mi"},
		{name: "whole miles rounded up", meters: 12.5 * geo.MetersPerMile, unit: "mi", want: "13 mi"},
		{name: "kilometres", meters: 1200, unit: "km", want: "1.2 km"},
		{name: "kilometres upper case", meters: 15400, unit: "KM", want: "15 km"},
		{name: "empty unit is miles", meters: geo.MetersPerMile, unit: "", want: "1.0 mi"},
		{name: "unknown unit is miles", meters: 2 * geo.MetersPerMile, unit: "furlongs", want: "2.0 mi"},
		{name: "negative", meters: -1, unit: "mi", want: ""},
		{name: "not a number", meters: math.NaN(), unit: "km", want: ""},
		{name: "infinite", meters: math.Inf(1), unit: "km", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.FormatDistance(tt.meters, tt.unit); got != tt.want {
				t.Errorf("FormatDistance(%v, %q) = %q, want %q", tt.meters, tt.unit, got, tt.want)
			}
		})
	}
}

func TestStateCodeAndName(t *testing.T) {
	tests := []struct {
		name, in, code, full string
		ok                   bool
	}{
		{name: "postal code", in: "MD", code: "MD", full: "Maryland", ok: true},
		{name: "lower case code", in: " va ", code: "VA", full: "Virginia", ok: true},
		{name: "full name", in: "District of Columbia", code: "DC", full: "District of Columbia", ok: true},
		{name: "full name any case", in: "new york", code: "NY", full: "New York", ok: true},
		{name: "territory", in: "PR", code: "PR", full: "Puerto Rico", ok: true},
		{name: "unknown code", in: "XX", ok: false},
		{name: "empty", in: "", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, ok := geo.StateCode(tt.in)
			if code != tt.code || ok != tt.ok {
				t.Fatalf("StateCode(%q) = %q, %v; want %q, %v", tt.in, code, ok, tt.code, tt.ok)
			}
			if !ok {
				if _, ok := geo.StateName(tt.in); ok {
					t.Errorf("StateName(%q) found a state", tt.in)
				}
				return
			}
			if full, ok := geo.StateName(code); !ok || full != tt.full {
				t.Errorf("StateName(%q) = %q, %v; want %q", code, full, ok, tt.full)
			}
		})
	}
}
