package app

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the whole service's configuration. Every field comes from an
// environment variable, and a flag of the same meaning overrides it (README,
// "Configuration").
type Config struct {
	RedisURL    string // REDIS_URL
	DatabaseURL string // DATABASE_URL: postgres://… or sqlite:PATH
	Storage     string // ARXPORT_STORAGE: a directory, file:///dir, or s3://bucket/prefix?endpoint=…
	Addr        string // ARXPORT_ADDR: where the API listens

	APIKeys   string // ARXPORT_API_KEYS: key=tenant,key=tenant
	AdminKeys string // ARXPORT_ADMIN_KEYS: keys that see every tenant

	Concurrency       int           // ARXPORT_CONCURRENCY: conversions at once per worker process
	Queues            string        // ARXPORT_QUEUES: queue=weight,… (default critical=8,high=4,normal=2,low=1,webhooks=2,maintenance=1)
	TaskCheckInterval time.Duration // ARXPORT_TASK_CHECK_INTERVAL: how often an idle worker looks for tasks
	ShutdownTimeout   time.Duration // ARXPORT_SHUTDOWN_TIMEOUT
	TempDir           string        // ARXPORT_TEMP_DIR

	TimeoutBase  time.Duration // ARXPORT_TIMEOUT_BASE
	TimeoutPerMB time.Duration // ARXPORT_TIMEOUT_PER_MB
	TimeoutMax   time.Duration // ARXPORT_TIMEOUT_MAX
	MaxRetry     int           // ARXPORT_MAX_RETRY: retries of a format that failed for a transient reason

	MaxModelBytes    int64         // ARXPORT_MAX_MODEL_BYTES: inline model
	MaxUploadBytes   int64         // ARXPORT_MAX_UPLOAD_BYTES: POST /v1/models
	RetentionDefault time.Duration // ARXPORT_RETENTION_DEFAULT
	RetentionMax     time.Duration // ARXPORT_RETENTION_MAX

	WebhookSecret string // ARXPORT_WEBHOOK_SECRET
	WebhookAllow  string // ARXPORT_WEBHOOK_ALLOW: hosts and CIDRs callbacks may reach although internal
	SignedURLs    bool   // ARXPORT_SIGNED_URLS: redirect downloads to signed storage URLs

	CleanupInterval   time.Duration // ARXPORT_CLEANUP_INTERVAL: retention and cleanup (scheduler)
	RollupInterval    time.Duration // ARXPORT_ROLLUP_INTERVAL: analytics roll-ups (scheduler)
	ReconcileInterval time.Duration // ARXPORT_RECONCILE_INTERVAL: re-enqueue lost jobs, fail stalled ones (scheduler)

	MetricsAddr string // ARXPORT_METRICS_ADDR: where a worker serves /metrics and /healthz; empty disables

	LogFormat string // ARXPORT_LOG_FORMAT: json or text
	LogLevel  string // ARXPORT_LOG_LEVEL: debug, info, warn, error
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envDuration(name string, def time.Duration) time.Duration {
	if v, ok := os.LookupEnv(name); ok {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "arxport: %s=%q is not a duration; using %s\n", name, v, def)
	}
	return def
}

func envInt(name string, def int64) int64 {
	if v, ok := os.LookupEnv(name); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
		fmt.Fprintf(os.Stderr, "arxport: %s=%q is not a number; using %d\n", name, v, def)
	}
	return def
}

