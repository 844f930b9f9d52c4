package model_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/model"
)

// BenchmarkOpen measures decoding, validation and one pass over every element of
// a generated 100k-element model, per form.
func BenchmarkOpen(b *testing.B) {
	for _, nd := range []bool{false, true} {
		name := "json"
		if nd {
			name = "ndjson"
		}
		var buf bytes.Buffer
		st, err := gen.Write(&buf, gen.Options{Elements: 100_000, Seed: 1, NDJSON: nd})
		if err != nil {
			b.Fatal(err)
		}
		data := buf.Bytes()
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				m, err := model.Open(context.Background(), bytes.NewReader(data), nil)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				m.Elements(context.Background(), func(*model.Element) error { n++; return nil })
				m.Close()
				if n != st.Elements {
					b.Fatalf("%d elements", n)
				}
			}
			b.ReportMetric(float64(st.Elements)*float64(b.N)/b.Elapsed().Seconds(), "elements/s")
		})
	}
}
