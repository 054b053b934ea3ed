package listings

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func TestVerify(t *testing.T) {
	const file = `# Harbor House: checked by phone each quarter.
id: harbor
name: Harbor House
services:
  - id: shelter # the main program
    name: Shelter
    categories: [housing.emergency-shelter]
    # Checked with the director.
    last_verified: 2024-01-05 # by phone
    verified_by: DC DHS open data
    phones:
      - number: "202-555-0100"
  - id: pantry
    name: Pantry
    categories: [food.pantry]
    status: active
    phones:
      - number: "202-555-0101" # front desk
`
	day := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, id, by string
		want         string // the lines that change, old -> new
		wantErr      string
	}{
		{
			name: "replace, keeping the comments",
			id:   "shelter", by: "Cora Coordinator",
			want: strings.NewReplacer(
				"last_verified: 2024-01-05 # by phone", "last_verified: 2026-12-04 # by phone",
				"verified_by: DC DHS open data", "verified_by: Cora Coordinator").Replace(file),
		},
		{
			name: "replace the date only",
			id:   "shelter",
			want: strings.Replace(file, "2024-01-05", "2026-12-04", 1),
		},
		{
			name: "insert in canonical order",
			id:   "pantry", by: "front desk",
			want: strings.Replace(file, "    status: active\n", "    status: active\n    last_verified: 2026-12-04\n    verified_by: front desk\n", 1),
		},
		{name: "unknown service", id: "clinic", wantErr: `no service "clinic" in the file (it has shelter, pantry)`},
		{name: "two lines", id: "pantry", by: "a\nb", wantErr: "one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Verify([]byte(file), tt.id, day, tt.by)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	if _, err := Verify([]byte("- a\n- b\n"), "x", day, ""); err == nil {
		t.Error("a list was verified as a listing file")
	}
}

// TestVerifyChangesOneLine verifies a service in every bundled listing
// file: the file must change in its last_verified line (and nowhere
// else), so that the change reads as one line in a pull request.
func TestVerifyChangesOneLine(t *testing.T) {
	root := filepath.Join("..", "..", "data", "listings")
	day := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".yaml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var f struct {
			Services []struct {
				ID           string `yaml:"id"`
				LastVerified string `yaml:"last_verified"`
			} `yaml:"services"`
		}
		if err := yaml.Unmarshal(data, &f); err != nil || len(f.Services) == 0 {
			return err
		}
		s := f.Services[len(f.Services)-1]
		got, err := Verify(data, s.ID, day, "")
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		n++
		old, nw := strings.Split(string(data), "\n"), strings.Split(string(got), "\n")
		added := len(nw) - len(old)
		if s.LastVerified != "" && added != 0 || s.LastVerified == "" && added != 1 {
			t.Errorf("%s: %d lines became %d", path, len(old), len(nw))
			return nil
		}
		diff := 0
		for i, j := 0, 0; i < len(old) && j < len(nw); i, j = i+1, j+1 {
			if old[i] != nw[j] {
				diff++
				if added == 1 {
					i-- // the inserted line
					added = 0
				}
			}
		}
		if diff != 1 || !strings.Contains(string(got), "last_verified: 2027-01-04") {
			t.Errorf("%s: %d lines differ", path, diff)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("verified only %d files", n)
	}
}
