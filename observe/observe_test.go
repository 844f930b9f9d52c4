package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/arxos/arxport/internal/testenv"
)

func TestLogHandlerAddsTraceIDs(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("job_id", "exp_1")
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(context.Background(), "work")
	log.InfoContext(ctx, "inside")
	span.End()
	log.InfoContext(context.Background(), "outside")
	log.Info("no context")

	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var in map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &in); err != nil {
		t.Fatal(err)
	}
	sc := span.SpanContext()
	if in["trace_id"] != sc.TraceID().String() || in["span_id"] != sc.SpanID().String() || in["job_id"] != "exp_1" {
		t.Errorf("line inside a span: %s (want trace %s span %s)", lines[0], sc.TraceID(), sc.SpanID())
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "trace_id") || strings.Contains(l, "span_id") {
			t.Errorf("line outside a span has ids: %s", l)
		}
	}
	if LogHandler(log.Handler()) != log.Handler() {
		t.Error("LogHandler wraps a handler twice")
	}
}

func TestTraceParentRoundTrip(t *testing.T) {
	if TraceParent(context.Background()) != "" {
		t.Error("a context without a span has a traceparent")
	}
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	defer span.End()
	tpar := TraceParent(ctx)
	want := "00-" + span.SpanContext().TraceID().String() + "-" + span.SpanContext().SpanID().String() + "-01"
	if tpar != want {
		t.Fatalf("TraceParent = %q, want %q", tpar, want)
	}
	sc := trace.SpanContextFromContext(WithTraceParent(context.Background(), tpar))
	if !sc.IsRemote() || sc.TraceID() != span.SpanContext().TraceID() || sc.SpanID() != span.SpanContext().SpanID() {
		t.Errorf("WithTraceParent(%q) = %v", tpar, sc)
	}
	if got := WithTraceParent(context.Background(), "garbage"); trace.SpanContextFromContext(got).IsValid() {
		t.Error("an invalid traceparent gave a span context")
	}
}

// TestSetupExportsOTLP: with OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach the
// endpoint over OTLP/HTTP; without it, spans still get ids.
func TestSetupExportsOTLP(t *testing.T) {
	prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
	t.Cleanup(func() { otel.SetTracerProvider(prevTP); otel.SetTextMapPropagator(prevProp) })

	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "")
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "")
	shutdown, err := Setup(t.Context(), "arxport-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, span := Tracer().Start(t.Context(), "no exporter")
	if !span.SpanContext().IsValid() {
		t.Error("without an exporter, spans have no ids")
	}
	span.End()
	if err := shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var paths []string
	var sizes []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		paths, sizes = append(paths, r.URL.Path), append(sizes, len(b))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	shutdown, err = Setup(t.Context(), "arxport-test", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, span = Tracer().Start(t.Context(), "exported")
	span.End()
	if err := shutdown(t.Context()); err != nil { // flushes the batch
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) == 0 || paths[0] != "/v1/traces" || sizes[0] == 0 {
		t.Errorf("OTLP endpoint received %v (sizes %v), want a POST to /v1/traces", paths, sizes)
	}
	if _, ok := otel.GetTextMapPropagator().(propagation.TextMapPropagator); !ok {
		t.Error("no propagator installed")
	}
}

func TestStageSpansAndDurations(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	ctx, task := StartTask(t.Context(), "", "export test-fmt")
	_, st := StartStage(ctx, "test-fmt", "decode")
	st.End(nil)
	st.End(io.EOF) // a second End does nothing
	_, st = StartStage(ctx, "test-fmt", "convert")
	st.End(io.ErrUnexpectedEOF)
	End(task, nil)

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans ended, want 3", len(spans))
	}
	for _, s := range spans[:2] {
		if s.Parent().SpanID() != task.SpanContext().SpanID() {
			t.Errorf("stage %s is not a child of the task span", s.Name())
		}
	}
	if spans[0].Status().Code != 0 || spans[1].Status().Description != io.ErrUnexpectedEOF.Error() {
		t.Errorf("statuses: %v, %v", spans[0].Status(), spans[1].Status())
	}
	count := func(stage string) uint64 {
		m := &dto.Metric{}
		stageDuration.WithLabelValues("test-fmt", stage).(prometheus.Histogram).Write(m)
		return m.GetHistogram().GetSampleCount()
	}
	if count("decode") != 1 || count("convert") != 0 {
		t.Errorf("durations observed: decode %d, convert %d; want 1 and 0 (failed stages are not observed)", count("decode"), count("convert"))
	}
}

// TestQueueCollector reports a queue's size from a real Redis.
func TestQueueCollector(t *testing.T) {
	opt := testenv.Redis(t)
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	cl := asynq.NewClientFromRedisClient(rdb)
	for range 3 {
		if _, err := cl.Enqueue(asynq.NewTask("test:task", []byte("{}")), asynq.Queue("normal")); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.Enqueue(asynq.NewTask("test:task", nil), asynq.Queue("normal"), asynq.ProcessIn(time.Hour)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // a measurable latency

	reg := prometheus.NewRegistry()
	reg.MustRegister(NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb), "critical", "normal"))
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	value := func(name, queue string) float64 {
		t.Helper()
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				if len(m.GetLabel()) == 0 && queue == "" || len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == queue {
					return m.GetGauge().GetValue()
				}
			}
		}
		t.Errorf("no %s{queue=%q}", name, queue)
		return -1
	}
	if v := value("arxport_queue_inspector_up", ""); v != 1 {
		t.Errorf("inspector up = %v", v)
	}
	for name, want := range map[string]float64{"arxport_queue_size": 4, "arxport_queue_pending": 3, "arxport_queue_scheduled": 1,
		"arxport_queue_active": 0, "arxport_queue_retry": 0, "arxport_queue_archived": 0} {
		if v := value(name, "normal"); v != want {
			t.Errorf("%s{queue=normal} = %v, want %v", name, v, want)
		}
	}
	if v := value("arxport_queue_latency_seconds", "normal"); v <= 0 || v > 60 {
		t.Errorf("latency of normal = %v s", v)
	}
	if v := value("arxport_queue_size", "critical"); v != 0 {
		t.Errorf("size of the empty known queue critical = %v", v)
	}

	// Redis gone: the collector says so and the scrape still answers.
	rdb.Close()
	mfs, err = reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if v := value("arxport_queue_inspector_up", ""); v != 0 {
		t.Errorf("inspector up without Redis = %v", v)
	}
}
