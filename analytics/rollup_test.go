package analytics

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// rollupRange covers the whole test history.
var rollupFrom, rollupTo = seedStart.Add(-time.Hour), seedNow.Add(time.Hour)

// tables are the roll-up tables with their keys, for dumps.
var tables = map[string]string{
	"analytics_formats":     "grain, bucket, tenant, user_name, format, status, priority",
	"analytics_jobs":        "grain, bucket, tenant, user_name, status",
	"analytics_errors":      "grain, bucket, tenant, format, error_code",
	"analytics_concurrency": "bucket, tenant",
}

// dump answers every row of every roll-up table, as text, in key order.
func (e *env) dump(t *testing.T) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for table, key := range tables {
		rows, err := e.an.db.Query("SELECT * FROM " + table + " ORDER BY " + key)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%s=%v ", cols[i], v)
			}
			out[table] = append(out[table], b.String())
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// clear empties the roll-up tables.
func (e *env) clear(t *testing.T) {
	t.Helper()
	for table := range tables {
		if _, err := e.an.db.Exec("DELETE FROM " + table); err != nil {
			t.Fatal(err)
		}
	}
}

func sameDumps(t *testing.T, what string, want, got map[string][]string) {
	t.Helper()
	for table := range tables {
		w, g := want[table], got[table]
		if len(w) != len(g) {
			t.Errorf("%s: %s has %d rows, want %d", what, table, len(g), len(w))
			continue
		}
		for i := range w {
			if w[i] != g[i] {
				t.Errorf("%s: %s row %d:\n got %s\nwant %s", what, table, i, g[i], w[i])
				break
			}
		}
	}
}

// TestRollupIdempotent: rolling up twice, over overlapping windows in any
// order, or twice at once, leaves the same tables.
func TestRollupIdempotent(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := seededEnv(t, dsn)
		ctx := context.Background()
		if err := e.an.Rollup(ctx, rollupFrom, rollupTo); err != nil {
			t.Fatal(err)
		}
		first := e.dump(t)
		for table := range tables {
			if len(first[table]) == 0 {
				t.Fatalf("%s is empty after a roll-up", table)
			}
		}
		t.Logf("rows: formats %d, jobs %d, errors %d, concurrency %d", len(first["analytics_formats"]),
			len(first["analytics_jobs"]), len(first["analytics_errors"]), len(first["analytics_concurrency"]))

		if err := e.an.Rollup(ctx, rollupFrom, rollupTo); err != nil {
			t.Fatal(err)
		}
		sameDumps(t, "second roll-up", first, e.dump(t))

		// Overlapping windows that start and end within hours, in random order.
		e.clear(t)
		var windows [][2]time.Time
		for w := rollupFrom.Add(17 * time.Minute); w.Before(rollupTo); w = w.Add(5 * time.Hour) {
			windows = append(windows, [2]time.Time{w, w.Add(5*time.Hour + 40*time.Minute)})
		}
		windows = append(windows, [2]time.Time{rollupFrom, rollupFrom.Add(17 * time.Minute)})
		rng := rand.New(rand.NewPCG(7, 7))
		rng.Shuffle(len(windows), func(i, j int) { windows[i], windows[j] = windows[j], windows[i] })
		for _, w := range windows {
			if err := e.an.Rollup(ctx, w[0], w[1]); err != nil {
				t.Fatal(err)
			}
		}
		sameDumps(t, "windows in random order", first, e.dump(t))

		// An older window again changes nothing.
		if err := e.an.Rollup(ctx, seedStart.AddDate(0, 0, 3), seedStart.AddDate(0, 0, 4)); err != nil {
			t.Fatal(err)
		}
		sameDumps(t, "a day again", first, e.dump(t))

		// Several roll-ups at once (two schedulers): one after the other.
		e.clear(t)
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if err := e.an.Rollup(ctx, rollupFrom, rollupTo); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		sameDumps(t, "concurrent roll-ups", first, e.dump(t))

		// The package function over the same database does the same.
		e.clear(t)
		if err := Rollup(ctx, e.an.db, e.an.dialect, rollupFrom, rollupTo); err != nil {
			t.Fatal(err)
		}
		sameDumps(t, "analytics.Rollup", first, e.dump(t))
	})
}

