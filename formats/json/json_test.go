package json_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/arxos/arxport/formats"
	"github.com/arxos/arxport/formats/formattest"
	exjson "github.com/arxos/arxport/formats/json"
	"github.com/arxos/arxport/formats/json/fixture"
	"github.com/arxos/arxport/model"
	"github.com/arxos/arxport/schemas"
)

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// compiledSchema is the published schema, compiled once.
func compiledSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemas.ExportJSON))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		if err := c.AddResource(schemas.ExportJSONName, doc); err != nil {
			schemaErr = err
			return
		}
		schema, schemaErr = c.Compile(schemas.ExportJSONName)
	})
	if schemaErr != nil {
		t.Fatalf("schema: %v", schemaErr)
	}
	return schema
}

func validate(t testing.TB, out []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := compiledSchema(t).Validate(inst); err != nil {
		t.Fatalf("output does not match the schema: %v", err)
	}
}

func TestConformance(t *testing.T) {
	formattest.Run(t, "json", fixture.Lobby, fixture.Mixed, fixture.MixedNDJSON)
}

// doc is the part of the output the tests look into.
type doc struct {
	Schema      string `json:"schema"`
	GeneratedAt string `json:"generated_at"`
	Building    struct {
		Name        string         `json:"name"`
		Units       string         `json:"units"`
		SourceUnits string         `json:"source_units"`
		Properties  map[string]any `json:"properties"`
	} `json:"building"`
	Floors []struct {
		ID       string `json:"id"`
		Rooms    int    `json:"rooms"`
		Elements int    `json:"elements"`
	} `json:"floors"`
	Rooms []struct {
		ID        string        `json:"id"`
		Name      string        `json:"name"`
		Area      float64       `json:"area_m2"`
		Perimeter float64       `json:"perimeter_m"`
		Volume    float64       `json:"volume_m3"`
		Holes     [][][]float64 `json:"holes"`
	} `json:"rooms"`
	Elements []struct {
		ID       string         `json:"id"`
		Type     string         `json:"type"`
		Name     string         `json:"name"`
		System   string         `json:"system"`
		Geometry map[string]any `json:"geometry"`
		Computed struct {
			Length float64 `json:"length_m"`
			Area   float64 `json:"area_m2"`
			Volume float64 `json:"volume_m3"`
			Closed bool    `json:"closed"`
			BBox   struct {
				Min, Max []float64
			} `json:"bbox"`
		} `json:"computed"`
	} `json:"elements"`
	Connections []map[string]any `json:"connections"`
	Summary     struct {
		Floors, Rooms, Elements, Connections, Properties int
		ByType                                           map[string]int `json:"by_type"`
	} `json:"summary"`
}

