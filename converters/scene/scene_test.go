package scene_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/arxos/arxport/converters/scene"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

func open(t *testing.T, text string) *model.Model {
	t.Helper()
	m, err := model.Open(context.Background(), strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func TestOffset(t *testing.T) {
	o := scene.Offset(geom.Vec3{5_000_000.2, 4_999_990, 0}, geom.Vec3{5_000_020.9, 5_000_010, 9})
	if o != (geom.Vec3{5_000_011, 5_000_000, 0}) {
		t.Errorf("offset %v", o)
	}
	if o := scene.Offset(geom.Vec3{math.Inf(1), 0, 0}, geom.Vec3{math.Inf(-1), 0, 0}); o != (geom.Vec3{}) {
		t.Errorf("offset of empty bounds %v", o)
	}
}

// TestLocalMatchesFloor checks that element-local geometry, placed, is the
// floor-local geometry: same volume, same bounds; and that every triangle
// faces the way its normal says.
func TestLocalMatchesFloor(t *testing.T) {
	m := open(t, fixture.Mixed)
	type rec struct {
		lo, hi geom.Vec3
		vol    float64
		tris   int
	}
	collect := func(o scene.Options) map[string]rec {
		out := map[string]rec{}
		err := scene.New(m, o).Elements(context.Background(), func(it *scene.Item) error {
			var r rec
			first := true
			for i, p := range it.Tris.Positions {
				w := it.Place.Apply(p)
				if first {
					r.lo, r.hi, first = w, w, false
				}
				for k := range 3 {
					r.lo[k], r.hi[k] = math.Min(r.lo[k], w[k]), math.Max(r.hi[k], w[k])
				}
				_ = i
			}
			for k := range it.Solids {
				r.vol += it.Solids[k].Volume()
			}
			tr := &it.Tris
			for k := 0; k < len(tr.Indices); k += 3 {
				a, b, c := tr.Positions[tr.Indices[k]], tr.Positions[tr.Indices[k+1]], tr.Positions[tr.Indices[k+2]]
				if b.Sub(a).Cross(c.Sub(a)).Dot(tr.Normals[tr.Indices[k]]) <= 0 {
					t.Errorf("%s: triangle %d winds against its normal", it.Element.ID, k/3)
					break
				}
			}
			r.tris = tr.Count()
			out[it.Element.ID] = r
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	floor, local := collect(scene.Options{}), collect(scene.Options{Local: true})
	if len(floor) != m.Stats.Elements {
		t.Fatalf("%d items, want %d", len(floor), m.Stats.Elements)
	}
	for id, f := range floor {
		l := local[id]
		if math.Abs(f.vol-l.vol) > 1e-9*math.Max(1, f.vol) || f.tris != l.tris {
			t.Errorf("%s: floor-local volume %v, %d triangles; local %v, %d", id, f.vol, f.tris, l.vol, l.tris)
		}
		for k := range 3 {
			if math.Abs(f.lo[k]-l.lo[k]) > 1e-9 || math.Abs(f.hi[k]-l.hi[k]) > 1e-9 {
				t.Errorf("%s: bounds %v–%v, local placed %v–%v", id, f.lo, f.hi, l.lo, l.hi)
				break
			}
		}
	}
}

func TestPanels(t *testing.T) {
	m := open(t, fixture.Lobby)
	err := scene.New(m, scene.Options{Local: true, Panels: true}).Elements(context.Background(), func(it *scene.Item) error {
		if it.Element.Geometry.Kind != model.KindOpening || len(it.Solids) == 0 {
			return nil
		}
		lo, hi := it.Solids[0].BBox()
		want := scene.DoorPanel
		if it.Element.Type == "window" {
			want = scene.WindowPanel
		}
		if d := hi[1] - lo[1]; math.Abs(d-want) > 1e-12 {
			t.Errorf("%s: panel %v thick, want %v", it.Element.ID, d, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestLook(t *testing.T) {
	if a := scene.Look("window"); !a.Transparent || a.Color[3] >= 1 {
		t.Errorf("window: %+v", a)
	}
	if a := scene.Look("wall/Float glass"); !a.Transparent {
		t.Errorf("glass wall: %+v", a)
	}
	if a := scene.Look("no-such-type"); a.Color[3] != 1 {
		t.Errorf("unknown type: %+v", a)
	}
}
