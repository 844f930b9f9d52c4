package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/client"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/tasks"
)

// drainResult is one drain: n jobs waiting, then workers processes started.
type drainResult struct {
	workers   int
	n         int
	submit    time.Duration // putting the n jobs (tasks) on the queue
	span      time.Duration // first handler start → last completion
	wall      time.Duration // workers launched → all done seen
	completed int
	statuses  string // every status and its count, when not all completed
	leftover  string // what asynq still holds, when anything
	workerKB  []int64
	jobTime   dist // arxport: a job's start → its end, in the worker (sorted)
	perSecond string
	cpu       cpuUse
	timedOut  bool
}

func (r *drainResult) rate() float64 {
	if r.span <= 0 {
		return 0
	}
	return float64(r.completed) / r.span.Seconds()
}

func (r *drainResult) rss() string {
	var parts []string
	for _, kb := range r.workerKB {
		parts = append(parts, mb(kb))
	}
	return strings.Join(parts, ", ")
}

// leftover describes tasks asynq still holds in the normal queue.
func leftover(insp *asynq.Inspector) string {
	qi, err := insp.GetQueueInfo(tasks.QueueNormal)
	if err != nil {
		return ""
	}
	if qi.Pending+qi.Active+qi.Scheduled+qi.Retry+qi.Archived == 0 {
		return ""
	}
	return fmt.Sprintf("asynq: %d pending, %d active, %d scheduled, %d retry, %d archived", qi.Pending, qi.Active, qi.Scheduled, qi.Retry, qi.Archived)
}

// benchDrain is measurement 3: n jobs submitted up front in batches, then
// drained by w worker processes; counted in the job store.
func benchDrain(ctx context.Context, e *env, o options, w int) (*drainResult, error) {
	ph, err := e.newPhase(ctx, fmt.Sprintf("drain-%d", w))
	if err != nil {
		return nil, err
	}
	defer ph.close()
	if err := ph.startAPI(ctx); err != nil {
		return nil, err
	}
	c := client.New(ph.apiURL, benchKey)
	c.HTTP = &http.Client{Timeout: 5 * time.Minute}
	res := &drainResult{workers: w, n: o.drain}
	say("drain %d: submitting %d jobs in batches of %d, %d at once (load %.2f)", w, o.drain, o.batch, o.batchClients, loadavg())
	batches := (o.drain + o.batch - 1) / o.batch
	sub := closedLoop(ctx, min(o.batchClients, batches), batches, nil, func(ctx context.Context, b int) error {
		reqs := make([]exports.Request, min(o.batch, o.drain-b*o.batch))
		for i := range reqs {
			reqs[i] = request()
		}
		out, err := c.Batch(ctx, reqs)
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		if len(out) != len(reqs) {
			return fmt.Errorf("batch: %d answers to %d jobs", len(out), len(reqs))
		}
		for i, r := range out {
			if r.Status != http.StatusAccepted {
				return fmt.Errorf("batch: job %d answered %d: %v", b*o.batch+i, r.Status, r.Error)
			}
		}
		return nil
	})
	if sub.failed() > 0 {
		return nil, fmt.Errorf("submitting: %s", sub.failureText())
	}
	res.submit = sub.wall
	say("drain %d: submitted in %.1f s; starting %d workers", w, res.submit.Seconds(), w)

	var procs []*proc
	pids := []int{ph.api.pid()}
	launched := time.Now()
	for range w {
		p, err := ph.startWorker(o.drainInterval)
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		pids = append(pids, p.pid())
	}
	before := takeCPU(pids...)
	counts := map[string]int{}
	lastSay := time.Now()
	deadline := time.Now().Add(o.drainTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		counts, err = statusCounts(ctx, ph)
		if err != nil {
			return nil, err
		}
		done := 0
		for st, n := range counts {
			if st != "queued" && st != "running" {
				done += n
			}
		}
		if done >= o.drain {
			break
		}
		for _, p := range procs {
			if !p.alive() {
				return nil, fmt.Errorf("%s exited: %s", p.name, p.tail())
			}
		}
		if time.Now().After(deadline) {
			res.timedOut = true
			break
		}
		if time.Since(lastSay) > 5*time.Second {
			say("drain %d: %d of %d done", w, done, o.drain)
			lastSay = time.Now()
		}
		time.Sleep(100 * time.Millisecond)
	}
	res.wall = time.Since(launched)
	res.cpu = before.to(takeCPU(pids...))
	res.completed = counts["completed"]
	if res.completed != o.drain {
		res.statuses = fmt.Sprint(counts)
	}
	var first, last int64
	if err := ph.db.QueryRowContext(ctx, "SELECT coalesce(min(started_at), 0), coalesce(max(finished_at), 0) FROM jobs WHERE status = 'completed'").Scan(&first, &last); err != nil {
		return nil, err
	}
	res.span = time.Duration(last-first) * time.Microsecond
	rows, err := ph.db.QueryContext(ctx, "SELECT finished_at - started_at FROM jobs WHERE status = 'completed'")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var us int64
		if err := rows.Scan(&us); err != nil {
			rows.Close()
			return nil, err
		}
		res.jobTime = append(res.jobTime, time.Duration(us)*time.Microsecond)
	}
	rows.Close()
	res.jobTime = res.jobTime.sorted()
	if persec, err := perSecond(ctx, ph); err == nil {
		res.perSecond = persec
	}
	var formats int
	if err := ph.db.QueryRowContext(ctx, "SELECT count(*) FROM job_formats WHERE status = 'completed'").Scan(&formats); err != nil {
		return nil, err
	}
	if formats != res.completed {
		res.statuses += fmt.Sprintf(" %d completed formats for %d completed jobs", formats, res.completed)
	}
	res.leftover = leftover(asynq.NewInspectorFromRedisClient(e.rdb))
	for _, p := range procs {
		res.workerKB = append(res.workerKB, p.stop())
	}
	say("drain %d: %d completed in %.2f s: %.0f jobs/s %s", w, res.completed, res.span.Seconds(), res.rate(), res.statuses)
	return res, nil
}

