package api_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/getkin/kin-openapi/openapi3"

	"github.com/arxos/arxport/api"
	"github.com/arxos/arxport/api/apitest"
	"github.com/arxos/arxport/app"
	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/formats"
	_ "github.com/arxos/arxport/formats/all"
	"github.com/arxos/arxport/jobstore"
)

const (
	keyAcme  = "key-acme-0123456789"
	keyOther = "key-other-0123456789"
	keyAdmin = "key-admin-0123456789"
)

func TestOpenAPIValid(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("loading openapi.yaml: %v", err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("openapi.yaml is not valid: %v", err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q, want 3.0.3", doc.OpenAPI)
	}
	// The public endpoints need no key; every other operation needs the bearer key.
	public := map[string]bool{"GET /healthz": true, "GET /readyz": true, "GET /openapi.yaml": true, "GET /metrics": true}
	if len(doc.Security) != 1 || doc.Security[0]["bearerAuth"] == nil {
		t.Errorf("global security = %v, want bearerAuth", doc.Security)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			if public[name] {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("%s: security should be [] (public)", name)
				}
				continue
			}
			if op.Security != nil {
				t.Errorf("%s: overrides the global security", name)
			}
			if op.Responses.Status(http.StatusUnauthorized) == nil {
				t.Errorf("%s: no 401 answer documented", name)
			}
		}
	}
}

// TestOpenAPIRoutes holds the document's operations to the routes the server
// registers.
func TestOpenAPIRoutes(t *testing.T) {
	srv, _ := newStack(t)
	v := apitest.New(t)
	got, want := v.Operations(), srv.Routes()
	for _, r := range want {
		if !slices.Contains(got, r) {
			t.Errorf("the server routes %q; openapi.yaml does not describe it", r)
		}
	}
	for _, op := range got {
		if !slices.Contains(want, op) {
			t.Errorf("openapi.yaml describes %q; the server has no such route", op)
		}
	}
}

// TestOpenAPIFormats holds the FormatName enum to the registry.
func TestOpenAPIFormats(t *testing.T) {
	v := apitest.New(t)
	s := v.Doc().Components.Schemas["FormatName"]
	if s == nil {
		t.Fatal("no FormatName schema")
	}
	var got []string
	for _, e := range s.Value.Enum {
		got = append(got, e.(string))
	}
	sort.Strings(got)
	want := formats.Names()
	if !slices.Equal(got, want) {
		t.Errorf("FormatName enum = %v\nformats.Names() = %v", got, want)
	}
}

// newStack builds the API in process: miniredis, an SQLite job store and local
// storage in temporary directories. No worker runs: jobs stay queued.
func newStack(t *testing.T) (*api.Server, *exports.Service) {
	t.Helper()
	ctx := t.Context()
	mr := miniredis.RunT(t)
	cfg := app.Defaults()
	cfg.RedisURL = "redis://" + mr.Addr() + "/0"
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
	cfg.Storage = t.TempDir()
	cfg.APIKeys = keyAcme + "=acme," + keyOther + "=other"
	cfg.AdminKeys = keyAdmin
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("app.Open: %v", err)
	}
	t.Cleanup(a.Close)
	// The API as the binaries assemble it, analytics routes included.
	srv, err := a.API(ctx)
	if err != nil {
		t.Fatalf("api: %v", err)
	}
	return srv, a.Service
}

// client talks to a test server through the validating transport.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) job(t *testing.T) exports.Job {
	t.Helper()
	var j exports.Job
	if err := json.Unmarshal(a.body, &j); err != nil {
		t.Fatalf("not a job: %v: %s", err, a.body)
	}
	return j
}

func (a answer) problem(t *testing.T) exports.Problem {
	t.Helper()
	var p exports.Problem
	if err := json.Unmarshal(a.body, &p); err != nil {
		t.Fatalf("not a problem: %v: %s", err, a.body)
	}
	return p
}

