package analytics

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// Grains of the roll-ups.
const (
	hourGrain = "hour"
	dayGrain  = "day"
)

// terminal lists the statuses of formats and jobs the roll-ups count.
const terminal = "('completed', 'failed', 'cancelled', 'partial')"

// maxRun bounds how long one format can run (far above any task timeout): peak
// concurrency of an hour looks for formats that finished at most this long
// after it.
const maxRun = 7 * 24 * time.Hour

// lockKey is the Postgres advisory lock that serialises roll-ups ("analytic").
const lockKey int64 = 0x616e616c79746963

// Sums are the least-squares sums of a set of formats: x = elements, y =
// duration in ms, b = output bytes. Fits (Fit) come from them exactly, and
// the sums of two sets are the sums of their union.
type Sums struct {
	N                   int64
	X, Y, B, XX, XY, XB float64
}

// Add counts one observation.
func (s *Sums) Add(x, y, b float64) {
	s.N++
	s.X += x
	s.Y += y
	s.B += b
	s.XX += x * x
	s.XY += x * y
	s.XB += x * b
}

// Merge adds o to s.
func (s *Sums) Merge(o Sums) {
	s.N += o.N
	s.X += o.X
	s.Y += o.Y
	s.B += o.B
	s.XX += o.XX
	s.XY += o.XY
	s.XB += o.XB
}

// formatKey is the key of an analytics_formats row (grain aside).
type formatKey struct {
	Bucket                                 int64
	Tenant, User, Format, Status, Priority string
}

func (a formatKey) compare(b formatKey) int {
	return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.User, b.User),
		cmp.Compare(a.Format, b.Format), cmp.Compare(a.Status, b.Status), cmp.Compare(a.Priority, b.Priority))
}

// formatAgg is what a row of analytics_formats holds.
type formatAgg struct {
	Formats                               int64
	DurationSum, DurationMin, DurationMax int64 // over the formats whose duration is known (DurationHist.Count())
	DurationHist                          Hist
	WaitCount, WaitSum, WaitMax           int64
	WaitHist                              Hist
	Bytes, Elements                       int64
	Fit                                   Sums
	LastAt                                int64
}

func (a *formatAgg) addDuration(ms int64) {
	if a.DurationHist.Count() == 0 || ms < a.DurationMin {
		a.DurationMin = ms
	}
	a.DurationMax = max(a.DurationMax, ms)
	a.DurationSum += ms
	a.DurationHist.Add(ms)
}

func (a *formatAgg) addWait(ms int64) {
	a.WaitCount++
	a.WaitSum += ms
	a.WaitMax = max(a.WaitMax, ms)
	a.WaitHist.Add(ms)
}

func (a *formatAgg) merge(o *formatAgg) {
	if o.DurationHist.Count() > 0 && (a.DurationHist.Count() == 0 || o.DurationMin < a.DurationMin) {
		a.DurationMin = o.DurationMin
	}
	a.Formats += o.Formats
	a.DurationSum += o.DurationSum
	a.DurationMax = max(a.DurationMax, o.DurationMax)
	a.DurationHist.Merge(o.DurationHist)
	a.WaitCount += o.WaitCount
	a.WaitSum += o.WaitSum
	a.WaitMax = max(a.WaitMax, o.WaitMax)
	a.WaitHist.Merge(o.WaitHist)
	a.Bytes += o.Bytes
	a.Elements += o.Elements
	a.Fit.Merge(o.Fit)
	a.LastAt = max(a.LastAt, o.LastAt)
}

// jobKey is the key of an analytics_jobs row.
type jobKey struct {
	Bucket               int64
	Tenant, User, Status string
}

type jobAgg struct{ Jobs, LastAt int64 }

// errorKey is the key of an analytics_errors row.
type errorKey struct {
	Bucket               int64
	Tenant, Format, Code string
}

type errorAgg struct{ Count, LastSeen int64 }

