package exports

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/hibiken/asynq"

	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/tasks"
	"github.com/arxos/arxport/tracking"
)

// Get answers a job the caller may see.
func (s *Service) Get(ctx context.Context, c Caller, id string) (*jobstore.Job, error) {
	j, err := s.Store.Get(ctx, id)
	if errors.Is(err, jobstore.ErrNotFound) || err == nil && !c.Can(j) {
		return nil, Problemf(http.StatusNotFound, CodeNotFound, "no job %s", id)
	}
	if err != nil {
		s.Log.Error("reading job", "job_id", id, "err", err)
		return nil, unavailable("job store")
	}
	return j, nil
}

// View answers the job as callers see it, with its live progress.
func (s *Service) View(ctx context.Context, j *jobstore.Job) Job {
	var live map[string]tracking.Progress
	if j.Status == jobstore.Running {
		live, _ = s.Tracker.Progress(ctx, j.ID) // progress is advisory
	}
	v := View(j, live)
	v.Estimate = s.estimate(ctx, j)
	return v
}

// estimate sums the formats' estimates; none unless every format has one and
// the model's size is known.
func (s *Service) estimate(ctx context.Context, j *jobstore.Job) *Estimate {
	if s.Estimator == nil || j.Elements == 0 {
		return nil
	}
	var sum Estimate
	for _, f := range j.Formats {
		e, ok := s.Estimator.Estimate(ctx, f.Format, j.Elements)
		if !ok {
			return nil
		}
		// Formats run in parallel: the job takes as long as its longest format.
		sum.DurationSeconds = max(sum.DurationSeconds, e.DurationSeconds)
		sum.OutputBytes += e.OutputBytes
		if sum.BasedOnJobs == 0 || e.BasedOnJobs < sum.BasedOnJobs {
			sum.BasedOnJobs = e.BasedOnJobs
		}
	}
	return &sum
}

// control runs a state change on a job the caller may see. fn answers
// ErrNoChange when the job is already where the call wants it.
func (s *Service) control(ctx context.Context, c Caller, id string, fn func(j *jobstore.Job) error) (*jobstore.Job, bool, error) {
	if _, err := s.Get(ctx, c, id); err != nil {
		return nil, false, err
	}
	j, err := s.Store.Update(ctx, id, fn)
	switch {
	case errors.Is(err, jobstore.ErrNoChange):
		return j, false, nil
	case errors.Is(err, jobstore.ErrNotFound):
		return nil, false, Problemf(http.StatusNotFound, CodeNotFound, "no job %s", id)
	case err != nil:
		var p *Problem
		if errors.As(err, &p) {
			return nil, false, p
		}
		s.Log.Error("updating job", "job_id", id, "err", err)
		return nil, false, unavailable("job store")
	}
	return j, true, nil
}

// Cancel ends a job for good: formats not finished become cancelled, running
// conversions stop at their next checkpoint (workers poll every 200 ms) and
// remove what they wrote. Cancelling an ended job changes nothing.
func (s *Service) Cancel(ctx context.Context, c Caller, id string) (*jobstore.Job, error) {
	now := time.Now().UTC()
	j, changed, err := s.control(ctx, c, id, func(j *jobstore.Job) error {
		if j.Status.Terminal() {
			return jobstore.ErrNoChange
		}
		cancelJob(j, now, "cancelled by the caller")
		return nil
	})
	if err != nil || !changed {
		return j, err
	}
	if err := s.Tracker.SetState(ctx, id, tracking.StateCancelled); err != nil {
		s.Log.Warn("cancel state not published; workers find it in the job store", "job_id", id, "err", err)
	}
	s.Finish(ctx, j)
	return j, nil
}

func cancelJob(j *jobstore.Job, now time.Time, why string) {
	j.Status, j.FinishedAt = jobstore.Cancelled, now
	j.Error = &jobstore.Error{Code: CodeCancelled, Message: why}
	for _, f := range j.Formats {
		if !f.Status.Terminal() {
			f.Status, f.FinishedAt = jobstore.Cancelled, now
		}
	}
}

