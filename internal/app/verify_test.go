package app_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerify marks a stale listing checked: one line of its file changes,
// its comments stay, and validate then finds it neither stale nor broken.
func TestVerify(t *testing.T) {
	dir := dataDir(t, "clean")
	path := filepath.Join(dir, "listings", "dc", "riverside-clinic.yaml")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A comment, which the edit must keep.
	commented := strings.Replace(string(before), "    verified_by: phone call", "    verified_by: phone call # ask for the nurse", 1)
	if err := os.WriteFile(path, []byte(commented), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, _ := trellis(t, "validate", "--data", dir); code != 0 || !strings.Contains(stdout, "last verified 2020-01-15") {
		t.Fatalf("before: exit %d\n%s", code, stdout)
	}

	checked := time.Now().AddDate(0, 0, -14).Format(time.DateOnly)
	code, stdout, stderr := trellis(t, "verify", "riverside-clinic.clinic", "--data", dir, "--date", checked)
	if code != 0 || !strings.Contains(stdout, "verified riverside-clinic.clinic: last_verified "+checked+" in ") {
		t.Fatalf("verify: exit %d\n%s%s", code, stdout, stderr)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(commented, "last_verified: 2020-01-15", "last_verified: "+checked, 1)
	if string(after) != want {
		t.Errorf("file after verify:\n%s\nwant\n%s", after, want)
	}
	code, stdout, stderr = trellis(t, "validate", "--data", dir, "--stale-after", "36500d")
	if code != 0 || strings.Contains(stdout, "riverside") {
		t.Errorf("validate after verify: exit %d\n%s%s", code, stdout, stderr)
	}

	// --by writes who checked it; today is the default day.
	code, _, stderr = trellis(t, "verify", "--by", "Cora at the front desk", "--data", dir, "riverside-clinic.clinic")
	after, _ = os.ReadFile(path)
	today := time.Now().In(mustLoad(t, "America/New_York")).Format(time.DateOnly)
	if code != 0 || !strings.Contains(string(after), "last_verified: "+today) || !strings.Contains(string(after), "verified_by: Cora at the front desk # ask for the nurse") {
		t.Errorf("verify --by: exit %d %s\n%s", code, stderr, after)
	}

	bad := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"verify", "--data", dir}, 2, "give one service id"},
		{[]string{"verify", "riverside-clinic", "--data", dir}, 2, "is not a service id"},
		{[]string{"verify", "riverside-clinic.dental", "--data", dir}, 1, "no service riverside-clinic.dental"},
		{[]string{"verify", "riverside-clinic.clinic", "--data", dir, "--date", "2999-01-01"}, 2, "is in the future"},
		{[]string{"verify", "riverside-clinic.clinic", "--data", dir, "--date", "yesterday"}, 2, "--date"},
	}
	for _, b := range bad {
		t.Run(strings.Join(b.args[1:], " "), func(t *testing.T) {
			code, _, stderr := trellis(t, b.args...)
			if code != b.code || !strings.Contains(stderr, b.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr, b.code, b.want)
			}
		})
	}
}

func mustLoad(t *testing.T, zone string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
