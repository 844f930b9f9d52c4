// Package observe is the export service's observability: OpenTelemetry traces
// from the API request through the queue into each worker stage, Prometheus
// metrics (one registry per process, served at /metrics), and a log/slog
// handler that puts the trace and span ids on every line logged inside a span.
//
// Traces are exported with OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (OTEL_EXPORTER_OTLP_PROTOCOL or
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: http/protobuf, the default, or grpc);
// without one, spans still get ids, so logs correlate and the trace context
// still travels from the API into the tasks, but nothing is sent anywhere.
package observe

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracerName names the service's tracer (its instrumentation scope).
const TracerName = "github.com/arxos/arxport"

// propagator carries the trace context across HTTP and task payloads: W3C
// tracecontext, whatever the global propagator is.
var propagator = propagation.TraceContext{}

// Tracer answers the service's tracer from the global tracer provider (looked
// up on each call, so a provider installed later, or by a test, is the one used).
func Tracer() trace.Tracer { return otel.Tracer(TracerName) }

// Setup installs the process's tracer provider and the W3C tracecontext (and
// baggage) propagator. With an OTLP endpoint in the environment the spans are
// batched to it; without one they are made but not exported. log receives
// the SDK's own errors (nil: slog.Default()). shutdown flushes and stops the
// provider; call it before the process exits.
func Setup(ctx context.Context, service string, log *slog.Logger) (shutdown func(context.Context) error, err error) {
	if log == nil {
		log = slog.Default()
	}
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return func(context.Context) error { return nil }, nil
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("opentelemetry", "err", err)
	}))
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override the defaults.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", service)),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithFromEnv(),
	)
	if err != nil && res == nil {
		return nil, fmt.Errorf("opentelemetry resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	exp, err := exporter(ctx)
	if err != nil {
		return nil, err
	}
	if exp != nil {
		opts = append(opts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(opts...)
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// Exporting answers whether the environment names an OTLP endpoint for traces.
func Exporting() bool {
	return os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != ""
}

// exporter builds the OTLP exporter the environment asks for, or nil. The
// exporters read the endpoint, headers, timeout and TLS settings from the
// standard OTEL_EXPORTER_OTLP_* variables themselves.
func exporter(ctx context.Context) (sdktrace.SpanExporter, error) {
	if !Exporting() {
		return nil, nil
	}
	proto := os.Getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if proto == "" {
		proto = os.Getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch proto {
	case "", "http/protobuf":
		exp, err := otlptracehttp.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTLP/HTTP trace exporter: %w", err)
		}
		return exp, nil
	case "grpc":
		exp, err := otlptracegrpc.New(ctx)
		if err != nil {
			return nil, fmt.Errorf("OTLP/gRPC trace exporter: %w", err)
		}
		return exp, nil
	}
	return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL=%q: only http/protobuf and grpc are supported", proto)
}

// TraceParent answers the W3C traceparent of the span in ctx, or "" when ctx
// holds no valid span context. It is what a task payload carries.
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ""
	}
	c := propagation.MapCarrier{}
	propagator.Inject(ctx, c)
	return c["traceparent"]
}

// WithTraceParent answers ctx carrying the remote span context of a
// traceparent (from a task payload); an empty or invalid one leaves ctx as it is.
func WithTraceParent(ctx context.Context, traceparent string) context.Context {
	if traceparent == "" {
		return ctx
	}
	return propagator.Extract(ctx, propagation.MapCarrier{"traceparent": traceparent})
}

// StartTask starts the span of a task handler, a consumer span whose parent
// is the trace context the task's payload carried.
func StartTask(ctx context.Context, traceparent, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return Tracer().Start(WithTraceParent(ctx, traceparent), name,
		trace.WithSpanKind(trace.SpanKindConsumer), trace.WithAttributes(attrs...))
}

// End ends a span, marking it failed when err is not nil.
func End(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// Stage is one timed stage of a format's conversion: a span, and an
// observation of the stage duration histogram when it ends well.
type Stage struct {
	span          trace.Span
	format, stage string
	start         time.Time
	once          sync.Once
}

// StartStage starts a stage (decode, convert, upload, record) of converting a
// job into format, as a child span of the one in ctx named after the stage.
func StartStage(ctx context.Context, format, stage string) (context.Context, *Stage) {
	ctx, span := Tracer().Start(ctx, stage, trace.WithAttributes(attribute.String("arxport.format", format)))
	return ctx, &Stage{span: span, format: format, stage: stage, start: time.Now()}
}

// End ends the stage (once; later calls and a nil stage do nothing). A stage
// that ended with an error (a failure, or a stop for pause or cancel) is marked
// so on its span and not counted in the duration histogram.
func (s *Stage) End(err error) {
	if s == nil {
		return
	}
	s.once.Do(func() {
		if err == nil {
			stageDuration.WithLabelValues(s.format, s.stage).Observe(time.Since(s.start).Seconds())
		}
		End(s.span, err)
	})
}
