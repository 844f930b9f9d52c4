package tracking

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/arxos/arxport/internal/testenv"
	"github.com/arxos/arxport/jobstore"
)

func newTracker(t *testing.T) *Tracker {
	rdb := redis.NewClient(testenv.Redis(t))
	t.Cleanup(func() { rdb.Close() })
	return New(rdb)
}

// Events written by many writers at once get increasing numbers, and the
// stream holds them in that order.
func TestEmitOrdered(t *testing.T) {
	tr := newTracker(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := tr.Emit(ctx, jobstore.Event{JobID: "j1", Type: "progress", Format: fmt.Sprint(w)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	evs, err := tr.Events(ctx, "j1", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 400 {
		t.Fatalf("%d events, want 400", len(evs))
	}
	for i, e := range evs {
		if e.Seq != int64(i+1) || e.JobID != "j1" || e.Severity != "info" || e.Time.IsZero() {
			t.Fatalf("event %d: %+v", i, e)
		}
	}
	after, _ := tr.Events(ctx, "j1", 390)
	if len(after) != 10 || after[0].Seq != 391 {
		t.Fatalf("events after 390: %d from %d", len(after), after[0].Seq)
	}
}

func TestWaitWakesOnEvent(t *testing.T) {
	tr := newTracker(t)
	ctx := context.Background()
	go func() {
		time.Sleep(100 * time.Millisecond)
		tr.Emit(ctx, jobstore.Event{JobID: "j2", Type: "job.completed"})
	}()
	start := time.Now()
	evs, err := tr.Wait(ctx, "j2", 0, 5*time.Second)
	if err != nil || len(evs) != 1 || evs[0].Type != "job.completed" {
		t.Fatalf("wait: %v %+v", err, evs)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatal("Wait did not wake on the event")
	}
	if evs, err := tr.Wait(ctx, "j2", 1, 50*time.Millisecond); err != nil || len(evs) != 0 {
		t.Fatalf("wait with nothing new: %v %+v", err, evs)
	}
}

// The reporter publishes at most every Interval and for steps of Step or
// more, but always on a stage change.
func TestReporterThrottles(t *testing.T) {
	tr := newTracker(t)
	ctx := context.Background()
	r := tr.Reporter(ctx, "j3", "csv")
	r.Interval = 50 * time.Millisecond
	for i := int64(0); i <= 100_000; i++ {
		r.Progress("converting", i, 100_000)
	}
	r.Progress("writing", 1, 1)
	evs, _ := tr.Events(ctx, "j3", 0)
	if len(evs) < 2 || len(evs) > 40 {
		t.Fatalf("%d progress events for one fast pass", len(evs))
	}
	if last := evs[len(evs)-1]; last.Type != "progress" || last.Format != "csv" {
		t.Fatalf("last event %+v", last)
	}
	p, err := tr.Progress(ctx, "j3")
	if err != nil || p["csv"].Stage != "writing" || p["csv"].Fraction != 1 {
		t.Fatalf("progress: %v %+v", err, p)
	}
	// Slow progress: one event per 1 % step at most.
	r2 := tr.Reporter(ctx, "j4", "ifc")
	r2.Interval = 0
	for i := int64(0); i <= 1000; i++ {
		r2.Progress("converting", i, 1000)
	}
	if evs, _ := tr.Events(ctx, "j4", 0); len(evs) > 101 {
		t.Fatalf("%d events for 1000 steps of 0.1 %%", len(evs))
	}
}

func TestStateAndExpiry(t *testing.T) {
	tr := newTracker(t)
	ctx := context.Background()
	if s, err := tr.State(ctx, "j5"); err != nil || s != StateRunning {
		t.Fatalf("default state %q %v", s, err)
	}
	tr.SetState(ctx, "j5", StatePaused)
	if s, _ := tr.State(ctx, "j5"); s != StatePaused {
		t.Fatalf("state %q", s)
	}
	tr.Emit(ctx, jobstore.Event{JobID: "j5", Type: "job.paused"})
	if err := tr.Expire(ctx, "j5", time.Hour); err != nil {
		t.Fatal(err)
	}
	if ttl := tr.rdb.TTL(ctx, key("j5", "events")).Val(); ttl <= 0 {
		t.Fatalf("events ttl %s", ttl)
	}
	if err := tr.Delete(ctx, "j5"); err != nil {
		t.Fatal(err)
	}
	if n := tr.rdb.Exists(ctx, key("j5", "events"), key("j5", "state")).Val(); n != 0 {
		t.Fatalf("%d keys left after Delete", n)
	}
}
