// Command service measures the export service as it runs in production: the
// api and worker processes built from cmd/, the real Redis and Postgres, files
// in a local directory. It prints a Markdown table per measurement, each beside
// the same figure for plain asynq (a no-op task), and the ratio of the two:
//
//  1. POST /v1/exports (a tiny inline model to csv) from N concurrent clients
//     against the API with no worker: requests/s and latency percentiles;
//     plain: asynq.Client.Enqueue at the same concurrency. Then (1b) the steps
//     of exports.Service.Submit timed one by one in this process, with the
//     service's own parts, to show where a submit's time goes.
//  2. One job at a time through one worker, from sending the submit to
//     receiving job.completed over SSE, at two task check intervals; plain:
//     Enqueue → a no-op handler in another process → BLPOP of its signal.
//  3. Many jobs submitted up front (batches), then drained by 1 and 2 worker
//     processes: jobs/s, and that none was lost or failed; plain: the same
//     number of no-op tasks drained by plain asynq processes.
//
// It takes a Redis database of its own (1..15, reserved as internal/testenv
// does) and creates (and drops) Postgres databases arxport_bench_*; REDIS_URL
// and DATABASE_URL name the servers (defaults 127.0.0.1:6379, and
// postgres://postgres@127.0.0.1:5432/postgres). Peak RSS is each process's
// VmHWM, read just before it is stopped. Run it inside the module:
//
//	go run ./bench/service                         # everything, about 10 minutes on 2 cores
//	go run ./bench/service -only submit -concurrency 16,64 -requests 10000
//	go run ./bench/service -only drain -drain 2000 -cpuprofile /tmp/prof
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	only              map[string]bool
	requests, warmup  int
	breakdown         int
	think             time.Duration
	concurrency       []int
	jobs              int
	latencyWarmup     int
	intervals         []time.Duration
	drain, batch      int
	batchClients      int
	drainWorkers      []int
	drainInterval     time.Duration
	drainTimeout      time.Duration
	workerConcurrency int
	storage           string
	dsnParams         string
	profile           string
	keep              bool
	maxLoad           float64
	loadWait          time.Duration
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-role" {
		os.Exit(hidden(os.Args[1:]))
	}
	var o options
	only := flag.String("only", "submit,latency,drain", "measurements to run: submit, latency, drain")
	flag.IntVar(&o.requests, "requests", 10000, "1: requests per concurrency level")
	flag.IntVar(&o.warmup, "warmup", 500, "1: warm-up requests before each level")
	flag.IntVar(&o.breakdown, "breakdown", 300, "1b: submits timed step by step in process (0: skip)")
	conc := flag.String("concurrency", "16,64", "1: concurrent clients, comma-separated")
	flag.IntVar(&o.jobs, "jobs", 300, "2: jobs measured one at a time per interval")
	flag.IntVar(&o.latencyWarmup, "latency-warmup", 10, "2: warm-up jobs per interval")
	flag.DurationVar(&o.think, "think", 100*time.Millisecond, "2: before each job, a random pause of up to this long, so jobs arrive at random points of the workers' polling")
	intervals := flag.String("intervals", "10ms,50ms", "2: worker task check intervals, comma-separated")
	flag.IntVar(&o.drain, "drain", 10000, "3: jobs submitted up front, then drained")
	flag.IntVar(&o.batch, "batch", 1000, "3: jobs per POST /v1/exports/batch")
	flag.IntVar(&o.batchClients, "batch-clients", 4, "3: batch requests sent at once")
	workers := flag.String("drain-workers", "1,2", "3: worker processes, comma-separated")
	flag.DurationVar(&o.drainInterval, "drain-interval", 50*time.Millisecond, "3: worker task check interval")
	flag.DurationVar(&o.drainTimeout, "drain-timeout", 15*time.Minute, "3: give up draining after this long")
	flag.IntVar(&o.workerConcurrency, "worker-concurrency", runtime.NumCPU(), "tasks at once per worker process (ARXPORT_CONCURRENCY), arxport and plain")
	flag.StringVar(&o.storage, "storage", "", "directory for the service's files (default: under the scratch directory in $TMPDIR)")
	flag.StringVar(&o.dsnParams, "dsn-params", "", "extra DATABASE_URL parameters for the api and workers, e.g. pool_max_conns=32")
	flag.StringVar(&o.profile, "cpuprofile", "", "directory: run api and worker as this binary with a CPU profile each (PHASE-ROLE-N.pprof)")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory (process logs)")
	flag.Float64Var(&o.maxLoad, "max-load", 1.5, "before each measurement, wait for the 1-minute load average to fall to this (0: don't wait)")
	flag.DurationVar(&o.loadWait, "load-wait", 2*time.Minute, "wait at most this long for the load to fall")
	flag.Parse()
	var err error
	o.only = map[string]bool{}
	for _, s := range split(*only) {
		o.only[s] = true
	}
	if o.concurrency, err = ints(*conc); err == nil {
		o.drainWorkers, err = ints(*workers)
	}
	if err == nil {
		for _, s := range split(*intervals) {
			d, derr := time.ParseDuration(s)
			if derr != nil {
				err = derr
			}
			o.intervals = append(o.intervals, d)
		}
	}
	if err == nil && (len(o.concurrency) == 0 || o.batch < 1 || o.batch > 1000 || o.workerConcurrency < 1 || o.batchClients < 1) {
		err = fmt.Errorf("need -concurrency, -batch 1..1000 and -worker-concurrency ≥ 1")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/service:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/service:", err)
		os.Exit(1)
	}
}

