package geojson

import (
	"math"
	"slices"

	"github.com/arxos/arxport/geom"
	"github.com/arxos/arxport/model"
)

// shape is an element's or room's plan geometry in local metres, before
// projection: a polygon (outer ring and holes, rings not closed, any winding),
// a line string, or a point.
type shape struct {
	kind  shapeKind
	rings [][][2]float64 // polygon: outer first
	line  [][2]float64   // line string
	point [2]float64
}

type shapeKind int

const (
	shapeNone shapeKind = iota
	shapePolygon
	shapeLine
	shapePoint
)

func ringOf(r geom.Ring) [][2]float64 {
	out := make([][2]float64, len(r))
	for i, p := range r {
		out[i] = [2]float64{p[0], p[1]}
	}
	return out
}

func polygonOf(outer geom.Ring, holes []geom.Ring) shape {
	s := shape{kind: shapePolygon, rings: make([][][2]float64, 0, 1+len(holes))}
	s.rings = append(s.rings, ringOf(outer))
	for _, h := range holes {
		s.rings = append(s.rings, ringOf(h))
	}
	return s
}

// roomShape is the room's boundary with its holes.
func roomShape(r *model.Room) shape { return polygonOf(r.Boundary, r.Holes) }

// elementShape chooses the plan geometry of an element:
//
//   - equipment: a Point, the centre of its box's base (or of its plan bounds
//     for other kinds of geometry);
//   - doors and windows: a LineString on the host wall's axis, from the
//     opening's offset to offset + width;
//   - line elements (walls, beams...): the Polygon of the thickened axis;
//   - extrusions: the profile, with its holes;
//   - boxes: the rotated rectangle of the box;
//   - meshes: the convex hull of the vertices seen from above (a LineString or
//     a Point when the mesh stands on edge and the hull has no area).
func elementShape(m *model.Model, e *model.Element, ms *model.Measures) shape {
	g := &e.Geometry
	if e.Type == "equipment" {
		if g.Kind == model.KindBox && g.Position != nil {
			return shape{kind: shapePoint, point: [2]float64{g.Position[0], g.Position[1]}}
		}
		return shape{kind: shapePoint, point: [2]float64{(ms.Min[0] + ms.Max[0]) / 2, (ms.Min[1] + ms.Max[1]) / 2}}
	}
	switch g.Kind {
	case model.KindLine:
		if g.Start == nil || g.End == nil {
			return shape{}
		}
		return shape{kind: shapePolygon, rings: [][][2]float64{lineOutline(*g.Start, *g.End, g.Thickness)}}
	case model.KindExtrusion:
		return polygonOf(g.Profile, g.Holes)
	case model.KindBox:
		if g.Position == nil || g.Size == nil {
			return shape{}
		}
		return shape{kind: shapePolygon, rings: [][][2]float64{boxOutline(*g.Position, *g.Size, g.Rotation)}}
	case model.KindOpening:
		w, ok := m.HostGeometry(e.Host)
		if !ok || w.Start == nil || w.End == nil {
			return shape{}
		}
		a, b := *w.Start, *w.End
		dx, dy := b[0]-a[0], b[1]-a[1]
		l := math.Hypot(dx, dy)
		ux, uy := dx/l, dy/l
		return shape{kind: shapeLine, line: [][2]float64{
			{a[0] + ux*g.Offset, a[1] + uy*g.Offset},
			{a[0] + ux*(g.Offset+g.Width), a[1] + uy*(g.Offset+g.Width)},
		}}
	case model.KindMesh:
		pts := make([][2]float64, len(g.Vertices))
		for i, v := range g.Vertices {
			pts[i] = [2]float64{v[0], v[1]}
		}
		hull := convexHull(pts)
		switch len(hull) {
		case 0:
			return shape{}
		case 1:
			return shape{kind: shapePoint, point: hull[0]}
		case 2:
			return shape{kind: shapeLine, line: hull}
		}
		return shape{kind: shapePolygon, rings: [][][2]float64{hull}}
	}
	return shape{}
}

// lineOutline is the rectangle of a wall-like solid centred on its axis.
func lineOutline(a, b geom.Vec2, thickness float64) [][2]float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	l := math.Hypot(dx, dy)
	nx, ny := -dy/l*thickness/2, dx/l*thickness/2
	return [][2]float64{
		{a[0] + nx, a[1] + ny},
		{a[0] - nx, a[1] - ny},
		{b[0] - nx, b[1] - ny},
		{b[0] + nx, b[1] + ny},
	}
}

// boxOutline is the plan rectangle of a box centred on position, turned
// rotation degrees counter-clockwise about z (the right-hand rule, x towards y).
func boxOutline(pos, size geom.Vec3, rotation float64) [][2]float64 {
	sin, cos := math.Sincos(rotation * math.Pi / 180)
	hx, hy := size[0]/2, size[1]/2
	out := make([][2]float64, 0, 4)
	for _, c := range [4][2]float64{{-hx, -hy}, {hx, -hy}, {hx, hy}, {-hx, hy}} {
		out = append(out, [2]float64{pos[0] + c[0]*cos - c[1]*sin, pos[1] + c[0]*sin + c[1]*cos})
	}
	return out
}

// convexHull returns the convex hull of pts counter-clockwise, without
// collinear points (Andrew's monotone chain). Fewer than 3 points come back
// when the points are all equal (1) or collinear (the 2 extremes).
func convexHull(pts [][2]float64) [][2]float64 {
	ps := slices.Clone(pts)
	slices.SortFunc(ps, func(a, b [2]float64) int {
		if c := cmpFloat(a[0], b[0]); c != 0 {
			return c
		}
		return cmpFloat(a[1], b[1])
	})
	ps = slices.Compact(ps)
	if len(ps) < 3 {
		return ps
	}
	cross := func(o, a, b [2]float64) float64 {
		return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
	}
	hull := make([][2]float64, 0, 2*len(ps))
	for _, p := range ps {
		for len(hull) >= 2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	lower := len(hull) + 1
	for i := len(ps) - 2; i >= 0; i-- {
		p := ps[i]
		for len(hull) >= lower && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
			hull = hull[:len(hull)-1]
		}
		hull = append(hull, p)
	}
	hull = hull[:len(hull)-1]
	if len(hull) < 3 {
		// Collinear: the two extremes.
		return [][2]float64{ps[0], ps[len(ps)-1]}
	}
	return hull
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
