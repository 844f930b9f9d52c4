package plan_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/arxos/arxport/converters/plan"
	"github.com/arxos/arxport/converters/plan/plantest"
	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

func open(t testing.TB, text string) *model.Model {
	t.Helper()
	m, err := model.Open(context.Background(), strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func build(t testing.TB, text string) *plan.Plan {
	t.Helper()
	p, err := plan.Build(context.Background(), open(t, text), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func near(a, b geom.Vec2) bool { return a.Sub(b).Len() < 1e-6 }

func inside(p geom.Vec2, r *plan.Room) bool {
	if !geom.PointInRing(p, r.Outer) {
		return false
	}
	for _, h := range r.Holes {
		if geom.PointInRing(p, h) {
			return false
		}
	}
	return true
}

// TestModels checks what must hold on every test model: rings wound as
// documented, labels inside their rooms, door geometry consistent, extents
// that hold everything.
func TestModels(t *testing.T) {
	ms, err := plantest.Models()
	if err != nil {
		t.Fatal(err)
	}
	for _, tm := range ms {
		t.Run(tm.Name, func(t *testing.T) {
			m := open(t, tm.Text)
			p, err := plan.Build(context.Background(), m, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Floors) != len(m.Building.Floors) {
				t.Fatalf("%d floors, want %d", len(p.Floors), len(m.Building.Floors))
			}
			rooms, equipment := 0, 0
			for i, fl := range p.Floors {
				if i > 0 && fl.Level < p.Floors[i-1].Level {
					t.Errorf("floors not sorted by level")
				}
				rooms += len(fl.Rooms)
				equipment += len(fl.Equipment)
				for _, s := range append(fl.Walls, fl.Other...) {
					if !geom.IsCCW(s.Outer) {
						t.Errorf("%s: outer ring not counter-clockwise", s.ID)
					}
					for _, h := range s.Holes {
						if geom.IsCCW(h) {
							t.Errorf("%s: hole not clockwise", s.ID)
						}
					}
				}
				for k := range fl.Rooms {
					r := &fl.Rooms[k]
					if !geom.IsCCW(r.Outer) {
						t.Errorf("room %s: outer ring not counter-clockwise", r.ID)
					}
					if !inside(r.Label, r) || !(r.LabelRadius > 0) {
						t.Errorf("room %s: label %v (radius %g) not inside", r.ID, r.Label, r.LabelRadius)
					}
					if !(r.Area > 0) {
						t.Errorf("room %s: area %g", r.ID, r.Area)
					}
				}
				for _, d := range fl.Doors {
					w := d.Width
					if math.Abs(d.Hinge.Sub(d.A).Len()-d.Thickness/2) > 1e-6 ||
						math.Abs(d.Leaf.Sub(d.Hinge).Len()-w) > 1e-6*math.Max(1, w) ||
						math.Abs(d.Swing.Radius-w) > 1e-6*math.Max(1, w) {
						t.Errorf("door %s: hinge %v leaf %v arc %+v", d.ID, d.Hinge, d.Leaf, d.Swing)
					}
					// The arc runs from one end to the other of the quarter circle.
					end := func(deg float64) geom.Vec2 {
						s, c := math.Sincos(deg * math.Pi / 180)
						return d.Swing.Centre.Add(geom.Vec2{c, s}.Scale(d.Swing.Radius))
					}
					closed := d.B.Add(d.Hinge.Sub(d.A))
					a, b := end(d.Swing.Start), end(d.Swing.End)
					tol := 1e-6 * math.Max(1, w)
					if !((a.Sub(d.Leaf).Len() < tol && b.Sub(closed).Len() < tol) || (b.Sub(d.Leaf).Len() < tol && a.Sub(closed).Len() < tol)) {
						t.Errorf("door %s: arc ends %v %v, leaf %v closed %v", d.ID, a, b, d.Leaf, closed)
					}
				}
				if fl.Empty {
					if len(fl.Walls)+len(fl.Rooms)+len(fl.Other)+len(fl.Equipment) != 0 || fl.Min != p.Min || fl.Max != p.Max {
						t.Errorf("empty floor %s: %+v", fl.ID, fl)
					}
				}
			}
			if rooms != m.Stats.Rooms {
				t.Errorf("%d rooms, model %d", rooms, m.Stats.Rooms)
			}
			if equipment != m.Stats.ByType["equipment"] {
				t.Errorf("%d equipment, model %d", equipment, m.Stats.ByType["equipment"])
			}
			if len(p.Connections) != m.Stats.Connections {
				t.Errorf("%d connections, model %d", len(p.Connections), m.Stats.Connections)
			}
		})
	}
}

func TestAwkward(t *testing.T) {
	p := build(t, plantest.Awkward("mm", false))
	if p.HasNorth || len(p.Warnings) != 1 || p.Warnings[0].Code != plan.CodeNoNorth {
		t.Errorf("north %v, warnings %v", p.HasNorth, p.Warnings)
	}
	fl := p.Floors[0]
	pieces := map[string]int{}
	for _, w := range fl.Walls {
		pieces[w.ID]++
	}
	// W1: a door and a window cut it; W3: its door cuts it, its high window does not.
	for id, want := range map[string]int{"W1": 3, "W2": 3, "W3": 2, "W8": 1} {
		if pieces[id] != want {
			t.Errorf("wall %s: %d pieces, want %d", id, pieces[id], want)
		}
	}
	for _, w := range fl.Windows {
		if want := w.ID != "WN3"; w.Cut != want {
			t.Errorf("window %s: cut %v", w.ID, w.Cut)
		}
	}
	// Doors open into their rooms.
	rooms := map[string]*plan.Room{}
	for k := range fl.Rooms {
		rooms[fl.Rooms[k].ID] = &fl.Rooms[k]
	}
	for _, d := range fl.Doors {
		mid := d.Hinge.Add(d.Leaf).Scale(0.5)
		if r := rooms[d.Room]; r != nil && !inside(mid, r) {
			t.Errorf("door %s does not open into room %s (leaf middle %v)", d.ID, d.Room, mid)
		}
	}
	if !p.Floors[1].Empty || p.Floors[1].ID != "L1" {
		t.Errorf("floor L1 is not marked empty")
	}
	// The L-shaped room's area and a label away from the notch.
	g01 := rooms["G01"]
	if math.Abs(g01.Area-73) > 1e-6 || math.Abs(rooms["G02"].Area-32) > 1e-6 {
		t.Errorf("areas %g %g", g01.Area, rooms["G02"].Area)
	}
	if g01.LabelRadius < 2 {
		t.Errorf("G01 label radius %g: not the pole of the L", g01.LabelRadius)
	}
	// Rotated equipment: the outline is the box turned by its rotation.
	for _, s := range fl.Equipment {
		if s.ID == "E-HVAC" {
			e := s.Outline[1].Sub(s.Outline[0])
			if ang := math.Atan2(e[1], e[0]) * 180 / math.Pi; math.Abs(ang-30) > 1e-6 {
				t.Errorf("E-HVAC outline at %g°", ang)
			}
			if s.Kind != "thermostat" || s.Model != "Nest Pro" {
				t.Errorf("E-HVAC %+v", s)
			}
		}
		if s.ID == "E-PANEL" && !s.Critical {
			t.Error("E-PANEL is critical")
		}
	}
	// The same building in metres gives the same plan.
	q := build(t, plantest.Awkward("m", true))
	if !q.HasNorth || math.Abs(q.North-12.5) > 1e-9 {
		t.Errorf("north %v %g, want 12.5", q.HasNorth, q.North)
	}
	for i, fl := range p.Floors {
		ql := q.Floors[i]
		if len(fl.Walls) != len(ql.Walls) || !near(fl.Min, ql.Min) || !near(fl.Max, ql.Max) {
			t.Errorf("floor %s differs between mm and m", fl.ID)
		}
		for k := range fl.Rooms {
			if !near(fl.Rooms[k].Label, ql.Rooms[k].Label) {
				t.Errorf("room %s label %v vs %v", fl.Rooms[k].ID, fl.Rooms[k].Label, ql.Rooms[k].Label)
			}
		}
	}
}

func TestNorth(t *testing.T) {
	text, err := plantest.Example("tech-tower.json")
	if err != nil {
		t.Fatal(err)
	}
	p := build(t, text)
	if !p.HasNorth || math.Abs(p.North-331) > 1e-9 {
		t.Fatalf("north %g", p.North)
	}
	// +Y is 29° clockwise from north, so north is 29° anticlockwise from +Y.
	want := geom.Vec2{-math.Sin(29 * math.Pi / 180), math.Cos(29 * math.Pi / 180)}
	if !near(p.NorthVector(), want) {
		t.Errorf("north vector %v, want %v", p.NorthVector(), want)
	}
}

func TestPole(t *testing.T) {
	// A thin L whose centroid lies outside it.
	l := geom.Ring{{0, 0}, {10, 0}, {10, 1}, {1, 1}, {1, 10}, {0, 10}}
	c, r := plan.Pole(l, nil)
	if !geom.PointInRing(c, l) || r < 0.45 {
		t.Errorf("pole %v radius %g", c, r)
	}
	// A square with a hole in the middle: the label avoids the hole.
	sq := geom.Ring{{0, 0}, {10, 0}, {10, 10}, {0, 10}}
	hole := geom.Ring{{3, 3}, {3, 7}, {7, 7}, {7, 3}}
	c, r = plan.Pole(sq, []geom.Ring{hole})
	if geom.PointInRing(c, hole) || r < 1.4 {
		t.Errorf("pole %v radius %g", c, r)
	}
	// Deterministic.
	c2, r2 := plan.Pole(sq, []geom.Ring{hole})
	if c != c2 || r != r2 {
		t.Error("pole not deterministic")
	}
}

func TestFitScale(t *testing.T) {
	// 60 m x 30 m on an A3 sheet's drawing area (0.38 x 0.25 m) needs 1:200.
	if n := plan.FitScale(geom.Vec2{60, 30}, geom.Vec2{0.38, 0.25}); n != 200 {
		t.Errorf("scale 1:%d", n)
	}
}

func TestSlug(t *testing.T) {
	for in, want := range map[string]string{"VAV box": "vav_box", "Sub-distribution panel": "sub_distribution_panel",
		"  ": "", "Wi-Fi access point": "wi_fi_access_point", "摄像头 №1": "摄像头_1"} {
		if got := plan.Slug(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestCancel(t *testing.T) {
	m := open(t, plantest.Awkward("m", true))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := plan.Build(ctx, m, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("got %v", err)
	}
}

func TestProgress(t *testing.T) {
	m := open(t, plantest.Awkward("m", true))
	var last int64
	if _, err := plan.Build(context.Background(), m, &plan.Options{Progress: func(n int64) { last = n }}); err != nil {
		t.Fatal(err)
	}
	if want := int64(m.Stats.Rooms + m.Stats.Elements + m.Stats.Connections); last != want {
		t.Errorf("progress ended at %d, want %d", last, want)
	}
}

// BenchmarkBuild plans a generated building of about 100,000 elements.
func BenchmarkBuild(b *testing.B) {
	text, err := plantest.Generated(100000, "m", true)
	if err != nil {
		b.Fatal(err)
	}
	m := open(b, text)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := plan.Build(context.Background(), m, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(m.Stats.Elements)/(b.Elapsed().Seconds()/float64(b.N)), "elements/s")
}
