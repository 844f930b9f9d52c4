package model

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/arxos/arxport/geom"
)

// twoFloors is the lobby with a second floor. It has references across
// floors (LAMP-1 in room 201, D-2 in wall W-1, connections), a forward host
// reference (WIN-2 comes before W-2) and a forward room reference (LAMP-1).
func twoFloors(t *testing.T) string {
	t.Helper()
	return edit(t, func(d map[string]any) {
		floor0(d)["elements"] = append(floor0(d)["elements"].([]any), map[string]any{
			"id": "LAMP-1", "type": "equipment", "system": "lighting", "room": "201",
			"geometry": map[string]any{"kind": "box", "position": []any{2, 2, 3}, "size": []any{0.5, 0.5, 0.2}}})
		var l2 map[string]any
		if err := json.Unmarshal([]byte(`{"id": "L2", "name": "First Floor", "level": 1, "elevation": 4, "height": 3.5,
			"rooms": [{"id": "201", "boundary": [[0,0],[10,0],[10,10],[0,10]]}],
			"elements": [
				{"id": "WIN-2", "type": "window", "host": "W-2",
				 "geometry": {"kind": "opening", "offset": 1, "width": 1.5, "height": 1.2, "sill": 0.9}},
				{"id": "W-2", "type": "wall",
				 "geometry": {"kind": "line", "start": [0,0], "end": [10,0], "thickness": 0.2, "height": 3.5}},
				{"id": "D-2", "type": "door", "host": "W-1",
				 "geometry": {"kind": "opening", "offset": 10, "width": 1, "height": 2}},
				{"id": "AHU-2", "type": "equipment", "system": "hvac", "room": "201",
				 "geometry": {"kind": "box", "position": [5,5,0], "size": [1,1,1]}},
				{"id": "DESK-2", "type": "furniture", "room": "101",
				 "geometry": {"kind": "box", "position": [30,40,0], "size": [2,1,0.8], "rotation": 30}}
			]}`), &l2); err != nil {
			t.Fatal(err)
		}
		d["floors"] = append(d["floors"].([]any), l2)
		d["connections"] = append(d["connections"].([]any),
			map[string]any{"from": "PANEL_1", "to": "AHU-2", "type": "power"},
			map[string]any{"from": "AHU-2", "to": "HVAC_01", "type": "logical"})
	})
}

// connectionsFirst moves an NDJSON stream's connection lines right after its
// header, so their ends are not known when they are read.
func connectionsFirst(nd string) string {
	lines := strings.SplitAfter(nd, "\n")
	var conns, rest []string
	for _, l := range lines[1:] {
		if strings.Contains(l, `"kind":"connection"`) {
			conns = append(conns, l)
		} else {
			rest = append(rest, l)
		}
	}
	return lines[0] + strings.Join(conns, "") + strings.Join(rest, "")
}

// forms are the same model as a document, as NDJSON, and as NDJSON with the
// connections first.
func forms(t *testing.T, doc string) map[string]string {
	nd := toNDJSON(t, doc)
	return map[string]string{"json": doc, "ndjson": nd, "ndjson-connections-first": connectionsFirst(nd)}
}

// view is everything a writer can see of a model, for comparing forms.
type view struct {
	Floors   []Floor
	Rooms    []Room
	Elements []Element
	Measures []Measures
	Conns    []Connection
	Stats    Stats
	Warnings []Problem
}

func viewOf(t *testing.T, m *Model) view {
	t.Helper()
	rooms, elems, conns := collect(t, m)
	v := view{Floors: m.Building.Floors, Rooms: rooms, Elements: elems, Conns: conns, Stats: m.Stats, Warnings: m.Warnings}
	for i := range elems {
		v.Measures = append(v.Measures, m.Measure(&elems[i]))
	}
	return v
}

func idsOf[T any](items []T, id func(*T) string) string {
	var ids []string
	for i := range items {
		ids = append(ids, id(&items[i]))
	}
	return strings.Join(ids, " ")
}

