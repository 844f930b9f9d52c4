// Package plantest holds the building models the plan formats (dxf, pdf,
// asciibim) test with: the examples, a hand-made awkward model in any unit, and
// the template their fuzz targets fill in.
package plantest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/arxos/arxport/gen"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// Examples are the example files of the repository, by file name.
var Examples = []string{"tech-tower.json", "clinic-mm.json", "pavilion.ndjson"}

// Example returns the text of an example file (examples/<name>).
func Example(name string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "examples", name))
	return string(b), err
}

// Model is a named test model (JSON or NDJSON text).
type Model struct {
	Name, Text string
}

// Models returns the models every plan format is tested on: the three
// examples, Awkward in millimetres without georef, in feet and in metres with
// georef, and generated buildings (about 2,000 elements as NDJSON, metres, and
// about 600 as a document in centimetres).
func Models() ([]Model, error) {
	var out []Model
	for _, name := range Examples {
		text, err := Example(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Model{name, text})
	}
	out = append(out,
		Model{"awkward-mm", Awkward("mm", false)},
		Model{"awkward-ft", Awkward("ft", true)},
		Model{"awkward-m", Awkward("m", true)})
	for _, g := range []struct {
		n      int
		units  model.Unit
		ndjson bool
	}{{2000, "m", true}, {600, "cm", false}} {
		text, err := Generated(g.n, g.units, g.ndjson)
		if err != nil {
			return nil, err
		}
		out = append(out, Model{fmt.Sprintf("gen-%d-%s", g.n, g.units), text})
	}
	return out, nil
}

// Generated returns a building of about n elements from the project's
// generator (seed 7).
func Generated(n int, units model.Unit, ndjson bool) (string, error) {
	var b strings.Builder
	_, err := gen.Write(&b, gen.Options{Elements: n, Seed: 7, NDJSON: ndjson, Units: units})
	return b.String(), err
}

// LongName is a room name of 200 characters.
var LongName = (strings.Repeat("Extremely long room name for the facilities team's shared open-plan area ", 3))[:197] + "END"

