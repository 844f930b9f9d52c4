package exports

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// Stable error codes (API.md, Errors).
const (
	CodeInvalidRequest  = "INVALID_REQUEST"
	CodeInvalidModel    = "INVALID_MODEL"
	CodeUnsupported     = "UNSUPPORTED_FORMAT"
	CodeInvalidOptions  = "INVALID_OPTIONS"
	CodeInvalidCallback = "INVALID_CALLBACK_URL"
	CodeModelNotFound   = "MODEL_NOT_FOUND"
	CodeTooLarge        = "PAYLOAD_TOO_LARGE"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeUnauthorized    = "UNAUTHORIZED"
	CodeForbidden       = "FORBIDDEN"
	CodeRateLimited     = "RATE_LIMITED"
	CodeUnavailable     = "UNAVAILABLE"
	CodeInternal        = "INTERNAL"

	// Codes of a job's or format's error.
	CodeConversionFailed = "CONVERSION_FAILED"
	CodeStorageFailed    = "STORAGE_FAILED"
	CodeTimeout          = "TIMEOUT"
	CodeCancelled        = "CANCELLED"
)

// Problem is an RFC 9457 problem answer: every error of the service is one.
type Problem struct {
	Type     string           `json:"type"`
	Title    string           `json:"title"`
	Status   int              `json:"status"`
	Detail   string           `json:"detail,omitempty"`
	Code     string           `json:"code"`
	Errors   []jobstore.Issue `json:"errors,omitempty"`
	Instance string           `json:"instance,omitempty"`
	// RetryAfter, when set, becomes the Retry-After header.
	RetryAfter time.Duration `json:"-"`
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return p.Code + ": " + p.Detail
	}
	return p.Code + ": " + p.Title
}

// Problemf builds a problem.
func Problemf(status int, code, format string, args ...any) *Problem {
	return &Problem{
		Type:   "https://arxport.dev/problems/" + code,
		Title:  http.StatusText(status),
		Status: status,
		Code:   code,
		Detail: fmt.Sprintf(format, args...),
	}
}

// AsProblem answers err as a problem: a *Problem as it is, anything else as a
// 503 when a dependency is down (the caller says so with unavailable) or a 500.
func AsProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	if errors.Is(err, jobstore.ErrNotFound) {
		return Problemf(http.StatusNotFound, CodeNotFound, "no such job")
	}
	return Problemf(http.StatusInternalServerError, CodeInternal, "internal error")
}

// unavailable answers a failure of a dependency that the caller may retry; the
// cause is logged where it happened.
func unavailable(what string) *Problem {
	p := Problemf(http.StatusServiceUnavailable, CodeUnavailable, "%s unavailable, try again shortly", what)
	p.RetryAfter = 2 * time.Second
	return p
}

func invalid(code, detail string, issues ...jobstore.Issue) *Problem {
	p := Problemf(http.StatusUnprocessableEntity, code, "%s", detail)
	p.Errors = issues
	return p
}

// Write answers the problem over HTTP as application/problem+json, with
// Retry-After when set; instance defaults to the request path the caller gives.
func (p *Problem) Write(w http.ResponseWriter, instance string) {
	if p.Instance == "" {
		p.Instance = instance
	}
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((p.RetryAfter+time.Second-1)/time.Second)))
	}
	b, _ := json.Marshal(p)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	w.Write(append(b, '\n'))
}

// WriteJSON answers v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)+1))
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
