package api

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/jobstore"
)

// readBody reads a request body up to limit, answering a 413 problem past it.
func readBody(r *http.Request, w http.ResponseWriter, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, exports.Problemf(http.StatusRequestEntityTooLarge, exports.CodeTooLarge, "the request body is over %d bytes", limit)
	}
	if err != nil {
		return nil, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "reading the request body: %v", err)
	}
	return b, nil
}

// decode reads JSON strictly: unknown fields are errors, with their path.
func decode(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		p := exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "the body is not a valid request: %v", err)
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			p.Errors = []jobstore.Issue{{Path: te.Field, Code: exports.CodeInvalidRequest, Message: fmt.Sprintf("expected %s, got %s", te.Type, te.Value)}}
		}
		return p
	}
	if d.More() {
		return exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "the body holds more than one JSON value")
	}
	return nil
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	limit := s.svc.Config().MaxModelBytes + 1<<20 // the model and the rest of the request
	body, err := readBody(r, w, limit)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var req exports.Request
	if err := decode(body, &req); err != nil {
		s.problem(w, r, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 255 {
		s.problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "Idempotency-Key is at most 255 characters"))
		return
	}
	sum := sha256.Sum256(body)
	j, created, err := s.svc.Submit(r.Context(), c, req, exports.Meta{IdempotencyKey: key, RequestHash: hex.EncodeToString(sum[:]),
		TraceParent: r.Header.Get("Traceparent")})
	if err != nil {
		s.problem(w, r, err)
		return
	}
	w.Header().Set("Location", "/v1/exports/"+j.ID)
	status := http.StatusAccepted
	if !created {
		status = http.StatusOK
	}
	writeJSON(w, status, s.svc.View(r.Context(), j))
}

func (s *Server) batch(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	body, err := readBody(r, w, s.cfg.MaxBatchBytes)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var req exports.BatchRequest
	if err := decode(body, &req); err != nil {
		s.problem(w, r, err)
		return
	}
	if len(req.Jobs) == 0 || len(req.Jobs) > 1000 {
		s.problem(w, r, exports.Problemf(http.StatusUnprocessableEntity, exports.CodeInvalidRequest, "a batch holds 1 to 1,000 jobs, not %d", len(req.Jobs)))
		return
	}
	out := struct {
		Results []exports.BatchResult `json:"results"`
	}{make([]exports.BatchResult, len(req.Jobs))}
	// The jobs are submitted batchParallel at a time, so that the service
	// records them in shared transactions.
	sem := make(chan struct{}, batchParallel)
	var wg sync.WaitGroup
	for i, jr := range req.Jobs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() {
				// This goroutine is beyond serve's recover.
				if v := recover(); v != nil {
					s.log.ErrorContext(r.Context(), "panic submitting a batch job", "index", i, "panic", fmt.Sprint(v))
					p := exports.Problemf(http.StatusInternalServerError, exports.CodeInternal, "internal error")
					out.Results[i] = exports.BatchResult{Status: p.Status, Error: p}
				}
				<-sem
				wg.Done()
			}()
			out.Results[i] = s.submitOne(r, c, i, jr)
		}()
	}
	wg.Wait()
	writeJSON(w, http.StatusOK, out)
}

// batchParallel is how many jobs of a batch are submitted at once.
const batchParallel = 32

