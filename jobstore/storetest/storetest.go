// Package storetest is the conformance suite of jobstore.Store: every
// implementation runs Run in its tests.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/arxos/arxport/jobstore"
)

// Run runs the suite, one subtest per behaviour, each on a store from open.
// open must close the store when its test ends; stores may share a database:
// every subtest keeps to tenants, ids and (for the outbox) creation times of
// its own.
//
// Beyond the Store documentation, the suite fixes these: times are kept to the
// microsecond and read back in UTC; empty maps and slices read back as nil;
// format options go through JSON (numbers come back as float64); a format's
// files come back sorted by name.
func Run(t *testing.T, open func(t *testing.T) jobstore.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s jobstore.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Empty", testEmpty},
		{"NotFound", testNotFound},
		{"Idempotency", testIdempotency},
		{"List", testList},
		{"Update", testUpdate},
		{"UpdateFormats", testUpdateFormats},
		{"UpdateNoChange", testUpdateNoChange},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"Delete", testDelete},
		{"Outbox", testOutbox},
		{"Expired", testExpired},
		{"Events", testEvents},
		{"Keys", testKeys},
		{"ConcurrentCreate", testConcurrentCreate},
		{"CreateAll", testCreateAll},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

var lastID atomic.Int64

func init() { lastID.Store(time.Now().UnixNano()) }

// newID returns a job id greater than every one returned before, as the
// service's "exp_" + ULID ids are in time.
func newID() string { return fmt.Sprintf("exp_%020d", lastID.Add(1)) }

// newTenant returns a tenant no other test uses.
func newTenant() string { return "tenant_" + newID()[4:] }

// at is a time with nanoseconds, outside UTC: stored, it becomes at.Truncate(µs).UTC().
var at = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("CET", 3600))

// fullJob is a job with every field set, but no files.
func fullJob(tenant string) *jobstore.Job {
	id := newID()
	return &jobstore.Job{
		ID: id, Tenant: tenant, User: "alice", Status: jobstore.Running, Priority: "high",
		CreatedAt: at, StartedAt: at.Add(1500 * time.Millisecond), FinishedAt: at.Add(2 * time.Minute), ExpiresAt: at.Add(72 * time.Hour),
		ModelKey: "models/" + id + ".ndjson.gz", ModelSize: 123456789, Name: "tower", Elements: 100000,
		Options: jobstore.Options{
			Floors: []string{"L1", "L2"}, Types: []string{"wall", "door"},
			OnInvalid: "skip", Compression: "gzip", FormatEvents: true,
		},
		CallbackURL:    "https://hooks.example.com/exports",
		Labels:         map[string]string{"project": "tower-a", "team": "bim"},
		Retention:      72*time.Hour + 1,
		IdempotencyKey: "key-" + id, RequestHash: "9f86d081884c7d65",
		Enqueued: true,
		Error: &jobstore.Error{Code: "CONVERSION_FAILED", Message: "one format failed", Recoverable: true,
			Errors: []jobstore.Issue{{Path: "floors[0]", Code: "INVALID_MODEL", Message: "bad", Severity: "high", Format: "ifc"}}},
		Warnings:    []jobstore.Issue{{Path: "floors[0].foo", Code: "UNKNOWN_FIELD", Message: "unknown field foo", Severity: "low"}},
		TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		Formats: []*jobstore.Format{
			{
				Format:  "gltf",
				Options: map[string]any{"draco": true, "scale": 0.5, "name": "x", "nested": map[string]any{"list": []any{"a", 1.0}}},
				Status:  jobstore.Completed, Progress: 1, Attempt: 2, Gen: 3,
				StartedAt: at.Add(time.Second), FinishedAt: at.Add(time.Minute),
				Metrics: map[string]int64{"elements": 100000, "triangles": 1200000, "duration_ms": 812},
			},
			{
				Format: "ifc", Status: jobstore.Failed, Progress: 0.3, Attempt: 1, StartedAt: at.Add(time.Second),
				Error: &jobstore.Error{Code: "TIMEOUT", Message: "took too long", Recoverable: true},
			},
			{Format: "pdf", Status: jobstore.Queued, Options: map[string]any{"paper": "A3"}},
		},
	}
}

