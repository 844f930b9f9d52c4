// Package client is how Go programs use the export service: Client speaks the
// HTTP API with typed requests and answers; Direct calls the service in
// process (a backend service that shares its Redis and job store enqueues jobs
// exactly as the API does: same validation, same job record, same events).
// Both satisfy Exporter.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
)

// Exporter submits and controls export jobs.
type Exporter interface {
	Submit(ctx context.Context, req exports.Request, idempotencyKey string) (exports.Job, error)
	Get(ctx context.Context, id string) (exports.Job, error)
	Cancel(ctx context.Context, id string) (exports.Job, error)
	Pause(ctx context.Context, id string) (exports.Job, error)
	Resume(ctx context.Context, id string) (exports.Job, error)
	Delete(ctx context.Context, id string) error
}

// Client is a typed client of the HTTP API.
type Client struct {
	BaseURL string // e.g. http://127.0.0.1:8080
	Key     string // API key
	User    string // sent as X-Arx-User when set
	HTTP    *http.Client
}

// New returns a client of the API at baseURL.
func New(baseURL, key string) *Client {
	return &Client{BaseURL: strings.TrimSuffix(baseURL, "/"), Key: key, HTTP: &http.Client{CheckRedirect: dropAuth}}
}

// dropAuth keeps the API key off redirects: the API redirects downloads only to
// signed storage URLs, which carry their own authorisation and refuse a second.
func dropAuth(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("client: too many redirects")
	}
	req.Header.Del("Authorization")
	return nil
}

func (c *Client) newRequest(ctx context.Context, method, path string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.Key)
	if c.User != "" {
		req.Header.Set("X-Arx-User", c.User)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// do sends a request and decodes a JSON answer into out; a problem answer
// becomes a *exports.Problem error.
func (c *Client) do(req *http.Request, out any) (*http.Response, error) {
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		return resp, problemOf(resp)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp, fmt.Errorf("client: decoding %s %s: %w", req.Method, req.URL.Path, err)
		}
	}
	return resp, nil
}

