// Command api is the export service's HTTP API (../shared/API.md): it
// authenticates, validates, records jobs in the job store, enqueues them and
// answers. Configuration: environment variables or flags (--help, README).
package main

import (
	"context"
	"net"
	"time"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/observe"
)

func main() {
	app.Main("api", func(ctx context.Context, a *app.App) error {
		shutdown, err := observe.Setup(ctx, "arxport-api", a.Log)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shutdown(sctx)
		}()
		l, err := net.Listen("tcp", a.Cfg.Addr)
		if err != nil {
			return err
		}
		a.Log.Info("api listening", "addr", l.Addr().String(), "traces_exported", observe.Exporting())
		return a.ServeAPI(ctx, l)
	})
}
