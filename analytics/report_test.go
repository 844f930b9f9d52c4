package analytics

import (
	"cmp"
	"context"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// rolledEnv is a seeded environment rolled up.
func rolledEnv(t *testing.T, dsn string) *env {
	t.Helper()
	e := seededEnv(t, dsn)
	if err := e.an.Rollup(context.Background(), rollupFrom, rollupTo); err != nil {
		t.Fatal(err)
	}
	return e
}

// TestReport holds the report to figures computed here from the jobs as written.
func TestReport(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := rolledEnv(t, dsn)
		ctx := context.Background()
		r, err := e.an.Report(ctx, Query{Period: Day, From: seedStart.Add(5 * time.Hour), To: seedNow})
		if err != nil {
			t.Fatal(err)
		}
		if !r.From.Equal(seedStart) || !r.To.Equal(seedStart.AddDate(0, 0, seedDays+1)) || len(r.Series) != seedDays+1 {
			t.Fatalf("range [%s, %s) in %d buckets, want the whole days [%s, %s)", r.From, r.To, len(r.Series), seedStart, seedStart.AddDate(0, 0, seedDays+1))
		}
		checkReport(t, e, r, "")

		// Weeks, months and hours cover the same jobs.
		for _, p := range []string{Week, Month, Hour} {
			other, err := e.an.Report(ctx, Query{Period: p, From: seedStart, To: seedNow})
			if err != nil {
				t.Fatal(err)
			}
			ot, rt := other.Totals, r.Totals
			ot.SuccessRate, rt.SuccessRate = nil, nil
			if ot != rt || *other.Totals.SuccessRate != *r.Totals.SuccessRate || other.Durations != r.Durations || other.System.PeakConcurrency != r.System.PeakConcurrency ||
				other.System.QueueWait.Durations != r.System.QueueWait.Durations {
				t.Errorf("%s report: totals %+v, durations %+v, peak %d, wait %+v;\nday report: %+v, %+v, %d, %+v", p,
					other.Totals, other.Durations, other.System.PeakConcurrency, other.System.QueueWait.Durations,
					r.Totals, r.Durations, r.System.PeakConcurrency, r.System.QueueWait.Durations)
			}
			var sum int64
			for _, s := range other.Series {
				sum += s.Total
			}
			if sum != r.Totals.TotalJobs {
				t.Errorf("%s series sum to %d jobs, want %d", p, sum, r.Totals.TotalJobs)
			}
			want := map[string]int{Week: 2, Month: 1, Hour: seedDays*24 + 2}[p]
			if len(other.Series) != want {
				t.Errorf("%s report: %d buckets, want %d", p, len(other.Series), want)
			}
		}
		if r, _ := e.an.Report(ctx, Query{Period: Week, From: seedStart, To: seedNow}); !r.Series[0].Start.Equal(seedStart) ||
			!r.Series[1].Start.Equal(seedStart.AddDate(0, 0, 7)) {
			t.Errorf("weeks start %s, %s; want Mondays", r.Series[0].Start, r.Series[1].Start)
		}

		// One tenant's report counts its jobs only; the tenants add up.
		var total int64
		for _, tenant := range seedTenantNames {
			tr, err := e.an.Report(ctx, Query{Period: Day, From: seedStart, To: seedNow, Tenant: tenant})
			if err != nil {
				t.Fatal(err)
			}
			checkReport(t, e, tr, tenant)
			total += tr.Totals.TotalJobs
		}
		if total != r.Totals.TotalJobs {
			t.Errorf("tenants' jobs sum to %d, all tenants %d", total, r.Totals.TotalJobs)
		}

		// A range with nothing in it.
		empty, err := e.an.Report(ctx, Query{Period: Day, From: seedStart.AddDate(-1, 0, 0), To: seedStart.AddDate(-1, 0, 3)})
		if err != nil {
			t.Fatal(err)
		}
		if empty.Totals.TotalJobs != 0 || empty.Totals.SuccessRate != nil || len(empty.Series) != 3 || len(empty.Formats) != 0 {
			t.Errorf("empty report: %+v", empty.Totals)
		}
		if _, err := e.an.Report(ctx, Query{Period: Hour, From: seedStart.AddDate(-1, 0, 0), To: seedStart}); err == nil {
			t.Error("a year of hours: no error")
		}
		if _, err := e.an.Report(ctx, Query{Period: "fortnight", From: seedStart, To: seedNow}); err == nil {
			t.Error("period fortnight: no error")
		}
	})
}