// perSecond summarises how many jobs completed in each whole second of the
// drain (the first and last seconds left out): min, median, max.
func perSecond(ctx context.Context, ph *phase) (string, error) {
	rows, err := ph.db.QueryContext(ctx, "SELECT count(*) FROM jobs WHERE status = 'completed' GROUP BY finished_at / 1000000 ORDER BY finished_at / 1000000")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var n []int
	for rows.Next() {
		var c int
		if err := rows.Scan(&c); err != nil {
			return "", err
		}
		n = append(n, c)
	}
	if len(n) < 3 {
		return "", rows.Err()
	}
	n = n[1 : len(n)-1]
	sort.Ints(n)
	return fmt.Sprintf("%d / %d / %d", n[0], n[len(n)/2], n[len(n)-1]), rows.Err()
}

func statusCounts(ctx context.Context, ph *phase) (map[string]int, error) {
	rows, err := ph.db.QueryContext(ctx, "SELECT status, count(*) FROM jobs GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// benchPlainDrain is measurement 3's baseline: n no-op tasks enqueued, then
// drained by w plain asynq worker processes.
func benchPlainDrain(ctx context.Context, e *env, o options, w int) (*drainResult, error) {
	ph, err := e.newPhase(ctx, fmt.Sprintf("plain-drain-%d", w))
	if err != nil {
		return nil, err
	}
	defer ph.close()
	res := &drainResult{workers: w, n: o.drain}
	cl := asynq.NewClientFromRedisClient(e.rdb)
	say("plain drain %d: enqueuing %d tasks (load %.2f)", w, o.drain, loadavg())
	load := closedLoop(ctx, o.concurrency[0], o.drain, nil, func(ctx context.Context, i int) error {
		_, err := cl.EnqueueContext(ctx, plainTask(i, "drain"))
		return err
	})
	if load.failed() > 0 {
		return nil, fmt.Errorf("plain enqueue: %s", load.failureText())
	}
	res.submit = load.wall
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	var procs []*proc
	var pids []int
	launched := time.Now()
	for range w {
		p, err := ph.start("plain-worker", ph.childEnv(), "-plain-redis", e.childRedisURL(), "-plain-interval", o.drainInterval.String(),
			"-plain-concurrency", strconv.Itoa(o.workerConcurrency), "-plain-mode", "count")
		if err != nil {
			return nil, err
		}
		procs = append(procs, p)
		pids = append(pids, p.pid())
	}
	before := takeCPU(pids...)
	deadline := time.Now().Add(o.drainTimeout)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		qi, err := insp.GetQueueInfo(tasks.QueueNormal)
		if err != nil {
			return nil, err
		}
		if qi.Pending+qi.Active+qi.Scheduled+qi.Retry == 0 {
			break
		}
		if time.Now().After(deadline) {
			res.timedOut = true
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.wall = time.Since(launched)
	res.cpu = before.to(takeCPU(pids...))
	res.leftover = leftover(insp)
	var first, last int64
	for _, p := range procs {
		res.workerKB = append(res.workerKB, p.stop())
		var rep plainReport
		if err := json.Unmarshal(p.stdout.Bytes(), &rep); err != nil {
			return nil, fmt.Errorf("%s report %q: %w", p.name, p.stdout.String(), err)
		}
		res.completed += int(rep.Count)
		if rep.First != 0 && (first == 0 || rep.First < first) {
			first = rep.First
		}
		last = max(last, rep.Last)
	}
	res.span = time.Duration(last - first)
	if res.completed != o.drain {
		res.statuses = fmt.Sprintf("%d handled", res.completed)
	}
	say("plain drain %d: %d handled in %.2f s: %.0f tasks/s", w, res.completed, res.span.Seconds(), res.rate())
	return res, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func printDrain(w io.Writer, o options, arx, plain []*drainResult) {
	t := newTable(fmt.Sprintf("3. Draining %d small jobs submitted up front", o.drain),
		"<system", "worker processes", "jobs", "completed", "s, first start → last completion", "jobs/s", "s, launch → all seen done", "s to submit", "submitted/s", "<not completed", "worker RSS MB", "job in worker p50 / p99 ms", "completed per second min / median / max")
	for i := range arx {
		for _, r := range []*drainResult{arx[i], plain[i]} {
			name := fmt.Sprintf("arxport (POST /v1/exports/batch of %d, %d at once)", o.batch, o.batchClients)
			if r == plain[i] {
				name = fmt.Sprintf("plain asynq (Enqueue, %d clients; no-op)", o.concurrency[0])
			}
			bad := strings.TrimSpace(r.statuses + " " + r.leftover)
			if r.timedOut {
				bad = "TIMED OUT " + bad
			}
			if bad == "" {
				bad = "none"
			}
			jt := "–"
			if len(r.jobTime) > 0 {
				jt = ms(r.jobTime.pct(50)) + " / " + ms(r.jobTime.pct(99))
			}
			t.add(name, r.workers, r.n, r.completed, fmt.Sprintf("%.2f", r.span.Seconds()), fmt.Sprintf("%.0f", r.rate()),
				fmt.Sprintf("%.2f", r.wall.Seconds()), fmt.Sprintf("%.2f", r.submit.Seconds()), fmt.Sprintf("%.0f", float64(r.n)/r.submit.Seconds()), bad, r.rss(), jt, or(r.perSecond, "–"))
		}
	}
	t.note("Worker concurrency %d per process, task check interval %s, in both. arxport counts `SELECT count(*) FROM jobs WHERE status = 'completed'` "+
		"and times min(started_at) → max(finished_at); plain counts in its handlers. The API stays up while arxport drains.", o.workerConcurrency, o.drainInterval)
	for _, r := range arx {
		t.note("")
		t.note("arxport, %d workers: %s", r.workers, r.cpu.describe("api+workers", r.completed, "job"))
	}
	for _, r := range plain {
		t.note("")
		t.note("plain, %d workers: %s", r.workers, r.cpu.describe("workers", r.completed, "task"))
	}
	t.print(w)

	rt := newTable("3. Ratios, arxport / plain asynq", "worker processes", "jobs/s", "submit rate")
	for i := range arx {
		a, p := arx[i], plain[i]
		rt.add(a.workers, ratio(a.rate(), p.rate()), ratio(float64(a.n)/a.submit.Seconds(), float64(p.n)/p.submit.Seconds()))
	}
	rt.print(w)
}
