package jobstore_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/jobstore/storetest"
)

func openSQLite(t *testing.T, dsn string) jobstore.Store {
	t.Helper()
	s, err := jobstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open(%q): %v", dsn, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) jobstore.Store {
		return openSQLite(t, "sqlite:"+filepath.Join(t.TempDir(), "jobs.db"))
	})
}

// TestSQLiteDSN opens every spelling of a SQLite DSN; each store sees what
// another wrote to the same file.
func TestSQLiteDSN(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx := context.Background()
	for i, dsn := range []string{
		"sqlite:jobs.db",
		"sqlite://jobs.db?pool_max_conns=1",
		"sqlite://" + filepath.Join(dir, "jobs.db"),
		"file:" + filepath.Join(dir, "jobs.db") + "?cache=private&_busy_timeout=1000",
	} {
		s := openSQLite(t, dsn)
		id := "exp_" + string(rune('a'+i))
		if err := s.Create(ctx, &jobstore.Job{ID: id, Tenant: "t", Status: jobstore.Queued}); err != nil {
			t.Fatalf("%s: Create: %v", dsn, err)
		}
		jobs, _, err := s.List(ctx, jobstore.ListQuery{Tenant: "t"})
		if err != nil || len(jobs) != i+1 {
			t.Fatalf("%s: List: %d jobs, %v; want %d", dsn, len(jobs), err, i+1)
		}
	}
	for _, dsn := range []string{"mysql://x", "sqlite:x.db?pool_max_conns=0", "postgres://h/db?pool_max_conns=x", "jobs.db"} {
		if s, err := jobstore.Open(ctx, dsn); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

// TestSQLiteConcurrentOpen opens one new file from several goroutines at once.
func TestSQLiteConcurrentOpen(t *testing.T) {
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "jobs.db")
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := jobstore.Open(context.Background(), dsn)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			s.Close()
		})
	}
	wg.Wait()
}