// checkReport checks a report over the whole history for a tenant ("" all).
func checkReport(t *testing.T, e *env, r *Report, tenant string) {
	t.Helper()
	in := func(j *jobstore.Job) bool { return tenant == "" || j.Tenant == tenant }

	// Totals and series.
	var want Totals
	series := map[time.Time]SeriesPoint{}
	type userKey struct{ tenant, user string }
	userJobs := map[userKey]int64{}
	lastActivity := map[userKey]time.Time{}
	for _, j := range e.seeded {
		if !in(j) || !j.Status.Terminal() {
			continue
		}
		want.TotalJobs++
		day := floorDay(j.FinishedAt)
		p := series[day]
		p.Total++
		switch j.Status {
		case jobstore.Completed:
			want.CompletedJobs++
			p.Completed++
		case jobstore.Failed:
			want.FailedJobs++
			p.Failed++
		case jobstore.Partial:
			want.PartialJobs++
			p.Partial++
		case jobstore.Cancelled:
			want.CancelledJobs++
			p.Cancelled++
		}
		series[day] = p
		uk := userKey{j.Tenant, j.User}
		userJobs[uk]++
		if j.FinishedAt.After(lastActivity[uk]) {
			lastActivity[uk] = j.FinishedAt.UTC()
		}
	}
	type fig struct {
		jobs, completed, failed, bytes, elements int64
		durations                                []int64
		durSum                                   int64
		fit                                      [][3]float64
	}
	formats := map[string]*fig{}
	var durations, waits []int64
	var durSum int64
	waitsBy := map[string][]int64{}
	errs := map[string]*ErrorFigures{}
	var failures int64
	userFormats := map[userKey]map[string]int64{}
	for _, sf := range e.finishedFormats() {
		if !in(sf.j) {
			continue
		}
		want.Conversions++
		f := formats[sf.f.Format]
		if f == nil {
			f = &fig{}
			formats[sf.f.Format] = f
		}
		f.jobs++
		uk := userKey{sf.j.Tenant, sf.j.User}
		if userFormats[uk] == nil {
			userFormats[uk] = map[string]int64{}
		}
		userFormats[uk][sf.f.Format]++
		if sf.f.FinishedAt.After(lastActivity[uk]) {
			lastActivity[uk] = sf.f.FinishedAt.UTC()
		}
		if !sf.f.StartedAt.IsZero() {
			w := max(sf.f.StartedAt.Sub(sf.j.CreatedAt).Microseconds(), 0) / 1000
			waits = append(waits, w)
			waitsBy[sf.j.Priority] = append(waitsBy[sf.j.Priority], w)
		}
		switch sf.f.Status {
		case jobstore.Completed:
			d, _ := sf.duration()
			f.completed++
			f.bytes += sf.bytes()
			f.elements += sf.f.Metrics["elements"]
			f.durations = append(f.durations, d)
			f.durSum += d
			f.fit = append(f.fit, [3]float64{float64(sf.f.Metrics["elements"]), float64(d), float64(sf.bytes())})
			durations = append(durations, d)
			durSum += d
			want.Elements += sf.f.Metrics["elements"]
			want.Bytes += sf.bytes()
		case jobstore.Failed:
			f.failed++
			failures++
			ef := errs[sf.f.Error.Code]
			if ef == nil {
				ef = &ErrorFigures{Code: sf.f.Error.Code}
				errs[sf.f.Error.Code] = ef
			}
			ef.Count++
			if !slices.Contains(ef.Formats, sf.f.Format) {
				ef.Formats = append(ef.Formats, sf.f.Format)
			}
			if sf.f.FinishedAt.After(ef.LastSeen) {
				ef.LastSeen = sf.f.FinishedAt.UTC()
			}
		}
	}
	sr := float64(want.CompletedJobs) / float64(want.TotalJobs-want.CancelledJobs)
	want.SuccessRate = &sr
	got := r.Totals
	got.SuccessRate, want.SuccessRate = nil, nil
	if got != want {
		t.Errorf("tenant %q: totals %+v, want %+v", tenant, got, want)
	}
	if r.Totals.SuccessRate == nil || !near(*r.Totals.SuccessRate, sr, 1e-12) {
		t.Errorf("tenant %q: success rate %v, want %v", tenant, r.Totals.SuccessRate, sr)
	}
	for _, p := range r.Series {
		w := series[p.Start]
		w.Start, w.End = p.Start, p.End
		if p != w {
			t.Errorf("tenant %q: series %+v, want %+v", tenant, p, w)
		}
	}

	// Durations: count and mean exact, percentiles within a bucket.
	checkDurations(t, "durations", r.Durations, durations, durSum)

	// Formats.
	if len(r.Formats) != len(formats) {
		t.Errorf("tenant %q: %d formats, want %d", tenant, len(r.Formats), len(formats))
	}
	for _, f := range r.Formats {
		w := formats[f.Format]
		if w == nil {
			t.Errorf("unexpected format %s", f.Format)
			continue
		}
		if f.Jobs != w.jobs || f.Completed != w.completed || f.Failed != w.failed {
			t.Errorf("%s: jobs %d completed %d failed %d, want %d %d %d", f.Format, f.Jobs, f.Completed, f.Failed, w.jobs, w.completed, w.failed)
		}
		if sr := float64(w.completed) / float64(w.completed+w.failed); f.SuccessRate == nil || !near(*f.SuccessRate, sr, 1e-12) {
			t.Errorf("%s: success rate %v, want %v", f.Format, f.SuccessRate, sr)
		}
		if ms := float64(w.bytes) / float64(w.completed); !near(f.MeanSize, ms, 1e-12) {
			t.Errorf("%s: mean size %v, want %v", f.Format, f.MeanSize, ms)
		}
		if eps := float64(w.elements) / (float64(w.durSum) / 1000); !near(f.ElementsPerSecond, eps, 1e-9) {
			t.Errorf("%s: elements/s %v, want %v", f.Format, f.ElementsPerSecond, eps)
		}
		checkDurations(t, f.Format+" durations", f.Duration, w.durations, w.durSum)
		if len(w.fit) < 2 {
			continue
		}
		d, b := leastSquares(w.fit, 1), leastSquares(w.fit, 2)
		if f.Estimate == nil || f.Estimate.Method != LeastSquares || f.Estimate.BasedOnJobs != int64(len(w.fit)) ||
			!near(f.Estimate.DurationSeconds, max(d.At(1000), 0)/1000, 1e-6) || math.Abs(float64(f.Estimate.OutputBytes)-max(b.At(1000), 0)) > 1 {
			t.Errorf("%s: estimate %+v, want %.4f s, %.0f bytes from %d (fits %+v %+v)", f.Format, f.Estimate, d.At(1000)/1000, b.At(1000), len(w.fit), d, b)
		}
	}

	// Errors.
	if len(r.Errors) != len(errs) {
		t.Errorf("tenant %q: %d error codes, want %d", tenant, len(r.Errors), len(errs))
	}
	var share float64
	for i, ef := range r.Errors {
		w := errs[ef.Code]
		if w == nil {
			t.Errorf("unexpected error code %s", ef.Code)
			continue
		}
		slices.Sort(w.Formats)
		if ef.Count != w.Count || !ef.LastSeen.Equal(w.LastSeen) || !slices.Equal(ef.Formats, w.Formats) || !near(ef.Share, float64(w.Count)/float64(failures), 1e-12) {
			t.Errorf("error %s: %+v, want %+v (share of %d)", ef.Code, ef, *w, failures)
		}
		if i > 0 && r.Errors[i-1].Count < ef.Count {
			t.Errorf("errors not most frequent first: %+v", r.Errors)
		}
		share += ef.Share
	}
	if len(r.Errors) > 0 && !near(share, 1, 1e-9) {
		t.Errorf("error shares sum to %v", share)
	}

	// Users.
	if len(r.Users) != len(userFormats) {
		t.Errorf("tenant %q: %d users, want %d", tenant, len(r.Users), len(userFormats))
	}
	for _, u := range r.Users {
		uk := userKey{u.Tenant, u.User}
		if u.Jobs != userJobs[uk] || !u.LastActivity.Equal(lastActivity[uk]) {
			t.Errorf("user %s/%s: %d jobs, last %s; want %d, %s", u.Tenant, u.User, u.Jobs, u.LastActivity, userJobs[uk], lastActivity[uk])
		}
		counts := userFormats[uk]
		names := slices.SortedFunc(maps.Keys(counts), func(a, b string) int { return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b)) })
		names = names[:min(3, len(names))]
		var gotNames []string
		for _, p := range u.PreferredFormats {
			gotNames = append(gotNames, p.Format)
			if p.Count != counts[p.Format] {
				t.Errorf("user %s/%s: %s asked %d times, want %d", u.Tenant, u.User, p.Format, p.Count, counts[p.Format])
			}
		}
		if !slices.Equal(gotNames, names) {
			t.Errorf("user %s/%s: preferred formats %v, want %v", u.Tenant, u.User, gotNames, names)
		}
	}

	// System.
	checkWaits(t, "queue wait", r.System.QueueWait.Durations, waits)
	var priorities []string
	for _, p := range r.System.QueueWait.ByPriority {
		priorities = append(priorities, p.Priority)
		checkWaits(t, "queue wait "+p.Priority, p.Durations, waitsBy[p.Priority])
	}
	if !slices.Equal(priorities, []string{"critical", "high", "normal", "low"}) {
		t.Errorf("queue wait priorities %v", priorities)
	}
	if by := r.System.QueueWait.ByPriority; len(by) == 4 && !(by[0].P95MS < by[3].P50MS) {
		t.Errorf("critical p95 %.0f ms not below low p50 %.0f ms", by[0].P95MS, by[3].P50MS)
	}
	var peak int64
	for _, p := range bruteForcePeaks(e, tenant) {
		peak = max(peak, p)
	}
	if r.System.PeakConcurrency != peak {
		t.Errorf("tenant %q: peak concurrency %d, want %d", tenant, r.System.PeakConcurrency, peak)
	}
	var conv, elements int64
	for _, p := range r.System.Throughput {
		conv += p.Conversions
		elements += p.Elements
		if !near(p.ElementsPerSecond, float64(p.Elements)/86400, 1e-12) {
			t.Errorf("throughput %+v: elements/s", p)
		}
	}
	var completed int64
	for _, f := range formats {
		completed += f.completed
	}
	if conv != completed || elements != want.Elements {
		t.Errorf("throughput sums to %d conversions, %d elements; want %d, %d", conv, elements, completed, want.Elements)
	}
}