// Pause holds the job's formats that have not started; running ones stop at
// their next checkpoint and wait, like the others, for Resume.
func (s *Service) Pause(ctx context.Context, c Caller, id string) (*jobstore.Job, error) {
	j, changed, err := s.control(ctx, c, id, func(j *jobstore.Job) error {
		switch {
		case j.Status == jobstore.Paused:
			return jobstore.ErrNoChange
		case j.Status.Terminal():
			return Problemf(http.StatusConflict, CodeConflict, "job %s has ended (%s) and cannot be paused", j.ID, j.Status)
		}
		j.Status = jobstore.Paused
		for _, f := range j.Formats {
			if f.Status == jobstore.Queued {
				f.Status = jobstore.Paused
			}
		}
		return nil
	})
	if err != nil || !changed {
		return j, err
	}
	if err := s.Tracker.SetState(ctx, id, tracking.StatePaused); err != nil {
		s.Log.Warn("pause state not published", "job_id", id, "err", err)
	}
	s.Emit(ctx, j, jobstore.Event{Type: "job.paused", Message: "paused by the caller"})
	return j, nil
}

// Resume re-enqueues a paused job's held formats; finished ones stay finished.
func (s *Service) Resume(ctx context.Context, c Caller, id string) (*jobstore.Job, error) {
	j, changed, err := s.control(ctx, c, id, func(j *jobstore.Job) error {
		switch {
		case j.Status == jobstore.Queued || j.Status == jobstore.Running:
			return jobstore.ErrNoChange
		case j.Status.Terminal():
			return Problemf(http.StatusConflict, CodeConflict, "job %s has ended (%s) and cannot be resumed", j.ID, j.Status)
		}
		resumeJob(j)
		return nil
	})
	if err != nil || !changed {
		return j, err
	}
	if err := s.Tracker.SetState(ctx, id, tracking.StateRunning); err != nil {
		s.Log.Warn("resume state not published", "job_id", id, "err", err)
	}
	s.Emit(ctx, j, jobstore.Event{Type: "job.resumed", Message: "resumed by the caller"})
	s.EnqueueRecorded(ctx, j)
	return j, nil
}

// resumeJob queues held formats under a new generation. Formats still running
// (they have not reached their checkpoint) re-enqueue themselves when they do.
func resumeJob(j *jobstore.Job) {
	j.Status = jobstore.Queued
	if !j.StartedAt.IsZero() {
		j.Status = jobstore.Running
	}
	for _, f := range j.Formats {
		if f.Status == jobstore.Paused {
			f.Status, f.Gen = jobstore.Queued, f.Gen+1
			j.Enqueued = false
		}
	}
}

// EnqueueRecorded enqueues a job's queued formats after an update that set
// Enqueued false; if Redis refuses, the outbox does it later.
func (s *Service) EnqueueRecorded(ctx context.Context, j *jobstore.Job) {
	if j.Enqueued {
		return
	}
	if err := s.enqueue(ctx, j); err != nil {
		s.Log.Warn("enqueue failed; the outbox retries", "job_id", j.ID, "err", err)
		return
	}
	if err := s.Store.SetEnqueued(ctx, j.ID); err != nil {
		s.Log.Warn("marking job enqueued", "job_id", j.ID, "err", err)
	}
}

// Delete removes a job now: running conversions stop, and its files, model
// (when it came inline), events and record go.
func (s *Service) Delete(ctx context.Context, c Caller, id string) error {
	j, err := s.Get(ctx, c, id)
	if err != nil {
		return err
	}
	if !j.Status.Terminal() {
		if err := s.Tracker.SetState(ctx, id, tracking.StateCancelled); err != nil {
			s.Log.Warn("cancel state not published", "job_id", id, "err", err)
		}
	}
	return s.Purge(ctx, j)
}

// Purge removes a job's files, inline model, live keys and record. Retention
// cleanup uses it too.
func (s *Service) Purge(ctx context.Context, j *jobstore.Job) error {
	if err := s.deleteObjects(ctx, j); err != nil {
		return err
	}
	if err := s.Store.Delete(ctx, j.ID); err != nil {
		s.Log.Error("deleting job", "job_id", j.ID, "err", err)
		return unavailable("job store")
	}
	if err := s.Tracker.Delete(ctx, j.ID); err != nil {
		s.Log.Warn("deleting live keys", "job_id", j.ID, "err", err)
	}
	return nil
}