// files are files of format f, not sorted by name.
func files(f string) []jobstore.File {
	return []jobstore.File{
		{Name: "tower." + f, Key: "exports/tower." + f, Size: 1234567, SHA256: strings.Repeat("ab", 32),
			ContentType: "model/" + f, CreatedAt: at.Add(time.Minute)},
		{Name: "a-tower." + f + ".sha256", Key: "exports/a-tower." + f + ".sha256", Size: 64, SHA256: strings.Repeat("cd", 32),
			ContentType: "text/plain"},
	}
}

// normalized is j as the store gives it back.
func normalized(j *jobstore.Job) *jobstore.Job {
	c := *j
	c.CreatedAt, c.StartedAt, c.FinishedAt, c.ExpiresAt = norm(j.CreatedAt), norm(j.StartedAt), norm(j.FinishedAt), norm(j.ExpiresAt)
	c.Labels = nilMap(j.Labels)
	c.Warnings = nilSlice(j.Warnings)
	c.Options.Floors, c.Options.Types = nilSlice(j.Options.Floors), nilSlice(j.Options.Types)
	c.Formats = nil
	for _, f := range j.Formats {
		g := *f
		g.StartedAt, g.FinishedAt = norm(f.StartedAt), norm(f.FinishedAt)
		g.Options, g.Metrics = nilMap(f.Options), nilMap(f.Metrics)
		g.Files = nil
		for _, fl := range f.Files {
			fl.CreatedAt = norm(fl.CreatedAt)
			g.Files = append(g.Files, fl)
		}
		slices.SortFunc(g.Files, func(a, b jobstore.File) int { return strings.Compare(a.Name, b.Name) })
		c.Formats = append(c.Formats, &g)
	}
	return &c
}

func norm(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Truncate(time.Microsecond).UTC()
}

func nilSlice[S ~[]E, E any](v S) S {
	if len(v) == 0 {
		return nil
	}
	return v
}

func nilMap[M ~map[K]V, K comparable, V any](v M) M {
	if len(v) == 0 {
		return nil
	}
	return v
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func create(t *testing.T, s jobstore.Store, j *jobstore.Job) {
	t.Helper()
	if err := s.Create(context.Background(), j); err != nil {
		t.Fatalf("create %s: %v", j.ID, err)
	}
}

func get(t *testing.T, s jobstore.Store, id string) *jobstore.Job {
	t.Helper()
	j, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("get %s: %v", id, err)
	}
	return j
}

func update(t *testing.T, s jobstore.Store, id string, fn func(j *jobstore.Job)) *jobstore.Job {
	t.Helper()
	j, err := s.Update(context.Background(), id, func(j *jobstore.Job) error { fn(j); return nil })
	if err != nil {
		t.Fatalf("update %s: %v", id, err)
	}
	return j
}

func ids(jobs []*jobstore.Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.ID)
	}
	return out
}

func testRoundTrip(t *testing.T, s jobstore.Store) {
	j := fullJob(newTenant())
	want := normalized(j)
	create(t, s, j)
	got := get(t, s, j.ID)
	equal(t, "get after create", got, want)
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt in %v, want UTC", got.CreatedAt.Location())
	}

	// Files come in through Update; every File field round-trips, sorted by name.
	updated := update(t, s, j.ID, func(j *jobstore.Job) {
		j.Formats[0].Files = files("glb")
		j.Formats[1].Files = files("ifc")[:1]
	})
	j.Formats[0].Files, j.Formats[1].Files = files("glb"), files("ifc")[:1]
	want = normalized(j)
	equal(t, "update's answer", updated, want)
	equal(t, "get after update", get(t, s, j.ID), want)
}

func testEmpty(t *testing.T, s jobstore.Store) {
	j := &jobstore.Job{
		ID: newID(), Tenant: newTenant(), Status: jobstore.Queued, CreatedAt: at,
		Labels: map[string]string{}, Warnings: []jobstore.Issue{},
		Options: jobstore.Options{Floors: []string{}},
		Formats: []*jobstore.Format{{Format: "csv", Options: map[string]any{}, Metrics: map[string]int64{}, Files: []jobstore.File{}}},
	}
	create(t, s, j)
	want := &jobstore.Job{ID: j.ID, Tenant: j.Tenant, Status: jobstore.Queued, CreatedAt: norm(at), Formats: []*jobstore.Format{{Format: "csv"}}}
	equal(t, "get", get(t, s, j.ID), want)

	// No formats at all, and a zero CreatedAt, which Create sets.
	bare := &jobstore.Job{ID: newID(), Tenant: j.Tenant, Status: jobstore.Queued}
	before := time.Now()
	create(t, s, bare)
	got := get(t, s, bare.ID)
	if got.Formats != nil || got.CreatedAt.Before(before.Truncate(time.Microsecond)) || got.CreatedAt.After(time.Now()) {
		t.Fatalf("bare job: formats %v, created %v (created after %v)", got.Formats, got.CreatedAt, before)
	}
}