func decode(t *testing.T, b []byte) doc {
	t.Helper()
	var d doc
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return d
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestOutputMatchesSchemaAndModel(t *testing.T) {
	for _, name := range fixture.Names {
		for _, indent := range []bool{false, true} {
			t.Run(name, func(t *testing.T) {
				m := formattest.Open(t, fixture.Models[name])
				out := formattest.Write(t, "json", m, map[string]any{"indent": indent})
				if got := out.Names(); len(got) != 1 || got[0] != "model.json" || out.Types["model.json"] != "application/json" {
					t.Fatalf("files %v, types %v", got, out.Types)
				}
				b := out.Files["model.json"].Bytes()
				validate(t, b)
				if indent != bytes.Contains(b, []byte("\n  \"building\": {")) {
					t.Errorf("indent=%v not honoured", indent)
				}
				d := decode(t, b)
				st := m.Stats
				if len(d.Floors) != st.Floors || len(d.Rooms) != st.Rooms || len(d.Elements) != st.Elements ||
					len(d.Connections) != st.Connections {
					t.Errorf("counts: %d floors %d rooms %d elements %d connections; model %+v",
						len(d.Floors), len(d.Rooms), len(d.Elements), len(d.Connections), st)
				}
				if d.Summary.Floors != st.Floors || d.Summary.Rooms != st.Rooms || d.Summary.Elements != st.Elements ||
					d.Summary.Connections != st.Connections || d.Summary.Properties != st.Properties {
					t.Errorf("summary %+v, model %+v", d.Summary, st)
				}
				for typ, n := range st.ByType {
					if d.Summary.ByType[typ] != n {
						t.Errorf("by_type[%s] = %d, want %d", typ, d.Summary.ByType[typ], n)
					}
				}
				for _, f := range d.Floors {
					fs := st.ByFloor[f.ID]
					if f.Rooms != fs.Rooms || f.Elements != fs.Elements {
						t.Errorf("floor %s: %d rooms %d elements, want %d, %d", f.ID, f.Rooms, f.Elements, fs.Rooms, fs.Elements)
					}
				}
				if d.GeneratedAt != "2026-11-28T12:00:00Z" || d.Building.Units != "m" {
					t.Errorf("generated_at %q units %q", d.GeneratedAt, d.Building.Units)
				}
			})
		}
	}
}

func TestComputedValues(t *testing.T) {
	m := formattest.Open(t, fixture.Mixed)
	d := decode(t, formattest.Write(t, "json", m, nil).Files["model.json"].Bytes())
	if d.Building.SourceUnits != "cm" {
		t.Errorf("source_units %q", d.Building.SourceUnits)
	}
	want := map[string]struct{ area, perim, vol float64 }{
		"R-ring": {96, 40, 96 * 3.5}, // 10 m x 10 m less a 2 m x 2 m hole, floor height 3.5
		"R-101":  {20, 18, 80},
	}
	for _, r := range d.Rooms {
		w := want[r.ID]
		if !near(r.Area, w.area) || !near(r.Perimeter, w.perim) || !near(r.Volume, w.vol) {
			t.Errorf("room %s: area %v perimeter %v volume %v, want %+v", r.ID, r.Area, r.Perimeter, r.Volume, w)
		}
	}
	byID := map[string]int{}
	for i, e := range d.Elements {
		byID[e.ID] = i
	}
	col := d.Elements[byID["COL-1"]].Computed
	if !near(col.Area, 0.16) || !near(col.Volume, 0.56) {
		t.Errorf("column with a hole: area %v volume %v, want 0.16, 0.56", col.Area, col.Volume)
	}
	roof := d.Elements[byID["ROOF-1"]].Computed // clockwise profile
	if !near(roof.Area, 20) || !near(roof.Volume, 4) {
		t.Errorf("roof: area %v volume %v, want 20, 4", roof.Area, roof.Volume)
	}
	wall := d.Elements[byID["W-A"]].Computed
	if !near(wall.Length, 5) || !near(wall.Area, 1) {
		t.Errorf("wall: length %v area %v", wall.Length, wall.Area)
	}
	if open := d.Elements[byID["MESH-open"]].Computed; open.Closed || open.Volume != 0 {
		t.Errorf("open mesh: closed %v volume %v", open.Closed, open.Volume)
	}
	if tet := d.Elements[byID["MESH-closed"]].Computed; !tet.Closed || !near(tet.Volume, 1.0/6) {
		t.Errorf("tetrahedron: closed %v volume %v", tet.Closed, tet.Volume)
	}
	if ahu := d.Elements[byID["AHU-1"]]; ahu.System != "hvac" {
		t.Errorf("AHU system %q", ahu.System)
	}
	// Every length is metres.
	if g := d.Elements[byID["W-A"]].Geometry; g["thickness"] != 0.2 || g["height"] != 3.0 {
		t.Errorf("wall geometry not in metres: %v", g)
	}
	if d.Elements[byID["MESH-closed"]].Name != "tetra\x01\x1f\uffff\ufffd!" {
		t.Errorf("name %q did not survive", d.Elements[byID["MESH-closed"]].Name)
	}
}

// The schema is strict: a document that strays from the shape is rejected.
func TestSchemaRejects(t *testing.T) {
	m := formattest.Open(t, fixture.Lobby)
	good := formattest.Write(t, "json", m, nil).Files["model.json"].String()
	for name, edit := range map[string][2]string{
		"unknown member":    {`"schema":"arxport.export/v1",`, `"schema":"arxport.export/v1","extra":1,`},
		"bad element type":  {`"type":"slab"`, `"type":"floor"`},
		"bad system":        {`"system":"hvac"`, `"system":"steam"`},
		"bad status":        {`"status":"operational"`, `"status":"fine"`},
		"negative area":     {`"area_m2":200,"perimeter_m"`, `"area_m2":-200,"perimeter_m"`},
		"string number":     {`"height":3.5`, `"height":"3.5"`},
		"door without host": {`"host":"W-1",`, ``},
		"short ring":        {`"boundary":[[0,0],[20,0],[20,10],[0,10]]`, `"boundary":[[0,0],[20,0]]`},
		"geometry mix":      {`"kind":"opening","offset":5`, `"kind":"box","offset":5`},
		"nested property":   {`"finish":"stone"`, `"finish":{"a":1}`},
		"system on wall":    {`"type":"wall","name":"North wall"`, `"type":"wall","system":"hvac","name":"North wall"`},
		"bad connection":    {`"type":"power"`, `"type":"steam"`},
	} {
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if bad == good {
			t.Errorf("%s: edit %q did not apply", name, edit[0])
			continue
		}
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		if compiledSchema(t).Validate(inst) == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}
}

func TestAppendFloat(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0"}, {math.Copysign(0, -1), "0"}, {1, "1"}, {-2.5, "-2.5"}, {0.1, "0.1"},
		{1e-7, "1e-7"}, {1.5e-10, "1.5e-10"}, {1e21, "1e+21"}, {123456789.125, "123456789.125"},
		{0.30000000000000004, "0.30000000000000004"},
	} {
		if got := string(exjson.AppendFloat(nil, c.in)); got != c.want {
			t.Errorf("AppendFloat(%v) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\`, "\x00\x01\x1f\t\n\r", "<&>", "é東京🏢", "\u2028\u2029", "bad\xffutf8"} {
		b := exjson.AppendString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("%q → %s: %v", s, b, err)
			continue
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if back != want {
			t.Errorf("%q → %s → %q", s, b, back)
		}
	}
}

// Cancelling while the model is being written stops the work.
func TestCancelMidway(t *testing.T) {
	m := formattest.Open(t, fixture.Synth(20000))
	f, _ := formats.Lookup("json")
	vals, _ := f.ParseOptions(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := &cancelAfter{cancel: cancel}
	j := &formats.Job{Model: m, Out: &formattest.Memory{}, Base: "m", Time: formattest.Time, Options: vals, Progress: p}
	if err := f.Write(ctx, j); !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", err)
	}
	if p.last >= int64(m.Stats.Elements) {
		t.Errorf("went on to item %d after cancellation", p.last)
	}
}

type cancelAfter struct {
	cancel func()
	last   int64
}

func (c *cancelAfter) Progress(stage string, done, total int64) {
	c.last = done
	c.cancel()
}

func FuzzWrite(f *testing.F) {
	for _, s := range fixture.FuzzSeeds {
		f.Add(s.Name, s.Key, s.Value, s.X, s.Y, s.Thick, s.Rot, s.Units, false)
	}
	f.Fuzz(func(t *testing.T, name, key, value string, x, y, thick, rot float64, units string, indent bool) {
		text := fixture.Fuzz(name, key, value, x, y, thick, rot, units)
		if text == nil {
			return
		}
		m, err := model.Open(context.Background(), bytes.NewReader(text), nil)
		if err != nil {
			return
		}
		defer m.Close()
		out := formattest.Write(t, "json", m, map[string]any{"indent": indent})
		b := out.Files["model.json"].Bytes()
		if !json.Valid(b) {
			t.Fatalf("invalid JSON:\n%s", b)
		}
		validate(t, b)
	})
}

// BenchmarkWrite converts a generated building of 10,000 elements, streamed
// from NDJSON as the service does for large models.
func BenchmarkWrite(b *testing.B) {
	formattest.Bench(b, "json", formattest.Generated(b, 10000), nil)
}

// generated is a building of about n elements from the project's generator.
func generated(t testing.TB, n int) string {
	t.Helper()
	text, err := fixture.Generated(n)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestGenerated(t *testing.T) {
	m := formattest.Open(t, generated(t, 3000))
	b := formattest.Write(t, "json", m, nil).Files["model.json"].Bytes()
	validate(t, b)
	d := decode(t, b)
	if len(d.Rooms) != m.Stats.Rooms || len(d.Elements) != m.Stats.Elements || len(d.Connections) != m.Stats.Connections {
		t.Errorf("counts %d/%d/%d, model %+v", len(d.Rooms), len(d.Elements), len(d.Connections), m.Stats)
	}
}
