package tables_test

import (
	"context"
	"testing"
	"time"

	"github.com/arxos/arxport/converters/tables"
	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/model"
)

// BenchmarkIterate is the floor under every tables format: walking the rooms,
// elements and connections of a 10k-element NDJSON model, doing nothing.
func BenchmarkIterate(b *testing.B) {
	for kind, m := range models(b) {
		b.Run(kind, func(b *testing.B) { iterate(b, m) })
	}
}

func iterate(b *testing.B, m *model.Model) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		m.Rooms(ctx, func(*model.Room) error { return nil })
		m.Elements(ctx, func(*model.Element) error { return nil })
		m.Connections(ctx, func(*model.Connection) error { return nil })
	}
	b.ReportMetric(float64(m.Stats.Elements)*float64(b.N)/time.Since(start).Seconds(), "elements/s")
}

// BenchmarkConvert is Convert into a sink that drops the rows: the iteration
// plus the measures and row building.
func BenchmarkConvert(b *testing.B) {
	for kind, m := range models(b) {
		b.Run(kind, func(b *testing.B) { convertBench(b, m) })
	}
}

func convertBench(b *testing.B, m *model.Model) {
	sink := tables.SinkFunc(func(*tables.Table, []tables.Value) error { return nil })
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if err := tables.Convert(context.Background(), &formats.Job{Model: m}, sink); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Stats.Elements)*float64(b.N)/time.Since(start).Seconds(), "elements/s")
}

// models are a generated 10k-element building streamed from NDJSON, and held in
// memory as one document.
func models(b *testing.B) map[string]*model.Model {
	return map[string]*model.Model{"ndjson": formattest.Generated(b, 10000), "json": formattest.GeneratedDoc(b, 10000)}
}
