package analytics

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/arxos/arxport/api"
	"github.com/arxos/arxport/exports"
	_ "github.com/arxos/arxport/formats/all"
	"github.com/arxos/arxport/jobstore"
)

// serve calls a handler as the caller and answers the response.
func serve(t *testing.T, h func(http.ResponseWriter, *http.Request, exports.Caller), c exports.Caller, target string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(http.MethodGet, target, nil), c)
	return rec.Result()
}

func decode[T any](t *testing.T, res *http.Response, status int) T {
	t.Helper()
	var v T
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", res.StatusCode, status, body)
	}
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

var (
	admin = exports.Caller{Tenant: "admin", User: "ops", Admin: true}
	acme  = exports.Caller{Tenant: "acme", User: "alice"}
)

func TestServeReport(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := rolledEnv(t, dsn)
		q := "/v1/analytics/report?from=" + seedStart.Format(time.DateOnly) + "&to=" + seedNow.Format(time.RFC3339)

		// An admin sees every tenant unless naming one.
		all := decode[Report](t, serve(t, e.an.ServeReport, admin, q), http.StatusOK)
		if !all.AllTenants || all.Tenant != "" || all.Totals.TotalJobs == 0 || all.Period != Day {
			t.Errorf("admin: all %v tenant %q, %d jobs, period %s", all.AllTenants, all.Tenant, all.Totals.TotalJobs, all.Period)
		}
		for _, target := range []string{q + "&tenant=globex", q + "&tenant=*"} {
			r := decode[Report](t, serve(t, e.an.ServeReport, admin, target), http.StatusOK)
			if strings.HasSuffix(target, "*") != r.AllTenants {
				t.Errorf("%s: all tenants %v", target, r.AllTenants)
			}
		}
		// A tenant's key sees its own tenant, named or not, and no other.
		own := decode[Report](t, serve(t, e.an.ServeReport, acme, q), http.StatusOK)
		named := decode[Report](t, serve(t, e.an.ServeReport, acme, q+"&tenant=acme"), http.StatusOK)
		if own.Tenant != "acme" || own.AllTenants || string(mustJSON(t, own.Totals)) != string(mustJSON(t, named.Totals)) || own.Totals.TotalJobs >= all.Totals.TotalJobs {
			t.Errorf("acme: tenant %q all %v, %d jobs (named %d, all tenants %d)", own.Tenant, own.AllTenants, own.Totals.TotalJobs,
				named.Totals.TotalJobs, all.Totals.TotalJobs)
		}
		for _, u := range own.Users {
			if u.Tenant != "acme" {
				t.Errorf("acme's report shows user %s/%s", u.Tenant, u.User)
			}
		}
		for target, want := range map[string]int{
			q + "&tenant=globex":                                             http.StatusForbidden,
			q + "&tenant=":                                                   http.StatusForbidden,
			q + "&period=fortnight":                                          http.StatusBadRequest,
			"/v1/analytics/report?from=yesterday":                            http.StatusBadRequest,
			"/v1/analytics/report?from=2025-03-05&to=2025-03-04":             http.StatusBadRequest,
			"/v1/analytics/report?period=hour&from=2020-01-01&to=2025-01-01": http.StatusBadRequest,
			q + "&format=pdf":                                                http.StatusBadRequest,
		} {
			res := serve(t, e.an.ServeReport, acme, target)
			p := decode[exports.Problem](t, res, want)
			if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" || p.Code == "" || p.Detail == "" || p.Instance != "/v1/analytics/report" {
				t.Errorf("%s: %s %+v", target, ct, p)
			}
		}

		// Defaults: the last 7 days by day, up to the end of today.
		def := decode[Report](t, serve(t, e.an.ServeReport, admin, "/v1/analytics/report"), http.StatusOK)
		if want := floorDay(seedNow).AddDate(0, 0, 1); !def.To.Equal(want) || !def.From.Equal(want.AddDate(0, 0, -7)) || len(def.Series) != 7 {
			t.Errorf("default range [%s, %s) in %d buckets", def.From, def.To, len(def.Series))
		}
		// A date as `to` includes that day.
		r := decode[Report](t, serve(t, e.an.ServeReport, admin, "/v1/analytics/report?period=week&from=2025-03-03&to=2025-03-09"), http.StatusOK)
		if len(r.Series) != 1 || !r.To.Equal(seedStart.AddDate(0, 0, 7)) {
			t.Errorf("week of 3 March: %d buckets to %s", len(r.Series), r.To)
		}

		// The page.
		res := serve(t, e.an.ServeReport, admin, q+"&format=html")
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Fatalf("html: %d %v", res.StatusCode, res.Header)
		}
		for _, want := range []string{`<svg id="chart-jobs"`, `<svg id="chart-durations"`, `<svg id="chart-errors"`, `<svg id="chart-throughput"`,
			`id="total-jobs">` + fmtInt(all.Totals.TotalJobs) + `<`} {
			if !strings.Contains(string(body), want) {
				t.Errorf("the page lacks %s", want)
			}
		}
		for _, banned := range []string{"<script", "<link", "@import", "url(", "http://", "https://"} {
			if strings.Contains(string(body), banned) {
				t.Errorf("the page is not self-contained: it holds %q", banned)
			}
		}
	})
}

