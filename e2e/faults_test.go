package e2e

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/webhooks"
)

// TestWebhook: the callback receives the terminal event, signed, and again
// after answering 500.
func TestWebhook(t *testing.T) {
	type delivery struct {
		id, event string
		body      []byte
		sigErr    error
	}
	var mu sync.Mutex
	var got []delivery
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		got = append(got, delivery{
			id: r.Header.Get("X-Arx-Delivery"), event: r.Header.Get("X-Arx-Event"), body: body,
			sigErr: webhooks.Verify([]byte(secret), r.Header.Get("X-Arx-Signature"), body, time.Now(), 5*time.Minute),
		})
		if len(got) == 1 {
			http.Error(w, "try again", http.StatusInternalServerError)
		}
	}))
	defer recv.Close()
	s := newStack(t)
	s.startWorker()
	ctx := ctxFor(t, 2*time.Minute)
	c := s.client(keyAcme)
	req := request(example(t), "csv")
	req.CallbackURL = recv.URL + "/hooks/exports"
	j, err := c.Submit(ctx, req, "")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries after a minute", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // nothing more should come
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("%d deliveries, want 2 (one refused with 500, one accepted)", len(got))
	}
	for _, d := range got {
		if d.sigErr != nil {
			t.Errorf("signature: %v", d.sigErr)
		}
		if d.event != "job.completed" || d.id != got[0].id {
			t.Errorf("delivery %s of %s", d.id, d.event)
		}
		var body struct {
			Event jobstore.Event `json:"event"`
			Job   exports.Job    `json:"job"`
		}
		if err := json.Unmarshal(d.body, &body); err != nil || body.Job.ID != j.ID || body.Job.Status != jobstore.Completed || body.Event.Type != "job.completed" {
			t.Errorf("body: %v %s", err, d.body)
		}
	}
	// A callback to an internal address is refused at submit.
	req.CallbackURL = "http://169.254.169.254/latest"
	_, err = c.Submit(ctx, req, "")
	var p *exports.Problem
	if !errors.As(err, &p) || p.Code != "INVALID_CALLBACK_URL" {
		t.Errorf("metadata callback: %v", err)
	}
}

