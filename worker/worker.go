// Package worker runs export tasks: one asynq task converts one job's model into
// one format and stores the files. Formats of a job run in parallel on any
// worker; the one that finishes last closes the job. The handler obeys pause and
// cancel at its checkpoints, is safe to run again after a crash (same keys, and
// results recorded once), and tells asynq whether a failure is worth a retry.
package worker

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/observe"
	"github.com/arxos/arxport/processors"
	"github.com/arxos/arxport/storage"
	"github.com/arxos/arxport/tasks"
	"github.com/arxos/arxport/tracking"
)

// Config steers a worker.
type Config struct {
	// TempDir holds models' spools and files before upload; os.TempDir() when empty.
	TempDir string
	// PollInterval is how often a running conversion checks for pause and
	// cancel; default 200 ms.
	PollInterval time.Duration
}

// Worker handles export tasks.
type Worker struct {
	svc *exports.Service
	log *slog.Logger
	cfg Config
}

// New returns a worker over the service's store, storage, queue and tracker.
func New(svc *exports.Service, cfg Config) *Worker {
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 200 * time.Millisecond
	}
	return &Worker{svc: svc, log: svc.Log, cfg: cfg}
}

// ErrStoreUnavailable wraps the job store's failures: the task is retried
// without counting against its retries (asynq.Config.IsFailure), so an outage
// of Postgres never archives it.
var ErrStoreUnavailable = errors.New("job store unavailable")

// Why a conversion stopped before its end.
var (
	errPaused    = errors.New("job paused")
	errCancelled = errors.New("job cancelled")
)

// failure is a format's failure: its code, whether another attempt may succeed.
type failure struct {
	code, msg string
	retry     bool
	issues    []jobstore.Issue
}

func (f *failure) Error() string { return f.code + ": " + f.msg }

// HandleExport is the asynq handler of tasks.TypeExport. Its span, "export
// <format>", continues the trace of the request that made the job (the
// payload's traceparent); each stage is a child span.
func (w *Worker) HandleExport(ctx context.Context, t *asynq.Task) (err error) {
	p, err := tasks.ParseExport(t.Payload())
	if err != nil {
		return fmt.Errorf("%w: %v", asynq.SkipRetry, err)
	}
	ctx, span := observe.StartTask(ctx, p.TraceParent, "export "+p.Format,
		attribute.String("arxport.job_id", p.JobID), attribute.String("arxport.format", p.Format), attribute.Int("arxport.gen", p.Gen))
	defer func() { observe.End(span, err) }()
	log := w.log.With("job_id", p.JobID, "format", p.Format)
	attempt, startedJob, j, err := w.start(ctx, p)
	if err != nil {
		return err
	}
	if j == nil {
		return nil // nothing to do: ended, held, superseded or deleted
	}
	span.SetAttributes(attribute.Int("arxport.attempt", attempt))
	if startedJob {
		w.svc.Emit(ctx, j, jobstore.Event{Type: "job.started"})
	}
	fmtState := formatOf(j, p.Format)
	w.svc.Emit(ctx, j, jobstore.Event{Type: "format.started", Format: p.Format,
		Message: fmt.Sprintf("attempt %d", attempt)})

	// Pause and cancel reach the conversion through its context.
	run, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go w.watch(run, stop, p.JobID)

	res, keys, err := w.convert(run, j, fmtState, p.Format)
	// What follows is bookkeeping that must happen even when the task ran out of time.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if err != nil {
		w.removeFiles(keys)
		if cause := context.Cause(run); cause == errPaused || cause == errCancelled {
			return w.stopped(rec, p, attempt, cause)
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			// The worker is shutting down: asynq hands the task to another run,
			// which takes the format over as its next attempt.
			return ctx.Err()
		}
		var f *failure
		if !errors.As(err, &f) {
			f = classify(ctx, err)
		}
		if f.retry && retriesLeft(ctx) {
			log.WarnContext(ctx, "format failed, asynq retries", "err", err)
			w.svc.Emit(rec, j, jobstore.Event{Type: "warning", Format: p.Format, Severity: "warning",
				Message: fmt.Sprintf("%s: %s; retrying", f.code, f.msg)})
			return err
		}
		log.WarnContext(ctx, "format failed", "err", err)
		return w.finish(rec, p, attempt, nil, nil, f)
	}
	return w.finish(rec, p, attempt, &res, keys, nil)
}

