package exports

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"time"

	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/tracking"
)

// Job is a job as callers see it (API.md, GET /v1/exports/{id}).
type Job struct {
	ID         string            `json:"id"`
	Status     jobstore.Status   `json:"status"`
	Priority   string            `json:"priority"`
	Tenant     string            `json:"tenant"`
	User       string            `json:"user,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
	ExpiresAt  time.Time         `json:"expires_at"`
	Labels     map[string]string `json:"labels,omitempty"`
	Progress   Progress          `json:"progress"`
	Formats    []Format          `json:"formats"`
	Warnings   []jobstore.Issue  `json:"warnings"`
	Error      *jobstore.Error   `json:"error"`
	Estimate   *Estimate         `json:"estimate,omitempty"`
}

// Progress is a job's progress: the mean of its formats'.
type Progress struct {
	Fraction      float64 `json:"fraction"`
	Stage         string  `json:"stage"`
	ElementsDone  int64   `json:"elements_done"`
	ElementsTotal int64   `json:"elements_total"`
	ETASeconds    float64 `json:"eta_seconds"`
}

// Format is one format of a job.
type Format struct {
	Format   string           `json:"format"`
	Status   jobstore.Status  `json:"status"`
	Progress float64          `json:"progress"`
	Stage    string           `json:"stage,omitempty"`
	Files    []File           `json:"files,omitempty"`
	Metrics  map[string]int64 `json:"metrics,omitempty"`
	Error    *jobstore.Error  `json:"error,omitempty"`
}

// File is one file of a job, downloadable at URL until ExpiresAt.
type File struct {
	Name        string    `json:"name"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	ContentType string    `json:"content_type"`
	URL         string    `json:"url"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// Estimate is what a job is expected to take, fitted from history (analytics).
type Estimate struct {
	DurationSeconds float64 `json:"duration_seconds"`
	OutputBytes     int64   `json:"output_bytes"`
	BasedOnJobs     int     `json:"based_on_jobs"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// View renders a stored job with its live progress as callers see it.
func View(j *jobstore.Job, live map[string]tracking.Progress) Job {
	v := Job{
		ID: j.ID, Status: j.Status, Priority: j.Priority, Tenant: j.Tenant, User: j.User,
		CreatedAt: j.CreatedAt.UTC(), StartedAt: timePtr(j.StartedAt), FinishedAt: timePtr(j.FinishedAt),
		ExpiresAt: j.ExpiresAt.UTC(), Labels: j.Labels, Warnings: j.Warnings, Error: j.Error,
		Formats: make([]Format, 0, len(j.Formats)),
	}
	if v.Warnings == nil {
		v.Warnings = []jobstore.Issue{}
	}
	var sum, eta float64
	stage := ""
	for _, f := range j.Formats {
		fv := Format{Format: f.Format, Status: f.Status, Progress: f.Progress, Metrics: f.Metrics, Error: f.Error}
		if p, ok := live[f.Format]; ok && f.Status == jobstore.Running {
			fv.Progress, fv.Stage = p.Fraction, p.Stage
			eta = max(eta, p.ETA)
			if stage == "" {
				stage = p.Stage
			}
		}
		if f.Status == jobstore.Completed {
			fv.Progress = 1
		}
		for _, file := range f.Files {
			fv.Files = append(fv.Files, File{
				Name: file.Name, Size: file.Size, SHA256: file.SHA256, ContentType: file.ContentType,
				URL: "/v1/exports/" + j.ID + "/files/" + url.PathEscape(file.Name), ExpiresAt: j.ExpiresAt.UTC(),
			})
		}
		sum += fv.Progress
		v.Formats = append(v.Formats, fv)
	}
	if n := len(j.Formats); n > 0 {
		v.Progress.Fraction = sum / float64(n)
	}
	switch {
	case j.Status.Terminal():
		stage = "done"
	case j.Status == jobstore.Queued:
		stage = "queued"
	case j.Status == jobstore.Paused:
		stage = "paused"
	case stage == "":
		stage = "converting"
	}
	v.Progress.Stage = stage
	v.Progress.ElementsTotal = j.Elements
	v.Progress.ElementsDone = int64(v.Progress.Fraction * float64(j.Elements))
	v.Progress.ETASeconds = eta
	return v
}

// Request is a submission (API.md, POST /v1/exports).
type Request struct {
	Model       json.RawMessage   `json:"model,omitempty"`
	ModelRef    string            `json:"model_ref,omitempty"`
	Formats     []FormatRequest   `json:"formats"`
	Priority    string            `json:"priority,omitempty"`
	Options     jobstore.Options  `json:"options"`
	CallbackURL string            `json:"callback_url,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	Retention   string            `json:"retention,omitempty"`
	Name        string            `json:"name,omitempty"`
}

// FormatRequest is one asked format: "ifc" or {"format": "pdf", "options": {...}}.
type FormatRequest struct {
	Format  string         `json:"format"`
	Options map[string]any `json:"options,omitempty"`
}

// UnmarshalJSON accepts a bare name as well as the object form.
func (f *FormatRequest) UnmarshalJSON(b []byte) error {
	var name string
	if json.Unmarshal(b, &name) == nil {
		*f = FormatRequest{Format: name}
		return nil
	}
	type plain FormatRequest
	var p plain
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields() // a misspelt "optons" must not pass silently
	if err := d.Decode(&p); err != nil {
		return err
	}
	*f = FormatRequest(p)
	return nil
}

// Caller is who makes a request: a tenant, a user within it, maybe an admin.
type Caller struct {
	Tenant string
	User   string
	Admin  bool
}

// Can reports whether the caller may see the job.
func (c Caller) Can(j *jobstore.Job) bool { return c.Admin || c.Tenant == j.Tenant }

// BatchRequest is the body of POST /v1/exports/batch.
type BatchRequest struct {
	Jobs []Request `json:"jobs"`
}

// BatchResult is one job's answer in a batch: the job, or its problem.
type BatchResult struct {
	Status int      `json:"status"`
	Job    *Job     `json:"job,omitempty"`
	Error  *Problem `json:"error,omitempty"`
}

// RequestHash is the SHA-256 of a request's JSON, which tells an idempotent
// replay from a conflicting reuse of its key (callers that are not HTTP).
func RequestHash(r Request) (string, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
