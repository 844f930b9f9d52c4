// Command worker runs export tasks from the queue: one task converts one job's
// model into one format and stores the files; run as many as the load needs.
// It serves /metrics and /healthz on ARXPORT_METRICS_ADDR.
// Configuration: environment variables or flags (--help, README).
package main

import (
	"context"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/observe"
)

func main() {
	app.Main("worker", func(ctx context.Context, a *app.App) error {
		a.StartMetrics(ctx)
		a.Log.Info("worker started", "concurrency", a.Cfg.Concurrency, "traces_exported", observe.Exporting())
		return a.RunWorker(ctx)
	})
}
