// Package chart draws the reports' bar charts on the server, as SVG
// through gonum.org/v1/plot's SVG backend, ready to put inline in a page:
// no script, no style attribute or element (the pages' Content Security
// Policy allows neither), a title and description for screen readers, and
// colours that people with the common colour blindnesses can tell apart.
// The numbers are always in a table beside the chart too.
package chart

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Palette is Okabe and Ito's colour-blind safe palette, darkest first so
// that the first series stand out against a white page.
var Palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xFF}, // blue
	color.RGBA{0xD5, 0x5E, 0x00, 0xFF}, // vermillion
	color.RGBA{0x00, 0x9E, 0x73, 0xFF}, // bluish green
	color.RGBA{0xCC, 0x79, 0xA7, 0xFF}, // reddish purple
	color.RGBA{0xE6, 0x9F, 0x00, 0xFF}, // orange
	color.RGBA{0x56, 0xB4, 0xE9, 0xFF}, // sky blue
	color.RGBA{0x66, 0x66, 0x66, 0xFF}, // grey
	color.RGBA{0xF0, 0xE4, 0x42, 0xFF}, // yellow
}

// Series is one set of bars: a value per category; NaN for a value that
// is hidden (small-cell suppression), drawn as nothing.
type Series struct {
	Name   string
	Values []float64
}

// Bars is a bar chart: a bar per category for each series, stacked or
// side by side, upright or lying down.
type Bars struct {
	// Title names the chart for screen readers (the SVG's title); the
	// page's heading shows it to everyone.
	Title string
	// Desc says in words what the chart shows (the SVG's desc).
	Desc       string
	Categories []string
	Series     []Series
	// Stacked piles the series on each other; otherwise they stand side
	// by side.
	Stacked bool
	// Horizontal lays the bars down, categories down the side: for long
	// names such as agencies.
	Horizontal bool
	// ValueLabel names the value axis ("referrals", "hours").
	ValueLabel string
	// Integers keeps the value axis to whole numbers (counts).
	Integers bool
}

// SVG draws the chart as an inline SVG element whose title and desc have
// ids starting with id. It returns an error when the chart has no
// categories or series, or a series has a value per category missing, or
// drawing fails.
func (b Bars) SVG(id string) (template.HTML, error) {
	if len(b.Categories) == 0 || len(b.Series) == 0 {
		return "", fmt.Errorf("chart %s: nothing to draw", id)
	}
	for _, s := range b.Series {
		if len(s.Values) != len(b.Categories) {
			return "", fmt.Errorf("chart %s: series %q has %d values for %d categories", id, s.Name, len(s.Values), len(b.Categories))
		}
	}
	p := plot.New()
	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	for _, st := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font,
		&p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		size := st.Size
		*st = sans
		st.Size = size
	}
	p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = vg.Points(11), vg.Points(11)
	p.Legend.TextStyle.Font.Size = vg.Points(11)
	p.BackgroundColor = color.White

	n := len(b.Categories)
	barW := vg.Points(22)
	if !b.Stacked && len(b.Series) > 1 {
		barW = vg.Points(12)
	}
	value := &p.Y
	if b.Horizontal {
		value = &p.X
	}
	var below *plotter.BarChart
	legend := plot.NewLegend()
	legend.TextStyle = p.Legend.TextStyle
	legend.Top, legend.Left = true, true
	legend.Padding = vg.Points(4)
	maxV := 0.0
	sums := make([]float64, n)
	for i, s := range b.Series {
		vs := make(plotter.Values, n)
		for j, v := range s.Values {
			if math.IsNaN(v) || v < 0 {
				v = 0
			}
			if b.Horizontal {
				// Top to bottom in the order given.
				j = n - 1 - j
			}
			vs[j] = v
			sums[j] += v
			maxV = math.Max(maxV, v)
		}
		bc, err := plotter.NewBarChart(vs, barW)
		if err != nil {
			return "", fmt.Errorf("chart %s: %w", id, err)
		}
		bc.Color = Palette[i%len(Palette)]
		bc.LineStyle.Width = 0
		bc.Horizontal = b.Horizontal
		if b.Stacked {
			if below != nil {
				bc.StackOn(below)
			}
			below = bc
		} else if len(b.Series) > 1 {
			off := float64(i) - float64(len(b.Series)-1)/2
			if b.Horizontal {
				// The first series on top, as in the legend.
				off = -off
			}
			bc.Offset = vg.Length(off) * barW
		}
		p.Add(bc)
		legend.Add(s.Name, bc)
	}
	if b.Stacked {
		for _, s := range sums {
			maxV = math.Max(maxV, s)
		}
	}
	value.Min = 0
	if maxV == 0 {
		maxV = 1
	}
	value.Max = maxV * 1.05
	value.Label.Text = b.ValueLabel
	if b.Integers {
		value.Tick.Marker = integerTicks{}
	}
	if b.Horizontal {
		// Top to bottom in the order given.
		names := make([]string, n)
		for i, c := range b.Categories {
			names[n-1-i] = c
		}
		p.NominalY(names...)
		// Half a category of room at each end, so no bar is cut.
		p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	} else {
		p.NominalX(b.Categories...)
		p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	}
	grid := plotter.NewGrid()
	if b.Horizontal {
		grid.Horizontal.Color = nil
	} else {
		grid.Vertical.Color = nil
	}
	p.Add(grid)

	// Size: room for every category, and a column for the legend.
	legendW := vg.Points(0)
	if len(b.Series) > 1 {
		longest := 0
		for _, s := range b.Series {
			longest = max(longest, len([]rune(s.Name)))
		}
		legendW = vg.Points(float64(30 + 6*longest))
	}
	var w, h vg.Length
	if b.Horizontal {
		longest := 0
		for _, c := range b.Categories {
			longest = max(longest, len([]rune(c)))
		}
		w = vg.Points(float64(min(720, 320+6*longest))) + legendW
		h = vg.Points(float64(60 + n*max(26, len(b.Series)*14+8)))
	} else {
		w = vg.Points(float64(max(360, 90+n*40))) + legendW
		h = vg.Points(300)
		if n > 6 {
			p.X.Tick.Label.Rotation = math.Pi / 4
			p.X.Tick.Label.XAlign = draw.XRight
			p.X.Tick.Label.YAlign = draw.YCenter
			h += vg.Points(30)
		}
	}
	c := vgsvg.NewWith(vgsvg.UseWH(w, h), vgsvg.EmbedFonts(false))
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, -legendW, 0, 0))
	if legendW > 0 {
		legend.Draw(draw.Crop(dc, w-legendW+vg.Points(8), 0, 0, -vg.Points(10)))
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("chart %s: %w", id, err)
	}
	return inline(buf.String(), id, b.Title, b.Desc)
}

