package gen

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/arxos/arxport/model"
)

// Generated buildings pass the model's own validation, in every form and unit,
// and the model counts what the generator says it wrote.
func TestValidThroughModel(t *testing.T) {
	for _, o := range []Options{
		{Elements: 3000, Seed: 1},
		{Elements: 3000, Seed: 2, NDJSON: true},
		{Elements: 1500, Seed: 3, Units: "mm", NDJSON: true},
		{Elements: 1500, Seed: 4, Units: "ft"},
		{Elements: 800, Floors: 3, Seed: 5},
	} {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			var buf bytes.Buffer
			st, err := Write(&buf, o)
			if err != nil {
				t.Fatal(err)
			}
			m, err := model.Open(context.Background(), &buf, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if len(m.Warnings) > 0 {
				t.Errorf("warnings: %v", m.Warnings[:min(5, len(m.Warnings))])
			}
			s := m.Stats
			if s.Floors != st.Floors || s.Rooms != st.Rooms || s.Elements != st.Elements || s.Connections != st.Connections {
				t.Errorf("model counts %+v, generator %+v", s, st)
			}
		})
	}
}

// The measures the formats print agree with the solids the 3D formats build.
func TestMeasuresMatchSolids(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, Options{Elements: 2000, Seed: 11, NDJSON: true}); err != nil {
		t.Fatal(err)
	}
	m, err := model.Open(context.Background(), &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	err = m.Elements(context.Background(), func(e *model.Element) error {
		ms := m.Measure(e)
		var vol float64
		for _, s := range m.Solids(e) {
			vol += s.Volume()
			lo, hi := s.BBox()
			for k := range 3 {
				if lo[k] < ms.Min[k]-1e-9 || hi[k] > ms.Max[k]+1e-9 {
					t.Errorf("%s: solid box %v..%v outside measured %v..%v", e.ID, lo, hi, ms.Min, ms.Max)
					return nil
				}
			}
		}
		if e.Geometry.Kind != model.KindMesh || ms.Closed {
			if d := vol - ms.Volume; d > 1e-6*max(1, vol) || -d > 1e-6*max(1, vol) {
				t.Errorf("%s (%s): solids %v m³, measured %v m³", e.ID, e.Geometry.Kind, vol, ms.Volume)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
