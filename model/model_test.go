package model

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
)

// lobby is MODEL.md's example document.
const lobby = `{
  "schema": "arxos.building/v1",
  "id": "ARXOS-NA-US-NY-NYC-0001",
  "name": "Tech Tower",
  "address": "123 Innovation Drive, New York, NY 10001",
  "units": "m",
  "georef": {"lat": 40.7128, "lon": -74.0060, "elevation": 10.0, "rotation": 29.0},
  "properties": {"year_built": 2018, "occupancy": 1200},
  "floors": [
    {"id": "L1", "name": "Ground Floor", "level": 0, "elevation": 0.0, "height": 4.0,
     "rooms": [
       {"id": "101", "name": "Main Lobby", "type": "lobby",
        "boundary": [[0,0],[20,0],[20,10],[0,10]], "holes": [], "height": 3.5,
        "properties": {"finish": "stone"}}
     ],
     "elements": [
       {"id": "W-1", "type": "wall", "name": "North wall", "material": "concrete",
        "geometry": {"kind": "line", "start": [0,10], "end": [20,10], "thickness": 0.3, "height": 4.0}},
       {"id": "D-1", "type": "door", "host": "W-1",
        "geometry": {"kind": "opening", "offset": 5.0, "width": 1.0, "height": 2.1}},
       {"id": "S-1", "type": "slab",
        "geometry": {"kind": "extrusion", "profile": [[0,0],[20,0],[20,10],[0,10]], "base": -0.3, "height": 0.3}},
       {"id": "HVAC_01", "type": "equipment", "system": "hvac", "room": "101", "name": "Thermostat",
        "status": "operational",
        "geometry": {"kind": "box", "position": [3,4,1.5], "size": [0.1,0.1,0.1], "rotation": 0},
        "properties": {"manufacturer": "Google", "model": "Nest Pro"}},
       {"id": "PANEL_1", "type": "equipment", "system": "electrical",
        "geometry": {"kind": "box", "position": [1,1,0], "size": [0.5,0.2,1.2]}}
     ]}
  ],
  "connections": [{"from": "PANEL_1", "to": "HVAC_01", "type": "power", "spec": "120V/1PH/20A"}]
}`

func open(t *testing.T, text string, opts *Options) (*Model, error) {
	t.Helper()
	m, err := Open(context.Background(), strings.NewReader(text), opts)
	if err == nil {
		t.Cleanup(func() { m.Close() })
	}
	return m, err
}

