package jobstore

import (
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
	"time"
)

// A record is a job as its rows: encode and decode convert between the two, and
// Update compares the records before and after its callback to write only what
// changed. Every row type is comparable with ==.
type record struct {
	job     jobRow
	labels  map[string]string // also inside job.Data; set by encode, for job_labels
	formats []formatRow
	files   [][]fileRow // files[i] are those of formats[i], sorted by name
	model   []byte      // Job.Model, for job_models; set by encode
}

// Column lists, in the order of the rows' args and dest.
const (
	jobColumns    = "id, tenant, user_name, status, priority, created_at, started_at, finished_at, expires_at, idempotency_key, request_hash, enqueued, elements, model_key, model_size, data"
	formatColumns = "job_id, position, format, status, progress, attempt, gen, started_at, finished_at, error_code, elements, bytes, duration_ms, options, metrics, error"
	fileColumns   = "job_id, format, name, key, size, sha256, content_type, created_at"
	labelColumns  = "job_id, key, value"
	eventColumns  = "job_id, seq, type, format, time, severity, message, data"
	modelColumns  = "job_id, body"
)

type jobRow struct {
	ID, Tenant, User, Status, Priority          string
	CreatedAt, StartedAt, FinishedAt, ExpiresAt sql.NullInt64
	IdempotencyKey, RequestHash                 string
	Enqueued                                    bool
	Elements                                    int64
	ModelKey                                    string
	ModelSize                                   int64
	Data                                        string // jobData
}

func (r *jobRow) args() []any {
	return []any{r.ID, r.Tenant, r.User, r.Status, r.Priority, r.CreatedAt, r.StartedAt, r.FinishedAt, r.ExpiresAt,
		r.IdempotencyKey, r.RequestHash, r.Enqueued, r.Elements, r.ModelKey, r.ModelSize, r.Data}
}

func (r *jobRow) dest() []any {
	return []any{&r.ID, &r.Tenant, &r.User, &r.Status, &r.Priority, &r.CreatedAt, &r.StartedAt, &r.FinishedAt, &r.ExpiresAt,
		&r.IdempotencyKey, &r.RequestHash, &r.Enqueued, &r.Elements, &r.ModelKey, &r.ModelSize, &r.Data}
}

