package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"trellis/data"
	"trellis/internal/testkit"
)

// TestIndexBuildKilled kills `trellis serve` with SIGKILL while it writes
// the search index, then starts it again: the half-written index is not
// served but built again, and searches find what they should.
func TestIndexBuildKilled(t *testing.T) {
	bin := buildTrellis(t)
	dir := testkit.DataDir(t)
	testkit.CopyTree(t, data.FS, "listings", filepath.Join(dir, "listings"))
	var state string
	// The build of the bundled directory's index takes a fraction of a
	// second: a kill that comes after it is a try that did not test
	// anything, and the test tries again on a fresh state directory.
	for try := 1; ; try++ {
		state = t.TempDir()
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--state-dir", state, "--watch=false")
		cmd.Env = cleanEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		partial := ""
		for partial == "" && cmd.ProcessState == nil {
			if m := indexPartials(state); len(m) > 0 {
				partial = m[0]
				break
			}
			time.Sleep(time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if _, err := os.Stat(partial); partial != "" && err == nil {
			break // killed mid-build
		}
		if try == 5 {
			t.Fatal("five starts finished building their index before they were killed")
		}
	}

	srv := startServer(t, bin, cleanEnv(), "--data", dir, "--state-dir", state, "--watch=false")
	if logs := srv.logs.String(); !strings.Contains(logs, "index=built") {
		t.Errorf("the start after the kill did not build its index:\n%s", logs)
	}
	resp, err := http.Get(srv.url + "/api/v1/search?" + url.Values{"q": {"harriet tubman shelter"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got struct {
		Results []struct {
			Service struct {
				ID string `json:"id"`
			} `json:"service"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("search: %d, %v", resp.StatusCode, err)
	}
	found := false
	for _, r := range got.Results {
		found = found || r.Service.ID == "catholic-charities-harriet-tubman-shelter-and-day-center.harriet-tubman-shelter-and-day-center"
	}
	if !found {
		t.Errorf("harriet tubman shelter after the rebuild: %+v", got.Results)
	}
	if m := indexPartials(state); len(m) > 0 {
		t.Errorf("the half-written index is still there: %v", m)
	}
}

// indexPartials returns the indexes being written under state (each
// <revision>.partial), not the load state's temporary file.
func indexPartials(state string) []string {
	var out []string
	m, _ := filepath.Glob(filepath.Join(state, "index", "*.partial"))
	for _, p := range m {
		if !strings.HasPrefix(filepath.Base(p), "load-state") {
			out = append(out, p)
		}
	}
	return out
}
