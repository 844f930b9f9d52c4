package step_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/arxos/arxport/formats/formattest"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/formats/step"
	"github.com/arxos/arxport/model"
)

func TestConformance(t *testing.T) {
	formattest.Run(t, "step", fixture.Lobby, fixture.Mixed, fixture.MixedNDJSON, shapes("m", 1, 0))
}

// write converts m to STEP and returns the file and the warnings.
func write(t testing.TB, m *model.Model, opts map[string]any) ([]byte, []model.Problem) {
	t.Helper()
	return formattest.Single(t, "step", m, opts, "model.step", step.ContentType)
}

// names lists the building's, floors' and elements' product names.
func names(t testing.TB, m *model.Model) []string {
	out := []string{m.Building.Name}
	for _, f := range m.Building.Floors {
		out = append(out, f.Name)
	}
	m.Elements(context.Background(), func(e *model.Element) error {
		if e.Name != "" {
			out = append(out, e.Name)
		}
		return nil
	})
	return out
}

func expect(t testing.TB, m *model.Model) formattest.OCCT { return formattest.SolidsOf(t, m) }

// draw reports whether OpenCASCADE's DRAW is installed; missing, the test is
// skipped, or fails when ARXPORT_REQUIRE_READERS=1.
func draw(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "test", "readers", "check_occt.sh")
	for _, c := range []string{"DRAWEXE", "occt-draw"} {
		if _, err := exec.LookPath(c); err == nil {
			return script
		}
	}
	if os.Getenv("ARXPORT_REQUIRE_READERS") == "1" {
		t.Fatal("OpenCASCADE DRAW (occt-draw) not installed (ARXPORT_REQUIRE_READERS=1)")
	}
	t.Skip("OpenCASCADE DRAW not installed: run .ci/install-readers.sh")
	return ""
}

// occt runs check_occt.sh on the file.
func occt(t *testing.T, file []byte, x formattest.OCCT) {
	t.Helper()
	script := draw(t)
	dir := t.TempDir()
	path, xpath := filepath.Join(dir, "model.step"), filepath.Join(dir, "expect.json")
	xb, _ := json.Marshal(x)
	if err := os.WriteFile(path, file, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(xpath, xb, 0o644); err != nil {
		t.Fatal(err)
	}
	if keep := os.Getenv("ARXPORT_STEP_KEEP"); keep != "" {
		stem := filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
		os.WriteFile(stem+".step", file, 0o644)
		os.WriteFile(stem+".expect.json", xb, 0o644)
	}
	out, err := exec.Command("bash", script, path, xpath).CombinedOutput()
	if err != nil {
		t.Errorf("check_occt.sh: %v\n%s", err, out)
	} else if testing.Verbose() {
		t.Logf("%s", bytes.TrimSpace(out))
	}
}

func examples(t testing.TB) map[string]string {
	t.Helper()
	dir := filepath.Join("..", "..", "examples")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range ents {
		if n := e.Name(); strings.HasSuffix(n, ".json") || strings.HasSuffix(n, ".ndjson") {
			b, err := os.ReadFile(filepath.Join(dir, n))
			if err != nil {
				t.Fatal(err)
			}
			out["examples/"+n] = string(b)
		}
	}
	return out
}

// TestReaders has OpenCASCADE read every kind of model: every solid is
// valid, and the count and volume are the model's.
func TestReaders(t *testing.T) {
	models := examples(t)
	for k, v := range fixture.Models {
		models["fixture/"+k] = v
	}
	models["shapes.json"] = shapes("m", 1, 0)
	models["shapes-mm.json"] = shapes("mm", 1000, 0)
	models["shapes-offset-5e6.json"] = shapes("m", 1, 5e6)
	models["shapes-mm-offset.json"] = shapes("mm", 1000, 5000)
	gen, err := fixture.Generated(1500)
	if err != nil {
		t.Fatal(err)
	}
	models["generated-1500.ndjson"] = gen
	draw(t)
	for name, text := range models {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := formattest.Open(t, text)
			file, _ := write(t, m, nil)
			x := expect(t, m)
			if x.Solids == 0 {
				t.Fatal("model has no solids")
			}
			if strings.HasPrefix(name, "shapes") {
				x.Names = names(t, m)
			}
			occt(t, file, x)
		})
	}
}