// checkStats checks that a model's stats describe exactly what it hands out.
func checkStats(t *testing.T, m *Model, v view) {
	t.Helper()
	st := m.Stats
	if st.Floors != len(m.Building.Floors) || st.Rooms != len(v.Rooms) || st.Elements != len(v.Elements) ||
		st.Connections != len(v.Conns) || len(st.ByFloor) != len(m.Building.Floors) {
		t.Errorf("stats %+v for %d floors, %d rooms, %d elements, %d connections",
			st, len(m.Building.Floors), len(v.Rooms), len(v.Elements), len(v.Conns))
	}
	byType := map[string]int{}
	byFloor := map[string]FloorStats{}
	for _, fl := range m.Building.Floors {
		byFloor[fl.ID] = FloorStats{}
	}
	inf := math.Inf(1)
	lo, hi := geom.Vec3{inf, inf, inf}, geom.Vec3{-inf, -inf, -inf}
	grow := func(floor string, min, max geom.Vec3) {
		fl, ok := m.Floor(floor)
		if !ok {
			t.Fatalf("item on floor %q, which the model does not keep", floor)
		}
		min[2] += fl.Elevation
		max[2] += fl.Elevation
		for k := range 3 {
			lo[k], hi[k] = math.Min(lo[k], min[k]), math.Max(hi[k], max[k])
		}
	}
	props := len(m.Building.Properties)
	for _, r := range v.Rooms {
		fs := byFloor[r.Floor]
		fs.Rooms++
		byFloor[r.Floor] = fs
		min, max := geom.BBox2(r.Boundary)
		grow(r.Floor, geom.Vec3{min[0], min[1], 0}, geom.Vec3{max[0], max[1], r.Height})
		props += len(r.Properties)
	}
	for i, e := range v.Elements {
		byType[e.Type]++
		fs := byFloor[e.Floor]
		fs.Elements++
		byFloor[e.Floor] = fs
		props += len(e.Properties)
		if _, inWall := m.Wall(e.Host); e.Geometry.Kind == KindOpening && inWall {
			continue // within its wall's bounds
		}
		grow(e.Floor, v.Measures[i].Min, v.Measures[i].Max)
	}
	if props != st.Properties {
		t.Errorf("%d properties, stats say %d", props, st.Properties)
	}
	if fmt.Sprint(byType) != fmt.Sprint(st.ByType) {
		t.Errorf("by type %v, stats say %v", byType, st.ByType)
	}
	for id, want := range byFloor {
		if got := st.ByFloor[id]; got.Rooms != want.Rooms || got.Elements != want.Elements {
			t.Errorf("floor %s: %d rooms, %d elements, stats say %+v", id, want.Rooms, want.Elements, got)
		}
	}
	if len(v.Rooms)+len(v.Elements) == 0 {
		lo, hi = geom.Vec3{}, geom.Vec3{}
	}
	for k := range 3 {
		if math.Abs(lo[k]-st.Min[k]) > 1e-9 || math.Abs(hi[k]-st.Max[k]) > 1e-9 {
			t.Errorf("items span %v..%v, stats say %v..%v", lo, hi, st.Min, st.Max)
			break
		}
	}
}

