package exports

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/oklog/ulid/v2"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/observe"
	"github.com/arxos/arxport/storage"
	"github.com/arxos/arxport/tasks"
	"github.com/arxos/arxport/tracking"
	"github.com/arxos/arxport/webhooks"
)

// Config holds the service's limits and defaults.
type Config struct {
	MaxModelBytes    int64         // inline model; default 32 MiB
	DefaultRetention time.Duration // default 72 h
	MaxRetention     time.Duration // default 30 days
	Timeouts         tasks.Timeouts
	// MaxRetry is how often a failed format is retried; default tasks.MaxRetry.
	MaxRetry int
	// EventsTTL is how long a finished job's live keys stay in Redis; default 1 h.
	EventsTTL time.Duration
}

func (c Config) withDefaults() Config {
	if c.MaxModelBytes <= 0 {
		c.MaxModelBytes = 32 << 20
	}
	if c.DefaultRetention <= 0 {
		c.DefaultRetention = 72 * time.Hour
	}
	if c.MaxRetention <= 0 {
		c.MaxRetention = 30 * 24 * time.Hour
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = tasks.MaxRetry
	}
	if c.EventsTTL <= 0 {
		c.EventsTTL = time.Hour
	}
	return c
}

// Service submits and controls export jobs. The API, the workers and other Go
// services all go through it.
type Service struct {
	Store     jobstore.Store
	Storage   storage.Storage
	Queue     *asynq.Client
	Inspector *asynq.Inspector
	Tracker   *tracking.Tracker
	// Guard checks callback URLs (and is the rule webhooks are delivered under).
	Guard *webhooks.Guard
	Log   *slog.Logger
	// Estimator, when set, fits what a job will take from history (analytics).
	Estimator Estimator
	cfg       Config

	creations group[*creation]
}

// Estimator answers the expected duration and output size of converting a
// model of n items into a format, and whether history supports an estimate.
type Estimator interface {
	Estimate(ctx context.Context, format string, items int64) (Estimate, bool)
}

// New assembles a service.
func New(store jobstore.Store, st storage.Storage, queue *asynq.Client, insp *asynq.Inspector, tr *tracking.Tracker, guard *webhooks.Guard, log *slog.Logger, cfg Config) *Service {
	if log == nil {
		log = slog.Default()
	}
	s := &Service{Store: store, Storage: st, Queue: queue, Inspector: insp, Tracker: tr, Guard: guard, Log: log, cfg: cfg.withDefaults()}
	s.creations.run = s.createAll
	return s
}

// Config answers the service's configuration, with defaults filled in.
func (s *Service) Config() Config { return s.cfg }

// NewJobID answers a new, time-ordered job id.
func NewJobID() string { return "exp_" + ulid.MustNew(ulid.Now(), rand.Reader).String() }

// MaxKeptModelBytes is the size up to which an inline model is kept in the
// job store with its job, written in the same transaction; larger ones go to
// object storage.
const MaxKeptModelBytes = 1 << 20

// ModelKey is where a tenant's uploaded model is kept.
func ModelKey(tenant, id string) string { return "models/" + tenant + "/" + id }

// FileKey is where a job's file is kept.
func FileKey(jobID, format, name string) string {
	return "exports/" + jobID + "/" + format + "/" + name
}

// Meta is what a submission carries beside its body.
type Meta struct {
	IdempotencyKey string
	RequestHash    string // SHA-256 of the body: the same key with another body is a conflict
	TraceParent    string
}