func (s *Service) deleteObjects(ctx context.Context, j *jobstore.Job) error {
	if _, err := s.Storage.DeletePrefix(ctx, "exports/"+j.ID+"/"); err != nil {
		s.Log.Error("deleting files", "job_id", j.ID, "err", err)
		return unavailable("storage")
	}
	if j.ModelKey == ModelKey(j.Tenant, j.ID+".json") {
		if err := s.Storage.Delete(ctx, j.ModelKey); err != nil {
			s.Log.Error("deleting inline model", "job_id", j.ID, "err", err)
			return unavailable("storage")
		}
	}
	return nil
}

// PurgeFiles removes a job's files and inline model and takes the files off its
// record, which stays (retention cleanup keeps records a while for the
// roll-ups); it answers whether the record listed files.
func (s *Service) PurgeFiles(ctx context.Context, j *jobstore.Job) (bool, error) {
	listed := false
	for _, f := range j.Formats {
		listed = listed || len(f.Files) > 0
	}
	if !listed {
		return false, nil
	}
	if err := s.deleteObjects(ctx, j); err != nil {
		return false, err
	}
	_, err := s.Store.Update(ctx, j.ID, func(j *jobstore.Job) error {
		for _, f := range j.Formats {
			f.Files = nil
		}
		return nil
	})
	if err != nil && !errors.Is(err, jobstore.ErrNotFound) {
		return false, err
	}
	return true, nil
}

// List answers the caller's jobs, newest first, and the next page's cursor.
func (s *Service) List(ctx context.Context, c Caller, q jobstore.ListQuery) ([]*jobstore.Job, string, error) {
	if !c.Admin {
		q.Tenant = c.Tenant
	}
	jobs, next, err := s.Store.List(ctx, q)
	if err != nil {
		s.Log.Error("listing jobs", "err", err)
		return nil, "", unavailable("job store")
	}
	return jobs, next, nil
}

// Requeue enqueues again every queued or running job, under new generations:
// for a Redis that lost its tasks while the job store kept the jobs (the dev
// service restarting on a fresh in-process Redis). Work in progress elsewhere
// would be superseded, so it is for when no worker runs those jobs.
func (s *Service) Requeue(ctx context.Context) (int, error) {
	n := 0
	for _, st := range []jobstore.Status{jobstore.Queued, jobstore.Running} {
		cursor := ""
		for {
			jobs, next, err := s.Store.List(ctx, jobstore.ListQuery{Status: st, After: cursor, Limit: 500})
			if err != nil {
				return n, err
			}
			for _, j := range jobs {
				j, err := s.Store.Update(ctx, j.ID, func(j *jobstore.Job) error {
					if j.Status != jobstore.Queued && j.Status != jobstore.Running {
						return jobstore.ErrNoChange
					}
					for _, f := range j.Formats {
						if f.Status == jobstore.Queued || f.Status == jobstore.Running {
							f.Status, f.Gen, f.Progress = jobstore.Queued, f.Gen+1, 0
							j.Enqueued = false
						}
					}
					return nil
				})
				if errors.Is(err, jobstore.ErrNoChange) || errors.Is(err, jobstore.ErrNotFound) {
					continue
				}
				if err != nil {
					return n, err
				}
				s.EnqueueRecorded(ctx, j)
				n++
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	return n, nil
}

// EnqueueFormat enqueues one format's task, under its current generation, with
// client q (the reconciler passes one of its own, for a task Redis lost). A
// worker taking a lost task over counts a new attempt; what an older attempt
// may still record is then ignored.
func (s *Service) EnqueueFormat(ctx context.Context, q *asynq.Client, j *jobstore.Job, f *jobstore.Format) error {
	t, err := tasks.NewExport(tasks.Export{JobID: j.ID, Format: f.Format, Gen: f.Gen, ModelKey: j.ModelKey, TraceParent: j.TraceParent},
		j.Priority, s.cfg.Timeouts.For(j.ModelSize), s.cfg.MaxRetry)
	if err != nil {
		return err
	}
	if _, err := q.EnqueueContext(ctx, t); err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
		return err
	}
	return nil
}