// TestOpenMesh: a mesh that is not closed goes out as a surface model with a
// warning; the solids around it are untouched.
func TestOpenMesh(t *testing.T) {
	m := formattest.Open(t, openMesh)
	file, warnings := write(t, m, nil)
	var codes []string
	for _, w := range warnings {
		codes = append(codes, w.Code+" "+w.Path)
	}
	got := strings.Join(codes, "\n")
	if !strings.Contains(got, step.CodeOpenSurface+" elements.MESH-open") {
		t.Errorf("no open-surface warning for MESH-open: %v", codes)
	}
	if !strings.Contains(got, step.CodeDegenerate+" elements.MESH-degenerate") {
		t.Errorf("no degenerate-face warning for MESH-degenerate: %v", codes)
	}
	f, err := parseStep(string(file))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, in := range f.Instances {
		count[in.Name]++
	}
	if count["MANIFOLD_SURFACE_SHAPE_REPRESENTATION"] != 2 || count["SHELL_BASED_SURFACE_MODEL"] != 2 || count["OPEN_SHELL"] != 2 {
		t.Errorf("surface model instances: %v", count)
	}
	if count["MANIFOLD_SOLID_BREP"] != 1 {
		t.Errorf("%d MANIFOLD_SOLID_BREP, want 1 (the box)", count["MANIFOLD_SOLID_BREP"])
	}
	x := expect(t, m)
	if x.Solids != 1 {
		t.Fatalf("model gives %d solids, want 1", x.Solids)
	}
	occt(t, file, x)
}

// TestStructure checks the product tree and that every name reads back.
func TestStructure(t *testing.T) {
	text := shapes("m", 1, 5e6)
	m := formattest.Open(t, text)
	file, _ := write(t, m, nil)
	f, err := parseStep(string(file))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(f.Header, "FILE_SCHEMA(('"+step.Schema+"'));") {
		t.Error("FILE_SCHEMA is not AP214")
	}
	if !strings.Contains(f.Header, "'2026-11-28T12:00:00'") {
		t.Error("FILE_NAME does not carry the job time")
	}
	products := map[string][2]string{} // id → name, description
	for _, id := range f.Order {
		in := f.Instances[id]
		if in.Name == "PRODUCT" {
			products[in.Attrs[0].(string)] = [2]string{in.Attrs[1].(string), in.Attrs[2].(string)}
		}
	}
	b := products[m.Building.ID]
	if b[0] != m.Building.Name || !strings.Contains(b[1], "minus offset (5000") {
		t.Errorf("building product %q", b)
	}
	for _, fl := range m.Building.Floors {
		if p, ok := products[fl.ID]; !ok || p[0] != fl.Name {
			t.Errorf("floor %s: product %q, want name %q", fl.ID, p, fl.Name)
		}
	}
	n := 0
	m.Elements(context.Background(), func(e *model.Element) error {
		n++
		want := e.Name
		if want == "" {
			want = e.ID
		}
		if p, ok := products[e.ID]; !ok || p[0] != want || p[1] != e.Type {
			t.Errorf("element %s: product %q, want %q, %q", e.ID, p, want, e.Type)
		}
		return nil
	})
	if len(products) != 1+len(m.Building.Floors)+n {
		t.Errorf("%d products, want %d", len(products), 1+len(m.Building.Floors)+n)
	}
	// Coordinates stay near the origin and keep their millimetres.
	for _, in := range f.Instances {
		if in.Name != "CARTESIAN_POINT" {
			continue
		}
		for _, c := range in.Attrs[1].([]any) {
			if v := c.(float64); math.Abs(v) > 100 {
				t.Fatalf("coordinate %v not re-centred", v)
			}
		}
	}
	// Without openings, doors and windows are left out.
	file2, _ := write(t, m, map[string]any{"openings": false})
	if bytes.Contains(file2, []byte("PRODUCT('D-1'")) || !bytes.Contains(file, []byte("PRODUCT('D-1'")) {
		t.Error("openings option has no effect")
	}
}

func FuzzWrite(f *testing.F) {
	for _, s := range fixture.FuzzSeeds {
		f.Add(s.Name, s.Key, s.Value, s.X, s.Y, s.Thick, s.Rot, s.Units)
	}
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string) {
		doc := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		m, err := model.Open(context.Background(), bytes.NewReader(doc), nil)
		if err != nil {
			return
		}
		defer m.Close()
		file, _ := write(t, m, nil)
		sf, err := parseStep(string(file))
		if err != nil {
			t.Fatalf("%v\n%s", err, file)
		}
		for _, id := range sf.Order {
			if in := sf.Instances[id]; in.Name == "PRODUCT" && in.Attrs[0] == m.Building.ID && in.Attrs[1] != m.Building.Name {
				t.Fatalf("building name %q, want %q", in.Attrs[1], m.Building.Name)
			}
		}
	})
}