func testNotFound(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	if _, err := s.Get(ctx, "exp_missing"); !errors.Is(err, jobstore.ErrNotFound) {
		t.Errorf("Get: %v, want ErrNotFound", err)
	}
	called := false
	if _, err := s.Update(ctx, "exp_missing", func(*jobstore.Job) error { called = true; return nil }); !errors.Is(err, jobstore.ErrNotFound) || called {
		t.Errorf("Update: %v (fn called: %v), want ErrNotFound", err, called)
	}
	if err := s.Delete(ctx, "exp_missing"); err != nil {
		t.Errorf("Delete: %v, want nil", err)
	}
	if _, err := s.Key(ctx, "missing"); !errors.Is(err, jobstore.ErrNotFound) {
		t.Errorf("Key: %v, want ErrNotFound", err)
	}
	if ev, err := s.Events(ctx, "exp_missing", 0); err != nil || len(ev) != 0 {
		t.Errorf("Events: %v, %v; want none", ev, err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}

	// A second job with an id in use is refused, and is no duplicate.
	j := fullJob(newTenant())
	create(t, s, j)
	again := fullJob(j.Tenant)
	again.ID = j.ID
	if err := s.Create(ctx, again); err == nil || errors.Is(err, jobstore.ErrDuplicate) {
		t.Errorf("Create with a used id: %v, want an error other than ErrDuplicate", err)
	}
	if err := s.Create(ctx, &jobstore.Job{Tenant: "t"}); err == nil {
		t.Error("Create without an id succeeded")
	}
}

func keyed(tenant, key string, created time.Time) *jobstore.Job {
	return &jobstore.Job{ID: newID(), Tenant: tenant, Status: jobstore.Queued, CreatedAt: created, IdempotencyKey: key,
		Formats: []*jobstore.Format{{Format: "ifc", Status: jobstore.Queued}}}
}

func testIdempotency(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	now := time.Now()
	tenant := newTenant()
	first := keyed(tenant, "k1", now)
	create(t, s, first)

	second := keyed(tenant, "k1", now.Add(time.Second))
	err := s.Create(ctx, second)
	var dup *jobstore.DuplicateError
	if !errors.Is(err, jobstore.ErrDuplicate) || !errors.As(err, &dup) {
		t.Fatalf("second Create: %v, want *DuplicateError", err)
	}
	equal(t, "duplicate's job", dup.Job, get(t, s, first.ID))
	if _, err := s.Get(ctx, second.ID); !errors.Is(err, jobstore.ErrNotFound) {
		t.Fatalf("the refused job was stored: %v", err)
	}

	create(t, s, keyed(newTenant(), "k1", now)) // another tenant, same key
	create(t, s, keyed(tenant, "", now))        // no key, twice
	create(t, s, keyed(tenant, "", now))

	// A key older than 24 h goes to the new job.
	old := keyed(tenant, "k2", now.Add(-25*time.Hour))
	create(t, s, old)
	fresh := keyed(tenant, "k2", now)
	create(t, s, fresh)
	if k := get(t, s, old.ID).IdempotencyKey; k != "" {
		t.Errorf("stale holder keeps key %q", k)
	}
	if err := s.Create(ctx, keyed(tenant, "k2", now)); !errors.As(err, &dup) || dup.Job.ID != fresh.ID {
		t.Errorf("third Create with k2: %v, want the duplicate of %s", err, fresh.ID)
	}
	// One 23 h old still holds it.
	recent := keyed(tenant, "k3", now.Add(-23*time.Hour))
	create(t, s, recent)
	if err := s.Create(ctx, keyed(tenant, "k3", now)); !errors.As(err, &dup) || dup.Job.ID != recent.ID {
		t.Errorf("Create with k3: %v, want the duplicate of %s", err, recent.ID)
	}

	// Racing Creates with one key: exactly one wins, every other sees it.
	const n = 10
	jobs := make([]*jobstore.Job, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		jobs[i] = keyed(tenant, "race", now)
		wg.Go(func() { errs[i] = s.Create(ctx, jobs[i]) })
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Fatalf("two Creates won the key: %s and %s", winner, jobs[i].ID)
			}
			winner = jobs[i].ID
		}
	}
	for _, err := range errs {
		if err != nil && (!errors.As(err, &dup) || dup.Job.ID != winner) {
			t.Fatalf("racing Create: %v, want the duplicate of %s", err, winner)
		}
	}
	if winner == "" {
		t.Fatal("no racing Create won")
	}
}