// Submit validates a request, records the job, enqueues its formats and answers
// the job; created is false when an idempotent replay answered an existing job.
// Invalid requests answer a *Problem and leave nothing behind.
func (s *Service) Submit(ctx context.Context, c Caller, req Request, meta Meta) (j *jobstore.Job, created bool, err error) {
	j, m, err := s.prepare(ctx, c, req, meta)
	if err != nil {
		return nil, false, err
	}
	stored := m != nil && j.Model == nil
	if stored {
		if _, err := s.Storage.Put(ctx, j.ModelKey, bytes.NewReader(req.Model), "application/json"); err != nil {
			s.Log.ErrorContext(ctx, "storing inline model", "job_id", j.ID, "err", err)
			return nil, false, unavailable("storage")
		}
	}
	// The job is recorded as enqueued, which it is a moment later, so that a
	// submission is one write. Should the enqueue fail, the job goes to the
	// outbox (toOutbox); should this process end in between, the reconciler
	// finds the job's tasks missing once its grace period is over.
	j.Enqueued = true
	if err := s.create(j); err != nil {
		if stored {
			s.Storage.Delete(context.WithoutCancel(ctx), j.ModelKey)
		}
		var dup *jobstore.DuplicateError
		if errors.As(err, &dup) {
			if dup.Job.RequestHash == meta.RequestHash && c.Can(dup.Job) {
				return dup.Job, false, nil
			}
			return nil, false, Problemf(http.StatusConflict, CodeConflict, "Idempotency-Key %q was used with another request", meta.IdempotencyKey)
		}
		s.Log.ErrorContext(ctx, "recording job", "job_id", j.ID, "err", err)
		return nil, false, unavailable("job store")
	}
	observe.JobSubmitted(j.Priority)
	s.emit(ctx, jobstore.Event{JobID: j.ID, Type: "job.queued", Message: fmt.Sprintf("%d formats queued at priority %s", len(j.Formats), j.Priority)})
	if err := s.enqueue(ctx, j); err != nil {
		// The job is recorded: the outbox enqueues it when Redis is back.
		s.Log.WarnContext(ctx, "enqueue failed; the outbox retries", "job_id", j.ID, "err", err)
		s.toOutbox(ctx, j)
	}
	return j, true, nil
}

// toOutbox marks a recorded job as not enqueued, for the outbox to enqueue
// when Redis is back. Should the mark fail too, the reconciler finds the
// job's tasks missing.
func (s *Service) toOutbox(ctx context.Context, j *jobstore.Job) {
	j.Enqueued = false
	_, err := s.Store.Update(context.WithoutCancel(ctx), j.ID, func(j *jobstore.Job) error {
		if !j.Enqueued {
			return jobstore.ErrNoChange
		}
		j.Enqueued = false
		return nil
	})
	if err != nil && !errors.Is(err, jobstore.ErrNoChange) {
		s.Log.WarnContext(ctx, "marking job for the outbox; the reconciler enqueues it", "job_id", j.ID, "err", err)
	}
}