// start marks the format running (and the job, if first) and answers the
// attempt number, or a nil job when the task has nothing to do.
func (w *Worker) start(ctx context.Context, p tasks.Export) (int, bool, *jobstore.Job, error) {
	var attempt int
	var startedJob bool
	now := time.Now().UTC()
	j, err := w.update(ctx, p.JobID, func(j *jobstore.Job) error {
		f := formatOf(j, p.Format)
		switch {
		case f == nil, j.Status.Terminal(), f.Status.Terminal(), f.Gen > p.Gen:
			return jobstore.ErrNoChange
		case j.Status == jobstore.Paused:
			if f.Status == jobstore.Paused {
				return jobstore.ErrNoChange
			}
			f.Status = jobstore.Paused // held until resume
			attempt = -1
			return nil
		}
		f.Status, f.Attempt, f.Progress = jobstore.Running, f.Attempt+1, 0
		if f.StartedAt.IsZero() {
			f.StartedAt = now
		}
		if j.Status == jobstore.Queued {
			j.Status = jobstore.Running
			startedJob = j.StartedAt.IsZero()
			if startedJob {
				j.StartedAt = now
			}
		}
		attempt = f.Attempt
		return nil
	})
	switch {
	case errors.Is(err, jobstore.ErrNotFound), errors.Is(err, jobstore.ErrNoChange):
		return 0, false, nil, nil
	case err != nil:
		return 0, false, nil, err // the store is down: asynq retries
	case attempt < 0:
		return 0, false, nil, nil
	}
	return attempt, startedJob, j, nil
}

// update is Store.Update retried for a while when the store is unreachable:
// results must not be lost because Postgres blinked.
func (w *Worker) update(ctx context.Context, id string, fn func(*jobstore.Job) error) (*jobstore.Job, error) {
	delay := 100 * time.Millisecond
	for i := 0; ; i++ {
		j, err := w.svc.Store.Update(ctx, id, fn)
		if err == nil || errors.Is(err, jobstore.ErrNoChange) || errors.Is(err, jobstore.ErrNotFound) || ctx.Err() != nil {
			return j, err
		}
		if i == 8 {
			return j, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		}
		w.log.WarnContext(ctx, "job store update failed, retrying", "job_id", id, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func formatOrNil(j *jobstore.Job, name string) *jobstore.Format {
	if j == nil {
		return nil
	}
	return formatOf(j, name)
}

func formatOf(j *jobstore.Job, name string) *jobstore.Format {
	for _, f := range j.Formats {
		if f.Format == name {
			return f
		}
	}
	return nil
}

// watch cancels the conversion when the job is paused or cancelled.
func (w *Worker) watch(ctx context.Context, stop context.CancelCauseFunc, jobID string) {
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			switch st, err := w.svc.Tracker.State(ctx, jobID); {
			case err != nil:
				continue // Redis blinked; the store decides at the end
			case st == tracking.StatePaused:
				stop(errPaused)
				return
			case st == tracking.StateCancelled:
				stop(errCancelled)
				return
			}
		}
	}
}

// openModel opens the job's model: kept with the job, or in object storage.
func (w *Worker) openModel(ctx context.Context, j *jobstore.Job) (io.ReadCloser, error) {
	if j.ModelKey == "" {
		body, err := w.svc.Store.Model(ctx, j.ID)
		if errors.Is(err, jobstore.ErrNotFound) {
			return nil, &failure{code: exports.CodeModelNotFound, msg: "the job's model is gone"}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrStoreUnavailable, err)
		}
		return io.NopCloser(bytes.NewReader(body)), nil
	}
	r, _, err := w.svc.Storage.Open(ctx, j.ModelKey)
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalidKey) {
		return nil, &failure{code: exports.CodeModelNotFound, msg: fmt.Sprintf("no model at %s", j.ModelKey)}
	}
	if err != nil {
		return nil, &failure{code: exports.CodeStorageFailed, msg: err.Error(), retry: true}
	}
	return r, nil
}