var (
	formatColumns = []string{"grain", "bucket", "tenant", "user_name", "format", "status", "priority", "formats",
		"duration_sum", "duration_min", "duration_max", "duration_hist", "wait_count", "wait_sum", "wait_max", "wait_hist",
		"bytes", "elements", "fit_n", "fit_x", "fit_y", "fit_b", "fit_xx", "fit_xy", "fit_xb", "last_at"}
	jobColumns         = []string{"grain", "bucket", "tenant", "user_name", "status", "jobs", "last_at"}
	errorColumns       = []string{"grain", "bucket", "tenant", "format", "error_code", "count", "last_seen"}
	concurrencyColumns = []string{"bucket", "tenant", "peak"}
)

// Rollup recomputes the roll-ups of every bucket touched by the formats and
// jobs that finished in [from, to): the hours around the range from the raw
// rows, the days around it from their hours, and the peak concurrency of every
// hour those formats ran in. It deletes and inserts the buckets in one
// transaction, so running it twice, or over overlapping ranges, leaves the
// same tables; concurrent roll-ups run one after the other (a Postgres
// advisory lock; SQLite's write lock).
//
// A bucket is recomputed whole from the rows the job store holds at the time:
// jobs deleted (retention, DELETE) before their hour is rolled up again are no
// longer counted in it. Roll up recent ranges often (the scheduler does), and
// older ones only to backfill.
func (s *Store) Rollup(ctx context.Context, from, to time.Time) error {
	if !to.After(from) {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("analytics: rollup: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", lockKey); err != nil {
			return fmt.Errorf("analytics: rollup: lock: %w", err)
		}
	}
	if err := rollup(ctx, tx, s.dialect, from.UTC(), to.UTC()); err != nil {
		return fmt.Errorf("analytics: rollup [%s, %s): %w", from.UTC().Format(time.RFC3339), to.UTC().Format(time.RFC3339), err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("analytics: rollup: %w", err)
	}
	return nil
}

// Rollup is (*Store).Rollup over a database holding the job store's tables.
func Rollup(ctx context.Context, db *sql.DB, dialect Dialect, from, to time.Time) error {
	return New(db, dialect, Config{}).Rollup(ctx, from, to)
}

func rollup(ctx context.Context, tx *sql.Tx, d Dialect, from, to time.Time) error {
	h0, h1 := micros(from.Truncate(time.Hour)), micros(ceil(to, time.Hour))
	d0, d1 := micros(floorDay(from)), micros(ceilDay(to))

	// Hours, from the raw rows.
	formats, errs, err := rawFormats(ctx, tx, h0, h1)
	if err != nil {
		return err
	}
	jobs, err := rawJobs(ctx, tx, h0, h1)
	if err != nil {
		return err
	}
	if err := replace(ctx, tx, d, hourGrain, h0, h1, formats, jobs, errs); err != nil {
		return err
	}

	// Days, from the hours.
	hf, err := loadFormats(ctx, tx, hourGrain, d0, d1, "")
	if err != nil {
		return err
	}
	formats = map[formatKey]*formatAgg{}
	for _, r := range hf {
		k := r.key
		k.Bucket = micros(floorDay(fromMicros(k.Bucket)))
		if a := formats[k]; a != nil {
			a.merge(r.agg)
		} else {
			formats[k] = r.agg
		}
	}
	hj, err := loadJobs(ctx, tx, hourGrain, d0, d1, "")
	if err != nil {
		return err
	}
	jobs = map[jobKey]*jobAgg{}
	for _, r := range hj {
		k := r.key
		k.Bucket = micros(floorDay(fromMicros(k.Bucket)))
		a := jobs[k]
		if a == nil {
			a = &jobAgg{}
			jobs[k] = a
		}
		a.Jobs += r.agg.Jobs
		a.LastAt = max(a.LastAt, r.agg.LastAt)
	}
	he, err := loadErrors(ctx, tx, hourGrain, d0, d1, "")
	if err != nil {
		return err
	}
	errs = map[errorKey]*errorAgg{}
	for _, r := range he {
		k := r.key
		k.Bucket = micros(floorDay(fromMicros(k.Bucket)))
		a := errs[k]
		if a == nil {
			a = &errorAgg{}
			errs[k] = a
		}
		a.Count += r.agg.Count
		a.LastSeen = max(a.LastSeen, r.agg.LastSeen)
	}
	if err := replace(ctx, tx, d, dayGrain, d0, d1, formats, jobs, errs); err != nil {
		return err
	}

	return rollupConcurrency(ctx, tx, d, h0, h1)
}

// rawFormats aggregates the formats that finished in [h0, h1) by hour.
func rawFormats(ctx context.Context, q querier, h0, h1 int64) (map[formatKey]*formatAgg, map[errorKey]*errorAgg, error) {
	rows, err := q.QueryContext(ctx, `SELECT j.tenant, j.user_name, j.priority, j.created_at, f.format, f.status,
		f.started_at, f.finished_at, f.error_code, f.elements, f.bytes, f.duration_ms
		FROM job_formats f JOIN jobs j ON j.id = f.job_id
		WHERE f.finished_at >= $1 AND f.finished_at < $2 AND f.status IN `+terminal+`
		ORDER BY f.finished_at, f.job_id, f.position`, h0, h1)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	formats := map[formatKey]*formatAgg{}
	errs := map[errorKey]*errorAgg{}
	for rows.Next() {
		var (
			r       rawFormat
			started sql.NullInt64
		)
		if err := rows.Scan(&r.Tenant, &r.User, &r.Priority, &r.CreatedAt, &r.Format, &r.Status,
			&started, &r.FinishedAt, &r.ErrorCode, &r.Elements, &r.Bytes, &r.DurationMS); err != nil {
			return nil, nil, err
		}
		r.StartedAt, r.Started = started.Int64, started.Valid
		bucket := micros(fromMicros(r.FinishedAt).Truncate(time.Hour))
		k := formatKey{Bucket: bucket, Tenant: r.Tenant, User: r.User, Format: r.Format, Status: r.Status, Priority: r.Priority}
		a := formats[k]
		if a == nil {
			a = &formatAgg{}
			formats[k] = a
		}
		r.addTo(a)
		if r.Status == "failed" {
			ek := errorKey{Bucket: bucket, Tenant: r.Tenant, Format: r.Format, Code: r.errorCode()}
			e := errs[ek]
			if e == nil {
				e = &errorAgg{}
				errs[ek] = e
			}
			e.Count++
			e.LastSeen = max(e.LastSeen, r.FinishedAt)
		}
	}
	return formats, errs, rows.Err()
}

// rawFormat is one finished format as the roll-ups read it.
type rawFormat struct {
	Tenant, User, Priority, Format, Status, ErrorCode string
	CreatedAt, StartedAt, FinishedAt                  int64 // Unix µs; StartedAt when Started
	Started                                           bool
	Elements, Bytes, DurationMS                       int64
}

// duration answers the format's duration in ms: its duration_ms metric, or
// the time from its start to its end when it has none (failed formats); false
// when neither is known.
func (r *rawFormat) duration() (int64, bool) {
	switch {
	case r.DurationMS > 0:
		return r.DurationMS, true
	case r.Started && r.FinishedAt >= r.StartedAt:
		return (r.FinishedAt - r.StartedAt) / 1000, true
	}
	return 0, false
}

// wait answers the format's queue wait in ms: from the job's creation to the
// format's start (never negative); false when it never started.
func (r *rawFormat) wait() (int64, bool) {
	if !r.Started {
		return 0, false
	}
	return max(r.StartedAt-r.CreatedAt, 0) / 1000, true
}

// errorCode is the code a failed format is counted under.
func (r *rawFormat) errorCode() string {
	if r.ErrorCode == "" {
		return "UNKNOWN"
	}
	return r.ErrorCode
}

func (r *rawFormat) addTo(a *formatAgg) {
	a.Formats++
	if d, ok := r.duration(); ok {
		a.addDuration(d)
	}
	if w, ok := r.wait(); ok {
		a.addWait(w)
	}
	a.Bytes += r.Bytes
	a.Elements += r.Elements
	if r.Elements > 0 {
		d, _ := r.duration()
		a.Fit.Add(float64(r.Elements), float64(d), float64(r.Bytes))
	}
	a.LastAt = max(a.LastAt, r.FinishedAt)
}

// rawJobs counts the jobs that finished in [h0, h1) by hour.
func rawJobs(ctx context.Context, q querier, h0, h1 int64) (map[jobKey]*jobAgg, error) {
	rows, err := q.QueryContext(ctx, `SELECT tenant, user_name, status, finished_at FROM jobs
		WHERE finished_at >= $1 AND finished_at < $2 AND status IN `+terminal, h0, h1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	jobs := map[jobKey]*jobAgg{}
	for rows.Next() {
		var k jobKey
		var finished int64
		if err := rows.Scan(&k.Tenant, &k.User, &k.Status, &finished); err != nil {
			return nil, err
		}
		k.Bucket = micros(fromMicros(finished).Truncate(time.Hour))
		a := jobs[k]
		if a == nil {
			a = &jobAgg{}
			jobs[k] = a
		}
		a.Jobs++
		a.LastAt = max(a.LastAt, finished)
	}
	return jobs, rows.Err()
}

// replace deletes the grain's rows of buckets [b0, b1) and inserts the given ones.
func replace(ctx context.Context, tx *sql.Tx, d Dialect, grain string, b0, b1 int64,
	formats map[formatKey]*formatAgg, jobs map[jobKey]*jobAgg, errs map[errorKey]*errorAgg) error {
	for _, table := range []string{"analytics_formats", "analytics_jobs", "analytics_errors"} {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table+" WHERE grain = $1 AND bucket >= $2 AND bucket < $3", grain, b0, b1); err != nil {
			return err
		}
	}
	args := make([]any, 0, len(formats)*len(formatColumns))
	for _, k := range sortedKeys(formats, formatKey.compare) {
		a := formats[k]
		args = append(args, grain, k.Bucket, k.Tenant, k.User, k.Format, k.Status, k.Priority, a.Formats,
			a.DurationSum, a.DurationMin, a.DurationMax, a.DurationHist.encode(), a.WaitCount, a.WaitSum, a.WaitMax, a.WaitHist.encode(),
			a.Bytes, a.Elements, a.Fit.N, a.Fit.X, a.Fit.Y, a.Fit.B, a.Fit.XX, a.Fit.XY, a.Fit.XB, a.LastAt)
	}
	if err := insert(ctx, tx, d, "analytics_formats", formatColumns, args); err != nil {
		return err
	}
	args = make([]any, 0, len(jobs)*len(jobColumns))
	for _, k := range sortedKeys(jobs, func(a, b jobKey) int {
		return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.User, b.User), cmp.Compare(a.Status, b.Status))
	}) {
		a := jobs[k]
		args = append(args, grain, k.Bucket, k.Tenant, k.User, k.Status, a.Jobs, a.LastAt)
	}
	if err := insert(ctx, tx, d, "analytics_jobs", jobColumns, args); err != nil {
		return err
	}
	args = make([]any, 0, len(errs)*len(errorColumns))
	for _, k := range sortedKeys(errs, func(a, b errorKey) int {
		return cmp.Or(cmp.Compare(a.Bucket, b.Bucket), cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.Format, b.Format), cmp.Compare(a.Code, b.Code))
	}) {
		a := errs[k]
		args = append(args, grain, k.Bucket, k.Tenant, k.Format, k.Code, a.Count, a.LastSeen)
	}
	return insert(ctx, tx, d, "analytics_errors", errorColumns, args)
}

