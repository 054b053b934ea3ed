package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"trellis/internal/app"
	"trellis/internal/testkit"
)

// serveData runs `trellis serve` on dir on a loopback port until the test
// ends and returns its base URL and log.
func serveData(t *testing.T, dir string, flags ...string) (string, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	m := app.NewMain(app.IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: logs, Getenv: func(string) string { return "" }})
	args := append([]string{"--addr", "127.0.0.1:0", "--data", dir, "--state-dir", t.TempDir()}, flags...)
	if err := m.ParseFlags(args); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := m.Open(ctx); err != nil {
		cancel()
		t.Fatalf("open: %v\n%s", err, logs)
	}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return m.URL(), logs
}

// eventually polls cond every 20 ms until it holds, for up to 20 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// getJSON fetches base+path and decodes a 200 answer into out.
func getJSON(base, path string, out any) error {
	resp, err := http.Get(base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// found returns the names of the services a search finds.
func found(t *testing.T, base, q string) []string {
	t.Helper()
	var sb struct {
		Results []struct {
			Service struct{ Name string } `json:"service"`
		} `json:"results"`
	}
	if err := getJSON(base, "/api/v1/search?"+url.Values{"q": {q}}.Encode(), &sb); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range sb.Results {
		names = append(names, r.Service.Name)
	}
	return names
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readyz returns /readyz's status and reload errors.
func readyz(t *testing.T, base string) (string, []string) {
	t.Helper()
	var r struct {
		Status string
		Reload *struct{ Errors []string }
	}
	if err := getJSON(base, "/readyz", &r); err != nil {
		t.Fatal(err)
	}
	if r.Reload == nil {
		return r.Status, nil
	}
	return r.Status, r.Reload.Errors
}

// saveLikeAnEditor replaces path by writing a hidden swap file beside it
// and renaming it over, as vim and most editors do.
func saveLikeAnEditor(t *testing.T, path, data string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".swp")
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

const pantry = `id: riverside-pantry
name: Riverside Pantry
services:
  - id: pantry
    name: %s
    categories:
      - %s
    phones:
      - number: 202-555-0177
`

// TestLiveReload serves a data directory on loopback while clients search
// it continuously, and changes the files under them: it edits a listing
// (saved the way editors save), adds one in a new subdirectory, breaks it
// and fixes it. Every change must be searchable within seconds, the broken
// one must leave the old data serving with its error at /readyz, and no
// request may fail.
func TestLiveReload(t *testing.T) {
	dir := dataDir(t, "warned", "clean")
	// Thousands of searches from one address: no search limit here.
	base, logs := serveData(t, dir, "--search-rate", "0")

	var requests, failures atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var clients sync.WaitGroup
	for i := range 8 {
		clients.Go(func() {
			queries := []string{"shelter", "meals", "clinic", "pantry"}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				q := queries[(i+n)%len(queries)]
				resp, err := http.Get(base + "/api/v1/search?" + url.Values{"q": {q}}.Encode())
				requests.Add(1)
				if err != nil {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failures.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("search %q: status %d", q, resp.StatusCode))
				}
			}
		})
	}

	harbor := filepath.Join(dir, "listings", "dc", "harbor-house.yaml")
	orig, err := os.ReadFile(harbor)
	if err != nil {
		t.Fatal(err)
	}
	newFile := filepath.Join(dir, "listings", "va", "riverside-pantry.yaml")
	steps := []struct {
		name   string
		change func(t *testing.T)
		check  func(t *testing.T)
	}{
		{"edit a listing", func(t *testing.T) {
			saveLikeAnEditor(t, harbor, strings.Replace(string(orig), "Overnight shelter for women", "Riverboat night shelter", 1))
		}, func(t *testing.T) {
			eventually(t, "the edited name to be found", func() bool { return has(found(t, base, "riverboat"), "Riverboat night shelter") })
		}},
		{"add a listing in a new subdirectory", func(t *testing.T) {
			if err := os.Mkdir(filepath.Dir(newFile), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(newFile, fmt.Appendf(nil, pantry, "Weekend groceries", "food.pantry"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T) {
			eventually(t, "the new listing to be found", func() bool { return has(found(t, base, "weekend groceries"), "Weekend groceries") })
		}},
		{"break it", func(t *testing.T) {
			if err := os.WriteFile(newFile, fmt.Appendf(nil, pantry, "Weekday groceries", "food.pantri"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T) {
			eventually(t, "/readyz to show the error", func() bool {
				status, errs := readyz(t, base)
				return status == "degraded" && len(errs) == 1 && strings.Contains(errs[0], "listings/va/riverside-pantry.yaml:7:9: unknown category")
			})
			if !has(found(t, base, "weekend groceries"), "Weekend groceries") || has(found(t, base, "weekday groceries"), "Weekday groceries") {
				t.Error("the broken change replaced the data being served")
			}
			var metrics bytes.Buffer
			resp, err := http.Get(base + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(&metrics, resp.Body)
			resp.Body.Close()
			if !strings.Contains(metrics.String(), "\ntrellis_reload_last_ok 0\n") || !strings.Contains(metrics.String(), "\ntrellis_reload_data_errors 1\n") {
				t.Errorf("/metrics does not show the failed reload:\n%s", metrics.String())
			}
		}},
		{"fix it", func(t *testing.T) {
			saveLikeAnEditor(t, newFile, fmt.Sprintf(pantry, "Weekday groceries", "food.pantry"))
		}, func(t *testing.T) {
			eventually(t, "the fixed listing to be found", func() bool { return has(found(t, base, "weekday groceries"), "Weekday groceries") })
			if status, errs := readyz(t, base); status != "ready" || len(errs) > 0 {
				t.Errorf("readyz after the fix: %s %v", status, errs)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.change(t)
			st.check(t)
		})
	}
	close(stop)
	clients.Wait()
	if n := failures.Load(); n > 0 {
		t.Errorf("%d of %d requests failed; the first: %v", n, requests.Load(), firstFailure.Load())
	}
	t.Logf("%d searches from 8 clients during the changes, %d failed", requests.Load(), failures.Load())
	if requests.Load() < 100 {
		t.Errorf("only %d requests ran during the changes", requests.Load())
	}
	if !strings.Contains(logs.String(), "trigger=\"file change\"") {
		t.Errorf("no reload by file change in the log:\n%s", logs)
	}
}