func mustOpen(t *testing.T, text string) *Model {
	t.Helper()
	m, err := open(t, text, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func collect(t *testing.T, m *Model) (rooms []Room, elems []Element, conns []Connection) {
	t.Helper()
	ctx := context.Background()
	if err := m.Rooms(ctx, func(r *Room) error { rooms = append(rooms, *r); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := m.Elements(ctx, func(e *Element) error { elems = append(elems, *e); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := m.Connections(ctx, func(c *Connection) error { conns = append(conns, *c); return nil }); err != nil {
		t.Fatal(err)
	}
	return
}

func TestDocument(t *testing.T) {
	m := mustOpen(t, lobby)
	s := m.Stats
	if s.Floors != 1 || s.Rooms != 1 || s.Elements != 5 || s.Connections != 1 {
		t.Fatalf("stats %+v", s)
	}
	if s.ByType["equipment"] != 2 || s.Properties != 2+1+2 {
		t.Errorf("by type %v, properties %d", s.ByType, s.Properties)
	}
	if m.Source != "json" || len(m.Warnings) != 0 {
		t.Errorf("source %s, warnings %v", m.Source, m.Warnings)
	}
	rooms, elems, conns := collect(t, m)
	if len(rooms) != 1 || len(elems) != 5 || len(conns) != 1 {
		t.Fatalf("iterated %d rooms, %d elements, %d connections", len(rooms), len(elems), len(conns))
	}
	if elems[1].Floor != "L1" || elems[4].Status != "unknown" {
		t.Errorf("element not normalised: %+v", elems[4])
	}
	if got := m.Openings("W-1"); len(got) != 1 || got[0].Width != 1 {
		t.Errorf("openings of W-1: %v", got)
	}
	// The wall is 20 x 0.3 x 4 with a 1 x 2.1 door cut.
	wall := m.Measure(&elems[0])
	if want := 20*0.3*4 - 0.3*2.1; math.Abs(wall.Volume-want) > 1e-9 || wall.Length != 20 {
		t.Errorf("wall measures %+v, want volume %v", wall, want)
	}
	var solid float64
	for _, s := range m.Solids(&elems[0]) {
		solid += s.Volume()
	}
	if math.Abs(solid-wall.Volume) > 1e-9 {
		t.Errorf("wall solids hold %v m³, Measure says %v", solid, wall.Volume)
	}
	door := m.Measure(&elems[1])
	if math.Abs(door.Volume-0.3*2.1) > 1e-9 || math.Abs(door.Min[1]-9.85) > 1e-9 {
		t.Errorf("door measures %+v", door)
	}
}

// toNDJSON rewrites a document as NDJSON: header, room lines, element lines, connection lines.
func toNDJSON(t *testing.T, doc string) string {
	t.Helper()
	var b Building
	if err := json.Unmarshal([]byte(doc), &b); err != nil {
		t.Fatal(err)
	}
	var lines []any
	for i := range b.Floors {
		f := &b.Floors[i]
		for _, r := range f.Rooms {
			r.Kind, r.Floor = "room", f.ID
			lines = append(lines, r)
		}
		for _, e := range f.Elements {
			e.Floor = f.ID
			lines = append(lines, e)
		}
		f.Rooms, f.Elements = nil, nil
	}
	for _, c := range b.Connections {
		c.Kind = "connection"
		lines = append(lines, c)
	}
	b.Connections = nil
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.Encode(b)
	for _, l := range lines {
		enc.Encode(l)
	}
	return out.String()
}

// A model streamed from NDJSON (through the spool) hands out exactly what the
// same model held in memory does.
func TestNDJSONMatchesDocument(t *testing.T) {
	docs := []string{lobby}
	for _, p := range []string{"../examples/tech-tower.json", "../examples/clinic-mm.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, string(data))
	}
	for i, text := range docs {
		doc := mustOpen(t, text)
		nd := mustOpen(t, toNDJSON(t, text))
		if nd.Source != "ndjson" {
			t.Fatalf("source %s", nd.Source)
		}
		r1, e1, c1 := collect(t, doc)
		r2, e2, c2 := collect(t, nd)
		a, _ := json.Marshal([]any{r1, e1, c1, doc.Stats})
		b, _ := json.Marshal([]any{r2, e2, c2, nd.Stats})
		if !bytes.Equal(a, b) {
			t.Errorf("model %d: NDJSON and document differ:\n%s\n%s", i, a, b)
		}
	}
}

func TestGzipAndUnits(t *testing.T) {
	mm := strings.NewReplacer(`"units": "m"`, `"units": "mm"`).Replace(lobby)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(mm))
	zw.Close()
	m, err := Open(context.Background(), &buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	_, elems, _ := collect(t, m)
	if got := elems[0].Geometry.End[0]; math.Abs(got-0.02) > 1e-12 {
		t.Errorf("20 mm is %v m", got)
	}
	if fl, _ := m.Floor("L1"); math.Abs(fl.Height-0.004) > 1e-12 {
		t.Errorf("floor height %v", fl.Height)
	}
}

// edit applies a JSON edit to the lobby model: path segments then a value.
func edit(t *testing.T, fn func(doc map[string]any)) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal([]byte(lobby), &doc); err != nil {
		t.Fatal(err)
	}
	fn(doc)
	out, _ := json.Marshal(doc)
	return string(out)
}

func floor0(doc map[string]any) map[string]any { return doc["floors"].([]any)[0].(map[string]any) }
func elem(doc map[string]any, i int) map[string]any {
	return floor0(doc)["elements"].([]any)[i].(map[string]any)
}
func geo(doc map[string]any, i int) map[string]any { return elem(doc, i)["geometry"].(map[string]any) }

func TestInvalid(t *testing.T) {
	cases := []struct {
		name, text, path, code string
	}{
		{"empty", "", "", CodeEmptyInput},
		{"spaces", "  \n ", "", CodeEmptyInput},
		{"binary", "\x00\x01\x02garbage", "", CodeInvalidJSON},
		{"array", "[1,2]", "", CodeInvalidJSON},
		{"truncated", lobby[:len(lobby)/2], "", CodeInvalidJSON},
		{"deep", strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), "schema", CodeRequired},
		{"deeper", strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000), "", CodeInvalidJSON},
		{"schema", edit(t, func(d map[string]any) { d["schema"] = "arxos.building/v2" }), "schema", CodeUnsupportedSchema},
		{"no name", edit(t, func(d map[string]any) { delete(d, "name") }), "name", CodeRequired},
		{"wrong type", edit(t, func(d map[string]any) { d["name"] = 7 }), "name", CodeWrongType},
		{"units", edit(t, func(d map[string]any) { d["units"] = "furlong" }), "units", CodeInvalidValue},
		{"no floors", edit(t, func(d map[string]any) { d["floors"] = []any{} }), "floors", CodeRequired},
		{"huge number", edit(t, func(d map[string]any) { geo(d, 0)["thickness"] = 2e7 }), "floors[0].elements[0].geometry.thickness", CodeOutOfRange},
		{"overflow", strings.Replace(lobby, `"thickness": 0.3`, `"thickness": 1e999`, 1), "floors[0].elements[0].geometry.thickness", CodeWrongType},
		{"two points", edit(t, func(d map[string]any) { geo(d, 2)["profile"] = []any{[]any{0, 0}, []any{1, 0}, []any{0, 0}} }), "floors[0].elements[2].geometry.profile", CodeTooFewPoints},
		{"zero area", edit(t, func(d map[string]any) { geo(d, 2)["profile"] = []any{[]any{0, 0}, []any{1, 0}, []any{2, 0}} }), "floors[0].elements[2].geometry.profile", CodeZeroArea},
		{"bowtie", edit(t, func(d map[string]any) {
			geo(d, 2)["profile"] = []any{[]any{0, 0}, []any{2, 2}, []any{2, 0}, []any{0, 1}}
		}), "floors[0].elements[2].geometry.profile", CodeSelfIntersecting},
		{"hole outside", edit(t, func(d map[string]any) {
			geo(d, 2)["holes"] = []any{[]any{[]any{30, 0}, []any{31, 0}, []any{31, 1}}}
		}), "floors[0].elements[2].geometry.holes[0]", CodeHoleOutside},
		{"duplicate id", edit(t, func(d map[string]any) { elem(d, 2)["id"] = "W-1" }), "floors[0].elements[2].id", CodeDuplicateID},
		{"missing host", edit(t, func(d map[string]any) { elem(d, 1)["host"] = "W-9" }), "floors[0].elements[1].host", CodeUnknownReference},
		{"host not wall", edit(t, func(d map[string]any) { elem(d, 1)["host"] = "S-1" }), "floors[0].elements[1].host", CodeInvalidHost},
		{"door too wide", edit(t, func(d map[string]any) { geo(d, 1)["offset"] = 19.5 }), "floors[0].elements[1].geometry", CodeOpeningOutside},
		{"missing room", edit(t, func(d map[string]any) { elem(d, 3)["room"] = "999" }), "floors[0].elements[3].room", CodeUnknownReference},
		{"missing connection end", edit(t, func(d map[string]any) {
			d["connections"].([]any)[0].(map[string]any)["to"] = "NOPE"
		}), "connections[0].to", CodeUnknownReference},
		{"nested property", edit(t, func(d map[string]any) { d["properties"] = map[string]any{"a": map[string]any{"b": 1}} }), "properties.a", CodeNestedProperty},
		{"bad type", edit(t, func(d map[string]any) { elem(d, 2)["type"] = "spaceship" }), "floors[0].elements[2].type", CodeInvalidValue},
		{"bad system", edit(t, func(d map[string]any) { elem(d, 3)["system"] = "steam" }), "floors[0].elements[3].system", CodeInvalidValue},
		{"no kind", edit(t, func(d map[string]any) { delete(geo(d, 2), "kind") }), "floors[0].elements[2].geometry.kind", CodeRequired},
		{"door not opening", edit(t, func(d map[string]any) { geo(d, 1)["kind"] = "box" }), "floors[0].elements[1].geometry.kind", CodeInvalidGeometry},
		{"long string", edit(t, func(d map[string]any) { elem(d, 2)["material"] = strings.Repeat("x", 10<<20) }), "floors[0].elements[2].material", CodeStringTooLong},
		{"mesh index", edit(t, func(d map[string]any) {
			elem(d, 2)["geometry"] = map[string]any{"kind": "mesh", "vertices": []any{[]any{0, 0, 0}, []any{1, 0, 0}, []any{0, 1, 0}}, "triangles": []any{[]any{0, 1, 3}}}
		}), "floors[0].elements[2].geometry.triangles[0][2]", CodeInvalidGeometry},
		{"million points", millionPoints(), "floors[0].elements[2].geometry.profile", CodeLimitExceeded},
		{"ndjson unknown floor", toNDJSON(t, lobby) + `{"id":"X","type":"slab","floor":"L9","geometry":{"kind":"box","position":[0,0,0],"size":[1,1,1]}}` + "\n", "line[9].floor", CodeUnknownReference},
		{"ndjson broken line", toNDJSON(t, lobby) + "{\"id\":\n", "line[9]", CodeInvalidJSON},
		{"ndjson bad kind", toNDJSON(t, lobby) + `{"kind":"ghost"}` + "\n", "line[9].kind", CodeInvalidValue},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := open(t, c.text, nil)
			var inv *InvalidError
			if !errors.As(err, &inv) {
				t.Fatalf("want *InvalidError, got %v", err)
			}
			for _, p := range inv.Problems {
				if p.Path == c.path && p.Code == c.code {
					if p.Message == "" {
						t.Error("empty message")
					}
					return
				}
			}
			t.Errorf("want %s at %q, got %v", c.code, c.path, inv.Problems)
		})
	}
}

func TestManyProblemsCapped(t *testing.T) {
	text := edit(t, func(d map[string]any) {
		var els []any
		for i := range 300 {
			els = append(els, map[string]any{"id": fmt.Sprint("E", i), "type": "bogus", "geometry": map[string]any{"kind": "box"}})
		}
		floor0(d)["elements"] = els
		delete(d, "connections")
	})
	_, err := open(t, text, nil)
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatal(err)
	}
	if len(inv.Problems) != 101 || inv.Problems[100].Code != CodeTooManyProblems {
		t.Errorf("%d problems, last %v", len(inv.Problems), inv.Problems[len(inv.Problems)-1])
	}
}