func split(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func ints(s string) ([]int, error) {
	var out []int
	for _, p := range split(s) {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a positive number", p)
		}
		out = append(out, n)
	}
	return out, nil
}

// hidden runs one of the roles this binary plays for itself.
func hidden(args []string) int {
	fs := flag.NewFlagSet("bench-role", flag.ExitOnError)
	role := fs.String("role", "", "plain-worker, api or worker")
	prof := fs.String("role-profile", "", "CPU profile file (api, worker)")
	var pf plainWorkerFlags
	fs.StringVar(&pf.redis, "plain-redis", "", "Redis URL")
	fs.DurationVar(&pf.interval, "plain-interval", 50*time.Millisecond, "task check interval")
	fs.IntVar(&pf.concurrency, "plain-concurrency", runtime.NumCPU(), "concurrency")
	fs.StringVar(&pf.mode, "plain-mode", "count", "signal or count")
	fs.Parse(args)
	var err error
	switch *role {
	case "plain-worker":
		err = runPlainWorker(pf)
	case "api", "worker":
		err = runProfiled(*role, *prof)
	default:
		err = fmt.Errorf("unknown role %q", *role)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench %s: %v\n", *role, err)
		return 1
	}
	return 0
}

func run(ctx context.Context, o options) (err error) {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "arxport-bench-service-")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil || o.keep {
			say("logs kept in %s", work)
			return
		}
		os.RemoveAll(work)
	}()
	e := &env{root: root, work: work, self: self, redisURL: redisURL(), pgURL: postgresURL(), concurrency: o.workerConcurrency, storage: o.storage, dsnParams: o.dsnParams}
	if e.storage == "" {
		e.storage = filepath.Join(work, "files")
	}
	if o.profile != "" {
		if e.profile, err = filepath.Abs(o.profile); err != nil {
			return err
		}
		if err := os.MkdirAll(e.profile, 0o755); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(e.storage, 0o755); err != nil {
		return err
	}
	say("building cmd/api and cmd/worker")
	if err := e.build(ctx); err != nil {
		return err
	}
	if err := e.reserveRedis(ctx); err != nil {
		return err
	}
	defer e.close()
	out := os.Stdout
	printMachine(ctx, out, e, o)

	var sub *submitResults
	var arxLat, plainLat []*latencyResult
	if o.only["submit"] {
		waitLoad(ctx, o, "submit")
		if sub, err = benchSubmit(ctx, e, o); err != nil {
			return fmt.Errorf("submit: %w", err)
		}
		sub.print(out, o)
	}
	if o.only["latency"] {
		waitLoad(ctx, o, "latency")
		for _, iv := range o.intervals {
			a, err := benchLatency(ctx, e, o, iv)
			if err != nil {
				return fmt.Errorf("latency %s: %w", iv, err)
			}
			p, err := benchPlainLatency(ctx, e, o, iv)
			if err != nil {
				return fmt.Errorf("plain latency %s: %w", iv, err)
			}
			arxLat, plainLat = append(arxLat, a), append(plainLat, p)
		}
		printLatency(out, o, arxLat, plainLat)
	}
	if o.only["drain"] {
		var arx, plain []*drainResult
		for _, w := range o.drainWorkers {
			waitLoad(ctx, o, fmt.Sprintf("drain with %d workers", w))
			a, err := benchDrain(ctx, e, o, w)
			if err != nil {
				return fmt.Errorf("drain %d: %w", w, err)
			}
			p, err := benchPlainDrain(ctx, e, o, w)
			if err != nil {
				return fmt.Errorf("plain drain %d: %w", w, err)
			}
			arx, plain = append(arx, a), append(plain, p)
		}
		printDrain(out, o, arx, plain)
	}
	printTargets(out, sub, arxLat)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// waitLoad waits (a while) for the machine to be quiet, and says how quiet it was.
func waitLoad(ctx context.Context, o options, what string) {
	deadline := time.Now().Add(o.loadWait)
	for o.maxLoad > 0 && loadavg() > o.maxLoad && time.Now().Before(deadline) && ctx.Err() == nil {
		say("%s: load average %.2f > %.2f, waiting", what, loadavg(), o.maxLoad)
		select {
		case <-ctx.Done():
		case <-time.After(10 * time.Second):
		}
	}
	say("%s: starting at load average %.2f", what, loadavg())
}

func printMachine(ctx context.Context, w io.Writer, e *env, o options) {
	cpu, mem := "", ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if kb := statusKBFile("/proc/meminfo", "MemTotal"); kb > 0 {
		mem = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
	}
	redisVersion := ""
	if info, err := e.rdb.Info(ctx, "server").Result(); err == nil {
		for _, l := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(l), "redis_version:"); ok {
				redisVersion = v
			}
		}
	}
	pgVersion, syncCommit := "", ""
	if db, err := sql.Open("pgx", e.pgURL); err == nil {
		db.QueryRowContext(ctx, "SHOW server_version").Scan(&pgVersion)
		db.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&syncCommit)
		db.Close()
	}
	fmt.Fprintf(w, "Run %s on %d cores (%s), %s; %s; Redis %s (database %d); Postgres %s (synchronous_commit=%s); files on %s (%s). Load average at the start: %.2f.\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), cores(), cpu, mem, runtime.Version(), redisVersion, e.rdbOpt.DB,
		strings.Fields(pgVersion + " ?")[0], syncCommit, e.storage, fsType(e.storage), loadavg())
	if o.dsnParams != "" {
		fmt.Fprintf(w, "DATABASE_URL parameters added: %s.\n", o.dsnParams)
	}
	if e.profile != "" {
		fmt.Fprintf(w, "api and worker ran profiled (CPU profiles in %s).\n", e.profile)
	}
}

