package geojson

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/model"
)

// Every polygon footprint spans, in plan, exactly the bounds the model
// computes for the element's solid (geom.Box, geom.WallSolids...), so the two
// agree on conventions such as the direction of a box's rotation.
func TestFootprintsMatchModelBounds(t *testing.T) {
	gen, err := fixture.Generated(2000)
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{fixture.Lobby, fixture.Mixed, fixture.Synth(500), gen} {
		m, err := model.Open(context.Background(), strings.NewReader(text), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		err = m.Elements(context.Background(), func(e *model.Element) error {
			ms := m.Measure(e)
			s := elementShape(m, e, &ms)
			var pts [][2]float64
			switch s.kind {
			case shapePolygon:
				pts = s.rings[0]
			case shapeLine:
				pts = s.line
			case shapePoint:
				pts = [][2]float64{s.point}
			default:
				t.Errorf("%s: no shape", e.ID)
				return nil
			}
			lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
			for _, p := range pts {
				for k := range 2 {
					lo[k], hi[k] = math.Min(lo[k], p[k]), math.Max(hi[k], p[k])
				}
			}
			const eps = 1e-9
			switch {
			case s.kind == shapePolygon || e.Geometry.Kind == model.KindMesh:
				for k := range 2 {
					if math.Abs(lo[k]-ms.Min[k]) > eps || math.Abs(hi[k]-ms.Max[k]) > eps {
						t.Errorf("%s (%s): footprint spans %v–%v, model bounds %v–%v", e.ID, e.Geometry.Kind, lo, hi, ms.Min, ms.Max)
						break
					}
				}
			case e.Type == "equipment":
				c := s.point
				if c[0] < ms.Min[0]-eps || c[0] > ms.Max[0]+eps || c[1] < ms.Min[1]-eps || c[1] > ms.Max[1]+eps {
					t.Errorf("%s: point %v outside %v–%v", e.ID, c, ms.Min, ms.Max)
				}
			case e.Type == "door" || e.Type == "window":
				// The opening's span lies on the wall axis, inside the cut's bounds.
				for _, p := range s.line {
					if p[0] < ms.Min[0]-eps || p[0] > ms.Max[0]+eps || p[1] < ms.Min[1]-eps || p[1] > ms.Max[1]+eps {
						t.Errorf("%s: %v outside %v–%v", e.ID, p, ms.Min, ms.Max)
					}
				}
				if l := math.Hypot(s.line[1][0]-s.line[0][0], s.line[1][1]-s.line[0][1]); math.Abs(l-e.Geometry.Width) > eps {
					t.Errorf("%s: span %v, width %v", e.ID, l, e.Geometry.Width)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestConvexHull(t *testing.T) {
	for _, c := range []struct {
		name string
		in   [][2]float64
		want [][2]float64
	}{
		{"empty", nil, nil},
		{"one", [][2]float64{{1, 1}, {1, 1}}, [][2]float64{{1, 1}}},
		{"collinear", [][2]float64{{0, 0}, {2, 2}, {1, 1}, {3, 3}}, [][2]float64{{0, 0}, {3, 3}}},
		{"square with inside and edge points", [][2]float64{{0, 0}, {2, 0}, {2, 2}, {0, 2}, {1, 1}, {1, 0}, {0, 0}},
			[][2]float64{{0, 0}, {2, 0}, {2, 2}, {0, 2}}},
		{"triangle", [][2]float64{{0, 0}, {0, 1}, {1, 0}}, [][2]float64{{0, 0}, {1, 0}, {0, 1}}},
	} {
		if got := convexHull(c.in); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
