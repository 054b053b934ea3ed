package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"trellis/internal/app"
	"trellis/internal/testkit"
)

// trellis runs the trellis command in-process and returns the exit
// status, stdout and stderr.
func trellis(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), args, app.IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

// dataDir writes a data directory into a temp dir: the bundled
// directory.yaml, taxonomy.yaml and geo/, with the listings of the named
// fixtures under testdata/ merged into listings/.
func dataDir(t *testing.T, fixtures ...string) string {
	t.Helper()
	dir := testkit.DataDir(t)
	for _, f := range fixtures {
		testkit.CopyTree(t, os.DirFS("testdata"), f, filepath.Join(dir, "listings"))
	}
	return dir
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// expectRun runs trellis with args and checks its exit status, that
// stderr holds stderr and, unless stdout is nil, that each line of stdout
// matches the regular expression at the same index.
func expectRun(t *testing.T, args []string, code int, stdout []string, stderr string) {
	t.Helper()
	gotCode, out, errOut := trellis(t, args...)
	if gotCode != code || !strings.Contains(errOut, stderr) {
		t.Errorf("exit %d, want %d; stderr %q, want %q", gotCode, code, errOut, stderr)
	}
	if stdout == nil {
		return
	}
	got := lines(out)
	if len(got) != len(stdout) {
		t.Fatalf("%d lines, want %d:\n%s", len(got), len(stdout), out)
	}
	for i, re := range stdout {
		if !regexp.MustCompile(re).MatchString(got[i]) {
			t.Errorf("line %d:\n%s\ndoes not match\n%s", i+1, got[i], re)
		}
	}
}

// TestValidate checks validate's exit codes, its formats and what it
// reports on fixture trees: errors at their positions (and no warnings
// until the data loads), the duplicate, stale, never-verified warnings,
// --strict and --stale-after.
func TestValidate(t *testing.T) {
	warned := dataDir(t, "warned")
	clean := dataDir(t, "clean")
	broken := dataDir(t, "clean", "broken")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // lines, in order, each matched as a regexp
		stderr string
	}{
		{"warnings allowed", []string{"--data", warned}, 0, []string{
			`^\S+/listings/dc/harbor-house.yaml:14:20: warning: service "shelter" was last verified 2017-03-01 \([\d,]+ days ago, by DC DHS open data\), more than 365 days ago: .* \[stale\]$`,
			`^\S+/listings/dc/the-harbor-house.yaml:2:7: warning: organization "the-harbor-house" looks like a duplicate of organization "harbor-house": names 100% alike \("Harbor House", "The Harbor House, Inc."\), at the same address \(see \S+/listings/dc/harbor-house.yaml:2:7\) \[duplicate\]$`,
			`^\S+/listings/dc/the-harbor-house.yaml:11:20: warning: service "meals" was last verified 2018-06-30 .* \[stale\]$`,
			`^\S+/listings/md/green-market.yaml:4:5: warning: service "market" gives no way to reach it: .* \[unreachable\]$`,
			`^\S+/listings/md/green-market.yaml:4:5: warning: service "market" has never been verified: .* \[unverified\]$`,
		}, "3 organizations, 3 services, 0 meetings: 0 errors, 5 warnings (1 duplicate, 2 stale, 1 unreachable, 1 unverified) in 3 files"},
		{"strict fails on warnings", []string{"--data", warned, "--strict"}, 1, nil, "0 errors, 5 warnings"},
		{"stale age from the flag", []string{"--data", warned, "--stale-after", "36500d"}, 0, nil, "0 errors, 3 warnings (1 duplicate, 1 unreachable, 1 unverified)"},
		{"clean and strict", []string{"--data", clean, "--strict", "--stale-after", "36500d"}, 0, []string{}, "1 organizations, 1 services, 0 meetings: 0 errors, 0 warnings in 0 files"},
		{"errors", []string{"--data", broken}, 1, []string{
			`^\S+/listings/dc/broken-listing.yaml:6:18: error: unknown category "food.pantyr"; did you mean "food.pantry"\? .*$`,
			`^\S+/listings/dc/broken-listing.yaml:7:20: error: .*2019-02-30.*$`,
		}, "2 errors, 0 warnings in 1 file; warnings are checked once the data loads without errors"},
		{"bad format", []string{"--data", warned, "--format", "xml"}, 2, nil, `--format "xml": want text, json or github`},
		{"bad age", []string{"--data", warned, "--stale-after", "soon"}, 2, nil, `invalid value "soon" for flag -stale-after`},
		{"no arguments", []string{"--data", warned, "listings"}, 2, nil, `unexpected argument "listings"`},
		{"missing directory", []string{"--data", filepath.Join(warned, "nope")}, 1, nil, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectRun(t, append([]string{"validate"}, tt.args...), tt.code, tt.stdout, tt.stderr)
		})
	}
}

