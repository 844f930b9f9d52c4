// Package api is the export service's HTTP API (../shared/API.md): it
// authenticates, validates, records, enqueues and answers; the work happens in
// package exports and in the workers. Every error is an RFC 9457 problem with a
// stable code; nothing in an answer is a stack trace.
package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/observe"
)

// Config steers the API.
type Config struct {
	// AdminKeys see every tenant's jobs.
	AdminKeys []string
	// Keys maps API keys to tenants (ARXPORT_API_KEYS).
	Keys map[string]string
	// MaxUploadBytes bounds POST /v1/models; default 4 GiB.
	MaxUploadBytes int64
	// MaxBatchBytes bounds POST /v1/exports/batch; default 256 MiB.
	MaxBatchBytes int64
	// SignedURLs answers file downloads with a redirect to a signed storage URL
	// (S3) valid for SignedURLTTL (default 15 min), instead of streaming them.
	SignedURLs   bool
	SignedURLTTL time.Duration
	// Ready reports the health of dependencies the service itself does not see
	// (Redis); nil means none.
	Ready func(ctx context.Context) error
}

// Server serves the API.
type Server struct {
	svc      *exports.Service
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	patterns []string
	keys     sync.Map // hash → cachedKey
}

type cachedKey struct {
	key     jobstore.Key
	expires time.Time
}

// New builds the API over a service and stores the configured keys (hashed)
// in the job store.
func New(ctx context.Context, svc *exports.Service, cfg Config) (*Server, error) {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 4 << 30
	}
	if cfg.MaxBatchBytes <= 0 {
		cfg.MaxBatchBytes = 256 << 20
	}
	if cfg.SignedURLTTL <= 0 {
		cfg.SignedURLTTL = 15 * time.Minute
	}
	s := &Server{svc: svc, cfg: cfg, log: svc.Log, mux: http.NewServeMux()}
	for key, tenant := range cfg.Keys {
		if err := svc.Store.PutKey(ctx, jobstore.Key{Hash: HashKey(key), Tenant: tenant, Name: shortID(key)}); err != nil {
			return nil, fmt.Errorf("storing api keys: %w", err)
		}
	}
	for _, key := range cfg.AdminKeys {
		if err := svc.Store.PutKey(ctx, jobstore.Key{Hash: HashKey(key), Tenant: "admin", Name: shortID(key), Admin: true}); err != nil {
			return nil, fmt.Errorf("storing api keys: %w", err)
		}
	}
	s.routes()
	return s, nil
}

// HashKey is how an API key is kept: its SHA-256, hex.
func HashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

func shortID(key string) string { return "key-" + HashKey(key)[:8] }

// ParseKeys reads ARXPORT_API_KEYS: "key=tenant" pairs separated by commas.
func ParseKeys(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, t, ok := strings.Cut(pair, "=")
		if !ok || k == "" || !validTenant(t) {
			return nil, fmt.Errorf("ARXPORT_API_KEYS: %q is not key=tenant (a tenant is 1-64 of A-Z a-z 0-9 . _ -)", pair)
		}
		out[k] = t
	}
	return out, nil
}

// routes registers the API; api/openapi.yaml describes exactly these (a test
// holds the two together).
// validTenant: tenant names appear in storage keys.
func validTenant(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, r := range t {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return t != "." && t != ".."
}

func (s *Server) routes() {
	for pattern, h := range map[string]http.HandlerFunc{
		"GET /healthz":      s.healthz,
		"GET /readyz":       s.readyz,
		"GET /openapi.yaml": serveOpenAPI,
		"GET /metrics":      observe.Handler().ServeHTTP,
	} {
		s.Handle(pattern, h)
	}
	for pattern, h := range map[string]func(http.ResponseWriter, *http.Request, exports.Caller){
		"POST /v1/exports":                  s.submit,
		"POST /v1/exports/batch":            s.batch,
		"GET /v1/exports":                   s.list,
		"GET /v1/exports/{id}":              s.get,
		"DELETE /v1/exports/{id}":           s.delete,
		"POST /v1/exports/{id}/cancel":      s.cancel,
		"POST /v1/exports/{id}/pause":       s.pause,
		"POST /v1/exports/{id}/resume":      s.resume,
		"GET /v1/exports/{id}/events":       s.events,
		"GET /v1/exports/{id}/files/{name}": s.file,
		"POST /v1/models":                   s.uploadModel,
		"GET /v1/formats":                   s.formats,
	} {
		s.Handle(pattern, s.auth(h))
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.problem(w, r, exports.Problemf(http.StatusNotFound, exports.CodeNotFound, "no route %s %s", r.Method, r.URL.Path))
	})
}

