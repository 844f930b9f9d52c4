package observe

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry is the process's one metrics registry: the service's metrics, the
// queue collector (WatchQueues), and the Go runtime's and process's own.
var Registry = prometheus.NewRegistry()

// The service's metrics. Counters only ever count events the job store
// recorded once (a format's end), so a rerun after a crash does not count twice.
var (
	jobsSubmitted = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arxport_jobs_submitted_total",
		Help: "Export jobs accepted (recorded), by priority.",
	}, []string{"priority"})
	formatsFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arxport_formats_finished_total",
		Help: "Formats of jobs that ended on a worker, by format and status (completed, failed, cancelled).",
	}, []string{"format", "status"})
	stageDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "arxport_stage_duration_seconds",
		Help: "Duration of the stages of converting one format that ended well, by format and stage (decode, convert, upload, record).",
		// 10 ms … ~45 min
		Buckets: prometheus.ExponentialBuckets(0.01, 3.2, 12),
	}, []string{"format", "stage"})
	elementsWritten = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arxport_elements_written_total",
		Help: "Model elements converted by completed formats, by format.",
	}, []string{"format"})
	bytesWritten = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arxport_bytes_written_total",
		Help: "Bytes stored for completed formats (after compression), by format.",
	}, []string{"format"})
	webhookDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "arxport_webhook_deliveries_total",
		Help: "Webhook delivery attempts by result: delivered, retried, given_up.",
	}, []string{"result"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "arxport_http_request_duration_seconds",
		Help:    "Duration of API requests by route (the pattern, or \"unmatched\") and status code.",
		Buckets: prometheus.DefBuckets,
	}, []string{"route", "code"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		jobsSubmitted, formatsFinished, stageDuration, elementsWritten, bytesWritten, webhookDeliveries, httpDuration,
	)
	for _, r := range []string{DeliveryDelivered, DeliveryRetried, DeliveryGivenUp} {
		webhookDeliveries.WithLabelValues(r)
	}
}

// Handler serves the registry in the Prometheus text format (GET /metrics).
// A collector that fails (Redis unreachable) leaves the others served.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// JobSubmitted counts an accepted job.
func JobSubmitted(priority string) { jobsSubmitted.WithLabelValues(priority).Inc() }

// FormatFinished counts a format's end: status is completed, failed or cancelled.
func FormatFinished(format, status string) { formatsFinished.WithLabelValues(format, status).Inc() }

// Written counts what a completed format wrote: the model elements it
// converted and the bytes stored.
func Written(format string, elements, bytes int64) {
	if elements > 0 {
		elementsWritten.WithLabelValues(format).Add(float64(elements))
	}
	if bytes > 0 {
		bytesWritten.WithLabelValues(format).Add(float64(bytes))
	}
}

// Webhook delivery results.
const (
	DeliveryDelivered = "delivered"
	DeliveryRetried   = "retried"
	DeliveryGivenUp   = "given_up"
)

// WebhookDelivery counts a delivery attempt's result.
func WebhookDelivery(result string) { webhookDeliveries.WithLabelValues(result).Inc() }