// Awkward returns a building in the given unit (m, mm, cm, ft, in) that reaches
// what plans find hard: an L-shaped room, a room with a hole, a slab with a hole,
// a diagonal façade wall with a door and a window, a high window that is not
// cut, doors opening both ways, rotated equipment of every system and status,
// critical equipment, a rotated furniture box, a mesh, a very long name,
// non-Latin names (CJK, Cyrillic, emoji, combining marks), markup characters,
// a floor with no elements (L1) and, when georef is false, no georef.
func Awkward(unit model.Unit, georef bool) string {
	f, ok := unit.Metres()
	if !ok {
		panic("plantest: unknown unit " + string(unit))
	}
	k := 1 / f
	v := func(x float64) float64 { return x * k }
	p := func(x, y float64) *geom.Vec2 { return &geom.Vec2{v(x), v(y)} }
	ring := func(pts ...float64) geom.Ring {
		r := make(geom.Ring, 0, len(pts)/2)
		for i := 0; i+1 < len(pts); i += 2 {
			r = append(r, geom.Vec2{v(pts[i]), v(pts[i+1])})
		}
		return r
	}
	wall := func(id, name string, x0, y0, x1, y1, t float64) model.Element {
		return model.Element{ID: id, Type: "wall", Name: name, Material: "concrete",
			Geometry: model.Geometry{Kind: model.KindLine, Start: p(x0, y0), End: p(x1, y1), Thickness: v(t), Height: v(3.5)}}
	}
	opening := func(id, typ, host, room string, off, w, sill, h float64) model.Element {
		return model.Element{ID: id, Type: typ, Host: host, Room: room,
			Geometry: model.Geometry{Kind: model.KindOpening, Offset: v(off), Width: v(w), Sill: v(sill), Height: v(h)}}
	}
	box := func(id, typ, system, status, room, name string, x, y, z, sx, sy, sz, rot float64, props model.Properties) model.Element {
		return model.Element{ID: id, Type: typ, System: system, Status: status, Room: room, Name: name,
			Geometry: model.Geometry{Kind: model.KindBox, Position: &geom.Vec3{v(x), v(y), v(z)},
				Size: &geom.Vec3{v(sx), v(sy), v(sz)}, Rotation: rot}, Properties: props}
	}
	extr := func(id, typ, name string, base, h float64, profile geom.Ring, holes ...geom.Ring) model.Element {
		return model.Element{ID: id, Type: typ, Name: name,
			Geometry: model.Geometry{Kind: model.KindExtrusion, Profile: profile, Holes: holes, Base: v(base), Height: v(h)}}
	}
	b := model.Building{
		Schema: model.SchemaV1, ID: "PLAN-AWKWARD-" + strings.ToUpper(string(unit)),
		Name:    `Awkward <Hall> & "Annex" — Ärztehaus 東館`,
		Address: "1 Rue de l'Église, 75001 Paris",
		Units:   unit,
		Floors: []model.Floor{
			{ID: "L0", Name: "Ground Floor", Level: 0, Elevation: 0, Height: v(3.5),
				Rooms: []model.Room{
					{ID: "G01", Name: `Reception & Waiting "A" <Ground>`, Type: "lobby",
						Boundary: ring(0, 0, 12, 0, 12, 4, 5, 4, 5, 9, 0, 9)},
					{ID: "G02", Name: "会议室", Type: "meeting",
						Boundary: ring(5, 4, 12, 4, 12, 9, 5, 9), Holes: []geom.Ring{ring(7, 6, 9, 6, 9, 7.5, 7, 7.5)}},
					{ID: "G03", Name: LongName, Type: "office", Boundary: ring(12, 0, 18, 0, 12, 9)},
					{ID: "G04", Name: "Café", Type: "cafe", Boundary: ring(0, 9, 5, 9, 5, 12, 0, 12)},
				},
				Elements: []model.Element{
					wall("W1", "South façade", 0, 0, 18, 0, 0.2),
					opening("D1", "door", "W1", "G01", 2, 1, 0, 2.1),
					opening("WN1", "window", "W1", "G03", 13, 1.5, 0.9, 1.2),
					wall("W2", "Diagonal façade", 18, 0, 12, 9, 0.2),
					opening("WN2", "window", "W2", "G03", 3, 2, 0.9, 1.5),
					opening("D2", "door", "W2", "G03", 7, 0.9, 0, 2.1),
					wall("W3", "North wall", 12, 9, 0, 9, 0.2),
					opening("WN3", "window", "W3", "G02", 3, 1.2, 1.8, 0.6), // high: not cut
					opening("D7", "door", "W3", "G04", 9.5, 0.9, 0, 2.1),
					wall("W4", "West wall", 0, 12, 0, 0, 0.2),
					opening("D3", "door", "W4", "G01", 6, 1, 0, 2.1),
					wall("W5", "Partition", 5, 4, 12, 4, 0.1),
					opening("D4", "door", "W5", "G02", 1, 0.9, 0, 2.1),
					wall("W6", "Partition", 5, 4, 5, 12, 0.1),
					opening("D5", "door", "W6", "G01", 1, 0.9, 0, 2.1),
					wall("W7", "Partition", 12, 0, 12, 9, 0.1),
					opening("D6", "door", "W7", "G03", 1.5, 0.9, 0, 2.1),
					wall("W8", "North wall of the café", 0, 12, 5, 12, 0.2),
					extr("S1", "slab", "Ground slab", -0.3, 0.3, ring(0, 0, 18, 0, 12, 9, 5, 9, 5, 12, 0, 12),
						ring(1, 6, 3, 6, 3, 8.5, 1, 8.5)),
					extr("ST1", "stair", "Stair", 0, 3.5, ring(1.2, 6.2, 2.8, 6.2, 2.8, 8.3, 1.2, 8.3)),
					{ID: "R1", Type: "railing", Name: "Void railing",
						Geometry: model.Geometry{Kind: model.KindLine, Start: p(1, 5.9), End: p(3, 5.9), Thickness: v(0.05), Height: v(1.1)}},
					extr("C1", "column", "Column", 0, 3.5, ring(8.8, 1.8, 9.2, 1.8, 9.2, 2.2, 8.8, 2.2)),
					{ID: "B1", Type: "beam", Name: "Beam",
						Geometry: model.Geometry{Kind: model.KindLine, Start: p(5, 2), End: p(12, 2), Thickness: v(0.3), Height: v(0.5), Base: v(3)}},
					box("E-HVAC", "equipment", "hvac", "operational", "G01", "Thermostat", 2, 3, 1.5, 0.1, 0.1, 0.1, 30,
						model.Properties{"model": "Nest Pro", "manufacturer": "Google"}),
					box("E-PANEL", "equipment", "electrical", "warning", "G03", "Main panel", 14, 1, 0, 0.6, 0.2, 1.8, 90,
						model.Properties{"critical": true, "model": "Prisma P"}),
					box("E-PL", "equipment", "plumbing", "failed", "G02", "Sink", 11, 8, 0, 0.6, 0.5, 0.9, 180, nil),
					box("E-NW", "equipment", "network", "maintenance", "G02", "Wi-Fi access point", 8, 5, 3, 0.2, 0.2, 0.05, 0, nil),
					box("E-FIRE", "equipment", "fire", "operational", "G01", "Smoke detector", 3, 2, 3.4, 0.12, 0.12, 0.05, 0, nil),
					box("E-SEC", "equipment", "security", "unknown", "G04", "摄像头 №1", 4, 11, 3, 0.15, 0.15, 0.15, 45, nil),
					box("E-LONG", "equipment", "lighting", "operational", "G03", LongName, 13.5, 3, 3, 0.6, 0.6, 0.1, 12.5, nil),
					box("E-OTHER", "equipment", "other", "operational", "", "Vending <machine>", 6, 1, 0, 0.8, 0.8, 1.8, 0, nil),
					extr("E-EXT", "equipment", "Boiler", 0, 1.5, ring(10, 5, 11, 5, 11, 5.8, 10, 5.8)),
					box("F1", "furniture", "", "", "G02", "Table", 10, 6.5, 0, 1.6, 0.8, 0.75, 45, nil),
					{ID: "M1", Type: "generic", Name: "Sculpture",
						Geometry: model.Geometry{Kind: model.KindMesh,
							Vertices:  []geom.Vec3{{v(3), v(1), 0}, {v(4), v(1), 0}, {v(3), v(2), 0}, {v(3), v(1), v(1)}},
							Triangles: [][3]int{{0, 2, 1}, {0, 1, 3}, {1, 2, 3}, {0, 3, 2}}}},
				}},
			{ID: "L1", Name: "Empty Mezzanine", Level: 1, Elevation: v(3.5), Height: v(3)},
			{ID: "L2", Name: "Étage 2 — Верхний", Level: 2, Elevation: v(6.5), Height: v(3),
				Rooms: []model.Room{
					{ID: "201", Name: "Кабинет директора", Type: "office", Boundary: ring(0, 0, 9, 0, 9, 9, 0, 9)},
					{ID: "202", Name: "Lounge 🛋️ e\u0301", Type: "lounge", Boundary: ring(9, 0, 18, 0, 12, 9, 9, 9)},
				},
				Elements: []model.Element{
					wall("W21", "", 0, 0, 18, 0, 0.2),
					wall("W22", "", 18, 0, 12, 9, 0.2),
					wall("W23", "", 12, 9, 0, 9, 0.2),
					wall("W24", "", 0, 9, 0, 0, 0.2),
					wall("W25", "", 9, 0, 9, 9, 0.1),
					opening("D21", "door", "W25", "202", 4, 0.9, 0, 2.1),
					box("E-21", "equipment", "hvac", "failed", "201", "VAV box", 4, 4, 2.8, 1, 0.6, 0.4, 60,
						model.Properties{"critical": true}),
					box("E-22", "equipment", "electrical", "operational", "202", "Distribution board", 10, 1, 1, 0.6, 0.2, 0.9, 0, nil),
				}},
		},
		Connections: []model.Connection{
			{From: "E-PANEL", To: "E-HVAC", Type: "power", Spec: "230V/1PH/16A"},
			{From: "E-PANEL", To: "E-22", Type: "power", Spec: "400V/3PH/32A [riser] -> L2"},
			{From: "E-NW", To: "E-SEC", Type: "network"},
			{From: "E-PL", To: "E-EXT", Type: "plumbing", Spec: "DN20"},
			{From: "E-HVAC", To: "E-21", Type: "hvac"},
			{From: "E-HVAC", To: "E-NW", Type: "logical", Spec: "BACnet/IP"},
		},
	}
	if georef {
		b.Georef = &model.Georef{Lat: 48.8566, Lon: 2.3522, Elevation: 35, Rotation: -12.5}
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic(err)
	}
	return string(out)
}

