package scene

import (
	"math"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// geometry fills it.Place, it.Solids and it.Open for it.Element.
func (s *Scene) geometry(it *Item) {
	e := it.Element
	g := &e.Geometry
	it.Place = Placement{}
	it.Solids = nil
	if g.Kind == model.KindMesh && !(&geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}).Closed() {
		it.Open = true
		if s.opts.Local {
			it.Place.Origin = meshOrigin(g.Vertices)
		}
		return
	}
	if !s.opts.Local && !(s.opts.Panels && g.Kind == model.KindOpening) {
		it.Solids = s.Model.Solids(e)
		return
	}
	p, solids := s.local(e)
	if s.opts.Local {
		it.Place, it.Solids = p, solids
		return
	}
	for k := range solids {
		place(&solids[k], p)
	}
	it.Solids = solids
}

// local returns the element's solids in element-local coordinates and the
// placement that puts them into the floor. The local origin is a corner of
// the element (a wall's start, a box's base centre, the low corner of an
// extrusion or mesh) and the local x axis runs along a wall or a box.
func (s *Scene) local(e *model.Element) (Placement, []geom.Solid) {
	g := &e.Geometry
	switch g.Kind {
	case model.KindLine:
		d := g.End.Sub(*g.Start)
		p := Placement{Origin: geom.Vec3{g.Start[0], g.Start[1], g.Base}, Angle: math.Atan2(d[1], d[0])}
		return p, geom.WallSolids(geom.Vec2{}, geom.Vec2{d.Len(), 0}, g.Thickness, 0, g.Height, s.Model.Openings(e.ID))
	case model.KindBox:
		p := Placement{Origin: *g.Position, Angle: g.Rotation * math.Pi / 180}
		return p, []geom.Solid{geom.Box(geom.Vec3{}, *g.Size, 0)}
	case model.KindExtrusion:
		lo, _ := geom.BBox2(g.Profile)
		holes := make([]geom.Ring, len(g.Holes))
		for k, h := range g.Holes {
			holes[k] = shift2(h, lo)
		}
		p := Placement{Origin: geom.Vec3{lo[0], lo[1], g.Base}}
		return p, []geom.Solid{geom.Prism(shift2(g.Profile, lo), holes, 0, g.Height)}
	case model.KindOpening:
		w, ok := s.Model.HostGeometry(e.Host)
		if !ok {
			return Placement{}, nil
		}
		d := w.End.Sub(*w.Start)
		u := d.Scale(1 / d.Len())
		o := w.Start.Add(u.Scale(g.Offset))
		p := Placement{Origin: geom.Vec3{o[0], o[1], w.Base + g.Sill}, Angle: math.Atan2(d[1], d[0])}
		depth := w.Thickness
		if s.opts.Panels {
			depth = math.Min(depth, panelThickness(e.Type))
		}
		return p, []geom.Solid{geom.Box(geom.Vec3{g.Width / 2, 0, 0}, geom.Vec3{g.Width, depth, g.Height}, 0)}
	case model.KindMesh:
		origin := meshOrigin(g.Vertices)
		verts := make([]geom.Vec3, len(g.Vertices))
		for i, v := range g.Vertices {
			verts[i] = v.Sub(origin)
		}
		m := geom.Mesh{Vertices: verts, Triangles: g.Triangles}
		if m.Volume() < 0 {
			m = m.Oriented()
		}
		sol, err := m.Solid()
		if err != nil {
			return Placement{Origin: origin}, nil
		}
		return Placement{Origin: origin}, []geom.Solid{sol}
	}
	return Placement{}, nil
}

func panelThickness(typ string) float64 {
	if typ == "window" {
		return WindowPanel
	}
	return DoorPanel
}

func shift2(r geom.Ring, o geom.Vec2) geom.Ring {
	out := make(geom.Ring, len(r))
	for i, p := range r {
		out[i] = p.Sub(o)
	}
	return out
}

// meshOrigin is the low corner of the vertices' bounds.
func meshOrigin(vs []geom.Vec3) geom.Vec3 {
	m := geom.Mesh{Vertices: vs}
	lo, _ := m.BBox()
	return lo
}

// place moves a solid from element-local into floor-local coordinates.
func place(s *geom.Solid, p Placement) {
	rot := Placement{Angle: p.Angle}
	for i := range s.Faces {
		f := &s.Faces[i]
		for k := range f.Outer {
			f.Outer[k] = p.Apply(f.Outer[k])
		}
		for _, h := range f.Inner {
			for k := range h {
				h[k] = p.Apply(h[k])
			}
		}
		f.Normal = rot.Apply(f.Normal)
	}
}

// openSurface appends an open mesh's triangles, both sides of each, with
// flat normals; vertices are taken relative to origin. Triangles without area
// or with an index out of range are skipped.
func openSurface(t *Triangles, verts []geom.Vec3, tris [][3]int, origin geom.Vec3) {
	n := len(verts)
	for _, tr := range tris {
		if tr[0] < 0 || tr[1] < 0 || tr[2] < 0 || tr[0] >= n || tr[1] >= n || tr[2] >= n {
			continue
		}
		a, b, c := verts[tr[0]].Sub(origin), verts[tr[1]].Sub(origin), verts[tr[2]].Sub(origin)
		nv := b.Sub(a).Cross(c.Sub(a))
		l := nv.Len()
		if !(l > 1e-12*math.Max(b.Sub(a).Dot(b.Sub(a)), c.Sub(a).Dot(c.Sub(a)))) {
			continue
		}
		nv = nv.Scale(1 / l)
		base := uint32(len(t.Positions))
		t.Positions = append(t.Positions, a, b, c, a, c, b)
		back := nv.Scale(-1)
		t.Normals = append(t.Normals, nv, nv, nv, back, back, back)
		t.Indices = append(t.Indices, base, base+1, base+2, base+3, base+4, base+5)
	}
}