// prepare checks a request and builds its job; an inline model is decoded and
// checked in full (and answered, closed, for its statistics).
func (s *Service) prepare(ctx context.Context, c Caller, req Request, meta Meta) (*jobstore.Job, *model.Model, error) {
	var issues []jobstore.Issue
	bad := func(path, code, format string, args ...any) {
		issues = append(issues, jobstore.Issue{Path: path, Code: code, Message: fmt.Sprintf(format, args...)})
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	j := &jobstore.Job{
		ID: NewJobID(), Tenant: c.Tenant, User: c.User, Status: jobstore.Queued, Priority: req.Priority,
		CreatedAt: now, Options: req.Options, CallbackURL: req.CallbackURL, Labels: req.Labels,
		IdempotencyKey: meta.IdempotencyKey, RequestHash: meta.RequestHash, Name: req.Name,
		// The trace context of the caller's span (the API request's), carried
		// into every task of the job; else whatever the caller passed.
		TraceParent: cmp.Or(observe.TraceParent(ctx), meta.TraceParent),
	}
	if j.Priority == "" {
		j.Priority = tasks.QueueNormal
	}
	if !tasks.ValidPriority(j.Priority) {
		bad("priority", CodeInvalidRequest, "priority %q is not one of critical, high, normal, low", req.Priority)
	}
	if len(req.Formats) == 0 {
		bad("formats", CodeInvalidRequest, "at least one format is required")
	}
	seen := map[string]bool{}
	for i, fr := range req.Formats {
		path := fmt.Sprintf("formats[%d]", i)
		f, ok := formats.Lookup(strings.ToLower(fr.Format))
		if !ok {
			issues = append(issues, jobstore.Issue{Path: path, Code: CodeUnsupported,
				Message: fmt.Sprintf("unknown format %q; known: %s", fr.Format, strings.Join(formats.Names(), ", "))})
			continue
		}
		if seen[f.Name] {
			bad(path, CodeInvalidRequest, "format %s asked twice", f.Name)
			continue
		}
		seen[f.Name] = true
		vals, err := f.ParseOptions(fr.Options)
		if err != nil {
			bad(path+".options", CodeInvalidOptions, "%v", err)
			continue
		}
		j.Formats = append(j.Formats, &jobstore.Format{Format: f.Name, Options: vals, Status: jobstore.Queued})
	}
	switch req.Options.OnInvalid {
	case "", "fail", "skip":
	default:
		bad("options.on_invalid", CodeInvalidRequest, "on_invalid must be fail or skip")
	}
	switch req.Options.Compression {
	case "", "none", "gzip":
	default:
		bad("options.compression", CodeInvalidRequest, "compression must be none or gzip")
	}
	if len(req.Labels) > 32 {
		bad("labels", CodeInvalidRequest, "at most 32 labels")
	}
	for k, v := range req.Labels {
		if k == "" || len(k) > 64 || len(v) > 256 || strings.ContainsAny(k, "=,") {
			bad("labels."+k, CodeInvalidRequest, "a label key is 1-64 characters without '=' or ','; a value at most 256")
		}
	}
	j.Retention = s.cfg.DefaultRetention
	if req.Retention != "" {
		d, err := time.ParseDuration(req.Retention)
		switch {
		case err != nil || d <= 0:
			bad("retention", CodeInvalidRequest, "retention %q is not a positive duration such as 72h", req.Retention)
		case d > s.cfg.MaxRetention:
			bad("retention", CodeInvalidRequest, "retention %s is over the maximum %s", d, s.cfg.MaxRetention)
		default:
			j.Retention = d
		}
	}
	j.ExpiresAt = now.Add(j.Retention)
	if req.CallbackURL != "" {
		if s.Guard == nil {
			bad("callback_url", CodeInvalidCallback, "callbacks are not configured")
		} else if err := s.Guard.CheckURL(ctx, req.CallbackURL); err != nil {
			bad("callback_url", CodeInvalidCallback, "%v", err)
		}
	}
	hasModel := len(bytes.TrimSpace(req.Model)) > 0 && !bytes.Equal(bytes.TrimSpace(req.Model), []byte("null"))
	if hasModel == (req.ModelRef != "") {
		bad("model", CodeInvalidRequest, "give exactly one of model (inline) or model_ref")
	}
	if len(issues) > 0 {
		return nil, nil, invalidIssues(issues)
	}
	mopts := &model.Options{SkipInvalid: req.Options.OnInvalid == "skip", Floors: req.Options.Floors, Types: req.Options.Types}
	if err := mopts.Check(); err != nil {
		return nil, nil, modelProblem(err)
	}

	if !hasModel {
		key := strings.TrimPrefix(req.ModelRef, "s3://")
		if key != req.ModelRef { // s3://bucket/key names a key of our bucket
			_, key, _ = strings.Cut(key, "/")
		}
		if !c.Admin && !strings.HasPrefix(key, ModelKey(c.Tenant, "")) {
			return nil, nil, invalid(CodeModelNotFound, "model_ref must name a model uploaded by this tenant (POST /v1/models)",
				jobstore.Issue{Path: "model_ref", Code: CodeModelNotFound, Message: "not a model of this tenant"})
		}
		obj, err := s.Storage.Stat(ctx, key)
		if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrInvalidKey) {
			return nil, nil, invalid(CodeModelNotFound, "no model at model_ref",
				jobstore.Issue{Path: "model_ref", Code: CodeModelNotFound, Message: fmt.Sprintf("no model at %q", req.ModelRef)})
		}
		if err != nil {
			s.Log.ErrorContext(ctx, "stat model_ref", "key", key, "err", err)
			return nil, nil, unavailable("storage")
		}
		j.ModelKey, j.ModelSize = key, obj.Size
		if j.Name == "" {
			j.Name = "model"
		}
		return j, nil, nil
	}
	if int64(len(req.Model)) > s.cfg.MaxModelBytes {
		return nil, nil, Problemf(http.StatusRequestEntityTooLarge, CodeTooLarge, "an inline model is at most %d bytes; upload larger ones with POST /v1/models", s.cfg.MaxModelBytes)
	}
	m, err := model.Open(ctx, bytes.NewReader(req.Model), mopts)
	if err != nil {
		return nil, nil, modelProblem(err)
	}
	m.Close()
	j.Elements = int64(m.Stats.Rooms + m.Stats.Elements + m.Stats.Connections)
	j.ModelKey, j.ModelSize = ModelKey(c.Tenant, j.ID+".json"), int64(len(req.Model))
	if len(req.Model) <= MaxKeptModelBytes {
		j.ModelKey, j.Model = "", req.Model
	}
	if j.Name == "" {
		j.Name = m.Building.ID
	}
	for _, w := range m.Warnings {
		if len(j.Warnings) < 100 {
			j.Warnings = append(j.Warnings, jobstore.Issue{Path: "model." + w.Path, Code: w.Code, Message: w.Message, Severity: "low"})
		}
	}
	return j, m, nil
}

