package tasks

import (
	"testing"
	"time"
)

func TestTimeoutsScale(t *testing.T) {
	var to Timeouts
	if got := to.For(0); got != 2*time.Minute {
		t.Errorf("empty model: %s", got)
	}
	if got := to.For(30 << 20); got != 2*time.Minute+30*20*time.Second {
		t.Errorf("30 MiB: %s", got)
	}
	if got := to.For(1 << 40); got != 6*time.Hour {
		t.Errorf("1 TiB: %s, want the cap", got)
	}
}

func TestExportTask(t *testing.T) {
	task, err := NewExport(Export{JobID: "exp_1", Format: "ifc", Gen: 2, ModelKey: "models/a/m"}, QueueHigh, time.Minute, 3)
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseExport(task.Payload())
	if err != nil || p.JobID != "exp_1" || p.Format != "ifc" || p.Gen != 2 || p.ModelKey != "models/a/m" {
		t.Fatalf("round trip: %v %+v", err, p)
	}
	if task.Type() != TypeExport || ExportID("exp_1", "ifc", 2) != "exp_1:ifc:2" {
		t.Fatal("names changed: they are stable")
	}
	if _, err := NewExport(Export{JobID: "x", Format: "csv"}, "urgent", time.Minute, 1); err == nil {
		t.Error("unknown priority accepted")
	}
	if _, err := ParseExport([]byte(`{"format":"csv"}`)); err == nil {
		t.Error("payload without job id accepted")
	}
}

func TestRetryDelay(t *testing.T) {
	for n := 0; n < 20; n++ {
		d := RetryDelay(n)
		if d < 800*time.Millisecond || d > 72*time.Second {
			t.Errorf("retry %d: %s", n, d)
		}
	}
	if RetryDelay(10) < RetryDelay(0) {
		t.Error("backoff shrinks")
	}
}