// Every form gives the same model under every filter, and the model holds
// what the filters select, with stats to match.
func TestFilters(t *testing.T) {
	doc := twoFloors(t)
	cases := []struct {
		name           string
		floors, types  []string
		rooms, elems   string
		conns, hostOut int // connections kept; openings kept without their host
	}{
		{"none", nil, nil, "101 201", "W-1 D-1 S-1 HVAC_01 PANEL_1 LAMP-1 WIN-2 W-2 D-2 AHU-2 DESK-2", 3, 0},
		{"all named", []string{"L2", "L1"}, ElementTypes, "101 201", "W-1 D-1 S-1 HVAC_01 PANEL_1 LAMP-1 WIN-2 W-2 D-2 AHU-2 DESK-2", 3, 0},
		{"L1", []string{"L1"}, nil, "101", "W-1 D-1 S-1 HVAC_01 PANEL_1 LAMP-1", 1, 0},
		{"L2", []string{"L2"}, nil, "201", "WIN-2 W-2 D-2 AHU-2 DESK-2", 0, 1},
		{"openings", nil, []string{"door", "window"}, "101 201", "D-1 WIN-2 D-2", 0, 3},
		{"walls", nil, []string{"wall"}, "101 201", "W-1 W-2", 0, 0},
		{"walls and openings", []string{"L1", "L2"}, []string{"wall", "door", "window"}, "101 201", "W-1 D-1 WIN-2 W-2 D-2", 0, 0},
		{"equipment", nil, []string{"equipment"}, "101 201", "HVAC_01 PANEL_1 LAMP-1 AHU-2", 3, 0},
		{"L2 equipment", []string{"L2"}, []string{"equipment"}, "201", "AHU-2", 0, 0},
		{"L1 furniture", []string{"L1"}, []string{"furniture"}, "101", "", 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var first []byte
			for form, text := range forms(t, doc) {
				m, err := open(t, text, &Options{Floors: c.floors, Types: c.types})
				if err != nil {
					t.Fatalf("%s: %v", form, err)
				}
				v := viewOf(t, m)
				if got := idsOf(v.Rooms, func(r *Room) string { return r.ID }); got != c.rooms {
					t.Errorf("%s: rooms %q, want %q", form, got, c.rooms)
				}
				if got := idsOf(v.Elements, func(e *Element) string { return e.ID }); got != c.elems {
					t.Errorf("%s: elements %q, want %q", form, got, c.elems)
				}
				if len(v.Conns) != c.conns {
					t.Errorf("%s: connections %v, want %d", form, v.Conns, c.conns)
				}
				for _, cn := range v.Conns {
					if !strings.Contains(" "+c.elems+" ", " "+cn.From+" ") || !strings.Contains(" "+c.elems+" ", " "+cn.To+" ") {
						t.Errorf("%s: connection %v has an end left out", form, cn)
					}
				}
				var warned []Problem
				for _, w := range m.Warnings {
					if w.Code == CodeHostFilteredOut {
						warned = append(warned, w)
					}
				}
				switch {
				case c.hostOut == 0 && len(m.Warnings) != 0:
					t.Errorf("%s: warnings %v", form, m.Warnings)
				case c.hostOut > 0 && (len(m.Warnings) != 1 || len(warned) != 1 ||
					!strings.HasPrefix(warned[0].Message, fmt.Sprint(c.hostOut, " "))):
					t.Errorf("%s: want one warning for %d openings, got %v", form, c.hostOut, m.Warnings)
				}
				checkStats(t, m, v)
				data, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = data
				} else if string(data) != string(first) {
					t.Errorf("%s differs from the other forms:\n%s\n%s", form, data, first)
				}
			}
		})
	}
}

// A door or window kept without its host wall stands on its own, placed and
// sized as in the wall; a wall kept without its openings is exported whole.
func TestFilterOpeningsAndHosts(t *testing.T) {
	doc := twoFloors(t)
	full := mustOpen(t, doc)
	_, all, _ := collect(t, full)
	want := map[string]Measures{}
	for i := range all {
		want[all[i].ID] = full.Measure(&all[i])
	}
	solidVolume := func(m *Model, e *Element) float64 {
		var v float64
		for _, s := range m.Solids(e) {
			v += s.Volume()
		}
		return v
	}
	if n := len(full.Openings("W-1")); n != 2 {
		t.Fatalf("W-1 has %d openings unfiltered", n)
	}

	for form, text := range forms(t, doc) {
		t.Run(form, func(t *testing.T) {
			m, err := open(t, text, &Options{Types: []string{"door", "window"}})
			if err != nil {
				t.Fatal(err)
			}
			_, elems, _ := collect(t, m)
			for i := range elems {
				e := &elems[i]
				if _, ok := m.Wall(e.Host); ok {
					t.Errorf("%s: Wall(%s) reports a wall left out", e.ID, e.Host)
				}
				host, ok := m.HostGeometry(e.Host)
				if !ok || host.Kind != KindLine {
					t.Fatalf("%s: no geometry for host %s", e.ID, e.Host)
				}
				if e.Geometry.Kind != KindOpening || e.Host == "" {
					t.Errorf("%s changed: %+v", e.ID, e)
				}
				if got := m.Measure(e); got != want[e.ID] || got.Volume <= 0 {
					t.Errorf("%s measures %+v, with its wall %+v", e.ID, got, want[e.ID])
				}
				if v := solidVolume(m, e); math.Abs(v-want[e.ID].Volume) > 1e-9 {
					t.Errorf("%s solids hold %v m³, want %v", e.ID, v, want[e.ID].Volume)
				}
			}
			if len(m.Openings("W-1")) != 0 || len(m.Openings("W-2")) != 0 {
				t.Errorf("walls left out still list openings")
			}

			m, err = open(t, text, &Options{Types: []string{"wall"}})
			if err != nil {
				t.Fatal(err)
			}
			_, elems, _ = collect(t, m)
			for i := range elems {
				e := &elems[i]
				if _, ok := m.Wall(e.ID); ok || len(m.Openings(e.ID)) != 0 {
					t.Errorf("%s: openings left out still cut it", e.ID)
				}
				g := &e.Geometry
				whole := g.End.Sub(*g.Start).Len() * g.Thickness * g.Height
				if ms := m.Measure(e); math.Abs(ms.Volume-whole) > 1e-9 || math.Abs(solidVolume(m, e)-whole) > 1e-9 {
					t.Errorf("%s: volume %v, want the whole wall's %v", e.ID, ms.Volume, whole)
				}
			}
			if len(m.Warnings) != 0 {
				t.Errorf("warnings %v", m.Warnings)
			}

			// On L1, W-1 keeps D-1 but not D-2 (on L2); the model only counts D-1.
			m, err = open(t, text, &Options{Floors: []string{"L1"}})
			if err != nil {
				t.Fatal(err)
			}
			if o := m.Openings("W-1"); len(o) != 1 || o[0].Offset != 5 {
				t.Errorf("W-1 openings on L1 alone: %v", o)
			}
			if _, ok := m.Wall("W-1"); !ok {
				t.Error("W-1 hosts D-1 but Wall says no")
			}
			if _, ok := m.Floor("L2"); ok || len(m.Building.Floors) != 1 {
				t.Errorf("floors %v", m.Building.Floors)
			}
		})
	}
}