func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compare)
	return keys
}

// rollupConcurrency recomputes the peak concurrency of every hour that a
// format finished in [h0, h1) ran in, from every finished format that ran in
// those hours.
func rollupConcurrency(ctx context.Context, tx *sql.Tx, d Dialect, h0, h1 int64) error {
	var first sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT min(started_at) FROM job_formats
		WHERE finished_at >= $1 AND finished_at < $2 AND started_at IS NOT NULL AND status IN `+terminal, h0, h1).Scan(&first); err != nil {
		return err
	}
	c0, c1 := h0, h1
	if first.Valid && first.Int64 < c0 {
		c0 = micros(fromMicros(first.Int64).Truncate(time.Hour))
	}
	rows, err := tx.QueryContext(ctx, `SELECT j.tenant, f.started_at, f.finished_at
		FROM job_formats f JOIN jobs j ON j.id = f.job_id
		WHERE f.finished_at > $1 AND f.finished_at < $2 AND f.started_at < $3 AND f.started_at IS NOT NULL
		  AND f.finished_at > f.started_at AND f.status IN `+terminal,
		c0, c1+maxRun.Microseconds(), c1)
	if err != nil {
		return err
	}
	byTenant := map[string][]interval{}
	for rows.Next() {
		var tenant string
		var iv interval
		if err := rows.Scan(&tenant, &iv.Start, &iv.End); err != nil {
			rows.Close()
			return err
		}
		byTenant[tenant] = append(byTenant[tenant], iv)
		byTenant[""] = append(byTenant[""], iv)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM analytics_concurrency WHERE bucket >= $1 AND bucket < $2", c0, c1); err != nil {
		return err
	}
	var args []any
	for _, tenant := range sortedKeys(byTenant, cmp.Compare[string]) {
		for _, p := range hourlyPeaks(byTenant[tenant], c0, c1) {
			args = append(args, p.Bucket, tenant, p.Peak)
		}
	}
	return insert(ctx, tx, d, "analytics_concurrency", concurrencyColumns, args)
}

// interval is a format's run, [Start, End) in Unix µs.
type interval struct{ Start, End int64 }

type peak struct{ Bucket, Peak int64 }

// hourlyPeaks answers, for each hour in [c0, c1) (hour starts, Unix µs) in
// which any interval ran, the most intervals running at one instant.
func hourlyPeaks(ivs []interval, c0, c1 int64) []peak {
	type event struct{ t, d int64 }
	events := make([]event, 0, 2*len(ivs))
	for _, iv := range ivs {
		events = append(events, event{iv.Start, +1}, event{iv.End, -1})
	}
	// Ends before starts at the same instant: runs are half-open.
	slices.SortFunc(events, func(a, b event) int { return cmp.Or(cmp.Compare(a.t, b.t), cmp.Compare(a.d, b.d)) })
	hour := time.Hour.Microseconds()
	var out []peak
	i, cur := 0, int64(0)
	for h := c0; h < c1; h += hour {
		for i < len(events) && events[i].t <= h {
			cur += events[i].d
			i++
		}
		p := cur
		for i < len(events) && events[i].t < h+hour {
			cur += events[i].d
			i++
			p = max(p, cur)
		}
		if p > 0 {
			out = append(out, peak{h, p})
		}
	}
	return out
}

// ceil rounds t up to a multiple of d.
func ceil(t time.Time, d time.Duration) time.Time {
	f := t.Truncate(d)
	if f.Equal(t) {
		return f
	}
	return f.Add(d)
}

// floorDay is the start of t's UTC day.
func floorDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ceilDay is the start of the UTC day after t, or t when a day starts at t.
func ceilDay(t time.Time) time.Time {
	f := floorDay(t)
	if f.Equal(t) {
		return f
	}
	return f.AddDate(0, 0, 1)
}
