package listings

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// errorCase is one fixture file and every error expected in it, each as
// "line:col: message".
type errorCase struct {
	name string
	file string
	want []string
}

// checkErrorCases loads the fixture tree dir once and compares the errors of
// each file with its case. Any file with errors but no case fails the test,
// so every error the tree produces is asserted.
func checkErrorCases(t *testing.T, dir string, cases []errorCase) {
	t.Helper()
	checkErrorCasesFS(t, os.DirFS(dir), dir, cases)
}

// checkErrorCasesFS is checkErrorCases for the fixture tree fsys, named
// dir in messages.
func checkErrorCasesFS(t *testing.T, fsys fs.FS, dir string, cases []errorCase) {
	t.Helper()
	cat, errs, err := Load(fsys, Options{Now: testNow, Places: testPlaces})
	if err != nil {
		t.Fatalf("Load(%s): %v", dir, err)
	}
	if cat != nil {
		t.Errorf("Load(%s) returned a catalog despite %d errors", dir, len(errs))
	}
	if !slices.IsSortedFunc(errs, func(a, b Error) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	}) {
		t.Error("errors are not sorted by path, line and column")
	}
	got := map[string][]string{}
	for _, e := range errs {
		got[e.Path] = append(got[e.Path], strings.TrimPrefix(e.Error(), e.Path+":"))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !reflect.DeepEqual(got[tc.file], tc.want) {
				t.Errorf("errors in %s:\n got: %s\nwant: %s", tc.file,
					strings.Join(got[tc.file], "\n      "), strings.Join(tc.want, "\n      "))
			}
		})
		delete(got, tc.file)
	}
	for file, es := range got {
		t.Errorf("errors in %s have no case: %q", file, es)
	}
}