// modelProblem answers a model's problems: INVALID_MODEL with paths into the
// request's model, or INVALID_OPTIONS when the options name floors or types
// the model does not have.
func modelProblem(err error) *Problem {
	var inv *model.InvalidError
	if !errors.As(err, &inv) {
		return invalid(CodeInvalidModel, err.Error())
	}
	p := invalid(CodeInvalidModel, fmt.Sprintf("the model has %d problems", len(inv.Problems)))
	for _, pr := range inv.Problems {
		path := "model." + pr.Path
		if strings.HasPrefix(pr.Path, "options.") {
			path, p.Code, p.Detail = pr.Path, CodeInvalidOptions, pr.Message
		}
		p.Errors = append(p.Errors, jobstore.Issue{Path: path, Code: pr.Code, Message: pr.Message})
	}
	return p
}

func invalidIssues(issues []jobstore.Issue) *Problem {
	code := issues[0].Code
	detail := issues[0].Message
	if len(issues) > 1 {
		detail = fmt.Sprintf("%s (and %d more problems)", detail, len(issues)-1)
	}
	return invalid(code, detail, issues...)
}

// enqueue puts the job's queued formats on the queue of its priority.
func (s *Service) enqueue(ctx context.Context, j *jobstore.Job) error {
	for _, f := range j.Formats {
		if f.Status != jobstore.Queued {
			continue
		}
		if err := s.EnqueueFormat(ctx, s.Queue, j, f); err != nil {
			return err
		}
	}
	return nil
}