func testList(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	a, b := newTenant(), newTenant()
	var as, bs []string // ids, oldest first
	for i := range 7 {
		j := fullJob(a)
		j.Status = []jobstore.Status{jobstore.Queued, jobstore.Running}[i%2]
		j.Labels = map[string]string{"project": []string{"p", "q"}[i%2]}
		if i == 3 {
			j.Labels["hot"] = "yes"
		}
		create(t, s, j)
		as = append(as, j.ID)
	}
	for range 3 {
		j := fullJob(b)
		create(t, s, j)
		bs = append(bs, j.ID)
	}
	update(t, s, as[2], func(j *jobstore.Job) { j.Formats[0].Files = files("glb") })
	update(t, s, as[5], func(j *jobstore.Job) { j.Formats[1].Files = files("ifc") })
	reversed := func(ids []string) []string { r := slices.Clone(ids); slices.Reverse(r); return r }
	list := func(q jobstore.ListQuery) ([]*jobstore.Job, string) {
		t.Helper()
		jobs, next, err := s.List(ctx, q)
		if err != nil {
			t.Fatalf("List(%+v): %v", q, err)
		}
		return jobs, next
	}

	// Three pages of tenant a; every job as Get has it (formats and files too).
	var got []string
	cursor := ""
	var cursors []string
	for {
		jobs, next := list(jobstore.ListQuery{Tenant: a, Limit: 3, After: cursor})
		for _, j := range jobs {
			equal(t, "listed job "+j.ID, j, get(t, s, j.ID))
		}
		got = append(got, ids(jobs)...)
		cursors = append(cursors, next)
		if next == "" {
			break
		}
		if len(cursors) > 10 {
			t.Fatal("List does not end")
		}
		cursor = next
	}
	equal(t, "pages of a", got, reversed(as))
	equal(t, "cursors", cursors, []string{as[4], as[1], ""})

	jobs, next := list(jobstore.ListQuery{Tenant: a, Limit: 7})
	equal(t, "a in one page", ids(jobs), reversed(as))
	equal(t, "cursor of a full page", next, "")
	jobs, _ = list(jobstore.ListQuery{Tenant: a, After: as[3]})
	equal(t, "a after a[3]", ids(jobs), reversed(as[:3]))
	jobs, _ = list(jobstore.ListQuery{Tenant: b})
	equal(t, "b", ids(jobs), reversed(bs))

	jobs, _ = list(jobstore.ListQuery{Tenant: a, Status: jobstore.Running})
	equal(t, "running in a", ids(jobs), []string{as[5], as[3], as[1]})
	jobs, _ = list(jobstore.ListQuery{Tenant: a, Label: "project=p"})
	equal(t, "project=p in a", ids(jobs), []string{as[6], as[4], as[2], as[0]})
	jobs, _ = list(jobstore.ListQuery{Tenant: a, Label: "project=q", Status: jobstore.Running, Limit: 2})
	equal(t, "project=q running in a, 2", ids(jobs), []string{as[5], as[3]})
	jobs, _ = list(jobstore.ListQuery{Tenant: a, Label: "hot"})
	equal(t, "having label hot", ids(jobs), []string{as[3]})
	jobs, _ = list(jobstore.ListQuery{Tenant: a, Label: "project=none"})
	equal(t, "project=none", len(jobs), 0)
	jobs, _ = list(jobstore.ListQuery{Tenant: b, Label: "project=p"})
	equal(t, "project=p in b", len(jobs), 0)

	// Every tenant: a and b interleaved by id, newest first.
	jobs, _ = list(jobstore.ListQuery{Limit: 1000})
	mine := slices.DeleteFunc(ids(jobs), func(id string) bool { return !slices.Contains(as, id) && !slices.Contains(bs, id) })
	equal(t, "every tenant", mine, reversed(append(slices.Clone(as), bs...)))
}

