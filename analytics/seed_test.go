package analytics

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/arxos/arxport/internal/testenv"
	"github.com/arxos/arxport/jobstore"
)

// The test history: ten days of jobs from three tenants, from Monday 3 March
// 2025 (UTC), with the clock at the end of the tenth day.
var (
	seedStart = time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	seedDays  = 10
	seedNow   = seedStart.AddDate(0, 0, seedDays).Add(2 * time.Hour)
)

// cost is how a format behaves in the test history: a fixed cost, a cost per
// element, output bytes per element, and how often it fails.
type cost struct {
	baseMS, msPerElem, bytesPerElem, failRate float64
}

var costs = map[string]cost{
	"glb":     {400, 0.05, 900, 0.04},
	"ifc":     {250, 0.08, 1400, 0.08},
	"xlsx":    {150, 0.03, 120, 0.02},
	"pdf":     {900, 0.12, 60, 0.10},
	"csv":     {50, 0.005, 90, 0.01},
	"parquet": {120, 0.01, 40, 0.02},
	"step":    {500, 0.10, 1600, 0.12},
}

var (
	seedFormats = []string{"glb", "ifc", "xlsx", "pdf", "csv", "parquet", "step"}
	seedTenants = map[string][]string{
		"acme":    {"alice", "bob", "carol"},
		"globex":  {"dave", "erin"},
		"initech": {"frank", "grace", "heidi"},
	}
	seedTenantNames = []string{"acme", "globex", "initech"}
)

