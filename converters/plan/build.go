package plan

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// progressEvery is how many items pass between two Progress calls.
const progressEvery = 4096

// Build makes the plan of every floor of m. It reads the model's rooms,
// elements and connections once each; ctx cancels it (the error is then ctx's).
func Build(ctx context.Context, m *model.Model, opt *Options) (*Plan, error) {
	if opt == nil {
		opt = &Options{}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b := &builder{m: m, opt: opt, floors: map[string]*Floor{}, roomIndex: map[string]int{},
		elementFloor: map[string]string{}}
	p := &Plan{
		Building:   m.Building.Name,
		BuildingID: m.Building.ID,
		Address:    m.Building.Address,
		Units:      m.Building.Units,
	}
	if p.Units == "" {
		p.Units = "m"
	}
	if g := m.Building.Georef; g != nil {
		p.HasNorth = true
		p.North = normDeg(-g.Rotation)
	} else {
		p.Warnings = append(p.Warnings, model.Problem{Path: "georef", Code: CodeNoNorth,
			Message: "the model has no georef: the plan has no north arrow"})
	}
	for _, f := range m.Building.Floors {
		fl := &Floor{ID: f.ID, Name: f.Name, Level: f.Level, Elevation: f.Elevation, Height: f.Height, Empty: true}
		p.Floors = append(p.Floors, fl)
		b.floors[f.ID] = fl
	}
	slices.SortStableFunc(p.Floors, func(a, b *Floor) int { return cmp.Compare(a.Level, b.Level) })
	b.plan = p

	if err := m.Rooms(ctx, func(r *model.Room) error { b.room(r); return nil }); err != nil {
		return nil, err
	}
	if err := m.Elements(ctx, func(e *model.Element) error { b.element(e); return nil }); err != nil {
		return nil, err
	}
	if err := m.Connections(ctx, func(c *model.Connection) error {
		p.Connections = append(p.Connections, Connection{Connection: *c,
			FromFloor: b.elementFloor[c.From], ToFloor: b.elementFloor[c.To]})
		b.tick()
		return nil
	}); err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(b.done)
	}
	b.extents()
	return p, nil
}

type builder struct {
	m      *model.Model
	opt    *Options
	plan   *Plan
	floors map[string]*Floor
	// roomIndex is the index of each room in its floor's Rooms (room ids are
	// unique in a building).
	roomIndex map[string]int
	// elementFloor is the floor id of every element, for connections.
	elementFloor map[string]string
	done         int64
}

func (b *builder) tick() {
	b.done++
	if b.opt.Progress != nil && b.done%progressEvery == 0 {
		b.opt.Progress(b.done)
	}
}

func (b *builder) room(r *model.Room) {
	defer b.tick()
	fl := b.floors[r.Floor]
	if fl == nil || len(r.Boundary) < 3 {
		return
	}
	fl.Empty = false
	outer := ccw(r.Boundary, true)
	holes := make([]geom.Ring, 0, len(r.Holes))
	area := geom.Area(outer)
	for _, h := range r.Holes {
		if len(h) >= 3 {
			holes = append(holes, ccw(h, false))
			area -= geom.Area(h)
		}
	}
	label, radius := Pole(outer, holes)
	fl.Rooms = append(fl.Rooms, Room{ID: r.ID, Name: r.Name, Type: r.Type, Outer: outer, Holes: holes,
		Area: area, Height: r.Height, Label: label, LabelRadius: radius})
	b.roomIndex[r.ID] = len(fl.Rooms) - 1
}

// roomOf returns a room on floor fl by id.
func (b *builder) roomOf(fl *Floor, id string) *Room {
	if id == "" {
		return nil
	}
	i, ok := b.roomIndex[id]
	if !ok || i >= len(fl.Rooms) || fl.Rooms[i].ID != id {
		return nil
	}
	return &fl.Rooms[i]
}

func (b *builder) element(e *model.Element) {
	defer b.tick()
	fl := b.floors[e.Floor]
	if fl == nil {
		return
	}
	fl.Empty = false
	b.elementFloor[e.ID] = e.Floor
	g := &e.Geometry
	switch {
	case e.Type == "wall" && g.Kind == model.KindLine:
		b.wall(fl, e)
	case (e.Type == "door" || e.Type == "window") && g.Kind == model.KindOpening:
		b.opening(fl, e)
	case e.Type == "equipment":
		b.equipment(fl, e)
	default:
		outer, holes := footprint(g)
		if len(outer) < 3 {
			if g.Kind == model.KindMesh {
				b.plan.Warnings = append(b.plan.Warnings, model.Problem{Path: "elements." + e.ID, Code: CodeFootprint,
					Message: "the mesh has no area in plan: it is left out of the plan"})
			}
			return
		}
		s := Shape{Layer: LayerOf(e.Type), ID: e.ID, Type: e.Type, Name: e.Name, Outer: outer, Holes: holes}
		if e.Type == "wall" {
			fl.Walls = append(fl.Walls, s)
		} else {
			fl.Other = append(fl.Other, s)
		}
	}
}

