package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/tasks"
)

// The steps of exports.Service.Submit for an inline model, in order, as the
// breakdown times them one by one.
var steps = [nSteps]string{
	"decode the request body (encoding/json)",
	"validate the model (model.Open + Close)",
	"record the job with its model (Store.Create: one transaction)",
	"event job.queued (Tracker.Emit: Redis script)",
	"enqueue the csv task (asynq Enqueue)",
}

const nSteps = 5

// stepTimes are one run of the steps.
type stepTimes [nSteps]time.Duration

// breakdown is where a submit's time goes, measured in the bench's own
// process with the service's own parts (app.Open on the phase's Redis,
// Postgres and storage): one at a time, and from many goroutines at once.
type breakdown struct {
	n, conc    int
	seq        [nSteps]dist // sorted
	allocKB    [nSteps]float64
	concMean   [nSteps]time.Duration
	httpSeq    dist // the whole POST over HTTP, one client (sorted)
	httpSeqCPU cpuUse
}

// submitSteps runs the steps once for a new job, answering each one's time.
func submitSteps(ctx context.Context, a *app.App, body []byte, mem func(int)) (stepTimes, error) {
	var st stepTimes
	var err error
	at := time.Now()
	mark := func(i int) {
		st[i] = time.Since(at)
		if mem != nil {
			mem(i)
		}
		at = time.Now()
	}
	var req exports.Request
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err = d.Decode(&req); err != nil {
		return st, err
	}
	mark(0)
	m, err := model.Open(ctx, bytes.NewReader(req.Model), &model.Options{})
	if err != nil {
		return st, err
	}
	m.Close()
	mark(1)
	now := time.Now().UTC().Truncate(time.Microsecond)
	j := &jobstore.Job{ID: exports.NewJobID(), Tenant: benchTenant, User: "breakdown", Status: jobstore.Queued, Priority: tasks.QueueNormal,
		CreatedAt: now, Retention: 72 * time.Hour, ExpiresAt: now.Add(72 * time.Hour), Name: m.Building.ID,
		Formats: []*jobstore.Format{{Format: "csv", Status: jobstore.Queued}}}
	j.ModelSize, j.Model, j.Enqueued = int64(len(req.Model)), req.Model, true
	if err = a.Store.Create(ctx, j); err != nil {
		return st, err
	}
	mark(2)
	if _, err = a.Service.Tracker.Emit(ctx, jobstore.Event{JobID: j.ID, Type: "job.queued", Message: "1 formats queued at priority normal"}); err != nil {
		return st, err
	}
	mark(3)
	t, err := tasks.NewExport(tasks.Export{JobID: j.ID, Format: "csv"}, j.Priority, tasks.Timeouts{}.For(j.ModelSize), tasks.MaxRetry)
	if err != nil {
		return st, err
	}
	if _, err = a.Queue.EnqueueContext(ctx, t); err != nil {
		return st, err
	}
	mark(4)
	return st, nil
}

// benchBreakdown times Submit's steps against the phase's servers; the phase's
// API process is idle meanwhile (its HTTP figure is taken first).
func benchBreakdown(ctx context.Context, ph *phase, o options) (*breakdown, error) {
	b := &breakdown{n: o.breakdown, conc: o.concurrency[0]}
	// The whole request over HTTP, one client, for comparison.
	s, err := newSubmitter(ph.apiURL, 1)
	if err != nil {
		return nil, err
	}
	closedLoop(ctx, 1, 20, nil, s.submit)
	r := closedLoop(ctx, 1, o.breakdown, []int{ph.api.pid()}, s.submit)
	s.close()
	if r.failed() > 0 {
		return nil, fmt.Errorf("HTTP submits: %s", r.failureText())
	}
	b.httpSeq, b.httpSeqCPU = r.lat, r.cpu

	cfg := app.Config{RedisURL: ph.e.childRedisURL(), DatabaseURL: ph.dbURL, Storage: ph.storage}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, err
	}
	defer a.Close()
	body, err := json.Marshal(request())
	if err != nil {
		return nil, err
	}
	for range 20 {
		if _, err := submitSteps(ctx, a, body, nil); err != nil {
			return nil, err
		}
	}
	var ms0, ms1 runtime.MemStats
	var alloc [nSteps]uint64
	for i := range b.seq {
		b.seq[i] = make(dist, 0, o.breakdown)
	}
	for range o.breakdown {
		runtime.ReadMemStats(&ms0)
		st, err := submitSteps(ctx, a, body, func(i int) {
			runtime.ReadMemStats(&ms1)
			alloc[i] += ms1.TotalAlloc - ms0.TotalAlloc
			ms0 = ms1
		})
		if err != nil {
			return nil, err
		}
		for i, d := range st {
			b.seq[i] = append(b.seq[i], d)
		}
	}
	for i := range b.seq {
		b.seq[i] = b.seq[i].sorted()
		b.allocKB[i] = float64(alloc[i]) / 1024 / float64(o.breakdown)
	}

	// The same from conc goroutines at once.
	var mu sync.Mutex
	var sum [nSteps]time.Duration
	var fail error
	closedLoop(ctx, b.conc, o.breakdown, nil, func(ctx context.Context, _ int) error {
		st, err := submitSteps(ctx, a, body, nil)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			fail = err
			return err
		}
		for i, d := range st {
			sum[i] += d
		}
		return nil
	})
	if fail != nil {
		return nil, fail
	}
	for i := range sum {
		b.concMean[i] = sum[i] / time.Duration(o.breakdown)
	}
	return b, nil
}

func (b *breakdown) print(w io.Writer) {
	t := newTable("1b. Where a submit's time goes: the steps of exports.Service.Submit, timed one by one in the bench's process",
		"<step", "p50 ms, 1 at a time", "mean ms, 1 at a time", "p99 ms, 1 at a time", "allocated KB", fmt.Sprintf("mean ms, %d at once", b.conc))
	var p50, mean, conc time.Duration
	var kb float64
	for i, name := range steps {
		t.add(name, ms(b.seq[i].pct(50)), ms(b.seq[i].mean()), ms(b.seq[i].pct(99)), fmt.Sprintf("%.0f", b.allocKB[i]), ms(b.concMean[i]))
		p50, mean, conc, kb = p50+b.seq[i].pct(50), mean+b.seq[i].mean(), conc+b.concMean[i], kb+b.allocKB[i]
	}
	t.add("**sum of the steps**", ms(p50), ms(mean), "", fmt.Sprintf("%.0f", kb), ms(conc))
	t.add("the whole POST /v1/exports over HTTP, 1 client", ms(b.httpSeq.pct(50)), ms(b.httpSeq.mean()), ms(b.httpSeq.pct(99)), "", "")
	t.note("%d submits each way (after 20 to warm up), on the phase's Redis, Postgres and storage directory. "+
		"Allocation is measured one at a time (runtime.MemStats around each step). "+
		"Submit records the jobs that arrive together in one transaction (Store.CreateAll); the steps at once here each commit their own.", b.n)
	t.note("")
	t.note("The HTTP run, 1 client: %s", b.httpSeqCPU.describe("api", b.n, "request"))
	t.print(w)
}
