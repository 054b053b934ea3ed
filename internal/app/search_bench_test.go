package app_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"trellis/internal/hsds"
	"trellis/internal/search/searchtest"
	"trellis/internal/testkit"
)

// BenchmarkHTTPSearch measures `trellis serve` as a client sees it: how
// long the server takes to be ready and its peak memory on a first start
// that builds the search index (cold-ready-s, cold-peak-rss-MB) and on a
// second that reopens it (ready-s, ready-peak-rss-MB), then b.N searches
// of GET /api/v1/search from 8 concurrent clients over loopback — common
// need words near ZIP codes, 25 km, 20 results, the mix of the PostgreSQL
// comparison harness — reporting requests a second (req/s), the
// latencies' p50 and p99, and the server's peak and final resident
// memory. It runs on two directories:
//
//   - bundled: the bundled directory, searched from ZIP codes around
//     Washington, DC; or, named bench-data instead, the data directory
//     TRELLIS_BENCH_DATA names (for example an imported copy of the
//     national package, see README "Performance"), searched from ZIP
//     codes across the country.
//   - synthetic-100k: the synthetic directory of 100,000 services the
//     in-process benchmarks use (searchtest.Synthetic), written as a data
//     directory by `trellis import hsds` (see writeSyntheticData) and
//     searched from ZIP codes near the cities it is scattered around.
//
// The server refuses to start on data with problems, so the written
// directory is checked as `trellis validate` would. The untimed warm-up
// pass sends each distinct search once and fails the run when one finds
// nothing, or, on the synthetic directory, when more than a tenth find
// too little within 25 km: a broken setup is not measured. It asserts
// nothing about time: `make bench` prints the numbers.
func BenchmarkHTTPSearch(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("memory is read from /proc: Linux only")
	}
	bin := buildTrellis(b)
	if dir := os.Getenv("TRELLIS_BENCH_DATA"); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("bench-data", func(b *testing.B) {
			benchHTTPSearch(b, bin, abs, func(float64, float64) bool { return true }, false)
		})
	} else {
		b.Run("bundled", func(b *testing.B) {
			// Around the bundled directory's centre, within 40 km.
			benchHTTPSearch(b, bin, "", func(lat, lon float64) bool { return haversineKm(lat, lon, 38.9, -77.03) < 40 }, false)
		})
	}
	// A benchmark function runs twice (first with b.N = 1) and its
	// temporary directories go after each run: the directory is written
	// once, into the parent's.
	synthRoot, synth := b.TempDir(), ""
	b.Run("synthetic-100k", func(b *testing.B) {
		if synth == "" {
			dir := filepath.Join(synthRoot, "data")
			writeSyntheticData(b, dir, syntheticServices)
			synth = dir
		}
		// Within 15 km of a city's centre: the synthetic locations lie
		// mostly within 10 km of it, so a 25 km search finds them.
		benchHTTPSearch(b, bin, synth, func(lat, lon float64) bool {
			for _, c := range searchtest.Cities {
				if haversineKm(lat, lon, c.Lat, c.Lon) < 15 {
					return true
				}
			}
			return false
		}, true)
	})
}

// syntheticServices is the size of the synthetic directory, as in the
// in-process benchmarks of packages search and match.
const syntheticServices = 100_000