// TestRollupMatchesRawData holds every roll-up row to figures computed here,
// independently, from the jobs as they were written.
func TestRollupMatchesRawData(t *testing.T) {
	dialects(t, func(t *testing.T, dsn string) {
		e := seededEnv(t, dsn)
		ctx := context.Background()
		if err := e.an.Rollup(ctx, rollupFrom, rollupTo); err != nil {
			t.Fatal(err)
		}
		for _, g := range []struct {
			grain  string
			bucket func(time.Time) time.Time
		}{
			{hourGrain, func(t time.Time) time.Time { return t.UTC().Truncate(time.Hour) }},
			{dayGrain, func(t time.Time) time.Time {
				return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			}},
		} {
			checkFormats(t, e, g.grain, g.bucket)
			checkJobs(t, e, g.grain, g.bucket)
			checkErrors(t, e, g.grain, g.bucket)
		}
		checkConcurrency(t, e)
	})
}

// expectedFormats aggregates the seeded formats by key, independently of
// the package's aggregation.
type expectedAgg struct {
	formats, durSum, durMin, durMax, waitSum, waitMax, bytes, elements, lastAt int64
	durations, waits                                                           []int64
	n                                                                          int64
	x, y, b, xx, xy, xb                                                        float64
}

func checkFormats(t *testing.T, e *env, grain string, bucket func(time.Time) time.Time) {
	t.Helper()
	want := map[formatKey]*expectedAgg{}
	for _, sf := range e.finishedFormats() {
		k := formatKey{Bucket: bucket(sf.f.FinishedAt).UnixMicro(), Tenant: sf.j.Tenant, User: sf.j.User, Format: sf.f.Format,
			Status: string(sf.f.Status), Priority: sf.j.Priority}
		a := want[k]
		if a == nil {
			a = &expectedAgg{durMin: math.MaxInt64}
			want[k] = a
		}
		a.formats++
		if d, ok := sf.duration(); ok {
			a.durations = append(a.durations, d)
			a.durSum += d
			a.durMin = min(a.durMin, d)
			a.durMax = max(a.durMax, d)
		}
		if !sf.f.StartedAt.IsZero() {
			w := max(sf.f.StartedAt.Sub(sf.j.CreatedAt).Microseconds(), 0) / 1000
			a.waits = append(a.waits, w)
			a.waitSum += w
			a.waitMax = max(a.waitMax, w)
		}
		a.bytes += sf.bytes()
		el := sf.f.Metrics["elements"]
		a.elements += el
		if el > 0 {
			d, _ := sf.duration()
			x, y, b := float64(el), float64(d), float64(sf.bytes())
			a.n++
			a.x, a.y, a.b, a.xx, a.xy, a.xb = a.x+x, a.y+y, a.b+b, a.xx+x*x, a.xy+x*y, a.xb+x*b
		}
		a.lastAt = max(a.lastAt, sf.f.FinishedAt.UnixMicro())
	}
	rows, err := loadFormats(context.Background(), e.an.db, grain, math.MinInt64, math.MaxInt64, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Errorf("%s: %d analytics_formats rows, want %d", grain, len(rows), len(want))
	}
	for _, r := range rows {
		w, a := want[r.key], r.agg
		if w == nil {
			t.Errorf("%s: unexpected row %+v", grain, r.key)
			continue
		}
		if len(w.durations) == 0 {
			w.durMin = 0
		}
		got := []int64{a.Formats, a.DurationSum, a.DurationMin, a.DurationMax, a.DurationHist.Count(), a.WaitCount, a.WaitSum, a.WaitMax,
			a.WaitHist.Count(), a.Bytes, a.Elements, a.Fit.N, a.LastAt}
		exp := []int64{w.formats, w.durSum, w.durMin, w.durMax, int64(len(w.durations)), int64(len(w.waits)), w.waitSum, w.waitMax,
			int64(len(w.waits)), w.bytes, w.elements, w.n, w.lastAt}
		if !slices.Equal(got, exp) {
			t.Errorf("%s %+v:\n got formats, dur sum/min/max/n, wait n/sum/max/n, bytes, elements, fit n, last %v\nwant %v", grain, r.key, got, exp)
		}
		for _, p := range [][2]float64{{a.Fit.X, w.x}, {a.Fit.Y, w.y}, {a.Fit.B, w.b}, {a.Fit.XX, w.xx}, {a.Fit.XY, w.xy}, {a.Fit.XB, w.xb}} {
			if !near(p[0], p[1], 1e-12) {
				t.Errorf("%s %+v: least-squares sums %+v, want %v %v %v %v %v %v", grain, r.key, a.Fit, w.x, w.y, w.b, w.xx, w.xy, w.xb)
				break
			}
		}
		checkHist(t, fmt.Sprintf("%s %+v durations", grain, r.key), a.DurationHist, w.durations)
		checkHist(t, fmt.Sprintf("%s %+v waits", grain, r.key), a.WaitHist, w.waits)
	}
}