func problemOf(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var p exports.Problem
	if json.Unmarshal(b, &p) != nil || p.Code == "" {
		return &exports.Problem{Status: resp.StatusCode, Code: "HTTP_" + strconv.Itoa(resp.StatusCode), Title: resp.Status, Detail: strings.TrimSpace(string(b))}
	}
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil {
			p.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return &p
}

func (c *Client) jobCall(ctx context.Context, method, path string, body any, hdr map[string]string) (exports.Job, int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return exports.Job{}, 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := c.newRequest(ctx, method, path, rd)
	if err != nil {
		return exports.Job{}, 0, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	var j exports.Job
	resp, err := c.do(req, &j)
	if resp == nil {
		return j, 0, err
	}
	return j, resp.StatusCode, err
}

// Submit submits a job; a non-empty idempotency key makes a retry safe.
func (c *Client) Submit(ctx context.Context, r exports.Request, idempotencyKey string) (exports.Job, error) {
	var hdr map[string]string
	if idempotencyKey != "" {
		hdr = map[string]string{"Idempotency-Key": idempotencyKey}
	}
	j, _, err := c.jobCall(ctx, http.MethodPost, "/v1/exports", r, hdr)
	return j, err
}

// Batch submits up to 1,000 jobs and answers each job or its problem.
func (c *Client) Batch(ctx context.Context, reqs []exports.Request) ([]exports.BatchResult, error) {
	b, err := json.Marshal(exports.BatchRequest{Jobs: reqs})
	if err != nil {
		return nil, err
	}
	req, err := c.newRequest(ctx, http.MethodPost, "/v1/exports/batch", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	var out struct {
		Results []exports.BatchResult `json:"results"`
	}
	_, err = c.do(req, &out)
	return out.Results, err
}

// Get answers a job.
func (c *Client) Get(ctx context.Context, id string) (exports.Job, error) {
	j, _, err := c.jobCall(ctx, http.MethodGet, "/v1/exports/"+url.PathEscape(id), nil, nil)
	return j, err
}

// Cancel cancels a job.
func (c *Client) Cancel(ctx context.Context, id string) (exports.Job, error) {
	j, _, err := c.jobCall(ctx, http.MethodPost, "/v1/exports/"+url.PathEscape(id)+"/cancel", nil, nil)
	return j, err
}

// Pause pauses a job.
func (c *Client) Pause(ctx context.Context, id string) (exports.Job, error) {
	j, _, err := c.jobCall(ctx, http.MethodPost, "/v1/exports/"+url.PathEscape(id)+"/pause", nil, nil)
	return j, err
}

// Resume resumes a paused job.
func (c *Client) Resume(ctx context.Context, id string) (exports.Job, error) {
	j, _, err := c.jobCall(ctx, http.MethodPost, "/v1/exports/"+url.PathEscape(id)+"/resume", nil, nil)
	return j, err
}

// Delete removes a job's files and record.
func (c *Client) Delete(ctx context.Context, id string) error {
	req, err := c.newRequest(ctx, http.MethodDelete, "/v1/exports/"+url.PathEscape(id), nil)
	if err != nil {
		return err
	}
	_, err = c.do(req, nil)
	return err
}

// Page is one page of a job list.
type Page struct {
	Jobs       []exports.Job `json:"jobs"`
	NextCursor string        `json:"next_cursor"`
}

// List answers a page of the caller's jobs, newest first. query may hold
// status, label (key=value), cursor, limit.
func (c *Client) List(ctx context.Context, query url.Values) (Page, error) {
	var p Page
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/exports?"+query.Encode(), nil)
	if err != nil {
		return p, err
	}
	_, err = c.do(req, &p)
	return p, err
}

// UploadModel streams a model to the service's storage and answers its model_ref.
func (c *Client) UploadModel(ctx context.Context, r io.Reader) (string, error) {
	req, err := c.newRequest(ctx, http.MethodPost, "/v1/models", r)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/octet-stream")
	var out struct {
		ModelRef string `json:"model_ref"`
	}
	_, err = c.do(req, &out)
	return out.ModelRef, err
}

// Download writes a job's file to w.
func (c *Client) Download(ctx context.Context, id, name string, w io.Writer) (int64, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/exports/"+url.PathEscape(id)+"/files/"+url.PathEscape(name), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, problemOf(resp)
	}
	return io.Copy(w, resp.Body)
}

// Events calls fn with every event of a job after lastID, live, until the job
// ends (fn's error also ends it). A dropped connection is resumed from the last
// event seen (Last-Event-ID).
func (c *Client) Events(ctx context.Context, id string, lastID int64, fn func(jobstore.Event) error) error {
	for attempt := 0; ; attempt++ {
		ended, err := c.streamEvents(ctx, id, &lastID, fn)
		if ended || ctx.Err() != nil {
			return err
		}
		var p *exports.Problem
		if errors.As(err, &p) && p.Status < 500 || attempt == 10 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
}

func (c *Client) streamEvents(ctx context.Context, id string, lastID *int64, fn func(jobstore.Event) error) (bool, error) {
	req, err := c.newRequest(ctx, http.MethodGet, "/v1/exports/"+url.PathEscape(id)+"/events", nil)
	if err != nil {
		return true, err
	}
	req.Header.Set("Accept", "text/event-stream")
	if *lastID > 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(*lastID, 10))
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false, problemOf(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0 && len(data) > 0:
			var e jobstore.Event
			if err := json.Unmarshal(data, &e); err != nil {
				return true, fmt.Errorf("client: event: %w", err)
			}
			data = data[:0]
			*lastID = e.Seq
			if err := fn(e); err != nil {
				return true, err
			}
			if terminal(e.Type) {
				return true, nil
			}
		case bytes.HasPrefix(line, []byte("data: ")):
			data = append(data, line[6:]...)
		}
	}
	if err := sc.Err(); err != nil {
		return false, err
	}
	// The server ends the stream after a job's last event; ending without one
	// means the job had ended and its last event was already seen.
	return true, nil
}

func terminal(t string) bool {
	switch t {
	case "job.completed", "job.failed", "job.partial", "job.cancelled":
		return true
	}
	return false
}

// Wait follows a job's events until it ends and answers the final job.
func (c *Client) Wait(ctx context.Context, id string) (exports.Job, error) {
	if err := c.Events(ctx, id, 0, func(jobstore.Event) error { return nil }); err != nil {
		return exports.Job{}, err
	}
	return c.Get(ctx, id)
}
