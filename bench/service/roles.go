package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/spf13/pflag"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/tasks"
)

// The plain-asynq baseline: a no-op task on the same queue, with a payload of
// the size of an export task's, handled by a server configured like the
// service's worker.
const (
	plainType     = "bench:noop"
	plainDoneList = "plainbench:done" // signal mode: handled task ids, in order
)

// plainWorkerFlags are the hidden flags of the plain-asynq worker process.
type plainWorkerFlags struct {
	redis       string
	interval    time.Duration
	concurrency int
	mode        string // signal: RPUSH each task's id to plainDoneList; count: count, and report at exit
}

// plainReport is what a plain worker in count mode prints when it stops.
type plainReport struct {
	Count int64 `json:"count"`
	First int64 `json:"first_unix_nano"` // first handler start
	Last  int64 `json:"last_unix_nano"`  // last handler end
}

// runPlainWorker serves no-op tasks until SIGTERM.
func runPlainWorker(f plainWorkerFlags) error {
	ropt, err := redis.ParseURL(f.redis)
	if err != nil {
		return err
	}
	rdb := redis.NewClient(ropt)
	defer rdb.Close()
	var count, first, last atomic.Int64
	handler := func(ctx context.Context, t *asynq.Task) error {
		start := time.Now().UnixNano()
		first.CompareAndSwap(0, start)
		if f.mode == "signal" {
			id, _ := asynq.GetTaskID(ctx)
			if err := rdb.RPush(ctx, plainDoneList, id).Err(); err != nil {
				return err
			}
		}
		count.Add(1)
		end := time.Now().UnixNano()
		for {
			cur := last.Load()
			if end <= cur || last.CompareAndSwap(cur, end) {
				break
			}
		}
		return nil
	}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:       f.concurrency,
		Queues:            tasks.Queues(),
		TaskCheckInterval: f.interval,
		LogLevel:          asynq.WarnLevel,
	})
	mux := asynq.NewServeMux()
	mux.HandleFunc(plainType, handler)
	if err := srv.Start(mux); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	srv.Shutdown()
	return json.NewEncoder(os.Stdout).Encode(plainReport{Count: count.Load(), First: first.Load(), Last: last.Load()})
}

// runProfiled runs the service's api or worker role as cmd/api or cmd/worker
// would (configuration from the environment), writing a CPU profile of the
// whole run to file.
func runProfiled(role, file string) error {
	var cfg app.Config
	fs := pflag.NewFlagSet("arxport-"+role, pflag.ContinueOnError)
	cfg.Flags(fs)
	if err := fs.Parse(nil); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg, app.Logger(cfg).With("role", role))
	if err != nil {
		return err
	}
	defer a.Close()
	out, err := os.Create(file)
	if err != nil {
		return err
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	switch role {
	case "api":
		l, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return err
		}
		return a.ServeAPI(ctx, l)
	case "worker":
		return a.RunWorker(ctx)
	}
	return fmt.Errorf("unknown role %q", role)
}