// TestBrokenListings loads testdata/broken, a tree with one file per kind
// of mistake (and multi.yaml with many), in one run.
func TestBrokenListings(t *testing.T) {
	checkErrorCases(t, "testdata/broken", []errorCase{
		{
			name: "address",
			file: "listings/address.yaml",
			want: []string{
				`5:58: state "Md" must be upper case: "MD"`,
				`5:67: "2085" is not a ZIP code: write 5 digits or ZIP+4, e.g. 20001 or 20001-1234`,
				`7:56: "XX" is not a US state code: write the two-letter postal code, e.g. DC or MD`,
				`7:65: "20850-12" is not a ZIP code: write 5 digits or ZIP+4, e.g. 20001 or 20001-1234`,
				`9:70: unknown county "Montgomery County": no county of that name in MD`,
			},
		},
		{
			name: "age",
			file: "listings/age.yaml",
			want: []string{
				"7:24: an age range needs min, max or both",
				"11:39: age max 20 is below min 30",
				"15:30: age -1 is out of range: ages are whole years from 0 to 130",
				"15:39: age 200 is out of range: ages are whole years from 0 to 130",
			},
		},
		{
			name: "area",
			file: "listings/area.yaml",
			want: []string{
				`11:28: radius: distance "5" needs a unit: mi or km`,
				`16:15: a radius is measured from the service's locations, but the service lists none in "at"`,
				`17:18: county "Montgomery" needs its state: write "Name, ST", e.g. "Montgomery, MD"`,
				`17:30: unknown county "Montgomry, MD": no county of that name in MD`,
				`17:47: county ", MD" has no name: write "Name, ST", e.g. "Montgomery, MD"`,
				`17:55: county "Fairfax, VX": "VX" is not a US state code: write the two-letter postal code, e.g. DC or MD`,
				`17:88: "Montgomery, MD" is listed twice`,
				`18:14: "2000" is not a 5-digit ZIP code`,
				`18:22: "20001-1234" is not a 5-digit ZIP code`,
				`19:16: "ZZ" is not a US state code: write the two-letter postal code, e.g. DC or MD`,
				`19:20: state "dc" must be upper case: "DC"`,
				`23:29: polygon file "areas/nowhere.geojson" does not exist (paths are relative to the data directory)`,
				`27:29: polygon "../secrets.geojson" must be a path relative to the data directory, with forward slashes and no ".." parts`,
				`31:29: polygon file "areas/point.geojson" holds GeoJSON type "Point": use a Polygon, MultiPolygon, Feature or FeatureCollection`,
				`35:29: polygon file "areas/open-ring.geojson" has a ring that is not closed: a ring needs at least 4 positions, the last equal to the first`,
				`39:29: polygon file "areas/line.geojson" holds a LineString: only polygons and multipolygons describe an area`,
			},
		},
		{
			name: "bad-scalar",
			file: "listings/bad-scalar.yaml",
			want: []string{
				`5:68: "zip" must be a string: put it in quotes, "20001"`,
				`6:18: "lat" must be a number, not "north"`,
				`6:30: "lon" must be a finite number, not .inf`,
				`7:19: "confidential" must be true or false, not "yes"`,
				`8:17: "wheelchair" must be true or false, not the number 1`,
				`14:18: "min" must be a whole number, not the number 18.5`,
				`14:29: "max" must be a whole number, not "eighty"`,
				`15:17: "description" has no value: give one or remove the key`,
			},
		},
		{
			name: "categories",
			file: "listings/categories.yaml",
			want: []string{
				`6:18: unknown category "housing.emergency-shelters"; did you mean "housing.emergency-shelter"? (categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter)`,
				`6:46: unknown category "food.soup" (categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter)`,
				`6:57: unknown category "transport" (categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter)`,
			},
		},
		{
			name: "confidential",
			file: "listings/confidential.yaml",
			want: []string{
				`12:5: service "shelter" is delivered only at confidential locations, whose address is never shown, and lists no phone: add a phone to the service, its location or the organization`,
			},
		},
		{
			name: "contact",
			file: "listings/contact.yaml",
			want: []string{
				`3:10: "example.org" is not a web address: write an absolute http(s) URL, e.g. https://example.org/`,
				`4:8: "Intake <intake@example.org>" is not an email address: write e.g. intake@example.org`,
				`5:19: "call us" is not a phone number: use digits, spaces and ( ) - . only; put an extension in "ext"`,
				`5:40: "12" is not a phone number: it needs at least 3 digits`,
				`10:10: "ftp://example.org/file" is not a web address: write an absolute http(s) URL, e.g. https://example.org/`,
				`11:12: "not an email" is not an email address: write e.g. intake@example.org`,
				`15:24: "intake at example.org" is not an email address: write e.g. intake@example.org`,
				`15:54: "call us" is not a phone number: use digits, spaces and ( ) - . only; put an extension in "ext"`,
				`19:16: "referrals" needs an email address Trellis can send referrals to, a phone number, or both`,
			},
		},
		{
			name: "dangling-at",
			file: "listings/dangling-at.yaml",
			want: []string{
				`10:10: "at" names location "mian", which is not in this file; did you mean "main"? (locations: main, annex)`,
				`10:16: "at" names location "basement", which is not in this file (locations: main, annex)`,
			},
		},
		{
			name: "dates",
			file: "listings/dates.yaml",
			want: []string{
				`7:20: "2025-02-30" is not a real date`,
				`11:20: "2025/01/01" is not a date: write YYYY-MM-DD, e.g. 2024-03-01`,
				"15:20: last_verified 2025-06-02 is in the future (today is 2025-06-01)",
				"18:34: closure ends (2025-07-01) before it starts (2025-07-04)",
				`19:18: "July 4" is not a date: write YYYY-MM-DD, e.g. 2024-03-01`,
			},
		},
		{
			name: "duplicate ids",
			file: "listings/dup-ids.yaml",
			want: []string{
				`1:5: duplicate organization id "dup-ids" (first in listings/dup/dup-ids.yaml:1)`,
				`5:9: duplicate location id "main" (first at line 4)`,
				`9:24: "food" is listed twice (first at line 9)`,
				`10:16: "main" is listed twice (first at line 10)`,
				`11:9: duplicate service id "svc" (first at line 7)`,
			},
		},
		{
			name: "duplicate-key",
			file: "listings/duplicate-key.yaml",
			want: []string{
				`3:1: duplicate key "name" (first at line 2)`,
				`8:5: duplicate key "categories" (first at line 7)`,
			},
		},
		{
			name: "empty",
			file: "listings/empty.yaml",
			want: []string{
				"1:1: the file is empty",
			},
		},
		{
			name: "enums",
			file: "listings/enums.yaml",
			want: []string{
				`3:41: unknown phone type "cell" (allowed: voice, fax, text, tty, hotline)`,
				`9:17: unknown gender "woman" (allowed: female, male, nonbinary)`,
				`10:21: unknown population "veteran"; did you mean "veterans"? (allowed: veterans, families, pregnant, youth, seniors, lgbtq, justice-involved, moud, disability, dv-survivors, immigrants, homeless)`,
				`11:22: unknown population "youths"; did you mean "youth"? (allowed: veterans, families, pregnant, youth, seniors, lgbtq, justice-involved, moud, disability, dv-survivors, immigrants, homeless)`,
				`12:27: unknown insurance "mediciad"; did you mean "medicaid"? (allowed: medicaid, medicare, private, tricare, va, none)`,
				`13:13: unknown way to apply "walkin"; did you mean "walk-in"? (allowed: walk-in, call, referral, appointment, online)`,
				`14:13: unknown status "closed" (allowed: active, inactive, defunct, temporarily closed)`,
				`15:11: unknown cost "sliding scale"; did you mean "sliding-scale"? (allowed: free, sliding-scale, fee)`,
			},
		},
		{
			name: "hours",
			file: "listings/hours.yaml",
			want: []string{
				"8:20: always_open cannot be combined with weekly hours: remove one",
				`10:33: "25:00" is not a time of day`,
				`10:49: "7pm" is not a time: write HH:MM on a 24-hour clock, e.g. 09:00 or 17:30`,
				`11:18: "monday-friday" is not a day or range of days: use mon tue wed thu fri sat sun, ranges like mon-fri, or everyday, weekdays, weekends`,
				`11:39: "24:00" can only close a day: open at 00:00`,
				`12:18: "sunday" is not a day or range of days: use mon tue wed thu fri sat sun, ranges like mon-fri, or everyday, weekdays, weekends`,
				`12:39: "9:00" is not a time: write HH:MM on a 24-hour clock, e.g. 09:00 or 17:30`,
				`12:54: "12:60" is not a time of day`,
				"13:50: open and close are both 10:00: for the whole day write open 00:00, close 24:00",
				`14:22: "13-01" is not a month and day: write MM-DD, e.g. 06-01`,
				`14:33: "02-30" is not a month and day: write MM-DD, e.g. 06-01`,
			},
		},
		{
			name: "languages",
			file: "listings/languages.yaml",
			want: []string{
				`7:17: "english" is not a BCP 47 language code: write e.g. en, es, am or zh-Hant`,
				`7:30: "EN" is listed twice (first at line 7)`,
				`7:34: "" is not a BCP 47 language code: write e.g. en, es, am or zh-Hant`,
				`7:38: "zz-QQ-12345678-x" is not a BCP 47 language code: write e.g. en, es, am or zh-Hant`,
			},
		},
		{
			name: "multi",
			file: "listings/multi.yaml",
			want: []string{
				`4:1: unknown key "webiste" in an organization; did you mean "website"? (allowed: id, name, alternate_name, description, website, email, phones, referrals, source, locations, services)`,
				`7:68: "2000" is not a ZIP code: write 5 digits or ZIP+4, e.g. 20001 or 20001-1234`,
				"8:18: latitude 95 is out of range: it must be between -90 and 90",
				`11:49: "17:70" is not a time of day`,
				`15:5: duplicate key "name" (first at line 14)`,
				`16:18: unknown category "fod"; did you mean "food"? (categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter)`,
				`17:10: "at" names location "mian", which is not in this file; did you mean "main"? (locations: main)`,
				`18:11: unknown cost "gratis" (allowed: free, sliding-scale, fee)`,
				"19:20: last_verified 2031-01-01 is in the future (today is 2025-06-01)",
				`20:37: "female" is listed twice (first at line 20)`,
				`21:9: duplicate service id "svc" (first at line 13)`,
				`22:11: "name" must be a string, not a list`,
			},
		},
		{
			name: "no-locations",
			file: "listings/no-locations.yaml",
			want: []string{
				`7:10: "at" names location "main", but this file has no locations`,
			},
		},
		{
			name: "point",
			file: "listings/point.yaml",
			want: []string{
				"5:18: latitude 91 is out of range: it must be between -90 and 90",
				"5:27: longitude -181 is out of range: it must be between -180 and 180",
			},
		},
		{
			name: "required",
			file: "listings/required.yaml",
			want: []string{
				`1:1: missing required key "name"`,
				`3:5: missing required key "categories": a service is in at least one category`,
				`3:5: missing required key "id"`,
				`3:5: missing required key "name"`,
				`5:11: "name" must not be empty`,
				`6:5: "categories" must list at least one category`,
				`9:11: missing required key "close"`,
				`12:14: missing required key "city"`,
				`13:12: missing required key "lon"`,
				`14:13: missing required key "id"`,
				`16:5: missing required key "number"`,
			},
		},
		{
			name: "slugs",
			file: "listings/slugs.yaml",
			want: []string{
				`1:5: "Bad Slug" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "bad-slug"`,
				`4:9: "Main_1" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "main-1"`,
				`6:9: "svc-" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "svc"`,
			},
		},
		{
			name: "syntax",
			file: "listings/syntax.yaml",
			want: []string{
				"5:1: YAML syntax: found unexpected end of stream",
			},
		},
		{
			name: "timezone",
			file: "listings/timezone.yaml",
			want: []string{
				`5:16: "Eastern" is not an IANA time zone: write e.g. America/New_York`,
				`7:16: "Local" is not an IANA time zone: write e.g. America/New_York`,
			},
		},
		{
			name: "two-docs",
			file: "listings/two-docs.yaml",
			want: []string{
				"4:1: the file holds more than one YAML document (a line of ---): keep one",
			},
		},
		{
			name: "unknown-key",
			file: "listings/unknown-key.yaml",
			want: []string{
				`2:1: unknown key "nmae" in an organization; did you mean "name"? (allowed: id, name, alternate_name, description, website, email, phones, referrals, source, locations, services)`,
				`6:5: unknown key "adress" in a location; did you mean "address"? (allowed: id, name, description, address, point, confidential, time_zone, hours, languages, wheelchair, accessibility, transit, phones, source)`,
				`12:5: unknown key "frobnicate" in a service (allowed: id, name, alternate_name, description, url, email, categories, at, service_area, eligibility, cost, fees, insurance, languages, apply, how_to_apply, referrals, hours, capacity, status, alert, last_verified, verified_by, phones, source)`,
			},
		},
		{
			name: "wrong-kind",
			file: "listings/wrong-kind.yaml",
			want: []string{
				`3:9: "phones" must be a list, not a mapping`,
				`6:14: "address" must be a mapping of keys, not "1 Main St, Washington DC"`,
				`7:16: "languages" must be a list, not "en"`,
				`10:11: "name" must be a string, not a list`,
				`11:17: "categories" must be a list, not "food"`,
				`12:5: each item of "services" must be a mapping of keys, not "just a string"`,
			},
		},
	})
}