func TestSkipInvalid(t *testing.T) {
	// The wall is broken, so its door goes too; the thermostat points to a missing
	// room; the connection loses its end.
	text := edit(t, func(d map[string]any) {
		geo(d, 0)["thickness"] = -1
		elem(d, 3)["room"] = "nowhere"
		elem(d, 2)["colour"] = "grey"
		elem(d, 4)["colour"] = "red"
	})
	for _, form := range []string{"json", "ndjson"} {
		t.Run(form, func(t *testing.T) {
			src := text
			if form == "ndjson" {
				src = toNDJSON(t, text)
			}
			if _, err := open(t, src, nil); err == nil {
				t.Fatal("accepted without skip")
			}
			m, err := open(t, src, &Options{SkipInvalid: true})
			if err != nil {
				t.Fatal(err)
			}
			_, elems, conns := collect(t, m)
			var ids []string
			for _, e := range elems {
				ids = append(ids, e.ID)
			}
			if fmt.Sprint(ids) != "[S-1 PANEL_1]" || len(conns) != 0 {
				t.Errorf("kept %v and %d connections", ids, len(conns))
			}
			if m.Stats.Elements != 2 || m.Stats.Connections != 0 || m.Stats.ByType["wall"] != 0 {
				t.Errorf("stats %+v", m.Stats)
			}
			var skipped, unknown int
			for _, w := range m.Warnings {
				switch w.Code {
				case CodeSkipped:
					skipped++
				case CodeUnknownField:
					unknown++
				}
			}
			if skipped != 4 || (form == "json" && unknown != 1) {
				t.Errorf("warnings %v", m.Warnings)
			}
		})
	}
}