// cutSpan reports whether an opening from z0 to z1 above the floor spans the cut.
func cutSpan(z0, z1 float64) bool { return z0 <= CutHeight && z1 > CutHeight }

// wall adds the pieces of a line wall between its cut openings.
func (b *builder) wall(fl *Floor, e *model.Element) {
	g := &e.Geometry
	a, c := *g.Start, *g.End
	d := c.Sub(a)
	length := d.Len()
	if !(length > 0) || !(g.Thickness > 0) {
		return
	}
	u := d.Scale(1 / length)
	var gaps [][2]float64
	for _, o := range b.m.Openings(e.ID) {
		if cutSpan(g.Base+o.Sill, g.Base+o.Sill+o.Height) {
			gaps = append(gaps, [2]float64{max(o.Offset, 0), min(o.Offset+o.Width, length)})
		}
	}
	slices.SortFunc(gaps, func(p, q [2]float64) int { return cmp.Compare(p[0], q[0]) })
	const eps = 1e-9
	from := 0.0
	add := func(s, t float64) {
		if t-s <= eps {
			return
		}
		fl.Walls = append(fl.Walls, Shape{Layer: LayerWalls, ID: e.ID, Type: e.Type, Name: e.Name,
			Outer: band(a.Add(u.Scale(s)), a.Add(u.Scale(t)), g.Thickness)})
	}
	for _, gp := range gaps {
		add(from, gp[0])
		from = max(from, gp[1])
	}
	add(from, length)
}

// band is the counter-clockwise rectangle of the segment p→q thickened by t.
func band(p, q geom.Vec2, t float64) geom.Ring {
	d := q.Sub(p)
	n := geom.Vec2{-d[1], d[0]}.Norm().Scale(t / 2)
	return geom.Ring{p.Sub(n), q.Sub(n), q.Add(n), p.Add(n)}
}

func (b *builder) opening(fl *Floor, e *model.Element) {
	w, ok := b.m.Wall(e.Host)
	if !ok || w.Start == nil || w.End == nil {
		return
	}
	g := &e.Geometry
	a0 := *w.Start
	d := w.End.Sub(a0)
	length := d.Len()
	if !(length > 0) {
		return
	}
	u := d.Scale(1 / length)
	n := geom.Vec2{-u[1], u[0]} // left of the wall
	s0 := math.Max(g.Offset, 0)
	s1 := math.Min(g.Offset+g.Width, length)
	A, B := a0.Add(u.Scale(s0)), a0.Add(u.Scale(s1))
	half := n.Scale(w.Thickness / 2)
	jambs := [2][2]geom.Vec2{{A.Sub(half), A.Add(half)}, {B.Sub(half), B.Add(half)}}
	cut := cutSpan(w.Base+g.Sill, w.Base+g.Sill+g.Height)
	if e.Type == "window" {
		fl.Windows = append(fl.Windows, Window{ID: e.ID, Name: e.Name, Wall: e.Host, Room: e.Room,
			A: A, B: B, Thickness: w.Thickness, Jambs: jambs,
			Faces: [2][2]geom.Vec2{{A.Sub(half), B.Sub(half)}, {A.Add(half), B.Add(half)}},
			Width: g.Width, Sill: g.Sill, Height: g.Height, Cut: cut})
		return
	}
	side := 1.0 // open to the left unless the door's room is on the right
	if r := b.roomOf(fl, e.Room); r != nil {
		mid := A.Add(B).Scale(0.5)
		probe := w.Thickness/2 + math.Min(0.05, (s1-s0)/4)
		if !inRoom(mid.Add(n.Scale(probe)), r) && inRoom(mid.Sub(n.Scale(probe)), r) {
			side = -1
		}
	}
	width := s1 - s0
	hinge := A.Add(half.Scale(side))
	leaf := hinge.Add(n.Scale(side * width))
	base := deg(u)
	arc := Arc{Centre: hinge, Radius: width, Start: normDeg(base), End: normDeg(base + 90)}
	if side < 0 {
		arc.Start, arc.End = normDeg(base-90), normDeg(base)
	}
	fl.Doors = append(fl.Doors, Door{ID: e.ID, Name: e.Name, Wall: e.Host, Room: e.Room,
		A: A, B: B, Thickness: w.Thickness, Jambs: jambs, Hinge: hinge, Leaf: leaf, Swing: arc,
		Width: g.Width, Sill: g.Sill, Height: g.Height, Cut: cut})
}