// TestBrokenSettings loads testdata/badsettings: a broken directory.yaml
// (with its help and crisis lines), taxonomy.yaml and vocabulary.yaml, and
// a listing checked against what is left of the taxonomy.
func TestBrokenSettings(t *testing.T) {
	checkErrorCases(t, "testdata/badsettings", []errorCase{
		{
			name: "directory",
			file: "directory.yaml",
			want: []string{
				`1:1: missing required key "name"`,
				`1:12: "US/Eastern Time" is not an IANA time zone: write e.g. America/New_York`,
				`2:15: default_near "2000" is not a 5-digit ZIP code`,
				`3:14: "1y" is not a duration: write a number of days or weeks, e.g. 365d or 26w`,
				`4:1: unknown key "notise" in directory settings; did you mean "notice"? (allowed: name, time_zone, default_near, stale_after, attribution, notice, help_line, crisis, meetings_help)`,
				`5:13: name needs "es" text`,
				`5:24: "en" in "name" must be a string: put it in quotes, "211"`,
				`5:24: name in "en" must not be empty`,
				`5:36: "two one one" is not a phone number: use digits, spaces and ( ) - . only; put an extension in "ext"`,
				`9:12: duplicate crisis line id "988" (first at line 8)`,
				`11:22: "999" answers suicide but is not among the crisis lines`,
				`12:5: unknown kind of crisis "boredom": answers are given for suicide, overdose, violence, any`,
			},
		},
		{
			name: "vocabulary",
			file: "vocabulary.yaml",
			want: []string{
				`2:8: "AA" in protected must be lowercase`,
				`2:12: a word in protected must not be empty`,
				`3:3: unknown language "fr" in protected (the directory's languages are en, es)`,
				`5:9: unknown who id "women"; use one of female, male, nonbinary, veterans, families, pregnant, youth, seniors, lgbtq, justice-involved, moud, disability, dv-survivors, immigrants, homeless`,
				`7:5: missing required key "words"`,
				`10:37: "Matarme" in words must be lowercase`,
			},
		},
		{
			name: "uses-housing",
			file: "listings/uses-housing.yaml",
			want: []string{
				`3:71: unknown category "nowhere" (categories are the ids in taxonomy.yaml, e.g. housing.emergency-shelter)`,
			},
		},
		{
			name: "taxonomy",
			file: "taxonomy.yaml",
			want: []string{
				`2:9: "Housing" is not a slug: use lowercase letters and digits joined by single hyphens, e.g. "housing"`,
				`5:5: label needs "es" text`,
				`6:30: unknown language "fr" in description (the directory's languages are en, es)`,
				`8:12: synonym "Groceries" must be lowercase`,
				"8:23: a synonym must not be empty",
				`9:7: unknown language "fr" in synonyms (the directory's languages are en, es)`,
				`12:33: label in "es" must not be empty`,
				`13:9: categories have two levels: subcategory "pantry" cannot have children`,
				`16:13: duplicate category id "food.pantry" (first at line 11)`,
				`18:5: missing required key "label" (with en and es text)`,
				`19:9: duplicate category id "food" (first at line 4)`,
				`23:5: also is for subcategories (where to look when none is near, instead of the parent); "legal" is a top-level category`,
				`27:16: also: unknown category "legal.nowhere" (give full ids, e.g. healthcare.primary-care)`,
				`27:31: also: "legal.aid" names the category itself`,
			},
		},
	})
}

