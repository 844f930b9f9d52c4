package analytics

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"
)

// Periods of a report: the width of its buckets. Hours come from the hour
// roll-ups; days, weeks (Monday to Sunday, UTC) and months from the day
// roll-ups.
const (
	Hour  = "hour"
	Day   = "day"
	Week  = "week"
	Month = "month"
)

// MaxBuckets bounds the buckets of one report.
const MaxBuckets = 1000

// Query selects a report.
type Query struct {
	Period   string    // Hour, Day (default), Week or Month
	From, To time.Time // the range, widened to whole buckets of the period
	Tenant   string    // "" for every tenant
}

// Report is the analytics of the formats and jobs that finished in a range.
// Durations are of conversions (a format of a job), in milliseconds; success
// rates leave cancelled jobs and formats out (a cancel is no failure) and are
// null when nothing finished.
type Report struct {
	Tenant      string    `json:"tenant,omitempty"` // absent: every tenant
	AllTenants  bool      `json:"all_tenants"`
	Period      string    `json:"period"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	GeneratedAt time.Time `json:"generated_at"`

	Totals    Totals          `json:"totals"`
	Durations Durations       `json:"durations"` // of completed conversions
	Formats   []FormatFigures `json:"formats"`
	Errors    []ErrorFigures  `json:"errors"`
	Users     []UserFigures   `json:"users"`
	System    System          `json:"system"`
	Series    []SeriesPoint   `json:"series"`
}

// Totals count finished jobs (by the job's final status) and conversions.
type Totals struct {
	TotalJobs     int64    `json:"total_jobs"`
	CompletedJobs int64    `json:"completed_jobs"`
	FailedJobs    int64    `json:"failed_jobs"`
	PartialJobs   int64    `json:"partial_jobs"`
	CancelledJobs int64    `json:"cancelled_jobs"`
	SuccessRate   *float64 `json:"success_rate"` // completed / (total − cancelled)
	Conversions   int64    `json:"conversions"`  // finished formats
	Elements      int64    `json:"elements"`     // converted by completed formats
	Bytes         int64    `json:"bytes"`        // written by completed formats
}

// Durations summarise a set of durations (or waits), in milliseconds; the
// percentiles come from the merged histograms (within about 10 %).
type Durations struct {
	Count  int64   `json:"count"`
	MeanMS float64 `json:"mean_ms"`
	P50MS  float64 `json:"p50_ms"`
	P95MS  float64 `json:"p95_ms"`
	MinMS  float64 `json:"min_ms"`
	MaxMS  float64 `json:"max_ms"`
}

// FormatFigures are the figures of one format.
type FormatFigures struct {
	Format            string    `json:"format"`
	Jobs              int64     `json:"jobs"` // finished conversions into the format
	Completed         int64     `json:"completed"`
	Failed            int64     `json:"failed"`
	Cancelled         int64     `json:"cancelled"`
	SuccessRate       *float64  `json:"success_rate"`        // completed / (completed + failed)
	MeanSize          float64   `json:"mean_size"`           // bytes per completed conversion
	ElementsPerSecond float64   `json:"elements_per_second"` // of completed conversions
	Duration          Durations `json:"duration"`            // of completed conversions
	Estimate          *Estimate `json:"estimate"`            // for 1,000 elements; null without history
}

// Estimate is a fitted estimate for a number of elements.
type Estimate struct {
	Format          string  `json:"format"`
	Elements        int64   `json:"elements"`
	DurationSeconds float64 `json:"duration_seconds"`
	OutputBytes     int64   `json:"output_bytes"`
	BasedOnJobs     int64   `json:"based_on_jobs"`
	Method          string  `json:"method"` // least_squares, or proportional when history cannot carry a line
	// The fitted lines: fixed cost plus a cost per 1,000 elements.
	FixedSeconds   float64 `json:"fixed_seconds"`
	SecondsPer1000 float64 `json:"seconds_per_1000_elements"`
	FixedBytes     float64 `json:"fixed_bytes"`
	BytesPer1000   float64 `json:"bytes_per_1000_elements"`
}

// estimate renders a fit at a number of elements.
func estimate(format string, f Fit, elements int64) *Estimate {
	secs, bytes := f.At(elements)
	return &Estimate{
		Format: format, Elements: elements, DurationSeconds: secs, OutputBytes: bytes, BasedOnJobs: f.BasedOnJobs, Method: f.Method(),
		FixedSeconds: f.Duration.Intercept / 1000, SecondsPer1000: f.Duration.Slope, // ms per element = s per 1,000
		FixedBytes: f.Bytes.Intercept, BytesPer1000: f.Bytes.Slope * 1000,
	}
}

// ErrorFigures are the failures under one error code.
type ErrorFigures struct {
	Code     string    `json:"code"`
	Count    int64     `json:"count"`
	Share    float64   `json:"share"` // of all failed conversions
	LastSeen time.Time `json:"last_seen"`
	Formats  []string  `json:"formats"` // formats affected
}

// UserFigures are one user's figures.
type UserFigures struct {
	Tenant           string        `json:"tenant"`
	User             string        `json:"user"`
	Jobs             int64         `json:"jobs"`
	CompletedJobs    int64         `json:"completed_jobs"`
	FailedJobs       int64         `json:"failed_jobs"`
	PreferredFormats []FormatCount `json:"preferred_formats"` // most converted first, at most 3
	LastActivity     time.Time     `json:"last_activity"`
}

// FormatCount is how often a format was asked for.
type FormatCount struct {
	Format string `json:"format"`
	Count  int64  `json:"count"`
}

// System holds the figures of the service itself.
type System struct {
	QueueWait       QueueWait         `json:"queue_wait"`
	PeakConcurrency int64             `json:"peak_concurrency"` // most conversions running at once
	Throughput      []ThroughputPoint `json:"throughput"`
}

// QueueWait is the time from a job's submission to its formats' start.
type QueueWait struct {
	Durations
	ByPriority []PriorityWait `json:"by_priority"`
}

// PriorityWait is the queue wait of one priority.
type PriorityWait struct {
	Priority string `json:"priority"`
	Durations
}

// ThroughputPoint is what completed in one bucket.
type ThroughputPoint struct {
	Start             time.Time `json:"start"`
	Conversions       int64     `json:"conversions"`
	Elements          int64     `json:"elements"`
	Bytes             int64     `json:"bytes"`
	ElementsPerSecond float64   `json:"elements_per_second"` // over the bucket
	PeakConcurrency   int64     `json:"peak_concurrency"`
}

// SeriesPoint counts the jobs that finished in one bucket, by status.
type SeriesPoint struct {
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
	Total     int64     `json:"total"`
	Completed int64     `json:"completed"`
	Partial   int64     `json:"partial"`
	Failed    int64     `json:"failed"`
	Cancelled int64     `json:"cancelled"`
}

// periodStart is the start of t's bucket.
func periodStart(t time.Time, period string) time.Time {
	t = t.UTC()
	switch period {
	case Hour:
		return t.Truncate(time.Hour)
	case Week:
		d := floorDay(t)
		return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)) // back to Monday
	case Month:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return floorDay(t)
}

// nextPeriod is the start of the bucket after the one starting at t.
func nextPeriod(t time.Time, period string) time.Time {
	switch period {
	case Hour:
		return t.Add(time.Hour)
	case Week:
		return t.AddDate(0, 0, 7)
	case Month:
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 1)
}

// periodEnd is the end of the last bucket of a range ending at t (exclusive).
func periodEnd(t time.Time, period string) time.Time {
	s := periodStart(t, period)
	if s.Equal(t.UTC()) {
		return s
	}
	return nextPeriod(s, period)
}

// ValidPeriod reports whether p names a period.
func ValidPeriod(p string) bool { return p == Hour || p == Day || p == Week || p == Month }

// Report builds the report of a query from the roll-ups.
func (s *Store) Report(ctx context.Context, q Query) (*Report, error) {
	if q.Period == "" {
		q.Period = Day
	}
	if !ValidPeriod(q.Period) {
		return nil, fmt.Errorf("analytics: period %q: want hour, day, week or month", q.Period)
	}
	from, to := periodStart(q.From, q.Period), periodEnd(q.To, q.Period)
	if !to.After(from) {
		return nil, fmt.Errorf("analytics: the range [%s, %s) is empty", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	var starts []time.Time
	for t := from; t.Before(to); t = nextPeriod(t, q.Period) {
		if len(starts) == MaxBuckets {
			return nil, fmt.Errorf("analytics: the range holds more than %d %ss; choose a longer period or a shorter range", MaxBuckets, q.Period)
		}
		starts = append(starts, t)
	}
	grain := dayGrain
	if q.Period == Hour {
		grain = hourGrain
	}
	b0, b1 := micros(from), micros(to)
	formats, err := loadFormats(ctx, s.db, grain, b0, b1, q.Tenant)
	if err != nil {
		return nil, fmt.Errorf("analytics: report: %w", err)
	}
	jobs, err := loadJobs(ctx, s.db, grain, b0, b1, q.Tenant)
	if err != nil {
		return nil, fmt.Errorf("analytics: report: %w", err)
	}
	errs, err := loadErrors(ctx, s.db, grain, b0, b1, q.Tenant)
	if err != nil {
		return nil, fmt.Errorf("analytics: report: %w", err)
	}
	peaks, err := loadPeaks(ctx, s.db, b0, b1, q.Tenant)
	if err != nil {
		return nil, fmt.Errorf("analytics: report: %w", err)
	}
	r := &Report{
		Tenant: q.Tenant, AllTenants: q.Tenant == "", Period: q.Period, From: from, To: to, GeneratedAt: s.now(),
		Formats: []FormatFigures{}, Errors: []ErrorFigures{}, Users: []UserFigures{},
	}
	// index answers the bucket of a roll-up row (the starts are sorted).
	index := func(bucket int64) int {
		t := fromMicros(bucket)
		i, found := slices.BinarySearchFunc(starts, t, func(a, b time.Time) int { return a.Compare(b) })
		if !found {
			i--
		}
		return i
	}
	r.Series = make([]SeriesPoint, len(starts))
	r.System.Throughput = make([]ThroughputPoint, len(starts))
	for i, t := range starts {
		r.Series[i] = SeriesPoint{Start: t, End: nextPeriod(t, q.Period)}
		r.System.Throughput[i] = ThroughputPoint{Start: t}
	}

	// Jobs: totals, series, users.
	type userKey struct{ tenant, user string }
	users := map[userKey]*UserFigures{}
	user := func(tenant, name string) *UserFigures {
		u := users[userKey{tenant, name}]
		if u == nil {
			u = &UserFigures{Tenant: tenant, User: name, PreferredFormats: []FormatCount{}}
			users[userKey{tenant, name}] = u
		}
		return u
	}
	for _, j := range jobs {
		p := &r.Series[index(j.key.Bucket)]
		n := j.agg.Jobs
		r.Totals.TotalJobs += n
		p.Total += n
		u := user(j.key.Tenant, j.key.User)
		u.Jobs += n
		switch j.key.Status {
		case "completed":
			r.Totals.CompletedJobs += n
			p.Completed += n
			u.CompletedJobs += n
		case "failed":
			r.Totals.FailedJobs += n
			p.Failed += n
			u.FailedJobs += n
		case "partial":
			r.Totals.PartialJobs += n
			p.Partial += n
		case "cancelled":
			r.Totals.CancelledJobs += n
			p.Cancelled += n
		}
		if t := fromMicros(j.agg.LastAt); t.After(u.LastActivity) {
			u.LastActivity = t
		}
	}
	r.Totals.SuccessRate = rate(r.Totals.CompletedJobs, r.Totals.TotalJobs-r.Totals.CancelledJobs)

	// Formats: durations, per format, per user, queue waits, throughput.
	type formatSet struct {
		fig     FormatFigures
		done    formatAgg // completed conversions
		hasDone bool
	}
	perFormat := map[string]*formatSet{}
	userFormats := map[userKey]map[string]int64{}
	var all formatAgg // completed, for the durations
	var wait formatAgg
	waitByPriority := map[string]*formatAgg{}
	for _, f := range formats {
		k, a := f.key, f.agg
		fs := perFormat[k.Format]
		if fs == nil {
			fs = &formatSet{fig: FormatFigures{Format: k.Format}}
			perFormat[k.Format] = fs
		}
		fs.fig.Jobs += a.Formats
		r.Totals.Conversions += a.Formats
		switch k.Status {
		case "completed":
			fs.fig.Completed += a.Formats
			fs.done.merge(a)
			all.merge(a)
			r.Totals.Elements += a.Elements
			r.Totals.Bytes += a.Bytes
			tp := &r.System.Throughput[index(k.Bucket)]
			tp.Conversions += a.Formats
			tp.Elements += a.Elements
			tp.Bytes += a.Bytes
		case "failed":
			fs.fig.Failed += a.Formats
		case "cancelled":
			fs.fig.Cancelled += a.Formats
		}
		uk := userKey{k.Tenant, k.User}
		if userFormats[uk] == nil {
			userFormats[uk] = map[string]int64{}
		}
		userFormats[uk][k.Format] += a.Formats
		u := user(k.Tenant, k.User)
		if t := fromMicros(a.LastAt); t.After(u.LastActivity) {
			u.LastActivity = t
		}
		w := &formatAgg{WaitCount: a.WaitCount, WaitSum: a.WaitSum, WaitMax: a.WaitMax, WaitHist: a.WaitHist}
		wait.merge(w)
		if waitByPriority[k.Priority] == nil {
			waitByPriority[k.Priority] = &formatAgg{}
		}
		waitByPriority[k.Priority].merge(w)
	}
	r.Durations = durations(&all)
	for _, name := range sortedKeys(perFormat, cmp.Compare[string]) {
		fs := perFormat[name]
		fig := fs.fig
		fig.SuccessRate = rate(fig.Completed, fig.Completed+fig.Failed)
		if fig.Completed > 0 {
			fig.MeanSize = float64(fs.done.Bytes) / float64(fig.Completed)
		}
		if fs.done.Fit.Y > 0 {
			fig.ElementsPerSecond = fs.done.Fit.X / (fs.done.Fit.Y / 1000)
		}
		fig.Duration = durations(&fs.done)
		if f, ok := fs.done.Fit.Fit(); ok {
			fig.Estimate = estimate(name, f, 1000)
		}
		r.Formats = append(r.Formats, fig)
	}
	r.System.QueueWait = QueueWait{Durations: waits(&wait), ByPriority: []PriorityWait{}}
	for _, p := range sortedKeys(waitByPriority, comparePriority) {
		r.System.QueueWait.ByPriority = append(r.System.QueueWait.ByPriority, PriorityWait{Priority: p, Durations: waits(waitByPriority[p])})
	}

	// Users, most jobs first.
	for uk, counts := range userFormats {
		u := user(uk.tenant, uk.user)
		for f, n := range counts {
			u.PreferredFormats = append(u.PreferredFormats, FormatCount{f, n})
		}
		slices.SortFunc(u.PreferredFormats, func(a, b FormatCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Format, b.Format))
		})
		u.PreferredFormats = u.PreferredFormats[:min(3, len(u.PreferredFormats))]
	}
	for _, u := range users {
		r.Users = append(r.Users, *u)
	}
	slices.SortFunc(r.Users, func(a, b UserFigures) int {
		return cmp.Or(cmp.Compare(b.Jobs, a.Jobs), cmp.Compare(a.Tenant, b.Tenant), cmp.Compare(a.User, b.User))
	})

	// Errors, most frequent first.
	type codeSet struct {
		fig     ErrorFigures
		formats map[string]bool
	}
	codes := map[string]*codeSet{}
	var failures int64
	for _, e := range errs {
		c := codes[e.key.Code]
		if c == nil {
			c = &codeSet{fig: ErrorFigures{Code: e.key.Code}, formats: map[string]bool{}}
			codes[e.key.Code] = c
		}
		c.fig.Count += e.agg.Count
		failures += e.agg.Count
		c.formats[e.key.Format] = true
		if t := fromMicros(e.agg.LastSeen); t.After(c.fig.LastSeen) {
			c.fig.LastSeen = t
		}
	}
	for _, c := range codes {
		c.fig.Share = float64(c.fig.Count) / float64(failures)
		c.fig.Formats = sortedKeys(c.formats, cmp.Compare[string])
		r.Errors = append(r.Errors, c.fig)
	}
	slices.SortFunc(r.Errors, func(a, b ErrorFigures) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code)) })

	// Concurrency and throughput.
	for _, p := range peaks {
		r.System.PeakConcurrency = max(r.System.PeakConcurrency, p.Peak)
		tp := &r.System.Throughput[index(p.Bucket)]
		tp.PeakConcurrency = max(tp.PeakConcurrency, p.Peak)
	}
	for i := range r.System.Throughput {
		tp := &r.System.Throughput[i]
		if secs := nextPeriod(tp.Start, q.Period).Sub(tp.Start).Seconds(); secs > 0 {
			tp.ElementsPerSecond = float64(tp.Elements) / secs
		}
	}
	return r, nil
}

// rate is n/of, or nil when of is 0.
func rate(n, of int64) *float64 {
	if of <= 0 {
		return nil
	}
	v := float64(n) / float64(of)
	return &v
}

// durations summarises the durations of a merged roll-up.
func durations(a *formatAgg) Durations {
	n := a.DurationHist.Count()
	if n == 0 {
		return Durations{}
	}
	lo, hi := float64(a.DurationMin), float64(a.DurationMax)
	return Durations{
		Count: n, MeanMS: float64(a.DurationSum) / float64(n),
		P50MS: round(a.DurationHist.Quantile(0.5, lo, hi)), P95MS: round(a.DurationHist.Quantile(0.95, lo, hi)),
		MinMS: lo, MaxMS: hi,
	}
}

// waits summarises the queue waits of a merged roll-up.
func waits(a *formatAgg) Durations {
	if a.WaitCount == 0 {
		return Durations{}
	}
	hi := float64(a.WaitMax)
	return Durations{
		Count: a.WaitCount, MeanMS: float64(a.WaitSum) / float64(a.WaitCount),
		P50MS: round(a.WaitHist.Quantile(0.5, 0, hi)), P95MS: round(a.WaitHist.Quantile(0.95, 0, hi)),
		MaxMS: hi,
	}
}

// round keeps a tenth of a millisecond.
func round(v float64) float64 { return math.Round(v*10) / 10 }

// comparePriority orders priorities from critical to low, others after.
func comparePriority(a, b string) int {
	rank := func(p string) int {
		switch p {
		case "critical":
			return 0
		case "high":
			return 1
		case "normal":
			return 2
		case "low":
			return 3
		}
		return 4
	}
	return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a, b))
}