// convert reads the model, writes the format into a scratch directory and
// uploads the files, answering the result and the keys written. Each stage
// (decode, convert, upload) is a span and a duration observed.
func (w *Worker) convert(ctx context.Context, j *jobstore.Job, fs *jobstore.Format, name string) (res processors.Result, keys []string, err error) {
	f, ok := formats.Lookup(name)
	if !ok {
		return res, nil, &failure{code: exports.CodeUnsupported, msg: "this worker does not know format " + name}
	}
	vals, err := f.ParseOptions(fs.Options)
	if err != nil {
		return res, nil, &failure{code: exports.CodeInvalidOptions, msg: err.Error()}
	}
	rep := w.svc.Tracker.Reporter(ctx, j.ID, name)
	rep.Stage("decoding", 0)
	sctx, stage := observe.StartStage(ctx, name, "decode")
	defer func() { stage.End(err) }() // whichever stage is open
	r, err := w.openModel(sctx, j)
	if err != nil {
		return res, nil, err
	}
	m, err := model.Open(sctx, r, &model.Options{SkipInvalid: j.Options.OnInvalid == "skip", TempDir: w.cfg.TempDir,
		Floors: j.Options.Floors, Types: j.Options.Types})
	r.Close()
	if err != nil {
		var inv *model.InvalidError
		if errors.As(err, &inv) {
			f := &failure{code: exports.CodeInvalidModel, msg: inv.Error()}
			for _, p := range inv.Problems {
				f.issues = append(f.issues, jobstore.Issue{Path: p.Path, Code: p.Code, Message: p.Message})
			}
			return res, nil, f
		}
		return res, nil, err
	}
	defer m.Close()

	dir, err := os.MkdirTemp(w.cfg.TempDir, "arxport-"+j.ID+"-")
	if err != nil {
		return res, nil, err
	}
	defer os.RemoveAll(dir)
	fj := &formats.Job{Model: m, Base: j.Name, Time: j.CreatedAt, Options: vals, Progress: rep, TempDir: w.cfg.TempDir}
	stage.End(nil)
	sctx, stage = observe.StartStage(ctx, name, "convert")
	res, err = processors.ExportDir(sctx, f, fj, dir)
	if err != nil {
		if ctx.Err() != nil {
			return res, nil, context.Cause(ctx)
		}
		return res, nil, &failure{code: exports.CodeConversionFailed, msg: err.Error()}
	}
	res.Warnings = append(m.Warnings, res.Warnings...)
	res.Metrics["elements"] = int64(m.Stats.Elements)
	res.Metrics["items"] = int64(m.Stats.Rooms + m.Stats.Elements + m.Stats.Connections)

	rep.Stage("uploading", 1)
	stage.End(nil)
	sctx, stage = observe.StartStage(ctx, name, "upload")
	for i := range res.Files {
		file := &res.Files[i]
		key, err := w.upload(sctx, j, name, dir, file)
		if key != "" {
			keys = append(keys, key)
		}
		if err != nil {
			if ctx.Err() != nil {
				return res, keys, context.Cause(ctx)
			}
			return res, keys, &failure{code: exports.CodeStorageFailed, msg: err.Error(), retry: true}
		}
	}
	return res, keys, nil
}

// upload stores one file under its job-scoped key, gzipped when the job asks;
// file is updated to describe what was stored.
func (w *Worker) upload(ctx context.Context, j *jobstore.Job, format, dir string, file *processors.File) (string, error) {
	src, err := os.Open(filepath.Join(dir, file.Name))
	if err != nil {
		return "", err
	}
	defer src.Close()
	var r io.Reader = src
	name, ctype := file.Name, file.ContentType
	if j.Options.Compression == "gzip" {
		pr, pw := io.Pipe()
		go func() {
			zw := gzip.NewWriter(pw)
			_, err := io.Copy(zw, src)
			if err == nil {
				err = zw.Close()
			}
			pw.CloseWithError(err)
		}()
		r, name, ctype = pr, name+".gz", "application/gzip"
	}
	key := exports.FileKey(j.ID, format, name)
	obj, err := w.svc.Storage.Put(ctx, key, r, ctype)
	if err != nil {
		return "", err
	}
	file.Name, file.ContentType, file.Size, file.SHA256 = name, ctype, obj.Size, obj.SHA256
	return key, nil
}

func (w *Worker) removeFiles(keys []string) {
	for _, k := range keys {
		if err := w.svc.Storage.Delete(context.Background(), k); err != nil {
			w.log.Error("removing a file of a stopped format", "key", k, "err", err)
		}
	}
}

// classify turns an unexpected error into a failure.
func classify(ctx context.Context, err error) *failure {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return &failure{code: exports.CodeTimeout, msg: "the conversion ran out of time"}
	}
	return &failure{code: exports.CodeConversionFailed, msg: err.Error(), retry: true}
}

func retriesLeft(ctx context.Context) bool {
	n, ok1 := asynq.GetRetryCount(ctx)
	m, ok2 := asynq.GetMaxRetry(ctx)
	return ok1 && ok2 && n < m
}

// stopped records a conversion that stopped at a checkpoint for pause or cancel.
func (w *Worker) stopped(ctx context.Context, p tasks.Export, attempt int, cause error) error {
	requeue, cancelled := false, false
	j, err := w.update(ctx, p.JobID, func(j *jobstore.Job) error {
		cancelled = false
		f := formatOf(j, p.Format)
		if f == nil || f.Status != jobstore.Running || f.Attempt != attempt {
			return jobstore.ErrNoChange
		}
		switch {
		case j.Status == jobstore.Paused:
			f.Status, f.Progress = jobstore.Paused, 0
		case j.Status.Terminal():
			f.Status, f.FinishedAt, cancelled = jobstore.Cancelled, time.Now().UTC(), true
		default:
			// Resumed before this checkpoint: run again under a new generation.
			f.Status, f.Gen, f.Progress = jobstore.Queued, f.Gen+1, 0
			j.Enqueued, requeue = false, true
		}
		return nil
	})
	if err != nil && !errors.Is(err, jobstore.ErrNoChange) && !errors.Is(err, jobstore.ErrNotFound) {
		return err
	}
	if requeue {
		w.svc.EnqueueRecorded(ctx, j)
	}
	if cancelled && err == nil {
		observe.FormatFinished(p.Format, string(jobstore.Cancelled))
	}
	w.log.InfoContext(ctx, "format stopped", "job_id", p.JobID, "format", p.Format, "why", cause)
	return nil
}

