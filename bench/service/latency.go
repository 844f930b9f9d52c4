package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/client"
	"github.com/arxos/arxport/jobstore"
)

// latencyResult is one interval's one-at-a-time run.
type latencyResult struct {
	interval     time.Duration
	n            int
	total        dist // submit sent → job.completed received (sorted)
	submit       dist // submit sent → 202 received (sorted); arxport only
	failures     int
	apiKB        int64
	workerKB     int64
	cpu          cpuUse
	lastFailures string
}

// benchLatency is measurement 2 for one TaskCheckInterval: jobs one at a time
// through one worker, from sending the submit to receiving job.completed over SSE.
func benchLatency(ctx context.Context, e *env, o options, interval time.Duration) (*latencyResult, error) {
	ph, err := e.newPhase(ctx, "latency-"+interval.String())
	if err != nil {
		return nil, err
	}
	defer ph.close()
	if err := ph.startAPI(ctx); err != nil {
		return nil, err
	}
	wk, err := ph.startWorker(interval)
	if err != nil {
		return nil, err
	}
	c := client.New(ph.apiURL, benchKey)
	c.HTTP = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: time.Minute}
	req := request()
	one := func() (time.Duration, time.Duration, error) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		t0 := time.Now()
		j, err := c.Submit(ctx, req, "")
		if err != nil {
			return 0, 0, err
		}
		sub := time.Since(t0)
		var last string
		err = c.Events(ctx, j.ID, 0, func(ev jobstore.Event) error { last = ev.Type; return nil })
		total := time.Since(t0)
		if err == nil && last != "job.completed" {
			err = fmt.Errorf("job %s ended with %s", j.ID, last)
		}
		return total, sub, err
	}
	res := &latencyResult{interval: interval}
	say("latency %s: warming up (%d jobs)", interval, o.latencyWarmup)
	for range o.latencyWarmup {
		if _, _, err := one(); err != nil {
			return nil, fmt.Errorf("warm-up job: %w; worker log: %s", err, wk.tail())
		}
	}
	say("latency %s: %d jobs one at a time (load %.2f)", interval, o.jobs, loadavg())
	before := takeCPU(ph.api.pid(), wk.pid())
	for range o.jobs {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pause(ctx, o.think)
		total, sub, err := one()
		if err != nil {
			res.failures++
			res.lastFailures = err.Error()
			continue
		}
		res.total = append(res.total, total)
		res.submit = append(res.submit, sub)
	}
	res.cpu = before.to(takeCPU(ph.api.pid(), wk.pid()))
	res.n = len(res.total)
	res.total, res.submit = res.total.sorted(), res.submit.sorted()
	res.workerKB = wk.stop()
	res.apiKB = ph.api.stop()
	say("latency %s: p50 %s ms, p99 %s ms, failures %d", interval, ms(res.total.pct(50)), ms(res.total.pct(99)), res.failures)
	return res, nil
}

