package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/arxos/arxport/client"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/formats"
	_ "github.com/arxos/arxport/formats/all"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/processors"
)

func example(t *testing.T) []byte {
	b, err := os.ReadFile("../examples/tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func request(model []byte, fs ...string) exports.Request {
	r := exports.Request{Model: model, Name: "tower"}
	for _, f := range fs {
		r.Formats = append(r.Formats, exports.FormatRequest{Format: f})
	}
	return r
}

// collect follows a job's events until it ends.
func collect(t *testing.T, ctx context.Context, c *client.Client, id string) []jobstore.Event {
	t.Helper()
	var evs []jobstore.Event
	if err := c.Events(ctx, id, 0, func(e jobstore.Event) error { evs = append(evs, e); return nil }); err != nil {
		t.Fatalf("events of %s: %v", id, err)
	}
	return evs
}

func count(evs []jobstore.Event, typ, format string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ && (format == "" || e.Format == format) {
			n++
		}
	}
	return n
}

// waitFor polls a job until cond holds.
func waitFor(t *testing.T, ctx context.Context, c *client.Client, id, what string, cond func(exports.Job) bool) exports.Job {
	t.Helper()
	for {
		j, err := c.Get(ctx, id)
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		if cond(j) {
			return j
		}
		select {
		case <-ctx.Done():
			t.Fatalf("job %s: gave up waiting for %s; last: %+v", id, what, j)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func formatOf(j exports.Job, name string) exports.Format {
	for _, f := range j.Formats {
		if f.Format == name {
			return f
		}
	}
	return exports.Format{}
}

// storedFiles lists what the storage directory holds for a job.
func (s *stack) storedFiles(jobID string) []string {
	var out []string
	root := filepath.Join(s.files, "exports", jobID)
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(d.Name(), ".") {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// TestExportPath: submit → events in order → every file downloadable, and
// byte for byte what the local conversion (proven by the readers in
// conformance/) writes for the same model and time.
func TestExportPath(t *testing.T) {
	s := newStack(t)
	s.startWorker()
	ctx := ctxFor(t, 2*time.Minute)
	c := s.client(keyAcme)
	names := formats.Names()
	j, err := c.Submit(ctx, request(example(t), names...), "")
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != jobstore.Queued || len(j.Formats) != len(names) {
		t.Fatalf("submitted job: %+v", j)
	}
	evs := collect(t, ctx, c, j.ID)
	for i := 1; i < len(evs); i++ {
		if evs[i].Seq <= evs[i-1].Seq {
			t.Fatalf("events out of order: %d after %d", evs[i].Seq, evs[i-1].Seq)
		}
	}
	if evs[0].Type != "job.queued" || evs[len(evs)-1].Type != "job.completed" {
		t.Fatalf("events run from %s to %s", evs[0].Type, evs[len(evs)-1].Type)
	}
	if count(evs, "job.started", "") != 1 {
		t.Errorf("job.started %d times", count(evs, "job.started", ""))
	}
	for _, f := range names {
		if count(evs, "format.started", f) != 1 || count(evs, "format.completed", f) != 1 {
			t.Errorf("%s: started %d, completed %d times", f, count(evs, "format.started", f), count(evs, "format.completed", f))
		}
	}
	if count(evs, "progress", "") == 0 {
		t.Error("no progress events")
	}

	j, err = c.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != jobstore.Completed || j.Progress.Fraction != 1 || j.FinishedAt == nil {
		t.Fatalf("finished job: %+v", j)
	}
	m, err := model.OpenFile(ctx, "../examples/tech-tower.json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, f := range j.Formats {
		if len(f.Files) == 0 {
			t.Errorf("%s: no files", f.Format)
		}
		want := localFiles(t, ctx, m, f.Format, j.CreatedAt)
		for _, file := range f.Files {
			var buf bytes.Buffer
			if _, err := c.Download(ctx, j.ID, file.Name, &buf); err != nil {
				t.Fatalf("download %s: %v", file.Name, err)
			}
			sum := sha256.Sum256(buf.Bytes())
			if got := hex.EncodeToString(sum[:]); got != file.SHA256 || int64(buf.Len()) != file.Size {
				t.Errorf("%s: downloaded %d bytes sha %s, job says %d bytes sha %s", file.Name, buf.Len(), got, file.Size, file.SHA256)
			}
			if want[file.Name] != file.SHA256 {
				t.Errorf("%s: the service wrote other bytes than the local conversion", file.Name)
			}
		}
		if f.Metrics["elements"] != int64(m.Stats.Elements) || f.Metrics["duration_ms"] < 0 {
			t.Errorf("%s metrics: %v", f.Format, f.Metrics)
		}
	}
}

// localFiles converts m locally as the worker does and answers name → SHA-256.
func localFiles(t *testing.T, ctx context.Context, m *model.Model, name string, when time.Time) map[string]string {
	t.Helper()
	f, _ := formats.Lookup(name)
	vals, err := f.ParseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := processors.ExportDir(ctx, f, &formats.Job{Model: m, Base: "tower", Time: when, Options: vals}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, file := range res.Files {
		out[file.Name] = file.SHA256
	}
	return out
}

// bigModel uploads a generated NDJSON model of about n elements, large enough
// that its conversion can be caught in the middle.
func bigModel(t *testing.T, ctx context.Context, c *client.Client, n int) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := gen.Write(&buf, gen.Options{Elements: n, Seed: 7, NDJSON: true}); err != nil {
		t.Fatal(err)
	}
	ref, err := c.UploadModel(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func refRequest(ref string, fs ...string) exports.Request {
	r := exports.Request{ModelRef: ref, Name: "big"}
	for _, f := range fs {
		r.Formats = append(r.Formats, exports.FormatRequest{Format: f})
	}
	return r
}

// firstProgress waits for a progress event of the job in the converting stage.
func firstProgress(t *testing.T, ctx context.Context, c *client.Client, id string) {
	t.Helper()
	stop := errors.New("seen")
	err := c.Events(ctx, id, 0, func(e jobstore.Event) error {
		if e.Type == "progress" && !bytes.Contains(e.Data, []byte(`"decoding"`)) {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("no progress before the job ended: %v", err)
	}
}

// TestCancel: a cancelled job ends at once, its running conversion stops and
// leaves no file, and asynq's retry never brings it back.
func TestCancel(t *testing.T) {
	s := newStack(t)
	s.startWorker()
	ctx := ctxFor(t, 3*time.Minute)
	c := s.client(keyAcme)
	ref := bigModel(t, ctx, c, 200_000)
	j, err := c.Submit(ctx, refRequest(ref, "ifc", "step", "glb"), "")
	if err != nil {
		t.Fatal(err)
	}
	firstProgress(t, ctx, c, j.ID)
	start := time.Now()
	j, err = c.Cancel(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.Status != jobstore.Cancelled || j.Error == nil || j.Error.Code != "CANCELLED" {
		t.Fatalf("cancel answered %+v", j)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("cancel took %s", d)
	}
	// The running conversion notices within its poll interval and cleans up.
	time.Sleep(3 * time.Second)
	if files := s.storedFiles(j.ID); len(files) != 0 {
		t.Errorf("files left after cancel: %v", files)
	}
	j, err = c.Get(ctx, j.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range j.Formats {
		if f.Status != jobstore.Cancelled || len(f.Files) != 0 {
			t.Errorf("%s after cancel: %s with %d files", f.Format, f.Status, len(f.Files))
		}
	}
	evs := collect(t, ctx, c, j.ID)
	if evs[len(evs)-1].Type != "job.cancelled" || count(evs, "format.completed", "") != 0 {
		t.Errorf("events after cancel: last %s, %d format.completed", evs[len(evs)-1].Type, count(evs, "format.completed", ""))
	}
	// Cancelling again changes nothing.
	if j2, err := c.Cancel(ctx, j.ID); err != nil || j2.Status != jobstore.Cancelled {
		t.Errorf("second cancel: %v %+v", err, j2.Status)
	}
}

// TestPauseResume: pause holds and stops, resume finishes without redoing
// what was finished.
func TestPauseResume(t *testing.T) {
	s := newStack(t)
	s.startWorker("ARXPORT_CONCURRENCY=1")
	ctx := ctxFor(t, 4*time.Minute)
	c := s.client(keyAcme)
	ref := bigModel(t, ctx, c, 200_000)
	j, err := c.Submit(ctx, refRequest(ref, "csv", "ifc", "step"), "")
	if err != nil {
		t.Fatal(err)
	}
	// Once csv is done and ifc is running, pause.
	waitFor(t, ctx, c, j.ID, "csv completed", func(j exports.Job) bool {
		return formatOf(j, "csv").Status == jobstore.Completed && formatOf(j, "ifc").Status == jobstore.Running
	})
	if _, err := c.Pause(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	j = waitFor(t, ctx, c, j.ID, "ifc paused", func(j exports.Job) bool {
		return formatOf(j, "ifc").Status == jobstore.Paused
	})
	if j.Status != jobstore.Paused || formatOf(j, "step").Status != jobstore.Paused || formatOf(j, "csv").Status != jobstore.Completed {
		t.Fatalf("paused job: %+v", j)
	}
	if files := s.storedFiles(j.ID); len(files) != len(formatOf(j, "csv").Files) {
		t.Errorf("stored while paused: %v", files)
	}
	// Paused stays paused.
	time.Sleep(time.Second)
	if j, _ = c.Get(ctx, j.ID); j.Status != jobstore.Paused {
		t.Fatalf("paused job moved on: %s", j.Status)
	}
	if _, err := c.Resume(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	evs := collect(t, ctx, c, j.ID)
	if last := evs[len(evs)-1].Type; last != "job.completed" {
		t.Fatalf("resumed job ended with %s", last)
	}
	if n := count(evs, "format.started", "csv"); n != 1 {
		t.Errorf("csv started %d times; finished formats must not be redone", n)
	}
	if n := count(evs, "format.started", "ifc"); n != 2 {
		t.Errorf("ifc started %d times, want 2 (before the pause and after)", n)
	}
	if count(evs, "job.paused", "") != 1 || count(evs, "job.resumed", "") != 1 {
		t.Error("job.paused / job.resumed missing")
	}
}

// TestTenants: a tenant sees only its own jobs and files; an admin sees all.
func TestTenants(t *testing.T) {
	s := newStack(t)
	s.startWorker()
	ctx := ctxFor(t, time.Minute)
	acme, globex, admin := s.client(keyAcme), s.client(keyGlobex), s.client(keyAdmin)
	j, err := acme.Submit(ctx, request(example(t), "csv"), "")
	if err != nil {
		t.Fatal(err)
	}
	j, err = acme.Wait(ctx, j.ID)
	if err != nil || j.Status != jobstore.Completed {
		t.Fatalf("job: %v %+v", err, j)
	}
	file := j.Formats[0].Files[0].Name
	notFound := func(what string, err error) {
		var p *exports.Problem
		if !errors.As(err, &p) || p.Status != 404 {
			t.Errorf("globex %s: %v, want 404", what, err)
		}
	}
	_, err = globex.Get(ctx, j.ID)
	notFound("get", err)
	_, err = globex.Download(ctx, j.ID, file, &bytes.Buffer{})
	notFound("download", err)
	_, err = globex.Cancel(ctx, j.ID)
	notFound("cancel", err)
	notFound("delete", globex.Delete(ctx, j.ID))
	notFound("events", globex.Events(ctx, j.ID, 0, func(jobstore.Event) error { return nil }))
	page, err := globex.List(ctx, nil)
	if err != nil || len(page.Jobs) != 0 {
		t.Errorf("globex list: %v %d jobs", err, len(page.Jobs))
	}
	if _, err := admin.Get(ctx, j.ID); err != nil {
		t.Errorf("admin get: %v", err)
	}
	if page, err := admin.List(ctx, nil); err != nil || len(page.Jobs) != 1 {
		t.Errorf("admin list: %v %+v", err, page)
	}
	// A model uploaded by acme is not globex's to use.
	ref, err := acme.UploadModel(ctx, bytes.NewReader(example(t)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = globex.Submit(ctx, refRequest(ref, "csv"), "")
	var p *exports.Problem
	if !errors.As(err, &p) || p.Code != "MODEL_NOT_FOUND" {
		t.Errorf("globex using acme's model: %v", err)
	}
}
