package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"trellis/internal/postgres/pgtest"
	"trellis/internal/referral"
	"trellis/internal/sqlite"
	"trellis/internal/testkit"
)

// buildTrellis builds the trellis command into a temporary directory and
// returns its path.
func buildTrellis(t testing.TB) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("these tests build the trellis binary and need the go command on PATH: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "trellis")
	cmd := exec.Command(goTool, "build", "-o", bin, "-ldflags", "-X trellis/internal/buildinfo.version="+stampedVersion, "trellis/cmd/trellis")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// stampedVersion is the version buildTrellis stamps, as `make build` does
// with git describe.
const stampedVersion = "v0.0.0-test-gabc1234"

// TestVersion checks that the built binary reports the stamped version
// from --version and from the version command, and that the server says
// the same at /healthz and in trellis_build_info.
func TestVersion(t *testing.T) {
	bin := buildTrellis(t)
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), "trellis "+stampedVersion+"\n") {
			t.Errorf("trellis %s: %v %q", args[0], err, out)
		}
	}
	s := startServer(t, bin, cleanEnv())
	for path, want := range map[string]string{
		"/healthz": `"version":"` + stampedVersion + `"`,
		"/metrics": `trellis_build_info{goversion="go`,
	} {
		resp, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) || !strings.Contains(string(b), stampedVersion) {
			t.Errorf("%s lacks %q and the version %s:\n%.600s", path, want, stampedVersion, b)
		}
	}
}

// cleanEnv is the environment without TRELLIS_* settings of whoever runs
// the tests, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "TRELLIS_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// server is a `trellis serve` process.
type server struct {
	cmd  *exec.Cmd
	url  string
	logs *testkit.Buffer
	done chan struct{}
	err  error
}

var servingRE = regexp.MustCompile(`msg=serving url=(\S+)`)

// startServer runs `trellis serve` on a free loopback port with args and
// env, waits until it serves, and kills it when the test ends if it is
// still running.
func startServer(t testing.TB, bin string, env []string, args ...string) *server {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Dir = t.TempDir() // no ./data there: the embedded data serves
	cmd.Env = env
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, logs: &testkit.Buffer{}, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.logs, line)
			if m := servingRE.FindStringSubmatch(line); m != nil {
				urls <- m[1]
			}
		}
		s.err = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = cmd.Process.Kill()
			<-s.done
		}
	})
	select {
	case s.url = <-urls:
	case <-s.done:
		t.Fatalf("trellis serve exited: %v\n%s", s.err, s.logs.String())
	}
	// No limit on the time a start takes: a busy machine is slow, not
	// wrong; go test's -timeout catches a server that never starts.
	return s
}

// stop sends sig and waits for the process to end.
func (s *server) stop(t testing.TB, sig os.Signal) error {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	<-s.done // go test's -timeout catches a server that never stops
	return s.err
}

// client calls the API of a server with a bearer token.
type client struct {
	t     *testing.T
	token string
	http  *http.Client
}

func newClient(t *testing.T, token string) *client {
	return &client{t: t, token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// call sends a JSON request and returns the status and body; a transport
// error (the server is gone) is returned as err.
func (c *client) call(method, u string, body any) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// must sends a request that must answer want, and decodes the answer into
// out.
func (c *client) must(method, u string, body any, want int, out any) {
	c.t.Helper()
	status, b, err := c.call(method, u, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, u, err)
	}
	if status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, u, status, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, u, err, b)
		}
	}
}

// addUser runs `trellis user add ... --password-stdin EMAIL` as the issue
// scripts it.
func addUser(t testing.TB, bin string, env []string, store []string, email, role string) {
	t.Helper()
	args := append(append([]string{"user", "add"}, store...), "--role", role, "--password-stdin", email)
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(longPassword + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "added "+email) {
		t.Fatalf("trellis user add: %v\n%s", err, out)
	}
}

// signIn returns an API token for email.
func signIn(t *testing.T, base, email string) string {
	t.Helper()
	var tok struct{ Token string }
	newClient(t, "").must("POST", base+"/api/v1/auth/tokens", map[string]string{"email": email, "password": longPassword}, 201, &tok)
	return tok.Token
}

// pickService searches the served directory for a shelter and returns its
// id and first category.
func pickService(t *testing.T, base string) (string, string) {
	t.Helper()
	var sb struct {
		Results []struct {
			Service struct{ ID string } `json:"service"`
		} `json:"results"`
	}
	c := newClient(t, "")
	c.must("GET", base+"/api/v1/search?"+url.Values{"q": {"shelter"}}.Encode(), nil, 200, &sb)
	if len(sb.Results) == 0 {
		t.Fatal("search for shelter found nothing")
	}
	id := sb.Results[0].Service.ID
	var svc struct {
		Categories []struct{ ID string } `json:"categories"`
	}
	c.must("GET", base+"/api/v1/services/"+id, nil, 200, &svc)
	if len(svc.Categories) == 0 {
		t.Fatalf("service %s has no categories", id)
	}
	return id, svc.Categories[0].ID
}

