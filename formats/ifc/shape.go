package ifc

import (
	"math"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// elementShape writes an element's body and returns the reference point its
// placement sits on (storey coordinates) and the IfcProductDefinitionShape,
// 0 when it has none.
func (w *writer) elementShape(el *model.Element, wall *model.Geometry, hostOK bool) (geom.Vec2, int) {
	g := &el.Geometry
	switch g.Kind {
	case model.KindLine:
		a, b := *g.Start, *g.End
		d := b.Sub(a)
		l := d.Len()
		if l == 0 {
			return a, 0
		}
		u := d.Scale(1 / l)
		mid := d.Scale(0.5)
		return a, w.boxShape(geom.Vec3{mid[0], mid[1], g.Base}, u, l, g.Thickness, g.Height)
	case model.KindExtrusion:
		o := g.Profile[0]
		return o, w.prismShape(g.Profile, g.Holes, o, g.Base, g.Height)
	case model.KindBox:
		p, sz := *g.Position, *g.Size
		s, c := sincosDeg(g.Rotation)
		return p.XY(), w.boxShape(geom.Vec3{0, 0, p[2]}, geom.Vec2{c, s}, math.Abs(sz[0]), math.Abs(sz[1]), math.Abs(sz[2]))
	case model.KindOpening:
		if !hostOK {
			return geom.Vec2{}, 0
		}
		ref := *wall.Start
		return ref, w.openingShape(el, wall, ref, 0)
	case model.KindMesh:
		if len(g.Vertices) == 0 || len(g.Triangles) == 0 {
			return geom.Vec2{}, 0
		}
		o := g.Vertices[0].XY()
		return o, w.meshShape(g, o)
	}
	return geom.Vec2{}, 0
}

// openingShape is the box an opening cuts from its wall, relative to ref,
// margin proud of each face.
func (w *writer) openingShape(el *model.Element, wall *model.Geometry, ref geom.Vec2, margin float64) int {
	g := &el.Geometry
	a, b := *wall.Start, *wall.End
	d := b.Sub(a)
	l := d.Len()
	if l == 0 {
		return 0
	}
	u := d.Scale(1 / l)
	c := a.Add(u.Scale(g.Offset + g.Width/2)).Sub(ref)
	return w.boxShape(geom.Vec3{c[0], c[1], wall.Base + g.Sill}, u, g.Width, wall.Thickness+2*margin, g.Height)
}

// positive reports whether a length is still positive once written.
func (w *writer) positive(v float64) bool { return math.Round(v*w.e.Scale()) >= 1 }

// boxShape writes a rectangle x by y centred on centre (its base), the x side
// along dir, extruded z up.
func (w *writer) boxShape(centre geom.Vec3, dir geom.Vec2, x, y, z float64) int {
	if !w.positive(x) || !w.positive(y) || !w.positive(z) {
		return 0
	}
	e := w.e
	p := w.point(centre[0], centre[1], centre[2])
	ref := 0
	if dir != (geom.Vec2{1, 0}) {
		ref = w.direction(dir[0], dir[1], 0)
	}
	pos := w.axis3(p, ref)
	prof := e.Begin("IFCRECTANGLEPROFILEDEF")
	e.Enum("AREA")
	e.Null()
	e.Null()
	e.Length(x)
	e.Length(y)
	e.End()
	return w.sweptShape(w.extrusion(prof, pos, z))
}

// prismShape writes a profile with holes, relative to origin, from base up height.
func (w *writer) prismShape(outer geom.Ring, holes []geom.Ring, origin geom.Vec2, base, height float64) int {
	if !w.positive(height) || len(outer) < 3 {
		return 0
	}
	e := w.e
	curve := w.polyCurve(outer, origin, true)
	var inner []int32
	for _, h := range holes {
		if len(h) >= 3 {
			inner = append(inner, int32(w.polyCurve(h, origin, false)))
		}
	}
	var prof int
	if len(inner) == 0 {
		prof = e.Begin("IFCARBITRARYCLOSEDPROFILEDEF")
		e.Enum("AREA")
		e.Null()
		e.Ref(curve)
	} else {
		prof = e.Begin("IFCARBITRARYPROFILEDEFWITHVOIDS")
		e.Enum("AREA")
		e.Null()
		e.Ref(curve)
		e.Refs32(inner)
	}
	e.End()
	pos := w.axis3(w.origin, 0)
	if base != 0 {
		pos = w.axis3(w.point(0, 0, base), 0)
	}
	return w.sweptShape(w.extrusion(prof, pos, height))
}

// polyCurve writes a closed IfcIndexedPolyCurve through a ring, the first
// point repeated at the end, anticlockwise when outer, else clockwise.
func (w *writer) polyCurve(r geom.Ring, origin geom.Vec2, outer bool) int {
	e := w.e
	rev := geom.IsCCW(r) != outer
	pl := e.Begin("IFCCARTESIANPOINTLIST2D")
	e.Open()
	for i := 0; i <= len(r); i++ {
		k := i % len(r)
		if rev {
			k = (len(r) - i) % len(r)
		}
		p := r[k]
		e.Open()
		e.Length(p[0] - origin[0])
		e.Length(p[1] - origin[1])
		e.Close()
	}
	e.Close()
	e.End()
	id := e.Begin("IFCINDEXEDPOLYCURVE")
	e.Ref(pl)
	e.Null()
	e.Enum("F")
	e.End()
	return id
}

func (w *writer) extrusion(profile, position int, depth float64) int {
	e := w.e
	id := e.Begin("IFCEXTRUDEDAREASOLID")
	e.Ref(profile)
	e.Ref(position)
	e.Ref(w.dirZ)
	e.Length(depth)
	e.End()
	return id
}

func (w *writer) sweptShape(item int) int { return w.shape("SweptSolid", item) }

func (w *writer) shape(kind string, item int) int {
	e := w.e
	rep := e.Begin("IFCSHAPEREPRESENTATION")
	e.Ref(w.body)
	e.Str("Body")
	e.Str(kind)
	e.Open()
	e.Ref(item)
	e.Close()
	e.End()
	id := e.Begin("IFCPRODUCTDEFINITIONSHAPE")
	e.Null()
	e.Null()
	e.Open()
	e.Ref(rep)
	e.Close()
	e.End()
	return id
}

// meshShape writes a mesh relative to origin as an IfcTriangulatedFaceSet.
func (w *writer) meshShape(g *model.Geometry, origin geom.Vec2) int {
	e := w.e
	pl := e.Begin("IFCCARTESIANPOINTLIST3D")
	e.Open()
	for _, v := range g.Vertices {
		e.Open()
		e.Length(v[0] - origin[0])
		e.Length(v[1] - origin[1])
		e.Length(v[2])
		e.Close()
	}
	e.Close()
	e.End()
	m := geom.Mesh{Vertices: g.Vertices, Triangles: g.Triangles}
	fs := e.Begin("IFCTRIANGULATEDFACESET")
	e.Ref(pl)
	e.Null()
	e.Bool(m.Closed())
	e.Open()
	for _, t := range g.Triangles {
		e.Open()
		e.Int(t[0] + 1)
		e.Int(t[1] + 1)
		e.Int(t[2] + 1)
		e.Close()
	}
	e.Close()
	e.Null()
	e.End()
	return w.shape("Tessellation", fs)
}

// sincosDeg is exact at multiples of 90°, as geom.Box is, so an axis-aligned
// box keeps the default axes.
func sincosDeg(deg float64) (sin, cos float64) {
	switch r := math.Mod(math.Mod(deg, 360)+360, 360); r {
	case 0:
		return 0, 1
	case 90:
		return 1, 0
	case 180:
		return 0, -1
	case 270:
		return -1, 0
	}
	return math.Sincos(deg * math.Pi / 180)
}