func checkDurations(t *testing.T, what string, d Durations, values []int64, sum int64) {
	t.Helper()
	if d.Count != int64(len(values)) || !near(d.MeanMS, float64(sum)/float64(len(values)), 1e-12) ||
		d.MinMS != float64(slices.Min(values)) || d.MaxMS != float64(slices.Max(values)) {
		t.Errorf("%s: %+v, want count %d, mean %.3f, min %d, max %d", what, d, len(values), float64(sum)/float64(len(values)), slices.Min(values), slices.Max(values))
	}
	checkPercentiles(t, what, d, values)
}

func checkWaits(t *testing.T, what string, d Durations, values []int64) {
	t.Helper()
	var sum int64
	for _, v := range values {
		sum += v
	}
	if d.Count != int64(len(values)) || !near(d.MeanMS, float64(sum)/float64(len(values)), 1e-12) || d.MaxMS != float64(slices.Max(values)) {
		t.Errorf("%s: %+v, want count %d, mean %.3f, max %d", what, d, len(values), float64(sum)/float64(len(values)), slices.Max(values))
	}
	checkPercentiles(t, what, d, values)
}

// checkPercentiles: a histogram's percentile lies within one bucket width
// (19 %) of the exact one, and small sets may sit a rank away.
func checkPercentiles(t *testing.T, what string, d Durations, values []int64) {
	t.Helper()
	for _, c := range []struct {
		q   float64
		got float64
	}{{0.5, d.P50MS}, {0.95, d.P95MS}} {
		lo, hi := exactQuantile(values, c.q-1.0/float64(len(values))), exactQuantile(values, c.q+1.0/float64(len(values)))
		if c.got < lo/1.19-1 || c.got > hi*1.19+1 {
			t.Errorf("%s: p%.0f = %.1f, exact %.1f (between ranks: %.1f … %.1f)", what, c.q*100, c.got, exactQuantile(values, c.q), lo, hi)
		}
	}
}