// jobData is the jobs.data column: the fields nothing queries by.
type jobData struct {
	Name        string            `json:"name,omitempty"`
	Options     Options           `json:"options"`
	CallbackURL string            `json:"callback_url,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	RetentionNS time.Duration     `json:"retention_ns,omitempty"`
	Error       *Error            `json:"error,omitempty"`
	Warnings    []Issue           `json:"warnings,omitempty"`
	TraceParent string            `json:"trace_parent,omitempty"`
}

type formatRow struct {
	JobID                       string
	Position                    int
	Format, Status              string
	Progress                    float64
	Attempt, Gen                int
	StartedAt, FinishedAt       sql.NullInt64
	ErrorCode                   string
	Elements, Bytes, DurationMS int64
	Options, Metrics, Error     sql.NullString // JSON
}

func (r *formatRow) args() []any {
	return []any{r.JobID, r.Position, r.Format, r.Status, r.Progress, r.Attempt, r.Gen, r.StartedAt, r.FinishedAt,
		r.ErrorCode, r.Elements, r.Bytes, r.DurationMS, r.Options, r.Metrics, r.Error}
}

func (r *formatRow) dest() []any {
	return []any{&r.JobID, &r.Position, &r.Format, &r.Status, &r.Progress, &r.Attempt, &r.Gen, &r.StartedAt, &r.FinishedAt,
		&r.ErrorCode, &r.Elements, &r.Bytes, &r.DurationMS, &r.Options, &r.Metrics, &r.Error}
}

type fileRow struct {
	JobID, Format, Name, Key string
	Size                     int64
	SHA256, ContentType      string
	CreatedAt                sql.NullInt64
}

func (r *fileRow) args() []any {
	return []any{r.JobID, r.Format, r.Name, r.Key, r.Size, r.SHA256, r.ContentType, r.CreatedAt}
}

// micros is t as Unix microseconds, NULL for the zero time.
func micros(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

// fromMicros is micros' inverse, in UTC.
func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// jsonColumn is v as JSON, or NULL when null is true.
func jsonColumn(v any, null bool) (sql.NullString, error) {
	if null {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	return sql.NullString{String: string(b), Valid: true}, err
}

// unmarshal decodes a JSON column into v, leaving v alone when it is NULL.
func unmarshal(s sql.NullString, v any) error {
	if !s.Valid {
		return nil
	}
	return json.Unmarshal([]byte(s.String), v)
}

func encode(j *Job) (*record, error) {
	data, err := json.Marshal(jobData{
		Name: j.Name, Options: j.Options, CallbackURL: j.CallbackURL, Labels: j.Labels,
		RetentionNS: j.Retention, Error: j.Error, Warnings: j.Warnings, TraceParent: j.TraceParent,
	})
	if err != nil {
		return nil, err
	}
	r := &record{
		job: jobRow{
			ID: j.ID, Tenant: j.Tenant, User: j.User, Status: string(j.Status), Priority: j.Priority,
			CreatedAt: micros(j.CreatedAt), StartedAt: micros(j.StartedAt), FinishedAt: micros(j.FinishedAt), ExpiresAt: micros(j.ExpiresAt),
			IdempotencyKey: j.IdempotencyKey, RequestHash: j.RequestHash, Enqueued: j.Enqueued, Elements: j.Elements,
			ModelKey: j.ModelKey, ModelSize: j.ModelSize, Data: string(data),
		},
		labels:  j.Labels,
		model:   j.Model,
		formats: make([]formatRow, len(j.Formats)),
		files:   make([][]fileRow, len(j.Formats)),
	}
	for i, f := range j.Formats {
		row := formatRow{
			JobID: j.ID, Position: i, Format: f.Format, Status: string(f.Status), Progress: f.Progress,
			Attempt: f.Attempt, Gen: f.Gen, StartedAt: micros(f.StartedAt), FinishedAt: micros(f.FinishedAt),
			Elements: f.Metrics["elements"], DurationMS: f.Metrics["duration_ms"],
		}
		if row.Options, err = jsonColumn(f.Options, len(f.Options) == 0); err != nil {
			return nil, err
		}
		if row.Metrics, err = jsonColumn(f.Metrics, len(f.Metrics) == 0); err != nil {
			return nil, err
		}
		if f.Error != nil {
			row.ErrorCode = f.Error.Code
			if row.Error, err = jsonColumn(f.Error, false); err != nil {
				return nil, err
			}
		}
		var files []fileRow
		for _, fl := range f.Files {
			row.Bytes += fl.Size
			files = append(files, fileRow{
				JobID: j.ID, Format: f.Format, Name: fl.Name, Key: fl.Key, Size: fl.Size,
				SHA256: fl.SHA256, ContentType: fl.ContentType, CreatedAt: micros(fl.CreatedAt),
			})
		}
		slices.SortFunc(files, func(a, b fileRow) int { return strings.Compare(a.Name, b.Name) })
		r.formats[i], r.files[i] = row, files
	}
	return r, nil
}

// decode builds a new Job from the record; it can be called more than once.
func (r *record) decode() (*Job, error) {
	var data jobData
	if err := json.Unmarshal([]byte(r.job.Data), &data); err != nil {
		return nil, err
	}
	j := &Job{
		ID: r.job.ID, Tenant: r.job.Tenant, User: r.job.User, Status: Status(r.job.Status), Priority: r.job.Priority,
		CreatedAt: fromMicros(r.job.CreatedAt), StartedAt: fromMicros(r.job.StartedAt),
		FinishedAt: fromMicros(r.job.FinishedAt), ExpiresAt: fromMicros(r.job.ExpiresAt),
		ModelKey: r.job.ModelKey, ModelSize: r.job.ModelSize, Name: data.Name, Elements: r.job.Elements,
		Options: data.Options, CallbackURL: data.CallbackURL, Labels: data.Labels, Retention: data.RetentionNS,
		IdempotencyKey: r.job.IdempotencyKey, RequestHash: r.job.RequestHash, Enqueued: r.job.Enqueued,
		Error: data.Error, Warnings: data.Warnings, TraceParent: data.TraceParent,
	}
	for i, row := range r.formats {
		f := &Format{
			Format: row.Format, Status: Status(row.Status), Progress: row.Progress, Attempt: row.Attempt, Gen: row.Gen,
			StartedAt: fromMicros(row.StartedAt), FinishedAt: fromMicros(row.FinishedAt),
		}
		if err := unmarshal(row.Options, &f.Options); err != nil {
			return nil, err
		}
		if err := unmarshal(row.Metrics, &f.Metrics); err != nil {
			return nil, err
		}
		if err := unmarshal(row.Error, &f.Error); err != nil {
			return nil, err
		}
		for _, fl := range r.files[i] {
			f.Files = append(f.Files, File{
				Name: fl.Name, Key: fl.Key, Size: fl.Size, SHA256: fl.SHA256,
				ContentType: fl.ContentType, CreatedAt: fromMicros(fl.CreatedAt),
			})
		}
		j.Formats = append(j.Formats, f)
	}
	return j, nil
}