func BenchmarkWrite(b *testing.B) {
	m := formattest.Generated(b, 10000)
	j := formattest.Bench(b, "step", m, nil)
	ms := j.Metrics()
	b.ReportMetric(float64(ms["solids"]), "solids")
}

// shapes is a model with every geometry the writer meets: an L-shaped slab
// with a hole, a slab with two holes, a diagonal wall with a door and a
// window, a straight wall with a door, rotated boxes, a closed mesh, on two
// floors, names that need every escape. Lengths are in units (k of them to
// the metre), plan coordinates shifted by off metres.
func shapes(units string, k, off float64) string {
	p := func(x, y float64) []float64 { return []float64{(x + off) * k, (y + off) * k} }
	ring := func(pts ...[2]float64) [][]float64 {
		var r [][]float64
		for _, q := range pts {
			r = append(r, p(q[0], q[1]))
		}
		return r
	}
	l := func(v float64) float64 { return v * k }
	box := func(x, y, z, sx, sy, sz, rot float64) map[string]any {
		return map[string]any{"kind": "box", "position": []float64{(x + off) * k, (y + off) * k, z * k},
			"size": []float64{l(sx), l(sy), l(sz)}, "rotation": rot}
	}
	var tetra [][]float64
	for _, v := range [][3]float64{{1, 1, 0}, {2, 1, 0}, {1, 2, 0}, {1, 1, 1}} {
		tetra = append(tetra, []float64{(v[0] + off) * k, (v[1] + off) * k, v[2] * k})
	}
	doc := map[string]any{
		"schema": "arxos.building/v1", "id": "SHAPES-1", "units": units,
		"name": "Shapes 'quoted' \\ back\\slash é東京🏢 \x01\t\n end",
		"floors": []any{
			map[string]any{"id": "L0", "name": "Ground 'G' \\", "level": 0, "elevation": 0, "height": 3.5 * k,
				"rooms": []any{map[string]any{"id": "R-L", "name": "L-shaped Ärea", "boundary": ring([2]float64{0, 0}, [2]float64{10, 0}, [2]float64{10, 4}, [2]float64{4, 4}, [2]float64{4, 10}, [2]float64{0, 10})}},
				"elements": []any{
					map[string]any{"id": "SLAB-L", "type": "slab", "name": "L slab with hole",
						"geometry": map[string]any{"kind": "extrusion",
							"profile": ring([2]float64{0, 0}, [2]float64{10, 0}, [2]float64{10, 4}, [2]float64{4, 4}, [2]float64{4, 10}, [2]float64{0, 10}),
							"holes":   [][][]float64{ring([2]float64{1, 1}, [2]float64{1, 2}, [2]float64{2, 2}, [2]float64{2, 1})},
							"base":    l(-0.3), "height": l(0.3)}},
					map[string]any{"id": "SLAB-2", "type": "slab", "name": "Slab with holes",
						"geometry": map[string]any{"kind": "extrusion",
							"profile": ring([2]float64{12, 0}, [2]float64{24, 0}, [2]float64{24, 12}, [2]float64{12, 12}),
							"holes":   [][][]float64{ring([2]float64{14, 2}, [2]float64{16, 2}, [2]float64{16, 4}, [2]float64{14, 4}), ring([2]float64{18, 6}, [2]float64{18, 8}, [2]float64{20, 8}, [2]float64{20, 6})},
							"base":    l(-0.3), "height": l(0.3)}},
					map[string]any{"id": "W-diag", "type": "wall", "name": "Diagonal wall \"x\"",
						"geometry": map[string]any{"kind": "line", "start": p(0, 0), "end": p(8, 6), "thickness": l(0.3), "height": l(3)}},
					map[string]any{"id": "D-1", "type": "door", "name": "Door 'one'", "host": "W-diag",
						"geometry": map[string]any{"kind": "opening", "offset": l(1), "width": l(1), "height": l(2.1)}},
					map[string]any{"id": "WIN-1", "type": "window", "name": "Window ü", "host": "W-diag",
						"geometry": map[string]any{"kind": "opening", "offset": l(4), "width": l(1.5), "height": l(1.2), "sill": l(0.9)}},
					map[string]any{"id": "COL-R", "type": "column", "name": "Rotated column",
						"geometry": box(6, 2, 0, 0.4, 0.6, 3, 30)},
					map[string]any{"id": "EQ-1", "type": "equipment", "system": "hvac", "name": "AHU \x02\x7f",
						"geometry": box(3, 3, 0, 1, 1, 1, -117.5)},
				}},
			map[string]any{"id": "L1", "name": "Erste Etage ü", "level": 1, "elevation": 3.5 * k, "height": 3.2 * k,
				"elements": []any{
					map[string]any{"id": "D-0", "type": "door", "name": "Door before its wall", "host": "W-2",
						"geometry": map[string]any{"kind": "opening", "offset": l(1), "width": l(0.9), "height": l(2)}},
					map[string]any{"id": "MESH-closed", "type": "furniture", "name": "Tetra",
						"geometry": map[string]any{"kind": "mesh", "vertices": tetra, "triangles": [][3]int{{0, 2, 1}, {0, 1, 3}, {0, 3, 2}, {1, 2, 3}}}},
					map[string]any{"id": "W-2", "type": "wall", "name": "Wall 2",
						"geometry": map[string]any{"kind": "line", "start": p(0, 5), "end": p(5, 5), "thickness": l(0.2), "height": l(3)}},
					map[string]any{"id": "G-1", "type": "generic",
						"geometry": box(3, 1, 0.5, 0.5, 0.5, 0.5, 45)},
				}},
		},
	}
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// openMesh has an open mesh (a square sheet), a cube mesh with a degenerate
// triangle (a repeated vertex: the model calls it open, and the writer drops
// the triangle), and a box.
var openMesh = func() string {
	cube := `"vertices": [[0,0,0],[1,0,0],[1,1,0],[0,1,0],[0,0,1],[1,0,1],[1,1,1],[0,1,1]],
	  "triangles": [[0,2,1],[0,3,2],[4,5,6],[4,6,7],[0,1,5],[0,5,4],[1,2,6],[1,6,5],[2,3,7],[2,7,6],[3,0,4],[3,4,7],[0,0,1]]`
	return fmt.Sprintf(`{"schema": "arxos.building/v1", "id": "OPEN", "name": "Open mesh",
	"floors": [{"id": "L0", "level": 0, "elevation": 0, "height": 3, "elements": [
	 {"id": "MESH-open", "type": "generic", "geometry": {"kind": "mesh",
	  "vertices": [[0,0,0],[2,0,0],[2,2,0],[0,2,0]], "triangles": [[0,1,2],[0,2,3]]}},
	 {"id": "MESH-degenerate", "type": "furniture", "geometry": {"kind": "mesh", %s}},
	 {"id": "BOX", "type": "equipment", "geometry": {"kind": "box", "position": [5,5,0], "size": [1,2,3]}}
	]}]}`, cube)
}()

// TestCheckerRejects proves check_occt.sh fails a broken file: a face of a
// closed shell left out, and a wrong expected volume.
func TestCheckerRejects(t *testing.T) {
	script := draw(t)
	m := formattest.Open(t, shapes("m", 1, 0))
	file, _ := write(t, m, nil)
	x := expect(t, m)
	// Drop the first face of the first closed shell.
	s := string(file)
	i := strings.Index(s, "=CLOSED_SHELL('',(#")
	j := strings.Index(s[i:], ",")
	j = i + j + strings.Index(s[i+j+1:], ",") + 1
	broken := s[:i+len("=CLOSED_SHELL('',(")] + s[j+1:]
	for name, c := range map[string]struct {
		file string
		x    formattest.OCCT
	}{
		"missing face": {broken, x},
		"wrong volume": {s, formattest.OCCT{Solids: x.Solids, Volume: x.Volume * 1.01}},
		"wrong count":  {s, formattest.OCCT{Solids: x.Solids + 1, Volume: x.Volume}},
		"wrong name":   {s, formattest.OCCT{Solids: x.Solids, Volume: x.Volume, Names: []string{"Wall 2", "Wall 2 "}}},
	} {
		dir := t.TempDir()
		path, xpath := filepath.Join(dir, "bad.step"), filepath.Join(dir, "x.json")
		xb, _ := json.Marshal(c.x)
		os.WriteFile(path, []byte(c.file), 0o644)
		os.WriteFile(xpath, xb, 0o644)
		out, err := exec.Command("bash", script, path, xpath).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Errorf("%s: check_occt.sh exit %v, want 1\n%s", name, err, out)
		}
	}
}
