// Package e2e runs the export service as it runs in production: api and worker
// processes built from cmd/, against the real Redis and Postgres (each test with
// its own Redis database and Postgres database), with files in a local
// directory. Tests drive it through the typed HTTP client.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/arxos/arxport/client"
	"github.com/arxos/arxport/internal/testenv"
)

// bin holds the binaries built once for all tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "arxport-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = dir
	build := exec.Command("go", "build", "-o", dir, "../cmd/api", "../cmd/worker", "../cmd/scheduler")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the service:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Keys of the test tenants.
const (
	keyAcme   = "key-acme-0123456789"
	keyGlobex = "key-globex-0123456789"
	keyAdmin  = "key-admin-0123456789"
	secret    = "whsec-test"
)

// stack is one service: an api process and worker processes sharing a Redis
// database, a Postgres database and a storage directory.
type stack struct {
	t       *testing.T
	env     []string
	url     string
	api     *proc
	workers []*proc
	files   string
}

type proc struct {
	name string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	done chan struct{}
}

func newStack(t *testing.T, extraEnv ...string) *stack {
	t.Helper()
	ropt := testenv.Redis(t)
	db := testenv.Postgres(t)
	s := &stack{t: t, files: t.TempDir()}
	s.env = append(os.Environ(),
		"REDIS_URL="+testenv.RedisURLFor(ropt),
		"DATABASE_URL="+db,
		"ARXPORT_STORAGE="+s.files,
		"ARXPORT_TEMP_DIR="+t.TempDir(),
		"ARXPORT_API_KEYS="+keyAcme+"=acme,"+keyGlobex+"=globex",
		"ARXPORT_ADMIN_KEYS="+keyAdmin,
		"ARXPORT_WEBHOOK_SECRET="+secret,
		"ARXPORT_WEBHOOK_ALLOW=127.0.0.1/32",
		"ARXPORT_LOG_LEVEL=debug",
		"ARXPORT_SHUTDOWN_TIMEOUT=5s",
	)
	s.env = append(s.env, extraEnv...)
	s.startAPI()
	return s
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (s *stack) start(name string, env ...string) *proc {
	s.t.Helper()
	p := &proc{name: name, log: &bytes.Buffer{}, done: make(chan struct{})}
	exe := filepath.Join(bin, strings.SplitN(name, "-", 2)[0])
	p.cmd = exec.Command(exe)
	p.cmd.Env = append(append([]string(nil), s.env...), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		s.t.Fatalf("starting %s: %v", name, err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	s.t.Cleanup(func() {
		p.stop()
		if s.t.Failed() {
			s.t.Logf("--- %s log ---\n%s", name, tail(p.log.String(), 8000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// stop ends a process gracefully (SIGTERM), or kills it after a while.
func (p *proc) stop() {
	if p.cmd.Process == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// kill ends a process at once, as a crash would (SIGKILL).
func (p *proc) kill() {
	p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (s *stack) startAPI() {
	s.t.Helper()
	addr := freeAddr(s.t)
	s.api = s.start("api", "ARXPORT_ADDR="+addr)
	s.url = "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.api.done:
			s.t.Fatalf("api exited: %s", s.api.log.String())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("api did not answer /healthz: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *stack) startWorker(env ...string) *proc {
	s.t.Helper()
	p := s.start(fmt.Sprintf("worker-%d", len(s.workers)+1), env...)
	s.workers = append(s.workers, p)
	return p
}

func (s *stack) client(key string) *client.Client {
	c := client.New(s.url, key)
	c.HTTP.Transport = validating(s.t, http.DefaultTransport)
	return c
}

func ctxFor(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
