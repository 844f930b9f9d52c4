package model

import (
	"math"

	"github.com/arxos/arxport/geom"
)

// Bounds returns the axis-aligned box of the geometry in floor-local metres. An
// opening has no bounds of its own (it lies in its host wall).
func (g *Geometry) Bounds() (min, max geom.Vec3, ok bool) {
	switch g.Kind {
	case KindLine:
		s := solidCorners(g)
		min, max = boundsOf(s)
		min[2], max[2] = g.Base, g.Base+g.Height
		return min, max, true
	case KindExtrusion:
		lo, hi := geom.BBox2(g.Profile)
		return geom.Vec3{lo[0], lo[1], g.Base}, geom.Vec3{hi[0], hi[1], g.Base + g.Height}, true
	case KindBox:
		p, sz := *g.Position, *g.Size
		sin, cos := math.Sincos(g.Rotation * math.Pi / 180)
		hx := (math.Abs(cos*sz[0]) + math.Abs(sin*sz[1])) / 2
		hy := (math.Abs(sin*sz[0]) + math.Abs(cos*sz[1])) / 2
		return geom.Vec3{p[0] - hx, p[1] - hy, p[2]}, geom.Vec3{p[0] + hx, p[1] + hy, p[2] + sz[2]}, true
	case KindMesh:
		m := geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}
		min, max = m.BBox()
		return min, max, true
	}
	return geom.Vec3{}, geom.Vec3{}, false
}

// solidCorners returns the four plan corners of a line wall.
func solidCorners(g *Geometry) []geom.Vec3 {
	a, b := *g.Start, *g.End
	d := b.Sub(a)
	n := geom.Vec2{-d[1], d[0]}.Scale(g.Thickness / 2 / d.Len())
	out := make([]geom.Vec3, 0, 4)
	for _, p := range []geom.Vec2{a.Add(n), b.Add(n), b.Sub(n), a.Sub(n)} {
		out = append(out, geom.Vec3{p[0], p[1], 0})
	}
	return out
}

func boundsOf(pts []geom.Vec3) (min, max geom.Vec3) {
	min = geom.Vec3{math.Inf(1), math.Inf(1), math.Inf(1)}
	max = geom.Vec3{math.Inf(-1), math.Inf(-1), math.Inf(-1)}
	for _, p := range pts {
		for k := range 3 {
			min[k] = math.Min(min[k], p[k])
			max[k] = math.Max(max[k], p[k])
		}
	}
	return min, max
}

// Measures are the computed quantities of an element, in metres.
type Measures struct {
	// Length of a line element's axis; 0 for other kinds.
	Length float64
	// Area is the plan footprint (line, extrusion, box, mesh bounding rectangle is
	// not used: a mesh reports its surface area) or, for doors and windows, the
	// opening's elevation area.
	Area float64
	// Volume of the solid, openings cut; 0 for an open mesh.
	Volume float64
	// Min and Max bound the element, floor-local.
	Min, Max geom.Vec3
	// Closed is false for a mesh that is not a closed solid.
	Closed bool
}

// Measure computes an element's quantities. Walls have their openings cut; an
// opening is measured in its host wall.
func (m *Model) Measure(e *Element) Measures {
	g := &e.Geometry
	out := Measures{Closed: true}
	switch g.Kind {
	case KindLine:
		// Openings lie inside their wall and never overlap (validated), so
		// the volume needs no solid.
		out.Length = g.End.Sub(*g.Start).Len()
		out.Area = out.Length * g.Thickness
		out.Volume = out.Area * g.Height
		for _, o := range m.openings[e.ID] {
			out.Volume -= o.Width * o.Height * g.Thickness
		}
	case KindExtrusion:
		out.Area = geom.Area(g.Profile)
		for _, h := range g.Holes {
			out.Area -= geom.Area(h)
		}
		out.Volume = out.Area * g.Height
	case KindBox:
		out.Area = g.Size[0] * g.Size[1]
		out.Volume = out.Area * g.Size[2]
	case KindOpening:
		out.Area = g.Width * g.Height
		if w, ok := m.HostGeometry(e.Host); ok {
			out.Volume = out.Area * w.Thickness
		}
	case KindMesh:
		mesh := geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}
		out.Area = mesh.Area()
		out.Closed = mesh.Closed()
		if out.Closed {
			out.Volume = math.Abs(mesh.Volume())
		}
	}
	if min, max, ok := m.bounds(e); ok {
		out.Min, out.Max = min, max
	}
	return out
}

