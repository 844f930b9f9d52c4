package tracking

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// Reporter turns a writer's progress calls (formats.Progress) into published
// progress: the job's progress hash and a progress event, at most every 200 ms
// and only for a step of 1 % or more, and whenever the stage changes. Publishing
// errors are counted, not returned: progress is advisory.
type Reporter struct {
	t             *Tracker
	ctx           context.Context
	jobID, format string
	start         time.Time
	Interval      time.Duration // default 200 ms
	Step          float64       // default 0.01
	mu            sync.Mutex
	last          time.Time
	lastFrac      float64
	lastStage     string
	lastDone      int64
	lastTotal     int64
	Errors        int
}

// Reporter returns a reporter for one format of a job.
func (t *Tracker) Reporter(ctx context.Context, jobID, format string) *Reporter {
	return &Reporter{t: t, ctx: ctx, jobID: jobID, format: format, start: time.Now(), Interval: 200 * time.Millisecond, Step: 0.01}
}

// Progress implements formats.Progress.
func (r *Reporter) Progress(stage string, done, total int64) {
	frac := 0.0
	if total > 0 {
		frac = min(1, float64(done)/float64(total))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if stage == r.lastStage && (now.Sub(r.last) < r.Interval || frac-r.lastFrac < r.Step) {
		return
	}
	r.last, r.lastFrac, r.lastStage, r.lastDone, r.lastTotal = now, frac, stage, done, total
	p := Progress{Fraction: frac, Stage: stage, Done: done, Total: total, Updated: now.UTC()}
	if frac > 0 {
		p.ETA = now.Sub(r.start).Seconds() / frac * (1 - frac)
	}
	r.publish(p)
}

func (r *Reporter) publish(p Progress) {
	if err := r.t.SetProgress(r.ctx, r.jobID, r.format, p); err != nil {
		r.Errors++
		return
	}
	data, _ := json.Marshal(p)
	if _, err := r.t.Emit(r.ctx, jobstore.Event{JobID: r.jobID, Type: "progress", Format: r.format, Time: p.Updated, Data: data}); err != nil {
		r.Errors++
	}
}

// Stage publishes a stage change at once (decoding, uploading), whatever the throttle.
func (r *Reporter) Stage(stage string, frac float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.last, r.lastFrac, r.lastStage = now, frac, stage
	r.publish(Progress{Fraction: frac, Stage: stage, Done: r.lastDone, Total: r.lastTotal, Updated: now.UTC()})
}