// env is one database with the test history in it.
type env struct {
	dsn  string
	jobs jobstore.Store
	an   *Store
	// clock is the analytics' clock; tests move it.
	clock *clock
	// seeded are the jobs as written.
	seeded []*jobstore.Job
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// dialects runs fn on SQLite and on Postgres (testenv: skipped without a
// server unless ARXPORT_REQUIRE_SERVICES=1).
func dialects(t *testing.T, fn func(t *testing.T, dsn string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, "sqlite:"+filepath.Join(t.TempDir(), "jobs.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, testenv.Postgres(t))
	})
}

// newEnv opens the job store and the analytics at dsn, empty.
func newEnv(t *testing.T, dsn string) *env {
	t.Helper()
	ctx := context.Background()
	js, err := jobstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { js.Close() })
	c := &clock{seedNow}
	an, err := Open(ctx, dsn, Config{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { an.Close() })
	return &env{dsn: dsn, jobs: js, an: an, clock: c}
}

// seededEnv is newEnv with the test history written.
func seededEnv(t *testing.T, dsn string) *env {
	t.Helper()
	e := newEnv(t, dsn)
	e.seeded = seed(t, e.jobs, 1)
	return e
}

// seed writes the test history through the job store, as the service does:
// Create a queued job, then Update it to what its run left. A few jobs are
// still queued or running at the clock's time.
func seed(t *testing.T, st jobstore.Store, seedValue uint64) []*jobstore.Job {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seedValue, 42))
	var out []*jobstore.Job
	n := 0
	for day := range seedDays {
		perDay := 30 + rng.IntN(20)
		for range perDay {
			// Office hours are busier.
			hour := rng.IntN(24)
			if rng.Float64() < 0.6 {
				hour = 8 + rng.IntN(10)
			}
			created := seedStart.AddDate(0, 0, day).Add(time.Duration(hour)*time.Hour + time.Duration(rng.IntN(3600_000_000))*time.Microsecond)
			tenant := seedTenantNames[rng.IntN(len(seedTenantNames))]
			users := seedTenants[tenant]
			j := &jobstore.Job{
				ID:        fmt.Sprintf("exp_%d_%06d", seedValue, n),
				Tenant:    tenant,
				User:      users[rng.IntN(len(users))],
				Status:    jobstore.Queued,
				Priority:  pick(rng, []string{"critical", "high", "normal", "low"}, []float64{0.05, 0.2, 0.6, 0.15}),
				CreatedAt: created,
				Name:      "model",
			}
			n++
			nf := 1 + rng.IntN(3)
			for _, f := range rng.Perm(len(seedFormats))[:nf] {
				j.Formats = append(j.Formats, &jobstore.Format{Format: seedFormats[f], Status: jobstore.Queued})
			}
			if err := st.Create(ctx, j); err != nil {
				t.Fatal(err)
			}
			elements := int64(math.Round(500 * math.Pow(400, rng.Float64()))) // 500 … 200,000
			run(rng, j, elements)
			want := j
			if _, err := st.Update(ctx, j.ID, func(stored *jobstore.Job) error {
				stored.Status, stored.StartedAt, stored.FinishedAt, stored.Elements = want.Status, want.StartedAt, want.FinishedAt, want.Elements
				stored.Error = want.Error
				for i, f := range want.Formats {
					sf := stored.Formats[i]
					sf.Status, sf.StartedAt, sf.FinishedAt, sf.Metrics, sf.Error, sf.Files, sf.Attempt, sf.Progress =
						f.Status, f.StartedAt, f.FinishedAt, f.Metrics, f.Error, f.Files, f.Attempt, f.Progress
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			out = append(out, j)
		}
	}
	// Still in flight at the clock's time: one queued, one running with a
	// format done.
	for i, status := range []jobstore.Status{jobstore.Queued, jobstore.Running} {
		j := &jobstore.Job{ID: fmt.Sprintf("exp_%d_9%05d", seedValue, i), Tenant: "acme", User: "alice", Status: status, Priority: "normal",
			CreatedAt: seedNow.Add(-time.Duration(10+i) * time.Minute),
			Formats:   []*jobstore.Format{{Format: "glb", Status: jobstore.Queued}, {Format: "csv", Status: jobstore.Queued}}}
		if err := st.Create(ctx, j); err != nil {
			t.Fatal(err)
		}
		if status == jobstore.Running {
			started := j.CreatedAt.Add(2 * time.Second)
			j.StartedAt = started
			j.Formats[0].Status, j.Formats[0].StartedAt = jobstore.Running, started
			j.Formats[1].Status, j.Formats[1].StartedAt, j.Formats[1].FinishedAt = jobstore.Completed, started, started.Add(800*time.Millisecond)
			j.Formats[1].Metrics = map[string]int64{"elements": 4000, "duration_ms": 800}
			j.Formats[1].Files = []jobstore.File{{Name: "model.csv", Size: 360_000}}
			want := j
			if _, err := st.Update(ctx, j.ID, func(stored *jobstore.Job) error {
				stored.Status, stored.StartedAt = want.Status, want.StartedAt
				for i, f := range want.Formats {
					sf := stored.Formats[i]
					sf.Status, sf.StartedAt, sf.FinishedAt, sf.Metrics, sf.Files = f.Status, f.StartedAt, f.FinishedAt, f.Metrics, f.Files
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		out = append(out, j)
	}
	return out
}

// run decides how a job went: queue waits by priority, durations and sizes by
// format and model size, failures, cancels.
func run(rng *rand.Rand, j *jobstore.Job, elements int64) {
	waitS := map[string][2]float64{"critical": {0.2, 2}, "high": {1, 6}, "normal": {2, 40}, "low": {10, 180}}[j.Priority]
	cancelled := rng.Float64() < 0.03
	var cancelAt time.Time
	if cancelled {
		cancelAt = j.CreatedAt.Add(time.Duration(1+rng.IntN(20)) * time.Second)
	}
	done := map[jobstore.Status]int{}
	for i, f := range j.Formats {
		c := costs[f.Format]
		wait := time.Duration((waitS[0] + rng.Float64()*(waitS[1]-waitS[0])) * float64(time.Second))
		started := j.CreatedAt.Add(wait + time.Duration(i*50)*time.Millisecond).Truncate(time.Microsecond) // the store keeps µs
		noise := 1 + 0.08*rng.NormFloat64()
		ms := int64(math.Max(1, (c.baseMS+c.msPerElem*float64(elements))*noise))
		finished := started.Add(time.Duration(ms) * time.Millisecond)
		switch {
		case cancelled && !started.Before(cancelAt):
			f.Status, f.FinishedAt = jobstore.Cancelled, cancelAt
			f.Error = &jobstore.Error{Code: "CANCELLED", Message: "cancelled"}
		case cancelled && finished.After(cancelAt):
			f.Status, f.StartedAt, f.FinishedAt, f.Attempt = jobstore.Cancelled, started, cancelAt, 1
			f.Error = &jobstore.Error{Code: "CANCELLED", Message: "cancelled"}
		case rng.Float64() < c.failRate:
			code := pick(rng, []string{"CONVERSION_FAILED", "TIMEOUT", "STORAGE_FAILED"}, []float64{0.6, 0.25, 0.15})
			partial := time.Duration(float64(ms)*rng.Float64()*1000) * time.Microsecond
			f.Status, f.StartedAt, f.FinishedAt, f.Attempt = jobstore.Failed, started, started.Add(partial), 1
			f.Error = &jobstore.Error{Code: code, Message: "failed", Recoverable: code != "CONVERSION_FAILED"}
		default:
			size := int64(math.Max(1, (2000+c.bytesPerElem*float64(elements))*(1+0.05*rng.NormFloat64())))
			f.Status, f.StartedAt, f.FinishedAt, f.Attempt, f.Progress = jobstore.Completed, started, finished, 1, 1
			f.Metrics = map[string]int64{"elements": elements, "duration_ms": ms, "bytes": size}
			f.Files = []jobstore.File{{Name: "model." + f.Format, Size: size, CreatedAt: finished}}
		}
		done[f.Status]++
		if !f.StartedAt.IsZero() && (j.StartedAt.IsZero() || f.StartedAt.Before(j.StartedAt)) {
			j.StartedAt = f.StartedAt
		}
		if f.FinishedAt.After(j.FinishedAt) {
			j.FinishedAt = f.FinishedAt
		}
	}
	j.Elements = elements
	switch {
	case cancelled:
		j.Status, j.FinishedAt = jobstore.Cancelled, cancelAt
	case done[jobstore.Completed] == len(j.Formats):
		j.Status = jobstore.Completed
	case done[jobstore.Failed] == len(j.Formats):
		j.Status = jobstore.Failed
		j.Error = &jobstore.Error{Code: "CONVERSION_FAILED", Message: "every format failed"}
	default:
		j.Status = jobstore.Partial
	}
}

func pick(rng *rand.Rand, values []string, weights []float64) string {
	r := rng.Float64()
	for i, w := range weights {
		if r < w {
			return values[i]
		}
		r -= w
	}
	return values[len(values)-1]
}

// finishedFormats lists the seeded formats the roll-ups count, with their job.
func (e *env) finishedFormats() []seededFormat {
	var out []seededFormat
	for _, j := range e.seeded {
		for _, f := range j.Formats {
			if f.Status.Terminal() && !f.FinishedAt.IsZero() {
				out = append(out, seededFormat{j, f})
			}
		}
	}
	return out
}

type seededFormat struct {
	j *jobstore.Job
	f *jobstore.Format
}

// duration is the format's duration as the roll-ups count it (independently
// written: the metric, else the time from start to end).
func (sf seededFormat) duration() (int64, bool) {
	if d := sf.f.Metrics["duration_ms"]; d > 0 {
		return d, true
	}
	if sf.f.StartedAt.IsZero() {
		return 0, false
	}
	return sf.f.FinishedAt.Sub(sf.f.StartedAt).Microseconds() / 1000, true
}

func (sf seededFormat) bytes() int64 {
	var n int64
	for _, f := range sf.f.Files {
		n += f.Size
	}
	return n
}

// exactQuantile is the nearest-rank quantile of values.
func exactQuantile(values []int64, q float64) float64 {
	if len(values) == 0 {
		return 0
	}
	v := slices.Clone(values)
	slices.Sort(v)
	i := int(math.Ceil(q*float64(len(v)))) - 1
	return float64(v[min(max(i, 0), len(v)-1)])
}
