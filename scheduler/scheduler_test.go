package scheduler_test

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/internal/testenv"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/scheduler"
	"github.com/arxos/arxport/tasks"
)

// stack opens the service over a Redis database and a Postgres database of the test's own.
func stack(t *testing.T) *app.App {
	t.Helper()
	cfg := app.Defaults()
	cfg.RedisURL = testenv.RedisURLFor(testenv.Redis(t))
	cfg.DatabaseURL = testenv.Postgres(t)
	cfg.Storage = t.TempDir()
	cfg.LogLevel = "error"
	a, err := app.Open(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func submit(t *testing.T, a *app.App, retention string) *jobstore.Job {
	t.Helper()
	model, err := os.ReadFile("../examples/tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := a.Service.Submit(context.Background(), exports.Caller{Tenant: "acme"},
		exports.Request{Model: model, Formats: []exports.FormatRequest{{Format: "csv"}}, Retention: retention}, exports.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// Two schedulers asking for the same ticks: each tick's work runs once.
func TestTwoSchedulersRunEachTickOnce(t *testing.T) {
	a := stack(t)
	var mu sync.Mutex
	seen := map[time.Time]int{}
	rollup := func(_ context.Context, from, to time.Time) error {
		mu.Lock()
		defer mu.Unlock()
		seen[from]++
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		s := scheduler.New(a.Service, a.Redis, scheduler.Config{Rollup: time.Second, Cleanup: time.Hour, Reconcile: time.Hour}, rollup)
		mux := asynq.NewServeMux()
		s.Register(mux)
		srv := asynq.NewServerFromRedisClient(a.Redis, asynq.Config{Concurrency: 2, Queues: map[string]int{tasks.QueueMaintenance: 1},
			TaskCheckInterval: 20 * time.Millisecond, LogLevel: asynq.ErrorLevel})
		if err := srv.Start(mux); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); s.Run(ctx); srv.Shutdown() }()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) < 4 {
		t.Fatalf("%d roll-up ticks in 6 s of 1 s intervals", len(seen))
	}
	for tick, n := range seen {
		if n != 1 {
			t.Errorf("tick %s ran %d times", tick, n)
		}
	}
}

// Cleanup removes jobs past their retention with their files, and leaves the rest.
func TestCleanupRemovesExpired(t *testing.T) {
	a := stack(t)
	ctx := context.Background()
	old, recent, keep := submit(t, a, "1h"), submit(t, a, "1h"), submit(t, a, "72h")
	for _, id := range []string{old.ID, recent.ID, keep.ID} {
		if _, err := a.Store.Update(ctx, id, func(j *jobstore.Job) error {
			j.Status, j.FinishedAt = jobstore.Completed, time.Now().Add(-10*time.Hour)
			if j.ID == recent.ID {
				j.FinishedAt = time.Now()
			}
			j.Formats[0].Status = jobstore.Completed
			j.Formats[0].Files = []jobstore.File{{Name: "t.csv", Key: exports.FileKey(j.ID, "csv", "t.csv"), Size: 1}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Storage.Put(ctx, exports.FileKey(id, "csv", "t.csv"), bytes.NewReader([]byte("x")), "text/csv"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := a.Store.Model(ctx, old.ID); err != nil {
		t.Fatalf("the inline model is not kept with its job: %v", err)
	}
	s := a.Scheduler(nil)
	// Two hours on: the 1 h job has expired.
	later := scheduler.WithClock(s, func() time.Time { return time.Now().Add(2 * time.Hour) })
	if err := later.Cleanup(ctx, scheduler.Tick{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Store.Get(ctx, old.ID); err != jobstore.ErrNotFound {
		t.Errorf("expired job still recorded: %v", err)
	}
	if objs, _ := a.Storage.List(ctx, "exports/"+old.ID+"/"); len(objs) != 0 {
		t.Errorf("expired job's files remain: %v", objs)
	}
	if _, err := a.Store.Model(ctx, old.ID); err != jobstore.ErrNotFound {
		t.Errorf("expired job's inline model remains: %v", err)
	}
	// A job that ended within the roll-ups' reach loses its files, not yet its record.
	r, err := a.Store.Get(ctx, recent.ID)
	if err != nil {
		t.Errorf("recently ended job's record removed before the roll-ups have it: %v", err)
	} else if len(r.Formats[0].Files) != 0 {
		t.Errorf("recently ended job still lists files: %+v", r.Formats[0].Files)
	}
	if objs, _ := a.Storage.List(ctx, "exports/"+recent.ID+"/"); len(objs) != 0 {
		t.Errorf("recently ended job's files remain: %v", objs)
	}
	if _, err := a.Store.Get(ctx, keep.ID); err != nil {
		t.Errorf("job within retention removed: %v", err)
	}
	if objs, _ := a.Storage.List(ctx, "exports/"+keep.ID+"/"); len(objs) != 1 {
		t.Errorf("files of the job within retention: %v", objs)
	}
}

// The reconciler re-enqueues a job whose task Redis lost, and fails a format
// whose progress stopped for longer than its timeout.
func TestReconcile(t *testing.T) {
	a := stack(t)
	ctx := context.Background()
	lost, stalled := submit(t, a, ""), submit(t, a, "")
	// Redis loses everything.
	if err := a.Redis.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// The other job's format has been running, silent, for a day.
	if _, err := a.Store.Update(ctx, stalled.ID, func(j *jobstore.Job) error {
		j.Status, j.StartedAt = jobstore.Running, time.Now().Add(-24*time.Hour)
		j.Formats[0].Status, j.Formats[0].Attempt, j.Formats[0].StartedAt = jobstore.Running, 1, j.StartedAt
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	s := scheduler.WithClock(a.Scheduler(nil), func() time.Time { return time.Now().Add(time.Minute) }) // past the grace period
	if err := s.Reconcile(ctx, scheduler.Tick{}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Inspector.GetTaskInfo(lost.Priority, tasks.ExportID(lost.ID, "csv", 0)); err != nil {
		t.Errorf("lost job not re-enqueued: %v", err)
	}
	j, err := a.Store.Get(ctx, stalled.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != jobstore.Failed || j.Formats[0].Error == nil || j.Formats[0].Error.Code != "TIMEOUT" {
		t.Errorf("stalled job: %s %+v", j.Status, j.Formats[0].Error)
	}
	// Running it again changes nothing: the task is there, the job has ended.
	if err := s.Reconcile(ctx, scheduler.Tick{}); err != nil {
		t.Fatal(err)
	}
	if info, _ := a.Inspector.GetQueueInfo(lost.Priority); info == nil || info.Size != 1 {
		t.Errorf("queue after a second reconcile: %+v", info)
	}
}
