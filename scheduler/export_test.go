package scheduler

import "time"

// WithClock sets the scheduler's clock, for tests.
func WithClock(s *Scheduler, now func() time.Time) *Scheduler {
	s.now = now
	return s
}