func problemAt(t *testing.T, err error, path, code string) {
	t.Helper()
	var inv *InvalidError
	if !errors.As(err, &inv) {
		t.Fatalf("want *InvalidError, got %v", err)
	}
	for _, p := range inv.Problems {
		if p.Path == path && p.Code == code && p.Message != "" {
			return
		}
	}
	t.Errorf("want %s at %s, got %v", code, path, inv.Problems)
}

// failingReader fails the test if it is read.
type failingReader struct{ t *testing.T }

func (r failingReader) Read([]byte) (int, error) {
	r.t.Error("the model was read")
	return 0, io.ErrUnexpectedEOF
}

func TestFilterUnknown(t *testing.T) {
	opts := &Options{Types: []string{"wall", "walls", "", "Door"}}
	err := opts.Check()
	for _, i := range []int{1, 2, 3} {
		problemAt(t, err, fmt.Sprintf("options.types[%d]", i), CodeUnknownType)
	}
	if inv := (*InvalidError)(nil); errors.As(err, &inv) && len(inv.Problems) != 3 {
		t.Errorf("problems %v", inv.Problems)
	}
	// Unknown types are found before the model is read.
	_, err = Open(context.Background(), failingReader{t}, opts)
	problemAt(t, err, "options.types[1]", CodeUnknownType)
	if err := (&Options{Types: ElementTypes}).Check(); err != nil {
		t.Error(err)
	}
	if err := (*Options)(nil).Check(); err != nil {
		t.Error(err)
	}

	for form, text := range forms(t, twoFloors(t)) {
		_, err := open(t, text, &Options{Floors: []string{"L1", "L9", ""}, Types: []string{"wall"}})
		problemAt(t, err, "options.floors[1]", CodeUnknownFloor)
		problemAt(t, err, "options.floors[2]", CodeUnknownFloor)
		var inv *InvalidError
		if errors.As(err, &inv) && len(inv.Problems) != 2 {
			t.Errorf("%s: problems %v", form, inv.Problems)
		}
		if err != nil && !strings.Contains(err.Error(), `"L1" "L2"`) {
			t.Errorf("%s: the message does not list the floors: %v", form, err)
		}
	}
}