// finish records a format's end and, when it is the job's last, closes the job.
func (w *Worker) finish(ctx context.Context, p tasks.Export, attempt int, res *processors.Result, keys []string, fail *failure) error {
	ctx, stage := observe.StartStage(ctx, p.Format, "record")
	defer stage.End(nil)
	now := time.Now().UTC()
	var closed, recorded bool
	j, err := w.update(ctx, p.JobID, func(j *jobstore.Job) error {
		closed, recorded = false, false
		f := formatOf(j, p.Format)
		if f == nil || f.Status != jobstore.Running || f.Attempt != attempt {
			return jobstore.ErrNoChange
		}
		f.FinishedAt, recorded = now, true
		if fail != nil {
			f.Status = jobstore.Failed
			f.Error = &jobstore.Error{Code: fail.code, Message: fail.msg, Recoverable: fail.retry, Errors: fail.issues}
		} else {
			f.Status, f.Progress, f.Metrics = jobstore.Completed, 1, res.Metrics
			f.Metrics["duration_ms"] = res.Duration.Milliseconds()
			var bytes int64
			f.Files = f.Files[:0]
			for i, file := range res.Files {
				bytes += file.Size
				f.Files = append(f.Files, jobstore.File{Name: file.Name, Key: keys[i], Size: file.Size, SHA256: file.SHA256,
					ContentType: file.ContentType, CreatedAt: now})
			}
			f.Metrics["bytes"] = bytes
			if j.Elements == 0 {
				j.Elements = res.Metrics["items"]
			}
			for _, wn := range res.Warnings {
				if len(j.Warnings) >= 100 {
					break
				}
				j.Warnings = appendWarning(j.Warnings, jobstore.Issue{Path: wn.Path, Code: wn.Code, Message: wn.Message, Severity: "low", Format: p.Format})
			}
		}
		closed = exports.CloseIfDone(j, now)
		return nil
	})
	if errors.Is(err, jobstore.ErrNotFound) || errors.Is(err, jobstore.ErrNoChange) {
		// Deleted, cancelled, or taken over by another attempt, which writes (or
		// wrote) the same keys: what this attempt uploaded goes only when no
		// attempt will present it.
		if f := formatOrNil(j, p.Format); f == nil || f.Status == jobstore.Cancelled || f.Status == jobstore.Failed {
			w.removeFiles(keys)
		}
		return nil
	}
	if err != nil {
		stage.End(err)
		return err // asynq retries; the rerun overwrites the same keys
	}
	if recorded {
		status := jobstore.Completed
		if fail != nil {
			status = jobstore.Failed
		} else {
			var bytes int64
			for _, file := range res.Files {
				bytes += file.Size
			}
			observe.Written(p.Format, res.Metrics["elements"], bytes)
		}
		observe.FormatFinished(p.Format, string(status))
		w.log.InfoContext(ctx, "format finished", "job_id", p.JobID, "format", p.Format, "status", status, "attempt", attempt)
		ev := jobstore.Event{Type: "format.completed", Format: p.Format, Data: metricsData(res)}
		if fail != nil {
			ev = jobstore.Event{Type: "format.failed", Format: p.Format, Severity: "error", Message: fail.Error()}
		}
		w.svc.Emit(ctx, j, ev)
	}
	if closed {
		w.svc.Finish(ctx, j)
	}
	if fail != nil && !fail.retry {
		return fmt.Errorf("%w: %v", asynq.SkipRetry, fail)
	}
	return nil
}

// appendWarning adds a warning unless the same one (from another format reading
// the same model) is there already.
func appendWarning(ws []jobstore.Issue, w jobstore.Issue) []jobstore.Issue {
	for _, x := range ws {
		if x.Path == w.Path && x.Code == w.Code && x.Message == w.Message {
			return ws
		}
	}
	return append(ws, w)
}

func metricsData(res *processors.Result) json.RawMessage {
	if res == nil {
		return nil
	}
	files := make([]string, len(res.Files))
	for i, f := range res.Files {
		files[i] = f.Name
	}
	b, _ := json.Marshal(map[string]any{"metrics": res.Metrics, "files": files})
	return b
}