// checkHist holds a histogram to the values it counts: bucket i holds the
// values v with Bounds[i-1] < v ≤ Bounds[i] (found here by a plain scan).
func checkHist(t *testing.T, what string, h Hist, values []int64) {
	t.Helper()
	want := make(Hist, len(Bounds)+1)
	for _, v := range values {
		i := 0
		for i < len(Bounds) && float64(v) > Bounds[i] {
			i++
		}
		want[i]++
	}
	got := append(slices.Clone(h), make(Hist, len(Bounds)+1-len(h))...)
	if !slices.Equal(got, want) {
		t.Errorf("%s: histogram %v, want %v", what, h, want)
	}
}

func near(a, b, rel float64) bool {
	return a == b || math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

func checkJobs(t *testing.T, e *env, grain string, bucket func(time.Time) time.Time) {
	t.Helper()
	want := map[jobKey]*jobAgg{}
	for _, j := range e.seeded {
		if !j.Status.Terminal() {
			continue
		}
		k := jobKey{Bucket: bucket(j.FinishedAt).UnixMicro(), Tenant: j.Tenant, User: j.User, Status: string(j.Status)}
		if want[k] == nil {
			want[k] = &jobAgg{}
		}
		want[k].Jobs++
		want[k].LastAt = max(want[k].LastAt, j.FinishedAt.UnixMicro())
	}
	rows, err := loadJobs(context.Background(), e.an.db, grain, math.MinInt64, math.MaxInt64, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Errorf("%s: %d analytics_jobs rows, want %d", grain, len(rows), len(want))
	}
	for _, r := range rows {
		if w := want[r.key]; w == nil || *w != r.agg {
			t.Errorf("%s: jobs %+v = %+v, want %+v", grain, r.key, r.agg, w)
		}
	}
}

func checkErrors(t *testing.T, e *env, grain string, bucket func(time.Time) time.Time) {
	t.Helper()
	want := map[errorKey]*errorAgg{}
	for _, sf := range e.finishedFormats() {
		if sf.f.Status != "failed" {
			continue
		}
		k := errorKey{Bucket: bucket(sf.f.FinishedAt).UnixMicro(), Tenant: sf.j.Tenant, Format: sf.f.Format, Code: sf.f.Error.Code}
		if want[k] == nil {
			want[k] = &errorAgg{}
		}
		want[k].Count++
		want[k].LastSeen = max(want[k].LastSeen, sf.f.FinishedAt.UnixMicro())
	}
	rows, err := loadErrors(context.Background(), e.an.db, grain, math.MinInt64, math.MaxInt64, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) || len(rows) == 0 {
		t.Errorf("%s: %d analytics_errors rows, want %d", grain, len(rows), len(want))
	}
	for _, r := range rows {
		if w := want[r.key]; w == nil || *w != r.agg {
			t.Errorf("%s: errors %+v = %+v, want %+v", grain, r.key, r.agg, w)
		}
	}
}

// bruteForcePeaks answers the peak concurrency of every hour for a tenant
// ("" every tenant), by counting the runs active at each hour's start and at
// each start within the hour (the count only rises at those instants).
func bruteForcePeaks(e *env, tenant string) map[int64]int64 {
	type run struct{ start, end time.Time }
	var runs []run
	for _, sf := range e.finishedFormats() {
		if (tenant == "" || sf.j.Tenant == tenant) && !sf.f.StartedAt.IsZero() && sf.f.FinishedAt.After(sf.f.StartedAt) {
			runs = append(runs, run{sf.f.StartedAt, sf.f.FinishedAt})
		}
	}
	active := func(at time.Time) int64 {
		var n int64
		for _, r := range runs {
			if !r.start.After(at) && r.end.After(at) {
				n++
			}
		}
		return n
	}
	out := map[int64]int64{}
	for h := rollupFrom.Truncate(time.Hour); h.Before(rollupTo); h = h.Add(time.Hour) {
		p := active(h)
		for _, r := range runs {
			if !r.start.Before(h) && r.start.Before(h.Add(time.Hour)) {
				p = max(p, active(r.start))
			}
		}
		if p > 0 {
			out[h.UnixMicro()] = p
		}
	}
	return out
}

func checkConcurrency(t *testing.T, e *env) {
	t.Helper()
	for _, tenant := range append([]string{""}, seedTenantNames...) {
		want := bruteForcePeaks(e, tenant)
		got, err := loadPeaks(context.Background(), e.an.db, math.MinInt64, math.MaxInt64, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Errorf("tenant %q: %d hours with a peak, want %d", tenant, len(got), len(want))
		}
		var top int64
		for _, p := range got {
			top = max(top, p.Peak)
			if want[p.Bucket] != p.Peak {
				t.Errorf("tenant %q, hour %s: peak %d, want %d", tenant, fromMicros(p.Bucket).Format(time.RFC3339), p.Peak, want[p.Bucket])
			}
		}
		if tenant == "" && top < 2 {
			t.Errorf("the test history never ran two formats at once (peak %d): it does not test concurrency", top)
		}
	}
}

// TestHourlyPeaks checks the sweep on hand-made runs: half-open runs, runs
// across hours, runs that touch.
func TestHourlyPeaks(t *testing.T) {
	h := time.Hour.Microseconds()
	m := time.Minute.Microseconds()
	ivs := []interval{
		{0, 10 * m},          // hour 0
		{10 * m, 20 * m},     // touches the first: never two at once
		{30 * m, h + 30*m},   // into hour 1
		{40 * m, 50 * m},     // with the third: two
		{h + 10*m, h + 20*m}, // hour 1, with the third: two
		{h + 15*m, h + 16*m}, // three
		{3 * h, 3 * h},       // empty: ignored by the query; here it adds nothing lasting
		{5*h - m, 6*h + m},   // across hour 5 entirely
	}
	got := hourlyPeaks(slices.DeleteFunc(slices.Clone(ivs), func(iv interval) bool { return iv.End <= iv.Start }), 0, 7*h)
	want := []peak{{0, 2}, {h, 3}, {4 * h, 1}, {5 * h, 1}, {6 * h, 1}}
	if !slices.Equal(got, want) {
		t.Errorf("peaks %v, want %v", got, want)
	}
}

// TestHist checks the buckets and the quantiles of histograms.
func TestHist(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want int
	}{{0, 0}, {1, 0}, {2, 4}, {3, 7}, {4, 8}, {1000, 40}, {1 << 27, 108}, {1<<27 + 1, 109}, {math.MaxInt64 / 2, 109}} {
		if got := bucketOf(c.v); got != c.want {
			t.Errorf("bucketOf(%d) = %d, want %d", c.v, got, c.want)
		}
	}
	var h Hist
	rng := rand.New(rand.NewPCG(1, 2))
	var values []int64
	for range 5000 {
		v := int64(math.Exp(rng.NormFloat64()*1.2 + 7)) // log-normal around 1.1 s
		values = append(values, v)
		h.Add(v)
	}
	lo, hi := float64(slices.Min(values)), float64(slices.Max(values))
	for _, q := range []float64{0, 0.5, 0.9, 0.95, 0.99, 1} {
		got, want := h.Quantile(q, lo, hi), exactQuantile(values, q)
		if !near(got, want, 0.1) {
			t.Errorf("quantile %.2f = %.1f, want %.1f within 10 %%", q, got, want)
		}
	}
	// Merging two halves is the whole.
	var a, b Hist
	for i, v := range values {
		if i%2 == 0 {
			a.Add(v)
		} else {
			b.Add(v)
		}
	}
	a.Merge(b)
	if got, want := a.encode(), h.encode(); got != want {
		t.Errorf("merged halves %s, want %s", got, want)
	}
	if back, err := decodeHist(h.encode()); err != nil || !slices.Equal(back, h[:len(back)]) {
		t.Errorf("decode(encode) = %v, %v", back, err)
	}
	if got := (Hist{}).Quantile(0.5, 0, math.Inf(1)); got != 0 {
		t.Errorf("quantile of nothing = %v", got)
	}
	var one Hist
	one.Add(1234)
	if got := one.Quantile(0.95, 1234, 1234); got != 1234 {
		t.Errorf("quantile of one value = %v, want it", got)
	}
	if _, err := decodeHist(`[1,2`); err == nil {
		t.Error("a broken histogram decoded")
	}
}