// leastSquares fits column col of points on column 0 with an intercept, by
// the centred formulas (not the package's sums).
func leastSquares(points [][3]float64, col int) Line {
	var mx, my float64
	for _, p := range points {
		mx += p[0]
		my += p[col]
	}
	mx /= float64(len(points))
	my /= float64(len(points))
	var sxy, sxx float64
	for _, p := range points {
		sxy += (p[0] - mx) * (p[col] - my)
		sxx += (p[0] - mx) * (p[0] - mx)
	}
	slope := sxy / sxx
	return Line{Intercept: my - slope*mx, Slope: slope, Method: LeastSquares}
}

// TestFitLine covers the fallbacks.
func TestFitLine(t *testing.T) {
	var s Sums
	if _, ok := s.Fit(); ok {
		t.Error("no data: a fit")
	}
	s.Add(1000, 500, 10_000) // one point: through the origin
	f, ok := s.Fit()
	if !ok || f.Method() != Proportional || f.Duration.Slope != 0.5 || f.BasedOnJobs != 1 {
		t.Errorf("one point: %+v", f)
	}
	if secs, bytes := f.At(4000); secs != 2 || bytes != 40_000 {
		t.Errorf("one point at 4000: %v s, %v bytes", secs, bytes)
	}
	s.Add(1000, 700, 12_000) // same x: still proportional, on the means
	if f, _ := s.Fit(); f.Method() != Proportional || f.Duration.Slope != 0.6 {
		t.Errorf("same x: %+v", f)
	}
	s.Add(3000, 1600, 30_000) // a line now
	f, _ = s.Fit()
	if f.Method() != LeastSquares {
		t.Fatalf("three points: %+v", f)
	}
	want := leastSquares([][3]float64{{1000, 500, 10_000}, {1000, 700, 12_000}, {3000, 1600, 30_000}}, 1)
	if !near(f.Duration.Slope, want.Slope, 1e-9) || !near(f.Duration.Intercept, want.Intercept, 1e-9) {
		t.Errorf("fit %+v, want %+v", f.Duration, want)
	}
	// A falling line (more elements, less time) is no estimate: proportional.
	var down Sums
	down.Add(1000, 900, 1)
	down.Add(2000, 100, 2)
	if f, _ := down.Fit(); f.Duration.Method != Proportional || f.Duration.Slope <= 0 {
		t.Errorf("falling: %+v", f.Duration)
	}
	// Never negative.
	if v := (Line{Intercept: -100, Slope: 0.01}).At(10); v != 0 {
		t.Errorf("negative estimate %v", v)
	}
}
