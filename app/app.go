// Package app assembles the export service from its configuration: Redis, the
// job store, object storage, the queue, and the api, worker and scheduler roles.
// cmd/api, cmd/worker, cmd/scheduler and `arxport dev` all start through it, so
// the embedded dev service and production differ only in configuration.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/arxos/arxport/analytics"
	"github.com/arxos/arxport/api"
	"github.com/arxos/arxport/exports"
	_ "github.com/arxos/arxport/formats/all"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/observe"
	"github.com/arxos/arxport/storage"
	"github.com/arxos/arxport/tasks"
	"github.com/arxos/arxport/tracking"
	"github.com/arxos/arxport/webhooks"
	"github.com/arxos/arxport/worker"
)

// App is an assembled service: what every role shares.
type App struct {
	Cfg       Config
	Log       *slog.Logger
	Redis     redis.UniversalClient
	Store     jobstore.Store
	Storage   storage.Storage
	Queue     *asynq.Client
	Inspector *asynq.Inspector
	Service   *exports.Service
	Analytics *analytics.Store
}

// Logger builds the configured logger. A line logged with a context inside a
// span (InfoContext and the like) carries trace_id and span_id.
func Logger(cfg Config) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "text" {
		return slog.New(observe.LogHandler(slog.NewTextHandler(os.Stderr, opts)))
	}
	return slog.New(observe.LogHandler(slog.NewJSONHandler(os.Stderr, opts)))
}

// Open connects to everything the configuration names. The job store's
// migrations run here.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	if log == nil {
		log = Logger(cfg)
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("DATABASE_URL is not set (postgres://… or sqlite:PATH)")
	}
	ropt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	a := &App{Cfg: cfg, Log: log, Redis: redis.NewClient(ropt)}
	if a.Store, err = jobstore.Open(ctx, cfg.DatabaseURL); err != nil {
		a.Close()
		return nil, fmt.Errorf("job store: %w", err)
	}
	if a.Analytics, err = analytics.Open(ctx, cfg.DatabaseURL, analytics.Config{Log: log}); err != nil {
		a.Close()
		return nil, fmt.Errorf("analytics: %w", err)
	}
	if a.Storage, err = storage.Open(ctx, cfg.Storage); err != nil {
		a.Close()
		return nil, fmt.Errorf("storage: %w", err)
	}
	allow, err := webhooks.ParseAllow(cfg.WebhookAllow)
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("ARXPORT_WEBHOOK_ALLOW: %w", err)
	}
	a.Queue = asynq.NewClientFromRedisClient(a.Redis)
	a.Inspector = asynq.NewInspectorFromRedisClient(a.Redis)
	a.Service = exports.New(a.Store, a.Storage, a.Queue, a.Inspector, tracking.New(a.Redis), &webhooks.Guard{Allow: allow}, log,
		exports.Config{
			MaxModelBytes:    cfg.MaxModelBytes,
			DefaultRetention: cfg.RetentionDefault,
			MaxRetention:     cfg.RetentionMax,
			Timeouts:         tasks.Timeouts{Base: cfg.TimeoutBase, PerMB: cfg.TimeoutPerMB, Max: cfg.TimeoutMax},
			MaxRetry:         cfg.MaxRetry,
		})
	a.Service.Estimator = a.Analytics.Estimator()
	return a, nil
}

// Close releases every connection.
func (a *App) Close() {
	if a.Store != nil {
		a.Store.Close()
	}
	if a.Analytics != nil {
		a.Analytics.Close()
	}
	if a.Redis != nil {
		a.Redis.Close()
	}
}

// API builds the HTTP API.
func (a *App) API(ctx context.Context) (*api.Server, error) {
	keys, err := api.ParseKeys(a.Cfg.APIKeys)
	if err != nil {
		return nil, err
	}
	var admin []string
	for _, k := range strings.Split(a.Cfg.AdminKeys, ",") {
		if k = strings.TrimSpace(k); k != "" {
			admin = append(admin, k)
		}
	}
	observe.WatchQueues(a.Inspector, queueNames(tasks.Queues())...)
	srv, err := api.New(ctx, a.Service, api.Config{
		Keys: keys, AdminKeys: admin, MaxUploadBytes: a.Cfg.MaxUploadBytes, SignedURLs: a.Cfg.SignedURLs,
		Ready: func(ctx context.Context) error { return a.Redis.Ping(ctx).Err() },
	})
	if err != nil {
		return nil, err
	}
	srv.Handle("GET /v1/analytics/report", srv.Authed(a.Analytics.ServeReport))
	srv.Handle("GET /v1/analytics/estimate", srv.Authed(a.Analytics.ServeEstimate))
	return srv, nil
}

