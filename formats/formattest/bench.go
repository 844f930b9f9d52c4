package formattest

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
)

// Generated opens a generated building of about n elements written as NDJSON,
// so rooms and elements stream from spool files as they do in production.
func Generated(tb testing.TB, n int) *model.Model { return generated(tb, n, true) }

// GeneratedDoc is Generated as one JSON document, which the model holds in memory.
func GeneratedDoc(tb testing.TB, n int) *model.Model { return generated(tb, n, false) }

func generated(tb testing.TB, n int, ndjson bool) *model.Model {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "model.json")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := gen.Write(f, gen.Options{Elements: n, Seed: 1, NDJSON: ndjson}); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	m, err := model.OpenFile(context.Background(), path, &model.Options{TempDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// Discard is an Output that throws files away, counting their bytes: for
// benchmarks, where keeping the output would measure memory, not the writer.
type Discard struct {
	Bytes atomic.Int64
}

// Create implements formats.Output.
func (d *Discard) Create(name, contentType string) (io.WriteCloser, error) {
	return discardFile{d}, nil
}

type discardFile struct{ d *Discard }

func (f discardFile) Write(p []byte) (int, error) { f.d.Bytes.Add(int64(len(p))); return len(p), nil }
func (discardFile) Close() error                  { return nil }

// Bench converts m with the named format b.N times and reports elements and
// output megabytes per second of wall time, and elements per second of CPU time
// (which stays meaningful on a machine other work keeps busy). It returns the
// job of the last run, for format-specific metrics.
func Bench(b *testing.B, name string, m *model.Model, opts map[string]any) *formats.Job {
	b.Helper()
	f, ok := formats.Lookup(name)
	if !ok {
		b.Fatalf("format %q is not registered", name)
	}
	vals, err := f.ParseOptions(opts)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var j *formats.Job
	out := &Discard{}
	b.ReportAllocs()
	b.ResetTimer()
	wall, cpu := time.Now(), cpuTime()
	for range b.N {
		j = &formats.Job{Model: m, Out: out, Base: "b", Time: Time, Options: vals, TempDir: dir}
		if err := f.Write(context.Background(), j); err != nil {
			b.Fatal(err)
		}
	}
	secs := time.Since(wall).Seconds()
	b.StopTimer()
	n := float64(m.Stats.Elements) * float64(b.N)
	b.ReportMetric(n/secs, "elements/s")
	b.ReportMetric(float64(out.Bytes.Load())/1e6/secs, "MB/s")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(n/c.Seconds(), "elements/cpu-s")
	}
	return j
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// OCCT is what OpenCASCADE must find in a STEP or IGES export
// (test/readers/check_occt.sh's EXPECT.json): every solid of the model, with
// its volume (doors and windows as the boxes they fill).
type OCCT struct {
	Solids int     `json:"solids"`
	Volume float64 `json:"volume"`
	// Names, when set, must read back through OpenCASCADE's XDE.
	Names []string `json:"names,omitempty"`
}

// SolidsOf counts the solids of m and adds up their volumes.
func SolidsOf(tb testing.TB, m *model.Model) OCCT {
	tb.Helper()
	var x OCCT
	err := m.Elements(context.Background(), func(e *model.Element) error {
		if s := m.Solids(e); len(s) > 0 {
			x.Solids += len(s)
			x.Volume += m.Measure(e).Volume
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return x
}
