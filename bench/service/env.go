package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/redis/go-redis/v9"
)

// The API key and tenant every benchmark request uses.
const (
	benchKey    = "bench-key-0123456789"
	benchTenant = "bench"
)

// env is the benchmark's share of the shared servers: a Redis database of its
// own (reserved like internal/testenv does), Postgres databases it creates and
// drops, a scratch directory, and the service's binaries.
type env struct {
	root        string // module root
	work        string // scratch directory
	bin         string // built cmd/api and cmd/worker
	self        string // this binary, re-executed for the plain-asynq worker
	profile     string // when set, api and worker run profiled (as this binary) and write CPU profiles here
	storage     string // parent of each phase's storage directory
	concurrency int    // of every worker process, arxport's and plain
	dsnParams   string // added to the api's and workers' DATABASE_URL
	redisURL    string
	pgURL       string // the server's maintenance database
	rdbOpt      *redis.Options
	rdb         *redis.Client // the reserved database
	dbKey       string        // the reservation key in DB 0
	owner       string
	stopKeep    chan struct{}
	dbs         []string // created databases not yet dropped
}

func token() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func redisURL() string {
	if u := os.Getenv("REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

func postgresURL() string {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// reserveRedis takes a free database number 1..15 (SETNX arxport:testenv:db:N
// in DB 0, with a TTL it keeps refreshing) and flushes it.
func (e *env) reserveRedis(ctx context.Context) error {
	base, err := redis.ParseURL(e.redisURL)
	if err != nil {
		return fmt.Errorf("REDIS_URL: %w", err)
	}
	admin := redis.NewClient(&redis.Options{Addr: base.Addr, Username: base.Username, Password: base.Password, DB: 0})
	defer admin.Close()
	if err := admin.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	e.owner = "bench-service-" + token()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		for db := 1; db <= 15; db++ {
			key := "arxport:testenv:db:" + strconv.Itoa(db)
			ok, err := admin.SetNX(ctx, key, e.owner, 30*time.Minute).Result()
			if err != nil {
				return fmt.Errorf("redis: %w", err)
			}
			if !ok {
				continue
			}
			o := *base
			o.DB = db
			e.rdbOpt, e.dbKey = &o, key
			e.rdb = redis.NewClient(&o)
			e.stopKeep = make(chan struct{})
			go e.keepReservation(base)
			say("redis: reserved database %d", db)
			return e.rdb.FlushDB(ctx).Err()
		}
		if time.Now().After(deadline) {
			return errors.New("redis: no free database in 1..15")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (e *env) keepReservation(base *redis.Options) {
	admin := redis.NewClient(&redis.Options{Addr: base.Addr, Username: base.Username, Password: base.Password, DB: 0})
	defer admin.Close()
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-e.stopKeep:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if v, _ := admin.Get(ctx, e.dbKey).Result(); v == e.owner {
				admin.Expire(ctx, e.dbKey, 30*time.Minute)
			}
			cancel()
		}
	}
}

// releaseRedis flushes the reserved database and gives it back.
func (e *env) releaseRedis() {
	if e.rdb == nil {
		return
	}
	close(e.stopKeep)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.rdb.FlushDB(ctx)
	e.rdb.Close()
	admin := redis.NewClient(&redis.Options{Addr: e.rdbOpt.Addr, Username: e.rdbOpt.Username, Password: e.rdbOpt.Password, DB: 0})
	defer admin.Close()
	if v, _ := admin.Get(ctx, e.dbKey).Result(); v == e.owner {
		admin.Del(ctx, e.dbKey)
	}
}

// redisURLFor renders the reserved database as a URL for child processes.
func (e *env) childRedisURL() string {
	u := url.URL{Scheme: "redis", Host: e.rdbOpt.Addr, Path: "/" + strconv.Itoa(e.rdbOpt.DB)}
	if e.rdbOpt.Password != "" {
		u.User = url.UserPassword(e.rdbOpt.Username, e.rdbOpt.Password)
	}
	return u.String()
}

// createDB creates a Postgres database of the benchmark's own and answers its URL.
func (e *env) createDB(ctx context.Context) (string, string, error) {
	db, err := sql.Open("pgx", e.pgURL)
	if err != nil {
		return "", "", err
	}
	defer db.Close()
	name := "arxport_bench_" + token()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", "", fmt.Errorf("postgres: create database: %w", err)
	}
	e.dbs = append(e.dbs, name)
	u, err := url.Parse(e.pgURL)
	if err != nil {
		return "", "", err
	}
	u.Path = "/" + name
	return name, u.String(), nil
}

// dropDB drops a database created by createDB, connections and all.
func (e *env) dropDB(name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("pgx", e.pgURL)
	if err != nil {
		say("drop database %s: %v", name, err)
		return
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		say("drop database %s: %v", name, err)
		return
	}
	for i, n := range e.dbs {
		if n == name {
			e.dbs = append(e.dbs[:i], e.dbs[i+1:]...)
			break
		}
	}
}

// close undoes everything the environment holds.
func (e *env) close() {
	for _, name := range append([]string(nil), e.dbs...) {
		e.dropDB(name)
	}
	e.releaseRedis()
}

// build compiles cmd/api and cmd/worker as e2e does.
func (e *env) build(ctx context.Context) error {
	e.bin = filepath.Join(e.work, "bin")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", e.bin+string(filepath.Separator), "./cmd/api", "./cmd/worker")
	cmd.Dir = e.root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building cmd/api and cmd/worker: %w", err)
	}
	return nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run this from inside the arxport module")
	}
	return filepath.Dir(mod), nil
}

