package app_test

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// files returns every file under dir with its contents, by path.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestImportMeetingsAndValidate imports a Meeting Guide feed with the
// command, then validates the data: the meetings load, and the last names
// and the unknown type code are warnings at their lines.
func TestImportMeetingsAndValidate(t *testing.T) {
	dir := dataDir(t)
	feed := filepath.Join("testdata", "meetings", "feed.json")
	code, stdout, stderr := trellis(t, "import", "meetings", feed, "--data", dir, "--source", "dc-test")
	if code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{
		`Meeting Guide import of ` + feed + ` as source "dc-test"`,
		"read:      2 meetings",
		`  + tuesday-night "Tuesday Night Group" in meetings/dc-test/washington.yaml`,
		`  + 7 "Noon Online" in meetings/dc-test/washington.yaml`,
		"files:     1 new, 0 updated, 0 unchanged, 0 removed",
		"type codes not in the specification (kept; trellis validate warns):\n  LOCAL: 1 meeting (tuesday-night)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("import report lacks %q:\n%s", want, stdout)
		}
	}

	f := `^\S+/meetings/dc-test/washington.yaml`
	expectRun(t, []string{"validate", "--data", dir, "--stale-after", "36500d"}, 0, []string{
		f + `:14:22: warning: meeting "tuesday-night" has type "LOCAL", which is not a Meeting Guide type code: .* \[unknown-type\]$`,
		f + `:20:12: warning: meeting "tuesday-night": notes seems to give a last name \("Robert Johnson"\): .* \[anonymity\]$`,
		f + `:22:16: warning: meeting "tuesday-night": contact "Bob Smith" seems to give a last name \("Smith"\): .* \[anonymity\]$`,
	}, "0 organizations, 0 services, 2 meetings: 0 errors, 3 warnings (2 anonymity, 1 unknown-type) in 1 file")

	// A mistake made by hand in the file is an error at its place.
	path := filepath.Join(dir, "meetings", "dc-test", "washington.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(data), `time: "19:00"`, `time: "7pm"`, 1)
	if err := os.WriteFile(path, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	expectRun(t, []string{"validate", "--data", dir, "--format", "github"}, 1, []string{
		`^::error file=\S+/meetings/dc-test/washington.yaml,line=11,col=11,title=trellis%3A invalid::"7pm" is not a time: write HH:MM on a 24-hour clock, e\.g\. 09:00 or 17:30$`,
	}, "1 error, 0 warnings in 1 file")

	// The importer will not run over a file of its source with errors.
	before := files(t, dir)
	expectRun(t, []string{"import", "meetings", feed, "--data", dir, "--source", "dc-test"}, 1, []string{},
		`has errors, first meetings/dc-test/washington.yaml:11:11: "7pm" is not a time`)
	if !sameFiles(before, files(t, dir)) {
		t.Error("the refused import changed the data directory")
	}
}

// TestImportMeetingsRefused: a bad feed exits 1 with its problems at their
// lines, and the data directory is unchanged.
func TestImportMeetingsRefused(t *testing.T) {
	dir := dataDir(t)
	trellis(t, "import", "meetings", filepath.Join("testdata", "meetings", "feed.json"), "--data", dir, "--source", "dc-test")
	before := files(t, dir)

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat(" ", 2048) + "[]"))
	}))
	defer srv.Close()

	bad := filepath.Join("testdata", "meetings", "bad-feed.json")
	mixed := filepath.Join("testdata", "meetings", "mixed-feed.json")
	notJSON := filepath.Join("testdata", "meetings", "not-json.txt")
	trailing := filepath.Join("testdata", "meetings", "trailing-comma.json")
	const skipHint = "--skip-invalid"
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
		lacks  string
	}{
		// --skip-invalid is suggested where it would import good meetings,
		// not for a feed none of whose meetings is good, nor for one that
		// is not JSON.
		{"wrong type, a good meeting beside", []string{mixed}, 1, mixed + `:2:67: meeting 1 (slug "tuesday-night"): "day" must be a whole number from 0 (Sunday) to 6 (Saturday) or a list of them, not the string "Tuesday"` +
			"\n(--skip-invalid imports the good meetings and reports the others)", ""},
		{"wrong type, no good meeting", []string{bad}, 1, bad + `:2:67: meeting 1 (slug "tuesday-night"): "day" must be a whole number from 0 (Sunday) to 6 (Saturday) or a list of them, not the string "Tuesday"`, skipHint},
		{"not JSON", []string{notJSON}, 1, notJSON + ":1:1: the feed is not JSON: 'M' where a value should be (a string in double quotes, a number, true, false, null, a list or an object)", skipHint},
		{"a comma after the last meeting", []string{trailing}, 1, trailing + ":3:1: the feed is not JSON: a comma before ']': JSON allows none after the last item", skipHint},
		{"too big for --max-size", []string{srv.URL, "--max-size", "1KiB"}, 1, "is larger than the limit of 1 KiB (--max-size sets it)", skipHint},
		{"bad --max-size", []string{bad, "--max-size", "lots"}, 2, `--max-size: "lots" is not a size`, ""},
		{"bad --timeout", []string{bad, "--timeout", "soon"}, 2, `--timeout "soon": want a duration`, ""},
		{"no feed", []string{}, 2, "import meetings needs the feed", ""},
		{"a source that is not a slug", []string{bad, "--source", "DC Test"}, 1, `source "DC Test" must be a slug`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"import", "meetings"}, tt.args...)
			args = append(args, "--data", dir)
			if !strings.Contains(strings.Join(tt.args, " "), "--source") {
				args = append(args, "--source", "dc-test")
			}
			expectRun(t, args, tt.code, nil, tt.stderr)
			if _, _, errOut := trellis(t, args...); tt.lacks != "" && strings.Contains(errOut, tt.lacks) {
				t.Errorf("stderr %q says %q", errOut, tt.lacks)
			}
			if !sameFiles(before, files(t, dir)) {
				t.Error("the refused import changed the data directory")
			}
		})
	}
}