func TestServeEstimate(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := rolledEnv(t, dsn)
		res := serve(t, e.an.ServeEstimate, acme, "/v1/analytics/estimate?format=glb&elements=50000")
		got := decode[Estimate](t, res, http.StatusOK)

		// The fit of every completed glb conversion, computed here.
		var points [][3]float64
		for _, sf := range e.finishedFormats() {
			if sf.f.Format == "glb" && sf.f.Status == jobstore.Completed {
				d, _ := sf.duration()
				points = append(points, [3]float64{float64(sf.f.Metrics["elements"]), float64(d), float64(sf.bytes())})
			}
		}
		d, b := leastSquares(points, 1), leastSquares(points, 2)
		if got.Format != "glb" || got.Elements != 50000 || got.BasedOnJobs != int64(len(points)) || got.Method != LeastSquares ||
			!near(got.DurationSeconds, d.At(50000)/1000, 1e-6) || !near(float64(got.OutputBytes), b.At(50000), 1e-6) {
			t.Errorf("estimate %+v, want %.3f s, %.0f bytes from %d", got, d.At(50000)/1000, b.At(50000), len(points))
		}
		// The history was made with 400 ms + 0.05 ms per element, 2 kB + 900 B per element.
		if !near(got.DurationSeconds, (400+0.05*50000)/1000, 0.05) || !near(float64(got.OutputBytes), 2000+900*50000, 0.05) {
			t.Errorf("estimate %+v is far from the cost the history was made with", got)
		}
		var raw map[string]any
		json.Unmarshal(mustJSON(t, got), &raw)
		for _, k := range []string{"format", "elements", "duration_seconds", "output_bytes", "based_on_jobs"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("the answer lacks %s: %v", k, raw)
			}
		}

		for target, want := range map[string]struct {
			status int
			code   string
		}{
			"/v1/analytics/estimate?format=dxf&elements=10":   {http.StatusUnprocessableEntity, CodeInsufficientData},
			"/v1/analytics/estimate?format=nope&elements=10":  {http.StatusUnprocessableEntity, exports.CodeUnsupported},
			"/v1/analytics/estimate?elements=10":              {http.StatusBadRequest, exports.CodeInvalidRequest},
			"/v1/analytics/estimate?format=glb":               {http.StatusBadRequest, exports.CodeInvalidRequest},
			"/v1/analytics/estimate?format=glb&elements=-1":   {http.StatusBadRequest, exports.CodeInvalidRequest},
			"/v1/analytics/estimate?format=glb&elements=1e99": {http.StatusBadRequest, exports.CodeInvalidRequest},
		} {
			p := decode[exports.Problem](t, serve(t, e.an.ServeEstimate, acme, target), want.status)
			if p.Code != want.code {
				t.Errorf("%s: code %s, want %s", target, p.Code, want.code)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEstimatorCache: the estimator reads the roll-ups at most once a minute.
func TestEstimatorCache(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := seededEnv(t, dsn)
		ctx := context.Background()
		est := e.an.Estimator()
		if _, ok := est.Estimate(ctx, "glb", 1000); ok {
			t.Fatal("an estimate before any roll-up")
		}
		if err := e.an.Rollup(ctx, rollupFrom, rollupTo); err != nil {
			t.Fatal(err)
		}
		if _, ok := est.Estimate(ctx, "glb", 1000); ok {
			t.Fatal("the estimator read the roll-ups again within the minute")
		}
		e.clock.t = e.clock.t.Add(61 * time.Second)
		first, ok := est.Estimate(ctx, "glb", 1000)
		if !ok || first.BasedOnJobs == 0 || first.DurationSeconds <= 0 || first.OutputBytes <= 0 {
			t.Fatalf("estimate %+v, %v", first, ok)
		}
		// More history: seen after the minute only.
		seed(t, e.jobs, 2)
		if err := e.an.Rollup(ctx, rollupFrom, rollupTo); err != nil {
			t.Fatal(err)
		}
		if again, _ := est.Estimate(ctx, "glb", 1000); again != first {
			t.Errorf("estimate changed within the minute: %+v, then %+v", first, again)
		}
		e.clock.t = e.clock.t.Add(61 * time.Second)
		if later, _ := est.Estimate(ctx, "glb", 1000); later.BasedOnJobs <= first.BasedOnJobs {
			t.Errorf("after the minute: based on %d jobs, before %d", later.BasedOnJobs, first.BasedOnJobs)
		}
		// History older than the window does not count.
		e.clock.t = seedNow.AddDate(1, 0, 0)
		if _, ok := est.Estimate(ctx, "glb", 1000); ok {
			t.Error("an estimate from history older than the window")
		}
	})
}