// phase is one measurement's service: a fresh Postgres database, the reserved
// Redis database flushed, a storage directory of its own, and its processes.
type phase struct {
	e       *env
	name    string
	dbName  string
	dbURL   string
	storage string
	temp    string
	procs   []*proc
	api     *proc
	apiURL  string
	db      *sql.DB // the bench's own connection to the job store
}

func (e *env) newPhase(ctx context.Context, name string) (*phase, error) {
	if err := e.rdb.FlushDB(ctx).Err(); err != nil {
		return nil, fmt.Errorf("redis flush: %w", err)
	}
	dbName, dbURL, err := e.createDB(ctx)
	if err != nil {
		return nil, err
	}
	id := name + "-" + token()
	p := &phase{e: e, name: name, dbName: dbName, dbURL: dbURL, storage: filepath.Join(e.storage, id), temp: filepath.Join(e.work, "tmp", id)}
	for _, dir := range []string{p.storage, p.temp} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			e.dropDB(dbName)
			return nil, err
		}
	}
	return p, nil
}

// close stops the phase's processes, drops its database, flushes Redis and
// removes its files.
func (p *phase) close() {
	for _, pr := range p.procs {
		pr.stop()
	}
	if p.db != nil {
		p.db.Close()
	}
	p.e.dropDB(p.dbName)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	p.e.rdb.FlushDB(ctx)
	cancel()
	os.RemoveAll(p.storage)
	os.RemoveAll(p.temp)
}

func (p *phase) childEnv(extra ...string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "REDIS_URL" || k == "DATABASE_URL" || strings.HasPrefix(k, "ARXPORT_") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out,
		"REDIS_URL="+p.e.childRedisURL(),
		"DATABASE_URL="+withParams(p.dbURL, p.e.dsnParams),
		"ARXPORT_STORAGE="+p.storage,
		"ARXPORT_TEMP_DIR="+p.temp,
		"ARXPORT_API_KEYS="+benchKey+"="+benchTenant,
		"ARXPORT_SHUTDOWN_TIMEOUT=5s",
	)
	return append(out, extra...)
}

// start runs one of the service's roles (api, worker) or this binary's plain
// asynq worker.
func (p *phase) start(role string, env []string, args ...string) (*proc, error) {
	name := fmt.Sprintf("%s-%d", role, len(p.procs)+1)
	var cmd *exec.Cmd
	switch {
	case role == "plain-worker":
		cmd = exec.Command(p.e.self, append([]string{"-role", role}, args...)...)
	case p.e.profile != "":
		prof := filepath.Join(p.e.profile, p.name+"-"+name+".pprof")
		cmd = exec.Command(p.e.self, "-role", role, "-role-profile", prof)
	default:
		cmd = exec.Command(filepath.Join(p.e.bin, role))
	}
	cmd.Env = env
	pr := &proc{name: name, cmd: cmd, log: filepath.Join(p.e.work, p.name+"-"+name+".log"), done: make(chan struct{})}
	lf, err := os.Create(pr.log)
	if err != nil {
		return nil, err
	}
	cmd.Stderr = lf
	cmd.Stdout = &pr.stdout
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { cmd.Wait(); lf.Close(); close(pr.done) }()
	p.procs = append(p.procs, pr)
	return pr, nil
}

// startAPI runs the API on a free port and waits until it answers.
func (p *phase) startAPI(ctx context.Context) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	api, err := p.start("api", p.childEnv("ARXPORT_ADDR="+addr))
	if err != nil {
		return err
	}
	p.api, p.apiURL = api, "http://"+addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.apiURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-api.done:
			return fmt.Errorf("api exited: %s", api.tail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("api did not answer /healthz: %v; %s", err, api.tail())
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.db, err = sql.Open("pgx", p.dbURL)
	return err
}

func (p *phase) startWorker(interval time.Duration) (*proc, error) {
	return p.start("worker", p.childEnv("ARXPORT_TASK_CHECK_INTERVAL="+interval.String(),
		"ARXPORT_CONCURRENCY="+strconv.Itoa(p.e.concurrency)))
}

func withParams(dsn, params string) string {
	if params == "" {
		return dsn
	}
	if strings.Contains(dsn, "?") {
		return dsn + "&" + params
	}
	return dsn + "?" + params
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// proc is a child process.
type proc struct {
	name    string
	cmd     *exec.Cmd
	log     string
	stdout  bytes.Buffer
	done    chan struct{}
	peakKB  int64 // VmHWM read just before it was stopped
	stopped bool
}

func (pr *proc) pid() int { return pr.cmd.Process.Pid }

func (pr *proc) alive() bool {
	select {
	case <-pr.done:
		return false
	default:
		return true
	}
}

// stop reads the process's peak RSS, then ends it gracefully (SIGTERM), or
// kills it after a while. It answers the peak RSS in kB.
func (pr *proc) stop() int64 {
	if pr.stopped {
		return pr.peakKB
	}
	pr.stopped = true
	if pr.alive() {
		pr.peakKB = statusKB(pr.pid(), "VmHWM")
		pr.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-pr.done:
		case <-time.After(20 * time.Second):
			pr.cmd.Process.Kill()
			<-pr.done
		}
	}
	if pr.peakKB == 0 && pr.cmd.ProcessState != nil {
		if ru, ok := pr.cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			pr.peakKB = ru.Maxrss
		}
	}
	return pr.peakKB
}

func (pr *proc) tail() string {
	b, _ := os.ReadFile(pr.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
