// Package scheduler runs the service's periodic work: retention and cleanup,
// analytics roll-ups, and a reconciler that re-enqueues accepted jobs Redis no
// longer holds and fails formats that stopped making progress. Each piece of
// work is an asynq task on the maintenance queue whose id names its tick
// ("maintenance:cleanup:1733212800"), kept for two intervals: two schedulers
// enqueue the same id and asynq keeps one, so every tick's work runs once.
package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/tasks"
)

// Task types of the maintenance queue.
const (
	TypeCleanup   = "maintenance:cleanup"
	TypeRollup    = "maintenance:rollup"
	TypeReconcile = "maintenance:reconcile"
)

// Tick is the payload of a maintenance task: the tick it belongs to.
type Tick struct {
	Tick     time.Time `json:"tick"`
	Interval string    `json:"interval"`
}

// Config sets how often each piece of work runs.
type Config struct {
	Cleanup   time.Duration // default 1 min
	Rollup    time.Duration // default 1 min
	Reconcile time.Duration // default 30 s
	// Grace is how old a job must be before the reconciler looks for its tasks
	// (younger ones may be on their way to Redis); default 30 s.
	Grace time.Duration
}

// Rollup recomputes the analytics buckets touched by formats that finished in [from, to).
type Rollup func(ctx context.Context, from, to time.Time) error

// Scheduler enqueues maintenance ticks and handles them.
type Scheduler struct {
	svc    *exports.Service
	rdb    redis.UniversalClient
	log    *slog.Logger
	cfg    Config
	rollup Rollup
	now    func() time.Time
}

// New returns a scheduler; rollup may be nil (no analytics).
func New(svc *exports.Service, rdb redis.UniversalClient, cfg Config, rollup Rollup) *Scheduler {
	if cfg.Cleanup <= 0 {
		cfg.Cleanup = time.Minute
	}
	if cfg.Rollup <= 0 {
		cfg.Rollup = time.Minute
	}
	if cfg.Reconcile <= 0 {
		cfg.Reconcile = 30 * time.Second
	}
	if cfg.Grace <= 0 {
		cfg.Grace = 30 * time.Second
	}
	return &Scheduler{svc: svc, rdb: rdb, log: svc.Log.With("role", "scheduler"), cfg: cfg, rollup: rollup, now: time.Now}
}

func (s *Scheduler) work() map[string]time.Duration {
	w := map[string]time.Duration{TypeCleanup: s.cfg.Cleanup, TypeReconcile: s.cfg.Reconcile}
	if s.rollup != nil {
		w[TypeRollup] = s.cfg.Rollup
	}
	return w
}

// Run enqueues each piece of work once per interval, aligned to the wall clock
// so that every scheduler names the same ticks, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	last := map[string]time.Time{}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		for typ, every := range s.work() {
			tick := s.now().UTC().Truncate(every)
			if last[typ].Equal(tick) {
				continue
			}
			if err := s.Enqueue(ctx, typ, tick, every); err != nil {
				s.log.Warn("maintenance not enqueued; next second tries again", "task", typ, "err", err)
				continue
			}
			last[typ] = tick
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Enqueue puts one tick's task on the maintenance queue; a tick already
// enqueued (by this or another scheduler) is not an error.
func (s *Scheduler) Enqueue(ctx context.Context, typ string, tick time.Time, every time.Duration) error {
	b, err := json.Marshal(Tick{Tick: tick, Interval: every.String()})
	if err != nil {
		return err
	}
	task := asynq.NewTask(typ, b,
		asynq.Queue(tasks.QueueMaintenance),
		asynq.TaskID(fmt.Sprintf("%s:%d", typ, tick.Unix())),
		asynq.Retention(2*every), // the id stays taken while another scheduler could still ask
		asynq.Timeout(max(every, time.Minute)),
		asynq.MaxRetry(3),
	)
	_, err = s.svc.Queue.EnqueueContext(ctx, task)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	return err
}

// Register adds the maintenance handlers to mux.
func (s *Scheduler) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeCleanup, s.handle(s.Cleanup))
	mux.HandleFunc(TypeReconcile, s.handle(s.Reconcile))
	if s.rollup != nil {
		mux.HandleFunc(TypeRollup, s.handle(func(ctx context.Context, tick Tick) error {
			every, _ := time.ParseDuration(tick.Interval)
			// Formats are recorded as they finish; the window reaches back a
			// quarter of an hour, and on the hour far enough to take in results
			// recorded late (after a job store outage). Recomputing a bucket is
			// idempotent.
			back := max(3*every, 15*time.Minute)
			if tick.Tick.Truncate(time.Hour).Equal(tick.Tick) {
				back = Catchup
			}
			return s.rollup(ctx, tick.Tick.Add(-back), s.now().Add(time.Second))
		}))
	}
}

func (s *Scheduler) handle(fn func(context.Context, Tick) error) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		var tick Tick
		if err := json.Unmarshal(t.Payload(), &tick); err != nil {
			return fmt.Errorf("%w: %s payload: %v", asynq.SkipRetry, t.Type(), err)
		}
		start := time.Now()
		if err := fn(ctx, tick); err != nil {
			s.log.Warn("maintenance failed", "task", t.Type(), "tick", tick.Tick, "err", err)
			return err
		}
		s.log.Debug("maintenance done", "task", t.Type(), "tick", tick.Tick, "took", time.Since(start))
		return nil
	}
}

// Catchup is how far back the hourly roll-up recomputes buckets. Roll-ups are
// computed from the job records, so a record stays until its job ended more
// than Catchup and an hour ago, even past its retention (its files do not).
const Catchup = 6 * time.Hour

