package iges

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/model"
)

// shapesJSON reaches every geometry: an L-shaped slab with holes, a diagonal
// wall with a door and a window, a wall cut in pieces, rotated boxes, a
// closed mesh, an open mesh with a degenerate triangle, names needing escapes.
// %[1]s is the unit, %[2]g the scale (units per metre), %[3]g a plan offset
// in those units, applied by the shapes helper.
const shapesJSON = `{
  "schema": "arxos.building/v1", "id": "SHAPES", "name": "Shapes \"q\" \\ é東🏢 \u0001 end",
  "floors": [
    {"id": "L0", "name": "Ground", "level": 0, "elevation": 0, "height": 3.5, "elements": [
      {"id": "SLAB-L", "type": "slab", "name": "L slab, holes",
       "geometry": {"kind": "extrusion", "profile": [[0,0],[10,0],[10,4],[4,4],[4,10],[0,10]], "holes": [[[1,1],[2,1],[2,2],[1,2]], [[6,1],[6,3],[8,3],[8,1]]], "base": -0.3, "height": 0.3}},
      {"id": "W-diag", "type": "wall", "name": "Diagonal \\ wall 'x'",
       "geometry": {"kind": "line", "start": [0,0], "end": [8,6], "thickness": 0.3, "height": 3}},
      {"id": "D-1", "type": "door", "name": "Door \"1\"", "host": "W-diag",
       "geometry": {"kind": "opening", "offset": 1, "width": 1, "height": 3}},
      {"id": "WIN-1", "type": "window", "name": "Fenêtre", "host": "W-diag",
       "geometry": {"kind": "opening", "offset": 4, "width": 1.5, "height": 1.2, "sill": 0.9}},
      {"id": "COL-R", "type": "column", "name": "Rotated column",
       "geometry": {"kind": "box", "position": [6,2,0], "size": [0.4,0.6,3], "rotation": 30}},
      {"id": "BOX-R2", "type": "furniture", "name": "会议桌",
       "geometry": {"kind": "box", "position": [3,3,0], "size": [1.2,0.8,0.75], "rotation": -137.5}}
    ]},
    {"id": "L1", "name": "First", "level": 1, "elevation": 3.5, "height": 3.2, "elements": [
      {"id": "MESH-closed", "type": "furniture", "name": "Tetra",
       "geometry": {"kind": "mesh", "vertices": [[0,0,0],[1,0,0],[0,1,0],[0,0,1]], "triangles": [[0,2,1],[0,1,3],[0,3,2],[1,2,3]]}},
      {"id": "MESH-open", "type": "furniture", "name": "Open sheet",
       "geometry": {"kind": "mesh", "vertices": [[2,2,0],[3,2,0],[3,3,0],[2,3,1],[4,2,0]], "triangles": [[0,1,2],[0,2,3],[0,1,4]]}},
      {"id": "W-2-with-a-long-identifier-beyond-eight", "type": "wall", "name": "Wall 2",
       "geometry": {"kind": "line", "start": [0,5], "end": [5,5], "thickness": 0.2, "height": 3}},
      {"id": "D-2", "type": "door", "host": "W-2-with-a-long-identifier-beyond-eight",
       "geometry": {"kind": "opening", "offset": 2, "width": 0.9, "height": 3}}
    ]}
  ]
}`