func statusKBFile(path, field string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "?"
	}
	switch st.Type {
	case 0xEF53:
		return "ext4"
	case 0x01021994:
		return "tmpfs"
	case 0x9123683E:
		return "btrfs"
	case 0x58465342:
		return "xfs"
	case 0x794C7630:
		return "overlayfs"
	}
	return fmt.Sprintf("fs 0x%x", st.Type)
}

func printTargets(w io.Writer, sub *submitResults, lat []*latencyResult) {
	if sub == nil && len(lat) == 0 {
		return
	}
	t := newTable("Against the targets", "<target", "<measured", "<")
	met := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**not met**"
	}
	if sub != nil {
		for _, r := range sub.arx {
			ok := r.rate() >= 2000 && r.lat.pct(99) < 50*time.Millisecond && r.failed() == 0
			t.add(fmt.Sprintf("POST /v1/exports, %d clients: ≥ 2,000 req/s with p99 < 50 ms", r.conc),
				fmt.Sprintf("%.0f req/s, p99 %s ms", r.rate(), ms(r.lat.pct(99))), met(ok))
		}
	}
	for _, r := range lat {
		t.add(fmt.Sprintf("submit → job.completed, task check interval %s: p50 < 100 ms", r.interval),
			fmt.Sprintf("p50 %s ms", ms(r.total.pct(50))), met(r.total.pct(50) < 100*time.Millisecond && r.failures == 0))
	}
	t.print(w)
}
