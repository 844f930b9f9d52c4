package observe

import (
	"slices"
	"sync"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector reports asynq's queues when scraped, through the Inspector's
// GetQueueInfo: size, tasks by state, and latency (the age of the oldest
// pending task) per queue. Queues it was told about are reported even before
// Redis holds them (as empty).
type QueueCollector struct {
	mu    sync.Mutex
	insp  *asynq.Inspector
	known []string

	up                                                      *prometheus.Desc
	size, pending, active, scheduled, retry, archived, late *prometheus.Desc
	paused                                                  *prometheus.Desc
}

// NewQueueCollector reports the queues insp sees, and those named.
func NewQueueCollector(insp *asynq.Inspector, queues ...string) *QueueCollector {
	q := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"queue"}, nil)
	}
	return &QueueCollector{
		insp: insp, known: queues,
		up:        prometheus.NewDesc("arxport_queue_inspector_up", "Whether the last scrape could read the queues from Redis.", nil, nil),
		size:      q("arxport_queue_size", "Tasks in the queue, whatever their state."),
		pending:   q("arxport_queue_pending", "Tasks ready to run."),
		active:    q("arxport_queue_active", "Tasks running."),
		scheduled: q("arxport_queue_scheduled", "Tasks scheduled to run later."),
		retry:     q("arxport_queue_retry", "Tasks waiting to be retried."),
		archived:  q("arxport_queue_archived", "Tasks that failed for good (kept for inspection)."),
		late:      q("arxport_queue_latency_seconds", "Age of the oldest pending task."),
		paused:    q("arxport_queue_paused", "1 when the queue is paused."),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.up, c.size, c.pending, c.active, c.scheduled, c.retry, c.archived, c.late, c.paused} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	insp, known := c.insp, c.known
	c.mu.Unlock()
	up := 1.0
	defer func() { ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up) }()
	present, err := insp.Queues()
	if err != nil {
		up = 0
		return
	}
	names := slices.Clone(present)
	for _, k := range known {
		if !slices.Contains(names, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, q := range names {
		info := &asynq.QueueInfo{Queue: q} // a queue Redis does not hold yet is empty
		if slices.Contains(present, q) {
			if info, err = insp.GetQueueInfo(q); err != nil {
				up = 0
				continue
			}
		}
		gauge := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, q)
		}
		gauge(c.size, float64(info.Size))
		gauge(c.pending, float64(info.Pending))
		gauge(c.active, float64(info.Active))
		gauge(c.scheduled, float64(info.Scheduled))
		gauge(c.retry, float64(info.Retry))
		gauge(c.archived, float64(info.Archived))
		gauge(c.late, info.Latency.Seconds())
		paused := 0.0
		if info.Paused {
			paused = 1
		}
		gauge(c.paused, paused)
	}
}

var watched struct {
	sync.Mutex
	c *QueueCollector
}

// WatchQueues registers the queue collector on the process's Registry, over
// insp and the queues named; a later call (the API and a worker in one
// process) points the same collector at its inspector instead.
func WatchQueues(insp *asynq.Inspector, queues ...string) {
	watched.Lock()
	defer watched.Unlock()
	if watched.c != nil {
		watched.c.mu.Lock()
		watched.c.insp = insp
		for _, q := range queues {
			if !slices.Contains(watched.c.known, q) {
				watched.c.known = append(watched.c.known, q)
			}
		}
		watched.c.mu.Unlock()
		return
	}
	watched.c = NewQueueCollector(insp, queues...)
	Registry.MustRegister(watched.c)
}