// TestWiring plugs the analytics into the API and the service the way app
// does, and checks the routes answer behind the API's keys and every job
// view carries its estimate.
func TestWiring(t *testing.T) {
	e := rolledEnv(t, "sqlite:"+t.TempDir()+"/jobs.db")
	ctx := context.Background()
	svc := &exports.Service{Store: e.jobs, Log: slog.New(slog.DiscardHandler)}
	srv, err := api.New(ctx, svc, api.Config{Keys: map[string]string{"key-acme-0123456789": "acme"}, AdminKeys: []string{"key-admin-0123456789"}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Handle("GET /v1/analytics/report", srv.Authed(e.an.ServeReport))
	srv.Handle("GET /v1/analytics/estimate", srv.Authed(e.an.ServeEstimate))
	svc.Estimator = e.an.Estimator()
	hs := httptest.NewServer(srv)
	defer hs.Close()

	get := func(key, path string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	from := url.QueryEscape(seedStart.Format(time.RFC3339))
	if res := get("", "/v1/analytics/report"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("no key: %d", res.StatusCode)
	}
	r := decode[Report](t, get("key-acme-0123456789", "/v1/analytics/report?from="+from), http.StatusOK)
	if r.Tenant != "acme" {
		t.Errorf("acme's key: report of %q", r.Tenant)
	}
	decode[exports.Problem](t, get("key-acme-0123456789", "/v1/analytics/report?tenant=globex"), http.StatusForbidden)
	if r := decode[Report](t, get("key-admin-0123456789", "/v1/analytics/report?from="+from), http.StatusOK); !r.AllTenants {
		t.Error("admin key: not every tenant")
	}
	decode[Estimate](t, get("key-acme-0123456789", "/v1/analytics/estimate?format=ifc&elements=1000"), http.StatusOK)

	// The estimate on a job view: the longest format, the sizes summed.
	e.clock.t = e.clock.t.Add(time.Minute)
	j := &jobstore.Job{ID: "exp_view", Tenant: "acme", Status: jobstore.Completed, Elements: 20000, CreatedAt: seedNow,
		Formats: []*jobstore.Format{{Format: "glb", Status: jobstore.Completed}, {Format: "csv", Status: jobstore.Completed}}}
	v := svc.View(ctx, j)
	glb, _ := e.an.Estimator().Estimate(ctx, "glb", 20000)
	csv, _ := e.an.Estimator().Estimate(ctx, "csv", 20000)
	if v.Estimate == nil || v.Estimate.DurationSeconds != max(glb.DurationSeconds, csv.DurationSeconds) ||
		v.Estimate.OutputBytes != glb.OutputBytes+csv.OutputBytes {
		t.Errorf("job view estimate %+v; glb %+v, csv %+v", v.Estimate, glb, csv)
	}
}