// TestValidateJSON checks the json format's fields, including the other
// position of a duplicate, and that an empty report is [].
func TestValidateJSON(t *testing.T) {
	type finding struct {
		Severity, Code, Path, Message string
		Line, Col                     int
		Related                       []struct {
			Path      string
			Line, Col int
		}
	}
	dir := dataDir(t, "warned")
	code, stdout, _ := trellis(t, "validate", "--data", dir, "--format", "json")
	var got []finding
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if len(got) != 5 {
		t.Fatalf("%d findings, want 5", len(got))
	}
	d := got[1]
	if d.Severity != "warning" || d.Code != "duplicate" || d.Path != filepath.ToSlash(dir)+"/listings/dc/the-harbor-house.yaml" ||
		d.Line != 2 || d.Col != 7 || len(d.Related) != 1 || d.Related[0].Path != filepath.ToSlash(dir)+"/listings/dc/harbor-house.yaml" || d.Related[0].Line != 2 {
		t.Errorf("duplicate finding = %+v", d)
	}

	broken := dataDir(t, "broken")
	code, stdout, _ = trellis(t, "validate", "--data", broken, "--format", "json")
	got = nil
	if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 1 || len(got) != 2 || got[0].Severity != "error" || got[0].Code != "invalid" || got[0].Line != 6 || got[0].Col != 18 {
		t.Errorf("exit %d, %v: %+v", code, err, got)
	}

	clean := dataDir(t, "clean")
	if code, stdout, _ := trellis(t, "validate", "--data", clean, "--format", "json", "--stale-after", "36500d"); code != 0 || strings.TrimSpace(stdout) != "[]" {
		t.Errorf("empty report: exit %d, %q", code, stdout)
	}
}

// TestValidateGitHub checks the workflow commands: one per finding, with
// file, line, col and title properties escaped and the message escaped.
func TestValidateGitHub(t *testing.T) {
	dir := dataDir(t, "clean", "broken")
	code, stdout, _ := trellis(t, "validate", "--data", dir, "--format", "github")
	got := lines(stdout)
	want := "::error file=" + filepath.ToSlash(dir) + "/listings/dc/broken-listing.yaml,line=6,col=18,title=trellis%3A invalid::unknown category \"food.pantyr\""
	if code != 1 || len(got) != 2 || !strings.HasPrefix(got[0], want) {
		t.Errorf("exit %d:\n%s\nwant first line to start with\n%s", code, stdout, want)
	}
	dir = dataDir(t, "warned")
	_, stdout, _ = trellis(t, "validate", "--data", dir, "--format", "github")
	for _, l := range lines(stdout) {
		if !regexp.MustCompile(`^::warning file=[^,:]+,line=\d+,col=\d+,title=trellis%3A [a-z]+::[^\n]+$`).MatchString(l) {
			t.Errorf("not a workflow command: %s", l)
		}
	}
}

// TestValidateBundledData keeps the bundled data free of errors; its
// warnings (stale, never verified, duplicates from overlapping sources)
// are expected.
func TestValidateBundledData(t *testing.T) {
	code, _, stderr := trellis(t, "validate", "--data", "../../data")
	if code != 0 || !strings.Contains(stderr, " 0 errors, ") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

// TestFmt checks fmt --check (lists, exits 1), fmt (rewrites in place
// to the canonical form, leaves broken files alone and reports them),
// naming files, and that a second run changes nothing.
func TestFmt(t *testing.T) {
	dir := dataDir(t)
	listing := func(name string) string { return filepath.Join(dir, "listings", "dc", name) }
	if err := os.MkdirAll(filepath.Join(dir, "listings", "dc"), 0o755); err != nil {
		t.Fatal(err)
	}
	messy, tidy, broken := listing("messy.yaml"), listing("tidy.yaml"), listing("bad-yaml.yaml")
	for _, f := range []struct {
		from, to string
		mode     os.FileMode
	}{{"testdata/fmt/messy.yaml", messy, 0o640}, {"testdata/fmt/messy.golden.yaml", tidy, 0o644}} {
		b, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f.to, b, f.mode); err != nil {
			t.Fatal(err)
		}
	}
	badYAML := "id: bad-yaml\nname: Bad\nemial: x@example.org\nservices: []\n"
	if err := os.WriteFile(broken, []byte(badYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string { return filepath.ToSlash(p) }

	steps := []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr []string
	}{
		{"check lists the unformatted file and the broken one", []string{"--check", "--data", dir}, 1, rel(messy) + "\n",
			[]string{rel(broken) + `:3:1: error: unknown key "emial" in an organization; did you mean "email"?`, "1 of 3 files is not formatted", "1 file was not formatted because of the errors above"}},
		{"fmt rewrites it", []string{"--data", dir}, 1, "formatted " + rel(messy) + "\n",
			[]string{"formatted 1 of 3 files", "1 file was not formatted"}},
		{"and leaves the broken file", []string{"--check", broken}, 1, "", []string{"error: unknown key"}},
		{"a named file, formatted", []string{messy, "--check"}, 0, "", []string{"1 file is formatted"}},
		{"a named directory", []string{"--check", filepath.Join(dir, "listings")}, 1, "", []string{"error: unknown key", "3 files are all formatted"}},
		{"a missing file", []string{filepath.Join(dir, "nope.yaml")}, 2, "", []string{"no such file or directory"}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			code, stdout, stderr := trellis(t, append([]string{"fmt"}, st.args...)...)
			if code != st.code || stdout != st.stdout {
				t.Errorf("exit %d, want %d; stdout %q, want %q; stderr %s", code, st.code, stdout, st.stdout, stderr)
			}
			for _, s := range st.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr %q lacks %q", stderr, s)
				}
			}
		})
	}
	got, err := os.ReadFile(messy)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("testdata/fmt/messy.golden.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("formatted file:\n%s\nwant:\n%s", got, want)
	}
	if fi, err := os.Stat(messy); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("formatted file lost its permissions: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(broken); string(b) != badYAML {
		t.Errorf("the broken file was changed:\n%s", b)
	}
	if err := os.Remove(broken); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := trellis(t, "fmt", "--check", "--data", dir); code != 0 || stdout != "" {
		t.Errorf("after fmt, fmt --check: exit %d %q %q", code, stdout, stderr)
	}
	if code, _, stderr := trellis(t, "fmt", "--data", dir); code != 0 || !strings.Contains(stderr, "formatted 0 of 2 files") {
		t.Errorf("second fmt: exit %d %q", code, stderr)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "listings", "dc"))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestFmtBundledData checks that the bundled listings are in canonical
