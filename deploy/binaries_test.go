package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/arxos/arxport/internal/testenv"
)

// TestBinariesTakeComposeEnvironment starts arxport-api, arxport-worker and
// arxport-scheduler with the environment docker-compose.yml gives them, as
// written, except for the addresses of what this machine provides instead of
// the compose network: REDIS_URL and DATABASE_URL (a Redis database and a
// Postgres database of the test's own), the endpoint= of ARXPORT_STORAGE (an
// in-process S3 server: bucket, prefix, region, secure=false and create=true
// stay), the host of OTEL_EXPORTER_OTLP_ENDPOINT (a recorder), and the listen
// addresses (free loopback ports). Each role must then pass its own compose
// healthcheck, run through arxport-healthcheck, and stop cleanly on SIGTERM.
func TestBinariesTakeComposeEnvironment(t *testing.T) {
	p := load(t)
	deps := testDeps{
		redisURL:    testenv.RedisURLFor(testenv.Redis(t)),
		databaseURL: testenv.Postgres(t),
		s3Endpoint:  fakeS3(t),
		otlp:        newRecorder(t),
	}

	// api: ready (Redis, job store and the bucket it created), its compose
	// healthcheck passes, the keys the compose file sets work, /metrics answers.
	api := deps.start(t, p, "api")
	api.waitHealthy(t, 60*time.Second)
	base := "http://" + api.addrs[api.port("ARXPORT_ADDR")]
	for _, key := range []string{firstKey(api.compose["ARXPORT_API_KEYS"]), firstKey(api.compose["ARXPORT_ADMIN_KEYS"])} {
		expect(t, base+"/v1/exports", key, http.StatusOK)
	}
	expect(t, base+"/v1/exports", "not-a-key", http.StatusUnauthorized)
	expect(t, base+"/metrics", "", http.StatusOK)

	// worker: its metrics listener answers and its asynq server is active
	// (the compose healthcheck); /metrics answers too.
	worker := deps.start(t, p, "worker")
	worker.waitHealthy(t, 30*time.Second)
	port := worker.port("ARXPORT_METRICS_ADDR")
	if port == "" {
		t.Fatal("arxport-worker reads no ARXPORT_METRICS_ADDR: the collector scrapes nothing")
	}
	expect(t, "http://"+worker.addrs[port]+"/healthz", "", http.StatusOK)
	expect(t, "http://"+worker.addrs[port]+"/metrics", "", http.StatusOK)
	worker.stop(t)
	// With the worker gone, its healthcheck fails, the heartbeat part too:
	// asynq clears a server's state when it stops.
	if err := worker.healthcheck(t); err == nil {
		t.Error("the worker's healthcheck passes with no worker running")
	}
	if err := worker.run(t, healthcheck, "asynq:"); err == nil {
		t.Error("arxport-healthcheck asynq: passes with no worker running")
	}

	// scheduler: the same check, on its own asynq server (maintenance queue).
	scheduler := deps.start(t, p, "scheduler")
	scheduler.waitHealthy(t, 30*time.Second)
	scheduler.stop(t)

	api.stop(t)
	// The api's spans (flushed at the latest when it stops) reached the
	// OTLP/HTTP endpoint the compose file names, with its protocol.
	seen := deps.otlp.seen()
	t.Logf("OTLP requests received from the roles: %v", seen)
	if seen["POST /v1/traces"] == 0 {
		t.Errorf("no spans arrived by OTLP/HTTP at OTEL_EXPORTER_OTLP_ENDPOINT: %v", seen)
	}
}

// testDeps are what this machine gives the roles instead of the compose network.
type testDeps struct {
	redisURL, databaseURL, s3Endpoint string
	otlp                              *recorder
}

// role is a running binary with its environment.
type role struct {
	name    string
	compose map[string]string // the environment the compose file gives it
	env     []string          // the environment it runs with here
	addrs   map[string]string // container port → the address it listens on here
	known   map[string]setting
	check   []string // its compose healthcheck
	cmd     *exec.Cmd
	log     *syncBuffer
	done    chan struct{}
}

