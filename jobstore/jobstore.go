// Package jobstore is the record of every accepted export job: jobs, their formats
// and files, the events of finished jobs, and API keys. Postgres (pgx) holds it in
// production; an embedded SQLite file holds it in `arxport dev`. Both sit behind
// Store and pass the same conformance suite (jobstore/storetest).
package jobstore

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Status is the state of a job or of one of its formats.
type Status string

const (
	Queued    Status = "queued"
	Running   Status = "running"
	Paused    Status = "paused"
	Completed Status = "completed"
	Failed    Status = "failed"
	Cancelled Status = "cancelled"
	Partial   Status = "partial" // jobs only: formats ended differently
)

// Terminal reports whether nothing more happens to a job or format in this status.
func (s Status) Terminal() bool {
	return s == Completed || s == Failed || s == Cancelled || s == Partial
}

// Error is why a job or format failed, with a stable code (API.md).
type Error struct {
	Code        string  `json:"code"`
	Message     string  `json:"message"`
	Recoverable bool    `json:"recoverable"`
	Errors      []Issue `json:"errors,omitempty"`
}

// Issue is one located problem: a model problem or a warning.
type Issue struct {
	Path     string `json:"path,omitempty"`
	Code     string `json:"code"`
	Message  string `json:"message"`
	Severity string `json:"severity,omitempty"`
	Format   string `json:"format,omitempty"`
}

// Options are the job-wide options of API.md.
type Options struct {
	Floors      []string `json:"floors,omitempty"`
	Types       []string `json:"types,omitempty"`
	OnInvalid   string   `json:"on_invalid,omitempty"`  // "fail" (default) or "skip"
	Compression string   `json:"compression,omitempty"` // "none" (default) or "gzip"
	// FormatEvents asks for format.* events at the callback URL too.
	FormatEvents bool `json:"format_events,omitempty"`
}

// Job is one export of one model into one or more formats.
type Job struct {
	ID       string
	Tenant   string
	User     string // who asked, within the tenant (the key's name, or X-Arx-User)
	Status   Status
	Priority string // critical, high, normal, low

	CreatedAt  time.Time
	StartedAt  time.Time // zero until a format starts
	FinishedAt time.Time // zero until terminal
	ExpiresAt  time.Time // when the files and record go (retention)

	ModelKey  string // storage key of the model; "" when the job store keeps it (Model)
	ModelSize int64  // bytes as stored
	// Model is a small inline model the job store keeps with the job, given to
	// Create (with ModelKey ""). Get and List leave it out; Store.Model answers it.
	Model    []byte
	Name     string // stem of the file names
	Elements int64  // items in the model (rooms+elements+connections), once a worker read it

	Options     Options
	CallbackURL string
	Labels      map[string]string
	Retention   time.Duration

	IdempotencyKey string
	RequestHash    string // SHA-256 of the request body, to tell a replay from a conflict

	// Enqueued is false until the job's tasks are in Redis: the job row is the outbox.
	Enqueued bool

	Error    *Error
	Warnings []Issue // capped by the caller
	Formats  []*Format
	// TraceParent carries the W3C trace context of the request that created the job.
	TraceParent string
}

// Format is one format of a job.
type Format struct {
	Format     string
	Options    map[string]any
	Status     Status
	Progress   float64
	Attempt    int // runs started; a rerun after a crash increments it
	Gen        int // enqueue generation: resume enqueues a new task id
	StartedAt  time.Time
	FinishedAt time.Time
	Metrics    map[string]int64 // elements, triangles, rows, bytes, duration_ms, ...
	Error      *Error
	Files      []File
}

// File is one stored output file.
type File struct {
	Name        string
	Key         string
	Size        int64
	SHA256      string
	ContentType string
	CreatedAt   time.Time
}

