package listings

import (
	"testing"
	"time"

	"trellis/internal/directory"
)

func TestParseDays(t *testing.T) {
	d := func(days ...time.Weekday) directory.DaySet {
		var s directory.DaySet
		for _, x := range days {
			s |= 1 << x
		}
		return s
	}
	tests := []struct {
		name    string
		in      string
		want    directory.DaySet
		wantErr bool
	}{
		{name: "range", in: "mon-fri", want: directory.Weekdays},
		{name: "list", in: "sat, sun", want: directory.Weekends},
		{name: "everyday", in: "everyday", want: directory.Everyday},
		{name: "weekdays", in: "weekdays", want: directory.Weekdays},
		{name: "weekends", in: "weekends", want: directory.Weekends},
		{name: "single", in: "wed", want: d(time.Wednesday)},
		{name: "wrapping range", in: "fri-mon", want: d(time.Friday, time.Saturday, time.Sunday, time.Monday)},
		{name: "mixed", in: "mon, wed-thu ,sat", want: d(time.Monday, time.Wednesday, time.Thursday, time.Saturday)},
		{name: "spaces in range", in: "mon - wed", want: d(time.Monday, time.Tuesday, time.Wednesday)},
		{name: "full name", in: "monday", wantErr: true},
		{name: "upper case", in: "Mon", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "empty item", in: "mon,,tue", wantErr: true},
		{name: "open range", in: "mon-", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseDays(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && directory.DaySet(got) != tc.want) {
				t.Errorf("parseDays(%q) = %07b, %v; want %07b, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		allow24 bool
		want    int
		wantErr bool
	}{
		{name: "morning", in: "07:30", want: 450},
		{name: "midnight", in: "00:00", want: 0},
		{name: "last minute", in: "23:59", want: 1439},
		{name: "end of day as close", in: "24:00", allow24: true, want: 1440},
		{name: "end of day as open", in: "24:00", wantErr: true},
		{name: "past 24", in: "24:30", allow24: true, wantErr: true},
		{name: "one digit hour", in: "9:00", wantErr: true},
		{name: "seconds", in: "09:00:00", wantErr: true},
		{name: "am pm", in: "9am", wantErr: true},
		{name: "minute 60", in: "10:60", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseClock(tc.in, tc.allow24)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseClock(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestParseSmallValues(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(string) (string, error)
		in      string
		want    string
		wantErr bool
	}{
		{name: "language", fn: parseLanguage, in: "es", want: "es"},
		{name: "language canonical case", fn: parseLanguage, in: "zh-hant", want: "zh-Hant"},
		{name: "language with region", fn: parseLanguage, in: "es-419", want: "es-419"},
		{name: "three-letter language", fn: parseLanguage, in: "amh", want: "am"},
		{name: "language name", fn: parseLanguage, in: "Spanish", wantErr: true},
		{name: "undetermined language", fn: parseLanguage, in: "und", wantErr: true},
		{name: "stale days", fn: staleString, in: "365d", want: "8760h0m0s"},
		{name: "stale weeks", fn: staleString, in: "26w", want: "4368h0m0s"},
		{name: "stale zero", fn: staleString, in: "0d", wantErr: true},
		{name: "stale years", fn: staleString, in: "1y", wantErr: true},
		{name: "url", fn: errOnly(checkURL), in: "https://example.org/a?b=c"},
		{name: "url without scheme", fn: errOnly(checkURL), in: "www.example.org", wantErr: true},
		{name: "url with space", fn: errOnly(checkURL), in: "https://example.org/a b", wantErr: true},
		{name: "mailto url", fn: errOnly(checkURL), in: "mailto:a@example.org", wantErr: true},
		{name: "email", fn: errOnly(checkEmail), in: "a.b+c@example.org"},
		{name: "email with name", fn: errOnly(checkEmail), in: "A <a@example.org>", wantErr: true},
		{name: "phone", fn: errOnly(CheckPhone), in: "+1 (202) 555-0100"},
		{name: "short code", fn: errOnly(CheckPhone), in: "988"},
		{name: "phone with ext", fn: errOnly(CheckPhone), in: "202-555-0100 x12", wantErr: true},
		{name: "state", fn: errOnly(checkState), in: "PR"},
		{name: "lowercase state", fn: errOnly(checkState), in: "pr", wantErr: true},
		{name: "slug", fn: errOnly(checkSlug), in: "a-1-b"},
		{name: "slug double hyphen", fn: errOnly(checkSlug), in: "a--b", wantErr: true},
		{name: "slug with dot", fn: errOnly(checkSlug), in: "a.b", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.fn(tc.in)
			if (err != nil) != tc.wantErr || (!tc.wantErr && got != tc.want) {
				t.Errorf("(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func staleString(s string) (string, error) {
	d, err := parseStaleAfter(s)
	return d.String(), err
}

func errOnly(fn func(string) error) func(string) (string, error) {
	return func(s string) (string, error) { return "", fn(s) }
}

func TestLoadZoneCaches(t *testing.T) {
	a, err := loadZone("America/Chicago")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := loadZone("America/Chicago")
	if a != b {
		t.Error("second load returned a different *time.Location")
	}
	if _, err := loadZone("America/Nowhere"); err == nil {
		t.Error("unknown zone accepted")
	}
	if _, err := loadZone("America/Nowhere"); err == nil {
		t.Error("unknown zone accepted from the cache")
	}
}
