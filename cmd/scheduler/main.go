// Command scheduler runs the service's periodic work: retention and cleanup,
// analytics roll-ups, and the reconciler that re-enqueues jobs Redis lost and
// fails stalled ones. Running two is safe: every tick's work runs once.
// Configuration: environment variables or flags (--help, README).
package main

import (
	"context"

	"github.com/arxos/arxport/app"
)

func main() {
	app.Main("scheduler", func(ctx context.Context, a *app.App) error {
		a.Log.Info("scheduler started", "cleanup", a.Cfg.CleanupInterval, "rollup", a.Cfg.RollupInterval, "reconcile", a.Cfg.ReconcileInterval)
		return a.RunScheduler(ctx)
	})
}
