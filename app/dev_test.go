package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/alicebob/miniredis/v2"

	"github.com/arxos/arxport/exports"
	"github.com/arxos/arxport/tasks"
)

// The dev service keeps its jobs in SQLite and its queue in an in-process
// Redis that starts empty: after a restart, jobs it had accepted are queued again.
func TestDevRestartRequeues(t *testing.T) {
	dir := t.TempDir()
	open := func() (*App, *miniredis.Miniredis) {
		mr := miniredis.RunT(t)
		cfg := Defaults()
		cfg.RedisURL = "redis://" + mr.Addr() + "/0"
		cfg.DatabaseURL = "sqlite:" + filepath.Join(dir, "arxport.db")
		cfg.Storage = filepath.Join(dir, "files")
		cfg.LogLevel = "error"
		a, err := Open(context.Background(), cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		return a, mr
	}
	ctx := context.Background()
	a, mr := open()
	model, err := os.ReadFile("../examples/tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	j, _, err := a.Service.Submit(ctx, exports.Caller{Tenant: "dev"},
		exports.Request{Model: model, Formats: []exports.FormatRequest{{Format: "csv"}, {Format: "ifc"}}}, exports.Meta{})
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	mr.Close() // Ctrl-C: the queue goes with the process

	a, _ = open()
	defer a.Close()
	n, err := a.Service.Requeue(ctx)
	if err != nil || n != 1 {
		t.Fatalf("requeued %d jobs: %v", n, err)
	}
	for _, f := range []string{"csv", "ifc"} {
		if _, err := a.Inspector.GetTaskInfo(tasks.QueueNormal, tasks.ExportID(j.ID, f, 1)); err != nil {
			t.Errorf("%s not queued after the restart: %v", f, err)
		}
	}
}