func testUpdate(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	j := fullJob(newTenant())
	create(t, s, j)
	finished := time.Now()
	change := func(j *jobstore.Job) {
		j.Status = jobstore.Completed
		j.FinishedAt = finished
		j.Elements++
		j.Enqueued = false
		j.Error = nil
		j.Warnings = append(j.Warnings, jobstore.Issue{Code: "W2", Message: "second"})
		j.Labels = map[string]string{"project": "tower-b", "new": "1"}
		j.Options.Floors = nil
		j.Formats[2].Status = jobstore.Running
		j.Formats[2].Progress = 0.75
		j.Formats[2].Metrics = map[string]int64{"elements": 10}
	}
	got := update(t, s, j.ID, change)
	change(j)
	want := normalized(j)
	equal(t, "update's answer", got, want)
	equal(t, "get", get(t, s, j.ID), want)

	// The label index follows.
	for label, n := range map[string]int{"project=tower-a": 0, "team=bim": 0, "project=tower-b": 1, "new=1": 1} {
		jobs, _, err := s.List(ctx, jobstore.ListQuery{Tenant: j.Tenant, Label: label})
		if err != nil || len(jobs) != n {
			t.Errorf("List label %s: %d jobs (%v), want %d", label, len(jobs), err, n)
		}
	}

	// An error from fn aborts, and comes back.
	boom := errors.New("boom")
	_, err := s.Update(ctx, j.ID, func(j *jobstore.Job) error {
		j.Status = jobstore.Failed
		j.Formats[0].Status = jobstore.Failed
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update: %v, want boom", err)
	}
	equal(t, "get after abort", get(t, s, j.ID), want)
}

func testUpdateFormats(t *testing.T, s jobstore.Store) {
	j := fullJob(newTenant())
	create(t, s, j)
	check := func(what string, fn func(j *jobstore.Job)) {
		t.Helper()
		got := update(t, s, j.ID, fn)
		fn(j)
		want := normalized(j)
		equal(t, what+": update's answer", got, want)
		equal(t, what+": get", get(t, s, j.ID), want)
	}
	check("files added", func(j *jobstore.Job) {
		j.Formats[0].Files = files("glb")
		j.Formats[1].Files = files("ifc")
	})
	check("files replaced", func(j *jobstore.Job) { j.Formats[0].Files = files("gltf")[1:] })
	check("file moved to another format", func(j *jobstore.Job) {
		j.Formats[2].Files = j.Formats[0].Files
		j.Formats[0].Files = nil
	})
	check("format added", func(j *jobstore.Job) {
		j.Formats = append(j.Formats, &jobstore.Format{Format: "xlsx", Status: jobstore.Queued, Files: files("xlsx")})
	})
	check("format removed", func(j *jobstore.Job) { j.Formats = slices.Delete(j.Formats, 1, 2) })
	check("formats reordered", func(j *jobstore.Job) { slices.Reverse(j.Formats) })
	check("format renamed", func(j *jobstore.Job) { j.Formats[0].Format = "csv" })
	check("formats cleared", func(j *jobstore.Job) { j.Formats = nil })
}

func testUpdateNoChange(t *testing.T, s jobstore.Store) {
	j := fullJob(newTenant())
	create(t, s, j)
	want := get(t, s, j.ID)
	got, err := s.Update(context.Background(), j.ID, func(j *jobstore.Job) error {
		j.Status = jobstore.Cancelled
		j.Formats[0].Files = files("glb")
		return jobstore.ErrNoChange
	})
	if !errors.Is(err, jobstore.ErrNoChange) {
		t.Fatalf("Update: %v, want ErrNoChange", err)
	}
	equal(t, "Update's answer (the job as read)", got, want)
	equal(t, "get", get(t, s, j.ID), want)
}

// testUpdateConcurrent has one Update per format, all at once: each completes
// its format and checks whether all are; exactly one must see them all done.
func testUpdateConcurrent(t *testing.T, s jobstore.Store) {
	const n = 20
	j := &jobstore.Job{ID: newID(), Tenant: newTenant(), Status: jobstore.Running, CreatedAt: time.Now()}
	for i := range n {
		j.Formats = append(j.Formats, &jobstore.Format{Format: fmt.Sprintf("f%02d", i), Status: jobstore.Running})
	}
	create(t, s, j)

	var last atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var sawAll bool
			_, err := s.Update(context.Background(), j.ID, func(j *jobstore.Job) error {
				f := j.Formats[i]
				f.Status, f.Progress = jobstore.Completed, 1
				f.Files = []jobstore.File{{Name: f.Format + ".out", Key: "k/" + f.Format, Size: int64(i)}}
				j.Elements++
				sawAll = !slices.ContainsFunc(j.Formats, func(f *jobstore.Format) bool { return !f.Status.Terminal() })
				if sawAll {
					j.Status = jobstore.Completed
				}
				return nil
			})
			if err != nil {
				t.Errorf("update format %d: %v", i, err)
			}
			if sawAll {
				last.Add(1)
			}
		})
	}
	wg.Wait()
	if got := last.Load(); got != 1 {
		t.Fatalf("%d updates saw every format done, want 1", got)
	}
	got := get(t, s, j.ID)
	if got.Status != jobstore.Completed || got.Elements != n {
		t.Fatalf("job %s with %d elements, want completed with %d", got.Status, got.Elements, n)
	}
	for i, f := range got.Formats {
		if f.Status != jobstore.Completed || len(f.Files) != 1 || f.Files[0].Size != int64(i) {
			t.Fatalf("format %d: %s with files %+v", i, f.Status, f.Files)
		}
	}
}