// Fuzz fills the fuzz template: a small building whose names and coordinates
// come from the fuzzer (x, y offset everything; rot turns the equipment; size
// scales the room). The result is JSON; model.Open may still reject it.
func Fuzz(building, room, equipment string, x, y, size, rot float64) string {
	s := size
	r := func(pts ...float64) geom.Ring {
		out := geom.Ring{}
		for i := 0; i+1 < len(pts); i += 2 {
			out = append(out, geom.Vec2{x + pts[i]*s, y + pts[i+1]*s})
		}
		return out
	}
	pt := func(a, b float64) *geom.Vec2 { return &geom.Vec2{x + a*s, y + b*s} }
	b := model.Building{
		Schema: model.SchemaV1, ID: "FZ", Name: building,
		Floors: []model.Floor{
			{ID: "F0", Name: room, Level: 0, Height: 3,
				Rooms: []model.Room{
					{ID: "R1", Name: room, Boundary: r(0, 0, 10, 0, 10, 4, 4, 4, 4, 8, 0, 8)},
					{ID: "R2", Name: equipment, Boundary: r(4, 4, 10, 4, 10, 8, 4, 8), Holes: []geom.Ring{r(6, 5, 7, 5, 7, 6, 6, 6)}},
				},
				Elements: []model.Element{
					{ID: "W1", Type: "wall", Name: building, Geometry: model.Geometry{Kind: model.KindLine, Start: pt(0, 0), End: pt(10, 8), Thickness: 0.2, Height: 3}},
					{ID: "D1", Type: "door", Host: "W1", Room: "R1", Name: room, Geometry: model.Geometry{Kind: model.KindOpening, Offset: 1, Width: 0.9, Height: 2.1}},
					{ID: "WN1", Type: "window", Host: "W1", Geometry: model.Geometry{Kind: model.KindOpening, Offset: 3, Width: 1, Sill: 0.9, Height: 1.2}},
					{ID: "S1", Type: "slab", Geometry: model.Geometry{Kind: model.KindExtrusion, Profile: r(0, 0, 10, 0, 10, 8, 0, 8), Holes: []geom.Ring{r(1, 5, 2, 5, 2, 6, 1, 6)}, Base: -0.3, Height: 0.3}},
					{ID: "E1", Type: "equipment", System: "hvac", Status: "failed", Room: "R2", Name: equipment,
						Geometry:   model.Geometry{Kind: model.KindBox, Position: &geom.Vec3{x + 8*s, y + 6*s, 1}, Size: &geom.Vec3{0.5, 0.3, 0.2}, Rotation: rot},
						Properties: model.Properties{"model": equipment}},
				}},
			{ID: "F1", Name: equipment, Level: 1, Elevation: 3, Height: 3},
		},
		Connections: []model.Connection{{From: "E1", To: "W1", Type: "power", Spec: room}},
	}
	out, err := json.Marshal(b)
	if err != nil {
		panic(err)
	}
	return string(out)
}