func (d testDeps) start(t *testing.T, p *types.Project, name string) *role {
	t.Helper()
	s := service(t, p, name)
	r := &role{
		name: name, compose: environment(s), addrs: map[string]string{}, known: settings(t, name),
		check: s.HealthCheck.Test, log: &syncBuffer{}, done: make(chan struct{}),
	}
	env := map[string]string{}
	for k, v := range r.compose {
		env[k] = v
	}
	swap := func(name, value string) {
		t.Logf("%s: %s=%s (compose: %q)", r.name, name, value, r.compose[name])
		env[name] = value
	}
	for _, name := range []string{"REDIS_URL", "DATABASE_URL", "ARXPORT_STORAGE", "OTEL_EXPORTER_OTLP_ENDPOINT"} {
		if _, ok := env[name]; !ok {
			t.Fatalf("%s: the compose file sets no %s", r.name, name)
		}
	}
	swap("REDIS_URL", d.redisURL)
	swap("DATABASE_URL", d.databaseURL)
	u, err := url.Parse(env["ARXPORT_STORAGE"])
	if err != nil {
		t.Fatalf("%s: ARXPORT_STORAGE: %v", r.name, err)
	}
	q := u.Query()
	q.Set("endpoint", d.s3Endpoint)
	u.RawQuery = q.Encode()
	swap("ARXPORT_STORAGE", u.String())
	u, err = url.Parse(env["OTEL_EXPORTER_OTLP_ENDPOINT"])
	if err != nil {
		t.Fatalf("%s: OTEL_EXPORTER_OTLP_ENDPOINT: %v", r.name, err)
	}
	u.Host = d.otlp.host
	swap("OTEL_EXPORTER_OTLP_ENDPOINT", u.String())
	// Listeners: the compose value (or the default) names the container's
	// port; here each gets a free loopback port.
	for _, name := range []string{"ARXPORT_ADDR", "ARXPORT_METRICS_ADDR"} {
		if name == "ARXPORT_ADDR" && r.name != "api" {
			continue // only the api listens there
		}
		set, ok := r.known[name]
		if !ok {
			continue
		}
		addr, ok := env[name]
		if !ok {
			addr = set.def
		}
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("%s: %s=%q: %v", r.name, name, addr, err)
		}
		r.addrs[port] = freeAddr(t)
		swap(name, r.addrs[port])
	}
	// As in the image: nothing else from this machine's environment.
	r.env = []string{"HOME=" + t.TempDir(), "TMPDIR=" + t.TempDir()}
	for k, v := range env {
		r.env = append(r.env, k+"="+v)
	}
	sort.Strings(r.env)

	r.cmd = exec.Command(filepath.Join(bin, s.Command[0]), s.Command[1:]...)
	r.cmd.Env = r.env
	r.cmd.Stdout, r.cmd.Stderr = r.log, r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", s.Command, err)
	}
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		r.kill()
		if t.Failed() {
			t.Logf("--- %s log ---\n%s", r.name, tail(r.log.String(), 8000))
		}
	})
	return r
}

// port answers the container port of a listen-address setting, "" when the
// binary has no such setting.
func (r *role) port(name string) string {
	set, ok := r.known[name]
	if !ok {
		return ""
	}
	addr, ok := r.compose[name]
	if !ok {
		addr = set.def
	}
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// healthcheck runs the role's compose healthcheck (["CMD", binary, targets...])
// with the role's environment, as Docker runs it inside the container; a URL
// on the container's loopback goes to where that port listens here.
func (r *role) healthcheck(t *testing.T) error {
	t.Helper()
	return r.run(t, r.check[1], r.check[2:]...)
}

// run runs one of the image's binaries as the healthcheck would.
func (r *role) run(t *testing.T, name string, args ...string) error {
	t.Helper()
	args = slices.Clone(args)
	for i, a := range args {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		addr, ok := r.addrs[u.Port()]
		if !ok || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost") {
			t.Fatalf("%s healthcheck %s: the container listens on no such address (ports %v)", r.name, a, r.addrs)
		}
		u.Host = addr
		args[i] = u.String()
	}
	cmd := exec.Command(filepath.Join(bin, name), args...)
	cmd.Env = r.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, args, err, bytes.TrimSpace(out))
	}
	return nil
}

