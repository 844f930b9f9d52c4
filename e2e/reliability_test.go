package e2e

// Reliability tests (issue 6): the service survives a worker killed with
// SIGKILL, Redis restarted empty, Postgres stopped, two schedulers at once and
// a burst of 5,000 jobs, losing no accepted job and doing no work twice. Fault
// tests run their own redis-server and Postgres cluster on spare loopback
// ports. docs/reliability.md reports the figures of a run:
//
//	ARXPORT_REQUIRE_SERVICES=1 go test ./e2e -run Reliability -v

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/client"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/scheduler"
	"github.com/arxos/arxport/tasks"
	"github.com/arxos/arxport/tracking"
)

// Short maintenance intervals, so that the scheduler's work shows within a test.
var fastScheduler = []string{
	"ARXPORT_CLEANUP_INTERVAL=1s",
	"ARXPORT_ROLLUP_INTERVAL=1s",
	"ARXPORT_RECONCILE_INTERVAL=1s",
	"ARXPORT_METRICS_ADDR=", // several workers on one machine: no metrics listener
}

func withEnv(base []string, more ...string) []string {
	return append(slices.Clone(base), more...)
}

// countedOnce checks that finished jobs (acme's, one csv format each, the only
// ones of the stack) are recorded once in job_formats, and counted once in the
// analytics roll-ups.
func countedOnce(t *testing.T, s *stack, ids ...string) string {
	t.Helper()
	db := openDB(t, s)
	for _, id := range ids {
		if rows := formatRows(t, db, id); len(rows) != 1 || rows["csv"][0] != "completed" {
			t.Errorf("job_formats of %s: %v, want one completed csv row", id, rows)
		}
	}
	n := int64(len(ids))
	return analyticsOnce(t, s, map[string]int64{"acme/csv/completed": n}, map[string]int64{"acme/completed": n})
}

// analyticsOnce checks that the roll-ups (a scheduler runs them every second)
// count exactly the finished formats and jobs given ("tenant/format/status",
// "tenant/status"), and still do after more roll-ups.
func analyticsOnce(t *testing.T, s *stack, formats, jobs map[string]int64) string {
	t.Helper()
	db := openDB(t, s)
	a, ok := waitAnalytics(t, db, 20*time.Second, func(a analytics) bool {
		return mapsEqual(a.formats, formats) && mapsEqual(a.jobs, jobs)
	})
	if !ok {
		t.Errorf("analytics count formats %v and jobs %v; want %v and %v", a.formats, a.jobs, formats, jobs)
		return "analytics wrong"
	}
	time.Sleep(2500 * time.Millisecond) // more roll-ups over the same buckets
	b := readAnalytics(t, db)
	if !mapsEqual(a.formats, b.formats) || !mapsEqual(a.jobs, b.jobs) {
		t.Errorf("more roll-ups changed the counts: %v %v, then %v %v", a.formats, a.jobs, b.formats, b.jobs)
	}
	var nf, nj int64
	for _, v := range formats {
		nf += v
	}
	for _, v := range jobs {
		nj += v
	}
	return fmt.Sprintf("analytics roll-ups count %d formats and %d jobs, each once, unchanged by later roll-ups", nf, nj)
}

