package app

import (
	"context"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/scheduler"
	"github.com/arxos/arxport/tasks"
)

// Scheduler builds the scheduler: the ticks it enqueues and the handlers of
// the maintenance queue. rollup may be nil (no analytics).
func (a *App) Scheduler(rollup scheduler.Rollup) *scheduler.Scheduler {
	return scheduler.New(a.Service, a.Redis, scheduler.Config{
		Cleanup:   a.Cfg.CleanupInterval,
		Rollup:    a.Cfg.RollupInterval,
		Reconcile: a.Cfg.ReconcileInterval,
	}, rollup)
}

// RunScheduler enqueues maintenance ticks and serves the maintenance queue
// until ctx ends. Several may run at once: each tick's work runs once.
func (a *App) RunScheduler(ctx context.Context) error {
	s := a.Scheduler(a.rollup())
	mux := asynq.NewServeMux()
	s.Register(mux)
	srv := asynq.NewServerFromRedisClient(a.Redis, asynq.Config{
		Concurrency:       1,
		Queues:            map[string]int{tasks.QueueMaintenance: 1},
		TaskCheckInterval: a.Cfg.TaskCheckInterval,
		ShutdownTimeout:   a.Cfg.ShutdownTimeout,
		Logger:            asynqLogger{a.Log},
		LogLevel:          asynq.WarnLevel,
	})
	if err := srv.Start(mux); err != nil {
		return err
	}
	s.Run(ctx)
	srv.Shutdown()
	return nil
}

// rollup is the analytics roll-up.
func (a *App) rollup() scheduler.Rollup { return a.Analytics.Rollup }
