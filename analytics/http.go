package analytics

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/formats"
)

// CodeInsufficientData answers an estimate that history cannot support.
const CodeInsufficientData = "INSUFFICIENT_DATA"

// ServeReport serves GET /v1/analytics/report?period=&from=&to=&tenant=&format=:
//
//   - period: hour, day (default), week or month;
//   - from, to: RFC 3339 times or dates (YYYY-MM-DD; a date as `to` includes
//     that day); default the 7 days up to the end of the current period; the
//     range widens to whole buckets of the period;
//   - tenant: default the caller's; only an admin may name another, and an
//     admin who names none (or "*") sees every tenant;
//   - format: json (default) or html, the report as a page with charts.
//
// Register it behind the API's authentication: api.Server.Authed(s.ServeReport).
func (s *Store) ServeReport(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	q, err := s.reportQuery(r, c)
	if err != nil {
		problem(w, r, err)
		return
	}
	asHTML := false
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
	case "html":
		asHTML = true
	default:
		problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "format %q: want json or html", f))
		return
	}
	rep, err := s.Report(r.Context(), q)
	if err != nil {
		s.cfg.Log.Error("analytics: report", "err", err)
		problem(w, r, unavailable())
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	if asHTML {
		b, err := RenderHTML(rep)
		if err != nil {
			s.cfg.Log.Error("analytics: rendering the report", "err", err)
			problem(w, r, exports.Problemf(http.StatusInternalServerError, exports.CodeInternal, "internal error"))
			return
		}
		// Self-contained: inline styles and SVG, nothing fetched.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusOK)
		w.Write(b)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// reportQuery reads a report's query parameters for the caller.
func (s *Store) reportQuery(r *http.Request, c exports.Caller) (Query, error) {
	v := r.URL.Query()
	q := Query{Period: v.Get("period")}
	if q.Period == "" {
		q.Period = Day
	}
	if !ValidPeriod(q.Period) {
		return q, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "period %q: want hour, day, week or month", q.Period)
	}
	var err error
	if q.To, err = parseTime(v.Get("to"), true); err != nil {
		return q, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "to %q: want an RFC 3339 time or a date (YYYY-MM-DD)", v.Get("to"))
	}
	if q.To.IsZero() {
		q.To = periodEnd(s.now(), q.Period)
	}
	if q.From, err = parseTime(v.Get("from"), false); err != nil {
		return q, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "from %q: want an RFC 3339 time or a date (YYYY-MM-DD)", v.Get("from"))
	}
	if q.From.IsZero() {
		q.From = q.To.Add(-7 * 24 * time.Hour)
	}
	if !q.To.After(q.From) {
		return q, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "from (%s) must be before to (%s)",
			q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	n := 0
	for t := periodStart(q.From, q.Period); t.Before(q.To); t = nextPeriod(t, q.Period) {
		if n++; n > MaxBuckets {
			return q, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest,
				"the range holds more than %d %ss: choose a longer period or a shorter range", MaxBuckets, q.Period)
		}
	}
	tenant, named := v.Get("tenant"), v.Has("tenant")
	switch {
	case c.Admin && (!named || tenant == "" || tenant == "*"):
		q.Tenant = "" // every tenant
	case c.Admin:
		q.Tenant = tenant
	case !named || tenant == c.Tenant:
		q.Tenant = c.Tenant
	default:
		return q, exports.Problemf(http.StatusForbidden, exports.CodeForbidden, "this key sees the analytics of tenant %q only", c.Tenant)
	}
	return q, nil
}

// parseTime reads an RFC 3339 time or a date (its start, or with end its
// end); "" is the zero time.
func parseTime(s string, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, err
	}
	if end {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// ServeEstimate serves GET /v1/analytics/estimate?format=&elements=: the
// expected duration and output size of converting that many elements into
// the format, fitted from history (the Estimator's cached fits), with the
// number of conversions it rests on. Without history it answers 422
// INSUFFICIENT_DATA.
func (s *Store) ServeEstimate(w http.ResponseWriter, r *http.Request, c exports.Caller) {
	v := r.URL.Query()
	format := strings.ToLower(strings.TrimSpace(v.Get("format")))
	if format == "" {
		problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest, "the query parameter format is required"))
		return
	}
	if _, ok := formats.Lookup(format); !ok {
		problem(w, r, exports.Problemf(http.StatusUnprocessableEntity, exports.CodeUnsupported, "unknown format %q", format))
		return
	}
	elements, err := strconv.ParseInt(v.Get("elements"), 10, 64)
	if err != nil || elements < 0 {
		problem(w, r, exports.Problemf(http.StatusBadRequest, exports.CodeInvalidRequest,
			"the query parameter elements must be a whole number of elements, 0 or more (got %q)", v.Get("elements")))
		return
	}
	f, err := s.est.Fit(r.Context(), format)
	switch {
	case errors.Is(err, ErrInsufficientData):
		problem(w, r, exports.Problemf(http.StatusUnprocessableEntity, CodeInsufficientData,
			"no completed %s export with a known number of elements yet: nothing to estimate from", format))
		return
	case err != nil:
		problem(w, r, unavailable())
		return
	}
	w.Header().Set("Cache-Control", "private, max-age=60")
	writeJSON(w, http.StatusOK, estimate(format, f, elements))
}

func unavailable() *exports.Problem {
	p := exports.Problemf(http.StatusServiceUnavailable, exports.CodeUnavailable, "analytics unavailable, try again shortly")
	p.RetryAfter = 2 * time.Second
	return p
}

// problem writes err as an RFC 9457 problem, as the API does.
func problem(w http.ResponseWriter, r *http.Request, err error) {
	exports.AsProblem(err).Write(w, r.URL.Path)
}

func writeJSON(w http.ResponseWriter, status int, v any) { exports.WriteJSON(w, status, v) }