// submitOne submits job i of a batch and answers its result.
func (s *Server) submitOne(r *http.Request, c exports.Caller, i int, jr exports.Request) exports.BatchResult {
	b, _ := json.Marshal(jr)
	sum := sha256.Sum256(b)
	meta := exports.Meta{RequestHash: hex.EncodeToString(sum[:]), TraceParent: r.Header.Get("Traceparent")}
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		meta.IdempotencyKey = k + "#" + strconv.Itoa(i)
	}
	j, created, err := s.svc.Submit(r.Context(), c, jr, meta)
	if err != nil {
		p := exports.AsProblem(err)
		p.Instance = fmt.Sprintf("/v1/exports/batch#jobs[%d]", i)
		return exports.BatchResult{Status: p.Status, Error: p}
	}
	v := s.svc.View(r.Context(), j)
	res := exports.BatchResult{Status: http.StatusAccepted, Job: &v}
	if !created {
		res.Status = http.StatusOK
	}
	return res
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	q := r.URL.Query()
	lq := jobstore.ListQuery{Status: jobstore.Status(q.Get("status")), Label: q.Get("label"), After: q.Get("cursor"), Tenant: q.Get("tenant")}
	if lq.Status != "" && !validStatus(lq.Status) {
		s.problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "unknown status %q", lq.Status))
		return
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			s.problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "limit is 1 to 1000"))
			return
		}
		lq.Limit = n
	}
	if lq.Label != "" && !strings.Contains(lq.Label, "=") {
		lq.Label = strings.Replace(lq.Label, ":", "=", 1)
	}
	jobs, next, err := s.svc.List(r.Context(), c, lq)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	out := struct {
		Jobs       []exports.Job `json:"jobs"`
		NextCursor string        `json:"next_cursor,omitempty"`
	}{Jobs: make([]exports.Job, len(jobs)), NextCursor: next}
	for i, j := range jobs {
		out.Jobs[i] = exports.View(j, nil)
	}
	writeJSON(w, http.StatusOK, out)
}

func validStatus(s jobstore.Status) bool {
	switch s {
	case jobstore.Queued, jobstore.Running, jobstore.Paused, jobstore.Completed, jobstore.Failed, jobstore.Cancelled, jobstore.Partial:
		return true
	}
	return false
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	j, err := s.svc.Get(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.View(r.Context(), j))
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	j, err := s.svc.Cancel(r.Context(), c, r.PathValue("id"))
	s.answerJob(w, r, j, err)
}

func (s *Server) pause(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	j, err := s.svc.Pause(r.Context(), c, r.PathValue("id"))
	s.answerJob(w, r, j, err)
}

func (s *Server) resume(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	j, err := s.svc.Resume(r.Context(), c, r.PathValue("id"))
	s.answerJob(w, r, j, err)
}

func (s *Server) answerJob(w http.ResponseWriter, r *http.Request, j *jobstore.Job, err error) {
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.svc.View(r.Context(), j))
}

func (s *Server) delete(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	if err := s.svc.Delete(r.Context(), c, r.PathValue("id")); err != nil {
		s.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// uploadModel streams a model to storage and answers its model_ref.
func (s *Server) uploadModel(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	id := "mdl_" + ulid.MustNew(ulid.Now(), rand.Reader).String()
	key := exports.ModelKey(c.Tenant, id)
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	ctype := r.Header.Get("Content-Type")
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	obj, err := s.svc.Storage.Put(r.Context(), key, body, ctype)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.problem(w, r, exports.Problemf(http.StatusRequestEntityTooLarge, exports.CodeTooLarge, "a model is at most %d bytes", s.cfg.MaxUploadBytes))
		return
	case err != nil:
		s.log.Error("storing an uploaded model", "key", key, "err", err)
		p := exports.Problemf(http.StatusServiceUnavailable, exports.CodeUnavailable, "storage unavailable, try again shortly")
		p.RetryAfter = 2 * time.Second
		s.problem(w, r, p)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"model_ref": key, "size": obj.Size, "sha256": obj.SHA256})
}

// formats lists the formats the service converts to, with their options.
func (s *Server) formats(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	type option struct {
		Name    string   `json:"name"`
		Kind    string   `json:"kind"`
		Default any      `json:"default"`
		Choices []string `json:"choices,omitempty"`
		Doc     string   `json:"doc"`
	}
	type format struct {
		Name    string   `json:"name"`
		Title   string   `json:"title"`
		Family  string   `json:"family"`
		Options []option `json:"options"`
	}
	var out []format
	for _, f := range formats.List() {
		ff := format{Name: f.Name, Title: f.Title, Family: f.Family, Options: []option{}}
		for _, o := range f.Options {
			ff.Options = append(ff.Options, option{Name: o.Name, Kind: string(o.Kind), Default: o.Default, Choices: o.Enum, Doc: o.Doc})
		}
		out = append(out, ff)
	}
	writeJSON(w, http.StatusOK, map[string]any{"formats": out})
}
