package exports

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// maxGroup bounds how many calls one group run takes.
const maxGroup = 256

// A group runs calls together: those that arrive while a run is going on wait
// and go into the next one. Concurrent submissions so share one job store
// transaction (one commit, one flush of the log), at no cost to a lone caller,
// whose run starts at once.
type group[T any] struct {
	run     func([]T)
	mu      sync.Mutex
	pending []T
	busy    bool
}

// add queues v for a run; a goroutine runs the pending calls until none are left.
func (g *group[T]) add(v T) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pending = append(g.pending, v)
	if !g.busy {
		g.busy = true
		go g.drain()
	}
}

func (g *group[T]) drain() {
	for {
		g.mu.Lock()
		n := min(len(g.pending), maxGroup)
		if n == 0 {
			g.busy = false
			g.mu.Unlock()
			return
		}
		batch := g.pending[:n:n]
		g.pending = g.pending[n:]
		if len(g.pending) == 0 {
			g.pending = nil
		}
		g.mu.Unlock()
		g.run(batch)
	}
}

// creation is one job to record, and the answer once it is.
type creation struct {
	job  *jobstore.Job
	err  error
	done chan struct{}
}

// create records a job, in one transaction with the jobs submitted at the same
// time. It waits for the answer even when ctx ends: a job recorded must not be
// reported as refused.
func (s *Service) create(j *jobstore.Job) error {
	c := &creation{job: j, done: make(chan struct{})}
	s.creations.add(c)
	<-c.done
	return c.err
}

// storeTimeout bounds a group's job store statement.
const storeTimeout = 30 * time.Second

func (s *Service) createAll(batch []*creation) {
	defer func() {
		// A panic here would take down every caller of the group: each gets an error instead.
		if v := recover(); v != nil {
			s.Log.Error("panic recording jobs", "jobs", len(batch), "panic", fmt.Sprint(v))
			for _, c := range batch {
				select {
				case <-c.done:
				default:
					c.err = fmt.Errorf("recording the job: internal error")
					close(c.done)
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	jobs := make([]*jobstore.Job, len(batch))
	for i, c := range batch {
		jobs[i] = c.job
	}
	errs := s.Store.CreateAll(ctx, jobs)
	for i, c := range batch {
		err := errs[i]
		var dup *jobstore.DuplicateError
		if err != nil && len(batch) > 1 && !errors.As(err, &dup) {
			// The transaction failed: one job's rows must not cost the others theirs.
			err = s.Store.Create(ctx, c.job)
		}
		c.err = err
		close(c.done)
	}
}