// FlushOutbox enqueues jobs that were recorded but not enqueued (Redis was down,
// or the process stopped in between) and were created before the grace period;
// it answers how many it enqueued.
func (s *Service) FlushOutbox(ctx context.Context, grace time.Duration) (int, error) {
	jobs, err := s.Store.Unenqueued(ctx, time.Now().Add(-grace), 200)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, j := range jobs {
		if j.Status == jobstore.Paused {
			// Held formats wait for resume, which enqueues them.
			if err := s.Store.SetEnqueued(ctx, j.ID); err != nil {
				return n, err
			}
			continue
		}
		if err := s.enqueue(ctx, j); err != nil {
			return n, err
		}
		if err := s.Store.SetEnqueued(ctx, j.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// RunOutbox flushes the outbox every interval until ctx ends.
func (s *Service) RunOutbox(ctx context.Context, interval, grace time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.FlushOutbox(ctx, grace); err != nil {
				s.Log.WarnContext(ctx, "outbox", "err", err)
			} else if n > 0 {
				s.Log.InfoContext(ctx, "outbox enqueued jobs", "jobs", n)
			}
		}
	}
}

// emit publishes an event; tracking is advisory, so a failure is logged.
func (s *Service) emit(ctx context.Context, e jobstore.Event) int64 {
	seq, err := s.Tracker.Emit(ctx, e)
	if err != nil {
		s.Log.WarnContext(ctx, "event not published", "job_id", e.JobID, "type", e.Type, "err", err)
	}
	return seq
}

// Emit publishes an event of a job, and sends it to the callback URL when the
// caller asked for that kind of event.
func (s *Service) Emit(ctx context.Context, j *jobstore.Job, e jobstore.Event) {
	e.JobID = j.ID
	if e.Time.IsZero() {
		e.Time = time.Now().UTC()
	}
	e.Seq = s.emit(ctx, e)
	if j.CallbackURL != "" && (strings.HasPrefix(e.Type, "format.") && j.Options.FormatEvents || terminalEvent(e.Type)) {
		s.notify(ctx, j, e)
	}
}

func terminalEvent(t string) bool {
	switch t {
	case "job.completed", "job.failed", "job.partial", "job.cancelled":
		return true
	}
	return false
}

// notify enqueues the delivery of an event to the job's callback URL.
func (s *Service) notify(ctx context.Context, j *jobstore.Job, e jobstore.Event) {
	body, err := json.Marshal(struct {
		Event jobstore.Event `json:"event"`
		Job   Job            `json:"job"`
	}{e, View(j, nil)})
	if err != nil {
		s.Log.ErrorContext(ctx, "webhook body", "job_id", j.ID, "err", err)
		return
	}
	id := fmt.Sprintf("%s-%s-%s", j.ID, e.Type, e.Format)
	d := webhooks.Delivery{ID: id, JobID: j.ID, Event: e.Type, URL: j.CallbackURL, Body: body, First: time.Now().UTC()}
	// The delivery travels with the trace context of the span that made it
	// (readers of webhooks.Delivery ignore the extra field).
	payload, err := json.Marshal(struct {
		webhooks.Delivery
		TraceParent string `json:"traceparent,omitempty"`
	}{d, observe.TraceParent(ctx)})
	if err != nil {
		s.Log.ErrorContext(ctx, "webhook payload", "job_id", j.ID, "err", err)
		return
	}
	if _, err := s.Queue.EnqueueContext(ctx, tasks.NewWebhook(id, payload, webhooks.MaxAttempts-1)); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		s.Log.ErrorContext(ctx, "webhook not enqueued", "job_id", j.ID, "event", e.Type, "err", err)
	}
}

// Finish does what follows a job reaching a terminal status: the terminal event
// (and its webhook), the events kept in the job store, the live keys set to expire.
// It runs after the update that made the job terminal committed, once per job.
func (s *Service) Finish(ctx context.Context, j *jobstore.Job) {
	msg := string(j.Status)
	if j.Error != nil {
		msg = j.Error.Message
	}
	s.Emit(ctx, j, jobstore.Event{Type: "job." + string(j.Status), Severity: severityOf(j.Status), Message: msg})
	if err := s.KeepEvents(ctx, j.ID); err != nil {
		s.Log.WarnContext(ctx, "keeping events", "job_id", j.ID, "err", err)
	}
	if err := s.Tracker.Expire(ctx, j.ID, s.cfg.EventsTTL); err != nil {
		s.Log.WarnContext(ctx, "expiring live keys", "job_id", j.ID, "err", err)
	}
}

func severityOf(st jobstore.Status) string {
	switch st {
	case jobstore.Failed:
		return "error"
	case jobstore.Partial, jobstore.Cancelled:
		return "warning"
	}
	return "info"
}

// KeepEvents copies the job's events from Redis into the job store (idempotent).
func (s *Service) KeepEvents(ctx context.Context, jobID string) error {
	evs, err := s.Tracker.Events(ctx, jobID, 0)
	if err != nil {
		return err
	}
	return s.Store.AddEvents(ctx, evs)
}