// form.
func TestFmtBundledData(t *testing.T) {
	if code, stdout, stderr := trellis(t, "fmt", "--check", "--data", "../../data"); code != 0 || stdout != "" {
		t.Errorf("exit %d\n%s%s", code, stdout, stderr)
	}
}

// TestStale checks the stale report's order (never verified first, then
// oldest), its formats and its flags.
func TestStale(t *testing.T) {
	dir := dataDir(t, "warned", "clean")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"default age", []string{"--data", dir}, 0, []string{
			`^LAST VERIFIED\s+DAYS\s+VERIFIED BY\s+SERVICE\s+WHERE$`,
			`^never\s+-\s+-\s+Saturday market\s+\S+/listings/md/green-market.yaml:4$`,
			`^2017-03-01\s+\d+\s+DC DHS open data\s+Overnight shelter for women\s+\S+/listings/dc/harbor-house.yaml:14$`,
			`^2018-06-30\s+\d+\s+site visit\s+Hot meals\s+\S+/listings/dc/the-harbor-house.yaml:11$`,
			`^2020-01-15\s+\d+\s+phone call\s+Walk-in clinic\s+\S+/listings/dc/riverside-clinic.yaml:13$`,
		}, "4 of 4 services not verified within 365 days"},
		{"a century", []string{"--data", dir, "--older-than", "36500d"}, 0, []string{
			`^LAST VERIFIED`,
			`^never\s+-\s+-\s+Saturday market`,
		}, "1 of 4 services not verified within 36500 days"},
		{"bad age", []string{"--data", dir, "--older-than", "-3d"}, 2, nil, "-older-than"},
		{"bad format", []string{"--data", dir, "--format", "github"}, 2, nil, `--format "github": want text or json`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectRun(t, append([]string{"stale"}, tt.args...), tt.code, tt.stdout, tt.stderr)
		})
	}

	code, stdout, _ := trellis(t, "stale", "--data", dir, "--format", "json", "--older-than", "26w")
	var rep struct {
		OlderThanDays int `json:"older_than_days"`
		Checked       int
		Stale         int
		Never         int `json:"never_verified"`
		Services      []struct {
			Service      string
			LastVerified *string `json:"last_verified"`
			AgeDays      *int    `json:"age_days"`
			VerifiedBy   string  `json:"verified_by"`
			File         string
			Line         int
		}
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if rep.OlderThanDays != 182 || rep.Checked != 4 || rep.Stale != 4 || rep.Never != 1 || len(rep.Services) != 4 {
		t.Fatalf("report = %+v", rep)
	}
	first, second := rep.Services[0], rep.Services[1]
	if first.Service != "green-market.market" || first.LastVerified != nil || first.AgeDays != nil ||
		second.Service != "harbor-house.shelter" || second.LastVerified == nil || *second.LastVerified != "2017-03-01" ||
		second.VerifiedBy != "DC DHS open data" || second.File != filepath.ToSlash(dir)+"/listings/dc/harbor-house.yaml" || second.Line != 14 {
		t.Errorf("services = %+v, %+v", first, second)
	}
}