func (r *role) waitHealthy(t *testing.T, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		err := r.healthcheck(t)
		if err == nil {
			return
		}
		select {
		case <-r.done:
			t.Fatalf("%s exited (%v) with the compose file's environment:\n%s", r.name, r.cmd.ProcessState, tail(r.log.String(), 8000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: its compose healthcheck did not pass within %s: %v", r.name, within, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// stop sends SIGTERM, as `docker compose stop` does, and wants a clean exit
// well within the stop grace period.
func (r *role) stop(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Errorf("%s did not stop within 30s of SIGTERM", r.name)
		r.kill()
	}
	if !r.cmd.ProcessState.Success() {
		t.Errorf("%s stopped with %v:\n%s", r.name, r.cmd.ProcessState, tail(r.log.String(), 4000))
	}
	r.checkLog(t)
}

// checkLog: a value the configuration cannot read is only a warning and a
// default (app/config.go), so the log must have none; and every line is JSON,
// as ARXPORT_LOG_FORMAT says.
func (r *role) checkLog(t *testing.T) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimSpace(r.log.String()), "\n") {
		if badSetting.MatchString(line) {
			t.Errorf("%s does not take the compose file's setting: %s", r.name, line)
			continue
		}
		if r.compose["ARXPORT_LOG_FORMAT"] == "json" && line != "" && !json.Valid([]byte(line)) {
			t.Errorf("%s logs a line that is not JSON (ARXPORT_LOG_FORMAT=json): %s", r.name, line)
		}
	}
}

var badSetting = regexp.MustCompile(`[A-Z][A-Z0-9_]+=".*" is not a`)

func (r *role) kill() {
	select {
	case <-r.done:
	default:
		r.cmd.Process.Kill()
		<-r.done
	}
}

// TestHealthcheck: arxport-healthcheck passes on 2xx and open ports and fails
// on anything else.
func TestHealthcheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"status":"unavailable"}`, http.StatusServiceUnavailable)
	}))
	defer down.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { time.Sleep(2 * time.Second) }))
	defer slow.Close()
	closed := freeAddr(t)
	for _, c := range []struct {
		args []string
		pass bool
	}{
		{[]string{ok.URL + "/readyz"}, true},
		{[]string{"tcp://" + ok.Listener.Addr().String()}, true},
		{[]string{ok.URL, "tcp://" + ok.Listener.Addr().String()}, true},
		{[]string{down.URL + "/readyz"}, false},
		{[]string{ok.URL, down.URL}, false},
		{[]string{"-timeout", "300ms", slow.URL}, false},
		{[]string{"http://" + closed + "/healthz"}, false},
		{[]string{"tcp://" + closed}, false},
		{[]string{"ftp://" + closed}, false},
		{[]string{}, false},
	} {
		cmd := exec.Command(filepath.Join(bin, healthcheck), c.args...)
		cmd.Env = []string{}
		out, err := cmd.CombinedOutput()
		if (err == nil) != c.pass {
			t.Errorf("%s %q: %v, want pass=%v\n%s", healthcheck, c.args, err, c.pass, out)
		}
	}
	// asynq: with no asynq server of this host in the Redis of REDIS_URL.
	cmd := exec.Command(filepath.Join(bin, healthcheck), "asynq:")
	cmd.Env = []string{"REDIS_URL=" + testenv.RedisURLFor(testenv.Redis(t))}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "no active asynq server") {
		t.Errorf("asynq: with no server: %v\n%s", err, out)
	}
}

func expect(t *testing.T, url, key string, status int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
	resp.Body.Close()
	if resp.StatusCode != status {
		t.Errorf("GET %s: %s, want %d: %s", url, resp.Status, status, body)
	}
}

// firstKey answers the first key of "key=tenant,..." or "key,...".
func firstKey(list string) string {
	first, _, _ := strings.Cut(list, ",")
	key, _, _ := strings.Cut(first, "=")
	return strings.TrimSpace(key)
}

// fakeS3 serves an in-memory S3 (gofakes3) and answers its host:port.
func fakeS3(t *testing.T) string {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithLogger(gofakes3.DiscardLog()))
	srv := httptest.NewUnstartedServer(faker.Server())
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// recorder stands in for the collector's OTLP/HTTP receiver: it accepts
// everything and remembers the paths.
type recorder struct {
	host  string
	mu    sync.Mutex
	paths map[string]int
}

func newRecorder(t *testing.T) *recorder {
	r := &recorder{paths: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.paths[req.Method+" "+req.URL.Path]++
		r.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(srv.Close)
	r.host = srv.Listener.Addr().String()
	return r
}

func (r *recorder) seen() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.paths {
		out[k] = v
	}
	return out
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}