// minimalData is a valid directory.yaml and taxonomy.yaml.
func minimalData() fstest.MapFS {
	return fstest.MapFS{
		"directory.yaml": {Data: []byte("name: Test\ntime_zone: America/New_York\n")},
		"taxonomy.yaml":  {Data: []byte("categories:\n  - id: food\n    label: {en: Food, es: Comida}\n")},
	}
}

func TestLoadFiles(t *testing.T) {
	listing := func(id string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("id: " + id + "\nname: Org\nservices: [{id: svc, name: Service, categories: [food]}]\n")}
	}
	tests := []struct {
		name     string
		fsys     fstest.MapFS
		wantErrs []string
		wantOrgs []string
	}{
		{
			name: "missing settings",
			fsys: fstest.MapFS{},
			wantErrs: []string{
				"directory.yaml: missing: the data directory needs a directory.yaml with at least name and time_zone",
				"taxonomy.yaml: missing: the data directory needs a taxonomy.yaml of categories",
			},
		},
		{
			name: "no listings directory",
			fsys: minimalData(),
		},
		{
			name: "skips hidden and other files",
			fsys: func() fstest.MapFS {
				m := minimalData()
				m["listings/a/one.yaml"] = listing("one")
				m["listings/two.yml"] = listing("two")
				m["listings/.#one.yaml"] = &fstest.MapFile{Data: []byte("not: [valid")}
				m["listings/.git/x.yaml"] = &fstest.MapFile{Data: []byte("not: [valid")}
				m["listings/README.md"] = &fstest.MapFile{Data: []byte("# not a listing")}
				return m
			}(),
			wantOrgs: []string{"one", "two"},
		},
		{
			name: "settings that are not mappings",
			fsys: fstest.MapFS{
				"directory.yaml": {Data: []byte("- name\n")},
				"taxonomy.yaml":  {Data: []byte("# nothing but a comment\n")},
			},
			wantErrs: []string{
				"directory.yaml:1:1: the file must be a mapping of keys, not a list",
				"taxonomy.yaml:1:1: the file is empty",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cat, errs, err := Load(tc.fsys, Options{Now: testNow})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var got []string
			for _, e := range errs {
				got = append(got, e.Error())
			}
			if !reflect.DeepEqual(got, tc.wantErrs) {
				t.Fatalf("errors = %q, want %q", got, tc.wantErrs)
			}
			if len(tc.wantErrs) > 0 {
				if cat != nil {
					t.Error("catalog returned with errors")
				}
				return
			}
			var orgs []string
			for _, o := range cat.Organizations {
				orgs = append(orgs, o.ID)
			}
			if !reflect.DeepEqual(orgs, tc.wantOrgs) {
				t.Errorf("organizations = %q, want %q", orgs, tc.wantOrgs)
			}
		})
	}
}

// failingFS fails to read one file with a permission error.
type failingFS struct {
	fs.FS
	bad string
}

func (f failingFS) Open(name string) (fs.File, error) {
	if name == f.bad {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return f.FS.Open(name)
}

func TestLoadReadFailure(t *testing.T) {
	tests := []struct {
		name string
		bad  string
	}{
		{name: "settings", bad: "directory.yaml"},
		{name: "taxonomy", bad: "taxonomy.yaml"},
		{name: "listing", bad: "listings/dc/harbor-house.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cat, errs, err := Load(failingFS{os.DirFS("testdata/good"), tc.bad}, Options{Now: testNow})
			if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), tc.bad) {
				t.Errorf("err = %v, want a permission error naming %s", err, tc.bad)
			}
			if cat != nil || errs != nil {
				t.Errorf("catalog, errs = %v, %v; want nil with an I/O error", cat, errs)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{name: "positioned", err: Error{Path: "listings/dc/a.yaml", Line: 12, Col: 9, Msg: "bad"}, want: "listings/dc/a.yaml:12:9: bad"},
		{name: "whole file", err: Error{Path: "taxonomy.yaml", Msg: "missing"}, want: "taxonomy.yaml: missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}
