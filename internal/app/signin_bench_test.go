package app_test

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSignInLoad measures what bursts of 32 concurrent password
// sign-ins do to a running `trellis serve` over the bundled directory:
// the server's peak resident memory (Linux's VmHWM, reported as
// peak-rss-MB) and the latency of the public searches made meanwhile
// (search-p50-ms, search-p99-ms, against baseline-p99-ms before any
// sign-in). Each iteration is one burst; every sign-in comes from its own
// forwarded address (the server trusts loopback as its proxy) for its own
// account, so that no rate limit answers for the password hashing, which
// is what the burst is about. It asserts nothing about time: `make
// bench-signin` prints the numbers.
func BenchmarkSignInLoad(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("peak memory is read from /proc: Linux only")
	}
	bin := buildTrellis(b)
	env := cleanEnv()
	state := b.TempDir()
	s := startServer(b, bin, env, "--state-dir", state, "--trusted-proxies", "127.0.0.1/32", "--search-rate", "0")
	pid := s.cmd.Process.Pid
	client := &http.Client{Timeout: 30 * time.Second}
	search := func() (time.Duration, error) {
		start := time.Now()
		resp, err := client.Get(s.url + "/api/v1/search?q=shelter&near=20002")
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("search: %d", resp.StatusCode)
		}
		return time.Since(start), nil
	}
	var baseline []time.Duration
	for range 200 {
		d, err := search()
		if err != nil {
			b.Fatal(err)
		}
		baseline = append(baseline, d)
	}

	// A searcher runs back to back while the bursts run.
	var (
		mu        sync.Mutex
		during    []time.Duration
		searchErr error
		stop      = make(chan struct{})
		stopped   = make(chan struct{})
	)
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
			}
			d, err := search()
			mu.Lock()
			if err != nil && searchErr == nil {
				searchErr = err
			}
			during = append(during, d)
			mu.Unlock()
		}
	}()
	var answered, refused atomic.Int64
	var seq atomic.Int64
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		gate := make(chan struct{})
		for range 32 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := seq.Add(1)
				body := fmt.Sprintf(`{"email": "load%d@example.org", "password": "not the password at all"}`, n)
				req, _ := http.NewRequest("POST", s.url+"/api/v1/auth/session", strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255))
				<-gate
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusUnauthorized:
					answered.Add(1)
				case http.StatusTooManyRequests:
					refused.Add(1)
				default:
					b.Errorf("sign-in: %d", resp.StatusCode)
				}
			}()
		}
		close(gate)
		wg.Wait()
	}
	b.StopTimer()
	close(stop)
	<-stopped
	if searchErr != nil {
		b.Fatal(searchErr)
	}
	peak, err := peakRSS(pid)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-rss-MB")
	b.ReportMetric(ms(percentile(baseline, 0.99)), "baseline-p99-ms")
	b.ReportMetric(ms(percentile(during, 0.50)), "search-p50-ms")
	b.ReportMetric(ms(percentile(during, 0.99)), "search-p99-ms")
	b.ReportMetric(float64(len(during)), "searches")
	b.ReportMetric(float64(answered.Load())/float64(b.N), "hashed/op")
	b.ReportMetric(float64(refused.Load())/float64(b.N), "429/op")
}

// peakRSS returns the peak resident memory of process pid, in bytes.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(p*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