func inRoom(p geom.Vec2, r *Room) bool {
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

func (b *builder) equipment(fl *Floor, e *model.Element) {
	g := &e.Geometry
	s := Symbol{ID: e.ID, Name: e.Name, System: e.System, Status: e.Status, Room: e.Room,
		Kind: kindOf(e)}
	if v, ok := e.Properties["model"].(string); ok {
		s.Model = v
	}
	if v, ok := e.Properties["manufacturer"].(string); ok {
		s.Manufacturer = v
	}
	if v, ok := e.Properties["critical"].(bool); ok {
		s.Critical = v
	}
	if g.Kind == model.KindBox && g.Position != nil && g.Size != nil {
		s.Position = g.Position.XY()
		s.Z = g.Position[2]
		s.Rotation = g.Rotation
		s.Size = geom.Vec2{g.Size[0], g.Size[1]}
		s.Outline = boxRing(s.Position, s.Size, s.Rotation)
	} else {
		outer, _ := footprint(g)
		if len(outer) < 3 {
			min, max, ok := g.Bounds()
			if !ok {
				return
			}
			outer = geom.Ring{min.XY(), {max[0], min[1]}, max.XY(), {min[0], max[1]}}
		}
		lo, hi := geom.BBox2(outer)
		s.Position = lo.Add(hi).Scale(0.5)
		s.Size = hi.Sub(lo)
		s.Outline = outer
		if min, _, ok := g.Bounds(); ok {
			s.Z = min[2]
		}
	}
	fl.Equipment = append(fl.Equipment, s)
}

// kindOf names what a piece of equipment is, as a lower-case identifier.
func kindOf(e *model.Element) string {
	for _, k := range []string{"kind", "equipment_type"} {
		if v, ok := e.Properties[k].(string); ok {
			if s := Slug(v); s != "" {
				return s
			}
		}
	}
	if s := Slug(e.Name); s != "" {
		return s
	}
	return "equipment"
}

// Slug lower-cases s and joins its runs of letters and digits with underscores:
// "VAV box" → "vav_box", "Sub-distribution panel" → "sub_distribution_panel".
func Slug(s string) string {
	var sb strings.Builder
	pending := false
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if pending && sb.Len() > 0 {
				sb.WriteByte('_')
			}
			pending = false
			sb.WriteRune(unicode.ToLower(r))
		} else {
			pending = true
		}
	}
	return sb.String()
}

// footprint is the plan outline of an element's geometry: outer ring
// counter-clockwise, holes clockwise; nil for an opening or a flat mesh.
func footprint(g *model.Geometry) (geom.Ring, []geom.Ring) {
	switch g.Kind {
	case model.KindLine:
		if g.Start == nil || g.End == nil || g.Start.Sub(*g.End).Len() == 0 || !(g.Thickness > 0) {
			return nil, nil
		}
		return band(*g.Start, *g.End, g.Thickness), nil
	case model.KindExtrusion:
		if len(g.Profile) < 3 {
			return nil, nil
		}
		var holes []geom.Ring
		for _, h := range g.Holes {
			if len(h) >= 3 {
				holes = append(holes, ccw(h, false))
			}
		}
		return ccw(g.Profile, true), holes
	case model.KindBox:
		if g.Position == nil || g.Size == nil {
			return nil, nil
		}
		return boxRing(g.Position.XY(), geom.Vec2{g.Size[0], g.Size[1]}, g.Rotation), nil
	case model.KindMesh:
		pts := make([]geom.Vec2, len(g.Vertices))
		for i, v := range g.Vertices {
			pts[i] = v.XY()
		}
		h := hull(pts)
		if len(h) < 3 || geom.Area(h) < 1e-12 {
			return nil, nil
		}
		return h, nil
	}
	return nil, nil
}

// boxRing is the counter-clockwise outline of a box centred at c, size s, turned rot degrees counter-clockwise.
func boxRing(c, s geom.Vec2, rot float64) geom.Ring {
	sin, cos := sincosDeg(rot)
	hx, hy := s[0]/2, s[1]/2
	out := make(geom.Ring, 4)
	for i, q := range [4]geom.Vec2{{-hx, -hy}, {hx, -hy}, {hx, hy}, {-hx, hy}} {
		out[i] = geom.Vec2{c[0] + q[0]*cos - q[1]*sin, c[1] + q[0]*sin + q[1]*cos}
	}
	return out
}