// ServeAPI serves the API on l until ctx ends, then shuts down gracefully:
// requests in flight finish. It also runs the outbox, which enqueues jobs
// recorded while Redis was unreachable.
func (a *App) ServeAPI(ctx context.Context, l net.Listener) error {
	h, err := a.API(ctx)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	go a.Service.RunOutbox(ctx, time.Second, 2*time.Second)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), a.Cfg.ShutdownTimeout)
	defer cancel()
	return srv.Shutdown(sctx)
}

// Worker builds the asynq server and its handlers.
func (a *App) Worker() (*asynq.Server, *asynq.ServeMux, error) {
	queues, err := a.Cfg.queues()
	if err != nil {
		return nil, nil, err
	}
	if queues == nil {
		queues = tasks.Queues()
	}
	observe.WatchQueues(a.Inspector, queueNames(queues)...)
	w := worker.New(a.Service, worker.Config{TempDir: a.Cfg.TempDir})
	sender := webhooks.NewSender([]byte(a.Cfg.WebhookSecret), a.Service.Guard)
	mux := asynq.NewServeMux()
	mux.HandleFunc(tasks.TypeExport, w.HandleExport)
	mux.HandleFunc(tasks.TypeWebhook, worker.HandleWebhook(sender, a.Log))
	srv := asynq.NewServerFromRedisClient(a.Redis, asynq.Config{
		Concurrency:       a.Cfg.Concurrency,
		Queues:            queues,
		TaskCheckInterval: a.Cfg.TaskCheckInterval,
		// Retries (of webhooks, after a 500) are picked up within a second.
		DelayedTaskCheckInterval: time.Second,
		ShutdownTimeout:          a.Cfg.ShutdownTimeout,
		RetryDelayFunc: func(n int, err error, t *asynq.Task) time.Duration {
			if t.Type() == tasks.TypeWebhook {
				return webhooks.Backoff(n)
			}
			return tasks.RetryDelay(n)
		},
		// A job store outage is not the task's failure: retried, never archived.
		IsFailure: func(err error) bool { return !errors.Is(err, worker.ErrStoreUnavailable) },
		Logger:    asynqLogger{a.Log},
		LogLevel:  asynq.WarnLevel,
	})
	return srv, mux, nil
}

func queueNames(weights map[string]int) []string {
	var out []string
	for q := range weights {
		out = append(out, q)
	}
	return out
}

// StartMetrics serves the process's metrics on ARXPORT_METRICS_ADDR (a
// worker's listener) until ctx ends, and answers the address, or nil when the
// setting is empty or the address cannot be had: several workers on one
// machine need an address each (":0" picks a free port), and a worker without
// its metrics listener still works, so that failure is logged, not fatal.
func (a *App) StartMetrics(ctx context.Context) net.Addr {
	if a.Cfg.MetricsAddr == "" {
		return nil
	}
	l, err := net.Listen("tcp", a.Cfg.MetricsAddr)
	if err != nil {
		a.Log.Warn("metrics not served; give each process on this machine its own ARXPORT_METRICS_ADDR", "addr", a.Cfg.MetricsAddr, "err", err)
		return nil
	}
	go func() {
		if err := a.ServeMetrics(ctx, l); err != nil {
			a.Log.Warn("metrics listener stopped", "err", err)
		}
	}()
	a.Log.Info("metrics listening", "addr", l.Addr().String())
	return l.Addr()
}

// ServeMetrics serves GET /metrics (the process's registry, observe.Registry)
// and GET /healthz on l until ctx ends.
func (a *App) ServeMetrics(ctx context.Context, l net.Listener) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", observe.Handler())
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// RunWorker processes tasks until ctx ends, then stops taking tasks and gives
// running ones the shutdown timeout to finish (the rest go back to the queue).
func (a *App) RunWorker(ctx context.Context) error {
	srv, mux, err := a.Worker()
	if err != nil {
		return err
	}
	if err := srv.Start(mux); err != nil {
		return err
	}
	<-ctx.Done()
	srv.Shutdown()
	return nil
}

// asynqLogger sends asynq's own logging to slog.
type asynqLogger struct{ l *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.l.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.l.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.l.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.l.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.l.Error(fmt.Sprint(args...)); os.Exit(1) }