// Flags registers every setting on fs, each defaulting to its environment variable.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.RedisURL, "redis", env("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (REDIS_URL)")
	fs.StringVar(&c.DatabaseURL, "database", env("DATABASE_URL", ""), "job store: postgres://… or sqlite:PATH (DATABASE_URL)")
	fs.StringVar(&c.Storage, "storage", env("ARXPORT_STORAGE", "./data/files"), "object storage: a directory or s3://bucket/prefix?endpoint=host:port (ARXPORT_STORAGE)")
	fs.StringVar(&c.Addr, "addr", env("ARXPORT_ADDR", ":8080"), "API listen address (ARXPORT_ADDR)")
	fs.StringVar(&c.APIKeys, "api-keys", env("ARXPORT_API_KEYS", ""), "API keys, key=tenant pairs separated by commas (ARXPORT_API_KEYS)")
	fs.StringVar(&c.AdminKeys, "admin-keys", env("ARXPORT_ADMIN_KEYS", ""), "admin API keys, separated by commas (ARXPORT_ADMIN_KEYS)")
	fs.IntVar(&c.Concurrency, "concurrency", int(envInt("ARXPORT_CONCURRENCY", int64(runtime.NumCPU()))), "conversions at once in this worker (ARXPORT_CONCURRENCY)")
	fs.StringVar(&c.Queues, "queues", env("ARXPORT_QUEUES", ""), "queue=weight pairs this worker serves (ARXPORT_QUEUES)")
	fs.DurationVar(&c.TaskCheckInterval, "task-check-interval", envDuration("ARXPORT_TASK_CHECK_INTERVAL", 50*time.Millisecond), "how often an idle worker looks for tasks (ARXPORT_TASK_CHECK_INTERVAL)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", envDuration("ARXPORT_SHUTDOWN_TIMEOUT", 30*time.Second), "time running work gets to finish at shutdown (ARXPORT_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.TempDir, "temp-dir", env("ARXPORT_TEMP_DIR", ""), "scratch space for conversions (ARXPORT_TEMP_DIR)")
	fs.DurationVar(&c.TimeoutBase, "timeout-base", envDuration("ARXPORT_TIMEOUT_BASE", 2*time.Minute), "task timeout, fixed part (ARXPORT_TIMEOUT_BASE)")
	fs.DurationVar(&c.TimeoutPerMB, "timeout-per-mb", envDuration("ARXPORT_TIMEOUT_PER_MB", 20*time.Second), "task timeout per MiB of model (ARXPORT_TIMEOUT_PER_MB)")
	fs.DurationVar(&c.TimeoutMax, "timeout-max", envDuration("ARXPORT_TIMEOUT_MAX", 6*time.Hour), "task timeout, at most (ARXPORT_TIMEOUT_MAX)")
	fs.IntVar(&c.MaxRetry, "max-retry", int(envInt("ARXPORT_MAX_RETRY", 5)), "retries of a format that failed for a transient reason (ARXPORT_MAX_RETRY)")
	fs.Int64Var(&c.MaxModelBytes, "max-model-bytes", envInt("ARXPORT_MAX_MODEL_BYTES", 32<<20), "largest inline model (ARXPORT_MAX_MODEL_BYTES)")
	fs.Int64Var(&c.MaxUploadBytes, "max-upload-bytes", envInt("ARXPORT_MAX_UPLOAD_BYTES", 4<<30), "largest uploaded model (ARXPORT_MAX_UPLOAD_BYTES)")
	fs.DurationVar(&c.RetentionDefault, "retention-default", envDuration("ARXPORT_RETENTION_DEFAULT", 72*time.Hour), "how long files are kept unless a job says (ARXPORT_RETENTION_DEFAULT)")
	fs.DurationVar(&c.RetentionMax, "retention-max", envDuration("ARXPORT_RETENTION_MAX", 30*24*time.Hour), "the longest retention a job may ask (ARXPORT_RETENTION_MAX)")
	fs.StringVar(&c.WebhookSecret, "webhook-secret", env("ARXPORT_WEBHOOK_SECRET", ""), "HMAC secret signing webhook deliveries (ARXPORT_WEBHOOK_SECRET)")
	fs.StringVar(&c.WebhookAllow, "webhook-allow", env("ARXPORT_WEBHOOK_ALLOW", ""), "internal hosts and CIDRs callbacks may reach (ARXPORT_WEBHOOK_ALLOW)")
	fs.BoolVar(&c.SignedURLs, "signed-urls", env("ARXPORT_SIGNED_URLS", "") == "true", "redirect downloads to signed storage URLs (ARXPORT_SIGNED_URLS)")
	fs.DurationVar(&c.CleanupInterval, "cleanup-interval", envDuration("ARXPORT_CLEANUP_INTERVAL", time.Minute), "how often expired jobs and their files are removed (ARXPORT_CLEANUP_INTERVAL)")
	fs.DurationVar(&c.RollupInterval, "rollup-interval", envDuration("ARXPORT_ROLLUP_INTERVAL", time.Minute), "how often analytics roll-ups run (ARXPORT_ROLLUP_INTERVAL)")
	fs.DurationVar(&c.ReconcileInterval, "reconcile-interval", envDuration("ARXPORT_RECONCILE_INTERVAL", 30*time.Second), "how often lost jobs are re-enqueued and stalled ones failed (ARXPORT_RECONCILE_INTERVAL)")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", env("ARXPORT_METRICS_ADDR", ":9090"), "where a worker serves /metrics and /healthz; empty disables (ARXPORT_METRICS_ADDR)")
	fs.StringVar(&c.LogFormat, "log-format", env("ARXPORT_LOG_FORMAT", "json"), "log format: json or text (ARXPORT_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", env("ARXPORT_LOG_LEVEL", "info"), "log level (ARXPORT_LOG_LEVEL)")
}

// queues parses ARXPORT_QUEUES, or answers nil for the default.
func (c *Config) queues() (map[string]int, error) {
	if strings.TrimSpace(c.Queues) == "" {
		return nil, nil
	}
	out := map[string]int{}
	for _, pair := range strings.Split(c.Queues, ",") {
		q, w, ok := strings.Cut(strings.TrimSpace(pair), "=")
		n, err := strconv.Atoi(w)
		if !ok || q == "" || err != nil || n < 1 {
			return nil, fmt.Errorf("ARXPORT_QUEUES: %q is not queue=weight", pair)
		}
		out[q] = n
	}
	return out, nil
}

// Defaults answers the configuration as the environment and the flags'
// defaults give it, without parsing a command line.
func Defaults() Config {
	var c Config
	c.Flags(pflag.NewFlagSet("defaults", pflag.ContinueOnError))
	return c
}