// sincosDeg is exact at multiples of 90°, so axis-aligned boxes stay axis-aligned.
func sincosDeg(d float64) (sin, cos float64) {
	d = normDeg(d)
	switch d {
	case 0:
		return 0, 1
	case 90:
		return 1, 0
	case 180:
		return 0, -1
	case 270:
		return -1, 0
	}
	return math.Sincos(d * math.Pi / 180)
}

// hull is the counter-clockwise convex hull of pts (Andrew's monotone chain).
func hull(pts []geom.Vec2) geom.Ring {
	pts = slices.Clone(pts)
	slices.SortFunc(pts, func(a, b geom.Vec2) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	pts = slices.Compact(pts)
	if len(pts) < 3 {
		return nil
	}
	h := make(geom.Ring, 0, 2*len(pts))
	for pass := 0; pass < 2; pass++ {
		start := len(h)
		for _, p := range pts {
			for len(h) >= start+2 && h[len(h)-1].Sub(h[len(h)-2]).Cross(p.Sub(h[len(h)-2])) <= 0 {
				h = h[:len(h)-1]
			}
			h = append(h, p)
		}
		h = h[:len(h)-1]
		slices.Reverse(pts)
	}
	return h
}

// ccw returns a copy of r wound counter-clockwise (want true) or clockwise.
func ccw(r geom.Ring, want bool) geom.Ring {
	out := geom.CleanRing(r)
	if (geom.SignedArea(out) > 0) != want {
		slices.Reverse(out)
	}
	return out
}

// deg is the angle of v in degrees counter-clockwise from +X.
func deg(v geom.Vec2) float64 {
	switch {
	case v[1] == 0 && v[0] > 0:
		return 0
	case v[0] == 0 && v[1] > 0:
		return 90
	case v[1] == 0 && v[0] < 0:
		return 180
	case v[0] == 0 && v[1] < 0:
		return 270
	}
	return math.Atan2(v[1], v[0]) * 180 / math.Pi
}

// normDeg brings an angle into [0, 360).
func normDeg(d float64) float64 {
	d = math.Mod(d, 360)
	if d < 0 {
		d += 360
	}
	if d >= 360 {
		d = 0
	}
	return d
}

// extents sets the floors' and the plan's bounds.
func (b *builder) extents() {
	p := b.plan
	first := true
	for _, fl := range p.Floors {
		var bx bounds
		for _, s := range fl.Walls {
			bx.ring(s.Outer)
		}
		for _, s := range fl.Other {
			bx.ring(s.Outer)
		}
		for _, r := range fl.Rooms {
			bx.ring(r.Outer)
		}
		for _, d := range fl.Doors {
			bx.ring(geom.Ring{d.Jambs[0][0], d.Jambs[0][1], d.Jambs[1][0], d.Jambs[1][1], d.Leaf})
		}
		for _, w := range fl.Windows {
			bx.ring(geom.Ring{w.Jambs[0][0], w.Jambs[0][1], w.Jambs[1][0], w.Jambs[1][1]})
		}
		for _, s := range fl.Equipment {
			bx.ring(s.Outline)
			bx.ring(geom.Ring{s.Position})
		}
		if !bx.ok {
			continue
		}
		fl.Min, fl.Max = bx.min, bx.max
		if first {
			p.Min, p.Max = bx.min, bx.max
			first = false
		} else {
			p.Min = geom.Vec2{math.Min(p.Min[0], bx.min[0]), math.Min(p.Min[1], bx.min[1])}
			p.Max = geom.Vec2{math.Max(p.Max[0], bx.max[0]), math.Max(p.Max[1], bx.max[1])}
		}
	}
	for _, fl := range p.Floors {
		if fl.Min == fl.Max && len(fl.Walls)+len(fl.Other)+len(fl.Rooms)+len(fl.Doors)+len(fl.Windows)+len(fl.Equipment) == 0 {
			fl.Min, fl.Max = p.Min, p.Max
		}
	}
}

type bounds struct {
	min, max geom.Vec2
	ok       bool
}

func (bx *bounds) ring(r geom.Ring) {
	for _, q := range r {
		if !bx.ok {
			bx.min, bx.max, bx.ok = q, q, true
			continue
		}
		bx.min = geom.Vec2{math.Min(bx.min[0], q[0]), math.Min(bx.min[1], q[1])}
		bx.max = geom.Vec2{math.Max(bx.max[0], q[0]), math.Max(bx.max[1], q[1])}
	}
}
