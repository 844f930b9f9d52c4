package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/tasks"
)

// loadResult is one closed-loop load run: conc clients, each sending its next
// request when the last one answered, until total were sent.
type loadResult struct {
	conc, total int
	wall        time.Duration
	lat         dist // sorted
	failures    map[string]int
	cpu         cpuUse
}

func (r loadResult) rate() float64 { return float64(r.total) / r.wall.Seconds() }

func (r loadResult) failed() int {
	n := 0
	for _, c := range r.failures {
		n += c
	}
	return n
}

func (r loadResult) failureText() string {
	if len(r.failures) == 0 {
		return "0"
	}
	var parts []string
	for k, v := range r.failures {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// closedLoop runs do total times from conc goroutines and times each call.
func closedLoop(ctx context.Context, conc, total int, watch []int, do func(ctx context.Context, i int) error) loadResult {
	res := loadResult{conc: conc, total: total, failures: map[string]int{}}
	lat := make(dist, total)
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	before := takeCPU(watch...)
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= total || ctx.Err() != nil {
					return
				}
				t0 := time.Now()
				err := do(ctx, i)
				lat[i] = time.Since(t0)
				if err != nil {
					msg := err.Error()
					if len(msg) > 80 {
						msg = msg[:80]
					}
					mu.Lock()
					res.failures[msg]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	res.wall = time.Since(start)
	res.cpu = before.to(takeCPU(watch...))
	res.lat = lat.sorted()
	return res
}

// submitter posts the same small job again and again, as bytes prepared once,
// so that the client's own work stays small beside the server's.
type submitter struct {
	url  string
	body []byte
	http *http.Client
}

func newSubmitter(apiURL string, conc int) (*submitter, error) {
	body, err := json.Marshal(request())
	if err != nil {
		return nil, err
	}
	tr := &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc, IdleConnTimeout: time.Minute, DisableCompression: true}
	return &submitter{url: apiURL + "/v1/exports", body: body, http: &http.Client{Transport: tr, Timeout: time.Minute}}, nil
}

func (s *submitter) submit(ctx context.Context, _ int) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(s.body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+benchKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

func (s *submitter) close() { s.http.CloseIdleConnections() }

// plainTask is the baseline's task: the same queue, timeout and retries as an
// export task, and a payload of the same shape.
func plainTask(i int, prefix string) *asynq.Task {
	id := fmt.Sprintf("%s-%08d", prefix, i)
	b, _ := json.Marshal(tasks.Export{JobID: "exp_" + id, Format: "csv", ModelKey: "models/" + benchTenant + "/exp_" + id + ".json"})
	return asynq.NewTask(plainType, b, asynq.Queue(tasks.QueueNormal), asynq.TaskID(id),
		asynq.Timeout(tasks.Timeouts{}.For(int64(len(tinyModel)))), asynq.MaxRetry(tasks.MaxRetry))
}

// submitResults are measurement 1's figures, arxport and plain, per concurrency.
type submitResults struct {
	arx, plain []loadResult
	apiPeakKB  int64
	jobs       int64 // jobs the store holds after the runs
	queued     int   // export tasks asynq holds after the runs
	sent       int   // 202s the API answered
	bd         *breakdown
}

// benchSubmit is measurement 1: POST /v1/exports against an API with no
// worker, then asynq.Client.Enqueue of a no-op task at the same concurrency.
func benchSubmit(ctx context.Context, e *env, o options) (*submitResults, error) {
	out := &submitResults{}
	ph, err := e.newPhase(ctx, "submit")
	if err != nil {
		return nil, err
	}
	defer ph.close()
	if err := ph.startAPI(ctx); err != nil {
		return nil, err
	}
	for _, conc := range o.concurrency {
		s, err := newSubmitter(ph.apiURL, conc)
		if err != nil {
			return nil, err
		}
		say("submit: warming up, %d clients, %d requests", conc, o.warmup)
		w := closedLoop(ctx, conc, o.warmup, nil, s.submit)
		out.sent += w.total - w.failed()
		say("submit: %d clients, %d requests (load %.2f)", conc, o.requests, loadavg())
		r := closedLoop(ctx, conc, o.requests, []int{ph.api.pid()}, s.submit)
		out.sent += r.total - r.failed()
		s.close()
		say("submit: %d clients: %.0f req/s, p50 %s ms, p99 %s ms, failures %s", conc, r.rate(), ms(r.lat.pct(50)), ms(r.lat.pct(99)), r.failureText())
		out.arx = append(out.arx, r)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
	}
	// Nothing accepted may be missing: every 202 is a job row and a queued task.
	if err := ph.db.QueryRowContext(ctx, "SELECT count(*) FROM jobs").Scan(&out.jobs); err != nil {
		return nil, err
	}
	insp := asynq.NewInspectorFromRedisClient(e.rdb)
	if qi, err := insp.GetQueueInfo(tasks.QueueNormal); err == nil {
		out.queued = qi.Pending
	}
	if o.breakdown > 0 {
		say("submit: timing the steps of a submit (load %.2f)", loadavg())
		if out.bd, err = benchBreakdown(ctx, ph, o); err != nil {
			return nil, fmt.Errorf("breakdown: %w", err)
		}
	}
	out.apiPeakKB = ph.api.stop()

	// The same load straight into asynq.
	if err := e.rdb.FlushDB(ctx).Err(); err != nil {
		return nil, err
	}
	client := asynq.NewClientFromRedisClient(e.rdb)
	for k, conc := range o.concurrency {
		enqueue := func(prefix string) func(ctx context.Context, i int) error {
			return func(ctx context.Context, i int) error {
				_, err := client.EnqueueContext(ctx, plainTask(i, prefix))
				return err
			}
		}
		closedLoop(ctx, conc, o.warmup, nil, enqueue(fmt.Sprintf("warm%d", k)))
		say("plain enqueue: %d clients, %d tasks (load %.2f)", conc, o.requests, loadavg())
		r := closedLoop(ctx, conc, o.requests, nil, enqueue(fmt.Sprintf("run%d", k)))
		say("plain enqueue: %d clients: %.0f/s, p50 %s ms, p99 %s ms", conc, r.rate(), ms(r.lat.pct(50)), ms(r.lat.pct(99)))
		out.plain = append(out.plain, r)
	}
	return out, nil
}

func (r *submitResults) print(w io.Writer, o options) {
	t := newTable("1. Submitting: POST /v1/exports (tiny inline model, csv) against the API alone, no worker",
		"<system", "clients", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "<failures")
	for i := range r.arx {
		a, p := r.arx[i], r.plain[i]
		t.add("arxport POST /v1/exports", a.conc, a.total, fmt.Sprintf("%.0f", a.rate()), ms(a.lat.pct(50)), ms(a.lat.pct(90)), ms(a.lat.pct(99)), ms(a.lat.pct(100)), a.failureText())
		t.add("plain asynq Client.Enqueue", p.conc, p.total, fmt.Sprintf("%.0f", p.rate()), ms(p.lat.pct(50)), ms(p.lat.pct(90)), ms(p.lat.pct(99)), ms(p.lat.pct(100)), p.failureText())
	}
	t.note("Each run follows %d warm-up requests at the same concurrency. Peak RSS of the api process: %s MB. "+
		"Accepted (202) %d; job rows %d; export tasks waiting in asynq %d.", o.warmup, mb(r.apiPeakKB), r.sent, r.jobs, r.queued)
	for _, a := range r.arx {
		t.note("")
		t.note("arxport, %d clients: %s", a.conc, a.cpu.describe("api", a.total, "request"))
	}
	for _, p := range r.plain {
		t.note("")
		t.note("plain, %d clients: %s", p.conc, p.cpu.describe("", p.total, "task"))
	}
	t.print(w)

	rt := newTable("1. Ratios, arxport / plain asynq", "clients", "throughput", "p50", "p90", "p99")
	for i := range r.arx {
		a, p := r.arx[i], r.plain[i]
		rt.add(a.conc, ratio(a.rate(), p.rate()), dratio(a.lat.pct(50), p.lat.pct(50)), dratio(a.lat.pct(90), p.lat.pct(90)), dratio(a.lat.pct(99), p.lat.pct(99)))
	}
	rt.print(w)
	if r.bd != nil {
		r.bd.print(w)
	}
}