func testDelete(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	j := fullJob(newTenant())
	create(t, s, j)
	update(t, s, j.ID, func(j *jobstore.Job) { j.Formats[0].Files = files("glb") })
	if err := s.AddEvents(ctx, []jobstore.Event{{JobID: j.ID, Seq: 1, Type: "job.queued", Time: at}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, j.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, j.ID); !errors.Is(err, jobstore.ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
	if ev, err := s.Events(ctx, j.ID, 0); err != nil || len(ev) != 0 {
		t.Fatalf("Events after Delete: %v, %v", ev, err)
	}
	if jobs, _, err := s.List(ctx, jobstore.ListQuery{Tenant: j.Tenant, Label: "project=tower-a"}); err != nil || len(jobs) != 0 {
		t.Fatalf("List after Delete: %d jobs, %v", len(jobs), err)
	}
	if err := s.Delete(ctx, j.ID); err != nil {
		t.Fatalf("second Delete: %v", err)
	}
	// Nothing of it is left: the same id, formats, files and events go in again.
	create(t, s, j)
	update(t, s, j.ID, func(j *jobstore.Job) { j.Formats[0].Files = files("glb") })
	if err := s.AddEvents(ctx, []jobstore.Event{{JobID: j.ID, Seq: 1, Type: "job.started", Time: at}}); err != nil {
		t.Fatal(err)
	}
	if ev, err := s.Events(ctx, j.ID, 0); err != nil || len(ev) != 1 || ev[0].Type != "job.started" {
		t.Fatalf("Events of the new job: %+v, %v", ev, err)
	}
}

func testOutbox(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	tenant := newTenant()
	day := func(d int) time.Time { return time.Date(2001, 1, d, 0, 0, 0, 0, time.UTC) } // no other test is this old
	job := func(d int, status jobstore.Status, enqueued bool) *jobstore.Job {
		j := keyed(tenant, "", day(d))
		j.Status, j.Enqueued = status, enqueued
		return j
	}
	later := job(20, jobstore.Queued, false)
	second := job(2, jobstore.Queued, false)
	first := job(1, jobstore.Running, false)
	for _, j := range []*jobstore.Job{later, second, job(3, jobstore.Completed, false), job(4, jobstore.Cancelled, false),
		job(5, jobstore.Queued, true), first} {
		create(t, s, j)
	}
	outbox := func(limit int) []*jobstore.Job {
		t.Helper()
		jobs, err := s.Unenqueued(ctx, day(10), limit)
		if err != nil {
			t.Fatalf("Unenqueued: %v", err)
		}
		return jobs
	}
	got := outbox(10)
	equal(t, "outbox", ids(got), []string{first.ID, second.ID})
	equal(t, "outbox job", got[0], get(t, s, first.ID))
	equal(t, "outbox of 1", ids(outbox(1)), []string{first.ID})

	if err := s.SetEnqueued(ctx, first.ID, "exp_missing"); err != nil {
		t.Fatalf("SetEnqueued: %v", err)
	}
	if err := s.SetEnqueued(ctx); err != nil {
		t.Fatalf("SetEnqueued(): %v", err)
	}
	equal(t, "outbox after SetEnqueued", ids(outbox(10)), []string{second.ID})
	if !get(t, s, first.ID).Enqueued {
		t.Fatal("SetEnqueued did not mark the job")
	}
	jobs, err := s.Unenqueued(ctx, day(30), 10)
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "outbox until day 30", ids(jobs), []string{second.ID, later.ID})
}

func testExpired(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	tenant := newTenant()
	day := func(d int) time.Time { return time.Date(2000, 1, d, 0, 0, 0, 0, time.UTC) } // no other test is this old
	job := func(expires int, status jobstore.Status) *jobstore.Job {
		j := keyed(tenant, "", day(1))
		j.Status, j.ExpiresAt = status, day(expires)
		return j
	}
	soon, sooner := job(5, jobstore.Completed), job(3, jobstore.Failed)
	for _, j := range []*jobstore.Job{soon, job(20, jobstore.Completed), job(4, jobstore.Running), sooner, job(2, jobstore.Queued)} {
		create(t, s, j)
	}
	expired := func(before time.Time, cursor string, limit int) ([]string, string) {
		t.Helper()
		jobs, next, err := s.Expired(ctx, before, cursor, limit)
		if err != nil {
			t.Fatalf("Expired: %v", err)
		}
		return ids(jobs), next
	}
	all, next := expired(day(10), "", 10)
	equal(t, "expired by day 10", all, []string{sooner.ID, soon.ID})
	equal(t, "cursor after the last page", next, "")
	page, next := expired(day(10), "", 1)
	equal(t, "expired, limit 1", page, []string{sooner.ID})
	page, _ = expired(day(10), next, 1)
	equal(t, "expired, second page", page, []string{soon.ID})
	none, _ := expired(day(3), "", 10)
	equal(t, "expired by day 3", none, []string(nil))
}

func testEvents(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	j, other := fullJob(newTenant()), fullJob(newTenant())
	create(t, s, j)
	create(t, s, other)
	ev := func(job string, seq int64, typ string) jobstore.Event {
		return jobstore.Event{Seq: seq, JobID: job, Type: typ, Format: "gltf", Time: at.Add(time.Duration(seq) * time.Second),
			Severity: "info", Message: fmt.Sprintf("event %d", seq), Data: json.RawMessage(`{"fraction":0.5,"stage":"converting"}`)}
	}
	e1, e2, e3 := ev(j.ID, 1, "job.queued"), ev(j.ID, 2, "progress"), ev(j.ID, 3, "job.completed")
	e3.Format, e3.Data, e3.Message, e3.Time = "", nil, "", time.Time{}
	if err := s.AddEvents(ctx, []jobstore.Event{e3, e1, ev(other.ID, 1, "job.queued"), e2}); err != nil {
		t.Fatalf("AddEvents: %v", err)
	}
	e4 := ev(j.ID, 4, "job.completed")
	changed := e2
	changed.Message = "changed"
	if err := s.AddEvents(ctx, []jobstore.Event{changed, e4, e1}); err != nil {
		t.Fatalf("AddEvents again: %v", err)
	}
	if err := s.AddEvents(ctx, nil); err != nil {
		t.Fatalf("AddEvents(nil): %v", err)
	}
	events := func(after int64) []jobstore.Event {
		t.Helper()
		got, err := s.Events(ctx, j.ID, after)
		if err != nil {
			t.Fatalf("Events: %v", err)
		}
		return got
	}
	want := []jobstore.Event{e1, e2, e3, e4}
	for i := range want {
		want[i].Time = norm(want[i].Time)
	}
	equal(t, "events", events(0), want)
	equal(t, "events after 2", events(2), want[2:])
	equal(t, "events after 4", len(events(4)), 0)
	got, err := s.Events(ctx, other.ID, 0)
	if err != nil || len(got) != 1 {
		t.Fatalf("events of the other job: %v, %v", got, err)
	}
}

func testKeys(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	k := jobstore.Key{Hash: strings.Repeat("e3", 32), Tenant: newTenant(), Name: "ci"}
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatalf("PutKey: %v", err)
	}
	got, err := s.Key(ctx, k.Hash)
	if err != nil {
		t.Fatalf("Key: %v", err)
	}
	equal(t, "key", got, k)
	k.Tenant, k.Name, k.Admin = newTenant(), "admin", true
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatalf("PutKey replacing: %v", err)
	}
	if got, err = s.Key(ctx, k.Hash); err != nil {
		t.Fatalf("Key: %v", err)
	}
	equal(t, "replaced key", got, k)
}

