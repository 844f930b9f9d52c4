package ifc_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/json/fixture"
)

type countingOut struct{ n int64 }

func (c *countingOut) Create(string, string) (io.WriteCloser, error) { return c, nil }
func (c *countingOut) Write(p []byte) (int, error)                   { c.n += int64(len(p)); return len(p), nil }
func (c *countingOut) Close() error                                  { return nil }

// BenchmarkWrite converts a generated 100k-element building (NDJSON, so
// spooled) and reports elements/s and output MB/s.
func BenchmarkWrite(b *testing.B) {
	text, err := fixture.Generated(100_000)
	if err != nil {
		b.Fatal(err)
	}
	m := formattest.Open(b, text)
	f, _ := formats.Lookup("ifc")
	vals, _ := f.ParseOptions(nil)
	b.ResetTimer()
	var bytes int64
	start := time.Now()
	for range b.N {
		out := &countingOut{}
		j := &formats.Job{Model: m, Out: out, Base: "bench", Time: formattest.Time, Options: vals}
		if err := f.Write(context.Background(), j); err != nil {
			b.Fatal(err)
		}
		bytes += out.n
	}
	s := time.Since(start).Seconds()
	b.ReportMetric(float64(m.Stats.Elements*b.N)/s, "elements/s")
	b.ReportMetric(float64(bytes)/s/1e6, "MB/s")
	b.ReportMetric(float64(bytes/int64(b.N))/1e6, "MB/file")
}