// benchPlainLatency is measurement 2's baseline: a no-op task enqueued, one at
// a time, handled by a plain asynq worker process that pushes its id to a list
// the bench waits on (BLPOP).
func benchPlainLatency(ctx context.Context, e *env, o options, interval time.Duration) (*latencyResult, error) {
	ph, err := e.newPhase(ctx, "plain-latency-"+interval.String())
	if err != nil {
		return nil, err
	}
	defer ph.close()
	wk, err := ph.start("plain-worker", ph.childEnv(), "-plain-redis", e.childRedisURL(), "-plain-interval", interval.String(),
		"-plain-concurrency", strconv.Itoa(o.workerConcurrency), "-plain-mode", "signal")
	if err != nil {
		return nil, err
	}
	cl := asynq.NewClientFromRedisClient(e.rdb)
	one := func(i int, prefix string) (time.Duration, error) {
		t := plainTask(i, prefix)
		t0 := time.Now()
		info, err := cl.EnqueueContext(ctx, t)
		if err != nil {
			return 0, err
		}
		v, err := e.rdb.BLPop(ctx, 10*time.Second, plainDoneList).Result()
		d := time.Since(t0)
		if err != nil {
			return 0, fmt.Errorf("waiting for task %s: %w", info.ID, err)
		}
		if v[1] != info.ID {
			return 0, errors.New("handled " + v[1] + ", expected " + info.ID)
		}
		return d, nil
	}
	res := &latencyResult{interval: interval}
	for i := range o.latencyWarmup {
		if _, err := one(i, "warm"); err != nil {
			return nil, fmt.Errorf("plain warm-up: %w; worker log: %s", err, wk.tail())
		}
	}
	say("plain latency %s: %d tasks one at a time (load %.2f)", interval, o.jobs, loadavg())
	before := takeCPU(wk.pid())
	for i := range o.jobs {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		pause(ctx, o.think)
		d, err := one(i, "run")
		if err != nil {
			res.failures++
			res.lastFailures = err.Error()
			continue
		}
		res.total = append(res.total, d)
	}
	res.cpu = before.to(takeCPU(wk.pid()))
	res.n = len(res.total)
	res.total = res.total.sorted()
	res.workerKB = wk.stop()
	say("plain latency %s: p50 %s ms, p99 %s ms", interval, ms(res.total.pct(50)), ms(res.total.pct(99)))
	return res, nil
}

// pause waits a random time up to max, so that the next job arrives at a random
// point of the worker's polling cycle rather than right after the last one ended.
func pause(ctx context.Context, max time.Duration) {
	if max <= 0 {
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(rand.N(max)):
	}
}

func printLatency(w io.Writer, o options, arx, plain []*latencyResult) {
	t := newTable("2. One small job at a time through one worker: submit sent → job.completed received over SSE",
		"<system", "task check interval", "jobs", "p50 ms", "p90 ms", "p99 ms", "mean ms", "max ms", "submit p50 ms", "submit p99 ms", "failures", "api RSS MB", "worker RSS MB")
	for i := range arx {
		a, p := arx[i], plain[i]
		t.add("arxport (api + 1 worker)", a.interval, a.n, ms(a.total.pct(50)), ms(a.total.pct(90)), ms(a.total.pct(99)), ms(a.total.mean()), ms(a.total.pct(100)),
			ms(a.submit.pct(50)), ms(a.submit.pct(99)), a.failures, mb(a.apiKB), mb(a.workerKB))
		t.add("plain asynq (Enqueue → no-op → BLPOP)", p.interval, p.n, ms(p.total.pct(50)), ms(p.total.pct(90)), ms(p.total.pct(99)), ms(p.total.mean()), ms(p.total.pct(100)),
			"–", "–", p.failures, "–", mb(p.workerKB))
	}
	t.note("Each run follows %d warm-up jobs. Before each job the client pauses a random 0–%s (not counted), so that jobs arrive at random points "+
		"of the worker's polling. Worker concurrency %d in both; the plain worker serves the same queue weights.", o.latencyWarmup, o.think, o.workerConcurrency)
	for _, a := range arx {
		if a.lastFailures != "" {
			t.note("arxport %s: last failure: %s", a.interval, a.lastFailures)
		}
		t.note("")
		t.note("arxport, %s: %s", a.interval, a.cpu.describe("api+worker", a.n, "job"))
	}
	t.print(w)

	rt := newTable("2. Ratios, arxport / plain asynq", "task check interval", "p50", "p90", "p99", "mean")
	for i := range arx {
		a, p := arx[i], plain[i]
		rt.add(a.interval, dratio(a.total.pct(50), p.total.pct(50)), dratio(a.total.pct(90), p.total.pct(90)), dratio(a.total.pct(99), p.total.pct(99)), dratio(a.total.mean(), p.total.mean()))
	}
	rt.print(w)
}
