// Command worker runs export tasks from the queue: one task converts one job's
// model into one format and stores the files; run as many as the load needs.
// Configuration: environment variables or flags (--help, README).
package main

import (
	"context"
	"time"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/observe"
)

func main() {
	app.Main("worker", func(ctx context.Context, a *app.App) error {
		shutdown, err := observe.Setup(ctx, "arxport-worker", a.Log)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shutdown(sctx)
		}()
		a.StartMetrics(ctx)
		a.Log.Info("worker started", "concurrency", a.Cfg.Concurrency, "traces_exported", observe.Exporting())
		return a.RunWorker(ctx)
	})
}