// benchHTTPSearch is one run of BenchmarkHTTPSearch on the data directory
// dir ("" for the embedded bundled data), searched from the ZIP codes
// whose centroid near keeps. It fails when a search finds nothing, and
// with local when more than a tenth find too little within 25 km.
func benchHTTPSearch(b *testing.B, bin, dir string, near func(lat, lon float64) bool, local bool) {
	const clients = 8
	args := []string{"--state-dir", b.TempDir(), "--search-rate", "0", "--watch=false"}
	if dir != "" {
		args = append(args, "--data", dir)
	}
	zips := benchZIPs(b, near)
	words := []string{"food", "shelter", "detox", "methadone", "dental", "mental health", "job training",
		"legal aid", "substance use", "clinic", "counseling", "treatment", "food pantry", "comida", "health center", "housing"}
	r := rand.New(rand.NewSource(11))
	paths := make([]string, 500)
	for i := range paths {
		q := url.Values{"q": {words[r.Intn(len(words))]}, "near": {zips[r.Intn(len(zips))]}, "radius": {"25km"}, "per_page": {"20"}}
		paths[i] = "/api/v1/search?" + q.Encode()
	}

	// The first start, on an empty state directory, loads the listings
	// and builds the search index (cold); the server measured is the
	// second, which reopens the index (warm).
	start := time.Now()
	cold := startServer(b, bin, cleanEnv(), args...)
	coldReady := time.Since(start)
	coldPeak, err := peakRSS(cold.cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	if err := cold.stop(b, syscall.SIGTERM); err != nil {
		b.Fatalf("stop the first server: %v", err)
	}
	start = time.Now()
	s := startServer(b, bin, cleanEnv(), args...)
	ready := time.Since(start)
	if !strings.Contains(s.logs.String(), "index=reopened") {
		b.Fatalf("the second start did not reopen the index:\n%s", s.logs.String())
	}
	pid := s.cmd.Process.Pid
	readyPeak, err := peakRSS(pid)
	if err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	get := func(p string, body io.Writer) error {
		resp, err := client.Get(s.url + p)
		if err != nil {
			return err
		}
		_, _ = io.Copy(body, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d", p, resp.StatusCode)
		}
		return nil
	}
	// One pass to warm up, untimed, which also checks that the searches
	// find something: a directory that did not load as meant, or ZIP
	// codes far from its services, would measure empty answers.
	empty, farther := 0, 0
	var body bytes.Buffer
	for _, p := range paths {
		body.Reset()
		if err := get(p, &body); err != nil {
			b.Fatal(err)
		}
		var res struct {
			Results []json.RawMessage `json:"results"`
			Widened *struct {
				ToM        float64 `json:"to_m"`
				Everywhere bool    `json:"everywhere"`
			} `json:"widened"`
		}
		if err := json.Unmarshal(body.Bytes(), &res); err != nil {
			b.Fatalf("%s: %v", p, err)
		}
		if len(res.Results) == 0 {
			empty++
		}
		if res.Widened != nil && (res.Widened.ToM > 0 || res.Widened.Everywhere) {
			farther++
		}
	}
	b.Logf("of %d searches, %d found nothing and %d looked beyond 25 km", len(paths), empty, farther)
	// A search looks farther until it finds something, to the whole
	// directory: finding nothing means that no service anywhere fits.
	if empty > 0 {
		b.Fatalf("%d of %d searches found nothing: is the directory loaded as meant?", empty, len(paths))
	}
	if local && farther > len(paths)/10 {
		b.Fatalf("%d of %d searches found too little within 25 km and looked farther: the ZIP codes searched from are not near the services", farther, len(paths))
	}
	lat := make([][]time.Duration, clients)
	var next sync.Mutex
	n := 0
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	b.ResetTimer()
	t0 := time.Now()
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				next.Lock()
				i := n
				n++
				next.Unlock()
				if i >= b.N {
					return
				}
				t := time.Now()
				if err := get(paths[i%len(paths)], io.Discard); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(t0)
	b.StopTimer()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	peak, err := peakRSS(pid)
	if err != nil {
		b.Fatal(err)
	}
	rss, err := currentRSS(pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(coldReady.Seconds(), "cold-ready-s")
	b.ReportMetric(float64(coldPeak)/(1<<20), "cold-peak-rss-MB")
	b.ReportMetric(ready.Seconds(), "ready-s")
	b.ReportMetric(float64(readyPeak)/(1<<20), "ready-peak-rss-MB")
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(ms(percentile(all, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(all, 0.99)), "p99-ms")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
}

// writeSyntheticData writes the synthetic directory of n services
// (searchtest.Synthetic with seed 1, as the in-process benchmarks use) as
// a data directory at dir: the repository's data/ without its listings,
// and the listings written the way `trellis import hsds` writes them. The
// catalog is exported as an HSDS tabular package (hsds.Export, as
// `trellis export hsds`) and imported with hsds.Import, so the listing
// files are the importer's own. Confidential locations stay out, as every
// export leaves them: their services are found by their service areas.
// The files are dated an hour back, as a data directory's are, so that a
// restart does not read them again as changed too recently to trust.
func writeSyntheticData(tb testing.TB, dir string, n int) {
	tb.Helper()
	t0 := time.Now()
	const src = "../../data"
	entries, err := os.ReadDir(src)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		if name := e.Name(); name != "listings" && !strings.HasSuffix(name, ".go") {
			testkit.CopyTree(tb, os.DirFS(src), name, filepath.Join(dir, name))
		}
	}
	tax, voc, err := searchtest.Words(os.DirFS(src))
	if err != nil {
		tb.Fatal(err)
	}
	cat, err := searchtest.Synthetic(tax, voc, n, 1)
	if err != nil {
		tb.Fatal(err)
	}
	ds, err := hsds.Export(cat, hsds.ExportOptions{Name: "synthetic"})
	if err != nil {
		tb.Fatal(err)
	}
	pkg := filepath.Join(filepath.Dir(dir), "hsds")
	if _, err := ds.WriteDir(context.Background(), pkg, hsds.FormatTabular); err != nil {
		tb.Fatal(err)
	}
	exported := time.Since(t0)
	rep, err := hsds.Import(context.Background(), hsds.ImportOptions{Package: pkg, DataDir: dir})
	if err != nil {
		tb.Fatal(err)
	}
	if rep.Imported.Services != cat.ServiceCount() || rep.Skipped != (hsds.Counts{}) || len(rep.UnmappedTerms) > 0 {
		var text strings.Builder
		_ = rep.WriteText(&text)
		tb.Fatalf("import of the synthetic directory: %d services of %d imported:\n%s", rep.Imported.Services, cat.ServiceCount(), text.String())
	}
	if err := os.RemoveAll(pkg); err != nil {
		tb.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			err = os.Chtimes(p, old, old)
		}
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("synthetic directory: %d organizations, %d services in %d listing files, written in %s (generated and exported in %s)",
		rep.Imported.Organizations, rep.Imported.Services, rep.FilesNew, time.Since(t0).Round(time.Millisecond), exported.Round(time.Millisecond))
}

// benchZIPs returns the ZIP codes of the bundled Census centroids for
// which keep is true.
func benchZIPs(tb testing.TB, keep func(lat, lon float64) bool) []string {
	tb.Helper()
	f, err := os.Open("../../data/geo/zcta_2021_centroids.csv.gz")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	rows, err := csv.NewReader(gz).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var zips []string
	for _, row := range rows[1:] {
		lat, err1 := strconv.ParseFloat(row[1], 64)
		lon, err2 := strconv.ParseFloat(row[2], 64)
		if err1 == nil && err2 == nil && keep(lat, lon) {
			zips = append(zips, row[0])
		}
	}
	if len(zips) == 0 {
		tb.Fatal("no ZIP codes to search from")
	}
	return zips
}

func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 6371 * 2 * math.Asin(math.Sqrt(a))
}

// currentRSS returns the resident memory of process pid now, in bytes.
func currentRSS(pid int) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", pid))
	if err != nil {
		return 0, err
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(data), &size, &resident); err != nil {
		return 0, err
	}
	return resident * int64(os.Getpagesize()), nil
}
