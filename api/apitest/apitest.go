// Package apitest holds HTTP answers of the export API to its OpenAPI document
// (api/openapi.yaml): tests hand it requests and responses, or plug its
// validating RoundTripper into their HTTP client, and every answer that does
// not match the document fails the test.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	legacyrouter "github.com/getkin/kin-openapi/routers/legacy"

	"github.com/arxos/arxport/api"
)

// Validator checks requests and responses against the API's OpenAPI document.
type Validator struct {
	doc     *openapi3.T
	router  routers.Router
	problem *openapi3.Schema
}

// New loads the embedded document (api.OpenAPI); it fails the test if the
// document does not load or validate.
func New(t testing.TB) *Validator {
	t.Helper()
	v, err := Load(api.OpenAPI)
	if err != nil {
		t.Fatalf("apitest: %v", err)
	}
	return v
}

// Load builds a validator from an OpenAPI document.
func Load(data []byte) (*Validator, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	// Routes are matched on their path alone, whatever host the test server has.
	doc.Servers = nil
	router, err := legacyrouter.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the OpenAPI document: %w", err)
	}
	v := &Validator{doc: doc, router: router}
	if s := doc.Components.Schemas["Problem"]; s != nil {
		v.problem = s.Value
	}
	return v, nil
}

// Doc answers the loaded document (its servers removed).
func (v *Validator) Doc() *openapi3.T { return v.doc }

// Check fails the test unless resp, the answer to req with the given body, is
// what the document describes: a documented status, its content type, a body
// matching the schema (except event streams and file downloads, whose headers
// alone are checked) and its required headers. A request answered with a 2xx
// or 3xx must also match the document (its path, query and header parameters;
// its body is not checked).
func (v *Validator) Check(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	if err := v.Validate(req, resp, body); err != nil {
		t.Errorf("apitest: %s %s → %d: %v", req.Method, req.URL.RequestURI(), resp.StatusCode, err)
	}
}

// Validate is Check answering the mismatch as an error.
func (v *Validator) Validate(req *http.Request, resp *http.Response, body []byte) error {
	ctx := req.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	route, params, err := v.findRoute(req)
	if err != nil {
		// A path the document does not describe: the server may only say so.
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			return v.checkProblem(resp, body)
		}
		return fmt.Errorf("the request matches no operation of the document (%v), yet was answered %d", err, resp.StatusCode)
	}
	if req.Method == http.MethodHead {
		return nil // the document describes GET; a HEAD answer has no body
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options: &openapi3filter.Options{
			ExcludeRequestBody: true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			MultiError:         true,
		},
	}
	in.Options.WithCustomSchemaErrorFunc(schemaError)
	var errs []error
	if resp.StatusCode < 400 {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("the request, which the server accepted, does not match the document: %w", err))
		}
	}
	if response(route, resp.StatusCode) == nil {
		// ValidateResponse lets 304 and some redirects pass unlooked at.
		return errors.Join(append(errs, fmt.Errorf("status %d is not documented", resp.StatusCode))...)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	opts.WithCustomSchemaErrorFunc(schemaError)
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                opts,
	}
	if headersOnly, err := v.headersOnly(route, resp); err != nil {
		errs = append(errs, err)
		opts.ExcludeResponseBody = true
	} else if headersOnly {
		opts.ExcludeResponseBody = true
	} else {
		out.SetBodyBytes(body)
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (v *Validator) findRoute(req *http.Request) (*routers.Route, map[string]string, error) {
	if req.Method == http.MethodHead {
		r := req.Clone(req.Context())
		r.Method = http.MethodGet
		req = r
	}
	return v.router.FindRoute(req)
}

// HeadersOnly reports whether the body of an answer is not to be read for
// checking: an event stream, or a binary file.
func (v *Validator) HeadersOnly(req *http.Request, resp *http.Response) bool {
	route, _, err := v.findRoute(req)
	if err != nil {
		return isEventStream(resp.Header.Get("Content-Type"))
	}
	h, _ := v.headersOnly(route, resp)
	return h || req.Method == http.MethodHead
}

// headersOnly reports whether the answer's documented media type is an event
// stream or binary; it answers an error when the content type is not one the
// document lists for the status (which ValidateResponse does not check once
// the body is excluded).
func (v *Validator) headersOnly(route *routers.Route, resp *http.Response) (bool, error) {
	ct := resp.Header.Get("Content-Type")
	if isEventStream(ct) {
		return true, mediaListed(route, resp.StatusCode, ct)
	}
	mt := media(route, resp.StatusCode, ct)
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return false, nil
	}
	s := mt.Schema.Value
	if s.Type.Is(openapi3.TypeString) && s.Format == "binary" {
		return true, nil
	}
	return false, nil
}

