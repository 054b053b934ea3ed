package httpapi

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"trellis/internal/apperr"
	"trellis/internal/geo"
)

// params reads a request's query parameters strictly: an unknown name, a
// repeated single-valued name or a malformed value is a 400 naming the
// parameter. Readers record the first problem; check returns it.
type params struct {
	v   url.Values
	err *apperr.Error
}

// newParams returns the query parameters of c, or an Invalid error naming
// the first parameter not in allowed.
func newParams(c echo.Context, allowed ...string) (*params, error) {
	v := c.QueryParams()
	ok := make(map[string]bool, len(allowed))
	for _, a := range allowed {
		ok[a] = true
	}
	var unknown []string
	for k := range v {
		if !ok[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		sort.Strings(allowed)
		return nil, apperr.Field(unknown[0], "unknown parameter %q; this endpoint takes: %s", unknown[0], strings.Join(allowed, ", "))
	}
	return &params{v: v}, nil
}

func (p *params) fail(name, format string, args ...any) {
	if p.err == nil {
		p.err = apperr.Field(name, format, args...)
	}
}

// check returns the first problem found, or nil.
func (p *params) check() error {
	if p.err != nil {
		return p.err
	}
	return nil
}

// str returns a single-valued parameter, trimmed; "" when absent.
func (p *params) str(name string) string {
	vs := p.v[name]
	if len(vs) > 1 {
		p.fail(name, "parameter %q given %d times; give it once", name, len(vs))
	}
	if len(vs) == 0 {
		return ""
	}
	return strings.TrimSpace(vs[0])
}

// has reports whether a parameter is present.
func (p *params) has(name string) bool { return len(p.v[name]) > 0 }

// list returns a multi-valued parameter, given repeated or comma-separated,
// trimmed and without empty items.
func (p *params) list(name string) []string {
	var out []string
	for _, v := range p.v[name] {
		for _, item := range strings.Split(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				out = append(out, item)
			}
		}
	}
	return out
}

// boolean reads true/false (also 1/0, yes/no); absent is false.
func (p *params) boolean(name string) bool {
	b := p.optBool(name)
	return b != nil && *b
}

// optBool reads a boolean that may be absent (nil).
func (p *params) optBool(name string) *bool {
	s := strings.ToLower(p.str(name))
	var b bool
	switch s {
	case "":
		return nil
	case "true", "1", "yes", "on":
		b = true
	case "false", "0", "no", "off":
		b = false
	default:
		p.fail(name, "%s must be true or false, not %q", name, s)
		return nil
	}
	return &b
}

// intIn reads an integer in [min, max]; absent is def.
func (p *params) intIn(name string, min, max, def int) int {
	v := p.optInt(name, min, max)
	if v == nil {
		return def
	}
	return *v
}

// optInt reads an integer in [min, max] that may be absent (nil).
func (p *params) optInt(name string, min, max int) *int {
	s := p.str(name)
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fail(name, "%s must be a whole number, not %q", name, s)
		return nil
	}
	if n < min || n > max {
		p.fail(name, "%s must be between %d and %d, not %d", name, min, max, n)
		return nil
	}
	return &n
}

// oneOf reads a value from a fixed set; absent is "".
func (p *params) oneOf(name string, allowed ...string) string {
	s := strings.ToLower(p.str(name))
	if s == "" {
		return ""
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	p.fail(name, "%s must be one of %s, not %q", name, strings.Join(allowed, ", "), s)
	return ""
}

// place resolves the person's place from near= (a ZIP code or "lat,lon")
// or from lat= and lon= together; nil when none is given.
func (p *params) place(g *geo.Gazetteer) *geo.Place {
	near := p.str("near")
	lat, lon := p.str("lat"), p.str("lon")
	switch {
	case near != "" && (lat != "" || lon != ""):
		p.fail("near", "give either near or lat and lon, not both")
		return nil
	case near != "":
		pl, err := g.ParsePlace(near)
		if err != nil {
			p.fail("near", "%s", err.Error())
			return nil
		}
		return &pl
	case lat != "" || lon != "":
		if lat == "" || lon == "" {
			name := "lat"
			if lat != "" {
				name = "lon"
			}
			p.fail(name, "lat and lon go together: %s is missing", name)
			return nil
		}
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(lon, 64)
		switch {
		case err1 != nil || la < -90 || la > 90 || la != la:
			p.fail("lat", "lat must be a number from -90 to 90, not %q", lat)
			return nil
		case err2 != nil || lo < -180 || lo > 180 || lo != lo:
			p.fail("lon", "lon must be a number from -180 to 180, not %q", lon)
			return nil
		}
		pl, err := g.ParsePlace(fmt.Sprintf("%v,%v", la, lo))
		if err != nil {
			p.fail("lat", "%s", err.Error())
			return nil
		}
		return &pl
	}
	return nil
}

// distance reads a distance with its unit ("5mi", "8km"); 0 when absent.
func (p *params) distance(name string) float64 {
	s := p.str(name)
	if s == "" {
		return 0
	}
	m, err := geo.ParseDistance(s)
	if err != nil {
		p.fail(name, "%s", err.Error())
		return 0
	}
	return m
}

// instant reads a time: RFC 3339 ("2026-11-22T19:00:00-05:00") or a local
// date and time without zone ("2026-11-22T19:00"), read in loc.
func (p *params) instant(name string, loc *time.Location) *time.Time {
	s := p.str(name)
	if s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return &t
		}
	}
	p.fail(name, "%s must be a date and time like 2026-11-22T19:00 (directory time) or RFC 3339, not %q", name, s)
	return nil
}
