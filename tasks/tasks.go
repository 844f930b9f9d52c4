package tasks

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"
)

// Task type names.
const (
	// TypeExport converts one job's model into one format.
	TypeExport = "export:format"
	// TypeWebhook delivers one event to a job's callback URL.
	TypeWebhook = "webhook:deliver"
)

// Queues. Exports go to the queue named by the job's priority; webhooks and
// maintenance have queues of their own so exports never wait behind them.
const (
	QueueCritical    = "critical"
	QueueHigh        = "high"
	QueueNormal      = "normal"
	QueueLow         = "low"
	QueueWebhooks    = "webhooks"
	QueueMaintenance = "maintenance"
)

// Priorities are the job priorities of API.md, highest first.
var Priorities = []string{QueueCritical, QueueHigh, QueueNormal, QueueLow}

// ValidPriority reports whether p names a priority.
func ValidPriority(p string) bool {
	for _, q := range Priorities {
		if p == q {
			return true
		}
	}
	return false
}

// Queues are the weights a worker serves its queues with: a critical task is
// picked eight times as often as a low one when both wait. The maintenance
// queue is the scheduler's.
func Queues() map[string]int {
	return map[string]int{
		QueueCritical: 8,
		QueueHigh:     4,
		QueueNormal:   2,
		QueueLow:      1,
		QueueWebhooks: 2,
	}
}

// Export is the payload of TypeExport.
type Export struct {
	JobID  string `json:"job_id"`
	Format string `json:"format"`
	// Gen is the format's enqueue generation: resume enqueues gen+1, and a task
	// of an older generation finds it superseded and does nothing.
	Gen int `json:"gen"`
	// ModelKey is the model's storage key; none when the job store keeps the model.
	ModelKey string `json:"model_key,omitempty"`
	// TraceParent is the W3C trace context of the request that made the job.
	TraceParent string `json:"traceparent,omitempty"`
}

// ExportID is the asynq task id of one generation of one format of a job: enqueuing
// it twice (the outbox retrying) is refused by asynq as a conflict, not run twice.
func ExportID(jobID, format string, gen int) string {
	return fmt.Sprintf("%s:%s:%d", jobID, format, gen)
}

// Timeouts scale a task's deadline to the size of its model.
type Timeouts struct {
	Base  time.Duration // whatever the size; default 2 min
	PerMB time.Duration // per MiB of stored model; default 20 s
	Max   time.Duration // default 6 h
}

// For answers the timeout of a task whose model holds size bytes.
func (t Timeouts) For(size int64) time.Duration {
	if t.Base <= 0 {
		t.Base = 2 * time.Minute
	}
	if t.PerMB <= 0 {
		t.PerMB = 20 * time.Second
	}
	if t.Max <= 0 {
		t.Max = 6 * time.Hour
	}
	d := t.Base + time.Duration(float64(t.PerMB)*float64(size)/(1<<20))
	return min(d, t.Max)
}

// MaxRetry is how often a failed export task is retried by default (storage
// and other transient errors; invalid input is never retried).
const MaxRetry = 5

// NewExport builds the task of one format of a job.
func NewExport(p Export, priority string, timeout time.Duration, maxRetry int) (*asynq.Task, error) {
	if !ValidPriority(priority) {
		return nil, fmt.Errorf("tasks: unknown priority %q", priority)
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeExport, b,
		asynq.Queue(priority),
		asynq.TaskID(ExportID(p.JobID, p.Format, p.Gen)),
		asynq.Timeout(timeout),
		asynq.MaxRetry(maxRetry),
	), nil
}

// ParseExport reads the payload of TypeExport.
func ParseExport(b []byte) (Export, error) {
	var p Export
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("tasks: %s payload: %w", TypeExport, err)
	}
	if p.JobID == "" || p.Format == "" {
		return p, fmt.Errorf("tasks: %s payload without job_id or format", TypeExport)
	}
	return p, nil
}

// RetryDelay is the backoff of export tasks: 1 s, 2 s, 4 s, ... up to a minute,
// with ±20 % jitter so retries of many tasks spread out.
func RetryDelay(n int) time.Duration {
	d := time.Second << min(n, 6)
	d = min(d, time.Minute)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// NewWebhook builds the task delivering one event (payload: a webhooks.Delivery
// as JSON). id dedupes: the same event of the same job is delivered once.
func NewWebhook(id string, payload []byte, maxRetry int) *asynq.Task {
	return asynq.NewTask(TypeWebhook, payload,
		asynq.Queue(QueueWebhooks),
		asynq.TaskID("webhook:"+id),
		asynq.MaxRetry(maxRetry),
		asynq.Timeout(time.Minute),
		asynq.Retention(24*time.Hour), // keep the id taken, so a rerun does not deliver twice
	)
}
