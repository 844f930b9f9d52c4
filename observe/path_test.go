package observe_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/observe"
)

const key = "key-acme-0123456789"

// syncBuffer is a log destination written by many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestJobPath follows one job from the API request through the queue into the
// worker's stages: one trace, the request span the parent of "export csv",
// whose children are the stages; the worker's log lines carry the trace id; and
// /metrics on the API (and on the worker's listener) counts the job.
func TestJobPath(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); tp.Shutdown(t.Context()) })

	// The service as `arxport dev` assembles it: miniredis, SQLite, local files.
	mr := miniredis.RunT(t)
	dir := t.TempDir()
	var logs syncBuffer
	log := slog.New(observe.LogHandler(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	a, err := app.Open(t.Context(), app.Config{
		RedisURL: "redis://" + mr.Addr(), DatabaseURL: "sqlite:" + filepath.Join(dir, "jobs.db"), Storage: filepath.Join(dir, "files"),
		TempDir: t.TempDir(), APIKeys: key + "=acme", Concurrency: 2, TaskCheckInterval: 20 * time.Millisecond,
		ShutdownTimeout: 5 * time.Second,
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	srv, err := a.API(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	wsrv, mux, err := a.Worker()
	if err != nil {
		t.Fatal(err)
	}
	if err := wsrv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(wsrv.Shutdown)

	// Submit, as a caller inside a trace of its own.
	model, err := os.ReadFile("../examples/tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"model": json.RawMessage(model), "formats": []string{"csv"}})
	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequestWithContext(t.Context(), "POST", ts.URL+"/v1/exports", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+callerTrace+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var job struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || job.ID == "" {
		t.Fatalf("submit: status %d, job %+v", resp.StatusCode, job)
	}

	// Wait for the job to complete, and for the worker's span to end.
	get := func(path string, auth bool) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", ts.URL+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	byName := func() map[string]sdktrace.ReadOnlySpan {
		out := map[string]sdktrace.ReadOnlySpan{}
		for _, s := range rec.Ended() {
			out[s.Name()] = s
		}
		return out
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, b := get("/v1/exports/"+job.ID, true)
		json.Unmarshal(b, &job)
		if _, ok := byName()["export csv"]; ok && job.Status == "completed" {
			break
		}
		if time.Now().After(deadline) || job.Status == "failed" {
			t.Fatalf("job %s: %s\nlogs:\n%s", job.ID, b, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	spans := byName()
	reqSpan, ok := spans["POST /v1/exports"]
	if !ok {
		t.Fatalf("no request span named after the route; spans: %v", names(rec.Ended()))
	}
	traceID := reqSpan.SpanContext().TraceID()
	if traceID.String() != callerTrace || reqSpan.Parent().SpanID().String() != callerSpan || reqSpan.SpanKind() != trace.SpanKindServer {
		t.Errorf("request span: trace %s parent %s kind %v; want the caller's trace %s and span %s", traceID, reqSpan.Parent().SpanID(), reqSpan.SpanKind(), callerTrace, callerSpan)
	}
	if !hasAttr(reqSpan, "http.response.status_code", "202") || !hasAttr(reqSpan, "http.route", "/v1/exports") {
		t.Errorf("request span attributes: %v", reqSpan.Attributes())
	}
	export := spans["export csv"]
	if export.SpanContext().TraceID() != traceID || export.Parent().SpanID() != reqSpan.SpanContext().SpanID() {
		t.Errorf("export csv: trace %s parent %s; want trace %s, parent the request span %s",
			export.SpanContext().TraceID(), export.Parent().SpanID(), traceID, reqSpan.SpanContext().SpanID())
	}
	if !hasAttr(export, "arxport.job_id", job.ID) {
		t.Errorf("export span attributes: %v", export.Attributes())
	}
	var last time.Time
	for _, stage := range []string{"decode", "convert", "upload", "record"} {
		s, ok := spans[stage]
		switch {
		case !ok:
			t.Errorf("no %s span; spans: %v", stage, names(rec.Ended()))
		case s.SpanContext().TraceID() != traceID || s.Parent().SpanID() != export.SpanContext().SpanID():
			t.Errorf("%s: trace %s parent %s; want a child of export csv", stage, s.SpanContext().TraceID(), s.Parent().SpanID())
		case s.StartTime().Before(last):
			t.Errorf("%s started before the stage ahead of it ended", stage)
		default:
			last = s.EndTime()
		}
	}

	// The worker's log lines inside the span carry its trace id.
	var found bool
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, `"msg":"format finished"`) {
			found = strings.Contains(l, `"trace_id":"`+callerTrace+`"`) && strings.Contains(l, `"job_id":"`+job.ID+`"`)
			if !found {
				t.Errorf("format finished line without the trace or job id: %s", l)
			}
		}
	}
	if !found {
		t.Errorf("no \"format finished\" log line:\n%s", logs.String())
	}

	// Metrics on the API.
	code, metrics := get("/metrics", false)
	if code != http.StatusOK {
		t.Fatalf("GET /metrics: %d", code)
	}
	for _, want := range []string{
		`arxport_jobs_submitted_total{priority="normal"}`,
		`arxport_formats_finished_total{format="csv",status="completed"}`,
		`arxport_stage_duration_seconds_count{format="csv",stage="decode"}`,
		`arxport_stage_duration_seconds_count{format="csv",stage="convert"}`,
		`arxport_stage_duration_seconds_count{format="csv",stage="upload"}`,
		`arxport_elements_written_total{format="csv"}`,
		`arxport_bytes_written_total{format="csv"}`,
		`arxport_webhook_deliveries_total{result="delivered"}`,
		`arxport_http_request_duration_seconds_count{code="202",route="POST /v1/exports"}`,
		`arxport_queue_inspector_up`,
		`go_goroutines`,
	} {
		if !bytes.Contains(metrics, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// The worker's own listener serves the same registry, and /healthz.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.ServeMetrics(t.Context(), l)
	for _, path := range []string{"/metrics", "/healthz"} {
		resp, err := http.Get("http://" + l.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || path == "/metrics" && !bytes.Contains(b, []byte(`arxport_formats_finished_total{format="csv",status="completed"}`)) {
			t.Errorf("worker listener %s: %d %.200s", path, resp.StatusCode, b)
		}
	}
}

func names(spans []sdktrace.ReadOnlySpan) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name())
	}
	return out
}

func hasAttr(s sdktrace.ReadOnlySpan, key, value string) bool {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key && kv.Value.Emit() == value {
			return true
		}
	}
	return false
}
