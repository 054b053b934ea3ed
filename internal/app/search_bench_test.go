package app_test

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
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
)

// BenchmarkHTTPSearch measures `trellis serve` as a client sees it: how
// long the server takes to be ready and its peak memory on a first start
// that builds the search index (cold-ready-s, cold-peak-rss-MB) and on a
// second that reopens it (ready-s), then b.N searches of
// GET /api/v1/search from 8 concurrent clients over loopback — common
// need words near ZIP codes, 25 km, 20 results, the mix of the PostgreSQL
// comparison harness — reporting requests a second (req/s), the
// latencies' p50 and p99, and the server's peak and final resident
// memory. The bundled directory is searched from ZIP codes around
// Washington, DC; with TRELLIS_BENCH_DATA naming an imported data
// directory (for example the national package, see README "Performance")
// from ZIP codes across the country. It asserts nothing about time:
// `make bench` prints the numbers.
func BenchmarkHTTPSearch(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("memory is read from /proc: Linux only")
	}
	const clients = 8
	args := []string{"--state-dir", b.TempDir(), "--search-rate", "0", "--watch=false"}
	// Around the bundled directory's centre, within 40 km.
	near := func(lat, lon float64) bool { return haversineKm(lat, lon, 38.9, -77.03) < 40 }
	if dir := os.Getenv("TRELLIS_BENCH_DATA"); dir != "" {
		abs, err := filepath.Abs(dir)
		if err != nil {
			b.Fatal(err)
		}
		args = append(args, "--data", abs)
		near = func(float64, float64) bool { return true }
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

	bin := buildTrellis(b)
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
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	get := func(p string) error {
		resp, err := client.Get(s.url + p)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %d", p, resp.StatusCode)
		}
		return nil
	}
	// One pass to warm up, untimed.
	for _, p := range paths {
		if err := get(p); err != nil {
			b.Fatal(err)
		}
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
				if err := get(paths[i%len(paths)]); err != nil {
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
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(ms(percentile(all, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(all, 0.99)), "p99-ms")
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
	b.ReportMetric(float64(rss)/(1<<20), "rss-MB")
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