// shapes is shapesJSON in units (k of them to the metre) moved by off metres.
func shapes(t testing.TB, units model.Unit, k, off float64) string {
	t.Helper()
	var b model.Building
	if err := json.Unmarshal([]byte(shapesJSON), &b); err != nil {
		t.Fatal(err)
	}
	b.Units = units
	p2 := func(x, y float64) (float64, float64) { return (x + off) * k, (y + off) * k }
	for i := range b.Floors {
		f := &b.Floors[i]
		f.Elevation *= k
		f.Height *= k
		for j := range f.Elements {
			g := &f.Elements[j].Geometry
			if g.Start != nil {
				g.Start[0], g.Start[1] = p2(g.Start[0], g.Start[1])
				g.End[0], g.End[1] = p2(g.End[0], g.End[1])
			}
			g.Thickness, g.Height, g.Base = g.Thickness*k, g.Height*k, g.Base*k
			g.Offset, g.Width, g.Sill = g.Offset*k, g.Width*k, g.Sill*k
			for _, r := range append(g.Holes, g.Profile) {
				for q := range r {
					r[q][0], r[q][1] = p2(r[q][0], r[q][1])
				}
			}
			if g.Position != nil {
				g.Position[0], g.Position[1] = p2(g.Position[0], g.Position[1])
				g.Position[2] *= k
				g.Size[0], g.Size[1], g.Size[2] = g.Size[0]*k, g.Size[1]*k, g.Size[2]*k
			}
			for v := range g.Vertices {
				g.Vertices[v][0], g.Vertices[v][1] = p2(g.Vertices[v][0], g.Vertices[v][1])
				g.Vertices[v][2] *= k
			}
		}
	}
	out, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func examples(t testing.TB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range []string{"tech-tower.json", "clinic-mm.json", "pavilion.ndjson"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", n))
		if err != nil {
			t.Fatal(err)
		}
		out["examples/"+n] = string(b)
	}
	return out
}

// writeModel converts m with options, returning the file and the job's warnings.
func writeModel(t testing.TB, m *model.Model, opts map[string]any) ([]byte, []model.Problem) {
	t.Helper()
	return formattest.Single(t, "iges", m, opts, "model.igs", ContentType)
}

// expect is what a reader must find: the solids and their summed volume.
// Doors and windows are solids (the box each fills); open meshes are none.
type expect struct {
	Solids int     `json:"solids"`
	Volume float64 `json:"volume"`
	Open   int     `json:"-"`
}

func expected(t testing.TB, m *model.Model, openings bool) expect {
	t.Helper()
	var x expect
	err := m.Elements(context.Background(), func(e *model.Element) error {
		if e.Geometry.Kind == model.KindOpening && !openings {
			return nil
		}
		ms := m.Measure(e)
		if !ms.Closed {
			x.Open++
			return nil
		}
		if n := len(m.Solids(e)); n > 0 {
			x.Solids += n
			x.Volume += ms.Volume
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func models(t *testing.T) map[string]string {
	ms := examples(t)
	for k, v := range fixture.Models {
		ms["fixture/"+k] = v
	}
	ms["shapes.json"] = shapes(t, "m", 1, 0)
	ms["shapes-mm.json"] = shapes(t, "mm", 1000, 0)
	ms["shapes-offset.json"] = shapes(t, "m", 1, 5_000_000)
	return ms
}

func TestConformance(t *testing.T) {
	ms := models(t)
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range ms {
			if !yield(k) {
				return
			}
		}
	})
	texts := make([]string, len(names))
	for i, n := range names {
		texts[i] = ms[n]
	}
	formattest.Run(t, formatName, texts...)
}

// TestStructure checks every record of every test model's file and that the
// roots are the model's solids, with the element ids and names read back.
func TestStructure(t *testing.T) {
	for name, text := range models(t) {
		for _, openings := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/openings=%v", name, openings), func(t *testing.T) {
				m := formattest.Open(t, text)
				file, _ := writeModel(t, m, map[string]any{"openings": openings})
				f, err := parseIGES(file)
				if err != nil {
					t.Fatal(err)
				}
				x := expected(t, m, openings)
				solids, open := 0, 0
				byID := map[string][]string{}
				for _, r := range f.roots() {
					if r.typ == 186 {
						solids++
					} else {
						open++
					}
					if len(r.names) == 0 {
						t.Fatalf("root without a name")
					}
					if r.label != strings.TrimSpace(label(r.names[0])) || r.sub < 1 {
						t.Errorf("root %q: label %q subscript %d", r.names[0], r.label, r.sub)
					}
					byID[r.names[0]] = r.names
				}
				if solids != x.Solids || open != x.Open {
					t.Errorf("%d solids and %d open shells, want %d and %d", solids, open, x.Solids, x.Open)
				}
				err = m.Elements(context.Background(), func(e *model.Element) error {
					names, ok := byID[e.ID]
					if !ok {
						return nil
					}
					want := []string{e.ID}
					if e.Name != "" && e.Name != e.ID {
						want = append(want, e.Name)
					}
					if !slices.Equal(names, want) {
						t.Errorf("names %q, want %q", names, want)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if _, _, _, err := f.offset(); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

func TestWarnings(t *testing.T) {
	m := formattest.Open(t, shapes(t, "m", 1, 0))
	_, warns := writeModel(t, m, nil)
	var codes []string
	for _, w := range warns {
		codes = append(codes, w.Path+" "+w.Code)
	}
	want := []string{"elements.MESH-open " + CodeDegenerate, "elements.MESH-open " + CodeOpenMesh}
	if !slices.Equal(codes, want) {
		t.Errorf("warnings %q, want %q", codes, want)
	}
}

// TestOffset checks large coordinates keep their millimetres: the vertices of
// the offset model, plus the recorded offset, are the plain model's plus 5e6.
func TestOffset(t *testing.T) {
	plain, _ := writeModel(t, formattest.Open(t, shapes(t, "m", 1, 0)), nil)
	far, _ := writeModel(t, formattest.Open(t, shapes(t, "m", 1, 5_000_000)), nil)
	fp, err := parseIGES(plain)
	if err != nil {
		t.Fatal(err)
	}
	ff, err := parseIGES(far)
	if err != nil {
		t.Fatal(err)
	}
	px, py, _, _ := fp.offset()
	fx, fy, _, _ := ff.offset()
	if math.Abs(fx-px-5e6) > 1 || math.Abs(fy-py-5e6) > 1 {
		t.Fatalf("offsets %v,%v and %v,%v", px, py, fx, fy)
	}
	vertices := func(f *igesFile, ox, oy float64) [][3]float64 {
		var out [][3]float64
		for _, de := range f.order {
			if e := f.entities[de]; e.typ == 502 {
				for k := 1; k+2 < len(e.params); k += 3 {
					var v [3]float64
					for c := range 3 {
						fmt.Sscan(e.params[k+c], &v[c])
					}
					v[0] += ox
					v[1] += oy
					out = append(out, v)
				}
			}
		}
		return out
	}
	a, b := vertices(fp, px, py), vertices(ff, fx-5e6, fy-5e6)
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d and %d vertices", len(a), len(b))
	}
	for i := range a {
		for c := range 3 {
			if math.Abs(a[i][c]-b[i][c]) > 1e-6 {
				t.Fatalf("vertex %d: %v and %v", i, a[i], b[i])
			}
		}
	}
}

func TestText(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote's \ back\\slash`, "é東🏢", "\x01\t\n", "a\u00ffb\U0001F3E2c", "\\X2\\0041\\X0\\"} {
		e := encodeText(s)
		for i := 0; i < len(e); i++ {
			if e[i] < 0x20 || e[i] > 0x7e {
				t.Fatalf("%q encodes to non-ASCII %q", s, e)
			}
		}
		got, err := DecodeText(e)
		if err != nil || got != s {
			t.Errorf("%q → %q → %q, %v", s, e, got, err)
		}
	}
	if got := hollerith("é"); got != `12H\X2\00E9\X0\` {
		t.Errorf("hollerith %q", got)
	}
}

// TestReaders runs OpenCASCADE (test/readers/check_occt.sh) on every test
// model and a generated one: every solid read, checkshape clean, the solid
// count and summed volume within 0.1 % of the model's.
func TestReaders(t *testing.T) {
	checker, _ := filepath.Abs(filepath.Join("..", "..", "test", "readers", "check_occt.sh"))
	have := false
	for _, c := range []string{"DRAWEXE", "occt-draw", "occt-draw-7.6"} {
		if _, err := exec.LookPath(c); err == nil {
			have = true
		}
	}
	if _, err := os.Stat(checker); err != nil || !have {
		if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
			t.Fatalf("OpenCASCADE DRAW or %s missing", checker)
		}
		t.Skip("OpenCASCADE DRAW (occt-draw) not installed")
	}
	ms := models(t)
	if !testing.Short() {
		ms["generated-1500"] = "" // generated below, in its subtest
	}
	for name, text := range ms {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var m *model.Model
			if text == "" {
				m = formattest.Generated(t, 1500)
			} else {
				m = formattest.Open(t, text)
			}
			file, _ := writeModel(t, m, nil)
			x := expected(t, m, true)
			dir := t.TempDir()
			path := filepath.Join(dir, "model.igs")
			xj, _ := json.Marshal(x)
			if err := os.WriteFile(path, file, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "expect.json"), xj, 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("bash", checker, path, filepath.Join(dir, "expect.json")).CombinedOutput()
			if err != nil {
				t.Fatalf("check_occt.sh: %v\n%s", err, out)
			}
			t.Logf("%s", out)
		})
	}
}

func FuzzWrite(f *testing.F) {
	for _, s := range fixture.FuzzSeeds {
		f.Add(s.Name, s.Key, s.Value, s.X, s.Y, s.Thick, s.Rot, s.Units)
	}
	f.Add("It's \\ é 東 🏢 \x01", "k", "v", -5e6, 5e6, 0.001, -370.0, "mm")
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string) {
		doc := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		m, err := model.Open(context.Background(), strings.NewReader(string(doc)), nil)
		if err != nil {
			return
		}
		defer m.Close()
		file, _ := writeModel(t, m, nil)
		if _, err := parseIGES(file); err != nil {
			t.Fatalf("%v", err)
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	m := formattest.Generated(b, 10_000)
	j := formattest.Bench(b, formatName, m, nil)
	mt := j.Metrics()
	b.ReportMetric(float64(mt["solids"]), "solids")
	b.ReportMetric(float64(mt["entities"]), "entities")
}