type referralAnswer struct {
	ID       string `json:"id"`
	PeerRef  string `json:"peer_ref"`
	Status   string `json:"status"`
	Timeline []struct {
		To    string `json:"to"`
		Actor struct{ Kind string }
	} `json:"timeline"`
}

// TestDurabilityAfterSIGKILL starts the real binary on SQLite, records
// referrals from concurrent clients, kills the process with SIGKILL while
// requests are in flight, restarts it on the same state directory and
// checks that every referral acknowledged with 201 is there, whole, and
// that nothing half-written is.
func TestDurabilityAfterSIGKILL(t *testing.T) {
	bin := buildTrellis(t)
	state := t.TempDir()
	env := cleanEnv()
	addUser(t, bin, env, []string{"--state-dir", state}, "ana@example.org", "specialist")
	srv := startServer(t, bin, env, "--state-dir", state)
	token := signIn(t, srv.url, "ana@example.org")
	serviceID, need := pickService(t, srv.url)

	const clients, perClient, killAfter = 6, 300, 150
	var (
		mu     sync.Mutex
		acked  = map[string]string{} // id -> peer_ref
		failed []string
		wg     sync.WaitGroup
		kill   sync.Once
		killed = make(chan struct{})
	)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := newClient(t, token)
			for i := range perClient {
				status, b, err := cl.call("POST", srv.url+"/api/v1/referrals", map[string]any{
					"service_id": serviceID, "need": need,
					"notes": fmt.Sprintf("durability note %d-%d", c, i), "consent": map[string]string{"method": "verbal"},
				})
				if err != nil {
					return // the server is gone
				}
				var r referralAnswer
				if status != 201 || json.Unmarshal(b, &r) != nil || r.ID == "" {
					mu.Lock()
					failed = append(failed, fmt.Sprintf("%d %s", status, b))
					mu.Unlock()
					return
				}
				mu.Lock()
				acked[r.ID] = r.PeerRef
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					kill.Do(func() {
						_ = srv.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}()
	}
	wg.Wait()
	if len(failed) > 0 {
		t.Fatalf("%d requests failed before the kill, first: %s", len(failed), failed[0])
	}
	select {
	case <-killed:
	default:
		t.Fatal("the clients finished before the server was killed")
	}
	<-srv.done
	if ws, ok := srv.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("server ended with %v, want SIGKILL", srv.err)
	}
	t.Logf("%d referrals acknowledged before SIGKILL", len(acked))

	srv2 := startServer(t, bin, env, "--state-dir", state)
	cl := newClient(t, token)
	for id, peer := range acked {
		var r referralAnswer
		cl.must("GET", srv2.url+"/api/v1/referrals/"+id, nil, 200, &r)
		if r.PeerRef != peer || r.Status != "sent" || len(r.Timeline) != 1 || r.Timeline[0].To != "sent" {
			t.Errorf("acknowledged referral %s after restart: %+v", id, r)
		}
	}
	var page struct {
		Total     int              `json:"total"`
		Referrals []referralAnswer `json:"referrals"`
	}
	cl.must("GET", srv2.url+"/api/v1/referrals?per_page=500", nil, 200, &page)
	// At most one request per client was in flight at the kill: it may
	// have been stored without its answer arriving.
	if page.Total < len(acked) || page.Total > len(acked)+clients || len(page.Referrals) != page.Total {
		t.Errorf("%d referrals stored, %d acknowledged", page.Total, len(acked))
	}
	for _, r := range page.Referrals {
		if _, ok := acked[r.ID]; ok {
			continue
		}
		var full referralAnswer
		cl.must("GET", srv2.url+"/api/v1/referrals/"+r.ID, nil, 200, &full)
		if !referral.IsPseudonym(full.PeerRef) || len(full.Timeline) != 1 {
			t.Errorf("unacknowledged referral %s is not whole: %+v", r.ID, full)
		}
	}
	if err := srv2.stop(t, syscall.SIGTERM); err != nil {
		t.Errorf("graceful stop: %v\n%s", err, srv2.logs.String())
	}

	db, err := sqlite.Open(context.Background(), state)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	checks := []struct{ name, query, want string }{
		{"integrity", "PRAGMA integrity_check", "ok"},
		{"referrals without their first event", "SELECT COUNT(*) FROM referrals r WHERE NOT EXISTS (SELECT 1 FROM referral_events e WHERE e.referral_id = r.id AND e.from_status = '')", "0"},
		{"events without a referral", "SELECT COUNT(*) FROM referral_events e WHERE NOT EXISTS (SELECT 1 FROM referrals r WHERE r.id = e.referral_id)", "0"},
		{"referrals and events", "SELECT (SELECT COUNT(*) FROM referrals) - (SELECT COUNT(*) FROM referral_events)", "0"},
	}
	for _, c := range checks {
		var got string
		if err := db.SQL().QueryRow(c.query).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.name, got, err, c.want)
		}
	}
	logs := srv.logs.String() + srv2.logs.String()
	for _, secret := range []string{"KQ", "durability note", longPassword, token} {
		if strings.Contains(logs, secret) {
			t.Errorf("server log contains %q", secret)
		}
	}
}