// integerTicks marks whole numbers only: counts have no halves.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value != math.Trunc(t.Value) {
			continue
		}
		if t.Label != "" {
			t.Label = strconv.FormatFloat(t.Value, 'f', 0, 64)
		}
		out = append(out, t)
	}
	return out
}

var (
	prolog    = regexp.MustCompile(`(?s)^<\?xml[^>]*\?>\s*(<!--.*?-->\s*)?`)
	svgOpen   = regexp.MustCompile(`(?s)^<svg width="[^"]*" height="[^"]*" (viewBox="[^"]*")`)
	styleAttr = regexp.MustCompile(`style="([^"]*)"`)
	// The properties vgsvg writes, all of them SVG presentation
	// attributes too.
	presentation = map[string]bool{"fill": true, "stroke": true, "stroke-width": true, "stroke-dasharray": true,
		"stroke-dashoffset": true, "stroke-linecap": true, "stroke-linejoin": true, "fill-opacity": true,
		"stroke-opacity": true, "opacity": true, "font-family": true, "font-variant": true, "font-weight": true,
		"font-style": true, "font-size": true}
)

// inline turns vgsvg's document into an element for a page: no prolog,
// style attributes turned into presentation attributes (which a strict
// Content Security Policy allows), sized by its viewBox, named for
// screen readers.
func inline(doc, id, title, desc string) (template.HTML, error) {
	s := prolog.ReplaceAllString(doc, "")
	if !svgOpen.MatchString(s) {
		return "", fmt.Errorf("chart %s: unexpected SVG from the plotting library", id)
	}
	tid, did := id+"-title", id+"-desc"
	s = svgOpen.ReplaceAllString(s, `<svg class="chart" id="`+html.EscapeString(id)+`" role="img" aria-labelledby="`+
		html.EscapeString(tid)+` `+html.EscapeString(did)+`" preserveAspectRatio="xMinYMin meet" $1`)
	var bad error
	s = styleAttr.ReplaceAllStringFunc(s, func(m string) string {
		decls := styleAttr.FindStringSubmatch(m)[1]
		var out []string
		for _, d := range strings.Split(decls, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(d), ":")
			if !ok {
				continue
			}
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !presentation[k] {
				bad = fmt.Errorf("chart %s: style property %q has no attribute", id, k)
				continue
			}
			if k == "font-family" {
				v = v + ", Arial, Helvetica, sans-serif"
			}
			out = append(out, k+`="`+html.EscapeString(v)+`"`)
		}
		return strings.Join(out, " ")
	})
	if bad != nil {
		return "", bad
	}
	// The title and description come first inside the element.
	i := strings.Index(s, ">")
	s = s[:i+1] + "\n<title id=\"" + html.EscapeString(tid) + "\">" + html.EscapeString(title) + "</title>" +
		"<desc id=\"" + html.EscapeString(did) + "\">" + html.EscapeString(desc) + "</desc>" + s[i+1:]
	return template.HTML(s), nil
}
