package jobstore_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/arxos/arxport/internal/testenv"
	"github.com/arxos/arxport/jobstore"
	"github.com/arxos/arxport/jobstore/storetest"
)

// openPostgres opens the store at url and closes it when the test ends, before
// testenv drops the database (cleanups run last registered, first run).
func openPostgres(t *testing.T, url string) jobstore.Store {
	t.Helper()
	s, err := jobstore.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPostgres(t *testing.T) {
	storetest.Run(t, func(t *testing.T) jobstore.Store { return openPostgres(t, testenv.Postgres(t)) })
}

// TestPostgresConcurrentMigrations opens one fresh database from several
// goroutines at once, as processes starting together do.
func TestPostgresConcurrentMigrations(t *testing.T) {
	url := testenv.Postgres(t) + "&pool_max_conns=2" // testenv URLs have a query
	const n = 4
	stores := make([]jobstore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = jobstore.Open(context.Background(), url) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open %d: %v", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	ctx := context.Background()
	j := &jobstore.Job{ID: "exp_1", Tenant: "t", Status: jobstore.Queued}
	if err := stores[0].Create(ctx, j); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[n-1].Get(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPostgresCreate measures Create, the hot path of POST /v1/exports,
// from parallel goroutines.
func BenchmarkPostgresCreate(b *testing.B) {
	s, err := jobstore.Open(context.Background(), testenv.Postgres(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("exp_%020d", n.Add(1))
			j := &jobstore.Job{ID: id, Tenant: "t", Status: jobstore.Queued, IdempotencyKey: id,
				Labels:  map[string]string{"project": "tower-a"},
				Formats: []*jobstore.Format{{Format: "gltf", Status: jobstore.Queued}, {Format: "ifc", Status: jobstore.Queued}}}
			if err := s.Create(context.Background(), j); err != nil {
				b.Fatal(err)
			}
		}
	})
}