// Filters leave items out of the export, not out of validation: a model that
// is invalid is invalid whatever is selected, and a reference to an id that
// does not exist is still a problem.
func TestFilterStillValidates(t *testing.T) {
	base := twoFloors(t)
	floor1 := func(d map[string]any) map[string]any { return d["floors"].([]any)[1].(map[string]any) }
	elem1 := func(d map[string]any, i int) map[string]any { return floor1(d)["elements"].([]any)[i].(map[string]any) }
	change := func(fn func(d map[string]any)) string {
		var d map[string]any
		json.Unmarshal([]byte(base), &d)
		fn(d)
		out, _ := json.Marshal(d)
		return string(out)
	}
	cases := []struct {
		name, text, path, code string
		opts                   Options
	}{
		{"host missing, walls left out", change(func(d map[string]any) { elem(d, 1)["host"] = "W-9" }),
			"floors[0].elements[1].host", CodeUnknownReference, Options{Types: []string{"door"}}},
		{"host missing, door left out", change(func(d map[string]any) { elem(d, 1)["host"] = "W-9" }),
			"floors[0].elements[1].host", CodeUnknownReference, Options{Types: []string{"wall"}}},
		{"forward host missing", change(func(d map[string]any) { elem1(d, 0)["host"] = "W-9" }),
			"floors[1].elements[0].host", CodeUnknownReference, Options{Floors: []string{"L1"}}},
		{"opening too wide, host left out", change(func(d map[string]any) { elem1(d, 0)["geometry"].(map[string]any)["width"] = 12 }),
			"floors[1].elements[0].geometry", CodeOpeningOutside, Options{Types: []string{"window"}}},
		{"openings overlap, one left out", change(func(d map[string]any) { elem1(d, 2)["geometry"].(map[string]any)["offset"] = 5.5 }),
			"floors[1].elements[2].geometry", CodeOpeningOutside, Options{Floors: []string{"L1"}}},
		{"room missing, floor left out", change(func(d map[string]any) { elem1(d, 3)["room"] = "999" }),
			"floors[1].elements[3].room", CodeUnknownReference, Options{Floors: []string{"L1"}}},
		{"bad slab, type left out", change(func(d map[string]any) { geo(d, 2)["height"] = -1 }),
			"floors[0].elements[2].geometry.height", CodeInvalidValue, Options{Types: []string{"wall"}}},
		{"connection end missing, other end left out", change(func(d map[string]any) {
			d["connections"].([]any)[1].(map[string]any)["from"] = "NOPE"
		}), "connections[1].from", CodeUnknownReference, Options{Floors: []string{"L1"}}},
		{"duplicate id across floors", change(func(d map[string]any) { elem1(d, 4)["id"] = "S-1" }),
			"floors[1].elements[4].id", CodeDuplicateID, Options{Floors: []string{"L2"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := open(t, c.text, &c.opts)
			problemAt(t, err, c.path, c.code)
			for form, text := range forms(t, c.text) {
				if form == "json" {
					continue
				}
				if _, err := open(t, text, &c.opts); err == nil {
					t.Errorf("%s accepted", form)
				}
			}
		})
	}
}

// With on_invalid: skip, an item left out as invalid takes the items that
// need it along, filtered or not, and only those get a warning.
func TestFilterSkipInvalid(t *testing.T) {
	// W-2 is broken (in itself, or in its reference to a room): WIN-2 goes with
	// it. D-2's host W-1 is fine but left out.
	for _, broken := range [][2]string{{`"thickness":0.2`, `"thickness":-1`}, {`"id":"W-2"`, `"id":"W-2","room":"nowhere"`}} {
		text := strings.Replace(twoFloors(t), broken[0], broken[1], 1)
		if text == twoFloors(t) {
			t.Fatal("no edit")
		}
		skipInvalidForms(t, text)
	}
}

func skipInvalidForms(t *testing.T, text string) {
	t.Helper()
	for form, src := range forms(t, text) {
		m, err := open(t, src, &Options{SkipInvalid: true, Types: []string{"door", "window"}})
		if err != nil {
			t.Fatalf("%s: %v", form, err)
		}
		v := viewOf(t, m)
		if got := idsOf(v.Elements, func(e *Element) string { return e.ID }); got != "D-1 D-2" {
			t.Errorf("%s: kept %q", form, got)
		}
		var codes []string
		for _, w := range m.Warnings {
			if form == "json" {
				codes = append(codes, w.Path+" "+w.Code)
			} else {
				codes = append(codes, w.Code)
			}
		}
		slices.Sort(codes)
		want := []string{"options " + CodeHostFilteredOut, "floors[1].elements[1] " + CodeSkipped, "floors[1].elements[0] " + CodeSkipped}
		if form != "json" {
			want = []string{CodeHostFilteredOut, CodeSkipped, CodeSkipped}
		}
		slices.Sort(want)
		if fmt.Sprint(codes) != fmt.Sprint(want) {
			t.Errorf("%s: warnings %v, want %v", form, codes, want)
		}
		if !strings.HasPrefix(m.Warnings[len(m.Warnings)-1].Message, "2 ") {
			t.Errorf("%s: %v", form, m.Warnings)
		}
		checkStats(t, m, v)
	}
}

// The element limit is on the model read, not on what is kept.
func TestFilterLimits(t *testing.T) {
	_, err := open(t, lobby, &Options{Limits: Limits{Elements: 3}, Types: []string{"wall"}})
	var inv *InvalidError
	if !errors.As(err, &inv) || inv.Problems[len(inv.Problems)-1].Code != CodeLimitExceeded {
		t.Errorf("element limit: %v", err)
	}
}