func (m *Model) bounds(e *Element) (min, max geom.Vec3, ok bool) {
	g := &e.Geometry
	if g.Kind != KindOpening {
		return g.Bounds()
	}
	w, ok := m.HostGeometry(e.Host)
	if !ok {
		return min, max, false
	}
	part := openingPart(&w, geom.Opening{Offset: g.Offset, Width: g.Width, Sill: g.Sill, Height: g.Height})
	return part.Bounds()
}

// openingPart is the part of line wall w an opening takes: between offset and
// offset+width along it, from the sill up.
func openingPart(w *Geometry, o geom.Opening) Geometry {
	d := w.End.Sub(*w.Start)
	u := d.Scale(1 / d.Len())
	a, b := w.Start.Add(u.Scale(o.Offset)), w.Start.Add(u.Scale(o.Offset+o.Width))
	return Geometry{Kind: KindLine, Start: &a, End: &b, Thickness: w.Thickness, Base: w.Base + o.Sill, Height: o.Height}
}

// Wall returns the line geometry of a wall that hosts openings, in metres.
// It reports only walls the model hands out: a wall that Options.Floors or
// Options.Types leave out is not one, even when doors or windows kept are cut
// in it (see HostGeometry).
func (m *Model) Wall(id string) (Geometry, bool) {
	g, ok := m.walls[id]
	return g, ok
}

// HostGeometry returns the line geometry, in metres, of the wall a door or
// window is cut in: that of Wall, or of a wall that Options.Floors or
// Options.Types leave out while keeping its openings. Such an opening stands
// on its own: this places it, and Measure and Solids use it, but the wall
// itself is not in the model (Wall reports false), so a writer must not
// relate the opening to it.
func (m *Model) HostGeometry(wallID string) (Geometry, bool) {
	if g, ok := m.walls[wallID]; ok {
		return g, true
	}
	g, ok := m.hosts[wallID]
	return g, ok
}

// Solids returns the element as closed solids in floor-local metres: a wall with
// its openings cut (possibly in pieces), a prism, a box, a closed mesh, or for a
// door or window the volume it cuts from its host. An open mesh has none.
func (m *Model) Solids(e *Element) []geom.Solid {
	g := &e.Geometry
	switch g.Kind {
	case KindLine:
		return geom.WallSolids(*g.Start, *g.End, g.Thickness, g.Base, g.Height, m.openings[e.ID])
	case KindExtrusion:
		return []geom.Solid{geom.Prism(g.Profile, g.Holes, g.Base, g.Base+g.Height)}
	case KindBox:
		return []geom.Solid{geom.Box(*g.Position, *g.Size, g.Rotation)}
	case KindOpening:
		w, ok := m.HostGeometry(e.Host)
		if !ok {
			return nil
		}
		a, b := *w.Start, *w.End
		u2 := b.Sub(a).Scale(1 / b.Sub(a).Len())
		n2 := geom.Vec2{-u2[1], u2[0]}
		o := a.Add(u2.Scale(g.Offset)).Sub(n2.Scale(w.Thickness / 2))
		f := geom.Frame{
			Origin: geom.Vec3{o[0], o[1], w.Base + g.Sill},
			U:      geom.Vec3{u2[0], u2[1], 0},
			V:      geom.Vec3{0, 0, 1},
		}
		// U x V points to -n2, so the profile is placed on the far face and
		// extruded back across the wall.
		f.Origin = geom.Vec3{o[0] + n2[0]*w.Thickness, o[1] + n2[1]*w.Thickness, f.Origin[2]}
		rect := geom.Ring{{0, 0}, {g.Width, 0}, {g.Width, g.Height}, {0, g.Height}}
		return []geom.Solid{geom.Extrude(f, rect, nil, w.Thickness)}
	case KindMesh:
		mesh := geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}
		if !mesh.Closed() {
			return nil
		}
		oriented := mesh.Oriented()
		s, err := oriented.Solid()
		if err != nil {
			return nil
		}
		return []geom.Solid{s}
	}
	return nil
}