// TestBadInput: bad requests get problems with stable codes, and nothing is
// recorded or enqueued for them.
func TestBadInput(t *testing.T) {
	s := newStack(t, "ARXPORT_MAX_MODEL_BYTES=200000")
	ctx := ctxFor(t, time.Minute)
	c := s.client(keyAcme)
	code := func(err error) string {
		var p *exports.Problem
		if errors.As(err, &p) {
			return p.Code
		}
		return "no problem: " + errString(err)
	}
	if _, err := c.Submit(ctx, request(example(t), "csv", "obj"), ""); code(err) != "UNSUPPORTED_FORMAT" {
		t.Errorf("unknown format: %s", code(err))
	}
	_, err := c.Submit(ctx, request([]byte(`{"schema_version":"1","building":{"id":"b"},"floors":[{"id":"L1","elevation":"high"}]}`), "csv"), "")
	var p *exports.Problem
	if !errors.As(err, &p) || p.Code != "INVALID_MODEL" || len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Path, "model.") {
		t.Errorf("invalid model: %v %+v", err, p)
	}
	big := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), 300_000)...)
	big = append(big, `"}`...)
	if _, err := c.Submit(ctx, request(big, "csv"), ""); code(err) != "PAYLOAD_TOO_LARGE" {
		t.Errorf("large model: %s", code(err))
	}
	if _, err := c.Submit(ctx, refRequest("models/acme/mdl_missing", "csv"), ""); code(err) != "MODEL_NOT_FOUND" {
		t.Errorf("missing model_ref: %s", code(err))
	}
	noKey := *c
	noKey.Key = "wrong"
	if _, err := noKey.Get(ctx, "exp_x"); code(err) != "UNAUTHORIZED" {
		t.Errorf("unknown key: %s", code(err))
	}
	if page, err := c.List(ctx, url.Values{}); err != nil || len(page.Jobs) != 0 {
		t.Errorf("refused requests left jobs: %v %d", err, len(page.Jobs))
	}

	// Idempotency: the same key and body answer the same job; another body is a conflict.
	first, err := c.Submit(ctx, request(example(t), "csv"), "idem-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Submit(ctx, request(example(t), "csv"), "idem-1")
	if err != nil || again.ID != first.ID {
		t.Errorf("replay: %v %s != %s", err, again.ID, first.ID)
	}
	if _, err := c.Submit(ctx, request(example(t), "json"), "idem-1"); code(err) != "CONFLICT" {
		t.Errorf("reused key: %s", code(err))
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// TestModelGoneFails: a job whose model disappears before a worker reads it
// fails with MODEL_NOT_FOUND, and is not retried.
func TestModelGoneFails(t *testing.T) {
	s := newStack(t)
	ctx := ctxFor(t, time.Minute)
	c := s.client(keyAcme)
	ref, err := c.UploadModel(ctx, bytes.NewReader(example(t)))
	if err != nil {
		t.Fatal(err)
	}
	j, err := c.Submit(ctx, refRequest(ref, "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(s.files, filepath.FromSlash(ref))); err != nil {
		t.Fatal(err)
	}
	s.startWorker()
	j, err = c.Wait(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != jobstore.Failed || j.Error == nil || j.Error.Code != "MODEL_NOT_FOUND" {
		t.Fatalf("job: %s %+v", j.Status, j.Error)
	}
}

// TestStorageFailure: a format whose files cannot be stored fails with
// STORAGE_FAILED after its retries, and leaves no file visible.
func TestStorageFailure(t *testing.T) {
	s := newStack(t, "ARXPORT_MAX_RETRY=1")
	ctx := ctxFor(t, time.Minute)
	c := s.client(keyAcme)
	// "exports" as a plain file: no object can be stored beneath it.
	if err := os.WriteFile(filepath.Join(s.files, "exports"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := c.Submit(ctx, request(example(t), "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	s.startWorker()
	j, err = c.Wait(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	f := j.Formats[0]
	if j.Status != jobstore.Failed || f.Error == nil || f.Error.Code != "STORAGE_FAILED" || !f.Error.Recoverable || len(f.Files) != 0 {
		t.Fatalf("job %s, format %+v", j.Status, f)
	}
	evs := collect(t, ctx, c, j.ID)
	if n := count(evs, "format.started", "csv"); n != 2 {
		t.Errorf("csv started %d times, want 2 (one retry)", n)
	}
}

// TestJobStoreDown: when Postgres cannot record a job, submit answers 503 with
// Retry-After, and nothing is half-recorded.
func TestJobStoreDown(t *testing.T) {
	s := newStack(t)
	ctx := ctxFor(t, time.Minute)
	c := s.client(keyAcme)
	if _, err := c.Submit(ctx, request(example(t), "csv"), ""); err != nil {
		t.Fatal(err)
	}
	// Drop the test's database under the API's feet.
	db, err := sql.Open("pgx", adminURL(t, s))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := dbName(t, s)
	if _, err := db.Exec("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Submit(ctx, request(example(t), "csv"), "")
	var p *exports.Problem
	if !errors.As(err, &p) || p.Status != 503 || p.Code != "UNAVAILABLE" || p.RetryAfter <= 0 {
		t.Fatalf("submit with the job store gone: %v %+v", err, p)
	}
	// testenv's cleanup drops the database again; recreate it so that succeeds.
	db.Exec("CREATE DATABASE " + name)
}

func envOf(s *stack, name string) string {
	for _, kv := range s.env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	return ""
}

func dbName(t *testing.T, s *stack) string {
	u, err := url.Parse(envOf(s, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

func adminURL(t *testing.T, s *stack) string {
	u, err := url.Parse(envOf(s, "DATABASE_URL"))
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/postgres"
	return u.String()
}

// redisServer runs a redis-server of the test's own on a spare port, so it
// can be stopped without disturbing the shared one.
type redisServer struct {
	t    *testing.T
	addr string
	cmd  *exec.Cmd
}

func startRedis(t *testing.T, addr string) *redisServer {
	t.Helper()
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Skipf("redis-server: %v", err)
	}
	r := &redisServer{t: t, addr: addr, cmd: cmd}
	t.Cleanup(r.stop)
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("redis-server on %s did not start", addr)
	return nil
}

func (r *redisServer) stop() {
	if r.cmd.ProcessState == nil {
		r.cmd.Process.Kill()
		r.cmd.Wait()
	}
}

// TestRedisDown: with Redis down, a job is still accepted (the job store has
// it), and the API's outbox enqueues it once Redis is back.
func TestRedisDown(t *testing.T) {
	addr := freeAddr(t)
	rs := startRedis(t, addr)
	s := newStack(t, "REDIS_URL=redis://"+addr+"/0")
	ctx := ctxFor(t, 2*time.Minute)
	c := s.client(keyAcme)
	rs.stop()
	j, err := c.Submit(ctx, request(example(t), "csv"), "")
	if err != nil {
		t.Fatalf("submit with Redis down: %v", err)
	}
	if j.Status != jobstore.Queued {
		t.Fatalf("job %s", j.Status)
	}
	time.Sleep(2 * time.Second)
	startRedis(t, addr)
	s.startWorker()
	j = waitFor(t, ctx, c, j.ID, "completed", func(j exports.Job) bool { return j.Status.Terminal() })
	if j.Status != jobstore.Completed {
		t.Fatalf("job %s: %+v", j.Status, j.Error)
	}
}
