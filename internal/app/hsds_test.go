package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"trellis/internal/needs"
	"trellis/internal/report"
	"trellis/internal/sqlite"
)

// TestExportHSDS exports the bundled directory in each format and checks
// the files written and the summary.
func TestExportHSDS(t *testing.T) {
	tests := []struct {
		format string
		files  []string
		absent []string
	}{
		{"json", []string{"services.ndjson"}, []string{"datapackage.json"}},
		{"tabular", []string{"datapackage.json", "services.csv", "organizations.csv", "schedules.csv"}, []string{"services.ndjson"}},
		{"both", []string{"services.ndjson", "datapackage.json", "taxonomy_terms.csv"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "hsds")
			code, stdout, stderr := run(t, "", "export", "hsds", "--data", "../../data", "--out", out, "--format", tt.format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "exported 691 organizations, 691 services") {
				t.Errorf("summary: %s", stdout)
			}
			for _, f := range tt.files {
				if fi, err := os.Stat(filepath.Join(out, f)); err != nil || fi.Size() == 0 {
					t.Errorf("%s: %v", f, err)
				}
			}
			for _, f := range tt.absent {
				if _, err := os.Stat(filepath.Join(out, f)); err == nil {
					t.Errorf("%s written for --format %s", f, tt.format)
				}
			}
		})
	}
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"no out", []string{"export", "hsds", "--data", "../../data"}, "--out DIR is required"},
		{"bad format", []string{"export", "hsds", "--out", t.TempDir(), "--format", "xml"}, "want json, tabular or both"},
		{"no format", []string{"export"}, "export needs a format"},
		{"other format", []string{"export", "csv"}, "unknown export format"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			code, _, stderr := run(t, "", b.args...)
			if code != 2 || !strings.Contains(stderr, b.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, b.want)
			}
		})
	}
}

// lone1 finds a count of 1 standing alone (not in a date or a number).
var lone1 = regexp.MustCompile(`(^|[^0-9.-])1([^0-9.-]|$)`)

