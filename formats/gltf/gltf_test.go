package gltf_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	qgltf "github.com/qmuntal/gltf"

	"github.com/arxos/arxport/formats/formattest"
	_ "github.com/arxos/arxport/formats/gltf"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

func TestConformance(t *testing.T) {
	for _, name := range []string{"glb", "gltf"} {
		t.Run(name, func(t *testing.T) {
			formattest.Run(t, name, fixture.Lobby, fixture.Mixed, fixture.MixedNDJSON, shapes(0, 0, 1, "m"))
		})
	}
}

// shapes is a one-floor model of every kind of geometry, moved by (dx, dy)
// metres and written in units of scale metres: walls with a door and a
// window (one diagonal), an L-shaped slab with two holes, rotated and plain
// boxes (two of one size), a closed and an open mesh, an extruded column.
func shapes(dx, dy, scale float64, units string) string {
	p := func(x, y float64) []float64 { return []float64{(x + dx) / scale, (y + dy) / scale} }
	p3 := func(x, y, z float64) []float64 { return []float64{(x + dx) / scale, (y + dy) / scale, z / scale} }
	l := func(v float64) float64 { return v / scale }
	box := func(id, typ string, x, y, z, sx, sy, sz, rot float64) map[string]any {
		return map[string]any{"id": id, "type": typ, "geometry": map[string]any{"kind": "box",
			"position": p3(x, y, z), "size": []float64{l(sx), l(sy), l(sz)}, "rotation": rot}}
	}
	doc := map[string]any{
		"schema": "arxos.building/v1", "id": "SHAPES", "name": "Shapes \"quoted\" \\ ü", "units": units,
		"floors": []any{map[string]any{
			"id": "L1", "name": "Ground", "level": 0, "elevation": 0, "height": l(4),
			"elements": []any{
				map[string]any{"id": "W1", "type": "wall", "material": "brick", "geometry": map[string]any{"kind": "line",
					"start": p(0, 0), "end": p(20, 0), "thickness": l(0.3), "height": l(3)}},
				map[string]any{"id": "W2", "type": "wall", "geometry": map[string]any{"kind": "line",
					"start": p(20, 0), "end": p(30, 8), "thickness": l(0.25), "height": l(3)}},
				map[string]any{"id": "D1", "type": "door", "host": "W1", "geometry": map[string]any{"kind": "opening",
					"offset": l(2), "width": l(1), "height": l(2.1)}},
				map[string]any{"id": "WI1", "type": "window", "host": "W1", "geometry": map[string]any{"kind": "opening",
					"offset": l(5), "width": l(2), "sill": l(0.9), "height": l(1.4)}},
				map[string]any{"id": "WI2", "type": "window", "host": "W2", "geometry": map[string]any{"kind": "opening",
					"offset": l(3), "width": l(1.5), "sill": l(1), "height": l(1.2)}},
				map[string]any{"id": "S1", "type": "slab", "material": "concrete", "geometry": map[string]any{"kind": "extrusion",
					"profile": [][]float64{p(0, 0), p(20, 0), p(20, 6), p(8, 6), p(8, 14), p(0, 14)},
					"holes":   [][][]float64{{p(2, 2), p(4, 2), p(4, 4), p(2, 4)}, {p(3, 8), p(5, 8), p(5, 11)}},
					"base":    l(-0.2), "height": l(0.2)}},
				map[string]any{"id": "C1", "type": "column", "geometry": map[string]any{"kind": "extrusion",
					"profile": [][]float64{p(10, 3), p(10.4, 3), p(10.4, 3.4), p(10, 3.4)}, "height": l(3)}},
				box("B1", "equipment", 12, 3, 0, 1, 0.6, 1.8, 0),
				box("B2", "equipment", 14, 3, 0, 1, 0.6, 1.8, 0),
				box("B3", "furniture", 16, 4, 0, 1.6, 0.8, 0.75, 33),
				box("B4", "furniture", 3, 10, 0, 1.6, 0.8, 0.75, -90),
				map[string]any{"id": "M1", "type": "generic", "name": "closed tetrahedron", "geometry": map[string]any{"kind": "mesh",
					"vertices":  [][]float64{p3(6, 1, 0), p3(7, 1, 0), p3(6, 2, 0), p3(6, 1, 1)},
					"triangles": [][]int{{0, 2, 1}, {0, 1, 3}, {1, 2, 3}, {0, 3, 2}}}},
				map[string]any{"id": "M2", "type": "roof", "name": "open canopy", "geometry": map[string]any{"kind": "mesh",
					"vertices":  [][]float64{p3(0, 0, 3), p3(4, 0, 3.5), p3(4, 4, 3.5), p3(0, 4, 3)},
					"triangles": [][]int{{0, 1, 2}, {0, 2, 3}}}},
			},
		}},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func generated(t testing.TB, n int) string {
	t.Helper()
	var b bytes.Buffer
	if _, err := gen.Write(&b, gen.Options{Elements: n, Seed: 1, NDJSON: true}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func write(t testing.TB, m *model.Model, name string, opts map[string]any) (*formattest.Memory, []model.Problem) {
	t.Helper()
	out, warnings, err := formattest.Convert(t, name, m, opts)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out, warnings
}

// readers reports whether the validator and assimp are installed; with
// ARXPORT_REQUIRE_READERS=1 their absence fails the test.
func readers(t *testing.T) bool {
	t.Helper()
	_, errNode := exec.LookPath("node")
	_, errMod := os.Stat("../../test/readers/node_modules/gltf-validator")
	_, errAssimp := exec.LookPath("assimp")
	if errNode == nil && errMod == nil && errAssimp == nil {
		return true
	}
	if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
		t.Fatal("node, gltf-validator or assimp is missing (run .ci/install-readers.sh)")
	}
	t.Skip("node, gltf-validator or assimp is missing (run .ci/install-readers.sh)")
	return false
}

// check writes the files and runs test/readers/check_gltf.mjs on the main one.
func check(t *testing.T, out *formattest.Memory, main string) {
	t.Helper()
	dir := t.TempDir()
	for n, b := range out.Files {
		if err := os.WriteFile(filepath.Join(dir, n), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("node", "check_gltf.mjs", filepath.Join(dir, main))
	cmd.Dir = "../../test/readers"
	res, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("check_gltf %s: %v\n%s", main, err, res)
	}
}

type testModel struct{ name, text string }

func models(t *testing.T) []testModel {
	var out []testModel
	for _, ex := range []string{"tech-tower.json", "clinic-mm.json", "pavilion.ndjson"} {
		b, err := os.ReadFile(filepath.Join("../../examples", ex))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, testModel{ex, string(b)})
	}
	for _, n := range fixture.Names {
		out = append(out, testModel{n, fixture.Models[n]})
	}
	return append(out,
		testModel{"shapes", shapes(0, 0, 1, "m")},
		testModel{"shapes-mm", shapes(0, 0, 0.001, "mm")},
		testModel{"shapes-utm", shapes(5_000_000, 5_000_000, 1, "m")},
		testModel{"generated", generated(t, 3000)},
	)
}

// TestReaders runs the Khronos validator and assimp on every output.
func TestReaders(t *testing.T) {
	readers(t)
	for _, tm := range models(t) {
		t.Run(tm.name, func(t *testing.T) {
			t.Parallel()
			m := formattest.Open(t, tm.text)
			out, _ := write(t, m, "glb", nil)
			check(t, out, "model.glb")
			out, _ = write(t, m, "gltf", nil)
			check(t, out, "model.gltf")
			out, _ = write(t, m, "gltf", map[string]any{"buffer": "separate"})
			if len(out.Names()) != 2 || out.Types["model.bin"] != "application/octet-stream" {
				t.Errorf("separate buffer: files %v", out.Names())
			}
			check(t, out, "model.gltf")
		})
	}
}

// decode reads a GLB back with qmuntal/gltf.
func decode(t testing.TB, b []byte) *qgltf.Document {
	t.Helper()
	var doc qgltf.Document
	if err := qgltf.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		t.Fatalf("qmuntal/gltf cannot decode: %v", err)
	}
	return &doc
}

// positions reads a VEC3 float accessor.
func positions(doc *qgltf.Document, a int) [][3]float32 {
	acc := doc.Accessors[a]
	bv := doc.BufferViews[*acc.BufferView]
	data := doc.Buffers[bv.Buffer].Data
	stride := bv.ByteStride
	if stride == 0 {
		stride = 12
	}
	out := make([][3]float32, acc.Count)
	for i := range out {
		o := bv.ByteOffset + acc.ByteOffset + i*stride
		for k := range 3 {
			out[i][k] = math.Float32frombits(binary.LittleEndian.Uint32(data[o+4*k:]))
		}
	}
	return out
}

// world maps a node-local point to model coordinates (x east, y north, z up)
// through the node's ancestors, in float64.
func world(doc *qgltf.Document, parents map[int]int, n int, p [3]float64) geom.Vec3 {
	for {
		node := doc.Nodes[n]
		q := node.RotationOrDefault()
		p = rotate(q, p)
		tr := node.Translation
		p = [3]float64{p[0] + tr[0], p[1] + tr[1], p[2] + tr[2]}
		up, ok := parents[n]
		if !ok {
			break
		}
		n = up
	}
	return geom.Vec3{p[0], -p[2], p[1]}
}

// rotate applies a unit quaternion (x, y, z, w) to v.
func rotate(q [4]float64, v [3]float64) [3]float64 {
	u := geom.Vec3{q[0], q[1], q[2]}
	w := q[3]
	x := geom.Vec3(v)
	t := u.Cross(x).Scale(2)
	r := x.Add(t.Scale(w)).Add(u.Cross(t))
	return [3]float64(r)
}

// TestStructure reads the GLB back: the node tree, names, extras, meshes on
// every element, and every element's vertices against the model's bounds
// (in float64, to a millimetre), which is what re-centring must keep.
func TestStructure(t *testing.T) {
	for _, tm := range models(t) {
		t.Run(tm.name, func(t *testing.T) {
			t.Parallel()
			m := formattest.Open(t, tm.text)
			out, warnings := write(t, m, "glb", nil)
			if len(warnings) > 0 {
				t.Errorf("warnings: %v", warnings)
			}
			doc := decode(t, out.Files["model.glb"].Bytes())
			fl := m.Building.Floors
			if got, want := len(doc.Nodes), 1+len(fl)+m.Stats.Elements; got != want {
				t.Fatalf("%d nodes, want 1 + %d floors + %d elements", got, len(fl), m.Stats.Elements)
			}
			root := doc.Nodes[0]
			if root.Name != "building" || len(root.Children) != len(fl) || len(doc.Scenes[0].Nodes) != 1 {
				t.Fatalf("root %q with %d children", root.Name, len(root.Children))
			}
			var rx struct{ Offset [3]float64 }
			if b, _ := json.Marshal(root.Extras); json.Unmarshal(b, &rx) != nil || rx.Offset[0] != root.Translation[0] || -rx.Offset[1] != root.Translation[2]+0 {
				t.Errorf("root extras %v and translation %v disagree", root.Extras, root.Translation)
			}
			parents := map[int]int{}
			for i, c := range root.Children {
				parents[c] = 0
				f := doc.Nodes[c]
				if f.Name != fl[i].ID || f.Translation != [3]float64{0, fl[i].Elevation, 0} {
					t.Errorf("floor node %d: %q at %v, want %q at elevation %v", i, f.Name, f.Translation, fl[i].ID, fl[i].Elevation)
				}
				for _, e := range f.Children {
					parents[e] = c
				}
			}
			byID := map[string]int{}
			for i := 1 + len(fl); i < len(doc.Nodes); i++ {
				byID[doc.Nodes[i].Name] = i
			}
			err := m.Elements(context.Background(), func(e *model.Element) error {
				n, ok := byID[e.ID]
				if !ok {
					t.Errorf("no node for %s", e.ID)
					return nil
				}
				node := doc.Nodes[n]
				var x struct {
					Type       string
					Properties map[string]any
				}
				if b, _ := json.Marshal(node.Extras); json.Unmarshal(b, &x) != nil || x.Type != e.Type || len(x.Properties) != len(e.Properties) {
					t.Errorf("%s: extras %v", e.ID, node.Extras)
				}
				if node.Mesh == nil {
					t.Errorf("%s has no mesh", e.ID)
					return nil
				}
				if e.Geometry.Kind == model.KindOpening {
					return nil // a panel, thinner than the volume it fills
				}
				prim := doc.Meshes[*node.Mesh].Primitives[0]
				var lo, hi geom.Vec3
				for i, p := range positions(doc, prim.Attributes[qgltf.POSITION]) {
					w := world(doc, parents, n, [3]float64{float64(p[0]), float64(p[1]), float64(p[2])})
					if i == 0 {
						lo, hi = w, w
					}
					for k := range 3 {
						lo[k], hi[k] = math.Min(lo[k], w[k]), math.Max(hi[k], w[k])
					}
				}
				ms := m.Measure(e)
				fe, _ := m.Floor(e.Floor)
				ms.Min[2] += fe.Elevation
				ms.Max[2] += fe.Elevation
				for k := range 3 {
					if math.Abs(lo[k]-ms.Min[k]) > 1e-3 || math.Abs(hi[k]-ms.Max[k]) > 1e-3 {
						t.Errorf("%s: bounds %v–%v, model %v–%v", e.ID, lo, hi, ms.Min, ms.Max)
						break
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestLargeOffset checks that a model 5,000 km from its origin is re-centred:
// small vertex values, the offset on the root.
func TestLargeOffset(t *testing.T) {
	m := formattest.Open(t, shapes(5_000_000, 5_000_000, 1, "m"))
	out, _ := write(t, m, "glb", nil)
	doc := decode(t, out.Files["model.glb"].Bytes())
	tr := doc.Nodes[0].Translation
	if math.Abs(tr[0]-5_000_015) > 1 || math.Abs(tr[2]+5_000_007) > 1 {
		t.Errorf("root translation %v, want about (5000015, 0, -5000007)", tr)
	}
	for _, a := range doc.Accessors {
		for _, v := range append(a.Min, a.Max...) {
			if math.Abs(v) > 100 {
				t.Fatalf("accessor bound %v: not re-centred", v)
			}
		}
	}
}

// TestInstancing checks that identical geometry is stored once.
func TestInstancing(t *testing.T) {
	m := formattest.Open(t, shapes(0, 0, 1, "m"))
	out, _ := write(t, m, "glb", nil)
	doc := decode(t, out.Files["model.glb"].Bytes())
	mesh := map[string]int{}
	for _, n := range doc.Nodes {
		if n.Mesh != nil {
			mesh[n.Name] = *n.Mesh
		}
	}
	if mesh["B1"] != mesh["B2"] {
		t.Errorf("boxes B1 and B2 of one size have meshes %d and %d", mesh["B1"], mesh["B2"])
	}
	if mesh["B3"] != mesh["B4"] {
		t.Errorf("boxes B3 and B4 (rotated) of one size have meshes %d and %d", mesh["B3"], mesh["B4"])
	}

	g := formattest.Open(t, generated(t, 3000))
	out, _ = write(t, g, "glb", nil)
	doc = decode(t, out.Files["model.glb"].Bytes())
	if len(doc.Meshes)*2 > g.Stats.Elements {
		t.Errorf("%d meshes for %d elements: little sharing", len(doc.Meshes), g.Stats.Elements)
	}
	t.Logf("%d meshes for %d elements", len(doc.Meshes), g.Stats.Elements)
}

// TestMaterials checks one material per key and glass for windows.
func TestMaterials(t *testing.T) {
	m := formattest.Open(t, shapes(0, 0, 1, "m"))
	out, _ := write(t, m, "glb", nil)
	doc := decode(t, out.Files["model.glb"].Bytes())
	seen := map[string]bool{}
	for _, mat := range doc.Materials {
		if seen[mat.Name] {
			t.Errorf("material %q twice", mat.Name)
		}
		seen[mat.Name] = true
		if mat.Name == "window" && (mat.AlphaMode != qgltf.AlphaBlend || mat.PBRMetallicRoughness.BaseColorFactor[3] >= 1) {
			t.Errorf("window material is not blended glass: %+v", mat)
		}
	}
	for _, k := range []string{"wall/brick", "wall", "door", "window", "slab/concrete", "equipment"} {
		if !seen[k] {
			t.Errorf("no material %q in %v", k, seen)
		}
	}
}

func FuzzWrite(f *testing.F) {
	f.Add("Tower", "k", "v", 10.0, 20.0, 0.3, 15.0, "m")
	f.Add("Ü \"\\\x01", "a b", "", 5e6, -5e6, 0.01, -90.0, "mm")
	f.Add("x", "y", "z", -1e5, 3e6, 2.0, 0.0, "ft")
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string) {
		text := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		m, err := model.Open(context.Background(), bytes.NewReader(text), nil)
		if err != nil {
			return
		}
		defer m.Close()
		out, _ := write(t, m, "glb", nil)
		doc := decode(t, out.Files["model.glb"].Bytes())
		if len(doc.Nodes) != 1+len(m.Building.Floors)+m.Stats.Elements {
			t.Fatalf("%d nodes", len(doc.Nodes))
		}
		if strings.Contains(string(out.Files["model.glb"].Bytes()), "NaN") {
			t.Fatal("NaN written")
		}
	})
}

// BenchmarkWrite converts a generated building of 100,000 elements, streamed
// from NDJSON, to GLB.
func BenchmarkWrite(b *testing.B) {
	m := formattest.Generated(b, 100_000)
	wall := time.Now()
	j := formattest.Bench(b, "glb", m, nil)
	secs := time.Since(wall).Seconds() / float64(b.N)
	b.ReportMetric(float64(j.Metrics()["triangles"])/secs, "triangles/s")
	b.ReportMetric(float64(j.Metrics()["meshes"]), "meshes")
}