func TestUnknownFieldWarnsOnce(t *testing.T) {
	text := edit(t, func(d map[string]any) {
		d["colour"] = "x"
		geo(d, 0)["texture"] = "brick"
		geo(d, 2)["texture"] = "concrete"
	})
	m := mustOpen(t, text)
	if len(m.Warnings) != 2 {
		t.Errorf("warnings %v", m.Warnings)
	}
}

func TestLimits(t *testing.T) {
	_, err := open(t, lobby, &Options{Limits: Limits{Elements: 3}})
	var inv *InvalidError
	if !errors.As(err, &inv) || inv.Problems[len(inv.Problems)-1].Code != CodeLimitExceeded {
		t.Errorf("element limit: %v", err)
	}
	_, err = open(t, lobby, &Options{Limits: Limits{InputBytes: 100}})
	if !errors.As(err, &inv) || inv.Problems[0].Code != CodeLimitExceeded {
		t.Errorf("input limit: %v", err)
	}
	long := toNDJSON(t, lobby) + `{"id":"` + strings.Repeat("x", 2000) + `"}` + "\n"
	_, err = open(t, long, &Options{Limits: Limits{LineBytes: 1000}})
	if !errors.As(err, &inv) || inv.Problems[0].Code != CodeLimitExceeded || inv.Problems[0].Path != "line[9]" {
		t.Errorf("line limit: %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, strings.NewReader(toNDJSON(t, lobby)), nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte(lobby))
	f.Add([]byte(`{"schema":"arxos.building/v1","id":"a","name":"b","floors":[{"id":"f","height":3}]}` + "\n" +
		`{"id":"e","type":"slab","floor":"f","geometry":{"kind":"extrusion","profile":[[0,0],[1,0],[1,1]],"height":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Open(context.Background(), bytes.NewReader(data), &Options{SkipInvalid: len(data)%2 == 0})
		if err != nil {
			var inv *InvalidError
			if !errors.As(err, &inv) || len(inv.Problems) == 0 {
				t.Fatalf("error is not a list of problems: %v", err)
			}
			return
		}
		defer m.Close()
		n := 0
		if err := m.Elements(context.Background(), func(e *Element) error {
			n++
			m.Measure(e)
			m.Solids(e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n != m.Stats.Elements {
			t.Fatalf("iterated %d elements, stats say %d", n, m.Stats.Elements)
		}
	})
}

// millionPoints is the lobby with a slab profile of a million points.
func millionPoints() string {
	var b strings.Builder
	b.WriteString(`"profile": [`)
	for i := range 1_000_000 {
		a := 2 * math.Pi * float64(i) / 1e6
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%.6f,%.6f]", math.Cos(a), math.Sin(a))
	}
	b.WriteString("]")
	return strings.Replace(lobby, `"profile": [[0,0],[20,0],[20,10],[0,10]]`, b.String(), 1)
}

// Spool files are unlinked at once (nothing is left behind whatever happens
// to the process) and several writers may stream the same model at once.
func TestSpoolLeavesNothingAndSharesReaders(t *testing.T) {
	dir := t.TempDir()
	m, err := Open(context.Background(), strings.NewReader(toNDJSON(t, lobby)), &Options{TempDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("spool files visible: %v", entries)
	}
	counts := make(chan int, 4)
	for range 4 {
		go func() {
			n := 0
			m.Elements(context.Background(), func(*Element) error { n++; return nil })
			counts <- n
		}()
	}
	for range 4 {
		if n := <-counts; n != m.Stats.Elements {
			t.Errorf("a reader saw %d elements, want %d", n, m.Stats.Elements)
		}
	}
}
