package apitest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/arxos/arxport/api/apitest"
)

const job = `{"id":"exp_1","status":"queued","priority":"normal","tenant":"acme",
"created_at":"2026-01-02T03:04:05Z","started_at":null,"finished_at":null,"expires_at":"2026-01-05T03:04:05Z",
"progress":{"fraction":0,"stage":"queued","elements_done":0,"elements_total":0,"eta_seconds":0},
"formats":[{"format":"csv","status":"queued","progress":0}],"warnings":[],"error":null}`

const problem = `{"type":"https://arxport.dev/problems/NOT_FOUND","title":"Not Found","status":404,"code":"NOT_FOUND","detail":"no job exp_1","instance":"/v1/exports/exp_1"}`

func answer(status int, ctype, body string, header ...string) *http.Response {
	h := http.Header{}
	if ctype != "" {
		h.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(header); i += 2 {
		h.Set(header[i], header[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

func request(method, target string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	r.Header.Set("Authorization", "Bearer k")
	return r
}

func TestValidate(t *testing.T) {
	v := apitest.New(t)
	for _, tc := range []struct {
		name  string
		req   *http.Request
		resp  *http.Response
		valid bool
	}{
		{"job", request("GET", "/v1/exports/exp_1"), answer(200, "application/json", job), true},
		{"submitted job with Location", request("POST", "/v1/exports"), answer(202, "application/json", job, "Location", "/v1/exports/exp_1"), true},
		{"submitted job without Location", request("POST", "/v1/exports"), answer(202, "application/json", job), false},
		{"job missing a field", request("GET", "/v1/exports/exp_1"), answer(200, "application/json", strings.Replace(job, `"warnings":[],`, "", 1)), false},
		{"job with an extra field", request("GET", "/v1/exports/exp_1"), answer(200, "application/json", strings.Replace(job, `"warnings":[],`, `"warnings":[],"x":1,`, 1)), false},
		{"job with a bad status", request("GET", "/v1/exports/exp_1"), answer(200, "application/json", strings.Replace(job, `"queued"`, `"waiting"`, 1)), false},
		{"job as the wrong content type", request("GET", "/v1/exports/exp_1"), answer(200, "text/plain", job), false},
		{"problem", request("GET", "/v1/exports/exp_1"), answer(404, "application/problem+json", problem), true},
		{"problem as JSON", request("GET", "/v1/exports/exp_1"), answer(404, "application/json", problem), false},
		{"problem with an unknown code", request("GET", "/v1/exports/exp_1"), answer(404, "application/problem+json", strings.Replace(problem, `"code":"NOT_FOUND"`, `"code":"GONE"`, 1)), false},
		{"undocumented status", request("GET", "/v1/exports/exp_1"), answer(418, "application/problem+json", problem), false},
		{"undocumented 304", request("GET", "/v1/exports/exp_1"), answer(304, "", ""), false},
		{"unavailable with Retry-After", request("GET", "/v1/exports/exp_1"), answer(503, "application/problem+json", problem, "Retry-After", "2"), true},
		{"unavailable without Retry-After", request("GET", "/v1/exports/exp_1"), answer(503, "application/problem+json", problem), false},
		{"unknown path answered 404", request("GET", "/v1/nope"), answer(404, "application/problem+json", problem), true},
		{"unknown path answered 200", request("GET", "/v1/nope"), answer(200, "application/json", "{}"), false},
		{"event stream", request("GET", "/v1/exports/exp_1/events"), answer(200, "text/event-stream", "not checked"), true},
		{"file", request("GET", "/v1/exports/exp_1/files/a.glb"), answer(200, "model/gltf-binary", "\x00\x01",
			"ETag", `"`+strings.Repeat("a", 64)+`"`, "X-Checksum-Sha256", strings.Repeat("a", 64), "Content-Disposition", `attachment; filename="a.glb"`), true},
		{"file without ETag", request("GET", "/v1/exports/exp_1/files/a.glb"), answer(200, "model/gltf-binary", "\x00\x01",
			"X-Checksum-Sha256", strings.Repeat("a", 64), "Content-Disposition", `attachment; filename="a.glb"`), false},
		{"redirect", request("GET", "/v1/exports/exp_1/files/a.glb"), answer(302, "text/html; charset=utf-8", "<a>Found</a>", "Location", "https://s3/x"), true},
		{"accepted request off the document", request("GET", "/v1/exports?limit=5000"), answer(200, "application/json", `{"jobs":[]}`), false},
		{"refused request off the document", request("GET", "/v1/exports?limit=5000"), answer(400, "application/problem+json", problem), true},
		{"health", httptest.NewRequest("GET", "/healthz", nil), answer(200, "application/json", `{"status":"ok"}`), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := io.ReadAll(tc.resp.Body)
			err := v.Validate(tc.req, tc.resp, body)
			if tc.valid && err != nil {
				t.Errorf("want valid, got %v", err)
			}
			if !tc.valid && err == nil {
				t.Error("want invalid, got valid")
			}
		})
	}
}

// TestTransport checks answers through the RoundTripper, leaves streams
// unread, and restores bodies it read.
func TestTransport(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/exports/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, job)
	})
	stream := make(chan struct{})
	mux.HandleFunc("GET /v1/exports/{id}/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		<-stream // the body never ends until the test says so: the transport must not read it
		io.WriteString(w, "data: {}\n\n")
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer close(stream)
	c := &http.Client{Transport: apitest.New(t).Transport(t, nil)}

	resp, err := c.Get(ts.URL + "/v1/exports/exp_1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != job {
		t.Errorf("body not restored: %q", b)
	}

	resp, err = c.Get(ts.URL + "/v1/exports/exp_1/events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

// TestConcurrent validates from many goroutines at once (run with -race).
func TestConcurrent(t *testing.T) {
	v := apitest.New(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				req := request("GET", "/v1/exports/exp_1")
				if err := v.Validate(req, answer(200, "application/json", job), []byte(job)); err != nil {
					t.Error(err)
				}
				if err := v.Validate(req, answer(404, "application/problem+json", problem), []byte(problem)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}