func isEventStream(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return mt == "text/event-stream"
}

func response(route *routers.Route, status int) *openapi3.Response {
	if route.Operation == nil || route.Operation.Responses == nil {
		return nil
	}
	ref := route.Operation.Responses.Status(status)
	if ref == nil {
		ref = route.Operation.Responses.Default()
	}
	if ref == nil {
		return nil
	}
	return ref.Value
}

func media(route *routers.Route, status int, ct string) *openapi3.MediaType {
	r := response(route, status)
	if r == nil || len(r.Content) == 0 {
		return nil
	}
	return r.Content.Get(ct)
}

func mediaListed(route *routers.Route, status int, ct string) error {
	r := response(route, status)
	if r == nil {
		return fmt.Errorf("status %d is not documented", status)
	}
	if len(r.Content) > 0 && r.Content.Get(ct) == nil {
		return fmt.Errorf("content type %q is not documented for status %d", ct, status)
	}
	return nil
}

// checkProblem checks an answer is a problem (application/problem+json,
// matching the Problem schema).
func (v *Validator) checkProblem(resp *http.Response, body []byte) error {
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/problem+json" {
		return fmt.Errorf("an answer to an undocumented path is %q, not application/problem+json", resp.Header.Get("Content-Type"))
	}
	if v.problem == nil {
		return errors.New("the document has no Problem schema")
	}
	var val any
	if err := decodeJSON(body, &val); err != nil {
		return fmt.Errorf("the problem is not JSON: %w", err)
	}
	if err := v.problem.VisitJSON(val, schemaOptions...); err != nil {
		return fmt.Errorf("the problem does not match the Problem schema: %w", err)
	}
	return nil
}

// Transport answers a RoundTripper that passes every request to next (nil
// means http.DefaultTransport) and checks every response with Check, reading
// and restoring its body. Event streams and binary file downloads are checked
// by their headers only and their bodies left unread.
func (v *Validator) Transport(t testing.TB, next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{v: v, t: t, next: next}
}

type transport struct {
	v    *Validator
	t    testing.TB
	next http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := tr.next.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	if tr.v.HeadersOnly(req, resp) {
		tr.v.Check(tr.t, req, resp, nil)
		return resp, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("apitest: reading the response to %s %s: %w", req.Method, req.URL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	tr.v.Check(tr.t, req, resp, body)
	return resp, nil
}

// decodeJSON decodes as openapi3filter does (numbers as float64).
func decodeJSON(body []byte, v any) error {
	return json.Unmarshal(body, v)
}

// Operations lists the document's operations as "METHOD /path", as
// (*api.Server).Routes does.
func (v *Validator) Operations() []string {
	var out []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// CheckSchema fails the test unless body, JSON, matches the document's
// component schema of the given name (e.g. "Event", for the data of each
// Server-Sent Event).
func (v *Validator) CheckSchema(t testing.TB, name string, body []byte) {
	t.Helper()
	if err := v.ValidateSchema(name, body); err != nil {
		t.Errorf("apitest: %s: %v: %s", name, err, body)
	}
}

// ValidateSchema is CheckSchema answering the mismatch as an error.
func (v *Validator) ValidateSchema(name string, body []byte) error {
	ref := v.doc.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("the document has no schema %q", name)
	}
	var val any
	if err := decodeJSON(body, &val); err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return ref.Value.VisitJSON(val, schemaOptions...)
}

var schemaOptions = []openapi3.SchemaValidationOption{
	openapi3.MultiErrors(), openapi3.VisitAsResponse(), openapi3.SetSchemaErrorMessageCustomizer(schemaError),
}

// schemaError says where a value breaks its schema, and how, without the
// schema itself (kin-openapi prints it whole).
func schemaError(err *openapi3.SchemaError) string {
	at := "/" + strings.Join(err.JSONPointer(), "/")
	val, _ := json.Marshal(err.Value)
	if len(val) > 200 {
		val = append(val[:200], "..."...)
	}
	return fmt.Sprintf("at %s: %s (value %s)", at, err.Reason, val)
}