// TestReportUnmetNeeds writes counts into an SQLite store and reads them
// back in each format, in whole weeks, small counts hidden.
func TestReportUnmetNeeds(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	// The Friday of the last week that has ended (the command reads the
	// real clock); the report covers its whole week, Monday to Sunday.
	sunday := report.LastEnded(report.Day(time.Now(), mustLoad(t, "America/New_York")))
	day := sunday.AddDate(0, 0, -2)
	monday, wed := sunday.AddDate(0, 0, -6).Format(time.DateOnly), sunday.AddDate(0, 0, -4).Format(time.DateOnly)
	err = db.AddNeeds(context.Background(), []needs.Count{
		{Day: day, Category: "housing.emergency-shelter", Area: "county:11001", Channel: needs.ChannelPublic, N: 70},
		{Day: day, Category: "housing.emergency-shelter", Area: "county:11001", Channel: needs.ChannelPublic, Found: true, N: 30},
		{Day: day.AddDate(0, 0, -2), Category: "legal", Area: "zip3:208", Channel: needs.ChannelSpecialist, N: 20},
		{Day: day.AddDate(0, 0, -40), Category: "food", Channel: needs.ChannelPublic, N: 9},
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	base := []string{"report", "unmet-needs", "--state-dir", dir, "--data", "../../data", "--from", wed, "--to", day.Format(time.DateOnly)}

	code, stdout, stderr := run(t, "", append(base, "--by", "category,area")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Unmet needs " + monday + " to " + sunday.Format(time.DateOnly) + " by category,area (all channels)",
		"Legal help", "ZIP 208xx", `Counts under 5 show as "fewer than 5"`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text report lacks %q:\n%s", want, stdout)
		}
	}
	var shelter, total string
	for _, line := range strings.Split(stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "Emergency shelter"):
			shelter = strings.Join(strings.Fields(line), " ")
		case strings.HasPrefix(line, "total"):
			total = strings.Join(strings.Fields(line), " ")
		}
	}
	if shelter != "Emergency shelter District of Columbia 100 30 70 70%" || total != "total 120 30 90 75%" {
		t.Errorf("shelter row %q, total %q:\n%s", shelter, total, stdout)
	}
	if strings.Contains(stdout, "Food") {
		t.Errorf("text report counts a day outside the range:\n%s", stdout)
	}

	code, stdout, _ = run(t, "", append(base, "--format", "json", "--channel", "specialist")...)
	var rep needs.Report
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil || code != 0 {
		t.Fatalf("json: %d %v %s", code, err, stdout)
	}
	if n, ok := rep.Total.Unmet.Value(); len(rep.Rows) != 1 || rep.Rows[0].Category != "legal" || !ok || n != 20 {
		t.Errorf("json report %+v", rep)
	}

	code, stdout, _ = run(t, "", append(base, "--format", "csv", "--by", "area")...)
	recs, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || code != 0 || len(recs) != 4 || recs[1][6] != "county:11001" || recs[1][10] != "70" || recs[3][3] != "total" {
		t.Errorf("csv: %d %v %q", code, err, recs)
	}

	code, stdout, _ = run(t, "", append(base, "--by", "week")...)
	if code != 0 || !strings.Contains(stdout, monday+"  120") {
		t.Errorf("by week:\n%s", stdout)
	}

	// One search on one day: never a 1, in any format.
	small := t.TempDir()
	db, err = sqlite.Open(context.Background(), small)
	if err != nil {
		t.Fatal(err)
	}
	err = db.AddNeeds(context.Background(), []needs.Count{{Day: day, Category: "substance-use.detox", Area: "county:11001", Channel: needs.ChannelPublic, N: 1}})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"text", "json", "csv"} {
		code, stdout, stderr := run(t, "", "report", "unmet-needs", "--state-dir", small, "--data", "../../data", "--from", day.Format(time.DateOnly), "--to", day.Format(time.DateOnly), "--format", f)
		if code != 0 || !strings.Contains(stdout, "fewer than 5") || lone1.MatchString(stdout) {
			t.Errorf("%s: exit %d %s\n%s", f, code, stderr, stdout)
		}
	}

	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--by", "zip"}, "--by \"zip\""},
		{[]string{"--from", "2026-12-01", "--to", "2026-11-01"}, "--to to (2026-11-01) is before from"},
		{[]string{"--from", "2099-01-01", "--to", ""}, "--from reports count whole weeks that have ended"},
		{[]string{"--to", "30/11/2026"}, "--to:"},
		{[]string{"--format", "xml"}, "--format \"xml\""},
		{[]string{"--channel", "kiosk"}, "--channel \"kiosk\""},
	}
	for _, b := range bad {
		t.Run(strings.Join(b.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, "", append(append([]string{}, base...), b.args...)...)
			if code != 2 || !strings.Contains(stderr, b.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, b.want)
			}
		})
	}
}

// TestReportReferralsOneWeek: the referral report of one ended week says
// "1 week", and with no referrals counts nothing.
func TestReportReferralsOneWeek(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	sunday := report.LastEnded(report.Day(time.Now(), mustLoad(t, "America/New_York")))
	day := sunday.AddDate(0, 0, -2).Format(time.DateOnly)
	code, stdout, stderr := run(t, "", "report", "referrals", "--state-dir", dir, "--data", "../../data", "--from", day, "--to", day)
	if code != 0 || !strings.Contains(stdout, "(1 week, ") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, stdout, stderr)
	}
	code, stdout, _ = run(t, "", "report", "referrals", "--state-dir", dir, "--data", "../../data", "--from", sunday.AddDate(0, 0, -9).Format(time.DateOnly), "--to", day)
	if code != 0 || !strings.Contains(stdout, "(2 weeks, ") {
		t.Errorf("two weeks: exit %d, stdout:\n%s", code, stdout)
	}
}