// Cleanup removes what jobs past their retention hold: their files, inline
// model and live keys at once, their record once the roll-ups have it for good.
func (s *Scheduler) Cleanup(ctx context.Context, _ Tick) error {
	now := s.now()
	var purged, emptied int
	cursor := ""
	for {
		jobs, next, err := s.svc.Store.Expired(ctx, now, cursor, 200)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.FinishedAt.Before(now.Add(-Catchup - time.Hour)) {
				if err := s.svc.Purge(ctx, j); err != nil {
					return fmt.Errorf("purging %s: %w", j.ID, err)
				}
				purged++
				continue
			}
			removed, err := s.svc.PurgeFiles(ctx, j)
			if err != nil {
				return fmt.Errorf("removing the files of %s: %w", j.ID, err)
			}
			if removed {
				emptied++
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	if purged+emptied > 0 {
		s.log.Info("retention: removed expired jobs", "records", purged, "files_of_jobs", emptied)
	}
	return nil
}

// Reconcile finds accepted jobs whose tasks Redis no longer holds and enqueues
// them again, and fails formats whose progress stopped for longer than their
// timeout. It also flushes the outbox, in case no API process runs.
func (s *Scheduler) Reconcile(ctx context.Context, _ Tick) error {
	if _, err := s.svc.FlushOutbox(ctx, s.cfg.Grace); err != nil {
		return err
	}
	// asynq clients register a queue (SADD asynq:queues) once per client: after
	// Redis lost its data, queues written by long-lived clients (maintenance,
	// webhooks) stay invisible to inspectors (asynqmon, queue metrics).
	queues := []any{tasks.QueueWebhooks, tasks.QueueMaintenance}
	for _, q := range tasks.Priorities {
		queues = append(queues, q)
	}
	if err := s.rdb.SAdd(ctx, "asynq:queues", queues...).Err(); err != nil {
		return err
	}
	now := s.now()
	// A client of this run's own: asynq's clients remember which queues they
	// registered, so one that outlived a Redis flush never registers them again
	// and the queues stay invisible to inspectors (this reconciler, asynqmon).
	fresh := asynq.NewClientFromRedisClient(s.rdb)
	var requeued, stalled int
	for _, st := range []jobstore.Status{jobstore.Queued, jobstore.Running} {
		cursor := ""
		for {
			jobs, next, err := s.svc.Store.List(ctx, jobstore.ListQuery{Status: st, After: cursor, Limit: 500})
			if err != nil {
				return err
			}
			for _, j := range jobs {
				if !j.Enqueued || now.Sub(j.CreatedAt) < s.cfg.Grace {
					continue
				}
				r, f, err := s.reconcileJob(ctx, fresh, j, now)
				if err != nil {
					return err
				}
				requeued += r
				stalled += f
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	if requeued+stalled > 0 {
		s.log.Info("reconciled", "formats_requeued", requeued, "formats_stalled", stalled)
	}
	return nil
}

func (s *Scheduler) reconcileJob(ctx context.Context, q *asynq.Client, j *jobstore.Job, now time.Time) (requeued, stalled int, err error) {
	timeout := s.svc.Config().Timeouts.For(j.ModelSize)
	live, _ := s.svc.Tracker.Progress(ctx, j.ID)
	for _, f := range j.Formats {
		if f.Status != jobstore.Queued && f.Status != jobstore.Running {
			continue
		}
		if f.Status == jobstore.Running {
			last := f.StartedAt
			if p, ok := live[f.Format]; ok && p.Updated.After(last) {
				last = p.Updated
			}
			if now.Sub(last) > timeout {
				if err := s.failStalled(ctx, j.ID, f.Format, f.Attempt, now.Sub(last)); err != nil {
					return requeued, stalled, err
				}
				stalled++
				continue
			}
		}
		_, err := s.svc.Inspector.GetTaskInfo(j.Priority, tasks.ExportID(j.ID, f.Format, f.Gen))
		if err == nil {
			continue // queued, running, or waiting for a retry
		}
		if !errors.Is(err, asynq.ErrTaskNotFound) && !errors.Is(err, asynq.ErrQueueNotFound) {
			return requeued, stalled, err
		}
		if err := s.svc.EnqueueFormat(ctx, q, j, f); err != nil {
			return requeued, stalled, err
		}
		s.log.Warn("re-enqueued a format Redis lost", "job_id", j.ID, "format", f.Format, "gen", f.Gen)
		requeued++
	}
	return requeued, stalled, nil
}

// failStalled fails a format that has not reported progress for longer than
// its timeout, closing the job if it was the last.
func (s *Scheduler) failStalled(ctx context.Context, jobID, format string, attempt int, silent time.Duration) error {
	now := s.now().UTC()
	closed := false
	j, err := s.svc.Store.Update(ctx, jobID, func(j *jobstore.Job) error {
		for _, f := range j.Formats {
			if f.Format != format {
				continue
			}
			if f.Status != jobstore.Running || f.Attempt != attempt {
				return jobstore.ErrNoChange
			}
			f.Status, f.FinishedAt = jobstore.Failed, now
			f.Error = &jobstore.Error{Code: exports.CodeTimeout, Recoverable: true,
				Message: fmt.Sprintf("no progress for %s, longer than the task timeout", silent.Round(time.Second))}
		}
		closed = exports.CloseIfDone(j, now)
		return nil
	})
	if errors.Is(err, jobstore.ErrNoChange) || errors.Is(err, jobstore.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	s.svc.Emit(ctx, j, jobstore.Event{Type: "format.failed", Format: format, Severity: "error", Message: "TIMEOUT: stalled"})
	if closed {
		s.svc.Finish(ctx, j)
	}
	return nil
}
