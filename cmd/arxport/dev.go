package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	"github.com/alicebob/miniredis/v2"
	"github.com/spf13/cobra"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/observe"
)

// devCmd runs the whole service in one process with nothing outside it.
func devCmd() *cobra.Command {
	var cfg app.Config
	var dataDir, modelPath, outDir, formatList string
	var demo bool
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run the export service (API, worker, scheduler) in one process, with embedded Redis, job store and storage",
		Long: `dev runs the API, a worker and the scheduler in one process: Redis in process (miniredis),
files under --data, and the job store in --data/arxport.db unless DATABASE_URL
names a Postgres. It prints where the API listens and an API key.

With --demo it submits the example model in every format through the API,
shows live progress, downloads the files to --output, prints a summary and exits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if err := os.MkdirAll(dataDir, 0o755); err != nil {
				return err
			}
			mr := miniredis.NewMiniRedis()
			mr.ClockTTL(true) // keys expire on the wall clock, as in Redis
			if err := mr.Start(); err != nil {
				return fmt.Errorf("embedded redis: %w", err)
			}
			defer mr.Close()
			cfg.RedisURL = "redis://" + mr.Addr() + "/0"
			if !cmd.Flags().Changed("addr") && os.Getenv("ARXPORT_ADDR") == "" {
				cfg.Addr = "127.0.0.1:8080"
			}
			if cfg.DatabaseURL == "" {
				cfg.DatabaseURL = "sqlite:" + filepath.Join(dataDir, "arxport.db")
			}
			if !cmd.Flags().Changed("storage") && os.Getenv("ARXPORT_STORAGE") == "" {
				cfg.Storage = filepath.Join(dataDir, "files")
			}
			if !cmd.Flags().Changed("log-format") && os.Getenv("ARXPORT_LOG_FORMAT") == "" {
				cfg.LogFormat = "text"
			}
			if !cmd.Flags().Changed("log-level") && os.Getenv("ARXPORT_LOG_LEVEL") == "" {
				cfg.LogLevel = "warn"
			}
			key, err := devKey(dataDir)
			if err != nil {
				return err
			}
			cfg.APIKeys = strings.Trim(cfg.APIKeys+","+key+"=dev", ",")
			if cfg.WebhookAllow == "" {
				cfg.WebhookAllow = "127.0.0.0/8,::1/128,localhost" // callbacks to a receiver on this machine
			}

			a, err := app.Open(ctx, cfg, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			shutdown, err := observe.Setup(ctx, "arxport-dev", a.Log)
			if err != nil {
				return err
			}
			defer shutdown(context.WithoutCancel(ctx))
			// The embedded Redis starts empty: jobs the store holds as queued or
			// running go back on the queue.
			if n, err := a.Service.Requeue(ctx); err != nil {
				return fmt.Errorf("requeueing unfinished jobs: %w", err)
			} else if n > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "requeued %d unfinished jobs\n", n)
			}
			l, err := net.Listen("tcp", cfg.Addr)
			if err != nil {
				return err
			}
			url := "http://" + l.Addr().String()
			fmt.Fprintf(cmd.ErrOrStderr(), "arxport dev: API at %s\nAPI key: %s\n(data in %s; Ctrl-C stops)\n", url, key, dataDir)

			ctx, stop := context.WithCancel(ctx)
			defer stop()
			roles := []func(context.Context) error{
				func(ctx context.Context) error { return a.ServeAPI(ctx, l) },
				a.RunWorker,
				a.RunScheduler,
			}
			errc := make(chan error, len(roles))
			for _, run := range roles {
				go func() { errc <- run(ctx) }()
			}
			running := len(roles)
			// wait stops every role and answers the first error one ended with.
			wait := func(first error) error {
				stop()
				for ; running > 0; running-- {
					if err := <-errc; err != nil && first == nil {
						first = err
					}
				}
				return first
			}
			if demo {
				err := runDemo(ctx, cmd, url, key, modelPath, formatList, outDir)
				wait(nil)
				return err
			}
			select {
			case err := <-errc:
				running--
				if err == nil {
					err = errors.New("a role of the service stopped")
				}
				return wait(err)
			case <-ctx.Done():
				return wait(nil)
			}
		},
	}
	f := cmd.Flags()
	cfg.Flags(f)
	f.StringVar(&dataDir, "data", "./data", "directory for the job store and files")
	f.BoolVar(&demo, "demo", false, "submit the example through the API, download the files, print a summary and exit")
	f.StringVar(&modelPath, "model", "examples/tech-tower.json", "model the demo submits")
	f.StringVarP(&formatList, "formats", "f", "all", "formats the demo asks for")
	f.StringVarP(&outDir, "output", "o", "out", "where the demo writes the files")
	return cmd
}

// devKey answers the dev service's API key, made once and kept in the data directory.
func devKey(dir string) (string, error) {
	path := filepath.Join(dir, "api-key")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	key := "dev_" + hex.EncodeToString(r[:])
	return key, os.WriteFile(path, []byte(key+"\n"), 0o600)
}
