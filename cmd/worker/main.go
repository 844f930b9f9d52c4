// Command worker runs export tasks from the queue: one task converts one job's
// model into one format and stores the files; run as many as the load needs.
// Configuration: environment variables or flags (--help, README).
package main

import (
	"context"

	"github.com/arxos/arxport/app"
)

func main() {
	app.Main("worker", func(ctx context.Context, a *app.App) error {
		a.Log.Info("worker started", "concurrency", a.Cfg.Concurrency)
		return a.RunWorker(ctx)
	})
}
