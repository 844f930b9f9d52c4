// Command api is the export service's HTTP API (../shared/API.md): it
// authenticates, validates, records jobs in the job store, enqueues them and
// answers. Configuration: environment variables or flags (--help, README).
package main

import (
	"context"
	"net"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/observe"
)

func main() {
	app.Main("api", func(ctx context.Context, a *app.App) error {
		l, err := net.Listen("tcp", a.Cfg.Addr)
		if err != nil {
			return err
		}
		a.Log.Info("api listening", "addr", l.Addr().String(), "traces_exported", observe.Exporting())
		return a.ServeAPI(ctx, l)
	})
}
