package chart

import (
	"encoding/xml"
	"math"
	"os"
	"strings"
	"testing"
)

func TestBarsSVG(t *testing.T) {
	tests := []struct {
		name string
		b    Bars
		want []string
	}{
		{
			name: "stacked weeks",
			b: Bars{Title: "Referrals by week", Desc: "Stacked bars.", Categories: []string{"Nov 2", "Nov 9", "Nov 16"},
				Series: []Series{{"Sent", []float64{5, 0, 7}}, {"Accepted", []float64{6, math.NaN(), 8}}}, Stacked: true, Integers: true, ValueLabel: "referrals"},
			want: []string{"Nov 16", "Sent", "Accepted", "referrals", `fill="#0072B2"`, `fill="#D55E00"`},
		},
		{
			name: "agencies lying down",
			b: Bars{Title: "Hours to answer", Desc: "Median and 90th percentile.", Categories: []string{"Harbor <House> & Co", "North"},
				Series: []Series{{"Median", []float64{2, 4}}, {"90th percentile", []float64{10, 12}}}, Horizontal: true, ValueLabel: "hours"},
			want: []string{"Harbor &lt;House&gt; &amp; Co", "90th percentile", "hours"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svg, err := tt.b.SVG("c1")
			if err != nil {
				t.Fatal(err)
			}
			s := string(svg)
			if dir := os.Getenv("TRELLIS_CHART_DIR"); dir != "" {
				os.WriteFile(dir+"/"+strings.ReplaceAll(tt.name, " ", "-")+".svg", svg2doc(s), 0o644)
			}
			if !strings.HasPrefix(s, `<svg class="chart" id="c1" role="img" aria-labelledby="c1-title c1-desc"`) {
				t.Errorf("opening: %.200s", s)
			}
			for _, bad := range []string{" style=", "\tstyle=", "<style", "<?xml", "<script"} {
				if strings.Contains(s, bad) {
					t.Errorf("the SVG holds %q, which the pages' CSP refuses", bad)
				}
			}
			for _, w := range append(tt.want, "<title id=\"c1-title\">"+tt.b.Title+"</title>", "<desc id=\"c1-desc\">"+tt.b.Desc+"</desc>") {
				if !strings.Contains(s, w) {
					t.Errorf("the SVG lacks %q", w)
				}
			}
			// It is well-formed XML.
			d := xml.NewDecoder(strings.NewReader(s))
			for {
				if _, err := d.Token(); err != nil {
					if err.Error() != "EOF" {
						t.Errorf("not well-formed: %v", err)
					}
					break
				}
			}
		})
	}
}

func svg2doc(s string) []byte {
	return []byte(strings.Replace(s, "<svg ", `<svg xmlns:t="x" width="800" `, 1))
}

func TestBarsRefuse(t *testing.T) {
	if _, err := (Bars{Categories: []string{"a"}}).SVG("x"); err == nil {
		t.Error("a chart without series was drawn")
	}
	if _, err := (Bars{Categories: []string{"a", "b"}, Series: []Series{{"s", []float64{1}}}}).SVG("x"); err == nil {
		t.Error("a series short of values was drawn")
	}
}