// TestTwoInstancesSharePostgres runs two servers on loopback against one
// PostgreSQL schema (the URL given as TRELLIS_DATABASE_URL): a referral
// made on one is read on the other, moves on either are seen by both, and
// of two conflicting moves sent to both at once exactly one wins.
func TestTwoInstancesSharePostgres(t *testing.T) {
	dsn := pgtest.FreshSchema(t)
	bin := buildTrellis(t)
	env := cleanEnv("TRELLIS_DATABASE_URL=" + dsn)
	addUser(t, bin, env, nil, "ana@example.org", "specialist")
	one := startServer(t, bin, env)
	two := startServer(t, bin, env)
	if !strings.Contains(one.logs.String(), "store=postgres") {
		t.Fatalf("server does not use PostgreSQL:\n%s", one.logs.String())
	}
	token := signIn(t, one.url, "ana@example.org")
	cl := newClient(t, token)
	serviceID, need := pickService(t, one.url)

	var r referralAnswer
	cl.must("POST", one.url+"/api/v1/referrals", map[string]any{"peer_ref": "P-PX72C", "service_id": serviceID, "need": need,
		"consent": map[string]string{"method": "written"}}, 201, &r)
	var seen referralAnswer
	cl.must("GET", two.url+"/api/v1/referrals/"+r.ID, nil, 200, &seen)
	if seen.PeerRef != "P-PX72C" || seen.Status != "sent" {
		t.Fatalf("instance two reads %+v", seen)
	}

	// The link made on two works on one; the agency's move is seen on two.
	var link struct{ Token string }
	cl.must("POST", two.url+"/api/v1/referrals/"+r.ID+"/agency-link", nil, 201, &link)
	newClient(t, "").must("POST", one.url+"/api/v1/agency/"+link.Token+"/events", map[string]string{"status": "accepted"}, 201, nil)
	cl.must("GET", two.url+"/api/v1/referrals/"+r.ID, nil, 200, &seen)
	if seen.Status != "accepted" || len(seen.Timeline) != 2 || seen.Timeline[1].Actor.Kind != "agency" {
		t.Fatalf("instance two after the agency accepted on one: %+v", seen)
	}

	// Two conflicting moves at once, one per instance: one wins, one gets 409.
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, target := range []struct{ base, status string }{{one.url, "completed"}, {two.url, "no_show"}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, _ = newClient(t, token).call("POST", target.base+"/api/v1/referrals/"+r.ID+"/events", map[string]string{"status": target.status})
		}()
	}
	wg.Wait()
	if !(statuses[0] == 201 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 201) {
		t.Errorf("conflicting moves answered %v, want one 201 and one 409", statuses)
	}
	var a, b referralAnswer
	cl.must("GET", one.url+"/api/v1/referrals/"+r.ID, nil, 200, &a)
	cl.must("GET", two.url+"/api/v1/referrals/"+r.ID, nil, 200, &b)
	if a.Status != b.Status || len(a.Timeline) != 3 || (a.Status != "completed" && a.Status != "no_show") {
		t.Errorf("instances disagree or lost a move: %+v / %+v", a, b)
	}

	// trellis user disable, run beside the two servers, refuses the
	// account's token on both from the next request; enable lets it sign
	// in again.
	cmd := exec.Command(bin, "user", "disable", "ana@example.org")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "revoked 1 API tokens") {
		t.Fatalf("trellis user disable: %v\n%s", err, out)
	}
	for _, s := range []*server{one, two} {
		if status, body, err := newClient(t, token).call("GET", s.url+"/api/v1/referrals", nil); err != nil || status != 401 {
			t.Errorf("token of a disabled account on %s: %d %s %v", s.url, status, body, err)
		}
	}
	cmd = exec.Command(bin, "user", "enable", "ana@example.org")
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("trellis user enable: %v\n%s", err, out)
	}
	newClient(t, signIn(t, two.url, "ana@example.org")).must("GET", one.url+"/api/v1/referrals", nil, 200, nil)

	for _, s := range []*server{one, two} {
		if err := s.stop(t, syscall.SIGTERM); err != nil {
			t.Errorf("graceful stop: %v", err)
		}
		if strings.Contains(s.logs.String(), "P-PX72C") {
			t.Errorf("server log contains the peer reference")
		}
	}
}
