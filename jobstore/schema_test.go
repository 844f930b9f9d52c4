package jobstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/arxos/arxport/internal/testenv"
)

// TestSchema checks, on both dialects, what the Store interface does not show:
// the analytics columns of job_formats, and that Delete leaves no row behind.
func TestSchema(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "jobs.db") },
		"postgres": func(t *testing.T) string { return testenv.Postgres(t) },
	} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			st, err := Open(ctx, dsn(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			db := st.(*store).db

			j := &Job{ID: "exp_1", Tenant: "t", Status: Running, Labels: map[string]string{"a": "b"}, Formats: []*Format{
				{Format: "glb", Status: Completed, Metrics: map[string]int64{"elements": 7, "duration_ms": 812, "triangles": 9},
					Files: []File{{Name: "a.glb", Size: 100}, {Name: "a.glb.sha256", Size: 64}}},
				{Format: "ifc", Status: Failed, Error: &Error{Code: "TIMEOUT"}},
			}}
			if err := st.Create(ctx, j); err != nil {
				t.Fatal(err)
			}
			if err := st.AddEvents(ctx, []Event{{JobID: j.ID, Seq: 1, Type: "job.queued"}}); err != nil {
				t.Fatal(err)
			}
			type row struct {
				format, status, errorCode          string
				elements, bytes, durationMS, files int64
			}
			rows, err := db.QueryContext(ctx, `SELECT format, status, error_code, elements, bytes, duration_ms,
				(SELECT count(*) FROM files fi WHERE fi.job_id = f.job_id AND fi.format = f.format)
				FROM job_formats f WHERE job_id = $1 ORDER BY position`, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			var got []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.format, &r.status, &r.errorCode, &r.elements, &r.bytes, &r.durationMS, &r.files); err != nil {
					t.Fatal(err)
				}
				got = append(got, r)
			}
			rows.Close()
			want := []row{{"glb", "completed", "", 7, 164, 812, 2}, {"ifc", "failed", "TIMEOUT", 0, 0, 0, 0}}
			if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
				t.Fatalf("job_formats rows %+v, want %+v", got, want)
			}

			if err := st.Delete(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
			for _, table := range []string{"jobs WHERE id", "job_labels WHERE job_id", "job_formats WHERE job_id", "files WHERE job_id", "events WHERE job_id"} {
				var n int
				if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" = $1", j.ID).Scan(&n); err != nil || n != 0 {
					t.Errorf("%s: %d rows left (%v)", table, n, err)
				}
			}
		})
	}
}