// testConcurrentCreate creates 1001 jobs from 16 goroutines, then checks them
// through List's default and largest pages.
func testConcurrentCreate(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	const n = 1001
	tenant := newTenant()
	jobs := make([]*jobstore.Job, n)
	for i := range jobs {
		jobs[i] = keyed(tenant, fmt.Sprint("key-", i), time.Now())
		jobs[i].Labels = map[string]string{"batch": "1"}
	}
	var next atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if err := s.Create(ctx, jobs[i]); err != nil {
					t.Errorf("create %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	all := ids(jobs)
	slices.Reverse(all)

	page, cursor, err := s.List(ctx, jobstore.ListQuery{Tenant: tenant})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "default page", ids(page), all[:50])
	equal(t, "default page's cursor", cursor, all[49])

	page, cursor, err = s.List(ctx, jobstore.ListQuery{Tenant: tenant, Label: "batch=1", Limit: 5000})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "largest page", ids(page), all[:1000])
	equal(t, "largest page's cursor", cursor, all[999])
	page, cursor, err = s.List(ctx, jobstore.ListQuery{Tenant: tenant, Limit: 1000, After: cursor})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "last page", ids(page), all[1000:])
	equal(t, "last page's cursor", cursor, "")
}

// testCreateAll records jobs together: each as Create would, a held key
// refusing only its own job, a kept model only through Model.
func testCreateAll(t *testing.T, s jobstore.Store) {
	ctx := context.Background()
	now := time.Now()
	tenant := newTenant()
	holder := keyed(tenant, "held", now)
	create(t, s, holder)

	full := fullJob(tenant)
	want := normalized(full)
	withModel := keyed(tenant, "", now)
	withModel.ModelKey, withModel.Model = "", []byte(`{"building":{"id":"b"}}`)
	refused := keyed(tenant, "held", now)
	twiceA, twiceB := keyed(tenant, "twice", now), keyed(tenant, "twice", now)
	jobs := []*jobstore.Job{full, withModel, refused, twiceA, twiceB}
	errs := s.CreateAll(ctx, jobs)
	if len(errs) != len(jobs) {
		t.Fatalf("CreateAll answered %d errors for %d jobs", len(errs), len(jobs))
	}
	for i, j := range []*jobstore.Job{full, withModel, twiceA} {
		if err := errs[slices.Index(jobs, j)]; err != nil {
			t.Fatalf("job %d: %v", i, err)
		}
	}
	var dup *jobstore.DuplicateError
	if !errors.As(errs[2], &dup) || dup.Job.ID != holder.ID {
		t.Errorf("job with a held key: %v, want the duplicate of %s", errs[2], holder.ID)
	}
	if !errors.As(errs[4], &dup) || dup.Job.ID != twiceA.ID {
		t.Errorf("second job with one key in the batch: %v, want the duplicate of %s", errs[4], twiceA.ID)
	}
	for _, j := range []*jobstore.Job{refused, twiceB} {
		if _, err := s.Get(ctx, j.ID); !errors.Is(err, jobstore.ErrNotFound) {
			t.Errorf("refused job %s was stored: %v", j.ID, err)
		}
	}
	equal(t, "job created in a batch", get(t, s, full.ID), want)

	got := get(t, s, withModel.ID)
	if got.Model != nil {
		t.Errorf("Get answered the kept model")
	}
	body, err := s.Model(ctx, withModel.ID)
	if err != nil || string(body) != string(withModel.Model) {
		t.Errorf("Model = %q, %v; want %q", body, err, withModel.Model)
	}
	if _, err := s.Model(ctx, full.ID); !errors.Is(err, jobstore.ErrNotFound) {
		t.Errorf("Model of a job without one: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, withModel.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Model(ctx, withModel.ID); !errors.Is(err, jobstore.ErrNotFound) {
		t.Errorf("Model after Delete: %v, want ErrNotFound", err)
	}

	// One bad job (a used id) fails the transaction: nothing of it is kept.
	ok, bad := keyed(tenant, "", now), keyed(tenant, "", now)
	bad.ID = full.ID
	errs = s.CreateAll(ctx, []*jobstore.Job{ok, bad})
	if errs[0] == nil || errs[1] == nil {
		t.Errorf("CreateAll with a used id: %v; want both to fail", errs)
	}
	if _, err := s.Get(ctx, ok.ID); !errors.Is(err, jobstore.ErrNotFound) {
		t.Errorf("a job of a failed batch was stored: %v", err)
	}
}