// Routes lists the API's endpoints as "METHOD /path" patterns, with those
// added by Handle, sorted.
func (s *Server) Routes() []string {
	out := append([]string(nil), s.patterns...)
	sort.Strings(out)
	return out
}

// Handle adds a route (the analytics and metrics endpoints register this way).
func (s *Server) Handle(pattern string, h http.Handler) {
	s.mux.Handle(pattern, h)
	s.patterns = append(s.patterns, pattern)
}

// Authed wraps a handler so it runs only for a known API key, with the caller in its context.
func (s *Server) Authed(h func(http.ResponseWriter, *http.Request, exports.Caller)) http.HandlerFunc {
	return s.auth(h)
}

// ServeHTTP serves the API, each request in a span named after its route and
// counted in the request metrics; a panic becomes a 500 problem, never a stack trace.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	observe.ServeHTTP(w, r, s.serve)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.ErrorContext(r.Context(), "panic serving request", "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v))
			s.problem(w, r, exports.Problemf(http.StatusInternalServerError, exports.CodeInternal, "internal error"))
		}
	}()
	s.mux.ServeHTTP(w, r)
}

func (s *Server) auth(h func(http.ResponseWriter, *http.Request, exports.Caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		scheme, raw, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(raw) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="arxport"`)
			s.problem(w, r, exports.Problemf(http.StatusUnauthorized, exports.CodeUnauthorized, "an API key is required: Authorization: Bearer <key>"))
			return
		}
		k, err := s.lookup(r.Context(), HashKey(strings.TrimSpace(raw)))
		if errors.Is(err, jobstore.ErrNotFound) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="arxport", error="invalid_token"`)
			s.problem(w, r, exports.Problemf(http.StatusUnauthorized, exports.CodeUnauthorized, "unknown API key"))
			return
		}
		if err != nil {
			s.log.ErrorContext(r.Context(), "looking up api key", "err", err)
			p := exports.Problemf(http.StatusServiceUnavailable, exports.CodeUnavailable, "job store unavailable, try again shortly")
			p.RetryAfter = 2 * time.Second
			s.problem(w, r, p)
			return
		}
		c := exports.Caller{Tenant: k.Tenant, User: k.Name, Admin: k.Admin}
		if u := r.Header.Get("X-Arx-User"); u != "" && len(u) <= 128 {
			c.User = u
		}
		h(w, r, c)
	}
}

// lookup finds a key, remembering answers for a minute so a request costs no
// store round trip for its key.
func (s *Server) lookup(ctx context.Context, hash string) (jobstore.Key, error) {
	if v, ok := s.keys.Load(hash); ok {
		if c := v.(cachedKey); time.Now().Before(c.expires) {
			return c.key, nil
		}
	}
	k, err := s.svc.Store.Key(ctx, hash)
	if err != nil {
		return k, err
	}
	s.keys.Store(hash, cachedKey{key: k, expires: time.Now().Add(time.Minute)})
	return k, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz reports each dependency: Redis, the job store, storage.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]func(context.Context) error{
		"job_store": s.svc.Store.Ping,
		"storage":   s.svc.Storage.Ping,
	}
	if s.cfg.Ready != nil {
		checks["redis"] = s.cfg.Ready
	}
	out := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	status := http.StatusOK
	for name, check := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := "ok"
			if err := check(ctx); err != nil {
				res = err.Error()
			}
			mu.Lock()
			out[name] = res
			if res != "ok" {
				status = http.StatusServiceUnavailable
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	overall := "ok"
	if status != http.StatusOK {
		overall = "unavailable"
	}
	writeJSON(w, status, map[string]any{"status": overall, "checks": out})
}

func writeJSON(w http.ResponseWriter, status int, v any) { exports.WriteJSON(w, status, v) }

func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := exports.AsProblem(err)
	if p.Status >= 500 && p.Code == exports.CodeInternal {
		s.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	p.Write(w, r.URL.Path)
}
