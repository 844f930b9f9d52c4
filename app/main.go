package app

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"

	"github.com/arxos/arxport/observe"
)

// Main runs one role of the service as a program: configuration from the
// environment and flags, tracing (observe.Setup), a graceful stop on SIGINT or
// SIGTERM, exit status 1 on failure.
func Main(role string, run func(ctx context.Context, a *App) error) {
	var cfg Config
	fs := pflag.NewFlagSet("arxport-"+role, pflag.ExitOnError)
	cfg.Flags(fs)
	fs.Parse(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := Logger(cfg).With("role", role)
	a, err := Open(ctx, cfg, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "arxport-%s: %v\n", role, err)
		os.Exit(1)
	}
	defer a.Close()
	shutdown, err := observe.Setup(ctx, "arxport-"+role, log)
	if err != nil {
		fmt.Fprintf(os.Stderr, "arxport-%s: tracing: %v\n", role, err)
		os.Exit(1)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shutdown(sctx) // sends the spans still buffered
	}()
	if err := run(ctx, a); err != nil {
		log.Error("stopped", "err", err)
		a.Close()
		os.Exit(1)
	}
}