// TestReliabilityKillWorker: a worker killed with SIGKILL in the middle of a
// large conversion; asynq's lease recovery hands the task to another worker,
// and the job completes exactly once: its files stored once, format.completed
// and job.completed once, its result recorded (and counted) once.
func TestReliabilityKillWorker(t *testing.T) {
	t.Parallel()
	s := newStack(t, fastScheduler...)
	w := s.startWorker()
	sched := s.start("scheduler")
	ctx := ctxFor(t, 4*time.Minute)
	c := s.client(keyAcme)
	ref := bigModel(t, ctx, c, 200_000)
	j, err := c.Submit(ctx, refRequest(ref, "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	firstProgress(t, ctx, c, j.ID)
	w.kill()
	killed := time.Now()
	w2 := s.startWorker()
	evs := collect(t, ctx, c, j.ID)
	recovery := time.Since(killed)
	if last := evs[len(evs)-1].Type; last != "job.completed" {
		t.Fatalf("job ended with %s", last)
	}
	started, completed, jobDone := count(evs, "format.started", "csv"), count(evs, "format.completed", ""), count(evs, "job.completed", "")
	if started != 2 || completed != 1 || jobDone != 1 {
		t.Errorf("events: csv started %d (want 2), format.completed %d, job.completed %d (want 1)", started, completed, jobDone)
	}
	j, err = c.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	files := sameFiles(t, s, j)
	if files != 1 || j.Status != jobstore.Completed {
		t.Errorf("job %s with %d files stored, want completed with 1", j.Status, files)
	}
	counted := countedOnce(t, s, j.ID)
	sched.stop()
	w2.stop()
	recorded := finishedFormats(w, w2)[j.ID+"/csv"]
	if recorded != 1 {
		t.Errorf("the csv result was recorded %d times", recorded)
	}
	t.Logf("kill -9 worker: 1 job (200,000 elements, csv), 1 fault; format.started %d, format.completed %d, job.completed %d, %d file stored, result recorded %d time(s); %s; jobs lost %d, duplicates %d; recovery (kill to job completed) %s",
		started, completed, jobDone, files, recorded, counted, lost(j), extra(completed, jobDone, files, recorded), recovery.Round(100*time.Millisecond))
}

// TestReliabilityRedisRestart: Redis dies with jobs queued and running and comes
// back empty. Every accepted job still completes (the scheduler's reconciler
// enqueues what Redis lost, the API's outbox what was accepted while it was
// down), and none is done twice.
func TestReliabilityRedisRestart(t *testing.T) {
	t.Parallel()
	addr := freeAddr(t)
	rs := startRedis(t, addr) // --save "" --appendonly no: it comes back empty
	s := newStack(t, withEnv(fastScheduler, "REDIS_URL=redis://"+addr+"/0")...)
	w := s.startWorker("ARXPORT_CONCURRENCY=2")
	sched := s.start("scheduler")
	ctx := ctxFor(t, 4*time.Minute)
	c := s.client(keyAcme)
	ref := bigModel(t, ctx, c, 100_000)
	small := tinyModel(t, 20)
	var ids []string
	formatsOf := map[string][]string{}
	submit := func(r exports.Request) {
		t.Helper()
		j, err := c.Submit(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
		for _, f := range r.Formats {
			formatsOf[j.ID] = append(formatsOf[j.ID], f.Format)
		}
	}
	for i := 0; i < 4; i++ {
		r := refRequest(ref, "csv")
		r.Priority = "high"
		submit(r)
	}
	for i := 0; i < 20; i++ {
		r := request(small, "csv", "json")
		r.Priority = []string{"normal", "low"}[i%2]
		submit(r)
	}
	firstProgress(t, ctx, c, ids[0])
	queued, running := jobStates(t, ctx, c, ids)

	rs.stop()
	down := time.Now()
	// Accepted while Redis is down: the job row is the outbox.
	for i := 0; i < 3; i++ {
		submit(request(small, "csv"))
	}
	time.Sleep(time.Second)
	startRedis(t, addr)
	restarted := time.Now()
	outage := restarted.Sub(down)

	for _, id := range ids {
		waitFor(t, ctx, c, id, "the end", func(j exports.Job) bool { return j.Status.Terminal() })
	}
	recovery := time.Since(restarted)
	files, dupEvents, notDone := 0, 0, 0
	for _, id := range ids {
		j, err := c.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != jobstore.Completed {
			t.Errorf("job %s: %s %+v", id, j.Status, j.Error)
			notDone++
		}
		files += sameFiles(t, s, j)
		// Events emitted before the flush are gone with it (they are advisory);
		// none may be there twice.
		evs := collect(t, ctx, c, id)
		for _, f := range j.Formats {
			if n := count(evs, "format.completed", f.Format); n > 1 {
				t.Errorf("job %s: %s completed %d times", id, f.Format, n)
				dupEvents++
			}
		}
		if n := count(evs, "job.completed", ""); n > 1 {
			t.Errorf("job %s: job.completed %d times", id, n)
			dupEvents++
		}
	}
	wantFormats, wantJobs := map[string]int64{}, map[string]int64{"acme/completed": int64(len(ids))}
	for _, id := range ids {
		for _, f := range formatsOf[id] {
			wantFormats["acme/"+f+"/completed"]++
		}
	}
	counted := analyticsOnce(t, s, wantFormats, wantJobs)
	// asynqmon and the queue metrics see the queues Redis lists; the scheduler
	// has enqueued its ticks on the fresh Redis for half a minute.
	insp := asynq.NewInspectorFromRedisClient(redisOf(t, s))
	visible, err := insp.Queues()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(visible, tasks.QueueMaintenance) {
		msg := fmt.Sprintf("after the flush, inspectors see the queues %v, not %s: asynq clients register a queue once per client "+
			"(scheduler/scheduler.go Enqueue, exports/service.go notify)", visible, tasks.QueueMaintenance)
		t.Error(msg)
	}
	sched.stop()
	w.stop()
	s.api.stop()
	recorded := finishedFormats(w)
	formats, dups := 0, 0
	for _, id := range ids {
		for _, f := range formatsOf[id] {
			formats++
			switch n := recorded[id+"/"+f]; {
			case n == 0:
				t.Errorf("job %s: no worker recorded %s", id, f)
			case n > 1:
				t.Errorf("job %s: %s recorded %d times", id, f, n)
				dups++
			}
		}
	}
	requeued := 0
	for _, l := range logLines(sched) {
		if l.str("msg") == "re-enqueued a format Redis lost" {
			requeued++
		}
	}
	outboxed := 0
	for _, l := range logLines(s.api) {
		if l.str("msg") == "outbox enqueued jobs" {
			if n, ok := l["jobs"].(float64); ok {
				outboxed += int(n)
			}
		}
	}
	if outboxed < 3 {
		t.Errorf("the outbox enqueued %d jobs, want the 3 accepted while Redis was down", outboxed)
	}
	t.Logf("Redis restart (flushed): %d jobs, %d formats (%d queued and %d running at the fault, 3 accepted while Redis was down), 1 fault (Redis down %s, back empty); reconciler re-enqueued %d formats, outbox %d jobs; %d completed, %d files; %s; jobs lost %d, duplicates %d; recovery (Redis back to all jobs done) %s",
		len(ids), formats, queued, running, outage.Round(100*time.Millisecond), requeued, outboxed, len(ids)-notDone, files, counted, notDone, dups+dupEvents, recovery.Round(100*time.Millisecond))
}

// jobStates counts the jobs queued and running now.
func jobStates(t *testing.T, ctx context.Context, c *client.Client, ids []string) (queued, running int) {
	t.Helper()
	for _, id := range ids {
		j, err := c.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		switch j.Status {
		case jobstore.Queued:
			queued++
		case jobstore.Running:
			running++
		}
	}
	return queued, running
}

// lost counts the jobs that did not complete.
func lost(jobs ...exports.Job) int {
	n := 0
	for _, j := range jobs {
		if j.Status != jobstore.Completed {
			n++
		}
	}
	return n
}

// extra counts what happened more than once: the sum of each count above 1.
func extra(counts ...int) int {
	n := 0
	for _, c := range counts {
		n += max(c-1, 0)
	}
	return n
}

// tinyModel is a generated model of about n elements, as JSON.
func tinyModel(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Elements: n, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReliabilityPostgresDown: with the job store's Postgres stopped, submit
// answers 503 with Retry-After, a running job's worker keeps retrying to record
// its result, and once Postgres is back nothing is lost: the job completes,
// recorded and counted once, and so does the job that was waiting behind it.
func TestReliabilityPostgresDown(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t)
	s := newStack(t, withEnv(fastScheduler, "DATABASE_URL="+pg.url)...)
	w := s.startWorker("ARXPORT_CONCURRENCY=1")
	sched := s.start("scheduler")
	ctx := ctxFor(t, 4*time.Minute)
	c := s.client(keyAcme)
	ref := bigModel(t, ctx, c, 100_000)
	j, err := c.Submit(ctx, refRequest(ref, "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	behind := request(example(t), "csv")
	behind.Priority = "low"
	j2, err := c.Submit(ctx, behind, "")
	if err != nil {
		t.Fatal(err)
	}
	firstProgress(t, ctx, c, j.ID)

	pg.stop()
	down := time.Now()
	_, err = c.Submit(ctx, request(example(t), "csv"), "")
	var p *exports.Problem
	if !errors.As(err, &p) || p.Status != http.StatusServiceUnavailable || p.Code != "UNAVAILABLE" || p.RetryAfter <= 0 {
		t.Fatalf("submit with Postgres down: %v %+v, want 503 UNAVAILABLE with Retry-After", err, p)
	}
	refused := p.Status
	// The conversion ends while Postgres is down: the worker must hold on to its
	// result. Live progress is in Redis, which still answers.
	tr := tracking.New(redisOf(t, s))
	for {
		prog, _ := tr.Progress(ctx, j.ID)
		if prog["csv"].Stage == "uploading" {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the conversion did not reach its upload")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(4 * time.Second) // the worker's result waits for Postgres
	pg.start()
	up := time.Now()
	outage := up.Sub(down)

	j = waitFor(t, ctx, c, j.ID, "the end", func(j exports.Job) bool { return j.Status.Terminal() })
	recovery := time.Since(up)
	j2 = waitFor(t, ctx, c, j2.ID, "the end", func(j exports.Job) bool { return j.Status.Terminal() })
	if j.Status != jobstore.Completed || j2.Status != jobstore.Completed {
		t.Fatalf("after the outage: job %s %+v, the job behind it %s %+v", j.Status, j.Error, j2.Status, j2.Error)
	}
	files := sameFiles(t, s, j) + sameFiles(t, s, j2)
	evs := collect(t, ctx, c, j.ID)
	if n := count(evs, "format.completed", ""); n != 1 || count(evs, "job.completed", "") != 1 {
		t.Errorf("format.completed %d times, job.completed %d times", n, count(evs, "job.completed", ""))
	}
	// Submitting works again.
	j3, err := c.Submit(ctx, request(example(t), "csv"), "")
	if err != nil {
		t.Fatalf("submit after Postgres is back: %v", err)
	}
	if j3, err = c.Wait(ctx, j3.ID); err != nil || j3.Status != jobstore.Completed {
		t.Fatalf("job submitted after the outage: %v %+v", err, j3.Status)
	}
	select {
	case <-sched.done:
		t.Errorf("the scheduler exited during the outage")
	default:
	}
	counted := countedOnce(t, s, j.ID, j2.ID, j3.ID)
	sched.stop()
	w.stop()
	retries := 0
	for _, l := range logLines(w) {
		if l.str("msg") == "job store update failed, retrying" {
			retries++
		}
	}
	if retries == 0 {
		t.Error("the worker never retried recording with Postgres down")
	}
	rec := finishedFormats(w)
	dups := extra(count(evs, "format.completed", ""), count(evs, "job.completed", ""))
	for _, id := range []string{j.ID, j2.ID, j3.ID} {
		if rec[id+"/csv"] != 1 {
			t.Errorf("job %s: result recorded %d times", id, rec[id+"/csv"])
		}
		dups += extra(rec[id+"/csv"])
	}
	t.Logf("Postgres down: 3 jobs (1 running, 1 queued at the fault, 1 after), 1 fault (Postgres stopped %s); submit answered %d with Retry-After %s; worker retried its update %d times; %d files; %s; jobs lost %d, duplicates %d; recovery (Postgres back to job done) %s",
		outage.Round(100*time.Millisecond), refused, p.RetryAfter, retries, files, counted, lost(j, j2, j3), dups, recovery.Round(100*time.Millisecond))
}

// TestReliabilityPostgresLongOutage: Postgres stays down for longer than the
// worker's retries last (ARXPORT_MAX_RETRY=1: two runs of a task, each
// retrying its job store update for about 16 s). A job store outage is not the
// task's failure: once Postgres is back, the job that was running and the job
// that was queued behind it both complete.
func TestReliabilityPostgresLongOutage(t *testing.T) {
	t.Parallel()
	pg := startPostgres(t)
	s := newStack(t, withEnv(fastScheduler, "DATABASE_URL="+pg.url, "ARXPORT_MAX_RETRY=1")...)
	w := s.startWorker("ARXPORT_CONCURRENCY=1")
	sched := s.start("scheduler")
	ctx := ctxFor(t, 4*time.Minute)
	c := s.client(keyAcme)
	ref := bigModel(t, ctx, c, 100_000)
	j, err := c.Submit(ctx, refRequest(ref, "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	j2, err := c.Submit(ctx, request(example(t), "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	firstProgress(t, ctx, c, j.ID)
	pg.stop()
	down := time.Now()
	// Two runs of the task, each retrying its update for about 16 s, with the
	// backoffs in between: archived after some 50 s without the fix.
	time.Sleep(65 * time.Second)
	pg.start()
	up := time.Now()
	wait := ctxFor(t, time.Minute)
	var ended []exports.Job
	for _, id := range []string{j.ID, j2.ID} {
		j := waitFor(t, wait, c, id, "the end", func(j exports.Job) bool { return j.Status.Terminal() })
		if j.Status != jobstore.Completed {
			t.Errorf("job %s after a long outage: %s %+v", id, j.Status, j.Error)
		}
		sameFiles(t, s, j)
		ended = append(ended, j)
	}
	recovery := time.Since(up)
	sched.stop()
	w.stop()
	exhausted := 0
	for _, l := range logLines(w) {
		if strings.HasPrefix(l.str("msg"), "Retry exhausted") {
			exhausted++
		}
	}
	if exhausted > 0 {
		t.Errorf("asynq archived %d tasks during the outage", exhausted)
	}
	rec := finishedFormats(w)
	dups := 0
	for _, id := range []string{j.ID, j2.ID} {
		if rec[id+"/csv"] != 1 {
			t.Errorf("job %s: result recorded %d times", id, rec[id+"/csv"])
		}
		dups += extra(rec[id+"/csv"])
	}
	t.Logf("Postgres long outage: 2 jobs (1 running, 1 queued), 1 fault (Postgres stopped %s, past the retries of ARXPORT_MAX_RETRY=1); tasks archived %d; jobs lost %d, duplicates %d; recovery (Postgres back to both done) %s",
		up.Sub(down).Round(100*time.Millisecond), exhausted, lost(ended...), dups, recovery.Round(100*time.Millisecond))
}

// TestReliabilityTwoSchedulers: two scheduler processes at once; each tick's
// cleanup, roll-up and reconciliation runs once. Jobs past their retention
// lose their files within a cleanup interval, each job's files are removed
// once, the records stay for the roll-ups (scheduler.Catchup), and the
// roll-ups count every job once however often they run.
func TestReliabilityTwoSchedulers(t *testing.T) {
	t.Parallel()
	s := newStack(t, fastScheduler...)
	s.startWorker()
	a := s.start("scheduler-1")
	b := s.start("scheduler-2")
	ctx := ctxFor(t, 3*time.Minute)
	acme, globex := s.client(keyAcme), s.client(keyGlobex)
	model := tinyModel(t, 20)
	const expiring, kept = 8, 4
	type sub struct {
		j    exports.Job
		keep bool
	}
	var subs []sub
	for i := 0; i < expiring+kept; i++ {
		r := request(model, "csv", "json")
		c := globex
		if i < expiring {
			r.Retention, c = "4s", acme
		}
		j, err := c.Submit(ctx, r, "")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, sub{j, i >= expiring})
	}
	for i, x := range subs {
		c := acme
		if x.keep {
			c = globex
		}
		j, err := c.Wait(ctx, x.j.ID)
		if err != nil || j.Status != jobstore.Completed {
			t.Fatalf("job %s: %v %s", x.j.ID, err, j.Status)
		}
		if sameFiles(t, s, j) != 2 {
			t.Fatalf("job %s: files missing before its expiry", j.ID)
		}
		subs[i].j = j
	}
	// Each expiring job's files go within one cleanup interval (plus the time a
	// tick takes to be enqueued and picked up); its record stays, listing none.
	var maxLag time.Duration
	for _, x := range subs {
		if x.keep {
			continue
		}
		for {
			j, err := acme.Get(ctx, x.j.ID)
			if err != nil {
				t.Fatalf("expiring job %s: %v", x.j.ID, err)
			}
			listed := 0
			for _, f := range j.Formats {
				listed += len(f.Files)
			}
			if listed == 0 && len(s.storedFiles(x.j.ID)) == 0 {
				break // files, then the record's list of them
			}
			if ctx.Err() != nil {
				t.Fatalf("job %s: files still there: %v", x.j.ID, s.storedFiles(x.j.ID))
			}
			time.Sleep(20 * time.Millisecond)
		}
		lag := time.Since(x.j.ExpiresAt)
		maxLag = max(maxLag, lag)
		if lag > 4*time.Second {
			t.Errorf("job %s: files gone %s after its expiry, want within a cleanup interval (1 s), the tick's enqueueing (up to 1 s) and the pickup", x.j.ID, lag)
		}
	}
	// Every job is counted once, expired or not (their records stay for the
	// roll-ups), and more roll-ups change nothing.
	counted := analyticsOnce(t, s,
		map[string]int64{"acme/csv/completed": expiring, "acme/json/completed": expiring, "globex/csv/completed": kept, "globex/json/completed": kept},
		map[string]int64{"acme/completed": expiring, "globex/completed": kept})
	for _, x := range subs {
		if x.keep && sameFiles(t, s, x.j) != 2 {
			t.Errorf("kept job %s lost files", x.j.ID)
		}
	}
	a.stop()
	b.stop()
	type tick struct{ task, at string }
	done := map[tick][]string{}
	per := map[string]map[string]int{}
	emptied, records, failed := 0, 0, 0
	for _, p := range []*proc{a, b} {
		per[p.name] = map[string]int{}
		for _, l := range logLines(p) {
			switch l.str("msg") {
			case "maintenance done":
				k := tick{l.str("task"), l.str("tick")}
				done[k] = append(done[k], p.name)
				per[p.name][l.str("task")]++
			case "maintenance failed":
				failed++
				t.Errorf("%s: maintenance failed: %v", p.name, l)
			case "retention: removed expired jobs":
				n, _ := l["files_of_jobs"].(float64)
				r, _ := l["records"].(float64)
				emptied += int(n)
				records += int(r)
			}
		}
	}
	twice := 0
	ticks := map[string]int{}
	for k, by := range done {
		ticks[k.task]++
		if len(by) > 1 {
			twice++
			t.Errorf("tick %s %s done %d times (%v)", k.task, k.at, len(by), by)
		}
	}
	if emptied != expiring || records != 0 {
		t.Errorf("cleanup removed the files of %d jobs and %d records; want the files of %d jobs, each once, and no record yet", emptied, records, expiring)
	}
	if ticks[scheduler.TypeCleanup] < 5 || ticks[scheduler.TypeReconcile] < 5 {
		t.Errorf("ticks done: %v; want a tick a second", ticks)
	}
	if ticks[scheduler.TypeRollup] < 5 {
		t.Errorf("roll-up ticks done: %d", ticks[scheduler.TypeRollup])
	}
	t.Logf("two schedulers: %d jobs (%d expiring after 4 s, %d kept); ticks done %v, by process %v; ticks done twice %d, failures %d; files of %d jobs removed, each once, at most %s after expiry (cleanup interval 1 s); %s",
		len(subs), expiring, kept, ticks, per, twice, failed, emptied, maxLag.Round(10*time.Millisecond), counted)
}

// TestReliabilityBurst: 5,000 small jobs from 3 tenants at mixed priorities,
// submitted in batches at once and drained by 2 worker processes. No job is
// lost, none is done twice, critical jobs wait less than low ones, and the
// memory of the api and the workers stays flat.
func TestReliabilityBurst(t *testing.T) {
	const (
		total   = 5000
		batch   = 100
		tenants = 3
	)
	keys := []string{keyAcme, keyGlobex, "key-initech-0123456789"}
	s := newStack(t, "ARXPORT_API_KEYS="+keys[0]+"=acme,"+keys[1]+"=globex,"+keys[2]+"=initech",
		"ARXPORT_LOG_LEVEL=info", "ARXPORT_METRICS_ADDR=")
	workers := []*proc{s.startWorker("ARXPORT_CONCURRENCY=4"), s.startWorker("ARXPORT_CONCURRENCY=4")}
	ctx := ctxFor(t, 5*time.Minute)
	db := openDB(t, s)
	model := tinyModel(t, 5)
	priorities := tasks.Priorities // critical, high, normal, low

	// Submitters, two per tenant, take batches of job numbers until all are
	// submitted; job k has priority k mod 4, so every batch mixes them.
	start := time.Now()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		next     int
		accepted int
	)
	errs := make(chan error, 2*tenants)
	for si := 0; si < 2*tenants; si++ {
		wg.Add(1)
		go func(c *client.Client) {
			defer wg.Done()
			for {
				mu.Lock()
				from := next
				next = min(next+batch, total)
				to := next
				mu.Unlock()
				if from >= to {
					return
				}
				var reqs []exports.Request
				for k := from; k < to; k++ {
					r := request(model, "csv")
					r.Priority = priorities[k%len(priorities)]
					r.Labels = map[string]string{"run": "burst"}
					reqs = append(reqs, r)
				}
				res, err := c.Batch(ctx, reqs)
				if err != nil {
					errs <- err
					return
				}
				for i, r := range res {
					if r.Status != http.StatusAccepted || r.Job == nil {
						errs <- fmt.Errorf("batch job %d: %d %+v", i, r.Status, r.Error)
						return
					}
				}
				mu.Lock()
				accepted += len(res)
				mu.Unlock()
			}
		}(client.New(s.url, keys[si%tenants]))
	}

	// Memory after 1,000 and after 5,000 finished jobs.
	procs := append([]*proc{s.api}, workers...)
	sample := func() []int64 {
		out := make([]int64, len(procs))
		for i, p := range procs {
			out[i] = rssKiB(t, p)
		}
		return out
	}
	finished := func() int {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM jobs WHERE status IN ('completed', 'failed', 'partial', 'cancelled')").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var at1k, atEnd []int64
	var submitted time.Duration
	subDone := make(chan struct{})
	go func() { wg.Wait(); submitted = time.Since(start); close(subDone) }()
	peak := make([]int64, len(procs))
	for {
		n := finished()
		cur := sample()
		for i := range peak {
			peak[i] = max(peak[i], cur[i])
		}
		if at1k == nil && n >= 1000 {
			at1k = cur
		}
		if n >= total {
			atEnd = cur
			break
		}
		select {
		case err := <-errs:
			t.Fatalf("submitting: %v", err)
		case <-ctx.Done():
			t.Fatalf("%d of %d jobs finished before the deadline", n, total)
		case <-time.After(200 * time.Millisecond):
		}
	}
	drained := time.Since(start)
	<-subDone
	select {
	case err := <-errs:
		t.Fatalf("submitting: %v", err)
	default:
	}

	// Every job, through the API's list (the admin sees all tenants).
	admin := client.New(s.url, keyAdmin)
	waits := map[string][]time.Duration{}
	seen, completed := 0, 0
	cursor := ""
	for {
		q := url.Values{"limit": {"1000"}, "label": {"run=burst"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		page, err := admin.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range page.Jobs {
			seen++
			if j.Status == jobstore.Completed {
				completed++
			} else {
				t.Errorf("job %s: %s %+v", j.ID, j.Status, j.Error)
			}
			if j.StartedAt != nil {
				waits[j.Priority] = append(waits[j.Priority], j.StartedAt.Sub(j.CreatedAt))
			}
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if accepted != total || seen != total || completed != total {
		t.Fatalf("accepted %d, listed %d, completed %d; want %d", accepted, seen, completed, total)
	}
	// Each job's file stored once: one file per job, and the files table agrees.
	var files, recorded int
	if err := db.QueryRowContext(ctx, "SELECT count(*), count(DISTINCT job_id) FROM files").Scan(&files, &recorded); err != nil {
		t.Fatal(err)
	}
	stored := countStored(t, s)
	if files != total || recorded != total || stored != total {
		t.Errorf("files: %d rows for %d jobs, %d in storage; want %d each", files, recorded, stored, total)
	}

	pct := map[string][2]time.Duration{}
	for _, pr := range priorities {
		ws := waits[pr]
		sort.Slice(ws, func(i, j int) bool { return ws[i] < ws[j] })
		pct[pr] = [2]time.Duration{percentile(ws, 0.50), percentile(ws, 0.95)}
		t.Logf("queue wait %-8s %4d jobs: p50 %6s  p95 %6s", pr, len(ws), pct[pr][0].Round(time.Millisecond), pct[pr][1].Round(time.Millisecond))
	}
	if !(pct["critical"][0] < pct["low"][0] && pct["critical"][1] < pct["low"][1]) {
		t.Errorf("critical jobs waited p50 %s / p95 %s, low ones p50 %s / p95 %s: critical must wait less",
			pct["critical"][0], pct["critical"][1], pct["low"][0], pct["low"][1])
	}
	// Flat memory: the resident set after 5,000 jobs is at most 1.5× the one
	// after 1,000, plus 32 MiB for the runtime's slack (the Go heap may double
	// before a collection, and freed pages go back to the system lazily). A leak
	// of 10 KiB a job would add 40 MiB over the last 4,000 jobs.
	for i, p := range procs {
		limit := at1k[i]*3/2 + 32<<10
		t.Logf("memory %-8s VmRSS after 1,000 jobs %6.1f MiB, after 5,000 %6.1f MiB, peak %6.1f MiB (limit %6.1f MiB)",
			p.name, mib(at1k[i]), mib(atEnd[i]), mib(peak[i]), mib(limit))
		if atEnd[i] > limit {
			t.Errorf("%s grew from %.1f MiB to %.1f MiB over 4,000 jobs", p.name, mib(at1k[i]), mib(atEnd[i]))
		}
	}
	for _, w := range workers {
		w.stop()
	}
	rec := finishedFormats(workers...)
	dups := 0
	for k, v := range rec {
		if v != 1 {
			dups++
			t.Errorf("%s recorded %d times", k, v)
		}
	}
	if len(rec) != total {
		t.Errorf("workers recorded %d results, want %d", len(rec), total)
	}
	t.Logf("burst: %d jobs from %d tenants, submitted in batches of %d by %d clients in %s, all done after %s (%.0f jobs/s) by 2 workers × 4; jobs lost %d, duplicates %d",
		total, tenants, batch, 2*tenants, submitted.Round(100*time.Millisecond), drained.Round(100*time.Millisecond),
		float64(total)/drained.Seconds(), total-completed, dups)
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// countStored counts every file the storage directory holds under exports/.
func countStored(t *testing.T, s *stack) int {
	t.Helper()
	jobs, err := os.ReadDir(filepath.Join(s.files, "exports"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, d := range jobs {
		n += len(s.storedFiles(d.Name()))
	}
	return n
}
