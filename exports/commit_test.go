package exports

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// Calls that arrive while a run is going on go together into the next one;
// every call is run once.
func TestGroupGathersWaitingCalls(t *testing.T) {
	release := make(chan struct{})
	var mu sync.Mutex
	var runs [][]int
	g := group[int]{run: func(batch []int) {
		mu.Lock()
		first := len(runs) == 0
		runs = append(runs, batch)
		mu.Unlock()
		if first {
			<-release // hold the first run while the others arrive
		}
	}}
	g.add(0)
	for !func() bool { mu.Lock(); defer mu.Unlock(); return len(runs) == 1 }() {
		time.Sleep(time.Millisecond)
	}
	n := 2*maxGroup + 10
	for i := 1; i <= n; i++ {
		g.add(i)
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		done := 0
		for _, r := range runs {
			done += len(r)
		}
		mu.Unlock()
		if done == n+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d calls run", done, n+1)
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(runs) != 4 || len(runs[1]) != maxGroup || len(runs[3]) != 10 {
		sizes := []int{}
		for _, r := range runs {
			sizes = append(sizes, len(r))
		}
		t.Fatalf("run sizes %v, want [1 %d %d 10]", sizes, maxGroup, maxGroup)
	}
	next := 0
	for _, r := range runs {
		for _, v := range r {
			if v != next {
				t.Fatalf("call %d ran in place of %d", v, next)
			}
			next++
		}
	}
}

// Jobs submitted at once are recorded together; one that the job store
// refuses costs only itself its record.
func TestCreateGroupsJobs(t *testing.T) {
	st, err := jobstore.Open(context.Background(), "file:"+filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := New(st, nil, nil, nil, nil, nil, nil, Config{})
	job := func(id string) *jobstore.Job {
		return &jobstore.Job{ID: id, Tenant: "t", Status: jobstore.Queued, Priority: "normal", CreatedAt: time.Now(),
			Model: []byte(`{}`), Formats: []*jobstore.Format{{Format: "csv", Status: jobstore.Queued}}}
	}
	if err := s.create(job("exp_used")); err != nil {
		t.Fatal(err)
	}
	// A group holding a job the store refuses: the others are recorded alone.
	batch := []*creation{{job: job("exp_0"), done: make(chan struct{})}, {job: job("exp_used"), done: make(chan struct{})}}
	s.createAll(batch)
	if batch[0].err != nil || batch[1].err == nil {
		t.Fatalf("a group with a used id: %v, %v; want the first recorded, the second refused", batch[0].err, batch[1].err)
	}
	if _, err := st.Get(context.Background(), "exp_0"); err != nil {
		t.Fatalf("the good job of the group: %v", err)
	}

	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := "exp_" + string(rune('A'+i))
			if i == 7 {
				id = "exp_used"
			}
			errs[i] = s.create(job(id))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i == 7) != (err != nil) {
			t.Errorf("job %d: %v", i, err)
		}
	}
	var dup *jobstore.DuplicateError
	if errors.As(errs[7], &dup) {
		t.Errorf("a used id answered a duplicate: %v", errs[7])
	}
	for i := range errs {
		if i == 7 {
			continue
		}
		if _, err := st.Model(context.Background(), "exp_"+string(rune('A'+i))); err != nil {
			t.Errorf("job %d's model: %v", i, err)
		}
	}
}

// A job store that cannot start a transaction answers each job an error.
func TestCreateWithStoreGone(t *testing.T) {
	st, err := jobstore.Open(context.Background(), "file:"+filepath.Join(t.TempDir(), "jobs.db"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	s := New(st, nil, nil, nil, nil, nil, nil, Config{})
	batch := []*creation{{job: &jobstore.Job{ID: "exp_a"}, done: make(chan struct{})}, {job: &jobstore.Job{ID: "exp_b"}, done: make(chan struct{})}}
	s.createAll(batch)
	for i, c := range batch {
		if c.err == nil {
			t.Errorf("job %d recorded in a closed store", i)
		}
	}
}