// Event is one tracking event of a job (API.md, Events). Seq orders a job's events.
type Event struct {
	Seq      int64           `json:"id"`
	JobID    string          `json:"job_id"`
	Type     string          `json:"type"`
	Format   string          `json:"format,omitempty"`
	Time     time.Time       `json:"time"`
	Severity string          `json:"severity"`
	Message  string          `json:"message,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

// Key is a stored API key. Only its SHA-256 is kept.
type Key struct {
	Hash   string // hex SHA-256 of the key
	Tenant string
	Name   string
	Admin  bool
}

// ListQuery selects jobs for GET /v1/exports: newest first (descending id).
type ListQuery struct {
	Tenant string // "" means every tenant (admin)
	Status Status // "" means any
	Label  string // "key=value", "" means any
	After  string // cursor: only jobs with id < After
	Limit  int    // default 50, at most 1000
}

var (
	ErrNotFound = errors.New("jobstore: not found")
	// ErrDuplicate is returned by Create when the tenant already used the
	// idempotency key within 24 h; the error's Job is the existing one.
	ErrDuplicate = errors.New("jobstore: idempotency key already used")
	// ErrNoChange, returned by an Update callback, ends the update without writing.
	ErrNoChange = errors.New("jobstore: no change")
)

// DuplicateError carries the job that holds an idempotency key.
type DuplicateError struct{ Job *Job }

func (e *DuplicateError) Error() string        { return ErrDuplicate.Error() }
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// Store is the job record. Every method is safe for concurrent use, by several
// processes at once (API, workers, schedulers on different machines).
type Store interface {
	// Create records a new job with its formats (and no files) in one transaction.
	// IDs are unique; job.IdempotencyKey, when set, is unique per tenant for 24 h:
	// a second Create answers *DuplicateError holding the first job.
	Create(ctx context.Context, j *Job) error
	// CreateAll records several new jobs in one transaction, each as Create
	// would, and answers one error per job: nil, or *DuplicateError for a job
	// whose idempotency key is held. When the transaction fails, every job
	// answers its error and none is recorded.
	CreateAll(ctx context.Context, jobs []*Job) []error
	// Model answers the model kept with a job (Job.Model), or ErrNotFound.
	Model(ctx context.Context, jobID string) ([]byte, error)
	// Get returns the job with its formats (in the order created) and their files.
	Get(ctx context.Context, id string) (*Job, error)
	// List returns jobs (with formats and files) newest first, and the cursor of
	// the next page ("" when there is none).
	List(ctx context.Context, q ListQuery) ([]*Job, string, error)
	// Update reads the job under a row lock (or the database's write lock), calls
	// fn, and writes back whatever fn changed: the job's fields and every format
	// with its files. fn may run more than once if the store retries a
	// serialisation failure; it returns ErrNoChange to write nothing (Update then
	// returns the job as read and ErrNoChange), or another error to abort.
	Update(ctx context.Context, id string, fn func(j *Job) error) (*Job, error)
	// Delete removes the job, its formats, files rows and events. Missing is not an error.
	Delete(ctx context.Context, id string) error
	// Unenqueued lists up to limit jobs not yet marked Enqueued, not terminal,
	// created before the given time, oldest first (the outbox).
	Unenqueued(ctx context.Context, before time.Time, limit int) ([]*Job, error)
	// SetEnqueued marks jobs as enqueued.
	SetEnqueued(ctx context.Context, ids ...string) error
	// Expired lists up to limit ended jobs whose ExpiresAt is before the given
	// time, soonest expired first (retention cleanup), from after the cursor a
	// previous call answered ("" for the first page); it answers the next
	// page's cursor, "" after the last.
	Expired(ctx context.Context, before time.Time, cursor string, limit int) ([]*Job, string, error)

	// AddEvents keeps events; an event whose (JobID, Seq) is kept already is ignored.
	AddEvents(ctx context.Context, events []Event) error
	// Events returns a job's kept events with Seq > after, in order.
	Events(ctx context.Context, jobID string, after int64) ([]Event, error)

	// PutKey stores or replaces an API key.
	PutKey(ctx context.Context, k Key) error
	// Key finds an API key by its hash.
	Key(ctx context.Context, hash string) (Key, error)

	Ping(ctx context.Context) error
	Close() error
}