func (c *client) do(method, path, key string, body []byte, header ...string) answer {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

func (c *client) expect(want int, method, path, key string, body []byte, header ...string) answer {
	c.t.Helper()
	a := c.do(method, path, key, body, header...)
	if a.status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, a.status, want, a.body)
	}
	return a
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestOpenAPIConformance drives the API through a client whose transport holds
// every answer to the document.
func TestOpenAPIConformance(t *testing.T) {
	srv, svc := newStack(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	v := apitest.New(t)
	c := &client{t: t, base: ts.URL, http: &http.Client{
		Transport:     v.Transport(t, ts.Client().Transport),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	model, err := os.ReadFile("../examples/tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	submit := func(extra map[string]any) []byte {
		req := map[string]any{"model": json.RawMessage(model), "formats": []any{"csv", "json"}}
		for k, v := range extra {
			req[k] = v
		}
		return mustJSON(t, req)
	}

	// Service endpoints, without a key.
	c.expect(200, "GET", "/healthz", "", nil)
	c.expect(200, "GET", "/readyz", "", nil)
	if a := c.expect(200, "GET", "/openapi.yaml", "", nil); !bytes.Equal(a.body, api.OpenAPI) {
		t.Error("GET /openapi.yaml does not answer the embedded document")
	}
	if a := c.expect(200, "GET", "/metrics", "", nil); !bytes.Contains(a.body, []byte("# TYPE arxport_http_request_duration_seconds histogram")) {
		t.Errorf("GET /metrics: %.300s", a.body)
	}

	// Submit.
	a := c.expect(202, "POST", "/v1/exports", keyAcme, submit(map[string]any{"priority": "high", "labels": map[string]string{"project": "tower-a"}}),
		"X-Arx-User", "ada")
	job := a.job(t)
	if loc := a.header.Get("Location"); loc != "/v1/exports/"+job.ID {
		t.Errorf("Location %q, want /v1/exports/%s", loc, job.ID)
	}
	if job.Status != jobstore.Queued || len(job.Formats) != 2 || job.User != "ada" || job.Tenant != "acme" || job.Priority != "high" {
		t.Errorf("submitted job: %s", a.body)
	}
	if job.StartedAt != nil || job.FinishedAt != nil || job.Error != nil {
		t.Errorf("a queued job has started_at, finished_at or error: %s", a.body)
	}

	// Idempotency: replay 200, another body 409.
	idem := submit(map[string]any{"formats": []any{"csv", map[string]any{"format": "json"}}})
	first := c.expect(202, "POST", "/v1/exports", keyAcme, idem, "Idempotency-Key", "k-1").job(t)
	if again := c.expect(200, "POST", "/v1/exports", keyAcme, idem, "Idempotency-Key", "k-1").job(t); again.ID != first.ID {
		t.Errorf("idempotent replay answered %s, want %s", again.ID, first.ID)
	}
	if p := c.expect(409, "POST", "/v1/exports", keyAcme, submit(nil), "Idempotency-Key", "k-1").problem(t); p.Code != exports.CodeConflict {
		t.Errorf("reused key: code %s", p.Code)
	}

	// Invalid submissions.
	if p := c.expect(422, "POST", "/v1/exports", keyAcme, submit(map[string]any{"formats": []any{"csv", "obj"}})).problem(t); p.Code != exports.CodeUnsupported || len(p.Errors) == 0 {
		t.Errorf("unknown format: %+v", p)
	}
	if p := c.expect(400, "POST", "/v1/exports", keyAcme, []byte(`{"formats": ["csv"`)).problem(t); p.Code != exports.CodeInvalidRequest {
		t.Errorf("bad JSON: code %s", p.Code)
	}
	c.expect(400, "POST", "/v1/exports", keyAcme, []byte(`{"formats": ["csv"], "modle": {}}`))
	c.expect(422, "POST", "/v1/exports", keyAcme, mustJSON(t, map[string]any{"formats": []string{"csv"}}))
	c.expect(422, "POST", "/v1/exports", keyAcme, submit(map[string]any{"priority": "urgent"}))
	c.expect(422, "POST", "/v1/exports", keyAcme, submit(map[string]any{"formats": []any{map[string]any{"format": "pdf", "options": map[string]any{"paper": 7}}}}))
	if p := c.expect(422, "POST", "/v1/exports", keyAcme, submit(map[string]any{"model": map[string]any{"schema": "nope"}})).problem(t); p.Code != exports.CodeInvalidModel {
		t.Errorf("invalid model: code %s", p.Code)
	}
	if p := c.expect(401, "POST", "/v1/exports", "", submit(nil)).problem(t); p.Code != exports.CodeUnauthorized {
		t.Errorf("no key: code %s", p.Code)
	}
	c.expect(401, "GET", "/v1/exports", "not-a-key", nil)

	// Get, list.
	got := c.expect(200, "GET", "/v1/exports/"+job.ID, keyAcme, nil).job(t)
	if got.ID != job.ID {
		t.Errorf("get answered %s", got.ID)
	}
	c.expect(404, "GET", "/v1/exports/"+job.ID, keyOther, nil)
	c.expect(200, "GET", "/v1/exports/"+job.ID, keyAdmin, nil)
	c.expect(404, "GET", "/v1/exports/exp_nope", keyAcme, nil)
	var list struct {
		Jobs       []exports.Job `json:"jobs"`
		NextCursor string        `json:"next_cursor"`
	}
	json.Unmarshal(c.expect(200, "GET", "/v1/exports?status=queued&limit=1", keyAcme, nil).body, &list)
	if len(list.Jobs) != 1 || list.NextCursor == "" {
		t.Errorf("list limit=1: %d jobs, next_cursor %q", len(list.Jobs), list.NextCursor)
	}
	c.expect(200, "GET", "/v1/exports?cursor="+list.NextCursor, keyAcme, nil)
	json.Unmarshal(c.expect(200, "GET", "/v1/exports?label=project=tower-a", keyAcme, nil).body, &list)
	if len(list.Jobs) != 1 || list.Jobs[0].ID != job.ID {
		t.Errorf("list by label: %d jobs", len(list.Jobs))
	}
	c.expect(200, "GET", "/v1/exports?tenant=acme", keyAdmin, nil)
	c.expect(400, "GET", "/v1/exports?limit=0", keyAcme, nil)
	c.expect(400, "GET", "/v1/exports?status=lost", keyAcme, nil)

	// Pause, resume, cancel.
	if j := c.expect(200, "POST", "/v1/exports/"+job.ID+"/pause", keyAcme, nil).job(t); j.Status != jobstore.Paused {
		t.Errorf("paused job is %s", j.Status)
	}
	c.expect(200, "POST", "/v1/exports/"+job.ID+"/pause", keyAcme, nil)
	if j := c.expect(200, "POST", "/v1/exports/"+job.ID+"/resume", keyAcme, nil).job(t); j.Status != jobstore.Queued {
		t.Errorf("resumed job is %s", j.Status)
	}
	j := c.expect(200, "POST", "/v1/exports/"+job.ID+"/cancel", keyAcme, nil).job(t)
	if j.Status != jobstore.Cancelled || j.FinishedAt == nil || j.Error == nil || j.Error.Code != exports.CodeCancelled {
		t.Errorf("cancelled job: %+v", j)
	}
	c.expect(200, "POST", "/v1/exports/"+job.ID+"/cancel", keyAcme, nil)
	c.expect(409, "POST", "/v1/exports/"+job.ID+"/pause", keyAcme, nil)
	c.expect(409, "POST", "/v1/exports/"+job.ID+"/resume", keyAcme, nil)
	c.expect(404, "POST", "/v1/exports/exp_nope/cancel", keyAcme, nil)

	// Events of the ended job: the stream ends after the terminal event, and
	// each event matches the Event schema.
	a = c.expect(200, "GET", "/v1/exports/"+job.ID+"/events", keyAcme, nil)
	types := checkEvents(t, v, a.body)
	if len(types) == 0 || types[0] != "job.queued" || types[len(types)-1] != "job.cancelled" {
		t.Errorf("events: %v", types)
	}
	c.expect(400, "GET", "/v1/exports/"+job.ID+"/events", keyAcme, nil, "Last-Event-ID", "x")

	// Files: a format made by hand, as a worker would.
	done := c.expect(202, "POST", "/v1/exports", keyAcme, submit(nil)).job(t)
	content := []byte("id,name\n101,Main Lobby\n")
	fkey := exports.FileKey(done.ID, "csv", "tower.csv")
	obj, err := svc.Storage.Put(t.Context(), fkey, bytes.NewReader(content), "text/csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Store.Update(t.Context(), done.ID, func(j *jobstore.Job) error {
		f := j.Formats[0]
		f.Status, f.Progress = jobstore.Completed, 1
		f.Metrics = map[string]int64{"rows": 1}
		f.Files = []jobstore.File{{Name: "tower.csv", Key: fkey, Size: obj.Size, SHA256: obj.SHA256, ContentType: "text/csv"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	withFile := c.expect(200, "GET", "/v1/exports/"+done.ID, keyAcme, nil).job(t)
	if len(withFile.Formats[0].Files) != 1 {
		t.Fatalf("no file in %+v", withFile.Formats[0])
	}
	url := withFile.Formats[0].Files[0].URL
	if a := c.expect(200, "GET", url, keyAcme, nil); !bytes.Equal(a.body, content) {
		t.Errorf("file: %q", a.body)
	}
	sum := sha256.Sum256(content)
	if a := c.expect(206, "GET", url, keyAcme, nil, "Range", "bytes=0-1"); string(a.body) != "id" {
		t.Errorf("range: %q", a.body)
	}
	c.expect(304, "GET", url, keyAcme, nil, "If-None-Match", `"`+hex.EncodeToString(sum[:])+`"`)
	c.expect(416, "GET", url, keyAcme, nil, "Range", "bytes=1000-")
	c.expect(404, "GET", "/v1/exports/"+done.ID+"/files/nope.csv", keyAcme, nil)
	c.expect(404, "GET", url, keyOther, nil)

	// Formats.
	var fl struct {
		Formats []struct {
			Name string `json:"name"`
		} `json:"formats"`
	}
	json.Unmarshal(c.expect(200, "GET", "/v1/formats", keyAcme, nil).body, &fl)
	if len(fl.Formats) != len(formats.Names()) {
		t.Errorf("GET /v1/formats lists %d formats, want %d", len(fl.Formats), len(formats.Names()))
	}

	// Batch: one good job, one bad.
	batch := mustJSON(t, map[string]any{"jobs": []any{
		map[string]any{"model": json.RawMessage(model), "formats": []string{"csv"}},
		map[string]any{"model": json.RawMessage(model), "formats": []string{"obj"}},
	}})
	var br struct {
		Results []exports.BatchResult `json:"results"`
	}
	json.Unmarshal(c.expect(200, "POST", "/v1/exports/batch", keyAcme, batch).body, &br)
	if len(br.Results) != 2 || br.Results[0].Status != 202 || br.Results[0].Job == nil ||
		br.Results[1].Status != 422 || br.Results[1].Error == nil || br.Results[1].Error.Code != exports.CodeUnsupported {
		t.Errorf("batch results: %+v", br.Results)
	}
	c.expect(422, "POST", "/v1/exports/batch", keyAcme, []byte(`{"jobs": []}`))
	c.expect(400, "POST", "/v1/exports/batch", keyAcme, []byte(`{"jobs": 1}`))

	// Upload a model, then submit by model_ref.
	var up struct {
		ModelRef string `json:"model_ref"`
		Size     int64  `json:"size"`
		SHA256   string `json:"sha256"`
	}
	json.Unmarshal(c.expect(201, "POST", "/v1/models", keyAcme, model).body, &up)
	msum := sha256.Sum256(model)
	if up.ModelRef == "" || up.Size != int64(len(model)) || up.SHA256 != hex.EncodeToString(msum[:]) {
		t.Errorf("upload answered %+v", up)
	}
	byRef := c.expect(202, "POST", "/v1/exports", keyAcme, mustJSON(t, map[string]any{"model_ref": up.ModelRef, "formats": []string{"ifc"}})).job(t)
	if byRef.Status != jobstore.Queued {
		t.Errorf("job by model_ref: %+v", byRef)
	}
	if p := c.expect(422, "POST", "/v1/exports", keyOther, mustJSON(t, map[string]any{"model_ref": up.ModelRef, "formats": []string{"ifc"}})).problem(t); p.Code != exports.CodeModelNotFound {
		t.Errorf("another tenant's model_ref: code %s", p.Code)
	}
	c.expect(422, "POST", "/v1/exports", keyAcme, mustJSON(t, map[string]any{"model_ref": "models/acme/mdl_nope", "formats": []string{"ifc"}}))

	// Delete.
	c.expect(204, "DELETE", "/v1/exports/"+done.ID, keyAcme, nil)
	c.expect(404, "GET", "/v1/exports/"+done.ID, keyAcme, nil)
	c.expect(404, "DELETE", "/v1/exports/"+done.ID, keyAcme, nil)

	// A path the API does not have.
	c.expect(404, "GET", "/v1/nope", keyAcme, nil)
}

// checkEvents parses a Server-Sent Events body, holds each event's data to the
// Event schema and its SSE id and event fields to the data, and answers the types.
func checkEvents(t *testing.T, v *apitest.Validator, body []byte) []string {
	t.Helper()
	var types []string
	var id, typ string
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id = strings.TrimPrefix(line, "id: ")
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data := []byte(strings.TrimPrefix(line, "data: "))
			v.CheckSchema(t, "Event", data)
			var e jobstore.Event
			if err := json.Unmarshal(data, &e); err != nil {
				t.Errorf("event data: %v", err)
				continue
			}
			if e.Type != typ || id == "" || id != jsonNumber(e.Seq) {
				t.Errorf("SSE id %q event %q, data %s", id, typ, data)
			}
			types = append(types, e.Type)
		}
	}
	return types
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }
